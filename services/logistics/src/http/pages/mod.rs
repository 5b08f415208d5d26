//! The server-rendered pages: the crew's (`/crew`) and the dispatcher's (`/dispatch`). Thin
//! adapters: they extract the signed-in person and the form, call a use case in
//! [`crate::app`], and turn its error variants into form errors.

pub mod crew;
pub mod dispatcher;
pub mod i18n;

use std::collections::HashMap;

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use kummerer_web::i18n::Tr;

/// The `{id}` of the path, parsed once into a typed id: `None` when it is no id (then what it
/// names is as unknown as an absent one, and the page answers its 404).
#[derive(Debug, Clone, Copy)]
pub struct PathId<T>(pub Option<T>);

impl<T: FromStr + 'static> FromRequest for PathId<T> {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PathId(
            req.match_info().get("id").and_then(|s| s.parse().ok()),
        )))
    }
}

/// A form's errors: by field, and one for the whole form.
#[derive(Debug, Default, Clone)]
pub struct Errors {
    pub fields: HashMap<String, String>,
    pub general: Option<String>,
}

impl Errors {
    /// The fields' messages, and the whole form's note to correct them.
    pub fn of_fields(tr: &Tr, errors: impl IntoIterator<Item = (String, String)>) -> Errors {
        Errors {
            fields: errors.into_iter().collect(),
            general: Some(tr.t("form-correct-fields")),
        }
    }

    /// One message for the whole form.
    pub fn general(message: impl Into<String>) -> Errors {
        Errors {
            fields: HashMap::new(),
            general: Some(message.into()),
        }
    }

    /// The field errors of input that did not pass the checks, in the reader's words: the
    /// text `invalid-<field>` (the use case's English message where there is none).
    pub fn of_invalid(tr: &Tr, e: crate::app::Invalid) -> Errors {
        Errors::of_fields(
            tr,
            e.0.into_iter().map(|f| {
                let key = format!("invalid-{}", f.field.replace('_', "-"));
                let message = if i18n::CATALOG.has(tr.lang, &key) {
                    tr.t(&key)
                } else {
                    f.message
                };
                (f.field, message)
            }),
        )
    }

    /// The message about `field`, or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use kummerer_web::i18n::{keys_in_templates, keys_in_text};

    use super::i18n::CATALOG;

    /// Every code the dispatcher's pages show has a text in both languages.
    #[test]
    fn every_dispatcher_code_has_a_text_in_both_languages() {
        use crate::db::job_events::kind;
        use crate::domain::overdue::{Holder, OverdueKind};
        use crate::domain::returns::{ItemState, ShipmentStatus};
        use kummerer_web::i18n::Lang;
        use sea_orm::Iterable;
        let mut codes: Vec<(&str, String)> = Vec::new();
        for h in [
            Holder::Dispatcher,
            Holder::Operator,
            Holder::Crew,
            Holder::Retailer,
        ] {
            codes.push(("holder", h.as_str().to_owned()));
        }
        for k in [
            OverdueKind::Unassigned,
            OverdueKind::WindowPassed,
            OverdueKind::NotRescheduled,
        ] {
            codes.push(("overdue", k.as_str().to_owned()));
        }
        for k in [
            kind::SCHEDULED,
            kind::COMPLETED,
            kind::FAILED,
            kind::ASSIGNED,
            kind::REASSIGNED,
            kind::RESCHEDULED,
            kind::ON_THE_WAY,
            kind::DELIVERED,
            kind::COLLECTED,
            kind::CANCELLED,
            kind::CANCEL_REFUSED,
            kind::CORRECTED,
            kind::CORRECTION_REFUSED,
            kind::CUSTOMER_CONFIRMED,
            kind::CUSTOMER_NOT_HOME,
            kind::CUSTOMER_ANSWER_LATE,
            crate::app::overdue::ESCALATED,
        ] {
            codes.push(("event", k.to_owned()));
        }
        for s in ShipmentStatus::iter() {
            codes.push(("shipment-status", s.as_string()));
        }
        for s in [
            ItemState::AwaitingCarrier,
            ItemState::AwaitingCollection,
            ItemState::Ready,
            ItemState::Travelling,
            ItemState::Arrived,
            ItemState::Withdrawn,
        ] {
            codes.push(("item-state", s.as_str().to_owned()));
        }
        for s in crate::domain::JobStatus::iter() {
            codes.push(("job-status", s.as_string()));
        }
        for lang in Lang::ALL {
            for (prefix, code) in &codes {
                let key = format!("{prefix}-{}", code.replace('_', "-"));
                assert!(CATALOG.has(lang, &key), "{key} has no {lang} text");
            }
        }
    }

    /// Both files parse and hold the same keys, and every key the templates and the page
    /// handlers use is in them.
    #[test]
    fn the_catalog_is_complete() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = keys_in_templates(&root.join("templates")).unwrap_or_default();
        assert!(!used.is_empty(), "no keys found in the templates");
        let mut stack = vec![root.join("src/http/pages")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    used.extend(keys_in_text(
                        &std::fs::read_to_string(&path).unwrap_or_default(),
                    ));
                }
            }
        }
        let problems = CATALOG.problems(used.iter().map(String::as_str));
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
