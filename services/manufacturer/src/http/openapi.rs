//! The OpenAPI 3.1 document of the API, generated from the handlers' `#[utoipa::path]`
//! annotations and the request and response types, served at `/openapi.json`, with a docs page
//! at `/docs`. The committed `services/manufacturer/openapi.json` is checked against it by the
//! tests (`UPDATE_OPENAPI=1 cargo nextest run -p manufacturer openapi` rewrites it).

use actix_web::HttpResponse;
use actix_web::http::header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{
    agreements, analytics, api_keys, claims, credit_notes, depots, evidence, failure_rates,
    manufacturers, partners, returns, serials, webhook_recovery, webhooks,
};

/// Name of the bearer scheme in the document.
pub const BEARER: &str = "api_key";
/// Name of the operator's bearer scheme (`KUMMERER_OPERATOR_TOKEN`).
pub const OPERATOR: &str = "operator_token";

/// An error as every route answers it: RFC 9457 problem details, `application/problem+json`.
#[derive(ToSchema)]
#[schema(as = Problem)]
#[allow(dead_code)] // documentation of `kummerer_service::Problem`
pub struct ProblemDoc {
    /// `https://kummerer.dev/problems/<code>`.
    #[schema(rename = "type", example = "https://kummerer.dev/problems/not_found")]
    ty: String,
    #[schema(example = "Not found")]
    title: String,
    /// The HTTP status, repeated.
    #[schema(example = 404)]
    status: u16,
    detail: Option<String>,
    /// Stable machine-readable code: `unauthorized`, `not_found`, `validation_failed`,
    /// `malformed_json`, `payload_too_large`, `bad_query`, `method_not_allowed`, `conflict`
    /// codes such as `claim_already_decided`, `claim_not_pending`,
    /// `claim_unit_not_arrived`, `claim_already_inspected`, `agreement_exists`,
    /// `valid_from_before_latest_version`, `invalid_idempotency_key`,
    /// `idempotency_key_reused`, `request_in_progress`, `claim_already_credited`,
    /// `claim_not_creditable`, `nothing_to_credit`, `operator_token_not_configured`, `internal`,
    /// `unavailable`.
    #[schema(example = "not_found")]
    code: String,
    /// Per-field errors of a 422 `validation_failed`.
    errors: Option<Vec<FieldErrorDoc>>,
}

#[derive(ToSchema)]
#[schema(as = FieldError)]
#[allow(dead_code)] // documentation of `kummerer_service::FieldError`
pub struct FieldErrorDoc {
    #[schema(example = "handling_fee.amount")]
    field: String,
    #[schema(example = "must not be negative")]
    message: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kümmerer manufacturer API",
        description = "Manufacturers' systems integrate here: agreements with retailers, the \
            warranty claims retailers file, and the decisions on them. Every route under \
            `/api/manufacturers/{mid}` needs `Authorization: Bearer <key>` with an API key of \
            that manufacturer; another manufacturer's data answers 404 exactly like unknown \
            data. Every error is `application/problem+json` (RFC 9457) with a stable `code`. \
            POSTs under `/api/manufacturers/{mid}` accept an `Idempotency-Key` header: a retry \
            with the same key and body answers the first answer (`Idempotent-Replayed: true`)."
    ),
    paths(
        manufacturers::create,
        manufacturers::get,
        api_keys::create,
        api_keys::list,
        api_keys::revoke,
        agreements::create,
        agreements::list,
        agreements::get,
        agreements::create_version,
        partners::list,
        partners::act,
        claims::list,
        claims::get,
        claims::decide,
        evidence::photo,
        returns::inspect,
        depots::create,
        depots::list,
        credit_notes::issue,
        credit_notes::list,
        credit_notes::get,
        webhooks::create,
        webhooks::list,
        webhooks::delete,
        webhooks::deliveries,
        webhook_recovery::enable,
        webhook_recovery::replay,
        analytics::get,
        failure_rates::get,
        serials::upload,
    ),
    components(schemas(ProblemDoc, FieldErrorDoc)),
    modifiers(&Conventions),
    tags(
        (name = "manufacturers", description = "Manufacturers (created by an operator)"),
        (name = "api-keys", description = "A manufacturer's API keys: rotation and revocation"),
        (name = "agreements", description = "Agreements between the manufacturer and retailers"),
        (name = "partners", description = "Partner links with retailers: invitation, answer, unlink (only linked partners exchange agreements and claims)"),
        (name = "claims", description = "Warranty claims and the manufacturer's decisions"),
        (name = "returns", description = "Depots, units requested back, and their inspection"),
        (name = "serials", description = "The manufacturer's serial registry"),
        (name = "credit-notes", description = "Credit notes for accepted claim amounts"),
        (name = "webhooks", description = "Signed webhooks (Standard Webhooks) to the manufacturer's endpoints"),
    )
)]
struct ApiDoc;

