//! A credit note as a printable document (issue 12): opened from the ledger, net, VAT and gross
//! as the manufacturer issued them (the statement checked against the lines on arrival: one that
//! does not add up is dead-lettered), cost lines per claim, German and English, and the wall
//! between retailers (another retailer's note is the 404 page).

use kummerer_contracts::topology::RETAILER_SETTLEMENT;
use kummerer_contracts::vat::{note_vat, treatment};
use kummerer_contracts::{CostLine, CostLineKind, CreditNoteIssuedV1};

use super::desk::{add_staff, bootstrap_admin, browser, page, signed_in};
use super::ledger::{another_swap, decided, decision, eur_money, line, note};
use crate::support::*;

/// A note of `lines` with its VAT statement by the retailer's country (the manufacturer's rule).
fn with_vat(mut n: CreditNoteIssuedV1, country: Option<&str>) -> CreditNoteIssuedV1 {
    let nets: Vec<Money> = n.lines.iter().map(|l| l.amount.clone()).collect();
    let v = note_vat(
        &n.total.currency,
        &nets,
        treatment(country, None),
        country,
        None,
    );
    for (l, vat) in n.lines.iter_mut().zip(v.line_vat) {
        l.vat = vat;
    }
    n.vat = Some(v.statement);
    n
}

