//! Correcting the visit at the desk: the case page's "Correct the address or window" form, for
//! any staff member of the case's retailer while the visit may still be corrected, `POST
//! /desk/cases/{id}/swap/correction` → the same [`crate::app::correct::request_correction`] as
//! the JSON API, the signed-in staff member as who asked. The form starts with the visit as it
//! is; only what was changed is sent. After it the case page says the correction waits for
//! logistics (the address and window shown stay as they were), then the outcome from the
//! timeline.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{Address, CaseId, RetailerId};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::actor::Actor;
use crate::app::correct::{CorrectError, request_correction};
use crate::db::{self, cancel, corrections, swaps};
use crate::domain::TimelineKind;
use crate::domain::correction::may_request_correction;
use crate::http::input::{AddressBody, checked, correction_of};
use crate::http::pages::PathId;
use crate::http::pages::approve::parse_local;
use crate::http::pages::auth::Signed;
use crate::http::pages::case::{TimelineRow, case_page};
use crate::http::pages::roles::{Posted, Staff, WithCsrf};
use crate::http::pages::{Errors, not_found, render_status, see_other};
use crate::http::view::address_of;
use kummerer_web::i18n::Tr;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct CorrectForm {
    pub csrf: String,
    pub reason: String,
    pub name: String,
    pub phone: String,
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub country: String,
    pub window_start: String,
    pub window_end: String,
}

impl WithCsrf for CorrectForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl CorrectForm {
    /// The form as the visit is now (what the desk changes from).
    fn of(tr: &Tr, swap: &swaps::Model) -> CorrectForm {
        CorrectForm {
            name: swap.address_name.clone(),
            phone: swap.address_phone.clone(),
            street: swap.street.clone(),
            postcode: swap.postcode.clone(),
            city: swap.city.clone(),
            country: swap.country.clone(),
            window_start: tr.datetime_local_value(swap.window_start),
            window_end: tr.datetime_local_value(swap.window_end),
            ..CorrectForm::default()
        }
    }

    fn address(&self) -> AddressBody {
        AddressBody {
            name: self.name.clone(),
            phone: self.phone.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
        }
    }
}

/// Whether the typed address is the visit's own (nothing to correct there).
fn same_address(typed: &AddressBody, now: &Address) -> bool {
    typed.name.trim() == now.name
        && typed.phone.trim() == now.phone
        && typed.street.trim() == now.street
        && typed.postcode.trim() == now.postcode
        && typed.city.trim() == now.city
        && typed.country.trim().eq_ignore_ascii_case(&now.country)
}

/// What the case page shows about correcting its visit.
#[derive(Debug, Default, Clone)]
pub struct CorrectBox {
    /// The form: the visit may be corrected now.
    pub can_correct: bool,
    /// A correction waits for logistics' answer: what it asks, in words.
    pub pending: Option<String>,
    /// The last answer (corrected, or refused and why), as the timeline says it.
    pub outcome: Option<String>,
    pub form: CorrectForm,
    pub errors: Errors,
}

impl CorrectBox {
    /// Whether the page shows the box at all.
    pub fn shown(&self) -> bool {
        self.can_correct
            || self.pending.is_some()
            || self.outcome.is_some()
            || self.errors.general.is_some()
            || !self.errors.fields.is_empty()
    }
}

/// The box for the case (`timeline` oldest first, as the page lists it).
pub(crate) async fn correct_box(
    db: &DatabaseConnection,
    me: &Signed,
    case_id: Uuid,
    timeline: &[TimelineRow],
) -> Result<CorrectBox, Problem> {
    let rid = me.staff.retailer_id;
    let tr = &me.tr;
    let Some(swap) = db::swap_of_case(db, rid, case_id).await? else {
        return Ok(CorrectBox::default());
    };
    let pending = corrections::pending_of(db, rid, swap.id).await?;
    let cancel_pending = cancel::pending_since(db, rid, swap.id).await?.is_some();
    let answered = [
        TimelineKind::SwapCorrected.as_string(),
        TimelineKind::SwapCorrectionRefused.as_string(),
    ];
    let outcome = timeline
        .iter()
        .rev()
        .find(|t| answered.contains(&t.kind))
        .map(|t| format!("{} — {}", t.what, t.details));
    let can_correct =
        may_request_correction(swap.status, cancel_pending, pending.is_some()).is_ok();
    let pending = pending.map(|c| {
        let mut asks = Vec::new();
        if let Some(a) = &c.address {
            let to = format!("{}, {} {}", a.street, a.postcode, a.city);
            asks.push(tr.ta("correct-asks-address", "address", to));
        }
        if let Some(w) = &c.window {
            asks.push(tr.ta("correct-asks-window", "window", tr.window(w.start, w.end)));
        }
        asks.join(", ")
    });
    Ok(CorrectBox {
        can_correct,
        outcome: if pending.is_some() { None } else { outcome },
        pending,
        form: CorrectForm::of(tr, &swap),
        errors: Errors::default(),
    })
}

