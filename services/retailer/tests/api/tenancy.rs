//! The tenant wall: one retailer never sees another one's data.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_retailer_never_sees_another_ones_data() {
    let svc = start().await;
    let a = shop(&svc, "Elektro Maier", "SN-A").await;
    let (swap_id, _) = approve(&svc, &a).await;
    let b = created(&svc, "/api/retailers", json!({"name": "Technik Huber"})).await;
    let b_id = id_of(&b);
    let b_path = |rest: &str| format!("/api/retailers/{b_id}{rest}");

    // A's case under B's id, or under an unknown retailer: 404 like an unknown case.
    for path in [
        b_path(&format!("/cases/{}", a.case_id)),
        format!("/api/retailers/{}/cases/{}", Uuid::now_v7(), a.case_id),
        a.path(&format!("/cases/{}", Uuid::now_v7())),
    ] {
        let res = request(&svc, reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_problem(res, 404, "not_found", &path).await;
    }
    let before = snapshot(&svc.db).await;
    post_problem(
        &svc,
        &b_path(&format!("/cases/{}/swap", a.case_id)),
        window_body("intruder"),
        404,
        "not_found",
        "B approving A's case",
    )
    .await;
    // B cannot open a case on A's unit, nor sell A's product, nor find A's sale.
    let problem = post_problem(
        &svc,
        &b_path("/cases"),
        json!({"serial": "SN-A", "defect_category": "noise", "defect_description": "x"}),
        422,
        "validation_failed",
        "B's case on A's serial",
    )
    .await;
    assert_eq!(fields(&problem), ["serial"]);
    let problem = post_problem(
        &svc,
        &b_path("/sales"),
        sale_body("R-B", "WM-100", "SN-B"),
        422,
        "validation_failed",
        "B selling A's product",
    )
    .await;
    assert_eq!(fields(&problem), ["sku"]);
    let (status, found) = get_json(&svc, &b_path("/sales?serial=SN-A")).await;
    assert_eq!(status, 200);
    assert_eq!(found["items"], json!([]));
    let (_, found) = get_json(&svc, &b_path("/sales?receipt_no=R-1")).await;
    assert_eq!(found["items"], json!([]));
    let (_, products) = get_json(&svc, &b_path("/products")).await;
    assert_eq!(products["items"], json!([]));
    assert_eq!(snapshot(&svc.db).await, before);

    // Another retailer may use the same SKU, receipt and serial as A (events naming A's swap
    // with another retailer's id are dead-lettered: see the DLQ test).
    let other = shop(&svc, "Technik Huber", "SN-A").await;
    let (_, other_case) = get_json(&svc, &other.case_path()).await;
    assert_eq!(other_case["sale"]["id"], other.sale_id.to_string());
    let (_, a_found) = get_json(&svc, &a.path("/sales?serial=SN-A")).await;
    let items = a_found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.sale_id.to_string());
    let (_, a_case) = get_json(&svc, &a.case_path()).await;
    assert_eq!(a_case["swap"]["id"], swap_id.to_string());
    svc.stop().await;
}
