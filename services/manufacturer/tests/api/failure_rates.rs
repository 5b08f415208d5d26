//! Failure rates with a denominator (issue 12): linked retailers' reports of units sold arrive
//! through the real broker on `manufacturer.claims`; the newest report of a month wins (a late
//! or doubled one changes nothing), an unlinked retailer's is dropped, one naming a product
//! twice is dead-lettered; the figures beside the claims are the manufacturer's own only.

use kummerer_contracts::{SalesReportedV1, UnitsSold};

use crate::support::*;

fn report(
    mid: Uuid,
    rid: Uuid,
    month: &str,
    sequence: i64,
    units: &[(&str, u32)],
) -> SalesReportedV1 {
    SalesReportedV1 {
        retailer_id: rid.into(),
        manufacturer_id: mid.into(),
        month: month.parse().unwrap(),
        sequence,
        as_of: Utc::now(),
        by_product: units
            .iter()
            .map(|(sku, units)| UnitsSold {
                sku: (*sku).to_owned(),
                name: format!("Product {sku}"),
                units: *units,
            })
            .collect(),
    }
}

/// A claim written straight into the table: sold and swapped on those days, maybe inspected,
/// maybe withdrawn.
async fn claim_sold(
    db: &DatabaseConnection,
    (mid, rid): (Uuid, Uuid),
    sku: &str,
    (sold, swapped): (&str, &str),
    inspection: Option<&str>,
    withdrawn: bool,
) {
    let id = Uuid::now_v7();
    let sold: DateTime<Utc> = format!("{sold}T10:00:00Z").parse().unwrap();
    let swapped: DateTime<Utc> = format!("{swapped}T10:00:00Z").parse().unwrap();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO claims (id, manufacturer_id, retailer_id, swap_id, case_id, serial, \
         product_sku, product_name, currency, price_paid, sold_at, swapped_at, defect_category, \
         defect_description, status, received_at, inspection_result, inspected_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'EUR', 499.00, $9, $10, 'leak', 'seeded', \
         'pending', $10, $11, CASE WHEN $11::text IS NULL THEN NULL ELSE $10 END)",
        [
            id.into(),
            mid.into(),
            rid.into(),
            Uuid::now_v7().into(),
            Uuid::now_v7().into(),
            format!("SN-{}", id.simple()).into(),
            sku.into(),
            format!("Product {sku}").into(),
            sold.into(),
            swapped.into(),
            inspection.map(str::to_owned).into(),
        ],
    ))
    .await
    .unwrap();
    if withdrawn {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO claim_withdrawals (claim_id, withdrawn_at, reason, status_then, \
             credited) VALUES ($1, now(), 'swap_cancelled', 'pending', false)",
            [id.into()],
        ))
        .await
        .unwrap();
    }
}

