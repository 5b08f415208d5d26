//! No refund can be bought (issue 10): an agreement version may carry a per-claim cap and a
//! price list; a claim whose amount is above the cap, or above what the rule pays on the list
//! price (the manufacturer's own where it lists the SKU, else the one the retailer sent), is
//! never accepted by a rule nor deemed accepted at its deadline: it waits, flagged
//! `amount_above_cap`, and the listing finds it by that flag.

use crate::support::*;

/// A claim of `sku` (`days_before_swap` after the sale) at `price_paid`, with the retailer's
/// list price `list` (`None`: a message from before the list price was carried).
fn priced(
    mid: Uuid,
    retailer: Uuid,
    days_before_swap: i64,
    sku: &str,
    price_paid: &str,
    list: Option<&str>,
) -> ClaimSubmittedV1 {
    let mut c = claim(mid, retailer, days_before_swap);
    c.product.sku = sku.into();
    c.price_paid = eur(price_paid);
    c.list_price = list.map(eur);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_above_the_cap_or_the_list_price_wait_flagged() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let mut body = agreement_body(retailer);
    body["claim_cap"] = json!({"amount": "500", "currency": "EUR"});
    body["price_list"] =
        json!([{"sku": "WM-100", "price": {"amount": "449.00", "currency": "EUR"}}]);
    let a = post(&svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.body["claim_cap"],
        json!({"amount": "500.00", "currency": "EUR"})
    );
    assert_eq!(
        a.body["price_list"],
        json!([{"sku": "WM-100", "price": {"amount": "449.00", "currency": "EUR"}}])
    );

    // (claim, accepted by rule for, flagged)
    let cases = [
        // At the retailer's list price, under the cap: 449.00 + 25.00.
        (
            priced(mid, retailer, 3, "WM-200", "449.00", Some("499.00")),
            Some("474.00"),
        ),
        // At the manufacturer's own list price.
        (
            priced(mid, retailer, 3, "WM-100", "449.00", Some("449.00")),
            Some("474.00"),
        ),
        // Above the manufacturer's list price: its list wins over the retailer's 999.00.
        (
            priced(mid, retailer, 3, "WM-100", "460.00", Some("999.00")),
            None,
        ),
        // The bought refund: far above the retailer's list price.
        (
            priced(mid, retailer, 3, "WM-200", "99999.99", Some("499.00")),
            None,
        ),
        // At the list price, but 480.00 + 25.00 is above the 500.00 cap.
        (
            priced(mid, retailer, 3, "WM-200", "480.00", Some("480.00")),
            None,
        ),
        // An older message without a list price: the cap still holds, the rule still pays.
        (
            priced(mid, retailer, 3, "WM-200", "449.00", None),
            Some("474.00"),
        ),
    ];
    for (event, accepted) in &cases {
        publish_event(&svc.names, event.clone()).await;
        let c = wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
        match accepted {
            Some(amount) => {
                assert_eq!(c["status"], "accepted", "{c}");
                assert_eq!(c["decided_by"], "rule:doa_full_refund", "{c}");
                assert_eq!(c["decided_amount"]["amount"], *amount, "{c}");
                assert_eq!(c["flags"], json!([]), "{c}");
            }
            None => {
                assert_eq!(c["status"], "pending", "{c}");
                assert_eq!(c["pending_reason"], "flagged", "{c}");
                assert_eq!(c["flags"], json!(["amount_above_cap"]), "{c}");
                assert!(c["decided_amount"].is_null(), "{c}");
            }
        }
        assert_eq!(
            c["list_price"],
            event.list_price.as_ref().map_or(Value::Null, |m| {
                json!({"amount": m.amount.to_string(), "currency": "EUR"})
            }),
            "{c}"
        );
    }

    // Within coverage, above the cap (80 % of 700.00 + 25.00 = 585.00): waits with its
    // suggestion, and its deadline does not accept it; one under the cap is deemed accepted.
    let over = priced(mid, retailer, 60, "WM-200", "700.00", Some("700.00"));
    let under = priced(mid, retailer, 60, "WM-200", "499.00", Some("499.00"));
    for event in [&over, &under] {
        publish_event(&svc.names, event.clone()).await;
        let c = wait_claim(&svc, mid, event.claim_id.as_uuid()).await;
        assert_eq!(c["pending_reason"], "outside_doa", "{c}");
    }
    let c = claim_of(&svc, mid, over.claim_id.as_uuid()).await;
    assert_eq!(c["flags"], json!(["amount_above_cap"]), "{c}");
    assert_eq!(c["suggested_amount"]["amount"], "585.00", "{c}");
    let later = at(&c["deadline_at"]) + TimeDelta::days(1);
    assert_eq!(fire_deadlines(&svc.db, later).await.unwrap(), 1);
    assert_eq!(
        claim_of(&svc, mid, over.claim_id.as_uuid()).await["status"],
        "pending"
    );
    assert_eq!(
        claim_of(&svc, mid, under.claim_id.as_uuid()).await["status"],
        "accepted"
    );

    // The listing finds the held claims by their flag; an unknown flag is a bad query.
    let page = get(
        &svc,
        &format!("/api/manufacturers/{mid}/claims?flag=amount_above_cap"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut ids: Vec<String> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut held: Vec<String> = [&cases[2].0, &cases[3].0, &cases[4].0, &over]
        .iter()
        .map(|e| e.claim_id.to_string())
        .collect();
    held.sort();
    assert_eq!(ids, held);
    let bad = get(&svc, &format!("/api/manufacturers/{mid}/claims?flag=cheap")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // In the database: every claim stored once with the list price it carried; nothing above
    // the cap accepted.
    let n = |sql: &'static str| count(&svc.db, sql, vec![]);
    assert_eq!(n("SELECT count(*) FROM claims").await, 8);
    assert_eq!(
        n("SELECT count(*) FROM claims WHERE list_price IS NULL").await,
        1
    );
    assert_eq!(
        n("SELECT count(*) FROM claims WHERE flags @> '[\"amount_above_cap\"]'").await,
        4
    );
    assert_eq!(
        n("SELECT count(*) FROM claims WHERE status = 'accepted' AND decided_amount > 500").await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cap_or_a_price_list_in_another_currency_is_refused() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let path = format!("/api/manufacturers/{mid}/agreements");
    let before = table_counts(&svc.db).await;
    let line = |sku: &str, amount: &str, currency: &str| json!({"sku": sku, "price": {"amount": amount, "currency": currency}});
    for (field, cap, list) in [
        (
            "claim_cap.currency",
            json!({"amount": "500", "currency": "USD"}),
            json!([]),
        ),
        (
            "claim_cap.amount",
            json!({"amount": "-1", "currency": "EUR"}),
            json!([]),
        ),
        (
            "price_list[1].sku",
            Value::Null,
            json!([line("WM-100", "499", "EUR"), line("WM-100", "449", "EUR")]),
        ),
        (
            "price_list[0].price.currency",
            Value::Null,
            json!([line("WM-100", "499", "CHF")]),
        ),
        (
            "price_list[0].sku",
            Value::Null,
            json!([line(" ", "499", "EUR")]),
        ),
    ] {
        let mut body = agreement_body(Uuid::now_v7());
        body["claim_cap"] = cap;
        body["price_list"] = list;
        let a = post(&svc, &path, &body).await;
        assert_eq!(a.status, 422, "{field}: {}", a.body);
        assert_eq!(a.body["code"], "validation_failed", "{}", a.body);
        let fields: Vec<&str> = a.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(fields, [field], "{}", a.body);
    }
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}
