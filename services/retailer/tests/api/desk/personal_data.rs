//! The personal-data page: managers and admins only (a clerk gets the 403 page, for the page
//! and both forms); the retention period checked and saved; a customer erased by the id of their
//! sale or case, after a confirm step that names them and changes nothing (a refusal — not an
//! id, unknown, another retailer's, a case still going — is the form's message and changes
//! nothing); the erasure listed without a personal value. Staff of another retailer neither see
//! nor touch it. Once in real Chromium.

use super::setup::*;
use super::*;

const PAGE: &str = "/desk/admin/personal-data";

async fn retention_of(db: &DatabaseConnection, retailer_id: Uuid) -> String {
    one_string(
        db,
        "SELECT retention_days::text FROM retailers WHERE id = $1",
        vec![retailer_id.into()],
    )
    .await
}

async fn customer_of(db: &DatabaseConnection, sale_id: Uuid) -> String {
    one_string(
        db,
        "SELECT customer_name FROM sales WHERE id = $1",
        vec![sale_id.into()],
    )
    .await
}

async fn erasures(db: &DatabaseConnection) -> i64 {
    count(db, "SELECT 1 FROM customer_erasures", vec![]).await
}

/// Posts the erase form: `confirm` "" asks, "yes" erases.
async fn erase_form(
    svc: &TestService,
    who: &Session,
    reference: &str,
    confirm: &str,
) -> (u16, String) {
    let form = [("reference", reference), ("confirm", confirm)];
    who.post(svc, &format!("{PAGE}/erase"), &form).await
}

