//! Serial checks: claimed twice, or outside the uploaded registry, is flagged.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_claimed_twice_is_flagged_and_never_accepted_by_rule() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    create_agreement(&svc, other, retailer).await;

    let first = claim(mid, retailer, 3);
    let c = &arrive(&svc, mid, std::slice::from_ref(&first)).await[0];
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["flags"], json!([]));

    // The same serial again, inside DOA: it waits, flagged, with what the rule would pay.
    let mut second = claim(mid, retailer, 3);
    second.serial = first.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&second)).await[0];
    assert_eq!(c["status"], "pending");
    assert_eq!(c["pending_reason"], "flagged");
    assert_eq!(c["flags"], json!(["duplicate_serial"]));
    assert_eq!(
        c["suggested_amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    assert_eq!(
        c["events"][0]["details"]["flags"],
        json!(["duplicate_serial"])
    );
    assert!(
        decided_events(&svc.db, second.claim_id.as_uuid())
            .await
            .is_empty()
    );
    // In the list too.
    let l = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?status=pending"),
    )
    .await;
    assert_eq!(l.body["items"][0]["flags"], json!(["duplicate_serial"]));

    // A third one outside DOA: flagged as well, and keeps its reason.
    let mut third = claim(mid, retailer, 60);
    third.serial = first.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&third)).await[0];
    assert_eq!(c["pending_reason"], "outside_doa");
    assert_eq!(c["flags"], json!(["duplicate_serial"]));

    // The same serial at another manufacturer is another unit.
    let mut theirs = claim(other, retailer, 3);
    theirs.serial = first.serial.clone();
    let c = &arrive(&svc, other, std::slice::from_ref(&theirs)).await[0];
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["flags"], json!([]));

    // Silence does not accept a flagged claim either.
    let deadline = at(&c["deadline_at"]);
    fire_deadlines(&svc.db, deadline + TimeDelta::days(30))
        .await
        .unwrap();
    for event in [&second, &third] {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        assert_eq!(c["status"], "pending");
        assert!(
            decided_events(&svc.db, event.claim_id.as_uuid())
                .await
                .is_empty()
        );
    }
    // The manufacturer decides it.
    let d = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            second.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "duplicate_claim"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["flags"], json!(["duplicate_serial"]));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_serial_outside_the_uploaded_registry_is_flagged() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let path = format!("/api/manufacturers/{mid}/serials");

    // Without a registry no serial is unknown.
    let free = claim(mid, retailer, 3);
    let c = &arrive(&svc, mid, std::slice::from_ref(&free)).await[0];
    assert_eq!(c["flags"], json!([]));

    // Bad uploads change nothing.
    let before = table_counts(&svc.db).await;
    let too_many: Vec<String> = (0..10_001).map(|i| format!("SN-{i}")).collect();
    for (body, status, what) in [
        (json!({}), 422, "no serials"),
        (json!({"serials": []}), 422, "empty list"),
        (json!({"serials": "SN-1"}), 422, "not a list"),
        (json!({"serials": [1, 2]}), 422, "numbers"),
        (json!({"serials": ["SN-1", "  "]}), 422, "blank serial"),
        (
            json!({"serials": ["x".repeat(101)]}),
            422,
            "serial too long",
        ),
        (json!({"serials": ["SN\n1"]}), 422, "control character"),
        (json!({ "serials": too_many }), 422, "more than 10,000"),
        (
            json!({"serials": ["x".repeat(3 * 1024 * 1024)]}),
            413,
            "huge body",
        ),
    ] {
        assert_problem(&post(&svc, &path, &body).await, status, what);
    }
    assert_problem(
        &post(
            &svc,
            &format!("/api/manufacturers/{}/serials", Uuid::now_v7()),
            &json!({"serials": ["SN-1"]}),
        )
        .await,
        404,
        "unknown manufacturer",
    );
    assert_problem(
        &post_raw(&svc, &path, "{\"serials\": [").await,
        400,
        "syntax error",
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // 10,000 at once (a body beyond the usual 64 KiB), then more; duplicates are merged.
    let many: Vec<String> = (0..10_000).map(|i| format!("SN-BULK-{i:06}")).collect();
    let u = post(&svc, &path, &json!({ "serials": many })).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(
        u.body,
        json!({"received": 10_000, "added": 10_000, "registry_size": 10_000})
    );
    let u = post(
        &svc,
        &path,
        &json!({"serials": [" SN-KNOWN ", "SN-BULK-000001", "SN-KNOWN"]}),
    )
    .await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(
        u.body,
        json!({"received": 3, "added": 1, "registry_size": 10_001})
    );

    let mut known = claim(mid, retailer, 3);
    known.serial = "SN-KNOWN".into();
    let unknown = claim(mid, retailer, 3);
    let shown = arrive(&svc, mid, &[known.clone(), unknown.clone()]).await;
    assert_eq!(shown[0]["status"], "accepted");
    assert_eq!(shown[0]["flags"], json!([]));
    assert_eq!(shown[1]["status"], "pending");
    assert_eq!(shown[1]["pending_reason"], "flagged");
    assert_eq!(shown[1]["flags"], json!(["unknown_serial"]));

    // Both checks at once.
    let mut twice = claim(mid, retailer, 3);
    twice.serial = unknown.serial.clone();
    let c = &arrive(&svc, mid, std::slice::from_ref(&twice)).await[0];
    assert_eq!(c["flags"], json!(["duplicate_serial", "unknown_serial"]));
    svc.stop().await;
}
