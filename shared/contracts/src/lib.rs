//! Kümmerer's message contracts: the CloudEvents envelope, the versioned events that cross
//! service boundaries, their routing keys, and the value types they carry (money, windows).
//!
//! One module per producer holds what that service publishes — [`retailer`], [`logistics`],
//! [`manufacturer`] — beside the shared values: [`money`], [`address`] (address and window),
//! [`agreement`] (an agreement's terms and the reimbursement rule), [`ids`], [`envelope`] and
//! [`topology`] (exchanges, queues, bindings). Every type is also re-exported at the crate
//! root (`kummerer_contracts::SwapApprovedV1`), the path services use.
//!
//! Serde only, no I/O. Adding a field: make it `Option` or `#[serde(default)]`. Breaking a field:
//! a new `…V2` type and routing key, published beside V1 until every consumer has moved.

pub mod address;
pub mod agreement;
pub mod blob;
pub mod carriers;
pub mod envelope;
pub mod ids;
pub mod logistics;
pub mod manufacturer;
pub mod money;
pub mod partners;
pub mod personal;
pub mod retailer;
pub mod sales;
pub mod swap_rules;
pub mod topology;
pub mod vat;

pub use address::*;
pub use agreement::*;
pub use blob::{BlobKey, BlobKeyError};
pub use carriers::*;
pub use envelope::Envelope;
pub use ids::*;
pub use logistics::*;
pub use manufacturer::*;
pub use money::{Currency, Money, MoneyError};
pub use partners::*;
pub use personal::{CustomerValues, ERASED, Personal, scrub_json};
pub use retailer::*;
pub use sales::{BadMonth, SalesMonth, SalesReportedV1, UnitsSold};
pub use swap_rules::{
    CostLine, CostLineKind, DifferencePayer, ReplacementRule, RuleFees, SwapFacts, SwapRuleV1,
    SwapVerdict, UnitPriceBasis,
};
pub use vat::{CreditNoteVatV1, VatTreatment};

/// The paths before the contracts were split per producer (`kummerer_contracts::events::Address`,
/// `claims::ClaimEvidence`, `visits::JobDeliveredV1`): the same types, kept so that no caller
/// has to change. New code names the crate root or the producer's module.
pub mod events {
    pub use crate::address::{Address, TimeWindow};
    pub use crate::logistics::{FailureReason, JobCompletedV1, JobFailedV1, JobScheduledV1};
    pub use crate::manufacturer::{ClaimDecidedV1, ClaimOutcome, DecidedBy};
    pub use crate::retailer::{ClaimSubmittedV1, ProductRef, StockPickup, SwapApprovedV1};
}

/// See [`events`]: the former `claims` module's types.
pub mod claims {
    pub use crate::logistics::ReturnArrivedV1;
    pub use crate::manufacturer::{
        ClaimInspectedV1, CreditLine, CreditNoteIssuedV1, Depot, FreightPayer, InspectionResult,
        Period, ReturnRequestedV1,
    };
    pub use crate::retailer::{
        ClaimDisputedV1, ClaimEvidence, ClaimEvidenceAddedV1, Photo, PhotoBytes,
    };
}

/// See [`events`]: the former `visits` module's types.
pub mod visits {
    pub use crate::logistics::{JobDeliveredV1, JobOnTheWayV1, UnitCollectedV1};
}

/// An event that crosses a service boundary. `TYPE` is both the CloudEvents `type` and the
/// RabbitMQ routing key: `<producer>.<aggregate>.<event>.v<N>`.
pub trait Event: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static {
    const TYPE: &'static str;
    /// The service that publishes it (and whose exchange carries it).
    const PRODUCER: topology::Service;
    /// The CloudEvents `subject`: the id of the aggregate the event is about.
    fn subject(&self) -> String;
}

#[cfg(test)]
mod wire {
    //! The wire format pinned: a message as it travels decodes and encodes back to the same
    //! JSON, under the same routing key and producer, whichever module holds its type.
    #![allow(clippy::unwrap_used)]
    use serde_json::{Value, json};

    use super::*;

    fn same<E: Event>(key: &str, producer: topology::Service, wire: Value) {
        assert_eq!(E::TYPE, key);
        assert_eq!(E::PRODUCER, producer);
        let decoded: E = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(serde_json::to_value(&decoded).unwrap(), wire, "{key}");
    }

    const ID: &str = "0197a1c4-0000-7000-8000-000000000001";
    const AT: &str = "2026-11-02T10:00:00Z";

    fn address() -> Value {
        json!({"name": "A", "phone": "1", "street": "S 1", "postcode": "10115",
               "city": "Berlin", "country": "DE"})
    }

