//! Units the manufacturer asks back: the depots that take them, and what a return request and an
//! inspection of the arrived unit must say.

use chrono::{DateTime, Utc};
use kummerer_contracts::agreement::UnitDisposition;
use kummerer_contracts::claims::{FreightPayer, InspectionResult};
use kummerer_contracts::events::Address;
use kummerer_contracts::ids::DepotId;
use uuid::Uuid;

use super::claim::ClaimStatus;
use super::decision::OpenClaim;
use super::input::Invalid;

/// Why a return is withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawReason {
    /// The manufacturer decided the claim without waiting for the unit.
    Decided,
    /// The unit was not at the depot by `return_by`: the agreement's default outcome applied.
    ReturnByPassed,
    /// The retailer withdrew the claim (its swap was cancelled): no unit is collected.
    ClaimWithdrawn,
}

impl WithdrawReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawReason::Decided => "decided",
            WithdrawReason::ReturnByPassed => "return_by_passed",
            WithdrawReason::ClaimWithdrawn => "claim_withdrawn",
        }
    }
}

/// Adds to the details of a `decided` event that the decision withdrew the claim's return, and
/// why (`"return_withdrawn": "decided"` or `"return_by_passed"`); nothing for `None`.
pub fn withdrawal_detail(details: &mut serde_json::Value, reason: Option<WithdrawReason>) {
    if let (Some(reason), Some(map)) = (reason, details.as_object_mut()) {
        map.insert("return_withdrawn".to_owned(), reason.as_str().into());
    }
}

/// A claim waiting for its unit (`return_requested`) may be decided without it — by the
/// manufacturer, or by its `return_by` passing — exactly as a pending one; the return is then
/// withdrawn. `None` for any other status (decided as it stands).
pub fn decided_without_unit(claim: &OpenClaim) -> Option<OpenClaim> {
    (claim.status == ClaimStatus::ReturnRequested).then(|| OpenClaim {
        status: ClaimStatus::Pending,
        ..claim.clone()
    })
}

/// Longest name or address line a depot may have.
pub const TEXT_MAX: usize = 200;
/// Longest inspection note.
pub const NOTE_MAX: usize = 2000;

/// A depot as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepotInput {
    pub name: String,
    pub address: Address,
}

fn text(errors: &mut Vec<Invalid>, field: &str, value: &str, required: bool) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        errors.push(Invalid::new(field, "must not be empty"));
    } else if v.chars().count() > TEXT_MAX {
        errors.push(Invalid::new(
            field,
            format!("must be at most {TEXT_MAX} characters"),
        ));
    }
    v.to_owned()
}

impl DepotInput {
    /// The depot with trimmed text, or every field that is wrong.
    pub fn parse(&self) -> Result<DepotInput, Vec<Invalid>> {
        let mut e = Vec::new();
        let a = &self.address;
        let out = DepotInput {
            name: text(&mut e, "name", &self.name, true),
            address: Address {
                name: text(&mut e, "address.name", &a.name, true),
                phone: text(&mut e, "address.phone", &a.phone, false),
                street: text(&mut e, "address.street", &a.street, true),
                postcode: text(&mut e, "address.postcode", &a.postcode, true),
                city: text(&mut e, "address.city", &a.city, true),
                country: text(&mut e, "address.country", &a.country, true),
            },
        };
        if e.is_empty() { Ok(out) } else { Err(e) }
    }
}

/// A return request as the client sent it (text, so that each part is a field error).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReturnInput {
    pub depot_id: Option<Uuid>,
    /// RFC 3339.
    pub return_by: Option<String>,
    /// `manufacturer` or `retailer`.
    pub freight_paid_by: Option<String>,
}

/// A valid return request (the depot still to be found among the manufacturer's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub depot_id: DepotId,
    pub return_by: DateTime<Utc>,
    pub freight_paid_by: FreightPayer,
}

