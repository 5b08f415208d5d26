//! The JSON API: thin adapters that extract, call a use case in [`crate::app`], and map its
//! error to a [`Problem`] (the `impl From<…> for Problem` below: the codes are the API's
//! contract and must not change).

pub mod contracts;
pub mod dispatch;
pub mod jobs;
pub mod members;
pub mod photos;
pub mod returns;
pub mod tokens;

use actix_web::http::StatusCode;
use kummerer_service::Problem;
use kummerer_service::problem::FieldError;

use crate::app::Invalid;
use crate::app::dispatch::DispatchError;
use crate::app::members::AccountError;
use crate::app::photos::PhotoError;
use crate::app::returns::ReturnError;
use crate::app::visits::StepError;
use crate::domain::TransitionError;
use crate::domain::photo::{self, MAX_PHOTO_BYTES};
use crate::domain::returns::ShipmentError;

impl From<Invalid> for Problem {
    fn from(e: Invalid) -> Problem {
        Problem::validation(e.0)
    }
}

/// 422 with `code` and the message about one field.
fn unprocessable(code: &str, title: &str, field: &str, message: String) -> Problem {
    let mut p = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        code,
        title,
        Some(message.clone()),
    );
    p.errors = vec![FieldError {
        field: field.to_owned(),
        message,
    }];
    p
}

impl From<StepError> for Problem {
    fn from(e: StepError) -> Problem {
        match e {
            StepError::NotFound => Problem::not_found("job"),
            StepError::Refused {
                reason: TransitionError::AlreadyCompleted,
                ..
            } => Problem::conflict("job_already_completed", e.to_string()),
            StepError::Refused {
                reason: TransitionError::PartlyRecorded,
                ..
            } => Problem::conflict("visit_partly_recorded", e.to_string()),
            StepError::Refused {
                reason: TransitionError::Cancelled,
                ..
            } => Problem::conflict("job_cancelled", e.to_string()),
            StepError::SerialMismatch(m) => unprocessable(
                "serial_mismatch",
                "The collected serial is not the case's",
                "collected_serial",
                crate::app::visits::mismatch_advice(&m),
            ),
            StepError::Busy(_) => Problem::conflict("job_busy", e.to_string()),
            StepError::Db(e) => e.into(),
        }
    }
}

impl From<DispatchError> for Problem {
    fn from(e: DispatchError) -> Problem {
        match e {
            DispatchError::Invalid(i) => i.into(),
            DispatchError::NotFound(what) => Problem::not_found(what),
            DispatchError::AlreadyCompleted(_) => {
                Problem::conflict("job_already_completed", e.to_string())
            }
            DispatchError::CrewInactive(_) => Problem::conflict("crew_inactive", e.to_string()),
            DispatchError::CrewFull { .. } => Problem::conflict("crew_full", e.to_string()),
            DispatchError::CrewNameTaken(_) => Problem::conflict("crew_name_taken", e.to_string()),
            DispatchError::OutsideRegions(_) => unprocessable(
                "prefix_outside_regions",
                "Postcode prefixes outside the carrier's regions",
                "home_postcode_prefixes",
                e.to_string(),
            ),
            DispatchError::Busy(_) => Problem::conflict("job_busy", e.to_string()),
            DispatchError::Db(e) => e.into(),
            DispatchError::Cancelled(_) => Problem::conflict("job_cancelled", e.to_string()),
        }
    }
}

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Problem {
        match e {
            AccountError::NotFound(what) => Problem::not_found(what),
            AccountError::EmailTaken(_) => Problem::conflict("email_taken", e.to_string()),
            AccountError::Hash(_) => Problem::internal(e),
            AccountError::Db(e) => e.into(),
        }
    }
}

impl From<ReturnError> for Problem {
    fn from(e: ReturnError) -> Problem {
        match e {
            ReturnError::Invalid(i) => i.into(),
            ReturnError::NotFound(what) => Problem::not_found(what),
            ReturnError::Refused { ref reason, .. } => {
                let code = match reason {
                    ShipmentError::NotCollected(_) => "unit_not_collected",
                    ShipmentError::Empty => "shipment_empty",
                    ShipmentError::NotOpen(_) => "shipment_not_open",
                    ShipmentError::NotDispatched(_) => "shipment_not_dispatched",
                };
                Problem::conflict(code, e.to_string())
            }
            ReturnError::Db(e) => e.into(),
        }
    }
}

impl From<crate::app::returns::TakeError> for Problem {
    fn from(e: crate::app::returns::TakeError) -> Problem {
        use crate::app::returns::TakeError;
        match e {
            TakeError::NotFound => Problem::not_found("return item"),
            TakeError::Db(e) => e.into(),
        }
    }
}

impl From<PhotoError> for Problem {
    fn from(e: PhotoError) -> Problem {
        match e {
            PhotoError::JobNotFound => Problem::not_found("job"),
            PhotoError::Refused(e) => refused_photo(e),
            PhotoError::Store(_) | PhotoError::Broken(..) => Problem::internal(e),
            PhotoError::Db(e) => e.into(),
        }
    }
}

pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Photo too large",
        Some(format!(
            "a photo must be at most {} MiB",
            MAX_PHOTO_BYTES / (1024 * 1024)
        )),
    )
}

/// The problem for a refused photo.
pub fn refused_photo(e: photo::PhotoError) -> Problem {
    match e {
        photo::PhotoError::TooLarge => too_large(),
        photo::PhotoError::Empty
        | photo::PhotoError::DeclaredTypeNotAccepted
        | photo::PhotoError::NotAnImage => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Not a photo",
            Some(format!("{e}: send a JPEG, PNG or WebP image")),
        ),
    }
}
