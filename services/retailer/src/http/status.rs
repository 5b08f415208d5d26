//! The customer's status link: `GET /status/{token}` without sign-in shows where the swap
//! stands — the product's name, the step, and the delivery window once the crew has one —
//! and nothing else of the case (no prices, no customer data, no staff). The token is 256
//! random bits; only its SHA-256 is stored. Staff create the link on the case page
//! (`POST /desk/cases/{id}/status-link`); it is shown once, and a new one replaces the old.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use kummerer_contracts::TimeWindow;
use kummerer_service::Problem;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::{self, cases};
use crate::domain::{Step, kind};
use kummerer_web::{looks_like_token, random_token, token_hash};

use crate::http::desk::auth::{CsrfForm, guard_post, web_error};
use crate::http::desk::pages::{case_page, path_id};
use crate::http::desk::{Errors, not_found, render, render_status};

#[derive(Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    pub found: bool,
    pub product: String,
    pub step: &'static str,
    pub label: &'static str,
    pub window: Option<String>,
    /// The crew's estimated arrival, once it is on the way and gave one.
    pub eta: Option<String>,
}

fn window_text(w: &TimeWindow) -> String {
    crate::domain::window_text(w.start, w.end)
}

/// No caching, no referrer (the token is in the URL), not indexed.
fn private(mut res: HttpResponse) -> HttpResponse {
    let h = res.headers_mut();
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::HeaderName::from_static("x-robots-tag"),
        header::HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

fn unknown() -> Result<HttpResponse, Problem> {
    Ok(private(render_status(
        StatusCode::NOT_FOUND,
        &StatusPage {
            found: false,
            product: String::new(),
            step: "",
            label: "",
            window: None,
            eta: None,
        },
    )?))
}

/// `GET /status/{token}` → 200 with the step; an unknown or malformed token → the 404 page.
pub async fn page(
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let token = path.into_inner();
    if !looks_like_token(&token) {
        return unknown();
    }
    let db = db.get_ref();
    let Some(case) = cases::Entity::find()
        .filter(cases::Column::StatusTokenHash.eq(token_hash(&token.to_ascii_lowercase())))
        .one(db)
        .await?
    else {
        return unknown();
    };
    let retailer_id = case.retailer_id;
    let sale = db::sale_of(db, retailer_id, case.sale_id).await?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let swap = db::swap_of_case(db, retailer_id, case.id).await?;
    let swap_status = swap.as_ref().map(db::swap_status).transpose()?;
    let step = Step::of(db::case_status(&case)?, swap_status);
    let (window, eta) = if matches!(step, Step::DeliveryScheduled | Step::OnTheWay) {
        // The crew's window: from the latest `on_the_way` or `job_scheduled`, else the one
        // approved; the estimate from the latest `on_the_way`.
        let timeline = db::timeline_of(db, retailer_id, case.id).await?;
        let latest = timeline
            .iter()
            .rev()
            .find(|t| t.kind == kind::JOB_SCHEDULED || t.kind == kind::ON_THE_WAY);
        let eta = latest
            .filter(|t| t.kind == kind::ON_THE_WAY && step == Step::OnTheWay)
            .and_then(|t| serde_json::from_value::<DateTime<Utc>>(t.details["eta"].clone()).ok())
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        let window = latest
            .and_then(|t| serde_json::from_value::<TimeWindow>(t.details["window"].clone()).ok())
            .or_else(|| {
                swap.as_ref().map(|s| TimeWindow {
                    start: s.window_start,
                    end: s.window_end,
                })
            })
            .map(|w| window_text(&w));
        (window, eta)
    } else {
        (None, None)
    };
    Ok(private(render_status(
        StatusCode::OK,
        &StatusPage {
            found: true,
            product: product.name,
            step: step.as_str(),
            label: step.label(),
            window,
            eta,
        },
    )?))
}

/// `POST /desk/cases/{id}/status-link` `{csrf}` → the case page with the new link, shown this
/// once (only its hash is stored); an older link stops working.
pub async fn create_link(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, Problem> {
    let me = match guard_post(&req, db.get_ref(), &form.csrf).await? {
        Ok(me) => me,
        Err(res) => return Ok(res),
    };
    let Some(id) = path_id(&path) else {
        return not_found();
    };
    let retailer_id = me.staff.retailer_id;
    let token = random_token().map_err(web_error)?;
    let updated = cases::Entity::update_many()
        .col_expr(
            cases::Column::StatusTokenHash,
            Expr::value(token_hash(&token)),
        )
        .filter(cases::Column::Id.eq(id))
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .exec(db.get_ref())
        .await?;
    if updated.rows_affected != 1 {
        return not_found();
    }
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found();
    };
    tracing::info!(staff.id = %me.staff.id, case.id = %id, "customer status link created");
    let mut page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    page.new_status_link = Some(format!("/status/{token}"));
    render(&page)
}
