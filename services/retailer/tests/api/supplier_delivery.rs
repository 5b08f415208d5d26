//! Issue 12: the supplier's delivery to the retailer per sale (the API's sale and the POS
//! import's optional `supplier_delivered_on`, a local day of the retailer stored as its start
//! in UTC) starts the recourse clock; without it the sale's day stands in, marked as assumed on
//! the ledger. The retailer's jurisdiction decides the period (DE two years; AT five years at
//! most, two months after the customer was satisfied).

use chrono::{Months, NaiveDate, TimeZone};

use super::desk::{PASSWORD, add_staff, bootstrap_admin, browser, page, root_of, signed_in};
use crate::support::*;

/// The start of `day` in `tz`, as the API writes it.
fn start_of(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

/// The ledger item of `claim_id`.
async fn item(svc: &TestService, shop: &Shop, claim_id: Uuid) -> Json {
    let (status, ledger) = get_json(svc, &shop.path("/ledger")).await;
    assert_eq!(status, 200, "{ledger}");
    ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["claim_id"] == claim_id.to_string())
        .cloned()
        .unwrap_or_else(|| panic!("no item {claim_id}: {ledger}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recourse_clock_runs_from_the_supplier_delivery_where_it_was_given() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (_, claim_a) = approve(&svc, &shop).await;
    let berlin = chrono_tz::Europe::Berlin;
    let sold_at = Utc::now() - Span::days(3);
    let sold_on = sold_at.with_timezone(&berlin).date_naive();
    let supplied_on = sold_on - Span::days(100);
    let sales = || count(&svc.db, "SELECT 1 FROM sales", vec![]);
    let before = sales().await;

    // After the sale's day, or no day at all: refused, nothing stored.
    let mut late = sale_body("R-2", "WM-100", "SN-2");
    late["sold_at"] = json!(sold_at.to_rfc3339());
    late["supplier_delivered_on"] = json!((sold_on + Span::days(1)).to_string());
    rejects(
        &svc,
        &shop.path("/sales"),
        late.clone(),
        "422 supplier_delivered_on",
    )
    .await;
    late["supplier_delivered_on"] = json!("2026-13-01");
    let (status, p) = post_json(&svc, &shop.path("/sales"), late.clone()).await;
    assert!(status == 400 || status == 422, "{status} {p}");
    assert_eq!(sales().await, before);

    // On the day before: stored as the start of the retailer's local day.
    late["supplier_delivered_on"] = json!(supplied_on.to_string());
    let sale = created(&svc, &shop.path("/sales"), late).await;
    let stored = start_of(supplied_on, berlin);
    assert_eq!(
        sale["supplier_delivered_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        stored,
        "{sale}"
    );
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT to_char(supplier_delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') \
             FROM sales WHERE serial = 'SN-2'",
            vec![]
        )
        .await,
        stored.format("%Y-%m-%d %H:%M").to_string()
    );
    let case = created(
        &svc,
        &shop.path("/cases"),
        json!({"serial": "SN-2", "defect_category": "leak", "defect_description": "Water"}),
    )
    .await;
    let swap = created(
        &svc,
        &shop.path(&format!("/cases/{}/swap", id_of(&case))),
        window_body("clerk"),
    )
    .await;
    let claim_b: Uuid = swap["claim_id"].as_str().unwrap().parse().unwrap();

    // German law: two years from the supplier's delivery; from the sale where it is not known.
    let a = item(&svc, &shop, claim_a).await;
    assert_eq!(a["supplier_delivery_assumed"], true, "{a}");
    assert!(a["supplier_delivered_on"].is_null(), "{a}");
    let a_sold_on = a["sold_at"]
        .as_str()
        .unwrap()
        .parse::<DateTime<Utc>>()
        .unwrap()
        .with_timezone(&berlin)
        .date_naive();
    let plus = |day: NaiveDate, months: u32| {
        day.checked_add_months(Months::new(months))
            .unwrap()
            .to_string()
    };
    assert_eq!(a["recourse_ends_on"], plus(a_sold_on, 24), "{a}");
    let b = item(&svc, &shop, claim_b).await;
    assert_eq!(b["supplier_delivery_assumed"], false, "{b}");
    assert_eq!(b["supplier_delivered_on"], supplied_on.to_string(), "{b}");
    assert_eq!(b["recourse_ends_on"], plus(supplied_on, 24), "{b}");

    // The ledger page says which deadline is assumed.
    bootstrap_admin(&svc, shop.retailer_id).await;
    let manager = "manager@maier.example";
    add_staff(&svc, shop.retailer_id, manager, "manager").await;
    let client = browser();
    signed_in(&svc, &client, manager).await;
    let (status, html) = page(&svc, &client, "/desk/ledger").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("supplier delivered "), "{html}");
    assert!(
        html.contains("supplier’s delivery not imported: the sale’s day assumed"),
        "{html}"
    );
    assert_eq!(
        html.matches("(from the sale’s day, assumed)").count(),
        1,
        "{html}"
    );
    assert!(html.contains("German law (BGB"), "{html}");
    // So does the case page, beside the claim.
    let (_, html) = page(&svc, &client, &format!("/desk/cases/{}", shop.case_id)).await;
    assert!(
        html.contains("the sale’s day assumed") && html.contains(r#"id="recourse""#),
        "{html}"
    );
    let (_, html) = page(&svc, &client, &format!("/desk/cases/{}", id_of(&case))).await;
    assert!(html.contains("supplier delivered "), "{html}");
    assert!(!html.contains("the sale’s day assumed"), "{html}");

    // Austrian law: at most five years from the supplier's delivery (the customer not yet
    // satisfied: no replacement delivered).
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE retailers SET jurisdiction = 'AT', time_zone = 'Europe/Vienna' WHERE id = $1",
            [shop.retailer_id.into()],
        ))
        .await
        .unwrap();
    let b = item(&svc, &shop, claim_b).await;
    assert_eq!(b["recourse_ends_on"], plus(supplied_on, 60), "{b}");
    let (_, html) = page(&svc, &client, "/desk/ledger").await;
    assert!(html.contains("Austrian law (ABGB"), "{html}");

    // The POS import: the optional column, a day of the retailer (now Vienna); a day after the
    // sale is an error of its row and column, and the file imports nothing.
    let header = "receipt_no;sku;serial;price_paid;currency;sold_at;customer_name;\
                  customer_phone;street;postcode;city;country;Wareneingang";
    let day = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
    let row = |serial: &str, supplied: &str| {
        format!(
            "P-1;WM-100;{serial};499,00;EUR;{};Erika;030 1;Hauptstraße 1;1010;Wien;AT;{supplied}",
            day(sold_on)
        )
    };
    let import = |file: String| {
        let client = svc.client.clone();
        let url = svc.url(&shop.path("/sales/imports?file_name=kasse.csv"));
        let root = root_of(shop.retailer_id);
        async move {
            let res = client
                .post(url)
                .basic_auth(root, Some(PASSWORD))
                .header("content-type", "text/csv")
                .body(file)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Json>().await.unwrap_or(Json::Null))
        }
    };
    let before = sales().await;
    let (status, p) = import(
        [
            header.to_owned(),
            row("SN-I1", &day(supplied_on)),
            row("SN-I2", &day(sold_on + Span::days(2))),
            row("SN-I3", "gestern"),
        ]
        .join("\r\n"),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    let text = p.to_string();
    assert!(text.contains("supplier_delivered_on"), "{p}");
    assert!(
        text.contains("the supplier's delivery must be on or before the day of the sale"),
        "{p}"
    );
    assert!(text.contains("a day like 20.11.2026 or 2026-11-20"), "{p}");
    assert_eq!(sales().await, before);
    let (status, p) = import(
        [
            header.to_owned(),
            row("SN-I1", &day(supplied_on)),
            row("SN-I2", ""),
        ]
        .join("\r\n"),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {p}");
    let vienna = chrono_tz::Europe::Vienna;
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(serial || '=' || coalesce(to_char(supplier_delivered_at \
               AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-'), ' ' ORDER BY serial) \
             FROM sales WHERE serial LIKE 'SN-I%'",
            vec![]
        )
        .await,
        format!(
            "SN-I1={} SN-I2=-",
            start_of(supplied_on, vienna).format("%Y-%m-%d %H:%M")
        )
    );
    svc.stop().await;
}
