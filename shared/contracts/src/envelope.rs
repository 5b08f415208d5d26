//! The CloudEvents 1.0 envelope (structured JSON mode) every message travels in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Event;

pub const SPEC_VERSION: &str = "1.0";

/// A CloudEvents 1.0 event in structured JSON mode. `id` is a UUIDv7 and doubles as the AMQP
/// `message_id` and the inbox key; `type` is the routing key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub specversion: String,
    pub id: Uuid,
    pub source: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default = "json_content_type")]
    pub datacontenttype: String,
    pub data: T,
}

fn json_content_type() -> String {
    "application/json".to_owned()
}

impl<E: Event> Envelope<E> {
    /// A fresh envelope for an event published now.
    pub fn new(data: E) -> Self {
        Self {
            specversion: SPEC_VERSION.to_owned(),
            id: Uuid::now_v7(),
            source: E::PRODUCER.source(),
            ty: E::TYPE.to_owned(),
            time: Utc::now(),
            subject: Some(data.subject()),
            datacontenttype: json_content_type(),
            data,
        }
    }
}

impl Envelope<serde_json::Value> {
    /// Reads the `data` of a received envelope as the event its `type` names.
    pub fn decode<E: Event>(&self) -> Result<Envelope<E>, serde_json::Error> {
        Ok(Envelope {
            specversion: self.specversion.clone(),
            id: self.id,
            source: self.source.clone(),
            ty: self.ty.clone(),
            time: self.time,
            subject: self.subject.clone(),
            datacontenttype: self.datacontenttype.clone(),
            data: E::deserialize(&self.data)?,
        })
    }
}
