//! What erasing a customer reads and writes (see [`crate::app::erasure`]): the customer's sales
//! (a sale and the replacement sales of its cases, both ways), their cases and swaps, the
//! places personal data sit in, the erasure record (`customer_erasures`) and the retention
//! setting (`retailers.retention_days`). Raw SQL: the erasure touches columns and tables no
//! entity of its own needs (`erased_at`, outbox payloads).

use chrono::{DateTime, Utc};
use kummerer_contracts::{CustomerValues, ERASED};
pub use kummerer_messaging::personal::uuid_array;
use kummerer_messaging::personal::{
    erase_case_outbox, exec, first, scrub_json_rows, scrub_text_rows, stmt,
};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde_json::Value as Json;
use uuid::Uuid;

fn uuids(rows: &[QueryResult], col: &str) -> Result<Vec<Uuid>, DbErr> {
    rows.iter().map(|r| r.try_get::<Uuid>("", col)).collect()
}

/// The sale a case is of, in this retailer.
pub async fn sale_of_case<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Option<Uuid>, DbErr> {
    let sql = "SELECT sale_id FROM cases WHERE retailer_id = $1 AND id = $2";
    first(db, sql, vec![retailer_id.into(), case_id.into()]).await
}

/// Whether the sale is this retailer's.
pub async fn sale_exists<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sale_id: Uuid,
) -> Result<bool, DbErr> {
    let sql = "SELECT id FROM sales WHERE retailer_id = $1 AND id = $2";
    let found: Option<Uuid> = first(db, sql, vec![retailer_id.into(), sale_id.into()]).await?;
    Ok(found.is_some())
}

/// The customer's name on the sale (`[erased]` once erased).
pub async fn customer_name<C: ConnectionTrait>(
    db: &C,
    sale_id: Uuid,
) -> Result<Option<String>, DbErr> {
    first(
        db,
        "SELECT customer_name FROM sales WHERE id = $1",
        vec![sale_id.into()],
    )
    .await
}

/// One customer's sales, cases and swaps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerRows {
    pub sale_ids: Vec<Uuid>,
    pub case_ids: Vec<Uuid>,
    pub swap_ids: Vec<Uuid>,
}

/// The customer of `sale_id`: that sale, the replacement sales delivered for its cases and the
/// sale a replacement replaced — followed until nothing new turns up — with their cases and
/// swaps. The sales are locked (`FOR UPDATE`), so two erasures of one customer run one after
/// the other.
pub async fn customer_rows<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sale_id: Uuid,
) -> Result<CustomerRows, DbErr> {
    let mut sales = vec![sale_id];
    loop {
        let arr = uuid_array(&sales);
        let rows = db
            .query_all_raw(stmt(
                "SELECT s.id FROM sales s WHERE s.retailer_id = $1 AND ( \
                   s.id = ANY($2::text::uuid[]) \
                   OR s.replaces_case_id IN (SELECT c.id FROM cases c \
                        WHERE c.retailer_id = $1 AND c.sale_id = ANY($2::text::uuid[])) \
                   OR s.id IN (SELECT c.sale_id FROM cases c JOIN sales r \
                        ON r.replaces_case_id = c.id \
                        WHERE c.retailer_id = $1 AND r.id = ANY($2::text::uuid[]))) \
                 ORDER BY s.id",
                vec![retailer_id.into(), arr.into()],
            ))
            .await?;
        let found = uuids(&rows, "id")?;
        let mut known = sales.clone();
        known.sort();
        if found == known {
            break;
        }
        sales = found;
    }
    let arr = uuid_array(&sales);
    db.query_all_raw(stmt(
        "SELECT id FROM sales WHERE id = ANY($1::text::uuid[]) ORDER BY id FOR UPDATE",
        vec![arr.clone().into()],
    ))
    .await?;
    let cases = db
        .query_all_raw(stmt(
            "SELECT id FROM cases WHERE retailer_id = $1 AND sale_id = ANY($2::text::uuid[]) \
             ORDER BY id",
            vec![retailer_id.into(), arr.into()],
        ))
        .await?;
    let case_ids = uuids(&cases, "id")?;
    let swaps = db
        .query_all_raw(stmt(
            "SELECT id FROM swaps WHERE retailer_id = $1 AND case_id = ANY($2::text::uuid[]) \
             ORDER BY id",
            vec![retailer_id.into(), uuid_array(&case_ids).into()],
        ))
        .await?;
    Ok(CustomerRows {
        sale_ids: sales,
        case_ids,
        swap_ids: uuids(&swaps, "id")?,
    })
}

