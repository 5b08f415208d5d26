//! Credit notes: accepted and partly accepted amounts credited once, numbered without gaps,
//! announced through the outbox, listed and shown with their lines, walled per manufacturer.

use crate::support::*;

/// A decided claim written straight into the table: `status` with `amount` in `currency`,
/// decided at `decided_at`; returns its id.
async fn decided_claim(
    db: &DatabaseConnection,
    mid: Uuid,
    retailer_id: Uuid,
    status: &str,
    amount: &str,
    currency: &str,
    decided_at: DateTime<Utc>,
) -> Uuid {
    let id = Uuid::now_v7();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO claims (id, manufacturer_id, retailer_id, swap_id, case_id, serial, \
         product_sku, product_name, currency, price_paid, sold_at, swapped_at, defect_category, \
         defect_description, status, decided_amount, decided_by, received_at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'WM-100', 'Washing machine', $7, 499.00, $8, $8, \
         'does_not_start', 'seeded', $9, $10::numeric, 'manufacturer', $8, $11)",
        [
            id.into(),
            mid.into(),
            retailer_id.into(),
            Uuid::now_v7().into(),
            Uuid::now_v7().into(),
            format!("SN-{}", id.simple()).into(),
            currency.into(),
            (decided_at - TimeDelta::days(1)).into(),
            status.into(),
            amount.into(),
            decided_at.into(),
        ],
    ))
    .await
    .unwrap();
    id
}

/// The `manufacturer.credit_note.issued.v1` payloads in the outbox, oldest first.
async fn issued_events(db: &DatabaseConnection) -> Vec<Value> {
    db.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT payload FROM outbox WHERE routing_key = 'manufacturer.credit_note.issued.v1' \
         ORDER BY created_at, id",
    ))
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.try_get::<Value>("", "payload").unwrap())
    .collect()
}

fn notes_path(mid: Uuid) -> String {
    format!("/api/manufacturers/{mid}/credit-notes")
}

fn year() -> i32 {
    use chrono::Datelike;
    Utc::now().year()
}

