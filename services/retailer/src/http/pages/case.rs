//! The case page: the case, who holds the ball, its timeline and, while open, the approve-swap
//! and refuse forms.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Duration, Utc};
use kummerer_contracts::CaseId;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::db::{self};
use crate::domain::{CaseStatus, Limit};
use crate::http::pages::PathId;
use crate::http::pages::auth::Signed;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::cancel::{CancelBox, cancel_box};
use crate::http::pages::correct::{CorrectBox, correct_box};
use crate::http::pages::counter::{CounterBox, LawBox, counter_box, law_box};
use crate::http::pages::refusals::{RefuseForm, reason_options};
use crate::http::pages::{Errors, Me, limit_text, money_text, not_found, render};
use crate::http::view::case_view_with_sale;
use crate::http::view::{BallView, CaseView, HolderView, money};

use crate::http::pages::sale::CategoryOption;

// --- a case -------------------------------------------------------------------------------------

pub struct ProductOption {
    pub sku: String,
    pub label: String,
    pub selected: bool,
}

pub struct TimelineRow {
    pub kind: String,
    /// What happened, in words (see [`crate::http::pages::timeline::describe`]).
    pub what: String,
    pub at: String,
    pub source: String,
    pub details: String,
}

/// What the swap form shows (as typed, or the defaults).
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SwapForm {
    pub csrf: String,
    pub replacement_sku: String,
    /// A delivery window with room, as offered (`start|end`, RFC 3339); empty: the window typed
    /// below (`window_start`, `window_end`, UTC).
    pub slot: String,
    /// `on`: a manager books the window even when no crew has room left in it.
    pub overbook: String,
    pub window_start: String,
    pub window_end: String,
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    /// A manager authorizing a swap above the approver's limit, on the same screen.
    pub manager_email: String,
    pub manager_password: String,
    /// The stock location the replacement is reserved at (where the retailer keeps stock).
    pub stock_location_id: String,
    /// `ask`: send the form to the managers' desks instead of approving it here.
    pub action: String,
    /// The customer's contact for notifications: address, number, the channels ticked
    /// (`on`), consent (`on`), language (`de`, `en`, or empty: the store's).
    pub contact_email: String,
    pub contact_phone: String,
    pub notify_email: String,
    pub notify_sms: String,
    pub consent: String,
    pub language: String,
    /// The time zone the window was typed in, kept when the form is stored for a manager
    /// (empty: the reader's own).
    pub time_zone: String,
}

impl SwapForm {
    /// The contact part of the form, as the API's body.
    pub(crate) fn contact(&self) -> crate::http::input::ContactBody {
        crate::http::input::ContactBody::of_form(crate::http::input::ContactFields {
            email: &self.contact_email,
            phone: &self.contact_phone,
            notify_email: &self.notify_email,
            notify_sms: &self.notify_sms,
            consent: &self.consent,
            language: &self.language,
        })
    }
}

/// A stock location that has the chosen replacement, for the swap form.
pub struct LocationOption {
    pub id: Uuid,
    pub label: String,
    pub selected: bool,
}

/// The signed-in staff member's authority limit.
pub(crate) async fn my_limit(db: &DatabaseConnection, me: &Signed) -> Result<Limit, Problem> {
    Ok(db::authority::limit_of(db, me.staff.retailer_id, me.staff.role).await?)
}

/// A notification to the customer, as the case page lists it.
pub struct NoticeRow {
    pub at: String,
    pub kind: String,
    pub what: String,
    pub channel: String,
    pub channel_label: String,
    pub recipient: String,
    pub status: String,
    pub status_text: String,
}

