//! Return shipments for the carrier: the units the manufacturers want back, batched into one
//! open shipment per manufacturer and depot; dispatch one (a crew and a day) and mark it arrived
//! at the depot, which tells the manufacturer and the retailer (`ReturnArrivedV1` per unit, in
//! the same transaction). Another carrier's shipment or crew answers 404 like an unknown one.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use kummerer_contracts::ids::{CarrierId, CrewId, ShipmentId};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::returns as app;
use crate::db::returns;
use crate::domain::returns::ShipmentStatus;
use crate::http::view::{ReturnItemList, ReturnItemView, ShipmentList, ShipmentView, with_items};

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
    crate::db::carriers::find(db.get_ref(), carrier_id)
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
        .ok_or_else(|| Problem::not_found("return shipment"))?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Deserialize)]
pub struct DispatchBody {
    pub crew_id: CrewId,
    pub date: NaiveDate,
}

/// `POST /api/carriers/{cid}/return-shipments/{sid}/dispatch {crew_id, date}`: one of the
/// carrier's crews takes the shipment to the depot that day (it shows on the crew's page).
/// The units still at the customer's stay behind and move to the next open shipment (the answer
/// lists the units that left). 409 `unit_not_collected` while no unit is collected; 409
/// `shipment_not_open` once dispatched.
pub async fn dispatch(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, ShipmentId)>,
    body: web::Json<DispatchBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let (shipment, rows) =
        app::dispatch(db.get_ref(), carrier_id, id, body.crew_id, body.date).await?;
    Ok(HttpResponse::Ok().json(ShipmentView::new(shipment, rows)))
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
    path: web::Path<(CarrierId, ShipmentId)>,
    body: web::Json<ArrivedBody>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let (shipment, rows) = app::arrived(db.get_ref(), carrier_id, id, &body.received_by).await?;
    Ok(HttpResponse::Ok().json(ShipmentView::new(shipment, rows)))
}

/// `GET /api/carriers/{cid}/return-pool`: the return items waiting for a carrier — their job
/// was completed without one — in the regions granted to the carrier, oldest request first.
pub async fn pool(
    db: web::Data<DatabaseConnection>,
    path: web::Path<CarrierId>,
) -> Result<HttpResponse, Problem> {
    let carrier_id = path.into_inner();
    let rows = returns::pool_of_carrier(db.get_ref(), carrier_id.0).await?;
    let items = rows
        .into_iter()
        .map(|r| ReturnItemView::new(r, None))
        .collect();
    Ok(HttpResponse::Ok().json(ReturnItemList { items }))
}

/// `POST /api/carriers/{cid}/return-pool/{item_id}/take`: the carrier carries the item; it
/// joins the carrier's open shipment for its manufacturer and depot (the answer). 404 for an
/// item not in the carrier's pool (another region's, taken or withdrawn already).
pub async fn take(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(CarrierId, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (carrier_id, id) = path.into_inner();
    let (shipment, rows) = app::take(db.get_ref(), carrier_id, id).await?;
    Ok(HttpResponse::Ok().json(ShipmentView::new(shipment, rows)))
}
