//! Personal data by rule over the JSON API, for a retailer's admin (HTTP Basic; another
//! retailer's admin gets the same 401 as wrong credentials): erase one customer, list the
//! erasure records, read and set the retention period ([`crate::app::erasure`]).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{CaseId, ErasureReason, RetailerId};
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::erasure::{self, ErasureError, MAX_RETENTION_DAYS, RetentionError, Target};
use crate::db::erasure::ErasureRow;
use crate::http::api::admin_auth::Admin;

fn field(name: &str, message: impl Into<String>) -> Problem {
    Problem::validation(vec![FieldError {
        field: name.to_owned(),
        message: message.into(),
    }])
}

impl From<ErasureError> for Problem {
    fn from(e: ErasureError) -> Self {
        match e {
            ErasureError::NotFound => Problem::not_found("sale or case"),
            ErasureError::CaseOpen(_) => Problem::conflict("case_open", e.to_string()),
            ErasureError::Db(e) => e.into(),
        }
    }
}

impl From<RetentionError> for Problem {
    fn from(e: RetentionError) -> Self {
        match e {
            RetentionError::NotFound => Problem::not_found("retailer"),
            RetentionError::OutOfBounds => field("days", e.to_string()),
            RetentionError::Db(e) => e.into(),
        }
    }
}

/// Whose data: exactly one of the two.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EraseBody {
    pub sale_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
}

/// An erasure record as the API shows it: ids, counts, who and when — never a personal value.
#[derive(Debug, Serialize)]
pub struct ErasureView {
    #[serde(flatten)]
    pub record: ErasureRow,
    /// `waiting_for_logistics` until logistics confirmed its part, then `complete`.
    pub status: &'static str,
}

impl From<ErasureRow> for ErasureView {
    fn from(record: ErasureRow) -> Self {
        let status = match record.logistics_erased_at {
            Some(_) => "complete",
            None => "waiting_for_logistics",
        };
        ErasureView { record, status }
    }
}

/// `POST /api/retailers/{rid}/erasures` `{sale_id}` or `{case_id}` → 201 with the erasure
/// record (200 with the earlier one when the customer was erased before); 404 for a sale or
/// case not of this retailer, 409 `case_open` while a case of the customer is still going, 422
/// for neither or both ids. The admin is who asked.
pub async fn create(
    admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<EraseBody>,
) -> Result<HttpResponse, Problem> {
    let target = match body.into_inner() {
        EraseBody {
            sale_id: Some(id),
            case_id: None,
        } => Target::Sale(id),
        EraseBody {
            sale_id: None,
            case_id: Some(id),
        } => Target::Case(CaseId(id)),
        _ => return Err(field("sale_id", "give exactly one of sale_id and case_id")),
    };
    let done = erasure::erase(
        db.get_ref(),
        RetailerId(path.into_inner()),
        target,
        ErasureReason::Request,
        &admin.0.email,
        Utc::now(),
    )
    .await?;
    let view = ErasureView::from(done.record);
    Ok(if done.new {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

#[derive(Debug, Serialize)]
pub struct ErasureList {
    pub items: Vec<ErasureView>,
}

/// `GET /api/retailers/{rid}/erasures` → the erasure records, latest first.
pub async fn list(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let items = erasure::records(db.get_ref(), RetailerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ErasureList {
        items: items.into_iter().map(ErasureView::from).collect(),
    }))
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Retention {
    /// Days after a case is over until its customer's personal data are erased (0–3650).
    pub days: i64,
}

/// `GET /api/retailers/{rid}/retention` → `{days}`.
pub async fn get_retention(
    _admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    let days = erasure::retention(db.get_ref(), RetailerId(path.into_inner())).await?;
    Ok(HttpResponse::Ok().json(Retention {
        days: i64::from(days),
    }))
}

/// `PUT /api/retailers/{rid}/retention` `{days}` → 200 `{days}`; 422 outside 0–3650.
pub async fn set_retention(
    admin: Admin,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<Retention>,
) -> Result<HttpResponse, Problem> {
    let rid = RetailerId(path.into_inner());
    let days = erasure::set_retention(db.get_ref(), rid, body.days).await?;
    tracing::info!(retailer.id = %rid, staff.id = %admin.0.id, max = MAX_RETENTION_DAYS,
        "retention set by an admin");
    Ok(HttpResponse::Ok().json(Retention {
        days: i64::from(days),
    }))
}
