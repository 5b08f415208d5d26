//! The server-rendered pages as a browser sees them without JavaScript: a cookie-keeping client
//! that does not follow redirects, pages and form posts as `(status, Location or body)`, the
//! CSRF token of a page's forms, and URL encoding for query strings.

use reqwest::redirect::Policy;

use crate::service::TestService;

/// A browser-like client: keeps cookies, does not follow redirects (the tests look at them),
/// and asks for English pages (`Accept-Language: en`; the tests read English texts).
pub fn browser() -> reqwest::Client {
    browser_in("en")
}

/// [`browser`] asking for pages in `lang` (`Accept-Language`).
pub fn browser_in(lang: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(v) = reqwest::header::HeaderValue::from_str(lang) {
        headers.insert(reqwest::header::ACCEPT_LANGUAGE, v);
    }
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Status and the `Location` header (or the body when there is none).
pub async fn answer(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// `GET path` with `client`: [`answer`].
pub async fn page(svc: &TestService, client: &reqwest::Client, path: &str) -> (u16, String) {
    answer(client.get(svc.url(path)).send().await.unwrap()).await
}

/// `POST path` with `form` (URL-encoded) and `client`: [`answer`].
pub async fn post_form(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    answer(client.post(svc.url(path)).form(form).send().await.unwrap()).await
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..start + 64].to_owned()
}

/// Percent-encodes everything but unreserved characters (for a query string).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts a sign-in form (`email`, `password`) to `path`: [`answer`].
pub async fn sign_in_at(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    email: &str,
    password: &str,
) -> (u16, String) {
    post_form(
        svc,
        client,
        path,
        &[("email", email), ("password", password)],
    )
    .await
}

/// Signs in at `path`, expects the redirect to `home`, and returns the session's CSRF token
/// (from `home`).
pub async fn signed_in_at(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    home: &str,
    email: &str,
    password: &str,
) -> String {
    let (status, location) = sign_in_at(svc, client, path, email, password).await;
    assert_eq!((status, location.as_str()), (303, home));
    let (status, html) = page(svc, client, home).await;
    assert_eq!(status, 200, "{html}");
    csrf_of(&html)
}