impl ReturnInput {
    /// Checks the request at `now`: a depot, a `return_by` after `now`, a freight payer.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<ReturnRequest, Vec<Invalid>> {
        let mut errors = Vec::new();
        if self.depot_id.is_none() {
            errors.push(Invalid::new("depot_id", "is required to request a return"));
        }
        let return_by = match self.return_by.as_deref() {
            None => {
                errors.push(Invalid::new("return_by", "is required to request a return"));
                None
            }
            Some(t) => match DateTime::parse_from_rfc3339(t.trim()) {
                Ok(t) if t.with_timezone(&Utc) > now => Some(t.with_timezone(&Utc)),
                Ok(_) => {
                    errors.push(Invalid::new("return_by", "must be in the future"));
                    None
                }
                Err(_) => {
                    errors.push(Invalid::new("return_by", "must be an RFC 3339 time"));
                    None
                }
            },
        };
        let freight = match self.freight_paid_by.as_deref() {
            Some("manufacturer") => Some(FreightPayer::Manufacturer),
            Some("retailer") => Some(FreightPayer::Retailer),
            _ => {
                errors.push(Invalid::new(
                    "freight_paid_by",
                    "must be manufacturer or retailer",
                ));
                None
            }
        };
        match (self.depot_id, return_by, freight) {
            (Some(depot_id), Some(return_by), Some(freight_paid_by)) if errors.is_empty() => {
                Ok(ReturnRequest {
                    depot_id: DepotId(depot_id),
                    return_by,
                    freight_paid_by,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Whether the agreement lets the manufacturer ask for the unit: not when units are scrapped
/// on site.
pub fn may_request_return(disposition: Option<UnitDisposition>) -> Result<(), Invalid> {
    match disposition {
        Some(UnitDisposition::ScrapOnSite) => Err(Invalid::new(
            "outcome",
            "the agreement scraps units on site: the unit cannot be requested back",
        )),
        _ => Ok(()),
    }
}

/// An inspection as the client sent it.
pub fn parse_inspection(
    result: &str,
    note: Option<&str>,
) -> Result<(InspectionResult, Option<String>), Vec<Invalid>> {
    let mut errors = Vec::new();
    let r = InspectionResult::parse(result.trim());
    if r.is_none() {
        errors.push(Invalid::new(
            "result",
            "must be defect_confirmed, no_fault_found, customer_damage or not_the_claimed_unit",
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX) {
        errors.push(Invalid::new(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    match r {
        Some(r) if errors.is_empty() => Ok((r, note.map(str::to_owned))),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn fields(e: Vec<Invalid>) -> Vec<String> {
        e.into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn only_a_claim_waiting_for_its_unit_is_decided_without_it() {
        use kummerer_contracts::{Currency, Money};
        let open = |status| OpenClaim {
            status,
            price_paid: Money::new(499.into(), Currency::parse("EUR").unwrap()).unwrap(),
            handling_fee: None,
            suggested_amount: None,
        };
        let without = decided_without_unit(&open(ClaimStatus::ReturnRequested)).unwrap();
        assert_eq!(without.status, ClaimStatus::Pending);
        assert_eq!(without.price_paid, open(ClaimStatus::Pending).price_paid);
        for s in ClaimStatus::ALL {
            if s != ClaimStatus::ReturnRequested {
                assert_eq!(decided_without_unit(&open(s)), None, "{s}");
            }
        }
        let mut details = serde_json::json!({"outcome": "accept"});
        withdrawal_detail(&mut details, None);
        assert_eq!(details, serde_json::json!({"outcome": "accept"}));
        withdrawal_detail(&mut details, Some(WithdrawReason::ReturnByPassed));
        assert_eq!(details["return_withdrawn"], "return_by_passed");
    }

    #[test]
    fn a_return_needs_a_depot_a_future_time_and_a_payer() {
        let now = Utc::now();
        let ok = ReturnInput {
            depot_id: Some(Uuid::nil()),
            return_by: Some((now + TimeDelta::days(7)).to_rfc3339()),
            freight_paid_by: Some("manufacturer".into()),
        };
        let r = ok.parse(now).unwrap();
        assert_eq!(r.freight_paid_by, FreightPayer::Manufacturer);
        assert_eq!(
            fields(ReturnInput::default().parse(now).unwrap_err()),
            ["depot_id", "return_by", "freight_paid_by"]
        );
        let past = ReturnInput {
            return_by: Some((now - TimeDelta::days(1)).to_rfc3339()),
            ..ok.clone()
        };
        assert_eq!(fields(past.parse(now).unwrap_err()), ["return_by"]);
        assert!(may_request_return(Some(UnitDisposition::ScrapOnSite)).is_err());
        assert!(may_request_return(None).is_ok());
    }

    #[test]
    fn a_depot_needs_its_address() {
        let d = DepotInput {
            name: " Depot Nord ".into(),
            address: Address {
                name: "Waschwerk".into(),
                phone: String::new(),
                street: "Hafenstr. 1".into(),
                postcode: "20457".into(),
                city: "Hamburg".into(),
                country: "DE".into(),
            },
        };
        assert_eq!(d.parse().unwrap().name, "Depot Nord");
        let mut bad = d.clone();
        bad.name = " ".into();
        bad.address.city = String::new();
        assert_eq!(fields(bad.parse().unwrap_err()), ["name", "address.city"]);
    }

    #[test]
    fn an_inspection_has_a_known_result() {
        let (r, n) = parse_inspection("no_fault_found", Some(" ")).unwrap();
        assert_eq!(r, InspectionResult::NoFaultFound);
        assert_eq!(n, None);
        assert_eq!(
            fields(parse_inspection("broken", None).unwrap_err()),
            ["result"]
        );
    }
}
