//! The desk flow through the JSON API: retailer, product, sale, case and swap, with the
//! claim, the timeline and the outbox rows it makes; two approvals at once make one swap.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_is_approved_with_its_claim_timeline_and_events() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;

    // The desk finds the sale by serial and by receipt.
    let (status, found) = get_json(&svc, &shop.path("/sales?serial=SN-1")).await;
    assert_eq!(status, 200, "{found}");
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], shop.sale_id.to_string());
    assert_eq!(
        items[0]["product"]["manufacturer_id"],
        shop.manufacturer_id.to_string()
    );
    let (_, found) = get_json(&svc, &shop.path("/sales?receipt_no=R-1")).await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, found) = get_json(&svc, &shop.path("/sales?serial=SN-OTHER")).await;
    assert_eq!(found["items"], json!([]));

    let before = Utc::now();
    let (swap_id, claim_id) = approve(&svc, &shop).await;

    // The database: swap, claim, case status, two timeline entries, two outbox rows.
    let db = &svc.db;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM swaps WHERE id = $1 AND case_id = $2 AND retailer_id = $3 \
             AND replacement_product_id = $4 AND status = 'approved' \
             AND approved_by = 'API key «tests»' AND street = 'Hauptstraße 1' AND city = 'Berlin' \
             AND address_name = 'Erika Mustermann'",
            vec![
                swap_id.into(),
                shop.case_id.into(),
                shop.retailer_id.into(),
                shop.product_id.into()
            ],
        )
        .await,
        1
    );
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM claims WHERE id = $1 AND swap_id = $2 AND retailer_id = $3 \
             AND manufacturer_id = $4 AND amount_claimed = 499.00 AND currency = 'EUR' \
             AND status = 'submitted' AND decided_at IS NULL",
            vec![
                claim_id.into(),
                swap_id.into(),
                shop.retailer_id.into(),
                shop.manufacturer_id.into()
            ],
        )
        .await,
        1
    );
    assert_eq!(
        one_string(
            db,
            "SELECT status FROM cases WHERE id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        "swap_approved"
    );
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM timeline WHERE source = 'retailer' AND message_id IS NULL \
             AND kind IN ('swap_approved', 'claim_submitted') AND case_id = $1",
            vec![shop.case_id.into()]
        )
        .await,
        2
    );
    assert_eq!(count(db, OUTBOX_BUT_PROFILES, vec![]).await, 2);

    let swaps = outbox(db, SWAP_APPROVED).await;
    assert_eq!(swaps.len(), 1);
    assert_eq!(swaps[0]["type"], SWAP_APPROVED);
    let data = &swaps[0]["data"];
    assert_eq!(data["swap_id"], swap_id.to_string());
    assert_eq!(data["case_id"], shop.case_id.to_string());
    assert_eq!(data["retailer_id"], shop.retailer_id.to_string());
    assert_eq!(data["defective_serial"], "SN-1");
    assert_eq!(data["defective_product"]["sku"], "WM-100");
    assert_eq!(data["replacement_product"]["sku"], "WM-100");
    assert_eq!(
        data["replacement_product"]["manufacturer_id"],
        shop.manufacturer_id.to_string()
    );
    assert_eq!(data["delivery_address"], customer());
    assert_eq!(data["approved_by"], "API key «tests»");
    let approved_at: DateTime<Utc> = serde_json::from_value(data["approved_at"].clone()).unwrap();
    assert!(approved_at >= before);

    let claims = outbox(db, CLAIM_SUBMITTED).await;
    assert_eq!(claims.len(), 1);
    let data = &claims[0]["data"];
    assert_eq!(data["claim_id"], claim_id.to_string());
    assert_eq!(data["swap_id"], swap_id.to_string());
    assert_eq!(data["case_id"], shop.case_id.to_string());
    assert_eq!(data["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(data["serial"], "SN-1");
    assert_eq!(data["product"]["sku"], "WM-100");
    assert_eq!(data["price_paid"], eur("499.00"));
    // The product's list price rides along: the manufacturer checks the claim against it.
    assert_eq!(data["list_price"], eur("549.00"));
    assert_eq!(data["defect_category"], "does_not_start");
    assert_eq!(data["defect_description"], "Drum does not turn");
    assert_eq!(data["swapped_at"], swaps[0]["data"]["approved_at"]);

    // The relay publishes both.
    eventually("both events to be published", DEADLINE, || async {
        let sent = format!("{OUTBOX_BUT_PROFILES} AND sent_at IS NOT NULL");
        let sent = count(db, &sent, vec![]).await;
        (sent == 2).then_some(())
    })
    .await;

    // The case view.
    let (status, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["id"], shop.case_id.to_string());
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["defect_category"], "does_not_start");
    assert_eq!(case["defect_description"], "Drum does not turn");
    assert!(case["opened_at"].is_string());
    assert_eq!(case["sale"]["serial"], "SN-1");
    assert_eq!(case["sale"]["receipt_no"], "R-1");
    assert_eq!(case["swap"]["id"], swap_id.to_string());
    assert_eq!(case["swap"]["status"], "approved");
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-100");
    assert_eq!(case["swap"]["delivery_address"], customer());
    assert_eq!(case["claim"]["id"], claim_id.to_string());
    assert_eq!(case["claim"]["status"], "submitted");
    assert_eq!(case["claim"]["amount_claimed"], eur("499.00"));
    assert!(case["claim"]["decided_amount"].is_null());
    let timeline = case["timeline"].as_array().unwrap();
    let mut kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["claim_submitted", "swap_approved"]);
    assert!(timeline.iter().all(|e| e["source"] == "retailer"));
    let approved = timeline
        .iter()
        .find(|e| e["kind"] == "swap_approved")
        .unwrap();
    assert_eq!(approved["details"]["swap_id"], swap_id.to_string());
    // The approver is the key the request came with, never the body's `approved_by`.
    assert_eq!(approved["details"]["approved_by"], "API key «tests»");

    // A second case on the same unit while this one is in progress: refused.
    post_problem(
        &svc,
        &shop.path("/cases"),
        json!({"serial": "SN-1", "defect_category": "noise", "defect_description": "again"}),
        409,
        "case_exists",
        "second case on the unit",
    )
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_to_another_model_goes_to_the_address_given() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let other_manufacturer = Uuid::now_v7();
    created(
        &svc,
        &shop.path("/products"),
        json!({"sku": "WM-200", "name": "Washing machine WM 200",
               "manufacturer_id": other_manufacturer, "price": eur("649.00")}),
    )
    .await;
    let (status, list) = get_json(&svc, &shop.path("/products")).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let mut body = window_body("manager.bea");
    body["replacement_sku"] = json!("WM-200");
    body["delivery_address"] = json!({"name": "Max Mustermann", "phone": "+49 89 1",
        "street": "Nebenweg 2", "postcode": "80331", "city": "München", "country": "de"});
    created(&svc, &shop.swap_path(), body).await;

    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-200");
    assert_eq!(case["swap"]["delivery_address"]["city"], "München");
    assert_eq!(case["swap"]["delivery_address"]["country"], "DE");
    let data = &outbox(&svc.db, SWAP_APPROVED).await[0]["data"];
    assert_eq!(data["defective_product"]["sku"], "WM-100");
    assert_eq!(data["replacement_product"]["sku"], "WM-200");
    assert_eq!(
        data["replacement_product"]["manufacturer_id"],
        other_manufacturer.to_string()
    );
    assert_eq!(data["delivery_address"]["street"], "Nebenweg 2");
    // The claim goes to the maker of the defective unit, for what the customer paid.
    let data = &outbox(&svc.db, CLAIM_SUBMITTED).await[0]["data"];
    assert_eq!(data["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(data["price_paid"], eur("499.00"));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_at_once_make_one_swap() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let path = shop.swap_path();
    let send = |who: &'static str| {
        request(&svc, reqwest::Method::POST, &path)
            .json(&window_body(who))
            .send()
    };
    let (a, b) = tokio::join!(send("clerk.anna"), send("clerk.ben"));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (winner, loser) = if a.status().as_u16() == 201 {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(winner.status().as_u16(), 201);
    assert_problem(loser, 409, "swap_already_approved", "the second approval").await;

    // And once more, after the fact.
    post_problem(
        &svc,
        &path,
        window_body("clerk.carl"),
        409,
        "swap_already_approved",
        "a late approval",
    )
    .await;

    let db = &svc.db;
    assert_eq!(count(db, "SELECT 1 FROM swaps", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM claims", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(count(db, OUTBOX_BUT_PROFILES, vec![]).await, 2);
    assert_eq!(outbox(db, SWAP_APPROVED).await.len(), 1);
    assert_eq!(outbox(db, CLAIM_SUBMITTED).await.len(), 1);
    svc.stop().await;
}