fn batch(retailer: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Value {
    json!({"retailer_id": retailer, "period": {"from": from, "to": to}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_amounts_become_credit_notes_once_and_are_announced() {
    let svc = start().await;
    let (mid, _, key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    // Through the real path: one accepted by rule (inside DOA), one partly accepted through
    // the API, one rejected, one still pending.
    let doa = claim(mid, retailer, 3);
    let partly = claim(mid, retailer, 60);
    let rejected = claim(mid, retailer, 60);
    let pending = claim(mid, retailer, 60);
    arrive(
        &svc,
        mid,
        &[
            doa.clone(),
            partly.clone(),
            rejected.clone(),
            pending.clone(),
        ],
    )
    .await;
    let d = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            partly.claim_id
        ),
        &json!({"outcome": "partly_accept", "amount": {"amount": "150.00", "currency": "EUR"},
                "reason_code": "wear"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let r = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            rejected.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "misuse"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // One claim: its note, numbered first of the year.
    let a = post(&svc, &notes_path(mid), &json!({"claim_id": doa.claim_id})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let notes = a.body["credit_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    let first = &notes[0];
    assert_eq!(first["number"], format!("CN-{}-000001", year()));
    assert_eq!(first["retailer_id"], retailer.to_string());
    assert_eq!(first["manufacturer_id"], mid.to_string());
    // The actor is the credential: the key that issued the note.
    assert_eq!(first["issued_by_key"], json!(key_id));
    assert!(first["period"].is_null());
    // 499.00 paid and 25.00 handling fee: the DOA rule's full refund.
    assert_eq!(
        first["total"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    // The retailer's profile never said its country: the VAT is unknown, not guessed.
    assert_eq!(first["vat"]["treatment"], "unknown", "{}", a.body);
    assert!(first["vat"]["vat"].is_null());
    assert!(first["vat"]["gross"].is_null());
    assert_eq!(
        first["vat"]["net"],
        json!({"amount": "524.00", "currency": "EUR"})
    );
    let lines = first["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["vat"].is_null());
    assert_eq!(lines[0]["claim_id"], doa.claim_id.to_string());
    assert_eq!(lines[0]["swap_id"], doa.swap_id.to_string());
    assert_eq!(lines[0]["case_id"], doa.case_id.to_string());
    assert_eq!(
        lines[0]["amount"],
        json!({"amount": "524.00", "currency": "EUR"})
    );

    // The same claim again, and claims that are not accepted: 409, nothing written.
    let before = table_counts(&svc.db).await;
    let again = post(&svc, &notes_path(mid), &json!({"claim_id": doa.claim_id})).await;
    assert_problem(&again, 409, "credited twice");
    assert_eq!(again.body["code"], "claim_already_credited");
    for (id, what) in [
        (rejected.claim_id, "rejected"),
        (pending.claim_id, "pending"),
    ] {
        let a = post(&svc, &notes_path(mid), &json!({"claim_id": id})).await;
        assert_problem(&a, 409, what);
        assert_eq!(a.body["code"], "claim_not_creditable", "{what}");
    }
    let ghost = post(&svc, &notes_path(mid), &json!({"claim_id": Uuid::now_v7()})).await;
    assert_problem(&ghost, 404, "unknown claim");
    assert_eq!(table_counts(&svc.db).await, before);

    // The batch of the retailer's period: what is left (the partly accepted claim).
    let now = Utc::now();
    let period = batch(
        retailer,
        now - TimeDelta::hours(1),
        now + TimeDelta::hours(1),
    );
    let b = post(&svc, &notes_path(mid), &period).await;
    assert_eq!(b.status, 201, "{}", b.body);
    let second = &b.body["credit_notes"][0];
    assert_eq!(b.body["credit_notes"].as_array().unwrap().len(), 1);
    assert_eq!(second["number"], format!("CN-{}-000002", year()));
    assert_eq!(
        second["total"],
        json!({"amount": "150.00", "currency": "EUR"})
    );
    assert_eq!(
        at(&second["period"]["from"]),
        (now - TimeDelta::hours(1)).trunc_subsecs(6)
    );
    let lines = second["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["claim_id"], partly.claim_id.to_string());
    // Nothing left: an empty batch is a 422 problem.
    let empty = post(&svc, &notes_path(mid), &period).await;
    assert_problem(&empty, 422, "empty batch");
    assert_eq!(empty.body["code"], "nothing_to_credit");

    // Each note left through the outbox, in the contract's shape.
    let events = issued_events(&svc.db).await;
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e["type"], "manufacturer.credit_note.issued.v1");
    assert_eq!(e["subject"], first["id"]);
    let data: kummerer_contracts::CreditNoteIssuedV1 =
        serde_json::from_value(e["data"].clone()).unwrap();
    assert_eq!(data.number, format!("CN-{}-000001", year()));
    assert_eq!(data.retailer_id, retailer.into());
    assert_eq!(data.manufacturer_id, mid.into());
    assert_eq!(data.total, eur("524.00"));
    assert_eq!(data.lines.len(), 1);
    assert_eq!(data.lines[0].claim_id, doa.claim_id);
    assert_eq!(data.lines[0].amount, eur("524.00"));
    assert!(data.period.is_none());
    let data: kummerer_contracts::CreditNoteIssuedV1 =
        serde_json::from_value(events[1]["data"].clone()).unwrap();
    assert_eq!(data.total, eur("150.00"));
    assert!(data.period.is_some());
    // The relay publishes them.
    eventually("credit notes published", DEADLINE, || async {
        let n = count(
            &svc.db,
            "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.credit_note.issued.v1' \
             AND sent_at IS NOT NULL",
            vec![],
        )
        .await;
        (n == 2).then_some(())
    })
    .await;

    // Shown with lines; listed newest first without them.
    let id = first["id"].as_str().unwrap();
    let shown = get(&svc, &format!("{}/{id}", notes_path(mid))).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body, *first);
    let list = get(&svc, &notes_path(mid)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], second["id"]);
    assert_eq!(items[1]["id"], first["id"]);
    assert!(items[0]["lines"].is_null());
    assert!(list.body["next_cursor"].is_null());
    // Page by page.
    let p1 = get(&svc, &format!("{}?limit=1", notes_path(mid))).await;
    assert_eq!(p1.body["items"][0]["id"], second["id"]);
    let cursor = p1.body["next_cursor"].as_str().unwrap();
    let p2 = get(
        &svc,
        &format!("{}?limit=1&cursor={cursor}", notes_path(mid)),
    )
    .await;
    assert_eq!(p2.body["items"][0]["id"], first["id"]);
    assert!(p2.body["next_cursor"].is_null());
    // By retailer.
    let other = get(
        &svc,
        &format!("{}?retailer_id={}", notes_path(mid), Uuid::now_v7()),
    )
    .await;
    assert_eq!(other.body["items"], json!([]));
    for bad in ["?limit=0", "?cursor=nope", "?retailer_id=x"] {
        let a = get(&svc, &format!("{}{bad}", notes_path(mid))).await;
        assert_problem(&a, 400, bad);
    }
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_makes_one_note_per_currency_of_the_period_only() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let t0 = Utc::now().trunc_subsecs(6) - TimeDelta::days(10);
    let db = &svc.db;
    let eur1 = decided_claim(db, mid, retailer, "accepted", "100.00", "EUR", t0).await;
    let chf = decided_claim(db, mid, retailer, "partly_accepted", "80.00", "CHF", t0).await;
    let eur2 = decided_claim(
        db,
        mid,
        retailer,
        "partly_accepted",
        "20.50",
        "EUR",
        t0 + TimeDelta::hours(1),
    )
    .await;
    // Outside: the period's end (exclusive), before its start, another retailer, rejected.
    decided_claim(
        db,
        mid,
        retailer,
        "accepted",
        "1.00",
        "EUR",
        t0 + TimeDelta::days(1),
    )
    .await;
    decided_claim(
        db,
        mid,
        retailer,
        "accepted",
        "1.00",
        "EUR",
        t0 - TimeDelta::seconds(1),
    )
    .await;
    decided_claim(db, mid, Uuid::now_v7(), "accepted", "1.00", "EUR", t0).await;
    decided_claim(db, mid, retailer, "rejected", "0.00", "EUR", t0).await;

    let a = post(
        &svc,
        &notes_path(mid),
        &batch(retailer, t0, t0 + TimeDelta::days(1)),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let notes = a.body["credit_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    // Currencies in alphabetical order, numbered in that order.
    assert_eq!(notes[0]["number"], format!("CN-{}-000001", year()));
    assert_eq!(
        notes[0]["total"],
        json!({"amount": "80.00", "currency": "CHF"})
    );
    assert_eq!(notes[0]["lines"][0]["claim_id"], chf.to_string());
    assert_eq!(notes[1]["number"], format!("CN-{}-000002", year()));
    assert_eq!(
        notes[1]["total"],
        json!({"amount": "120.50", "currency": "EUR"})
    );
    let mut ids: Vec<String> = notes[1]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["claim_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected = vec![eur1.to_string(), eur2.to_string()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        notes[1]["period"],
        json!({"from": t0, "to": t0 + TimeDelta::days(1)})
    );
    assert_eq!(issued_events(db).await.len(), 2);
    // Shown as it was answered, lines in the same order.
    let id = notes[1]["id"].as_str().unwrap();
    let shown = get(&svc, &format!("{}/{id}", notes_path(mid))).await;
    assert_eq!(shown.body, notes[1]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_credit_each_claim_once_without_gaps_in_the_numbers() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let t0 = Utc::now().trunc_subsecs(6) - TimeDelta::hours(2);
    let one = decided_claim(&svc.db, mid, retailer, "accepted", "10.00", "EUR", t0).await;
    for _ in 0..5 {
        decided_claim(&svc.db, mid, retailer, "accepted", "10.00", "EUR", t0).await;
    }
    // Singles on one claim and batches over all of them, all at once.
    let single = json!({"claim_id": one});
    let period = batch(retailer, t0 - TimeDelta::hours(1), t0 + TimeDelta::hours(1));
    let path = notes_path(mid);
    let answers = futures_util::future::join_all((0..12).map(|i| {
        let body = if i % 2 == 0 { &single } else { &period };
        post(&svc, &path, body)
    }))
    .await;
    let mut issued = 0;
    for a in &answers {
        match a.status {
            201 => issued += a.body["credit_notes"].as_array().unwrap().len(),
            409 => assert_eq!(a.body["code"], "claim_already_credited", "{}", a.body),
            422 => assert_eq!(a.body["code"], "nothing_to_credit", "{}", a.body),
            other => panic!("{other}: {}", a.body),
        }
    }
    // Every claim on exactly one line; one note per successful request; numbers 1..=n.
    let lines = count(&svc.db, "SELECT count(*) FROM credit_note_lines", vec![]).await;
    assert_eq!(lines, 6);
    let distinct = count(
        &svc.db,
        "SELECT count(DISTINCT claim_id) FROM credit_note_lines",
        vec![],
    )
    .await;
    assert_eq!(distinct, 6);
    let notes = count(&svc.db, "SELECT count(*) FROM credit_notes", vec![]).await;
    assert_eq!(notes, issued as i64);
    assert!(issued >= 1);
    let rows = svc
        .db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT number FROM credit_notes ORDER BY number",
        ))
        .await
        .unwrap();
    let numbers: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "number").unwrap())
        .collect();
    let expected: Vec<String> = (1..=issued)
        .map(|n| format!("CN-{}-{n:06}", year()))
        .collect();
    assert_eq!(numbers, expected);
    assert_eq!(issued_events(&svc.db).await.len(), issued);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_issues_a_credit_note_once() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let t0 = Utc::now().trunc_subsecs(6) - TimeDelta::hours(2);
    let id = decided_claim(&svc.db, mid, retailer, "accepted", "10.00", "EUR", t0).await;
    let body = json!({"claim_id": id});
    let first = post_keyed(&svc, &notes_path(mid), &body, "cn-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!first.replayed);
    let again = post_keyed(&svc, &notes_path(mid), &body, "cn-1").await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert!(again.replayed);
    assert_eq!(again.body, first.body);
    let other = post_keyed(
        &svc,
        &notes_path(mid),
        &batch(retailer, t0, t0 + TimeDelta::hours(1)),
        "cn-1",
    )
    .await;
    assert_problem(&other, 422, "key reused");
    assert_eq!(other.body["code"], "idempotency_key_reused");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM credit_notes", vec![]).await,
        1
    );
    assert_eq!(issued_events(&svc.db).await.len(), 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credit_note_requests_are_problems_and_change_nothing() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let before = table_counts(&svc.db).await;
    let now = Utc::now();
    let cases: Vec<(Value, &[&str])> = vec![
        (json!({}), &["claim_id"]),
        (json!({"claim_id": "nope"}), &["claim_id"]),
        (
            json!({"claim_id": Uuid::now_v7(), "retailer_id": retailer}),
            &["claim_id"],
        ),
        (json!({"retailer_id": retailer}), &["period"]),
        (
            json!({"retailer_id": retailer, "period": {"from": now}}),
            &["period.to"],
        ),
        (
            json!({"retailer_id": retailer, "period": {"from": "yesterday", "to": now}}),
            &["period.from"],
        ),
        (
            json!({"retailer_id": retailer, "period": {"from": now, "to": now}}),
            &["period.to"],
        ),
        (
            json!({"period": {"from": now - TimeDelta::days(1), "to": now}}),
            &["retailer_id"],
        ),
    ];
    for (body, fields) in cases {
        let a = post(&svc, &notes_path(mid), &body).await;
        assert_problem(&a, 422, &body.to_string());
        assert_eq!(a.body["code"], "validation_failed", "{body}");
        let got: Vec<&str> = a.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(got, fields, "{body}");
    }
    for (raw, status) in [("{\"claim_id\": ", 400), ("[1]", 422)] {
        let a = post_raw(&svc, &notes_path(mid), raw).await;
        assert_problem(&a, status, raw);
    }
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_manufacturers_key_finds_no_credit_note_and_credits_no_claim_of_it() {
    let svc = start().await;
    let (a, a_key, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (b, b_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let t0 = Utc::now().trunc_subsecs(6) - TimeDelta::hours(2);
    let a_claim = decided_claim(&svc.db, a, retailer, "accepted", "10.00", "EUR", t0).await;
    let issued = post(&svc, &notes_path(a), &json!({"claim_id": a_claim})).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let note = issued.body["credit_notes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = table_counts(&svc.db).await;

    // B's key on A's routes: the 404 of an unknown manufacturer.
    use reqwest::Method;
    let routes = [
        (Method::GET, notes_path(a), Value::Null),
        (
            Method::GET,
            format!("{}/{note}", notes_path(a)),
            Value::Null,
        ),
        (Method::POST, notes_path(a), json!({"claim_id": a_claim})),
        (
            Method::POST,
            notes_path(a),
            batch(retailer, t0 - TimeDelta::days(1), t0 + TimeDelta::days(1)),
        ),
    ];
    for (method, path, body) in &routes {
        let x = call_as(&svc, method, path, body, Some(&b_key)).await;
        assert_problem(&x, 404, &format!("{method} {path} with B's key"));
        // No key at all: 401.
        let x = call_as(&svc, method, path, body, None).await;
        assert_problem(&x, 401, &format!("{method} {path} without a key"));
    }
    // B on its own routes: A's note and claim are as unknown as made-up ones.
    let x = call_as(
        &svc,
        &Method::GET,
        &format!("{}/{note}", notes_path(b)),
        &Value::Null,
        Some(&b_key),
    )
    .await;
    assert_problem(&x, 404, "A's note under B");
    let x = call_as(
        &svc,
        &Method::POST,
        &notes_path(b),
        &json!({"claim_id": a_claim}),
        Some(&b_key),
    )
    .await;
    assert_problem(&x, 404, "A's claim credited by B");
    let x = call_as(
        &svc,
        &Method::POST,
        &notes_path(b),
        &batch(retailer, t0 - TimeDelta::days(1), t0 + TimeDelta::days(1)),
        Some(&b_key),
    )
    .await;
    assert_problem(&x, 422, "A's claims in B's batch");
    let listed = call_as(
        &svc,
        &Method::GET,
        &notes_path(b),
        &Value::Null,
        Some(&b_key),
    )
    .await;
    assert_eq!(listed.body["items"], json!([]));
    // A still sees its own.
    let mine = call_as(
        &svc,
        &Method::GET,
        &notes_path(a),
        &Value::Null,
        Some(&a_key),
    )
    .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_states_net_vat_and_gross_by_the_retailers_announced_country() {
    let svc = start().await;
    let (mid, _, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    // The retailer's profile, with its country, over the broker.
    publish_event(
        &svc.names,
        kummerer_contracts::RetailerProfileV1 {
            retailer_id: retailer.into(),
            name: "Elektro Maier".into(),
            announced_at: Utc::now(),
            country: Some("de".into()),
        },
    )
    .await;
    eventually("the retailer's country known", DEADLINE, || async {
        let n = count(
            &svc.db,
            "SELECT count(*) FROM partner_directory WHERE retailer_id = $1 AND country = 'DE'",
            vec![retailer.into()],
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    let t0 = Utc::now().trunc_subsecs(6) - TimeDelta::hours(2);
    let a = decided_claim(&svc.db, mid, retailer, "accepted", "524.00", "EUR", t0).await;
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE claims SET cost_lines = $2 WHERE id = $1",
            [
                a.into(),
                json!([
                    {"kind": "unit", "amount": {"amount": "499.00", "currency": "EUR"}},
                    {"kind": "handling_fee", "amount": {"amount": "25.00", "currency": "EUR"}},
                ])
                .into(),
            ],
        ))
        .await
        .unwrap();
    // 10.50 at 19 % is 1.995: half-up per line, 2.00.
    let b = decided_claim(
        &svc.db,
        mid,
        retailer,
        "partly_accepted",
        "10.50",
        "EUR",
        t0,
    )
    .await;
    let issued = post(
        &svc,
        &notes_path(mid),
        &batch(retailer, t0 - TimeDelta::hours(1), t0 + TimeDelta::hours(1)),
    )
    .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let n = &issued.body["credit_notes"][0];
    let eur_json = |a: &str| json!({"amount": a, "currency": "EUR"});
    assert_eq!(
        n["vat"],
        json!({
            "treatment": "standard",
            "retailer_country": "DE",
            "manufacturer_country": null,
            "rate_percent": "19",
            "net": eur_json("534.50"),
            "vat": eur_json("101.56"),
            "gross": eur_json("636.06"),
        }),
        "{}",
        issued.body
    );
    assert_eq!(n["total"], eur_json("534.50"));
    // The same on a later read, line by line.
    let got = get(
        &svc,
        &format!("{}/{}", notes_path(mid), n["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["vat"], n["vat"]);
    let lines: HashMap<String, Value> = got.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["claim_id"].as_str().unwrap().to_owned(), l.clone()))
        .collect();
    let (la, lb) = (&lines[&a.to_string()], &lines[&b.to_string()]);
    assert_eq!(la["vat"], eur_json("99.56"));
    assert_eq!(la["gross"], eur_json("623.56"));
    assert_eq!(
        la["cost_lines"],
        json!([
            {"kind": "unit", "amount": eur_json("499.00")},
            {"kind": "handling_fee", "amount": eur_json("25.00")},
        ])
    );
    assert_eq!(lb["vat"], eur_json("2.00"));
    assert_eq!(lb["gross"], eur_json("12.50"));
    assert_eq!(lb["cost_lines"], json!([]));
    // The message carries the same statement, and it adds up over its lines.
    let events = issued_events(&svc.db).await;
    assert_eq!(events.len(), 1);
    let data: kummerer_contracts::CreditNoteIssuedV1 =
        serde_json::from_value(events[0]["data"].clone()).unwrap();
    let vat = data.vat.clone().unwrap();
    assert_eq!(vat.vat, Some(eur("101.56")));
    assert_eq!(vat.gross, Some(eur("636.06")));
    let sent: Vec<_> = data
        .lines
        .iter()
        .map(|l| (&l.amount, l.vat.as_ref()))
        .collect();
    assert_eq!(vat.adds_up(&sent), Ok(()));
    let line_a = data.lines.iter().find(|l| l.claim_id == a.into()).unwrap();
    assert_eq!(line_a.cost_lines.len(), 2);
    svc.stop().await;
}
