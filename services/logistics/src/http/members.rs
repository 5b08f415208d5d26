//! Crew accounts, created by the carrier (the crew's page signs in with them).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{crew, crew_members, dispatch};
use crate::domain::dispatch::NAME_MAX;

#[derive(Debug, Deserialize)]
pub struct MemberBody {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// A crew account as the API shows it (never the hash).
#[derive(Debug, Serialize)]
pub struct MemberView {
    pub id: Uuid,
    pub crew_id: Uuid,
    pub carrier_id: Uuid,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/carriers/{cid}/crews/{crew_id}/members {email, name, password}` → 201 with the
/// account; a crew of another carrier → 404; the e-mail taken → 409 `email_taken`; a password
/// shorter than 12 characters → 422.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, crew_id) = path.into_inner();
    let mut v = FieldErrors::new();
    let email = kummerer_web::parse_email(&body.email);
    if email.is_none() {
        v.add("email", "must be an e-mail address");
    }
    let name = v.text("name", &body.name, NAME_MAX);
    if let Err(e) = kummerer_web::check_password(&body.password) {
        v.add("password", e.to_string());
    }
    v.finish()?;
    let email = email.ok_or_else(|| Problem::internal("e-mail vanished after validation"))?;
    dispatch::find_crew_of(db.get_ref(), carrier_id, crew_id)
        .await?
        .ok_or_else(|| Problem::not_found("crew"))?;
    let password_hash = kummerer_web::hash_password(body.password.clone())
        .await
        .map_err(Problem::internal)?;
    let member = crew_members::Model {
        id: Uuid::now_v7(),
        crew_id,
        carrier_id,
        email,
        name,
        password_hash,
        failed_attempts: 0,
        locked_until: None,
        created_at: Utc::now(),
    };
    if !crew::insert_member(db.get_ref(), member.clone()).await? {
        return Err(Problem::conflict(
            "email_taken",
            format!("there is already a crew account for {}", member.email),
        ));
    }
    tracing::info!(carrier.id = %carrier_id, crew.id = %crew_id, member.id = %member.id, "crew account created");
    Ok(HttpResponse::Created().json(MemberView {
        id: member.id,
        crew_id,
        carrier_id,
        email: member.email,
        name: member.name,
        created_at: member.created_at,
    }))
}