/// The SQL condition "case `c` is over for the customer": closed or refused, or its visit done
/// (delivered and collected: `delivered_and_collected` on its timeline).
pub const CASE_OVER: &str = "(c.status IN ('closed', 'refused') OR EXISTS (SELECT 1 FROM timeline t \
     WHERE t.case_id = c.id AND t.kind = 'delivered_and_collected'))";

/// The first of `case_ids` not yet over, if any.
pub async fn first_open_case<C: ConnectionTrait>(
    db: &C,
    case_ids: &[Uuid],
) -> Result<Option<Uuid>, DbErr> {
    let sql = format!(
        "SELECT c.id FROM cases c WHERE c.id = ANY($1::text::uuid[]) AND NOT {CASE_OVER} \
         ORDER BY c.opened_at LIMIT 1"
    );
    first(db, &sql, vec![uuid_array(case_ids).into()]).await
}

/// Whether every one of the sales is erased already.
pub async fn all_erased<C: ConnectionTrait>(db: &C, sale_ids: &[Uuid]) -> Result<bool, DbErr> {
    let sql = "SELECT count(*) FILTER (WHERE erased_at IS NULL) FROM sales \
               WHERE id = ANY($1::text::uuid[])";
    let left: Option<i64> = first(db, sql, vec![uuid_array(sale_ids).into()]).await?;
    Ok(left.unwrap_or(0) == 0)
}

/// The customer's values (name, phone, street from the sales and the swaps' addresses), to find
/// them in free text and JSON.
pub async fn customer_values<C: ConnectionTrait>(
    db: &C,
    rows: &CustomerRows,
) -> Result<CustomerValues, DbErr> {
    let mut values = CustomerValues::new();
    let found = db
        .query_all_raw(stmt(
            "SELECT customer_name AS a, customer_phone AS b, street AS c FROM sales \
               WHERE id = ANY($1::text::uuid[]) \
             UNION ALL SELECT address_name, address_phone, street FROM swaps \
               WHERE id = ANY($2::text::uuid[])",
            vec![
                uuid_array(&rows.sale_ids).into(),
                uuid_array(&rows.swap_ids).into(),
            ],
        ))
        .await?;
    for r in found {
        for col in ["a", "b", "c"] {
            values.add(&r.try_get::<String>("", col)?);
        }
    }
    Ok(values)
}

/// What one erasure changed in the retailer's database, counted per place.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Erased {
    pub sales: u64,
    pub cases: u64,
    pub swaps: u64,
    pub timeline: u64,
    pub approval_requests: u64,
    pub free_text: u64,
    pub imports: u64,
    pub outbox_deleted: u64,
    pub outbox_scrubbed: u64,
}

/// Erases the customer of `rows` (whose values are `values`) from every table that holds them,
/// and from the outbox: the rows already sent about their cases are deleted (they are only a
/// record), those not yet sent are scrubbed. Keeps amounts, serials, products and dates.
pub async fn erase<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    rows: &CustomerRows,
    values: &CustomerValues,
    now: DateTime<Utc>,
) -> Result<Erased, DbErr> {
    let sales = uuid_array(&rows.sale_ids);
    let cases = uuid_array(&rows.case_ids);
    let rid: sea_orm::Value = retailer_id.into();
    let mut erased = Erased {
        sales: exec(
            db,
            "UPDATE sales SET customer_name = $2, customer_phone = $2, street = $2, \
             customer_phone_e164 = '', erased_at = $3 \
             WHERE id = ANY($1::text::uuid[]) AND erased_at IS NULL",
            vec![sales.clone().into(), ERASED.into(), now.into()],
        )
        .await?,
        cases: exec(
            db,
            "UPDATE cases SET erased_at = $2, status_token_hash = NULL \
             WHERE id = ANY($1::text::uuid[]) AND erased_at IS NULL",
            vec![cases.clone().into(), now.into()],
        )
        .await?,
        swaps: exec(
            db,
            "UPDATE swaps SET address_name = $2, address_phone = $2, street = $2 \
             WHERE id = ANY($1::text::uuid[]) AND address_name <> $2",
            vec![uuid_array(&rows.swap_ids).into(), ERASED.into()],
        )
        .await?,
        ..Erased::default()
    };
    erased.timeline = scrub_json_rows(
        db,
        stmt(
            "SELECT id, details AS doc, kind FROM timeline WHERE case_id = ANY($1::text::uuid[])",
            vec![cases.clone().into()],
        ),
        "UPDATE timeline SET details = $2 WHERE id = $1",
        values,
        // A crew's note at the door; the customer's own note from the status page.
        &["delivery_failed", "customer_not_home"],
    )
    .await?;
    erased.approval_requests = scrub_json_rows(
        db,
        stmt(
            "SELECT id, form AS doc FROM approval_requests WHERE case_id = ANY($1::text::uuid[])",
            vec![cases.clone().into()],
        ),
        "UPDATE approval_requests SET form = $2 WHERE id = $1",
        values,
        &[],
    )
    .await?;
    for (select, update) in [
        (
            "SELECT id, defect_description AS doc FROM cases WHERE id = ANY($1::text::uuid[])",
            "UPDATE cases SET defect_description = $2 WHERE id = $1",
        ),
        (
            "SELECT case_id AS id, reason_text AS doc FROM refusals \
             WHERE case_id = ANY($1::text::uuid[])",
            "UPDATE refusals SET reason_text = $2 WHERE case_id = $1",
        ),
        (
            "SELECT d.claim_id AS id, d.statement AS doc FROM claim_disputes d \
             JOIN claims c ON c.id = d.claim_id WHERE c.case_id = ANY($1::text::uuid[])",
            "UPDATE claim_disputes SET statement = $2 WHERE claim_id = $1",
        ),
    ] {
        erased.free_text +=
            scrub_text_rows(db, stmt(select, vec![cases.clone().into()]), update, values).await?;
    }
    erased.imports = scrub_text_rows(
        db,
        stmt(
            "SELECT id, content AS doc FROM sales_imports WHERE retailer_id = $1",
            vec![rid],
        ),
        "UPDATE sales_imports SET content = $2 WHERE id = $1",
        values,
    )
    .await?;
    erased.free_text += erase_contacts_and_corrections(db, &cases, values).await?;
    let (deleted, scrubbed) = erase_case_outbox(db, &rows.case_ids, values).await?;
    erased.outbox_deleted = deleted;
    erased.outbox_scrubbed = scrubbed;
    Ok(erased)
}

