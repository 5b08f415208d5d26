//! Every event the retailer publishes, built in one place and written to the outbox in the
//! caller's transaction (the manufacturer's `announce.rs` is the model). The use cases in
//! [`crate::app`] and the case-events consumer call these; nothing else builds an event.

use chrono::{DateTime, Utc};
use kummerer_contracts::{
    Address, ClaimDisputedV1, ClaimEvidence, ClaimEvidenceAddedV1, ClaimSubmittedV1, EvidenceKind,
    Money, ProductRef, SwapApprovedV1, TimeWindow,
};
use kummerer_messaging::enqueue;
use sea_orm::{ConnectionTrait, DbErr};

use crate::db::{cases, claims, products, sales, settlement, stock, swaps};
use crate::domain::evidence_id;

/// How an event names a product of the catalogue.
pub fn product_ref(p: &products::Model) -> ProductRef {
    ProductRef {
        sku: p.sku.clone(),
        name: p.name.clone(),
        manufacturer_id: p.manufacturer_id.into(),
    }
}

/// The customer of a sale, at the address the sale recorded.
pub fn customer_of(s: &sales::Model) -> Address {
    Address {
        name: s.customer_name.clone(),
        phone: s.customer_phone.clone(),
        street: s.street.clone(),
        postcode: s.postcode.clone(),
        city: s.city.clone(),
        country: s.country.clone(),
    }
}

/// What a new swap is about: the rows the approval wrote and read.
pub struct SwapFacts<'a> {
    pub swap: &'a swaps::Model,
    pub claim: &'a claims::Model,
    pub case: &'a cases::Model,
    pub sale: &'a sales::Model,
    pub product: &'a products::Model,
    pub replacement: &'a products::Model,
    pub delivery_address: Address,
    pub pickup: Option<&'a stock::Location>,
    pub price_paid: Money,
}

/// `retailer.swap.approved.v1` (to logistics) and `retailer.claim.submitted.v1` (to the
/// manufacturer) for a swap just approved.
pub async fn swap_approved<C: ConnectionTrait>(txn: &C, f: SwapFacts<'_>) -> Result<(), DbErr> {
    let SwapFacts {
        swap,
        claim,
        case,
        sale,
        product,
        replacement,
        delivery_address,
        pickup,
        price_paid,
    } = f;
    enqueue(
        txn,
        SwapApprovedV1 {
            swap_id: swap.id.into(),
            case_id: case.id.into(),
            retailer_id: swap.retailer_id.into(),
            defective_serial: sale.serial.clone(),
            defective_product: product_ref(product),
            replacement_product: product_ref(replacement),
            delivery_address,
            window: TimeWindow {
                start: swap.window_start,
                end: swap.window_end,
            },
            approved_by: swap.approved_by.clone(),
            approved_at: swap.approved_at,
            replacement_from: pickup.map(stock::Location::pickup),
            overbooked: swap.overbooked_by.is_some(),
        },
    )
    .await?;
    claim_submitted(
        txn,
        ClaimFacts {
            swap,
            claim,
            case,
            sale,
            product,
            price_paid,
        },
    )
    .await
}

/// What a claim submission is about.
pub struct ClaimFacts<'a> {
    pub swap: &'a swaps::Model,
    pub claim: &'a claims::Model,
    pub case: &'a cases::Model,
    pub sale: &'a sales::Model,
    pub product: &'a products::Model,
    pub price_paid: Money,
}

/// `retailer.claim.submitted.v1`: the claim filed with a swap, or submitted again after the
/// manufacturer did not accept it (the same claim id, the product as it is now); followed by
/// the sale's receipt as evidence ([`receipt`]) when the agreement in force at the swap requires
/// one.
pub async fn claim_submitted<C: ConnectionTrait>(txn: &C, f: ClaimFacts<'_>) -> Result<(), DbErr> {
    let (swap, claim, case, sale, product) = (f.swap, f.claim, f.case, f.sale, f.product);
    let receipt = receipt(claim, sale, &f.price_paid);
    let agreement = settlement::agreement_in_force(
        txn,
        swap.retailer_id,
        claim.manufacturer_id,
        swap.approved_at,
    )
    .await?;
    let wants_receipt =
        agreement.is_some_and(|a| a.terms.evidence_required.contains(&EvidenceKind::Receipt));
    enqueue(
        txn,
        ClaimSubmittedV1 {
            claim_id: claim.id.into(),
            swap_id: swap.id.into(),
            case_id: case.id.into(),
            retailer_id: swap.retailer_id.into(),
            manufacturer_id: claim.manufacturer_id.into(),
            serial: sale.serial.clone(),
            product: product_ref(product),
            price_paid: f.price_paid,
            list_price: crate::db::money(product.price, &product.currency).ok(),
            sold_at: sale.sold_at,
            swapped_at: swap.approved_at,
            defect_category: case.defect_category.as_string(),
            defect_description: case.defect_description.clone(),
        },
    )
    .await?;
    if !wants_receipt {
        return Ok(());
    }
    evidence_added(txn, swap, claim, vec![receipt]).await
}

