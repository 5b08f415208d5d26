//! The crew's page: crew accounts, sign-in, lock-out, sign-out, CSRF, the crew wall URL by URL,
//! the forms (same code as the JSON API), the double tap on *delivered*, and one run through the
//! page in a real headless Chromium at a phone viewport.

mod local;
mod phone;
mod photo_steps;
mod wall;

pub(crate) use crate::support::browser;
pub use kummerer_testkit::browser::{CHROMEDRIVER, TempDir};
pub use kummerer_testkit::forms::{answer, csrf_of, page, post_form, sign_in_at, signed_in_at};

use crate::support::*;
pub(crate) use photo_steps::post_multipart;

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
        location_id: Uuid::now_v7().into(),
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
