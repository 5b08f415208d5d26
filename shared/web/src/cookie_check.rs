//! Telling a person whose browser dropped the session cookie what to do, instead of showing the
//! empty sign-in form again without a word.
//!
//! The session cookie is `Secure`: over plain HTTP a browser keeps it only from `localhost`, so
//! signing in at `http://shop-pc:8081/desk` succeeds on the server and bounces back to the form.
//! A successful sign-in therefore also sets a short-lived *probe* cookie that is not `Secure`
//! (it holds no secret, only `1`). When the sign-in page is then asked for with the probe but
//! without a live session, the session cookie did not come back: the page says why and what to
//! do, and clears the probe. A session cookie that did come back but names no live session
//! (signed out, the account deactivated) is not the browser's doing and gets the plain form.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time};

use crate::signin::{PageConfig, Site};

/// How long the probe lives: the redirect after the sign-in takes a moment, not minutes.
const PROBE_SECONDS: i64 = 120;

/// The probe's name: the session cookie's with `_probe`.
fn name(site: &Site) -> String {
    format!("{}_probe", site.cookie)
}

fn build(site: &Site, value: &str, max_age: time::Duration) -> Cookie<'static> {
    Cookie::build(name(site), value.to_owned())
        .path(site.root)
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// The probe a successful sign-in sets next to the session cookie.
pub fn probe(site: &Site) -> Cookie<'static> {
    build(site, "1", time::Duration::seconds(PROBE_SECONDS))
}

/// The probe cleared.
pub fn cleared(site: &Site) -> Cookie<'static> {
    build(site, "", time::Duration::ZERO)
}

/// The request carries the probe (a sign-in just succeeded).
pub fn came_back(req: &HttpRequest, site: &Site) -> bool {
    req.cookie(&name(site)).is_some_and(|c| c.value() == "1")
}

/// What the sign-in page says when the probe came back without the session cookie.
pub fn message(req: &HttpRequest, config: &PageConfig) -> String {
    let info = req.connection_info();
    let host = info.host().to_owned();
    let plain_http = info.scheme() == "http";
    if config.secure_cookies && plain_http {
        let port = host
            .rsplit_once(':')
            .map(|(_, p)| format!(":{p}"))
            .unwrap_or_default();
        format!(
            "Your password was right, but your browser did not keep the session cookie: it is \
             marked Secure, and this page came over plain HTTP from {host}, where browsers drop \
             such cookies (they keep them only over https, or from localhost). Open the page \
             over https, or as http://localhost{port} on this machine. For a trial on a local \
             network only, the service can be started with KUMMERER_INSECURE_COOKIES=1."
        )
    } else {
        "Your password was right, but your browser did not keep the session cookie. Allow \
         cookies for this site (or leave private browsing that blocks them), then sign in again."
            .to_owned()
    }
}
