//! Erasing a customer's personal data from what both services keep alike (issue 18): the
//! outbox rows about their cases, and JSON or text columns scrubbed row by row with the
//! contracts' one rule ([`kummerer_contracts::scrub_json`]).
//!
//! The outbox keeps a message's body after publishing: a sent row about an erased case is
//! deleted (it is only a record; the relay prunes sent rows anyway), a row not yet sent is
//! scrubbed, so what still goes out carries no person. The inbox keeps no bodies.

use kummerer_contracts::{CustomerValues, scrub_json};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};
use serde_json::Value as Json;
use uuid::Uuid;

/// A Postgres array literal of `ids`, to bind as text and cast (`$n::text::uuid[]`).
pub fn uuid_array(ids: &[Uuid]) -> String {
    let inner: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    format!("{{{}}}", inner.join(","))
}

/// A statement with its values.
pub fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Runs `sql`; the number of rows it changed.
pub async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<u64, DbErr> {
    Ok(db.execute_raw(stmt(sql, values)).await?.rows_affected())
}

/// The first column of the first row `sql` returns, if any.
pub async fn first<C, T>(db: &C, sql: &str, values: Vec<Value>) -> Result<Option<T>, DbErr>
where
    C: ConnectionTrait,
    T: sea_orm::TryGetable,
{
    let row = db.query_one_raw(stmt(sql, values)).await?;
    row.map(|r| r.try_get_by_index::<T>(0)).transpose()
}

/// Rewrites the JSON of the rows `select` returns (columns `id` uuid, `doc` json and optionally
/// `kind` text) with the customer scrubbed, through `update` (`$1` id, `$2` the new JSON). In a
/// row whose `kind` is one of `note_kinds`, a `note` is personal too (a crew's note at the
/// door). Returns the number of rows changed.
pub async fn scrub_json_rows<C: ConnectionTrait>(
    db: &C,
    select: Statement,
    update: &str,
    values: &CustomerValues,
    note_kinds: &[&str],
) -> Result<u64, DbErr> {
    let rows = db.query_all_raw(select).await?;
    let mut changed = 0;
    for r in rows {
        let id: Uuid = r.try_get("", "id")?;
        let mut doc: Json = r.try_get("", "doc")?;
        let kind: Option<String> = r.try_get("", "kind").ok();
        let extra: &[&str] = match kind.as_deref() {
            Some(k) if note_kinds.contains(&k) => &["note"],
            _ => &[],
        };
        if scrub_json(&mut doc, values, extra) {
            exec(db, update, vec![id.into(), doc.into()]).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Rewrites the text of the rows `select` returns (`id` uuid, `doc` text) with the customer's
/// values replaced, through `update` (`$1` id, `$2` the new text); the number changed.
pub async fn scrub_text_rows<C: ConnectionTrait>(
    db: &C,
    select: Statement,
    update: &str,
    values: &CustomerValues,
) -> Result<u64, DbErr> {
    let rows = db.query_all_raw(select).await?;
    let mut changed = 0;
    for r in rows {
        let id: Uuid = r.try_get("", "id")?;
        let text: String = r.try_get("", "doc")?;
        let scrubbed = values.scrub_text(&text);
        if scrubbed != text {
            exec(db, update, vec![id.into(), scrubbed.into()]).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// The outbox rows about `case_ids` (their `data.case_id`): the sent ones deleted, the unsent
/// ones scrubbed. Returns `(deleted, scrubbed)`.
pub async fn erase_case_outbox<C: ConnectionTrait>(
    db: &C,
    case_ids: &[Uuid],
    values: &CustomerValues,
) -> Result<(u64, u64), DbErr> {
    let cases = uuid_array(case_ids);
    let deleted = exec(
        db,
        "DELETE FROM outbox WHERE sent_at IS NOT NULL \
         AND payload -> 'data' ->> 'case_id' = ANY($1::text::text[])",
        vec![cases.clone().into()],
    )
    .await?;
    let scrubbed = scrub_json_rows(
        db,
        stmt(
            "SELECT id, payload AS doc FROM outbox WHERE sent_at IS NULL \
             AND payload -> 'data' ->> 'case_id' = ANY($1::text::text[])",
            vec![cases.into()],
        ),
        "UPDATE outbox SET payload = $2 WHERE id = $1",
        values,
        &[],
    )
    .await?;
    Ok((deleted, scrubbed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_arrays_are_postgres_literals() {
        assert_eq!(uuid_array(&[]), "{}");
        let id = Uuid::nil();
        assert_eq!(
            uuid_array(&[id, id]),
            "{00000000-0000-0000-0000-000000000000,00000000-0000-0000-0000-000000000000}"
        );
    }
}
