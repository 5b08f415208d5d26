//! Personal data by rule (issue 18) in the retailer: the retention sweep erases exactly the
//! customers whose case is over and whose retailer's retention ran out (per retailer); an
//! admin's erasure request is walled off per retailer, checks its input, refuses while a case
//! is going, is idempotent, sends ids only, and records logistics' answer.

use kummerer_contracts::{CustomerErasedV1, RetailerId};
use retailer::app::erasure::{self, Swept};

use crate::desk::{PASSWORD, bootstrap_admin, root_of};
use crate::support::*;

const REQUESTED: &str = "retailer.customer.erasure_requested.v1";

/// Delivers and collects the shop's swap (a `job.completed`): the case is over for the
/// customer.
async fn visit_done(svc: &TestService, shop: &Shop, swap_id: Uuid, at: DateTime<Utc>) {
    let scheduled = publish_event(&svc.names, job_scheduled(shop, swap_id, at)).await;
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
            recipient_name: "Max Nachbar".into(),
            completed_at: at,
        },
    )
    .await;
    wait_kind(svc, shop.case_id, "delivered_and_collected", 1).await;
}

/// Whether the shop's customer is erased from its sale, swap and timeline.
async fn erased(db: &DatabaseConnection, shop: &Shop) -> bool {
    let sale = count(
        db,
        "SELECT 1 FROM sales WHERE id = $1 AND customer_name = '[erased]' \
         AND customer_phone = '[erased]' AND street = '[erased]' AND customer_phone_e164 = '' \
         AND erased_at IS NOT NULL",
        vec![shop.sale_id.into()],
    )
    .await;
    let traces = count(
        db,
        "SELECT 1 FROM timeline WHERE case_id = $1 AND (details::text LIKE '%Erika%' \
         OR details::text LIKE '%Nachbar%') \
         UNION ALL SELECT 1 FROM swaps WHERE case_id = $1 AND address_name <> '[erased]' \
         UNION ALL SELECT 1 FROM customer_contacts WHERE case_id = $1 \
             AND (email IS NOT NULL OR phone IS NOT NULL) \
         UNION ALL SELECT 1 FROM notifications WHERE case_id = $1 \
             AND (recipient <> '[erased]' OR body <> '[erased]' OR status = 'pending')",
        vec![shop.case_id.into()],
    )
    .await;
    sale == 1 && traces == 0
}

/// The customer's contact (issue 13) and a message to them not yet sent, on the shop's case.
async fn contact_and_notice(db: &DatabaseConnection, shop: &Shop) {
    let (rid, case) = (shop.retailer_id, shop.case_id);
    db.execute_unprepared(&format!(
        "INSERT INTO customer_contacts (retailer_id, case_id, email, phone, by_email, by_sms, \
             consent, language, recorded_by, recorded_at) \
         VALUES ('{rid}', '{case}', 'erika@example.invalid', '+491711234567', true, true, true, \
             'de', 'test', now()); \
         INSERT INTO notifications (id, retailer_id, case_id, event_id, channel, kind, \
             recipient, subject, body, next_attempt_at, created_at) \
         VALUES (gen_random_uuid(), '{rid}', '{case}', gen_random_uuid(), 'email', 'approved', \
             'erika@example.invalid', 'Ihr Tausch', 'Hallo Erika', now() + interval '1 day', \
             now())"
    ))
    .await
    .unwrap();
}

async fn admin_request(
    svc: &TestService,
    admin_of: Uuid,
    method: reqwest::Method,
    path: &str,
    body: Option<Json>,
) -> (u16, Json) {
    let mut req = svc
        .client
        .request(method, svc.url(path))
        .basic_auth(root_of(admin_of), Some(PASSWORD));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

#[tokio::test]
async fn the_sweep_erases_exactly_the_customers_whose_retention_ran_out() {
    let svc = start().await;
    let db = &svc.db;
    let t0 = Utc::now();
    // Retailer A keeps 90 days (the default), B 10 days; C's case is still going.
    let a = shop(&svc, "Elektro A", "SN-A").await;
    let b = shop(&svc, "Elektro B", "SN-B").await;
    let c = shop(&svc, "Elektro C", "SN-C").await;
    assert_eq!(
        erasure::retention(db, RetailerId(a.retailer_id))
            .await
            .unwrap(),
        90
    );
    erasure::set_retention(db, RetailerId(b.retailer_id), 10)
        .await
        .unwrap();
    erasure::set_retention(db, RetailerId(c.retailer_id), 0)
        .await
        .unwrap();
    for s in [&a, &b] {
        let (swap_id, _) = approve(&svc, s).await;
        contact_and_notice(db, s).await;
        visit_done(&svc, s, swap_id, t0).await;
    }
    approve(&svc, &c).await;

    let now = Utc::now();
    assert_eq!(erasure::sweep(db, now).await.unwrap(), Swept::default());
    assert_eq!(
        erasure::sweep(db, now + Span::days(9)).await.unwrap(),
        Swept::default()
    );
    let swept = erasure::sweep(db, now + Span::days(11)).await.unwrap();
    assert_eq!(swept.erased, 1, "only B's");
    assert!(erased(db, &b).await && !erased(db, &a).await && !erased(db, &c).await);
    assert_eq!(
        erasure::sweep(db, now + Span::days(89)).await.unwrap(),
        Swept::default()
    );
    assert_eq!(
        erasure::sweep(db, now + Span::days(91))
            .await
            .unwrap()
            .erased,
        1
    );
    assert!(
        erased(db, &a).await && !erased(db, &c).await,
        "C's visit is still ahead"
    );
    assert_eq!(
        erasure::sweep(db, now + Span::days(400)).await.unwrap(),
        Swept::default(),
        "nothing twice, and never a case still going"
    );
    // One record per erasure, by the sweep; one message each, with ids only.
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM customer_erasures WHERE reason = 'retention' \
             AND requested_by = 'retention'",
            vec![]
        )
        .await,
        2
    );
    let sent = outbox(db, REQUESTED).await;
    assert_eq!(sent.len(), 2);
    assert!(
        !sent.iter().any(|m| m.to_string().contains("Erika")),
        "{sent:?}"
    );
    assert_eq!(sent[0]["data"]["case_ids"], json!([b.case_id]));
    assert_eq!(sent[0]["data"]["reason"], "retention");
    // The sent approval and claim of the erased cases left the outbox; C's stay.
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM outbox WHERE payload::text LIKE '%Erika%'",
            vec![]
        )
        .await,
        count(
            db,
            "SELECT 1 FROM outbox WHERE payload -> 'data' ->> 'case_id' = $1 \
             AND payload::text LIKE '%Erika%'",
            vec![c.case_id.to_string().into()]
        )
        .await
    );
    svc.stop().await;
}

