//! Claims from the retailer: decided by rule or through the API, applied once, bad
//! messages dead-lettered, one of two concurrent decisions wins.

use crate::support::*;

/// The decisions in the outbox (an agreement publishes its versions there too).
const DECIDED_IN_OUTBOX: &str =
    "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.claim.decided.v1'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_inside_doa_is_accepted_by_rule_and_announced() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;

    let event = claim(mid, retailer, 3);
    let env = publish_event(&svc.names, event.clone()).await;
    let c = wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["decided_by"], "rule:doa_full_refund");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        c["price_paid"],
        json!({"amount": "499.00", "currency": "EUR"})
    );
    assert_eq!(c["agreement_id"], agreement["id"]);
    assert_eq!(c["swap_id"], event.swap_id.to_string());
    assert_eq!(c["case_id"], event.case_id.to_string());
    assert_eq!(c["serial"], event.serial);
    assert_eq!(c["product"]["sku"], "WM-100");
    assert_eq!(c["pending_reason"], Value::Null);
    assert!(c["decided_at"].is_string());
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(c["events"][0]["details"]["message_id"], env.id.to_string());
    assert_eq!(c["events"][1]["details"]["rule"], "doa_full_refund");

    let events = decided_events(&svc.db, event.claim_id.as_uuid()).await;
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["type"], "manufacturer.claim.decided.v1");
    assert_eq!(e["source"], "/kummerer/manufacturer");
    assert_eq!(e["data"]["outcome"], "accepted");
    assert_eq!(
        e["data"]["amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        e["data"]["decided_by"],
        json!({"kind": "rule", "rule": "doa_full_refund"})
    );
    assert_eq!(e["data"]["swap_id"], event.swap_id.to_string());
    assert_eq!(e["data"]["retailer_id"], retailer.to_string());
    assert_eq!(e["data"]["manufacturer_id"], mid.to_string());

    // The relay publishes it; the retailer's queue receives it.
    wait_sent(&svc, event.claim_id.as_uuid()).await;
    let retailer_queue = svc.names.queue(&RETAILER_CASE_EVENTS);
    eventually(
        "decided event in the retailer's queue",
        DEADLINE,
        || async { (svc.broker.depth(&retailer_queue).await == 1).then_some(()) },
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_the_rules_leave_pending_are_decided_through_the_api() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;

    // Outside DOA, within coverage: 80 % of 499.00 = 399.20, plus 25.00.
    let mut claims = Vec::new();
    for _ in 0..3 {
        let event = claim(mid, retailer, 60);
        publish_event(&svc.names, event.clone()).await;
        let c = wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
        assert_eq!(c["status"], "pending");
        assert_eq!(c["pending_reason"], "outside_doa");
        assert_eq!(
            c["suggested_amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(c["decided_amount"], Value::Null);
        assert_eq!(event_kinds(&c), ["received", "left_pending"]);
        let received: DateTime<Utc> = serde_json::from_value(c["received_at"].clone()).unwrap();
        let deadline: DateTime<Utc> = serde_json::from_value(c["deadline_at"].clone()).unwrap();
        assert_eq!(deadline - received, TimeDelta::days(14));
        claims.push(event);
    }
    // Outside coverage: rejected by rule with its reason, naming the agreement version.
    let old = claim(mid, retailer, 3 * 365);
    publish_event(&svc.names, old.clone()).await;
    let c = wait_claim(&svc, mid, old.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["reason_code"], "outside_coverage");
    assert_eq!(c["decided_by"], "rule:outside_coverage");
    assert_eq!(c["agreement_version"], 1);
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );
    assert_eq!(event_kinds(&c), ["received", "auto_rejected"]);
    // Without an agreement (a linked partner, though): not recorded, answered to the retailer
    // (`not_accepted`).
    let stranger_rid = Uuid::now_v7();
    link_as_before(&svc.db, mid, stranger_rid).await;
    let stranger = claim(mid, stranger_rid, 3);
    publish_event(&svc.names, stranger.clone()).await;
    let answered = "SELECT count(*) FROM outbox \
                    WHERE routing_key = 'manufacturer.claim.not_accepted.v1' \
                    AND payload->'data'->>'claim_id' = $1 \
                    AND payload->'data'->>'reason' = 'no_agreement'";
    let id = stranger.claim_id.to_string();
    eventually(
        "the claim without an agreement answered",
        DEADLINE,
        || async { (count(&svc.db, answered, vec![id.clone().into()]).await == 1).then_some(()) },
    )
    .await;
    let recorded = "SELECT count(*) FROM claims WHERE id = $1";
    let stranger_id = stranger.claim_id.as_uuid();
    assert_eq!(count(&svc.db, recorded, vec![stranger_id.into()]).await, 0);
    // Only the rejection by rule was announced.
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 1);

    // The pending list, newest first.
    let list = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?status=pending"),
    )
    .await;
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<String> = claims.iter().map(|c| c.claim_id.to_string()).collect();
    expected.reverse();
    assert_eq!(ids, expected);
    assert!(list.body["items"][0].get("events").is_none());

    let decide = |claim_id: Uuid, body: Value| {
        let svc = &svc;
        async move {
            post(
                svc,
                &format!("/api/manufacturers/{mid}/claims/{claim_id}/decision"),
                &body,
            )
            .await
        }
    };

    // Accept without an amount: the suggested amount.
    let a = decide(claims[0].claim_id.as_uuid(), json!({"outcome": "accept"})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "accepted");
    assert_eq!(a.body["decided_by"], "manufacturer");
    assert_eq!(
        a.body["decided_amount"],
        json!({"amount": "424.20", "currency": "EUR"})
    );
    assert_eq!(
        event_kinds(&a.body),
        ["received", "left_pending", "decided"]
    );

    // Partly accept with an amount and a reason.
    let p = decide(
        claims[1].claim_id.as_uuid(),
        json!({"outcome": "partly_accept", "amount": {"amount": "200", "currency": "EUR"},
               "reason_code": "cosmetic_damage"}),
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["status"], "partly_accepted");
    assert_eq!(p.body["reason_code"], "cosmetic_damage");
    assert_eq!(
        p.body["decided_amount"],
        json!({"amount": "200.00", "currency": "EUR"})
    );

    // Reject with a reason.
    let r = decide(
        claims[2].claim_id.as_uuid(),
        json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(
        r.body["decided_amount"],
        json!({"amount": "0.00", "currency": "EUR"})
    );

    for (event, outcome, amount, reason) in [
        (&claims[0], "accepted", "424.20", Value::Null),
        (
            &claims[1],
            "partly_accepted",
            "200.00",
            json!("cosmetic_damage"),
        ),
        (&claims[2], "rejected", "0.00", json!("no_defect_found")),
    ] {
        let events = decided_events(&svc.db, event.claim_id.as_uuid()).await;
        assert_eq!(events.len(), 1, "{outcome}");
        let data = &events[0]["data"];
        assert_eq!(data["outcome"], outcome);
        assert_eq!(data["amount"], json!({"amount": amount, "currency": "EUR"}));
        assert_eq!(data["reason_code"], reason);
        assert_eq!(data["decided_by"], json!({"kind": "manufacturer"}));
        assert_eq!(data["case_id"], event.case_id.to_string());
        wait_sent(&svc, event.claim_id.as_uuid()).await;
    }

    // A decided claim stays decided.
    let before = table_counts(&svc.db).await;
    let again = decide(claims[2].claim_id.as_uuid(), json!({"outcome": "accept"})).await;
    assert_problem(&again, 409, "second decision");
    assert_eq!(again.body["code"], "claim_already_decided");
    assert_eq!(table_counts(&svc.db).await, before);

    // Lists by status (the claim past coverage was rejected by rule).
    for (status, n) in [
        ("pending", 0),
        ("accepted", 1),
        ("partly_accepted", 1),
        ("rejected", 2),
    ] {
        let l = get(
            &svc,
            &format!("/api/manufacturers/{mid}/claims?status={status}"),
        )
        .await;
        assert_eq!(l.body["items"].as_array().unwrap().len(), n, "{status}");
    }
    let all = get(&svc, &format!("/api/manufacturers/{mid}/claims")).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 4);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_claim_is_applied_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;

    let event = claim(mid, retailer, 3);
    let env = publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    // The same envelope again (a redelivery), and the same claim in a new envelope (a producer
    // that published twice).
    publish_envelope(&svc.names, &env).await;
    publish_event(&svc.names, event.clone()).await;
    // A later claim: once it is in, the duplicates before it were handled.
    let later = claim(mid, retailer, 3);
    publish_event(&svc.names, later.clone()).await;
    wait_claim(&svc, mid, later.claim_id.as_uuid()).await;

    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claims", vec![]).await,
        2
    );
    let c = wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        1
    );
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 2);
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_are_dead_lettered_and_the_next_good_one_is_applied() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);

    // Not JSON at all.
    publish_raw(
        &svc.names,
        Service::Retailer,
        ClaimSubmittedV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("malformed body dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A valid envelope whose data is not a claim.
    let mut env =
        serde_json::to_value(kummerer_contracts::Envelope::new(claim(mid, retailer, 3))).unwrap();
    env["data"] = json!({"claim_id": "nope"});
    publish_raw(
        &svc.names,
        Service::Retailer,
        ClaimSubmittedV1::TYPE,
        &serde_json::to_vec(&env).unwrap(),
    )
    .await;
    eventually("bad data dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 2).then_some(())
    })
    .await;

    // A claim against a manufacturer this service does not know: a business reject, answered
    // to the retailer (`not_accepted`), not dead-lettered.
    let orphan = claim(Uuid::now_v7(), retailer, 3);
    publish_event(&svc.names, orphan.clone()).await;
    let answered = "SELECT count(*) FROM outbox \
                    WHERE routing_key = 'manufacturer.claim.not_accepted.v1' \
                    AND payload->'data'->>'reason' = 'unknown_manufacturer'";
    eventually("unknown manufacturer answered", DEADLINE, || async {
        (count(&svc.db, answered, vec![]).await == 1).then_some(())
    })
    .await;

    // The consumer goes on.
    let good = claim(mid, retailer, 3);
    publish_event(&svc.names, good.clone()).await;
    let c = wait_claim(&svc, mid, good.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM claims", vec![]).await,
        1
    );
    assert_eq!(count(&svc.db, DECIDED_IN_OUTBOX, vec![]).await, 1);
    assert_eq!(svc.broker.depth(&dlq).await, 2);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_decisions_exactly_one_wins() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let mut events = Vec::new();
    for _ in 0..5 {
        let event = claim(mid, retailer, 60);
        publish_event(&svc.names, event.clone()).await;
        events.push(event);
    }
    for event in &events {
        wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    }

    for event in &events {
        let path = format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        );
        let accept = json!({"outcome": "accept"});
        let reject = json!({"outcome": "reject", "reason_code": "no_defect_found"});
        let (x, y) = tokio::join!(post(&svc, &path, &accept), post(&svc, &path, &reject));
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", x.body, y.body);
        let loser = if x.status == 409 { &x } else { &y };
        assert_eq!(loser.body["code"], "claim_already_decided");
        assert_eq!(
            decided_events(&svc.db, event.claim_id.as_uuid())
                .await
                .len(),
            1
        );
        let decided = count(
            &svc.db,
            "SELECT count(*) FROM claim_events WHERE claim_id = $1 AND kind = 'decided'",
            vec![event.claim_id.into()],
        )
        .await;
        assert_eq!(decided, 1);
    }
    svc.stop().await;
}

/// A decision records which of the manufacturer's keys made it: the key's id and label on the
/// claim's `decided` event, shown in the claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_records_which_key_decided() {
    let svc = start().await;
    let (mid, _, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let made = post(
        &svc,
        &format!("/api/manufacturers/{mid}/api-keys"),
        &json!({"label": "ERP claims desk"}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let erp_key = made.body["api_key"].as_str().unwrap().to_owned();
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    // Sold 100 days before the swap: outside DOA, left pending for a person.
    let event = claim(mid, retailer, 100);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    let path = format!("/api/manufacturers/{mid}/claims/{}", event.claim_id);
    let decided = call_as(
        &svc,
        &reqwest::Method::POST,
        &format!("{path}/decision"),
        &json!({"outcome": "reject", "reason_code": "misuse"}),
        Some(&erp_key),
    )
    .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
    let events = c["events"].as_array().unwrap();
    let last = events.iter().rfind(|e| e["kind"] == "decided").unwrap();
    assert_eq!(last["details"]["key"]["id"], made.body["id"], "{c}");
    assert_eq!(last["details"]["key"]["label"], "ERP claims desk", "{c}");
    svc.stop().await;
}
