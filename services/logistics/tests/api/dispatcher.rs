//! The dispatcher's pages: dispatcher accounts, sign-in, lock-out, CSRF, sign-out, the carrier
//! wall URL by URL, the board, reassigning and rescheduling through the same code as the JSON
//! API, and one reassignment in a real headless Chromium.

use std::path::Path;

use fantoccini::Locator;

use super::crew::{
    CHROMEDRIVER, PASSWORD, TempDir, browser, page, post_form, sign_in_at, signed_in_at,
};
use crate::support::*;

pub(crate) async fn new_dispatcher(svc: &TestService, carrier: Uuid, email: &str) -> Json {
    let (status, body) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/dispatchers"),
        json!({ "email": email, "name": "Dana Disponentin", "password": PASSWORD }),
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
    sign_in_at(svc, client, "/dispatch/sign-in", email, password).await
}

/// Signs in as `email`; returns the session's CSRF token (from the board).
pub(crate) async fn signed_in(svc: &TestService, client: &reqwest::Client, email: &str) -> String {
    signed_in_at(
        svc,
        client,
        "/dispatch/sign-in",
        "/dispatch",
        email,
        PASSWORD,
    )
    .await
}

async fn accounts(db: &DatabaseConnection) -> (i64, i64) {
    (
        count(db, "SELECT 1 FROM dispatchers", vec![]).await,
        count(db, "SELECT 1 FROM dispatcher_sessions", vec![]).await,
    )
}

/// Two carriers: A with the crews Van (10…, room for 5) and Truck (20…), B with Other (30…);
/// one job on each crew and one unassigned in A's region, all on day 2.
struct Yard {
    a: Uuid,
    van: Uuid,
    truck: Uuid,
    other: Uuid,
    van_job: String,
    truck_job: String,
    other_job: String,
    waiting_a: String,
    waiting_b: String,
    date: chrono::NaiveDate,
}