/// The `data-amount` of the totals row `class`.
fn total(html: &str, class: &str) -> Option<String> {
    let row = html.split(&format!(r#"<tr class="{class}">"#)).nth(1)?;
    let start = row.find(r#"data-amount=""#)? + 13;
    Some(row[start..start + row[start..].find('"')?].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_credit_note_prints_with_net_vat_and_gross_for_its_retailer_only() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_a, claim_a) = approve(&svc, &shop).await;
    let a = (shop.case_id, swap_a, claim_a);
    let b = another_swap(&svc, &shop, "SN-2").await;
    let other = self::shop(&svc, "Elektro Huber", "SN-9").await;
    let db = &svc.db;
    let now = Utc::now();
    let events = vec![
        decision(&shop, a, ClaimOutcome::Accepted, "524.00", now),
        decision(&shop, b, ClaimOutcome::Accepted, "10.50", now),
    ];
    decided(&svc, events, 2).await;

    // a: the unit and a handling fee; b: 10.50, whose 19 % (1.995) rounds half-up to 2.00.
    let mut first = line(a, "524.00");
    first.cost_lines = vec![
        CostLine {
            kind: CostLineKind::Unit,
            amount: eur_money("499.00"),
        },
        CostLine {
            kind: CostLineKind::HandlingFee,
            amount: eur_money("25.00"),
        },
    ];
    let n = with_vat(
        note(
            &shop,
            "CN-2026-000007",
            vec![first, line(b, "10.50")],
            "534.50",
        ),
        Some("DE"),
    );
    let note_id = n.credit_note_id.as_uuid();
    // The same note with a line's VAT changed: does not add up, dead-lettered, nothing stored.
    let mut bad = with_vat(
        note(&shop, "CN-2026-000008", vec![line(b, "10.50")], "10.50"),
        Some("DE"),
    );
    bad.lines[0].vat = Some(eur_money("1.99"));
    publish_event(&svc.names, bad).await;
    publish_event(&svc.names, n).await;
    eventually("the note stored", DEADLINE, || async {
        (count(db, "SELECT 1 FROM credit_lines", vec![]).await == 2).then_some(())
    })
    .await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_SETTLEMENT);
    eventually(
        "the note that does not add up in the DLQ",
        DEADLINE,
        || async { (svc.broker.depth(&dlq).await == 1).then_some(()) },
    )
    .await;
    assert_eq!(count(db, "SELECT 1 FROM credit_notes", vec![]).await, 1);
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM credit_lines WHERE vat = 99.56 AND jsonb_array_length(cost_lines) = 2",
            vec![]
        )
        .await,
        1
    );

    bootstrap_admin(&svc, shop.retailer_id).await;
    bootstrap_admin(&svc, other.retailer_id).await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let clerk = "clerk@maier.example";
    add_staff(&svc, shop.retailer_id, clerk, "clerk").await;
    let their_manager = "manager@huber.example";
    add_staff(&svc, other.retailer_id, their_manager, "manager").await;

    // From the ledger to the document.
    let client = browser();
    signed_in(&svc, &client, manager).await;
    let (status, html) = page(&svc, &client, "/desk/ledger").await;
    assert_eq!(status, 200, "{html}");
    let doc = format!("/desk/credit-notes/{note_id}");
    assert!(
        html.contains(&format!(r#"<a href="{doc}">CN-2026-000007</a>"#)),
        "the link: {html}"
    );
    let (status, html) = page(&svc, &client, &doc).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Credit note CN-2026-000007"), "{html}");
    assert!(html.contains("Elektro Maier"), "the recipient: {html}");
    for serial in ["SN-1", "SN-2"] {
        assert!(html.contains(serial), "{serial}: {html}");
    }
    for case in [a.0, b.0] {
        assert!(html.contains(&format!(r#"data-case="{case}""#)), "{html}");
    }
    assert!(html.contains("Handling fee"), "the cost lines: {html}");
    assert!(html.contains("€25.00"), "{html}");
    // 99.56 + 2.00 (each line rounded half-up), not 19 % of 534.50 (101.555 → 101.56 too, but
    // the lines decide): the totals are the sums of the lines.
    assert_eq!(total(&html, "net").as_deref(), Some("534.50"), "{html}");
    assert_eq!(total(&html, "vat").as_deref(), Some("101.56"), "{html}");
    assert_eq!(total(&html, "gross").as_deref(), Some("636.06"), "{html}");
    assert!(html.contains("VAT 19 %"), "{html}");
    assert!(html.contains("€636.06"), "{html}");
    assert!(html.contains(r#"data-treatment="standard""#), "{html}");
    assert!(!html.contains("<script"), "no script: {html}");

    // In German: the words and the amounts the reader's way.
    db.execute_unprepared(&format!(
        "UPDATE staff SET language = 'de' WHERE email = '{manager}'"
    ))
    .await
    .unwrap();
    let (status, html) = page(&svc, &client, &doc).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Gutschrift CN-2026-000007"), "{html}");
    assert!(html.contains("Summe brutto"), "{html}");
    assert!(html.contains("USt. 19 %"), "{html}");
    assert!(html.contains("Bearbeitungsgebühr"), "{html}");

    // Any staff member of the retailer may print it.
    let client = browser();
    signed_in(&svc, &client, clerk).await;
    assert_eq!(page(&svc, &client, &doc).await.0, 200);

    // The wall: another retailer's manager finds no such note; nor does a made-up id.
    let client = browser();
    signed_in(&svc, &client, their_manager).await;
    let (status, html) = page(&svc, &client, &doc).await;
    assert_eq!(status, 404, "{html}");
    assert!(!html.contains("CN-2026-000007"), "{html}");
    let (status, _) = page(
        &svc,
        &client,
        &format!("/desk/credit-notes/{}", Uuid::now_v7()),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        page(&svc, &client, "/desk/credit-notes/not-an-id").await.0,
        404
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_without_a_known_country_says_so_and_shows_net_only() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_a, claim_a) = approve(&svc, &shop).await;
    let a = (shop.case_id, swap_a, claim_a);
    let db = &svc.db;
    let accepted = decision(&shop, a, ClaimOutcome::Accepted, "524.00", Utc::now());
    decided(&svc, vec![accepted], 1).await;
    // One stated as unknown, one from before VAT was stated at all.
    let unknown = with_vat(note(&shop, "CN-U1", vec![line(a, "24.00")], "24.00"), None);
    let before = note(&shop, "CN-OLD", vec![line(a, "500.00")], "500.00");
    let ids = [
        unknown.credit_note_id.as_uuid(),
        before.credit_note_id.as_uuid(),
    ];
    publish_event(&svc.names, unknown).await;
    publish_event(&svc.names, before).await;
    eventually("both notes stored", DEADLINE, || async {
        (count(db, "SELECT 1 FROM credit_notes", vec![]).await == 2).then_some(())
    })
    .await;
    bootstrap_admin(&svc, shop.retailer_id).await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let client = browser();
    signed_in(&svc, &client, manager).await;
    for (id, treatment, words) in [
        (ids[0], "unknown", "did not know your country"),
        (
            ids[1],
            "not_stated",
            "issued before credit notes stated VAT",
        ),
    ] {
        let (status, html) = page(&svc, &client, &format!("/desk/credit-notes/{id}")).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains(&format!(r#"data-treatment="{treatment}""#)),
            "{html}"
        );
        assert!(html.contains(words), "{html}");
        assert!(total(&html, "net").is_some(), "{html}");
        assert_eq!(total(&html, "vat"), None, "no VAT invented: {html}");
        assert_eq!(total(&html, "gross"), None, "{html}");
    }
    svc.stop().await;
}
