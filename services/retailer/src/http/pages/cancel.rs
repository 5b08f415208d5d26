//! Cancelling a swap at the desk: the case page's "Cancel the swap" form, for managers (and
//! admins) while the swap may still be cancelled, `POST /desk/cases/{id}/swap/cancel`
//! `{csrf, reason}` → the same [`crate::app::cancel::request_cancel`] as the JSON API. After it
//! the case page says the request waits for logistics, then the outcome from the timeline.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::app::actor::Actor;
use crate::app::cancel::{CancelError, request_cancel};
use crate::db::{self, cancel};
use crate::domain::TimelineKind;
use crate::domain::cancel::may_request_cancel;
use crate::http::pages::PathId;
use crate::http::pages::auth::Signed;
use crate::http::pages::case::{TimelineRow, case_page};
use crate::http::pages::roles::{Managers, Posted, WithCsrf, is_manager};
use crate::http::pages::{Errors, not_found, render_status, see_other};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct CancelForm {
    pub csrf: String,
    pub reason: String,
}

impl WithCsrf for CancelForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// What the case page shows about cancelling its swap.
#[derive(Debug, Default, Clone)]
pub struct CancelBox {
    /// The form: a manager, and the swap may still be cancelled.
    pub can_cancel: bool,
    /// A cancellation waits for logistics' answer.
    pub pending: bool,
    /// The last answer (cancelled, or refused and why), as the timeline says it.
    pub outcome: Option<String>,
    pub form: CancelForm,
    pub errors: Errors,
}

impl CancelBox {
    /// Whether the page shows the box at all.
    pub fn shown(&self) -> bool {
        self.can_cancel
            || self.pending
            || self.outcome.is_some()
            || self.errors.general.is_some()
            || !self.errors.fields.is_empty()
    }
}

/// The box for the case (`timeline` oldest first, as the page lists it).
pub(crate) async fn cancel_box(
    db: &DatabaseConnection,
    me: &Signed,
    case_id: Uuid,
    timeline: &[TimelineRow],
) -> Result<CancelBox, Problem> {
    let rid = me.staff.retailer_id;
    let Some(swap) = db::swap_of_case(db, rid, case_id).await? else {
        return Ok(CancelBox::default());
    };
    let pending = cancel::pending_since(db, rid, swap.id).await?.is_some();
    let answered = [
        TimelineKind::SwapCancelled.as_string(),
        TimelineKind::SwapCancelRefused.as_string(),
    ];
    let outcome = timeline
        .iter()
        .rev()
        .find(|t| answered.contains(&t.kind))
        .map(|t| {
            if t.details.is_empty() {
                t.what.clone()
            } else {
                format!("{} — {}", t.what, t.details)
            }
        });
    Ok(CancelBox {
        can_cancel: is_manager(&me.staff) && may_request_cancel(swap.status, pending).is_ok(),
        pending,
        outcome: if pending { None } else { outcome },
        ..CancelBox::default()
    })
}

/// `POST /desk/cases/{id}/swap/cancel` `{csrf, reason}` (managers and admins) → 303 to the case;
/// a missing reason or a swap that may no longer be cancelled → the case page with the message,
/// nothing changed.
pub async fn cancel_swap(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<CaseId>,
    Posted { me, form, .. }: Posted<CancelForm, Managers>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let retailer_id = me.staff.retailer_id;
    let actor = Actor::Staff {
        id: me.staff.id,
        email: me.staff.email.clone(),
    };
    let (rid, cid) = (RetailerId(retailer_id), CaseId(id));
    let (status, errors) =
        match request_cancel(db.get_ref(), rid, cid, &form.reason, &actor, Utc::now()).await {
            Ok(_) => {
                tracing::info!(staff.id = %me.staff.id, case.id = %id,
                "cancellation of the swap requested at the desk");
                return Ok(see_other(&format!("/desk/cases/{id}")));
            }
            Err(CancelError::NotFound) => return not_found(&me.tr),
            Err(CancelError::Db(e)) => return Err(e.into()),
            Err(CancelError::Reason(message)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Errors::field(
                    "reason",
                    me.tr.ta("cancel-reason-invalid", "problem", message),
                ),
            ),
            Err(CancelError::NoSwap) => (
                StatusCode::CONFLICT,
                Errors::general(me.tr.t("cancel-no-swap")),
            ),
            Err(CancelError::Refused { reason, .. }) => (
                StatusCode::CONFLICT,
                Errors::general(me.tr.ta("cancel-refused", "reason", reason)),
            ),
        };
    let Some(case) = db::find_case(db.get_ref(), retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let mut page = case_page(db.get_ref(), &me, case, None, Errors::default()).await?;
    page.cancel.errors = match (page.cancel.can_cancel, errors.general.is_some()) {
        // No form to show the field's message beside: say it above.
        (false, false) => Errors::general(errors.of("reason").to_owned()),
        _ => errors,
    };
    page.cancel.form = form;
    render_status(status, &page)
}
