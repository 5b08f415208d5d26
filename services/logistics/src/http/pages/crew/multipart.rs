//! The visit page's `multipart/form-data` forms: their fields and chosen photos, read, checked
//! and put in the photo store.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_contracts::ids::JobId;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;

use super::auth::Signed;
use super::visit::{Refusal, VisitForm, visit_again};
use super::{Errors, form_data, message_page};
use crate::app;
use crate::app::visits::StepEvidence;
use crate::domain::photo::{MAX_PHOTO_BYTES, PhotoError, PhotoKind, check_photo};
use crate::photos::{PhotoStore, StoredPhoto};

/// A photo chosen on the *delivered and collected* form.
#[derive(Debug)]
pub struct PhotoInput {
    /// The form field (`delivered_photo`, `collected_photo`).
    pub field: &'static str,
    pub kind: PhotoKind,
    /// The type the browser declared.
    pub declared: String,
    pub bytes: Vec<u8>,
}

/// The file inputs of the form: field, kind.
pub const PHOTO_FIELDS: [(&str, PhotoKind); 2] = [
    ("delivered_photo", PhotoKind::Delivered),
    ("collected_photo", PhotoKind::Collected),
];

/// Largest *delivered and collected* form with its photos: two photos and the fields.
pub const PHOTO_FORM_LIMIT: usize = 2 * MAX_PHOTO_BYTES + 64 * 1024;

/// Reads a `multipart/form-data` form of the visit page: its fields and chosen photos; or the
/// page to answer (unreadable, too large).
pub async fn read_multipart(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Result<(VisitForm, Vec<PhotoInput>), HttpResponse>, Problem> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Read before the session is checked: the browser's language (the cookie follows the
    // member's choice).
    let tr = crate::http::pages::i18n::anonymous(req);
    let unreadable = || {
        message_page(
            &tr,
            StatusCode::BAD_REQUEST,
            &tr.t("crew-form-unreadable"),
            &tr.t("crew-form-unreadable-text"),
        )
    };
    let Ok(boundary) = form_data::boundary(content_type) else {
        return unreadable().map(Err);
    };
    let body = match payload.to_bytes_limited(PHOTO_FORM_LIMIT).await {
        Ok(Ok(body)) => body,
        Err(_limit) => {
            return message_page(
                &tr,
                StatusCode::PAYLOAD_TOO_LARGE,
                &tr.t("crew-photo-too-large"),
                &tr.t("crew-photo-too-large-text"),
            )
            .map(Err);
        }
        Ok(Err(_)) => return unreadable().map(Err),
    };
    let Ok(parts) = form_data::parse(&body, &boundary) else {
        return unreadable().map(Err);
    };
    let mut form = VisitForm::default();
    let mut photos = Vec::new();
    for part in parts {
        let text = || String::from_utf8_lossy(part.data).into_owned();
        match part.name.as_str() {
            "csrf" => form.csrf = text(),
            "delivered_serial" => form.delivered_serial = text(),
            "collected_serial" => form.collected_serial = text(),
            "recipient_name" => form.recipient_name = text(),
            "confirm_mismatch" => form.confirm_mismatch = text(),
            name => {
                let Some((field, kind)) = PHOTO_FIELDS.iter().find(|(f, _)| *f == name) else {
                    continue;
                };
                let chosen = part.filename.as_deref().is_some_and(|f| !f.is_empty());
                if !chosen && part.data.is_empty() {
                    continue;
                }
                photos.push(PhotoInput {
                    field,
                    kind: *kind,
                    declared: part.content_type.clone().unwrap_or_default(),
                    bytes: part.data.to_vec(),
                });
            }
        }
    }
    Ok(Ok((form, photos)))
}

/// The chosen photos checked (each refused one a field error on the form `which`) and put in
/// the store; with the delivered replacement's and the collected unit's photos as evidence for
/// the messages. Nothing stays in the store on an error.
pub async fn store_inputs(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    signed: &Signed,
    job_id: JobId,
    which: &'static str,
    form: &VisitForm,
    photos: Vec<PhotoInput>,
) -> Result<Result<(Vec<StoredPhoto>, StepEvidence), HttpResponse>, Problem> {
    let mut checked = Vec::new();
    for photo in photos {
        match check_photo(&photo.declared, &photo.bytes) {
            Ok(image) => checked.push((photo.kind, image, photo.bytes)),
            Err(e) => {
                let status = match e {
                    PhotoError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                    PhotoError::Empty
                    | PhotoError::DeclaredTypeNotAccepted
                    | PhotoError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                };
                let tr = &signed.tr;
                let reason = match e {
                    PhotoError::Empty => tr.t("photo-error-empty"),
                    PhotoError::TooLarge => tr.t("photo-error-too-large"),
                    PhotoError::DeclaredTypeNotAccepted => tr.t("photo-error-declared-type"),
                    PhotoError::NotAnImage => tr.t("photo-error-not-an-image"),
                };
                let message = tr.ta("photo-error-what-to-do", "reason", reason);
                let errors = Errors::of_fields(tr, [(photo.field.to_owned(), message)]);
                let refusal = Refusal::form(status, errors);
                let page = visit_again(db, signed, job_id, which, form.clone(), refusal).await?;
                return Ok(Err(page));
            }
        }
    }
    let mut stored = Vec::new();
    let mut evidences = StepEvidence::default();
    for (kind, image, bytes) in checked {
        let slot = match kind {
            PhotoKind::Delivered => &mut evidences.delivered,
            PhotoKind::Collected => &mut evidences.collected,
        };
        match app::photos::put(store, kind, image, bytes).await {
            Ok(photo) => {
                *slot = Some(app::photos::evidence_of_stored(&photo));
                stored.push(photo);
            }
            Err(e) => {
                app::photos::discard(store, &stored).await;
                return Err(e.into());
            }
        }
    }
    Ok(Ok((stored, evidences)))
}
