//! Two real Chromium sessions at once: an admin imports sales from a CSV file (choosing the
//! valid rows), a clerk asks for a manager's approval, and the admin — whose desk list refreshes
//! itself — approves it; the clerk's waiting page shows it. Also takes the import and dashboard
//! screenshots (with `KUMMERER_SCREENSHOT_DIR`).

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_asks_and_the_admin_approves_from_the_open_desk_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-B", "Erika Mustermann").await;
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let second_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-100", "SN-B-2"),
        )
        .await,
    );
    let admin = "admin@maier.example";
    add_staff(&svc, desk.retailer_id, admin, "admin").await;
    let day = (Utc::now() - Span::days(1)).format("%Y-%m-%d").to_string();
    // The clerk works at the store Mitte (for the dashboard's time to swap per store).
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "WITH s AS (INSERT INTO stores (id, retailer_id, name) VALUES ($1, $2, 'Mitte') \
             RETURNING id) UPDATE staff SET store_id = (SELECT id FROM s) WHERE email = $3",
            [
                Uuid::now_v7().into(),
                desk.retailer_id.into(),
                desk.email.clone().into(),
            ],
        ))
        .await
        .unwrap();
    let csv_dir = TempDir(std::env::temp_dir().join(format!("kummerer-pos-{}", Uuid::now_v7())));
    std::fs::create_dir_all(&csv_dir.0).unwrap();
    let csv_path = csv_dir.0.join("pos-export-november.csv");
    std::fs::write(
        &csv_path,
        format!(
            "receipt_no,sku,serial,price_paid,currency,sold_at,customer_name,customer_phone,\
             street,postcode,city,country\n\
             POS-77,WM-100,SN-IMPORT-1,529.00,EUR,{day},Jonas Weber,+49 30 555 0101,\
             Torstraße 12,10119,Berlin,DE\n\
             POS-77,DW-900,SN-IMPORT-2,399.00,EUR,{day},Jonas Weber,+49 30 555 0101,\
             Torstraße 12,10119,Berlin,DE\n\
             POS-78,WM-200,SN-IMPORT-3,599.00,EUR,tomorrow,Lea Kaya,+49 30 555 0202,\
             Kastanienallee 3,10435,Berlin,DE\n\
             POS-79,WM-200,SN-IMPORT-4,589.00,EUR,{day},Lea Kaya,+49 30 555 0202,\
             Kastanienallee 3,10435,Berlin,DE\n"
        ),
    )
    .unwrap();
    let mut driver = chromedriver().await;
    let profile = std::env::temp_dir().join(format!("kummerer-chromium-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&profile).unwrap();
    let _profile = TempDir(profile.clone());
    let m = browser_session(&driver, &driver._profile.0).await;
    let c = browser_session(&driver, &profile).await;

    let run = async {
        // The admin imports the POS file: errors listed, nothing imported, then the valid rows.
        sign_in_in_browser(&m, &svc, admin).await?;
        set_viewport(&m, 1280, 900).await?;
        m.goto(&svc.url("/desk/admin/import")).await?;
        m.wait()
            .for_element(Locator::Css("input[name=file]"))
            .await?
            .send_keys(&csv_path.display().to_string())
            .await?;
        m.find(Locator::Css("#import-form button"))
            .await?
            .click()
            .await?;
        m.wait().for_element(Locator::Id("import-errors")).await?;
        let import_png = m.screenshot().await?;
        m.find(Locator::Css("#import-valid button"))
            .await?
            .click()
            .await?;
        let imported = m
            .wait()
            .for_element(Locator::Id("imported"))
            .await?
            .text()
            .await?;
        assert_eq!(imported, "2");
        // The admin's desk, open before the clerk asks.
        m.goto(&svc.url("/desk")).await?;
        m.wait().for_element(Locator::Id("no-approvals")).await?;

        // The clerk finds the imported sale, and asks for WM-200 above the limit.
        sign_in_in_browser(&c, &svc, &desk.email).await?;
        find_sale_in_browser(&c, "SN-IMPORT-1").await?;
        open_case_in_browser(&c, "leak", "Water under the machine").await?;
        c.wait()
            .for_element(Locator::Css(
                "select[name=replacement_sku] option[value=WM-200]",
            ))
            .await?
            .click()
            .await?;
        c.find(Locator::Id("approve-swap")).await?.click().await?;
        // The answer (not the form it was sent from, which may offer "Ask a manager" too).
        c.wait().for_element(Locator::Id("needs-manager")).await?;
        c.find(Locator::Id("ask-manager")).await?.click().await?;
        c.wait().for_element(Locator::Id("waiting")).await?;

        // The admin's open desk shows the request without a reload; the admin approves.
        m.wait()
            .for_element(Locator::Css("#approvals a.decide"))
            .await?
            .click()
            .await?;
        m.wait()
            .for_element(Locator::Css("#approve-request button"))
            .await?
            .click()
            .await?;
        m.wait().for_element(Locator::Id("outcome")).await?;

        // The clerk's waiting page shows it within seconds.
        let outcome = c
            .wait()
            .for_element(Locator::Id("outcome"))
            .await?
            .text()
            .await?;
        assert!(
            outcome.contains(&format!("Approved by {admin}")),
            "{outcome}"
        );

        // Some history for the dashboard: the swap delivered 2 h 35 min after the case was
        // opened, and two refusals.
        let case_id: Uuid = one_string(&svc.db, "SELECT case_id::text FROM swaps", vec![])
            .await
            .parse()
            .unwrap();
        let swap_id: Uuid = one_string(&svc.db, "SELECT id::text FROM swaps", vec![])
            .await
            .parse()
            .unwrap();
        let opened = Utc::now() - Span::minutes(155);
        svc.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE cases SET opened_at = $1 WHERE id = $2",
                [opened.into(), case_id.into()],
            ))
            .await
            .unwrap();
        publish_event(
            &svc.names,
            JobCompletedV1 {
                job_id: Uuid::now_v7().into(),
                swap_id: swap_id.into(),
                case_id: case_id.into(),
                retailer_id: desk.retailer_id.into(),
                delivered_serial: "SN-NEW-77".into(),
                collected_serial: "SN-IMPORT-1".into(),
                collected_serial_matches: true,
                recipient_name: "Jonas Weber".into(),
                completed_at: Utc::now(),
            },
        )
        .await;
        wait_kind(&svc, case_id, "delivered_and_collected", 1).await;
        let clerk = browser();
        let csrf = signed_in(&svc, &clerk, &desk.email).await;
        for (sale, reason) in [
            (desk.sale_id, "outside_warranty"),
            (second_sale, "damage_by_customer"),
        ] {
            let case = open_desk_case(&svc, &clerk, &csrf, sale).await;
            let (status, _) = post_form(
                &svc,
                &clerk,
                &format!("{case}/refuse"),
                &[
                    ("csrf", &csrf),
                    ("reason_code", reason),
                    ("reason_text", "Explained to the customer"),
                ],
            )
            .await;
            assert_eq!(status, 303);
        }
        m.goto(&svc.url("/desk/dashboard")).await?;
        m.wait().for_element(Locator::Id("ball-counts")).await?;
        let dashboard_png = m.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((import_png, dashboard_png))
    };
    let outcome = run.await;
    let sources = (
        m.source().await.unwrap_or_default(),
        c.source().await.unwrap_or_default(),
    );
    let _ = m.close().await;
    let _ = c.close().await;
    let _ = driver.driver.child.kill().await;
    let (import_png, dashboard_png) = outcome.unwrap_or_else(|e| {
        panic!(
            "browser run failed: {e}\nadmin:\n{}\nclerk:\n{}",
            sources.0, sources.1
        )
    });
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("desk-admin-import.png"), &import_png).unwrap();
        std::fs::write(Path::new(&dir).join("desk-dashboard.png"), &dashboard_png).unwrap();
    }
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT approved_by || '/' || authorized_by FROM swaps",
            vec![]
        )
        .await,
        format!("{}/{admin}", desk.email)
    );
    // The two imported sales, and the delivered replacement as the customer's unit on the
    // first receipt.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE receipt_no LIKE 'POS-%' AND replaces_case_id IS NULL",
            vec![]
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE receipt_no = 'POS-77' AND serial = 'SN-NEW-77' \
             AND replaces_case_id IS NOT NULL",
            vec![]
        )
        .await,
        1
    );
    svc.stop().await;
}
