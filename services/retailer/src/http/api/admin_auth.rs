//! The guard of the JSON routes only an admin may use (creating staff, setting authority
//! limits): HTTP Basic credentials of an active admin of the retailer in the path, checked like a
//! manager's signature on the desk ([`check_manager`]: argon2id, a locked account refused).
//! Anything else — no credentials, wrong ones, a clerk's or manager's, a locked account, another
//! retailer's admin, an unknown retailer — gets the same 401, so the answer tells nothing about
//! other tenants or accounts. Wrong credentials do not count toward the account's lock-out
//! (anyone could otherwise lock an admin out with five guesses); they count per client address
//! in [`kummerer_web::throttle::SIGN_INS`] (page `admin-api`), and a throttled address gets 429
//! with `Retry-After` before any account is looked up. A retailer's first admin is made
//! with `retailer create-admin` (see [`crate::admin_cli`]).
//!
//! The admin's routes run [`require`] before their extractors (a request without the admin's
//! credentials is a 401 whatever its body holds) and take the admin from the [`Admin`]
//! extractor.

use actix_web::http::StatusCode;
use std::net::{IpAddr, Ipv4Addr};

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use kummerer_service::Problem;
use kummerer_web::throttle::SIGN_INS;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::staff;
use crate::domain::Role;
use crate::http::pages::auth::check_manager;

/// The throttle's page name of the admin routes.
const THROTTLE_PAGE: &str = "admin-api";

/// Standard base64 (with or without padding); `None` if it is not.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let [_, a, b, c] = n.to_be_bytes();
        out.push(a);
        if chunk.len() > 2 {
            out.push(b);
        }
        if chunk.len() > 3 {
            out.push(c);
        }
    }
    Some(out)
}

/// `(e-mail, password)` of an `Authorization: Basic …` header.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (email, password) = decoded.split_once(':')?;
    Some((email.to_owned(), password.to_owned()))
}

fn unauthorized() -> HttpResponse {
    let problem = Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        Some(
            "this route needs the e-mail and password of an admin of this retailer (HTTP Basic)"
                .to_owned(),
        ),
    );
    let mut res = problem.error_response();
    res.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"kummerer-retailer\", charset=\"UTF-8\""),
    );
    res
}

/// 429 with `Retry-After` (seconds until `until`).
fn throttled(until: chrono::DateTime<chrono::Utc>) -> HttpResponse {
    let problem = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "Too Many Requests",
        Some(kummerer_web::signin::THROTTLED_MESSAGE.to_owned()),
    );
    let mut res = problem.error_response();
    let wait = (until - chrono::Utc::now()).num_seconds().max(1);
    res.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(wait));
    res
}

/// The client's address as the throttle counts it: the TCP peer's.
fn client_address(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}

/// The admin of `retailer_id` whose credentials the request carries, or the 401 (429 when the
/// client's address failed too often) response.
pub async fn require_admin(
    req: &HttpRequest,
    db: &DatabaseConnection,
    retailer_id: Uuid,
) -> Result<Result<staff::Model, HttpResponse>, Problem> {
    let address = client_address(req);
    let throttle = &SIGN_INS;
    if let Some(until) = throttle.blocked_until(THROTTLE_PAGE, address, chrono::Utc::now()) {
        tracing::warn!(client.address = %address, "admin sign-in throttled");
        return Ok(Err(throttled(until)));
    }
    let Some((email, password)) = basic_credentials(req) else {
        return Ok(Err(unauthorized()));
    };
    match check_manager(db, retailer_id, &email, password).await? {
        Some(member) if member.role == Role::Admin => Ok(Ok(member)),
        _ => {
            throttle.failed(THROTTLE_PAGE, address, chrono::Utc::now());
            Ok(Err(unauthorized()))
        }
    }
}

/// The admin of the path's retailer a request was made by (on routes behind [`require`]).
#[derive(Debug, Clone)]
pub struct Admin(pub staff::Model);

/// Middleware: the admin's credentials checked before the handler's extractors run.
pub async fn require(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let retailer_id = req
        .match_info()
        .get("rid")
        .and_then(|s| Uuid::parse_str(s).ok());
    let db = req
        .app_data::<web::Data<DatabaseConnection>>()
        .cloned()
        .ok_or_else(|| Problem::internal("no database connection registered"))?;
    let checked = match retailer_id {
        // No retailer has that id: the same 401 as any other wrong credentials.
        None => Err(unauthorized()),
        Some(rid) => require_admin(req.request(), db.get_ref(), rid).await?,
    };
    match checked {
        Ok(admin) => {
            req.extensions_mut().insert(Admin(admin));
            next.call(req).await
        }
        Err(res) => {
            let status = res.status();
            Err(InternalError::from_response(status.to_string(), res).into())
        }
    }
}

impl FromRequest for Admin {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Admin>().cloned();
        ready(found.ok_or_else(|| {
            let res = unauthorized();
            InternalError::from_response("unauthorized", res).into()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(
            base64_decode("YWRtaW5AeC5kZTpzZWNyZXQ=").unwrap(),
            b"admin@x.de:secret"
        );
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI").unwrap(), b"ab");
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(base64_decode("Y"), None);
        assert_eq!(base64_decode("Y!=="), None);
    }
}
