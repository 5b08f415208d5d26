//! The staff desk: sign-in, lock-out, sign-out, CSRF, the tenant walls URL by URL, the forms'
//! errors, and one run through the desk in a real headless Chromium.
//!
//! The helpers every desk test shares are here; each feature has a module below.

pub(crate) use crate::support::*;
pub(crate) use fantoccini::Locator;
pub(crate) use kummerer_testkit::forms::{
    browser, csrf_of, page, post_form, sign_in_at, signed_in_at, urlencode,
};
pub(crate) use std::path::Path;

pub(super) const PASSWORD: &str = "correct horse battery";

/// A retailer with two products, one sale of `serial` to `customer_name`, and a clerk.
pub(super) struct Desk {
    pub(super) retailer_id: Uuid,
    pub(super) sale_id: Uuid,
    pub(super) email: String,
}

pub(super) async fn desk_shop(
    svc: &TestService,
    name: &str,
    serial: &str,
    customer_name: &str,
) -> Desk {
    let retailer_id = id_of(&created(svc, "/api/retailers", json!({"name": name})).await);
    let path = |rest: &str| format!("/api/retailers/{retailer_id}{rest}");
    for (sku, product, price) in [
        ("WM-100", "Washing machine WM 100", "549.00"),
        ("WM-200", "Washing machine WM 200", "599.00"),
    ] {
        created(
            svc,
            &path("/products"),
            json!({"sku": sku, "name": product, "manufacturer_id": Uuid::now_v7(),
                   "price": eur(price)}),
        )
        .await;
    }
    let mut sale = sale_body("R-1", "WM-100", serial);
    sale["customer"]["name"] = json!(customer_name);
    let sale_id = id_of(&created(svc, &path("/sales"), sale).await);
    bootstrap_admin(svc, retailer_id).await;
    let email = format!("clerk@{}.example", serial.to_lowercase());
    let staff = as_root(
        svc,
        retailer_id,
        svc.client.post(svc.url(&path("/staff"))).json(
            &json!({"email": email, "name": "Anna Clerk", "role": "clerk", "password": PASSWORD}),
        ),
        201,
    )
    .await;
    assert_eq!(staff["role"], "clerk");
    assert!(staff.get("password").is_none() && staff.get("password_hash").is_none());
    // The clerk may swap up to 1000 EUR alone (the default, 0, needs a manager for every swap).
    let (status, limit) = put_limit(svc, retailer_id, "clerk", eur("1000.00")).await;
    assert_eq!(status, 200, "{limit}");
    Desk {
        retailer_id,
        sale_id,
        email,
    }
}

/// The e-mail of the admin [`bootstrap_admin`] makes for a retailer.
pub(crate) fn root_of(retailer_id: Uuid) -> String {
    format!("root@{}.example", retailer_id.simple())
}

/// The retailer's first admin, as `retailer create-admin` makes it (written here directly, to
/// spare every test a process): the JSON staff and limit routes need an admin's credentials.
pub(super) async fn bootstrap_admin(svc: &TestService, retailer_id: Uuid) {
    let hash = kummerer_web::hash_password(PASSWORD.to_owned())
        .await
        .unwrap();
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO staff (id, retailer_id, email, name, role, password_hash) \
             VALUES ($1, $2, $3, 'Root Admin', 'admin', $4)",
            [
                Uuid::now_v7().into(),
                retailer_id.into(),
                root_of(retailer_id).into(),
                hash.into(),
            ],
        ))
        .await
        .unwrap();
}

