//! Warranty cases and the swap approval: parse → domain → persist (one transaction, with the
//! outbox rows) → respond.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId};
use kummerer_service::{FieldErrors, Problem};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::app::actor::{self, Actor};
pub use crate::app::approve::{Approval, approve, approve_in};
use crate::app::approve::{ApproveError, SwapApproved};
pub use crate::app::cases::{EARLIER_CASES_MAX, EarlierCase};
use crate::app::cases::{NewCase as CheckedCase, OpenCaseError};
use crate::app::requests::{AskError, ask_by};
use crate::db;
use crate::db::integration_keys::Made;
use crate::db::requests::{Due, Requester};
use crate::domain::{CODE_MAX, DESCRIPTION_MAX, DefectCategory, DeliveryWindow};
use crate::http::api::key_auth::ApiKey;
use crate::http::input::{AddressBody, invalid};
use crate::http::pages::case::SwapForm;
use crate::http::pages::requests::REQUEST_OPEN;
use crate::http::view::{CaseParts, CaseView, SaleView, case_view};
use crate::outbound::customer_of;
use crate::settings::RequestsConfig;

#[derive(Debug, Deserialize)]
pub struct NewCase {
    pub serial: String,
    pub defect_category: String,
    pub defect_description: String,
}

/// The answer to opening a case: the case, and the unit's earlier cases (a warning: the same
/// complaint may have been decided before).
#[derive(Debug, Serialize)]
struct OpenedCase {
    #[serde(flatten)]
    case: CaseView,
    earlier_cases: Vec<EarlierCase>,
}

/// The 409 `case_exists` problem, naming the case in progress (`case_id`).
pub fn case_exists(serial: &str, case_id: CaseId) -> Result<HttpResponse, Problem> {
    let problem = Problem::conflict(
        "case_exists",
        format!("the sale of {serial:?} already has a case in progress: case {case_id}"),
    );
    let mut body = serde_json::to_value(&problem).map_err(Problem::internal)?;
    body["case_id"] = json!(case_id);
    Ok(HttpResponse::Conflict()
        .insert_header((
            actix_web::http::header::CONTENT_TYPE,
            kummerer_service::problem::CONTENT_TYPE,
        ))
        .json(body))
}

/// `POST /api/retailers/{rid}/cases` → 201 with the case and `earlier_cases`, the unit's
/// earlier (closed or refused) cases, newest first — a warning, not a refusal. The case is
/// about the latest sale of the serial; no sale of it → 422 (`serial`); a case already in
/// progress for that sale → 409 `case_exists` with its `case_id`.
pub async fn open(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewCase>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = RetailerId(path.into_inner());
    let mut v = FieldErrors::new();
    let serial = v.text("serial", &body.serial, CODE_MAX);
    let category = DefectCategory::parse(body.defect_category.trim());
    if category.is_none() {
        v.add(
            "defect_category",
            format!("must be one of {}", DefectCategory::list()),
        );
    }
    let description = v.text(
        "defect_description",
        &body.defect_description,
        DESCRIPTION_MAX,
    );
    v.finish()?;
    let Some(category) = category else {
        return Err(invalid(
            "defect_category",
            format!("must be one of {}", DefectCategory::list()),
        ));
    };
    let new = CheckedCase {
        serial,
        category,
        description,
    };
    let opened = match crate::app::cases::open(db.get_ref(), retailer_id, new).await {
        Ok(opened) => opened,
        Err(OpenCaseError::CaseExists {
            serial,
            case_id: Some(case_id),
        }) => return case_exists(&serial, case_id),
        Err(e) => return Err(e.into()),
    };
    let rid = retailer_id.as_uuid();
    actor::record(db.get_ref(), Made::Case, rid, opened.case.id, &key.actor()).await?;
    let view = CaseView::from(CaseParts {
        case: opened.case,
        sale: SaleView::new(opened.sale, &opened.product)?,
        swap: None,
        claim: None,
        timeline: Vec::new(),
    });
    Ok(HttpResponse::Created().json(OpenedCase {
        case: view,
        earlier_cases: opened.earlier.into_iter().map(EarlierCase::from).collect(),
    }))
}

