//! Correcting the visit at the desk: the case page's "Correct the address or window" form for
//! any staff member of the case's retailer while the visit may be corrected; only what was
//! changed is asked; bad input and refusals as the page's messages, nothing changed; the
//! correction pending (the visit shown as it was) until logistics answers, then the outcome.

use kummerer_contracts::{Address, CorrectionRefusal, JobCorrectedV1, JobCorrectionRefusedV1};

use super::cancel::case_with_swap;
use super::*;

const REQUESTED: &str = "retailer.swap.correction_requested.v1";

/// The swap's corrections, oldest first: `status[/refusal_reason]`.
async fn corrections(db: &DatabaseConnection) -> Vec<String> {
    let n = count(db, "SELECT 1 FROM swap_corrections", vec![]).await;
    if n == 0 {
        return Vec::new();
    }
    one_string(
        db,
        "SELECT string_agg(status || coalesce('/' || refusal_reason, ''), ',' \
         ORDER BY requested_at, id) FROM swap_corrections",
        vec![],
    )
    .await
    .split(',')
    .map(str::to_owned)
    .collect()
}

/// The swap's address and window as stored: `street|postcode|city|start`.
async fn visit_row(db: &DatabaseConnection, swap_id: Uuid) -> String {
    one_string(
        db,
        "SELECT concat_ws('|', street, postcode, city, \
         to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')) FROM swaps WHERE id = $1",
        vec![swap_id.into()],
    )
    .await
}

/// The form's fields as the page shows them (the visit as it is), with the reason.
fn shown_form(html: &str, csrf: &str, reason: &str) -> Vec<(String, String)> {
    let mut form = vec![
        ("csrf".to_owned(), csrf.to_owned()),
        ("reason".to_owned(), reason.to_owned()),
    ];
    for name in [
        "name",
        "phone",
        "street",
        "postcode",
        "city",
        "country",
        "window_start",
        "window_end",
    ] {
        form.push((name.to_owned(), value_of(html, name)));
    }
    form
}

