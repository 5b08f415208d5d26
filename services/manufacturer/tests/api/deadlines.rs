//! A claim past its deadline is deemed accepted, once.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_past_its_deadline_is_deemed_accepted_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;
    assert_eq!(agreement["default_outcome"], "accept");

    // Five pending claims within coverage, one past coverage (rejected by rule on arrival), one
    // decided by the manufacturer, one accepted by rule. (A claim without an agreement is not recorded but answered to the
    // retailer: see `claims.rs`.)
    let pending: Vec<ClaimSubmittedV1> = (0..5).map(|_| claim(mid, retailer, 60)).collect();
    let old = claim(mid, retailer, 3 * 365);
    let decided = claim(mid, retailer, 60);
    let doa = claim(mid, retailer, 3);
    let mut all = pending.clone();
    all.extend([old.clone(), decided.clone(), doa.clone()]);
    let shown = arrive(&svc, mid, &all).await;
    let deadline = at(&shown[0]["deadline_at"]);
    let r = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            decided.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let before = table_counts(&svc.db).await;

    // Before the deadline nothing happens.
    assert_eq!(fire_deadlines(&svc.db, Utc::now()).await.unwrap(), 0);
    assert_eq!(
        fire_deadlines(&svc.db, deadline - TimeDelta::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(table_counts(&svc.db).await, before);
    for event in &pending {
        assert_eq!(
            claim_of(&svc, mid, event.claim_id.as_uuid()).await["status"],
            "pending"
        );
    }

    // Two sweeps at once, a day after every deadline: each claim is decided exactly once.
    let later = deadline + TimeDelta::days(1);
    let (x, y) = {
        let (a, b) = (svc.db.clone(), svc.db.clone());
        let x = tokio::spawn(async move { fire_deadlines(&a, later).await });
        let y = tokio::spawn(async move { fire_deadlines(&b, later).await });
        (x.await.unwrap().unwrap(), y.await.unwrap().unwrap())
    };
    assert_eq!(x + y, 5, "{x} + {y}");
    for event in &pending {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        assert_eq!(c["status"], "accepted");
        assert_eq!(c["decided_by"], "rule:deadline_deemed_accepted");
        assert_eq!(
            c["decided_amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(at(&c["decided_at"]), later.trunc_subsecs(6));
        assert_eq!(event_kinds(&c), ["received", "left_pending", "decided"]);
        assert_eq!(
            c["events"][2]["details"]["rule"],
            "deadline_deemed_accepted"
        );
        let events = decided_events(&svc.db, event.claim_id.as_uuid()).await;
        assert_eq!(events.len(), 1);
        let data = &events[0]["data"];
        assert_eq!(data["outcome"], "accepted");
        assert_eq!(
            data["decided_by"],
            json!({"kind": "rule", "rule": "deadline_deemed_accepted"})
        );
        assert_eq!(
            data["amount"],
            json!({"amount": "424.20", "currency": "EUR"})
        );
        assert_eq!(data["reason_code"], Value::Null);
    }
    // Past coverage: rejected by rule when it arrived, never deemed accepted.
    let c = claim_of(&svc, mid, old.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "rule:outside_coverage");
    assert_eq!(event_kinds(&c), ["received", "auto_rejected"]);

    // The decided claims are untouched: still one decision each.
    let c = claim_of(&svc, mid, decided.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "rejected");
    assert_eq!(c["decided_by"], "manufacturer");
    assert_eq!(
        decided_events(&svc.db, decided.claim_id.as_uuid())
            .await
            .len(),
        1
    );
    let c = claim_of(&svc, mid, doa.claim_id.as_uuid()).await;
    assert_eq!(c["decided_by"], "rule:doa_full_refund");
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"]);
    assert_eq!(
        decided_events(&svc.db, doa.claim_id.as_uuid()).await.len(),
        1
    );

    // Again, much later: nothing left to do.
    let after = table_counts(&svc.db).await;
    assert_eq!(
        fire_deadlines(&svc.db, later + TimeDelta::days(400))
            .await
            .unwrap(),
        0
    );
    assert_eq!(table_counts(&svc.db).await, after);
    // The retailer is told.
    for event in &pending {
        wait_sent(&svc, event.claim_id.as_uuid()).await;
    }
    svc.stop().await;
}
