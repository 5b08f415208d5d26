//! End-to-end: the three services as real processes, the real RabbitMQ and PostgreSQL, each
//! test with its own databases and broker prefix. Every test asserts every service's database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use chrono::Utc;
use common::{
    DEADLINE, Svc, System, assert_counts, assert_messages, consumed, count, counts_by, entry,
    event_kinds, expect, inbox_counts, outbox_counts, republish_outbox, strings, timeline_kinds,
};
use kummerer_contracts::topology::{LOGISTICS_SWAPS, MANUFACTURER_CLAIMS, Service};
use kummerer_testkit::eventually;
use kummerer_testkit::service::publish_raw;
use serde_json::{Value, json};
use uuid::Uuid;

const FLOW: [&str; 4] = [
    "swap_approved",
    "claim_submitted",
    "job_scheduled",
    "claim_decided",
];

async fn all_sent(system: &System, svc: Svc) {
    let db = system.db(svc).await;
    eventually(&format!("{svc:?} outbox drained"), DEADLINE, || async {
        (count(&db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").await == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_travels_through_all_three_services_in_one_trace() {
    let system = System::start().await;
    let seed = system.seed().await;
    let (case_id, serial) = system.open_case(&seed, 1).await;

    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let traceparent = format!("00-{trace_id}-00f067aa0ba902b7-01");
    let (status, approved) = system
        .approve(&seed, case_id, Some(&traceparent))
        .await
        .unwrap();
    assert_eq!(status, 201, "{approved}");
    let swap_id = approved["swap_id"].as_str().unwrap().to_owned();

    let case = system.wait_timeline(&seed, case_id, &FLOW).await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    assert_eq!(
        case["claim"]["decided_amount"]["amount"], "524.00",
        "{case}"
    );

    // The crew delivers and collects in one go, in a trace of its own.
    let job = system.job_of(&seed, swap_id.parse().unwrap()).await;
    let job_id = job["id"].as_str().unwrap();
    let crew_trace = uuid::Uuid::new_v4().simple().to_string();
    system
        .post_traced(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/complete"),
            json!({"delivered_serial": "SN-NEW-1", "collected_serial": serial, "recipient_name": "Erika Mustermann"}),
            None,
            Some(&format!("00-{crew_trace}-00f067aa0ba902b8-01")),
        )
        .await;
    let case = system
        .wait_timeline(
            &seed,
            case_id,
            &["delivered", "collected", "delivered_and_collected"],
        )
        .await;
    assert!(!timeline_kinds(&case).contains(&"collected_serial_mismatch".to_owned()));
    // The collected serial went on to the manufacturer's claim as evidence.
    let manufacturer = system.db(Svc::Manufacturer).await;
    eventually(
        "the collected serial at the manufacturer",
        DEADLINE,
        || async {
            (count(&manufacturer, "SELECT count(*) FROM claim_evidence").await == 1).then_some(())
        },
    )
    .await;
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }

    // Every service's database: exactly what one swap completed in one visit produces.
    let logistics = system.db(Svc::Logistics).await;
    assert_eq!(count(&logistics, "SELECT count(*) FROM jobs").await, 1);
    assert_eq!(
        count(
            &logistics,
            "SELECT count(*) FROM jobs WHERE status = 'completed' AND collected_serial_matches"
        )
        .await,
        1
    );
    assert_eq!(
        outbox_counts(&logistics).await,
        expect(&[
            ("logistics.job.scheduled.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
        ])
    );
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM claims WHERE status = 'accepted' AND decided_amount = 524.00 AND decided_by LIKE 'rule:%'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM claim_evidence WHERE kind = 'collected_serial' \
                 AND serial = '{serial}' AND serial_matches AND source = 'evidence'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        outbox_counts(&manufacturer).await,
        expect(&[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
        ])
    );
    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM claims WHERE status = 'accepted' AND decided_amount = 524.00"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM swaps WHERE status = 'delivered'"
        )
        .await,
        1
    );
    assert_eq!(count(&retailer, "SELECT count(*) FROM agreements").await, 1);
    assert_messages(
        &retailer,
        "retailer",
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
        ],
        &[
            ("retailer.swap.approved.v1", 1),
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
        ],
    )
    .await;
    assert_eq!(
        counts_by(&retailer, "SELECT kind, count(*) FROM timeline GROUP BY 1").await,
        expect(&[
            ("swap_approved", 1),
            ("claim_submitted", 1),
            ("job_scheduled", 1),
            ("claim_decided", 1),
            ("delivered", 1),
            ("collected", 1),
            ("delivered_and_collected", 1),
        ])
    );

    // Two traces: the approval request's trace id is on the spans that applied the swap in
    // logistics, the claim in the manufacturer, and their answers back in the retailer; the
    // crew's request's trace id on the visit's messages in the retailer and on the evidence the
    // retailer forwarded to the manufacturer.
    let traces = strings(
        &logistics,
        "SELECT trace_id FROM inbox WHERE message_type = 'retailer.swap.approved.v1'",
    )
    .await;
    assert_eq!(traces, vec![trace_id.clone()]);
    let traces = strings(
        &manufacturer,
        "SELECT trace_id FROM inbox WHERE message_type NOT LIKE '%.tenant.profile.v1' \
         ORDER BY message_type DESC",
    )
    .await;
    assert_eq!(traces, vec![trace_id.clone(), crew_trace.clone()]);
    let traces = strings(
        &retailer,
        "SELECT trace_id FROM inbox WHERE message_type IN ('logistics.job.scheduled.v1', 'manufacturer.claim.decided.v1')",
    )
    .await;
    assert_eq!(traces, vec![trace_id.clone(), trace_id.clone()]);
    let traces = strings(
        &retailer,
        "SELECT trace_id FROM inbox WHERE message_type IN ('logistics.job.delivered.v1', 'logistics.job.collected.v1', 'logistics.job.completed.v1')",
    )
    .await;
    assert_eq!(traces, vec![crew_trace.clone(); 3]);
    let parents = strings(
        &retailer,
        "SELECT traceparent FROM outbox WHERE routing_key <> 'retailer.claim.evidence_added.v1' \
         AND routing_key NOT LIKE '%.tenant.profile.v1'",
    )
    .await;
    assert_eq!(parents.len(), 2);
    assert!(parents.iter().all(|p| p.contains(&trace_id)), "{parents:?}");
    let parents = strings(
        &retailer,
        "SELECT traceparent FROM outbox WHERE routing_key = 'retailer.claim.evidence_added.v1'",
    )
    .await;
    assert_eq!(parents.len(), 1);
    assert!(parents[0].contains(&crew_trace), "{parents:?}");

    system.stop().await;
}

