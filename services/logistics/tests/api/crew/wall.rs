//! The crew wall URL by URL: only the crew's own visits, each step recorded once, the double tap
//! on *delivered*.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crew_page_shows_only_the_crews_visits_and_records_each_once() {
    let svc = start().await;
    let day = todays_jobs(&svc, "van").await;
    let [first, second] = &day.van_jobs;
    let client = browser();
    let csrf = signed_in(&svc, &client, &day.email).await;

    // Today's visits in order, with what the crew needs.
    let (_, html) = page(&svc, &client, "/crew").await;
    let (p1, p2) = (
        html.find(&format!("/crew/visits/{first}")).unwrap(),
        html.find(&format!("/crew/visits/{second}")).unwrap(),
    );
    assert!(p1 < p2, "in order of the day");
    let d = crate::support::day(0);
    let window = en().window(at(d, 9), at(d, 11));
    for text in [
        "href=\"tel:+49301234567\"",
        "Hauptstraße 1",
        "10115 Berlin",
        window.as_str(),
        "Waschmaschine 8 kg (2026) (WM-8-NEW)",
        "SN-1",
        "to do",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    assert!(!html.contains(&day.truck_job) && !html.contains("SN-3"));
    assert!(!html.contains(&day.other_carrier_job) && !html.contains("SN-4"));

    // The crew wall, URL by URL: another crew's job (same carrier or not), an unknown one, a
    // malformed id → the same 404 page, and nothing changes.
    let before = snapshot(&svc.db).await;
    let unknown = Uuid::now_v7().to_string();
    for job in [
        &day.truck_job,
        &day.other_carrier_job,
        &unknown,
        &"not-a-uuid".to_owned(),
    ] {
        let res = client
            .get(svc.url(&format!("/crew/visits/{job}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404, "{job}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("There is no such visit for your crew.")
        );
        for (action, form) in [
            (
                "complete",
                vec![
                    ("csrf", csrf.as_str()),
                    ("delivered_serial", "NEW-1"),
                    ("collected_serial", "SN-3"),
                    ("recipient_name", "Erika"),
                ],
            ),
            (
                "fail",
                vec![("csrf", csrf.as_str()), ("reason", "not_home")],
            ),
        ] {
            let (status, html) = post_form(
                &svc,
                &client,
                &format!("/crew/visits/{job}/{action}"),
                &form,
            )
            .await;
            assert_eq!(status, 404, "{action} {job}: {html}");
        }
    }
    assert_eq!(snapshot(&svc.db).await, before);

    // A form without the session's CSRF token → 403; a form with errors → the errors, readable.
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/complete"),
        &[
            ("csrf", &"0".repeat(64)),
            ("delivered_serial", "NEW-1"),
            ("collected_serial", "SN-1"),
            ("recipient_name", "Erika"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{html}");
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/complete"),
        &[
            ("csrf", &csrf),
            ("delivered_serial", " "),
            ("collected_serial", "SN-1"),
            ("recipient_name", "Erika"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Please correct the marked fields."), "{html}");
    assert!(html.contains("class=\"field-error\""), "{html}");
    assert!(
        html.contains(r#"value="SN-1""#),
        "what was typed stays: {html}"
    );
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{second}/fail"),
        &[("csrf", &csrf), ("reason", "bored")],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(snapshot(&svc.db).await, before);

    // A double tap on *delivered*: one delivery, the other tap sees "already completed".
    let form = [
        ("csrf", csrf.as_str()),
        ("delivered_serial", "NEW-1"),
        ("collected_serial", "SN-WRONG"),
        ("recipient_name", "Erika Mustermann"),
    ];
    let path = format!("/crew/visits/{first}/complete");
    let (one, two) = tokio::join!(
        post_form(&svc, &client, &path, &form),
        post_form(&svc, &client, &path, &form)
    );
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{one:?} {two:?}");
    let loser = if one.0 == 409 { &one.1 } else { &two.1 };
    assert!(loser.contains("already completed"), "{loser}");
    let winner = if one.0 == 303 { &one.1 } else { &two.1 };
    assert_eq!(winner, &format!("/crew/visits/{first}?saved=delivered"));
    let (status, html) = page(&svc, &client, winner).await;
    assert_eq!(status, 200);
    assert!(html.contains("Saved: delivered and collected."), "{html}");
    assert!(
        html.contains("id=\"serial-flag\""),
        "mismatch flagged: {html}"
    );
    assert!(
        !html.contains("id=\"complete-form\""),
        "no form on a completed visit"
    );
    let job_id: Uuid = first.parse().unwrap();
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM job_events WHERE job_id = $1 AND kind = 'completed'",
            vec![job_id.into()]
        )
        .await,
        1
    );
    let completed = outbox(&svc.db, COMPLETED).await;
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0]["data"]["collected_serial_matches"], false);
    // Same code as the JSON API: it sees the completion, and refuses a second one.
    let (status, job) = get_json(&svc, &format!("/api/jobs/{first}")).await;
    assert_eq!((status, job["status"].as_str()), (200, Some("completed")));
    assert_eq!(job["recipient_name"], "Erika Mustermann");

    // A failed attempt on the second visit: nobody home, so it is revisited tomorrow in the
    // same hours, on the same crew (it has room), and the retailer hears of the new window.
    let scheduled_before = outbox(&svc.db, SCHEDULED).await.len();
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{second}/fail"),
        &[
            ("csrf", &csrf),
            ("reason", "not_home"),
            ("note", "rang twice"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{second}?saved=failed"))
    );
    let tomorrow = (Utc::now() + Span::days(1)).date_naive();
    let (_, job) = get_json(&svc, &format!("/api/jobs/{second}")).await;
    assert_eq!(job["status"], "scheduled", "{job}");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["failure_reason"], "not_home");
    assert_eq!(job["visit_date"], tomorrow.to_string());
    assert_eq!(job["crew_id"], job_van_crew(&svc, &day.van_jobs[0]).await);
    assert_eq!(outbox(&svc.db, FAILED).await.len(), 1);
    let scheduled = outbox(&svc.db, SCHEDULED).await;
    assert_eq!(scheduled.len(), scheduled_before + 1);
    let last = &scheduled.last().unwrap()["data"];
    assert_eq!(last["job_id"], second.as_str());
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(last["window"]["start"].clone()).unwrap();
    assert_eq!(start, at(tomorrow, 14));
    let (_, html) = page(
        &svc,
        &client,
        &format!("/crew/visits/{second}?saved=failed"),
    )
    .await;
    let notice = format!(
        "Saved: failed attempt. The visit is rescheduled to {}.",
        en().window(at(tomorrow, 14), at(tomorrow, 16))
    );
    assert!(html.contains(&notice), "{html}");
    // Today's list keeps the completed visit; the revisit is on tomorrow's list.
    let (_, html) = page(&svc, &client, "/crew").await;
    assert!(html.contains("completed"), "{html}");
    assert!(!html.contains(&format!("/crew/visits/{second}")), "{html}");
    assert!(
        html.contains(&format!("href=\"/crew?date={tomorrow}\"")),
        "{html}"
    );
    let (status, html) = page(&svc, &client, &format!("/crew?date={tomorrow}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("Tomorrow, {}", en().naive_date(tomorrow))),
        "{html}"
    );
    assert!(html.contains(&format!("/crew/visits/{second}")), "{html}");
    assert!(
        html.contains(&en().window(at(tomorrow, 14), at(tomorrow, 16))),
        "{html}"
    );
    let too_far = (Utc::now() + Span::days(61)).date_naive().to_string();
    for bad in ["yesterday", "2020-01-01", &too_far] {
        let (status, html) = page(&svc, &client, &format!("/crew?date={bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert!(html.contains("No such day"), "{html}");
    }
    svc.stop().await;
}

/// The crew a job is on (as JSON).
async fn job_van_crew(svc: &TestService, job: &str) -> Json {
    get_json(svc, &format!("/api/jobs/{job}")).await.1["crew_id"].clone()
}
