//! Helpers for the claim's life after its arrival: agreement versions, evidence, returns and
//! disputes.

use crate::support::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kummerer_contracts::agreement::EvidenceKind;
use kummerer_contracts::claims::{ClaimEvidence, Photo};
use kummerer_contracts::topology::Service;
use kummerer_contracts::{BlobKey, ClaimDisputedV1, ClaimEvidenceAddedV1, ReturnArrivedV1};
use sha2::{Digest, Sha256};

/// The payloads (`data`) of the outbox rows with `routing_key` whose `data.<field>` is `id`,
/// oldest first.
pub async fn outbox_data(
    db: &DatabaseConnection,
    routing_key: &str,
    field: &str,
    id: &str,
) -> Vec<Value> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT payload FROM outbox WHERE routing_key = $1 \
             AND payload->'data'->>$2 = $3 ORDER BY created_at, id",
            [routing_key.into(), field.into(), id.into()],
        ))
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| r.try_get::<Value>("", "payload").unwrap()["data"].clone())
        .collect()
}

/// An agreement with the default body changed by `changes` (top-level fields).
pub async fn agreement_with(svc: &TestService, mid: Uuid, retailer: Uuid, changes: Value) -> Value {
    let mut body = agreement_body(retailer);
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    let a = post(svc, &format!("/api/manufacturers/{mid}/agreements"), &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

/// The claim once its history has `n` entries.
pub async fn wait_events(svc: &TestService, mid: Uuid, claim_id: Uuid, n: usize) -> Value {
    let path = format!("/api/manufacturers/{mid}/claims/{claim_id}");
    eventually(
        &format!("{n} events on claim {claim_id}"),
        DEADLINE,
        || async {
            let a = get(svc, &path).await;
            (a.status == 200 && a.body["events"].as_array().is_some_and(|e| e.len() >= n))
                .then_some(a.body)
        },
    )
    .await
}

/// A photo by claim-check: its bytes put in the shared blob directory under a new key of
/// logistics (as the crew's upload does), the message carrying the key, size and digest.
pub fn photo_of(bytes: &[u8], content_type: &str) -> Photo {
    let digest = sha256_hex(bytes);
    let key = BlobKey::new(Service::Logistics, &digest).unwrap();
    let path = blob_dir().join(key.as_str());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    Photo::stored(content_type, &digest, bytes.len() as u64, key)
}

/// A photo inline, as messages from before the claim-check carry it.
pub fn inline_photo_of(bytes: &[u8], content_type: &str) -> Photo {
    Photo {
        content_type: content_type.into(),
        sha256: sha256_hex(bytes),
        size_bytes: bytes.len() as u64,
        key: None,
        data_base64: Some(STANDARD.encode(bytes)),
    }
}

/// The file in the blob directory a stored photo names.
pub fn blob_file(photo: &Photo) -> std::path::PathBuf {
    blob_dir().join(photo.key.as_ref().unwrap().as_str())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn evidence(kind: EvidenceKind, serial: Option<&str>, photo: Option<Photo>) -> ClaimEvidence {
    ClaimEvidence {
        evidence_id: Uuid::now_v7(),
        kind,
        serial: serial.map(str::to_owned),
        serial_matches: None,
        note: Some("collected by crew 7".into()),
        photo,
        observed_at: Utc::now().trunc_subsecs(6),
    }
}

pub fn evidence_added(c: &ClaimSubmittedV1, e: ClaimEvidence) -> ClaimEvidenceAddedV1 {
    ClaimEvidenceAddedV1 {
        claim_id: c.claim_id,
        swap_id: c.swap_id,
        case_id: c.case_id,
        retailer_id: c.retailer_id,
        manufacturer_id: c.manufacturer_id,
        evidence: e,
    }
}

pub fn disputed(
    c: &ClaimSubmittedV1,
    statement: &str,
    evidence: Vec<ClaimEvidence>,
) -> ClaimDisputedV1 {
    ClaimDisputedV1 {
        claim_id: c.claim_id,
        swap_id: c.swap_id,
        case_id: c.case_id,
        retailer_id: c.retailer_id,
        manufacturer_id: c.manufacturer_id,
        statement: statement.into(),
        evidence,
        disputed_by: "desk@retailer".into(),
        disputed_at: Utc::now().trunc_subsecs(6),
    }
}

pub fn arrived(c: &ClaimSubmittedV1, depot_id: Uuid, serial: &str) -> ReturnArrivedV1 {
    ReturnArrivedV1 {
        claim_id: c.claim_id,
        swap_id: c.swap_id,
        case_id: c.case_id,
        retailer_id: c.retailer_id,
        manufacturer_id: c.manufacturer_id,
        depot_id: depot_id.into(),
        shipment_id: Uuid::now_v7().into(),
        serial: serial.into(),
        received_by: "Depot clerk".into(),
        arrived_at: Utc::now().trunc_subsecs(6),
    }
}

pub fn depot_body(name: &str) -> Value {
    json!({
        "name": name,
        "address": {"name": "Waschwerk Retouren", "phone": "+49 40 1234", "street": "Hafenstr. 1",
                    "postcode": "20457", "city": "Hamburg", "country": "DE"}
    })
}

pub async fn create_depot(svc: &TestService, mid: Uuid, name: &str) -> Uuid {
    let a = post(
        svc,
        &format!("/api/manufacturers/{mid}/depots"),
        &depot_body(name),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    serde_json::from_value(a.body["id"].clone()).unwrap()
}

pub fn claim_path(mid: Uuid, claim_id: Uuid) -> String {
    format!("/api/manufacturers/{mid}/claims/{claim_id}")
}
