//! Authentication of the JSON API. Two kinds of callers send `Authorization: Bearer <token>`:
//!
//! - a carrier's system, with a carrier API token (`kcr_` and 64 hex digits, stored as SHA-256,
//!   shown once, revocable): it reaches `/api/carriers/{cid}/…` of its own carrier (where its
//!   dispatcher's routes also see the unassigned jobs in the regions the operator granted it),
//!   the jobs on its crews under `/api/jobs/…` (never an unassigned one), and its crews' visits
//!   under `/api/crews/{id}/visits`. Another carrier's carrier, job or crew answers 404, exactly
//!   as an unknown id does; so does a job on no crew;
//! - the operator, with `$KUMMERER_OPERATOR_TOKEN` (compared in constant time): everything,
//!   and alone the operator's routes (creating carriers and their tokens, granting a carrier its
//!   postcode regions). Without the variable
//!   those routes answer 503; the others still take carrier tokens.
//!
//! Missing or malformed credentials and an unknown, revoked or wrong token answer 401
//! `unauthorized` with `WWW-Authenticate: Bearer`. The checks run in middleware on each scope,
//! before any extractor reads the request, and leave the [`Caller`] for the handler.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use chrono::Utc;
use kummerer_service::Problem;
use kummerer_web::{bearer, same, token_hash};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::db::{carrier_tokens, dispatch};

/// The operator's token (`$KUMMERER_OPERATOR_TOKEN`, see [`crate::settings`]); `None` when it
/// is not set.
#[derive(Clone)]
pub struct OperatorToken(Option<SecretString>);

impl std::fmt::Debug for OperatorToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "OperatorToken(set)"
        } else {
            "OperatorToken(unset)"
        })
    }
}

impl OperatorToken {
    pub fn new(token: Option<String>) -> OperatorToken {
        OperatorToken(
            token
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
        )
    }

    /// A token already read and checked (the settings').
    pub fn from_secret(token: Option<SecretString>) -> OperatorToken {
        OperatorToken(token)
    }

    /// Whether `token` is the operator's (the hashes are compared, in constant time).
    fn matches(&self, token: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|mine| same(&token_hash(mine.expose_secret()), &token_hash(token)))
    }
}

/// Who a request is authenticated as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Operator,
    Carrier(Uuid),
}

impl Caller {
    /// The carrier the caller is limited to; `None` for the operator.
    pub fn carrier(self) -> Option<Uuid> {
        match self {
            Caller::Operator => None,
            Caller::Carrier(id) => Some(id),
        }
    }
}

/// 401 `unauthorized` with the challenge.
pub fn unauthorized(detail: &str) -> actix_web::Error {
    let problem = Problem::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        Some(detail.to_owned()),
    );
    let mut res = problem.error_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"kummerer-logistics\""),
    );
    InternalError::from_response(problem, res).into()
}

fn operator_of(req: &HttpRequest) -> Result<&OperatorToken, actix_web::Error> {
    Ok(req
        .app_data::<web::Data<OperatorToken>>()
        .ok_or_else(|| Problem::internal("no operator token registered"))?
        .get_ref())
}

fn db_of(req: &HttpRequest) -> Result<&DatabaseConnection, actix_web::Error> {
    Ok(req
        .app_data::<web::Data<DatabaseConnection>>()
        .ok_or_else(|| Problem::internal("no database connection registered"))?
        .get_ref())
}

/// The caller of a request: a live carrier token, or the operator's token.
async fn authenticate(req: &HttpRequest) -> Result<Caller, actix_web::Error> {
    if let Some(done) = req.extensions().get::<Caller>() {
        return Ok(*done);
    }
    let token = bearer(req).map_err(|e| unauthorized(&e.to_string()))?;
    if carrier_tokens::well_formed(token) {
        let carrier = carrier_tokens::authenticate(db_of(req)?, token, Utc::now())
            .await
            .map_err(Problem::from)?
            .ok_or_else(|| unauthorized("unknown or revoked token"))?;
        return Ok(Caller::Carrier(carrier));
    }
    if operator_of(req)?.matches(token) {
        return Ok(Caller::Operator);
    }
    Err(unauthorized("unknown or revoked token"))
}

