//! Claims listed page by page with filters, and analytics over the manufacturer's own claims.

use crate::support::*;

/// Every page of `path` (a claims listing with its query, without a cursor); the ids in the
/// order they came, after checking each page's size and order.
async fn walk(svc: &TestService, path: &str, limit: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut last: Option<(DateTime<Utc>, Uuid)> = None;
    for _ in 0..1000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let a = get(svc, &url).await;
        assert_eq!(a.status, 200, "{url}: {}", a.body);
        let items = a.body["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{url}");
        for item in items {
            let key = (
                at(&item["received_at"]),
                serde_json::from_value::<Uuid>(item["id"].clone()).unwrap(),
            );
            if let Some(prev) = last {
                assert!(key < prev, "{url}: newest first");
            }
            last = Some(key);
            ids.push(key.1);
        }
        match a.body["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(items.len(), limit, "{url}: a full page before the last");
                cursor = Some(c.to_owned());
            }
            None => {
                assert!(a.body["next_cursor"].is_null(), "{url}");
                return ids;
            }
        }
    }
    panic!("{path}: no last page");
}

/// A claim written straight into the table (listing and analytics need many claims with chosen
/// times, statuses and products); returns its id.
#[allow(clippy::too_many_arguments)]
async fn seed_claim(
    db: &DatabaseConnection,
    mid: Uuid,
    retailer_id: Uuid,
    sku: &str,
    category: &str,
    status: &str,
    received_at: DateTime<Utc>,
    decided_after_secs: Option<i64>,
) -> Uuid {
    let id = Uuid::now_v7();
    let decided_at = decided_after_secs.map(|s| received_at + TimeDelta::seconds(s));
    let decided_amount = decided_at.map(|_| rust_decimal::Decimal::new(10000, 2));
    let decided_by = decided_at.map(|_| "manufacturer".to_owned());
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO claims (id, manufacturer_id, retailer_id, swap_id, case_id, serial, \
         product_sku, product_name, currency, price_paid, sold_at, swapped_at, defect_category, \
         defect_description, status, decided_amount, decided_by, received_at, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'EUR', 499.00, $9, $9, $10, 'seeded', $11, \
         $12, $13, $14, $15)",
        [
            id.into(),
            mid.into(),
            retailer_id.into(),
            Uuid::now_v7().into(),
            Uuid::now_v7().into(),
            format!("SN-{}", id.simple()).into(),
            sku.into(),
            format!("Product {sku}").into(),
            (received_at - TimeDelta::days(30)).into(),
            category.into(),
            status.into(),
            decided_amount.into(),
            decided_by.into(),
            received_at.into(),
            decided_at.into(),
        ],
    ))
    .await
    .unwrap();
    id
}