impl From<OpenCaseError> for Problem {
    fn from(e: OpenCaseError) -> Self {
        match e {
            OpenCaseError::RetailerNotFound => Problem::not_found("retailer"),
            OpenCaseError::NoSale => invalid("serial", e.to_string()),
            OpenCaseError::CaseExists { .. } => Problem::conflict("case_exists", e.to_string()),
            OpenCaseError::Db(e) => e.into(),
        }
    }
}

/// `GET /api/retailers/{rid}/cases/{case_id}`: the case with its sale, swap, claim and timeline.
pub async fn get(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, case_id) = path.into_inner();
    let db = db.get_ref();
    let case = db::find_case(db, retailer_id, case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    Ok(HttpResponse::Ok().json(case_view(db, case).await?))
}

#[derive(Debug, Deserialize)]
pub struct ApproveSwap {
    /// Another model than the one sold; the same model when absent.
    #[serde(default)]
    pub replacement_sku: Option<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// Accepted and ignored: the approver is the integration key the request came with.
    #[serde(default)]
    pub approved_by: Option<serde_json::Value>,
    /// Where the crew goes; the sale's customer address when absent.
    #[serde(default)]
    pub delivery_address: Option<AddressBody>,
    /// Reserve the replacement at this stock location (one unit, in the same transaction);
    /// absent: no reservation.
    #[serde(default)]
    pub stock_location_id: Option<Uuid>,
    /// The customer's channels, address/number, consent and language for notifications;
    /// absent: none recorded (nothing is sent).
    #[serde(default)]
    pub customer_contact: Option<crate::http::input::ContactBody>,
}

impl ApproveSwap {
    /// The approval by `actor`, within `limit`.
    fn parse(
        &self,
        actor: &Actor,
        limit: crate::domain::Limit,
        now: DateTime<Utc>,
    ) -> Result<Approval, Problem> {
        let mut v = FieldErrors::new();
        let replacement_sku = self
            .replacement_sku
            .as_deref()
            .map(|sku| v.text("replacement_sku", sku, CODE_MAX));
        let delivery_address = self
            .delivery_address
            .as_ref()
            .map(|a| a.parse("delivery_address", &mut v));
        let contact = self
            .customer_contact
            .as_ref()
            .and_then(|c| c.parse("customer_contact", &mut v));
        let window = match DeliveryWindow::new(self.window_start, self.window_end, now) {
            Ok(window) => Some(window),
            Err(errors) => {
                for e in errors {
                    v.add(e.field(), e.to_string());
                }
                None
            }
        };
        v.finish()?;
        let Some(window) = window else {
            return Err(invalid("window_start", "enter the delivery window"));
        };
        Ok(Approval {
            replacement_sku,
            window,
            approved_by: actor.label(),
            by_key: actor.key_id(),
            delivery_address,
            authorized_by: None,
            limit: Some(limit),
            stock_location_id: self.stock_location_id,
            contact,
            // An integration key is no manager: it never overbooks.
            overbook_by: None,
        })
    }
}

/// The problem code of a swap above the approver's authority limit.
pub const NEEDS_MANAGER: &str = "needs_manager";

/// The problem code of a swap whose claim would go to a manufacturer that is not a linked
/// partner (422, nothing changed).
pub const NOT_LINKED: &str = "manufacturer_not_linked";

/// The problem code of a replacement the chosen stock location does not have.
pub const OUT_OF_STOCK: &str = "out_of_stock";

/// The problem code of a delivery window in which no crew has room left, as the carriers
/// announced it (409, nothing changed; issue 13). Only a manager overbooks, on the desk.
pub const WINDOW_FULL: &str = "window_full";

impl From<ApproveError> for Problem {
    fn from(e: ApproveError) -> Self {
        match e {
            ApproveError::NotFound => Problem::not_found("case"),
            ApproveError::Refused { reason, .. } => Problem::conflict(reason.code(), e.to_string()),
            ApproveError::UnknownReplacement => invalid("replacement_sku", e.to_string()),
            ApproveError::UnknownLocation => invalid("stock_location_id", e.to_string()),
            ApproveError::NeedsManager { .. } => Problem::conflict(NEEDS_MANAGER, e.to_string()),
            ApproveError::OutOfStock { .. } => Problem::conflict(OUT_OF_STOCK, e.to_string()),
            ApproveError::WindowFull => Problem::conflict(WINDOW_FULL, e.to_string()),
            ApproveError::NotLinked { .. } => Problem::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                NOT_LINKED,
                "Manufacturer not a linked partner",
                Some(e.to_string()),
            ),
            ApproveError::Db(e) => e.into(),
        }
    }
}