/// `GET path` with exactly `key` (or none).
async fn get_as(svc: &TestService, path: &str, key: Option<&str>) -> Answer {
    call_as(svc, &reqwest::Method::GET, path, &Value::Null, key).await
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

/// `(units_sold, claims, claims_with_units, failure_rate, median_days_to_failure)`.
#[track_caller]
fn figures(x: &Value) -> (i64, i64, i64, Value, Value) {
    let units = x["units_sold"].as_i64();
    let claims = x["claims"].as_i64();
    let with_units = x["claims_with_units"].as_i64();
    let (Some(units), Some(claims), Some(with_units)) = (units, claims, with_units) else {
        panic!("not figures: {x}");
    };
    (
        units,
        claims,
        with_units,
        x["failure_rate"].clone(),
        x["median_days_to_failure"].clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_rates_take_the_newest_reports_of_linked_retailers_behind_the_tenant_wall() {
    let svc = start().await;
    let (a, a_key, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (b, b_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let (r1, r2, r3) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (m, r) in [(a, r1), (a, r2), (b, r1)] {
        link_as_before(&svc.db, m, r).await;
    }
    let reports = [
        report(a, r1, "2026-10", 2, &[("WM-100", 100), ("DW-200", 50)]),
        // Late (an older sequence) and doubled: neither changes the count above.
        report(a, r1, "2026-10", 1, &[("WM-100", 999)]),
        report(a, r1, "2026-10", 2, &[("WM-100", 999)]),
        report(a, r1, "2026-11", 1, &[("WM-100", 150)]),
        // The month's full count replaces the one before, products absent now included.
        report(a, r1, "2026-11", 3, &[("WM-100", 200)]),
        report(a, r2, "2026-11", 1, &[("WM-100", 100)]),
        // r3 is not linked with A: dropped.
        report(a, r3, "2026-11", 1, &[("WM-100", 5000)]),
        report(b, r1, "2026-10", 1, &[("WM-100", 7)]),
    ];
    let sent = reports.len() as i64;
    for r in reports {
        publish_event(&svc.names, r).await;
    }
    eventually("every report consumed", DEADLINE, || async {
        (count(&svc.db, "SELECT count(*) FROM inbox", vec![]).await == sent).then_some(())
    })
    .await;
    // A product named twice is malformed: dead-lettered, nothing stored.
    publish_event(
        &svc.names,
        report(a, r2, "2026-12", 1, &[("WM-100", 1), ("WM-100", 2)]),
    )
    .await;
    let dlq = svc.names.dead_letter_queue(&MANUFACTURER_CLAIMS);
    eventually("the malformed report dead-lettered", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 1).then_some(())
    })
    .await;
    assert_eq!(
        count(
            &svc.db,
            "SELECT count(*) FROM sales_reports WHERE manufacturer_id = $1",
            vec![a.into()]
        )
        .await,
        3
    );

    let ab = (a, r1);
    claim_sold(
        &svc.db,
        ab,
        "WM-100",
        ("2026-10-05", "2026-10-15"),
        Some("no_fault_found"),
        false,
    )
    .await;
    claim_sold(
        &svc.db,
        ab,
        "WM-100",
        ("2026-10-20", "2026-11-19"),
        Some("defect_confirmed"),
        false,
    )
    .await;
    claim_sold(
        &svc.db,
        ab,
        "DW-200",
        ("2026-10-10", "2026-10-30"),
        None,
        false,
    )
    .await;
    claim_sold(
        &svc.db,
        ab,
        "WM-100",
        ("2026-11-01", "2026-11-02"),
        None,
        true,
    )
    .await;
    claim_sold(
        &svc.db,
        (a, r2),
        "WM-100",
        ("2026-11-02", "2026-11-06"),
        None,
        false,
    )
    .await;
    // From a retailer that reports nothing: a claim without a denominator.
    claim_sold(
        &svc.db,
        (a, r3),
        "WM-100",
        ("2026-11-03", "2026-11-13"),
        None,
        false,
    )
    .await;
    claim_sold(
        &svc.db,
        (b, r1),
        "WM-100",
        ("2026-10-01", "2026-10-02"),
        None,
        false,
    )
    .await;

    let path = format!("/api/manufacturers/{a}/analytics/failure-rates");
    let x = get_as(&svc, &path, Some(&a_key)).await;
    assert_eq!(x.status, 200, "{}", x.body);
    let body = &x.body;
    assert_eq!(
        figures(&body["total"]),
        (450, 5, 4, json!("0.0089"), json!(10)),
        "{body}"
    );
    assert_eq!(body["total"]["inspected"], 2);
    assert_eq!(body["total"]["no_fault_found"], 1);
    assert_eq!(body["total"]["no_fault_found_rate"], "0.5000");
    let months: Vec<&str> = body["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2026-10", "2026-11"]);
    assert_eq!(
        figures(&body["by_month"][0]),
        (150, 3, 3, json!("0.0200"), json!(20))
    );
    assert_eq!(
        figures(&body["by_month"][1]),
        (300, 2, 1, json!("0.0033"), json!(7))
    );
    let dw = find(&body["by_product"], "sku", "DW-200");
    assert_eq!(figures(dw), (50, 1, 1, json!("0.0200"), json!(20)));
    assert_eq!(dw["name"], "Product DW-200");
    let wm = find(&body["by_product"], "sku", "WM-100");
    assert_eq!(figures(wm), (400, 4, 3, json!("0.0075"), json!(10)));
    assert_eq!(wm["no_fault_found_rate"], "0.5000");
    assert_eq!(body["by_product_month"].as_array().unwrap().len(), 3);
    assert_eq!(body["by_product_month"][2]["sku"], "WM-100");
    assert_eq!(body["by_product_month"][2]["month"], "2026-11");
    assert_eq!(body["by_product_month"][2]["units_sold"], 300);
    let r1_rates = find(&body["by_retailer"], "retailer_id", &r1.to_string());
    assert_eq!(figures(r1_rates), (350, 3, 3, json!("0.0086"), json!(20)));
    let r3_rates = find(&body["by_retailer"], "retailer_id", &r3.to_string());
    assert_eq!(figures(r3_rates), (0, 1, 0, Value::Null, json!(10)));

    // One retailer, some months.
    let one = get_as(
        &svc,
        &format!("{path}?retailer_id={r2}&from=2026-11&to=2026-11"),
        Some(&a_key),
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(
        figures(&one.body["total"]),
        (100, 1, 1, json!("0.0100"), json!(4))
    );
    assert_eq!(one.body["from"], "2026-11");
    let later = get_as(&svc, &format!("{path}?from=2027-01"), Some(&a_key)).await;
    assert_eq!(
        figures(&later.body["total"]),
        (0, 0, 0, Value::Null, Value::Null)
    );
    assert_eq!(later.body["by_month"], json!([]));

    // The wall: B's key on A's figures is the 404 of an unknown manufacturer; B's own figures
    // hold nothing of A's.
    let walled = get_as(&svc, &path, Some(&b_key)).await;
    assert_problem(&walled, 404, "B's key on A's failure rates");
    let bs = get_as(
        &svc,
        &format!("/api/manufacturers/{b}/analytics/failure-rates"),
        Some(&b_key),
    )
    .await;
    assert_eq!(
        figures(&bs.body["total"]),
        (7, 1, 1, json!("0.1429"), json!(1))
    );
    let none = get_as(&svc, &path, None).await;
    assert_problem(&none, 401, "no key");

    for query in [
        "from=2026-13",
        "to=26-01",
        "from=2026-12&to=2026-11",
        "retailer_id=x",
    ] {
        let x = get_as(&svc, &format!("{path}?{query}"), Some(&a_key)).await;
        assert_problem(&x, 400, query);
        assert_eq!(x.body["code"], "bad_query", "{query}");
    }
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_with_charts_is_self_contained_and_speaks_german_and_english() {
    let svc = start().await;
    let res = reqwest::get(svc.url("/analytics")).await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    let page = res.text().await.unwrap();
    assert!(page.contains("/analytics/failure-rates"));
    assert!(page.contains("sessionStorage"));
    assert!(page.contains("Ausfallrate nach Verkaufsmonat"));
    assert!(page.contains("Failure rate by month of sale"));
    assert!(
        !page.contains("src=\"http"),
        "nothing fetched from elsewhere"
    );
    svc.stop().await;
}

/// The chart page in a real headless Chromium, in German and in English: the manufacturer's id
/// and key typed, the figures fetched with them and drawn as bars (the rate on each bar), the
/// table per retailer; another manufacturer's key on the same id is told it does not fit, and
/// nothing of the first manufacturer's is drawn. axe-core finds nothing serious.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_page_draws_the_figures_in_a_real_browser_in_both_languages() {
    use fantoccini::Locator;
    let svc = start().await;
    let (a, a_key, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (_, b_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let r1 = Uuid::now_v7();
    link_as_before(&svc.db, a, r1).await;
    publish_event(
        &svc.names,
        report(a, r1, "2026-10", 1, &[("WM-100", 100), ("DW-200", 50)]),
    )
    .await;
    eventually("the report stored", DEADLINE, || async {
        (count(&svc.db, "SELECT count(*) FROM sales_reports", vec![]).await == 1).then_some(())
    })
    .await;
    claim_sold(
        &svc.db,
        (a, r1),
        "WM-100",
        ("2026-10-05", "2026-10-15"),
        None,
        false,
    )
    .await;

    let profile = kummerer_testkit::browser::TempDir::new("rates");
    let mut driver = kummerer_testkit::browser::chromedriver().await;
    let mut checks = kummerer_testkit::browser::PageChecks::default();
    let mut seen = Vec::new();
    for (lang, heading, denied) in [
        (
            "de",
            "Ausfallrate nach Verkaufsmonat",
            "Hersteller-ID und API-Schlüssel passen nicht zusammen.",
        ),
        (
            "en",
            "Failure rate by month of sale",
            "The manufacturer id and API key do not fit together.",
        ),
    ] {
        let c = kummerer_testkit::browser::session_for(
            &driver,
            &profile.0.join(lang),
            kummerer_testkit::browser::DESKTOP,
            lang,
        )
        .await;
        let page = svc.url("/analytics");
        let ask = |key: String| {
            let c = c.clone();
            let mid = a.to_string();
            let page = page.clone();
            async move {
                c.goto(&page).await?;
                for (id, value) in [("mid", mid.as_str()), ("key", key.as_str())] {
                    let field = c.find(Locator::Id(id)).await?;
                    field.clear().await?;
                    field.send_keys(value).await?;
                }
                c.find(Locator::Id("show")).await?.click().await?;
                Ok::<_, fantoccini::error::CmdError>(())
            }
        };
        let run = async {
            ask(a_key.clone()).await?;
            c.wait()
                .for_element(Locator::Css("#result:not([hidden]) #by-month rect.bar"))
                .await?;
            let heading_shown = c.find(Locator::Id("h-month")).await?.text().await?;
            let mut rates = Vec::new();
            for bar in c.find_all(Locator::Css("#by-product rect.bar")).await? {
                rates.push(bar.attr("data-rate").await?.unwrap_or_default());
            }
            let retailer = c.find(Locator::Id("by-retailer")).await?.text().await?;
            checks
                .check(&c, &format!("/analytics ({lang})"), None)
                .await?;
            // Another manufacturer's key on A's id: refused, nothing of A's drawn.
            ask(b_key.clone()).await?;
            let error = c.find(Locator::Id("error")).await?;
            let mut told = String::new();
            for _ in 0..100 {
                told = error.text().await?;
                if !told.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            let hidden = c
                .execute("return document.getElementById('result').hidden", vec![])
                .await?;
            Ok::<_, fantoccini::error::CmdError>((heading_shown, rates, retailer, told, hidden))
        };
        let result = run.await;
        c.close().await.ok();
        let (heading_shown, mut rates, retailer, told, hidden) = result.unwrap();
        rates.sort();
        assert_eq!(heading_shown, heading, "{lang}");
        assert_eq!(
            rates,
            vec!["0.0000", "0.0100"],
            "{lang}: one bar per product"
        );
        assert!(
            retailer.contains("100") || retailer.contains("150"),
            "{lang}: {retailer}"
        );
        assert_eq!(told, denied, "{lang}");
        assert_eq!(hidden, json!(true), "{lang}: the figures are hidden");
        seen.push(lang);
    }
    driver.child.kill().await.ok();
    checks.finish();
    assert_eq!(seen, ["de", "en"]);
    svc.stop().await;
}
