//! The crew's page: crew accounts, sign-in, lock-out, sign-out, CSRF, the crew wall URL by URL,
//! the forms (same code as the JSON API), the double tap on *delivered*, and one run through the
//! page in a real headless Chromium at a phone viewport.

use std::path::Path;

use fantoccini::Locator;

pub use kummerer_testkit::forms::{
    answer, browser, csrf_of, page, post_form, sign_in_at, signed_in_at,
};

use crate::support::*;

pub const PASSWORD: &str = "correct horse battery";

pub(super) async fn new_member(svc: &TestService, carrier: Uuid, crew: Uuid, email: &str) -> Json {
    let (status, body) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/crews/{crew}/members"),
        json!({ "email": email, "name": "Kai Fahrer", "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn sign_in(
    svc: &TestService,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, String) {
    sign_in_at(svc, client, "/crew/sign-in", email, password).await
}

/// Signs in as `email`; returns the session's CSRF token (from the crew page).
pub(super) async fn signed_in(svc: &TestService, client: &reqwest::Client, email: &str) -> String {
    signed_in_at(svc, client, "/crew/sign-in", "/crew", email, PASSWORD).await
}

async fn crew_snapshot(db: &DatabaseConnection) -> (i64, i64, i64) {
    (
        count(db, "SELECT 1 FROM crew_members", vec![]).await,
        count(db, "SELECT 1 FROM crew_sessions", vec![]).await,
        count(db, "SELECT 1 FROM outbox", vec![]).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crew_accounts_sign_in_lock_out_and_sign_out() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let van = new_crew(&svc, a, "Van", &["10"], 5).await;
    let other = new_crew(&svc, b, "Other", &["30"], 5).await;
    let member = new_member(&svc, a, van, " Kai@Example.com ").await;
    assert_eq!(member["email"], "kai@example.com");
    assert_eq!(member["crew_id"], van.to_string());
    assert!(member.get("password_hash").is_none());

    // Bad accounts: nothing stored.
    let before = crew_snapshot(&svc.db).await;
    for (what, path, body, status, code) in [
        (
            "short password",
            format!("/api/carriers/{a}/crews/{van}/members"),
            json!({"email": "x@example.com", "name": "X", "password": "elevenchars"}),
            422,
            "validation_failed",
        ),
        (
            "bad e-mail",
            format!("/api/carriers/{a}/crews/{van}/members"),
            json!({"email": "x", "name": "X", "password": PASSWORD}),
            422,
            "validation_failed",
        ),
        (
            "e-mail taken",
            format!("/api/carriers/{a}/crews/{van}/members"),
            json!({"email": "KAI@example.com", "name": "X", "password": PASSWORD}),
            409,
            "email_taken",
        ),
        (
            "another carrier's crew",
            format!("/api/carriers/{a}/crews/{other}/members"),
            json!({"email": "y@example.com", "name": "Y", "password": PASSWORD}),
            404,
            "not_found",
        ),
        (
            "missing field",
            format!("/api/carriers/{a}/crews/{van}/members"),
            json!({"email": "z@example.com", "name": "Z"}),
            422,
            "",
        ),
    ] {
        let res = svc
            .client
            .post(svc.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("application/problem+json"), "{what}: {ct}");
        let problem: Json = res.json().await.unwrap();
        if !code.is_empty() {
            assert_eq!(problem["code"], code, "{what}: {problem}");
        }
    }
    assert_eq!(crew_snapshot(&svc.db).await, before);

    let client = browser();
    // Not signed in: every page sends to the sign-in page.
    for path in ["/crew", &format!("/crew/visits/{}", Uuid::now_v7())] {
        let (status, location) = page(&svc, &client, path).await;
        assert_eq!(
            (status, location.as_str()),
            (303, "/crew/sign-in"),
            "{path}"
        );
    }
    let (status, html) = page(&svc, &client, "/crew/sign-in").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="password""#));

    // Wrong password and unknown account: the same message.
    let (status, html) = sign_in(&svc, &client, "kai@example.com", "wrong password!").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("The e-mail or the password is wrong."),
        "{html}"
    );
    let (_, html2) = sign_in(&svc, &client, "nobody@example.com", PASSWORD).await;
    assert!(html2.contains("The e-mail or the password is wrong."));

    // The right password: a session cookie as strict as the desk's.
    let res = client
        .post(svc.url("/crew/sign-in"))
        .form(&[("email", "KAI@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "kummerer_crew_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/crew",
        "Max-Age=43200",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let token = cookie
        .trim_start_matches("kummerer_crew_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(token.len(), 64);
    // Only the token's hash is stored.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM crew_sessions WHERE id = $1",
            vec![token.clone().into()]
        )
        .await,
        0
    );
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM crew_sessions", vec![]).await,
        1
    );
    let res = client.get(svc.url("/crew")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("Kai Fahrer · Van"), "{html}");
    assert!(html.contains("No visits today."));
    let csrf = csrf_of(&html);

    // Sign-out needs the CSRF token (and a same-origin form).
    let (status, html) = post_form(&svc, &client, "/crew/sign-out", &[("csrf", "nope")]).await;
    assert_eq!(status, 403);
    assert!(html.contains("Form expired"));
    let res = client
        .post(svc.url("/crew/sign-out"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let (status, location) = post_form(&svc, &client, "/crew/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/crew/sign-in"));
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM crew_sessions", vec![]).await,
        0
    );
    let (status, _) = page(&svc, &client, "/crew").await;
    assert_eq!(status, 303);

    // Five failures in a row lock the account; then even the right password is refused.
    let fresh = browser();
    for i in 0..5 {
        let (status, html) = sign_in(&svc, &fresh, "kai@example.com", "wrong password!").await;
        assert_eq!(status, 200);
        if i == 4 {
            assert!(
                html.contains("password is wrong") && !html.contains("locked"),
                "{html}"
            );
        }
    }
    let (status, html) = sign_in(&svc, &fresh, "kai@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("password is wrong") && !html.contains("locked"),
        "{html}"
    );
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM crew_sessions", vec![]).await,
        0
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM crew_members WHERE locked_until > now()",
            vec![]
        )
        .await,
        1
    );
    svc.stop().await;
}

/// A carrier with two crews and another carrier, today's jobs on all three crews, and a member
/// of the first crew.
pub(super) struct Day {
    pub(super) van_jobs: [String; 2],
    pub(super) truck_job: String,
    pub(super) other_carrier_job: String,
    pub(super) email: String,
}

pub(super) async fn todays_jobs(svc: &TestService, tag: &str) -> Day {
    let a = new_carrier(svc, "A").await;
    let b = new_carrier(svc, "B").await;
    let van = new_crew(svc, a, "Van", &["10"], 5).await;
    let truck = new_crew(svc, a, "Truck", &["20"], 5).await;
    let other = new_crew(svc, b, "Other", &["30"], 5).await;
    let retailer = Uuid::now_v7();
    let d = day(0);
    let second = job_for(svc, &swap_on(retailer, "SN-2", "10117", at(d, 14))).await;
    let mut with_pickup = swap_on(retailer, "SN-1", "10115", at(d, 9));
    with_pickup.replacement_from = Some(kummerer_contracts::StockPickup {
        location_id: Uuid::now_v7(),
        name: "Lager Mitte".into(),
        address: Address {
            name: "Lager Mitte".into(),
            phone: "+49 30 999".into(),
            street: "Lagerweg 5".into(),
            postcode: "10117".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
    });
    let first = job_for(svc, &with_pickup).await;
    let truck_job = job_for(svc, &swap_on(retailer, "SN-3", "20095", at(d, 9))).await;
    let other_job = job_for(svc, &swap_on(retailer, "SN-4", "30159", at(d, 9))).await;
    for (job, crew) in [
        (&first, van),
        (&second, van),
        (&truck_job, truck),
        (&other_job, other),
    ] {
        assert_eq!(job["crew_id"], crew.to_string(), "{job}");
    }
    let email = format!("{tag}@example.com");
    new_member(svc, a, van, &email).await;
    Day {
        van_jobs: [id_of(&first), id_of(&second)],
        truck_job: id_of(&truck_job),
        other_carrier_job: id_of(&other_job),
        email,
    }
}

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
    for text in [
        "href=\"tel:+49301234567\"",
        "Hauptstraße 1",
        "10115 Berlin",
        "09:00–11:00 UTC",
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
        "Saved: failed attempt. The visit is rescheduled to {}, 14:00–16:00 UTC.",
        tomorrow.format("%A %Y-%m-%d")
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
    assert!(html.contains(&format!("Tomorrow, {tomorrow}")), "{html}");
    assert!(html.contains(&format!("/crew/visits/{second}")), "{html}");
    assert!(html.contains("14:00–16:00 UTC"), "{html}");
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

/// A `multipart/form-data` body as a browser sends it: text fields, then file inputs
/// `(name, filename, content type, bytes)`.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----kummererTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(super) async fn post_multipart(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (u16, String) {
    let (content_type, body) = multipart(fields, files);
    answer(
        client
            .post(svc.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crew_adds_photos_to_delivered_and_collected_and_bad_ones_save_nothing() {
    let (svc, dir) = photos::start_with_photos().await;
    let day = todays_jobs(&svc, "photos").await;
    let [first, second] = &day.van_jobs;
    let client = browser();
    let csrf = signed_in(&svc, &client, &day.email).await;
    let path = format!("/crew/visits/{first}/complete");
    let fields = [
        ("csrf", csrf.as_str()),
        ("delivered_serial", "NEW-1"),
        ("collected_serial", "SN-1"),
        ("recipient_name", "Erika Mustermann"),
    ];
    let (status, html) = page(&svc, &client, &format!("/crew/visits/{first}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"enctype="multipart/form-data""#), "{html}");
    assert!(html.contains(r#"name="collected_photo""#), "{html}");

    // Refused photos: a readable reason, what was typed stays, nothing saved (no completion,
    // no row, no file).
    let before = snapshot(&svc.db).await;
    let mut too_large = photos::PNG.to_vec();
    too_large.resize(5 * 1024 * 1024 + 1, 0);
    let not_an_image: &[u8] = b"MZ\x90\x00 not a photo at all";
    for (what, files, status, text) in [
        (
            "not an image, declared JPEG",
            vec![("collected_photo", "unit.jpg", "image/jpeg", not_an_image)],
            415,
            "not a JPEG, PNG or WebP image",
        ),
        (
            "a good photo and a bad one",
            vec![
                ("delivered_photo", "new.png", "image/png", photos::PNG),
                ("collected_photo", "unit.heic", "image/heic", photos::PNG),
            ],
            415,
            "choose a JPEG, PNG or WebP photo",
        ),
        (
            "one byte over 5 MiB",
            vec![(
                "delivered_photo",
                "big.png",
                "image/png",
                too_large.as_slice(),
            )],
            413,
            "larger than 5 MiB",
        ),
    ] {
        let (got, html) = post_multipart(&svc, &client, &path, &fields, &files).await;
        assert_eq!(got, status, "{what}: {html}");
        assert!(html.contains(text), "{what}: {html}");
        assert!(html.contains(r#"class="field-error""#), "{what}: {html}");
        assert!(
            html.contains(r#"value="NEW-1""#),
            "{what}: typed values stay"
        );
    }
    // The whole form over its limit (two photos and the fields): a readable page.
    let mut huge = photos::PNG.to_vec();
    huge.resize(11 * 1024 * 1024, 0);
    let (got, html) = post_multipart(
        &svc,
        &client,
        &path,
        &fields,
        &[("delivered_photo", "huge.png", "image/png", huge.as_slice())],
    )
    .await;
    assert_eq!(got, 413, "{html}");
    assert!(html.contains("at most 5 MiB"), "{html}");
    // Without the session's CSRF token: 403, nothing saved.
    let (got, _) = post_multipart(
        &svc,
        &client,
        &path,
        &[("csrf", &"0".repeat(64)), ("delivered_serial", "NEW-1")],
        &[("delivered_photo", "new.png", "image/png", photos::PNG)],
    )
    .await;
    assert_eq!(got, 403);
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(photos::photo_rows(&svc.db).await, 0);
    assert_eq!(dir.files(), 0, "no file left behind");

    // Both photos with the completion; a double tap stores them once.
    let jpeg = photos::jpeg();
    let files: [(&str, &str, &str, &[u8]); 2] = [
        ("delivered_photo", "new.png", "image/png", photos::PNG),
        ("collected_photo", "unit.jpg", "image/jpeg", jpeg.as_slice()),
    ];
    let (one, two) = tokio::join!(
        post_multipart(&svc, &client, &path, &fields, &files),
        post_multipart(&svc, &client, &path, &fields, &files)
    );
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{one:?} {two:?}");
    assert_eq!(photos::photo_rows(&svc.db).await, 2);
    assert_eq!(dir.files(), 2, "the loser's photos are removed again");
    let (_, job) = get_json(&svc, &format!("/api/jobs/{first}")).await;
    assert_eq!(job["status"], "completed");
    assert_eq!(job["collected_serial_matches"], true);
    let (_, list) = get_json(&svc, &format!("/api/jobs/{first}/photos")).await;
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap(),
                p["content_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("delivered", "image/png"), ("collected", "image/jpeg")]
    );

    // The visit shows them, served behind the crew's session.
    let (_, html) = page(&svc, &client, &format!("/crew/visits/{first}")).await;
    let url = format!(
        "/crew/visits/{first}/photos/{}",
        items[0]["id"].as_str().unwrap()
    );
    assert!(html.contains(&format!(r#"src="{url}""#)), "{html}");
    let res = client.get(svc.url(&url)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), photos::PNG);
    let (status, _) = page(&svc, &browser(), &url).await;
    assert_eq!(status, 303, "signed out → the sign-in page");

    // Another crew's photo, through its own visit or ours: the same 404 page.
    let res = photos::upload(
        &svc,
        &day.truck_job,
        "collected",
        "image/png",
        photos::PNG.to_vec(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let theirs: Json = res.json().await.unwrap();
    let theirs = theirs["id"].as_str().unwrap();
    for path in [
        format!("/crew/visits/{}/photos/{theirs}", day.truck_job),
        format!("/crew/visits/{first}/photos/{theirs}"),
        format!("/crew/visits/{first}/photos/not-a-uuid"),
    ] {
        let (status, html) = page(&svc, &client, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains("There is no such visit for your crew."),
            "{path}"
        );
    }

    // File inputs left empty: completed without photos.
    let (status, location) = post_multipart(
        &svc,
        &client,
        &format!("/crew/visits/{second}/complete"),
        &[
            ("csrf", csrf.as_str()),
            ("delivered_serial", "NEW-2"),
            ("collected_serial", "SN-2"),
            ("recipient_name", "Max"),
        ],
        &[
            ("delivered_photo", "", "application/octet-stream", b""),
            ("collected_photo", "", "application/octet-stream", b""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{second}?saved=delivered"))
    );
    let (_, list) = get_json(&svc, &format!("/api/jobs/{second}/photos")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(dir.files(), 3);
    svc.stop().await;
}

// --- the browser --------------------------------------------------------------------------------

pub use kummerer_testkit::browser::{CHROMEDRIVER, TempDir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_makes_a_visit_in_steps_and_records_a_failed_attempt_on_a_phone_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let (svc, photo_dir) = photos::start_with_photos().await;
    let day = todays_jobs(&svc, "phone").await;
    let [first, second] = &day.van_jobs;

    let profile = TempDir::new("crew");
    let unit_png = profile.0.join("unit.png");
    std::fs::write(&unit_png, photos::PNG).unwrap();
    let mut driver = kummerer_testkit::browser::chromedriver().await;
    let c = driver
        .session(
            &profile.0,
            (390, 844),
            json!({
                "mobileEmulation": {
                    "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2.0,
                                       "mobile": true, "touch": true }
                },
            }),
        )
        .await;

    let run = async {
        c.goto(&svc.url("/crew")).await?;
        c.wait()
            .for_element(Locator::Css("input[name=email]"))
            .await?
            .send_keys(&day.email)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#sign-in button"))
            .await?
            .click()
            .await?;
        // Today's visits: both of the crew's, in order.
        c.wait().for_element(Locator::Css("#visits")).await?;
        let width = c.execute("return window.innerWidth", vec![]).await?;
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await?;
        let list_png = c.screenshot().await?;
        let visits = c.find_all(Locator::Css("#visits > li")).await?.len();
        c.find(Locator::Css(&format!("a[href='/crew/visits/{first}']")))
            .await?
            .click()
            .await?;
        // On the way, arriving in about 30 minutes.
        c.wait()
            .for_element(Locator::Css("#on-the-way-form select[name=eta_minutes]"))
            .await?
            .select_by_value("30")
            .await?;
        c.find(Locator::Css("#on-the-way-form button"))
            .await?
            .click()
            .await?;
        let on_the_way = c
            .wait()
            .for_element(Locator::Id("notice"))
            .await?
            .text()
            .await?;
        let on_the_way_status = c.find(Locator::Id("visit-status")).await?.text().await?;
        let on_the_way_png = c.screenshot().await?;
        // Delivered: the replacement's serial and who took it.
        c.find(Locator::Css("#delivered-form input[name=delivered_serial]"))
            .await?
            .send_keys("NEW-777")
            .await?;
        c.find(Locator::Css("#delivered-form input[name=recipient_name]"))
            .await?
            .send_keys("Erika Mustermann")
            .await?;
        c.find(Locator::Css("#delivered-form button"))
            .await?
            .click()
            .await?;
        // The next page (the old one has the collected form too): its notice names the step.
        let delivered = c
            .wait()
            .for_element(Locator::XPath(
                "//p[@id='notice' and contains(., 'delivered')]",
            ))
            .await?
            .text()
            .await?;
        // Collected: the defective unit's serial and a photo chosen in the file input.
        c.find(Locator::Css("#collected-form input[name=collected_serial]"))
            .await?
            .send_keys("SN-1")
            .await?;
        c.find(Locator::Css("#collected-form input[name=collected_photo]"))
            .await?
            .send_keys(&unit_png.display().to_string())
            .await?;
        c.find(Locator::Css("#collected-form button"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("outcome")).await?;
        let collected = c
            .wait()
            .for_element(Locator::XPath(
                "//p[@id='notice' and contains(., 'collected')]",
            ))
            .await?
            .text()
            .await?;
        let status = c.find(Locator::Id("visit-status")).await?.text().await?;
        // The photo is shown, loaded through the crew's session.
        c.wait().for_element(Locator::Css("#photos img")).await?;
        // Waits for the image's load (or error) event rather than looking once.
        let loaded = c
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const i = document.querySelector('#photos img'); \
                 if (i.complete) { done(i.naturalWidth === 1); } else { \
                   i.addEventListener('load', () => done(i.naturalWidth === 1)); \
                   i.addEventListener('error', () => done(false)); }",
                vec![],
            )
            .await?;
        let done_overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await?;
        let done_png = c.screenshot().await?;
        // The other visit: nobody home.
        c.goto(&svc.url(&format!("/crew/visits/{second}"))).await?;
        c.wait()
            .for_element(Locator::Css("#fail-form select[name=reason]"))
            .await?
            .select_by_value("not_home")
            .await?;
        c.find(Locator::Css("#fail-form textarea[name=note]"))
            .await?
            .send_keys("rang twice")
            .await?;
        c.find(Locator::Css("#fail-form button"))
            .await?
            .click()
            .await?;
        let failed = c
            .wait()
            .for_element(Locator::Id("notice"))
            .await?
            .text()
            .await?;
        let failed_status = c.find(Locator::Id("visit-status")).await?.text().await?;
        // Revisited tomorrow: off today's list, on tomorrow's.
        c.goto(&svc.url("/crew")).await?;
        let today_left = c
            .wait()
            .for_element(Locator::Css("#visits"))
            .await?
            .find_all(Locator::Css("li"))
            .await?
            .len();
        c.find(Locator::Id("next-day")).await?.click().await?;
        let tomorrow_heading = c
            .wait()
            .for_element(Locator::Id("day"))
            .await?
            .text()
            .await?;
        let tomorrow_links = c
            .execute(
                "return Array.from(document.querySelectorAll('#visits li a.button')) \
                 .map(a => a.getAttribute('href'))",
                vec![],
            )
            .await?;
        Ok::<_, fantoccini::error::CmdError>((
            (width, overflow, visits, list_png),
            (on_the_way, on_the_way_status, on_the_way_png, delivered),
            (collected, status, loaded, done_overflow, done_png),
            (
                failed,
                failed_status,
                today_left,
                tomorrow_heading,
                tomorrow_links,
            ),
        ))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.child.kill().await;
    let (
        (width, overflow, visits, list_png),
        (on_the_way, on_the_way_status, on_the_way_png, delivered),
        (collected, status, loaded, done_overflow, done_png),
        (failed, failed_status, today_left, tomorrow_heading, tomorrow_links),
    ) = outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert_eq!(width.as_u64(), Some(390), "a phone viewport");
    for overflow in [overflow, done_overflow] {
        assert_eq!(
            overflow.as_bool(),
            Some(false),
            "no sideways scrolling on a phone"
        );
    }
    assert_eq!(visits, 2);
    assert_eq!(on_the_way, "Saved: on the way. The customer sees it.");
    assert_eq!(on_the_way_status, "on the way");
    assert_eq!(
        delivered,
        "Saved: delivered. Now collect the defective unit."
    );
    assert_eq!(
        collected,
        "Saved: collected. Both steps are done: the visit is completed."
    );
    assert_eq!(status, "completed");
    assert_eq!(loaded.as_bool(), Some(true), "the photo shows on the visit");
    let tomorrow = (Utc::now() + Span::days(1)).date_naive();
    assert_eq!(
        failed,
        format!(
            "Saved: failed attempt. The visit is rescheduled to {}, 14:00–16:00 UTC.",
            tomorrow.format("%A %Y-%m-%d")
        )
    );
    assert_eq!(failed_status, "to do");
    assert_eq!(today_left, 1, "only the completed visit stays today");
    assert_eq!(tomorrow_heading, format!("Tomorrow, {tomorrow}"));
    assert_eq!(tomorrow_links, json!([format!("/crew/visits/{second}")]));
    for png in [&list_png, &on_the_way_png, &done_png] {
        assert!(png.starts_with(b"\x89PNG"));
    }
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("crew-visits.png"), &list_png).unwrap();
        std::fs::write(Path::new(&dir).join("crew-on-the-way.png"), &on_the_way_png).unwrap();
        std::fs::write(Path::new(&dir).join("crew-visit-done.png"), &done_png).unwrap();
    }
    // What the browser did is in the database and the outbox: each step once, the photo as
    // evidence on the collection, the visit completed, the other visit failed.
    let (_, job) = get_json(&svc, &format!("/api/jobs/{first}")).await;
    assert_eq!(job["status"], "completed");
    assert_eq!(job["delivered_serial"], "NEW-777");
    assert_eq!(job["recipient_name"], "Erika Mustermann");
    assert_eq!(job["collected_serial_matches"], true);
    assert!(job["eta"].is_string(), "{job}");
    assert_eq!(
        kinds(&job)[2..],
        ["on_the_way", "delivered", "collected", "completed"]
    );
    for key in [ON_THE_WAY, DELIVERED, COLLECTED, COMPLETED] {
        let sent = outbox(&svc.db, key).await;
        assert_eq!(sent.len(), 1, "{key}");
        assert_eq!(sent[0]["data"]["job_id"], first.as_str(), "{key}");
    }
    let collected = &outbox(&svc.db, COLLECTED).await[0]["data"];
    assert_eq!(collected["photo"]["content_type"], "image/png");
    assert_eq!(collected["photo"]["size_bytes"], photos::PNG.len());
    let (_, job) = get_json(&svc, &format!("/api/jobs/{second}")).await;
    assert_eq!(
        (job["status"].as_str(), job["attempts"].as_i64()),
        (Some("scheduled"), Some(1))
    );
    assert_eq!(job["visit_date"], tomorrow.to_string());
    assert_eq!(outbox(&svc.db, FAILED).await.len(), 1);
    let last = outbox(&svc.db, SCHEDULED).await.pop().unwrap();
    assert_eq!(last["data"]["job_id"], second.as_str());
    let (_, list) = get_json(&svc, &format!("/api/jobs/{first}/photos")).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(items[0]["kind"], "collected");
    assert_eq!(items[0]["content_type"], "image/png");
    assert_eq!(photo_dir.files(), 1);
    svc.stop().await;
}
