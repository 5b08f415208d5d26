//! Issue 14: the counter search finds what a clerk types first — a surname or any word of a
//! name, a serial in any case or in part, a phone number in any national or international
//! format, a receipt number in any case. Indexes keep it fast at 100,000 sales:
//!
//! - `pg_trgm` GIN indexes on `serial` and `customer_name` (partial, case-insensitive serials;
//!   the start of any word of a name);
//! - btrees on `(retailer_id, lower(receipt_no))` and `(retailer_id, lower(serial))` (a whole
//!   receipt number or serial, in any case), and on `(retailer_id, sold_at DESC, id DESC)` (a
//!   term matching thousands of sales: the latest 50 in index order);
//! - the customer's phone normalised to E.164 (`customer_phone_e164`, written by the service on
//!   every insert, backfilled here) with a btree on `(retailer_id, customer_phone_e164)` in the
//!   "C" collation, so that a prefix is a range scan;
//! - the retailer's country (`retailers.country`, default DE): the region a phone number typed
//!   without its country code is read in.
//!
//! The backfill reads each number in the sale's own country (DE where that is not a region the
//! phone library knows); a number that cannot be read stays `''` and is found by name, serial
//! or receipt only. This copy of the normalisation is frozen with the migration on purpose.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000070_counter_search"
    }
}

/// Rows read and updated per statement while backfilling.
const BATCH: u64 = 5_000;

fn e164(raw: &str, country: &str) -> String {
    let region = country
        .trim()
        .to_uppercase()
        .parse::<phonenumber::country::Id>()
        .unwrap_or(phonenumber::country::Id::DE);
    phonenumber::parse(Some(region), raw)
        .map(|n| n.format().mode(phonenumber::Mode::E164).to_string())
        .unwrap_or_default()
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            r#"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE retailers ADD COLUMN country text NOT NULL DEFAULT 'DE'
    CHECK (country ~ '^[A-Z]{2}$');
ALTER TABLE sales ADD COLUMN customer_phone_e164 text COLLATE "C" NOT NULL DEFAULT '';
"#,
        )
        .await?;
        let mut after = uuid_zero();
        loop {
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT id::text AS id, customer_phone, country FROM sales \
                     WHERE id > $1::uuid ORDER BY id LIMIT $2",
                    [after.clone().into(), (BATCH as i64).into()],
                ))
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get::<String>("", "id")?;
            let mut data = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: String = r.try_get("", "id")?;
                let phone: String = r.try_get("", "customer_phone")?;
                let country: String = r.try_get("", "country")?;
                data.push(serde_json::json!({ "id": id, "e": e164(&phone, &country) }));
            }
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE sales SET customer_phone_e164 = d.e \
                 FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, e text) WHERE sales.id = d.id",
                [serde_json::Value::Array(data).into()],
            ))
            .await?;
            if (rows.len() as u64) < BATCH {
                break;
            }
        }
        db.execute_unprepared(
            r#"
CREATE INDEX sales_receipt_ci ON sales (retailer_id, lower(receipt_no));
CREATE INDEX sales_serial_ci ON sales (retailer_id, lower(serial));
CREATE INDEX sales_latest ON sales (retailer_id, sold_at DESC, id DESC);
CREATE INDEX sales_serial_trgm ON sales USING gin (serial gin_trgm_ops);
CREATE INDEX sales_name_trgm ON sales USING gin (customer_name gin_trgm_ops);
CREATE INDEX sales_phone_e164 ON sales (retailer_id, customer_phone_e164);
"#,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                r#"
DROP INDEX sales_phone_e164;
DROP INDEX sales_name_trgm;
DROP INDEX sales_serial_trgm;
DROP INDEX sales_receipt_ci;
DROP INDEX sales_serial_ci;
DROP INDEX sales_latest;
ALTER TABLE sales DROP COLUMN customer_phone_e164;
ALTER TABLE retailers DROP COLUMN country;
"#,
            )
            .await?;
        Ok(())
    }
}

fn uuid_zero() -> String {
    "00000000-0000-0000-0000-000000000000".to_owned()
}

#[cfg(test)]
mod tests {
    use super::e164;

    #[test]
    fn national_and_international_numbers_read_alike() {
        assert_eq!(e164("030 5550106", "DE"), "+49305550106");
        assert_eq!(e164("+49 30 5550106", "DE"), "+49305550106");
        assert_eq!(e164("0049 (30) 555-0106", "de"), "+49305550106");
        assert_eq!(e164("not a number", "DE"), "");
    }
}
