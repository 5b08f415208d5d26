//! The delivery worker: sends queued webhooks to their endpoints.
//!
//! Each round takes the due deliveries with `FOR UPDATE SKIP LOCKED` and leases them (moves
//! `next_attempt_at` past the request timeout) in one short transaction, so replicas side by
//! side never send one delivery at the same time; then it POSTs them (concurrently, each with a
//! timeout) and records each attempt. A 2xx is delivered; a 410 disables the endpoint at once;
//! anything else is tried again after an exponential backoff, and an endpoint that has failed
//! continuously (no delivered attempt) for `disable_after` is disabled — a time, not a count,
//! so a burst of events to an endpoint down for a minute does not disable it. The manufacturer
//! enables it again and replays what was given up through the API. Time is a parameter of [`deliver_due`], so that
//! tests try again "an hour later" without waiting.
//!
//! Egress: every send checks the endpoint's URL again ([`super::egress`]) and connects only to
//! the addresses that check approved; a refused URL is a failed attempt with the reason as its
//! error, and no request is made.
//!
//! Proxy: with `HTTPS_PROXY`/`HTTP_PROXY` set (or lower-case; `NO_PROXY` exempts hosts, the
//! usual syntax), a send goes through that proxy as an HTTP `CONNECT` tunnel (TLS end to end
//! with the receiver; `user:password@` in the proxy URL is sent as `Proxy-Authorization`). The
//! egress check still runs first, against the receiver's host: a URL that points inward is
//! refused before the proxy is asked. The proxy then resolves the name itself; where egress
//! must go through a proxy, that proxy is the second place to enforce the same rules.
//!
//! HTTP: a hyper client over rustls, given the ring provider (the one sea-orm already brings)
//! and the webpki roots explicitly: no process-wide provider is needed or installed, no second
//! provider is compiled in, and nothing can panic at the first `https://` call. (Not reqwest's
//! TLS feature: feature unification would hand it to every reqwest client in the workspace,
//! which would then panic when built without a process-wide provider.)

use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use tokio_util::sync::CancellationToken;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use std::sync::Arc;

use hyper::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioExecutor;

use super::egress::{self, PinnedResolver};
use crate::db::webhook::{self, Attempt, Due};
use crate::domain::webhook::{Retry, Verdict, sign, verdict};

/// What delivery may be tuned by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long an endpoint may fail continuously (every attempt since the first failure
    /// failed) before it is disabled, at its next failed attempt.
    pub disable_after: Duration,
    /// Timeout of one request (connect to last byte).
    pub timeout: Duration,
    /// Backoff and giving up of one delivery.
    pub retry: Retry,
    /// Deliveries taken per round.
    pub batch: u64,
    /// Pause between rounds when nothing was due.
    pub interval: Duration,
    /// What the deliveries may reach beyond public addresses (`KUMMERER_WEBHOOK_ALLOW_HOSTS`);
    /// nothing by default.
    pub egress: egress::Policy,
    /// The proxy the deliveries go through (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`); none by
    /// default.
    pub proxy: Proxy,
}

/// The outgoing proxy of the deliveries, as the environment names it. Its `Debug` leaves out
/// credentials in the proxy URLs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Proxy {
    /// For `http://` receivers (`HTTP_PROXY`).
    pub http: Option<String>,
    /// For `https://` receivers (`HTTPS_PROXY`).
    pub https: Option<String>,
    /// Hosts that go direct (`NO_PROXY`: names, `.domain`, addresses, CIDRs, `*`).
    pub no: String,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |url: &Option<String>| {
            url.as_deref().map(|u| match (u.find("://"), u.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    format!("{}://…@{}", &u[..scheme], &u[at + 1..])
                }
                _ => u.to_owned(),
            })
        };
        f.debug_struct("Proxy")
            .field("http", &shown(&self.http))
            .field("https", &shown(&self.https))
            .field("no", &self.no)
            .finish()
    }
}

