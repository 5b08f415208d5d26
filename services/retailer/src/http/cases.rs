//! Warranty cases and the swap approval: parse → domain → persist (one transaction, with the
//! outbox rows) → respond.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kummerer_contracts::{Address, ClaimSubmittedV1, SwapApprovedV1, TimeWindow};
use kummerer_messaging::enqueue;
use kummerer_service::{FieldErrors, Problem};
use sea_orm::{AccessMode, ConnectionTrait, DatabaseConnection, IsolationLevel, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::db::{self, Entry, cases, claims, sales, swaps};
use crate::domain::{
    CODE_MAX, CaseStatus, ClaimStatus, DESCRIPTION_MAX, DefectCategory, DeliveryWindow, Limit,
    Source, SwapStatus, TEXT_MAX, kind,
};
use crate::http::input::{AddressBody, invalid};
use crate::http::retailers::existing;
use crate::http::view::{
    CaseParts, CaseView, ClaimView, SaleView, SwapApproved, SwapView, customer_of, money,
    product_ref,
};

#[derive(Debug, Deserialize)]
pub struct NewCase {
    pub serial: String,
    pub defect_category: String,
    pub defect_description: String,
}

/// Earlier cases of a unit listed at most (the desk and the JSON answer).
pub const EARLIER_CASES_MAX: u64 = 20;

/// An earlier case of the same unit: the warning when another case is opened on it.
#[derive(Debug, Serialize)]
pub struct EarlierCase {
    pub id: Uuid,
    pub status: String,
    pub opened_at: DateTime<Utc>,
}

impl From<cases::Model> for EarlierCase {
    fn from(c: cases::Model) -> Self {
        EarlierCase {
            id: c.id,
            status: c.status,
            opened_at: c.opened_at,
        }
    }
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
pub fn case_exists(serial: &str, case_id: Uuid) -> Result<HttpResponse, Problem> {
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
    db: web::Data<DatabaseConnection>,
    path: web::Path<Uuid>,
    body: web::Json<NewCase>,
) -> Result<HttpResponse, Problem> {
    let retailer_id = path.into_inner();
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
    let category = category.ok_or_else(|| Problem::internal("category vanished"))?;
    existing(db.get_ref(), retailer_id).await?;
    let sale = db::latest_sale_of_serial(db.get_ref(), retailer_id, &serial)
        .await?
        .ok_or_else(|| invalid("serial", "no sale of this unit"))?;
    if let Some(active) = db::desk::active_case_of_sale(db.get_ref(), retailer_id, sale.id).await? {
        return case_exists(&sale.serial, active.id);
    }
    let earlier =
        db::desk::cases_of_unit(db.get_ref(), retailer_id, &sale.serial, EARLIER_CASES_MAX).await?;
    let case = match open_case(db.get_ref(), &sale, category, description).await {
        Ok(case) => case,
        // Opened by someone else meanwhile: name that case too.
        Err(p) if p.code == "case_exists" => {
            return match db::desk::active_case_of_sale(db.get_ref(), retailer_id, sale.id).await? {
                Some(active) => case_exists(&sale.serial, active.id),
                None => Err(p),
            };
        }
        Err(p) => return Err(p),
    };
    let product = db::product_of(db.get_ref(), retailer_id, sale.product_id).await?;
    let view = CaseView::from(CaseParts {
        case,
        sale: SaleView::new(sale, &product)?,
        swap: None,
        claim: None,
        timeline: Vec::new(),
    });
    Ok(HttpResponse::Created().json(OpenedCase {
        case: view,
        earlier_cases: earlier.into_iter().map(EarlierCase::from).collect(),
    }))
}

/// Opens a case on `sale` (the JSON API and the desk): a case already in progress for that sale
/// → 409 `case_exists`.
pub async fn open_case<C: ConnectionTrait>(
    db: &C,
    sale: &sales::Model,
    category: DefectCategory,
    description: String,
) -> Result<cases::Model, Problem> {
    open_case_at(db, sale, category, description, None).await
}

/// [`open_case`] at a store (the desk: the staff member's store, for the dashboard).
pub async fn open_case_at<C: ConnectionTrait>(
    db: &C,
    sale: &sales::Model,
    category: DefectCategory,
    description: String,
    store_id: Option<Uuid>,
) -> Result<cases::Model, Problem> {
    let case = cases::Model {
        id: Uuid::now_v7(),
        retailer_id: sale.retailer_id,
        sale_id: sale.id,
        defect_category: category.as_str().to_owned(),
        defect_description: description,
        status: CaseStatus::Open.as_str().to_owned(),
        opened_at: Utc::now(),
        status_token_hash: None,
        store_id,
    };
    if !db::insert_case(db, case.clone()).await? {
        return Err(Problem::conflict(
            "case_exists",
            format!(
                "the sale of {:?} already has a case in progress",
                sale.serial
            ),
        ));
    }
    tracing::info!(
        retailer.id = %sale.retailer_id, case.id = %case.id, sale.id = %sale.id,
        "case opened"
    );
    Ok(case)
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

/// The case with its sale, swap, claim and timeline (the JSON API and the desk).
///
/// Read in one REPEATABLE READ snapshot: a consumer commits the claim's decision and its
/// timeline entry together, so the view must never show one without the other.
pub async fn case_view(db: &DatabaseConnection, case: cases::Model) -> Result<CaseView, Problem> {
    let txn = db
        .begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?;
    let case = db::find_case(&txn, case.retailer_id, case.id)
        .await?
        .unwrap_or(case);
    let view = case_view_in(&txn, case).await?;
    txn.commit().await?;
    Ok(view)
}

async fn case_view_in<C: ConnectionTrait>(db: &C, case: cases::Model) -> Result<CaseView, Problem> {
    let retailer_id = case.retailer_id;
    let sale = db::sale_of(db, retailer_id, case.sale_id).await?;
    let product = db::product_of(db, retailer_id, sale.product_id).await?;
    let (swap, claim) = match db::swap_of_case(db, retailer_id, case.id).await? {
        None => (None, None),
        Some(swap) => {
            let claim = db::claim_of_swap(db, retailer_id, swap.id).await?;
            let replacement = if swap.replacement_product_id == product.id {
                product.clone()
            } else {
                db::product_of(db, retailer_id, swap.replacement_product_id).await?
            };
            let location = match swap.stock_location_id {
                Some(id) => db::stock::location(db, retailer_id, id).await?,
                None => None,
            };
            let mut view = SwapView::new(swap, &replacement);
            view.stock_location = location.map(|l| crate::http::view::StockLocationRef {
                id: l.id,
                name: l.label(),
            });
            let mut claim = claim.map(ClaimView::new).transpose()?;
            if let Some(c) = claim.as_mut() {
                c.disputed_at = db::settlement::disputed_at(db, retailer_id, c.id).await?;
            }
            (Some(view), claim)
        }
    };
    let timeline = db::timeline_of(db, retailer_id, case.id).await?;
    Ok(CaseView::from(CaseParts {
        case,
        sale: SaleView::new(sale, &product)?,
        swap,
        claim,
        timeline,
    }))
}

#[derive(Debug, Deserialize)]
pub struct ApproveSwap {
    /// Another model than the one sold; the same model when absent.
    #[serde(default)]
    pub replacement_sku: Option<String>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub approved_by: String,
    /// Where the crew goes; the sale's customer address when absent.
    #[serde(default)]
    pub delivery_address: Option<AddressBody>,
    /// Reserve the replacement at this stock location (one unit, in the same transaction);
    /// absent: no reservation.
    #[serde(default)]
    pub stock_location_id: Option<Uuid>,
}

/// A checked swap approval, from the JSON API or the desk form.
pub struct Approval {
    /// Another model than the one sold; the same model when `None`.
    pub replacement_sku: Option<String>,
    pub window: DeliveryWindow,
    /// Who approved: the API's `approved_by`, the desk's signed-in staff member.
    pub approved_by: String,
    /// The sale's customer address when `None`.
    pub delivery_address: Option<Address>,
    /// The manager who authorized a swap above the approver's limit (the desk).
    pub authorized_by: Option<String>,
    /// The limit the swap's value (the replacement's price) must be within: at the desk, the
    /// approver's — or the authorizing manager's; `None` = no check (the JSON API).
    pub limit: Option<Limit>,
    /// The stock location one unit of the replacement is reserved at; `None`: no reservation.
    pub stock_location_id: Option<Uuid>,
}

impl ApproveSwap {
    fn parse(&self, now: DateTime<Utc>) -> Result<Approval, Problem> {
        let mut v = FieldErrors::new();
        let replacement_sku = self
            .replacement_sku
            .as_deref()
            .map(|sku| v.text("replacement_sku", sku, CODE_MAX));
        let approved_by = v.text("approved_by", &self.approved_by, TEXT_MAX);
        let delivery_address = self
            .delivery_address
            .as_ref()
            .map(|a| a.parse("delivery_address", &mut v));
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
        let window = window.ok_or_else(|| Problem::internal("window vanished"))?;
        Ok(Approval {
            replacement_sku,
            window,
            approved_by,
            delivery_address,
            authorized_by: None,
            limit: None,
            stock_location_id: self.stock_location_id,
        })
    }
}

/// The problem code of a swap above the approver's authority limit.
pub const NEEDS_MANAGER: &str = "needs_manager";

fn refused(case_id: Uuid, e: crate::domain::ApprovalRefused) -> Problem {
    Problem::conflict(e.code(), format!("case {case_id}: {e}"))
}

/// `POST /api/retailers/{rid}/cases/{case_id}/swap` → 201 `{swap_id, claim_id, case_id}`.
///
/// With `stock_location_id`, one unit of the replacement is reserved there in the same
/// transaction (and named in the event's `replacement_from`); none left there → 409
/// `out_of_stock`, a location that is not the retailer's → 422 (`stock_location_id`).
///
/// This is the integration path (a POS or another system that has made its own decision): it
/// records `approved_by` as given and checks no authority limit. Staff approve at the desk,
/// where the limits apply (see `desk::pages::approve_swap`).
///
/// One transaction: the case row is locked, so of two approvals at once exactly one creates the
/// swap and the claim, and the other waits, sees the case approved, and answers 409
/// `swap_already_approved`. The swap, the claim (for the price paid), two timeline entries, the
/// case's new status and both events (`retailer.swap.approved.v1`,
/// `retailer.claim.submitted.v1`) commit together.
pub async fn approve_swap(
    db: web::Data<DatabaseConnection>,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ApproveSwap>,
) -> Result<HttpResponse, Problem> {
    let (retailer_id, case_id) = path.into_inner();
    let now = Utc::now();
    let approval = body.parse(now)?;
    let approved = approve(db.get_ref(), retailer_id, case_id, approval, now).await?;
    Ok(HttpResponse::Created().json(approved))
}

/// Approves the swap of a case (the JSON API and the desk): one transaction, see
/// [`approve_swap`]. Unknown case (or another retailer's) → 404; already approved or closed →
/// 409; unknown replacement SKU → 422 (`replacement_sku`). Nothing is saved on any error.
pub async fn approve(
    db: &DatabaseConnection,
    retailer_id: Uuid,
    case_id: Uuid,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<SwapApproved, Problem> {
    let txn = db.begin().await?;
    let approved = approve_in(&txn, retailer_id, case_id, approval, now).await?;
    txn.commit().await?;
    tracing::info!(
        retailer.id = %retailer_id, case.id = %case_id, swap.id = %approved.swap_id,
        claim.id = %approved.claim_id, "swap approved, claim submitted"
    );
    Ok(approved)
}

/// The problem code of a replacement the chosen stock location does not have.
pub const OUT_OF_STOCK: &str = "out_of_stock";

/// [`approve`] inside the caller's transaction (a manager approving a clerk's request records
/// the decision in the same one). On an error the caller must roll back.
pub async fn approve_in<C: ConnectionTrait>(
    txn: &C,
    retailer_id: Uuid,
    case_id: Uuid,
    approval: Approval,
    now: DateTime<Utc>,
) -> Result<SwapApproved, Problem> {
    let case = db::lock_case(txn, retailer_id, case_id)
        .await?
        .ok_or_else(|| Problem::not_found("case"))?;
    let next = db::case_status(&case)?
        .approve_swap()
        .map_err(|e| refused(case_id, e))?;
    let sale = db::sale_of(txn, retailer_id, case.sale_id).await?;
    let product = db::product_of(txn, retailer_id, sale.product_id).await?;
    let replacement = match &approval.replacement_sku {
        None => product.clone(),
        Some(sku) => db::product_by_sku(txn, retailer_id, sku)
            .await?
            .ok_or_else(|| invalid("replacement_sku", "no product with this SKU"))?,
    };
    if let Some(limit) = &approval.limit {
        // The value of a swap: what the retailer gives away, the replacement.
        let value = money(replacement.price, &replacement.currency)?;
        if !limit.allows(&value) {
            return Err(Problem::conflict(
                NEEDS_MANAGER,
                format!(
                    "this swap is worth {value}, above your authority limit ({}): it needs a \
                     manager",
                    limit.describe()
                ),
            ));
        }
    }
    let pickup = match approval.stock_location_id {
        None => None,
        Some(location_id) => {
            let location = db::stock::location(txn, retailer_id, location_id)
                .await?
                .ok_or_else(|| invalid("stock_location_id", "no such stock location"))?;
            if db::stock::reserve(txn, retailer_id, location_id, replacement.id)
                .await?
                .is_none()
            {
                return Err(Problem::conflict(
                    OUT_OF_STOCK,
                    format!(
                        "{} ({}) is not in stock at {}: nothing was saved",
                        replacement.name, replacement.sku, location.name
                    ),
                ));
            }
            Some(location)
        }
    };
    let address = approval
        .delivery_address
        .unwrap_or_else(|| customer_of(&sale));
    let price_paid = money(sale.price_paid, &sale.currency)?;
    let window = approval.window;

    let swap = swaps::Model {
        id: Uuid::now_v7(),
        case_id,
        retailer_id,
        replacement_product_id: replacement.id,
        window_start: window.start,
        window_end: window.end,
        address_name: address.name.clone(),
        address_phone: address.phone.clone(),
        street: address.street.clone(),
        postcode: address.postcode.clone(),
        city: address.city.clone(),
        country: address.country.clone(),
        approved_by: approval.approved_by.clone(),
        approved_at: now,
        authorized_by: approval.authorized_by.clone(),
        status: SwapStatus::Approved.as_str().to_owned(),
        status_changed_at: now,
        stock_location_id: pickup.as_ref().map(|l| l.id),
    };
    if !db::insert_swap(txn, swap.clone()).await? {
        // The lock makes this unreachable; the unique key is the second line of defence.
        return Err(refused(
            case_id,
            crate::domain::ApprovalRefused::AlreadyApproved,
        ));
    }
    let claim = claims::Model {
        id: Uuid::now_v7(),
        swap_id: swap.id,
        case_id,
        retailer_id,
        manufacturer_id: product.manufacturer_id,
        amount_claimed: price_paid.amount,
        currency: price_paid.currency.to_string(),
        status: ClaimStatus::Submitted.as_str().to_owned(),
        decided_amount: None,
        reason_code: None,
        submitted_at: now,
        decided_at: None,
    };
    if !db::insert_claim(txn, claim.clone()).await? {
        return Err(Problem::internal(format!(
            "claim for the new swap {} already exists",
            swap.id
        )));
    }
    let entry = |kind, details| Entry {
        case_id,
        retailer_id,
        kind,
        occurred_at: now,
        source: Source::Retailer,
        message_id: None,
        details,
    };
    let mut approved = json!({
        "swap_id": swap.id,
        "replacement_sku": replacement.sku,
        "window": { "start": window.start, "end": window.end },
        "approved_by": approval.approved_by,
    });
    if let Some(by) = &approval.authorized_by {
        approved["authorized_by"] = json!(by);
    }
    if let Some(location) = &pickup {
        approved["stock_location"] = json!(location.name);
    }
    db::insert_timeline(txn, entry(kind::SWAP_APPROVED, approved)).await?;
    db::insert_timeline(
        txn,
        entry(
            kind::CLAIM_SUBMITTED,
            json!({
                "claim_id": claim.id,
                "manufacturer_id": claim.manufacturer_id,
                "amount_claimed": price_paid,
            }),
        ),
    )
    .await?;
    db::set_case_status(txn, retailer_id, case_id, next).await?;
    enqueue(
        txn,
        SwapApprovedV1 {
            swap_id: swap.id,
            case_id,
            retailer_id,
            defective_serial: sale.serial.clone(),
            defective_product: product_ref(&product),
            replacement_product: product_ref(&replacement),
            delivery_address: address,
            window: TimeWindow {
                start: window.start,
                end: window.end,
            },
            approved_by: approval.approved_by,
            approved_at: now,
            replacement_from: pickup.as_ref().map(db::stock::Location::pickup),
        },
    )
    .await?;
    enqueue(
        txn,
        ClaimSubmittedV1 {
            claim_id: claim.id,
            swap_id: swap.id,
            case_id,
            retailer_id,
            manufacturer_id: claim.manufacturer_id,
            serial: sale.serial.clone(),
            product: product_ref(&product),
            price_paid,
            sold_at: sale.sold_at,
            swapped_at: now,
            defect_category: case.defect_category.clone(),
            defect_description: case.defect_description.clone(),
        },
    )
    .await?;
    Ok(SwapApproved {
        swap_id: swap.id,
        claim_id: claim.id,
        case_id,
    })
}
