//! Every page of the desk and the customer's status page in a real Chromium, in English and in
//! German, at a desktop (1280×800) and a phone (390×844) viewport: axe-core finds no serious or
//! critical violation on any of them, and on the phone no page is wider than the screen (so
//! "Sign out" and the header links stay reachable). All problems are gathered and listed at
//! once, page by page.
//!
//! With `KUMMERER_SCREENSHOT_DIR` set it also writes the screenshots of `docs/screenshots`
//! (`desk-<page>-<viewport>-<lang>.png`, `status-<lang>.png`):
//! `KUMMERER_SCREENSHOT_DIR=$PWD/docs/screenshots cargo nextest run -p retailer --test api every_page`.

use super::setup::{Session, another_sale, session_as};
use super::*;
use chrono::SubsecRound;
use kummerer_contracts::{
    ClaimInformationRequestedV1, ClaimNotAcceptedV1, ClaimOutcome, Currency, ManufacturerId, Money,
    NotAcceptedReason,
};
use kummerer_testkit::browser::{
    DESKTOP, PHONE, PageChecks, session_for, set_language_cookie, submit_and_load,
};

const ADMIN: &str = "admin@maier.example";

/// The pages to check, by name, and the case whose swap form shows the manager's box.
struct Pages {
    signed_in: Vec<(&'static str, String)>,
    swap_case: String,
    status: String,
    /// The clerk who asked a manager, and the request they wait on (the waiting page).
    clerk: String,
    request: String,
}

/// A swap through the API on a new sale of `serial`: `(case, swap, claim, manufacturer)`.
async fn swapped(svc: &TestService, desk: &Desk, serial: &str) -> (Uuid, Uuid, Uuid, Uuid) {
    another_sale(svc, desk.retailer_id, &format!("R-{serial}"), serial).await;
    let path = |rest: &str| format!("/api/retailers/{}{rest}", desk.retailer_id);
    let case = created(
        svc,
        &path("/cases"),
        json!({"serial": serial, "defect_category": "noise", "defect_description": "Loud"}),
    )
    .await;
    let case_id = id_of(&case);
    let swap = created(
        svc,
        &path(&format!("/cases/{case_id}/swap")),
        window_body("x"),
    )
    .await;
    let id = |k: &str| swap[k].as_str().unwrap().parse::<Uuid>().unwrap();
    let claim_id = id("claim_id");
    let manufacturer_id = manufacturer_of_claim(&svc.db, claim_id).await;
    (case_id, id("swap_id"), claim_id, manufacturer_id)
}

/// A retailer with something on every page: a store, a partner, a key, an open case, a request
/// waiting for a manager, a refusal, and claims rejected, asked about and not accepted.
async fn pages(svc: &TestService) -> Pages {
    let desk = desk_shop(svc, "Elektro Maier", "SN-A", "Erika Mustermann").await;
    let rid = desk.retailer_id;
    add_staff(svc, rid, ADMIN, "admin").await;
    // The clerk asks above 550.00; the admin's own limit (100.00) shows the manager's box.
    assert_eq!(put_limit(svc, rid, "clerk", eur("550.00")).await.0, 200);
    assert_eq!(put_limit(svc, rid, "admin", eur("100.00")).await.0, 200);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO stores (id, retailer_id, name) VALUES ($1, $2, 'Mitte')",
            [Uuid::now_v7().into(), rid.into()],
        ))
        .await
        .unwrap();
    let clerk: Session = session_as(svc, &desk.email).await;

    // The open case (swap form, status link).
    let case = open_desk_case(svc, &clerk.client, &clerk.csrf, desk.sale_id).await;
    let (status, html) = clerk.post(svc, &format!("{case}/status-link"), &[]).await;
    assert_eq!(status, 200, "{html}");
    let status_path = status_link_of(&html);

    // A request waiting for a manager.
    let asking = another_sale(svc, rid, "R-ASK", "SN-ASK").await;
    let ask_case = open_desk_case(svc, &clerk.client, &clerk.csrf, asking).await;
    let (status, request) = clerk
        .post_swap(
            svc,
            &ask_case,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303, "{request}");

    // A refusal.
    let refused = another_sale(svc, rid, "R-NO", "SN-NO").await;
    let refused_case = open_desk_case(svc, &clerk.client, &clerk.csrf, refused).await;
    let (status, _) = clerk
        .post(
            svc,
            &format!("{refused_case}/refuse"),
            &[
                ("reason_code", "outside_warranty"),
                ("reason_text", "Explained to the customer"),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // A rejected claim (to dispute).
    let (rejected_case, swap, claim, mid) = swapped(svc, &desk, "SN-REJ").await;
    link_as_before(&svc.db, rid, mid).await;
    let shop = Shop {
        retailer_id: rid,
        manufacturer_id: mid,
        product_id: Uuid::now_v7(),
        serial: "SN-REJ".into(),
        sale_id: desk.sale_id,
        case_id: rejected_case,
    };
    let mut decided = claim_decided(&shop, swap, claim, Utc::now().trunc_subsecs(6));
    decided.outcome = ClaimOutcome::Rejected;
    decided.amount = Money::zero(Currency::parse("EUR").unwrap());
    decided.reason_code = Some("no_fault_found".into());
    publish_event(&svc.names, decided).await;
    wait_kind(svc, rejected_case, "claim_decided", 1).await;
    let dispute = format!("/desk/claims/{claim}/dispute");

    // A question of the manufacturer.
    let (asked_case, swap, claim, mid) = swapped(svc, &desk, "SN-ASKED").await;
    publish_event(
        &svc.names,
        ClaimInformationRequestedV1 {
            claim_id: claim.into(),
            swap_id: swap.into(),
            case_id: asked_case.into(),
            retailer_id: rid.into(),
            manufacturer_id: ManufacturerId(mid),
            question: "Which programme was running?".into(),
            answer_by: (Utc::now() + Span::days(3)).trunc_subsecs(6),
            requested_at: Utc::now().trunc_subsecs(6),
        },
    )
    .await;
    wait_kind(svc, asked_case, "information_requested", 1).await;
    let information = format!("/desk/claims/{claim}/information");

    // A claim the manufacturer did not accept (to correct and resubmit).
    let (unaccepted_case, swap, claim, mid) = swapped(svc, &desk, "SN-NA").await;
    publish_event(
        &svc.names,
        ClaimNotAcceptedV1 {
            claim_id: claim.into(),
            swap_id: swap.into(),
            case_id: unaccepted_case.into(),
            retailer_id: rid.into(),
            manufacturer_id: ManufacturerId(mid),
            reason: NotAcceptedReason::NoAgreement,
            detail: String::new(),
            answers: CLAIM_SUBMITTED.into(),
            answered_message_id: Uuid::new_v4(),
            not_accepted_at: Utc::now().trunc_subsecs(6),
        },
    )
    .await;
    wait_kind(svc, unaccepted_case, "claim_not_accepted", 1).await;
    let resubmit = format!("/desk/claims/{claim}/resubmit");

    // A credit note with its VAT (the printable document).
    let (credited_case, swap, claim, mid) = swapped(svc, &desk, "SN-CN").await;
    let shop = Shop {
        manufacturer_id: mid,
        case_id: credited_case,
        ..shop
    };
    let mut accepted = claim_decided(&shop, swap, claim, Utc::now().trunc_subsecs(6));
    accepted.outcome = ClaimOutcome::Accepted;
    publish_event(&svc.names, accepted).await;
    wait_kind(svc, credited_case, "claim_decided", 1).await;
    let amount = Money::new(Decimal::new(39920, 2), Currency::parse("EUR").unwrap()).unwrap();
    let vat = kummerer_contracts::vat::note_vat(
        &amount.currency,
        std::slice::from_ref(&amount),
        kummerer_contracts::vat::treatment(Some("DE"), None),
        Some("DE"),
        None,
    );
    let note_id = Uuid::now_v7();
    publish_event(
        &svc.names,
        kummerer_contracts::CreditNoteIssuedV1 {
            credit_note_id: note_id.into(),
            number: "CN-2026-000042".into(),
            manufacturer_id: mid.into(),
            retailer_id: rid.into(),
            period: None,
            lines: vec![kummerer_contracts::CreditLine {
                claim_id: claim.into(),
                swap_id: swap.into(),
                case_id: credited_case.into(),
                amount: amount.clone(),
                vat: vat.line_vat[0].clone(),
                cost_lines: vec![],
            }],
            total: amount,
            issued_at: Utc::now().trunc_subsecs(6),
            vat: Some(vat.statement),
        },
    )
    .await;
    wait_kind(svc, credited_case, "credited", 1).await;
    let credit_note = format!("/desk/credit-notes/{note_id}");
    // An integration key for the admin page (last: the API calls above use the tests' key).
    make_key(svc, rid, "Kasse 1", None).await;

    Pages {
        signed_in: vec![
            ("home", "/desk".to_owned()),
            ("search", "/desk?q=Mustermann".to_owned()),
            ("sale", format!("/desk/sales/{}", desk.sale_id)),
            ("case", case.clone()),
            (
                "case-claim-rejected",
                format!("/desk/cases/{rejected_case}"),
            ),
            ("case-refused", refused_case),
            ("dispute", dispute),
            ("information", information),
            ("resubmit", resubmit),
            ("requests", "/desk/requests".to_owned()),
            ("request", request.clone()),
            ("dashboard", "/desk/dashboard".to_owned()),
            ("refusals", "/desk/reports/refusals".to_owned()),
            ("ledger", "/desk/ledger".to_owned()),
            ("credit-note", credit_note),
            ("admin", "/desk/admin".to_owned()),
            ("admin-import", "/desk/admin/import".to_owned()),
            (
                "admin-personal-data",
                "/desk/admin/personal-data".to_owned(),
            ),
            ("message", format!("/desk/sales/{}", Uuid::now_v7())),
        ],
        swap_case: case,
        status: status_path,
        clerk: desk.email.clone(),
        request,
    }
}

/// Pages whose screenshots go to `docs/screenshots`.
const SHOWN: [&str; 6] = [
    "search",
    "case",
    "swap-needs-manager",
    "dashboard",
    "admin",
    "status",
];

/// Phrases of the English pages that must not be left on a German page (the catalog's English
/// words for the pages localised last; none of them is in the test's data).
const ENGLISH: [&str; 24] = [
    "Please correct",
    "Sign out",
    "Integration keys",
    "Approval limit",
    "Agreements offered",
    "Staff and roles",
    "Authority limits",
    "Stock locations",
    "Add product",
    "Create account",
    "Dispute the rejection",
    "back to the case",
    "The manufacturer's question",
    "Your answer",
    "Answer by",
    "did not accept",
    "Resubmit the claim",
    "Write off",
    "Retention",
    "Erase a customer",
    "Import sales",
    "Check and import",
    "Waiting for a manager",
    " UTC",
];

/// Checks the page open in `c` as `name`, with its screenshot if it is one of [`SHOWN`]; on a
/// German page, that none of [`ENGLISH`] is left.
async fn check(
    found: &mut PageChecks,
    c: &fantoccini::Client,
    name: &str,
    (size, lang): (&str, &str),
    english_left: &mut Vec<String>,
) -> Result<(), fantoccini::error::CmdError> {
    if lang == "de" {
        let text = c.find(Locator::Css("body")).await?.text().await?;
        for phrase in ENGLISH {
            if text.contains(phrase) {
                english_left.push(format!("{name} ({size}): “{phrase}”"));
            }
        }
    }
    let shot = SHOWN.contains(&name).then(|| {
        if name == "status" {
            format!("status-{size}-{lang}.png")
        } else {
            format!("desk-{name}-{size}-{lang}.png")
        }
    });
    found
        .check(c, &format!("{name} ({size}, {lang})"), shot)
        .await
}

/// Signs the admin in, then checks every page, the swap form with the manager's box and the
/// status page.
async fn visit_all(
    c: &fantoccini::Client,
    svc: &TestService,
    pages: &Pages,
    found: &mut PageChecks,
    at: (&str, &str),
    left: &mut Vec<String>,
) -> Result<(), fantoccini::error::CmdError> {
    c.goto(&svc.url("/desk/sign-in")).await?;
    set_language_cookie(c, at.1).await?;
    c.refresh().await?;
    c.wait()
        .for_element(Locator::Css("input[name=email]"))
        .await?;
    check(found, c, "sign-in", at, left).await?;
    submit_sign_in(c, ADMIN).await?;
    c.wait().for_element(Locator::Css("input[name=q]")).await?;
    for (name, path) in &pages.signed_in {
        c.goto(&svc.url(path)).await?;
        c.wait().for_element(Locator::Css("main")).await?;
        check(found, c, name, at, left).await?;
    }
    // Above the admin's own limit: the swap form with the manager's box.
    c.goto(&svc.url(&pages.swap_case)).await?;
    c.wait()
        .for_element(Locator::Css(
            "select[name=replacement_sku] option[value=WM-200]",
        ))
        .await?
        .click()
        .await?;
    c.find(Locator::Id("approve-swap")).await?.click().await?;
    c.wait().for_element(Locator::Id("needs-manager")).await?;
    check(found, c, "swap-needs-manager", at, left).await?;
    // The customer's status page (no sign-in needed).
    c.goto(&svc.url(&pages.status)).await?;
    c.wait().for_element(Locator::Css("main")).await?;
    check(found, c, "status", at, left).await?;
    // The clerk's page waiting for a manager (it updates itself by script, no meta refresh).
    c.goto(&svc.url("/desk")).await?;
    c.wait()
        .for_element(Locator::Css("form[action='/desk/sign-out'] button"))
        .await?
        .click()
        .await?;
    c.wait()
        .for_element(Locator::Css("input[name=email]"))
        .await?;
    set_language_cookie(c, at.1).await?;
    c.refresh().await?;
    submit_sign_in(c, &pages.clerk).await?;
    // The clerk reads the desk in the run's language (their own choice, in the header menu).
    c.wait()
        .for_element(Locator::Css(&format!(
            "#my-language option[value={}]",
            at.1
        )))
        .await?
        .click()
        .await?;
    let save = c.find(Locator::Css("#my-language button")).await?;
    submit_and_load(c, save).await?;
    c.wait().for_element(Locator::Css("input[name=q]")).await?;
    c.goto(&svc.url(&pages.request)).await?;
    c.wait().for_element(Locator::Id("waiting")).await?;
    check(found, c, "request-waiting", at, left).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_desk_page_passes_axe_and_fits_a_phone_in_both_languages_in_a_real_browser() {
    let svc = start().await;
    let pages = pages(&svc).await;
    let mut driver = chromedriver().await;
    let mut found = PageChecks::default();
    let mut english_left = Vec::new();
    for lang in ["en", "de"] {
        for (size, viewport) in [("desktop", DESKTOP), ("phone", PHONE)] {
            let profile = TempDir::new("a11y");
            let c = session_for(&driver.driver, &profile.0, viewport, lang).await;
            let at = (size, lang);
            let outcome = visit_all(&c, &svc, &pages, &mut found, at, &mut english_left).await;
            let source = c.source().await.unwrap_or_default();
            let url = c.current_url().await.map(|u| u.to_string());
            let _ = c.close().await;
            if let Err(e) = outcome {
                let _ = driver.driver.child.kill().await;
                panic!("browser run failed ({size}, {lang}) at {url:?}: {e}\n{source}");
            }
        }
    }
    let _ = driver.driver.child.kill().await;
    svc.stop().await;
    assert!(
        english_left.is_empty(),
        "English left on German pages: {english_left:#?}"
    );
    found.finish();
}
