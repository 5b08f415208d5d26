//! Carrier contracts (issue 18) in logistics: a retailer's offer over the broker, the carrier's
//! consent with its token (another carrier's token and no token refused), business refusals
//! answered with an event, a malformed offer dead-lettered, the same offer twice stored once;
//! routing only to contracted carriers (regions, weekdays, daily capacity), a job without one
//! announced as such, and the end of a contract stopping new jobs only.

use kummerer_contracts::topology::LOGISTICS_CONTRACTS;
use kummerer_contracts::{CarrierContractEndedV1, CarrierContractOfferedV1};

use crate::support::*;

/// A carrier granted `prefix` with one crew there, and its API token.
async fn carrier(svc: &TestService, name: &str, prefix: &str) -> (Uuid, String, Uuid) {
    let (status, made) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{made}");
    let id: Uuid = made["id"].as_str().unwrap().parse().unwrap();
    let token = made["api_token"].as_str().unwrap().to_owned();
    let crew = new_crew(svc, id, &format!("{name} 1"), &[prefix], 5).await;
    (id, token, crew)
}

fn offer(retailer: Uuid, carrier: Uuid, prefixes: &[&str]) -> CarrierContractOfferedV1 {
    CarrierContractOfferedV1 {
        contract_id: Uuid::now_v7().into(),
        retailer_id: retailer.into(),
        retailer_name: "Elektro Maier".into(),
        carrier_id: carrier.into(),
        postcode_prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect(),
        weekdays: vec![],
        daily_capacity: None,
        offered_at: Utc::now(),
    }
}

async fn status_of(svc: &TestService, contract: Uuid) -> String {
    eventually("the contract stored", DEADLINE, || async {
        let rows = svc
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT status FROM carrier_contracts WHERE id = $1",
                [contract.into()],
            ))
            .await
            .unwrap();
        rows.first()
            .map(|r| r.try_get::<String>("", "status").unwrap())
    })
    .await
}

async fn call(svc: &TestService, path: &str, token: Option<&str>) -> (u16, Json) {
    let mut req = reqwest::Client::new().post(svc.url(path)).json(&json!({}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Json::Null),
    )
}

/// A swap of `retailer` at `postcode`, its job once made (without the support's contracts).
async fn job_at(svc: &TestService, retailer: Uuid, postcode: &str, day_offset: i64) -> Json {
    let event = swap_on(
        retailer,
        &format!("SN-{}", Uuid::now_v7()),
        postcode,
        at(day(day_offset), 9),
    );
    publish_event(&svc.names, event.clone()).await;
    job_of(svc, retailer, event.swap_id.as_uuid()).await
}

fn scheduled_says_no_carrier(rows: &[Json], job: &str) -> bool {
    rows.iter()
        .any(|r| r["data"]["job_id"] == job && r["data"]["no_contracted_carrier"] == true)
}

