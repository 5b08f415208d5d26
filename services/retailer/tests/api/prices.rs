//! A sale's price paid against the product's list price (issue 10, "no one can buy a refund"):
//! above it (beyond the tolerance, none by default) or in another currency is refused through
//! the API (422 with a documented code) and the POS import (a row error), and nothing is stored.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_price_paid_above_the_list_price_is_refused_and_nothing_is_stored() {
    let svc = start().await;
    // WM-100 is listed at 549.00 EUR; the shop sold it once for 499.00.
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let path = shop.path("/sales");
    let sale = |serial: &str, amount: &str, currency: &str| {
        let mut body = sale_body(&format!("R-{serial}"), "WM-100", serial);
        body["price_paid"] = json!({"amount": amount, "currency": currency});
        body
    };
    let before = count(&svc.db, "SELECT 1 FROM sales", vec![]).await;

    let p = post_problem(
        &svc,
        &path,
        sale("SN-BOUGHT", "99999.99", "EUR"),
        422,
        "price_above_list",
        "a price far above the list price",
    )
    .await;
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("549.00 EUR"), "{p}");
    assert!(detail.contains("tolerance 0"), "{p}");
    assert_eq!(fields(&p), ["price_paid.amount"]);
    post_problem(
        &svc,
        &path,
        sale("SN-CENT", "549.01", "EUR"),
        422,
        "price_above_list",
        "a cent above the list price",
    )
    .await;
    let p = post_problem(
        &svc,
        &path,
        sale("SN-CHF", "100.00", "CHF"),
        422,
        "price_currency_not_list",
        "another currency than the list price's",
    )
    .await;
    assert_eq!(fields(&p), ["price_paid.currency"]);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sales", vec![]).await, before);
    assert!(outbox(&svc.db, CLAIM_SUBMITTED).await.is_empty());

    // At the list price, and below it (a discount), the sale is recorded.
    created(&svc, &path, sale("SN-LIST", "549.00", "EUR")).await;
    created(&svc, &path, sale("SN-DISCOUNT", "1.00", "EUR")).await;
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM sales", vec![]).await,
        before + 2
    );
    svc.stop().await;
}
