//! End-to-end: issue 12's "the agreement decides" across the three real processes. The
//! agreement's swap rules decide what the manufacturer does with a claim, and the retailer's
//! desk records the same answer on the swap before the claim leaves: a within-warranty claim is
//! accepted by rule with the agreed amount line by line; an outside-coverage claim is rejected
//! by rule with its reason and disputed by the retailer; a claim above the rule's cap waits for
//! a person with a deadline on both sides; and the retailer's ledger warns of a claim whose
//! recourse deadline nears. Every assertion about state is made in the services' databases as
//! well as through their APIs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration, Months, Utc};
use common::{DEADLINE, Seed, Svc, System, count, entry, event_kinds, strings};
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

/// The agreement's swap rules, tried in this order: water damage is never covered; dead on
/// arrival (14 days) 100 % + 15 EUR fee; the first year 90 % + 20 EUR freight + 15 EUR fee;
/// the second year 50 % + 20 EUR freight, capped at 200 EUR. The agreement covers 24 months.
fn swap_rules() -> Value {
    json!({"swap_rules": [
        {"code": "water", "until_month": 120, "defect_categories": ["water_damage"],
         "reject_reason": "water_damage"},
        {"code": "doa", "until_month": 1, "within_days": 14, "percent": "100",
         "handling_fee": {"amount": "15", "currency": "EUR"}},
        {"code": "year_1", "until_month": 12, "percent": "90",
         "freight": {"amount": "20", "currency": "EUR"},
         "handling_fee": {"amount": "15", "currency": "EUR"}},
        {"code": "year_2", "from_month": 12, "until_month": 24, "percent": "50",
         "freight": {"amount": "20", "currency": "EUR"},
         "cap": {"amount": "200", "currency": "EUR"}}
    ]})
}

/// The system, its seed with [`swap_rules`] in version 1, and a swap approved at the desk for a
/// unit sold `days_ago`: `(system, seed, case_id, swap_id, claim_id)`.
async fn ruled_swap(days_ago: i64) -> (System, Seed, Uuid, Uuid, Uuid) {
    let system = System::start().await;
    let seed = system.seed_with(swap_rules()).await;
    // The retailer holds the rules it will answer at the counter by.
    let retailer = system.db(Svc::Retailer).await;
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM agreements \
             WHERE terms->'swap_rules'->2->>'code' = 'year_1'"
        )
        .await,
        1
    );
    let (case_id, _) = system.open_case_sold(&seed, 1, days_ago).await;
    let (status, approved) = system.approve(&seed, case_id, None).await.unwrap();
    assert_eq!(status, 201, "{approved}");
    let swap_id = serde_json::from_value(approved["swap_id"].clone()).unwrap();
    let claim_id = serde_json::from_value(approved["claim_id"].clone()).unwrap();
    (system, seed, case_id, swap_id, claim_id)
}

/// What the swap recorded of the counter's answer: `[kind, version, rule, the answer's JSON]`.
async fn counter_of(system: &System, swap_id: Uuid) -> Vec<String> {
    strings(
        &system.db(Svc::Retailer).await,
        &format!(
            "SELECT x FROM swaps, LATERAL (VALUES (1, counter_kind), (2, counter_version::text), \
             (3, counter_rule), (4, counter::text)) AS v(i, x) \
             WHERE id = '{swap_id}' ORDER BY i"
        ),
    )
    .await
}