impl Proxy {
    /// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (upper- or lower-case, upper first); empty
    /// values count as unset.
    pub fn from_lookup(lookup: impl Fn(&'static str) -> Option<String>) -> Proxy {
        let var = |upper: &'static str, lower: &'static str| {
            lookup(upper)
                .or_else(|| lookup(lower))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Proxy {
            http: var("HTTP_PROXY", "http_proxy"),
            https: var("HTTPS_PROXY", "https_proxy"),
            no: var("NO_PROXY", "no_proxy").unwrap_or_default(),
        }
    }

    fn is_set(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    fn matcher(&self) -> Matcher {
        let mut b = Matcher::builder().no(self.no.as_str());
        if let Some(http) = &self.http {
            b = b.http(http.as_str());
        }
        if let Some(https) = &self.https {
            b = b.https(https.as_str());
        }
        b.build()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            disable_after: Duration::from_secs(3 * 24 * 3600),
            timeout: Duration::from_secs(10),
            retry: Retry::default(),
            batch: 32,
            interval: Duration::from_secs(1),
            egress: egress::Policy::default(),
            proxy: Proxy::default(),
        }
    }
}

impl Settings {
    /// The defaults, with receivers on this machine (loopback) allowed: for tests and local
    /// development.
    pub fn local() -> Self {
        Self {
            egress: egress::Policy::loopback(),
            ..Self::default()
        }
    }

    /// How long a taken delivery stays out of other workers' reach: the timeout and a margin.
    fn lease(&self) -> TimeDelta {
        TimeDelta::from_std(self.timeout).unwrap_or(TimeDelta::MAX) + TimeDelta::seconds(30)
    }
}

type Tunneled = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<Tunnel<HttpConnector>>,
    Full<Bytes>,
>;

/// The tunnels through the proxy, per receiver scheme.
struct Proxied {
    matcher: Matcher,
    http: Option<Tunneled>,
    https: Option<Tunneled>,
}

type Http = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<
        hyper_util::client::legacy::connect::HttpConnector<PinnedResolver>,
    >,
    Full<Bytes>,
>;

/// The HTTP client of the deliveries: it connects a name only to the addresses the send's
/// egress check approved (pinned in its resolver).
#[derive(Clone)]
pub struct Client {
    http: Http,
    resolver: PinnedResolver,
    proxied: Option<Arc<Proxied>>,
}

impl Client {
    /// The tunnel a request to `uri` goes through, if a proxy is set and `NO_PROXY` does not
    /// exempt the host.
    fn tunnel(&self, uri: &Uri) -> Option<&Tunneled> {
        let p = self.proxied.as_deref()?;
        p.matcher.intercept(uri)?;
        match uri.scheme_str() {
            Some("https") => p.https.as_ref(),
            _ => p.http.as_ref(),
        }
    }
}

/// The client: `http` and `https` (rustls with the ring provider and the webpki roots), HTTP/1.1,
/// no redirects followed (a redirect is a failed attempt). A pooled connection is reused only
/// for the same host and port, and goes to an address checked when it was opened; every send
/// is checked again before it is made (a refused one never reaches the pool).
pub fn client() -> Result<Client, rustls::Error> {
    client_with(&Proxy::default())
}

/// [`client`], going through `proxy` where one is set.
pub fn client_with(proxy: &Proxy) -> Result<Client, rustls::Error> {
    let resolver = PinnedResolver::default();
    let mut http = HttpConnector::new_with_resolver(resolver.clone());
    http.enforce_http(false);
    let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(tls(http)?);
    let proxied = if proxy.is_set() {
        let matcher = proxy.matcher();
        let tunnel = |probe: &str| -> Result<Option<Tunneled>, rustls::Error> {
            let Some(via) = matcher.intercept(&Uri::from_static(if probe == "https" {
                "https://kummerer.invalid/"
            } else {
                "http://kummerer.invalid/"
            })) else {
                return Ok(None);
            };
            let mut direct = HttpConnector::new();
            direct.enforce_http(false);
            let mut tunnel = Tunnel::new(via.uri().clone(), direct);
            if let Some(auth) = via.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            Ok(Some(
                hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .build(tls(tunnel)?),
            ))
        };
        Some(Arc::new(Proxied {
            http: tunnel("http")?,
            https: tunnel("https")?,
            matcher,
        }))
    } else {
        None
    };
    Ok(Client {
        http,
        resolver,
        proxied,
    })
}

/// `http` and `https` over `connector`: rustls with the ring provider and the webpki roots.
fn tls<C>(connector: C) -> Result<hyper_rustls::HttpsConnector<C>, rustls::Error> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
        .https_or_http()
        .enable_http1()
        .wrap_connector(connector))
}