/// Every step the retailer's timeline must show for a swap whose unit went back to the
/// manufacturer, in the order they happen.
const AFTER_SWAP: [&str; 12] = [
    "swap_approved",
    "claim_submitted",
    "job_scheduled",
    "on_the_way",
    "delivered",
    "collected",
    "delivered_and_collected",
    "return_requested",
    "return_arrived",
    "claim_inspected",
    "claim_decided",
    "credited",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_unit_is_inspected_decided_and_credited_across_all_three_services() {
    let system = System::start().await;
    // The agreement wants the collected unit's serial as evidence; the unit was sold 60 days
    // ago, past the DOA window, so its claim waits for the manufacturer (80 % of 499.00 plus the
    // 25.00 handling fee suggested).
    let seed = system
        .seed_with(json!({"evidence_required": ["collected_serial"]}))
        .await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let (case_id, serial) = system.open_case_sold(&seed, 1, 60).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let swap_id: Uuid = serde_json::from_value(approved["swap_id"].clone()).unwrap();
    let claim_id: Uuid = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    let mid = seed.manufacturer_id;
    let key = Some(seed.manufacturer_key.as_str());
    let claim_path = format!("/api/manufacturers/{mid}/claims/{claim_id}");
    let c = system
        .claim_when(&seed, claim_id, "received", |c| c["status"] == "pending")
        .await;
    assert_eq!(c["pending_reason"], "outside_doa", "{c}");
    assert_eq!(c["suggested_amount"]["amount"], "424.20", "{c}");
    assert_eq!(c["evidence"], json!([]), "{c}");

    // The job went to the carrier's crew covering the customer's postcode; the crew reports its
    // steps with the carrier's own token.
    system
        .wait_timeline(&seed, case_id, &["job_scheduled"])
        .await;
    let job = system.job_of(&seed, swap_id).await;
    assert_eq!(job["crew_id"], carrier.crew_id.to_string(), "{job}");
    let job_id = job["id"].as_str().unwrap().to_owned();
    let step = |step: &str, body: Value| {
        let path = format!("/api/jobs/{job_id}/{step}");
        let system = &system;
        let token = carrier.token.clone();
        async move {
            system
                .post_as(Svc::Logistics, &path, body, Some(&token))
                .await
        }
    };
    let on_the_way = step(
        "on-the-way",
        json!({"eta": (Utc::now() + chrono::Duration::minutes(30)).to_rfc3339()}),
    )
    .await;
    assert_eq!(on_the_way["recorded"], true, "{on_the_way}");
    system.wait_timeline(&seed, case_id, &["on_the_way"]).await;
    let delivered = step(
        "delivered",
        json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann"}),
    )
    .await;
    assert_eq!(
        (&delivered["recorded"], &delivered["completed"]),
        (&json!(true), &json!(false)),
        "{delivered}"
    );
    system.wait_timeline(&seed, case_id, &["delivered"]).await;
    let collected = step("collected", json!({ "collected_serial": serial })).await;
    assert_eq!(
        (&collected["recorded"], &collected["completed"]),
        (&json!(true), &json!(true)),
        "{collected}"
    );
    let case = system
        .wait_timeline(&seed, case_id, &["collected", "delivered_and_collected"])
        .await;
    assert!(!timeline_kinds(&case).contains(&"collected_serial_mismatch".to_owned()));
    assert_eq!(
        entry(&case, "collected")["details"]["evidence_forwarded"],
        true,
        "{case}"
    );

    // The collected serial reaches the claim as evidence; past DOA the claim still waits.
    let c = system
        .claim_when(&seed, claim_id, "with the collected serial", |c| {
            c["evidence"].as_array().is_some_and(|e| !e.is_empty())
        })
        .await;
    let evidence = c["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{c}");
    assert_eq!(evidence[0]["kind"], "collected_serial");
    assert_eq!(evidence[0]["serial"], serial.as_str());
    assert_eq!(c["status"], "pending", "{c}");
    assert_eq!(c["flags"], json!([]), "{c}");

    // The manufacturer asks for the unit back at its depot.
    let depot = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/depots"),
            json!({"name": "Retourenlager Hamburg",
                   "address": {"name": "Waschwerk Retouren", "phone": "+49 40 1234",
                               "street": "Hafenstr. 1", "postcode": "20457", "city": "Hamburg",
                               "country": "DE"}}),
            key,
        )
        .await;
    let depot_id = depot["id"].as_str().unwrap().to_owned();
    let asked = system
        .post_as(
            Svc::Manufacturer,
            &format!("{claim_path}/decision"),
            json!({"outcome": "request_return", "depot_id": depot_id,
                   "return_by": (Utc::now() + chrono::Duration::days(10)).to_rfc3339(),
                   "freight_paid_by": "manufacturer"}),
            key,
        )
        .await;
    assert_eq!(asked["status"], "return_requested", "{asked}");
    system
        .wait_timeline(&seed, case_id, &["return_requested"])
        .await;

    // Logistics: the unit joins an open shipment of the carrier for that depot, ready at once
    // (the crew collected it); the carrier dispatches it today and marks it arrived.
    let shipments = format!("/api/carriers/{}/return-shipments", carrier.id);
    let list = eventually("the return shipment", DEADLINE, || async {
        let list = system
            .get_as(Svc::Logistics, &shipments, Some(&carrier.token))
            .await;
        (list["items"].as_array().map(Vec::len) == Some(1)).then_some(list)
    })
    .await;
    let shipment = &list["items"][0];
    assert_eq!(shipment["status"], "open", "{list}");
    assert_eq!(shipment["ready"], true, "{list}");
    assert_eq!(shipment["manufacturer_id"], mid.to_string());
    assert_eq!(shipment["depot"]["depot_id"], depot_id.as_str());
    assert_eq!(shipment["depot"]["address"]["city"], "Hamburg");
    let units = shipment["items"].as_array().unwrap();
    assert_eq!(units.len(), 1, "{list}");
    assert_eq!(units[0]["claim_id"], claim_id.to_string());
    assert_eq!(units[0]["job_id"], job_id.as_str());
    assert_eq!(units[0]["serial"], serial.as_str());
    assert_eq!(units[0]["collected"], true);
    let sid = shipment["id"].as_str().unwrap().to_owned();
    let sent = system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/dispatch"),
            json!({"crew_id": carrier.crew_id, "date": Utc::now().date_naive().to_string()}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(sent["status"], "dispatched", "{sent}");
    let arrived = system
        .post_as(
            Svc::Logistics,
            &format!("{shipments}/{sid}/arrived"),
            json!({"received_by": "Lager Hamburg, Frau Pförtner"}),
            Some(&carrier.token),
        )
        .await;
    assert_eq!(arrived["status"], "arrived", "{arrived}");

    // The manufacturer sees the unit at its depot, inspects it and accepts what the agreement
    // suggests; then credits it.
    let c = system
        .claim_when(&seed, claim_id, "with its unit back", |c| {
            c["status"] == "unit_arrived"
        })
        .await;
    assert!(c["return_request"]["arrived_at"].is_string(), "{c}");
    let inspected = system
        .post_as(
            Svc::Manufacturer,
            &format!("{claim_path}/inspection"),
            json!({"result": "defect_confirmed", "note": "Motor control board burnt"}),
            key,
        )
        .await;
    assert_eq!(inspected["inspection"]["result"], "defect_confirmed");
    let decided = system
        .post_as(
            Svc::Manufacturer,
            &format!("{claim_path}/decision"),
            json!({"outcome": "accept"}),
            key,
        )
        .await;
    assert_eq!(decided["status"], "accepted", "{decided}");
    assert_eq!(decided["decided_amount"]["amount"], "424.20", "{decided}");
    assert_eq!(
        event_kinds(&decided),
        [
            "received",
            "left_pending",
            "evidence_added",
            "return_requested",
            "unit_arrived",
            "inspected",
            "decided"
        ],
        "{decided}"
    );
    let notes = system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/credit-notes"),
            json!({ "claim_id": claim_id }),
            key,
        )
        .await;
    let note = &notes["credit_notes"][0];
    assert_eq!(
        notes["credit_notes"].as_array().unwrap().len(),
        1,
        "{notes}"
    );
    assert_eq!(
        note["total"],
        json!({"amount": "424.20", "currency": "EUR"})
    );
    let number = note["number"].as_str().unwrap().to_owned();

    // The retailer: the ledger shows the swap credited, the timeline every step, in order.
    let ledger_path = format!("/api/retailers/{}/ledger", seed.retailer_id);
    let ledger = eventually("the ledger to show the credit", DEADLINE, || async {
        let ledger = system.get(Svc::Retailer, &ledger_path).await;
        (ledger["items"][0]["status"] == "credited").then_some(ledger)
    })
    .await;
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{ledger}");
    assert_eq!(items[0]["claim_id"], claim_id.to_string());
    assert_eq!(items[0]["swap_id"], swap_id.to_string());
    assert_eq!(items[0]["expected"], "424.20", "{ledger}");
    assert_eq!(items[0]["credited"], "424.20", "{ledger}");
    assert_eq!(items[0]["difference"], "0.00", "{ledger}");
    assert_eq!(items[0]["credit_notes"], json!([number]), "{ledger}");
    let case = system.wait_timeline(&seed, case_id, &AFTER_SWAP).await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    assert_eq!(case["claim"]["decided_amount"]["amount"], "424.20");
    assert_eq!(case["swap"]["status"], "delivered", "{case}");
    let at = |kind: &str| -> chrono::DateTime<Utc> {
        serde_json::from_value(entry(&case, kind)["occurred_at"].clone()).unwrap()
    };
    for pair in AFTER_SWAP.windows(2) {
        assert!(
            at(pair[0]) <= at(pair[1]),
            "{} after {}: {case}",
            pair[1],
            pair[0]
        );
    }
    assert_eq!(
        entry(&case, "return_arrived")["details"]["serial"],
        serial.as_str()
    );
    assert_eq!(
        entry(&case, "claim_inspected")["details"]["result"],
        "defect_confirmed"
    );
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }

    // Every service's database: exactly what this one swap must have produced.
    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        counts_by(&retailer, "SELECT kind, count(*) FROM timeline GROUP BY 1").await,
        // The decision deadline, when the claim was recorded and when the unit arrived.
        expect(
            &[
                AFTER_SWAP.map(|k| (k, 1)).as_slice(),
                &[("claim_acknowledged", 2)]
            ]
            .concat()
        )
    );
    assert_messages(
        &retailer,
        "retailer",
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", 1),
            ("logistics.job.on_the_way.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
            ("manufacturer.claim.return_requested.v1", 1),
            ("logistics.return.arrived.v1", 1),
            ("manufacturer.claim.inspected.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("manufacturer.credit_note.issued.v1", 1),
            ("manufacturer.claim.acknowledged.v1", 2),
        ],
        &[
            ("retailer.swap.approved.v1", 1),
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
        ],
    )
    .await;
    let note_of_claim =
        format!("SELECT count(*) FROM credit_notes WHERE number = '{number}' AND total = 424.20");
    let line_of_claim = format!(
        "SELECT count(*) FROM credit_lines WHERE claim_id = '{claim_id}' AND amount = 424.20"
    );
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM agreements", 1),
            (
                "SELECT count(*) FROM claims WHERE status = 'accepted' AND decided_amount = 424.20",
                1,
            ),
            ("SELECT count(*) FROM claims", 1),
            ("SELECT count(*) FROM swaps WHERE status = 'delivered'", 1),
            (&note_of_claim, 1),
            ("SELECT count(*) FROM credit_notes", 1),
            (&line_of_claim, 1),
            ("SELECT count(*) FROM credit_lines", 1),
        ],
    )
    .await;

    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_messages(
        &manufacturer,
        "manufacturer",
        &[
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
            ("logistics.return.arrived.v1", 1),
        ],
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.return_requested.v1", 1),
            ("manufacturer.claim.inspected.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("manufacturer.credit_note.issued.v1", 1),
            ("manufacturer.claim.acknowledged.v1", 2),
        ],
    )
    .await;
    let serial_evidence = format!(
        "SELECT count(*) FROM claim_evidence WHERE kind = 'collected_serial' \
         AND serial = '{serial}' AND serial_matches"
    );
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[
            (
                "SELECT count(*) FROM claims WHERE status = 'accepted' \
                 AND decided_amount = 424.20 AND decided_by = 'manufacturer'",
                1,
            ),
            ("SELECT count(*) FROM claims", 1),
            ("SELECT count(*) FROM claim_events", 7),
            (&serial_evidence, 1),
            ("SELECT count(*) FROM claim_evidence", 1),
            ("SELECT count(*) FROM depots", 1),
            ("SELECT count(*) FROM credit_notes", 1),
            ("SELECT count(*) FROM credit_note_lines", 1),
        ],
    )
    .await;

    let logistics = system.db(Svc::Logistics).await;
    assert_messages(
        &logistics,
        "logistics",
        &[
            ("retailer.swap.approved.v1", 1),
            ("manufacturer.claim.return_requested.v1", 1),
        ],
        &[
            ("logistics.job.scheduled.v1", 1),
            ("logistics.job.on_the_way.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
            ("logistics.return.arrived.v1", 1),
        ],
    )
    .await;
    assert_eq!(
        counts_by(
            &logistics,
            "SELECT kind, count(*) FROM job_events GROUP BY 1"
        )
        .await,
        expect(&[
            ("scheduled", 1),
            ("assigned", 1),
            ("on_the_way", 1),
            ("delivered", 1),
            ("collected", 1),
            ("completed", 1),
        ])
    );
    assert_counts(
        &logistics,
        "logistics",
        &[
            (
                "SELECT count(*) FROM jobs WHERE status = 'completed' AND collected_serial_matches",
                1,
            ),
            ("SELECT count(*) FROM jobs", 1),
            (
                "SELECT count(*) FROM return_shipments WHERE status = 'arrived'",
                1,
            ),
            ("SELECT count(*) FROM return_shipments", 1),
            (
                &format!("SELECT count(*) FROM return_items WHERE claim_id = '{claim_id}'"),
                1,
            ),
            ("SELECT count(*) FROM return_items", 1),
        ],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}

/// After a DOA swap whose claim waited for the collected serial and one visit that delivered
/// and collected: the claim accepted by rule once, and exactly the messages and rows that flow
/// produces in every database.
async fn assert_accepted_after_its_evidence(
    system: &System,
    seed: &common::Seed,
    swap: &common::Swap,
) {
    let c = system
        .claim_when(seed, swap.claim_id, "accepted", |c| {
            c["status"] == "accepted"
        })
        .await;
    assert_eq!(c["decided_by"], "rule:doa_full_refund", "{c}");
    assert_eq!(
        event_kinds(&c),
        [
            "received",
            "left_pending",
            "evidence_added",
            "auto_accepted"
        ]
    );
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(system, svc).await;
    }

    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        counts_by(&retailer, "SELECT kind, count(*) FROM timeline GROUP BY 1").await,
        expect(&[
            ("swap_approved", 1),
            ("claim_submitted", 1),
            ("job_scheduled", 1),
            ("delivered", 1),
            ("collected", 1),
            ("delivered_and_collected", 1),
            ("claim_decided", 1),
            ("claim_acknowledged", 1),
        ])
    );
    assert_messages(
        &retailer,
        "retailer",
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("manufacturer.claim.acknowledged.v1", 1),
        ],
        &[
            ("retailer.swap.approved.v1", 1),
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
        ],
    )
    .await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_messages(
        &manufacturer,
        "manufacturer",
        &[
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
        ],
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("manufacturer.claim.acknowledged.v1", 1),
        ],
    )
    .await;
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[
            (
                "SELECT count(*) FROM claims WHERE status = 'accepted' \
                 AND decided_amount = 524.00 AND decided_by = 'rule:doa_full_refund'",
                1,
            ),
            ("SELECT count(*) FROM claims", 1),
            ("SELECT count(*) FROM claim_events", 4),
            ("SELECT count(*) FROM claim_evidence", 1),
        ],
    )
    .await;
    let logistics = system.db(Svc::Logistics).await;
    assert_messages(
        &logistics,
        "logistics",
        &[("retailer.swap.approved.v1", 1)],
        &[
            ("logistics.job.scheduled.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
        ],
    )
    .await;
    system.assert_no_dead_letters().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_doa_claim_waits_for_the_collected_serial_and_is_accepted_once_it_arrives() {
    let system = System::start().await;
    // Dead on arrival (sold 3 days ago), but the agreement wants the collected unit's serial.
    let seed = system
        .seed_with(json!({"evidence_required": ["collected_serial"]}))
        .await;
    let swap = system.swap(&seed, 1).await;
    let c = system
        .claim_when(&seed, swap.claim_id, "held", |c| c["status"] == "pending")
        .await;
    assert_eq!(c["pending_reason"], "evidence_missing", "{c}");
    assert_eq!(c["suggested_amount"]["amount"], "524.00", "{c}");
    let case = system
        .wait_timeline(&seed, swap.case_id, &["job_scheduled"])
        .await;
    assert!(
        !timeline_kinds(&case).contains(&"claim_decided".to_owned()),
        "{case}"
    );
    assert_eq!(case["claim"]["status"], "submitted", "{case}");

    // The crew delivers and collects in one go; the serial travels through the retailer to the
    // claim, which the DOA rule then accepts and announces.
    let job = system.job_of(&seed, swap.swap_id).await;
    let job_id = job["id"].as_str().unwrap();
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/complete"),
            json!({"delivered_serial": "SN-NEW-1", "collected_serial": swap.serial,
                   "recipient_name": "Erika Mustermann"}),
        )
        .await;
    let case = system
        .wait_timeline(&seed, swap.case_id, &["collected", "claim_decided"])
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    assert_eq!(case["claim"]["decided_amount"]["amount"], "524.00");
    let at = |kind: &str| -> chrono::DateTime<Utc> {
        serde_json::from_value(entry(&case, kind)["occurred_at"].clone()).unwrap()
    };
    assert!(at("collected") <= at("claim_decided"), "{case}");
    assert_accepted_after_its_evidence(&system, &seed, &swap).await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_collected_serial_reaches_the_claim_once_when_retailer_and_manufacturer_are_killed() {
    let mut system = System::start().await;
    let seed = system
        .seed_with(json!({"evidence_required": ["collected_serial"]}))
        .await;
    let swap = system.swap(&seed, 1).await;
    system
        .wait_timeline(&seed, swap.case_id, &["job_scheduled"])
        .await;
    system
        .claim_when(&seed, swap.claim_id, "held for its evidence", |c| {
            c["pending_reason"] == "evidence_missing"
        })
        .await;

    // The visit is reported while the retailer is gone: its messages wait in the queue.
    system.process(Svc::Retailer).kill().await;
    let job = system.job_of(&seed, swap.swap_id).await;
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{}/complete", job["id"].as_str().unwrap()),
            json!({"delivered_serial": "SN-NEW-1", "collected_serial": swap.serial,
                   "recipient_name": "Erika Mustermann"}),
        )
        .await;
    all_sent(&system, Svc::Logistics).await;
    // The manufacturer goes too; the retailer comes back and forwards the serial meanwhile.
    system.process(Svc::Manufacturer).kill().await;
    system.restart(Svc::Retailer).await;
    system
        .wait_timeline(&seed, swap.case_id, &["delivered_and_collected"])
        .await;
    all_sent(&system, Svc::Retailer).await;
    system.restart(Svc::Manufacturer).await;

    // The claim is accepted by rule once, and the retailer hears it once.
    let case = system
        .wait_timeline(&seed, swap.case_id, &["claim_decided"])
        .await;
    assert_eq!(case["claim"]["status"], "accepted", "{case}");
    assert_eq!(case["claim"]["decided_amount"]["amount"], "524.00");
    assert_accepted_after_its_evidence(&system, &seed, &swap).await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_shows_what_the_manufacturer_then_decides_under_each_agreement_version() {
    let system = System::start().await;
    let seed = system.seed().await;
    let (case_id, _) = system.open_case(&seed, 1).await;
    let case = system.case(&seed, case_id).await;
    let sale_path = format!(
        "/api/retailers/{}/sales/{}",
        seed.retailer_id,
        case["sale"]["id"].as_str().unwrap()
    );
    // Version 1 (DOA 14 days): a unit sold 3 days ago is a full refund plus the fee.
    let sale = system.get(Svc::Retailer, &sale_path).await;
    let w = &sale["entitlement"]["manufacturer_warranty"];
    assert_eq!(w["version"], 1, "{sale}");
    assert_eq!(w["within_doa"], true, "{sale}");
    assert_eq!(w["recovery_today"]["kind"], "doa", "{sale}");
    assert_eq!(w["recovery_today"]["amount"]["amount"], "524.00", "{sale}");

    // Version 2 from now on: no DOA window, 50 % plus the fee.
    let mid = seed.manufacturer_id;
    let key = Some(seed.manufacturer_key.as_str());
    let agreement_id = system.agreement_id(&seed).await;
    system
        .post_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/agreements/{agreement_id}/versions"),
            json!({"currency": "EUR", "coverage_months": 24, "doa_days": 0,
                   "reimbursement_percent": "50",
                   "handling_fee": {"amount": "25.00", "currency": "EUR"},
                   "decision_deadline_days": 14}),
            key,
        )
        .await;
    let retailer = system.db(Svc::Retailer).await;
    system.hold_and_accept(2).await;
    let sale = system.get(Svc::Retailer, &sale_path).await;
    let w = &sale["entitlement"]["manufacturer_warranty"];
    assert_eq!(w["version"], 2, "{sale}");
    assert_eq!(w["agreement_id"], agreement_id.as_str());
    assert_eq!(w["within_doa"], false, "{sale}");
    assert_eq!(w["recovery_today"]["kind"], "covered", "{sale}");
    // 50 % of 499.00 = 249.50, plus the 25.00 fee.
    assert_eq!(w["recovery_today"]["amount"]["amount"], "274.50", "{sale}");

    // A swap now is judged by version 2 at the manufacturer: what the counter showed.
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let claim_id: Uuid = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    let c = system
        .claim_when(&seed, claim_id, "judged", |c| c["status"] == "pending")
        .await;
    assert_eq!(c["agreement_version"], 2, "{c}");
    assert_eq!(c["pending_reason"], "outside_doa", "{c}");
    assert_eq!(c["suggested_amount"]["amount"], "274.50", "{c}");
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_messages(
        &manufacturer,
        "manufacturer",
        &[("retailer.claim.submitted.v1", 1)],
        &[
            ("manufacturer.agreement.published.v1", 2),
            ("manufacturer.claim.acknowledged.v1", 1),
        ],
    )
    .await;
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM agreements WHERE version IN (1, 2)", 2),
            ("SELECT count(*) FROM claims WHERE status = 'submitted'", 1),
        ],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_claim_disputed_at_the_retailer_is_decided_again_by_the_manufacturer() {
    let system = System::start().await;
    let seed = system.seed().await;
    // Past the DOA window: the claim waits for the manufacturer, who rejects it.
    let (case_id, _) = system.open_case_sold(&seed, 1, 60).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let claim_id: Uuid = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    let key = Some(seed.manufacturer_key.as_str());
    let decision = format!(
        "/api/manufacturers/{}/claims/{claim_id}/decision",
        seed.manufacturer_id
    );
    let pending = system
        .claim_when(&seed, claim_id, "pending", |c| c["status"] == "pending")
        .await;
    // The manufacturer's claim says it holds the ball, due at its decision deadline; the
    // retailer's case shows the same deadline (manufacturer.claim.acknowledged.v1), beside the
    // crew holding the delivery.
    let deadline = pending["deadline_at"].clone();
    assert!(deadline.is_string(), "{pending}");
    assert_eq!(pending["ball"]["party"], "manufacturer", "{pending}");
    assert_eq!(pending["ball"]["holds"], "claim", "{pending}");
    assert_eq!(pending["ball"]["due_at"], deadline, "{pending}");
    let path = format!("/api/retailers/{}/cases/{case_id}", seed.retailer_id);
    let manufacturer_holding = |case: &Value| {
        case["ball"]["holders"]
            .as_array()
            .and_then(|hs| hs.iter().find(|h| h["party"] == "manufacturer").cloned())
    };
    let same_time = |a: &Value, b: &Value| {
        let t = |v: &Value| serde_json::from_value::<chrono::DateTime<Utc>>(v.clone()).ok();
        t(a).is_some() && t(a) == t(b)
    };
    eventually(
        "the retailer to learn the decision deadline",
        DEADLINE,
        || async {
            let case = system.get(Svc::Retailer, &path).await;
            let h = manufacturer_holding(&case)?;
            same_time(&h["due_at"], &deadline).then_some(())
        },
    )
    .await;
    let rejected = system
        .post_as(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "reject", "reason_code": "no_fault_found"}),
            key,
        )
        .await;
    assert_eq!(rejected["status"], "rejected", "{rejected}");
    assert!(rejected["ball"].is_null(), "{rejected}");
    let case = eventually("the retailer to see the rejection", DEADLINE, || async {
        let case = system.get(Svc::Retailer, &path).await;
        (case["claim"]["status"] == "rejected").then_some(case)
    })
    .await;
    // Decided: the manufacturer holds nothing; only the crew (the visit) does.
    assert!(manufacturer_holding(&case).is_none(), "{case}");
    assert_eq!(case["ball"]["party"], "crew", "{case}");

    // The retailer disputes it once, with a note that reaches the claim as evidence.
    let disputed = system
        .post(
            Svc::Retailer,
            &format!(
                "/api/retailers/{}/claims/{claim_id}/dispute",
                seed.retailer_id
            ),
            json!({"statement": "The drum bearing was broken on delivery",
                   "note": "Photo of the bearing in the case file", "disputed_by": "m.meier"}),
        )
        .await;
    assert_eq!(disputed["claim_id"], claim_id.to_string(), "{disputed}");
    let c = system
        .claim_when(&seed, claim_id, "disputed", |c| c["status"] == "disputed")
        .await;
    // The dispute hands the claim back to the manufacturer with a new deadline, which the
    // retailer learns too; the ball changed hands once more.
    assert_eq!(c["ball"]["party"], "manufacturer", "{c}");
    assert_eq!(c["ball"]["due_at"], c["deadline_at"], "{c}");
    let new_deadline = c["deadline_at"].clone();
    assert_ne!(new_deadline, deadline);
    let case = eventually(
        "the retailer to learn the new deadline",
        DEADLINE,
        || async {
            let case = system.get(Svc::Retailer, &path).await;
            let h = manufacturer_holding(&case)?;
            same_time(&h["due_at"], &new_deadline).then_some(case)
        },
    )
    .await;
    assert_eq!(case["ball"]["handovers"], 2, "{case}");
    let evidence = c["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{c}");
    assert_eq!(evidence[0]["kind"], "statement");
    assert_eq!(evidence[0]["source"], "dispute");
    assert_eq!(evidence[0]["note"], "Photo of the bearing in the case file");

    // Decided again: accepted for what the agreement suggests, and the retailer takes it.
    let accepted = system
        .post_as(
            Svc::Manufacturer,
            &decision,
            json!({"outcome": "accept"}),
            key,
        )
        .await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(
        event_kinds(&accepted),
        [
            "received",
            "left_pending",
            "decided",
            "evidence_added",
            "disputed",
            "decided"
        ]
    );
    let case = eventually(
        "the retailer to take the new decision",
        DEADLINE,
        || async {
            let case = system.get(Svc::Retailer, &path).await;
            (case["claim"]["status"] == "accepted").then_some(case)
        },
    )
    .await;
    assert_eq!(
        case["claim"]["decided_amount"]["amount"], "424.20",
        "{case}"
    );
    assert!(case["claim"]["disputed_at"].is_string(), "{case}");
    // Nothing credited yet: the ledger shows the swap open for the new amount.
    let ledger = system
        .get(
            Svc::Retailer,
            &format!("/api/retailers/{}/ledger", seed.retailer_id),
        )
        .await;
    assert_eq!(ledger["items"][0]["status"], "open", "{ledger}");
    assert_eq!(ledger["items"][0]["expected"], "424.20", "{ledger}");
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }

    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        counts_by(&retailer, "SELECT kind, count(*) FROM timeline GROUP BY 1").await,
        expect(&[
            ("swap_approved", 1),
            ("claim_submitted", 1),
            ("job_scheduled", 1),
            ("claim_decided", 2),
            ("claim_disputed", 1),
            ("claim_acknowledged", 2),
        ])
    );
    assert_messages(
        &retailer,
        "retailer",
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", 1),
            ("manufacturer.claim.decided.v1", 2),
            ("manufacturer.claim.acknowledged.v1", 2),
        ],
        &[
            ("retailer.swap.approved.v1", 1),
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.disputed.v1", 1),
        ],
    )
    .await;
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM claim_disputes", 1),
            (
                "SELECT count(*) FROM claims WHERE status = 'accepted' AND decided_amount = 424.20",
                1,
            ),
            ("SELECT count(*) FROM claims", 1),
        ],
    )
    .await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_messages(
        &manufacturer,
        "manufacturer",
        &[
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.disputed.v1", 1),
        ],
        &[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.decided.v1", 2),
            ("manufacturer.claim.acknowledged.v1", 2),
        ],
    )
    .await;
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[
            (
                "SELECT count(*) FROM claims WHERE status = 'accepted' \
                 AND decided_amount = 424.20 AND disputed_at IS NOT NULL",
                1,
            ),
            ("SELECT count(*) FROM claims", 1),
            (
                "SELECT count(*) FROM claim_evidence WHERE source = 'dispute'",
                1,
            ),
        ],
    )
    .await;
    let logistics = system.db(Svc::Logistics).await;
    assert_messages(
        &logistics,
        "logistics",
        &[("retailer.swap.approved.v1", 1)],
        &[("logistics.job.scheduled.v1", 1)],
    )
    .await;
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_collected_with_another_serial_is_flagged_once_in_every_service() {
    let system = System::start().await;
    let seed = system.seed().await;
    let swap = system.swap(&seed, 1).await;
    system.wait_timeline(&seed, swap.case_id, &FLOW).await;

    // The crew delivers, then collects a unit with another serial than the case names and
    // confirms it when asked.
    let job = system.job_of(&seed, swap.swap_id).await;
    let job_id = job["id"].as_str().unwrap();
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/delivered"),
            json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann"}),
        )
        .await;
    let collected = system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/collected"),
            json!({"collected_serial": "SN-ELSE", "confirm_mismatch": true}),
        )
        .await;
    assert_eq!(collected["completed"], true, "{collected}");
    assert_eq!(collected["job"]["collected_serial_matches"], false);
    let case = system
        .wait_timeline(
            &seed,
            swap.case_id,
            &["collected", "delivered_and_collected"],
        )
        .await;
    assert_eq!(
        entry(&case, "collected_serial_mismatch")["details"]["collected_serial"],
        "SN-ELSE"
    );
    // The manufacturer's claim gets the serial as evidence and is flagged.
    let c = system
        .claim_when(&seed, swap.claim_id, "flagged", |c| {
            c["flags"] == json!(["serial_mismatch"])
        })
        .await;
    assert_eq!(c["evidence"][0]["serial"], "SN-ELSE", "{c}");
    assert_eq!(c["evidence"][0]["serial_matches"], false, "{c}");
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }

    let logistics = system.db(Svc::Logistics).await;
    assert_counts(
        &logistics,
        "logistics",
        &[(
            "SELECT count(*) FROM jobs WHERE status = 'completed' \
             AND collected_serial = 'SN-ELSE' AND NOT collected_serial_matches",
            1,
        )],
    )
    .await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_counts(
        &manufacturer,
        "manufacturer",
        &[(
            "SELECT count(*) FROM claim_evidence WHERE serial = 'SN-ELSE' AND NOT serial_matches",
            1,
        )],
    )
    .await;
    // One visit, one mismatch: the retailer's timeline says so once, although both the
    // collection and the completion report it.
    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM timeline WHERE kind = 'collected_serial_mismatch'"
        )
        .await,
        1,
        "retailer: one collected unit with another serial must be on the case's timeline once; \
         the retailer writes `collected_serial_mismatch` both for logistics.job.collected.v1 \
         (consumers/case_events.rs unit_collected) and again for logistics.job.completed.v1 \
         (job_completed), and logistics now sends both for every visit: {case}"
    );
    assert_eq!(
        counts_by(&retailer, "SELECT kind, count(*) FROM timeline GROUP BY 1").await,
        expect(&[
            ("swap_approved", 1),
            ("claim_submitted", 1),
            ("job_scheduled", 1),
            ("claim_decided", 1),
            ("delivered", 1),
            ("collected", 1),
            ("delivered_and_collected", 1),
            ("collected_serial_mismatch", 1),
        ])
    );
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_delivered_twice_has_one_effect() {
    let system = System::start().await;
    let seed = system.seed().await;
    let swap = system.swap(&seed, 1).await;
    system.wait_timeline(&seed, swap.case_id, &FLOW).await;

    // The broker delivers both of the retailer's messages again (same ids).
    let retailer = system.db(Svc::Retailer).await;
    let payloads = strings(
        &retailer,
        "SELECT payload::text FROM outbox WHERE routing_key NOT LIKE '%.tenant.profile.v1' \
         ORDER BY created_at",
    )
    .await;
    assert_eq!(payloads.len(), 2);
    let keys = strings(
        &retailer,
        "SELECT routing_key FROM outbox WHERE routing_key NOT LIKE '%.tenant.profile.v1' \
         ORDER BY created_at",
    )
    .await;
    for (key, payload) in keys.iter().zip(&payloads) {
        publish_raw(&system.names, Service::Retailer, key, payload.as_bytes()).await;
    }
    eventually("both copies seen as duplicates", DEADLINE, || async {
        let l = consumed(&system, Svc::Logistics, "duplicate").await;
        let m = consumed(&system, Svc::Manufacturer, "duplicate").await;
        (l == 1 && m == 1).then_some(())
    })
    .await;

    let logistics = system.db(Svc::Logistics).await;
    assert_eq!(count(&logistics, "SELECT count(*) FROM jobs").await, 1);
    assert_eq!(count(&logistics, "SELECT count(*) FROM outbox").await, 1);
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_eq!(count(&manufacturer, "SELECT count(*) FROM claims").await, 1);
    // The agreement's publication and the claim's decision, each once.
    assert_eq!(
        outbox_counts(&manufacturer).await,
        expect(&[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
        ])
    );
    assert_eq!(count(&retailer, "SELECT count(*) FROM timeline").await, 4);
    system.stop().await;
}