#[tokio::test]
async fn only_the_carrier_a_retailer_contracted_gets_its_jobs_once_it_consented() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let (a, a_token, a_crew) = carrier(&svc, "Kurier Nord", "10").await;
    // B is granted 10 and its crew declares 10: the region grab, without a contract.
    let (b, b_token, _) = carrier(&svc, "Kurier Grab", "10").await;

    // No contract yet: the job waits for the operator, and logistics says why.
    let job = job_at(&svc, retailer, "10115", 2).await;
    assert_eq!(job["crew_id"], Json::Null, "{job}");
    assert!(scheduled_says_no_carrier(
        &outbox(&svc.db, SCHEDULED).await,
        &id_of(&job)
    ));

    let o = offer(retailer, a, &["10"]);
    let contract = o.contract_id.as_uuid();
    publish_event(&svc.names, o.clone()).await;
    assert_eq!(status_of(&svc, contract).await, "offered");
    // Offered but not accepted: still no routing.
    let job = job_at(&svc, retailer, "10115", 2).await;
    assert_eq!(job["crew_id"], Json::Null, "{job}");

    // The walls: no token, another carrier's token (its own path or A's), B's path.
    let accept = format!("/api/carriers/{a}/contracts/{contract}/accept");
    assert_eq!(call(&svc, &accept, None).await.0, 401);
    assert_eq!(call(&svc, &accept, Some(&b_token)).await.0, 404);
    let (status, body) = call(
        &svc,
        &format!("/api/carriers/{b}/contracts/{contract}/accept"),
        Some(&b_token),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = reqwest::Client::new()
        .get(svc.url(&format!("/api/carriers/{a}/contracts")))
        .bearer_auth(&b_token)
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 404, "{body:?}");
    let (status, body) = call(
        &svc,
        &format!("/api/carriers/{a}/contracts/not-a-uuid/accept"),
        Some(&a_token),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(status_of(&svc, contract).await, "offered");

    // A consents: active, the retailer is told once (a second accept changes nothing).
    let (status, body) = call(&svc, &accept, Some(&a_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");
    assert_eq!(call(&svc, &accept, Some(&a_token)).await.0, 200);
    let accepted = outbox(&svc.db, "logistics.carrier_contract.accepted.v1").await;
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["data"]["contract_id"], contract.to_string());
    let (status, body) = call(
        &svc,
        &format!("/api/carriers/{a}/contracts/{contract}/decline"),
        Some(&a_token),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "contract_not_open");

    // Now the retailer's job in 10 goes to A's crew — never to B's; another retailer's does not.
    let job = job_at(&svc, retailer, "10115", 2).await;
    assert_eq!(job["crew_id"], a_crew.to_string(), "{job}");
    let other = job_at(&svc, Uuid::now_v7(), "10115", 2).await;
    assert_eq!(other["crew_id"], Json::Null, "{other}");
    let (status, _) = reqwest::Client::new()
        .get(svc.url(&format!("/api/jobs/{}", id_of(&job))))
        .bearer_auth(&b_token)
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 404);
    // B's board lists neither the other retailer's unassigned job nor A's.
    let board = reqwest::Client::new()
        .get(svc.url(&format!("/api/carriers/{b}/dispatch?date={}", day(2))))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for id in [id_of(&job), id_of(&other)] {
        assert!(!board.contains(&id), "B's board: {board}");
    }

    // The retailer ends it: the next job waits; the job on A's crew stays there.
    publish_event(
        &svc.names,
        CarrierContractEndedV1 {
            contract_id: contract.into(),
            retailer_id: retailer.into(),
            carrier_id: a.into(),
            ended_by: "API key «e2e»".into(),
            ended_at: Utc::now(),
        },
    )
    .await;
    eventually("the contract ended", DEADLINE, || async {
        (status_of(&svc, contract).await == "ended").then_some(())
    })
    .await;
    let after = job_at(&svc, retailer, "10115", 2).await;
    assert_eq!(after["crew_id"], Json::Null, "{after}");
    let kept = job_of(
        &svc,
        retailer,
        job["swap_id"].as_str().unwrap().parse().unwrap(),
    )
    .await;
    assert_eq!(kept["crew_id"], a_crew.to_string());
    svc.stop().await;
}

#[tokio::test]
async fn weekdays_and_daily_capacity_bound_the_routing() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let (a, a_token, a_crew) = carrier(&svc, "Kurier Nord", "10").await;
    let mut o = offer(retailer, a, &["10"]);
    o.daily_capacity = Some(1);
    // Every day but the weekday of day(3).
    let skip = i64::from(chrono::Datelike::weekday(&day(3)).number_from_monday());
    o.weekdays = (1..=7u8).filter(|d| i64::from(*d) != skip).collect();
    let contract = o.contract_id.as_uuid();
    publish_event(&svc.names, o).await;
    assert_eq!(status_of(&svc, contract).await, "offered");
    let (status, body) = call(
        &svc,
        &format!("/api/carriers/{a}/contracts/{contract}/accept"),
        Some(&a_token),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let first = job_at(&svc, retailer, "10115", 2).await;
    assert_eq!(first["crew_id"], a_crew.to_string(), "{first}");
    let second = job_at(&svc, retailer, "10117", 2).await;
    assert_eq!(second["crew_id"], Json::Null, "capacity 1 a day: {second}");
    let other_day = job_at(&svc, retailer, "10117", 3).await;
    assert_eq!(
        other_day["crew_id"],
        Json::Null,
        "not on that weekday: {other_day}"
    );
    let next = job_at(&svc, retailer, "10117", 4).await;
    assert_eq!(next["crew_id"], a_crew.to_string(), "{next}");
    svc.stop().await;
}