/// The caller may act as the operator: 503 when no operator token is configured, 401 for any
/// other token.
pub fn operator_only(req: &HttpRequest, caller: Caller) -> Result<(), actix_web::Error> {
    if operator_of(req)?.0.is_none() {
        return Err(Problem::unavailable(
            "the operator's routes are off: KUMMERER_OPERATOR_TOKEN is not set",
        )
        .into());
    }
    match caller {
        Caller::Operator => Ok(()),
        Caller::Carrier(_) => Err(unauthorized("this route takes the operator's token")),
    }
}

/// The operator, as an extractor for the operator's routes inside a carrier's scope (behind
/// [`require`]): listed first among a handler's arguments, it refuses a carrier's token before
/// any body is read, so the answer is 401 whatever the body.
#[derive(Debug, Clone, Copy)]
pub struct Operator;

impl FromRequest for Operator {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let caller = req.extensions().get::<Caller>().copied();
        std::future::ready(match caller {
            Some(caller) => operator_only(req, caller).map(|()| Operator),
            None => Err(unauthorized("this route takes the operator's token")),
        })
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}

/// A path segment as a UUID; one that is none is as unknown as an absent one (404).
fn path_id(req: &HttpRequest, name: &str, what: &str) -> Result<Uuid, actix_web::Error> {
    req.match_info()
        .get(name)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| Problem::not_found(what).into())
}

/// Whether the caller may reach what the scope's path names (`{cid}`, `{id}` of a job,
/// `{crew_id}`): the operator everything, a carrier only its own.
async fn may_reach(req: &HttpRequest, caller: Caller) -> Result<(), actix_web::Error> {
    let Some(carrier) = caller.carrier() else {
        return Ok(());
    };
    if req.match_info().get("cid").is_some() {
        if path_id(req, "cid", "carrier")? != carrier {
            return Err(Problem::not_found("carrier").into());
        }
    } else if req.match_info().get("id").is_some() {
        let job = path_id(req, "id", "job")?;
        crate::app::dispatch::assigned_job(db_of(req)?, carrier.into(), job.into())
            .await
            .map_err(Problem::from)?
            .ok_or_else(|| Problem::not_found("job"))?;
    } else if req.match_info().get("crew_id").is_some() {
        let crew = path_id(req, "crew_id", "crew")?;
        dispatch::find_crew_of(db_of(req)?, carrier, crew)
            .await
            .map_err(Problem::from)?
            .ok_or_else(|| Problem::not_found("crew"))?;
    }
    Ok(())
}

/// The crew a carrier's action on job `id` must still find the job on, checked again under the
/// job's lock by the visit's use cases (so a job moved to another carrier's crew meanwhile is a
/// 404); `None` for the operator. A carrier reaches only the jobs on its crews.
pub async fn crew_held(
    db: &DatabaseConnection,
    caller: Caller,
    id: Uuid,
) -> Result<Option<Uuid>, Problem> {
    match caller.carrier() {
        None => Ok(None),
        Some(carrier) => Ok(
            crate::app::dispatch::assigned_job(db, carrier.into(), id.into())
                .await?
                .ok_or_else(|| Problem::not_found("job"))?
                .crew_id,
        ),
    }
}

/// Middleware: authenticates the request and holds a carrier to its own carrier, jobs and
/// crews, before the handler's extractors run.
pub async fn require(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let caller = authenticate(req.request()).await?;
    may_reach(req.request(), caller).await?;
    req.extensions_mut().insert(caller);
    next.call(req).await
}

/// Middleware of the operator's routes.
pub async fn require_operator(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if operator_of(req.request())?.0.is_none() {
        // Unset: 503 whatever the request carries.
        operator_only(req.request(), Caller::Operator)?;
    }
    let caller = authenticate(req.request()).await?;
    operator_only(req.request(), caller)?;
    req.extensions_mut().insert(caller);
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operator_token_is_set_only_when_not_blank_and_matches_only_itself() {
        assert!(OperatorToken::new(None).0.is_none());
        assert!(OperatorToken::new(Some("   ".into())).0.is_none());
        let t = OperatorToken::new(Some(" secret-operator-token ".into()));
        assert!(t.matches("secret-operator-token"));
        assert!(!t.matches("secret-operator-token "));
        assert!(!t.matches("secret-operator-tokeN"));
        assert!(!t.matches(""));
        assert!(!OperatorToken::new(None).matches(""));
        assert_eq!(
            format!("{t:?}"),
            "OperatorToken(set)",
            "never the token in logs"
        );
    }
}
