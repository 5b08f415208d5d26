//! Units sold reported to the linked manufacturers (issue 12): the denominator of their failure
//! rates. Aggregated per product and UTC month, no personal data (`retailer.sales.reported.v1`,
//! event-carried state through the outbox).
//!
//! [`sweep`] counts the sales of every linked pair over the horizon
//! ([`crate::domain::sales_report::HORIZON_MONTHS`]: the current month and the 35 before it), so
//! the current and previous month, any month an import of past sales touched, and the history of
//! a manufacturer linked later are all covered by one query; it compares each month with what
//! was last sent (`sales_reports_sent`) and writes the months that changed, with the next
//! sequence, in one transaction. Only linked manufacturers are counted or sent to. The sweep
//! takes a transaction-level advisory lock, so two replicas never send one month twice; running
//! it again with nothing changed sends nothing (idempotent). Time is a parameter, so tests sweep
//! by hand instead of waiting for the [`worker`].

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

use crate::db::sales_reports as db;
use crate::domain::sales_report::{due, horizon_start};

/// The variable of the worker's interval (whole seconds; 0: no reports).
pub const INTERVAL_VAR: &str = "KUMMERER_SALES_REPORT_SECONDS";
/// Its default: every five minutes.
pub const DEFAULT_INTERVAL_S: u64 = 300;

/// Sends the months whose counts changed; how many it sent (0 as well when another sweep
/// holds the lock).
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    if !db::try_lock_sweep(&txn).await? {
        return Ok(0);
    }
    let since = horizon_start(now.date_naive());
    let counted = db::counted(&txn, since).await?;
    let sent = db::sent(&txn, since).await?;
    let todo = due(&counted, &sent);
    for d in &todo {
        crate::outbound::sales_reported(&txn, d, now).await?;
        db::save(&txn, d.key, d.sequence, &d.counts(), now).await?;
    }
    txn.commit().await?;
    for d in &todo {
        let (rid, mid, month) = d.key;
        tracing::info!(retailer.id = %rid, manufacturer.id = %mid, %month,
            sequence = d.sequence, products = d.products.len(), "units sold reported");
    }
    crate::metrics::sales_reported(todo.len());
    Ok(todo.len())
}

/// The background worker: a sweep at start and every `every` until `cancel` fires (none when
/// `None`).
pub async fn worker(db: DatabaseConnection, every: Option<Duration>, cancel: CancellationToken) {
    let Some(every) = every else {
        return;
    };
    loop {
        if let Err(e) = sweep(&db, Utc::now()).await {
            tracing::error!(error = %e, "sales report sweep failed");
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
