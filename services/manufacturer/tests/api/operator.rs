//! Operator-level routes (creating a manufacturer) need the operator token; idempotency keys
//! are purged after a day.

use kummerer_testkit::{TestBroker, TestDb};
use manufacturer::db::idempotency::purge_expired;

use crate::support::*;

async fn create_with(svc: &TestService, authorization: Option<&str>, body: &Value) -> Answer {
    let mut req = svc.client.post(svc.url("/api/manufacturers")).json(body);
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    answer(req.send().await.unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_manufacturer_needs_the_operator_token() {
    let svc = start().await;
    let (_, api_key, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let before = table_counts(&svc.db).await;
    let body = json!({"name": "Kühlhaus GmbH"});
    for authorization in [
        None,
        Some("Bearer wrong-token".to_owned()),
        Some(format!("Bearer {TEST_OPERATOR_TOKEN}x")),
        Some(format!("Bearer {}", &TEST_OPERATOR_TOKEN[..5])),
        Some(format!("Basic {TEST_OPERATOR_TOKEN}")),
        Some(TEST_OPERATOR_TOKEN.to_owned()),
        // A manufacturer's API key is no operator token.
        Some(format!("Bearer {api_key}")),
    ] {
        let a = create_with(&svc, authorization.as_deref(), &body).await;
        assert_problem(&a, 401, &format!("{authorization:?}"));
        assert_eq!(a.body["code"], "unauthorized");
    }
    // Authentication first, whatever is wrong with the body.
    let a = create_with(&svc, Some("Bearer wrong"), &json!({"name": ""})).await;
    assert_problem(&a, 401, "bad body, wrong token");
    assert_eq!(table_counts(&svc.db).await, before);

    let ok = create_with(&svc, Some(&format!("bearer {TEST_OPERATOR_TOKEN}")), &body).await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert!(ok.body["api_key"].as_str().unwrap().starts_with("kmr_"));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_operator_token_configured_the_operator_routes_are_closed() {
    let svc = TestService::start_with::<Migrator>(
        SERVICE,
        build,
        TestDb::create(SERVICE.name()).await,
        TestBroker::new(),
        HashMap::from([("KUMMERER_OPERATOR_TOKEN", String::new())]),
    )
    .await;
    for authorization in [None, Some(format!("Bearer {TEST_OPERATOR_TOKEN}"))] {
        let a = create_with(
            &svc,
            authorization.as_deref(),
            &json!({"name": "Waschwerk AG"}),
        )
        .await;
        assert_problem(&a, 503, &format!("{authorization:?}"));
        assert_eq!(a.body["code"], "operator_token_not_configured");
    }
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM manufacturers", vec![]).await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_are_purged_after_a_day() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let path = format!("/api/manufacturers/{mid}/agreements");
    let first = post_keyed(&svc, &path, &agreement_body(Uuid::now_v7()), "k-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let keys = || count(&svc.db, "SELECT count(*) FROM idempotency_keys", vec![]);
    assert_eq!(keys().await, 1);
    // Within the day: kept, and the key still means that request.
    let now = Utc::now();
    assert_eq!(
        purge_expired(&svc.db, now + TimeDelta::hours(23))
            .await
            .unwrap(),
        0
    );
    let reused = post_keyed(&svc, &path, &agreement_body(Uuid::now_v7()), "k-1").await;
    assert_problem(&reused, 422, "reused within the day");
    // A day later (as the sweep sees it): gone, and the key may be used afresh.
    assert_eq!(
        purge_expired(&svc.db, now + TimeDelta::hours(25))
            .await
            .unwrap(),
        1
    );
    assert_eq!(keys().await, 0);
    let fresh = post_keyed(&svc, &path, &agreement_body(Uuid::now_v7()), "k-1").await;
    assert_eq!(fresh.status, 201, "{}", fresh.body);
    assert!(!fresh.replayed);
    svc.stop().await;
}
