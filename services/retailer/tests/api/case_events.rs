//! The case events from logistics and the manufacturer landing on the timeline: order, who
//! holds the ball, duplicates, and malformed or unknown messages dead-lettered.

use crate::support::*;

/// The case's `ball`, once `ready` holds for it.
async fn ball_when(
    svc: &TestService,
    shop: &Shop,
    what: &str,
    ready: impl Fn(&Json) -> bool,
) -> Json {
    eventually(what, DEADLINE, || async {
        let (status, case) = get_json(svc, &shop.case_path()).await;
        assert_eq!(status, 200, "{case}");
        ready(&case["ball"]).then(|| case["ball"].clone())
    })
    .await
}

pub(crate) fn job_failed(
    shop: &Shop,
    swap_id: Uuid,
    attempt: u32,
    at: DateTime<Utc>,
) -> JobFailedV1 {
    JobFailedV1 {
        job_id: Uuid::now_v7().into(),
        swap_id: swap_id.into(),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        reason: FailureReason::NotHome,
        note: Some("nobody opened".into()),
        attempt,
        failed_at: at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_events_land_on_the_timeline_in_the_order_they_happened() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let t0 = Utc::now();
    let db = &svc.db;

    // Logistics schedules the visit.
    let scheduled = publish_event(
        &svc.names,
        job_scheduled(&shop, swap_id, t0 + Span::minutes(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "scheduled");
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM timeline WHERE kind = 'job_scheduled' AND source = 'logistics' \
             AND message_id = $1 AND occurred_at = $2",
            vec![scheduled.id.into(), scheduled.data.scheduled_at.into()]
        )
        .await,
        1
    );

    // A failed attempt.
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 1, t0 + Span::minutes(2)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "failed_attempt");

    // Delivered and collected, but another unit than the case names.
    let completed = JobCompletedV1 {
        job_id: scheduled.data.job_id,
        swap_id: swap_id.into(),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        delivered_serial: "SN-NEW-1".into(),
        collected_serial: "SN-ELSE".into(),
        collected_serial_matches: false,
        recipient_name: "Erika Mustermann".into(),
        completed_at: t0 + Span::minutes(3),
    };
    publish_event(&svc.names, completed).await;
    wait_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;
    assert_eq!(
        timeline_count(db, shop.case_id, "collected_serial_mismatch").await,
        1
    );
    assert_eq!(swap_status(db, swap_id).await, "delivered");
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM cases WHERE id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        "delivered"
    );

    // A failure reported after the delivery lands on the timeline but does not undo it.
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 2, t0 + Span::minutes(4)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 2).await;
    assert_eq!(swap_status(db, swap_id).await, "delivered");

    // The manufacturer's decision, taken before the visit, arrives last.
    let decided_at = t0 + Span::seconds(30);
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, claim_id, decided_at),
    )
    .await;
    wait_kind(&svc, shop.case_id, "claim_decided", 1).await;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM claims WHERE id = $1 AND status = 'partly_accepted' \
             AND decided_amount = 399.20 AND reason_code = 'wear_and_tear' AND decided_at = $2",
            vec![claim_id.into(), decided_at.into()]
        )
        .await,
        1
    );

    let (status, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["status"], "delivered");
    assert_eq!(case["swap"]["status"], "delivered");
    assert_eq!(case["claim"]["status"], "partly_accepted");
    assert_eq!(case["claim"]["decided_amount"], eur("399.20"));
    assert_eq!(case["claim"]["reason_code"], "wear_and_tear");
    let timeline = case["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[2..],
        [
            "claim_decided",
            "job_scheduled",
            "delivery_failed",
            "delivered_and_collected",
            "collected_serial_mismatch",
            "delivery_failed",
        ],
        "{case}"
    );
    let times: Vec<DateTime<Utc>> = timeline
        .iter()
        .map(|e| serde_json::from_value(e["occurred_at"].clone()).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    let entry = |kind: &str| timeline.iter().find(|e| e["kind"] == kind).unwrap();
    let decided = entry("claim_decided");
    assert_eq!(decided["source"], "manufacturer");
    assert_eq!(decided["details"]["outcome"], "partly_accepted");
    assert_eq!(decided["details"]["amount"], eur("399.20"));
    assert_eq!(decided["details"]["decided_by"]["kind"], "manufacturer");
    let delivered = entry("delivered_and_collected");
    assert_eq!(delivered["source"], "logistics");
    assert_eq!(delivered["details"]["delivered_serial"], "SN-NEW-1");
    assert_eq!(delivered["details"]["collected_serial"], "SN-ELSE");
    assert_eq!(delivered["details"]["collected_serial_matches"], false);
    assert_eq!(delivered["details"]["recipient_name"], "Erika Mustermann");
    let failed = entry("delivery_failed");
    assert_eq!(failed["details"]["reason"], "not_home");
    assert_eq!(failed["details"]["note"], "nobody opened");
    assert_eq!(failed["details"]["attempt"], 1);

    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    // Consuming emits nothing.
    assert_eq!(count(db, OUTBOX_BUT_PROFILES, vec![]).await, 2);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ball_passes_between_retailer_crew_and_manufacturer() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());

    // An open case waits for the store, since it was opened.
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    let ball = &case["ball"];
    assert_eq!(ball["party"], "retailer", "{case}");
    assert_eq!(time_of(&ball["since"]), time_of(&case["opened_at"]));
    assert!(ball["held_for_seconds"].as_i64().unwrap() >= 0, "{ball}");
    assert_eq!(ball["handovers"], 0);
    assert_eq!(holders(ball), [pair("retailer", "decision")]);

    // The approval gives the delivery to the crew and the claim to the manufacturer: one handover,
    // the crew shown (the customer waits for it), both listed.
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    let approved_at = time_of(&case["swap"]["approved_at"]);
    let ball = &case["ball"];
    assert_eq!(ball["party"], "crew", "{case}");
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(ball["handovers"], 1);
    assert_eq!(
        holders(ball),
        [pair("crew", "delivery"), pair("manufacturer", "claim")]
    );
    let t0 = Utc::now();

    // Scheduled: still the crew, since the approval.
    let scheduled = publish_event(
        &svc.names,
        job_scheduled(&shop, swap_id, t0 + Span::minutes(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    let ball = ball_when(&svc, &shop, "scheduled", |b| b["party"] == "crew").await;
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(ball["handovers"], 1);

    // A failed visit hands the delivery back to the store; the manufacturer has waited longer
    // (since the approval), so it is shown, and both are listed.
    let failed_at = t0 + Span::minutes(2);
    publish_event(&svc.names, job_failed(&shop, swap_id, 1, failed_at)).await;
    let ball = ball_when(&svc, &shop, "failed", |b| b["handovers"] == 2).await;
    assert_eq!(ball["party"], "manufacturer", "{ball}");
    assert_eq!(time_of(&ball["since"]), approved_at);
    assert_eq!(
        holders(&ball),
        [pair("manufacturer", "claim"), pair("retailer", "delivery")]
    );
    assert!(same_instant(
        time_of(&ball["holders"][1]["since"]),
        failed_at
    ));

    // The manufacturer decides: only the store holds it, since the failure.
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, claim_id, t0 + Span::minutes(3)),
    )
    .await;
    let ball = ball_when(&svc, &shop, "decided", |b| b["party"] == "retailer").await;
    assert!(same_instant(time_of(&ball["since"]), failed_at), "{ball}");
    assert_eq!(ball["handovers"], 2);
    assert_eq!(holders(&ball), [pair("retailer", "delivery")]);

    // A new visit is scheduled: the crew again.
    let rescheduled_at = t0 + Span::minutes(4);
    publish_event(&svc.names, job_scheduled(&shop, swap_id, rescheduled_at)).await;
    let ball = ball_when(&svc, &shop, "rescheduled", |b| b["party"] == "crew").await;
    assert!(
        same_instant(time_of(&ball["since"]), rescheduled_at),
        "{ball}"
    );
    assert_eq!(ball["handovers"], 3);
    assert_eq!(holders(&ball), [pair("crew", "delivery")]);

    // Delivered and collected, the claim decided: settled, nobody holds it.
    let completed_at = t0 + Span::minutes(5);
    publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: scheduled.data.job_id,
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            delivered_serial: "SN-NEW-1".into(),
            collected_serial: shop.serial.clone(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at,
        },
    )
    .await;
    let ball = ball_when(&svc, &shop, "delivered", |b| b["party"].is_null()).await;
    assert!(
        same_instant(time_of(&ball["since"]), completed_at),
        "{ball}"
    );
    assert!(ball["held_for_seconds"].is_null(), "{ball}");
    assert_eq!(ball["handovers"], 3);
    assert!(holders(&ball).is_empty());
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_collection_is_not_flagged_and_a_message_twice_has_one_effect() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, _) = approve(&svc, &shop).await;
    let db = &svc.db;
    let t0 = Utc::now();

    let envelope = publish_event(&svc.names, job_scheduled(&shop, swap_id, t0)).await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    // A redelivery (same id) and a marker behind it: once the marker is applied, so was it.
    publish_envelope(&svc.names, &envelope).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 1, t0 + Span::seconds(1)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 1).await;
    assert_eq!(timeline_count(db, shop.case_id, "job_scheduled").await, 1);

    // Even once the inbox has forgotten it, the timeline's message id keeps it out.
    db.execute_unprepared("DELETE FROM inbox").await.unwrap();
    publish_envelope(&svc.names, &envelope).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 2, t0 + Span::seconds(2)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 2).await;
    assert_eq!(timeline_count(db, shop.case_id, "job_scheduled").await, 1);
    assert_eq!(swap_status(db, swap_id).await, "failed_attempt");

    let completed = publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: envelope.data.job_id,
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            delivered_serial: "SN-NEW-1".into(),
            collected_serial: shop.serial.clone(),
            collected_serial_matches: true,
            recipient_name: "Erika Mustermann".into(),
            completed_at: t0 + Span::seconds(3),
        },
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;
    publish_envelope(&svc.names, &completed).await;
    publish_event(
        &svc.names,
        job_failed(&shop, swap_id, 3, t0 + Span::seconds(4)),
    )
    .await;
    wait_kind(&svc, shop.case_id, "delivery_failed", 3).await;
    assert_eq!(
        timeline_count(db, shop.case_id, "delivered_and_collected").await,
        1
    );
    assert_eq!(
        timeline_count(db, shop.case_id, "collected_serial_mismatch").await,
        0
    );
    assert_eq!(swap_status(db, swap_id).await, "delivered");
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unknown_events_are_dead_lettered_and_the_next_still_applied() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS);
    let db = &svc.db;

    publish_raw(
        &svc.names,
        Service::Logistics,
        JobScheduledV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("the malformed body in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A well-formed envelope whose data does not fit the contract.
    let bad = json!({
        "specversion": "1.0", "id": Uuid::now_v7(), "source": "/kummerer/logistics",
        "type": JobScheduledV1::TYPE, "time": Utc::now(), "data": {"job_id": 5},
    });
    publish_raw(
        &svc.names,
        Service::Logistics,
        JobScheduledV1::TYPE,
        &serde_json::to_vec(&bad).unwrap(),
    )
    .await;
    // Events about a swap, a claim or a case that does not exist (or not for that retailer).
    let now = Utc::now();
    publish_event(&svc.names, job_scheduled(&shop, Uuid::now_v7(), now)).await;
    publish_event(
        &svc.names,
        claim_decided(&shop, swap_id, Uuid::now_v7(), now),
    )
    .await;
    let mut other_retailer = job_failed(&shop, swap_id, 1, now);
    other_retailer.retailer_id = Uuid::now_v7().into();
    publish_event(&svc.names, other_retailer).await;
    let mut other_case = job_failed(&shop, swap_id, 1, now);
    other_case.case_id = Uuid::now_v7().into();
    publish_event(&svc.names, other_case).await;
    let mut other_currency = claim_decided(&shop, swap_id, claim_id, now);
    other_currency.amount = Money::zero(Currency::parse("USD").unwrap());
    publish_event(&svc.names, other_currency).await;
    eventually("seven messages in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 7).then_some(())
    })
    .await;
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(swap_status(db, swap_id).await, "approved");
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM claims WHERE id = $1",
            vec![claim_id.into()]
        )
        .await,
        "submitted"
    );

    // The consumer goes on.
    publish_event(&svc.names, job_scheduled(&shop, swap_id, now)).await;
    wait_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "scheduled");
    assert_eq!(svc.broker.depth(&dlq).await, 7);
    svc.stop().await;
}
