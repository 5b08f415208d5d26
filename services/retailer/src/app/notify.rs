//! The customer is told: at every step the customer cares about, one notification per channel
//! the customer agreed to is written **in the transaction of the change** (the approval, or the
//! consumer applying a logistics event) — an outbox for people. Its key is (event id, channel),
//! unique, so a redelivered event adds nothing. The worker ([`worker`]) sends them.
//!
//! The first notification of a case hands over the status link: a new token is made in the
//! same transaction (only its hash is stored on the case, as for the desk's link) and the
//! absolute URL (`KUMMERER_PUBLIC_BASE_URL` + `/status/{token}`) goes into that message only.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::db::{self, notifications as rows};
use crate::domain::notify::{Language, Notice, Place, render, time_zone};

pub mod sender;
pub mod worker;

pub use sender::{HttpSmsGateway, Mailer, Senders, SmsProvider, SmtpSettings, TlsMode};

/// Where the customer's status link points, and how long it lives after the case closes.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// `https://service.example.com` (no trailing slash).
    pub public_base_url: String,
    pub valid_after_close: chrono::Duration,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            public_base_url: "http://127.0.0.1:8081".to_owned(),
            valid_after_close: chrono::Duration::days(30),
        }
    }
}

static LINKS: OnceLock<LinkConfig> = OnceLock::new();

/// Sets the link settings for the whole process (at start; a second call is ignored).
pub fn install_links(config: LinkConfig) {
    let _ = LINKS.set(config);
}

pub fn links() -> LinkConfig {
    LINKS.get().cloned().unwrap_or_default()
}

static CHANNELS: OnceLock<(bool, bool)> = OnceLock::new();

/// Which channels are set up (e-mail, SMS), for the case page (at start).
pub fn install_channels(email: bool, sms: bool) {
    let _ = CHANNELS.set((email, sms));
}

/// The channels that are not set up (`email`, `sms`): the case page warns of each.
pub fn channel_warnings() -> Vec<&'static str> {
    let (email, sms) = CHANNELS.get().copied().unwrap_or((false, false));
    let mut out = Vec::new();
    if !email {
        out.push("email");
    }
    if !sms {
        out.push("sms");
    }
    out
}

/// The status link as a QR code (SVG, rendered here: no external service).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build(),
    )
}

/// The absolute URL of a status link token.
pub fn status_url(token: &str) -> String {
    format!("{}/status/{token}", links().public_base_url)
}

/// The store of a case as the customer sees it.
pub async fn place<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    case_id: Uuid,
) -> Result<Place, DbErr> {
    let row = rows::place_of(db, retailer_id, case_id).await?;
    Ok(Place {
        store: row.store,
        phone: row.phone,
        time_zone: time_zone(&row.time_zone),
        language: Language::parse(&row.language).unwrap_or_default(),
    })
}

/// Writes the notifications of `notice` (caused by the event `event_id`) for the customer of
/// the case, in `txn`: none without a contact or consent; the first hands over the status link.
/// Returns how many rows were written (0 for a redelivery).
pub async fn tell<C: ConnectionTrait>(
    txn: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    event_id: Uuid,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(contact) = rows::contact_of(txn, retailer_id, case_id).await? else {
        return Ok(0);
    };
    let channels = contact.channels();
    if channels.is_empty() {
        return Ok(0);
    }
    let place = place(txn, retailer_id, case_id).await?;
    let lang = contact.language.unwrap_or(place.language);
    let link = if rows::any_of_case(txn, retailer_id, case_id).await? {
        None
    } else {
        let token = kummerer_web::random_token().map_err(|e| DbErr::Custom(e.to_string()))?;
        let hash = kummerer_web::token_hash(&token);
        db::cases::set_status_token(txn, retailer_id, case_id, hash).await?;
        Some(status_url(&token))
    };
    let rendered = render(notice, &place, lang, link.as_deref());
    let mut written = 0;
    for (channel, recipient) in channels {
        let new = rows::NewNotification {
            retailer_id,
            case_id,
            event_id,
            channel: channel.as_str(),
            kind: notice.kind(),
            recipient: &recipient,
            subject: &rendered.subject,
            body: &rendered.text,
            html: &rendered.html,
        };
        if rows::insert(txn, new, now).await? {
            written += 1;
        }
    }
    if written > 0 {
        tracing::info!(
            case.id = %case_id, event.id = %event_id, kind = notice.kind(), written,
            "customer notifications written"
        );
    }
    Ok(written)
}
