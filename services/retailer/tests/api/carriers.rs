//! Carrier contracts at the retailer (issue 18): the carrier directory from logistics' profiles
//! (the newest wins), finding carriers by name, offering a contract (bad terms, an unknown
//! carrier and prefixes outside its regions refused), the carrier's answers over the broker,
//! ending a contract; no key → 401, another retailer's key → 404; an answer about a contract
//! never offered is dead-lettered. The case's words when no contracted carrier takes the visit.

use kummerer_contracts::topology::RETAILER_CARRIERS;
use kummerer_contracts::{
    CarrierContractAcceptedV1, CarrierContractDeclinedV1, CarrierProfilePublishedV1,
};

use crate::support::*;

fn profile(carrier: Uuid, name: &str, regions: &[&str], ago_s: i64) -> CarrierProfilePublishedV1 {
    CarrierProfilePublishedV1 {
        carrier_id: carrier.into(),
        name: name.to_owned(),
        regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        published_at: Utc::now() - Span::seconds(ago_s),
    }
}

async fn in_directory(svc: &TestService, rid: Uuid, name: &str) -> Json {
    let path = format!("/api/retailers/{rid}/carriers?name={name}");
    eventually("the carrier in the directory", DEADLINE, || async {
        let (status, body) = get_json(svc, &path).await;
        assert_eq!(status, 200, "{body}");
        (body["items"].as_array().unwrap().len() == 1).then_some(body["items"][0].clone())
    })
    .await
}

