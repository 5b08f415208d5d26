//! Reading a service's database in a test: row counts and the outbox.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use serde_json::Value as Json;

/// The number of rows `sql` returns (with `$1…` bound to `values`).
pub async fn count(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM ({sql}) AS q"),
            values,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// The outbox payloads (whole envelopes) with `routing_key`, oldest first.
pub async fn outbox(db: &DatabaseConnection, routing_key: &str) -> Vec<Json> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT payload FROM outbox WHERE routing_key = $1 ORDER BY created_at, id",
        [routing_key.into()],
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.try_get::<Json>("", "payload").unwrap())
    .collect()
}
