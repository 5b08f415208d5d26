//! Who holds the ball, stored: `case_holdings` (one row per thread a case waits on) and
//! `cases.handovers`, rewritten by [`refresh`] — the one ball rule over the case's timeline — in
//! the transaction of every timeline entry and of the case's opening. The dashboard and the
//! sweep of overdue holdings read these rows with plain indexed SQL.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use crate::db::timeline;
use crate::domain::ball::{Ball, Party, ball_of};
use crate::domain::{Holding, TimelineEntry};

/// Who holds the ball on a case opened at `opened_at`, from its stored timeline (entries this
/// version does not read move nobody).
pub fn ball_of_timeline(opened_at: DateTime<Utc>, rows: &[timeline::Model]) -> Ball {
    let entries: Vec<(TimelineEntry, DateTime<Utc>)> = rows
        .iter()
        .filter_map(|t| Some((t.entry().ok()?, t.occurred_at)))
        .collect();
    ball_of(opened_at, entries.iter().map(|(e, at)| (e, *at)))
}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

#[derive(Debug, FromQueryResult)]
struct Opened {
    opened_at: DateTime<Utc>,
    handovers: i32,
    computed: bool,
}

/// A stored holding, as `case_holdings` has it (read as JSON of the row, see [`read`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
struct Stored {
    thread: String,
    party: String,
    holds: String,
    since: DateTime<Utc>,
    due_at: DateTime<Utc>,
    escalated_at: Option<DateTime<Utc>>,
}

fn thread_name(h: &Holding) -> &'static str {
    match h.holds.thread() {
        kummerer_ball::Thread::Delivery => "delivery",
        kummerer_ball::Thread::Claim => "claim",
    }
}

/// The holdings of `ball` as rows, an escalation kept with the holding it was for.
fn holdings_of(ball: &Ball, before: &[Stored]) -> Vec<Stored> {
    let mut rows: Vec<Stored> = ball
        .holders
        .iter()
        .map(|h| {
            let thread = thread_name(h);
            let escalated_at = before
                .iter()
                .find(|s| {
                    s.thread == thread
                        && s.party == h.party.as_str()
                        && s.holds == h.holds.as_str()
                        && s.since == h.since
                })
                .and_then(|s| s.escalated_at);
            Stored {
                thread: thread.to_owned(),
                party: h.party.as_str().to_owned(),
                holds: h.holds.as_str().to_owned(),
                since: h.since,
                due_at: h.due_at,
                escalated_at,
            }
        })
        .collect();
    rows.sort();
    rows
}

/// What the ball is computed from, read in one statement after the case is locked: the case's
/// timeline (kind, details and time of each entry, in order) and its stored holdings.
struct Read {
    entries: Vec<(TimelineEntry, DateTime<Utc>)>,
    before: Vec<Stored>,
}

async fn read<C: ConnectionTrait>(db: &C, retailer_id: Uuid, case_id: Uuid) -> Result<Read, DbErr> {
    // One row per timeline entry (one with no entry when the timeline is empty), each carrying
    // the holdings as JSON: a round trip fewer than reading them apart, on every entry.
    let rows = db
        .query_all_raw(stmt(
            "SELECT t.kind, t.details, t.occurred_at, h.holdings \
             FROM (SELECT COALESCE(jsonb_agg(jsonb_build_object( \
                     'thread', thread, 'party', party, 'holds', holds, 'since', since, \
                     'due_at', due_at, 'escalated_at', escalated_at)), '[]'::jsonb) AS holdings \
                   FROM case_holdings WHERE case_id = $1) h \
             LEFT JOIN timeline t ON t.case_id = $1 AND t.retailer_id = $2 \
             ORDER BY t.occurred_at, t.id",
            vec![case_id.into(), retailer_id.into()],
        ))
        .await?;
    let mut before = Vec::new();
    let mut entries = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if i == 0 {
            let holdings: serde_json::Value = row.try_get("", "holdings")?;
            before = serde_json::from_value::<Vec<Stored>>(holdings)
                .map_err(|e| DbErr::Custom(format!("case_holdings of {case_id}: {e}")))?;
        }
        let kind: Option<String> = row.try_get("", "kind")?;
        let Some(kind) = kind else { continue };
        let details: serde_json::Value = row.try_get("", "details")?;
        let at: DateTime<Utc> = row.try_get("", "occurred_at")?;
        // Entries this version does not read move nobody.
        if let Ok(entry) = TimelineEntry::from_stored(&kind, &details) {
            entries.push((entry, at));
        }
    }
    before.sort();
    Ok(Read { entries, before })
}

/// Computes the case's ball from its timeline and stores it; `None` when the retailer has no
/// such case. Locks the case row first, so two writers on one case store in turn, each seeing
/// the other's entries (the timeline and the holdings are read after the lock, in a statement
/// of their own, so with a snapshot that has them). Writes only what changed: most entries (a
/// job on its way, a claim acknowledged) move no ball, and an unchanged case row is not
/// rewritten.
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Ball>, DbErr> {
    let Some(case) = Opened::find_by_statement(stmt(
        "SELECT opened_at, handovers, ball_at IS NOT NULL AS computed FROM cases \
         WHERE id = $1 AND retailer_id = $2 FOR NO KEY UPDATE",
        vec![case_id.into(), retailer_id.into()],
    ))
    .one(db)
    .await?
    else {
        return Ok(None);
    };
    let Read { entries, before } = read(db, retailer_id, case_id).await?;
    let ball = ball_of(case.opened_at, entries.iter().map(|(e, at)| (e, *at)));
    let after = holdings_of(&ball, &before);
    if after != before {
        store_holdings(db, retailer_id, case_id, &after).await?;
    }
    let handovers = i32::try_from(ball.handovers).unwrap_or(i32::MAX);
    if !case.computed || case.handovers != handovers {
        db.execute_raw(stmt(
            "UPDATE cases SET handovers = $2, ball_at = now() WHERE id = $1",
            vec![case_id.into(), handovers.into()],
        ))
        .await?;
    }
    Ok(Some(ball))
}