fn at(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The manufacturer's due time on the retailer's case, once it equals `deadline`.
async fn retailer_learns_deadline(system: &System, seed: &Seed, case_id: Uuid, deadline: &Value) {
    let want = at(deadline);
    eventually(
        "the retailer to learn the manufacturer's deadline",
        DEADLINE,
        || async {
            let case = system.case(seed, case_id).await;
            let holder = case["ball"]["holders"]
                .as_array()?
                .iter()
                .find(|h| h["party"] == "manufacturer")?
                .clone();
            let due: DateTime<Utc> = serde_json::from_value(holder["due_at"].clone()).ok()?;
            (due == want).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_within_the_warranty_is_accepted_by_rule_with_the_agreed_amount() {
    // Sold 100 days ago: the first year's rule, 90 % of 499.00 + 20.00 freight + 15.00 fee.
    let (system, seed, case_id, swap_id, claim_id) = ruled_swap(100).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let retailer = system.db(Svc::Retailer).await;

    // The desk answered before the swap: on the manufacturer's account under v1, rule year_1.
    let counter = counter_of(&system, swap_id).await;
    assert_eq!(counter[..3], ["manufacturer", "1", "year_1"], "{counter:?}");
    let answer: Value = serde_json::from_str(&counter[3]).unwrap();
    assert_eq!(answer["percent"], "90.00", "{answer}");
    assert_eq!(answer["total"]["amount"], "484.10", "{answer}");

    // The manufacturer accepts it by rule, naming the rule and the version, line by line.
    let c = system
        .claim_when(&seed, claim_id, "accepted", |c| c["status"] == "accepted")
        .await;
    assert_eq!(c["decided_by"], "rule:year_1", "{c}");
    assert_eq!(c["agreement_version"], 1, "{c}");
    assert_eq!(
        c["decided_amount"],
        json!({"amount": "484.10", "currency": "EUR"}),
        "{c}"
    );
    let lines = json!([
        {"kind": "unit", "amount": {"amount": "449.10", "currency": "EUR"}},
        {"kind": "freight", "amount": {"amount": "20.00", "currency": "EUR"}},
        {"kind": "handling_fee", "amount": {"amount": "15.00", "currency": "EUR"}}
    ]);
    assert_eq!(c["cost_lines"], lines, "{c}");
    assert_eq!(event_kinds(&c), ["received", "auto_accepted"], "{c}");
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'accepted' \
                 AND decided_by = 'rule:year_1' AND agreement_version = 1 \
                 AND decided_amount = 484.10 AND decided_at IS NOT NULL \
                 AND cost_lines = '{lines}'::jsonb"
            )
        )
        .await,
        1
    );
    let decided = format!(
        "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.claim.decided.v1' \
         AND payload->'data'->>'claim_id' = '{claim_id}' \
         AND payload->'data'->'decided_by'->>'rule' = 'year_1' \
         AND (payload->'data'->>'agreement_version')::int = 1 \
         AND jsonb_array_length(payload->'data'->'cost_lines') = 3"
    );
    assert_eq!(count(&manufacturer, &decided).await, 1);

    // The retailer takes the decision and the amount; its timeline names the rule.
    let case = system
        .wait_timeline(&seed, case_id, &["claim_decided"])
        .await;
    let decision = entry(&case, "claim_decided");
    assert_eq!(
        decision["details"]["decided_by"],
        json!({"kind": "rule", "rule": "year_1"}),
        "{decision}"
    );
    let case = eventually("the retailer to apply the acceptance", DEADLINE, || async {
        let case = system.case(&seed, case_id).await;
        (case["claim"]["status"] == "accepted").then_some(case)
    })
    .await;
    assert_eq!(
        case["claim"]["decided_amount"]["amount"], "484.10",
        "{case}"
    );
    assert_eq!(
        count(
            &retailer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'accepted' \
                 AND decided_amount = 484.10 AND currency = 'EUR' AND decided_at IS NOT NULL"
            )
        )
        .await,
        1
    );
    // Nothing credited yet: the ledger expects the agreed amount.
    let ledger = system
        .get(
            Svc::Retailer,
            &format!("/api/retailers/{}/ledger", seed.retailer_id),
        )
        .await;
    assert_eq!(ledger["items"][0]["expected"], "484.10", "{ledger}");
    assert_eq!(ledger["items"][0]["outstanding"], "484.10", "{ledger}");
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_outside_the_coverage_is_rejected_by_rule_and_disputed() {
    // Sold 800 days ago: past the agreement's 24 months, no rule fits.
    let (system, seed, case_id, swap_id, claim_id) = ruled_swap(800).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let retailer = system.db(Svc::Retailer).await;

    // The desk said so before the swap: at the store's own cost, outside the coverage.
    let counter = counter_of(&system, swap_id).await;
    assert_eq!(
        counter[..3],
        ["store", "1", "outside_coverage"],
        "{counter:?}"
    );
    let answer: Value = serde_json::from_str(&counter[3]).unwrap();
    assert_eq!(answer["reason"], "outside_coverage", "{answer}");

    // The manufacturer rejects it by rule, with its reason and the version.
    let c = system
        .claim_when(&seed, claim_id, "rejected", |c| c["status"] == "rejected")
        .await;
    assert_eq!(c["decided_by"], "rule:outside_coverage", "{c}");
    assert_eq!(c["reason_code"], "outside_coverage", "{c}");
    assert_eq!(c["agreement_version"], 1, "{c}");
    assert_eq!(event_kinds(&c), ["received", "auto_rejected"], "{c}");
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM outbox \
                 WHERE routing_key = 'manufacturer.claim.decided.v1' \
                 AND payload->'data'->>'claim_id' = '{claim_id}' \
                 AND payload->'data'->>'outcome' = 'rejected' \
                 AND payload->'data'->>'reason_code' = 'outside_coverage' \
                 AND payload->'data'->'decided_by'->>'rule' = 'outside_coverage' \
                 AND (payload->'data'->>'agreement_version')::int = 1"
            )
        )
        .await,
        1
    );

    // The retailer sees the rejection with its reason, named by the rule.
    let case = eventually("the retailer to apply the rejection", DEADLINE, || async {
        let case = system.case(&seed, case_id).await;
        (case["claim"]["status"] == "rejected").then_some(case)
    })
    .await;
    assert_eq!(
        entry(&case, "claim_decided")["details"]["decided_by"],
        json!({"kind": "rule", "rule": "outside_coverage"}),
        "{case}"
    );
    assert_eq!(
        count(
            &retailer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'rejected' \
                 AND reason_code = 'outside_coverage'"
            )
        )
        .await,
        1
    );

    // A rejection by rule may still be disputed: the retailer disputes it through its API.
    let statement = "Bought as a display unit, delivered to the customer in March";
    let disputed = system
        .post(
            Svc::Retailer,
            &format!(
                "/api/retailers/{}/claims/{claim_id}/dispute",
                seed.retailer_id
            ),
            json!({"statement": statement, "disputed_by": "m.meier"}),
        )
        .await;
    assert_eq!(disputed["claim_id"], claim_id.to_string(), "{disputed}");

    // The dispute arrives at the manufacturer: the claim is its to decide again, by a deadline.
    let c = system
        .claim_when(&seed, claim_id, "disputed", |c| c["status"] == "disputed")
        .await;
    assert_eq!(
        event_kinds(&c),
        ["received", "auto_rejected", "disputed"],
        "{c}"
    );
    assert!(
        at(&c["deadline_at"]) > Utc::now() + Duration::days(13),
        "{c}"
    );
    assert_eq!(c["ball"]["party"], "manufacturer", "{c}");
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'disputed' \
                 AND disputed_at IS NOT NULL AND dispute_statement = '{statement}'"
            )
        )
        .await,
        1
    );
    let case = eventually("the retailer's claim disputed", DEADLINE, || async {
        let case = system.case(&seed, case_id).await;
        (case["claim"]["status"] == "disputed").then_some(case)
    })
    .await;
    assert!(case["claim"]["disputed_at"].is_string(), "{case}");
    retailer_learns_deadline(&system, &seed, case_id, &c["deadline_at"]).await;
    assert_eq!(
        count(&retailer, "SELECT count(*) FROM claim_disputes").await,
        1
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_above_the_rules_cap_waits_for_a_person_with_a_deadline() {
    // Sold 450 days ago: the second year's rule, 50 % of 499.00 + 20.00 freight = 269.50,
    // above its cap of 200.00.
    let (system, seed, case_id, swap_id, claim_id) = ruled_swap(450).await;
    let manufacturer = system.db(Svc::Manufacturer).await;
    let retailer = system.db(Svc::Retailer).await;

    // The desk said the manufacturer must agree first (above the cap).
    let counter = counter_of(&system, swap_id).await;
    assert_eq!(counter[..2], ["ask", "1"], "{counter:?}");
    let answer: Value = serde_json::from_str(&counter[3]).unwrap();
    assert_eq!(answer["why"], "above_cap", "{answer}");

    // The manufacturer's claim waits, flagged, with a deadline and the rule's amount suggested.
    let c = system
        .claim_when(&seed, claim_id, "pending", |c| c["status"] == "pending")
        .await;
    assert_eq!(c["pending_reason"], "flagged", "{c}");
    assert_eq!(c["flags"], json!(["amount_above_cap"]), "{c}");
    assert_eq!(
        c["suggested_amount"],
        json!({"amount": "269.50", "currency": "EUR"}),
        "{c}"
    );
    assert!(c["decided_by"].is_null(), "{c}");
    assert!(c["decided_amount"].is_null(), "{c}");
    let deadline = at(&c["deadline_at"]);
    assert!(deadline > Utc::now() + Duration::days(13), "{c}");
    assert_eq!(c["ball"]["party"], "manufacturer", "{c}");
    assert_eq!(
        count(
            &manufacturer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'pending' \
                 AND pending_reason = 'flagged' AND flags @> '[\"amount_above_cap\"]' \
                 AND decided_at IS NULL AND decided_by IS NULL AND deadline_at IS NOT NULL"
            )
        )
        .await,
        1
    );

    // The retailer learns the deadline (the claim's acknowledgement) and no decision.
    retailer_learns_deadline(&system, &seed, case_id, &c["deadline_at"]).await;
    let case = system.case(&seed, case_id).await;
    assert_eq!(case["claim"]["status"], "submitted", "{case}");
    assert!(case["claim"]["decided_amount"].is_null(), "{case}");
    assert!(
        !common::timeline_kinds(&case).contains(&"claim_decided".to_owned()),
        "{case}"
    );
    assert_eq!(
        count(
            &retailer,
            &format!(
                "SELECT count(*) FROM claims WHERE id = '{claim_id}' AND status = 'submitted' \
                 AND decided_at IS NULL AND decided_amount IS NULL"
            )
        )
        .await,
        1
    );
    // Nothing was decided on either side.
    for (db, table, column) in [
        (&manufacturer, "outbox", "routing_key"),
        (&retailer, "inbox", "message_type"),
    ] {
        assert_eq!(
            count(
                db,
                &format!(
                    "SELECT count(*) FROM {table} \
                     WHERE {column} = 'manufacturer.claim.decided.v1'"
                )
            )
            .await,
            0,
            "{table}"
        );
    }
    system.assert_no_dead_letters().await;
    system.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_warns_of_a_claim_whose_recourse_deadline_nears() {
    // Sold 24 months less 10 days ago (no replacement delivered yet): the recourse against the
    // manufacturer ends two years after the sale, in about 10 days.
    let now = Utc::now();
    let sold = now.checked_sub_months(Months::new(24)).unwrap() + Duration::days(10);
    let (system, seed, case_id, _, claim_id) = ruled_swap((now - sold).num_days()).await;

    // The claim reached the manufacturer (the second year's rule, above its cap: it waits).
    system
        .claim_when(&seed, claim_id, "pending", |c| c["status"] == "pending")
        .await;
    let ledger_path = format!("/api/retailers/{}/ledger", seed.retailer_id);
    let ledger = system.get(Svc::Retailer, &ledger_path).await;
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{ledger}");
    let item = &items[0];
    assert_eq!(item["claim_id"], claim_id.to_string(), "{ledger}");
    assert_eq!(item["case_id"], case_id.to_string(), "{ledger}");
    assert_eq!(item["recourse"], "nearing", "{ledger}");
    let left = item["recourse_days_left"].as_i64().unwrap();
    assert!((9..=11).contains(&left), "{ledger}");
    let ends_on = sold
        .date_naive()
        .checked_add_months(Months::new(24))
        .unwrap();
    let shown: chrono::NaiveDate = serde_json::from_value(item["recourse_ends_on"].clone())
        .unwrap_or_else(|e| panic!("{ledger}: {e}"));
    assert!((shown - ends_on).num_days().abs() <= 1, "{ledger}");
    let totals = ledger["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1, "{ledger}");
    assert_eq!(totals[0]["recourse_nearing"], 1, "{ledger}");
    assert_eq!(totals[0]["recourse_passed"], 0, "{ledger}");
    // Money is outstanding: the whole claim while the manufacturer has not decided.
    assert_eq!(item["outstanding"], item["expected_in_all"], "{ledger}");
    system.assert_no_dead_letters().await;
    system.stop().await;
}
