//! Evidence forwarded by the retailer: stored once, photos checked and served, required
//! evidence holding a claim until it is all there, and a serial that does not match.

use super::flow::*;
use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kummerer_contracts::agreement::EvidenceKind;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake image bytes for the test";

/// A service with a manufacturer whose agreement with a retailer requires `evidence`.
async fn requiring(evidence: Value) -> (TestService, Uuid, Uuid) {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    agreement_with(
        &svc,
        mid,
        retailer,
        json!({ "evidence_required": evidence }),
    )
    .await;
    (svc, mid, retailer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_evidence_holds_a_doa_claim_until_it_arrives() {
    let (svc, mid, retailer) = requiring(json!(["collected_serial", "collected_photo"])).await;
    let event = claim(mid, retailer, 3);
    let c = arrive(&svc, mid, std::slice::from_ref(&event))
        .await
        .remove(0);
    // DOA, but the agreement wants the serial and a photo first.
    assert_eq!(c["status"], "pending", "{c}");
    assert_eq!(c["pending_reason"], "evidence_missing");
    assert_eq!(c["suggested_amount"]["amount"], "524.00");
    assert_eq!(c["evidence"], json!([]));
    assert!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .is_empty()
    );

    // The serial arrives: still waiting for the photo.
    let serial = evidence(EvidenceKind::CollectedSerial, Some(&event.serial), None);
    publish_event(&svc.names, evidence_added(&event, serial.clone())).await;
    let c = wait_events(&svc, mid, event.claim_id.as_uuid(), 4).await;
    assert_eq!(
        event_kinds(&c),
        [
            "received",
            "left_pending",
            "evidence_added",
            "readjudicated"
        ]
    );
    assert_eq!(c["status"], "pending");
    assert_eq!(
        c["events"][3]["details"]["missing_evidence"],
        json!(["collected_photo"])
    );

    // The photo arrives twice (the same evidence id): stored once, and the claim is accepted by
    // the DOA rule and announced once.
    let photo = evidence(
        EvidenceKind::CollectedPhoto,
        None,
        Some(photo_of(PNG, "image/png")),
    );
    publish_event(&svc.names, evidence_added(&event, photo.clone())).await;
    publish_event(&svc.names, evidence_added(&event, photo.clone())).await;
    let c = eventually("claim accepted after its evidence", DEADLINE, || async {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        (c["status"] == "accepted").then_some(c)
    })
    .await;
    assert_eq!(c["decided_by"], "rule:doa_full_refund");
    assert_eq!(c["decided_amount"]["amount"], "524.00");
    wait_sent(&svc, event.claim_id.as_uuid()).await;
    eventually("both photo messages handled", DEADLINE, || async {
        let n = count(&svc.db, "SELECT count(*) FROM inbox", vec![]).await;
        (n == 4).then_some(())
    })
    .await;
    let decided = decided_events(&svc.db, event.claim_id.as_uuid()).await;
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["data"]["decided_by"]["rule"], "doa_full_refund");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claim_evidence", vec![]).await,
        2
    );
    let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(
        event_kinds(&c),
        [
            "received",
            "left_pending",
            "evidence_added",
            "readjudicated",
            "evidence_added",
            "auto_accepted"
        ]
    );
    // The claim shows its evidence without bytes.
    let ev = c["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0]["kind"], "collected_serial");
    assert_eq!(ev[0]["serial"], event.serial);
    assert_eq!(ev[1]["kind"], "collected_photo");
    assert_eq!(ev[1]["photo"]["content_type"], "image/png");
    assert_eq!(ev[1]["photo"]["size_bytes"], PNG.len());
    assert_eq!(ev[1]["photo"]["sha256"], photo_of(PNG, "image/png").sha256);
    assert!(!c.to_string().contains(&STANDARD.encode(PNG)));

    // The photo itself, with its content type.
    let photo_path = format!(
        "{}/evidence/{}/photo",
        claim_path(mid, event.claim_id.as_uuid()),
        photo.evidence_id
    );
    let res = request(&svc, reqwest::Method::GET, &photo_path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    // Evidence without a photo, and unknown evidence: 404.
    let no_photo = format!(
        "{}/evidence/{}/photo",
        claim_path(mid, event.claim_id.as_uuid()),
        serial.evidence_id
    );
    assert_problem(&get(&svc, &no_photo).await, 404, "evidence without photo");
    let unknown = format!(
        "{}/evidence/{}/photo",
        claim_path(mid, event.claim_id.as_uuid()),
        Uuid::now_v7()
    );
    assert_problem(&get(&svc, &unknown).await, 404, "unknown evidence");
    // Another manufacturer's key, on its own path with this claim and evidence: 404.
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let theirs = format!(
        "{}/evidence/{}/photo",
        claim_path(other, event.claim_id.as_uuid()),
        photo.evidence_id
    );
    let x = get(&svc, &theirs).await;
    assert_problem(&x, 404, "another manufacturer's photo");
    assert!(!x.body.to_string().contains(&mid.to_string()));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_that_does_not_match_flags_the_claim_and_a_bad_photo_is_dead_lettered() {
    let (svc, mid, retailer) = requiring(json!(["collected_serial"])).await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    let event = claim(mid, retailer, 3);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;

    // A photo whose digest is not the one its key was made for: dead-lettered, nothing stored.
    let mut photo = photo_of(PNG, "image/png");
    photo.sha256 = photo_of(b"other bytes", "image/png").sha256;
    let bad = evidence(EvidenceKind::CollectedPhoto, None, Some(photo));
    publish_event(&svc.names, evidence_added(&event, bad)).await;
    eventually("bad photo dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    // A photo whose blob was changed after it was stored (same size, other bytes): fetched,
    // refused, retried, then dead-lettered; never stored.
    let photo = photo_of(PNG, "image/png");
    let mut tampered = PNG.to_vec();
    tampered[12] ^= 0xff;
    std::fs::write(blob_file(&photo), &tampered).unwrap();
    let bad = evidence(EvidenceKind::CollectedPhoto, None, Some(photo));
    publish_event(&svc.names, evidence_added(&event, bad)).await;
    eventually("tampered photo dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 2).then_some(())
    })
    .await;
    // A photo whose blob is not in the store: the same.
    let photo = photo_of(PNG, "image/png");
    std::fs::remove_file(blob_file(&photo)).unwrap();
    let bad = evidence(EvidenceKind::CollectedPhoto, None, Some(photo));
    publish_event(&svc.names, evidence_added(&event, bad)).await;
    eventually("missing photo dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claim_evidence", vec![]).await,
        0
    );

    // The crew read another serial off the unit: the claim is flagged and never accepted by the
    // rule, though the required evidence is there now.
    let wrong = evidence(
        EvidenceKind::CollectedSerial,
        Some("SN-SOMETHING-ELSE"),
        None,
    );
    publish_event(&svc.names, evidence_added(&event, wrong)).await;
    let c = wait_events(&svc, mid, event.claim_id.as_uuid(), 4).await;
    assert_eq!(c["flags"], json!(["serial_mismatch"]), "{c}");
    assert_eq!(c["status"], "pending");
    assert_eq!(c["pending_reason"], "flagged");
    assert_eq!(c["events"][2]["details"]["serial_mismatch"], true);
    assert_eq!(c["events"][3]["kind"], "readjudicated");
    assert!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .is_empty()
    );
    // Nor by its deadline.
    assert_eq!(
        fire_deadlines(&svc.db, Utc::now() + TimeDelta::days(30))
            .await
            .unwrap(),
        0
    );
    assert_eq!(svc.broker.depth(&dlq).await, 3);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_that_overtakes_its_claim_is_retried_until_the_claim_arrives() {
    let (svc, mid, retailer) = requiring(json!(["collected_serial"])).await;
    let event = claim(mid, retailer, 3);
    let serial = evidence(EvidenceKind::CollectedSerial, Some(&event.serial), None);
    publish_event(&svc.names, evidence_added(&event, serial)).await;
    // Tried, and parked for a retry, because the claim is not known yet.
    let retry = svc.names.retry_queue(&MANUFACTURER_CLAIMS, 1);
    eventually("evidence waiting for a retry", DEADLINE, || async {
        (svc.broker.depth(&retry).await == 1).then_some(())
    })
    .await;
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claim_evidence", vec![]).await,
        0
    );
    publish_event(&svc.names, event.clone()).await;
    // The claim first waits for the serial, then the retried evidence lets the rule accept it.
    let c = eventually(
        "claim accepted once the evidence is retried",
        DEADLINE,
        || async {
            let a = get(&svc, &claim_path(mid, event.claim_id.as_uuid())).await;
            (a.status == 200 && a.body["status"] == "accepted").then_some(a.body)
        },
    )
    .await;
    assert_eq!(
        event_kinds(&c),
        [
            "received",
            "left_pending",
            "evidence_added",
            "auto_accepted"
        ]
    );
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        1
    );
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_whose_claim_never_arrives_is_answered_after_the_last_retry() {
    let (svc, mid, retailer) = requiring(json!(["collected_serial"])).await;
    let event = claim(mid, retailer, 3);
    let serial = evidence(EvidenceKind::CollectedSerial, Some(&event.serial), None);
    publish_event(&svc.names, evidence_added(&event, serial)).await;
    // Retried through every tier (the claim may still come), then answered `unknown_claim`
    // to the retailer rather than dead-lettered.
    let answered = "SELECT count(*) FROM outbox \
                    WHERE routing_key = 'manufacturer.claim.not_accepted.v1' \
                    AND payload->'data'->>'reason' = 'unknown_claim' \
                    AND payload->'data'->>'answers' = 'retailer.claim.evidence_added.v1'";
    eventually("the evidence answered", DEADLINE, || async {
        (count(&svc.db, answered, vec![]).await == 1).then_some(())
    })
    .await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claim_evidence", vec![]).await,
        0
    );
    svc.stop().await;
}

/// Messages from before the claim-check carry the photo inline: still taken and served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_inline_from_before_the_claim_check_is_still_taken() {
    let (svc, mid, retailer) = requiring(json!(["collected_photo"])).await;
    let event = claim(mid, retailer, 3);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let photo = evidence(
        EvidenceKind::CollectedPhoto,
        None,
        Some(inline_photo_of(PNG, "image/png")),
    );
    publish_event(&svc.names, evidence_added(&event, photo.clone())).await;
    eventually(
        "claim accepted after its inline photo",
        DEADLINE,
        || async {
            let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
            (c["status"] == "accepted").then_some(c)
        },
    )
    .await;
    let photo_path = format!(
        "{}/evidence/{}/photo",
        claim_path(mid, event.claim_id.as_uuid()),
        photo.evidence_id
    );
    let res = request(&svc, reqwest::Method::GET, &photo_path)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    svc.stop().await;
}
