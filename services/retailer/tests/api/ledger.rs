//! Credit notes and the recovery ledger: each swap's claim matched against its decision and its
//! credits, open items aged, differences beyond the tolerance flagged; hopeless credit notes
//! dead-lettered with nothing stored; the walls between retailers.

use kummerer_contracts::topology::RETAILER_SETTLEMENT;
use kummerer_contracts::{CreditLine, CreditNoteIssuedV1};

use super::desk::{add_staff, bootstrap_admin, browser, page, signed_in};
use crate::support::*;

pub(crate) fn eur_money(amount: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::parse("EUR").unwrap()).unwrap()
}

/// One more sold unit of the shop with its case and approved swap: `(case, swap, claim)`.
pub(crate) async fn another_swap(
    svc: &TestService,
    shop: &Shop,
    serial: &str,
) -> (Uuid, Uuid, Uuid) {
    created(
        svc,
        &shop.path("/sales"),
        sale_body(&format!("R-{serial}"), "WM-100", serial),
    )
    .await;
    let case = created(
        svc,
        &shop.path("/cases"),
        json!({"serial": serial, "defect_category": "leak", "defect_description": "Water"}),
    )
    .await;
    let case_id = id_of(&case);
    let swap = created(
        svc,
        &shop.path(&format!("/cases/{case_id}/swap")),
        window_body("clerk"),
    )
    .await;
    let id = |k: &str| swap[k].as_str().unwrap().parse::<Uuid>().unwrap();
    (case_id, id("swap_id"), id("claim_id"))
}

pub(crate) fn decision(
    shop: &Shop,
    (case_id, swap_id, claim_id): (Uuid, Uuid, Uuid),
    outcome: ClaimOutcome,
    amount: &str,
    at: DateTime<Utc>,
) -> ClaimDecidedV1 {
    ClaimDecidedV1 {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: case_id.into(),
        retailer_id: shop.retailer_id.into(),
        manufacturer_id: shop.manufacturer_id.into(),
        outcome,
        amount: eur_money(amount),
        reason_code: None,
        decided_by: DecidedBy::Manufacturer,
        decided_at: at,
        agreement_version: None,
        cost_lines: vec![],
    }
}

pub(crate) fn line((case_id, swap_id, claim_id): (Uuid, Uuid, Uuid), amount: &str) -> CreditLine {
    CreditLine {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: case_id.into(),
        amount: eur_money(amount),
        vat: None,
        cost_lines: vec![],
    }
}

pub(crate) fn note(
    shop: &Shop,
    number: &str,
    lines: Vec<CreditLine>,
    total: &str,
) -> CreditNoteIssuedV1 {
    CreditNoteIssuedV1 {
        credit_note_id: Uuid::now_v7().into(),
        number: number.into(),
        manufacturer_id: shop.manufacturer_id.into(),
        retailer_id: shop.retailer_id.into(),
        period: None,
        lines,
        total: eur_money(total),
        issued_at: Utc::now(),
        vat: None,
    }
}

/// Publishes the decisions and waits until the service holds `decided` decided claims in all.
pub(crate) async fn decided(svc: &TestService, events: Vec<ClaimDecidedV1>, decided: i64) {
    for ev in events {
        publish_event(&svc.names, ev).await;
    }
    eventually("the decisions", DEADLINE, || async {
        let n = count(
            &svc.db,
            "SELECT 1 FROM claims WHERE decided_at IS NOT NULL",
            vec![],
        )
        .await;
        (n == decided).then_some(())
    })
    .await;
}

/// `{claim_id: item}` of a ledger answer.
fn by_claim(ledger: &Json) -> std::collections::HashMap<String, Json> {
    ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["claim_id"].as_str().unwrap().to_owned(), i.clone()))
        .collect()
}

async fn ledger_claims(svc: &TestService, shop: &Shop, query: &str) -> Vec<String> {
    let (status, ledger) = get_json(svc, &shop.path(&format!("/ledger{query}"))).await;
    assert_eq!(status, 200, "{ledger}");
    let mut ids: Vec<String> = by_claim(&ledger).into_keys().collect();
    ids.sort();
    ids
}