/// `POST /desk/cases/{id}/swap/correction` (any staff of the case's retailer) → 303 to the
/// case; bad input or a visit that may not be corrected now → the case page with the messages,
/// nothing changed.
pub async fn correct_visit(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<CaseId>,
    Posted { me, form, .. }: Posted<CorrectForm, Staff>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let (status, errors) = match correct(db.get_ref(), &me, id, &form).await? {
        Ok(()) => {
            tracing::info!(staff.id = %me.staff.id, case.id = %id,
                "correction of the visit requested at the desk");
            return Ok(see_other(&format!("/desk/cases/{id}")));
        }
        Err(Some(refused)) => refused,
        Err(None) => return not_found(&me.tr),
    };
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let mut page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    page.correct.errors = match (page.correct.can_correct, errors.general.is_some()) {
        // No form to show the fields' messages beside: say them above.
        (false, false) => Errors::general(
            errors
                .fields
                .values()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => errors,
    };
    page.correct.form = form;
    render_status(status, &page)
}

/// Parses the form against the visit as it is and asks for the correction: `Err(None)` for a
/// case (or swap) that is not there, `Err(Some(..))` for what the page says.
async fn correct(
    db: &DatabaseConnection,
    me: &Signed,
    case_id: Uuid,
    form: &CorrectForm,
) -> Result<Result<(), Option<(StatusCode, Errors)>>, Problem> {
    let retailer_id = me.staff.retailer_id;
    let tr = &me.tr;
    let Some(swap) = db::swap_of_case(db, retailer_id, case_id).await? else {
        return Ok(Err(Some((
            StatusCode::CONFLICT,
            Errors::general(tr.t("correct-no-swap")),
        ))));
    };
    let now = Utc::now();
    let invalid = |fields| {
        Ok(Err(Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            Errors::fields(fields).in_lang(tr),
        ))))
    };
    let mut v = FieldErrors::new();
    let start = parse_local(tr, "window_start", &form.window_start, &mut v);
    let end = parse_local(tr, "window_end", &form.window_end, &mut v);
    if let Err(fields) = checked(v) {
        return invalid(fields);
    }
    // The form shows the window to the minute: left as shown, it is not corrected (the stored
    // window may carry seconds the form cannot show).
    let shown = CorrectForm::of(tr, &swap);
    let window = if (form.window_start.trim(), form.window_end.trim())
        == (shown.window_start.as_str(), shown.window_end.as_str())
    {
        (None, None)
    } else {
        (start, end)
    };
    let typed = form.address();
    let address = (!same_address(&typed, &address_of(&swap))).then_some(&typed);
    let correction = match correction_of(address, window, &form.reason, now) {
        Ok(c) => c,
        Err(fields) => return invalid(fields),
    };
    let actor = Actor::Staff {
        id: me.staff.id,
        email: me.staff.email.clone(),
    };
    let (rid, cid) = (RetailerId(retailer_id), CaseId(case_id));
    Ok(
        match request_correction(db, rid, cid, correction, &actor, now).await {
            Ok(_) => Ok(()),
            Err(CorrectError::NotFound) => Err(None),
            Err(CorrectError::Db(e)) => return Err(e.into()),
            Err(CorrectError::NoSwap) => Err(Some((
                StatusCode::CONFLICT,
                Errors::general(tr.t("correct-no-swap")),
            ))),
            Err(CorrectError::Refused { reason, .. }) => Err(Some((
                StatusCode::CONFLICT,
                Errors::general(tr.ta("correct-refused", "reason", reason)),
            ))),
        },
    )
}
