//! The view models the crew's pages share: who is signed in, a visit as a row, a return trip,
//! a photo link.

use chrono::Utc;
use kummerer_contracts::FailureReason;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::auth::Signed;
use crate::db::{dispatch, job_photos, jobs};
use crate::domain::JobStatus;
use crate::http::view::{ShipmentView, pickup_of};

/// Who is signed in, for the page header and the sign-out form.
#[derive(Debug, Clone)]
pub struct Me {
    pub name: String,
    pub crew: String,
    pub csrf: String,
}

pub async fn me_of(db: &DatabaseConnection, s: &Signed) -> Result<Me, Problem> {
    let crew = dispatch::find_crew(db, s.member.crew_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    Ok(Me {
        name: s.member.name.clone(),
        crew,
        csrf: s.csrf.clone(),
    })
}

/// Whether the signed-in member's crew is active: an inactive crew's page shows no visits and
/// no trips, and its forms reach nothing.
pub async fn crew_active(db: &DatabaseConnection, s: &Signed) -> Result<bool, Problem> {
    Ok(dispatch::find_crew(db, s.member.crew_id)
        .await?
        .is_some_and(|c| c.active))
}

/// The names of the retailers of `jobs` (from the carrier's contracts with them), for the
/// pickup place of a job without a stock location.
pub async fn retailer_names(
    db: &DatabaseConnection,
    s: &Signed,
    jobs: &[jobs::Model],
) -> Result<std::collections::HashMap<Uuid, String>, Problem> {
    let ids: Vec<Uuid> = jobs
        .iter()
        .filter(|j| j.replacement_from.is_none())
        .map(|j| j.retailer_id)
        .collect();
    Ok(crate::db::carrier_contracts::retailer_names(db, s.member.carrier_id, &ids).await?)
}

/// A visit as the page shows it.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: Uuid,
    pub position: String,
    pub status: String,
    pub status_label: String,
    pub open: bool,
    pub window: String,
    pub name: String,
    pub street: String,
    pub place: String,
    pub phone: String,
    pub tel: String,
    pub deliver: String,
    pub deliver_sku: String,
    pub collect_sku: String,
    pub collect_serial: String,
    pub attempts: i32,
    pub failure_reason: String,
    pub delivered_serial: String,
    pub collected_serial: String,
    pub recipient_name: String,
    /// `Some(false)`: the collected serial is not the case's — flagged.
    pub serial_matches: Option<bool>,
    /// `serial to name`, once delivered.
    pub delivered_to: String,
    /// Set off on this attempt: when, and the estimate (`HH:MM` local; empty when none).
    pub on_the_way: bool,
    pub on_the_way_at: String,
    pub eta: String,
    pub delivered: bool,
    pub collected: bool,
    /// Where to pick the replacement up: the stock location (name, street, place), else the
    /// retailer's store, else to ask the dispatcher — always something to show.
    pub pickup: String,
    /// The customer's answer from the status page, in words (empty: none); `customer_not_home`:
    /// they said they won't be home in this window.
    pub customer_answer: String,
    pub customer_not_home: bool,
}

fn status_label(j: &jobs::Model, tr: &Tr) -> String {
    match j.status {
        JobStatus::Scheduled => match (j.delivered_at, j.collected_at) {
            (Some(_), None) => tr.t("crew-state-delivered-to-collect"),
            (None, Some(_)) => tr.t("crew-state-collected-to-deliver"),
            _ if j.on_the_way_at.is_some() => tr.t("crew-state-on-the-way"),
            _ => tr.code("job-status", &j.status.as_string()),
        },
        _ => tr.code("job-status", &j.status.as_string()),
    }
}

fn hh_mm(t: Option<chrono::DateTime<Utc>>, tr: &Tr) -> String {
    t.map(|t| tr.time(t)).unwrap_or_default()
}

/// The failure reasons of the form, in order.
pub const REASONS: [FailureReason; 4] = [
    FailureReason::NotHome,
    FailureReason::WrongAddress,
    FailureReason::Refused,
    FailureReason::UnitNotReady,
];

