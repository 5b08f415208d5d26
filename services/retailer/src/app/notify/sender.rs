//! How a notification leaves: e-mail over SMTP (`lettre`), SMS through a provider
//! ([`SmsProvider`]; one adapter, an HTTP gateway). A channel without settings is disabled:
//! said at start, and its notifications end `failed` ("not set up") on the case.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// How long one send may take (SMTP dialogue or gateway request).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (localhost, a relay on the same host).
    None,
    StartTls,
    /// Implicit TLS (port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(raw: &str) -> Option<TlsMode> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(TlsMode::None),
            "starttls" => Some(TlsMode::StartTls),
            "tls" => Some(TlsMode::Tls),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub user: Option<String>,
    pub password: Option<SecretString>,
    pub from: Mailbox,
}

/// The SMTP mailer.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain of the `Message-ID`s: the sender's.
    domain: String,
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> Result<Mailer, lettre::transport::smtp::Error> {
        let builder = match s.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            TlsMode::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
        };
        let mut builder = builder.port(s.port).timeout(Some(SEND_TIMEOUT));
        if let (Some(user), Some(password)) = (&s.user, &s.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: s.from.clone(),
            domain: s.from.email.domain().to_owned(),
        })
    }

    /// Sends one e-mail; its `Message-ID` is `<{id}@{domain}>`, the same for every attempt of
    /// one notification, so a resend after a crash is recognisable as the same message.
    pub async fn send(
        &self,
        id: Uuid,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{}>", self.domain)))
            .multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("smtp: {e}"))
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// An SMS provider: sends `text` to `to` (E.164) once per `id` (the provider's idempotency
/// key: a resend of one notification is the same SMS).
pub trait SmsProvider: Send + Sync {
    fn send<'a>(&'a self, id: Uuid, to: &'a str, text: &'a str) -> SendFuture<'a>;
}

/// An HTTP SMS gateway: `POST {url}` with `{"id","to","text"}` as JSON, `Authorization: Bearer
/// {token}` when a token is set, `Idempotency-Key: {notification id}`; any 2xx is sent.
pub struct HttpSmsGateway {
    url: hyper::Uri,
    token: Option<SecretString>,
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HttpSmsGateway {
    pub fn new(url: &str, token: Option<SecretString>) -> anyhow::Result<HttpSmsGateway> {
        let url: hyper::Uri = url
            .parse()
            .map_err(|e| anyhow::anyhow!("KUMMERER_SMS_GATEWAY_URL={url:?}: {e}"))?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(HttpSmsGateway {
            url,
            token,
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    async fn post(&self, id: Uuid, to: &str, text: &str) -> Result<(), String> {
        let body = serde_json::json!({"id": id, "to": to, "text": text}).to_string();
        let mut req = hyper::Request::post(self.url.clone())
            .header("content-type", "application/json")
            .header("idempotency-key", id.to_string());
        if let Some(token) = &self.token {
            req = req.header("authorization", format!("Bearer {}", token.expose_secret()));
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("request: {e}"))?;
        let res = tokio::time::timeout(SEND_TIMEOUT, self.client.request(req))
            .await
            .map_err(|_| "sms gateway: timed out".to_owned())?
            .map_err(|e| format!("sms gateway: {e}"))?;
        let status = res.status();
        if status.is_success() {
            return Ok(());
        }
        let body: String = res
            .into_body()
            .collect()
            .await
            .map(|b| {
                String::from_utf8_lossy(&b.to_bytes())
                    .chars()
                    .take(200)
                    .collect()
            })
            .unwrap_or_default();
        Err(format!("sms gateway: {status} {body}"))
    }
}

impl SmsProvider for HttpSmsGateway {
    fn send<'a>(&'a self, id: Uuid, to: &'a str, text: &'a str) -> SendFuture<'a> {
        Box::pin(self.post(id, to, text))
    }
}

/// The channels the worker can use; `None`: not set up.
#[derive(Clone, Default)]
pub struct Senders {
    pub mail: Option<Mailer>,
    pub sms: Option<Arc<dyn SmsProvider>>,
}
