//! The use cases of logistics: one transaction each, typed input, a typed error enum per module,
//! typed facts out. The JSON API (`http::api`), the pages (`http::pages`) and the consumers all
//! call these; nothing here knows HTTP (no actix, no `Problem`).
//!
//! Error policy: each module has its error enum (`StepError`, `DispatchError`, `PhotoError`,
//! `ShipmentActionError`, …) with a `Db` variant for what the database said; the HTTP edge maps
//! them to problems (`impl From<…> for Problem` in `http::api`), the pages to form errors.

pub mod cancel;
pub mod contracts;
pub mod correct;
pub mod customer_answer;
pub mod dispatch;
pub mod members;
pub mod overdue;
pub mod photos;
pub mod returns;
pub mod slots;
pub mod visits;

use kummerer_service::FieldErrors;
use kummerer_service::problem::FieldError;
use sea_orm::DbErr;

/// Input that does not pass the checks: one message per field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", describe(.0))]
pub struct Invalid(pub Vec<FieldError>);

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Invalid {
    /// One field's message.
    pub fn field(field: &str, message: impl Into<String>) -> Invalid {
        Invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
}

/// Collects field errors (the shared text rules of [`FieldErrors`]); `finish` gives [`Invalid`].
#[derive(Debug, Default)]
pub(crate) struct Fields(FieldErrors);

impl Fields {
    pub(crate) fn new() -> Fields {
        Fields::default()
    }

    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.add(field, message);
    }

    /// A required text: trimmed, non-empty, at most `max` characters, no control characters.
    pub(crate) fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        self.0.text(field, value, max)
    }

    pub(crate) fn finish(self) -> Result<(), Invalid> {
        self.0.finish().map_err(|p| Invalid(p.errors))
    }
}

/// Text PostgreSQL cannot store (a NUL character): the client's mistake, not a failure.
pub fn unstorable(e: &DbErr) -> bool {
    kummerer_messaging::consumer::unstorable_text(e)
}