/// The sale's receipt as `receipt` evidence of `claim`: receipt number, sale date, price paid
/// and the unit's serial. Its id is derived from the claim's, so the receipt forwarded again
/// (a redelivery, a resubmission) is stored once.
pub fn receipt(claim: &claims::Model, sale: &sales::Model, price_paid: &Money) -> ClaimEvidence {
    ClaimEvidence {
        evidence_id: evidence_id(claim.id, EvidenceKind::Receipt),
        kind: EvidenceKind::Receipt,
        serial: Some(sale.serial.clone()),
        serial_matches: None,
        note: Some(format!(
            "receipt {}, sold {}, paid {}",
            sale.receipt_no,
            sale.sold_at.format("%Y-%m-%d"),
            price_paid
        )),
        photo: None,
        observed_at: sale.sold_at,
    }
}

/// `retailer.claim.disputed.v1`: the statement, and the note (if any) as evidence.
pub async fn claim_disputed<C: ConnectionTrait>(
    txn: &C,
    claim: &claims::Model,
    statement: String,
    note: Option<String>,
    disputed_by: String,
    disputed_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let evidence = note
        .into_iter()
        .map(|note| ClaimEvidence {
            evidence_id: evidence_id(claim.id, EvidenceKind::Statement),
            kind: EvidenceKind::Statement,
            serial: None,
            serial_matches: None,
            note: Some(note),
            photo: None,
            observed_at: disputed_at,
        })
        .collect();
    enqueue(
        txn,
        ClaimDisputedV1 {
            claim_id: claim.id.into(),
            swap_id: claim.swap_id.into(),
            case_id: claim.case_id.into(),
            retailer_id: claim.retailer_id.into(),
            manufacturer_id: claim.manufacturer_id.into(),
            statement,
            evidence,
            disputed_by,
            disputed_at,
        },
    )
    .await?;
    Ok(())
}

/// `retailer.claim.evidence.added.v1`, once per piece of evidence.
pub async fn evidence_added<C: ConnectionTrait>(
    txn: &C,
    swap: &swaps::Model,
    claim: &claims::Model,
    evidence: Vec<ClaimEvidence>,
) -> Result<(), DbErr> {
    for evidence in evidence {
        enqueue(
            txn,
            ClaimEvidenceAddedV1 {
                claim_id: claim.id.into(),
                swap_id: swap.id.into(),
                case_id: swap.case_id.into(),
                retailer_id: swap.retailer_id.into(),
                manufacturer_id: claim.manufacturer_id.into(),
                evidence,
            },
        )
        .await?;
    }
    Ok(())
}