/// What every operation shares: the bearer scheme, the problem answers (401 and 404 on the
/// authenticated routes, 400 and 415 where a body is taken, 500 everywhere).
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("kmr_<64 hex digits>")
                    .description(Some(
                        "An API key of the manufacturer of the path, as shown once when it \
                         was made.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            OPERATOR,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The operator token of the service (`KUMMERER_OPERATOR_TOKEN`), for \
                         operator-level routes such as creating a manufacturer.",
                    ))
                    .build(),
            ),
        );
        let problem = |description: &str| {
            ResponseBuilder::new().description(description).content(
                kummerer_service::problem::CONTENT_TYPE,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
        };
        let shared = [
            (
                "Unauthorized",
                problem("No API key, or a malformed, unknown or revoked one (`unauthorized`).")
                    .header(
                        "WWW-Authenticate",
                        HeaderBuilder::new()
                            .description(Some("`Bearer realm=\"kummerer-manufacturer\"`"))
                            .build(),
                    )
                    .build(),
            ),
            (
                "NotFound",
                problem(
                    "No such resource, or one of another manufacturer than the key's \
                     (`not_found`).",
                )
                .build(),
            ),
            (
                "Internal",
                problem("A server-side failure (`internal`).").build(),
            ),
            (
                "MalformedJson",
                problem("The body is not JSON of the documented shape (`malformed_json`).").build(),
            ),
            (
                "UnsupportedMediaType",
                problem("The body is not `application/json` (`unsupported_media_type`).").build(),
            ),
        ];
        for (name, response) in shared {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            let authenticated = path.starts_with("/api/manufacturers/{mid}");
            for op in operations(item) {
                let responses = std::mem::take(&mut op.responses);
                let documents_400 = responses.responses.contains_key("400");
                let mut builder = ResponsesBuilder::new().responses_from_iter(responses.responses);
                // Every JSON body can be malformed or of another media type.
                if op.request_body.is_some() {
                    if !documents_400 {
                        builder = builder.response("400", Ref::from_response_name("MalformedJson"));
                    }
                    builder =
                        builder.response("415", Ref::from_response_name("UnsupportedMediaType"));
                }
                if authenticated {
                    builder = builder
                        .response("401", Ref::from_response_name("Unauthorized"))
                        .response("404", Ref::from_response_name("NotFound"));
                    op.security =
                        Some(vec![utoipa::openapi::security::SecurityRequirement::new::<
                            &str,
                            [&str; 0],
                            &str,
                        >(BEARER, [])]);
                }
                op.responses = builder
                    .response("500", Ref::from_response_name("Internal"))
                    .build();
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// The document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as served and committed: pretty JSON with a final newline.
pub fn document_json() -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&document())?;
    json.push('\n');
    Ok(json)
}

/// `GET /openapi.json`.
pub async fn serve() -> HttpResponse {
    match document_json() {
        Ok(json) => HttpResponse::Ok()
            .content_type(header::ContentType::json())
            .body(json),
        Err(e) => actix_web::ResponseError::error_response(&kummerer_service::Problem::internal(
            format!("openapi: {e}"),
        )),
    }
}

/// `GET /docs`: the shared docs page ([`kummerer_web::apidocs`]), rendering `/openapi.json`.
pub async fn docs() -> HttpResponse {
    kummerer_web::apidocs::page().await
}