/// The `value` of the correction form's input `name`.
fn value_of(html: &str, name: &str) -> String {
    let form = &html[html
        .find(r#"id="correct-form""#)
        .expect("the correction form")..];
    let input = &form[form
        .find(&format!(r#"name="{name}" value=""#))
        .unwrap_or_else(|| panic!("no input {name}"))..];
    let value = &input[input.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()].to_owned()
}

fn with(form: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    form.iter()
        .map(|(k, v)| {
            let changed = changes.iter().find(|(c, _)| c == k).map(|(_, v)| *v);
            (k.clone(), changed.unwrap_or(v).to_owned())
        })
        .collect()
}

async fn post(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    form: &[(String, String)],
) -> (u16, String) {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post_form(svc, client, path, &pairs).await
}

/// Publishes the visit scheduled by logistics and waits until the swap says so.
async fn scheduled(svc: &TestService, retailer_id: Uuid, case_id: Uuid, swap_id: Uuid) {
    let start = Utc::now() + Span::days(1);
    publish_event(
        &svc.names,
        JobScheduledV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: retailer_id.into(),
            window: TimeWindow {
                start,
                end: start + Span::hours(4),
            },
            scheduled_at: Utc::now(),
            no_contracted_carrier: false,
        },
    )
    .await;
    eventually("the swap scheduled", DEADLINE, || async {
        (swap_status(&svc.db, swap_id).await == "scheduled").then_some(())
    })
    .await;
}

/// The case page once it shows `marker`.
async fn page_with(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    marker: &str,
) -> String {
    eventually(&format!("{marker} on the case page"), DEADLINE, || {
        let fetch = page(svc, client, path);
        async move {
            let (_, html) = fetch.await;
            html.contains(marker).then_some(html)
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_corrects_the_address_at_the_desk_and_the_page_shows_what_logistics_answered() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-K5", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (case_path, case_id, swap_id) =
        case_with_swap(&svc, &client, &csrf, desk.retailer_id, desk.sale_id).await;
    let correct_path = format!("{case_path}/swap/correction");
    let reason = ("reason", "The customer moved");

    // Not planned by logistics yet: no form, and a post is refused in words.
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains(r#"id="correct-form""#), "{html}");
    let day = (Utc::now() + Span::days(3)).date_naive();
    let (from, to) = (format!("{day}T09:00"), format!("{day}T11:00"));
    let (status, html) = post_form(
        &svc,
        &client,
        &correct_path,
        &[
            ("csrf", csrf.as_str()),
            reason,
            ("name", "Erika Mustermann"),
            ("phone", "+49 30 1234567"),
            ("street", "Elbchaussee 5"),
            ("postcode", "20095"),
            ("city", "Hamburg"),
            ("country", "DE"),
            ("window_start", &from),
            ("window_end", &to),
        ],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("Not corrected: logistics has not planned the visit yet"),
        "{html}"
    );

    scheduled(&svc, desk.retailer_id, case_id, swap_id).await;
    let before = visit_row(&svc.db, swap_id).await;
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(r#"id="correct-form""#), "{html}");
    let form = shown_form(&html, &csrf, reason.1);
    assert_eq!(value_of(&html, "postcode"), "10115");

    // A forged token, nothing changed, an empty reason, a window in the past: refused, nothing
    // recorded or sent.
    let (status, _) = post(
        &svc,
        &client,
        &correct_path,
        &with(&form, &[("csrf", "forged")]),
    )
    .await;
    assert_eq!(status, 403);
    for (changes, status, message) in [
        (vec![], 422, "correct the address, the window or both"),
        (
            vec![("reason", "  "), ("street", "Elbchaussee 5")],
            422,
            r#"field-error">must not be empty"#,
        ),
        (
            vec![
                ("window_start", "2020-01-01T09:00"),
                ("window_end", "2020-01-01T11:00"),
            ],
            422,
            r#"<span class="field-error">"#,
        ),
        (
            vec![("window_start", "tomorrow")],
            422,
            "enter a date and time (Europe/Berlin)",
        ),
    ] {
        let (got, html) = post(&svc, &client, &correct_path, &with(&form, &changes)).await;
        assert_eq!(got, status, "{changes:?}: {html}");
        assert!(html.contains(message), "{changes:?}: {message}: {html}");
        assert!(html.contains(r#"id="correct-form""#), "{html}");
    }
    assert!(corrections(&svc.db).await.is_empty());
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
    assert_eq!(visit_row(&svc.db, swap_id).await, before);

    // The address corrected, the window left as shown: only the address is asked.
    let moved = with(
        &form,
        &[
            ("street", "Elbchaussee 5"),
            ("postcode", "20095"),
            ("city", "Hamburg"),
        ],
    );
    let (status, location) = post(&svc, &client, &correct_path, &moved).await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(location, case_path);
    let sent = outbox(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["address"]["postcode"], "20095", "{data}");
    assert!(data["window"].is_null(), "{data}");
    assert_eq!(data["requested_by"]["kind"], "staff");
    assert_eq!(data["requested_by"]["label"], desk.email.as_str());
    assert_eq!(data["reason"], reason.1);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        html.contains("Correction pending — waiting for logistics."),
        "{html}"
    );
    assert!(html.contains(r#"id="swap-correction-pending""#), "{html}");
    assert!(!html.contains(r#"id="correct-form""#), "{html}");
    assert_eq!(visit_row(&svc.db, swap_id).await, before);

    // A second one while the first waits: a readable message, nothing sent.
    let (status, html) = post(&svc, &client, &correct_path, &moved).await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("Not corrected: a correction is already waiting"),
        "{html}"
    );
    assert_eq!(outbox(&svc.db, REQUESTED).await.len(), 1);

    // Logistics confirms: the page shows the new address and the outcome, the form is back.
    let correction_id = data["correction_id"].as_str().unwrap().parse().unwrap();
    let address: Address = serde_json::from_value(data["address"].clone()).unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    let window: TimeWindow = serde_json::from_value(case["swap"]["window"].clone()).unwrap();
    let job_id = Uuid::now_v7();
    publish_event(
        &svc.names,
        JobCorrectedV1 {
            job_id: job_id.into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            correction_id,
            address,
            window,
            crew_assigned: true,
            corrected_at: Utc::now(),
        },
    )
    .await;
    let html = page_with(&svc, &client, &case_path, r#"id="correction-outcome""#).await;
    assert!(html.contains("Visit corrected"), "{html}");
    assert!(html.contains("20095 Hamburg"), "{html}");
    assert!(html.contains(r#"id="correct-form""#), "{html}");
    assert!(!html.contains(r#"id="correction-pending""#), "{html}");
    assert!(
        visit_row(&svc.db, swap_id)
            .await
            .starts_with("Elbchaussee 5|20095|Hamburg|")
    );

    // Another window asked; logistics refuses it (the crew set off): said on the page, the
    // visit as it was.
    let html_form = page(&svc, &client, &case_path).await.1;
    let later = (Utc::now() + Span::days(5)).date_naive();
    let (status, location) = post(
        &svc,
        &client,
        &correct_path,
        &with(
            &shown_form(&html_form, &csrf, "Not home that day"),
            &[
                ("window_start", &format!("{later}T09:00")),
                ("window_end", &format!("{later}T11:00")),
            ],
        ),
    )
    .await;
    assert_eq!(status, 303, "{location}");
    let sent = outbox(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[1]["data"]["address"].is_null(), "{}", sent[1]);
    let corrected = visit_row(&svc.db, swap_id).await;
    publish_event(
        &svc.names,
        JobCorrectionRefusedV1 {
            job_id: Some(job_id.into()),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            correction_id: sent[1]["data"]["correction_id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap(),
            reason: CorrectionRefusal::OnTheWay,
            refused_at: Utc::now(),
        },
    )
    .await;
    let html = page_with(
        &svc,
        &client,
        &case_path,
        "Correction refused: the visit stays as it was",
    )
    .await;
    assert!(html.contains("The crew is already on the way."), "{html}");
    assert!(!html.contains(r#"id="correction-pending""#), "{html}");
    assert_eq!(visit_row(&svc.db, swap_id).await, corrected);
    assert_eq!(
        corrections(&svc.db).await,
        ["applied", "refused/on_the_way"]
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_under_way_or_another_retailers_case_is_not_corrected_at_the_desk() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-K6", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (case_path, case_id, swap_id) =
        case_with_swap(&svc, &client, &csrf, desk.retailer_id, desk.sale_id).await;
    scheduled(&svc, desk.retailer_id, case_id, swap_id).await;
    let correct_path = format!("{case_path}/swap/correction");
    let (_, html) = page(&svc, &client, &case_path).await;
    let form = with(
        &shown_form(&html, &csrf, "The customer moved"),
        &[("street", "Elbchaussee 5"), ("postcode", "20095")],
    );

    // Another retailer's clerk: the case is not there for them.
    let other = desk_shop(&svc, "Technik Huber", "SN-K7", "Max Muster").await;
    let stranger = browser();
    let stranger_csrf = signed_in(&svc, &stranger, &other.email).await;
    let (status, _) = page(&svc, &stranger, &case_path).await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &svc,
        &stranger,
        &correct_path,
        &with(&form, &[("csrf", &stranger_csrf)]),
    )
    .await;
    assert_eq!(status, 404);
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());

    // The crew set off, then delivered: no form, refused in words, nothing sent.
    for (status, message) in [
        (
            "on_the_way",
            "Not corrected: the crew is on the way: the visit cannot be corrected any more.",
        ),
        (
            "delivered",
            "Not corrected: the replacement is delivered: there is no visit left to correct.",
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
        assert!(!html.contains(r#"id="correct-form""#), "{status}: {html}");
        let (got, html) = post(&svc, &client, &correct_path, &form).await;
        assert_eq!(got, 409, "{status}: {html}");
        assert!(html.contains(message), "{status}: {html}");
    }
    assert!(corrections(&svc.db).await.is_empty());
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
    assert!(visit_row(&svc.db, swap_id).await.contains("|10115|"));
    svc.stop().await;
}