#[tokio::test]
async fn offers_that_cannot_be_a_contract_are_answered_or_dead_lettered_and_stored_once() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let (a, _, _) = carrier(&svc, "Kurier Nord", "10").await;

    // Unknown carrier, prefixes outside the grant: declined with the reason, over the broker.
    let unknown = offer(retailer, Uuid::now_v7(), &["10"]);
    let outside = offer(retailer, a, &["10", "80"]);
    publish_event(&svc.names, unknown.clone()).await;
    publish_event(&svc.names, outside.clone()).await;
    let declined = eventually("both declined", DEADLINE, || async {
        let rows = outbox(&svc.db, "logistics.carrier_contract.declined.v1").await;
        (rows.len() == 2).then_some(rows)
    })
    .await;
    let reason = |id: Uuid| {
        declined
            .iter()
            .find(|r| r["data"]["contract_id"] == id.to_string())
            .map(|r| r["data"]["reason"].clone())
    };
    assert_eq!(
        reason(unknown.contract_id.as_uuid()),
        Some(json!("unknown_carrier"))
    );
    assert_eq!(
        reason(outside.contract_id.as_uuid()),
        Some(json!("outside_regions"))
    );
    assert_eq!(
        status_of(&svc, outside.contract_id.as_uuid()).await,
        "declined"
    );

    // The same offer again (a new message id): one row, no second answer.
    let o = offer(retailer, a, &["10"]);
    publish_event(&svc.names, o.clone()).await;
    publish_event(&svc.names, o.clone()).await;
    assert_eq!(status_of(&svc, o.contract_id.as_uuid()).await, "offered");

    // Malformed terms: dead-lettered, nothing stored; the consumer goes on.
    let mut bad = offer(retailer, a, &["10"]);
    bad.weekdays = vec![9];
    publish_event(&svc.names, bad.clone()).await;
    let dlq = svc.names.dead_letter_queue(&LOGISTICS_CONTRACTS);
    eventually("the malformed offer dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    let next = offer(retailer, a, &["101"]);
    publish_event(&svc.names, next.clone()).await;
    assert_eq!(status_of(&svc, next.contract_id.as_uuid()).await, "offered");
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM carrier_contracts WHERE id = $1 OR retailer_id = $2",
            vec![bad.contract_id.as_uuid().into(), retailer.into()],
        )
        .await,
        3,
        "outside (declined), the offer once, the next; not the malformed one"
    );
    assert_eq!(
        outbox(&svc.db, "logistics.carrier_contract.declined.v1")
            .await
            .len(),
        2
    );
    svc.stop().await;
}

#[tokio::test]
async fn a_carrier_is_announced_when_made_and_when_its_regions_change() {
    let svc = start().await;
    let (a, _, _) = carrier(&svc, "Kurier Nord", "10").await;
    let profiles = outbox(&svc.db, "logistics.carrier.profile_published.v1").await;
    let of_a: Vec<_> = profiles
        .iter()
        .map(|p| &p["data"])
        .filter(|p| p["carrier_id"] == a.to_string())
        .collect();
    // Made (no region yet), then granted 10 by `new_crew`.
    assert_eq!(of_a.len(), 2, "{profiles:?}");
    assert_eq!(of_a[1]["name"], "Kurier Nord");
    assert_eq!(of_a[1]["regions"], json!(["10"]));
    svc.stop().await;
}
