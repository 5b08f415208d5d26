//! The manufacturer's claim analytics.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Manufacturer;
use crate::db::analytics as counts;
use crate::domain::analytics::{Share, breakdown, ratio};
use crate::domain::listing;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Claims received at or after this: an RFC 3339 time or a date (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Claims received before this: an RFC 3339 time, or a date (the whole day included, UTC).
    pub to: Option<String>,
}

/// Claims of one defect category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryStats {
    pub defect_category: String,
    pub claims: i64,
    /// Of the claims of the whole it belongs to (all claims, or the product's), `"0.0000"` to
    /// `"1.0000"`.
    #[schema(example = "0.2500")]
    pub share: String,
}

impl From<Share> for CategoryStats {
    fn from(s: Share) -> Self {
        Self {
            defect_category: s.key,
            claims: s.claims,
            share: s.share.to_string(),
        }
    }
}

/// Claims of one product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductStats {
    pub sku: String,
    pub name: String,
    pub claims: i64,
    /// Of all claims in the range, `"0.0000"` to `"1.0000"`.
    #[schema(example = "0.7500")]
    pub share: String,
    /// The product's claims per defect category (shares of the product's claims).
    pub defect_categories: Vec<CategoryStats>,
}

/// How the claims in the range stand.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeStats {
    /// Still open: `pending`, `return_requested`, `unit_arrived` or `disputed`.
    pub pending: i64,
    pub accepted: i64,
    pub partly_accepted: i64,
    pub rejected: i64,
    /// `accepted + partly_accepted + rejected`.
    pub decided: i64,
}

/// The manufacturer's claims received in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct Analytics {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Claims received in the range.
    pub claims: i64,
    /// Most claims first.
    pub by_product: Vec<ProductStats>,
    /// Most claims first; shares of all claims in the range.
    pub by_defect_category: Vec<CategoryStats>,
    pub outcomes: OutcomeStats,
    /// `(accepted + partly_accepted) / decided`, four places; `null` when none is decided.
    #[schema(example = "0.7500")]
    pub acceptance_rate: Option<String>,
    /// Median time from receipt to decision of the decided claims (rules and deadlines
    /// included), in whole seconds; `null` when none is decided.
    pub median_seconds_to_decision: Option<i64>,
}

/// Claim analytics
///
/// Claims and their shares per product and defect category, the acceptance rate and the median
/// time to decision, of the claims received in `[from, to)` (all claims when absent).
#[utoipa::path(
    get, path = "/api/manufacturers/{mid}/analytics", tag = "claims", operation_id = "claim_analytics",
    params(("mid" = Uuid, Path, description = "The manufacturer (the API key's)"), AnalyticsQuery),
    responses(
        (status = 200, description = "The figures", body = Analytics),
        (status = 400, description = "`bad_query`: a malformed time or date, or `from` not before `to`", body = super::openapi::ProblemDoc, content_type = "application/problem+json"),
    )
)]
// `GET /api/manufacturers/{mid}/analytics[?from=…&to=…]` → 200, 400 `bad_query`.
pub async fn get(
    me: Manufacturer,
    db: web::Data<DatabaseConnection>,
    query: web::Query<AnalyticsQuery>,
) -> Result<HttpResponse, Problem> {
    let listing::Range { from, to } = listing::range(query.from.as_deref(), query.to.as_deref())
        .map_err(|e| Problem::bad_request("bad_query", e))?;
    let groups = counts::groups(db.get_ref(), me.id, from, to).await?;
    let o = counts::outcomes(db.get_ref(), me.id, from, to).await?;
    let b = breakdown(&groups);
    let decided = o.accepted + o.partly_accepted + o.rejected;
    let body = Analytics {
        from,
        to,
        claims: b.claims,
        by_product: b
            .by_product
            .into_iter()
            .map(|p| ProductStats {
                sku: p.sku,
                name: p.name,
                claims: p.claims,
                share: p.share.to_string(),
                defect_categories: p.defect_categories.into_iter().map(Into::into).collect(),
            })
            .collect(),
        by_defect_category: b.by_defect_category.into_iter().map(Into::into).collect(),
        acceptance_rate: ratio(o.accepted + o.partly_accepted, decided).map(|r| r.to_string()),
        median_seconds_to_decision: o.median_seconds_to_decision,
        outcomes: OutcomeStats {
            pending: o.pending,
            accepted: o.accepted,
            partly_accepted: o.partly_accepted,
            rejected: o.rejected,
            decided,
        },
    };
    Ok(HttpResponse::Ok().json(body))
}
