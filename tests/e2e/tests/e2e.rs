//! End-to-end: the three services as real processes, the real RabbitMQ and PostgreSQL, each
//! test with its own databases and broker prefix. Every test asserts every service's database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{
    DEADLINE, Svc, System, count, counts_by, expect, inbox_counts, outbox_counts, strings,
    timeline_kinds,
};
use kummerer_contracts::topology::{LOGISTICS_SWAPS, MANUFACTURER_CLAIMS, Service};
use kummerer_testkit::eventually;
use kummerer_testkit::service::publish_raw;
use serde_json::json;

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

/// The counter `messages_consumed_total` of one outcome, from a service's /metrics.
async fn consumed(system: &System, svc: Svc, outcome: &str) -> u64 {
    let text = system
        .client
        .get(system.url(svc, "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| {
            l.starts_with("messages_consumed_total{")
                && l.contains(&format!("outcome=\"{outcome}\""))
        })
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum::<f64>() as u64
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
    assert_eq!(
        inbox_counts(&retailer).await,
        expect(&[
            ("manufacturer.agreement.published.v1", 1),
            ("logistics.job.scheduled.v1", 1),
            ("manufacturer.claim.decided.v1", 1),
            ("logistics.job.delivered.v1", 1),
            ("logistics.job.collected.v1", 1),
            ("logistics.job.completed.v1", 1),
        ])
    );
    assert_eq!(
        outbox_counts(&retailer).await,
        expect(&[
            ("retailer.swap.approved.v1", 1),
            ("retailer.claim.submitted.v1", 1),
            ("retailer.claim.evidence_added.v1", 1),
        ])
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
        "SELECT trace_id FROM inbox ORDER BY message_type DESC",
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
        "SELECT traceparent FROM outbox WHERE routing_key <> 'retailer.claim.evidence_added.v1'",
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
        "SELECT payload::text FROM outbox ORDER BY created_at",
    )
    .await;
    assert_eq!(payloads.len(), 2);
    let keys = strings(
        &retailer,
        "SELECT routing_key FROM outbox ORDER BY created_at",
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
    assert_eq!(count(&manufacturer, "SELECT count(*) FROM inbox").await, n);
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
