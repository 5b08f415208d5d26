//! Broker names under a deployment prefix (`kummerer` in production, a random one per test).

use kummerer_contracts::topology::{QueueSpec, Service};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

impl Names {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    /// The topic exchange a service publishes on.
    pub fn exchange(&self, producer: Service) -> String {
        format!("{}.{}", self.prefix, producer.name())
    }
    /// The direct exchange dead-lettered messages go through (routing key: the queue name).
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dlx", self.prefix)
    }
    pub fn queue(&self, spec: &QueueSpec) -> String {
        format!("{}.{}", self.prefix, spec.name)
    }
    /// Retry tier `tier` (1-based) of a queue: a message waits there for the tier's delay, then
    /// dead-letters back into the queue.
    pub fn retry_queue(&self, spec: &QueueSpec, tier: usize) -> String {
        format!("{}.retry.{tier}", self.queue(spec))
    }
    pub fn dead_letter_queue(&self, spec: &QueueSpec) -> String {
        format!("{}.dlq", self.queue(spec))
    }
}
