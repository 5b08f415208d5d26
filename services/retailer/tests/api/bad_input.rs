//! Bad input gets a problem and changes nothing.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_problem_and_changes_nothing() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let before = snapshot(&svc.db).await;
    let (products, sales, cases) = (
        shop.path("/products"),
        shop.path("/sales"),
        shop.path("/cases"),
    );
    let swap = shop.swap_path();
    let product = |price: Json| {
        json!({"sku": "WM-9", "name": "Nine", "manufacturer_id": Uuid::now_v7(),
               "price": price})
    };
    let money = |amount: &str, currency: &str| json!({"amount": amount, "currency": currency});
    let sale = |key: &str, value: Json| {
        let mut body = sale_body("R-2", "WM-100", "SN-2");
        set(&mut body, key, value);
        body
    };
    let approval = |key: &str, value: Json| {
        let mut body = window_body("clerk.anna");
        set(&mut body, key, value);
        body
    };
    let case = |serial: &str, category: &str| {
        json!({"serial": serial, "defect_category": category,
               "defect_description": "x"})
    };
    let later = |days: i64| json!((Utc::now() + Span::days(days)).to_rfc3339());

    // Retailers.
    rejects(&svc, "/api/retailers", json!({}), "422").await;
    rejects(&svc, "/api/retailers", json!({"name": 5}), "422").await;
    rejects(&svc, "/api/retailers", json!({"name": "  "}), "422 name").await;
    // Products: money that is negative, too precise, in a bad currency, not an object.
    rejects(&svc, &products, product(money("-1.00", "EUR")), "422").await;
    rejects(&svc, &products, product(money("1.001", "EUR")), "422").await;
    rejects(&svc, &products, product(money("1.00", "eur")), "422").await;
    rejects(&svc, &products, product(json!("1.00")), "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "manufacturer_id", Json::Null);
    rejects(&svc, &products, body, "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "manufacturer_id", json!("nope"));
    rejects(&svc, &products, body, "422").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "sku", json!(""));
    rejects(&svc, &products, body, "422 sku").await;
    let mut body = product(money("1.00", "EUR"));
    set(&mut body, "sku", json!("WM-100"));
    rejects(&svc, &products, body, "409 product_exists").await;
    let unknown = format!("/api/retailers/{}/products", Uuid::now_v7());
    rejects(&svc, &unknown, product(money("1.00", "EUR")), "404").await;
    // Sales.
    rejects(&svc, &sales, sale("sku", json!("WM-404")), "422 sku").await;
    rejects(
        &svc,
        &sales,
        sale_body("R-1", "WM-100", "SN-1"),
        "409 sale_exists",
    )
    .await;
    rejects(&svc, &sales, sale("sold_at", later(1)), "422 sold_at").await;
    rejects(&svc, &sales, sale("sold_at", json!("yesterday")), "422").await;
    rejects(
        &svc,
        &sales,
        sale("price_paid", money("-1.00", "EUR")),
        "422",
    )
    .await;
    rejects(&svc, &sales, sale("customer", Json::Null), "422").await;
    let mut body = sale("customer.country", json!("Germany"));
    set(&mut body, "customer.city", json!(""));
    rejects(&svc, &sales, body, "422 customer.country,customer.city").await;
    // Cases.
    rejects(
        &svc,
        &cases,
        case("SN-1", "malfunction"),
        "422 defect_category",
    )
    .await;
    rejects(&svc, &cases, case("SN-404", "noise"), "422 serial").await;
    rejects(
        &svc,
        &cases,
        json!({"serial": "SN-1", "defect_category": "noise"}),
        "422",
    )
    .await;
    rejects(&svc, &cases, case("SN-1", "noise"), "409 case_exists").await;
    // Swaps.
    rejects(
        &svc,
        &swap,
        approval("window_end", later(0)),
        "422 window_end",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("window_start", later(-3)),
        "422 window_start",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("window_end", later(61)),
        "422 window_end",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("replacement_sku", json!("WM-404")),
        "422 replacement_sku",
    )
    .await;
    rejects(
        &svc,
        &swap,
        approval("delivery_address", json!({"name": "x"})),
        "422",
    )
    .await;
    // `approved_by` is no longer read (the integration key approves): no field error for it.
    let unknown = shop.path(&format!("/cases/{}/swap", Uuid::now_v7()));
    rejects(&svc, &unknown, window_body("clerk.anna"), "404").await;
    // Ids in the path that are no UUIDs.
    rejects(
        &svc,
        "/api/retailers/not-a-uuid/cases",
        case("SN-1", "noise"),
        "404",
    )
    .await;
    rejects(
        &svc,
        &shop.path("/cases/not-a-uuid/swap"),
        window_body("x"),
        "404",
    )
    .await;

    // Not JSON at all, and a body over 64 KiB.
    let res = request(&svc, reqwest::Method::POST, &cases)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "syntax error").await;
    let huge = json!({"serial": "SN-1", "defect_category": "noise",
                      "defect_description": "x".repeat(70 * 1024)});
    let res = request(&svc, reqwest::Method::POST, &cases)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body").await;

    // Searching needs something to search by; a bad UUID in a GET path is a 404.
    let res = request(&svc, reqwest::Method::GET, &sales)
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "validation_failed", "search without criteria").await;
    let res = request(&svc, reqwest::Method::GET, &shop.path("/cases/123"))
        .send()
        .await
        .unwrap();
    assert_problem(res, 404, "not_found", "non-UUID case id").await;

    assert_eq!(snapshot(&svc.db).await, before);
    // The case is still open and can still be approved.
    approve(&svc, &shop).await;
    svc.stop().await;
}