#[tokio::test]
async fn an_erasure_request_is_walled_checked_idempotent_and_recorded() {
    let svc = start().await;
    let db = &svc.db;
    let a = shop(&svc, "Elektro A", "SN-A").await;
    let b = shop(&svc, "Elektro B", "SN-B").await;
    bootstrap_admin(&svc, a.retailer_id).await;
    bootstrap_admin(&svc, b.retailer_id).await;
    let (swap_id, _) = approve(&svc, &a).await;
    let path = a.path("/erasures");
    let post = reqwest::Method::POST;

    // The case is still going: refused, nothing erased.
    let (s, p) = admin_request(
        &svc,
        a.retailer_id,
        post.clone(),
        &path,
        Some(json!({"sale_id": a.sale_id})),
    )
    .await;
    assert_eq!((s, p["code"].as_str()), (409, Some("case_open")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("still open"), "{p}");
    visit_done(&svc, &a, swap_id, Utc::now()).await;

    // Walls: B's admin on A's route, A's admin naming B's sale or case, no credentials.
    let (s, _) = admin_request(
        &svc,
        b.retailer_id,
        post.clone(),
        &path,
        Some(json!({"sale_id": a.sale_id})),
    )
    .await;
    assert_eq!(s, 401);
    for body in [json!({"sale_id": b.sale_id}), json!({"case_id": b.case_id})] {
        let (s, _) = admin_request(&svc, a.retailer_id, post.clone(), &path, Some(body)).await;
        assert_eq!(s, 404);
    }
    let res = svc
        .client
        .post(svc.url(&path))
        .json(&json!({"sale_id": a.sale_id}))
        .send()
        .await;
    assert_eq!(res.unwrap().status().as_u16(), 401);
    let (s, _) = admin_request(&svc, b.retailer_id, reqwest::Method::GET, &path, None).await;
    assert_eq!(s, 401);
    // Bad input: neither, both, an unknown field, not JSON at all.
    for body in [
        json!({}),
        json!({"sale_id": a.sale_id, "case_id": a.case_id}),
        json!({"sale_id": a.sale_id, "name": "Erika"}),
        json!({"sale_id": "not-a-uuid"}),
    ] {
        let (s, p) = admin_request(&svc, a.retailer_id, post.clone(), &path, Some(body)).await;
        assert!(s == 422 || s == 400, "{s} {p}");
    }
    let retention = a.path("/retention");
    for days in [json!(-1), json!(3651), json!("90"), json!(null)] {
        let (s, p) = admin_request(
            &svc,
            a.retailer_id,
            reqwest::Method::PUT,
            &retention,
            Some(json!({ "days": days })),
        )
        .await;
        assert!(s == 422 || s == 400, "{days}: {s} {p}");
    }
    assert_eq!(
        count(db, "SELECT 1 FROM customer_erasures", vec![]).await,
        0
    );
    assert!(!erased(db, &a).await && !erased(db, &b).await);

    // The erasure, by the sale; asked again by the case: the same record, nothing sent again.
    let (s, record) = admin_request(
        &svc,
        a.retailer_id,
        post.clone(),
        &path,
        Some(json!({"sale_id": a.sale_id})),
    )
    .await;
    assert_eq!(s, 201, "{record}");
    assert_eq!(record["requested_by"], root_of(a.retailer_id));
    assert_eq!(record["status"], "waiting_for_logistics");
    assert!(erased(db, &a).await && !erased(db, &b).await);
    let (s, again) = admin_request(
        &svc,
        a.retailer_id,
        post,
        &path,
        Some(json!({"case_id": a.case_id})),
    )
    .await;
    assert_eq!((s, &again["id"]), (200, &record["id"]));
    assert_eq!(outbox(db, REQUESTED).await.len(), 1);
    // The status link no longer works.
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM cases WHERE id = $1 AND status_token_hash IS NULL",
            vec![a.case_id.into()]
        )
        .await,
        1
    );

    // Logistics' answer lands on the record.
    let erasure_id: Uuid = record["id"].as_str().unwrap().parse().unwrap();
    publish_event(
        &svc.names,
        CustomerErasedV1 {
            erasure_id,
            retailer_id: a.retailer_id.into(),
            jobs: 1,
            photos: 2,
            outbox_rows: 5,
            erased_at: Utc::now(),
        },
    )
    .await;
    let list = eventually("the record to show logistics' answer", DEADLINE, || async {
        let (_, list) = admin_request(&svc, a.retailer_id, reqwest::Method::GET, &path, None).await;
        (list["items"][0]["status"] == "complete").then_some(list)
    })
    .await;
    assert_eq!(list["items"][0]["logistics_photos"], 2);
    assert!(!list.to_string().contains("Erika"), "{list}");
    svc.stop().await;
}
