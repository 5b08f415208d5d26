//! End-to-end: the manufacturer's decisions of issue 11 across the three real processes —
//! an agreement saying `must_return` asks for every unit as the claim arrives (so the crew
//! collecting it knows it goes back) while the rule's acceptance stands; a return asked for
//! after an acceptance by rule; and the outcome "information requested", answered by the
//! retailer through its API, after which the claim is the manufacturer's again. Every service's
//! database is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use common::{DEADLINE, Seed, Svc, System, count, event_kinds, timeline_kinds};
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

const DEPOT: &str = r#"{"name": "Retourenlager Hamburg",
    "address": {"name": "Waschwerk Retouren", "phone": "+49 40 1234", "street": "Hafenstr. 1",
                "postcode": "20457", "city": "Hamburg", "country": "DE"}}"#;

async fn depot(system: &System, seed: &Seed) -> String {
    let d = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{}/depots", seed.manufacturer_id),
            serde_json::from_str(DEPOT).unwrap(),
            Some(&seed.manufacturer_key),
        )
        .await;
    d["id"].as_str().unwrap().to_owned()
}

fn approved_ids(approved: &Value) -> (Uuid, Uuid) {
    (
        serde_json::from_value(approved["swap_id"].clone()).unwrap(),
        serde_json::from_value(approved["claim_id"].clone()).unwrap(),
    )
}

