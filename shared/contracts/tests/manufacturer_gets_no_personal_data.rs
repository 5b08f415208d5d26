//! The manufacturer never receives personal data (issue 18): every message type bound to a
//! queue the manufacturer consumes (taken from the topology table, so a new binding is checked
//! without touching this test) is filled completely — every optional field present, no `null`
//! left — and its JSON must hold no field about the customer: name, phone, address, street,
//! postcode, e-mail, recipient, receipt holder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kummerer_contracts::topology::{Service, queues_of};
use kummerer_contracts::{
    AgreementAcceptedV1, ClaimDisputedV1, ClaimEvidenceAddedV1, ClaimInformationProvidedV1,
    ClaimSubmittedV1, ClaimWithdrawnV1, Event, RetailerPartnerChangedV1, RetailerProfileV1,
    ReturnArrivedV1, SalesReportedV1,
};
use serde_json::{Value, json};

const IDS: [(&str, &str); 7] = [
    ("claim_id", "0193a1b2-0000-7000-8000-000000000001"),
    ("swap_id", "0193a1b2-0000-7000-8000-000000000002"),
    ("case_id", "0193a1b2-0000-7000-8000-000000000003"),
    ("retailer_id", "0193a1b2-0000-7000-8000-000000000004"),
    ("manufacturer_id", "0193a1b2-0000-7000-8000-000000000005"),
    ("depot_id", "0193a1b2-0000-7000-8000-000000000006"),
    ("shipment_id", "0193a1b2-0000-7000-8000-000000000007"),
];

fn with_ids(mut v: Value, keys: &[&str]) -> Value {
    for (k, id) in IDS {
        if keys.contains(&k) {
            v[k] = json!(id);
        }
    }
    v
}

const CLAIM_IDS: [&str; 5] = [
    "claim_id",
    "swap_id",
    "case_id",
    "retailer_id",
    "manufacturer_id",
];

fn evidence() -> Value {
    json!({
        "evidence_id": "0193a1b2-0000-7000-8000-0000000000e1", "kind": "receipt",
        "serial": "SN-1", "serial_matches": true, "note": "receipt R-1 of 2026-11-01",
        "photo": {"content_type": "image/png", "sha256": "ab", "size_bytes": 1,
                  "data_base64": "AA=="},
        "observed_at": "2026-12-01T10:00:00Z"
    })
}

fn money() -> Value {
    json!({"amount": "499.00", "currency": "EUR"})
}