/// `retailer.swap.cancel_requested.v1`: asks logistics to cancel the swap's job.
pub async fn swap_cancel_requested<C: ConnectionTrait>(
    txn: &C,
    swap: &crate::db::swaps::Model,
    reason: &str,
    requested_by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::SwapCancelRequestedV1 {
            swap_id: swap.id.into(),
            case_id: swap.case_id.into(),
            retailer_id: swap.retailer_id.into(),
            reason: reason.to_owned(),
            requested_by: requested_by.to_owned(),
            requested_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `retailer.swap.correction_requested.v1`: asks logistics to correct a swap's visit.
pub async fn swap_correction_requested<C: ConnectionTrait>(
    txn: &C,
    event: kummerer_contracts::SwapCorrectionRequestedV1,
) -> Result<(), DbErr> {
    enqueue(txn, event).await?;
    Ok(())
}

/// `retailer.swap.customer_answered.v1`: the customer confirmed the visit's window or said they
/// won't be home (the status page, issue 13).
pub async fn swap_customer_answered<C: ConnectionTrait>(
    txn: &C,
    event: kummerer_contracts::SwapCustomerAnsweredV1,
) -> Result<(), DbErr> {
    enqueue(txn, event).await?;
    Ok(())
}

/// `retailer.claim.withdrawn.v1`: the swap behind `claim` was cancelled.
pub async fn claim_withdrawn<C: ConnectionTrait>(
    txn: &C,
    claim: &claims::Model,
    reason: String,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::ClaimWithdrawnV1 {
            claim_id: claim.id.into(),
            swap_id: claim.swap_id.into(),
            case_id: claim.case_id.into(),
            retailer_id: claim.retailer_id.into(),
            manufacturer_id: claim.manufacturer_id.into(),
            reason,
            withdrawn_at: at,
        },
    )
    .await?;
    Ok(())
}
/// `retailer.claim.information_provided.v1`: the answer to the manufacturer's question.
pub async fn information_provided<C: ConnectionTrait>(
    txn: &C,
    claim: &claims::Model,
    answer: String,
    answered_by: String,
    answered_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::ClaimInformationProvidedV1 {
            claim_id: claim.id.into(),
            swap_id: claim.swap_id.into(),
            case_id: claim.case_id.into(),
            retailer_id: claim.retailer_id.into(),
            manufacturer_id: claim.manufacturer_id.into(),
            answer,
            answered_by,
            answered_at,
        },
    )
    .await?;
    Ok(())
}

/// `retailer.customer.erasure_requested.v1`: logistics erases its copy of the customer.
pub async fn customer_erasure_requested<C: ConnectionTrait>(
    txn: &C,
    ev: kummerer_contracts::CustomerErasureRequestedV1,
) -> Result<(), DbErr> {
    enqueue(txn, ev).await?;
    Ok(())
}

/// `retailer.carrier_contract.offered.v1` for the offer just stored.
pub async fn carrier_contract_offered<C: ConnectionTrait>(
    txn: &C,
    c: &crate::db::carrier_contracts::NewContract,
    retailer_name: &str,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::CarrierContractOfferedV1 {
            contract_id: c.id.into(),
            retailer_id: c.retailer_id.into(),
            retailer_name: retailer_name.to_owned(),
            carrier_id: c.carrier_id.into(),
            postcode_prefixes: c.postcode_prefixes.clone(),
            weekdays: c
                .weekdays
                .iter()
                .filter_map(|d| u8::try_from(*d).ok())
                .collect(),
            daily_capacity: c.daily_capacity.and_then(|n| u32::try_from(n).ok()),
            offered_at: c.offered_at,
        },
    )
    .await?;
    Ok(())
}

/// `retailer.carrier_contract.ended.v1`: the retailer ended `c`.
pub async fn carrier_contract_ended<C: ConnectionTrait>(
    txn: &C,
    c: &crate::db::carrier_contracts::Contract,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    enqueue(
        txn,
        kummerer_contracts::CarrierContractEndedV1 {
            contract_id: c.id.into(),
            retailer_id: c.retailer_id.into(),
            carrier_id: c.carrier_id.into(),
            ended_by: by.to_owned(),
            ended_at: at,
        },
    )
    .await?;
    Ok(())
}

/// `retailer.sales.reported.v1`: the month's full count per product for one linked
/// manufacturer (see [`crate::app::sales_reports`]).
pub async fn sales_reported<C: ConnectionTrait>(
    txn: &C,
    due: &crate::domain::sales_report::Due,
    as_of: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (retailer_id, manufacturer_id, month) = due.key;
    enqueue(
        txn,
        kummerer_contracts::SalesReportedV1 {
            retailer_id: retailer_id.into(),
            manufacturer_id: manufacturer_id.into(),
            month: kummerer_contracts::SalesMonth::of(month),
            sequence: due.sequence,
            as_of,
            by_product: due
                .products
                .iter()
                .map(|(sku, c)| kummerer_contracts::UnitsSold {
                    sku: sku.clone(),
                    name: c.name.clone(),
                    units: c.units,
                })
                .collect(),
        },
    )
    .await?;
    Ok(())
}
