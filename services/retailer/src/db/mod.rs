//! The retailer database: one module per table, holding its entity and its queries (re-exported
//! here under their old names). Only `db/` and `app/` write SQL.
//!
//! Every query on tenant data takes the retailer id and filters by it, so one retailer's id never
//! reaches another retailer's rows (and the composite foreign keys keep references inside one
//! tenant as well).

pub mod authority;
pub mod ball;
pub mod cancel;
pub mod carrier_contracts;
pub mod cases;
pub mod claims;
pub mod corrections;
pub mod dashboard;
pub mod desk;
pub mod erasure;
pub mod imports;
pub mod information;
pub mod integration_keys;
pub mod locale;
pub mod notifications;
pub mod partners;
pub mod products;
pub mod refusals;
pub mod request_deadlines;
pub mod requests;
pub mod retailers;
pub mod sales;
pub mod sales_reports;
pub mod sessions;
pub mod settlement;
pub mod slots;
pub mod staff;
pub mod stock;
pub mod swaps;
pub mod timeline;

use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};

/// Inserts `row` unless it collides with a unique key (`ON CONFLICT DO NOTHING`): `false` when it
/// was not inserted. Lets a handler answer 409 without aborting its transaction.
pub(crate) async fn insert_new<C, A>(db: &C, row: A) -> Result<bool, DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait,
{
    let inserted = <A::Entity as EntityTrait>::insert(row)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// A stored amount and currency as `Money`: a bad one is a broken invariant.
pub fn money(amount: Decimal, currency: &str) -> Result<kummerer_contracts::Money, DbErr> {
    let currency = kummerer_contracts::Currency::parse(currency.trim())
        .map_err(|e| DbErr::Custom(format!("stored currency: {e}")))?;
    kummerer_contracts::Money::new(amount, currency)
        .map_err(|e| DbErr::Custom(format!("stored amount: {e}")))
}

pub use cases::{find_case, insert_case, lock_case, set_case_status};
pub use claims::{
    ClaimDecision, claim_not_accepted, claim_of_swap, claim_resubmitted, decide_claim,
    insert_claim, lock_claim,
};
pub use products::{
    insert_product, list_products, product, product_by_sku, product_of, products_by_ids,
};
pub use retailers::{find_retailer, insert_retailer};
pub use sales::{find_sales, insert_sale, latest_sale_of_serial, replacement_of_case, sale_of};
pub use swaps::{insert_swap, lock_swap, set_swap_status, swap_of_case};
pub use timeline::{Entry, insert_timeline, insert_timeline_entries, timeline_of};
