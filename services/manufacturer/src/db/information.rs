//! `claim_information_requests`: the questions the manufacturer sent back to the retailer, and
//! the answers. At most one is open per claim (a unique partial index).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use super::claim;

/// An open question.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Open {
    pub id: Uuid,
    pub question: String,
    pub answer_by: DateTime<Utc>,
    pub prior_status: String,
}

/// Records a new question on `claim_id`.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    claim_id: Uuid,
    question: &str,
    answer_by: DateTime<Utc>,
    requested_at: DateTime<Utc>,
    prior_status: &str,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO claim_information_requests \
           (id, claim_id, question, answer_by, requested_at, prior_status) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            id.into(),
            claim_id.into(),
            question.into(),
            answer_by.into(),
            requested_at.into(),
            prior_status.into(),
        ],
    ))
    .await?;
    Ok(id)
}

/// The claim's open question, if any.
pub async fn open_of<C: ConnectionTrait>(db: &C, claim_id: Uuid) -> Result<Option<Open>, DbErr> {
    Open::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id, question, answer_by, prior_status FROM claim_information_requests \
         WHERE claim_id = $1 AND answered_at IS NULL AND expired_at IS NULL",
        [claim_id.into()],
    ))
    .one(db)
    .await
}

/// Records the answer to the open question `id`.
pub async fn answer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    answer: &str,
    answered_by: &str,
    answered_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE claim_information_requests SET answer = $2, answered_by = $3, answered_at = $4 \
         WHERE id = $1",
        [
            id.into(),
            answer.into(),
            answered_by.into(),
            answered_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Closes the open question `id` unanswered.
pub async fn expire<C: ConnectionTrait>(db: &C, id: Uuid, at: DateTime<Utc>) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE claim_information_requests SET expired_at = $2 WHERE id = $1",
        [id.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// Claims sent back to the retailer whose answer deadline (`deadline_at`) passed at `now`,
/// oldest first, locked and skipping any another sweep holds.
pub async fn unanswered<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<claim::Model>, DbErr> {
    claim::Model::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT * FROM claims WHERE status = 'information_requested' AND deadline_at <= $1 \
         ORDER BY deadline_at, id LIMIT $2 FOR UPDATE SKIP LOCKED",
        [now.into(), (limit as i64).into()],
    ))
    .all(db)
    .await
}
