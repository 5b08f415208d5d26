//! Nobody waits forever on a job. The sweep finds the jobs overdue at `now` (see
//! [`crate::domain::overdue`]) and escalates each wait once: a job not on a crew a day before its
//! window, a window passed without a completed visit (to the dispatchers of the carriers
//! granted its postcode, or to the operator where none is), and a failed attempt nobody
//! rescheduled (the retailer holds it: it agrees the new date with the customer; logistics flags
//! it). Each escalation is a `escalated` entry in the job's history; the dispatcher's board
//! lists the overdue jobs at the top, and the gauge `kummerer_logistics_jobs_overdue` counts
//! them for the alert in `deploy/prometheus/alerts.yml`.
//!
//! Rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas side by side escalate each once;
//! `now` is a parameter, so tests move time instead of sleeping.
//!
//! How long a job may wait ([`Thresholds`]) is a setting read once at start
//! ([`crate::settings::Settings::overdue`]) and installed for the process with
//! [`install_thresholds`]: the sweep, the board, the metric and every job view use the same
//! [`thresholds`] (the defaults until a start installed others, as in tests that start the
//! service in-process).

use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::db::{self, job_events, overdue as due};
use crate::domain::overdue::{Holder, JobFacts, Thresholds, Waiting, waiting};

/// The thresholds the start installed.
static THRESHOLDS: OnceLock<Thresholds> = OnceLock::new();

/// Installs the process's thresholds (from the settings, at start); a second call changes
/// nothing (one process, one set).
pub fn install_thresholds(limits: Thresholds) {
    if THRESHOLDS.set(limits).is_err() && THRESHOLDS.get() != Some(&limits) {
        tracing::warn!("overdue thresholds were installed before: the first ones stay");
    }
}

/// The process's thresholds: those installed at start, else the defaults.
pub fn thresholds() -> Thresholds {
    THRESHOLDS.get().copied().unwrap_or_default()
}

/// How often the worker looks for overdue jobs (`KUMMERER_OVERDUE_SWEEP_SECONDS`).
pub const INTERVAL: Duration = Duration::from_secs(30);

/// The history entry of an escalation.
pub const ESCALATED: &str = "escalated";

/// What a job's wait is at `now`, as far as the job itself tells (`covered`: some carrier is
/// granted its postcode; not known outside the sweep, so taken from its last escalation).
pub fn waiting_of(job: &db::jobs::Model, now: DateTime<Utc>) -> Option<Waiting> {
    waiting(
        facts(job, job.escalated_to.as_deref() != Some("operator")),
        now,
        &thresholds(),
    )
}

fn facts(job: &db::jobs::Model, covered: bool) -> JobFacts {
    JobFacts {
        status: job.status,
        on_a_crew: job.crew_id.is_some(),
        window_start: job.window_start,
        window_end: job.window_end,
        changed_at: job.updated_at,
        covered,
    }
}

/// Escalates every wait overdue at `now` not escalated yet (at most a batch); returns how many.
pub async fn fire(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let limits = thresholds();
    let txn = db.begin().await?;
    let jobs = due::claim_overdue(&txn, now, &limits).await?;
    let mut escalated = 0;
    for job in jobs {
        let covered = job.crew_id.is_some() || due::covered(&txn, job.id).await?;
        let Some(Waiting {
            holder,
            due_at,
            overdue: Some(kind),
        }) = waiting(facts(&job, covered), now, &limits)
        else {
            continue;
        };
        if job.escalated_for.as_deref() == Some(kind.as_str()) {
            continue;
        }
        let to = if holder == Holder::Operator {
            "operator"
        } else {
            "dispatchers"
        };
        due::mark_escalated(&txn, job.id, kind.as_str(), to, now).await?;
        job_events::insert(
            &txn,
            job.id,
            ESCALATED,
            now,
            json!({"overdue": kind.as_str(), "holder": holder.as_str(), "due_at": due_at,
                   "escalated_to": to, "carrier_id": job.carrier_id, "crew_id": job.crew_id}),
        )
        .await?;
        tracing::warn!(job.id = %job.id, overdue = kind.as_str(), holder = holder.as_str(),
            escalated_to = to, "job overdue: escalated");
        escalated += 1;
    }
    let overdue = due::count(&txn, now, &limits).await?;
    txn.commit().await?;
    crate::metrics::jobs_overdue(overdue);
    Ok(escalated)
}

/// The background worker: a sweep every `every` (by default [`INTERVAL`]; at once again after a
/// full batch) until `cancel` fires.
pub async fn worker(db: DatabaseConnection, every: Duration, cancel: CancellationToken) {
    loop {
        let full = match fire(&db, Utc::now()).await {
            Ok(n) => n as u64 >= due::BATCH,
            Err(e) => {
                tracing::error!(error = %e, "overdue job sweep failed");
                false
            }
        };
        if full && !cancel.is_cancelled() {
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}