/// The URI of a request through a tunnel: the port always written out (the tunnel asks the
/// proxy for `host:443` when none is).
fn tunnel_uri(url: &url::Url) -> Option<Uri> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    format!("{}://{host}:{port}{}{query}", url.scheme(), url.path())
        .parse()
        .ok()
}

/// What one attempt came to.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    elapsed: Duration,
}

impl Outcome {
    fn error(error: String, started: Instant) -> Self {
        Self {
            status: None,
            error: Some(error.chars().take(500).collect()),
            elapsed: started.elapsed(),
        }
    }
}

async fn send(client: &Client, d: &Due, now: DateTime<Utc>, settings: &Settings) -> Outcome {
    let timeout = settings.timeout;
    let started = Instant::now();
    // Checked again at every send: the name may resolve elsewhere now, or the policy changed.
    let target = match tokio::time::timeout(timeout, egress::check(&d.url, &settings.egress)).await
    {
        Err(_) => return Outcome::error("timeout resolving the host".to_owned(), started),
        Ok(Err(refusal)) => return Outcome::error(format!("refused: {refusal}"), started),
        Ok(Ok(target)) => target,
    };
    let direct_uri: Option<Uri> = target.url.as_str().parse().ok();
    let tunnel = direct_uri.as_ref().and_then(|u| client.tunnel(u));
    if tunnel.is_none()
        && let Some((name, addresses)) = target.pinned
    {
        client.resolver.pin(&name, addresses);
    }
    let uri = match tunnel {
        Some(_) => tunnel_uri(&target.url),
        None => direct_uri,
    };
    let Some(uri) = uri else {
        return Outcome::error("the URL is not a valid request URI".to_owned(), started);
    };
    let id = d.id.to_string();
    let timestamp = now.timestamp();
    let Some(signature) = sign(&d.secret, &id, timestamp, &d.body) else {
        return Outcome::error(
            "the endpoint's secret is not whsec_<base64>".to_owned(),
            started,
        );
    };
    let req = hyper::Request::post(uri)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            concat!("kummerer-webhooks/", env!("CARGO_PKG_VERSION")),
        )
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(Full::new(Bytes::from(d.body.clone())));
    let req = match req {
        Ok(req) => req,
        Err(e) => return Outcome::error(format!("request: {e}"), started),
    };
    let sent = match tunnel {
        Some(t) => t.request(req),
        None => client.http.request(req),
    };
    let res = match tokio::time::timeout(timeout, sent).await {
        Err(_) => return Outcome::error("timeout".to_owned(), started),
        Ok(Err(e)) => return Outcome::error(error_text(&e), started),
        Ok(Ok(res)) => res,
    };
    let status = res.status().as_u16();
    // Only the status counts; the body is read (within the timeout) so that the connection can
    // be reused, and dropped.
    let _ = tokio::time::timeout(timeout, res.into_body().collect()).await;
    Outcome {
        status: Some(status),
        error: (!(200..300).contains(&status)).then(|| format!("HTTP {status}")),
        elapsed: started.elapsed(),
    }
}

