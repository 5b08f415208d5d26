//! Bad input is a problem and changes nothing.

use crate::flow;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_problem_and_changes_nothing() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let event = claim(mid, retailer, 60);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
    let id = event.claim_id;
    let before = table_counts(&svc.db).await;
    let ghost = Uuid::now_v7();
    let huge = "x".repeat(70 * 1024);

    // Manufacturers.
    let manufacturers = "/api/manufacturers";
    for (body, status, what) in [
        (json!({}), 422, "no name"),
        (json!({"name": "  "}), 422, "blank name"),
        (json!({"name": 5}), 422, "name of the wrong type"),
        (json!({"name": "x".repeat(201)}), 422, "name too long"),
        (
            json!({"name": "Wasch\u{0}werk"}),
            422,
            "a NUL character in the name",
        ),
        (json!({ "name": huge }), 413, "huge body"),
    ] {
        assert_problem(&post(&svc, manufacturers, &body).await, status, what);
    }
    // Text PostgreSQL cannot store (found by schemathesis): a problem, never a 500.
    let mut depot = flow::depot_body("Lager\u{0}Nord");
    assert_problem(
        &post(&svc, &format!("{manufacturers}/{mid}/depots"), &depot).await,
        422,
        "a NUL character in the depot's name",
    );
    depot["name"] = json!("Lager Nord");
    depot["address"]["city"] = json!("Ham\u{0}burg");
    assert_problem(
        &post(&svc, &format!("{manufacturers}/{mid}/depots"), &depot).await,
        422,
        "a NUL character in the depot's address",
    );
    assert_problem(
        &post_raw(&svc, manufacturers, "{\"name\": ").await,
        400,
        "syntax error",
    );

    // Agreements.
    let agreements = format!("/api/manufacturers/{mid}/agreements");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut body = agreement_body(Uuid::now_v7());
        f(&mut body);
        body
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!({}), 422, "empty body", None),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("currency");
            }),
            422,
            "missing currency",
            None,
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("handling_fee");
            }),
            422,
            "missing fee",
            None,
        ),
        (
            with(&|b| b["retailer_id"] = json!("nope")),
            422,
            "bad retailer id",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!("24")),
            422,
            "months as text",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!(24.5)),
            422,
            "fractional months",
            None,
        ),
        (
            with(&|b| b["coverage_months"] = json!(0)),
            422,
            "no coverage",
            Some("coverage_months"),
        ),
        (
            with(&|b| b["coverage_months"] = json!(121)),
            422,
            "too much coverage",
            Some("coverage_months"),
        ),
        (
            with(&|b| b["doa_days"] = json!(-1)),
            422,
            "negative DOA",
            Some("doa_days"),
        ),
        (
            with(&|b| b["doa_days"] = json!(366)),
            422,
            "DOA too long",
            Some("doa_days"),
        ),
        (
            with(&|b| b["decision_deadline_days"] = json!(0)),
            422,
            "no deadline",
            Some("decision_deadline_days"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("100.01")),
            422,
            "percent over 100",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!(101)),
            422,
            "percent over 100 as a number",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("-5")),
            422,
            "negative percent",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!("eighty")),
            422,
            "percent not a number",
            Some("reimbursement_percent"),
        ),
        (
            with(&|b| b["reimbursement_percent"] = json!(true)),
            422,
            "percent of the wrong type",
            None,
        ),
        (
            with(&|b| b["handling_fee"]["amount"] = json!("-1.00")),
            422,
            "negative fee",
            Some("handling_fee.amount"),
        ),
        (
            with(&|b| b["handling_fee"]["amount"] = json!("1.001")),
            422,
            "fee too precise",
            Some("handling_fee.amount"),
        ),
        (
            with(&|b| b["handling_fee"]["currency"] = json!("eur")),
            422,
            "fee currency lower case",
            Some("handling_fee.currency"),
        ),
        (
            with(&|b| b["handling_fee"]["currency"] = json!("USD")),
            422,
            "fee in another currency",
            Some("handling_fee.currency"),
        ),
        (
            with(&|b| b["currency"] = json!("eur")),
            422,
            "currency lower case",
            Some("currency"),
        ),
        (
            with(&|b| b["currency"] = json!("EURO")),
            422,
            "currency too long",
            Some("currency"),
        ),
        (
            with(&|b| b["padding"] = json!(huge)),
            413,
            "huge body",
            None,
        ),
        // A retailer that already has an agreement.
        (agreement_body(retailer), 409, "second agreement", None),
    ];
    for (body, status, what, field) in cases {
        let a = post(&svc, &agreements, &body).await;
        assert_problem(&a, status, what);
        if let Some(field) = field {
            let fields: Vec<&str> = a.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(&field), "{what}: {}", a.body);
        }
    }
    assert_problem(
        &post(
            &svc,
            &format!("/api/manufacturers/{ghost}/agreements"),
            &agreement_body(Uuid::now_v7()),
        )
        .await,
        404,
        "unknown manufacturer",
    );
    assert_problem(
        &post(
            &svc,
            "/api/manufacturers/not-a-uuid/agreements",
            &agreement_body(Uuid::now_v7()),
        )
        .await,
        404,
        "malformed manufacturer id",
    );

    // Claims.
    for (path, status, what) in [
        (
            format!("/api/manufacturers/{mid}/claims?status=open"),
            400,
            "unknown status",
        ),
        (
            format!("/api/manufacturers/{ghost}/claims"),
            404,
            "unknown manufacturer",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/{ghost}"),
            404,
            "unknown claim",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/nope"),
            404,
            "malformed claim id",
        ),
    ] {
        assert_problem(&get(&svc, &path).await, status, what);
    }

    // Decisions.
    let decision = format!("/api/manufacturers/{mid}/claims/{id}/decision");
    let money = |amount: Value, currency: &str| json!({"amount": amount, "currency": currency});
    let cases: Vec<(String, Value, u16, &str)> = vec![
        (decision.clone(), json!({}), 422, "no outcome"),
        (
            decision.clone(),
            json!({"outcome": "maybe"}),
            422,
            "unknown outcome",
        ),
        (
            decision.clone(),
            json!({"outcome": 1}),
            422,
            "outcome of the wrong type",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "reason_code": "wear"}),
            422,
            "partly without amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "amount": money(json!("100"), "EUR")}),
            422,
            "partly without reason",
        ),
        (
            decision.clone(),
            json!({"outcome": "partly_accept", "amount": money(json!("524.00"), "EUR"),
                   "reason_code": "wear"}),
            422,
            "partly at the maximum",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject"}),
            422,
            "reject without reason",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": 7}),
            422,
            "reason of the wrong type",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": "no defect found"}),
            422,
            "reason with spaces",
        ),
        (
            decision.clone(),
            json!({"outcome": "reject", "reason_code": "misuse",
                   "amount": money(json!("10"), "EUR")}),
            422,
            "reject with an amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("-1"), "EUR")}),
            422,
            "negative amount",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("1.001"), "EUR")}),
            422,
            "amount too precise",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("abc"), "EUR")}),
            422,
            "amount not a number",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("10"), "eur")}),
            422,
            "currency lower case",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("10"), "USD")}),
            422,
            "another currency",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": money(json!("524.01"), "EUR")}),
            422,
            "more than price and fee",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "amount": {"amount": "10"}}),
            422,
            "amount without currency",
        ),
        (
            decision.clone(),
            json!({"outcome": "accept", "padding": huge}),
            413,
            "huge body",
        ),
        (
            format!("/api/manufacturers/{mid}/claims/{ghost}/decision"),
            json!({"outcome": "accept"}),
            404,
            "unknown claim",
        ),
        (
            format!("/api/manufacturers/{ghost}/claims/{id}/decision"),
            json!({"outcome": "accept"}),
            404,
            "unknown manufacturer",
        ),
    ];
    for (path, body, status, what) in cases {
        assert_problem(&post(&svc, &path, &body).await, status, what);
    }
    assert_problem(
        &post_raw(&svc, &decision, "{\"outcome\": \"accept\"").await,
        400,
        "syntax error",
    );

    assert_eq!(table_counts(&svc.db).await, before);
    let c = get(&svc, &format!("/api/manufacturers/{mid}/claims/{id}")).await;
    assert_eq!(c.body["status"], "pending");
    assert_eq!(event_kinds(&c.body), ["received", "left_pending"]);
    svc.stop().await;
}
