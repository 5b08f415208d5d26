//! Issue 12: the counter's answer (whose account a swap today is on) and the consumer's clocks on
//! the sale and case pages before the clerk decides; the swap records the answer at approval and
//! the case JSON and page show it afterwards.

use kummerer_contracts::{RuleFees, SwapRuleV1};

use super::desk::{add_staff, bootstrap_admin, browser, page, signed_in};
use super::settlement::{agreement, terms};
use crate::support::*;

fn money(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_says_whose_account_and_the_swap_records_it() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let other = self::shop(&svc, "Elektro Huber", "SN-2").await;
    // Version 3: the first year on the manufacturer, 100 % plus a 15 EUR handling fee.
    let mut t = terms(1, 80);
    t.swap_rules = vec![SwapRuleV1 {
        fees: RuleFees {
            handling_fee: Some(money("15")),
            ..Default::default()
        },
        ..SwapRuleV1::covering("year_1", 0, 12, Decimal::from(100))
    }];
    publish_event(
        &svc.names,
        agreement(
            shop.retailer_id,
            shop.manufacturer_id,
            Uuid::now_v7(),
            3,
            Utc::now() - Span::days(30),
            t,
        ),
    )
    .await;
    eventually("the version stored", DEADLINE, || async {
        (count(&svc.db, "SELECT 1 FROM agreements", vec![]).await == 1).then_some(())
    })
    .await;
    accept_as_before(&svc.db).await;

    bootstrap_admin(&svc, shop.retailer_id).await;
    let clerk = "clerk@maier.example";
    add_staff(&svc, shop.retailer_id, clerk, "clerk").await;
    let client = browser();
    signed_in(&svc, &client, clerk).await;

    // Before the clerk decides: the sale and the case say it plainly, with the clocks.
    let (status, html) = page(&svc, &client, &format!("/desk/sales/{}", shop.sale_id)).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-kind="manufacturer""#), "{html}");
    assert!(
        html.contains("On the manufacturer’s account under agreement v3: 100 % + €15.00 fees"),
        "{html}"
    );
    assert!(html.contains("Handling fee: €15.00"), "{html}");
    assert!(
        html.contains(r#"id="burden-of-proof" class="ok">on the store until"#),
        "{html}"
    );
    let case_page = format!("/desk/cases/{}", shop.case_id);
    let (_, html) = page(&svc, &client, &case_page).await;
    assert!(html.contains(r#"data-kind="manufacturer""#), "{html}");
    assert!(
        html.contains(r#"id="legal-guarantee" class="ok">until"#),
        "{html}"
    );
    assert!(!html.contains("counter-recorded-note"), "{html}");

    // In German (Sie-form), with German money.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET language = 'de' WHERE email = $1",
            [clerk.into()],
        ))
        .await
        .unwrap();
    let (_, html) = page(&svc, &client, &case_page).await;
    assert!(
        html.contains(
            "Auf Kosten des Herstellers nach Vereinbarung v3: 100 % + 15,00 € Gebühren \
             (insgesamt 514,00 €)"
        ),
        "{html}"
    );
    assert!(html.contains("Bearbeitungsgebühr: 15,00 €"), "{html}");
    assert!(
        html.contains(r#"id="burden-of-proof" class="ok">beim Markt bis"#),
        "{html}"
    );

    // Approved through the JSON API: the swap records the answer of that moment, and the
    // approval's answer carries it.
    let approved = created(
        &svc,
        &shop.path(&format!("/cases/{}/swap", shop.case_id)),
        window_body("clerk"),
    )
    .await;
    assert_eq!(approved["counter"]["kind"], "manufacturer", "{approved}");
    assert_eq!(approved["counter"]["version"], 3, "{approved}");
    assert_eq!(approved["counter"]["rule"], "year_1", "{approved}");
    let recorded = one_string(
        &svc.db,
        "SELECT counter_kind || '/' || counter_version || '/' || counter_rule FROM swaps \
         WHERE case_id = $1",
        vec![shop.case_id.into()],
    )
    .await;
    assert_eq!(recorded, "manufacturer/3/year_1");
    let (status, case) = get_json(&svc, &shop.path(&format!("/cases/{}", shop.case_id))).await;
    assert_eq!(status, 200, "{case}");
    let c = &case["swap"]["counter"];
    assert_eq!(
        c, &approved["counter"],
        "the answer given is the one recorded"
    );
    assert_eq!(c["kind"], "manufacturer", "{case}");
    assert_eq!(c["version"], 3);
    assert_eq!(c["rule"], "year_1");
    assert_eq!(c["percent"], "100");
    assert_eq!(c["extras"]["currency"], "EUR");
    assert!(
        c["total"]["amount"].as_str().unwrap().starts_with("514"),
        "{c}"
    );
    // A later version changes nothing on the swap: the page shows what was recorded.
    let (_, html) = page(&svc, &client, &case_page).await;
    assert!(html.contains(r#"id="counter-recorded-note""#), "{html}");
    assert!(html.contains(r#"data-kind="manufacturer""#), "{html}");

    // No agreement with the other retailer's manufacturer: recorded and answered as such.
    let approved = created(
        &svc,
        &other.path(&format!("/cases/{}/swap", other.case_id)),
        window_body("clerk"),
    )
    .await;
    assert_eq!(
        approved["counter"],
        json!({"kind": "no_agreement"}),
        "{approved}"
    );
    let (_, case) = get_json(&svc, &other.path(&format!("/cases/{}", other.case_id))).await;
    assert_eq!(
        case["swap"]["counter"],
        json!({"kind": "no_agreement"}),
        "{case}"
    );
    bootstrap_admin(&svc, other.retailer_id).await;
    let their_clerk = "clerk@huber.example";
    add_staff(&svc, other.retailer_id, their_clerk, "clerk").await;
    let client = browser();
    signed_in(&svc, &client, their_clerk).await;
    let (_, html) = page(&svc, &client, &format!("/desk/sales/{}", other.sale_id)).await;
    assert!(html.contains(r#"data-kind="no_agreement""#), "{html}");
    assert!(html.contains("No agreement with"), "{html}");
    svc.stop().await;
}
