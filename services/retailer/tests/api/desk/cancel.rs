//! Cancelling a swap at the desk: a manager's form on the case page (clerks neither see it nor
//! may post it), the refusals as form messages, the request waiting for logistics, the outcome.

use kummerer_contracts::{JobCancelRefusedV1, JobCancelledV1, VisitBegun};

use super::*;

const REQUESTED: &str = "retailer.swap.cancel_requested.v1";

/// The swap's cancellation columns: requested by (or `-`), its status.
async fn swap_row(db: &DatabaseConnection, swap_id: Uuid) -> String {
    one_string(
        db,
        "SELECT coalesce(cancel_requested_by, '-') || '/' || status::text FROM swaps WHERE id = $1",
        vec![swap_id.into()],
    )
    .await
}

/// Posts the cancel form with a reason: refused with 409 and `message`, on the case page.
async fn refused(
    svc: &TestService,
    client: &reqwest::Client,
    cancel_path: &str,
    csrf: &str,
    message: &str,
) {
    let form = [
        ("csrf", csrf),
        ("reason", "Customer found the receipt of a newer unit"),
    ];
    let (status, html) = post_form(svc, client, cancel_path, &form).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains(message), "{message}: {html}");
    assert!(html.contains(r#"id="cancel-swap""#), "{html}");
}

/// A case opened at the desk on `sale_id` and its swap approved: the case page's path, the case
/// and the swap.
pub(super) async fn case_with_swap(
    svc: &TestService,
    client: &reqwest::Client,
    csrf: &str,
    retailer_id: Uuid,
    sale_id: Uuid,
) -> (String, Uuid, Uuid) {
    let case_path = open_desk_case(svc, client, csrf, sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let swap = created(
        svc,
        &format!("/api/retailers/{retailer_id}/cases/{case_id}/swap"),
        window_body("clerk.anna"),
    )
    .await;
    let swap_id: Uuid = swap["swap_id"].as_str().unwrap().parse().unwrap();
    (case_path, case_id, swap_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_cancels_the_swap_from_the_case_page_and_a_clerk_cannot() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-C1", "Erika Mustermann").await;
    let manager = "manager@sn-c1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let clerk = browser();
    let clerk_csrf = signed_in(&svc, &clerk, &desk.email).await;
    let (case_path, case_id, swap_id) =
        case_with_swap(&svc, &clerk, &clerk_csrf, desk.retailer_id, desk.sale_id).await;
    let cancel_path = format!("{case_path}/swap/cancel");
    let reason = ("reason", "Customer found the receipt of a newer unit");

    // A clerk sees no form and is refused at the door; nothing is asked.
    let (status, html) = page(&svc, &clerk, &case_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains(r#"id="cancel-form""#), "{html}");
    let (status, html) = post_form(
        &svc,
        &clerk,
        &cancel_path,
        &[("csrf", clerk_csrf.as_str()), reason],
    )
    .await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("Managers only"), "{html}");

    // The manager sees the form; a forged token and an empty reason change nothing.
    let boss = browser();
    let csrf = signed_in(&svc, &boss, manager).await;
    let (_, html) = page(&svc, &boss, &case_path).await;
    assert!(html.contains(r#"id="cancel-form""#), "{html}");
    let (status, _) = post_form(&svc, &boss, &cancel_path, &[("csrf", "forged"), reason]).await;
    assert_eq!(status, 403);
    let (status, html) = post_form(
        &svc,
        &boss,
        &cancel_path,
        &[("csrf", csrf.as_str()), ("reason", "   ")],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("The reason must not be empty."), "{html}");
    assert_eq!(swap_row(&svc.db, swap_id).await, "-/approved");
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());

    // Posted: the request waits for logistics.
    let (status, location) = post_form(
        &svc,
        &boss,
        &cancel_path,
        &[("csrf", csrf.as_str()), reason],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, case_path);
    assert_eq!(
        swap_row(&svc.db, swap_id).await,
        format!("{manager}/approved")
    );
    let sent = outbox(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["data"]["swap_id"], swap_id.to_string());
    let (_, html) = page(&svc, &boss, &case_path).await;
    assert!(
        html.contains("Cancellation requested — waiting for logistics."),
        "{html}"
    );
    assert!(!html.contains(r#"id="cancel-form""#), "{html}");
    // A second request while one waits: a readable message, nothing sent.
    refused(
        &svc,
        &boss,
        &cancel_path,
        &csrf,
        "Not cancelled: a cancellation is already waiting for logistics",
    )
    .await;
    assert_eq!(outbox(&svc.db, REQUESTED).await.len(), 1);

    // Logistics refuses (the crew set off meanwhile): the page says so, the form is back.
    let job_id = Uuid::now_v7();
    publish_event(
        &svc.names,
        JobCancelRefusedV1 {
            job_id: job_id.into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            reason: VisitBegun::OnTheWay,
            refused_at: Utc::now(),
        },
    )
    .await;
    let html = eventually("the refusal on the case page", DEADLINE, || {
        let fetch = page(&svc, &boss, &case_path);
        async move {
            let (_, html) = fetch.await;
            html.contains(r#"id="cancel-outcome""#).then_some(html)
        }
    })
    .await;
    assert!(
        html.contains("Cancellation refused: the swap goes on"),
        "{html}"
    );
    assert!(html.contains(r#"id="cancel-form""#), "{html}");

    // Asked again; logistics cancels: the swap is cancelled, the case closed, nothing to cancel.
    let (status, _) = post_form(
        &svc,
        &boss,
        &cancel_path,
        &[("csrf", csrf.as_str()), reason],
    )
    .await;
    assert_eq!(status, 303);
    publish_event(
        &svc.names,
        JobCancelledV1 {
            job_id: job_id.into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            cancelled_at: Utc::now(),
        },
    )
    .await;
    let html = eventually("the cancelled swap on the case page", DEADLINE, || {
        let fetch = page(&svc, &boss, &case_path);
        async move {
            let (_, html) = fetch.await;
            html.contains(r#"<p id="cancel-outcome">Swap cancelled"#)
                .then_some(html)
        }
    })
    .await;
    assert!(!html.contains(r#"id="cancel-form""#), "{html}");
    assert!(!html.contains(r#"id="cancel-pending""#), "{html}");
    assert_eq!(
        swap_row(&svc.db, swap_id).await,
        format!("{manager}/cancelled")
    );
    refused(
        &svc,
        &boss,
        &cancel_path,
        &csrf,
        "Not cancelled: the swap is already cancelled.",
    )
    .await;
    assert_eq!(outbox(&svc.db, REQUESTED).await.len(), 2);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_on_its_way_or_delivered_is_not_cancelled_at_the_desk() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-C2", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &root_of(desk.retailer_id)).await;
    let (case_path, _, swap_id) =
        case_with_swap(&svc, &client, &csrf, desk.retailer_id, desk.sale_id).await;
    for (status, message) in [
        (
            "on_the_way",
            "Not cancelled: the crew is on the way: the swap cannot be cancelled any more.",
        ),
        (
            "delivered",
            "Not cancelled: the replacement is delivered: the swap cannot be cancelled.",
        ),
    ] {
        svc.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE swaps SET status = $2 WHERE id = $1",
                vec![swap_id.into(), status.into()],
            ))
            .await
            .unwrap();
        let (_, html) = page(&svc, &client, &case_path).await;
        assert!(!html.contains(r#"id="cancel-form""#), "{status}: {html}");
        refused(
            &svc,
            &client,
            &format!("{case_path}/swap/cancel"),
            &csrf,
            message,
        )
        .await;
        assert_eq!(swap_row(&svc.db, swap_id).await, format!("-/{status}"));
    }
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_cancels_the_swap_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-C3", "Erika Mustermann").await;
    let manager = "manager@sn-c3.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (case_path, _, swap_id) =
        case_with_swap(&svc, &client, &csrf, desk.retailer_id, desk.sale_id).await;
    let mut driver = chromedriver().await;
    let c = browser_session(&driver, &driver._profile.0).await;

    let run = async {
        sign_in_in_browser(&c, &svc, manager).await?;
        c.goto(&svc.url(&case_path)).await?;
        c.wait()
            .for_element(Locator::Css("#cancel-form textarea[name=reason]"))
            .await?
            .send_keys("Customer found the receipt of a newer unit")
            .await?;
        c.find(Locator::Css("#cancel-form button"))
            .await?
            .click()
            .await?;
        let pending = c
            .wait()
            .for_element(Locator::Id("cancel-pending"))
            .await?
            .text()
            .await?;
        let requested = c
            .find(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_cancel_requested']",
            ))
            .await?
            .text()
            .await?;
        let form_gone = c.find(Locator::Id("cancel-form")).await.is_err();
        Ok::<_, fantoccini::error::CmdError>((
            c.current_url().await?,
            pending,
            requested,
            form_gone,
        ))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.driver.child.kill().await;
    let (url, pending, requested, form_gone) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert_eq!(url.path(), case_path);
    assert!(
        pending.starts_with("Cancellation requested — waiting for logistics."),
        "{pending}"
    );
    assert_eq!(requested, "Cancellation of the swap requested");
    assert!(form_gone, "{source}");
    assert_eq!(
        swap_row(&svc.db, swap_id).await,
        format!("{manager}/approved")
    );
    assert_eq!(outbox(&svc.db, REQUESTED).await.len(), 1);
    svc.stop().await;
}
