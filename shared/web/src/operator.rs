//! The operator's routes (creating a tenant: a retailer, a manufacturer, a carrier) take the
//! [`Operator`] extractor: `Authorization: Bearer <token>` with the token of
//! `KUMMERER_OPERATOR_TOKEN`, registered as app data in an [`OperatorToken`], compared in
//! constant time (of the SHA-256 of both, so not even the length shows). Without a configured
//! token the routes are closed: 503 `operator_token_not_configured`. A missing or wrong token is
//! 401 `unauthorized` with `WWW-Authenticate: Bearer`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, ResponseError, web};
use kummerer_service::Problem;
use secrecy::{ExposeSecret, SecretString};

/// The configured operator token (`None`: not configured), registered as app data.
#[derive(Clone)]
pub struct OperatorToken(pub Option<SecretString>);

impl std::fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if self.0.is_some() { "<set>" } else { "<unset>" };
        f.debug_tuple("OperatorToken").field(&shown).finish()
    }
}

/// A request made with the operator token.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

/// Whether `given` is `expected`, in time independent of both.
pub fn same_token(given: &str, expected: &str) -> bool {
    crate::same(&crate::token_hash(given), &crate::token_hash(expected))
}

/// 401 `unauthorized` with `WWW-Authenticate: Bearer realm="<realm>"`.
pub fn unauthorized(realm: &str, detail: &str) -> actix_web::Error {
    let problem = Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        Some(detail.to_owned()),
    );
    let mut res = problem.error_response();
    if let Ok(challenge) = HeaderValue::from_str(&format!("Bearer realm=\"{realm}\"")) {
        res.headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
    }
    InternalError::from_response(problem, res).into()
}

fn check(req: &HttpRequest) -> Result<Operator, actix_web::Error> {
    let configured = req
        .app_data::<web::Data<OperatorToken>>()
        .and_then(|t| t.0.clone());
    let Some(expected) = configured else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "operator_token_not_configured",
            "Operator routes are closed",
            Some("set KUMMERER_OPERATOR_TOKEN to open the operator routes".to_owned()),
        )
        .into());
    };
    let realm = "kummerer-operator";
    match crate::bearer(req) {
        Ok(token) if same_token(token, expected.expose_secret()) => Ok(Operator),
        Ok(_) => Err(unauthorized(realm, "wrong operator token")),
        Err(e) => Err(unauthorized(realm, &e.to_string())),
    }
}

impl FromRequest for Operator {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("s3cret", "s3cret"));
        assert!(!same_token("s3cre", "s3cret"));
        assert!(!same_token("s3cret ", "s3cret"));
        assert!(!same_token("", "s3cret"));
        assert_eq!(
            format!("{:?}", OperatorToken(Some(SecretString::from("s3cret")))),
            "OperatorToken(\"<set>\")"
        );
    }
}
