//! "Ask a manager": the clerk's swap form waits on every manager's desk; one manager approves
//! (the swap made in that transaction, approved by the clerk and authorized by the manager) or
//! declines with a reason; the clerk's waiting page shows the outcome.

use super::setup::*;
use super::*;

/// The request id the clerk was sent to.
fn request_of(location: &str) -> String {
    location
        .strip_prefix("/desk/requests/")
        .unwrap_or_else(|| panic!("not a request: {location}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_asks_and_a_manager_approves_from_their_own_desk_once() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    // WM-200 (599.00) is above the clerk's 550.00.
    put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    let clerk = session_as(&svc, &desk.email).await;
    let anna = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let bert = session_of(&svc, desk.retailer_id, "bert@maier.example", "manager").await;
    let case_path = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id).await;

    // Above the limit: the form offers to ask a manager.
    let (status, html) = clerk
        .post_swap(&svc, &case_path, &[("replacement_sku", "WM-200")])
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"needs-manager\"") && html.contains("id=\"ask-manager\""),
        "{html}"
    );
    // A form with errors is not sent to anyone.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[
                ("replacement_sku", "WM-200"),
                ("city", " "),
                ("action", "ask"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("must not be empty"), "{html}");
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM approval_requests", vec![]).await,
        0
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);

    let (status, location) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    let request = request_of(&location);
    let request_path = format!("/desk/requests/{request}");
    // The clerk waits on a page that updates itself in place (a script, allowed by the page's
    // policy; no <meta refresh>), with a plain link to check without script.
    let res = clerk
        .client
        .get(svc.url(&request_path))
        .send()
        .await
        .unwrap();
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"<script src="/desk/desk.js" defer></script>"#)
            && html.contains(&format!(r#"data-poll="{request_path}""#))
            && html.contains(r#"id="check-again""#)
            && !html.contains("http-equiv"),
        "{html}"
    );
    assert!(html.contains("Waiting for a manager"), "{html}");
    assert!(!html.contains("approve-request"), "{html}");
    // The case says a manager has been asked; asking twice is refused.
    let (_, html) = clerk.get(&svc, &case_path).await;
    assert!(html.contains(&request_path), "{html}");
    let (status, html) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("already been asked"), "{html}");
    // Clerks have no managers' list.
    assert_eq!(clerk.get(&svc, "/desk/requests/open").await.0, 403);
    assert_eq!(clerk.get(&svc, "/desk/requests").await.0, 403);

    // Every manager sees it on the desk: in the page, and in the fragment the script polls.
    for manager in [&anna, &bert] {
        let (status, html) = manager.get(&svc, "/desk").await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&request_path) && html.contains("/desk/desk.js"),
            "{html}"
        );
        let (status, fragment) = manager.get(&svc, "/desk/requests/open").await;
        assert_eq!(status, 200);
        assert!(
            fragment.contains(&request_path) && !fragment.contains("<html"),
            "{fragment}"
        );
        let (_, html) = manager.get(&svc, "/desk/requests").await;
        assert!(
            html.contains(r#"<meta http-equiv="refresh" content="3">"#),
            "{html}"
        );
        let (_, html) = manager.get(&svc, &request_path).await;
        assert!(
            html.contains("approve-request") && html.contains("WM-200"),
            "{html}"
        );
    }
    let res = anna.client.get(svc.url("/desk")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );

    // Both managers approve at once: one swap.
    let approve = |m: &Session| {
        let url = svc.url(&format!("{request_path}/approve"));
        m.client.post(url).form(&[("csrf", m.csrf.as_str())]).send()
    };
    let (a, b) = tokio::join!(approve(&anna), approve(&bert));
    let mut statuses = vec![a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 303]);
    let db = &svc.db;
    assert_eq!(count(db, "SELECT 1 FROM swaps", vec![]).await, 1);
    assert_eq!(outbox(db, SWAP_APPROVED).await.len(), 1);
    let decided_by = one_string(
        db,
        "SELECT s.email FROM approval_requests r JOIN staff s ON s.id = r.decided_by \
         WHERE r.status = 'approved'",
        vec![],
    )
    .await;
    assert_eq!(
        one_string(
            db,
            "SELECT approved_by || '/' || authorized_by FROM swaps",
            vec![]
        )
        .await,
        format!("{}/{decided_by}", desk.email)
    );
    // The clerk's page shows who approved, and reloads no more.
    let (_, html) = clerk.get(&svc, &request_path).await;
    assert!(
        html.contains(&format!("Approved by {decided_by}")),
        "{html}"
    );
    assert!(!html.contains("http-equiv=\"refresh\""), "{html}");
    // Approving again changes nothing.
    let before = desk_snapshot(db).await;
    let (status, html) = anna
        .post(&svc, &format!("{request_path}/approve"), &[])
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Approved by"), "{html}");
    assert_eq!(desk_snapshot(db).await, before);
    let (_, fragment) = bert.get(&svc, "/desk/requests/open").await;
    assert!(fragment.contains("No swap waits"), "{fragment}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_declines_with_a_reason_within_their_own_limit_and_tenant() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    put_limit(&svc, desk.retailer_id, "clerk", eur("100.00")).await;
    put_limit(&svc, desk.retailer_id, "manager", eur("560.00")).await;
    let clerk = session_as(&svc, &desk.email).await;
    let anna = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let stranger = session_of(&svc, other.retailer_id, "boss@huber.example", "manager").await;
    let case_path = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id).await;
    let (status, location) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303);
    let request_path = format!("/desk/requests/{}", request_of(&location));

    // Another retailer's manager: the same 404 as an unknown request, nothing decided.
    let before = desk_snapshot(&svc.db).await;
    for path in [
        request_path.clone(),
        format!("/desk/requests/{}", Uuid::now_v7()),
    ] {
        assert_eq!(stranger.get(&svc, &path).await.0, 404, "{path}");
        assert_eq!(
            stranger.post(&svc, &format!("{path}/approve"), &[]).await.0,
            404
        );
        let declined = stranger
            .post(&svc, &format!("{path}/decline"), &[("reason", "no")])
            .await;
        assert_eq!(declined.0, 404);
    }
    let (_, fragment) = stranger.get(&svc, "/desk/requests/open").await;
    assert!(!fragment.contains(&request_path), "{fragment}");
    // A clerk cannot decide.
    assert_eq!(
        clerk
            .post(&svc, &format!("{request_path}/approve"), &[])
            .await
            .0,
        403
    );

    // WM-200 (599.00) is above this manager's 560.00 too: explained, nothing saved.
    let (status, html) = anna
        .post(&svc, &format!("{request_path}/approve"), &[])
        .await;
    assert_eq!(status, 409);
    assert!(html.contains("above your authority limit"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM approval_requests WHERE status = 'open'",
            vec![]
        )
        .await,
        1
    );

    // Declining needs a reason; then the clerk reads it and the case is still open.
    let (status, html) = anna
        .post(
            &svc,
            &format!("{request_path}/decline"),
            &[("reason", "  ")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(html.contains("Say why"), "{html}");
    let (status, _) = anna
        .post(
            &svc,
            &format!("{request_path}/decline"),
            &[("reason", "Offer the WM-100: same model, in stock")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = clerk.get(&svc, &request_path).await;
    assert!(
        html.contains("Declined by anna@maier.example")
            && html.contains("Offer the WM-100: same model, in stock"),
        "{html}"
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM swaps", vec![]).await, 0);
    let (_, html) = clerk.get(&svc, &case_path).await;
    assert!(
        html.contains("swap-form") && !html.contains(&request_path),
        "{html}"
    );
    // A new request can be sent now.
    let (status, _) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-100"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303);
    svc.stop().await;
}