/// Row counts of the tables a message could change, per service.
async fn table_counts(system: &System) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for (svc, tables) in [
        (
            Svc::Retailer,
            &[
                "timeline",
                "claims",
                "swaps",
                "agreements",
                "inbox",
                "outbox",
            ][..],
        ),
        (
            Svc::Manufacturer,
            &[
                "claims",
                "claim_events",
                "claim_evidence",
                "inbox",
                "outbox",
            ][..],
        ),
        (
            Svc::Logistics,
            &["jobs", "job_events", "inbox", "outbox"][..],
        ),
    ] {
        let db = system.db(svc).await;
        for t in tables {
            let n = count(&db, &format!("SELECT count(*) FROM {t}")).await;
            out.push((format!("{svc:?}.{t}"), n));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_of_a_completed_swap_delivered_twice_has_one_effect() {
    let system = System::start().await;
    let seed = system.seed().await;
    let swap = system.swap(&seed, 1).await;
    system.wait_timeline(&seed, swap.case_id, &FLOW).await;
    let job = system.job_of(&seed, swap.swap_id).await;
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{}/complete", job["id"].as_str().unwrap()),
            json!({"delivered_serial": "SN-NEW-1", "collected_serial": swap.serial,
                   "recipient_name": "Erika Mustermann"}),
        )
        .await;
    system
        .wait_timeline(&seed, swap.case_id, &["delivered_and_collected"])
        .await;
    system
        .claim_when(&seed, swap.claim_id, "with its evidence", |c| {
            c["evidence"].as_array().is_some_and(|e| e.len() == 1)
        })
        .await;
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }
    let before = table_counts(&system).await;
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        assert_eq!(consumed(&system, svc, "duplicate").await, 0, "{svc:?}");
    }

    // Every message any service sent arrives once more, with its id.
    assert_eq!(
        republish_outbox(&system, Svc::Retailer, Service::Retailer).await,
        3,
        "swap approved, claim submitted, evidence added"
    );
    assert_eq!(
        republish_outbox(&system, Svc::Logistics, Service::Logistics).await,
        4,
        "job scheduled, delivered, collected, completed"
    );
    assert_eq!(
        republish_outbox(&system, Svc::Manufacturer, Service::Manufacturer).await,
        2,
        "agreement published, claim decided"
    );
    eventually("every copy seen as a duplicate", DEADLINE, || async {
        let l = consumed(&system, Svc::Logistics, "duplicate").await;
        let m = consumed(&system, Svc::Manufacturer, "duplicate").await;
        let r = consumed(&system, Svc::Retailer, "duplicate").await;
        (l == 1 && m == 2 && r == 6).then_some(())
    })
    .await;
    // Nothing changed anywhere, and nothing was sent again.
    assert_eq!(table_counts(&system).await, before);
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(&system, svc).await;
    }
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_dead_lettered_and_the_next_one_still_flows() {
    let system = System::start().await;
    let seed = system.seed().await;
    publish_raw(
        &system.names,
        Service::Retailer,
        "retailer.swap.approved.v1",
        b"{not json",
    )
    .await;
    let wrong_data = json!({
        "specversion": "1.0", "id": uuid::Uuid::now_v7(), "source": "/kummerer/retailer",
        "type": "retailer.claim.submitted.v1", "time": chrono::Utc::now(), "data": {"claim_id": 5}
    });
    publish_raw(
        &system.names,
        Service::Retailer,
        "retailer.claim.submitted.v1",
        wrong_data.to_string().as_bytes(),
    )
    .await;

    let swap = system.swap(&seed, 1).await;
    system.wait_timeline(&seed, swap.case_id, &FLOW).await;

    let logistics_dlq = system.names.dead_letter_queue(&LOGISTICS_SWAPS);
    let manufacturer_dlq = system.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    eventually(
        "both bad messages in their dead-letter queues",
        DEADLINE,
        || async {
            let l = system.broker.depth(&logistics_dlq).await;
            let m = system.broker.depth(&manufacturer_dlq).await;
            (l == 1 && m == 1).then_some(())
        },
    )
    .await;
    assert_eq!(
        count(
            &system.db(Svc::Logistics).await,
            "SELECT count(*) FROM jobs"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &system.db(Svc::Manufacturer).await,
            "SELECT count(*) FROM claims"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &system.db(Svc::Retailer).await,
            "SELECT count(*) FROM claims WHERE status = 'accepted'"
        )
        .await,
        1
    );
    system.stop().await;
}

