//! What the API shows of a job.

use chrono::{DateTime, Utc};
use kummerer_contracts::{Address, TimeWindow};
use serde::Serialize;
use uuid::Uuid;

use crate::db::{job_events, jobs};

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
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
        Self {
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
            status: job.status,
            attempts: job.attempts,
            delivered_serial: job.delivered_serial,
            collected_serial: job.collected_serial,
            collected_serial_matches: job.collected_serial_matches,
            recipient_name: job.recipient_name,
            failure_reason: job.failure_reason,
            failure_note: job.failure_note,
            created_at: job.created_at,
            updated_at: job.updated_at,
            completed_at: job.completed_at,
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
