//! Return shipments for the carrier: the units the manufacturers want back, batched into one
//! open shipment per manufacturer and depot; dispatch one (a crew and a day) and mark it arrived
//! at the depot, which tells the manufacturer and the retailer (`ReturnArrivedV1` per unit, in
//! the same transaction). Another carrier's shipment or crew answers 404 like an unknown one.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use kummerer_contracts::{Address, ReturnArrivedV1};
use kummerer_messaging::enqueue;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::dispatch;
use crate::db::returns::{self, ItemRow, shipments};
use crate::domain::dispatch::RESCHEDULE_DAYS_AHEAD;
use crate::domain::returns::{
    RECEIVED_BY_MAX, ShipmentError, ShipmentStatus, Unit, check_arrival, check_dispatch,
};

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
}

impl From<ItemRow> for ReturnItemView {
    fn from(row: ItemRow) -> Self {
        let i = row.item;
        ReturnItemView {
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
        let items: Vec<ReturnItemView> = rows.into_iter().map(ReturnItemView::from).collect();
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
            status: s.status,
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
) -> Result<Vec<ShipmentView>, Problem> {
    let ids: Vec<Uuid> = list.iter().map(|s| s.id).collect();
    let mut rows = returns::items_of(db, &ids).await?;
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

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub status: Option<String>,
}

/// `GET /api/carriers/{cid}/return-shipments?status=open|dispatched|arrived`: the carrier's
/// return shipments with their units, newest first.
pub async fn list(
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    dispatch::find_carrier(db.get_ref(), carrier_id)
        .await?
        .ok_or_else(|| Problem::not_found("carrier"))?;
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => {
            let status = ShipmentStatus::parse(s);
            if status.is_none() {
                let mut v = FieldErrors::new();
                v.add("status", "must be one of open, dispatched, arrived");
                v.finish()?;
            }
            status
        }
    };
    let list = returns::shipments_of_carrier(db.get_ref(), carrier_id, status).await?;
    let items = with_items(db.get_ref(), list).await?;
    Ok(HttpResponse::Ok().json(ShipmentList { items }))
}

/// `GET /api/carriers/{cid}/return-shipments/{sid}`
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let shipment = returns::find_shipment_of(db.get_ref(), carrier_id, id)
        .await?
        .ok_or_else(|| Problem::not_found("return shipment"))?;
    let mut views = with_items(db.get_ref(), vec![shipment]).await?;
    let view = views
        .pop()
        .ok_or_else(|| Problem::internal("shipment vanished"))?;
    Ok(HttpResponse::Ok().json(view))
}

fn refused(id: Uuid, e: ShipmentError) -> Problem {
    let code = match e {
        ShipmentError::NotCollected(_) => "unit_not_collected",
        ShipmentError::Empty => "shipment_empty",
        ShipmentError::NotOpen(_) => "shipment_not_open",
        ShipmentError::NotDispatched(_) => "shipment_not_dispatched",
    };
    Problem::conflict(code, format!("return shipment {id}: {e}"))
}

fn parse_status(s: &shipments::Model) -> Result<ShipmentStatus, Problem> {
    ShipmentStatus::parse(&s.status).ok_or_else(|| {
        Problem::internal(format!(
            "shipment {} has unknown status {:?}",
            s.id, s.status
        ))
    })
}

#[derive(Debug, Deserialize)]
pub struct DispatchBody {
    pub crew_id: Uuid,
    pub date: NaiveDate,
}

/// `POST /api/carriers/{cid}/return-shipments/{sid}/dispatch {crew_id, date}`: one of the
/// carrier's crews takes the shipment to the depot that day (it shows on the crew's page).
/// 409 `unit_not_collected` while a unit is still at the customer's; 409 `shipment_not_open`
/// once dispatched.
pub async fn dispatch(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<DispatchBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let now = Utc::now();
    let today = now.date_naive();
    let mut v = FieldErrors::new();
    if body.date < today {
        v.add("date", "must not be in the past");
    } else if body.date > today + chrono::Duration::days(RESCHEDULE_DAYS_AHEAD) {
        v.add(
            "date",
            format!("must be at most {RESCHEDULE_DAYS_AHEAD} days ahead"),
        );
    }
    v.finish()?;
    let txn = db.begin().await?;
    let shipment = returns::lock_shipment_of(&txn, carrier_id, id)
        .await?
        .ok_or_else(|| Problem::not_found("return shipment"))?;
    let crew = dispatch::find_crew_of(&txn, carrier_id, body.crew_id)
        .await?
        .ok_or_else(|| Problem::not_found("crew"))?;
    let rows = returns::items_of(&txn, &[id]).await?;
    let units: Vec<Unit> = rows
        .iter()
        .map(|r| Unit {
            serial: r.item.serial.clone(),
            collected: r.collected_at.is_some(),
        })
        .collect();
    check_dispatch(parse_status(&shipment)?, &units).map_err(|e| refused(id, e))?;
    let shipment = returns::set_dispatched(&txn, shipment, crew.id, body.date, now).await?;
    let view = ShipmentView::new(shipment, rows);
    txn.commit().await?;
    tracing::info!(shipment.id = %id, carrier.id = %carrier_id, crew.id = %crew.id, units = view.items.len(), "return shipment dispatched");
    metrics::counter!("logistics_return_shipments_dispatched_total").increment(1);
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize)]
pub struct ArrivedBody {
    pub received_by: String,
}

/// `POST /api/carriers/{cid}/return-shipments/{sid}/arrived {received_by}`: the depot signed
/// for the shipment; `ReturnArrivedV1` per unit in the same transaction. 409
/// `shipment_not_dispatched` before the dispatch and after the arrival.
pub async fn arrived(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ArrivedBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let mut v = FieldErrors::new();
    let received_by = v.text("received_by", &body.received_by, RECEIVED_BY_MAX);
    v.finish()?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let shipment = returns::lock_shipment_of(&txn, carrier_id, id)
        .await?
        .ok_or_else(|| Problem::not_found("return shipment"))?;
    check_arrival(parse_status(&shipment)?).map_err(|e| refused(id, e))?;
    let shipment = returns::set_arrived(&txn, shipment, &received_by, now).await?;
    let rows = returns::items_of(&txn, &[id]).await?;
    for row in &rows {
        let i = &row.item;
        enqueue(
            &txn,
            ReturnArrivedV1 {
                claim_id: i.claim_id,
                swap_id: i.swap_id,
                case_id: i.case_id,
                retailer_id: i.retailer_id,
                manufacturer_id: i.manufacturer_id,
                depot_id: i.depot_id,
                shipment_id: id,
                serial: i.serial.clone(),
                received_by: received_by.clone(),
                arrived_at: now,
            },
        )
        .await?;
    }
    let view = ShipmentView::new(shipment, rows);
    txn.commit().await?;
    tracing::info!(shipment.id = %id, carrier.id = %carrier_id, units = view.items.len(), "return shipment arrived at the depot");
    metrics::counter!("logistics_return_units_arrived_total").increment(view.items.len() as u64);
    Ok(HttpResponse::Ok().json(view))
}
