//! One run through the desk in a real headless Chromium.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_approves_a_swap_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-BROWSER", "Erika Mustermann").await;
    // A second unit, whose swap to WM-200 (599.00) is above the clerk's limit (550.00).
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let second_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-100", "SN-BROWSER-2"),
        )
        .await,
    );
    let manager = "manager@sn-browser.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let mut driver = chromedriver().await;
    let c = browser_session(&driver, &driver._profile.0).await;

    let run = async {
        // Not signed in: the sign-in page.
        sign_in_in_browser(&c, &svc, &desk.email).await?;
        // The desk: find the unit by its serial.
        c.find(Locator::Css("input[name=q]"))
            .await?
            .send_keys("SN-BROWSER")
            .await?;
        c.find(Locator::Css("form.search button"))
            .await?
            .click()
            .await?;
        let result = c.wait().for_element(Locator::Css("#results a")).await?;
        set_viewport(&c, 1280, 900).await?;
        let search_png = c.screenshot().await?;
        result.click().await?;
        // The sale: open a case.
        let category = c
            .wait()
            .for_element(Locator::Css(
                "select[name=defect_category] option[value=does_not_start]",
            ))
            .await?;
        let sale_png = c.screenshot().await?;
        category.click().await?;
        c.find(Locator::Css("textarea[name=defect_description]"))
            .await?
            .send_keys("Drum does not turn")
            .await?;
        c.find(Locator::Css("#case-form button"))
            .await?
            .click()
            .await?;
        // The case: approve the swap as prefilled (same model, tomorrow, customer's address).
        c.wait()
            .for_element(Locator::Css("#swap-form button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_approved']",
            ))
            .await?;
        let status = c.find(Locator::Id("case-status")).await?.text().await?;
        assert_eq!(status, "swap approved");
        let png = c.screenshot().await?;

        // Above the limit: the same form asks for a manager, who signs on this screen.
        c.goto(&svc.url(&format!("/desk/sales/{second_sale}")))
            .await?;
        open_case_in_browser(&c, "noise", "Loud banging").await?;
        c.wait()
            .for_element(Locator::Css(
                "select[name=replacement_sku] option[value=WM-200]",
            ))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#swap-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("needs-manager")).await?;
        // The manager's part of the form, in view.
        c.execute(
            "document.getElementById('manager').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
        let needs_manager_png = c.screenshot().await?;
        c.find(Locator::Css("input[name=manager_email]"))
            .await?
            .send_keys(manager)
            .await?;
        c.find(Locator::Css("input[name=manager_password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#swap-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_approved']",
            ))
            .await?;
        let status = c.find(Locator::Id("case-status")).await?.text().await?;
        assert_eq!(status, "swap approved");
        Ok::<_, fantoccini::error::CmdError>((
            c.current_url().await?,
            png,
            needs_manager_png,
            search_png,
            sale_png,
        ))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.driver.child.kill().await;
    let (url, png, needs_manager_png, search_png, sale_png) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert!(url.path().starts_with("/desk/cases/"), "{url}");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, png) in [
            ("desk-case.png", &png),
            ("desk-swap-needs-manager.png", &needs_manager_png),
            ("desk-search.png", &search_png),
            ("desk-sale.png", &sale_png),
        ] {
            std::fs::write(Path::new(&dir).join(name), png).unwrap();
        }
    }
    // What the browser did is in the database: two swaps approved by the clerk, the one above
    // the limit authorized by the manager.
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(approved_by || '/' || coalesce(authorized_by, '-'), ',' \
             ORDER BY approved_at) FROM swaps WHERE retailer_id = $1",
            vec![desk.retailer_id.into()]
        )
        .await,
        format!("{0}/-,{0}/{manager}", desk.email)
    );
    svc.stop().await;
}