/// Sends `req` with the retailer's root admin's credentials; expects `status`; the body.
pub(crate) async fn as_root(
    _svc: &TestService,
    retailer_id: Uuid,
    req: reqwest::RequestBuilder,
    status: u16,
) -> Json {
    let res = req
        .basic_auth(root_of(retailer_id), Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let got = res.status().as_u16();
    let body: Json = res.json().await.unwrap_or(Json::Null);
    assert_eq!(got, status, "{body}");
    body
}

pub(crate) async fn put_limit(
    svc: &TestService,
    retailer_id: Uuid,
    role: &str,
    amount: Json,
) -> (u16, Json) {
    let res = svc
        .client
        .put(svc.url(&format!(
            "/api/retailers/{retailer_id}/authority-limits/{role}"
        )))
        .basic_auth(root_of(retailer_id), Some(PASSWORD))
        .json(&json!({ "amount": amount }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

pub(super) async fn sign_in(
    svc: &TestService,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, String) {
    sign_in_at(svc, client, "/desk/sign-in", email, password).await
}

/// Signs in as `email` and returns the session's CSRF token (from the desk page). The staff
/// member reads the desk in English (their own choice, stored): the tests read English texts;
/// the German desk has its own tests ([`mod@locale`]).
pub(super) async fn signed_in(svc: &TestService, client: &reqwest::Client, email: &str) -> String {
    prefers_english(&svc.db, email).await;
    signed_in_at(svc, client, "/desk/sign-in", "/desk", email, PASSWORD).await
}

/// The staff member `email` chose English for the desk.
pub(crate) async fn prefers_english(db: &DatabaseConnection, email: &str) {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE staff SET language = 'en' WHERE email = $1",
        [email.into()],
    ))
    .await
    .unwrap();
}

pub(crate) const DESK_TABLES: [&str; 4] = ["staff", "sessions", "authority_limits", "refusals"];

pub(crate) async fn desk_snapshot(db: &DatabaseConnection) -> Vec<(String, String)> {
    let mut out = snapshot(db).await;
    for table in DESK_TABLES {
        let n = count(db, &format!("SELECT 1 FROM {table}"), vec![]).await;
        out.push((table.to_owned(), n.to_string()));
    }
    out
}

pub(super) use kummerer_testkit::browser::{CHROMEDRIVER, TempDir};

/// chromedriver with a profile directory for the first session (removed on drop).
pub(super) struct Driver {
    pub(super) driver: kummerer_testkit::browser::Driver,
    pub(super) _profile: TempDir,
}

pub(super) async fn chromedriver() -> Driver {
    Driver {
        driver: kummerer_testkit::browser::chromedriver().await,
        _profile: TempDir::new("chromium"),
    }
}

/// A `width`×`height` viewport (the window's frame takes some height).
pub(crate) async fn set_viewport(
    c: &fantoccini::Client,
    width: u32,
    height: u32,
) -> Result<(), fantoccini::error::CmdError> {
    let inner = c.execute("return window.innerHeight", vec![]).await?;
    let (_, outer) = c.get_window_size().await?;
    let frame = outer.saturating_sub(inner.as_u64().unwrap_or(outer));
    c.set_window_size(width, u32::try_from(u64::from(height) + frame).unwrap())
        .await
}

/// A headless Chromium session on `driver` with its own profile directory.
pub(super) async fn browser_session(driver: &Driver, profile: &Path) -> fantoccini::Client {
    driver.driver.session(profile, (1280, 900), json!({})).await
}

/// Signs `email` in on the desk's sign-in page in the browser `b`; waits for the search box.
pub(crate) async fn sign_in_in_browser(
    b: &fantoccini::Client,
    svc: &TestService,
    email: &str,
) -> Result<(), fantoccini::error::CmdError> {
    prefers_english(&svc.db, email).await;
    b.goto(&svc.url("/desk")).await?;
    submit_sign_in(b, email).await?;
    b.wait().for_element(Locator::Css("input[name=q]")).await?;
    Ok(())
}

/// On the desk's sign-in page in the browser `b`: types `email` and the password and submits.
pub(crate) async fn submit_sign_in(
    b: &fantoccini::Client,
    email: &str,
) -> Result<(), fantoccini::error::CmdError> {
    b.wait()
        .for_element(Locator::Css("input[name=email]"))
        .await?
        .send_keys(email)
        .await?;
    b.find(Locator::Css("input[name=password]"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    b.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// On the sale's page: opens a case (`category`, `description`); waits for the case page.
pub(crate) async fn open_case_in_browser(
    b: &fantoccini::Client,
    category: &str,
    description: &str,
) -> Result<(), fantoccini::error::CmdError> {
    b.wait()
        .for_element(Locator::Css(&format!(
            "select[name=defect_category] option[value={category}]"
        )))
        .await?
        .click()
        .await?;
    b.find(Locator::Css("textarea[name=defect_description]"))
        .await?
        .send_keys(description)
        .await?;
    b.find(Locator::Css("#case-form button"))
        .await?
        .click()
        .await?;
    b.wait().for_element(Locator::Id("case-status")).await?;
    Ok(())
}

/// On the desk: searches for `q` and opens the first sale found.
pub(crate) async fn find_sale_in_browser(
    b: &fantoccini::Client,
    q: &str,
) -> Result<(), fantoccini::error::CmdError> {
    b.find(Locator::Css("input[name=q]"))
        .await?
        .send_keys(q)
        .await?;
    b.find(Locator::Css("form.search button"))
        .await?
        .click()
        .await?;
    b.wait()
        .for_element(Locator::Css("#results a"))
        .await?
        .click()
        .await?;
    Ok(())
}

pub(crate) async fn failed_attempts(db: &DatabaseConnection, email: &str) -> i64 {
    count(
        db,
        "SELECT generate_series(1, failed_attempts) FROM staff WHERE email = $1",
        vec![email.into()],
    )
    .await
}

pub(super) async fn add_staff(svc: &TestService, retailer_id: Uuid, email: &str, role: &str) {
    as_root(
        svc,
        retailer_id,
        svc.client
            .post(svc.url(&format!("/api/retailers/{retailer_id}/staff")))
            .json(
                &json!({"email": email, "name": format!("{role} person"), "role": role,
                          "password": PASSWORD}),
            ),
        201,
    )
    .await;
}

/// Opens a case on the desk's sale as the signed-in person; its page path.
pub(super) async fn open_desk_case(
    svc: &TestService,
    client: &reqwest::Client,
    csrf: &str,
    sale_id: Uuid,
) -> String {
    let (status, location) = post_case(
        svc,
        client,
        csrf,
        sale_id,
        "Loud banging when spinning",
        false,
    )
    .await;
    assert_eq!(status, 303, "{location}");
    location
}

/// Sends the desk's case form (a noise; `tick`: "a new complaint" on a unit with earlier
/// cases); the status and the redirect or the page.
pub(super) async fn post_case(
    svc: &TestService,
    client: &reqwest::Client,
    csrf: &str,
    sale_id: Uuid,
    description: &str,
    tick: bool,
) -> (u16, String) {
    let mut form = vec![
        ("csrf", csrf),
        ("defect_category", "noise"),
        ("defect_description", description),
    ];
    if tick {
        form.push(("confirm_duplicate", "yes"));
    }
    post_form(svc, client, &format!("/desk/sales/{sale_id}/cases"), &form).await
}

/// The link the case page shows once after creating it.
pub(super) fn status_link_of(html: &str) -> String {
    let marker = r#"id="new-status-link" href=""#;
    let start = html.find(marker).expect("a new status link") + marker.len();
    // An absolute URL: the path from `/status/` on.
    let start = start + html[start..].find("/status/").expect("a status path");
    html[start..start + "/status/".len() + 64].to_owned()
}

/// Logistics schedules the crew for the swap, the day after tomorrow 08:00–12:00 UTC; the window
/// as the customer's status page shows it (the store's local time).
pub(super) async fn crew_scheduled(
    svc: &TestService,
    retailer_id: Uuid,
    case_id: Uuid,
    swap_id: Uuid,
) -> String {
    let start = (Utc::now() + Span::days(2))
        .date_naive()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_utc();
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
    // In the store's local time (Europe/Berlin, the default) and language (German).
    retailer::http::pages::locale::tr(kummerer_web::i18n::Lang::De, chrono_tz::Europe::Berlin)
        .window(start, start + Span::hours(4))
}

mod admin;
mod approval_in_browser;
mod ball;
mod browser;
mod browser_decisions;
mod cancel;
mod cookie_check;
mod correct;
mod dashboard;
mod duplicates;
mod every_page;
mod first_day;
mod forms;
mod import;
mod law;
mod limits;
mod locale;
mod partners;
mod personal_data;
mod refusals;
mod request_deadlines;
mod requests;
mod search;
mod search_browser;
mod setup;
mod sign_in;
mod status_link;
mod stock;
mod walls;
