//! `retailer.customer.erasure_requested.v1` (on `logistics.swaps`, behind the swap's own
//! messages): the retailer erased a customer; logistics erases its copy of them — the jobs'
//! name, phone, street, recipient and crew's note, the same values and the recipient in the
//! jobs' history, the photos of those jobs (file and row), the outbox rows about their cases
//! (sent: deleted; unsent: scrubbed) — records the erasure (`customer_erasures`: ids, counts
//! and times, nothing about the person) and answers `logistics.customer.erased.v1`, all in the
//! consumer's transaction. What the jobs' accounting and returns need stays: serials, products,
//! postcode and city, dates.
//!
//! Idempotent: the inbox drops a redelivery; an erasure id already recorded is answered again by
//! nothing (the first answer stands). Only the message's retailer's jobs are touched. A photo's
//! file is removed before the commit: should the commit fail, the redelivery finds the rows and
//! removes them (a file already gone is no error).

use chrono::Utc;
use kummerer_contracts::{CustomerErasedV1, CustomerErasureRequestedV1, CustomerValues, ERASED};
use kummerer_messaging::HandleError;
use kummerer_messaging::personal::{erase_case_outbox, exec, scrub_json_rows, stmt, uuid_array};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use crate::photos::PhotoStore;

/// Erases the customer of `ev` (see the module).
pub async fn erasure_requested(
    txn: &DatabaseTransaction,
    ev: &CustomerErasureRequestedV1,
    photos: &dyn PhotoStore,
) -> Result<(), HandleError> {
    let known = txn
        .query_one_raw(stmt(
            "SELECT 1 AS one FROM customer_erasures WHERE erasure_id = $1",
            vec![ev.erasure_id.into()],
        ))
        .await?;
    if known.is_some() {
        tracing::info!(erasure.id = %ev.erasure_id, "erasure already done; nothing to do");
        return Ok(());
    }
    let now = Utc::now();
    let rid = ev.retailer_id.as_uuid();
    let swaps: Vec<Uuid> = ev.swap_ids.iter().map(|s| s.as_uuid()).collect();
    let cases: Vec<Uuid> = ev.case_ids.iter().map(|c| c.as_uuid()).collect();
    let jobs = txn
        .query_all_raw(stmt(
            "SELECT id, address_name, address_phone, address_street, \
                    COALESCE(recipient_name, '') AS recipient_name \
             FROM jobs WHERE retailer_id = $1 \
             AND (swap_id = ANY($2::text::uuid[]) OR case_id = ANY($3::text::uuid[])) \
             ORDER BY id FOR UPDATE",
            vec![
                rid.into(),
                uuid_array(&swaps).into(),
                uuid_array(&cases).into(),
            ],
        ))
        .await?;
    let mut values = CustomerValues::new();
    let mut job_ids = Vec::with_capacity(jobs.len());
    for j in &jobs {
        job_ids.push(j.try_get::<Uuid>("", "id")?);
        for col in [
            "address_name",
            "address_phone",
            "address_street",
            "recipient_name",
        ] {
            values.add(&j.try_get::<String>("", col)?);
        }
    }
    let job_arr = uuid_array(&job_ids);
    let erased_jobs = exec(
        txn,
        "UPDATE jobs SET address_name = $2, address_phone = $2, address_street = $2, \
         recipient_name = CASE WHEN recipient_name IS NULL THEN NULL ELSE $2 END, \
         failure_note = CASE WHEN failure_note IS NULL THEN NULL ELSE $2 END, \
         erased_at = $3 WHERE id = ANY($1::text::uuid[])",
        vec![job_arr.clone().into(), ERASED.into(), now.into()],
    )
    .await?;
    scrub_json_rows(
        txn,
        stmt(
            "SELECT id, details AS doc, kind FROM job_events WHERE job_id = ANY($1::text::uuid[])",
            vec![job_arr.clone().into()],
        ),
        "UPDATE job_events SET details = $2 WHERE id = $1",
        &values,
        // A crew's note at the door; the customer's own note from the status page.
        &["failed", "customer_not_home", "customer_answer_late"],
    )
    .await?;
    // The customer's answers from the status page (their note) go with them.
    exec(
        txn,
        "DELETE FROM job_customer_answers WHERE job_id = ANY($1::text::uuid[])",
        vec![job_arr.clone().into()],
    )
    .await?;
    let deleted_photos = txn
        .query_all_raw(stmt(
            "DELETE FROM job_photos WHERE job_id = ANY($1::text::uuid[]) RETURNING storage_key",
            vec![job_arr.into()],
        ))
        .await?;
    for p in &deleted_photos {
        let key: String = p.try_get("", "storage_key")?;
        photos.delete(&key).await.map_err(|e| {
            HandleError::Transient(anyhow::anyhow!("could not delete photo {key}: {e}"))
        })?;
    }
    let (deleted, scrubbed) = erase_case_outbox(txn, &cases, &values).await?;
    let counts = (
        u32::try_from(erased_jobs).unwrap_or(u32::MAX),
        u32::try_from(deleted_photos.len()).unwrap_or(u32::MAX),
        u32::try_from(deleted + scrubbed).unwrap_or(u32::MAX),
    );
    exec(
        txn,
        "INSERT INTO customer_erasures (erasure_id, retailer_id, reason, requested_at, erased_at, \
         job_ids, jobs, photos, outbox_rows) \
         VALUES ($1, $2, $3, $4, $5, $6::text::uuid[], $7, $8, $9)",
        vec![
            ev.erasure_id.into(),
            rid.into(),
            ev.reason.as_str().into(),
            ev.requested_at.into(),
            now.into(),
            uuid_array(&job_ids).into(),
            (counts.0 as i32).into(),
            (counts.1 as i32).into(),
            (counts.2 as i32).into(),
        ],
    )
    .await?;
    crate::outbound::customer_erased(
        txn,
        CustomerErasedV1 {
            erasure_id: ev.erasure_id,
            retailer_id: ev.retailer_id,
            jobs: counts.0,
            photos: counts.1,
            outbox_rows: counts.2,
            erased_at: now,
        },
    )
    .await?;
    tracing::info!(erasure.id = %ev.erasure_id, retailer.id = %rid, erasure.jobs = counts.0,
        erasure.photos = counts.1, erasure.outbox_rows = counts.2,
        "customer's personal data erased");
    Ok(())
}