fn at(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_return_asks_for_the_unit_at_collection_and_an_accepted_claim_can_be_asked_back() {
    let system = System::start().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let logistics = system.db(Svc::Logistics).await;

    // 1. must_return: refused while the manufacturer has no depot, then a version saying it.
    let seed = system.seed().await;
    let mid = seed.manufacturer_id;
    let key = Some(seed.manufacturer_key.as_str());
    let agreement = system.agreement_id(&seed).await;
    let versions = format!("/api/manufacturers/{mid}/agreements/{agreement}/versions");
    let terms = json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
                       "reimbursement_percent": "80",
                       "handling_fee": {"amount": "25.00", "currency": "EUR"},
                       "decision_deadline_days": 14, "unit_disposition": "must_return"});
    let (status, problem) = system
        .try_post(Svc::Manufacturer, &versions, terms.clone(), key)
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "must_return_without_depot", "{problem}");
    let depot_id = depot(&system, &seed).await;
    let v2 = system
        .post_as(Svc::Manufacturer, &versions, terms, key)
        .await;
    assert_eq!(v2["version"], 2, "{v2}");
    system.hold_and_accept(2).await;

    // A dead-on-arrival swap: accepted by rule, and its unit asked back at once to the depot.
    let (case_id, serial) = system.open_case(&seed, 1).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let (swap_id, claim_id) = approved_ids(&approved);
    let c = system
        .claim_when(&seed, claim_id, "asked back", |c| {
            c["return_request"].is_object()
        })
        .await;
    assert_eq!(c["status"], "accepted", "{c}");
    assert_eq!(c["decided_by"], "rule:doa_full_refund", "{c}");
    assert_eq!(c["return_request"]["depot_id"], depot_id.as_str(), "{c}");
    assert_eq!(
        event_kinds(&c),
        ["received", "auto_accepted", "return_requested"],
        "{c}"
    );
    let return_by = at(&c["return_request"]["return_by"]);
    assert!(return_by > Utc::now() + Duration::days(29), "{c}");
    let case = system
        .wait_timeline(&seed, case_id, &["claim_decided", "return_requested"])
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");

    // Logistics knows before the visit that the unit goes back.
    let job = system.job_of(&seed, swap_id).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    let items = format!("SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}'");
    eventually("the return item before the visit", DEADLINE, || async {
        (count(&logistics, &items).await == 1).then_some(())
    })
    .await;
    for (step, body) in [
        (
            "delivered",
            json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika"}),
        ),
        ("collected", json!({ "collected_serial": serial })),
    ] {
        let done = system
            .post_as(
                Svc::Logistics,
                &format!("/api/jobs/{job_id}/{step}"),
                body,
                Some(&carrier.token),
            )
            .await;
        assert_eq!(done["recorded"], true, "{done}");
    }
    let shipments = format!("/api/carriers/{}/return-shipments", carrier.id);
    let list = eventually("a ready return shipment", DEADLINE, || async {
        let list = system
            .get_as(Svc::Logistics, &shipments, Some(&carrier.token))
            .await;
        (list["items"][0]["ready"] == true).then_some(list)
    })
    .await;
    let sid = list["items"][0]["id"].as_str().unwrap().to_owned();
    let sent = system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/dispatch"),
            json!({"crew_id": carrier.crew_id, "date": Utc::now().date_naive().to_string()}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(sent["status"], "dispatched", "{sent}");
    system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/arrived"),
            json!({"received_by": "Lager Hamburg"}),
            Some(&carrier.token),
        )
        .await;
    // The unit arrives; the acceptance stands; the unit is inspected as any other.
    let c = system
        .claim_when(&seed, claim_id, "with its unit at the depot", |c| {
            c["return_request"]["arrived_at"].is_string()
        })
        .await;
    assert_eq!(c["status"], "accepted", "{c}");
    let inspected = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/claims/{claim_id}/inspection"),
            json!({"result": "defect_confirmed"}),
            key,
        )
        .await;
    assert_eq!(inspected["status"], "accepted", "{inspected}");
    assert_eq!(inspected["inspection"]["result"], "defect_confirmed");
    let case = system
        .wait_timeline(&seed, case_id, &["return_arrived", "claim_inspected"])
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");

    // 2. On request again (version 3): a claim accepted by rule is asked back afterwards; the
    //    decision stands.
    let v3 = system
        .post_as(
            Svc::Manufacturer,
            &versions,
            json!({"currency": "EUR", "coverage_months": 24, "doa_days": 14,
                   "reimbursement_percent": "80",
                   "handling_fee": {"amount": "25.00", "currency": "EUR"},
                   "decision_deadline_days": 14}),
            key,
        )
        .await;
    assert_eq!(v3["unit_disposition"], "on_request", "{v3}");
    system.hold_and_accept(3).await;
    let other = &seed;
    let other_key = key;
    let other_depot = depot_id.clone();
    let (case_id, _) = system.open_case(other, 2).await;
    let (status, approved) = system.approve(other, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let (_, claim_id) = approved_ids(&approved);
    let c = system
        .claim_when(other, claim_id, "accepted by rule", |c| {
            c["status"] == "accepted"
        })
        .await;
    assert_eq!(c["agreement_version"], 3, "{c}");
    assert!(c["return_request"].is_null(), "{c}");
    let decision = format!(
        "/api/manufacturers/{}/claims/{claim_id}/decision",
        other.manufacturer_id
    );
    let ask = json!({"outcome": "request_return", "depot_id": other_depot,
                     "return_by": (Utc::now() + Duration::days(10)).to_rfc3339(),
                     "freight_paid_by": "manufacturer"});
    let asked = system
        .post_as(Svc::Manufacturer, &decision, ask.clone(), other_key)
        .await;
    assert_eq!(asked["status"], "accepted", "{asked}");
    assert_eq!(asked["return_request"]["depot_id"], other_depot.as_str());
    // Asked once: a second request is 409, nothing changed.
    let (status, problem) = system
        .try_post(Svc::Manufacturer, &decision, ask, other_key)
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "return_already_requested", "{problem}");
    let case = system
        .wait_timeline(other, case_id, &["claim_decided", "return_requested"])
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    let items = format!("SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}'");
    eventually(
        "the return item of the accepted claim",
        DEADLINE,
        || async { (count(&logistics, &items).await == 1).then_some(()) },
    )
    .await;
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM claims WHERE status = 'accepted' \
             AND return_requested_at IS NOT NULL"
        )
        .await,
        2
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_asks_for_information_and_the_retailers_answer_gives_the_claim_back() {
    let system = System::start().await;
    let seed = system.seed().await;
    let (rid, mid) = (seed.retailer_id, seed.manufacturer_id);
    let key = Some(seed.manufacturer_key.as_str());
    let retailer = system.db(Svc::Retailer).await;
    let manufacturer = system.db(Svc::Manufacturer).await;

    // Sold 60 days ago: past DOA, the claim waits for the manufacturer.
    let (case_id, _) = system.open_case_sold(&seed, 1, 60).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let (_, claim_id) = approved_ids(&approved);
    system
        .claim_when(&seed, claim_id, "pending", |c| c["status"] == "pending")
        .await;

    // The manufacturer sends it back with a question and a deadline.
    let decision = format!("/api/manufacturers/{mid}/claims/{claim_id}/decision");
    let answer_by = Utc::now() + Duration::days(3);
    let (status, problem) = system
        .try_post(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "request_information"}),
            key,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let asked = system
        .post_as(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "request_information",
                   "question": "Which programme was running when it stopped?",
                   "answer_by": answer_by.to_rfc3339()}),
            key,
        )
        .await;
    assert_eq!(asked["status"], "information_requested", "{asked}");
    assert_eq!(at(&asked["deadline_at"]), answer_by.trunc_subsecs(6));
    // Deciding now is 409: the ball is with the retailer.
    let (status, problem) = system
        .try_post(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "accept"}),
            key,
        )
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "claim_awaiting_information", "{problem}");

    // The retailer's case shows the question and its deadline.
    let case = system
        .wait_timeline(&seed, case_id, &["information_requested"])
        .await;
    let question = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "information_requested")
        .unwrap()
        .clone();
    assert_eq!(
        question["details"]["question"],
        "Which programme was running when it stopped?"
    );
    assert_eq!(
        at(&question["details"]["answer_by"]),
        at(&asked["deadline_at"])
    );
    let case = eventually("the claim to wait for the retailer", DEADLINE, || async {
        let case = system.case(&seed, case_id).await;
        (case["claim"]["status"] == "information_requested").then_some(case)
    })
    .await;
    assert!(timeline_kinds(&case).contains(&"information_requested".to_owned()));

    // The retailer answers through its API (the key answers); a second answer is 409.
    let path = format!("/api/retailers/{rid}/claims/{claim_id}/information");
    let (status, problem) = system
        .try_post(Svc::Retailer, &path, json!({"answer": "  "}), None)
        .await;
    assert_eq!(status, 422, "{problem}");
    let answered = system
        .post(
            Svc::Retailer,
            &path,
            json!({"answer": "Eco 40-60, it stopped after the spin.", "answered_by": "x"}),
        )
        .await;
    assert_eq!(answered["status"], "submitted", "{answered}");
    let (status, problem) = system
        .try_post(Svc::Retailer, &path, json!({"answer": "again"}), None)
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        problem["code"], "claim_not_awaiting_information",
        "{problem}"
    );

    // The claim is the manufacturer's again with a fresh decision deadline (14 days).
    let c = system
        .claim_when(&seed, claim_id, "answered", |c| c["status"] == "pending")
        .await;
    assert!(
        at(&c["deadline_at"]) > Utc::now() + Duration::days(13),
        "{c}"
    );
    let kinds = event_kinds(&c);
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["information_requested", "information_provided"],
        "{c}"
    );
    let provided = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "information_provided")
        .unwrap();
    assert_eq!(
        provided["details"]["answer"],
        "Eco 40-60, it stopped after the spin."
    );
    assert_eq!(provided["details"]["answered_by"], "API key «e2e»");
    // The manufacturer decides; the retailer applies it.
    let decided = system
        .post_as(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "accept"}),
            key,
        )
        .await;
    assert_eq!(decided["status"], "accepted", "{decided}");
    let case = system
        .wait_timeline(
            &seed,
            case_id,
            &[
                "information_requested",
                "information_provided",
                "claim_decided",
            ],
        )
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");

    // Each side holds the one question with its answer.
    for db in [&retailer, &manufacturer] {
        assert_eq!(
            count(
                db,
                "SELECT count(*) FROM claim_information_requests WHERE answered_at IS NOT NULL"
            )
            .await,
            1
        );
    }
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM outbox WHERE routing_key = \
             'manufacturer.claim.information_requested.v1'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM outbox WHERE routing_key = \
             'retailer.claim.information_provided.v1'"
        )
        .await,
        1
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}
