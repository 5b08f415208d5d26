//! Operator-level routes (creating a manufacturer) take the [`Operator`] extractor:
//! `Authorization: Bearer <token>` with the token of `KUMMERER_OPERATOR_TOKEN`, compared in
//! constant time (of the SHA-256 of both, so that not even the length shows). Without a
//! configured token the routes are closed: 503 `operator_token_not_configured`. A missing or
//! wrong token is 401 `unauthorized`.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use kummerer_service::Problem;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::auth::unauthorized;

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
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
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
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(unauthorized(
            "send the operator token as Authorization: Bearer <token>",
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match token {
        Some(token) if same_token(token, expected.expose_secret()) => Ok(Operator),
        _ => Err(unauthorized("wrong operator token")),
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