/// Refuses the case at `case_path` (it is over then, and its customer may be erased).
async fn refuse(svc: &TestService, who: &Session, case_path: &str) {
    let (s, html) = who
        .post(
            svc,
            &format!("{case_path}/refuse"),
            &[
                ("reason_code", "damage_by_customer"),
                ("reason_text", "The drum was dented by a fall"),
            ],
        )
        .await;
    assert_eq!(s, 303, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sets_the_retention_and_erases_a_customer_after_confirming() {
    let svc = start().await;
    let db = &svc.db;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-P1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-P2", "Max Meier").await;
    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let clerk = session_as(&svc, &desk.email).await;
    let sale = desk.sale_id.to_string();

    // A clerk: the 403 page for the page and both forms, nothing changes.
    assert_eq!(clerk.get(&svc, PAGE).await.0, 403);
    for (form, fields) in [
        ("erase", [("reference", sale.as_str()), ("confirm", "yes")]),
        ("retention", [("days", "0"), ("confirm", "yes")]),
    ] {
        let (s, html) = clerk.post(&svc, &format!("{PAGE}/{form}"), &fields).await;
        assert_eq!(s, 403, "{form}: {html}");
    }
    let (_, home) = clerk.get(&svc, "/desk").await;
    assert!(!home.contains(PAGE), "{home}");
    assert_eq!(retention_of(db, desk.retailer_id).await, "90");
    assert_eq!(customer_of(db, desk.sale_id).await, "Erika Mustermann");

    let (s, html) = manager.get(&svc, "/desk").await;
    assert!(s == 200 && html.contains(PAGE), "{html}");
    let (s, html) = manager.get(&svc, PAGE).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("value=\"90\"") && html.contains("None yet."),
        "{html}"
    );

    // The retention: checked (the typed value kept, a readable message), then saved.
    for bad in ["", "-1", "3651", "ninety", "7.5", "99999999999"] {
        let (s, html) = manager
            .post(&svc, &format!("{PAGE}/retention"), &[("days", bad)])
            .await;
        assert_eq!(s, 422, "{bad}: {html}");
        assert!(
            html.contains("class=\"error\"") && html.contains("from 0 to 3650"),
            "{html}"
        );
        assert!(html.contains(&format!("value=\"{bad}\"")), "{html}");
    }
    assert_eq!(retention_of(db, desk.retailer_id).await, "90");
    let (s, _) = manager
        .post(&svc, &format!("{PAGE}/retention"), &[("days", " 30 ")])
        .await;
    assert_eq!(s, 303);
    assert_eq!(retention_of(db, desk.retailer_id).await, "30");
    assert_eq!(retention_of(db, other.retailer_id).await, "90");
    let (_, html) = manager.get(&svc, &format!("{PAGE}?saved=retention")).await;
    assert!(
        html.contains("value=\"30\"") && html.contains("The retention period is saved."),
        "{html}"
    );

    // Erasure refused, asked or confirmed: not an id, unknown, another retailer's sale.
    let other_sale = other.sale_id.to_string();
    let unknown = Uuid::now_v7().to_string();
    for confirm in ["", "yes"] {
        for (reference, status, says) in [
            ("", 422, "enter the id"),
            ("Erika", 422, "enter the id"),
            (unknown.as_str(), 404, "no case or sale of this retailer"),
            (other_sale.as_str(), 404, "no case or sale of this retailer"),
        ] {
            let (s, html) = erase_form(&svc, &manager, reference, confirm).await;
            assert_eq!(s, status, "{reference}: {html}");
            assert!(html.contains(says) && !html.contains("Max Meier"), "{html}");
        }
    }
    // A case still going: refused, by its id or by the sale's.
    let case_path = open_desk_case(&svc, &manager.client, &manager.csrf, desk.sale_id).await;
    let case_id = case_path.rsplit('/').next().unwrap().to_owned();
    for reference in [&case_id, &sale] {
        for confirm in ["", "yes"] {
            let (s, html) = erase_form(&svc, &manager, reference, confirm).await;
            assert_eq!(s, 409, "{html}");
            assert!(html.contains("still open"), "{html}");
        }
    }
    assert_eq!(customer_of(db, desk.sale_id).await, "Erika Mustermann");
    assert_eq!(erasures(db).await, 0);

    // The case refused (over): the confirm step names the customer and changes nothing.
    refuse(&svc, &manager, &case_path).await;
    let (s, html) = erase_form(&svc, &manager, &case_id, "").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("id=\"confirm-erase\"")
            && html.contains("Erika Mustermann")
            && html.contains(&format!("name=\"reference\" value=\"{case_id}\"")),
        "{html}"
    );
    assert_eq!(customer_of(db, desk.sale_id).await, "Erika Mustermann");
    assert_eq!(erasures(db).await, 0);

    // Confirmed: erased here, the other retailer's customer untouched, the record listed.
    let (s, _) = erase_form(&svc, &manager, &case_id, "yes").await;
    assert_eq!(s, 303);
    assert_eq!(customer_of(db, desk.sale_id).await, "[erased]");
    assert_eq!(customer_of(db, other.sale_id).await, "Max Meier");
    assert_eq!(erasures(db).await, 1);
    let (_, html) = manager.get(&svc, &format!("{PAGE}?saved=erased")).await;
    assert!(
        html.contains("id=\"erasures\"")
            && html.contains("anna@maier.example")
            && html.contains("waiting for logistics")
            && html.contains("personal data are erased here"),
        "{html}"
    );
    assert!(!html.contains("Erika"), "{html}");

    // Asked again: already erased (when), no confirm step, no personal value, nothing new.
    for confirm in ["", "yes"] {
        let (s, html) = erase_form(&svc, &manager, &sale, confirm).await;
        assert!(s == 200 || s == 303, "{html}");
        assert!(
            !html.contains("Erika") && !html.contains("confirm-erase"),
            "{html}"
        );
        if s == 200 {
            assert!(html.contains("were erased on"), "{html}");
        }
    }
    assert_eq!(erasures(db).await, 1);
    let (_, sale_page) = manager
        .get(&svc, &format!("/desk/sales/{}", desk.sale_id))
        .await;
    assert!(
        sale_page.contains("[erased]") && !sale_page.contains("Erika"),
        "{sale_page}"
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_another_retailer_neither_see_nor_erase_a_customer() {
    let svc = start().await;
    let db = &svc.db;
    let a = desk_shop(&svc, "Elektro Maier", "SN-W1", "Erika Mustermann").await;
    let b = desk_shop(&svc, "Technik Huber", "SN-W2", "Max Meier").await;
    let a_admin = session_of(&svc, a.retailer_id, "admin@maier.example", "admin").await;
    let b_admin = session_of(&svc, b.retailer_id, "admin@huber.example", "admin").await;

    // A's case, over; B's admin asks for its customer by A's sale and case ids.
    let a_case = open_desk_case(&svc, &a_admin.client, &a_admin.csrf, a.sale_id).await;
    refuse(&svc, &a_admin, &a_case).await;
    let a_case_id = a_case.rsplit('/').next().unwrap().to_owned();
    let a_sale = a.sale_id.to_string();
    for reference in [&a_sale, &a_case_id] {
        for confirm in ["", "yes"] {
            let (s, html) = erase_form(&svc, &b_admin, reference, confirm).await;
            assert_eq!(s, 404, "{html}");
            assert!(!html.contains("Erika"), "{html}");
        }
    }
    assert_eq!(customer_of(db, a.sale_id).await, "Erika Mustermann");
    assert_eq!(erasures(db).await, 0);
    // B's retention is B's only.
    let (s, _) = b_admin
        .post(&svc, &format!("{PAGE}/retention"), &[("days", "0")])
        .await;
    assert_eq!(s, 303);
    assert_eq!(retention_of(db, a.retailer_id).await, "90");
    assert_eq!(retention_of(db, b.retailer_id).await, "0");

    // A's admin erases A's customer; B's page lists nothing of it.
    let (s, _) = erase_form(&svc, &a_admin, &a_sale, "yes").await;
    assert_eq!(s, 303);
    assert_eq!(customer_of(db, a.sale_id).await, "[erased]");
    assert_eq!(customer_of(db, b.sale_id).await, "Max Meier");
    let (_, html) = b_admin.get(&svc, PAGE).await;
    assert!(
        html.contains("None yet.") && html.contains("value=\"0\""),
        "{html}"
    );
    assert!(!html.contains("admin@maier.example"), "{html}");
    let (_, html) = a_admin.get(&svc, PAGE).await;
    assert!(html.contains("admin@maier.example"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_erases_a_customer_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-P3", "Erika Mustermann").await;
    let admin = "admin@sn-p3.example";
    add_staff(&svc, desk.retailer_id, admin, "admin").await;
    let mut driver = chromedriver().await;
    let c = browser_session(&driver, &driver._profile.0).await;
    let sale = desk.sale_id.to_string();
    let run = async {
        sign_in_in_browser(&c, &svc, admin).await?;
        c.find(Locator::LinkText("Personal data"))
            .await?
            .click()
            .await?;
        let days = c
            .wait()
            .for_element(Locator::Css("#retention input[name=days]"))
            .await?;
        days.clear().await?;
        days.send_keys("7").await?;
        c.find(Locator::Css("#retention button"))
            .await?
            .click()
            .await?;
        let saved = c
            .wait()
            .for_element(Locator::Id("saved"))
            .await?
            .text()
            .await?;
        c.find(Locator::Css("#erase input[name=reference]"))
            .await?
            .send_keys(&sale)
            .await?;
        c.find(Locator::Css("#erase button")).await?.click().await?;
        let asked = c
            .wait()
            .for_element(Locator::Id("erase-customer"))
            .await?
            .text()
            .await?;
        c.find(Locator::Css("#confirm-erase button"))
            .await?
            .click()
            .await?;
        let erased = c
            .wait()
            .for_element(Locator::XPath("//p[@id='saved'][contains(., 'erased')]"))
            .await?
            .text()
            .await?;
        let row = c
            .find(Locator::Css("#erasures tbody tr"))
            .await?
            .text()
            .await?;
        Ok::<_, fantoccini::error::CmdError>((saved, asked, erased, row))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.driver.child.kill().await;
    let (saved, asked, erased, row) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert_eq!(saved, "The retention period is saved.");
    assert_eq!(asked, "Erika Mustermann");
    assert!(
        erased.starts_with("The customer's personal data are erased"),
        "{erased}"
    );
    // The reason in words (the code `request` is never shown raw).
    assert!(
        row.contains("the customer asked") && row.contains(admin),
        "{row}"
    );
    assert_eq!(retention_of(&svc.db, desk.retailer_id).await, "7");
    assert_eq!(customer_of(&svc.db, desk.sale_id).await, "[erased]");
    svc.stop().await;
}