impl VisitRow {
    /// The visit in the reader's words and time zone; `retailer` names the retailer's store
    /// when the job has no stock location to pick the replacement up at.
    pub fn new(j: jobs::Model, tr: &Tr, retailer: Option<&str>) -> VisitRow {
        let tel = j
            .address_phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let pickup = match (pickup_of(&j), retailer) {
            (Some(p), _) => format!(
                "{}, {}, {} {}",
                p.name, p.address.street, p.address.postcode, p.address.city
            ),
            (None, Some(store)) => tr.ta("crew-pickup-store", "store", store),
            (None, None) => tr.t("crew-pickup-unknown"),
        };
        let delivered_to = match (&j.delivered_serial, &j.recipient_name) {
            (Some(serial), Some(name)) => tr.targs(
                "crew-delivered-to",
                &[("serial", serial as &dyn std::fmt::Display), ("name", name)],
            ),
            _ => String::new(),
        };
        VisitRow {
            id: j.id,
            position: j.position.map(|p| p.to_string()).unwrap_or_default(),
            status_label: status_label(&j, tr),
            delivered_to,
            on_the_way: j.on_the_way_at.is_some(),
            on_the_way_at: hh_mm(j.on_the_way_at, tr),
            eta: hh_mm(j.eta, tr),
            delivered: j.delivered_at.is_some(),
            collected: j.collected_at.is_some(),
            pickup,
            open: !matches!(j.status, JobStatus::Completed | JobStatus::Cancelled),
            window: tr.window(j.window_start, j.window_end),
            status: j.status.as_string(),
            name: j.address_name,
            street: j.address_street,
            place: format!(
                "{} {} ({})",
                j.address_postcode, j.address_city, j.address_country
            ),
            phone: j.address_phone,
            tel,
            deliver: j.deliver_name,
            deliver_sku: j.deliver_sku,
            collect_sku: j.collect_sku,
            collect_serial: j.collect_serial,
            attempts: j.attempts,
            failure_reason: j
                .failure_reason
                .map(|r| tr.code("failure-reason", r.as_str()))
                .unwrap_or_default(),
            delivered_serial: j.delivered_serial.unwrap_or_default(),
            collected_serial: j.collected_serial.unwrap_or_default(),
            recipient_name: j.recipient_name.unwrap_or_default(),
            serial_matches: j.collected_serial_matches,
            customer_answer: String::new(),
            customer_not_home: false,
        }
    }

    /// The customer's answer about this visit (`crate::db::customer_answers`), in words.
    pub fn with_answer(mut self, a: Option<&crate::db::customer_answers::Answer>, tr: &Tr) -> Self {
        if let Some(a) = a {
            self.customer_not_home = a.not_home();
            self.customer_answer = answer_words(a, tr);
        }
        self
    }
}

/// The customer's answer in the reader's words: "Customer confirmed the window (12:03)" or
/// "Customer won't be home: «note»".
pub fn answer_words(a: &crate::db::customer_answers::Answer, tr: &Tr) -> String {
    if a.not_home() {
        match a.note.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(note) => tr.ta("customer-not-home-note", "note", note),
            None => tr.t("customer-not-home"),
        }
    } else {
        tr.ta("customer-confirmed", "at", tr.datetime(a.answered_at))
    }
}

/// A return trip of the day: a shipment to a manufacturer's depot.
#[derive(Debug, Clone)]
pub struct TripRow {
    pub id: Uuid,
    pub depot: String,
    pub street: String,
    pub place: String,
    pub arrived: bool,
    pub received_by: String,
    /// `serial (product)` of each unit.
    pub units: Vec<String>,
}

impl From<ShipmentView> for TripRow {
    fn from(s: ShipmentView) -> Self {
        let (street, place) = s
            .depot
            .address
            .map(|a| {
                (
                    a.street,
                    format!("{} {} ({})", a.postcode, a.city, a.country),
                )
            })
            .unwrap_or_default();
        TripRow {
            id: s.id,
            depot: s.depot.name,
            street,
            place,
            arrived: s.status == crate::domain::returns::ShipmentStatus::Arrived.as_string(),
            received_by: s.received_by.unwrap_or_default(),
            units: s
                .items
                .into_iter()
                .map(|i| format!("{} ({})", i.serial, i.product_name))
                .collect(),
        }
    }
}

/// A photo of the visit as the page links it.
#[derive(Debug, Clone)]
pub struct PhotoRow {
    pub url: String,
    pub label: String,
}

impl PhotoRow {
    pub fn new(p: job_photos::Model, tr: &Tr) -> PhotoRow {
        PhotoRow {
            url: format!("/crew/visits/{}/photos/{}", p.job_id, p.id),
            label: tr.code("photo-kind", &p.kind.as_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::photo::PhotoKind;
    use crate::http::pages::i18n::CATALOG;
    use kummerer_web::i18n::Lang;
    use sea_orm::Iterable;

    /// Every code the crew's page shows has a text in both languages.
    #[test]
    fn every_code_has_a_text_in_both_languages() {
        let mut keys = Vec::new();
        for s in JobStatus::iter() {
            keys.push(format!("job-status-{}", s.as_string().replace('_', "-")));
        }
        for r in REASONS {
            keys.push(format!("failure-reason-{}", r.as_str().replace('_', "-")));
        }
        for k in PhotoKind::iter() {
            keys.push(format!("photo-kind-{}", k.as_string().replace('_', "-")));
        }
        for s in [
            crate::domain::Step::OnTheWay,
            crate::domain::Step::Delivered,
            crate::domain::Step::Collected,
        ] {
            keys.push(format!("step-{}", s.as_str().replace('_', "-")));
        }
        for lang in Lang::ALL {
            for k in &keys {
                assert!(CATALOG.has(lang, k), "{k} has no {lang} text");
            }
        }
    }
}
