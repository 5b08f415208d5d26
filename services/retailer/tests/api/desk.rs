//! The staff desk: sign-in, lock-out, sign-out, CSRF, the tenant walls URL by URL, the forms'
//! errors, and one run through the desk in a real headless Chromium.

use std::path::Path;

use fantoccini::Locator;
use reqwest::redirect::Policy;

use super::*;

pub(super) const PASSWORD: &str = "correct horse battery";

/// A browser-like client: keeps cookies, does not follow redirects (the tests look at them).
pub(super) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

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
fn root_of(retailer_id: Uuid) -> String {
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
async fn as_root(
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

async fn put_limit(svc: &TestService, retailer_id: Uuid, role: &str, amount: Json) -> (u16, Json) {
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
    let res = client
        .post(svc.url("/desk/sign-in"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

pub(super) async fn page(svc: &TestService, client: &reqwest::Client, path: &str) -> (u16, String) {
    let res = client.get(svc.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

pub(super) async fn post_form(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let res = client.post(svc.url(path)).form(form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// The CSRF token in a page's forms.
pub(super) fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..start + 64].to_owned()
}

/// Signs in as `email` and returns the session's CSRF token (from the desk page).
pub(super) async fn signed_in(svc: &TestService, client: &reqwest::Client, email: &str) -> String {
    let (status, location) = sign_in(svc, client, email, PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/desk"));
    let (status, html) = page(svc, client, "/desk").await;
    assert_eq!(status, 200, "{html}");
    csrf_of(&html)
}

const DESK_TABLES: [&str; 4] = ["staff", "sessions", "authority_limits", "refusals"];

async fn desk_snapshot(db: &DatabaseConnection) -> Vec<(String, String)> {
    let mut out = snapshot(db).await;
    for table in DESK_TABLES {
        let n = count(db, &format!("SELECT 1 FROM {table}"), vec![]).await;
        out.push((table.to_owned(), n.to_string()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_lock_out_and_sign_out() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let staff_path = format!("/api/retailers/{}/staff", desk.retailer_id);
    let root = root_of(desk.retailer_id);
    let root = Some((root.as_str(), PASSWORD));

    // The staff API checks what it stores.
    let good = json!({"email": "boss@maier.example", "name": "Bea Boss", "role": "admin",
                      "password": PASSWORD});
    let before = desk_snapshot(&svc.db).await;
    for (key, value, expect) in [
        ("password", json!("short"), "422 password"),
        ("email", json!("not-an-email"), "422 email"),
        ("role", json!("owner"), "422 role"),
        ("name", json!(" "), "422 name"),
        ("password", Json::Null, "422"),
        ("email", json!(desk.email), "409 staff_exists"),
    ] {
        let mut body = good.clone();
        set(&mut body, key, value);
        rejects_as(&svc, root, &staff_path, body, expect).await;
    }
    let mut upper = good.clone();
    set(&mut upper, "email", json!(desk.email.to_uppercase()));
    rejects_as(&svc, root, &staff_path, upper, "409 staff_exists").await;
    // Only an admin of this retailer: no credentials, wrong ones, a clerk's, or another (or an
    // unknown) retailer's — the same 401.
    let clerk = Some((desk.email.as_str(), PASSWORD));
    let wrong = root.map(|(user, _)| (user, "wrong password!"));
    for credentials in [None, wrong, clerk] {
        rejects_as(&svc, credentials, &staff_path, good.clone(), "401").await;
    }
    rejects_as(
        &svc,
        root,
        &format!("/api/retailers/{}/staff", Uuid::now_v7()),
        good.clone(),
        "401",
    )
    .await;
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let stored = one_string(
        &svc.db,
        "SELECT password_hash FROM staff WHERE email = $1",
        vec![desk.email.clone().into()],
    )
    .await;
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    let client = browser();
    // No session: every desk page sends to the sign-in page.
    for path in ["/desk", &format!("/desk/sales/{}", desk.sale_id)] {
        assert_eq!(
            page(&svc, &client, path).await,
            (303, "/desk/sign-in".to_owned())
        );
    }
    let (status, html) = page(&svc, &client, "/desk/sign-in").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="password""#), "{html}");

    // A wrong password or an unknown account: the form again, with a message, no session.
    for (email, password) in [
        (desk.email.as_str(), "wrong password!"),
        ("nobody@nowhere.example", PASSWORD),
    ] {
        let (status, html) = sign_in(&svc, &client, email, password).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("The e-mail or the password is wrong."),
            "{html}"
        );
    }
    assert_eq!(page(&svc, &client, "/desk").await.0, 303);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 0);

    // The right one: a session cookie that scripts and other sites never see.
    let res = client
        .post(svc.url("/desk/sign-in"))
        .form(&[("email", desk.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "kummerer_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/desk",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = cookie["kummerer_session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(token.len(), 64);
    // Only the token's hash is stored.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sessions WHERE id = $1",
            vec![token.into()]
        )
        .await,
        0
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 1);
    let (status, html) = page(&svc, &client, "/desk").await;
    assert_eq!(status, 200);
    assert!(html.contains("Anna Clerk"), "{html}");
    assert_eq!(
        page(&svc, &client, "/desk/sign-in").await,
        (303, "/desk".to_owned())
    );
    // The failures before the success are forgotten.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM staff WHERE failed_attempts = 0 AND role = 'clerk'",
            vec![]
        )
        .await,
        1
    );

    // Sign-out needs the CSRF token; then the session is gone.
    let csrf = csrf_of(&html);
    let (status, _) = post_form(&svc, &client, "/desk/sign-out", &[("csrf", "nope")]).await;
    assert_eq!(status, 403);
    assert_eq!(page(&svc, &client, "/desk").await.0, 200);
    assert_eq!(
        post_form(&svc, &client, "/desk/sign-out", &[("csrf", &csrf)]).await,
        (303, "/desk/sign-in".to_owned())
    );
    assert_eq!(page(&svc, &client, "/desk").await.0, 303);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 0);

    // Five failures in a row lock the account for 15 minutes, even against the right password.
    let other = browser();
    for attempt in 1..=5 {
        let (status, html) = sign_in(&svc, &other, &desk.email, "wrong password!").await;
        assert_eq!(status, 200);
        assert_eq!(
            html.contains("locked"),
            false, // an anonymous caller is never told of the lock
            "attempt {attempt}: {html}"
        );
    }
    let (status, html) = sign_in(&svc, &other, &desk.email, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("password is wrong") && !html.contains("locked"),
        "{html}"
    );
    assert_eq!(page(&svc, &other, "/desk").await.0, 303);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM staff WHERE locked_until BETWEEN now() + interval '14 minutes' \
             AND now() + interval '15 minutes'",
            vec![]
        )
        .await,
        1
    );
    // Once the lock has run out, the right password works again.
    svc.db
        .execute_unprepared("UPDATE staff SET locked_until = now() - interval '1 second'")
        .await
        .unwrap();
    assert_eq!(
        sign_in(&svc, &other, &desk.email, PASSWORD).await,
        (303, "/desk".to_owned())
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_forms_check_csrf_explain_errors_and_approve_once() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;

    // The search finds the unit by receipt, serial, customer name or phone digits.
    for q in ["R-1", "SN-1", "erika", "Mustermann", "+49 30 123", "4930"] {
        let (status, html) = page(&svc, &client, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        assert!(
            html.contains(&format!("/desk/sales/{}", desk.sale_id)) == (q != "Mustermann"),
            "search {q:?}: {html}"
        );
    }
    let (_, html) = page(&svc, &client, "/desk?q=SN-404").await;
    assert!(html.contains("No sale matches"), "{html}");
    let (_, html) = page(&svc, &client, "/desk?q=%25").await;
    assert!(
        !html.contains("/desk/sales/"),
        "a LIKE wildcard is literal: {html}"
    );

    // The sale at a glance.
    let sale_path = format!("/desk/sales/{}", desk.sale_id);
    let (status, html) = page(&svc, &client, &sale_path).await;
    assert_eq!(status, 200);
    for fact in [
        "Washing machine WM 100",
        "499.00 EUR",
        "id=\"days-since-sale\">3<",
        "days left",
    ] {
        assert!(html.contains(fact), "{fact}: {html}");
    }
    assert_eq!(csrf_of(&html), csrf);

    // Opening a case: the CSRF token and our own origin are required; errors are explained.
    let cases_path = format!("{sale_path}/cases");
    let good = [
        ("csrf", csrf.as_str()),
        ("defect_category", "noise"),
        ("defect_description", "Loud banging when spinning"),
    ];
    let before = desk_snapshot(&svc.db).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &cases_path,
        &[("csrf", "x"), good[1], good[2]],
    )
    .await;
    assert_eq!(status, 403, "wrong token");
    let (status, _) = post_form(&svc, &client, &cases_path, &good[1..]).await;
    assert_eq!(status, 403, "no token");
    let res = client
        .post(svc.url(&cases_path))
        .header("origin", "https://evil.example")
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403, "another site's form");
    let (status, html) = post_form(
        &svc,
        &client,
        &cases_path,
        &[
            good[0],
            ("defect_category", "exploded"),
            ("defect_description", "  "),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("choose what is wrong with the unit"),
        "{html}"
    );
    assert!(html.contains("must not be empty"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);

    let (status, location) = post_form(&svc, &client, &cases_path, &good).await;
    assert_eq!(status, 303);
    let case_id: Uuid = location
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    // A second case on the same unit: the sale page links the case instead.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_form(&svc, &client, &cases_path, &good).await;
    assert_eq!(status, 200);
    assert!(html.contains("already has a case"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let (_, html) = page(&svc, &client, &sale_path).await;
    assert!(
        html.contains(&format!("href=\"/desk/cases/{case_id}\"")),
        "{html}"
    );
    assert!(!html.contains("case-form"), "{html}");

    // The case with the swap form, prefilled.
    let case_path = format!("/desk/cases/{case_id}");
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200);
    for shown in [
        "swap-form",
        r#"<option value="WM-100" selected>"#,
        "+50.00 EUR vs. price paid",
        "+100.00 EUR vs. price paid",
        r#"name="street" value="Hauptstraße 1""#,
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    let swap_path = format!("{case_path}/swap");
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let form = |changes: &[(&'static str, &str)]| {
        let mut f: Vec<(&'static str, String)> = vec![
            ("csrf", csrf.clone()),
            ("replacement_sku", "WM-200".into()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
            ("name", "Erika Mustermann".into()),
            ("phone", "+49 30 1234567".into()),
            ("street", "Nebenstraße 2".into()),
            ("postcode", "10117".into()),
            ("city", "Berlin".into()),
            ("country", "de".into()),
        ];
        for (k, v) in changes {
            f.iter_mut().find(|(key, _)| key == k).unwrap().1 = (*v).to_owned();
        }
        f
    };
    let send = |f: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = svc.url(&swap_path);
        async move {
            let res = client.post(url).form(&f).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let before = desk_snapshot(&svc.db).await;
    assert_eq!(send(form(&[("csrf", "forged")])).await.0, 403);
    for (changes, message) in [
        (
            vec![("window_end", start.as_str())],
            "must be after window_start",
        ),
        (
            vec![("window_start", "tomorrow")],
            "enter a date and time (UTC)",
        ),
        (
            vec![("country", "Germany")],
            "two-letter ISO 3166 country code",
        ),
        (vec![("city", " ")], "must not be empty"),
        (
            vec![("replacement_sku", "NOPE-1")],
            "no product with this SKU",
        ),
    ] {
        let (status, html) = send(form(&changes)).await;
        assert_eq!(status, 200, "{changes:?}");
        assert!(html.contains(message), "{changes:?} → {message}: {html}");
        // What was typed stays on the form.
        assert!(html.contains("Nebenstraße 2"), "{html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // The approval: the same swap, claim, timeline and events as the JSON API, by the clerk.
    assert_eq!(send(form(&[])).await, (303, case_path.clone()));
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["swap"]["approved_by"], desk.email);
    assert_eq!(case["swap"]["replacement"]["sku"], "WM-200");
    assert_eq!(case["swap"]["delivery_address"]["street"], "Nebenstraße 2");
    assert_eq!(case["swap"]["delivery_address"]["country"], "DE");
    assert_eq!(case["claim"]["status"], "submitted");
    assert_eq!(outbox(&svc.db, SWAP_APPROVED).await.len(), 1);
    assert_eq!(outbox(&svc.db, CLAIM_SUBMITTED).await.len(), 1);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains("swap_approved"), "{html}");
    assert!(html.contains("claim_submitted"), "{html}");
    assert!(!html.contains("swap-form"), "{html}");

    // A second approval (a double click, a colleague): explained, nothing more happens.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = send(form(&[])).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("a swap is already approved for this case"),
        "{html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_staff_see_only_their_own_retailer() {
    let svc = start().await;
    let a = desk_shop(&svc, "Elektro Maier", "SN-A", "Erika Mustermann").await;
    let b = desk_shop(&svc, "Technik Huber", "SN-B", "Max Meier").await;
    // A's case, opened through the API.
    let a_case = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/cases", a.retailer_id),
            json!({"serial": "SN-A", "defect_category": "leak", "defect_description": "Water"}),
        )
        .await,
    );
    let client = browser();
    let csrf = signed_in(&svc, &client, &b.email).await;
    let before = desk_snapshot(&svc.db).await;

    // Every page and form with A's ids, an unknown id, or no id at all: 404, nothing of A shown.
    for path in [
        format!("/desk/sales/{}", a.sale_id),
        format!("/desk/cases/{a_case}"),
        format!("/desk/sales/{}", Uuid::now_v7()),
        format!("/desk/cases/{}", Uuid::now_v7()),
        "/desk/sales/not-a-uuid".to_owned(),
        "/desk/cases/not-a-uuid".to_owned(),
    ] {
        let (status, body) = page(&svc, &client, &path).await;
        assert_eq!(status, 404, "GET {path}: {body}");
        assert!(
            !body.contains("SN-A") && !body.contains("Erika"),
            "{path}: {body}"
        );
    }
    for path in [
        format!("/desk/sales/{}/cases", a.sale_id),
        format!("/desk/sales/{}/cases", Uuid::now_v7()),
    ] {
        let (status, body) = post_form(
            &svc,
            &client,
            &path,
            &[
                ("csrf", &csrf),
                ("defect_category", "noise"),
                ("defect_description", "x"),
            ],
        )
        .await;
        assert_eq!(status, 404, "POST {path}: {body}");
    }
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    for path in [
        format!("/desk/cases/{a_case}/swap"),
        format!("/desk/cases/{}/swap", Uuid::now_v7()),
    ] {
        let (status, body) = post_form(
            &svc,
            &client,
            &path,
            &[
                ("csrf", &csrf),
                ("replacement_sku", "WM-100"),
                ("window_start", &start),
                ("window_end", &end),
                ("name", "Intruder"),
                ("phone", "1"),
                ("street", "x"),
                ("postcode", "1"),
                ("city", "x"),
                ("country", "DE"),
            ],
        )
        .await;
        assert_eq!(status, 404, "POST {path}: {body}");
    }
    // The search never finds A's sale, whatever B types.
    for q in ["R-1", "SN-A", "Erika", "+49 30"] {
        let (status, html) = page(&svc, &client, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        assert!(!html.contains(&a.sale_id.to_string()), "{q}: {html}");
        // B sold with the same receipt number and to the same phone number: those are B's.
        let bs_too = matches!(q, "R-1" | "+49 30");
        assert_eq!(html.contains("No sale matches"), !bs_too, "{q}: {html}");
    }
    // B's own sale with the same receipt number is found.
    let (_, html) = page(&svc, &client, "/desk?q=R-1").await;
    assert!(html.contains(&b.sale_id.to_string()), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}

// --- the browser --------------------------------------------------------------------------------

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
async fn set_viewport(
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
async fn sign_in_in_browser(
    b: &fantoccini::Client,
    svc: &TestService,
    email: &str,
) -> Result<(), fantoccini::error::CmdError> {
    b.goto(&svc.url("/desk")).await?;
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
    b.wait().for_element(Locator::Css("input[name=q]")).await?;
    Ok(())
}

/// On the sale's page: opens a case (`category`, `description`); waits for the case page.
async fn open_case_in_browser(
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
async fn find_sale_in_browser(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_approves_a_swap_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-BROWSER", "Erika Mustermann").await;
    // A second unit, whose swap to WM-200 (599.00) is above the clerk's limit (550.00).
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let second_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-100", "SN-BROWSER-2"),
        )
        .await,
    );
    let manager = "manager@sn-browser.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let mut driver = chromedriver().await;
    let c = browser_session(&driver, &driver._profile.0).await;

    let run = async {
        // Not signed in: the sign-in page.
        sign_in_in_browser(&c, &svc, &desk.email).await?;
        // The desk: find the unit by its serial.
        c.find(Locator::Css("input[name=q]"))
            .await?
            .send_keys("SN-BROWSER")
            .await?;
        c.find(Locator::Css("form.search button"))
            .await?
            .click()
            .await?;
        let result = c.wait().for_element(Locator::Css("#results a")).await?;
        set_viewport(&c, 1280, 900).await?;
        let search_png = c.screenshot().await?;
        result.click().await?;
        // The sale: open a case.
        let category = c
            .wait()
            .for_element(Locator::Css(
                "select[name=defect_category] option[value=does_not_start]",
            ))
            .await?;
        let sale_png = c.screenshot().await?;
        category.click().await?;
        c.find(Locator::Css("textarea[name=defect_description]"))
            .await?
            .send_keys("Drum does not turn")
            .await?;
        c.find(Locator::Css("#case-form button"))
            .await?
            .click()
            .await?;
        // The case: approve the swap as prefilled (same model, tomorrow, customer's address).
        c.wait()
            .for_element(Locator::Css("#swap-form button"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_approved']",
            ))
            .await?;
        let status = c.find(Locator::Id("case-status")).await?.text().await?;
        assert_eq!(status, "swap_approved");
        let png = c.screenshot().await?;

        // Above the limit: the same form asks for a manager, who signs on this screen.
        c.goto(&svc.url(&format!("/desk/sales/{second_sale}")))
            .await?;
        open_case_in_browser(&c, "noise", "Loud banging").await?;
        c.wait()
            .for_element(Locator::Css(
                "select[name=replacement_sku] option[value=WM-200]",
            ))
            .await?
            .click()
            .await?;
        c.find(Locator::Css("#swap-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Id("needs-manager")).await?;
        // The manager's part of the form, in view.
        c.execute(
            "document.getElementById('manager').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
        let needs_manager_png = c.screenshot().await?;
        c.find(Locator::Css("input[name=manager_email]"))
            .await?
            .send_keys(manager)
            .await?;
        c.find(Locator::Css("input[name=manager_password]"))
            .await?
            .send_keys(PASSWORD)
            .await?;
        c.find(Locator::Css("#swap-form button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait()
            .for_element(Locator::XPath(
                "//td[@class='kind'][@data-kind='swap_approved']",
            ))
            .await?;
        let status = c.find(Locator::Id("case-status")).await?.text().await?;
        assert_eq!(status, "swap_approved");
        Ok::<_, fantoccini::error::CmdError>((
            c.current_url().await?,
            png,
            needs_manager_png,
            search_png,
            sale_png,
        ))
    };
    let outcome = run.await;
    let source = c.source().await.unwrap_or_default();
    let _ = c.close().await;
    let _ = driver.driver.child.kill().await;
    let (url, png, needs_manager_png, search_png, sale_png) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));
    assert!(url.path().starts_with("/desk/cases/"), "{url}");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    if let Ok(dir) = std::env::var("KUMMERER_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, png) in [
            ("desk-case.png", &png),
            ("desk-swap-needs-manager.png", &needs_manager_png),
            ("desk-search.png", &search_png),
            ("desk-sale.png", &sale_png),
        ] {
            std::fs::write(Path::new(&dir).join(name), png).unwrap();
        }
    }
    // What the browser did is in the database: two swaps approved by the clerk, the one above
    // the limit authorized by the manager.
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(approved_by || '/' || coalesce(authorized_by, '-'), ',' \
             ORDER BY approved_at) FROM swaps WHERE retailer_id = $1",
            vec![desk.retailer_id.into()]
        )
        .await,
        format!("{0}/-,{0}/{manager}", desk.email)
    );
    svc.stop().await;
}

async fn failed_attempts(db: &DatabaseConnection, email: &str) -> i64 {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_limits_are_set_per_role_and_checked() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let limits =
        |rid: Uuid, role: &str| svc.url(&format!("/api/retailers/{rid}/authority-limits/{role}"));
    let (status, body) = put_limit(&svc, desk.retailer_id, "manager", eur("5000.00")).await;
    assert_eq!(status, 200);
    assert_eq!(body["role"], "manager");
    assert_eq!(body["amount"], eur("5000.00"));
    // Setting it again replaces it.
    let (status, _) = put_limit(&svc, desk.retailer_id, "manager", eur("6000.00")).await;
    assert_eq!(status, 200);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT amount::text FROM authority_limits WHERE retailer_id = $1 AND role = 'manager'",
            vec![desk.retailer_id.into()],
        )
        .await,
        "6000.00"
    );

    let before = desk_snapshot(&svc.db).await;
    let limit_before = one_string(
        &svc.db,
        "SELECT string_agg(role || amount::text, ',' ORDER BY role) FROM authority_limits",
        vec![],
    )
    .await;
    for (url, body, status) in [
        (
            limits(desk.retailer_id, "owner"),
            json!({"amount": eur("1.00")}),
            404,
        ),
        (
            limits(Uuid::now_v7(), "clerk"),
            json!({"amount": eur("1.00")}),
            401,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": eur("-1.00")}),
            422,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": {"amount": "1.00"}}),
            422,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": "lots"}),
            422,
        ),
        (limits(desk.retailer_id, "clerk"), json!({}), 422),
    ] {
        let res = svc
            .client
            .put(url)
            .basic_auth(root_of(desk.retailer_id), Some(PASSWORD))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{body}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    // Without an admin's credentials: 401, with a challenge.
    for req in [
        svc.client.put(limits(desk.retailer_id, "clerk")),
        svc.client
            .put(limits(desk.retailer_id, "clerk"))
            .basic_auth(&desk.email, Some(PASSWORD)),
    ] {
        let res = req
            .json(&json!({"amount": eur("9999.00")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401);
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(role || amount::text, ',' ORDER BY role) FROM authority_limits",
            vec![],
        )
        .await,
        limit_before
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_above_the_clerks_limit_needs_a_manager_on_the_same_screen() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    // WM-100 (549.00) is within the clerk's limit, WM-200 (599.00) above it.
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let manager = "manager@sn-1.example";
    let other_manager = "manager@sn-2.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    add_staff(&svc, other.retailer_id, other_manager, "manager").await;

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/desk/sales/{}/cases", desk.sale_id),
        &[
            ("csrf", csrf.as_str()),
            ("defect_category", "noise"),
            ("defect_description", "Loud banging when spinning"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let case_path = location;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        html.contains("Your authority limit is 550.00 EUR"),
        "{html}"
    );
    assert!(
        html.contains("+100.00 EUR vs. price paid · needs a manager"),
        "{html}"
    );
    assert!(
        !html.contains("+50.00 EUR vs. price paid · needs a manager"),
        "{html}"
    );

    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let swap = |manager_email: &str, manager_password: &str| {
        let form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("replacement_sku", "WM-200".into()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
            ("name", "Erika Mustermann".into()),
            ("phone", "+49 30 1234567".into()),
            ("street", "Hauptstraße 1".into()),
            ("postcode", "10115".into()),
            ("city", "Berlin".into()),
            ("country", "DE".into()),
            ("manager_email", manager_email.into()),
            ("manager_password", manager_password.into()),
        ];
        let client = client.clone();
        let url = svc.url(&format!("{case_path}/swap"));
        async move {
            let res = client.post(url).form(&form).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let before = desk_snapshot(&svc.db).await;

    // Above the limit: neither refused nor queued — the same form asks for a manager.
    let (status, html) = swap("", "").await;
    assert_eq!(status, 200);
    assert!(html.contains("This swap needs a manager"), "{html}");
    assert!(
        html.contains("599.00 EUR, above your authority limit"),
        "{html}"
    );
    assert!(
        html.contains("Hauptstraße 1"),
        "what was typed stays: {html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // A wrong manager password: nothing happens, and it counts toward the manager's lock-out.
    let (status, html) = swap(manager, "wrong password!").await;
    assert_eq!(status, 200);
    assert!(html.contains("e-mail or password is wrong"), "{html}");
    assert!(html.contains("This swap needs a manager"), "{html}");
    assert!(
        !html.contains("wrong password!"),
        "the password is not echoed: {html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(failed_attempts(&svc.db, manager).await, 1);

    // Another retailer's manager (right password), a clerk, an unknown e-mail: the same answer,
    // nothing happens, and another retailer's account is never counted against.
    for (email, password) in [
        (other_manager, PASSWORD),
        (desk.email.as_str(), PASSWORD),
        ("nobody@sn-1.example", PASSWORD),
        ("not an e-mail", PASSWORD),
    ] {
        let (status, html) = swap(email, password).await;
        assert_eq!(status, 200, "{email}");
        assert!(
            html.contains("This swap needs a manager"),
            "{email}: {html}"
        );
        assert!(html.contains("manager"), "{email}: {html}");
        assert_eq!(desk_snapshot(&svc.db).await, before, "{email}");
    }
    assert_eq!(failed_attempts(&svc.db, other_manager).await, 0);

    // Five failures in a row lock the manager: then even the right password is refused.
    for _ in 0..4 {
        assert_eq!(swap(manager, "wrong password!").await.0, 200);
    }
    let (status, html) = swap(manager, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(html.contains("is locked until"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET locked_until = NULL, failed_attempts = 3 WHERE email = $1",
            [manager.into()],
        ))
        .await
        .unwrap();

    // The manager signs on the clerk's screen: approved, both recorded.
    assert_eq!(swap(manager, PASSWORD).await, (303, case_path.clone()));
    assert_eq!(failed_attempts(&svc.db, manager).await, 0);
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["swap"]["approved_by"], desk.email);
    assert_eq!(case["swap"]["authorized_by"], manager);
    let approved = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "swap_approved")
        .unwrap()
        .clone();
    assert_eq!(approved["details"]["approved_by"], desk.email, "{approved}");
    assert_eq!(approved["details"]["authorized_by"], manager, "{approved}");
    assert_eq!(outbox(&svc.db, SWAP_APPROVED).await.len(), 1);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(&format!("authorized by {manager}")), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_within_the_limit_needs_no_manager_and_a_manager_is_unlimited() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, manager).await;
    let (status, case_path) = post_form(
        &svc,
        &client,
        &format!("/desk/sales/{}/cases", desk.sale_id),
        &[
            ("csrf", csrf.as_str()),
            ("defect_category", "noise"),
            ("defect_description", "Loud banging when spinning"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(!html.contains("needs a manager"), "{html}");
    assert!(
        !html.contains("manager_email"),
        "unlimited: no manager fields: {html}"
    );
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-200"),
            ("window_start", start.as_str()),
            ("window_end", end.as_str()),
            ("name", "Erika Mustermann"),
            ("phone", "+49 30 1234567"),
            ("street", "Hauptstraße 1"),
            ("postcode", "10115"),
            ("city", "Berlin"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, case_path.as_str()));
    let case_id = case_path.strip_prefix("/desk/cases/").unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["swap"]["approved_by"], manager);
    assert!(case["swap"].get("authorized_by").is_none(), "{case}");
    svc.stop().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_refused_with_a_reason_and_a_text_and_reported_to_managers() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &other.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let refuse_path = format!("{case_path}/refuse");
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains("refuse-form"), "{html}");
    for code in [
        "outside_warranty",
        "damage_by_customer",
        "no_defect_found",
        "not_sold_here",
        "other",
    ] {
        assert!(
            html.contains(&format!("value=\"{code}\"")),
            "{code}: {html}"
        );
    }

    // Every refusal needs a reason code from the list and a text of at most 1000 characters.
    let long = "x".repeat(1001);
    let before = desk_snapshot(&svc.db).await;
    assert_eq!(
        post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", "forged"),
                ("reason_code", "other"),
                ("reason_text", "no")
            ]
        )
        .await
        .0,
        403
    );
    for (reason, text, message) in [
        (
            "",
            "The drum was dented by a fall",
            "choose the reason for the refusal",
        ),
        (
            "our_regulations",
            "Because",
            "choose the reason for the refusal",
        ),
        ("other", "   ", "must not be empty"),
        ("other", long.as_str(), "must be at most 1000 characters"),
    ] {
        let (status, html) = post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", csrf.as_str()),
                ("reason_code", reason),
                ("reason_text", text),
            ],
        )
        .await;
        assert_eq!(status, 200, "{reason} {text}");
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains("refuse-form"), "{html}");
    }
    // Another retailer's case: the same 404 as an unknown one.
    let (status, _) = post_form(
        &svc,
        &other_client,
        &refuse_path,
        &[
            ("csrf", other_csrf.as_str()),
            ("reason_code", "other"),
            ("reason_text", "Not ours"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(desk_snapshot(&svc.db).await, before);

    let (_, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/status-link"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    let link = status_link_of(&html);

    // The refusal: the case is closed as refused, the timeline says who and why, nothing is sent.
    let text = "Cable cut through; damage by the customer, not a defect.";
    assert_eq!(
        post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", csrf.as_str()),
                ("reason_code", "damage_by_customer"),
                ("reason_text", text)
            ],
        )
        .await,
        (303, case_path.clone())
    );
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "refused");
    assert!(case["swap"].is_null(), "{case}");
    let refused = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "case_refused")
        .unwrap()
        .clone();
    assert_eq!(refused["details"]["reason_code"], "damage_by_customer");
    assert_eq!(refused["details"]["reason_text"], text);
    assert_eq!(refused["details"]["refused_by"], desk.email);
    assert_eq!(count(&svc.db, "SELECT 1 FROM outbox", vec![]).await, 0);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        !html.contains("refuse-form") && !html.contains("swap-form"),
        "{html}"
    );
    assert!(html.contains("case_refused"), "{html}");
    // The customer's link says "refused" — and not why or by whom.
    let res = reqwest::get(svc.url(&link)).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"data-step="refused""#), "{html}");
    assert!(
        !html.contains("Cable cut") && !html.contains(&desk.email),
        "{html}"
    );

    // Refused is closed: no second refusal, no swap; a new case on the unit may be opened.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_form(
        &svc,
        &client,
        &refuse_path,
        &[
            ("csrf", csrf.as_str()),
            ("reason_code", "other"),
            ("reason_text", "again"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("this case cannot be refused: the case is closed"),
        "{html}"
    );
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-100"),
            (
                "window_start",
                &(Utc::now() + Span::days(1))
                    .format("%Y-%m-%dT09:00")
                    .to_string(),
            ),
            (
                "window_end",
                &(Utc::now() + Span::days(1))
                    .format("%Y-%m-%dT13:00")
                    .to_string(),
            ),
            ("name", "E"),
            ("phone", "1"),
            ("street", "S"),
            ("postcode", "1"),
            ("city", "B"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("the case is closed"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let (status, second) = post_case(
        &svc,
        &client,
        &csrf,
        desk.sale_id,
        "Loud banging again",
        true,
    )
    .await;
    assert_eq!(status, 303, "{second}");
    assert_ne!(second, case_path);

    // The other retailer refuses one too; it never shows in this retailer's report.
    let other_case = open_desk_case(&svc, &other_client, &other_csrf, other.sale_id).await;
    assert_eq!(
        post_form(
            &svc,
            &other_client,
            &format!("{other_case}/refuse"),
            &[
                ("csrf", other_csrf.as_str()),
                ("reason_code", "not_sold_here"),
                ("reason_text", "Elsewhere")
            ],
        )
        .await
        .0,
        303
    );

    // The report: managers and admins only.
    let (status, html) = page(&svc, &client, "/desk/reports/refusals").await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("Managers only"), "{html}");
    let boss = browser();
    signed_in(&svc, &boss, manager).await;
    let (status, html) = page(&svc, &boss, "/desk/reports/refusals").await;
    assert_eq!(status, 200, "{html}");
    for shown in [
        "id=\"total\">1<",
        "data-reason=\"damage_by_customer\">1<",
        "data-reason=\"not_sold_here\">0<",
        &format!("Anna Clerk ({})", desk.email),
        r#"<td>No store</td><td class="n">1</td>"#,
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    assert!(!html.contains(&other.email), "{html}");
    let (_, html) = page(
        &svc,
        &boss,
        "/desk/reports/refusals?from=2020-01-01&to=2020-01-31",
    )
    .await;
    assert!(html.contains("id=\"total\">0<"), "{html}");
    assert!(html.contains("Nobody refused a case"), "{html}");
    let (status, html) = page(&svc, &boss, "/desk/reports/refusals?from=yesterday").await;
    assert_eq!(status, 200);
    assert!(html.contains("Enter the days as YYYY-MM-DD"), "{html}");
    let (_, html) = page(
        &svc,
        &boss,
        "/desk/reports/refusals?from=2026-02-01&to=2026-01-01",
    )
    .await;
    assert!(html.contains("must not end before it starts"), "{html}");
    // Without a session: to the sign-in page.
    let (status, location) = page(&svc, &browser(), "/desk/reports/refusals").await;
    assert_eq!((status, location.as_str()), (303, "/desk/sign-in"));
    svc.stop().await;
}

/// The link the case page shows once after creating it.
pub(super) fn status_link_of(html: &str) -> String {
    let marker = r#"id="new-status-link" href=""#;
    let start = html.find(marker).expect("a new status link") + marker.len();
    html[start..start + "/status/".len() + 64].to_owned()
}

/// Logistics schedules the crew for the swap, the day after tomorrow 08:00–12:00 UTC; the window
/// as the customer's status page shows it.
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
            job_id: Uuid::now_v7(),
            swap_id,
            case_id,
            retailer_id,
            window: TimeWindow {
                start,
                end: start + Span::hours(4),
            },
            scheduled_at: Utc::now(),
        },
    )
    .await;
    format!("{} 08:00 – 12:00 UTC", start.format("%Y-%m-%d"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_status_link_shows_the_step_and_window_and_nothing_else() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let link_path = format!("{case_path}/status-link");

    // Another retailer's staff cannot make a link for this case.
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &other.email).await;
    let (status, _) = post_form(
        &svc,
        &other_client,
        &link_path,
        &[("csrf", other_csrf.as_str())],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        post_form(&svc, &client, &link_path, &[("csrf", "forged")])
            .await
            .0,
        403
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM cases WHERE status_token_hash IS NOT NULL",
            vec![]
        )
        .await,
        0
    );

    let (status, html) = post_form(&svc, &client, &link_path, &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, 200, "{html}");
    let old_link = status_link_of(&html);
    // A new link replaces the old one.
    let (_, html) = post_form(&svc, &client, &link_path, &[("csrf", csrf.as_str())]).await;
    let link = status_link_of(&html);
    assert_ne!(link, old_link);
    let token = link.strip_prefix("/status/").unwrap();
    let stored = one_string(
        &svc.db,
        "SELECT status_token_hash FROM cases WHERE id = $1",
        vec![case_id.into()],
    )
    .await;
    assert_eq!(stored.len(), 64);
    assert_ne!(stored, token, "only the hash is stored");
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(!html.contains(token), "shown only once: {html}");
    assert!(html.contains("The customer has a link"), "{html}");

    // Without a session, no cookies at all.
    let anonymous = reqwest::Client::new();
    let status_page = |path: String| {
        let anonymous = anonymous.clone();
        let url = svc.url(&path);
        async move {
            let res = anonymous.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    let leaks = |html: &str| {
        for secret in [
            "499.00",
            "549.00",
            "599.00",
            "EUR",
            "Erika",
            "Mustermann",
            "1234567",
            "Hauptstraße",
            "SN-1",
            "R-1",
            "Anna Clerk",
            desk.email.as_str(),
            "Loud banging",
            "noise",
        ] {
            assert!(!html.contains(secret), "{secret} leaks: {html}");
        }
    };
    let (status, html) = status_page(old_link.clone()).await;
    assert_eq!(status, 404, "the replaced link: {html}");
    for bad in [
        "/status/abc".to_owned(),
        format!("/status/{}", "ab".repeat(32)),
    ] {
        let (status, html) = status_page(bad.clone()).await;
        assert_eq!(status, 404, "{bad}");
        assert!(html.contains("There is no swap under this link"), "{html}");
    }
    let (status, html) = status_page(link.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Washing machine WM 100"), "{html}");
    assert!(html.contains(r#"data-step="case_opened""#), "{html}");
    assert!(!html.contains("id=\"window\""), "{html}");
    leaks(&html);

    // The swap approved (to WM-200, within the clerk's limit).
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-200"),
            ("window_start", start.as_str()),
            ("window_end", end.as_str()),
            ("name", "Erika Mustermann"),
            ("phone", "+49 30 1234567"),
            ("street", "Hauptstraße 1"),
            ("postcode", "10115"),
            ("city", "Berlin"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = status_page(link.clone()).await;
    assert!(html.contains(r#"data-step="swap_approved""#), "{html}");
    leaks(&html);

    // Logistics schedules the crew: the window shows.
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    let swap_id: Uuid = case["swap"]["id"].as_str().unwrap().parse().unwrap();
    let expected = crew_scheduled(&svc, desk.retailer_id, case_id, swap_id).await;
    let html = eventually("the scheduled window on the status page", DEADLINE, || {
        let fetch = status_page(link.clone());
        let expected = expected.clone();
        async move {
            let (_, html) = fetch.await;
            html.contains(&expected).then_some(html)
        }
    })
    .await;
    assert!(html.contains(r#"data-step="delivery_scheduled""#), "{html}");
    leaks(&html);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_who_holds_the_ball() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();

    // Open: the store decides.
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200, "{html}");
    let ball = html.find(r#"id="ball""#).expect("the ball section");
    assert!(
        ball < html.find(r#"<h2>Timeline</h2>"#).unwrap(),
        "the ball is shown above the timeline"
    );
    assert!(html.contains(r#"data-party="retailer""#), "{html}");
    assert!(html.contains("to decide: swap or refuse"), "{html}");
    assert!(html.contains(r#"<span id="ball-handovers">0</span> times"#));

    // Approved: the crew delivers, the manufacturer decides the claim meanwhile.
    created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window_body("clerk.anna"),
    )
    .await;
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(r#"data-party="crew""#), "{html}");
    assert!(
        html.contains("Also waiting: The manufacturer — deciding the claim"),
        "{html}"
    );
    assert!(html.contains(r#"<span id="ball-handovers">1</span> time."#));

    // A refused case waits for nobody.
    let other_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-200", "SN-2"),
        )
        .await,
    );
    let other_path = open_desk_case(&svc, &client, &csrf, other_sale).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{other_path}/refuse"),
        &[
            ("csrf", csrf.as_str()),
            ("reason_code", "damage_by_customer"),
            ("reason_text", "The drum was dented by a fall"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&svc, &client, &other_path).await;
    assert!(html.contains(r#"data-party="nobody""#), "{html}");
    let other_id = other_path.strip_prefix("/desk/cases/").unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{other_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "refused", "{case}");
    assert!(case["ball"]["party"].is_null(), "{case}");
    assert!(case["ball"]["held_for_seconds"].is_null(), "{case}");
    assert_eq!(case["ball"]["handovers"], 0);
    svc.stop().await;
}

// Stores and stock, the managers' approval requests, the admin pages and the sales import, the
// dashboard: one module each, sharing the helpers above and in `setup`.
#[path = "desk/admin.rs"]
mod admin;
#[path = "desk/browser.rs"]
mod browser;
#[path = "desk/browser_decisions.rs"]
mod browser_decisions;
#[path = "desk/dashboard.rs"]
mod dashboard;
#[path = "desk/duplicates.rs"]
mod duplicates;
#[path = "desk/requests.rs"]
mod requests;
#[path = "desk/setup.rs"]
mod setup;
#[path = "desk/stock.rs"]
mod stock;
