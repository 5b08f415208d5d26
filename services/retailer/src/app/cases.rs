//! Opening a warranty case on a sold unit: the case is about the latest sale of the serial, and
//! a sale has at most one case in progress (a unique key).

use chrono::{DateTime, Utc};
use kummerer_contracts::{CaseId, RetailerId, StoreId};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use uuid::Uuid;

use crate::db::{self, cases, products, sales};
use crate::domain::{CaseStatus, DefectCategory};

/// Earlier cases of a unit listed at most (the desk and the JSON answer).
pub const EARLIER_CASES_MAX: u64 = 20;

/// A checked new case.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub serial: String,
    pub category: DefectCategory,
    pub description: String,
}

/// A case just opened, with what the answer shows about it.
pub struct Opened {
    pub case: cases::Model,
    pub sale: sales::Model,
    pub product: products::Model,
    /// The unit's earlier cases, newest first: a warning, not a refusal.
    pub earlier: Vec<cases::Model>,
}

/// An earlier case of the same unit: the warning when another case is opened on it.
#[derive(Debug, serde::Serialize)]
pub struct EarlierCase {
    pub id: Uuid,
    pub status: String,
    pub opened_at: DateTime<Utc>,
}

impl From<cases::Model> for EarlierCase {
    fn from(c: cases::Model) -> Self {
        EarlierCase {
            id: c.id,
            status: c.status.as_string(),
            opened_at: c.opened_at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenCaseError {
    #[error("no such retailer")]
    RetailerNotFound,
    /// No sale of this serial at the retailer.
    #[error("no sale of this unit")]
    NoSale,
    /// The sale already has a case in progress (`case_id`, when it could be named).
    #[error("the sale of {serial:?} already has a case in progress")]
    CaseExists {
        serial: String,
        case_id: Option<CaseId>,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Opens a case on the latest sale of `new.serial` (the JSON API).
pub async fn open(
    db: &DatabaseConnection,
    retailer_id: RetailerId,
    new: NewCase,
) -> Result<Opened, OpenCaseError> {
    let rid = retailer_id.as_uuid();
    db::find_retailer(db, rid)
        .await?
        .ok_or(OpenCaseError::RetailerNotFound)?;
    let sale = db::latest_sale_of_serial(db, rid, &new.serial)
        .await?
        .ok_or(OpenCaseError::NoSale)?;
    let exists = |case_id: Option<Uuid>| OpenCaseError::CaseExists {
        serial: sale.serial.clone(),
        case_id: case_id.map(CaseId),
    };
    if let Some(active) = db::desk::active_case_of_sale(db, rid, sale.id).await? {
        return Err(exists(Some(active.id)));
    }
    let earlier = db::desk::cases_of_unit(db, rid, &sale.serial, EARLIER_CASES_MAX).await?;
    let case = match open_on_sale(db, &sale, new.category, new.description, None).await {
        Ok(case) => case,
        // Opened by someone else meanwhile: name that case too.
        Err(OpenCaseError::CaseExists { .. }) => {
            let active = db::desk::active_case_of_sale(db, rid, sale.id).await?;
            return Err(exists(active.map(|c| c.id)));
        }
        Err(e) => return Err(e),
    };
    let product = db::product_of(db, rid, sale.product_id).await?;
    Ok(Opened {
        case,
        sale,
        product,
        earlier,
    })
}

/// Opens a case on `sale` (at a store: the desk's staff member's, for the dashboard); a case
/// already in progress for that sale → [`OpenCaseError::CaseExists`].
pub async fn open_on_sale<C: ConnectionTrait>(
    db: &C,
    sale: &sales::Model,
    category: DefectCategory,
    description: String,
    store_id: Option<StoreId>,
) -> Result<cases::Model, OpenCaseError> {
    let case = cases::Model {
        id: Uuid::now_v7(),
        retailer_id: sale.retailer_id,
        sale_id: sale.id,
        defect_category: category,
        defect_description: description,
        status: CaseStatus::Open,
        opened_at: Utc::now(),
        status_token_hash: None,
        store_id: store_id.map(Uuid::from),
    };
    if !db::insert_case(db, case.clone()).await? {
        return Err(OpenCaseError::CaseExists {
            serial: sale.serial.clone(),
            case_id: None,
        });
    }
    tracing::info!(
        retailer.id = %sale.retailer_id, case.id = %case.id, sale.id = %sale.id,
        "case opened"
    );
    Ok(case)
}
