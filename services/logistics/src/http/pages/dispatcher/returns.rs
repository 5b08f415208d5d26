//! The dispatcher's returns page (`/dispatch/returns`): the pool of return items waiting for a
//! carrier in the carrier's regions (each with a *take* form), and the carrier's shipments with
//! each item's state and `return_by` — what left with a partial dispatch, what moved to the next
//! shipment, what the manufacturer withdrew. Calls the same [`crate::app::returns`] and queries
//! as `GET /api/carriers/{cid}/return-pool` and `…/return-shipments`.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use kummerer_contracts::ids::CarrierId;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use kummerer_web::see_other;
use kummerer_web::signin;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use super::auth::DispatcherAccounts;
use super::pages::SignedDispatcher;
use super::{Me, not_found, render};
use crate::app::returns::{TakeError, take as take_item};
use crate::db::returns;
use crate::http::view::{ReturnItemView, ShipmentView, with_items};

/// A return item as the page shows it.
pub struct ItemLine {
    pub id: Uuid,
    pub serial: String,
    pub product: String,
    pub depot: String,
    pub return_by: String,
    pub overdue: bool,
    pub state: &'static str,
    pub refused: bool,
}

impl ItemLine {
    fn new(i: &ReturnItemView, depot: &str, tr: &Tr) -> Self {
        ItemLine {
            id: i.id,
            serial: i.serial.clone(),
            product: i.product_name.clone(),
            depot: depot.to_owned(),
            return_by: tr.datetime(i.return_by),
            overdue: i.overdue,
            state: i.state,
            refused: i.withdrawal_refused_at.is_some(),
        }
    }
}

pub struct ShipmentBlock {
    pub id: Uuid,
    pub depot: String,
    pub status: String,
    /// The key of the note on what the shipment waits for.
    pub note: &'static str,
    pub items: Vec<ItemLine>,
}

impl ShipmentBlock {
    fn new(s: ShipmentView, tr: &Tr) -> Self {
        let note = match s.status.as_str() {
            "open" if s.items.iter().any(|i| i.collected) => "dispatch-shipment-open-ready",
            "open" => "dispatch-shipment-open",
            "dispatched" => "dispatch-shipment-dispatched",
            _ => "dispatch-shipment-arrived",
        };
        ShipmentBlock {
            id: s.id,
            status: s.status.clone(),
            note,
            items: s
                .items
                .iter()
                .map(|i| ItemLine::new(i, &s.depot.name, tr))
                .collect(),
            depot: s.depot.name,
        }
    }
}

#[derive(Template)]
#[template(path = "dispatch/returns.html")]
pub struct ReturnsPage {
    pub tr: Tr,
    pub me: Me,
    pub notice: String,
    pub pool: Vec<ItemLine>,
    pub shipments: Vec<ShipmentBlock>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnsQuery {
    pub taken: String,
}

/// `GET /dispatch/returns`: the pool and the carrier's shipments (newest first).
pub async fn page(
    SignedDispatcher(s, me): SignedDispatcher,
    db: web::Data<DatabaseConnection>,
    query: web::Query<ReturnsQuery>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let tr = me.tr;
    let carrier = s.account.carrier_id;
    let pool = returns::pool_of_carrier(db, carrier)
        .await?
        .into_iter()
        .map(|r| {
            let depot = r.item.depot_name.clone();
            ItemLine::new(&ReturnItemView::new(r, None), &depot, &tr)
        })
        .collect();
    let list = returns::shipments_of_carrier(db, carrier, None).await?;
    let shipments = with_items(db, list)
        .await?
        .into_iter()
        .map(|s| ShipmentBlock::new(s, &tr))
        .collect();
    let notice = if query.taken.is_empty() {
        String::new()
    } else {
        tr.t("dispatch-taken")
    };
    render(&ReturnsPage {
        tr,
        me,
        notice,
        pool,
        shipments,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TakeForm {
    pub csrf: String,
}

/// `POST /dispatch/returns/{id}/take`: the carrier carries the pooled item.
pub async fn take(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<TakeForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let s = match signin::guard_post::<DispatcherAccounts>(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let tr = super::pages::tr_of(&req, db, &s).await?;
    let Ok(id) = path.into_inner().parse::<Uuid>() else {
        return not_found(&tr, "dispatch-not-found-item");
    };
    match take_item(db, CarrierId(s.account.carrier_id), id).await {
        Ok(_) => {
            tracing::info!(dispatcher.id = %s.account.id, item.id = %id, "return item taken from the pool");
            Ok(see_other("/dispatch/returns?taken=1"))
        }
        Err(TakeError::NotFound) => not_found(&tr, "dispatch-not-found-item"),
        Err(TakeError::Db(e)) => Err(e.into()),
    }
}
