//! `claim_information_requests`: the manufacturer's questions about a claim and the retailer's
//! answers.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

/// A question, answered or not.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Question {
    pub id: Uuid,
    pub question: String,
    pub answer_by: DateTime<Utc>,
    pub requested_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Records a question; `false` when the message that asked it was recorded before.
#[allow(clippy::too_many_arguments)]
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
    message_id: Uuid,
    question: &str,
    answer_by: DateTime<Utc>,
    requested_at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(stmt(
            "INSERT INTO claim_information_requests \
               (id, claim_id, retailer_id, message_id, question, answer_by, requested_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING",
            vec![
                Uuid::now_v7().into(),
                claim_id.into(),
                retailer_id.into(),
                message_id.into(),
                question.into(),
                answer_by.into(),
                requested_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The claim's latest question (answered or not).
pub async fn latest<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    claim_id: Uuid,
) -> Result<Option<Question>, DbErr> {
    Question::find_by_statement(stmt(
        "SELECT id, question, answer_by, requested_at, answer, answered_by, answered_at \
         FROM claim_information_requests WHERE retailer_id = $1 AND claim_id = $2 \
         ORDER BY requested_at DESC, id DESC LIMIT 1",
        vec![retailer_id.into(), claim_id.into()],
    ))
    .one(db)
    .await
}

/// Records the answer to question `id`.
pub async fn answer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    answer: &str,
    answered_by: &str,
    by_key: Option<Uuid>,
    answered_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(stmt(
        "UPDATE claim_information_requests \
         SET answer = $2, answered_by = $3, answered_by_key = $4, answered_at = $5 WHERE id = $1",
        vec![
            id.into(),
            answer.into(),
            answered_by.into(),
            by_key.into(),
            answered_at.into(),
        ],
    ))
    .await?;
    Ok(())
}
