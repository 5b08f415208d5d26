//! End-to-end, in a real headless Chromium (issue 13): the customer opens the status link from
//! the e-mail (its screenshot: `email-swap-approved-de.png`), sees
//! the visit in German and local time, moves it to another window with room; the retailer asks
//! logistics (a correction by the customer), logistics finds room and moves the job on its
//! crew, the status page says the new window, and the crew's visit page shows it. Asserted in
//! the retailer's and logistics' databases too: one correction, applied once, no dead letters.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use chrono::{DateTime, Duration as Days, Utc};
use common::{Backends, DEADLINE, Svc, System, count, retailer_key, strings};
use fantoccini::Locator;
use kummerer_testkit::browser::{PHONE, TempDir, chromedriver, page_problems, session_for};
use kummerer_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

const PASSWORD: &str = "a crew member's long password";

/// The `n`th window announced for `date` (a day of the seed's crew), from the retailer's view.
async fn window(
    retailer: &sea_orm::DatabaseConnection,
    date: chrono::NaiveDate,
    n: usize,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let at = |edge: &str| {
        format!(
            "SELECT crews->0->'windows'->{n}->'window'->>'{edge}' FROM delivery_slots \
             WHERE date = '{date}'"
        )
    };
    let start = strings(retailer, &at("start")).await;
    let end = strings(retailer, &at("end")).await;
    (start[0].parse().unwrap(), end[0].parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_moves_the_visit_on_the_status_link_and_the_crew_sees_the_new_window() {
    // The default windows (08–12, 12–16, 16–20 in Berlin), announced every second; the pages'
    // cookies without `Secure`, as the browser talks plain HTTP to 127.0.0.1.
    let env = [
        ("KUMMERER_SLOT_ANNOUNCE_SECONDS", "1"),
        ("KUMMERER_SLOT_HORIZON_DAYS", "2"),
        ("KUMMERER_INSECURE_COOKIES", "1"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let system = System::start_with(Backends {
        env: env.to_vec(),
        ..Backends::default()
    })
    .await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let email = format!("crew-{}@example.com", Uuid::new_v4().simple());
    system
        .post_as(
            Svc::Logistics,
            &format!(
                "/api/carriers/{}/crews/{}/members",
                carrier.id, carrier.crew_id
            ),
            json!({"email": email, "name": "Jonas Wolf", "password": PASSWORD}),
            Some(&carrier.token),
        )
        .await;
    let retailer = system.db(Svc::Retailer).await;
    let logistics = system.db(Svc::Logistics).await;
    let date = (Utc::now() + Days::days(2)).date_naive();
    eventually(
        "the day's windows of the crew kept by the retailer",
        DEADLINE,
        || async {
            let kept = count(
                &retailer,
                // The carrier's day is announced as soon as it exists, before its crew has
                // its regions: wait for the announcement with the crew's windows in it.
                &format!(
                    "SELECT count(*) FROM delivery_slots WHERE date = '{date}' \
                     AND jsonb_array_length(crews->0->'windows') >= 2"
                ),
            )
            .await;
            (kept == 1).then_some(())
        },
    )
    .await;
    let (w0, w1) = (
        window(&retailer, date, 0).await,
        window(&retailer, date, 1).await,
    );

    // The swap approved for the morning window; logistics puts the job on the crew.
    let (case_id, _) = system.open_case(&seed, 1).await;
    let path = format!("/api/retailers/{}/cases/{case_id}/swap", seed.retailer_id);
    let res = system
        .client
        .post(system.url(Svc::Retailer, &path))
        .bearer_auth(retailer_key(seed.retailer_id).unwrap())
        .json(&json!({
            "window_start": w0.0.to_rfc3339(), "window_end": w0.1.to_rfc3339(),
            "customer_contact": {"channels": ["email"], "email": "erika@example.com",
                                 "consent": true, "language": "de"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    let swap_id: Uuid = body["swap_id"].as_str().unwrap().parse().unwrap();
    eventually("the visit scheduled at the retailer", DEADLINE, || async {
        let n = count(
            &retailer,
            &format!("SELECT count(*) FROM swaps WHERE id = '{swap_id}' AND status = 'scheduled'"),
        )
        .await;
        (n == 1).then_some(())
    })
    .await;
    let job = system.job_of(&seed, swap_id).await;
    assert_eq!(job["crew_id"], carrier.crew_id.to_string(), "{job}");
    let job_id = job["id"].as_str().unwrap().to_owned();
    // The customer opens the link from the e-mail that told them of the swap.
    let mail = strings(
        &retailer,
        "SELECT body FROM notifications WHERE kind = 'swap_approved'",
    )
    .await;
    let at = mail[0].find("/status/").expect("the link in the e-mail") + "/status/".len();
    let token = mail[0][at..at + 64].to_owned();
    let profile = TempDir::new("customer-move");
    let driver = chromedriver().await;
    let c = session_for(&driver, &profile.0, PHONE, "de").await;
    let status_url = system.url(Svc::Retailer, &format!("/status/{token}"));
    let value = format!("{}_{}", w1.0.timestamp(), w1.1.timestamp());
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    let run = async {
        // German, local time: the morning window is 08:00–12:00 in Berlin.
        c.goto(&status_url).await?;
        let window_text = c
            .wait()
            .for_element(Locator::Id("window"))
            .await?
            .text()
            .await?;
        assert!(window_text.contains("08:00"), "{window_text}");
        let page = c.source().await?;
        assert!(page.contains("Passt Ihnen dieses Zeitfenster?"), "{page}");
        // The forms pass axe-core (serious, critical) and fit the phone.
        let problems = page_problems(&c, "status page with its forms (phone, de)").await?;
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        c.find(Locator::Css(&format!("#move-form input[value='{value}']")))
            .await?
            .click()
            .await?;
        let png = c.screenshot().await?;
        std::fs::write(shots.join("status-move-de.png"), png).unwrap();
        c.find(Locator::Id("move")).await?.click().await?;
        c.wait().for_element(Locator::Id("said")).await?;
        // Logistics answers; the page says the new window.
        let moved = eventually("the new window on the status page", DEADLINE, || async {
            c.goto(&status_url).await.ok()?;
            let el = c.find(Locator::Id("said-moved")).await.ok()?;
            el.text().await.ok()
        })
        .await;
        assert!(moved.contains("Ihr neues Zeitfenster ist"), "{moved}");
        assert!(moved.contains("12:00"), "{moved}");

        // The crew signs in and opens the visit: the new window.
        c.goto(&system.url(Svc::Logistics, "/crew")).await?;
        c.wait()
            .for_element(Locator::Css("input[name=email]"))
            .await?
            .send_keys(&email)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#sign-in button"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css("form.who")).await?;
        c.goto(&system.url(Svc::Logistics, &format!("/crew/visits/{job_id}")))
            .await?;
        let crew_window = c
            .wait()
            .for_element(Locator::Css(".visit .window"))
            .await?
            .text()
            .await?;
        assert!(
            crew_window.contains("12:00") && crew_window.contains("16:00"),
            "{crew_window}"
        );

        // The e-mail that handed the link over, as the customer's mail program shows it.
        let html = strings(
            &retailer,
            "SELECT html FROM notifications WHERE kind = 'swap_approved'",
        )
        .await;
        use base64::Engine as _;
        let data = base64::engine::general_purpose::STANDARD.encode(&html[0]);
        c.goto(&format!("data:text/html;charset=utf-8;base64,{data}"))
            .await?;
        let png = c.screenshot().await?;
        std::fs::write(shots.join("email-swap-approved-de.png"), png).unwrap();
        Ok::<_, fantoccini::error::CmdError>(())
    };
    let outcome = run.await;
    c.close().await.ok();
    drop(driver);
    outcome.unwrap();

    // One correction by the customer, applied once on both sides.
    assert_eq!(
        count(
            &retailer,
            "SELECT count(*) FROM swap_corrections WHERE requested_kind = 'customer' \
             AND status = 'applied'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &retailer,
            &format!(
                "SELECT count(*) FROM swaps WHERE id = '{swap_id}' AND window_start = '{}'",
                w1.0.to_rfc3339()
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &logistics,
            &format!(
                "SELECT count(*) FROM job_events WHERE job_id = '{job_id}' AND kind = 'corrected'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &logistics,
            &format!(
                "SELECT count(*) FROM jobs WHERE id = '{job_id}' AND window_start = '{}' \
                 AND crew_id = '{}'",
                w1.0.to_rfc3339(),
                carrier.crew_id
            )
        )
        .await,
        1
    );
    // The customer is told the moved visit: the first schedule, then the new window.
    let told = strings(
        &retailer,
        "SELECT body FROM notifications WHERE kind = 'visit_scheduled' ORDER BY created_at",
    )
    .await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[1].contains("12:00"), "{}", told[1]);
    system.assert_no_dead_letters().await;
    system.stop().await;
}
