//! Operator-level routes (creating a manufacturer) take the [`Operator`] extractor:
//! `Authorization: Bearer <token>` with the token of `KUMMERER_OPERATOR_TOKEN`, compared in
//! constant time. Without a configured token the routes are closed: 503
//! `operator_token_not_configured`. A missing or wrong token is 401 `unauthorized`. The check is
//! the one every service uses: [`kummerer_web::operator`].

pub use kummerer_web::operator::{Operator, OperatorToken, same_token};