/// A complete sample of `ty`, read as its Rust type and written back (so it is the type's own
/// JSON, not this test's idea of it).
fn sample(ty: &str) -> Value {
    fn round<E: Event>(v: Value) -> Value {
        serde_json::to_value(serde_json::from_value::<E>(v).expect(E::TYPE)).unwrap()
    }
    let product = json!({"sku": "WM-100", "name": "Washing machine WM 100",
                         "manufacturer_id": IDS[4].1});
    match ty {
        ClaimSubmittedV1::TYPE => {
            let mut v = with_ids(json!({}), &CLAIM_IDS);
            for (k, x) in [
                ("serial", json!("SN-1")),
                ("product", product),
                ("price_paid", money()),
                ("list_price", money()),
                ("sold_at", json!("2026-11-01T10:00:00Z")),
                ("swapped_at", json!("2026-12-01T10:00:00Z")),
                ("defect_category", json!("does_not_start")),
                ("defect_description", json!("Drum does not turn")),
            ] {
                v[k] = x;
            }
            round::<ClaimSubmittedV1>(v)
        }
        ClaimEvidenceAddedV1::TYPE => {
            let mut v = with_ids(json!({}), &CLAIM_IDS);
            v["evidence"] = evidence();
            round::<ClaimEvidenceAddedV1>(v)
        }
        ClaimDisputedV1::TYPE => {
            let mut v = with_ids(json!({}), &CLAIM_IDS);
            v["statement"] = json!("The unit was never opened");
            v["evidence"] = json!([evidence()]);
            v["disputed_by"] = json!("manager@store.example");
            v["disputed_at"] = json!("2026-12-01T10:00:00Z");
            round::<ClaimDisputedV1>(v)
        }
        ReturnArrivedV1::TYPE => {
            let mut keys = CLAIM_IDS.to_vec();
            keys.extend(["depot_id", "shipment_id"]);
            let mut v = with_ids(json!({}), &keys);
            v["serial"] = json!("SN-1");
            v["received_by"] = json!("depot clerk");
            v["arrived_at"] = json!("2026-12-01T10:00:00Z");
            round::<ReturnArrivedV1>(v)
        }
        ClaimWithdrawnV1::TYPE => {
            let mut v = with_ids(json!({}), &CLAIM_IDS);
            v["reason"] = json!("swap_cancelled");
            v["withdrawn_at"] = json!("2026-12-01T10:00:00Z");
            round::<ClaimWithdrawnV1>(v)
        }
        ClaimInformationProvidedV1::TYPE => {
            let mut v = with_ids(json!({}), &CLAIM_IDS);
            v["answer"] = json!("Bought in store");
            v["answered_by"] = json!("clerk@store.example");
            v["answered_at"] = json!("2026-12-01T10:00:00Z");
            round::<ClaimInformationProvidedV1>(v)
        }
        RetailerProfileV1::TYPE => {
            let mut v = with_ids(json!({}), &["retailer_id"]);
            v["name"] = json!("Elektro Maier GmbH");
            v["announced_at"] = json!("2026-12-01T10:00:00Z");
            v["country"] = json!("DE");
            round::<RetailerProfileV1>(v)
        }
        RetailerPartnerChangedV1::TYPE => {
            let mut v = with_ids(json!({}), &["retailer_id", "manufacturer_id"]);
            v["retailer_name"] = json!("Elektro Maier GmbH");
            v["action"] = json!("invite");
            v["acted_by"] = json!("admin@store.example");
            v["acted_at"] = json!("2026-12-01T10:00:00Z");
            round::<RetailerPartnerChangedV1>(v)
        }
        AgreementAcceptedV1::TYPE => {
            let mut v = with_ids(json!({}), &["retailer_id", "manufacturer_id"]);
            v["agreement_id"] = json!("0193a1b2-0000-7000-8000-0000000000a1");
            v["version"] = json!(2);
            v["accepted_by"] = json!("admin@store.example");
            v["accepted_at"] = json!("2026-12-01T10:00:00Z");
            round::<AgreementAcceptedV1>(v)
        }
        SalesReportedV1::TYPE => {
            let mut v = with_ids(json!({}), &["retailer_id", "manufacturer_id"]);
            v["month"] = json!("2026-11");
            v["sequence"] = json!(1);
            v["as_of"] = json!("2026-12-01T10:00:00Z");
            v["by_product"] = json!([{"sku": "WM-100", "name": "WM 100", "units": 12}]);
            round::<SalesReportedV1>(v)
        }
        other => panic!(
            "the manufacturer consumes {other}: add a complete sample of it here, so it is \
             checked for personal data"
        ),
    }
}

/// A key that names something about a person: anything with these words, or a bare `name`
/// that is not a product's or a tenant's (a `*.tenant.profile.v1` names a business).
fn personal_key(parent: &str, key: &str) -> bool {
    const WORDS: [&str; 10] = [
        "customer",
        "recipient",
        "phone",
        "street",
        "address",
        "postcode",
        "mail",
        "holder",
        "city",
        "person",
    ];
    let k = key.to_ascii_lowercase();
    WORDS.iter().any(|w| k.contains(w))
        || (k == "name" && !parent.ends_with("product") && parent != "tenant")
}

fn personal_fields(v: &Value, parent: &str, path: &str, found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                let here = format!("{path}.{k}");
                if personal_key(parent, k) {
                    found.push(here.clone());
                }
                personal_fields(x, k, &here, found);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                personal_fields(x, parent, &format!("{path}[{i}]"), found);
            }
        }
        Value::Null => found.push(format!("{path} (null: fill every field of the sample)")),
        _ => {}
    }
}

#[test]
fn no_message_the_manufacturer_consumes_has_a_customer_field() {
    let mut types = Vec::new();
    for queue in queues_of(Service::Manufacturer) {
        for (_, ty) in queue.bindings {
            types.push(*ty);
        }
    }
    assert!(types.len() >= 6, "{types:?}");
    for ty in types {
        let mut found = Vec::new();
        let root = if ty.ends_with(".tenant.profile.v1") {
            "tenant"
        } else {
            ""
        };
        personal_fields(&sample(ty), root, ty, &mut found);
        assert!(found.is_empty(), "{ty} carries personal fields: {found:?}");
    }
}

#[test]
fn the_check_sees_a_customer_field() {
    let mut found = Vec::new();
    let swap = json!({"product": {"name": "WM"}, "delivery_address": {"name": "E", "phone": "1"}});
    personal_fields(&swap, "", "x", &mut found);
    assert_eq!(
        found,
        [
            "x.delivery_address",
            "x.delivery_address.name",
            "x.delivery_address.phone"
        ]
    );
}