fn sorted(ids: &[Uuid]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_matches_each_swap_to_its_decision_and_credit() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_a, claim_a) = approve(&svc, &shop).await;
    let a = (shop.case_id, swap_a, claim_a);
    let b = another_swap(&svc, &shop, "SN-2").await;
    let c = another_swap(&svc, &shop, "SN-3").await;
    let d = another_swap(&svc, &shop, "SN-4").await;
    let e = another_swap(&svc, &shop, "SN-5").await;
    let other = self::shop(&svc, "Elektro Huber", "SN-9").await;
    let (other_swap, other_claim) = approve(&svc, &other).await;
    let db = &svc.db;
    let now = Utc::now();

    // a accepted 524.00, b partly 399.20, c accepted 100.00 three days ago, e rejected; d waits.
    let events = vec![
        decision(&shop, a, ClaimOutcome::Accepted, "524.00", now),
        decision(&shop, b, ClaimOutcome::PartlyAccepted, "399.20", now),
        decision(
            &shop,
            c,
            ClaimOutcome::Accepted,
            "100.00",
            now - Span::days(3),
        ),
        decision(&shop, e, ClaimOutcome::Rejected, "0", now),
    ];
    decided(&svc, events, 4).await;

    // One batched credit note: a within the tolerance (a cent short), b short by 99.20.
    let batch = note(
        &shop,
        "CN-2026-001",
        vec![line(a, "523.99"), line(b, "300.00")],
        "823.99",
    );
    let sent = publish_event(&svc.names, batch).await;
    eventually("the credit note stored", DEADLINE, || async {
        (count(db, "SELECT 1 FROM credit_lines", vec![]).await == 2).then_some(())
    })
    .await;
    assert_eq!(timeline_count(db, shop.case_id, "credited").await, 1);
    assert_eq!(timeline_count(db, b.0, "credited").await, 1);

    // Stored once: the same note again, even once the inbox forgot it.
    db.execute_unprepared("DELETE FROM inbox").await.unwrap();
    publish_envelope(&svc.names, &sent).await;
    // Hopeless notes: a line for another retailer's claim, for an unknown claim, a wrong total.
    let theirs = (other.case_id, other_swap, other_claim);
    publish_event(
        &svc.names,
        note(&shop, "CN-X1", vec![line(theirs, "10.00")], "10.00"),
    )
    .await;
    let unknown = (c.0, c.1, Uuid::now_v7());
    publish_event(
        &svc.names,
        note(&shop, "CN-X2", vec![line(unknown, "10.00")], "10.00"),
    )
    .await;
    publish_event(
        &svc.names,
        note(&shop, "CN-X3", vec![line(c, "10.00")], "11.00"),
    )
    .await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_SETTLEMENT);
    eventually("three hopeless notes in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 3).then_some(())
    })
    .await;
    assert_eq!(count(db, "SELECT 1 FROM credit_notes", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM credit_lines", vec![]).await, 2);
    assert_eq!(timeline_count(db, shop.case_id, "credited").await, 1);

    // The whole ledger.
    let (status, ledger) = get_json(&svc, &shop.path("/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    assert_eq!(ledger["tolerance"], "0.01");
    let items = by_claim(&ledger);
    assert_eq!(items.len(), 5, "{ledger}");
    let it = |id: (Uuid, Uuid, Uuid)| items[&id.2.to_string()].clone();
    assert_eq!(it(a)["status"], "credited");
    assert_eq!(it(a)["expected"], "524.00");
    assert_eq!(it(a)["credited"], "523.99");
    assert_eq!(it(a)["difference"], "-0.01");
    assert_eq!(it(a)["credit_notes"], json!(["CN-2026-001"]));
    assert_eq!(it(b)["status"], "difference");
    assert_eq!(it(b)["difference"], "-99.20");
    assert_eq!(it(c)["status"], "open");
    assert_eq!(it(c)["age_days"], 3);
    assert_eq!(it(c)["credited"], "0");
    assert_eq!(it(d)["status"], "open");
    assert!(it(d)["expected"].is_null());
    assert_eq!(it(d)["age_days"], 0);
    assert_eq!(it(e)["status"], "nothing_due");
    assert_eq!(it(a)["case_id"], shop.case_id.to_string());
    assert_eq!(it(a)["swap_id"], swap_a.to_string());

    // Read page by page (keyset on the claim's filing time and id): every claim once, in order.
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let rows = retailer::db::settlement::ledger(db, shop.retailer_id, after, 2)
            .await
            .unwrap();
        assert!(rows.len() <= 2);
        after = rows.last().map(|r| (r.submitted_at, r.claim_id));
        seen.extend(rows.iter().map(|r| r.claim_id));
        if rows.len() < 2 {
            break;
        }
    }
    assert_eq!(seen, [a.2, b.2, c.2, d.2, e.2]);

    // Filtered.
    assert_eq!(
        ledger_claims(&svc, &shop, "?status=open").await,
        sorted(&[c.2, d.2])
    );
    assert_eq!(
        ledger_claims(&svc, &shop, "?status=credited").await,
        sorted(&[a.2])
    );
    assert_eq!(
        ledger_claims(&svc, &shop, "?status=difference").await,
        sorted(&[b.2])
    );
    let res = request(
        &svc,
        reqwest::Method::GET,
        &shop.path("/ledger?status=lost"),
    )
    .send()
    .await
    .unwrap();
    let problem = assert_problem(res, 422, "validation_failed", "bad status").await;
    assert_eq!(fields(&problem), ["status"]);

    // The walls: the other retailer sees only its own claim; an unknown retailer is 404.
    assert_eq!(
        ledger_claims(&svc, &other, "").await,
        sorted(&[other_claim])
    );
    let res = request(
        &svc,
        reqwest::Method::GET,
        &format!("/api/retailers/{}/ledger", Uuid::now_v7()),
    )
    .send()
    .await
    .unwrap();
    assert_problem(res, 404, "not_found", "unknown retailer").await;

    // The desk page: managers only; each retailer's own claims.
    bootstrap_admin(&svc, shop.retailer_id).await;
    bootstrap_admin(&svc, other.retailer_id).await;
    let clerk = "clerk@maier.example";
    add_staff(&svc, shop.retailer_id, clerk, "clerk").await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let their_manager = "manager@huber.example";
    add_staff(&svc, other.retailer_id, their_manager, "manager").await;
    let client = browser();
    signed_in(&svc, &client, clerk).await;
    assert_eq!(page(&svc, &client, "/desk/ledger").await.0, 403);
    let client = browser();
    signed_in(&svc, &client, manager).await;
    let (status, html) = page(&svc, &client, "/desk/ledger").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"href="/desk/ledger""#), "the link: {html}");
    for id in [a.0, b.0, c.0, d.0, e.0] {
        assert!(
            html.contains(&format!(r#"data-case="{id}""#)),
            "{id}: {html}"
        );
    }
    assert!(!html.contains(&other.case_id.to_string()), "{html}");
    assert!(html.contains("−€99.20"), "{html}");
    let (_, html) = page(&svc, &client, "/desk/ledger?status=difference").await;
    assert!(html.contains(&format!(r#"data-case="{}""#, b.0)), "{html}");
    assert!(!html.contains(&format!(r#"data-case="{}""#, a.0)), "{html}");
    let (status, html) = page(&svc, &client, "/desk/ledger?status=lost").await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose one of the filters"), "{html}");
    let client = browser();
    signed_in(&svc, &client, their_manager).await;
    let (_, html) = page(&svc, &client, "/desk/ledger").await;
    assert!(
        html.contains(&format!(r#"data-case="{}""#, other.case_id)),
        "{html}"
    );
    assert!(!html.contains(&shop.case_id.to_string()), "{html}");
    svc.stop().await;
}

/// `(manufacturer, currency) → [expected, credited, outstanding]`.
type Sums = std::collections::BTreeMap<(String, String), [Decimal; 3]>;

/// The page's totals by (manufacturer id, currency).
fn page_totals(html: &str) -> Sums {
    let mut out = std::collections::BTreeMap::new();
    for row in html.split(r#"<tr class="total" "#).skip(1) {
        let attr = |name: &str| {
            let start = row.find(&format!(r#"{name}=""#)).unwrap() + name.len() + 2;
            row[start..start + row[start..].find('"').unwrap()].to_owned()
        };
        let amount = |class: &str| -> Decimal {
            let pattern = format!(r#"class="n {class}" data-amount=""#);
            let at = row.find(&pattern).unwrap();
            let rest = &row[at + pattern.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        };
        out.insert(
            (attr("data-manufacturer"), attr("data-currency")),
            [
                amount("expected"),
                amount("credited"),
                amount("outstanding"),
            ],
        );
    }
    out
}

/// The sums of a ledger CSV's rows per (manufacturer name, currency), with the decimal `comma`.
fn csv_sums(body: &[u8], delimiter: u8, comma: bool) -> (Vec<String>, Sums) {
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(&body[3..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let mut sums = std::collections::BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        let n = |i: usize| -> Decimal {
            let raw = rec[i].to_owned();
            let raw = if comma {
                assert!(!raw.contains('.'), "a decimal comma: {raw}");
                raw.replace(',', ".")
            } else {
                raw
            };
            raw.parse().unwrap()
        };
        let e: &mut [Decimal; 3] = sums
            .entry((rec[2].to_owned(), rec[12].to_owned()))
            .or_insert([Decimal::ZERO; 3]);
        e[0] += n(14);
        e[1] += n(15);
        e[2] += n(16);
    }
    (header, sums)
}

/// `sold` as noon in Berlin on the local day `days` after today, two years back: its recourse
/// deadline (no replacement delivered) is `days` from today.
fn sold_for_recourse_in(days: i64) -> DateTime<Utc> {
    use chrono::TimeZone;
    let berlin = chrono_tz::Europe::Berlin;
    let today = Utc::now().with_timezone(&berlin).date_naive();
    let day = (today + Span::days(days))
        .checked_sub_months(chrono::Months::new(24))
        .unwrap();
    berlin
        .from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_warns_of_recourse_and_exports_what_the_page_totals() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_a, claim_a) = approve(&svc, &shop).await;
    let a = (shop.case_id, swap_a, claim_a);
    let b = another_swap(&svc, &shop, "SN-2").await;
    let c = another_swap(&svc, &shop, "SN-3").await;
    let d = another_swap(&svc, &shop, "SN-4").await;
    let e = another_swap(&svc, &shop, "SN-5").await;
    let f = another_swap(&svc, &shop, "SN-6").await;
    let other = self::shop(&svc, "Elektro Huber", "SN-9").await;
    approve(&svc, &other).await;
    let db = &svc.db;
    // The recourse deadlines at their boundary days: 30 days left warns (nearing), 31 does not,
    // yesterday passed; e is rejected (nothing outstanding: no warning, though it passed too).
    for (serial, days) in [("SN-2", 30), ("SN-3", 31), ("SN-4", -1), ("SN-5", -1)] {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE sales SET sold_at = $1 WHERE retailer_id = $2 AND serial = $3",
            [
                sold_for_recourse_in(days).into(),
                shop.retailer_id.into(),
                serial.into(),
            ],
        ))
        .await
        .unwrap();
    }
    // f: the two years ended 40 days ago, but its replacement was delivered so late that the
    // two months after it run 31 more days (BGB § 445b(2)).
    let berlin = chrono_tz::Europe::Berlin;
    let last_day = Utc::now().with_timezone(&berlin).date_naive() + Span::days(31);
    let delivered = {
        use chrono::TimeZone;
        let day = last_day.checked_sub_months(chrono::Months::new(2)).unwrap();
        berlin
            .from_local_datetime(&day.and_hms_opt(18, 0, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc)
    };
    for sql in [
        "UPDATE sales SET sold_at = $1 WHERE retailer_id = $2 AND serial = 'SN-6'",
        "INSERT INTO timeline (id, case_id, retailer_id, kind, occurred_at, source) \
         VALUES (gen_random_uuid(), $3, $2, 'delivered', $4, 'logistics')",
    ] {
        let mut values: Vec<Value> = vec![
            sold_for_recourse_in(-40).into(),
            shop.retailer_id.into(),
            f.0.into(),
            delivered.into(),
        ];
        if sql.starts_with("UPDATE") {
            values.truncate(2);
        }
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await
        .unwrap();
    }
    // a accepted 524.00 and credited 500.00 on one note; e rejected.
    let now = Utc::now();
    let events = vec![
        decision(&shop, a, ClaimOutcome::Accepted, "524.00", now),
        decision(&shop, e, ClaimOutcome::Rejected, "0", now),
    ];
    decided(&svc, events, 2).await;
    publish_event(
        &svc.names,
        note(&shop, "CN-2026/007", vec![line(a, "500.00")], "500.00"),
    )
    .await;
    eventually("the credit stored", DEADLINE, || async {
        (count(db, "SELECT 1 FROM credit_lines", vec![]).await == 1).then_some(())
    })
    .await;

    // The JSON API: each item names its unit and recourse; totals per manufacturer.
    let (status, ledger) = get_json(&svc, &shop.path("/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    let items = by_claim(&ledger);
    let it = |id: (Uuid, Uuid, Uuid)| items[&id.2.to_string()].clone();
    assert_eq!(it(a)["serial"], "SN-1");
    assert_eq!(it(a)["product_sku"], "WM-100");
    assert_eq!(it(a)["outstanding"], "24.00");
    assert_eq!(it(b)["recourse"], "nearing", "{ledger}");
    assert_eq!(it(b)["recourse_days_left"], 30);
    assert_eq!(it(c)["recourse"], "running", "{ledger}");
    assert_eq!(it(c)["recourse_days_left"], 31);
    assert!(it(e)["recourse"].is_null(), "{ledger}");
    assert_eq!(it(f)["recourse"], "running", "{ledger}");
    assert_eq!(it(f)["recourse_days_left"], 31);
    assert_eq!(it(f)["recourse_ends_on"], last_day.to_string());
    assert_eq!(it(d)["recourse"], "passed");
    assert_eq!(it(d)["recourse_days_left"], -1);
    let totals = ledger["totals"].as_array().unwrap();
    assert_eq!(totals.len(), 1, "{ledger}");
    // Expected: a 524.00, b, c, d and f 499.00 each while undecided, e nothing.
    assert_eq!(totals[0]["expected"], "2520.00");
    assert_eq!(totals[0]["credited"], "500.00");
    assert_eq!(totals[0]["outstanding"], "2020.00");
    assert_eq!(totals[0]["recourse_nearing"], 1);
    assert_eq!(totals[0]["recourse_passed"], 1);
    assert_eq!(totals[0]["ageing"][0], "2020.00");

    // The pages: managers only.
    bootstrap_admin(&svc, shop.retailer_id).await;
    let clerk = "clerk@maier.example";
    add_staff(&svc, shop.retailer_id, clerk, "clerk").await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let client = browser();
    signed_in(&svc, &client, clerk).await;
    for path in ["/desk/ledger.csv", "/desk/ledger/datev.csv"] {
        let (status, html) = page(&svc, &client, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("for managers and admins"), "{html}");
    }
    let client = browser();
    signed_in(&svc, &client, manager).await;
    let (status, html) = page(&svc, &client, "/desk/ledger").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&format!(r#"data-case="{}" data-recourse="nearing""#, b.0)),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"data-case="{}" data-recourse="running""#, c.0)),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"data-case="{}" data-recourse="""#, e.0)),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"data-case="{}" data-recourse="passed""#, d.0)),
        "{html}"
    );
    assert!(html.contains("Washing machine WM 100 (WM-100)"), "{html}");
    assert!(!html.contains("SN-9"), "another retailer's unit: {html}");
    let on_page = page_totals(&html);
    assert_eq!(on_page.len(), 1, "{html}");
    let key = (shop.manufacturer_id.to_string(), "EUR".to_owned());
    assert_eq!(
        on_page[&key],
        [
            "2520.00".parse().unwrap(),
            "500.00".parse().unwrap(),
            "2020.00".parse().unwrap()
        ]
    );
    let (_, dash) = page(&svc, &client, "/desk/dashboard").await;
    assert!(
        dash.contains(&format!(r#"class="recourse-nearing" data-case="{}""#, b.0)),
        "{dash}"
    );
    assert!(
        dash.contains(&format!(r#"class="recourse-passed" data-case="{}""#, d.0)),
        "{dash}"
    );

    // The CSV in English: `,` and a decimal point; its rows add up to the page's totals.
    let res = client
        .get(svc.url("/desk/ledger.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = res.bytes().await.unwrap();
    let (header, sums) = csv_sums(&body, b',', false);
    assert_eq!(header[14], "Expected");
    assert_eq!(sums.len(), 1, "{sums:?}");
    assert_eq!(sums.values().next().unwrap(), &on_page[&key]);
    // In German: `;` and a decimal comma, the same sums.
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE staff SET language = 'de' WHERE email = $1",
        [manager.into()],
    ))
    .await
    .unwrap();
    let res = client
        .get(svc.url("/desk/ledger.csv"))
        .send()
        .await
        .unwrap();
    let body = res.bytes().await.unwrap();
    let (header, de_sums) = csv_sums(&body, b';', true);
    assert_eq!(header[14], "Erwartet");
    assert_eq!(de_sums.values().next().unwrap(), &on_page[&key]);
    // The DATEV bookings: a's receivable (debit) and its credit (credit).
    let res = client
        .get(svc.url("/desk/ledger/datev.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.bytes().await.unwrap();
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[0].starts_with("Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen"),
        "{text}"
    );
    assert_eq!(rows.len(), 3, "{text}");
    let ddmm = now
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%d%m")
        .to_string();
    assert!(
        rows[1].starts_with(&format!("524,00;S;EUR;1400;2742;{ddmm};")),
        "{text}"
    );
    assert!(rows[2].starts_with("500,00;H;EUR;1400;1360;"), "{text}");
    assert!(rows[2].contains(";CN-2026/007;Gutschrift "), "{text}");
    svc.stop().await;
}