    #[test]
    fn each_producers_events_keep_their_wire_format() {
        use topology::Service::*;
        let money = json!({"amount": "499.00", "currency": "EUR"});
        let product = json!({"sku": "S", "name": "N", "manufacturer_id": ID});
        let window = json!({"start": AT, "end": AT});
        same::<SwapApprovedV1>(
            "retailer.swap.approved.v1",
            Retailer,
            json!({"swap_id": ID, "case_id": ID, "retailer_id": ID, "defective_serial": "X",
                   "defective_product": product, "replacement_product": product,
                   "delivery_address": address(), "window": window, "approved_by": "bea",
                   "approved_at": AT,
                   "replacement_from": {"location_id": ID, "name": "L", "address": address()}}),
        );
        same::<ClaimSubmittedV1>(
            "retailer.claim.submitted.v1",
            Retailer,
            json!({"claim_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "manufacturer_id": ID, "serial": "X", "product": product,
                   "price_paid": money, "sold_at": AT, "swapped_at": AT,
                   "defect_category": "c", "defect_description": "d"}),
        );
        // The list price rides beside the price paid; a message without it (above) still parses.
        same::<ClaimSubmittedV1>(
            "retailer.claim.submitted.v1",
            Retailer,
            json!({"claim_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "manufacturer_id": ID, "serial": "X", "product": product,
                   "price_paid": money, "list_price": money, "sold_at": AT, "swapped_at": AT,
                   "defect_category": "c", "defect_description": "d"}),
        );
        same::<JobFailedV1>(
            "logistics.job.failed.v1",
            Logistics,
            json!({"job_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "reason": "not_home", "note": null, "attempt": 1, "failed_at": AT}),
        );
        same::<JobOnTheWayV1>(
            "logistics.job.on_the_way.v1",
            Logistics,
            json!({"job_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "window": window, "eta": null, "departed_at": AT}),
        );
        same::<ClaimDecidedV1>(
            "manufacturer.claim.decided.v1",
            Manufacturer,
            json!({"claim_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "manufacturer_id": ID, "outcome": "partly_accepted", "amount": money,
                   "reason_code": null, "decided_by": {"kind": "rule", "rule": "doa"},
                   "decided_at": AT}),
        );
        same::<ReturnRequestedV1>(
            "manufacturer.claim.return_requested.v1",
            Manufacturer,
            json!({"claim_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "manufacturer_id": ID, "serial": "X", "product": product,
                   "depot": {"depot_id": ID, "name": "D", "address": address()},
                   "return_by": AT, "freight_paid_by": "retailer", "requested_at": AT}),
        );
    }

    /// A correction and both answers: the optional parts may be absent (a window alone, a
    /// refusal without a job).
    #[test]
    fn correction_messages_keep_their_wire_format() {
        use topology::Service::*;
        let window = json!({"start": AT, "end": AT});
        same::<SwapCorrectionRequestedV1>(
            "retailer.swap.correction_requested.v1",
            Retailer,
            json!({"swap_id": ID, "case_id": ID, "retailer_id": ID, "correction_id": ID,
                   "address": null, "window": window,
                   "requested_by": {"kind": "staff", "label": "bea"}, "reason": "r",
                   "requested_at": AT}),
        );
        let bare: SwapCorrectionRequestedV1 = serde_json::from_value(
            json!({"swap_id": ID, "case_id": ID, "retailer_id": ID, "correction_id": ID,
                   "address": address(), "requested_by": {"kind": "customer", "label": "C"},
                   "reason": "r", "requested_at": AT}),
        )
        .unwrap();
        assert_eq!(bare.window, None);
        assert_eq!(bare.requested_by.kind, RequesterKind::Customer);
        same::<JobCorrectedV1>(
            "logistics.job.corrected.v1",
            Logistics,
            json!({"job_id": ID, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "correction_id": ID, "address": address(), "window": window,
                   "crew_assigned": true, "corrected_at": AT}),
        );
        same::<JobCorrectionRefusedV1>(
            "logistics.job.correction_refused.v1",
            Logistics,
            json!({"job_id": null, "swap_id": ID, "case_id": ID, "retailer_id": ID,
                   "correction_id": ID, "reason": "unknown_job", "refused_at": AT}),
        );
    }

    /// The typed ids changed no byte on the wire: one event of each producer, built with typed
    /// ids, serialises to exactly the JSON it had with bare `Uuid` fields (each id its own UUID,
    /// so a swapped pair would show), and that JSON reads back to the same event.
    #[test]
    fn typed_ids_leave_the_wire_byte_identical() {
        fn id(n: u8) -> uuid::Uuid {
            format!("0197a1c4-0000-7000-8000-0000000000{n:02}")
                .parse()
                .unwrap()
        }
        fn byte_identical<E: Event + PartialEq + std::fmt::Debug>(event: E, wire: &str) {
            assert_eq!(serde_json::to_string(&event).unwrap(), wire, "{}", E::TYPE);
            assert_eq!(
                serde_json::from_str::<E>(wire).unwrap(),
                event,
                "{}",
                E::TYPE
            );
        }
        let at: chrono::DateTime<chrono::Utc> = AT.parse().unwrap();
        let money: Money =
            serde_json::from_value(json!({"amount": "49.90", "currency": "EUR"})).unwrap();

        byte_identical(
            ClaimDisputedV1 {
                claim_id: ClaimId(id(1)),
                swap_id: SwapId(id(2)),
                case_id: CaseId(id(3)),
                retailer_id: RetailerId(id(4)),
                manufacturer_id: ManufacturerId(id(5)),
                statement: "s".into(),
                evidence: vec![],
                disputed_by: "bea".into(),
                disputed_at: at,
            },
            r#"{"claim_id":"0197a1c4-0000-7000-8000-000000000001","swap_id":"0197a1c4-0000-7000-8000-000000000002","case_id":"0197a1c4-0000-7000-8000-000000000003","retailer_id":"0197a1c4-0000-7000-8000-000000000004","manufacturer_id":"0197a1c4-0000-7000-8000-000000000005","statement":"s","evidence":[],"disputed_by":"bea","disputed_at":"2026-11-02T10:00:00Z"}"#,
        );
        byte_identical(
            ReturnArrivedV1 {
                claim_id: ClaimId(id(1)),
                swap_id: SwapId(id(2)),
                case_id: CaseId(id(3)),
                retailer_id: RetailerId(id(4)),
                manufacturer_id: ManufacturerId(id(5)),
                depot_id: DepotId(id(6)),
                shipment_id: ShipmentId(id(7)),
                serial: "X".into(),
                received_by: "r".into(),
                arrived_at: at,
            },
            r#"{"claim_id":"0197a1c4-0000-7000-8000-000000000001","swap_id":"0197a1c4-0000-7000-8000-000000000002","case_id":"0197a1c4-0000-7000-8000-000000000003","retailer_id":"0197a1c4-0000-7000-8000-000000000004","manufacturer_id":"0197a1c4-0000-7000-8000-000000000005","depot_id":"0197a1c4-0000-7000-8000-000000000006","shipment_id":"0197a1c4-0000-7000-8000-000000000007","serial":"X","received_by":"r","arrived_at":"2026-11-02T10:00:00Z"}"#,
        );
        byte_identical(
            CreditNoteIssuedV1 {
                credit_note_id: CreditNoteId(id(8)),
                number: "CN-1".into(),
                manufacturer_id: ManufacturerId(id(5)),
                retailer_id: RetailerId(id(4)),
                period: None,
                lines: vec![CreditLine {
                    claim_id: ClaimId(id(1)),
                    swap_id: SwapId(id(2)),
                    case_id: CaseId(id(3)),
                    amount: money.clone(),
                    vat: None,
                    cost_lines: vec![],
                }],
                total: money,
                issued_at: at,
                vat: None,
            },
            r#"{"credit_note_id":"0197a1c4-0000-7000-8000-000000000008","number":"CN-1","manufacturer_id":"0197a1c4-0000-7000-8000-000000000005","retailer_id":"0197a1c4-0000-7000-8000-000000000004","period":null,"lines":[{"claim_id":"0197a1c4-0000-7000-8000-000000000001","swap_id":"0197a1c4-0000-7000-8000-000000000002","case_id":"0197a1c4-0000-7000-8000-000000000003","amount":{"amount":"49.90","currency":"EUR"}}],"total":{"amount":"49.90","currency":"EUR"},"issued_at":"2026-11-02T10:00:00Z"}"#,
        );
    }

    #[test]
    fn the_former_paths_name_the_same_types() {
        let a: events::Address = address::Address {
            name: String::new(),
            phone: String::new(),
            street: String::new(),
            postcode: String::new(),
            city: String::new(),
            country: String::new(),
        };
        let _: crate::Address = a;
        assert_eq!(
            <claims::ReturnArrivedV1 as Event>::TYPE,
            ReturnArrivedV1::TYPE
        );
        assert_eq!(
            <visits::JobDeliveredV1 as Event>::TYPE,
            JobDeliveredV1::TYPE
        );
    }
}