async fn yard(svc: &TestService) -> Yard {
    let a = new_carrier(svc, "A").await;
    let b = new_carrier(svc, "B").await;
    let van = new_crew(svc, a, "Van", &["10"], 5).await;
    let truck = new_crew(svc, a, "Truck", &["20"], 5).await;
    let other = new_crew(svc, b, "Other", &["30"], 5).await;
    let small = new_crew(svc, a, "Small", &["40"], 1).await;
    let small_b = new_crew(svc, b, "SmallB", &["50"], 1).await;
    let retailer = Uuid::now_v7();
    let date = day(2);
    let van_job = job_for(svc, &swap_on(retailer, "SN-V", "10115", at(date, 9))).await;
    let truck_job = job_for(svc, &swap_on(retailer, "SN-T", "20095", at(date, 9))).await;
    let other_job = job_for(svc, &swap_on(retailer, "SN-O", "30159", at(date, 9))).await;
    job_for(svc, &swap_on(retailer, "SN-S", "40210", at(date, 8))).await;
    job_for(svc, &swap_on(retailer, "SN-SB", "50667", at(date, 8))).await;
    let waiting_a = job_for(svc, &swap_on(retailer, "SN-WA", "40211", at(date, 10))).await;
    let waiting_b = job_for(svc, &swap_on(retailer, "SN-WB", "50668", at(date, 10))).await;
    assert_eq!(van_job["crew_id"], van.to_string());
    assert_eq!(other_job["crew_id"], other.to_string());
    assert_eq!(waiting_a["crew_id"], Json::Null);
    assert_eq!(waiting_b["crew_id"], Json::Null);
    let _ = (small, small_b);
    Yard {
        a,
        van,
        truck,
        other,
        van_job: id_of(&van_job),
        truck_job: id_of(&truck_job),
        other_job: id_of(&other_job),
        waiting_a: id_of(&waiting_a),
        waiting_b: id_of(&waiting_b),
        date,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatcher_accounts_sign_in_lock_out_and_sign_out() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let made = new_dispatcher(&svc, a, "Dana@Example.com").await;
    assert_eq!(made["email"], "dana@example.com");
    assert!(made.get("password_hash").is_none() && made.get("crew_id").is_none());
    // Taken e-mail, short password, unknown carrier.
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{a}/dispatchers"),
        json!({"email": "dana@example.com", "name": "D", "password": PASSWORD}),
        409,
        "email_taken",
        "taken",
    )
    .await;
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{a}/dispatchers"),
        json!({"email": "x@example.com", "name": "D", "password": "short"}),
        422,
        "validation_failed",
        "short password",
    )
    .await;
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{}/dispatchers", Uuid::now_v7()),
        json!({"email": "y@example.com", "name": "D", "password": PASSWORD}),
        404,
        "not_found",
        "unknown carrier",
    )
    .await;
    assert_eq!(accounts(&svc.db).await, (1, 0));
    let hash: String = svc
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT password_hash FROM dispatchers",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "password_hash")
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));

    // Without a session every page leads to the sign-in page.
    let client = browser();
    for path in ["/dispatch", "/dispatch/jobs/x", "/dispatch/crews/x"] {
        assert_eq!(
            page(&svc, &client, path).await,
            (303, "/dispatch/sign-in".to_owned()),
            "{path}"
        );
    }
    let (status, html) = page(&svc, &client, "/dispatch/sign-in").await;
    assert_eq!(status, 200);
    assert!(html.contains("Dispatcher sign-in"));
    let (status, html) = sign_in(&svc, &client, "dana@example.com", "wrong password!").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("The e-mail or the password is wrong."),
        "{html}"
    );
    // A form from another site is refused before anything is checked.
    let res = client
        .post(svc.url("/dispatch/sign-in"))
        .header("origin", "https://evil.example")
        .form(&[("email", "dana@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);

    // Five failures in a row lock the account: then even the right password is refused.
    for _ in 0..4 {
        sign_in(&svc, &client, "dana@example.com", "wrong password!").await;
    }
    let (status, html) = sign_in(&svc, &client, "dana@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("password is wrong") && !html.contains("locked"),
        "{html}"
    );
    assert_eq!(accounts(&svc.db).await, (1, 0));
    svc.db
        .execute_unprepared("UPDATE dispatchers SET locked_until = now() - interval '1 second'")
        .await
        .unwrap();

    let csrf = signed_in(&svc, &client, "dana@example.com").await;
    assert_eq!(accounts(&svc.db).await, (1, 1));
    let res = client.get(svc.url("/dispatch")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    // The cookie only ever travels to the dispatcher's pages.
    let (status, _) = page(&svc, &client, "/crew").await;
    assert_eq!(status, 303, "no crew session from a dispatcher's cookie");

    // Sign-out wants the CSRF token.
    let (status, html) = post_form(&svc, &client, "/dispatch/sign-out", &[("csrf", "nope")]).await;
    assert_eq!(status, 403, "{html}");
    let (status, location) =
        post_form(&svc, &client, "/dispatch/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/dispatch/sign-in"));
    assert_eq!(accounts(&svc.db).await, (1, 0));
    assert_eq!(page(&svc, &client, "/dispatch").await.0, 303);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatcher_sees_and_moves_only_their_carriers_jobs_and_crews_url_by_url() {
    let svc = start().await;
    let y = yard(&svc).await;
    new_dispatcher(&svc, y.a, "dana@example.com").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, "dana@example.com").await;

    // The board of the day: A's crews and jobs, A's unassigned job, nothing of B.
    let (status, html) = page(&svc, &client, &format!("/dispatch?date={}", y.date)).await;
    assert_eq!(status, 200, "{html}");
    for mine in [&y.van_job, &y.truck_job, &y.waiting_a, &y.van.to_string()] {
        assert!(html.contains(mine.as_str()), "{mine} on the board");
    }
    for theirs in [&y.other_job, &y.waiting_b, &y.other.to_string()] {
        assert!(!html.contains(theirs.as_str()), "{theirs} on A's board");
    }
    assert!(html.contains("Van") && html.contains("Truck") && !html.contains("Other"));

    // Reads, URL by URL: B's job, B's unassigned job, B's crew, unknown ids, no ids.
    for path in [
        format!("/dispatch/jobs/{}", y.other_job),
        format!("/dispatch/jobs/{}", y.waiting_b),
        format!("/dispatch/jobs/{}", Uuid::now_v7()),
        "/dispatch/jobs/not-a-uuid".to_owned(),
        format!("/dispatch/crews/{}", y.other),
        format!("/dispatch/crews/{}?date={}", y.other, y.date),
        format!("/dispatch/crews/{}", Uuid::now_v7()),
        "/dispatch/crews/not-a-uuid".to_owned(),
    ] {
        let (status, html) = page(&svc, &client, &path).await;
        assert_eq!(status, 404, "{path}: {html}");
        assert!(html.contains("Not found"), "{path}");
        assert!(!html.contains("SN-O") && !html.contains("SN-WB"), "{path}");
    }
    for path in [
        format!("/dispatch/jobs/{}", y.van_job),
        format!("/dispatch/jobs/{}", y.waiting_a),
        format!("/dispatch/crews/{}?date={}", y.van, y.date),
    ] {
        let (status, html) = page(&svc, &client, &path).await;
        assert_eq!(status, 200, "{path}: {html}");
    }
    let (_, html) = page(&svc, &client, &format!("/dispatch/jobs/{}", y.van_job)).await;
    assert!(
        !html.contains(&y.other.to_string()),
        "B's crew is no choice"
    );

    // Writes, URL by URL: each answers 404 and changes nothing.
    let before = board(&svc.db).await;
    let cases = [
        (
            format!("/dispatch/jobs/{}/assign", y.other_job),
            y.van.to_string(),
        ),
        (
            format!("/dispatch/jobs/{}/assign", y.other_job),
            y.other.to_string(),
        ),
        (
            format!("/dispatch/jobs/{}/assign", y.waiting_b),
            y.van.to_string(),
        ),
        (
            format!("/dispatch/jobs/{}/assign", y.van_job),
            y.other.to_string(),
        ),
        (
            format!("/dispatch/jobs/{}/assign", Uuid::now_v7()),
            y.van.to_string(),
        ),
        ("/dispatch/jobs/nope/assign".to_owned(), y.van.to_string()),
    ];
    for (path, crew) in &cases {
        let (status, html) = post_form(
            &svc,
            &client,
            path,
            &[("csrf", &csrf), ("crew_id", crew), ("reason", "r")],
        )
        .await;
        assert_eq!(status, 404, "{path} → {crew}: {html}");
    }
    let tomorrow = day(3).to_string();
    for job in [&y.other_job, &y.waiting_b] {
        let path = format!("/dispatch/jobs/{job}/reschedule");
        let (status, html) = post_form(
            &svc,
            &client,
            &path,
            &[
                ("csrf", &csrf),
                ("date", &tomorrow),
                ("start", "09:00"),
                ("end", "11:00"),
                ("reason", "r"),
            ],
        )
        .await;
        assert_eq!(status, 404, "{path}: {html}");
    }
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dispatcher_reassigns_and_reschedules_on_the_page_with_a_reason() {
    let svc = start().await;
    let y = yard(&svc).await;
    new_dispatcher(&svc, y.a, "dana@example.com").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, "dana@example.com").await;
    let assign = format!("/dispatch/jobs/{}/assign", y.van_job);
    let truck = y.truck.to_string();

    // Refused forms: no CSRF token, no reason, no crew. Nothing changes.
    let before = board(&svc.db).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &assign,
        &[("csrf", "nope"), ("crew_id", &truck), ("reason", "r")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, html) = post_form(
        &svc,
        &client,
        &assign,
        &[("csrf", &csrf), ("crew_id", &truck), ("reason", "  ")],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Please correct the marked fields."), "{html}");
    let (status, _) = post_form(
        &svc,
        &client,
        &assign,
        &[("csrf", &csrf), ("crew_id", ""), ("reason", "r")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(board(&svc.db).await, before);

    // Reassigned to the Truck, with the reason in the job's history.
    let (status, location) = post_form(
        &svc,
        &client,
        &assign,
        &[
            ("csrf", &csrf),
            ("crew_id", &truck),
            ("reason", "Van broke down"),
        ],
    )
    .await;
    assert_eq!(
        (status, location),
        (303, format!("/dispatch/jobs/{}?done=reassigned", y.van_job))
    );
    let (_, job) = get_json(&svc, &format!("/api/jobs/{}", y.van_job)).await;
    assert_eq!(job["crew_id"], truck);
    let events = job["events"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["kind"], "reassigned");
    assert_eq!(last["details"]["reason"], "Van broke down");
    assert_eq!(last["details"]["from"], y.van.to_string());
    let (_, html) = page(
        &svc,
        &client,
        &format!("/dispatch/jobs/{}?done=reassigned", y.van_job),
    )
    .await;
    assert!(
        html.contains("Reassigned.") && html.contains("Van broke down"),
        "{html}"
    );

    // A full crew refuses: 409 on the page, nothing changes.
    let small: Uuid = {
        let (_, crews) = get_json(&svc, &format!("/api/carriers/{}/crews", y.a)).await;
        crews["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Small")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let before = board(&svc.db).await;
    let (status, html) = post_form(
        &svc,
        &client,
        &assign,
        &[
            ("csrf", &csrf),
            ("crew_id", &small.to_string()),
            ("reason", "r"),
        ],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("already has its 1 visits"), "{html}");
    assert_eq!(board(&svc.db).await, before);

    // Rescheduled: a bad time is refused; a good window moves the visit and tells the retailer.
    let reschedule = format!("/dispatch/jobs/{}/reschedule", y.van_job);
    let new_day = day(5).to_string();
    let (status, html) = post_form(
        &svc,
        &client,
        &reschedule,
        &[
            ("csrf", &csrf),
            ("date", &new_day),
            ("start", "25:00"),
            ("end", "11:00"),
            ("reason", "r"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Enter a time"), "{html}");
    assert_eq!(board(&svc.db).await, before);
    let scheduled_before = outbox(&svc.db, SCHEDULED).await.len();
    let (status, location) = post_form(
        &svc,
        &client,
        &reschedule,
        &[
            ("csrf", &csrf),
            ("date", &new_day),
            ("start", "13:00"),
            ("end", "15:00"),
            ("reason", "Customer asked"),
        ],
    )
    .await;
    assert_eq!(
        (status, location),
        (
            303,
            format!("/dispatch/jobs/{}?done=rescheduled", y.van_job)
        )
    );
    let (_, job) = get_json(&svc, &format!("/api/jobs/{}", y.van_job)).await;
    assert_eq!(job["visit_date"], new_day);
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(job["window"]["start"].clone()).unwrap();
    // Typed in the dispatcher's local time (the region's, Europe/Berlin).
    assert_eq!(Some(start), en().parse_local(&new_day, "13:00"));
    assert_eq!(
        job["events"].as_array().unwrap().last().unwrap()["details"]["reason"],
        "Customer asked"
    );
    let scheduled = outbox(&svc.db, SCHEDULED).await;
    assert_eq!(scheduled.len(), scheduled_before + 1);
    assert_eq!(scheduled.last().unwrap()["data"]["job_id"], y.van_job);
    svc.stop().await;
}

/// chromedriver on a free port, and a headless Chromium of the given window size.
pub async fn chromium(
    width: u32,
    height: u32,
) -> (fantoccini::Client, tokio::process::Child, TempDir) {
    let profile = TempDir::new("chromium");
    let driver = kummerer_testkit::browser::chromedriver().await;
    // The English pages (the dispatcher chose no language).
    let c = driver
        .session(
            &profile.0,
            (width, height),
            json!({ "prefs": { "intl.accept_languages": "en-GB,en" } }),
        )
        .await;
    (c, driver.child, profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatcher_reassigns_a_job_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let y = yard(&svc).await;
    new_dispatcher(&svc, y.a, "dana@example.com").await;
    let (c, mut child, _profile) = chromium(1280, 900).await;
    let date = y.date;
    let job = y.van_job.clone();
    let truck = y.truck.to_string();
    let run = async {
        c.goto(&svc.url(&format!("/dispatch?date={date}"))).await?;
        c.wait()
            .for_element(Locator::Css("input[name=email]"))
            .await?
            .send_keys("dana@example.com")
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#sign-in button"))
            .await?
            .click()
            .await?;
        // The board (of today, after sign-in): go to the job's day and open the job.
        c.wait().for_element(Locator::Id("unassigned")).await?;
        c.goto(&svc.url(&format!("/dispatch?date={date}"))).await?;
        c.wait()
            .for_element(Locator::Css(&format!("#job-{job} a")))
            .await?
            .click()
            .await?;
        // Reassign to the Truck with a reason.
        c.wait()
            .for_element(Locator::Css("#assign select[name=crew_id]"))
            .await?
            .select_by_value(&truck)
            .await?;
        c.find(Locator::Css("#assign textarea[name=reason]"))
            .await?
            .send_keys("Van broke down")
            .await?;
        c.find(Locator::Css("#assign button"))
            .await?
            .click()
            .await?;
        let notice = c
            .wait()
            .for_element(Locator::Id("notice"))
            .await?
            .text()
            .await?;
        let crew = c.find(Locator::Id("crew")).await?.text().await?;
        // Back on the board: the job is in the Truck's table.
        c.goto(&svc.url(&format!("/dispatch?date={date}"))).await?;
        c.wait().for_element(Locator::Id("unassigned")).await?;
        let in_truck = c
            .find_all(Locator::Css(&format!("#crew-{truck} #job-{job}")))
            .await?
            .len();
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth > window.innerWidth",
                vec![],
            )
            .await?;
        let board_png = c.screenshot().await?;
        Ok::<_, fantoccini::error::CmdError>((notice, crew, in_truck, overflow, board_png))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = child.kill().await;
    let (notice, crew, in_truck, overflow, board_png) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert_eq!(notice, "Reassigned.");
    assert!(crew.starts_with("Truck"), "{crew}");
    assert_eq!(in_truck, 1, "the job shows in the Truck's day");
    assert_eq!(overflow.as_bool(), Some(false), "no sideways scrolling");
    assert!(board_png.starts_with(b"\x89PNG"));
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(Path::new(&dir).join("dispatch-board.png"), &board_png).unwrap();
    }
    // What the browser did is in the database.
    let (_, job) = get_json(&svc, &format!("/api/jobs/{}", y.van_job)).await;
    assert_eq!(job["crew_id"], truck);
    let last = job["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "reassigned");
    assert_eq!(last["details"]["reason"], "Van broke down");
    svc.stop().await;
}