/// `POST /api/retailers/{rid}/cases/{case_id}/swap` → 201 `{swap_id, claim_id, case_id}`.
///
/// With `stock_location_id`, one unit of the replacement is reserved there in the same
/// transaction (and named in the event's `replacement_from`); none left there → 409
/// `out_of_stock`, a location that is not the retailer's → 422 (`stock_location_id`).
///
/// The approver is the integration key (recorded on the swap, `approved_by` "API key «name»";
/// a body's `approved_by` is accepted and ignored), and the key's approval limit applies like a
/// clerk's: a swap worth more (the replacement's price; a key without a limit: any swap) is not
/// approved but sent to the managers' desks, exactly like a clerk's request — 202
/// `{request_id, case_id, status: "open", due_at, expires_at}`; a manager approves or declines it on the desk. A
/// request already waiting for the case → 409 `approval_request_open`. Of two approvals at once
/// exactly one makes the swap; the other answers 409 `swap_already_approved` (see
/// [`crate::app::approve`]).
pub async fn approve_swap(
    key: ApiKey,
    db: web::Data<DatabaseConnection>,
    requests: web::Data<RequestsConfig>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ApproveSwap>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, case_id) = path.into_inner();
    let (rid, cid) = (RetailerId(retailer_id), CaseId(case_id));
    let now = Utc::now();
    let approval = body.parse(&key.actor(), key.0.limit(), now)?;
    match approve(db.get_ref(), rid, cid, approval.clone(), now).await {
        Ok(approved) => {
            let approved: SwapApproved = approved;
            Ok(HttpResponse::Created().json(approved))
        }
        Err(ApproveError::NeedsManager { value, limit }) => {
            let due = requests.due(now);
            let request_id = ask_a_manager(db.get_ref(), rid, cid, &key, &approval, due).await?;
            Ok(HttpResponse::Accepted().json(json!({
                "request_id": request_id,
                "case_id": case_id,
                "status": "open",
                "due_at": due.due_at,
                "expires_at": due.expires_at,
                "detail": format!(
                    "this swap is worth {value}, above the key's approval limit ({limit}): \
                     it waits for a manager on the desk"
                ),
            })))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends the key's approval to the managers' desks as the swap form a clerk would have sent.
async fn ask_a_manager(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    case_id: CaseId,
    key: &ApiKey,
    approval: &Approval,
    due: Due,
) -> Result<Uuid, Problem> {
    let address = match &approval.delivery_address {
        Some(address) => address.clone(),
        None => {
            let case = db::find_case(db, retailer_id.as_uuid(), case_id.as_uuid())
                .await?
                .ok_or_else(|| Problem::not_found("case"))?;
            customer_of(&db::sale_of(db, retailer_id.as_uuid(), case.sale_id).await?)
        }
    };
    let at = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let form = SwapForm {
        replacement_sku: approval.replacement_sku.clone().unwrap_or_default(),
        window_start: at(approval.window.start),
        window_end: at(approval.window.end),
        name: address.name,
        phone: address.phone,
        street: address.street,
        postcode: address.postcode,
        city: address.city,
        country: address.country,
        stock_location_id: approval
            .stock_location_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
        ..SwapForm::default()
    };
    let form = serde_json::to_value(&form).map_err(Problem::internal)?;
    Ok(ask_by(
        db,
        retailer_id,
        case_id,
        Requester::Key(key.0.id),
        form,
        due,
    )
    .await?)
}

impl From<AskError> for Problem {
    fn from(e: AskError) -> Self {
        match e {
            AskError::CaseNotFound => Problem::not_found("case"),
            AskError::Refused(reason) => Problem::conflict(reason.code(), e.to_string()),
            AskError::AlreadyAsked => Problem::conflict(REQUEST_OPEN, e.to_string()),
            AskError::Db(e) => e.into(),
        }
    }
}
