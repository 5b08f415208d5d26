//! An approved swap becomes one job, announced; the list; duplicates and malformed messages.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_swap_becomes_one_job_and_is_announced() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;

    let job = job_of(&svc, retailer, event.swap_id.as_uuid()).await;
    assert_eq!(job["case_id"], event.case_id.to_string());
    assert_eq!(job["retailer_id"], retailer.to_string());
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 0);
    assert_eq!(job["deliver_sku"], "WM-8-NEW");
    assert_eq!(job["deliver_name"], "Waschmaschine 8 kg (2026)");
    assert_eq!(job["collect_serial"], "SN-OLD-1");
    assert_eq!(job["collect_sku"], "WM-8-OLD");
    assert_eq!(job["address"]["street"], "Hauptstraße 1");
    assert_eq!(job["address"]["city"], "Berlin");
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(job["window"]["start"].clone()).unwrap();
    // PostgreSQL keeps microseconds.
    assert_eq!(
        start.timestamp_micros(),
        event.window.start.timestamp_micros()
    );
    assert!(
        job.get("events").is_none(),
        "the list leaves out the history"
    );
    let job_id = job["id"].as_str().unwrap().to_owned();

    // The job's own history and its detail view.
    let (status, detail) = get_json(&svc, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(status, 200, "{detail}");
    let events = detail["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{detail}");
    assert_eq!(events[0]["kind"], "scheduled");

    // job.scheduled is in the outbox and the relay publishes it.
    let scheduled = outbox(&svc.db, SCHEDULED).await;
    assert_eq!(scheduled.len(), 1);
    let data = &scheduled[0]["data"];
    assert_eq!(data["job_id"], job_id);
    assert_eq!(data["swap_id"], event.swap_id.to_string());
    assert_eq!(data["case_id"], event.case_id.to_string());
    assert_eq!(data["retailer_id"], retailer.to_string());
    eventually("job.scheduled to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = $1 AND sent_at IS NOT NULL",
            vec![SCHEDULED.into()],
        )
        .await;
        (sent == 1).then_some(())
    })
    .await;

    // Filters: by status, by another retailer.
    let (_, scheduled) = get_json(&svc, "/api/jobs?status=scheduled").await;
    assert_eq!(scheduled["items"].as_array().unwrap().len(), 1);
    let (_, completed) = get_json(&svc, "/api/jobs?status=completed").await;
    assert_eq!(completed["items"].as_array().unwrap().len(), 0);
    let (_, other) = get_json(&svc, &format!("/api/jobs?retailer_id={}", Uuid::now_v7())).await;
    assert_eq!(other["items"].as_array().unwrap().len(), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_ordered_by_window() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let mut late = swap(retailer, "SN-L");
    late.window.start += Span::days(3);
    late.window.end += Span::days(3);
    let early = swap(retailer, "SN-E");
    publish_event(&svc.names, late.clone()).await;
    publish_event(&svc.names, early.clone()).await;
    job_of(&svc, retailer, late.swap_id.as_uuid()).await;
    job_of(&svc, retailer, early.swap_id.as_uuid()).await;
    let (_, list) = get_json(&svc, &format!("/api/jobs?retailer_id={retailer}")).await;
    let swaps: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["swap_id"].as_str().unwrap())
        .collect();
    assert_eq!(swaps, [early.swap_id.to_string(), late.swap_id.to_string()]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_delivered_twice_makes_one_job() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    // The same envelope twice (a redelivery) ...
    let envelope = publish_event(&svc.names, event.clone()).await;
    publish_envelope(&svc.names, &envelope).await;
    // ... and the same swap under a new message id (the producer published it again).
    publish_event(&svc.names, event.clone()).await;
    // A marker behind them: once it is applied, the ones before it were too.
    let marker = swap(retailer, "SN-MARK");
    publish_event(&svc.names, marker.clone()).await;
    job_of(&svc, retailer, marker.swap_id.as_uuid()).await;
    eventually("every delivery to be settled", DEADLINE, || async {
        let depth = svc.broker.depth(&svc.names.queue(&LOGISTICS_SWAPS)).await;
        (depth == 0).then_some(())
    })
    .await;

    let db = &svc.db;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM jobs WHERE swap_id = $1",
            vec![event.swap_id.into()]
        )
        .await,
        1
    );
    assert_eq!(count(db, "SELECT 1 FROM jobs", vec![]).await, 2);
    assert_eq!(count(db, "SELECT 1 FROM job_events", vec![]).await, 2);
    assert_eq!(count(db, "SELECT 1 FROM outbox", vec![]).await, 2);
    let scheduled = outbox(db, SCHEDULED).await;
    assert_eq!(
        scheduled
            .iter()
            .filter(|p| p["data"]["swap_id"] == event.swap_id.to_string())
            .count(),
        1
    );
    // Two distinct message ids for the swap were recorded; the redelivery was not.
    assert_eq!(count(db, "SELECT 1 FROM inbox", vec![]).await, 3);
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&LOGISTICS_SWAPS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_dead_lettered_and_the_next_swap_still_becomes_a_job() {
    let svc = start().await;
    let dlq = svc.names.dead_letter_queue(&LOGISTICS_SWAPS);
    publish_raw(
        &svc.names,
        Service::Retailer,
        SwapApprovedV1::TYPE,
        b"{not json",
    )
    .await;
    eventually("the malformed body in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;

    // A well-formed envelope whose data does not fit the contract.
    let bad = json!({
        "specversion": "1.0",
        "id": Uuid::now_v7(),
        "source": "/kummerer/retailer",
        "type": SwapApprovedV1::TYPE,
        "time": Utc::now(),
        "data": {"swap_id": "not-a-uuid"},
    });
    publish_raw(
        &svc.names,
        Service::Retailer,
        SwapApprovedV1::TYPE,
        &serde_json::to_vec(&bad).unwrap(),
    )
    .await;
    // A swap whose window ends before it starts can never become a visit.
    let retailer = Uuid::now_v7();
    let mut reversed = swap(retailer, "SN-REV");
    reversed.window.end = reversed.window.start - Span::hours(1);
    publish_event(&svc.names, reversed).await;
    eventually("three messages in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM jobs", vec![]).await, 0);
    assert_eq!(count(&svc.db, "SELECT 1 FROM outbox", vec![]).await, 0);

    let good = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, good.clone()).await;
    job_of(&svc, retailer, good.swap_id.as_uuid()).await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM jobs", vec![]).await, 1);
    assert_eq!(count(&svc.db, "SELECT 1 FROM outbox", vec![]).await, 1);
    assert_eq!(svc.broker.depth(&dlq).await, 3);
    svc.stop().await;
}
