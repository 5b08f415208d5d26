//! The desk's home: one search box for a receipt, a serial, or a customer; the managers'
//! list of approval requests.

use kummerer_web::i18n::Tr;
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self, desk, products};
use crate::domain::CODE_MAX;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::requests;
use crate::http::pages::{Me, RESULTS_MAX, render};
use crate::http::view::money;

// --- search -------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    pub q: String,
}

pub struct SaleRow {
    pub id: Uuid,
    pub receipt_no: String,
    pub serial: String,
    pub product: String,
    pub customer: String,
    pub sold_on: String,
    pub price_paid: String,
}

#[derive(Template)]
#[template(path = "desk/home.html")]
pub struct Home {
    pub me: Me,
    pub tr: Tr,
    pub q: String,
    pub searched: bool,
    pub message: Option<String>,
    pub results: Vec<SaleRow>,
    /// For managers and admins: the swaps waiting for them (refreshed by the desk's script).
    pub approvals: Option<Vec<super::requests::RequestRow>>,
}

/// `GET /desk?q=…`: one search box for a receipt number, a serial (or part of it), any word of
/// the customer's name, or the customer's phone number in any format (see
/// [`desk::search_sales`]).
pub async fn home(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = me.staff.retailer_id;
    let q = query.q.trim().to_owned();
    let mut page = Home {
        me: Me::from(&me),
        tr: me.tr,
        q: q.clone(),
        searched: !q.is_empty(),
        message: None,
        results: Vec::new(),
        approvals: requests::open_rows(db.get_ref(), &me).await?,
    };
    if q.chars().count() > CODE_MAX {
        page.message = Some(me.tr.tn("home-search-too-long", "max", CODE_MAX));
    } else if q.chars().count() == 1 {
        page.message = Some(me.tr.t("home-search-too-short"));
    } else if !q.is_empty() {
        let found = desk::search_sales(db.get_ref(), retailer_id, &q, RESULTS_MAX).await?;
        let ids = found.iter().map(|s| s.product_id).collect();
        let by_id: HashMap<Uuid, products::Model> =
            db::products_by_ids(db.get_ref(), retailer_id, ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        for s in found {
            page.results.push(SaleRow {
                product: by_id
                    .get(&s.product_id)
                    .map(|p| format!("{} ({})", p.name, p.sku))
                    .unwrap_or_default(),
                price_paid: me
                    .tr
                    .money(money(s.price_paid, &s.currency)?.amount, &s.currency),
                sold_on: me.tr.date(s.sold_at),
                id: s.id,
                receipt_no: s.receipt_no,
                serial: s.serial,
                customer: s.customer_name,
            });
        }
    }
    let mut res = render(&page)?;
    if page.approvals.is_some() {
        res.headers_mut().insert(
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            actix_web::http::header::HeaderValue::from_static(super::SCRIPT_PAGE_CSP),
        );
    }
    Ok(res)
}
