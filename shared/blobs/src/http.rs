//! The S3 client's HTTP transport: hyper with rustls given the ring provider and the webpki
//! roots explicitly (no process-wide provider, no second crypto stack), `http` and `https`,
//! HTTP/1.1. object_store signs the requests (ring) and retries them; a request that takes
//! longer than [`REQUEST_TIMEOUT`] fails as a timeout (retried when idempotent).

use std::time::Duration;

use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as HyperHttp;
use hyper_util::rt::TokioExecutor;
use object_store::ClientOptions;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpResponseBody, HttpService,
};

/// Longest one request to the store may take (a photo is at most 5 MiB).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes the [`Hyper`] client object_store asks for.
#[derive(Debug, Default, Clone, Copy)]
pub struct HyperConnector;

impl HttpConnector for HyperConnector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        let mut http = HyperHttp::new();
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(HttpClient::new(Hyper { client }))
    }
}

type Https = hyper_rustls::HttpsConnector<HyperHttp>;

#[derive(Debug)]
struct Hyper {
    client: Client<Https, HttpRequestBody>,
}

#[async_trait::async_trait]
impl HttpService for Hyper {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let res = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(req))
            .await
            .map_err(|e| HttpError::new(HttpErrorKind::Timeout, e))?
            .map_err(|e| {
                let kind = if e.is_connect() {
                    HttpErrorKind::Connect
                } else {
                    HttpErrorKind::Request
                };
                HttpError::new(kind, e)
            })?;
        let (parts, body) = res.into_parts();
        let body =
            HttpResponseBody::new(body.map_err(|e| HttpError::new(HttpErrorKind::Interrupted, e)));
        Ok(HttpResponse::from_parts(parts, body))
    }
}