fn notice_rows(tr: &Tr, rows: Vec<db::notifications::Listed>) -> Vec<NoticeRow> {
    rows.into_iter()
        .map(|n| NoticeRow {
            at: tr.datetime(n.sent_at.unwrap_or(n.created_at)),
            what: tr.code("notice", &n.kind),
            channel_label: tr.code("channel", &n.channel),
            status_text: {
                let error = n.last_error.as_deref().unwrap_or("");
                let attempts: &dyn std::fmt::Display = &n.attempts;
                match n.status.as_str() {
                    "sent" => tr.t("notice-sent"),
                    "failed" => tr.targs(
                        "notice-failed",
                        &[("attempts", attempts), ("error", &error)],
                    ),
                    _ if n.attempts > 0 => tr.targs(
                        "notice-retrying",
                        &[("attempts", attempts), ("error", &error)],
                    ),
                    _ => tr.t("notice-waiting"),
                }
            },
            kind: n.kind,
            channel: n.channel,
            recipient: n.recipient,
            status: n.status,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk/case.html")]
pub struct CasePage {
    /// What the customer was told, with failures.
    pub notifications: Vec<NoticeRow>,
    /// A channel that is not set up (said on every case).
    pub channel_warnings: Vec<String>,
    /// The QR code (SVG) of the status link just created.
    pub new_status_qr: Option<String>,
    pub me: Me,
    pub tr: Tr,
    pub case: CaseView,
    pub opened_at: String,
    pub sold_at: String,
    /// The price paid and the amount claimed, in the reader's locale.
    pub paid: String,
    pub claimed: String,
    pub swap_window: String,
    pub timeline: Vec<TimelineRow>,
    /// Who holds the ball, shown above the timeline.
    pub ball: BallBox,
    /// The approve-swap form, while the case is open.
    pub can_approve: bool,
    pub products: Vec<ProductOption>,
    pub form: SwapForm,
    pub errors: Errors,
    /// The signed-in staff member's authority limit, as text.
    pub limit: String,
    /// The manager's sign-in on the swap form (for anyone whose limit is not unlimited).
    pub show_manager: bool,
    /// The last attempt was above the limit (or the manager's sign-in failed).
    pub needs_manager: bool,
    /// The refusal form (while the case is open), as typed, and its errors.
    pub refusal: RefuseForm,
    pub reasons: Vec<CategoryOption>,
    pub refuse_errors: Errors,
    /// Whether the retailer keeps stock in Kümmerer: then the form asks where the replacement
    /// comes from, offering the locations that have it.
    pub stock_kept: bool,
    pub locations: Vec<LocationOption>,
    /// The request waiting for a manager on this case, if any.
    pub open_request: Option<Uuid>,
    /// Whether the case has a customer status link (its token is not stored, only its hash).
    pub has_status_link: bool,
    /// The link just created: shown this once.
    pub new_status_link: Option<String>,
    /// Cancelling the swap: a manager's form, the request waiting, the outcome.
    pub cancel: CancelBox,
    /// Correcting the visit's address or window: the form, the correction waiting, the outcome.
    pub correct: CorrectBox,
    /// The delivery windows with room the carriers announced for the form's postcode, in the
    /// store's local time (issue 13); empty: none announced (any window may be typed).
    pub slots: Vec<SlotOption>,
    /// The store's time zone, as the slot labels are shown in.
    pub slot_zone: String,
    /// Whose account the swap is on (issue 12): before the clerk decides, the counter's answer
    /// today for the case's defect (and the form's replacement); once approved, the answer the
    /// swap recorded (`None`: a swap approved before swaps recorded it).
    pub counter: Option<CounterBox>,
    /// The counter's answer is the one recorded on the swap.
    pub counter_recorded: bool,
    /// The consumer's legal guarantee and the burden of proof, on the reader's local days.
    pub law: LawBox,
    /// With a claim: its recourse deadline against the supplier in words, saying whether the
    /// sale's day is assumed for the supplier's delivery.
    pub recourse: Option<String>,
}

/// A delivery window with room, for the swap form.
pub struct SlotOption {
    /// `start|end` (RFC 3339).
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The windows with room for `postcode` as the swap form offers them, in `tz`.
pub(crate) async fn slot_options(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    postcode: &str,
    tr: &Tr,
    selected: &str,
) -> Result<Vec<SlotOption>, sea_orm::DbErr> {
    Ok(
        crate::app::slots::offers_for(db, retailer_id, postcode, Utc::now())
            .await?
            .into_iter()
            .filter(|o| o.free > 0)
            .map(|o| {
                let value = format!(
                    "{}|{}",
                    o.window.start.to_rfc3339(),
                    o.window.end.to_rfc3339()
                );
                SlotOption {
                    selected: value == selected,
                    label: format!(
                        "{} ({})",
                        tr.window(o.window.start, o.window.end),
                        tr.tn("slot-room", "free", o.free)
                    ),
                    value,
                }
            })
            .collect(),
    )
}

/// Who holds the ball, as the case page says it.
#[derive(Debug, Clone)]
pub struct BallBox {
    /// `retailer`, `crew`, `manufacturer`, or `nobody`.
    pub party: &'static str,
    /// Who and what, in words: "The crew — delivering the replacement, collecting the unit".
    pub text: String,
    pub held_for: String,
    pub since: String,
    /// The others holding something at the same time, in words.
    pub also: Vec<String>,
    pub handovers: u32,
    /// Every deadline that runs, one per holding, earliest first.
    pub deadlines: Vec<DeadlineRow>,
}

/// One running deadline, in words.
#[derive(Debug, Clone)]
pub struct DeadlineRow {
    /// `retailer:decision`, `manufacturer:claim`, … (for tests and styling).
    pub key: String,
    pub what: String,
    pub due: String,
    pub overdue: bool,
}

/// A running deadline in words: the text `deadline-<party>-<holds>`.
fn deadline_text(tr: &Tr, party: &str, holds: &str) -> String {
    let key = format!("deadline-{party}-{holds}");
    match (party, holds) {
        ("retailer", "decision" | "delivery" | "information" | "claim")
        | ("crew", "visit")
        | ("manufacturer", "return" | "claim") => tr.t(&key),
        ("retailer", _) => tr.t("deadline-retailer-claim"),
        ("crew", _) => tr.t("deadline-crew-visit"),
        ("manufacturer", _) => tr.t("deadline-manufacturer-claim"),
        _ => tr.t("deadline-due"),
    }
}

/// `"3 T. 4 Std."` / `"3 d 4 h"`, `"2 h 5 min"`, `"12 min"`, `"under a minute"`.
pub(crate) fn duration_text(tr: &Tr, seconds: i64) -> String {
    let minutes = seconds / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (dd, hh, mm): (
        &dyn std::fmt::Display,
        &dyn std::fmt::Display,
        &dyn std::fmt::Display,
    ) = (&d, &h, &m);
    if d > 0 {
        tr.targs("duration-days", &[("d", dd), ("h", hh)])
    } else if h > 0 {
        tr.targs("duration-hours", &[("h", hh), ("m", mm)])
    } else if m > 0 {
        tr.ta("duration-minutes", "m", m)
    } else {
        tr.t("duration-under-a-minute")
    }
}

/// Who holds the ball and what for, in words: the text `hold-<party>-<holds>`.
fn holding_text(tr: &Tr, party: &str, holds: &str) -> String {
    match (party, holds) {
        ("retailer", "decision" | "delivery" | "information" | "claim")
        | ("manufacturer", "return") => tr.t(&format!("hold-{party}-{holds}")),
        ("crew", _) => tr.t("hold-crew"),
        ("manufacturer", _) => tr.t("hold-manufacturer-claim"),
        (party, holds) => format!("{} — {}", tr.code("party", party), holds.replace('_', " ")),
    }
}

fn ball_box(tr: &Tr, ball: &BallView) -> BallBox {
    let first = ball.holders.first();
    BallBox {
        party: ball.party.unwrap_or("nobody"),
        text: first.map_or_else(
            || tr.t("hold-nobody"),
            |h| holding_text(tr, h.party, h.holds),
        ),
        held_for: ball
            .held_for_seconds
            .map(|s| duration_text(tr, s))
            .unwrap_or_default(),
        since: tr.datetime(ball.since),
        also: ball
            .holders
            .iter()
            .skip(1)
            .map(|h| {
                let what = holding_text(tr, h.party, h.holds);
                let long = duration_text(tr, h.held_for_seconds);
                tr.targs("ball-also-for", &[("what", &what), ("duration", &long)])
            })
            .collect(),
        handovers: ball.handovers,
        deadlines: {
            let mut rows: Vec<&HolderView> = ball.holders.iter().collect();
            rows.sort_by_key(|h| h.due_at);
            rows.into_iter()
                .map(|h| DeadlineRow {
                    key: format!("{}:{}", h.party, h.holds),
                    what: deadline_text(tr, h.party, h.holds),
                    due: tr.datetime(h.due_at),
                    overdue: h.overdue,
                })
                .collect()
        },
    }
}

/// The swap form's first values: tomorrow 09:00–13:00 in the reader's local time.
fn default_swap_form(tr: &Tr, view: &CaseView, now: DateTime<Utc>) -> SwapForm {
    let tomorrow = now.with_timezone(&tr.tz).date_naive() + Duration::days(1);
    let at = |hour| {
        tomorrow
            .and_hms_opt(hour, 0, 0)
            .and_then(|t| tr.from_local(t))
            .map(|t| tr.datetime_local_value(t))
            .unwrap_or_default()
    };
    let c = &view.sale.customer;
    SwapForm {
        csrf: String::new(),
        replacement_sku: view.sale.product.sku.clone(),
        window_start: at(9),
        window_end: at(13),
        name: c.name.clone(),
        phone: c.phone.clone(),
        street: c.street.clone(),
        postcode: c.postcode.clone(),
        city: c.city.clone(),
        country: c.country.clone(),
        slot: String::new(),
        overbook: String::new(),
        manager_email: String::new(),
        manager_password: String::new(),
        stock_location_id: String::new(),
        action: String::new(),
        ..SwapForm::default()
    }
}

pub(crate) async fn case_page(
    db: &DatabaseConnection,
    me: &Signed,
    case: db::cases::Model,
    form: Option<SwapForm>,
    errors: Errors,
) -> Result<CasePage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let case_id = case.id;
    let can_approve = case.status == CaseStatus::Open;
    let has_status_link = case.status_token_hash.is_some();
    let needs_manager = errors.needs_manager;
    let tr = &me.tr;
    // The page reads on several pooled connections at once: first the case (one snapshot)
    // beside what needs only its id, then what needs the case or the form. The swap form's
    // parts (products, stock, slots, a request waiting) only while the case is open.
    // The replacement the form names; none typed: the sold model (the counter's answer is then
    // the same-model one, and the stock is the sold model's).
    let typed_sku = form
        .as_ref()
        .map(|f| f.replacement_sku.trim().to_owned())
        .filter(|sku| !sku.is_empty());
    let (
        (view, sale, product),
        limit,
        notices,
        place,
        jurisdiction,
        open_request,
        catalogue,
        stock_kept,
        replacement,
    ) = tokio::try_join!(
        async { Ok::<_, Problem>(case_view_with_sale(db, case).await?) },
        my_limit(db, me),
        async { Ok(db::notifications::of_case(db, retailer_id, case_id).await?) },
        async { Ok(crate::app::notify::place(db, retailer_id, case_id).await?) },
        async { Ok(db::retailers::jurisdiction(db, retailer_id).await?) },
        async {
            Ok(match can_approve {
                true => db::requests::open_of_case(db, retailer_id, case_id)
                    .await?
                    .map(|r| r.id),
                false => None,
            })
        },
        async {
            Ok(match can_approve {
                true => db::list_products(db, retailer_id).await?,
                false => Vec::new(),
            })
        },
        async { Ok(can_approve && db::stock::has_locations(db, retailer_id).await?) },
        async {
            Ok(match &typed_sku {
                Some(sku) => db::product_by_sku(db, retailer_id, sku).await?,
                None => None,
            })
        },
    )?;
    let errors = errors.in_lang(tr);
    let form = form.unwrap_or_else(|| default_swap_form(tr, &view, Utc::now()));
    let products = catalogue
        .into_iter()
        .map(|p| {
            let paid = &view.sale.price_paid;
            let price = money(p.price, &p.currency)?;
            let difference = if price.currency == paid.currency {
                let d = price.amount - paid.amount;
                let sign = if d.is_sign_negative() { "" } else { "+" };
                let d = tr.money(d, price.currency.as_str());
                tr.ta("swap-difference", "difference", format!("{sign}{d}"))
            } else {
                tr.t("swap-other-currency")
            };
            let manager = if limit.allows(&price) {
                String::new()
            } else {
                format!(" · {}", tr.t("swap-option-needs-manager"))
            };
            let price_text = money_text(tr, &price);
            Ok(ProductOption {
                selected: p.sku == form.replacement_sku,
                label: format!(
                    "{} ({}) — {price_text}, {difference}{manager}",
                    p.name, p.sku
                ),
                sku: p.sku,
            })
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    let timeline: Vec<TimelineRow> = view
        .timeline
        .iter()
        .map(|t| {
            let said = crate::http::pages::timeline::describe_stored(tr, &t.kind, &t.details);
            TimelineRow {
                kind: t.kind.clone(),
                what: said.what,
                at: tr.datetime(t.occurred_at),
                source: t.source.clone(),
                details: said.details,
            }
        })
        .collect();
    let notifications = notice_rows(tr, notices);
    let tz = place.time_zone;
    let now = Utc::now();
    let stock_of = match &typed_sku {
        Some(_) => replacement.as_ref(),
        None => Some(&product),
    };
    let (cancel, correct, slots, locations, (answer, manufacturer)) = tokio::try_join!(
        cancel_box(db, me, view.id, &timeline),
        correct_box(db, me, view.id, &timeline),
        async {
            Ok::<_, Problem>(match can_approve {
                true => {
                    let slot_tr = crate::http::pages::locale::tr(tr.lang, tz);
                    slot_options(db, retailer_id, &form.postcode, &slot_tr, &form.slot).await?
                }
                false => Vec::new(),
            })
        },
        // Where the replacement is in stock (where the retailer keeps stock in Kümmerer).
        async {
            Ok(match stock_of {
                Some(p) if stock_kept => db::stock::in_stock(db, retailer_id, p.id)
                    .await?
                    .into_iter()
                    .map(|s| LocationOption {
                        selected: s.location_id.to_string() == form.stock_location_id,
                        label: crate::http::pages::stock_label(tr, &s),
                        id: s.location_id,
                    })
                    .collect(),
                _ => Vec::new(),
            })
        },
        // Whose account a swap would be on (once swapped, the page shows the answer the swap
        // recorded, with the manufacturer's name as the agreement in force gives it).
        async {
            Ok(crate::app::entitlement::counter_for(
                db,
                &sale,
                &product,
                &view.defect_category,
                replacement.as_ref(),
                now,
            )
            .await?)
        },
    )?;
    let (counter, counter_recorded) = match &view.swap {
        None => (Some(counter_box(tr, &answer, &manufacturer)), false),
        Some(swap) => (
            swap.counter
                .as_ref()
                .map(|c| counter_box(tr, c, &manufacturer)),
            true,
        ),
    };
    let law = law_box(tr, jurisdiction, sale.sold_at, now);
    // With a claim: its recourse deadline against the supplier, and what it runs from.
    let recourse = match &view.claim {
        None => None,
        Some(_) => {
            let r = crate::app::ledger::case_recourse(db, &sale, view.id).await?;
            let until = tr.ta("case-recourse-until", "day", tr.naive_date(r.ends_on));
            Some(match r.supplier_delivered_on {
                Some(day) => format!(
                    "{until} · {}",
                    tr.ta("ledger-supplied-on", "day", tr.naive_date(day))
                ),
                None => format!("{until} · {}", tr.t("ledger-supplied-assumed")),
            })
        }
    };
    Ok(CasePage {
        recourse,
        counter,
        counter_recorded,
        law,
        slots,
        slot_zone: tz.name().to_owned(),
        notifications,
        channel_warnings: crate::app::notify::channel_warnings()
            .into_iter()
            .map(|channel| tr.code("channel-off", channel))
            .collect(),
        new_status_qr: None,
        open_request,
        stock_kept,
        locations,
        me: Me::from(me),
        tr: me.tr,
        opened_at: tr.datetime(view.opened_at),
        sold_at: tr.datetime(view.sale.sold_at),
        paid: money_text(tr, &view.sale.price_paid),
        claimed: view
            .claim
            .as_ref()
            .map(|c| money_text(tr, &c.amount_claimed))
            .unwrap_or_default(),
        swap_window: view
            .swap
            .as_ref()
            .map(|s| tr.window(s.window.start, s.window.end))
            .unwrap_or_default(),
        timeline,
        cancel,
        correct,
        ball: ball_box(tr, &view.ball),
        case: view,
        can_approve,
        products,
        form,
        errors,
        refusal: RefuseForm::default(),
        reasons: reason_options(tr, ""),
        refuse_errors: Errors::default(),
        has_status_link,
        new_status_link: None,
        show_manager: limit != Limit::Unlimited,
        limit: limit_text(tr, &limit),
        needs_manager,
    })
}

/// `GET /desk/cases/{id}`: the case, its timeline and, while open, the approve-swap form.
pub async fn case(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<CaseId>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let Some(case) = db::find_case(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_plainly() {
        let en = crate::http::pages::locale::tr(
            kummerer_web::i18n::Lang::En,
            crate::http::pages::locale::DEFAULT_TZ,
        );
        let de = crate::http::pages::locale::tr(
            kummerer_web::i18n::Lang::De,
            crate::http::pages::locale::DEFAULT_TZ,
        );
        assert_eq!(duration_text(&en, 0), "under a minute");
        assert_eq!(duration_text(&en, 59), "under a minute");
        assert_eq!(duration_text(&en, 12 * 60 + 5), "12 min");
        assert_eq!(duration_text(&en, 2 * 3600 + 5 * 60), "2 h 5 min");
        assert_eq!(duration_text(&en, 3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
        assert_eq!(duration_text(&de, 59), "unter einer Minute");
        assert_eq!(
            duration_text(&de, 3 * 86_400 + 4 * 3600 + 59),
            "3 T. 4 Std."
        );
    }
}
