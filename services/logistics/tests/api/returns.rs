//! Return jobs: a unit the manufacturer wants back becomes a return item of the job that
//! collects it, batched into one open shipment per carrier, manufacturer and depot; the carrier
//! dispatches a shipment (only when every unit is collected) and marks it arrived, which
//! publishes `logistics.return.arrived.v1` per unit; the crew sees its return trips, no other
//! crew does; another carrier reaches none of it.

use kummerer_contracts::topology::LOGISTICS_RETURNS;
use kummerer_contracts::{Depot, FreightPayer, ReturnRequestedV1};

use super::crew::{browser, new_member, page, signed_in};
use crate::support::*;

const ARRIVED: &str = "logistics.return.arrived.v1";

pub(crate) fn depot(name: &str) -> Depot {
    Depot {
        depot_id: Uuid::now_v7().into(),
        name: name.to_owned(),
        address: Address {
            name: name.to_owned(),
            phone: "+49 711 1".into(),
            street: "Werkstraße 9".into(),
            postcode: "70173".into(),
            city: "Stuttgart".into(),
            country: "DE".into(),
        },
    }
}

pub(crate) fn request(
    swap: &SwapApprovedV1,
    manufacturer: Uuid,
    depot: &Depot,
) -> ReturnRequestedV1 {
    ReturnRequestedV1 {
        claim_id: Uuid::now_v7().into(),
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        manufacturer_id: manufacturer.into(),
        serial: swap.defective_serial.clone(),
        product: swap.defective_product.clone(),
        depot: depot.clone(),
        return_by: Utc::now() + Span::days(14),
        freight_paid_by: FreightPayer::Manufacturer,
        requested_at: Utc::now(),
    }
}

