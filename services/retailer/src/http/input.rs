//! Request parts several handlers share.

use kummerer_contracts::Address;
use kummerer_service::problem::FieldError;
use kummerer_service::{FieldErrors, Problem};
use serde::Deserialize;

use crate::domain::{CODE_MAX, TEXT_MAX, parse_country};

/// A person at an address: the customer of a sale, or where a swap is delivered.
#[derive(Debug, Deserialize)]
pub struct AddressBody {
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
}

impl AddressBody {
    /// Checks every line (field names prefixed with `prefix`, e.g. `customer.city`).
    pub fn parse(&self, prefix: &str, v: &mut FieldErrors) -> Address {
        let field = |name: &str| format!("{prefix}.{name}");
        let country = match parse_country(&self.country) {
            Some(c) => c,
            None => {
                v.add(
                    &field("country"),
                    "must be a two-letter ISO 3166 country code",
                );
                String::new()
            }
        };
        Address {
            name: v.text(&field("name"), &self.name, TEXT_MAX),
            phone: v.text(&field("phone"), &self.phone, CODE_MAX),
            street: v.text(&field("street"), &self.street, TEXT_MAX),
            postcode: v.text(&field("postcode"), &self.postcode, CODE_MAX),
            city: v.text(&field("city"), &self.city, TEXT_MAX),
            country,
        }
    }
}

/// A 422 about one field.
pub fn invalid(field: &str, message: impl Into<String>) -> Problem {
    Problem::validation(vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// The field errors collected, as a typed list (a page shows them on its form; the JSON API
/// answers them as one 422 with [`Problem::validation`]).
pub fn checked(v: FieldErrors) -> Result<(), Vec<FieldError>> {
    v.finish().map_err(|p| p.errors)
}

/// A dispute's fields checked, every error at once (the JSON API and the desk form).
pub fn checked_dispute(
    statement: &str,
    note: Option<&str>,
    disputed_by: &str,
) -> Result<crate::app::disputes::Dispute, Vec<FieldError>> {
    use crate::domain::DESCRIPTION_MAX;
    let mut v = FieldErrors::new();
    let statement = v.text("statement", statement, DESCRIPTION_MAX);
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| v.text("note", n, DESCRIPTION_MAX));
    let disputed_by = v.text("disputed_by", disputed_by, TEXT_MAX);
    checked(v)?;
    Ok(crate::app::disputes::Dispute {
        statement,
        note,
        disputed_by,
    })
}
