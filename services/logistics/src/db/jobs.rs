//! `jobs`: one delivery-and-collection visit per approved swap.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub swap_id: Uuid,
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub deliver_sku: String,
    pub deliver_name: String,
    pub collect_serial: String,
    pub collect_sku: String,
    pub address_name: String,
    pub address_phone: String,
    pub address_street: String,
    pub address_postcode: String,
    pub address_city: String,
    pub address_country: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub status: String,
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
    /// The carrier of the crew the job is assigned to.
    pub carrier_id: Option<Uuid>,
    pub crew_id: Option<Uuid>,
    /// The date of `window_start` in UTC.
    pub visit_date: Option<Date>,
    /// Order of the visit within its crew's day, from 1.
    pub position: Option<i32>,
    /// Set off to the customer on the current attempt (cleared by a failed attempt).
    pub on_the_way_at: Option<DateTime<Utc>>,
    /// The crew's estimate of its arrival, where it gave one.
    pub eta: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Where the crew picks the replacement up (`kummerer_contracts::StockPickup`), if given.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub replacement_from: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
