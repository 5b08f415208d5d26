//! End-to-end: evidence the system produces is forwarded. An agreement requiring `receipt` and
//! `delivered_photo`: the retailer forwards the sale's receipt with the claim, the crew's photo
//! of the delivered replacement travels in `logistics.job.delivered.v1` and the retailer's case
//! forwards it; the manufacturer stores both once (even when every message arrives twice) and
//! accepts the waiting DOA claim by rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    DEADLINE, Svc, System, assert_counts, consumed, count, counts_by, expect, republish_outbox,
    strings,
};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use serde_json::json;

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x04\x00\x00\x00\xb5\x1c\x0c\x02\x00\x00\x00\x0b\x49\x44\x41\x54\x78\xda\x63\x64\x60\x00\x00\x00\x06\x00\x02\x30\x81\xd0\x2f\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

const EVIDENCE: &str = "SELECT kind, count(*) FROM claim_evidence GROUP BY 1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receipt_and_the_delivery_photo_reach_the_claim_once_and_it_is_accepted_by_rule() {
    let system = System::start().await;
    let seed = system
        .seed_with(json!({"evidence_required": ["receipt", "delivered_photo"]}))
        .await;
    let swap = system.swap(&seed, 1).await;

    // The receipt came with the claim; the delivery photo is still missing.
    let manufacturer = system.db(Svc::Manufacturer).await;
    eventually("the receipt stored", DEADLINE, || async {
        (counts_by(&manufacturer, EVIDENCE).await == expect(&[("receipt", 1)])).then_some(())
    })
    .await;
    let c = system
        .claim_when(&seed, swap.claim_id, "held", |c| c["status"] == "pending")
        .await;
    assert_eq!(c["pending_reason"], "evidence_missing", "{c}");
    let receipt_note = strings(
        &manufacturer,
        "SELECT note FROM claim_evidence WHERE kind = 'receipt'",
    )
    .await;
    assert!(receipt_note[0].starts_with("receipt "), "{receipt_note:?}");
    assert_eq!(c["flags"], json!([]), "{c}");

    // The crew delivers with a photo, then collects.
    let job = system.job_of(&seed, swap.swap_id).await;
    let job_id = job["id"].as_str().unwrap();
    let res = system
        .client
        .post(system.url(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/photos?kind=delivered"),
        ))
        .bearer_auth(common::OPERATOR_TOKEN)
        .header("content-type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let photo: serde_json::Value = res.json().await.unwrap();
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/delivered"),
            json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann",
                   "photo_id": photo["id"]}),
        )
        .await;
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/collected"),
            json!({"collected_serial": swap.serial}),
        )
        .await;

    system
        .wait_timeline(&seed, swap.case_id, &["delivered", "collected"])
        .await;
    let c = system
        .claim_when(&seed, swap.claim_id, "accepted", |c| {
            c["status"] == "accepted"
        })
        .await;
    assert_eq!(c["decided_by"], "rule:doa_full_refund", "{c}");
    system
        .wait_timeline(
            &seed,
            swap.case_id,
            &["delivered", "collected", "claim_decided"],
        )
        .await;
    let stored = expect(&[
        ("collected_serial", 1),
        ("delivered_photo", 1),
        ("receipt", 1),
    ]);
    assert_eq!(counts_by(&manufacturer, EVIDENCE).await, stored);
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM claim_evidence WHERE kind = 'delivered_photo' \
             AND photo_sha256 IS NOT NULL"
        )
        .await,
        1
    );
    let retailer = system.db(Svc::Retailer).await;
    let forwarded =
        "SELECT count(*) FROM outbox WHERE routing_key = 'retailer.claim.evidence_added.v1'";
    assert_eq!(count(&retailer, forwarded).await, 3);
    // The photo went by claim-check: no outbox row carries its bytes, every row is small.
    let logistics = system.db(Svc::Logistics).await;
    for db in [&logistics, &retailer] {
        let inline = "SELECT count(*) FROM outbox WHERE payload::text LIKE '%data_base64%'";
        assert_eq!(count(db, inline).await, 0);
        let large = "SELECT count(*) FROM outbox WHERE octet_length(payload::text) >= 65536";
        assert_eq!(count(db, large).await, 0);
    }
    let keyed =
        "SELECT count(*) FROM outbox WHERE payload::text ~ 'logistics/[0-9a-f]{64}-[0-9a-f]{32}'";
    assert_eq!(count(&retailer, keyed).await, 1);

    // Every message of the flow delivered twice: nothing stored or forwarded again.
    let again = republish_outbox(&system, Svc::Logistics, Service::Logistics).await
        + republish_outbox(&system, Svc::Retailer, Service::Retailer).await;
    eventually("every copy seen as a duplicate", DEADLINE, || async {
        let seen = consumed(&system, Svc::Retailer, "duplicate").await
            + consumed(&system, Svc::Manufacturer, "duplicate").await
            + consumed(&system, Svc::Logistics, "duplicate").await;
        (seen as usize >= again).then_some(())
    })
    .await;
    assert_eq!(counts_by(&manufacturer, EVIDENCE).await, stored);
    assert_eq!(count(&retailer, forwarded).await, 3);
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[
            ("SELECT count(*) FROM claims WHERE status = 'accepted'", 1),
            (
                "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.claim.decided.v1'",
                1,
            ),
        ],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}
