//! What the API shows of a job.

use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::{Address, StockPickup, TimeWindow};
use serde::Serialize;
use uuid::Uuid;

use crate::db::dispatch::Crew;
use crate::db::returns::{ItemRow, shipments};
use crate::db::{carriers, job_events, jobs};

#[derive(Debug, Serialize)]
pub struct JobView {
    pub id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    /// The replacement the crew delivers.
    pub deliver_sku: String,
    pub deliver_name: String,
    /// The defective unit the crew collects, by the serial the case names.
    pub collect_serial: String,
    pub collect_sku: String,
    pub address: Address,
    pub window: TimeWindow,
    pub status: String,
    /// Failed attempts so far.
    pub attempts: i32,
    pub delivered_serial: Option<String>,
    pub collected_serial: Option<String>,
    pub collected_serial_matches: Option<bool>,
    pub recipient_name: Option<String>,
    pub failure_reason: Option<String>,
    pub failure_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The carrier of the crew the job is assigned to; `null` while unassigned.
    pub carrier_id: Option<Uuid>,
    pub crew_id: Option<Uuid>,
    /// The day of the visit (the date of the window start in UTC).
    pub visit_date: Option<NaiveDate>,
    /// Order of the visit within its crew's day, from 1; `null` while unassigned.
    pub position: Option<i32>,
    /// The crew set off on the current attempt (cleared by a failed attempt), with its estimate.
    pub on_the_way_at: Option<DateTime<Utc>>,
    pub eta: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Where the crew picks the replacement up, when the retailer said.
    pub replacement_from: Option<StockPickup>,
    /// Who must act next (`dispatcher`, `operator`, `crew`, `retailer`) and by when; `null`
    /// once completed (see `domain::overdue`).
    pub holder: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    /// The wait that ran out (`unassigned`, `window_passed`, `not_rescheduled`), if one did.
    pub overdue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// The stored pickup place (`None` when absent or unreadable).
pub fn pickup_of(job: &jobs::Model) -> Option<StockPickup> {
    job.replacement_from
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub details: serde_json::Value,
}

impl JobView {
    pub fn new(job: jobs::Model, events: Option<Vec<job_events::Model>>) -> Self {
        let replacement_from = pickup_of(&job);
        let waiting = crate::app::overdue::waiting_of(&job, Utc::now());
        Self {
            holder: waiting.map(|w| w.holder.as_str().to_owned()),
            due_at: waiting.map(|w| w.due_at),
            overdue: waiting
                .and_then(|w| w.overdue)
                .map(|k| k.as_str().to_owned()),
            on_the_way_at: job.on_the_way_at,
            eta: job.eta,
            delivered_at: job.delivered_at,
            collected_at: job.collected_at,
            replacement_from,
            id: job.id,
            swap_id: job.swap_id,
            case_id: job.case_id,
            retailer_id: job.retailer_id,
            deliver_sku: job.deliver_sku,
            deliver_name: job.deliver_name,
            collect_serial: job.collect_serial,
            collect_sku: job.collect_sku,
            address: Address {
                name: job.address_name,
                phone: job.address_phone,
                street: job.address_street,
                postcode: job.address_postcode,
                city: job.address_city,
                country: job.address_country,
            },
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            status: job.status.as_string(),
            attempts: job.attempts,
            delivered_serial: job.delivered_serial,
            collected_serial: job.collected_serial,
            collected_serial_matches: job.collected_serial_matches,
            recipient_name: job.recipient_name,
            failure_reason: job.failure_reason.map(|r| r.as_str().to_owned()),
            failure_note: job.failure_note,
            created_at: job.created_at,
            updated_at: job.updated_at,
            completed_at: job.completed_at,
            carrier_id: job.carrier_id,
            crew_id: job.crew_id,
            visit_date: job.visit_date,
            position: job.position,
            events: events.map(|evs| {
                evs.into_iter()
                    .map(|e| EventView {
                        id: e.id,
                        kind: e.kind,
                        occurred_at: e.occurred_at,
                        details: e.details,
                    })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct JobList {
    pub items: Vec<JobView>,
}

#[derive(Debug, Serialize)]
pub struct CarrierView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<carriers::Model> for CarrierView {
    fn from(c: carriers::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CrewList {
    pub items: Vec<Crew>,
}

/// One crew's day on the dispatcher's board.
#[derive(Debug, Serialize)]
pub struct CrewJobs {
    pub crew: Crew,
    pub jobs: Vec<JobView>,
}

/// The dispatcher's board for a day: the carrier's crews with their visits in order, and the
/// unassigned jobs in the carrier's regions.
#[derive(Debug, Serialize)]
pub struct DispatchDay {
    pub carrier_id: Uuid,
    pub date: NaiveDate,
    pub crews: Vec<CrewJobs>,
    pub unassigned: Vec<JobView>,
}

impl From<crate::app::dispatch::Board> for DispatchDay {
    fn from(b: crate::app::dispatch::Board) -> Self {
        DispatchDay {
            carrier_id: b.carrier_id.0,
            date: b.date,
            crews: b
                .crews
                .into_iter()
                .map(|(crew, jobs)| CrewJobs {
                    crew,
                    jobs: jobs.into_iter().map(|j| JobView::new(j, None)).collect(),
                })
                .collect(),
            unassigned: b
                .unassigned
                .into_iter()
                .map(|j| JobView::new(j, None))
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Deliver {
    pub sku: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Collect {
    pub sku: String,
    /// The serial the case names; the crew checks the unit against it.
    pub serial: String,
}

/// One visit as the crew sees it.
#[derive(Debug, Serialize)]
pub struct VisitView {
    pub job_id: Uuid,
    pub position: Option<i32>,
    pub status: String,
    pub window: TimeWindow,
    pub address: Address,
    pub phone: String,
    pub deliver: Deliver,
    pub collect: Collect,
    pub attempts: i32,
    pub failure_reason: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
    pub on_the_way_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Where to pick the replacement up, when the retailer said.
    pub replacement_from: Option<StockPickup>,
}

impl From<jobs::Model> for VisitView {
    fn from(job: jobs::Model) -> Self {
        let replacement_from = pickup_of(&job);
        Self {
            on_the_way_at: job.on_the_way_at,
            delivered_at: job.delivered_at,
            collected_at: job.collected_at,
            replacement_from,
            job_id: job.id,
            position: job.position,
            status: job.status.as_string(),
            window: TimeWindow {
                start: job.window_start,
                end: job.window_end,
            },
            phone: job.address_phone.clone(),
            address: Address {
                name: job.address_name,
                phone: job.address_phone,
                street: job.address_street,
                postcode: job.address_postcode,
                city: job.address_city,
                country: job.address_country,
            },
            deliver: Deliver {
                sku: job.deliver_sku,
                name: job.deliver_name,
            },
            collect: Collect {
                sku: job.collect_sku,
                serial: job.collect_serial,
            },
            attempts: job.attempts,
            failure_reason: job.failure_reason.map(|r| r.as_str().to_owned()),
            completed_at: job.completed_at,
        }
    }
}

/// A crew's visits of a day, in order.
#[derive(Debug, Serialize)]
pub struct CrewVisits {
    pub crew_id: Uuid,
    pub crew_name: String,
    pub date: NaiveDate,
    pub visits: Vec<VisitView>,
}

/// The stored bytes of a photo as a response: its stored type, never sniffed by the browser.
pub async fn photo_response(
    store: &dyn crate::photos::PhotoStore,
    photo: &crate::db::job_photos::Model,
) -> Result<actix_web::HttpResponse, kummerer_service::Problem> {
    let bytes = crate::app::photos::bytes_of(store, photo).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type(photo.content_type.clone())
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "private, max-age=86400, immutable",
        ))
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
}

// --- Return shipments ---

#[derive(Debug, Serialize)]
pub struct DepotView {
    pub depot_id: Uuid,
    pub name: String,
    pub address: Option<Address>,
}

#[derive(Debug, Serialize)]
pub struct ReturnItemView {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    /// The visit that collects (or collected) the unit from the customer.
    pub job_id: Uuid,
    pub serial: String,
    pub product_sku: String,
    pub product_name: String,
    pub return_by: DateTime<Utc>,
    pub freight_paid_by: String,
    pub requested_at: DateTime<Utc>,
    /// Collected from the customer (so at the carrier's depot); only then can it travel.
    pub collected: bool,
    pub collected_at: Option<DateTime<Utc>>,
    /// `awaiting_carrier` (in the pool), `awaiting_collection`, `ready`, `travelling`,
    /// `arrived` or `withdrawn`.
    pub state: &'static str,
    /// The unit is due at the depot by `return_by` and not there yet.
    pub overdue: bool,
    /// The manufacturer withdrew it once it travelled: it arrives anyway.
    pub withdrawal_refused_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct ReturnItemList {
    pub items: Vec<ReturnItemView>,
}

impl ReturnItemView {
    /// The item as it stands in a shipment of `shipment` status (`None`: in no shipment).
    pub fn new(row: ItemRow, shipment: Option<crate::domain::returns::ShipmentStatus>) -> Self {
        use crate::domain::returns::ItemState;
        let i = row.item;
        let state = ItemState::of(
            i.withdrawn_at.is_some(),
            shipment,
            row.collected_at.is_some(),
        );
        ReturnItemView {
            state: state.as_str(),
            overdue: state
                .waiting(i.return_by, Utc::now())
                .is_some_and(|w| w.overdue),
            withdrawal_refused_at: i.withdrawal_refused_at,
            id: i.id,
            claim_id: i.claim_id,
            swap_id: i.swap_id,
            case_id: i.case_id,
            retailer_id: i.retailer_id,
            job_id: i.job_id,
            serial: i.serial,
            product_sku: i.product_sku,
            product_name: i.product_name,
            return_by: i.return_by,
            freight_paid_by: i.freight_paid_by,
            requested_at: i.requested_at,
            collected: row.collected_at.is_some(),
            collected_at: row.collected_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ShipmentView {
    pub id: Uuid,
    pub carrier_id: Uuid,
    pub manufacturer_id: Uuid,
    pub depot: DepotView,
    /// `open`, `dispatched` or `arrived`.
    pub status: String,
    /// Every unit collected: it can be dispatched (while open).
    pub ready: bool,
    pub crew_id: Option<Uuid>,
    pub ship_date: Option<NaiveDate>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub received_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub items: Vec<ReturnItemView>,
}

impl ShipmentView {
    pub fn new(s: shipments::Model, rows: Vec<ItemRow>) -> Self {
        let items: Vec<ReturnItemView> = rows
            .into_iter()
            .map(|r| ReturnItemView::new(r, Some(s.status)))
            .collect();
        ShipmentView {
            ready: !items.is_empty() && items.iter().all(|i| i.collected),
            id: s.id,
            carrier_id: s.carrier_id,
            manufacturer_id: s.manufacturer_id,
            depot: DepotView {
                depot_id: s.depot_id,
                name: s.depot_name,
                address: serde_json::from_value(s.depot_address).ok(),
            },
            status: s.status.as_string(),
            crew_id: s.crew_id,
            ship_date: s.ship_date,
            dispatched_at: s.dispatched_at,
            arrived_at: s.arrived_at,
            received_by: s.received_by,
            created_at: s.created_at,
            items,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ShipmentList {
    pub items: Vec<ShipmentView>,
}

/// The shipments with their items.
pub async fn with_items<C: sea_orm::ConnectionTrait>(
    db: &C,
    list: Vec<shipments::Model>,
) -> Result<Vec<ShipmentView>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = list.iter().map(|s| s.id).collect();
    let mut rows = crate::db::returns::items_of(db, &ids).await?;
    Ok(list
        .into_iter()
        .map(|s| {
            let (mine, rest): (Vec<_>, Vec<_>) = rows
                .drain(..)
                .partition(|r| r.item.shipment_id == Some(s.id));
            rows = rest;
            ShipmentView::new(s, mine)
        })
        .collect())
}
