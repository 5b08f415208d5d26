//! The server-rendered pages: the crew's (`/crew`) and the dispatcher's (`/dispatch`). Thin
//! adapters: they extract the signed-in person and the form, call a use case in
//! [`crate::app`], and turn its error variants into form errors.

pub mod crew;
pub mod dispatcher;

use std::collections::HashMap;

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

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
    pub fn of_fields(errors: impl IntoIterator<Item = (String, String)>) -> Errors {
        Errors {
            fields: errors.into_iter().collect(),
            general: Some("Please correct the marked fields.".to_owned()),
        }
    }

    /// One message for the whole form.
    pub fn general(message: impl Into<String>) -> Errors {
        Errors {
            fields: HashMap::new(),
            general: Some(message.into()),
        }
    }

    /// The field errors of input that did not pass the checks.
    pub fn of_invalid(e: crate::app::Invalid) -> Errors {
        Errors::of_fields(e.0.into_iter().map(|f| (f.field, f.message)))
    }

    /// The message about `field`, or an empty string.
    pub fn of(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}
