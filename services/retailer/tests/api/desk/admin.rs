//! The admin pages: only admins (clerks and managers get the 403 page), another retailer's ids
//! answer 404; staff (create with an initial password, change role and store, disable), limits,
//! stores, products; and the POS sales import, which never imports a file with errors silently.

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_are_for_admins_and_manage_staff_limits_stores_and_products() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let clerk = session_as(&svc, &desk.email).await;

    // Only admins: pages and forms.
    let before = desk_snapshot(&svc.db).await;
    for who in [&clerk, &manager] {
        for path in ["/desk/admin", "/desk/admin/import"] {
            let (status, html) = who.get(&svc, path).await;
            assert_eq!(status, 403, "{path}: {html}");
        }
        assert_eq!(
            who.post(&svc, "/desk/admin/stores", &[("name", "X")])
                .await
                .0,
            403
        );
        assert_eq!(
            who.post(
                &svc,
                "/desk/admin/limits/clerk",
                &[("amount", "9999"), ("currency", "EUR")]
            )
            .await
            .0,
            403
        );
    }
    // Without the CSRF token, even an admin's form is refused.
    let (status, _) = post_form(
        &svc,
        &admin.client,
        "/desk/admin/stores",
        &[("name", "Mitte")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(count(&svc.db, "SELECT 1 FROM stores", vec![]).await, 0);

    let (status, html) = admin.get(&svc, "/desk/admin").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("anna@maier.example") && !html.contains("huber"),
        "{html}"
    );
    let mitte = add_store(&svc, &admin, "Mitte").await;
    let (status, html) = admin
        .post(&svc, "/desk/admin/stores", &[("name", "Mitte")])
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("already a store called Mitte"), "{html}");

    // A new account with an initial password; every field checked first.
    let new = |email: &'static str, password: &'static str, store: String| {
        vec![
            ("name", "Carl Clerk".to_owned()),
            ("email", email.to_owned()),
            ("role", "clerk".to_owned()),
            ("store_id", store),
            ("password", password.to_owned()),
        ]
    };
    let before = desk_snapshot(&svc.db).await;
    for (form, message) in [
        (
            new("carl@maier.example", "short", String::new()),
            "password",
        ),
        (
            new("not-an-email", PASSWORD, String::new()),
            "e-mail address",
        ),
        (
            new("carl@maier.example", PASSWORD, Uuid::now_v7().to_string()),
            "no such store",
        ),
        (
            new("anna@maier.example", PASSWORD, String::new()),
            "already has an account",
        ),
    ] {
        let (status, html) = admin.post_owned(&svc, "/desk/admin/staff", &form).await;
        assert_eq!(status, 422, "{message}");
        assert!(html.contains(message), "{message}: {html}");
        // What was typed stays, except the password.
        assert!(!html.contains(PASSWORD), "{html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let (status, location) = admin
        .post_owned(
            &svc,
            "/desk/admin/staff",
            &new("carl@maier.example", PASSWORD, mitte.to_string()),
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/desk/admin?saved=staff#staff")
    );
    let carl = id_by_name(&svc.db, "staff", "Carl Clerk").await;
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT role || '/' || store_id::text FROM staff WHERE id = $1",
            vec![carl.into()]
        )
        .await,
        format!("clerk/{mitte}")
    );
    let carl_client = browser();
    let carl_csrf = signed_in(&svc, &carl_client, "carl@maier.example").await;
    // A case opened by Carl is Mitte's.
    open_desk_case(&svc, &carl_client, &carl_csrf, desk.sale_id).await;
    assert_eq!(
        one_string(&svc.db, "SELECT store_id::text FROM cases", vec![]).await,
        mitte.to_string()
    );

    // Role and store; disable (the session ends, sign-in refused) and enable.
    let carl_path = format!("/desk/admin/staff/{carl}");
    let (status, _) = admin
        .post(
            &svc,
            &carl_path,
            &[("role", "manager"), ("store_id", ""), ("action", "save")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT role || '/' || coalesce(store_id::text, '-') FROM staff WHERE id = $1",
            vec![carl.into()]
        )
        .await,
        "manager/-"
    );
    let (status, _) = admin.post(&svc, &carl_path, &[("action", "disable")]).await;
    assert_eq!(status, 303);
    assert_eq!(page(&svc, &carl_client, "/desk").await.0, 303);
    let (status, html) = sign_in(&svc, &browser(), "carl@maier.example", PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("The e-mail or the password is wrong."),
        "{html}"
    );
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(html.contains("<strong>disabled</strong>"), "{html}");
    admin.post(&svc, &carl_path, &[("action", "enable")]).await;
    assert_eq!(
        sign_in(&svc, &browser(), "carl@maier.example", PASSWORD)
            .await
            .0,
        303
    );

    // Not one's own account; another retailer's staff or an unknown id: 404.
    let me = id_by_name(&svc.db, "staff", "admin person").await;
    let (status, html) = admin
        .post(
            &svc,
            &format!("/desk/admin/staff/{me}"),
            &[("action", "disable")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("your own account"), "{html}");
    let theirs = one_string(
        &svc.db,
        "SELECT id::text FROM staff WHERE retailer_id = $1",
        vec![other.retailer_id.into()],
    )
    .await;
    let before = desk_snapshot(&svc.db).await;
    for id in [theirs, Uuid::now_v7().to_string(), "nope".to_owned()] {
        let (status, _) = admin
            .post(
                &svc,
                &format!("/desk/admin/staff/{id}"),
                &[("action", "disable")],
            )
            .await;
        assert_eq!(status, 404, "{id}");
    }
    assert_eq!(
        admin
            .post(
                &svc,
                "/desk/admin/limits/owner",
                &[("amount", "1"), ("currency", "EUR")]
            )
            .await
            .0,
        404
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM staff WHERE disabled_at IS NOT NULL",
            vec![]
        )
        .await,
        0
    );

    // Authority limits on their page.
    let (status, html) = admin
        .post(
            &svc,
            "/desk/admin/limits/clerk",
            &[("amount", "lots"), ("currency", "EUR")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("enter an amount"), "{html}");
    let (status, _) = admin
        .post(
            &svc,
            "/desk/admin/limits/clerk",
            &[("amount", "300,50"), ("currency", "eur")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(
        html.contains(r#"<td id="limit-clerk">€300.50</td>"#),
        "{html}"
    );

    // Products: the manufacturer is one of the linked partners (issue 18); any other is refused.
    let manufacturer_id = Uuid::now_v7();
    let stranger = Uuid::now_v7().to_string();
    let (status, html) = admin
        .post(
            &svc,
            "/desk/admin/products",
            &[
                ("sku", "TR-300"),
                ("name", "Dryer TR 300"),
                ("manufacturer_id", &stranger),
                ("price", "449.00"),
                ("currency", "EUR"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("choose one of your linked partners"),
        "{html}"
    );
    link_as_before(&svc.db, desk.retailer_id, manufacturer_id).await;
    let manufacturer = manufacturer_id.to_string();
    let product = |sku: &'static str, price: &'static str| {
        vec![
            ("sku", sku.to_owned()),
            ("name", "Dryer TR 300".to_owned()),
            ("manufacturer_id", manufacturer.clone()),
            ("price", price.to_owned()),
            ("currency", "EUR".to_owned()),
        ]
    };
    assert_eq!(
        admin
            .post_owned(&svc, "/desk/admin/products", &product("TR-300", "-5"))
            .await
            .0,
        422
    );
    assert_eq!(
        admin
            .post_owned(&svc, "/desk/admin/products", &product("WM-100", "5"))
            .await
            .0,
        422
    );
    assert_eq!(
        admin
            .post_owned(&svc, "/desk/admin/products", &product("TR-300", "449.00"))
            .await
            .0,
        303
    );
    let (_, products) = get_json(
        &svc,
        &format!("/api/retailers/{}/products", desk.retailer_id),
    )
    .await;
    assert!(
        products["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["sku"] == "TR-300" && p["price"] == eur("449.00")),
        "{products}"
    );
    svc.stop().await;
}

/// A `multipart/form-data` upload of `content` as `file_name`, as a browser sends it.
async fn upload(
    svc: &TestService,
    admin: &Session,
    file_name: &str,
    content: &str,
) -> (u16, String) {
    upload_bytes(svc, admin, file_name, content.as_bytes()).await
}

/// [`upload`] of a file's bytes as they are (any encoding).
pub(super) async fn upload_bytes(
    svc: &TestService,
    admin: &Session,
    file_name: &str,
    content: &[u8],
) -> (u16, String) {
    let boundary = "----kummerer-test-7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n",
        admin.csrf
    )
    .into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = admin
        .client
        .post(svc.url("/desk/admin/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

const HEADER: &str = "receipt_no,sku,serial,price_paid,currency,sold_at,customer_name,\
                      customer_phone,street,postcode,city,country";

fn line(receipt: &str, sku: &str, serial: &str, sold_at: &str) -> String {
    format!(
        "{receipt},{sku},{serial},499.00,EUR,{sold_at},\"Mustermann, Erika\",+49 30 1,Hauptstraße 1,10115,Berlin,DE"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_file_with_errors_imports_nothing_unless_the_admin_chooses_its_valid_rows() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let theirs = session_of(&svc, other.retailer_id, "admin@huber.example", "admin").await;
    let sales = |rid: Uuid| {
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE retailer_id = $1",
            vec![rid.into()],
        )
    };
    let day = (Utc::now() - Span::days(2)).format("%Y-%m-%d").to_string();
    let file = [
        HEADER.to_owned(),
        line("P-1", "WM-100", "SN-P1", &day), // 2: valid
        line("P-1", "WM-200", "SN-P2", &format!("{day} 10:15")), // 3: valid
        line("P-2", "XX-999", "SN-P3", &day), // 4: unknown SKU
        line("P-3", "WM-100", "SN-P4", "yesterday"), // 5: bad date
        line("R-1", "WM-100", "SN-1", &day),  // 6: imported already (the API)
        line("P-1", "WM-100", "SN-P1", &day), // 7: twice in the file
        line("P-4", "WM-100", "SN-P5", "2999-01-01"), // 8: in the future
        "P-5,WM-100,SN-P6,499.00,EUR".to_owned(), // 9: too few fields
        line("P-6", "WM-200", "SN-P7", &format!("{day}T08:00:00Z")), // 10: valid
    ]
    .join("\r\n");

    let before = desk_snapshot(&svc.db).await;
    let (status, html) = upload(&svc, &admin, "pos-november.csv", &file).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("nothing was imported"), "{html}");
    // Each error with the value found (the row, the column, the value, what was expected).
    for (line_no, field, value, message) in [
        (4, "sku", "XX-999", "the SKU of one of your products"),
        (5, "sold_at", "yesterday", "a date like 28.11.2026"),
        (
            6,
            "receipt_no",
            "R-1",
            "receipt R-1 with serial SN-1 is already imported",
        ),
        (
            7,
            "receipt_no",
            "P-1",
            "the same receipt and serial as line 2",
        ),
        (8, "sold_at", "2999-01-01", "must not be in the future"),
        (
            9,
            "row",
            "P-5 | WM-100 | SN-P6 | 499.00 | EUR",
            "5 fields, but the columns need at least 12",
        ),
    ] {
        let row = format!(
            r#"<tr><td class="num">{line_no}</td><td>{field}</td><td class="value"><code>{value}</code></td><td>{message}"#
        );
        assert!(html.contains(&row), "{row}: {html}");
    }
    assert!(html.contains("Import the 3 valid rows"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let import_id = one_string(&svc.db, "SELECT id::text FROM sales_imports", vec![]).await;

    // Another retailer's admin cannot import it; the admin can, explicitly.
    let valid_path = format!("/desk/admin/import/{import_id}/valid");
    assert_eq!(theirs.post(&svc, &valid_path, &[]).await.0, 404);
    assert_eq!(sales(desk.retailer_id).await, 1);
    let (status, html) = admin.post(&svc, &valid_path, &[]).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"<span id="imported">3</span> sales imported"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span id="skipped">6</span> rows were skipped"#),
        "{html}"
    );
    assert_eq!(sales(desk.retailer_id).await, 4);
    assert_eq!(sales(other.retailer_id).await, 1);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT customer_name || '/' || price_paid::text FROM sales WHERE serial = 'SN-P7'",
            vec![]
        )
        .await,
        "Mustermann, Erika/499.00"
    );
    // Once only.
    let (status, html) = admin.post(&svc, &valid_path, &[]).await;
    assert_eq!(status, 409);
    assert!(html.contains("imported already"), "{html}");
    assert_eq!(sales(desk.retailer_id).await, 4);

    // The same receipts again: duplicates, not second sales.
    let again = [HEADER.to_owned(), line("P-1", "WM-100", "SN-P1", &day)].join("\n");
    let (status, html) = upload(&svc, &admin, "again.csv", &again).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("receipt P-1 with serial SN-P1 is already imported"),
        "{html}"
    );
    assert!(
        !html.contains("import-valid"),
        "nothing valid to offer: {html}"
    );
    assert_eq!(sales(desk.retailer_id).await, 4);

    // A file that is all valid is imported whole; one with the wrong columns not at all.
    let good = [
        HEADER.to_owned(),
        line("Q-1", "WM-100", "SN-Q1", &day),
        line("Q-1", "WM-100", "SN-Q2", &day),
    ]
    .join("\n");
    let (status, html) = upload(&svc, &admin, "good.csv", &good).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"<span id="imported">2</span> sales imported"#),
        "{html}"
    );
    assert_eq!(sales(desk.retailer_id).await, 6);
    let (status, html) = upload(&svc, &admin, "bad.csv", "receipt,sku\nP-9,WM-100\n").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("the first line must name the columns"),
        "{html}"
    );
    let (status, html) = upload(
        &svc,
        &admin,
        "broken.csv",
        &format!("{HEADER}\n\"P-9,WM-100"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("never closed"), "{html}");
    assert_eq!(sales(desk.retailer_id).await, 6);
    // A clerk's upload is refused.
    let clerk = session_as(&svc, &desk.email).await;
    assert_eq!(upload(&svc, &clerk, "good.csv", &good).await.0, 403);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sales_file_with_a_price_above_the_list_price_imports_nothing() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let day = (Utc::now() - Span::days(2)).format("%Y-%m-%d").to_string();
    let priced = |receipt: &str, serial: &str, price: &str, currency: &str| {
        line(receipt, "WM-100", serial, &day).replacen(
            ",499.00,EUR,",
            &format!(",{price},{currency},"),
            1,
        )
    };
    let file = [
        HEADER.to_owned(),
        line("P-1", "WM-100", "SN-P1", &day),      // 2: valid
        priced("P-2", "SN-P2", "99999.99", "EUR"), // 3: a bought refund
        priced("P-3", "SN-P3", "100.00", "CHF"),   // 4: another currency
    ]
    .join("\r\n");
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = upload(&svc, &admin, "pos.csv", &file).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("nothing was imported"), "{html}");
    for (line_no, message) in [
        (3, "the price paid 99999.99 EUR is above the product"),
        (4, "the price paid is in CHF, the product"),
    ] {
        let row = format!(
            r#"<tr><td class="num">{line_no}</td><td>price_paid</td><td class="value"><code>"#
        );
        assert!(html.contains(&row), "{row}: {html}");
        assert!(html.contains(message), "{message}: {html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_is_created_on_the_command_line() {
    let svc = start().await;
    let url = svc.test_db.as_ref().unwrap().url.clone();
    let run = |args: &[&str], password: Option<&str>| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_retailer"));
        cmd.arg("create-admin")
            .args(args)
            .env("DATABASE_URL", &url)
            .env_remove("KUMMERER_ADMIN_PASSWORD");
        if let Some(p) = password {
            cmd.env("KUMMERER_ADMIN_PASSWORD", p);
        }
        async move {
            let out = cmd.output().await.unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };
    let new = [
        "--email",
        "Bea@Nord.example",
        "--name",
        "Bea Boss",
        "--new-retailer",
        "Kaufhaus Nord",
    ];
    for (args, password, message) in [
        (&new[..], None, "KUMMERER_ADMIN_PASSWORD"),
        (&new[..], Some("short"), "password"),
        (&new[..4], Some(PASSWORD), "--retailer or --new-retailer"),
        (
            &[
                "--email",
                "x@nord.example",
                "--name",
                "X",
                "--retailer",
                "0197a1c4-0000-7000-8000-000000000000",
            ][..],
            Some(PASSWORD),
            "there is no retailer",
        ),
    ] {
        let (ok, _, stderr) = run(args, password).await;
        assert!(!ok && stderr.contains(message), "{args:?}: {stderr}");
    }
    assert_eq!(count(&svc.db, "SELECT 1 FROM staff", vec![]).await, 0);
    assert_eq!(count(&svc.db, "SELECT 1 FROM retailers", vec![]).await, 0);

    let (ok, stdout, stderr) = run(&new, Some(PASSWORD)).await;
    assert!(ok, "{stderr}");
    let retailer_id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("retailer "))
        .unwrap()
        .to_owned();
    assert_eq!(
        one_string(&svc.db, "SELECT r.id::text || '/' || r.name || '/' || s.role FROM staff s JOIN retailers r ON r.id = s.retailer_id WHERE s.email = 'bea@nord.example'", vec![]).await,
        format!("{retailer_id}/Kaufhaus Nord/admin")
    );
    // The admin signs in at the desk and reaches the admin pages.
    let client = browser();
    signed_in(&svc, &client, "bea@nord.example").await;
    assert_eq!(page(&svc, &client, "/desk/admin").await.0, 200);
    // Once per e-mail.
    let again = [
        "--email",
        "bea@nord.example",
        "--name",
        "Bea",
        "--retailer",
        retailer_id.as_str(),
    ];
    let (ok, _, stderr) = run(&again, Some(PASSWORD)).await;
    assert!(!ok && stderr.contains("already has an account"), "{stderr}");
    assert_eq!(count(&svc.db, "SELECT 1 FROM staff", vec![]).await, 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_are_swept_and_live_ones_kept() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let old = browser();
    signed_in(&svc, &old, &desk.email).await;
    let live = browser();
    signed_in(&svc, &live, &desk.email).await;
    svc.db
        .execute_unprepared(
            "UPDATE sessions SET expires_at = now() - interval '1 minute' \
             WHERE id = (SELECT id FROM sessions ORDER BY created_at LIMIT 1)",
        )
        .await
        .unwrap();
    // The sweep the service runs every 10 minutes (and at start).
    let purged = retailer::db::desk::purge_expired_sessions(&svc.db, Utc::now())
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 1);
    assert_eq!(page(&svc, &old, "/desk").await.0, 303);
    assert_eq!(page(&svc, &live, "/desk").await.0, 200);
    svc.stop().await;
}