async fn shipments(svc: &TestService, carrier: Uuid) -> Vec<Json> {
    let (status, body) = get_json(svc, &format!("/api/carriers/{carrier}/return-shipments")).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// Waits until the carrier's shipments hold `n` units; returns the shipments.
async fn units_listed(svc: &TestService, carrier: Uuid, n: usize) -> Vec<Json> {
    eventually(&format!("{n} return units listed"), DEADLINE, || async {
        let list = shipments(svc, carrier).await;
        let units: usize = list
            .iter()
            .map(|s| s["items"].as_array().unwrap().len())
            .sum();
        (units == n).then_some(list)
    })
    .await
}

async fn return_rows(db: &DatabaseConnection) -> (i64, i64, String) {
    let items = count(db, "SELECT 1 FROM return_items", vec![]).await;
    let shipments = count(db, "SELECT 1 FROM return_shipments", vec![]).await;
    let state = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(string_agg(id::text || status || coalesce(crew_id::text, '') \
             || updated_at::text, ',' ORDER BY id), '') AS s FROM return_shipments",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "s")
        .unwrap();
    (items, shipments, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returned_units_are_batched_dispatched_when_collected_and_arrive_at_the_depot() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let van = new_crew(&svc, a, "Van", &["10"], 5).await;
    let truck = new_crew(&svc, a, "Truck", &["20"], 5).await;
    let theirs = new_crew(&svc, b, "Other", &["30"], 5).await;
    let retailer = Uuid::now_v7();
    let maker = Uuid::now_v7();
    let (north, south) = (depot("Depot Nord"), depot("Depot Süd"));
    let d = day(0);
    let s1 = swap_on(retailer, "SN-R1", "10115", at(d, 9));
    let s2 = swap_on(retailer, "SN-R2", "10117", at(d, 11));
    let s3 = swap_on(retailer, "SN-R3", "20095", at(d, 9));
    let s4 = swap_on(retailer, "SN-R4", "10119", at(d, 13));
    let mut jobs = Vec::new();
    for s in [&s1, &s2, &s3, &s4] {
        jobs.push(id_of(&job_for(&svc, s).await));
    }

    // Two units for the same manufacturer and depot: one open shipment; another depot: another.
    let r1 = request(&s1, maker, &north);
    publish_event(&svc.names, r1.clone()).await;
    publish_event(&svc.names, request(&s2, maker, &north)).await;
    publish_event(&svc.names, request(&s3, maker, &south)).await;
    // The same claim published again under a new message id: still one unit.
    publish_event(&svc.names, r1.clone()).await;
    let list = units_listed(&svc, a, 3).await;
    assert_eq!(list.len(), 2, "{list:?}");
    let nord = list
        .iter()
        .find(|s| s["depot"]["name"] == "Depot Nord")
        .unwrap()
        .clone();
    assert_eq!(nord["status"], "open");
    assert_eq!(nord["manufacturer_id"], maker.to_string());
    assert_eq!(nord["ready"], false);
    assert_eq!(nord["depot"]["address"]["city"], "Stuttgart");
    let items = nord["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["serial"], "SN-R1");
    assert_eq!(items[0]["claim_id"], r1.claim_id.to_string());
    assert_eq!(items[0]["job_id"], jobs[0].as_str());
    assert_eq!(items[0]["collected"], false);
    let sid = nord["id"].as_str().unwrap().to_owned();
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM return_items", vec![]).await,
        3
    );

    // Not collected yet, so not at the depot: it cannot travel.
    let today = d.to_string();
    let before = return_rows(&svc.db).await;
    let dispatch_path = format!("/api/carriers/{a}/return-shipments/{sid}/dispatch");
    let problem = post_expect_problem(
        &svc,
        &dispatch_path,
        json!({"crew_id": van, "date": today}),
        409,
        "unit_not_collected",
        "dispatch too early",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("SN-R1"),
        "{problem}"
    );
    assert_eq!(return_rows(&svc.db).await, before);

    // Collected (one in steps, one at once): the shipment is ready.
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{}/collected", jobs[0]),
        json!({"collected_serial": "SN-R1"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{}/complete", jobs[1]),
        json!({"delivered_serial": "N2", "collected_serial": "SN-R2", "recipient_name": "Max"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, nord) = get_json(&svc, &format!("/api/carriers/{a}/return-shipments/{sid}")).await;
    assert_eq!(nord["ready"], true, "{nord}");

    // The walls and bad dispatches: nothing changes.
    let before = return_rows(&svc.db).await;
    for (what, path, body, status, code) in [
        (
            "another carrier's crew",
            dispatch_path.clone(),
            json!({"crew_id": theirs, "date": today}),
            404,
            "not_found",
        ),
        (
            "through another carrier",
            format!("/api/carriers/{b}/return-shipments/{sid}/dispatch"),
            json!({"crew_id": theirs, "date": today}),
            404,
            "not_found",
        ),
        (
            "a day in the past",
            dispatch_path.clone(),
            json!({"crew_id": van, "date": day(-1).to_string()}),
            422,
            "validation_failed",
        ),
        (
            "not dispatched yet",
            format!("/api/carriers/{a}/return-shipments/{sid}/arrived"),
            json!({"received_by": "Pförtner"}),
            409,
            "shipment_not_dispatched",
        ),
        (
            "unknown shipment",
            format!(
                "/api/carriers/{a}/return-shipments/{}/dispatch",
                Uuid::now_v7()
            ),
            json!({"crew_id": van, "date": today}),
            404,
            "not_found",
        ),
    ] {
        post_expect_problem(&svc, &path, body.clone(), status, code, what).await;
    }
    get_expect_problem(
        &svc,
        &format!("/api/carriers/{b}/return-shipments/{sid}"),
        404,
        "not_found",
        "another carrier's shipment",
    )
    .await;
    assert!(shipments(&svc, b).await.is_empty());
    assert_eq!(return_rows(&svc.db).await, before);

    // Dispatched to the van today.
    let (status, sent) =
        post_json(&svc, &dispatch_path, json!({"crew_id": van, "date": today})).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["status"], "dispatched");
    assert_eq!(sent["crew_id"], van.to_string());
    assert_eq!(sent["ship_date"], today);

    // A unit requested after the dispatch waits in a new open shipment.
    publish_event(&svc.names, request(&s4, maker, &north)).await;
    let list = units_listed(&svc, a, 4).await;
    let open_nord = list
        .iter()
        .filter(|s| s["depot"]["name"] == "Depot Nord" && s["status"] == "open")
        .count();
    assert_eq!((list.len(), open_nord), (3, 1));

    // The van's page shows the trip apart; the truck's page does not.
    new_member(&svc, a, van, "van@example.com").await;
    new_member(&svc, a, truck, "truck@example.com").await;
    let client = browser();
    signed_in(&svc, &client, "van@example.com").await;
    let (_, html) = page(&svc, &client, "/crew").await;
    for text in [
        "Return trips",
        "Depot Nord",
        "Werkstraße 9",
        "SN-R1 (",
        "SN-R2 (",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    assert!(!html.contains("SN-R4 ("), "not in this trip");
    let other = browser();
    signed_in(&svc, &other, "truck@example.com").await;
    let (_, html) = page(&svc, &other, "/crew").await;
    assert!(
        !html.contains("Depot Nord") && !html.contains("id=\"trips\""),
        "{html}"
    );

    // Arrived at the depot: one message per unit, in the same transaction.
    let arrived_path = format!("/api/carriers/{a}/return-shipments/{sid}/arrived");
    post_expect_problem(
        &svc,
        &arrived_path,
        json!({"received_by": "  "}),
        422,
        "validation_failed",
        "nobody signed",
    )
    .await;
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{b}/return-shipments/{sid}/arrived"),
        json!({"received_by": "Pförtner"}),
        404,
        "not_found",
        "arrived through another carrier",
    )
    .await;
    assert!(outbox(&svc.db, ARRIVED).await.is_empty());
    let (status, done) =
        post_json(&svc, &arrived_path, json!({"received_by": "Frau Pförtner"})).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "arrived");
    assert_eq!(done["received_by"], "Frau Pförtner");
    let arrived = outbox(&svc.db, ARRIVED).await;
    assert_eq!(arrived.len(), 2);
    let mut serials: Vec<&str> = arrived
        .iter()
        .map(|m| m["data"]["serial"].as_str().unwrap())
        .collect();
    serials.sort_unstable();
    assert_eq!(serials, ["SN-R1", "SN-R2"]);
    let first = arrived
        .iter()
        .find(|m| m["data"]["serial"] == "SN-R1")
        .unwrap();
    let data = &first["data"];
    assert_eq!(data["claim_id"], r1.claim_id.to_string());
    assert_eq!(data["swap_id"], s1.swap_id.to_string());
    assert_eq!(data["case_id"], s1.case_id.to_string());
    assert_eq!(data["manufacturer_id"], maker.to_string());
    assert_eq!(data["depot_id"], north.depot_id.to_string());
    assert_eq!(data["shipment_id"], sid.as_str());
    assert_eq!(data["received_by"], "Frau Pförtner");
    assert_eq!(first["subject"], r1.claim_id.to_string());

    // Once arrived: neither again nor a dispatch.
    let before = return_rows(&svc.db).await;
    post_expect_problem(
        &svc,
        &arrived_path,
        json!({"received_by": "X"}),
        409,
        "shipment_not_dispatched",
        "arrived twice",
    )
    .await;
    post_expect_problem(
        &svc,
        &dispatch_path,
        json!({"crew_id": van, "date": today}),
        409,
        "shipment_not_open",
        "dispatch after arrival",
    )
    .await;
    assert_eq!(return_rows(&svc.db).await, before);
    assert_eq!(outbox(&svc.db, ARRIVED).await.len(), 2);
    let (_, html) = page(&svc, &client, "/crew").await;
    assert!(html.contains("Signed for by Frau Pförtner."), "{html}");
    eventually("return.arrived to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = $1 AND sent_at IS NOT NULL",
            vec![ARRIVED.into()],
        )
        .await;
        (sent == 2).then_some(())
    })
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_return_for_a_swap_not_yet_known_waits_for_its_job_and_other_types_are_dead_lettered() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    new_crew(&svc, a, "Van", &["10"], 5).await;
    let s = swap_on(Uuid::now_v7(), "SN-LATE", "10115", at(day(0), 9));
    contract_granted(&svc.db, s.retailer_id.as_uuid()).await;
    // The request overtakes its swap: retried until the job exists.
    publish_event(&svc.names, request(&s, Uuid::now_v7(), &depot("Depot"))).await;
    publish_event(&svc.names, s.clone()).await;
    let list = units_listed(&svc, a, 1).await;
    assert_eq!(list[0]["items"][0]["serial"], "SN-LATE");
    // A message of a type this queue does not handle goes to the dead letters, nothing else.
    let before = return_rows(&svc.db).await;
    let stray = json!({
        "specversion": "1.0",
        "id": Uuid::now_v7(),
        "source": "/kummerer/manufacturer",
        "type": "manufacturer.claim.inspected.v1",
        "time": Utc::now(),
        "data": {},
    });
    publish_raw(
        &svc.names,
        Service::Manufacturer,
        ReturnRequestedV1::TYPE,
        &serde_json::to_vec(&stray).unwrap(),
    )
    .await;
    let dlq = svc.names.dead_letter_queue(&LOGISTICS_RETURNS);
    eventually("the stray message dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    assert_eq!(return_rows(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_returns_at_once_share_one_open_shipment() {
    use logistics::consumers::returns::return_requested;
    use sea_orm::TransactionTrait;
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    new_crew(&svc, a, "Van", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let maker = Uuid::now_v7();
    let nord = depot("Depot Nord");
    let s1 = swap_on(retailer, "SN-C1", "10115", at(day(0), 9));
    let s2 = swap_on(retailer, "SN-C2", "10117", at(day(0), 11));
    job_for(&svc, &s1).await;
    job_for(&svc, &s2).await;

    // Deterministic interleaving: the first request has created the open shipment but not
    // committed; the second waits on it, then joins it instead of opening a second one.
    let t1 = svc.db.begin().await.unwrap();
    return_requested(&t1, &request(&s1, maker, &nord))
        .await
        .unwrap();
    let db = svc.db.clone();
    let second_request = request(&s2, maker, &nord);
    let second = tokio::spawn(async move {
        let t2 = db.begin().await.unwrap();
        return_requested(&t2, &second_request).await.unwrap();
        t2.commit().await.unwrap();
    });
    eventually(
        "the second request to wait for the first",
        DEADLINE,
        || async {
            let waiting = count(
                &svc.db,
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
                vec![],
            )
            .await;
            (waiting == 1).then_some(())
        },
    )
    .await;
    t1.commit().await.unwrap();
    second.await.unwrap();
    let list = shipments(&svc, a).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["items"].as_array().unwrap().len(), 2);
    svc.stop().await;
}
