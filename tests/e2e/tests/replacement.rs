//! End-to-end: the delivered replacement becomes the customer's unit (issue 11). A swap is
//! delivered with the replacement's serial; the retailer records it as a sale of the original
//! receipt, dated by the delivery and naming the case it replaced; the counter's search finds it
//! by that serial, and a second failure opens a case on the replacement whose swap again
//! becomes a job and a claim. Every service's database is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{DEADLINE, Svc, System, assert_counts, count};
use kummerer_testkit::eventually;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_replacement_is_found_by_its_serial_and_can_fail_again() {
    let system = System::start().await;
    let seed = system.seed().await;
    let rid = seed.retailer_id;
    let first = system.swap(&seed, 1).await;
    system
        .wait_timeline(&seed, first.case_id, &["job_scheduled"])
        .await;

    // The crew delivers the replacement SN-REPL-1 and collects the defective unit.
    let job = system.job_of(&seed, first.swap_id).await;
    let job_id = job["id"].as_str().unwrap();
    system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/delivered"),
            json!({"delivered_serial": "SN-REPL-1", "recipient_name": "Erika Mustermann"}),
        )
        .await;
    let collected = system
        .post(
            Svc::Logistics,
            &format!("/api/jobs/{job_id}/collected"),
            json!({"collected_serial": first.serial}),
        )
        .await;
    assert_eq!(collected["completed"], true, "{collected}");
    let case = system
        .wait_timeline(
            &seed,
            first.case_id,
            &["delivered", "delivered_and_collected"],
        )
        .await;
    let delivered_at = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "delivered")
        .map(|e| e["occurred_at"].clone())
        .unwrap();

    // The counter finds the replacement by its serial: the original receipt, the delivery as its
    // date of sale, the case it replaced.
    let found = system
        .get(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/sales?serial=SN-REPL-1"),
        )
        .await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    let unit = &items[0];
    assert_eq!(
        unit["replaces_case_id"],
        first.case_id.to_string(),
        "{unit}"
    );
    assert_eq!(unit["sold_at"], delivered_at, "{unit} / {case}");
    assert_eq!(unit["receipt_no"], case["sale"]["receipt_no"], "{unit}");
    assert_eq!(unit["product"]["sku"], seed.sku, "{unit}");

    // A second failure: a case on the replacement, and its swap travels again.
    let second = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/cases"),
            json!({"serial": "SN-REPL-1", "defect_category": "leak",
                   "defect_description": "Water under the machine"}),
        )
        .await;
    let second_id: uuid::Uuid = serde_json::from_value(second["id"].clone()).unwrap();
    assert_eq!(second["sale"]["id"], unit["id"], "{second}");
    assert_eq!(
        second["sale"]["replaces_case_id"],
        first.case_id.to_string(),
        "{second}"
    );
    let (status, body) = system.approve(&seed, second_id, None).await.unwrap();
    assert_eq!(status, 201, "{body}");
    let second_swap: uuid::Uuid = serde_json::from_value(body["swap_id"].clone()).unwrap();
    system
        .wait_timeline(&seed, second_id, &["swap_approved", "job_scheduled"])
        .await;
    let job2: Value = system.job_of(&seed, second_swap).await;
    assert_eq!(job2["collect_serial"], "SN-REPL-1", "{job2}");

    // Each service holds what the story says.
    let retailer = system.db(Svc::Retailer).await;
    assert_counts(
        &retailer,
        "retailer",
        &[
            ("SELECT count(*) FROM sales", 2),
            (
                &format!(
                    "SELECT count(*) FROM sales WHERE serial = 'SN-REPL-1' \
                     AND replaces_case_id = '{}'",
                    first.case_id
                ),
                1,
            ),
            (
                &format!(
                    "SELECT count(*) FROM cases c JOIN sales s ON s.id = c.sale_id \
                     WHERE c.id = '{second_id}' AND s.serial = 'SN-REPL-1'"
                ),
                1,
            ),
        ],
    )
    .await;
    let logistics = system.db(Svc::Logistics).await;
    assert_eq!(count(&logistics, "SELECT count(*) FROM jobs").await, 2);
    let manufacturer = system.db(Svc::Manufacturer).await;
    eventually("the manufacturer to hold both claims", DEADLINE, || async {
        (count(&manufacturer, "SELECT count(*) FROM claims").await == 2).then_some(())
    })
    .await;
    system.stop().await;
}
