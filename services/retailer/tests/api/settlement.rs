//! The settlement queue: agreements stored per version and shown on the sale (page and JSON) by
//! the version in force today; credit notes and the recovery ledger; the walls between
//! retailers.

use kummerer_contracts::topology::RETAILER_SETTLEMENT;
use kummerer_contracts::{
    AgreementPublishedV1, AgreementTermsV1, DeadlineDefault, UnitDisposition,
};

use super::desk::{browser, desk_shop, page, signed_in};
use crate::support::*;

fn money(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

pub(super) fn terms(doa_days: u32, percent: u32) -> AgreementTermsV1 {
    AgreementTermsV1 {
        currency: Currency::parse("EUR").unwrap(),
        coverage_months: 24,
        doa_days,
        reimbursement_percent: Decimal::from(percent),
        depreciation_percent_per_month: Decimal::ZERO,
        handling_fee: money("25.00"),
        unit_disposition: UnitDisposition::OnRequest,
        decision_deadline_days: 14,
        default_outcome: DeadlineDefault::Accept,
        evidence_required: vec![],
        claim_cap: None,
        price_list: vec![],
        swap_rules: vec![],
    }
}

pub(super) fn agreement(
    retailer_id: Uuid,
    manufacturer_id: Uuid,
    agreement_id: Uuid,
    version: u32,
    valid_from: DateTime<Utc>,
    terms: AgreementTermsV1,
) -> AgreementPublishedV1 {
    AgreementPublishedV1 {
        agreement_id: agreement_id.into(),
        version,
        manufacturer_id: manufacturer_id.into(),
        manufacturer_name: "Waschwerk AG".into(),
        retailer_id: retailer_id.into(),
        valid_from,
        terms,
        published_at: Utc::now(),
    }
}

/// The manufacturer of the retailer's product `sku`.
pub(super) async fn manufacturer_of(svc: &TestService, retailer_id: Uuid, sku: &str) -> Uuid {
    one_string(
        &svc.db,
        "SELECT manufacturer_id::text FROM products WHERE retailer_id = $1 AND sku = $2",
        vec![retailer_id.into(), sku.into()],
    )
    .await
    .parse()
    .unwrap()
}

async fn agreements(svc: &TestService) -> i64 {
    count(&svc.db, "SELECT 1 FROM agreements", vec![]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agreements_are_kept_per_version_and_the_sale_shows_the_one_in_force() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let manufacturer_id = manufacturer_of(&svc, desk.retailer_id, "WM-100").await;
    // Both retailers sell this manufacturer's machine.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE products SET manufacturer_id = $1 WHERE retailer_id = $2",
            [manufacturer_id.into(), other.retailer_id.into()],
        ))
        .await
        .unwrap();
    let sale_path = format!("/api/retailers/{}/sales/{}", desk.retailer_id, desk.sale_id);
    let client = browser();
    signed_in(&svc, &client, &desk.email).await;
    let page_path = format!("/desk/sales/{}", desk.sale_id);

    // No agreement yet: said so.
    let (status, sale) = get_json(&svc, &sale_path).await;
    assert_eq!(status, 200, "{sale}");
    assert_eq!(sale["serial"], "SN-1");
    assert_eq!(sale["entitlement"]["days_since_sale"], 3);
    assert_eq!(sale["entitlement"]["under_legal_guarantee"], true);
    assert!(
        sale["entitlement"]["manufacturer_warranty"].is_null(),
        "{sale}"
    );
    let (_, html) = page(&svc, &client, &page_path).await;
    assert!(html.contains(r#"id="no-agreement""#), "{html}");

    // Three versions: v1 (a month ago, 14 DOA days), v2 (since yesterday: 2 DOA days, 70 %),
    // v3 (from next week). The sale is 3 days old: v2 is in force, no longer DOA.
    let now = Utc::now();
    let agreement_id = Uuid::now_v7();
    let v1 = publish_event(
        &svc.names,
        agreement(
            desk.retailer_id,
            manufacturer_id,
            agreement_id,
            1,
            now - Span::days(30),
            terms(14, 80),
        ),
    )
    .await;
    for (version, from, t) in [
        (2, now - Span::days(1), terms(2, 70)),
        (3, now + Span::days(7), terms(30, 90)),
    ] {
        publish_event(
            &svc.names,
            agreement(
                desk.retailer_id,
                manufacturer_id,
                agreement_id,
                version,
                from,
                t,
            ),
        )
        .await;
    }
    // Another retailer's agreement with the same manufacturer is not this retailer's.
    publish_event(
        &svc.names,
        agreement(
            other.retailer_id,
            manufacturer_id,
            Uuid::now_v7(),
            1,
            now - Span::days(2),
            terms(60, 100),
        ),
    )
    .await;
    eventually("four versions stored", DEADLINE, || async {
        (agreements(&svc).await == 4).then_some(())
    })
    .await;
    // Accepted as the partner-links migration counts versions from before issue 18 (the
    // acceptance itself: desk/partners.rs).
    accept_as_before(&svc.db).await;

    let (_, sale) = get_json(&svc, &sale_path).await;
    let w = &sale["entitlement"]["manufacturer_warranty"];
    assert_eq!(w["agreement_id"], agreement_id.to_string(), "{sale}");
    assert_eq!(w["version"], 2);
    assert_eq!(w["manufacturer_name"], "Waschwerk AG");
    assert_eq!(w["within_doa"], false);
    assert_eq!(w["under_coverage"], true);
    assert_eq!(w["recovery_today"]["kind"], "covered");
    // 70 % of 499.00 = 349.30, plus the 25.00 fee.
    assert_eq!(w["recovery_today"]["amount"], eur("374.30"), "{w}");
    // A version without swap rules: past DOA the manufacturer must agree (no rule).
    assert_eq!(w["counter_today"]["kind"], "ask", "{w}");
    assert_eq!(w["counter_today"]["version"], 2);
    assert_eq!(w["counter_today"]["why"], "no_rule");
    assert_eq!(sale["entitlement"]["burden_of_proof_on_seller"], true);
    let (_, html) = page(&svc, &client, &page_path).await;
    assert!(html.contains("Waschwerk AG, agreement version 2"), "{html}");
    assert!(
        html.contains("€374.30 — 70 % of the price paid plus the handling fee"),
        "{html}"
    );
    assert!(html.contains(r#"id="doa" class="warn">ended on"#), "{html}");

    // A version again (even once the inbox forgot it), or a changed copy of it: the first stands.
    svc.db
        .execute_unprepared("DELETE FROM inbox")
        .await
        .unwrap();
    publish_envelope(&svc.names, &v1).await;
    publish_event(
        &svc.names,
        agreement(
            desk.retailer_id,
            manufacturer_id,
            agreement_id,
            2,
            now,
            terms(99, 99),
        ),
    )
    .await;
    // Hopeless ones: an unknown retailer, version 0.
    publish_event(
        &svc.names,
        agreement(
            Uuid::now_v7(),
            manufacturer_id,
            Uuid::now_v7(),
            1,
            now,
            terms(1, 1),
        ),
    )
    .await;
    publish_event(
        &svc.names,
        agreement(
            desk.retailer_id,
            manufacturer_id,
            Uuid::now_v7(),
            0,
            now,
            terms(1, 1),
        ),
    )
    .await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_SETTLEMENT);
    eventually("two in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 2).then_some(())
    })
    .await;
    // The redelivered and the changed copy were consumed before the two behind them.
    assert_eq!(agreements(&svc).await, 4);
    let (_, again) = get_json(&svc, &sale_path).await;
    assert_eq!(again["entitlement"], sale["entitlement"]);

    // The walls: another retailer's sale is as unknown as an unknown one.
    for path in [
        format!(
            "/api/retailers/{}/sales/{}",
            other.retailer_id, desk.sale_id
        ),
        format!(
            "/api/retailers/{}/sales/{}",
            desk.retailer_id,
            Uuid::now_v7()
        ),
    ] {
        let res = request(&svc, reqwest::Method::GET, &path)
            .send()
            .await
            .unwrap();
        assert_problem(res, 404, "not_found", &path).await;
    }
    let other_client = browser();
    signed_in(&svc, &other_client, &other.email).await;
    let (status, html) = page(&svc, &other_client, &page_path).await;
    assert_eq!(status, 404, "{html}");
    // The other retailer sees its own agreement on its own sale.
    let (_, theirs) = get_json(
        &svc,
        &format!(
            "/api/retailers/{}/sales/{}",
            other.retailer_id, other.sale_id
        ),
    )
    .await;
    assert_eq!(
        theirs["entitlement"]["manufacturer_warranty"]["within_doa"], true,
        "{theirs}"
    );
    svc.stop().await;
}
