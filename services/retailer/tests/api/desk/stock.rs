//! Stores and stock locations: the swap form offers only locations that have the replacement,
//! approving reserves one unit in the swap's transaction (never below zero), and the location
//! travels to logistics in `replacement_from`.

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_reserves_the_replacement_at_a_stock_location_that_has_it() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let mitte = add_store(&svc, &admin, "Mitte").await;
    let shop = add_location(&svc, &admin, "Filiale Mitte", Some(mitte)).await;
    let warehouse = add_location(&svc, &admin, "Zentrallager", None).await;
    set_stock(&svc, &admin, shop, "WM-100", "1").await;
    set_stock(&svc, &admin, warehouse, "WM-200", "2").await;
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    for shown in [
        "Filiale Mitte (Mitte)",
        "Zentrallager (central warehouse)",
        "Lagerweg 5",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }

    let clerk = session_as(&svc, &desk.email).await;
    let case_path = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id).await;
    // The form offers the locations that have the replacement (WM-100): the shop, with 1.
    let (_, html) = clerk.get(&svc, &case_path).await;
    assert!(
        html.contains(&format!(
            r#"<option value="{shop}">Filiale Mitte (Mitte) — 1 in stock"#
        )),
        "{html}"
    );
    assert!(
        !html.contains(&format!(r#"<option value="{warehouse}""#)),
        "{html}"
    );

    // No location chosen, or one without the replacement: explained, nothing saved.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = clerk.post_swap(&svc, &case_path, &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("choose the stock location"), "{html}");
    let shop_id = shop.to_string();
    let (status, html) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[
                ("replacement_sku", "WM-200"),
                ("stock_location_id", &shop_id),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("is not in stock at Filiale Mitte"), "{html}");
    // … and the form now lists where WM-200 is.
    assert!(
        html.contains("Zentrallager (central warehouse) — 2 in stock"),
        "{html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(stock_of(&svc.db, warehouse, "WM-200").await, 2);

    // The last WM-100 at the shop: reserved with the swap.
    let (status, location) = clerk
        .post_swap(&svc, &case_path, &[("stock_location_id", &shop_id)])
        .await;
    assert_eq!((status, location.as_str()), (303, case_path.as_str()));
    assert_eq!(stock_of(&svc.db, shop, "WM-100").await, 0);
    assert_eq!(
        one_string(&svc.db, "SELECT stock_location_id::text FROM swaps", vec![]).await,
        shop_id
    );
    let event = &outbox(&svc.db, SWAP_APPROVED).await[0]["data"];
    assert_eq!(event["replacement_from"]["location_id"], shop_id);
    assert_eq!(event["replacement_from"]["name"], "Filiale Mitte");
    assert_eq!(event["replacement_from"]["address"]["street"], "Lagerweg 5");
    assert_eq!(event["replacement_from"]["address"]["city"], "Berlin");
    let (_, html) = clerk.get(&svc, &case_path).await;
    assert!(
        html.contains(r#"from <span id="stock-from">Filiale Mitte (Mitte)</span>"#),
        "{html}"
    );
    // The case was opened by a clerk without a store.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM cases WHERE store_id IS NULL",
            vec![]
        )
        .await,
        1
    );

    // The database never lets a level go below zero.
    assert!(
        svc.db
            .execute_unprepared("UPDATE stock_levels SET quantity = quantity - 1")
            .await
            .is_err()
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_approvals_racing_for_the_last_unit_make_one_swap() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let theirs = session_of(&svc, other.retailer_id, "admin@huber.example", "admin").await;
    let warehouse = add_location(&svc, &admin, "Zentrallager", None).await;
    let foreign = add_location(&svc, &theirs, "Huber Lager", None).await;
    set_stock(&svc, &admin, warehouse, "WM-200", "1").await;
    set_stock(&svc, &theirs, foreign, "WM-200", "5").await;
    another_sale(&svc, desk.retailer_id, "R-2", "SN-2").await;
    let mut cases = Vec::new();
    for serial in ["SN-1", "SN-2"] {
        cases.push(id_of(
            &created(
                &svc,
                &format!("/api/retailers/{}/cases", desk.retailer_id),
                json!({"serial": serial, "defect_category": "leak", "defect_description": "Water"}),
            )
            .await,
        ));
    }
    let body = |location: Uuid| {
        let mut b = window_body("pos.system");
        b["replacement_sku"] = json!("WM-200");
        b["stock_location_id"] = json!(location);
        b
    };
    let swap = |case: Uuid| format!("/api/retailers/{}/cases/{case}/swap", desk.retailer_id);

    // Another retailer's location, or none such: the same 422, nothing saved.
    let before = desk_snapshot(&svc.db).await;
    for location in [foreign, Uuid::now_v7()] {
        rejects(
            &svc,
            &swap(cases[0]),
            body(location),
            "422 stock_location_id",
        )
        .await;
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(stock_of(&svc.db, foreign, "WM-200").await, 5);

    let send = |case: Uuid| {
        request(&svc, reqwest::Method::POST, &swap(case))
            .json(&body(warehouse))
            .send()
    };
    let (a, b) = tokio::join!(send(cases[0]), send(cases[1]));
    let (a, b) = (a.unwrap(), b.unwrap());
    let (winner, loser) = if a.status().as_u16() == 201 {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(winner.status().as_u16(), 201);
    let problem = assert_problem(loser, 409, "out_of_stock", "the second approval").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("Zentrallager"),
        "{problem}"
    );
    let db = &svc.db;
    assert_eq!(count(db, "SELECT 1 FROM swaps", vec![]).await, 1);
    assert_eq!(count(db, "SELECT 1 FROM claims", vec![]).await, 1);
    assert_eq!(outbox(db, SWAP_APPROVED).await.len(), 1);
    assert_eq!(stock_of(db, warehouse, "WM-200").await, 0);
    // The loser's case is still open, and a third approval finds nothing either.
    assert_eq!(
        count(db, "SELECT 1 FROM cases WHERE status = 'open'", vec![]).await,
        1
    );
    svc.stop().await;
}
