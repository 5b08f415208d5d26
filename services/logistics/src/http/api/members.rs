//! Crew and dispatcher accounts, created by the carrier (the crew's page and the dispatcher's
//! pages sign in with them).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::ids::{CarrierId, CrewId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::members;
use crate::db::{crew_members, dispatchers};

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

/// `POST /api/carriers/{cid}/crews/{crew_id}/members {email, name, password}` → 201 with the
/// account; a crew of another carrier → 404; the e-mail taken → 409 `email_taken`; a password
/// shorter than 12 characters → 422.
pub async fn create(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, CrewId)>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, crew_id) = path.into_inner();
    let account = members::new_account(&body.email, &body.name, &body.password)?;
    let member = members::create_member(db.get_ref(), carrier_id, crew_id, account).await?;
    Ok(HttpResponse::Created().json(MemberView::from(member)))
}

/// `POST /api/carriers/{cid}/dispatchers {email, name, password}` → 201 with the dispatcher's
/// account (for the dispatcher's pages, `/dispatch`); an unknown carrier → 404; the e-mail
/// taken → 409 `email_taken`; a password shorter than 12 characters → 422.
pub async fn create_dispatcher(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
    body: web::Json<MemberBody>,
) -> Result<HttpResponse, Problem> {
    let account = members::new_account(&body.email, &body.name, &body.password)?;
    let row = members::create_dispatcher(db.get_ref(), path.into_inner(), account).await?;
    Ok(HttpResponse::Created().json(MemberView::from(row)))
}