/// Replaces the case's holdings by `rows`, in one statement: each thread held is written
/// (inserted, or its row updated in place: the key is the case and the thread), and the rows of
/// threads no longer held are deleted. The upsert and the delete touch different rows, so they
/// may run side by side in one statement.
async fn store_holdings<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    rows: &[Stored],
) -> Result<(), DbErr> {
    if rows.is_empty() {
        db.execute_raw(stmt(
            "DELETE FROM case_holdings WHERE case_id = $1",
            vec![case_id.into()],
        ))
        .await?;
        return Ok(());
    }
    let mut values: Vec<sea_orm::Value> = vec![case_id.into(), retailer_id.into()];
    let mut tuples = Vec::with_capacity(rows.len());
    let mut threads = Vec::with_capacity(rows.len());
    for r in rows {
        let k = values.len();
        tuples.push(format!(
            "($1, ${}, $2, ${}, ${}, ${}, ${}, ${})",
            k + 1,
            k + 2,
            k + 3,
            k + 4,
            k + 5,
            k + 6
        ));
        threads.push(format!("${}", k + 1));
        values.extend([
            r.thread.clone().into(),
            r.party.clone().into(),
            r.holds.clone().into(),
            r.since.into(),
            r.due_at.into(),
            r.escalated_at.into(),
        ]);
    }
    db.execute_raw(stmt(
        &format!(
            "WITH written AS ( \
               INSERT INTO case_holdings \
                 (case_id, thread, retailer_id, party, holds, since, due_at, escalated_at) \
               VALUES {} \
               ON CONFLICT (case_id, thread) DO UPDATE SET party = EXCLUDED.party, \
                 holds = EXCLUDED.holds, since = EXCLUDED.since, due_at = EXCLUDED.due_at, \
                 escalated_at = EXCLUDED.escalated_at) \
             DELETE FROM case_holdings WHERE case_id = $1 AND thread NOT IN ({})",
            tuples.join(", "),
            threads.join(", ")
        ),
        values,
    ))
    .await?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct CaseRef {
    id: Uuid,
    retailer_id: Uuid,
}

/// Computes the ball of up to `limit` cases not computed yet (those from before the ball was
/// stored); returns how many it did. Run at start until it returns 0.
pub async fn backfill<C: ConnectionTrait>(db: &C, limit: u64) -> Result<usize, DbErr> {
    let cases = CaseRef::find_by_statement(stmt(
        "SELECT id, retailer_id FROM cases WHERE ball_at IS NULL \
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        vec![(limit as i64).into()],
    ))
    .all(db)
    .await?;
    for c in &cases {
        refresh(db, c.retailer_id, c.id).await?;
    }
    Ok(cases.len())
}

/// A holding of the retailer past its due time, not escalated yet.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Overdue {
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub thread: String,
    pub holds: String,
    pub since: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// Up to `limit` overdue holdings of the retailer at `now`, their cases locked (`FOR NO KEY
/// UPDATE … SKIP LOCKED`, the lock every ball writer takes first: replicas side by side escalate
/// each once, and a writer busy with the case is skipped this round).
pub async fn claim_overdue<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Overdue>, DbErr> {
    Overdue::find_by_statement(stmt(
        "SELECT h.case_id, h.retailer_id, h.thread, h.holds, h.since, h.due_at \
         FROM case_holdings h JOIN cases c ON c.id = h.case_id \
         WHERE h.party = $1 AND h.escalated_at IS NULL AND h.due_at < $2 \
         ORDER BY h.due_at LIMIT $3 FOR NO KEY UPDATE OF c SKIP LOCKED",
        vec![
            Party::Retailer.as_str().into(),
            now.into(),
            (limit as i64).into(),
        ],
    ))
    .all(db)
    .await
}

/// Marks the holding escalated (it stays so until the ball moves on); `false` when it is no
/// longer that holding, or was escalated meanwhile.
pub async fn mark_escalated<C: ConnectionTrait>(
    db: &C,
    o: &Overdue,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "UPDATE case_holdings SET escalated_at = $3 \
             WHERE case_id = $1 AND thread = $2 AND party = $4 AND holds = $5 AND since = $6 \
               AND escalated_at IS NULL",
            vec![
                o.case_id.into(),
                o.thread.clone().into(),
                now.into(),
                Party::Retailer.as_str().into(),
                o.holds.clone().into(),
                o.since.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many holdings of the retailer are overdue at `now`, over all retailers (the metric).
pub async fn count_overdue<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    let n = N::find_by_statement(stmt(
        "SELECT count(DISTINCT case_id) AS n FROM case_holdings WHERE party = $1 AND due_at < $2",
        vec![Party::Retailer.as_str().into(), now.into()],
    ))
    .one(db)
    .await?;
    Ok(n.map_or(0, |n| n.n))
}
