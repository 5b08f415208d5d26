//! Failure rates with a denominator (issue 12): the units the linked retailers reported sold
//! beside the claims on those units, per month of sale, product and retailer.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use kummerer_contracts::SalesMonth;
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::auth::Manufacturer;
use crate::db::sales_reports::{self as counts, Names, Scope};
use crate::domain::failure_rates::{Figures, Group, assemble};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FailureRatesQuery {
    /// The first month of sale (`YYYY-MM`, UTC), included.
    pub from: Option<String>,
    /// The last month of sale (`YYYY-MM`, UTC), included.
    pub to: Option<String>,
    /// Only this retailer's sales and claims.
    pub retailer_id: Option<Uuid>,
}

/// The figures of one group of units sold.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rates {
    /// Units the retailers reported sold (`retailer.sales.reported.v1`).
    pub units_sold: i64,
    /// Claims on units sold then (withdrawn claims left out).
    pub claims: i64,
    /// Of `claims`, those from a retailer that reported its sales of that month: the numerator
    /// of the failure rate.
    pub claims_with_units: i64,
    /// `claims_with_units / units_sold`, `"0.0000"` and up (four places); `null` without units.
    #[schema(example = "0.0125")]
    pub failure_rate: Option<String>,
    /// Median whole days from the sale to the claim (the swap); `null` without claims.
    pub median_days_to_failure: Option<i64>,
    /// Claims whose unit was inspected.
    pub inspected: i64,
    /// Of those, found without fault.
    pub no_fault_found: i64,
    /// `no_fault_found / inspected`, four places; `null` when nothing was inspected.
    #[schema(example = "0.2500")]
    pub no_fault_found_rate: Option<String>,
}

impl From<Figures> for Rates {
    fn from(f: Figures) -> Self {
        Rates {
            units_sold: f.units_sold,
            claims: f.claims.claims,
            claims_with_units: f.claims.claims_reported,
            failure_rate: f.failure_rate.map(|r| r.to_string()),
            median_days_to_failure: f.claims.median_days,
            inspected: f.claims.inspected,
            no_fault_found: f.claims.no_fault_found,
            no_fault_found_rate: f.no_fault_found_rate.map(|r| r.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthRates {
    /// The month of sale, `YYYY-MM` (UTC).
    #[schema(example = "2026-11")]
    pub month: String,
    #[serde(flatten)]
    pub rates: Rates,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductRates {
    pub sku: String,
    pub name: String,
    #[serde(flatten)]
    pub rates: Rates,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductMonthRates {
    pub sku: String,
    pub name: String,
    #[schema(example = "2026-11")]
    pub month: String,
    #[serde(flatten)]
    pub rates: Rates,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetailerRates {
    pub retailer_id: Uuid,
    /// As the retailer announced it; `null` until its profile arrived.
    pub name: Option<String>,
    #[serde(flatten)]
    pub rates: Rates,
}

/// The manufacturer's failure rates in the months of sale asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailureRates {
    pub from: Option<String>,
    pub to: Option<String>,
    pub retailer_id: Option<Uuid>,
    pub total: Rates,
    /// Months ascending.
    pub by_month: Vec<MonthRates>,
    /// By sku.
    pub by_product: Vec<ProductRates>,
    /// By sku, then month.
    pub by_product_month: Vec<ProductMonthRates>,
    /// By retailer id.
    pub by_retailer: Vec<RetailerRates>,
}

fn month(raw: Option<&str>, name: &str) -> Result<Option<NaiveDate>, Problem> {
    raw.map(|m| {
        m.parse::<SalesMonth>()
            .map(SalesMonth::first_day)
            .map_err(|e| Problem::bad_request("bad_query", format!("{name}: {e}")))
    })
    .transpose()
}

fn month_text(d: NaiveDate) -> String {
    SalesMonth::of(d).to_string()
}

/// Failure rates
///
/// Per month of sale (UTC), product (sku), product and month, and retailer: the units the
/// linked retailers reported sold, the claims on them, the failure rate (claims from retailers
/// that reported that month, over the units), the median days from sale to claim, and the
/// no-fault-found rate of the inspected units. Only this manufacturer's figures.
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/analytics/failure-rates", tag = "claims",
    operation_id = "failure_rates",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), FailureRatesQuery),
    responses(
        (status = 200, description = "The figures", body = FailureRates),
        (status = 400, description = "`bad_query`: a malformed month or retailer id, or `from` after `to`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/analytics/failure-rates[?from=YYYY-MM&to=YYYY-MM&retailer_id=…]`.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    query: web::Query<FailureRatesQuery>,
) -> Result<HttpResponse, Problem> {
    let scope = Scope {
        from: month(query.from.as_deref(), "from")?,
        to: month(query.to.as_deref(), "to")?,
        retailer_id: query.retailer_id,
    };
    if let (Some(from), Some(to)) = (scope.from, scope.to)
        && from > to
    {
        return Err(Problem::bad_request("bad_query", "from is after to"));
    }
    let db = db.get_ref();
    let mut names = Names::default();
    let units = counts::units(db, me.id, scope, &mut names).await?;
    let claims = counts::claims(db, me.id, scope, &mut names).await?;
    let retailers = units
        .keys()
        .chain(claims.keys())
        .filter_map(|g| match g {
            Group::Retailer(id) => Some(*id),
            _ => None,
        })
        .collect();
    counts::retailer_names(db, retailers, &mut names).await?;
    let product_name = |sku: &str| names.products.get(sku).cloned().unwrap_or_default();
    let mut body = FailureRates {
        from: scope.from.map(month_text),
        to: scope.to.map(month_text),
        retailer_id: scope.retailer_id,
        total: Rates::from(crate::domain::failure_rates::figures(0, Default::default())),
        by_month: Vec::new(),
        by_product: Vec::new(),
        by_product_month: Vec::new(),
        by_retailer: Vec::new(),
    };
    for (group, figures) in assemble(&units, &claims) {
        let rates = Rates::from(figures);
        match group {
            Group::Total => body.total = rates,
            Group::Month(m) => body.by_month.push(MonthRates {
                month: month_text(m),
                rates,
            }),
            Group::Product(sku) => body.by_product.push(ProductRates {
                name: product_name(&sku),
                sku,
                rates,
            }),
            Group::ProductMonth(sku, m) => body.by_product_month.push(ProductMonthRates {
                name: product_name(&sku),
                sku,
                month: month_text(m),
                rates,
            }),
            Group::Retailer(id) => body.by_retailer.push(RetailerRates {
                retailer_id: id,
                name: names.retailers.get(&id).cloned(),
                rates,
            }),
        }
    }
    Ok(HttpResponse::Ok().json(body))
}

/// The page with charts (`failure_rates.html`): one self-contained page, texts in German or
/// English by the browser's language. The manufacturer has no sign-in pages: the user pastes
/// its id and an API key, which stay in the tab (`sessionStorage`), and the page fetches the
/// JSON above with them; nothing is fetched from elsewhere (the API docs page's CSP).
pub const PAGE: &str = include_str!("failure_rates.html");

/// `GET /analytics`.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::html())
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            kummerer_web::apidocs::CONTENT_SECURITY_POLICY,
        ))
        .body(PAGE)
}
