//! Crew and dispatcher accounts, created by the carrier (the crew's page and the dispatcher's
//! pages sign in with them).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::{crew, crew_members, dispatch, dispatcher, dispatchers};
use crate::domain::dispatch::NAME_MAX;

#[derive(Debug, Deserialize)]
pub struct MemberBody {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// An account as the API shows it (never the hash).
#[derive(Debug, Serialize)]
pub struct MemberView {
    pub id: Uuid,
    /// `null` for a dispatcher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crew_id: Option<Uuid>,
    pub carrier_id: Uuid,
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<crew_members::Model> for MemberView {
    fn from(m: crew_members::Model) -> Self {
        MemberView {
            id: m.id,
            crew_id: Some(m.crew_id),
            carrier_id: m.carrier_id,
            email: m.email,
            name: m.name,
            created_at: m.created_at,
        }
    }
}

impl From<dispatchers::Model> for MemberView {
    fn from(d: dispatchers::Model) -> Self {
        MemberView {
            id: d.id,
            crew_id: None,
            carrier_id: d.carrier_id,
            email: d.email,
            name: d.name,
            created_at: d.created_at,
        }
    }
}

/// A new account's e-mail (lower-case) and name, or 422 naming the fields (the password too).
/// Crew and dispatcher accounts both come here.
pub fn parse_account(body: &MemberBody) -> Result<(String, String), Problem> {
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
    Ok((email, name))
}

/// The password's argon2id hash (off the async threads).
async fn hash(body: &MemberBody) -> Result<String, Problem> {
    kummerer_web::hash_password(body.password.clone())
        .await
        .map_err(Problem::internal)
}

fn email_taken(email: &str) -> Problem {
    Problem::conflict(
        "email_taken",
        format!("there is already an account for {email}"),
    )
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
    let (email, name) = parse_account(&body)?;
    dispatch::find_crew_of(db.get_ref(), carrier_id, crew_id)
        .await?
        .ok_or_else(|| Problem::not_found("crew"))?;
    let password_hash = hash(&body).await?;
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
        return Err(email_taken(&member.email));
    }
    tracing::info!(carrier.id = %carrier_id, crew.id = %crew_id, member.id = %member.id, "crew account created");
    Ok(HttpResponse::Created().json(MemberView::from(member)))
}

/// `POST /api/carriers/{cid}/dispatchers {email, name, password}` → 201 with the dispatcher's
/// account (for the dispatcher's pages, `/dispatch`); an unknown carrier → 404; the e-mail
/// taken → 409 `email_taken`; a password shorter than 12 characters → 422.
pub async fn create_dispatcher(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    let (email, name) = parse_account(&body)?;
    dispatch::find_carrier(db.get_ref(), carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let password_hash = hash(&body).await?;
    let row = dispatchers::Model {
        id: Uuid::now_v7(),
        carrier_id,
        email,
        name,
        password_hash,
        failed_attempts: 0,
        locked_until: None,
        created_at: Utc::now(),
    };
    if !dispatcher::insert(db.get_ref(), row.clone()).await? {
        return Err(email_taken(&row.email));
    }
    tracing::info!(carrier.id = %carrier_id, dispatcher.id = %row.id, "dispatcher account created");
    Ok(HttpResponse::Created().json(MemberView::from(row)))
}
