//! A unit requested back to a depot: the request, its arrival, the inspection and the decision.

use super::flow::*;
use crate::support::*;

const RETURN_REQUESTED: &str = "manufacturer.claim.return_requested.v1";
const INSPECTED: &str = "manufacturer.claim.inspected.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_is_requested_back_arrives_is_inspected_and_decided() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;

    // Depots: made and listed; a depot without its address is a field error.
    let depot = create_depot(&svc, mid, "Retourenlager Hamburg").await;
    let depots = get(&svc, &format!("/api/manufacturers/{mid}/depots")).await;
    assert_eq!(depots.status, 200);
    assert_eq!(depots.body["items"][0]["id"], depot.to_string());
    assert_eq!(depots.body["items"][0]["address"]["city"], "Hamburg");
    let before = table_counts(&svc.db).await;
    let bad = post(
        &svc,
        &format!("/api/manufacturers/{mid}/depots"),
        &json!({"name": "", "address": {"city": "Hamburg"}}),
    )
    .await;
    assert_problem(&bad, 422, "depot without address");
    assert_eq!(table_counts(&svc.db).await, before);
    // Another manufacturer's depot is not one of this manufacturer's.
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let their_depot = create_depot(&svc, other, "Kühlhaus Lager").await;
    assert_eq!(
        get(&svc, &format!("/api/manufacturers/{other}/depots"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let event = claim(mid, retailer, 60);
    let pending = claim(mid, retailer, 60);
    arrive(&svc, mid, &[event.clone(), pending.clone()]).await;
    let decision = format!("{}/decision", claim_path(mid, event.claim_id.as_uuid()));
    let inspection = format!("{}/inspection", claim_path(mid, event.claim_id.as_uuid()));
    let return_by = (Utc::now() + TimeDelta::days(10)).trunc_subsecs(0);
    let ask = |depot: Uuid| {
        json!({"outcome": "request_return", "depot_id": depot,
               "return_by": return_by.to_rfc3339(), "freight_paid_by": "manufacturer"})
    };
    let before = table_counts(&svc.db).await;
    let x = post(&svc, &decision, &ask(their_depot)).await;
    assert_problem(&x, 422, "another manufacturer's depot");
    assert_eq!(x.body["errors"][0]["field"], "depot_id");
    let x = post(
        &svc,
        &decision,
        &json!({"outcome": "request_return", "depot_id": depot}),
    )
    .await;
    assert_problem(&x, 422, "return without time and payer");
    // A unit is inspected only once it arrived.
    let x = post(&svc, &inspection, &json!({"result": "no_fault_found"})).await;
    assert_problem(&x, 409, "inspection before the request");
    assert_eq!(x.body["code"], "claim_unit_not_arrived");
    assert!(x.body["detail"].as_str().unwrap().contains("pending"));
    assert_eq!(table_counts(&svc.db).await, before);

    // Requested back: the claim waits for its unit, due at `return_by`; logistics is told.
    let r = post(&svc, &decision, &ask(depot)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "return_requested");
    assert_eq!(at(&r.body["deadline_at"]), return_by);
    assert_eq!(r.body["return_request"]["depot_id"], depot.to_string());
    assert_eq!(r.body["return_request"]["freight_paid_by"], "manufacturer");
    assert_eq!(at(&r.body["return_request"]["return_by"]), return_by);
    let sent = outbox_data(
        &svc.db,
        RETURN_REQUESTED,
        "claim_id",
        &event.claim_id.to_string(),
    )
    .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["serial"], event.serial);
    assert_eq!(sent[0]["product"]["sku"], "WM-100");
    assert_eq!(sent[0]["depot"]["depot_id"], depot.to_string());
    assert_eq!(sent[0]["depot"]["address"]["street"], "Hafenstr. 1");
    assert_eq!(sent[0]["freight_paid_by"], "manufacturer");
    assert_eq!(at(&sent[0]["return_by"]), return_by);

    // Waiting for the unit: neither asked again nor inspected (a decision would withdraw the
    // return: see the end-to-end tests).
    let before = table_counts(&svc.db).await;
    let x = post(&svc, &decision, &ask(depot)).await;
    assert_eq!(x.body["code"], "claim_not_pending");
    let x = post(&svc, &inspection, &json!({"result": "no_fault_found"})).await;
    assert_eq!(x.body["code"], "claim_unit_not_arrived");
    assert!(
        x.body["detail"]
            .as_str()
            .unwrap()
            .contains("return_requested")
    );
    // The return deadline runs meanwhile.
    assert_eq!(
        count(
            &svc.db,
            "SELECT count(*) FROM claims WHERE id = $1 AND deadline_at = return_by",
            vec![event.claim_id.into()]
        )
        .await,
        1
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // The unit arrives: the decision deadline counts from the arrival.
    let arrival = arrived(&event, depot, &event.serial);
    publish_event(&svc.names, arrival.clone()).await;
    let c = eventually("unit arrived", DEADLINE, || async {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        (c["status"] == "unit_arrived").then_some(c)
    })
    .await;
    assert_eq!(at(&c["return_request"]["arrived_at"]), arrival.arrived_at);
    assert_eq!(
        at(&c["deadline_at"]),
        arrival.arrived_at + TimeDelta::days(14)
    );
    assert_eq!(c["flags"], json!([]));

    // Inspected once; the retailer is told.
    let i = post(
        &svc,
        &inspection,
        &json!({"result": "customer_damage", "note": "Drum bearing broken by a brick"}),
    )
    .await;
    assert_eq!(i.status, 200, "{}", i.body);
    assert_eq!(i.body["inspection"]["result"], "customer_damage");
    assert_eq!(i.body["status"], "unit_arrived");
    let x = post(&svc, &inspection, &json!({"result": "no_fault_found"})).await;
    assert_problem(&x, 409, "second inspection");
    assert_eq!(x.body["code"], "claim_already_inspected");
    let x = post(&svc, &inspection, &json!({"result": "broken"})).await;
    assert_problem(&x, 422, "unknown result");
    let sent = outbox_data(&svc.db, INSPECTED, "claim_id", &event.claim_id.to_string()).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["result"], "customer_damage");
    assert_eq!(sent[0]["note"], "Drum bearing broken by a brick");

    // Then decided as usual.
    let d = post(
        &svc,
        &decision,
        &json!({"outcome": "partly_accept", "amount": {"amount": "100", "currency": "EUR"},
                "reason_code": "customer_damage"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], "partly_accepted");
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        1
    );
    assert_eq!(
        event_kinds(&d.body),
        [
            "received",
            "left_pending",
            "return_requested",
            "unit_arrived",
            "inspected",
            "decided"
        ]
    );
    // A late second arrival report changes nothing but is kept in the history.
    publish_event(&svc.names, arrived(&event, depot, &event.serial)).await;
    let c = wait_events(&svc, mid, event.claim_id.as_uuid(), 7).await;
    assert_eq!(c["events"][6]["kind"], "ignored");
    assert_eq!(c["status"], "partly_accepted");

    // A unit that arrives with another serial is flagged; past its deadline (from the arrival)
    // an agreement that accepts by default does not accept a flagged claim.
    let p = format!("{}/decision", claim_path(mid, pending.claim_id.as_uuid()));
    assert_eq!(post(&svc, &p, &ask(depot)).await.status, 200);
    publish_event(&svc.names, arrived(&pending, depot, "SN-NOT-IT")).await;
    let c = eventually("other unit arrived", DEADLINE, || async {
        let c = claim_of(&svc, mid, pending.claim_id.as_uuid()).await;
        (c["status"] == "unit_arrived").then_some(c)
    })
    .await;
    assert_eq!(c["flags"], json!(["serial_mismatch"]));
    assert_eq!(
        fire_deadlines(&svc.db, Utc::now() + TimeDelta::days(15))
            .await
            .unwrap(),
        0
    );
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_arrived_unit_left_undecided_gets_the_default_from_its_arrival() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let depot = create_depot(&svc, mid, "Retourenlager").await;
    let event = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let return_by = Utc::now() + TimeDelta::days(3);
    let r = post(
        &svc,
        &format!("{}/decision", claim_path(mid, event.claim_id.as_uuid())),
        &json!({"outcome": "request_return", "depot_id": depot,
                "return_by": return_by.to_rfc3339(), "freight_paid_by": "retailer"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // While it travels, nothing fires before its `return_by`.
    assert_eq!(
        fire_deadlines(&svc.db, return_by - TimeDelta::seconds(1))
            .await
            .unwrap(),
        0
    );
    let arrival = arrived(&event, depot, &event.serial);
    publish_event(&svc.names, arrival.clone()).await;
    eventually("unit arrived", DEADLINE, || async {
        let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
        (c["status"] == "unit_arrived").then_some(())
    })
    .await;
    let due = arrival.arrived_at + TimeDelta::days(14);
    assert_eq!(
        fire_deadlines(&svc.db, due - TimeDelta::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(fire_deadlines(&svc.db, due).await.unwrap(), 1);
    let c = claim_of(&svc, mid, event.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "accepted");
    assert_eq!(c["decided_by"], "rule:deadline_deemed_accepted");
    assert_eq!(c["decided_amount"]["amount"], "424.20");
    assert_eq!(
        decided_events(&svc.db, event.claim_id.as_uuid())
            .await
            .len(),
        1
    );

    // Where the agreement scraps units on site, a unit cannot be asked back.
    let scrapper = Uuid::now_v7();
    agreement_with(
        &svc,
        mid,
        scrapper,
        json!({"unit_disposition": "scrap_on_site"}),
    )
    .await;
    let scrapped = claim(mid, scrapper, 60);
    arrive(&svc, mid, std::slice::from_ref(&scrapped)).await;
    let before = table_counts(&svc.db).await;
    let x = post(
        &svc,
        &format!("{}/decision", claim_path(mid, scrapped.claim_id.as_uuid())),
        &json!({"outcome": "request_return", "depot_id": depot,
                "return_by": (Utc::now() + TimeDelta::days(3)).to_rfc3339(),
                "freight_paid_by": "retailer"}),
    )
    .await;
    assert_problem(&x, 422, "return under scrap_on_site");
    assert_eq!(x.body["errors"][0]["field"], "outcome");
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}
