//! Idempotency keys: the first answer replayed, a malformed key refused, concurrent
//! requests with one key doing the work once.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_replays_the_first_answer() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let agreements = format!("/api/manufacturers/{a}/agreements");

    // An agreement: the retry answers the same 201 and creates nothing more.
    let first = post_keyed(&svc, &agreements, &agreement_body(retailer), "agr-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!first.replayed);
    let counts = table_counts(&svc.db).await;
    let again = post_keyed(&svc, &agreements, &agreement_body(retailer), "agr-1").await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    assert_eq!(table_counts(&svc.db).await, counts);
    // The same key with another body.
    let mut other = agreement_body(retailer);
    other["doa_days"] = json!(30);
    let reused = post_keyed(&svc, &agreements, &other, "agr-1").await;
    assert_problem(&reused, 422, "key reused");
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    // Without a key: as before.
    let dup = post(&svc, &agreements, &agreement_body(retailer)).await;
    assert_problem(&dup, 409, "second agreement without a key");
    assert_eq!(dup.body["code"], "agreement_exists");
    assert_eq!(table_counts(&svc.db).await, counts);
    // The same key at another manufacturer is another key.
    let theirs = post_keyed(
        &svc,
        &format!("/api/manufacturers/{b}/agreements"),
        &agreement_body(retailer),
        "agr-1",
    )
    .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    assert!(!theirs.replayed);
    assert_eq!(theirs.body["manufacturer_id"], b.to_string());
    assert_ne!(theirs.body["id"], first.body["id"]);
    // A request that fails stores nothing: the key stays free.
    let ghost = post_keyed(
        &svc,
        &format!("/api/manufacturers/{a}/claims/{}/decision", Uuid::now_v7()),
        &json!({"outcome": "accept"}),
        "dec-1",
    )
    .await;
    assert_problem(&ghost, 404, "unknown claim with a key");
    assert_eq!(
        count(
            &svc.db,
            "SELECT count(*) FROM idempotency_keys WHERE key = 'dec-1'",
            vec![]
        )
        .await,
        0
    );

    // A decision: the retry answers the same 200; one decision, one event.
    let event = claim(a, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&event)).await;
    let decision = format!("/api/manufacturers/{a}/claims/{}/decision", event.claim_id);
    let accept = json!({"outcome": "accept"});
    let d = post_keyed(&svc, &decision, &accept, "dec-1").await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], "accepted");
    let counts = table_counts(&svc.db).await;
    let again = post_keyed(&svc, &decision, &accept, "dec-1").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, d.body);
    assert_eq!(table_counts(&svc.db).await, counts);
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        1
    );
    let reject = json!({"outcome": "reject", "reason_code": "no_defect_found"});
    let reused = post_keyed(&svc, &decision, &reject, "dec-1").await;
    assert_problem(&reused, 422, "decision key reused");
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    // The same key on another path is another request.
    let other_claim = claim(a, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&other_claim)).await;
    let counts = table_counts(&svc.db).await;
    let elsewhere = post_keyed(
        &svc,
        &format!(
            "/api/manufacturers/{a}/claims/{}/decision",
            other_claim.claim_id
        ),
        &accept,
        "dec-1",
    )
    .await;
    assert_problem(&elsewhere, 422, "key reused on another claim");
    let fresh = post_keyed(&svc, &decision, &reject, "dec-2").await;
    assert_problem(&fresh, 409, "a new key on a decided claim");
    assert_eq!(fresh.body["code"], "claim_already_decided");
    assert_eq!(table_counts(&svc.db).await, counts);

    // Serials.
    let serials = format!("/api/manufacturers/{a}/serials");
    let body = json!({"serials": ["SN-1", "SN-2"]});
    let u = post_keyed(&svc, &serials, &body, "ser-1").await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.body["added"], 2);
    let again = post_keyed(&svc, &serials, &body, "ser-1").await;
    assert!(again.replayed);
    assert_eq!(again.body, u.body);
    let reused = post_keyed(&svc, &serials, &json!({"serials": ["SN-3"]}), "ser-1").await;
    assert_problem(&reused, 422, "serials key reused");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_idempotency_key_is_a_bad_request() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let path = format!("/api/manufacturers/{mid}/agreements");
    let before = table_counts(&svc.db).await;
    let long = "k".repeat(256);
    for (key, what) in [
        (reqwest::header::HeaderValue::from_static(""), "empty"),
        (
            reqwest::header::HeaderValue::from_str(&long).unwrap(),
            "too long",
        ),
        (reqwest::header::HeaderValue::from_static("a key"), "space"),
        (
            reqwest::header::HeaderValue::from_bytes("schlüssel".as_bytes()).unwrap(),
            "not ASCII",
        ),
    ] {
        let a = answer(
            request(&svc, reqwest::Method::POST, &path)
                .header("Idempotency-Key", key)
                .json(&agreement_body(Uuid::now_v7()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_problem(&a, 400, what);
        assert_eq!(a.body["code"], "invalid_idempotency_key", "{what}");
    }
    // Two of them.
    let a = answer(
        request(&svc, reqwest::Method::POST, &path)
            .header("Idempotency-Key", "one")
            .header("Idempotency-Key", "two")
            .json(&agreement_body(Uuid::now_v7()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_problem(&a, 400, "two keys");
    assert_eq!(table_counts(&svc.db).await, before);
    // The longest key is fine.
    let ok = post_keyed(
        &svc,
        &path,
        &agreement_body(Uuid::now_v7()),
        &"k".repeat(255),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_do_the_work_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreements = format!("/api/manufacturers/{mid}/agreements");

    // Two agreement requests at once (without a key one of them would be a 409).
    let body = agreement_body(retailer);
    let (x, y) = tokio::join!(
        post_keyed(&svc, &agreements, &body, "same"),
        post_keyed(&svc, &agreements, &body, "same")
    );
    assert_eq!((x.status, y.status), (201, 201), "{} / {}", x.body, y.body);
    assert_eq!(x.body, y.body);
    assert!(x.replayed != y.replayed);
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM agreements", vec![]).await,
        1
    );

    // Two decisions at once, several times.
    let events: Vec<ClaimSubmittedV1> = (0..5).map(|_| claim(mid, retailer, 60)).collect();
    arrive(&svc, mid, &events).await;
    for (i, event) in events.iter().enumerate() {
        let path = format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        );
        let key = format!("decide-{i}");
        let body = json!({"outcome": "accept"});
        let (x, y) = tokio::join!(
            post_keyed(&svc, &path, &body, &key),
            post_keyed(&svc, &path, &body, &key)
        );
        assert_eq!((x.status, y.status), (200, 200), "{} / {}", x.body, y.body);
        assert_eq!(x.body, y.body);
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
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM idempotency_keys", vec![]).await,
        6
    );
    svc.stop().await;
}
