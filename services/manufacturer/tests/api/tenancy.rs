//! The manufacturer wall: a manufacturer sees and decides only its own claims.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manufacturer_sees_and_decides_only_its_own_claims() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, a, retailer).await;
    let agreement_id = agreement["id"].as_str().unwrap().to_owned();
    let event = claim(a, retailer, 60);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, a, event.claim_id.as_uuid()).await;
    let id = event.claim_id;
    let before = table_counts(&svc.db).await;

    // B reads A's claim: exactly like a claim that does not exist.
    let theirs = get(&svc, &format!("/api/manufacturers/{b}/claims/{id}")).await;
    let unknown = get(
        &svc,
        &format!("/api/manufacturers/{b}/claims/{}", Uuid::now_v7()),
    )
    .await;
    assert_problem(&theirs, 404, "B reads A's claim");
    assert_eq!(theirs.body, unknown.body);

    // B decides A's claim.
    for body in [
        json!({"outcome": "accept"}),
        json!({"outcome": "reject", "reason_code": "no_defect_found"}),
    ] {
        let d = post(
            &svc,
            &format!("/api/manufacturers/{b}/claims/{id}/decision"),
            &body,
        )
        .await;
        assert_problem(&d, 404, "B decides A's claim");
        assert_eq!(d.body, unknown.body);
    }

    // B's lists hold nothing of A's.
    for path in [
        format!("/api/manufacturers/{b}/claims"),
        format!("/api/manufacturers/{b}/claims?status=pending"),
        format!("/api/manufacturers/{b}/agreements"),
    ] {
        let l = get(&svc, &path).await;
        assert_eq!(l.status, 200, "{path}");
        let empty = if path.contains("/claims") {
            json!({"items": [], "next_cursor": null})
        } else {
            json!({"items": []})
        };
        assert_eq!(l.body, empty, "{path}");
    }
    let their_agreement = get(
        &svc,
        &format!("/api/manufacturers/{b}/agreements/{agreement_id}"),
    )
    .await;
    assert_problem(&their_agreement, 404, "B reads A's agreement");
    let unknown_agreement = get(
        &svc,
        &format!("/api/manufacturers/{b}/agreements/{}", Uuid::now_v7()),
    )
    .await;
    assert_eq!(their_agreement.body, unknown_agreement.body);

    // Nothing changed; A still sees and decides its claim.
    assert_eq!(table_counts(&svc.db).await, before);
    let mine = get(&svc, &format!("/api/manufacturers/{a}/claims/{id}")).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["status"], "pending");
    let l = get(&svc, &format!("/api/manufacturers/{a}/agreements")).await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    let d = post(
        &svc,
        &format!("/api/manufacturers/{a}/claims/{id}/decision"),
        &json!({"outcome": "accept"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    svc.stop().await;
}
