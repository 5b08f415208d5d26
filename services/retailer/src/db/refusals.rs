//! `refusals`: cases refused at the desk, and the refusal report's counts.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use uuid::Uuid;

use crate::domain::RefusalReason;

pub struct NewRefusal<'a> {
    pub case_id: Uuid,
    pub retailer_id: Uuid,
    pub reason: RefusalReason,
    pub text: &'a str,
    pub refused_by: Uuid,
    pub refused_at: DateTime<Utc>,
}

/// `false` when the case already has a refusal (the case lock makes that unreachable).
pub async fn insert<C: ConnectionTrait>(db: &C, r: NewRefusal<'_>) -> Result<bool, DbErr> {
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO refusals \
             (case_id, retailer_id, reason_code, reason_text, refused_by, refused_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            [
                r.case_id.into(),
                r.retailer_id.into(),
                r.reason.as_string().into(),
                r.text.into(),
                r.refused_by.into(),
                r.refused_at.into(),
            ],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many refusals per reason code in `[from, to)`, most first.
pub async fn per_reason<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT reason_code, count(*) AS n FROM refusals \
             WHERE retailer_id = $1 AND refused_at >= $2 AND refused_at < $3 \
             GROUP BY reason_code ORDER BY n DESC, reason_code",
            [retailer_id.into(), from.into(), to.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|r| Ok((r.try_get("", "reason_code")?, r.try_get("", "n")?)))
        .collect()
}

/// How many refusals per person (name, e-mail) in `[from, to)`, most first.
pub async fn per_person<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, String, i64)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT s.name, s.email, count(*) AS n FROM refusals r \
             JOIN staff s ON s.retailer_id = r.retailer_id AND s.id = r.refused_by \
             WHERE r.retailer_id = $1 AND r.refused_at >= $2 AND r.refused_at < $3 \
             GROUP BY s.id, s.name, s.email ORDER BY n DESC, s.email",
            [retailer_id.into(), from.into(), to.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok((
                r.try_get("", "name")?,
                r.try_get("", "email")?,
                r.try_get("", "n")?,
            ))
        })
        .collect()
}

/// How many refusals per store where the case was opened (`None`: no store) in `[from, to)`,
/// most first.
pub async fn per_store<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(Option<String>, i64)>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT st.name, count(*) AS n FROM refusals r \
             JOIN cases c ON c.retailer_id = r.retailer_id AND c.id = r.case_id \
             LEFT JOIN stores st ON st.id = c.store_id \
             WHERE r.retailer_id = $1 AND r.refused_at >= $2 AND r.refused_at < $3 \
             GROUP BY st.id, st.name ORDER BY n DESC, st.name NULLS LAST",
            [retailer_id.into(), from.into(), to.into()],
        ))
        .await?;
    rows.into_iter()
        .map(|r| Ok((r.try_get("", "name")?, r.try_get("", "n")?)))
        .collect()
}