/// A seeded claim: id, retailer, sku, status, received at.
type Seeded = (Uuid, Uuid, &'static str, &'static str, DateTime<Utc>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_listed_page_by_page_with_filters() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let (r1, r2) = (Uuid::now_v7(), Uuid::now_v7());
    let base: DateTime<Utc> = "2026-11-10T12:00:00Z".parse().unwrap();
    // A's claims: (id, retailer, sku, status, received_at); every third shares its time with
    // the one before, so that the id breaks the tie.
    let mut mine = Vec::new();
    for i in 0..23i64 {
        let retailer = if i % 2 == 0 { r1 } else { r2 };
        let sku = if i % 3 == 0 { "WM-100" } else { "DW-200" };
        let status = if i % 4 == 0 { "accepted" } else { "pending" };
        let received_at = base + TimeDelta::hours(i - i64::from(i % 3 == 2));
        let decided = (status == "accepted").then_some(60);
        let id = seed_claim(
            &svc.db,
            a,
            retailer,
            sku,
            "leak",
            status,
            received_at,
            decided,
        )
        .await;
        mine.push((id, retailer, sku, status, received_at));
    }
    // B's claims, with the same retailers, products and times.
    let mut theirs = Vec::new();
    for i in 0..5i64 {
        let id = seed_claim(
            &svc.db,
            b,
            r1,
            "WM-100",
            "leak",
            "pending",
            base + TimeDelta::hours(i),
            None,
        )
        .await;
        theirs.push(id);
    }
    let expected = |keep: &dyn Fn(&Seeded) -> bool| {
        let mut v: Vec<(DateTime<Utc>, Uuid)> = mine
            .iter()
            .filter(|c| keep(c))
            .map(|c| (c.4, c.0))
            .collect();
        v.sort();
        v.reverse();
        v.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
    };
    let list = format!("/api/manufacturers/{a}/claims");

    // Every claim exactly once, in order, across pages of several sizes.
    for limit in [1, 4, 7, 23, 200] {
        let ids = walk(&svc, &list, limit).await;
        assert_eq!(ids, expected(&|_| true), "limit {limit}");
    }
    // Without a limit: pages of 50, so one page.
    let first = get(&svc, &list).await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 23);
    assert!(first.body["next_cursor"].is_null());

    // Filters combine, and page like the whole list.
    let cases: Vec<(String, Vec<Uuid>)> = vec![
        ("status=pending".into(), expected(&|c| c.3 == "pending")),
        (format!("retailer_id={r1}"), expected(&|c| c.1 == r1)),
        ("sku=WM-100".into(), expected(&|c| c.2 == "WM-100")),
        (
            format!("status=pending&retailer_id={r2}&sku=DW-200"),
            expected(&|c| c.3 == "pending" && c.1 == r2 && c.2 == "DW-200"),
        ),
        (
            "from=2026-11-10T15:00:00Z&to=2026-11-11T02:00:00%2B01:00".into(),
            expected(&|c| c.4 >= base + TimeDelta::hours(3) && c.4 < base + TimeDelta::hours(13)),
        ),
        (
            format!("from=2026-11-10T20:00:00Z&to=2026-11-11&retailer_id={r1}&sku=DW-200"),
            expected(&|c| {
                c.4 >= base + TimeDelta::hours(8)
                    && c.4 < "2026-11-12T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
                    && c.1 == r1
                    && c.2 == "DW-200"
            }),
        ),
        ("from=2026-11-12".into(), vec![]),
        ("sku=NOPE".into(), vec![]),
    ];
    for (query, want) in &cases {
        let ids = walk(&svc, &format!("{list}?{query}"), 3).await;
        assert_eq!(&ids, want, "{query}");
        let selects_none = query == "from=2026-11-12" || query == "sku=NOPE";
        assert_eq!(
            want.is_empty(),
            selects_none,
            "{query}: what the case selects"
        );
    }

    // Another manufacturer's claims never show, whatever the filters; B sees only its own.
    for q in [
        String::new(),
        format!("?retailer_id={r1}"),
        "?sku=WM-100&status=pending".to_owned(),
    ] {
        let ids = walk(&svc, &format!("{list}{q}"), 5).await;
        assert!(ids.iter().all(|id| !theirs.contains(id)), "{q}");
    }
    let b_ids = walk(&svc, &format!("/api/manufacturers/{b}/claims"), 2).await;
    let mut b_sorted = theirs.clone();
    b_sorted.reverse();
    assert_eq!(b_ids, b_sorted);
    // A cursor from B's listing on A's list is only a position: A's claims after it.
    let b_page = get(&svc, &format!("/api/manufacturers/{b}/claims?limit=2")).await;
    let b_cursor = b_page.body["next_cursor"].as_str().unwrap();
    let x = get(&svc, &format!("{list}?limit=200&cursor={b_cursor}")).await;
    assert_eq!(x.status, 200);
    for item in x.body["items"].as_array().unwrap() {
        assert_eq!(item["manufacturer_id"], a.to_string());
    }

    // Bad filters and cursors: 400 problems, nothing changed.
    let before = table_counts(&svc.db).await;
    for query in [
        "cursor=garbage",
        "cursor=",
        "cursor=Zm9vYmFy",
        "cursor=%2B%2F%2F%2F",
        "limit=0",
        "limit=201",
        "limit=-5",
        "limit=ten",
        "status=open",
        "retailer_id=not-a-uuid",
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-11-12&to=2026-11-10",
        "from=2026-11-12T00:00:00Z&to=2026-11-12T00:00:00Z",
    ] {
        let x = get(&svc, &format!("{list}?{query}")).await;
        assert_problem(&x, 400, query);
        assert_eq!(x.body["code"], "bad_query", "{query}");
    }
    assert_eq!(table_counts(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_count_only_the_manufacturers_claims() {
    let svc = start().await;
    let a = create_manufacturer(&svc, "Waschwerk AG").await;
    let b = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    let r = Uuid::now_v7();
    let t: DateTime<Utc> = "2026-11-10T12:00:00Z".parse().unwrap();
    for (sku, category, status, decided) in [
        ("WM-100", "does_not_start", "accepted", Some(60)),
        ("WM-100", "does_not_start", "partly_accepted", Some(120)),
        ("WM-100", "leak", "rejected", Some(3_000)),
        ("DW-200", "leak", "pending", None),
    ] {
        seed_claim(&svc.db, a, r, sku, category, status, t, decided).await;
    }
    // Outside the range asked for below.
    seed_claim(
        &svc.db,
        a,
        r,
        "DW-200",
        "noise",
        "rejected",
        t - TimeDelta::days(40),
        Some(9),
    )
    .await;
    // Another manufacturer's.
    for _ in 0..3 {
        seed_claim(&svc.db, b, r, "WM-100", "leak", "rejected", t, Some(1)).await;
    }

    let x = get(
        &svc,
        &format!("/api/manufacturers/{a}/analytics?from=2026-11-01&to=2026-11-30"),
    )
    .await;
    assert_eq!(x.status, 200, "{}", x.body);
    let body = &x.body;
    assert_eq!(body["from"], "2026-11-01T00:00:00Z");
    assert_eq!(body["to"], "2026-12-01T00:00:00Z");
    assert_eq!(body["claims"], 4);
    assert_eq!(body["by_product"][0]["sku"], "WM-100");
    assert_eq!(body["by_product"][0]["name"], "Product WM-100");
    assert_eq!(body["by_product"][0]["claims"], 3);
    assert_eq!(body["by_product"][0]["share"], "0.7500");
    assert_eq!(
        body["by_product"][0]["defect_categories"],
        json!([
            {"defect_category": "does_not_start", "claims": 2, "share": "0.6667"},
            {"defect_category": "leak", "claims": 1, "share": "0.3333"},
        ])
    );
    assert_eq!(body["by_product"][1]["sku"], "DW-200");
    assert_eq!(body["by_product"][1]["share"], "0.2500");
    assert_eq!(
        body["by_defect_category"],
        json!([
            {"defect_category": "does_not_start", "claims": 2, "share": "0.5000"},
            {"defect_category": "leak", "claims": 2, "share": "0.5000"},
        ])
    );
    assert_eq!(
        body["outcomes"],
        json!({"pending": 1, "accepted": 1, "partly_accepted": 1, "rejected": 1, "decided": 3})
    );
    assert_eq!(body["acceptance_rate"], "0.6667");
    assert_eq!(body["median_seconds_to_decision"], 120);

    // All time: the old claim counts too; B's never.
    let all = get(&svc, &format!("/api/manufacturers/{a}/analytics")).await;
    assert_eq!(all.body["claims"], 5);
    assert_eq!(all.body["outcomes"]["rejected"], 2);
    assert_eq!(all.body["acceptance_rate"], "0.5000");
    assert_eq!(all.body["median_seconds_to_decision"], 90);
    assert!(all.body["from"].is_null());

    // Nothing in the range: zeros and nulls.
    let none = get(
        &svc,
        &format!("/api/manufacturers/{a}/analytics?from=2030-01-01"),
    )
    .await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body["claims"], 0);
    assert_eq!(none.body["by_product"], json!([]));
    assert!(none.body["acceptance_rate"].is_null());
    assert!(none.body["median_seconds_to_decision"].is_null());

    for query in [
        "from=soon",
        "to=2026-02-30",
        "from=2026-12-01&to=2026-11-01",
    ] {
        let x = get(&svc, &format!("/api/manufacturers/{a}/analytics?{query}")).await;
        assert_problem(&x, 400, query);
        assert_eq!(x.body["code"], "bad_query");
    }
    svc.stop().await;
}
