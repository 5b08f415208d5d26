//! The rest of the desk in a real Chromium: a clerk refuses a case (the browser's own check and
//! the server's explanation first, nothing saved), the manager's refusal report counts it; and
//! the customer's status link, opened in a fresh browser without any session, shows where the
//! swap stands and when the crew comes — nothing else of the case.

use super::*;

/// A browser test fails (never passes silently) where Chromium's driver is not installed;
/// `bash .ci/run` installs it.
fn no_chromium() -> bool {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_refuses_a_case_and_the_manager_sees_it_in_the_report_in_a_real_browser() {
    if no_chromium() {
        return;
    }
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-REFUSE", "Erika Mustermann").await;
    let manager = "manager@sn-refuse.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let mut driver = chromedriver().await;
    let profile = std::env::temp_dir().join(format!("kummerer-chromium-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&profile).unwrap();
    let _profile = TempDir(profile.clone());
    let c = browser_session(&driver, &driver._profile.0).await;
    let m = browser_session(&driver, &profile).await;
    let text = "The cable was cut through: damage by the customer, not a defect.";

    let run = async {
        sign_in_in_browser(&c, &svc, &desk.email).await?;
        find_sale_in_browser(&c, "SN-REFUSE").await?;
        open_case_in_browser(&c, "does_not_start", "Dead after the move").await?;
        let case_url = c.current_url().await?;

        // A reason but no text: the browser itself does not send the form.
        c.find(Locator::Css(
            "#refuse-form select[name=reason_code] option[value=damage_by_customer]",
        ))
        .await?
        .click()
        .await?;
        c.find(Locator::Css("#refuse-form button"))
            .await?
            .click()
            .await?;
        let missing = c
            .execute(
                "return document.querySelector('#refuse-form textarea').validity.valueMissing",
                vec![],
            )
            .await?;
        assert_eq!(missing, json!(true));
        assert_eq!(c.current_url().await?, case_url);
        // Only blanks get past the browser: the page explains, the reason stays chosen.
        c.find(Locator::Css("#refuse-form textarea[name=reason_text]"))
            .await?
            .send_keys("   ")
            .await?;
        c.find(Locator::Css("#refuse-form button"))
            .await?
            .click()
            .await?;
        let explained = c
            .wait()
            .for_element(Locator::Css("#refuse-form .field-error"))
            .await?
            .text()
            .await?;
        assert!(explained.contains("must not be empty"), "{explained}");
        let chosen = c
            .find(Locator::Css("#refuse-form select[name=reason_code]"))
            .await?
            .prop("value")
            .await?;
        assert_eq!(chosen.as_deref(), Some("damage_by_customer"));
        assert_eq!(
            c.find(Locator::Id("case-status")).await?.text().await?,
            "open"
        );
        assert_eq!(count(&svc.db, "SELECT 1 FROM refusals", vec![]).await, 0);

        // With the text: refused, the form gone, the timeline says so.
        let textarea = c
            .find(Locator::Css("#refuse-form textarea[name=reason_text]"))
            .await?;
        textarea.clear().await?;
        textarea.send_keys(text).await?;
        c.find(Locator::Css("#refuse-form button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='case_refused']",
            ))
            .await?;
        assert_eq!(
            c.find(Locator::Id("case-status")).await?.text().await?,
            "refused"
        );
        assert!(c.find(Locator::Id("refuse-form")).await.is_err());
        let refused_png = c.screenshot().await?;

        // The customer comes back: the sale page warns about the refused case, links it, and
        // opens another only with the tick.
        c.goto(&svc.url(&format!("/desk/sales/{}", desk.sale_id)))
            .await?;
        let earlier = c
            .wait()
            .for_element(Locator::Css("#earlier-cases a.earlier-case"))
            .await?
            .prop("href")
            .await?;
        assert_eq!(earlier.as_deref(), Some(case_url.as_str()));
        c.find(Locator::Css(
            "select[name=defect_category] option[value=leak]",
        ))
        .await?
        .click()
        .await?;
        c.find(Locator::Css("textarea[name=defect_description]"))
            .await?
            .send_keys("Now it leaks")
            .await?;
        c.find(Locator::Css("#case-form button"))
            .await?
            .click()
            .await?;
        let untick = c
            .wait()
            .for_element(Locator::Css("#case-form .field-error"))
            .await?
            .text()
            .await?;
        assert!(untick.contains("tick the box"), "{untick}");
        let earlier_png = c.screenshot().await?;
        c.find(Locator::Id("confirm-duplicate"))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#case-form button"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("case-status")).await?;
        assert_ne!(c.current_url().await?, case_url);

        // The manager's report, in another browser.
        sign_in_in_browser(&m, &svc, manager).await?;
        m.goto(&svc.url("/desk/reports/refusals")).await?;
        let total = m
            .wait()
            .for_element(Locator::Id("total"))
            .await?
            .text()
            .await?;
        assert_eq!(total, "1");
        let per_reason = |code: &'static str| {
            let m = m.clone();
            async move {
                m.find(Locator::Css(&format!("td[data-reason={code}]")))
                    .await?
                    .text()
                    .await
            }
        };
        assert_eq!(per_reason("damage_by_customer").await?, "1");
        assert_eq!(per_reason("outside_warranty").await?, "0");
        let per_person = m.find(Locator::Id("per-person")).await?.text().await?;
        assert!(
            per_person.contains(&format!("Anna Clerk ({})", desk.email)),
            "{per_person}"
        );
        let report_png = m.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((case_url, refused_png, report_png, earlier_png))
    };
    let outcome = run.await;
    let sources = (
        c.source().await.unwrap_or_default(),
        m.source().await.unwrap_or_default(),
    );
    let _ = c.close().await;
    let _ = m.close().await;
    let _ = driver.driver.child.kill().await;
    let (case_url, refused_png, report_png, earlier_png) = outcome.unwrap_or_else(|e| {
        panic!(
            "browser run failed: {e}\nclerk:\n{}\nmanager:\n{}",
            sources.0, sources.1
        )
    });
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("desk-refused.png"), &refused_png).unwrap();
        std::fs::write(Path::new(&dir).join("desk-refusal-report.png"), &report_png).unwrap();
        std::fs::write(
            Path::new(&dir).join("desk-sale-earlier-case.png"),
            &earlier_png,
        )
        .unwrap();
    }
    // In the database: one refusal, by the clerk, with the code and the text; the case refused;
    // nothing sent to anyone.
    let case_id: Uuid = case_url
        .path()
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT c.status || '|' || r.reason_code || '|' || r.reason_text || '|' || s.email \
             FROM refusals r JOIN cases c ON c.id = r.case_id \
             JOIN staff s ON s.id = r.refused_by WHERE r.case_id = $1",
            vec![case_id.into()]
        )
        .await,
        format!("refused|damage_by_customer|{text}|{}", desk.email)
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM refusals", vec![]).await, 1);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(status || ':' || defect_category, ',' ORDER BY opened_at) \
             FROM cases",
            vec![]
        )
        .await,
        "refused:does_not_start,open:leak"
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM swaps", vec![]).await, 0);
    assert_eq!(count(&svc.db, OUTBOX_BUT_PROFILES, vec![]).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_opens_the_status_link_without_signing_in_in_a_real_browser() {
    if no_chromium() {
        return;
    }
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-LINK", "Erika Mustermann").await;
    let mut driver = chromedriver().await;
    let profile = std::env::temp_dir().join(format!("kummerer-chromium-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&profile).unwrap();
    let _profile = TempDir(profile.clone());
    let c = browser_session(&driver, &driver._profile.0).await;
    // The customer's browser: its own profile, never signed in.
    let customer = browser_session(&driver, &profile).await;

    let run = async {
        // The clerk opens the case, approves the swap as prefilled and makes the link.
        sign_in_in_browser(&c, &svc, &desk.email).await?;
        c.goto(&svc.url(&format!("/desk/sales/{}", desk.sale_id)))
            .await?;
        open_case_in_browser(&c, "noise", "Loud banging when spinning").await?;
        c.find(Locator::Css("#swap-form button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_approved']",
            ))
            .await?;
        c.find(Locator::Css("#status-link form button"))
            .await?
            .click()
            .await?;
        let link = c
            .wait()
            .for_element(Locator::Id("new-status-link"))
            .await?
            .attr("href")
            .await?
            .unwrap_or_default();
        let case_id: Uuid = one_string(&svc.db, "SELECT id::text FROM cases", vec![])
            .await
            .parse()
            .unwrap();

        // Approved: the customer sees the step, no window yet.
        customer.goto(&link).await?;
        let step = customer
            .wait()
            .for_element(Locator::Id("step"))
            .await?
            .attr("data-step")
            .await?;
        assert_eq!(step.as_deref(), Some("swap_approved"));
        assert!(customer.find(Locator::Id("window")).await.is_err());

        // Logistics schedules the crew; the customer reloads and sees when it comes.
        let swap_id: Uuid = one_string(&svc.db, "SELECT id::text FROM swaps", vec![])
            .await
            .parse()
            .unwrap();
        let expected_window = crew_scheduled(&svc, desk.retailer_id, case_id, swap_id).await;
        wait_kind(&svc, case_id, "job_scheduled", 1).await;
        customer.refresh().await?;
        let window = customer
            .wait()
            .for_element(Locator::Id("window"))
            .await?
            .text()
            .await?;
        let step = customer
            .find(Locator::Id("step"))
            .await?
            .attr("data-step")
            .await?;
        let product = customer.find(Locator::Id("product")).await?.text().await?;
        let status_html = customer.source().await?;
        let status_png = customer.screenshot().await?;
        // The same browser is not signed in: the desk asks for a sign-in.
        customer.goto(&svc.url("/desk")).await?;
        customer
            .wait()
            .for_element(Locator::Css("input[name=password]"))
            .await?;
        Ok::<_, fantoccini::error::CmdError>((
            link,
            expected_window,
            window,
            step,
            product,
            status_html,
            status_png,
        ))
    };
    let outcome = run.await;
    let sources = (
        c.source().await.unwrap_or_default(),
        customer.source().await.unwrap_or_default(),
    );
    let _ = c.close().await;
    let _ = customer.close().await;
    let _ = driver.driver.child.kill().await;
    let (link, expected_window, window, step, product, status_html, status_png) = outcome
        .unwrap_or_else(|e| {
            panic!(
                "browser run failed: {e}\nclerk:\n{}\ncustomer:\n{}",
                sources.0, sources.1
            )
        });
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("customer-status.png"), &status_png).unwrap();
    }
    assert_eq!(window, expected_window);
    assert_eq!(step.as_deref(), Some("delivery_scheduled"));
    assert_eq!(product, "Washing machine WM 100");
    // Nothing else of the case: no name, phone, address, price, serial, receipt, staff, defect.
    for secret in [
        "Erika",
        "Mustermann",
        "1234567",
        "Hauptstraße",
        "499.00",
        "549.00",
        "EUR",
        "SN-LINK",
        "R-1",
        "Anna Clerk",
        desk.email.as_str(),
        "Loud banging",
        "noise",
        &desk.sale_id.to_string(),
    ] {
        assert!(
            !status_html.contains(secret),
            "{secret} leaks: {status_html}"
        );
    }
    // The database keeps only the token's hash, which finds this case.
    let token = link.split("/status/").nth(1).unwrap();
    assert_eq!(token.len(), 64, "{link}");
    let stored = one_string(&svc.db, "SELECT status_token_hash FROM cases", vec![]).await;
    assert_eq!(stored.len(), 64);
    assert_ne!(stored, token);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT c.status || '|' || s.status FROM cases c JOIN swaps s ON s.case_id = c.id",
            vec![]
        )
        .await,
        "swap_approved|scheduled"
    );
    svc.stop().await;
}
