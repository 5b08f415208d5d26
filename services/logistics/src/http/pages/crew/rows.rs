//! The view models the crew's pages share: who is signed in, a visit as a row, a return trip,
//! a photo link.

use chrono::Utc;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::auth::Signed;
use crate::db::{dispatch, job_photos, jobs};
use crate::domain::JobStatus;
use crate::domain::photo::PhotoKind;
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

/// A visit as the page shows it.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: Uuid,
    pub position: String,
    pub status: String,
    pub status_label: &'static str,
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
    /// Set off on this attempt: when, and the estimate (`HH:MM UTC`; empty when none).
    pub on_the_way: bool,
    pub on_the_way_at: String,
    pub eta: String,
    pub delivered: bool,
    pub collected: bool,
    /// Where to pick the replacement up (name, street, place); empty when not given.
    pub pickup: String,
}

fn status_label(j: &jobs::Model) -> &'static str {
    match j.status {
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed attempt",
        JobStatus::Cancelled => "cancelled by the retailer",
        JobStatus::Scheduled => match (j.delivered_at, j.collected_at) {
            (Some(_), None) => "delivered · to collect",
            (None, Some(_)) => "collected · to deliver",
            _ if j.on_the_way_at.is_some() => "on the way",
            _ => "to do",
        },
    }
}

fn hh_mm(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(|t| format!("{} UTC", t.format("%H:%M")))
        .unwrap_or_default()
}

fn reason_label(reason: &str) -> &'static str {
    REASONS
        .iter()
        .find(|(value, _)| *value == reason)
        .map(|(_, label)| *label)
        .unwrap_or("")
}

/// The failure reasons of the form: value, label.
pub const REASONS: [(&str, &str); 4] = [
    ("not_home", "Not home"),
    ("wrong_address", "Wrong address"),
    ("refused", "Refused"),
    ("unit_not_ready", "Unit not ready"),
];

impl From<jobs::Model> for VisitRow {
    fn from(j: jobs::Model) -> Self {
        let tel = j
            .address_phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        let pickup = pickup_of(&j)
            .map(|p| {
                format!(
                    "{}, {}, {} {}",
                    p.name, p.address.street, p.address.postcode, p.address.city
                )
            })
            .unwrap_or_default();
        VisitRow {
            id: j.id,
            position: j.position.map(|p| p.to_string()).unwrap_or_default(),
            status_label: status_label(&j),
            on_the_way: j.on_the_way_at.is_some(),
            on_the_way_at: hh_mm(j.on_the_way_at),
            eta: hh_mm(j.eta),
            delivered: j.delivered_at.is_some(),
            collected: j.collected_at.is_some(),
            pickup,
            open: !matches!(j.status, JobStatus::Completed | JobStatus::Cancelled),
            window: format!(
                "{}–{} UTC",
                j.window_start.format("%H:%M"),
                j.window_end.format("%H:%M")
            ),
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
                .map(|r| reason_label(r.as_str()))
                .unwrap_or_default()
                .to_owned(),
            delivered_serial: j.delivered_serial.unwrap_or_default(),
            collected_serial: j.collected_serial.unwrap_or_default(),
            recipient_name: j.recipient_name.unwrap_or_default(),
            serial_matches: j.collected_serial_matches,
        }
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
    pub label: &'static str,
}

impl From<job_photos::Model> for PhotoRow {
    fn from(p: job_photos::Model) -> Self {
        PhotoRow {
            url: format!("/crew/visits/{}/photos/{}", p.job_id, p.id),
            label: match p.kind {
                PhotoKind::Delivered => "Delivered",
                PhotoKind::Collected => "Collected unit",
            },
        }
    }
}
