//! The POS sales import over the JSON API, for an admin of the retailer (HTTP Basic): the file
//! is the request body, read as the desk's import page reads it ([`crate::http::import_file`]:
//! encoding and delimiter detected, German column names, local dates, decimal commas) and
//! checked by the same use case ([`crate::app::import::upload`]): imported whole, or nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_service::Problem;
use kummerer_service::problem::{CONTENT_TYPE, FieldError};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::import::{self as app, RowError, Upload, UploadError};
use crate::http::api::admin_auth::Admin;
use crate::http::api::retailers::existing;
use crate::http::import_file::{self as file, MAX_BYTES, parse_file};
use crate::settings::SalesConfig;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportQuery {
    /// The file's name, kept with it (default `sales.csv`).
    pub file_name: String,
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub import_id: Uuid,
    pub imported: usize,
    /// How the file was read: "Windows-1252, separated by semicolons".
    pub read_as: String,
}

/// RFC 9457 problem with the rows that failed as an extension member.
#[derive(Debug, Serialize)]
struct ImportProblem {
    #[serde(flatten)]
    problem: Problem,
    /// Every error: `{line, column, value, expected}`.
    rows: Vec<RowError>,
    /// The checked file, kept (its valid rows can be imported from the desk's import page).
    #[serde(skip_serializing_if = "Option::is_none")]
    import_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_as: Option<String>,
}

fn rows_problem(
    code: &str,
    title: &str,
    rows: Vec<RowError>,
    (import_id, read_as): (Option<Uuid>, Option<String>),
) -> HttpResponse {
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        title,
        Some(format!("{} errors: nothing was imported", rows.len())),
    );
    problem.errors = rows
        .iter()
        .map(|e| FieldError {
            field: format!("line {}: {}", e.line, e.field),
            message: if e.value.is_empty() {
                e.message.clone()
            } else {
                format!("{} (found: {})", e.message, e.value)
            },
        })
        .collect();
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .insert_header((actix_web::http::header::CONTENT_TYPE, CONTENT_TYPE))
        .json(ImportProblem {
            problem,
            rows,
            import_id,
            read_as,
        })
}

/// `POST /api/retailers/{rid}/sales/imports?file_name=…` with the CSV file as the body and an
/// admin's Basic credentials → 201 `{import_id, imported, read_as}` when every row is valid;
/// otherwise nothing is imported: 422 `import_file_invalid` (the file as a whole) or
/// `import_rows_invalid` (some rows), each error in `rows` as `{line, column, value,
/// expected}`; sales imported meanwhile → 409 `import_collided`.
pub async fn upload(
    Admin(admin): Admin,
    db: web::Data<DatabaseConnection>,
    sales: web::Data<SalesConfig>,
    path: web::Path<Uuid>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
    existing(db.get_ref(), retailer_id).await?;
    if body.len() > MAX_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "import_too_large",
            "The file is too large",
            Some(format!("at most {MAX_BYTES} bytes: split it")),
        ));
    }
    let (text, encoding) = match file::decode(&body) {
        Ok(read) => read,
        Err(e) => {
            return Ok(rows_problem(
                "import_file_invalid",
                "The file cannot be imported",
                vec![e],
                (None, None),
            ));
        }
    };
    let read_as = file::read_as(&text, encoding);
    let file_name = match query.file_name.trim() {
        "" => "sales.csv",
        name => name,
    };
    let upload = Upload {
        retailer_id,
        uploaded_by: admin.id,
        file_name,
        text: &text,
        sales: **sales,
    };
    let done = match app::upload(db.get_ref(), parse_file, upload, Utc::now()).await {
        Ok(done) => done,
        Err(UploadError::File(e)) => {
            return Ok(rows_problem(
                "import_file_invalid",
                "The file cannot be imported",
                vec![e],
                (None, Some(read_as)),
            ));
        }
        Err(UploadError::Collided) => {
            return Err(Problem::conflict(
                "import_collided",
                "some of these sales were imported meanwhile: send the file again",
            ));
        }
        Err(UploadError::Db(e)) => return Err(e.into()),
    };
    if !done.errors.is_empty() {
        tracing::info!(admin.id = %admin.id, import.id = %done.import_id,
            errors = done.errors.len(), "sales file with errors over the API: nothing imported");
        return Ok(rows_problem(
            "import_rows_invalid",
            "Some rows of the file are not valid",
            done.errors,
            (Some(done.import_id), Some(read_as)),
        ));
    }
    tracing::info!(admin.id = %admin.id, import.id = %done.import_id, rows = done.valid,
        "sales imported over the API");
    Ok(HttpResponse::Created().json(Imported {
        import_id: done.import_id,
        imported: done.valid,
        read_as,
    }))
}
