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

/// A field that did not parse: its error is already in the form's [`FieldErrors`] (only
/// [`required`] makes one).
#[derive(Debug)]
pub struct Missing(());

/// `value`, or — when there is none — `message` recorded for `field`, in the order the fields
/// are checked (so the errors come out in the form's order).
pub fn required<T>(
    v: &mut FieldErrors,
    field: &str,
    value: Option<T>,
    message: impl Into<String>,
) -> Result<T, Missing> {
    value.ok_or_else(|| missing(v, field, message))
}

/// `message` recorded for `field`, and the [`Missing`] that says so.
pub fn missing(v: &mut FieldErrors, field: &str, message: impl Into<String>) -> Missing {
    v.add(field, message);
    Missing(())
}

/// A form's required fields, each parsed with [`required`], taken together (zero2prod's
/// `TryFrom<FormData>`): all the values when every one parsed and no other field failed, else
/// every error — so a handler never has a "checked but missing" case to handle.
pub trait AllParsed {
    type Values;
    fn all_parsed(self, v: FieldErrors) -> Result<Self::Values, Vec<FieldError>>;
}

macro_rules! all_parsed {
    ($($t:ident $x:ident),+) => {
        impl<$($t),+> AllParsed for ($(Result<$t, Missing>,)+) {
            type Values = ($($t,)+);
            fn all_parsed(self, v: FieldErrors) -> Result<Self::Values, Vec<FieldError>> {
                match self {
                    ($(Ok($x),)+) => checked(v).map(|()| ($($x,)+)),
                    // A `Missing` means `v` holds its error.
                    _ => Err(checked(v).err().unwrap_or_default()),
                }
            }
        }
    };
}
all_parsed!(A a);
all_parsed!(A a, B b);
all_parsed!(A a, B b, C c);

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
        by_key: None,
    })
}

/// A correction of a swap's visit as typed (the JSON body or the desk's form): the new address
/// and/or window (`window` as typed, both ends or neither) and the reason; every field error at
/// once.
pub fn correction_of(
    address: Option<&AddressBody>,
    window: (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ),
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::domain::correction::Correction, Vec<FieldError>> {
    use crate::domain::correction::{Correction, REASON_MAX, corrected_window};
    let mut v = FieldErrors::new();
    let reason = v.text("reason", reason, REASON_MAX);
    let address = address.map(|a| a.parse("delivery_address", &mut v));
    let window = match window {
        (None, None) => Ok(None),
        (Some(start), Some(end)) => corrected_window(start, end, now)
            .map(Some)
            .map_err(|errors| {
                for e in errors {
                    v.add(e.field(), e.to_string());
                }
            }),
        (start, _) => {
            let missing = if start.is_none() {
                "window_start"
            } else {
                "window_end"
            };
            v.add(missing, "enter both ends of the window");
            Err(())
        }
    };
    if address.is_none() && matches!(window, Ok(None)) {
        v.add(
            "delivery_address",
            "correct the address, the window or both",
        );
    }
    checked(v)?;
    Ok(Correction {
        address,
        window: window.unwrap_or_default(),
        reason,
    })
}

/// The customer's contact as asked at the counter (the JSON API's `customer_contact`; the
/// desk's swap form fills one from its fields).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct ContactBody {
    /// `email`, `sms` (both, one, or none: `[]` or `["none"]`).
    pub channels: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The customer agreed to be told by these channels.
    pub consent: bool,
    /// `de` or `en`; the store's language when absent.
    pub language: Option<String>,
}

/// A page form's contact fields: address, number, the channels ticked (`on`), consent (`on`),
/// language (`de`, `en`, or empty: the store's).
pub(crate) struct ContactFields<'a> {
    pub email: &'a str,
    pub phone: &'a str,
    pub notify_email: &'a str,
    pub notify_sms: &'a str,
    pub consent: &'a str,
    pub language: &'a str,
}

impl ContactBody {
    /// The contact fields of a page form, as the API's body.
    pub(crate) fn of_form(f: ContactFields<'_>) -> ContactBody {
        let on = |s: &str| s == "on" || s == "true";
        let mut channels = Vec::new();
        if on(f.notify_email) {
            channels.push("email".to_owned());
        }
        if on(f.notify_sms) {
            channels.push("sms".to_owned());
        }
        ContactBody {
            channels,
            email: Some(f.email.to_owned()),
            phone: Some(f.phone.to_owned()),
            consent: on(f.consent),
            language: Some(f.language.to_owned()),
        }
    }

    /// Checks it (fields prefixed with `prefix`): a chosen channel needs its address or number
    /// (an e-mail address, a phone number made E.164) and the customer's consent.
    pub fn parse(
        &self,
        prefix: &str,
        v: &mut FieldErrors,
    ) -> Option<crate::domain::notify::Contact> {
        use crate::domain::notify::{Contact, Language, parse_email, parse_phone};
        let field = |name: &str| format!("{prefix}.{name}");
        let (mut by_email, mut by_sms, mut ok) = (false, false, true);
        for channel in &self.channels {
            match channel.trim() {
                "email" => by_email = true,
                "sms" => by_sms = true,
                "none" | "" => {}
                _ => {
                    v.add(&field("channels"), "choose e-mail, SMS or none");
                    ok = false;
                }
            }
        }
        let mut checked =
            |name: &str,
             raw: &Option<String>,
             wanted: bool,
             parse: fn(&str) -> Result<String, &'static str>| {
                match raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                    None if wanted => {
                        v.add(&field(name), "needed for the channel chosen");
                        ok = false;
                        None
                    }
                    None => None,
                    Some(raw) => match parse(raw) {
                        Ok(value) => Some(value),
                        Err(message) => {
                            v.add(&field(name), message);
                            ok = false;
                            None
                        }
                    },
                }
            };
        let email = checked("email", &self.email, by_email, parse_email);
        let phone = checked("phone", &self.phone, by_sms, parse_phone);
        if (by_email || by_sms) && !self.consent {
            v.add(
                &field("consent"),
                "the customer must agree to be told by the channels chosen",
            );
            ok = false;
        }
        let language = match self.language.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => {
                let language = Language::parse(raw);
                if language.is_none() {
                    v.add(&field("language"), "choose de or en");
                    ok = false;
                }
                language
            }
        };
        ok.then_some(Contact {
            email,
            phone,
            by_email,
            by_sms,
            consent: self.consent,
            language,
        })
    }
}