/// The customer's contact for notifications (issue 13) and what was sent to it, and the
/// corrections of their visit (issue 11): contact and addresses cleared, a message not yet sent
/// given up (`failed`, "erased"), texts replaced. The number of rows changed.
async fn erase_contacts_and_corrections<C: ConnectionTrait>(
    db: &C,
    cases: &str,
    values: &CustomerValues,
) -> Result<u64, DbErr> {
    let case_list = || vec![cases.to_owned().into()];
    let mut changed = exec(
        db,
        "UPDATE customer_contacts SET email = NULL, phone = NULL, by_email = false, \
         by_sms = false WHERE case_id = ANY($1::text::uuid[]) \
         AND (email IS NOT NULL OR phone IS NOT NULL)",
        case_list(),
    )
    .await?;
    changed += exec(
        db,
        "UPDATE notifications SET recipient = $2, subject = $2, body = $2, html = '', \
         last_error = CASE WHEN status IN ('pending', 'sending') THEN 'erased' \
                      ELSE last_error END, \
         status = CASE WHEN status IN ('pending', 'sending') THEN 'failed' ELSE status END, \
         leased_until = NULL \
         WHERE case_id = ANY($1::text::uuid[]) AND recipient <> $2",
        vec![cases.to_owned().into(), ERASED.into()],
    )
    .await?;
    changed += scrub_json_rows(
        db,
        stmt(
            "SELECT id, address AS doc FROM swap_corrections \
             WHERE case_id = ANY($1::text::uuid[]) AND address IS NOT NULL",
            case_list(),
        ),
        "UPDATE swap_corrections SET address = $2 WHERE id = $1",
        values,
        &[],
    )
    .await?;
    changed += scrub_text_rows(
        db,
        stmt(
            "SELECT id, reason AS doc FROM swap_corrections WHERE case_id = ANY($1::text::uuid[])",
            case_list(),
        ),
        "UPDATE swap_corrections SET reason = $2 WHERE id = $1",
        values,
    )
    .await?;
    Ok(changed)
}

/// A stored erasure record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ErasureRow {
    pub id: Uuid,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub sale_ids: Vec<Uuid>,
    pub case_ids: Vec<Uuid>,
    pub swap_ids: Vec<Uuid>,
    pub erased: Json,
    pub logistics_erased_at: Option<DateTime<Utc>>,
    pub logistics_jobs: Option<i32>,
    pub logistics_photos: Option<i32>,
    pub logistics_outbox: Option<i32>,
}

const ERASURE_COLUMNS: &str = "id, reason, requested_by, requested_at, to_jsonb(sale_ids) AS sale_ids, \
     to_jsonb(case_ids) AS case_ids, to_jsonb(swap_ids) AS swap_ids, erased, \
     logistics_erased_at, logistics_jobs, logistics_photos, logistics_outbox";

