//! End-to-end: failure rates with a denominator (issue 12), across the real processes. The
//! retailer's sweep (every second here) reports the units sold per product and month to its
//! linked manufacturer (`retailer.sales.reported.v1`, through the outbox and the broker); the
//! manufacturer keeps the newest report per month and answers the failure rates: units sold,
//! claims on them, rate and days to failure per month of sale, product and retailer. A sale in
//! a month long past is reported too, a later sale raises its month's count with the next
//! sequence, and another manufacturer's key sees none of it. Asserted through the
//! manufacturer's API and in both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Datelike, Duration as Days, Utc};
use common::{Backends, DEADLINE, OPERATOR_TOKEN, Seed, Svc, System, count};
use kummerer_testkit::{eventually, unique};
use serde_json::{Value, json};

fn month_of(t: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

async fn sell(system: &System, seed: &Seed, sold_at: DateTime<Utc>) {
    let rid = seed.retailer_id;
    system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales"),
            json!({
                "receipt_no": format!("R-{}", unique()), "sku": seed.sku,
                "serial": format!("SN-{}", unique()),
                "price_paid": {"amount": "499.00", "currency": "EUR"},
                "sold_at": sold_at.to_rfc3339(),
                "customer": {"name": "Erika Mustermann", "phone": "+49 30 1234567",
                             "street": "Hauptstr. 1", "postcode": "10115", "city": "Berlin",
                             "country": "DE"}
            }),
        )
        .await;
}

/// The manufacturer's failure rates once `ok` holds for them.
async fn rates_when(system: &System, seed: &Seed, what: &str, ok: fn(&Value) -> bool) -> Value {
    let path = format!(
        "/api/manufacturers/{}/analytics/failure-rates",
        seed.manufacturer_id
    );
    eventually(what, DEADLINE, || async {
        let (status, body) = system
            .fetch(Svc::Manufacturer, &path, Some(&seed.manufacturer_key))
            .await;
        assert!(status.is_success(), "{path}: {status} {body}");
        ok(&body).then_some(body)
    })
    .await
}

fn month<'a>(body: &'a Value, m: &str) -> &'a Value {
    body["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["month"] == m)
        .unwrap_or_else(|| panic!("no month {m} in {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_sold_reach_the_manufacturer_and_give_its_failure_rates() {
    let system = System::start_with(Backends {
        env: vec![("KUMMERER_SALES_REPORT_SECONDS".to_owned(), "1".to_owned())],
        ..Backends::default()
    })
    .await;
    let seed = system.seed().await;
    let now = Utc::now();
    let recent = now - Days::days(2);
    let long_ago = now - Days::days(400);
    // Two units sold two days ago, one of them swapped now (its claim goes to the manufacturer);
    // one sold 400 days ago (as an import of past sales would add it).
    let (case_id, _) = system.open_case_sold(&seed, 1, 2).await;
    let (status, body) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{body}");
    sell(&system, &seed, recent).await;
    sell(&system, &seed, long_ago).await;

    let body = rates_when(&system, &seed, "3 units and the claim", |b| {
        b["total"]["units_sold"] == 3 && b["total"]["claims"] == 1
    })
    .await;
    let (m_recent, m_old) = (month_of(recent), month_of(long_ago));
    let r = month(&body, &m_recent);
    assert_eq!(
        (r["units_sold"].as_i64(), r["claims"].as_i64()),
        (Some(2), Some(1)),
        "{body}"
    );
    assert_eq!(r["claims_with_units"], 1);
    assert_eq!(r["failure_rate"], "0.5000");
    assert_eq!(r["median_days_to_failure"], 2);
    let o = month(&body, &m_old);
    assert_eq!(
        (o["units_sold"].as_i64(), o["claims"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(o["failure_rate"], "0.0000");
    assert_eq!(body["by_product"][0]["sku"], seed.sku);
    assert_eq!(body["by_product"][0]["units_sold"], 3);
    assert_eq!(body["by_product"][0]["failure_rate"], "0.3333");
    assert_eq!(body["by_retailer"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["by_retailer"][0]["retailer_id"],
        seed.retailer_id.to_string()
    );
    assert_eq!(body["total"]["no_fault_found_rate"], Value::Null);

    // A later sale raises its month's count: the month is reported again, with the next
    // sequence, and the rate falls. (The reporter runs every second, so the month may already
    // have been reported once per earlier sale: the sequence before is read, not assumed.)
    let manufacturer = system.db(Svc::Manufacturer).await;
    let retailer = system.db(Svc::Retailer).await;
    let mid = seed.manufacturer_id;
    let reports = format!("FROM sales_reports WHERE manufacturer_id = '{mid}'");
    let sent = format!("FROM sales_reports_sent WHERE manufacturer_id = '{mid}'");
    let recent_month = format!("AND month = '{m_recent}-01'");
    let before = count(
        &manufacturer,
        &format!("SELECT sequence {reports} {recent_month}"),
    )
    .await;
    assert!(before >= 1, "the recent month was reported");
    sell(&system, &seed, recent).await;
    let body = rates_when(&system, &seed, "the later sale", |b| {
        b["total"]["units_sold"] == 4
    })
    .await;
    assert_eq!(month(&body, &m_recent)["failure_rate"], "0.3333");
    // Two months reported; the recent one once more (the next sequence), in both databases.
    for (db, sql, expected) in [
        (&manufacturer, format!("SELECT count(*) {reports}"), 2),
        (
            &manufacturer,
            format!("SELECT sequence {reports} {recent_month}"),
            before + 1,
        ),
        (&retailer, format!("SELECT count(*) {sent}"), 2),
        (
            &retailer,
            format!("SELECT sequence {sent} {recent_month}"),
            before + 1,
        ),
    ] {
        assert_eq!(count(db, &sql).await, expected, "{sql}");
    }
    // No personal data travelled: the reports name products and counts only.
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM outbox WHERE routing_key = 'retailer.sales.reported.v1' \
             AND payload::text ~* 'Mustermann|Hauptstr|\\+49'"
        )
        .await,
        0
    );

    // Another manufacturer's key sees nothing of it.
    let other = system
        .post_as(
            Svc::Manufacturer,
            "/api/manufacturers",
            json!({"name": "Kühlhaus GmbH"}),
            Some(OPERATOR_TOKEN),
        )
        .await;
    let other_key = other["api_key"].as_str().unwrap();
    let (status, _) = system
        .fetch(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}/analytics/failure-rates"),
            Some(other_key),
        )
        .await;
    assert_eq!(status.as_u16(), 404);
    let (status, own) = system
        .fetch(
            Svc::Manufacturer,
            &format!(
                "/api/manufacturers/{}/analytics/failure-rates",
                other["id"].as_str().unwrap()
            ),
            Some(other_key),
        )
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(own["total"]["units_sold"], 0);
    assert_eq!(own["by_month"], json!([]));
    system.assert_no_dead_letters().await;
    system.stop().await;
}