/// Asserts that every case went through the flow exactly once, in every database.
async fn assert_each_exactly_once(system: &System, seed: &common::Seed, cases: &[uuid::Uuid]) {
    for case_id in cases {
        system.wait_timeline(seed, *case_id, &FLOW).await;
    }
    let n = cases.len() as i64;
    let retailer = system.db(Svc::Retailer).await;
    for kind in FLOW {
        assert_eq!(
            count(
                &retailer,
                &format!("SELECT count(*) FROM timeline WHERE kind = '{kind}'")
            )
            .await,
            n,
            "timeline entries of kind {kind}"
        );
    }
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM claims WHERE status = 'accepted'"
        )
        .await,
        n
    );
    let logistics = system.db(Svc::Logistics).await;
    assert_eq!(count(&logistics, "SELECT count(*) FROM jobs").await, n);
    assert_eq!(count(&logistics, "SELECT count(*) FROM outbox").await, n);
    let manufacturer = system.db(Svc::Manufacturer).await;
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM claims WHERE status = 'accepted'"
        )
        .await,
        n
    );
    // One decision per swap, and the seed's agreement published once.
    assert_eq!(
        outbox_counts(&manufacturer).await,
        expect(&[
            ("manufacturer.agreement.published.v1", 1),
            ("manufacturer.claim.decided.v1", n),
        ])
    );
    assert_eq!(
        count(
            &manufacturer,
            "SELECT count(*) FROM inbox WHERE message_type NOT LIKE '%.tenant.profile.v1'"
        )
        .await,
        n
    );
    assert_eq!(count(&retailer, "SELECT count(*) FROM agreements").await, 1);
    assert_eq!(
        inbox_counts(&retailer).await,
        expect(&[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", n),
            ("manufacturer.claim.decided.v1", n),
        ])
    );
    for svc in [Svc::Retailer, Svc::Manufacturer, Svc::Logistics] {
        all_sent(system, svc).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_swap_completes_once_when_the_broker_goes_away_mid_run() {
    let system = System::start().await;
    let seed = system.seed().await;
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    let before = system.amqp_proxy.accepted();
    // The broker "restarts": every connection drops and new ones are refused for a while.
    system.amqp_proxy.set_down(true);
    for n in 4..8 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    eventually(
        "the retailer to report the broker down",
        DEADLINE,
        || async {
            let r = system
                .client
                .get(system.url(Svc::Retailer, "/ready"))
                .send()
                .await
                .ok()?;
            (r.status() == 503).then_some(())
        },
    )
    .await;
    system.amqp_proxy.set_down(false);
    for n in 8..12 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    assert_each_exactly_once(&system, &seed, &cases).await;
    assert!(
        system.amqp_proxy.accepted() > before,
        "the services never reconnected"
    );
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_swap_completes_once_when_services_are_killed_mid_run() {
    let mut system = System::start().await;
    let seed = system.seed().await;
    let mut cases = Vec::new();
    for n in 0..4 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    system.process(Svc::Logistics).kill().await;
    for n in 4..8 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    // Killed right after committing approvals: the outbox still holds what was not relayed.
    system.process(Svc::Retailer).kill().await;
    system.process(Svc::Manufacturer).kill().await;
    system.restart(Svc::Retailer).await;
    for n in 8..12 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    system.restart(Svc::Logistics).await;
    system.restart(Svc::Manufacturer).await;
    assert_each_exactly_once(&system, &seed, &cases).await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_swap_completes_once_when_the_databases_go_away_mid_run() {
    let system = System::start().await;
    let seed = system.seed().await;
    let mut cases = Vec::new();
    for n in 0..6 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    // Every service loses its database connections while messages are in flight.
    system.pg_proxy.set_down(true);
    eventually(
        "the logistics service to report its database down",
        DEADLINE,
        || async {
            let r = system
                .client
                .get(system.url(Svc::Logistics, "/ready"))
                .send()
                .await
                .ok()?;
            (r.status() == 503).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await; // the outage lasts a while
    system.pg_proxy.set_down(false);
    for n in 6..9 {
        cases.push(system.swap(&seed, n).await.case_id);
    }
    assert_each_exactly_once(&system, &seed, &cases).await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binaries_migrate_on_request_and_name_a_bad_variable() {
    for (name, bin, table) in [
        ("retailer", env!("CARGO_BIN_EXE_e2e-retailer"), "timeline"),
        (
            "manufacturer",
            env!("CARGO_BIN_EXE_e2e-manufacturer"),
            "claims",
        ),
        ("logistics", env!("CARGO_BIN_EXE_e2e-logistics"), "jobs"),
    ] {
        let db = kummerer_testkit::TestDb::create(name).await;
        let out = tokio::process::Command::new(bin)
            .arg("migrate")
            .env("DATABASE_URL", &db.url)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{name} migrate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let conn = db.connect().await;
        for t in [table, "outbox", "inbox"] {
            let sql =
                format!("SELECT count(*) FROM information_schema.tables WHERE table_name = '{t}'");
            assert_eq!(count(&conn, &sql).await, 1, "{name}: table {t}");
        }
        // Twice is harmless.
        let again = tokio::process::Command::new(bin)
            .arg("migrate")
            .env("DATABASE_URL", &db.url)
            .output()
            .await
            .unwrap();
        assert!(again.status.success());
        let _ = conn.close().await;
        db.drop_db().await;

        let bad = tokio::process::Command::new(bin)
            .env("KUMMERER_BIND", "not-an-address")
            .output()
            .await
            .unwrap();
        assert_eq!(
            bad.status.code(),
            Some(2),
            "{name}: a bad variable is a usage error"
        );
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("KUMMERER_BIND"),
            "{name}: names the variable"
        );
        let unknown = tokio::process::Command::new(bin)
            .arg("frobnicate")
            .output()
            .await
            .unwrap();
        assert!(!unknown.status.success());
        assert!(String::from_utf8_lossy(&unknown.stderr).contains("usage"));
    }
}
