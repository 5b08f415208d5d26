//! The recovery ledger shows each open claim's running deadlines (the manufacturer's decision
//! deadline, the unit's return deadline, the retailer's answer deadline), overdue ones marked;
//! a decided claim shows none.

use kummerer_contracts::{
    Address, ClaimAcknowledgedV1, ClaimInformationRequestedV1, Depot, FreightPayer,
    ReturnRequestedV1,
};

use super::desk::{add_staff, bootstrap_admin, browser, page, signed_in};
use super::ledger::{another_swap, decision};
use crate::support::*;
use chrono::SubsecRound;

fn acknowledged(
    shop: &Shop,
    (case_id, swap_id, claim_id): (Uuid, Uuid, Uuid),
    due: DateTime<Utc>,
) -> ClaimAcknowledgedV1 {
    ClaimAcknowledgedV1 {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: case_id.into(),
        retailer_id: shop.retailer_id.into(),
        manufacturer_id: shop.manufacturer_id.into(),
        decision_due_at: due,
        acknowledged_at: Utc::now().trunc_subsecs(6),
    }
}

fn return_requested(
    shop: &Shop,
    (case_id, swap_id, claim_id): (Uuid, Uuid, Uuid),
    by: DateTime<Utc>,
) -> ReturnRequestedV1 {
    let depot = Address {
        name: "Depot Nord".into(),
        phone: "+49 40 1".into(),
        street: "Hafenstraße 9".into(),
        postcode: "20457".into(),
        city: "Hamburg".into(),
        country: "DE".into(),
    };
    ReturnRequestedV1 {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: case_id.into(),
        retailer_id: shop.retailer_id.into(),
        manufacturer_id: shop.manufacturer_id.into(),
        serial: "SN-2".into(),
        product: kummerer_contracts::ProductRef {
            sku: "WM-100".into(),
            name: "Washing machine WM 100".into(),
            manufacturer_id: shop.manufacturer_id.into(),
        },
        depot: Depot {
            depot_id: Uuid::now_v7().into(),
            name: "Depot Nord".into(),
            address: depot,
        },
        return_by: by,
        freight_paid_by: FreightPayer::Manufacturer,
        requested_at: Utc::now().trunc_subsecs(6),
    }
}

fn kinds_and_overdue(item: &Json) -> Vec<(String, bool)> {
    item["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["overdue"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_shows_each_open_claims_running_deadlines() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_a, claim_a) = approve(&svc, &shop).await;
    let a = (shop.case_id, swap_a, claim_a);
    let b = another_swap(&svc, &shop, "SN-2").await;
    let c = another_swap(&svc, &shop, "SN-3").await;
    let d = another_swap(&svc, &shop, "SN-4").await;
    let now = Utc::now().trunc_subsecs(6);

    // a: the decision deadline passed yesterday. b: decision in 5 days, the unit back in 3.
    // c: the manufacturer asks, answer in 2 days. d: acknowledged, then decided.
    publish_event(&svc.names, acknowledged(&shop, a, now - Span::days(1))).await;
    publish_event(&svc.names, acknowledged(&shop, b, now + Span::days(5))).await;
    publish_event(&svc.names, return_requested(&shop, b, now + Span::days(3))).await;
    publish_event(
        &svc.names,
        ClaimInformationRequestedV1 {
            claim_id: c.2.into(),
            swap_id: c.1.into(),
            case_id: c.0.into(),
            retailer_id: shop.retailer_id.into(),
            manufacturer_id: shop.manufacturer_id.into(),
            question: "Which programme?".into(),
            answer_by: now + Span::days(2),
            requested_at: now,
        },
    )
    .await;
    publish_event(&svc.names, acknowledged(&shop, d, now + Span::days(5))).await;
    publish_event(
        &svc.names,
        decision(&shop, d, ClaimOutcome::Rejected, "0", now),
    )
    .await;
    wait_kind(&svc, a.0, "claim_acknowledged", 1).await;
    wait_kind(&svc, b.0, "claim_acknowledged", 1).await;
    wait_kind(&svc, b.0, "return_requested", 1).await;
    wait_kind(&svc, c.0, "information_requested", 1).await;
    wait_kind(&svc, d.0, "claim_acknowledged", 1).await;
    wait_kind(&svc, d.0, "claim_decided", 1).await;

    let (status, ledger) = get_json(&svc, &shop.path("/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    let items: std::collections::HashMap<String, Json> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["claim_id"].as_str().unwrap().to_owned(), i.clone()))
        .collect();
    let item = |id: Uuid| items[&id.to_string()].clone();
    assert_eq!(
        kinds_and_overdue(&item(a.2)),
        vec![("decision".to_owned(), true)]
    );
    assert_eq!(
        kinds_and_overdue(&item(b.2)),
        vec![("return".to_owned(), false), ("decision".to_owned(), false)]
    );
    let due: DateTime<Utc> = item(b.2)["deadlines"][0]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(due, now + Span::days(3));
    assert_eq!(
        kinds_and_overdue(&item(c.2)),
        vec![("information".to_owned(), false)]
    );
    assert_eq!(item(d.2)["status"], "nothing_due");
    assert_eq!(kinds_and_overdue(&item(d.2)), vec![]);

    // The desk's ledger marks the overdue one.
    bootstrap_admin(&svc, shop.retailer_id).await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let client = browser();
    signed_in(&svc, &client, manager).await;
    let (status, html) = page(&svc, &client, "/desk/ledger").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("— overdue").count(), 1, "{html}");
    assert!(html.contains("information by"), "{html}");
    svc.stop().await;
}