/// The error with its causes.
fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Sends every delivery due at `now` (at most one batch); returns how many it attempted.
pub async fn deliver_due(
    db: &DatabaseConnection,
    client: &Client,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<usize, DbErr> {
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    let due = webhook::take_due(&txn, now, settings.lease(), settings.batch).await?;
    txn.commit().await?;
    if due.is_empty() {
        return Ok(0);
    }
    let outcomes =
        futures_util::future::join_all(due.iter().map(|d| send(client, d, now, settings))).await;
    let n = due.len();
    for (d, outcome) in due.iter().zip(outcomes) {
        record(db, d, outcome, now, settings).await?;
    }
    Ok(n)
}

async fn record(
    db: &DatabaseConnection,
    d: &Due,
    o: Outcome,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<(), DbErr> {
    let v = verdict(o.status);
    let txn = db.begin().await?;
    webhook::record_attempt(
        &txn,
        &Attempt {
            delivery_id: d.id,
            attempted_at: now,
            status_code: o.status,
            error: o.error.clone(),
            duration_ms: i32::try_from(o.elapsed.as_millis()).unwrap_or(i32::MAX),
        },
    )
    .await?;
    let attempts = u32::try_from(d.attempts).unwrap_or(0).saturating_add(1);
    match v {
        Verdict::Delivered => webhook::delivered(&txn, d, now).await?,
        Verdict::Gone => {
            webhook::failed(&txn, d, now, None).await?;
            webhook::disable(&txn, d.endpoint_id, webhook::GONE, now).await?;
            tracing::warn!(webhook.endpoint_id = %d.endpoint_id, "webhook endpoint answered 410 Gone: disabled");
        }
        Verdict::Failed => {
            let retry_at = settings
                .retry
                .next_after(attempts)
                .and_then(|wait| TimeDelta::from_std(wait).ok())
                .map(|wait| now + wait);
            let (failures, since) = webhook::failed(&txn, d, now, retry_at).await?;
            let limit = TimeDelta::from_std(settings.disable_after).unwrap_or(TimeDelta::MAX);
            if now - since >= limit {
                webhook::disable(&txn, d.endpoint_id, webhook::TOO_MANY_FAILURES, now).await?;
                tracing::warn!(webhook.endpoint_id = %d.endpoint_id, failures, failing_since = %since, "webhook endpoint disabled: failing continuously for too long");
            }
        }
    }
    txn.commit().await?;
    let outcome = match v {
        Verdict::Delivered => "delivered",
        Verdict::Gone => "gone",
        Verdict::Failed => "failed",
    };
    metrics::counter!(crate::metrics::WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
    metrics::histogram!(crate::metrics::WEBHOOK_ATTEMPT_DURATION).record(o.elapsed.as_secs_f64());
    if v == Verdict::Failed {
        tracing::info!(webhook.delivery_id = %d.id, webhook.endpoint_id = %d.endpoint_id, attempts, error = o.error.as_deref().unwrap_or(""), "webhook attempt failed");
    }
    Ok(())
}

/// The background worker: a round every `interval` (at once again after a full batch) until
/// `cancel` fires.
pub async fn worker(db: DatabaseConnection, settings: Settings, cancel: CancellationToken) {
    let client = match client_with(&settings.proxy) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook client could not be built: no webhooks are sent");
            return;
        }
    };
    loop {
        let full = match deliver_due(&db, &client, Utc::now(), &settings).await {
            Ok(n) => n as u64 >= settings.batch,
            Err(e) => {
                tracing::error!(error = %e, "webhook delivery round failed");
                false
            }
        };
        if full {
            if cancel.is_cancelled() {
                return;
            }
            continue;
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(settings.interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_client_speaks_tls_without_a_second_crypto_provider() {
        // Building the client is where a missing provider would panic; the handshake is where
        // two providers would. A listener that answers the ClientHello with plain text makes
        // the handshake fail as an error, not a panic.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let client = client().unwrap();
        let req = hyper::Request::post(format!("https://127.0.0.1:{port}/"))
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap();
        let e = client.http.request(req).await.unwrap_err();
        assert!(e.is_connect(), "{}", error_text(&e));
    }
}