async fn contract_status(svc: &TestService, contract: Uuid) -> String {
    one_string(
        &svc.db,
        "SELECT status FROM carrier_contracts WHERE id = $1",
        vec![contract.into()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retailer_finds_a_carrier_offers_a_contract_and_ends_it() {
    let svc = start().await;
    let rid = id_of(&created(&svc, "/api/retailers", json!({"name": "Elektro Maier"})).await);
    let other = id_of(&created(&svc, "/api/retailers", json!({"name": "Technik Huber"})).await);
    let carrier = Uuid::now_v7();
    // Two profiles, the older arriving last: the newest stays.
    publish_event(
        &svc.names,
        profile(carrier, "Kurier Nord", &["10", "12"], 5),
    )
    .await;
    let found = in_directory(&svc, rid, "NORD").await;
    assert_eq!(found["regions"], json!(["10", "12"]));
    publish_event(&svc.names, profile(carrier, "Kurier Alt", &["99"], 60)).await;
    publish_event(
        &svc.names,
        profile(Uuid::now_v7(), "Spree Logistik", &[], 1),
    )
    .await;
    in_directory(&svc, rid, "spree").await;
    assert_eq!(in_directory(&svc, rid, "nord").await["name"], "Kurier Nord");

    // Bad input: per field, and nothing stored or sent.
    let path = format!("/api/retailers/{rid}/carrier-contracts");
    for (body, field) in [
        (
            json!({"carrier_id": carrier, "postcode_prefixes": []}),
            "postcode_prefixes",
        ),
        (
            json!({"carrier_id": carrier, "postcode_prefixes": ["1 0"]}),
            "postcode_prefixes",
        ),
        (
            json!({"carrier_id": carrier, "postcode_prefixes": ["10"], "weekdays": [0]}),
            "weekdays",
        ),
        (
            json!({"carrier_id": carrier, "postcode_prefixes": ["10"], "daily_capacity": 0}),
            "daily_capacity",
        ),
    ] {
        let problem = post_problem(
            &svc,
            &path,
            body.clone(),
            422,
            "validation_failed",
            "bad terms",
        )
        .await;
        assert_eq!(fields(&problem), [field], "{body}");
    }
    let problem = post_problem(
        &svc,
        &path,
        json!({"carrier_id": carrier, "postcode_prefixes": ["10", "80"]}),
        422,
        "prefix_outside_regions",
        "outside the carrier's regions",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("80"),
        "{problem}"
    );
    post_problem(
        &svc,
        &path,
        json!({"carrier_id": Uuid::now_v7(), "postcode_prefixes": ["10"]}),
        404,
        "not_found",
        "unknown carrier",
    )
    .await;
    let (status, _) = post_json(&svc, &path, json!({"carrier_id": carrier})).await;
    assert!(status == 400 || status == 422, "a missing field: {status}");
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM carrier_contracts", vec![]).await,
        0
    );
    assert!(
        outbox(&svc.db, "retailer.carrier_contract.offered.v1")
            .await
            .is_empty()
    );

    // The wall: no key → 401; another retailer's key (set last) → 404.
    let res = svc
        .client
        .post(svc.url(&path))
        .json(&json!({"carrier_id": carrier, "postcode_prefixes": ["10"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);

    // The offer: stored `offered` and announced with the key as the actor.
    let contract = created(
        &svc,
        &path,
        json!({"carrier_id": carrier, "postcode_prefixes": ["101", "12"], "weekdays": [1, 2],
               "daily_capacity": 4}),
    )
    .await;
    assert_eq!(contract["status"], "offered");
    assert_eq!(contract["carrier_name"], "Kurier Nord");
    assert_eq!(contract["offered_by"], format!("API key «{TEST_KEY}»"));
    let id = id_of(&contract);
    let sent = outbox(&svc.db, "retailer.carrier_contract.offered.v1").await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["contract_id"], id.to_string());
    assert_eq!(data["retailer_name"], "Elektro Maier");
    assert_eq!(data["postcode_prefixes"], json!(["101", "12"]));
    assert_eq!(data["weekdays"], json!([1, 2]));
    assert_eq!(data["daily_capacity"], 4);

    // Another retailer neither lists nor ends it.
    let other_key = make_key(&svc, other, "other", None).await;
    for (method, p) in [
        (
            reqwest::Method::GET,
            format!("/api/retailers/{rid}/carrier-contracts"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/retailers/{rid}/carrier-contracts/{id}/end"),
        ),
        (
            reqwest::Method::POST,
            format!("/api/retailers/{other}/carrier-contracts/{id}/end"),
        ),
    ] {
        let res = svc
            .client
            .request(method, svc.url(&p))
            .bearer_auth(&other_key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "{p}");
    }
    assert_eq!(contract_status(&svc, id).await, "offered");
    set_key(&svc, rid, &make_key(&svc, rid, "again", None).await);

    // The carrier accepts (over the broker): active, twice changes nothing.
    let accepted = CarrierContractAcceptedV1 {
        contract_id: id.into(),
        retailer_id: rid.into(),
        carrier_id: carrier.into(),
        accepted_by: "the carrier (API token)".into(),
        accepted_at: Utc::now(),
    };
    publish_event(&svc.names, accepted.clone()).await;
    publish_event(&svc.names, accepted).await;
    eventually("the contract active", DEADLINE, || async {
        (contract_status(&svc, id).await == "active").then_some(())
    })
    .await;
    let (status, list) = get_json(&svc, &path).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["status"], "active");
    assert_eq!(list["items"][0]["answered_by"], "the carrier (API token)");

    // Ending it: ended and announced once; again: the same answer, nothing more sent.
    let end = format!("{path}/{id}/end");
    for _ in 0..2 {
        let (status, body) = post_json(&svc, &end, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "ended");
    }
    let ended = outbox(&svc.db, "retailer.carrier_contract.ended.v1").await;
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0]["data"]["contract_id"], id.to_string());

    // A declined offer: the reason kept; it cannot be ended.
    let second = id_of(
        &created(
            &svc,
            &path,
            json!({"carrier_id": carrier, "postcode_prefixes": ["10"]}),
        )
        .await,
    );
    publish_event(
        &svc.names,
        CarrierContractDeclinedV1 {
            contract_id: second.into(),
            retailer_id: rid.into(),
            carrier_id: carrier.into(),
            reason: "outside_regions".into(),
            detail: Some("10".into()),
            declined_at: Utc::now(),
        },
    )
    .await;
    eventually("the offer declined", DEADLINE, || async {
        (contract_status(&svc, second).await == "declined").then_some(())
    })
    .await;
    post_problem(
        &svc,
        &format!("{path}/{second}/end"),
        json!({}),
        409,
        "contract_not_open",
        "a declined contract",
    )
    .await;

    // An answer about a contract never offered: dead-lettered.
    publish_event(
        &svc.names,
        CarrierContractAcceptedV1 {
            contract_id: Uuid::now_v7().into(),
            retailer_id: rid.into(),
            carrier_id: carrier.into(),
            accepted_by: "x".into(),
            accepted_at: Utc::now(),
        },
    )
    .await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_CARRIERS);
    eventually("the unknown answer dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    svc.stop().await;
}

#[test]
fn a_visit_without_a_contracted_carrier_is_said_in_plain_words() {
    use retailer::domain::TimelineEntry;
    let window = TimeWindow {
        start: Utc::now(),
        end: Utc::now() + Span::hours(2),
    };
    let en = retailer::http::pages::locale::tr(
        kummerer_web::i18n::Lang::En,
        retailer::http::pages::locale::DEFAULT_TZ,
    );
    let waiting = retailer::http::pages::timeline::describe(
        &en,
        &TimelineEntry::JobScheduled {
            job_id: Uuid::now_v7().into(),
            window: window.clone(),
            no_contracted_carrier: true,
        },
    );
    assert_eq!(waiting.what, "Visit waiting: no contracted carrier");
    assert!(
        waiting.details.contains("no carrier you contracted"),
        "{}",
        waiting.details
    );
    let routed = retailer::http::pages::timeline::describe(
        &en,
        &TimelineEntry::JobScheduled {
            job_id: Uuid::now_v7().into(),
            window,
            no_contracted_carrier: false,
        },
    );
    assert_eq!(routed.what, "Visit scheduled");
}