fn erasure_row(r: &QueryResult) -> Result<ErasureRow, DbErr> {
    let ids = |col: &str| -> Result<Vec<Uuid>, DbErr> {
        let v: Json = r.try_get("", col)?;
        serde_json::from_value(v).map_err(|e| DbErr::Custom(format!("{col}: {e}")))
    };
    Ok(ErasureRow {
        id: r.try_get("", "id")?,
        reason: r.try_get("", "reason")?,
        requested_by: r.try_get("", "requested_by")?,
        requested_at: r.try_get("", "requested_at")?,
        sale_ids: ids("sale_ids")?,
        case_ids: ids("case_ids")?,
        swap_ids: ids("swap_ids")?,
        erased: r.try_get("", "erased")?,
        logistics_erased_at: r.try_get("", "logistics_erased_at")?,
        logistics_jobs: r.try_get("", "logistics_jobs")?,
        logistics_photos: r.try_get("", "logistics_photos")?,
        logistics_outbox: r.try_get("", "logistics_outbox")?,
    })
}

/// Records an erasure.
pub async fn insert_record<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    row: &ErasureRow,
) -> Result<(), DbErr> {
    exec(
        db,
        "INSERT INTO customer_erasures (id, retailer_id, reason, requested_by, requested_at, \
         sale_ids, case_ids, swap_ids, erased) \
         VALUES ($1, $2, $3, $4, $5, $6::text::uuid[], $7::text::uuid[], $8::text::uuid[], $9)",
        vec![
            row.id.into(),
            retailer_id.into(),
            row.reason.clone().into(),
            row.requested_by.clone().into(),
            row.requested_at.into(),
            uuid_array(&row.sale_ids).into(),
            uuid_array(&row.case_ids).into(),
            uuid_array(&row.swap_ids).into(),
            row.erased.clone().into(),
        ],
    )
    .await?;
    Ok(())
}

/// The latest erasure of this retailer that covered `sale_id`.
pub async fn record_of_sale<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sale_id: Uuid,
) -> Result<Option<ErasureRow>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            &format!(
                "SELECT {ERASURE_COLUMNS} FROM customer_erasures \
                 WHERE retailer_id = $1 AND $2 = ANY(sale_ids) ORDER BY requested_at DESC LIMIT 1"
            ),
            vec![retailer_id.into(), sale_id.into()],
        ))
        .await?;
    row.as_ref().map(erasure_row).transpose()
}

/// A retailer's erasure records, latest first (at most `limit`).
pub async fn records<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    limit: u64,
) -> Result<Vec<ErasureRow>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            &format!(
                "SELECT {ERASURE_COLUMNS} FROM customer_erasures WHERE retailer_id = $1 \
                 ORDER BY requested_at DESC, id DESC LIMIT $2"
            ),
            vec![retailer_id.into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter().map(erasure_row).collect()
}

/// Logistics' answer on the record; `false` when there is no such erasure of this retailer.
pub async fn record_logistics<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    erasure_id: Uuid,
    at: DateTime<Utc>,
    (jobs, photos, outbox): (u32, u32, u32),
) -> Result<bool, DbErr> {
    let n = exec(
        db,
        "UPDATE customer_erasures SET logistics_erased_at = $3, logistics_jobs = $4, \
         logistics_photos = $5, logistics_outbox = $6 WHERE retailer_id = $1 AND id = $2",
        vec![
            retailer_id.into(),
            erasure_id.into(),
            at.into(),
            (jobs as i32).into(),
            (photos as i32).into(),
            (outbox as i32).into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// The retailer's retention period in days; `None` for an unknown retailer.
pub async fn retention_days<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<Option<i32>, DbErr> {
    let sql = "SELECT retention_days FROM retailers WHERE id = $1";
    first(db, sql, vec![retailer_id.into()]).await
}

/// Sets the retention period; `false` for an unknown retailer.
pub async fn set_retention_days<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    days: i32,
) -> Result<bool, DbErr> {
    Ok(exec(
        db,
        "UPDATE retailers SET retention_days = $2 WHERE id = $1",
        vec![retailer_id.into(), days.into()],
    )
    .await?
        == 1)
}

/// Cases (of any retailer) whose retention ran out at `now`: over for the customer, not erased,
/// and their last fact (timeline, or the opening) at least the retailer's `retention_days` ago.
/// Oldest first, at most `limit`.
pub async fn due_for_retention<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let rows = db
        .query_all_raw(stmt(
            &format!(
                "SELECT c.retailer_id, c.id FROM cases c JOIN retailers r ON r.id = c.retailer_id \
                 WHERE c.erased_at IS NULL AND {CASE_OVER} \
                 AND COALESCE((SELECT max(t.occurred_at) FROM timeline t WHERE t.case_id = c.id), \
                              c.opened_at) <= $1 - make_interval(days => r.retention_days) \
                 ORDER BY c.opened_at, c.id LIMIT $2"
            ),
            vec![now.into(), (limit as i64).into()],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "retailer_id")?, r.try_get("", "id")?)))
        .collect()
}
