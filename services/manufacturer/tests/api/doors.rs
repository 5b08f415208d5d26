//! Every door of the service, walked from its route table (`manufacturer::http::doors()`, not a
//! hand-kept list): without a credential only the open doors answer; manufacturer A's key with
//! B's ids in the path answers 404 and changes none of B's rows; B's key with B's ids passes.
//! A route registered later without a credential check makes this test fail.

use super::flow::{evidence, evidence_added, photo_of};
use crate::support::*;
use kummerer_contracts::agreement::EvidenceKind;
use kummerer_web::doors::{Access, Door};

/// A manufacturer with one of everything a path can name.
struct Tenant {
    mid: Uuid,
    key: String,
    /// A second key of the manufacturer: the one `DELETE …/api-keys/{key_id}` revokes.
    spare_key: Uuid,
    /// The retailer of the agreement (a partner, linked as before issue 18).
    retailer: Uuid,
    agreement: Uuid,
    claim: Uuid,
    evidence: Uuid,
    credit_note: Uuid,
    webhook: Uuid,
}

fn id_of(a: &Answer, at: &str) -> Uuid {
    assert!((200..300).contains(&a.status), "{}", a.body);
    let v = a.body.pointer(at).cloned().unwrap_or_default();
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{at} of {}: {e}", a.body))
}

async fn tenant(svc: &TestService, name: &str) -> Tenant {
    let (mid, key, _) = manufacturer_with_key(svc, name).await;
    let base = format!("/api/manufacturers/{mid}");
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(svc, mid, retailer).await;
    let agreement = serde_json::from_value(agreement["id"].clone()).unwrap();
    // Sold 3 days before the swap: accepted by the DOA rule, so a credit note can be issued.
    let event = claim(mid, retailer, 3);
    publish_event(&svc.names, event.clone()).await;
    wait_claim(svc, mid, event.claim_id.as_uuid()).await;
    let photo = evidence(
        EvidenceKind::CollectedPhoto,
        None,
        Some(photo_of(b"\x89PNG\r\n\x1a\n door test", "image/png")),
    );
    let evidence_id = photo.evidence_id;
    publish_event(&svc.names, evidence_added(&event, photo)).await;
    let photo_path = format!(
        "{base}/claims/{}/evidence/{evidence_id}/photo",
        event.claim_id
    );
    eventually("the photo evidence", DEADLINE, || async {
        let res = request(svc, reqwest::Method::GET, &photo_path)
            .send()
            .await
            .unwrap();
        (res.status() == 200).then_some(())
    })
    .await;
    let note = post(
        svc,
        &format!("{base}/credit-notes"),
        &json!({"claim_id": event.claim_id}),
    )
    .await;
    let webhook = post(
        svc,
        &format!("{base}/webhooks"),
        &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["claim.updated"]}),
    )
    .await;
    let spare = post(svc, &format!("{base}/api-keys"), &json!({"label": "spare"})).await;
    post(
        svc,
        &format!("{base}/depots"),
        &json!({"name": "Depot", "address": {"line1": "Kai 1", "postcode": "20457",
            "city": "Hamburg", "country": "DE"}}),
    )
    .await;
    Tenant {
        mid,
        key,
        spare_key: id_of(&spare, "/id"),
        retailer,
        agreement,
        claim: event.claim_id.as_uuid(),
        evidence: evidence_id,
        credit_note: id_of(&note, "/credit_notes/0/id"),
        webhook: id_of(&webhook, "/id"),
    }
}

/// The door's path with the tenant's ids: `{id}` is whatever the segment before it names.
fn path_of(door: &Door, t: &Tenant) -> String {
    let segments: Vec<&str> = door.path.split('/').collect();
    door.fill(|name| {
        let before = segments
            .iter()
            .position(|s| s.starts_with(&format!("{{{name}")))
            .and_then(|i| i.checked_sub(1))
            .map(|i| segments[i])
            .unwrap_or_default();
        let id = match (name, before) {
            // The link's action: an invitation of a partner changes nothing (409).
            ("action", _) => return "invite".to_owned(),
            ("mid", _) => t.mid,
            ("rid", _) => t.retailer,
            ("key_id", _) => t.spare_key,
            ("evidence_id", _) => t.evidence,
            ("id", "agreements") => t.agreement,
            ("id", "claims") => t.claim,
            ("id", "credit-notes") => t.credit_note,
            ("id", "webhooks") => t.webhook,
            other => panic!("{} {}: no id for {other:?}", door.method, door.path),
        };
        id.to_string()
    })
}

async fn call(svc: &TestService, door: &Door, path: &str, key: Option<&str>) -> Answer {
    let method = reqwest::Method::from_bytes(door.method.as_str().as_bytes()).unwrap();
    call_as(svc, &method, path, &json!({}), key).await
}

/// A digest of every row of every table (of `api_keys` only the rows of `mid` when given: the
/// caller's own key records its use).
async fn digest(db: &DatabaseConnection, mid: Option<Uuid>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let tables = table_counts(db).await.into_iter().map(|(t, _)| t);
    for table in tables.chain(["partner_directory", "partner_links"]) {
        let filter = match (table, mid) {
            ("api_keys", Some(mid)) => format!("WHERE t.manufacturer_id = '{mid}'"),
            _ => String::new(),
        };
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) \
                     FROM {table} t {filter}"
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        out.push((table, row.try_get_by_index::<String>(0).unwrap()));
    }
    out
}

/// Waits until every outbox row is sent, so that the relay changes no row during the walk.
async fn settled(svc: &TestService) {
    eventually("outbox sent", DEADLINE, || async {
        let n = count(
            &svc.db,
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL",
            vec![],
        )
        .await;
        (n == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_door_needs_the_credential_of_its_tenant() {
    let doors = manufacturer::http::doors();
    assert!(doors.len() > 20, "{doors:?}");
    for (method, path, access) in [
        ("POST", "/api/manufacturers", Access::Operator),
        (
            "GET",
            "/api/manufacturers/{mid}/claims/{id}",
            Access::Tenant,
        ),
        ("POST", "/api/manufacturers/{mid}/serials", Access::Tenant),
        ("GET", "/openapi.json", Access::Open),
    ] {
        assert!(
            doors
                .iter()
                .any(|d| d.method.as_str() == method && d.path == path && d.access == access),
            "{method} {path} is not in the table"
        );
    }

    let svc = start().await;
    let a = tenant(&svc, "Waschwerk AG").await;
    let b = tenant(&svc, "Kühlhaus GmbH").await;
    settled(&svc).await;

    // 1. No credential: only the open doors answer, and nothing changes.
    let before = digest(&svc.db, None).await;
    for door in &doors {
        let path = path_of(door, &b);
        let res = call(&svc, door, &path, None).await;
        let what = format!("{} {path} without a credential", door.method);
        if door.access.is_open() {
            assert!(res.status < 300, "{what}: {} {}", res.status, res.body);
        } else {
            assert_problem(&res, 401, &what);
        }
    }
    assert_eq!(
        digest(&svc.db, None).await,
        before,
        "a call without a key changed rows"
    );

    // 2. A's key with B's ids: 404 as for unknown ids (the operator's door: 401), and none of
    // B's rows change.
    let before = digest(&svc.db, Some(b.mid)).await;
    for door in doors.iter().filter(|d| !d.access.is_open()) {
        let path = path_of(door, &b);
        let res = call(&svc, door, &path, Some(&a.key)).await;
        let what = format!("{} {path} with A's key", door.method);
        match door.access {
            Access::Operator => assert_problem(&res, 401, &what),
            _ => assert!(
                res.status == 404 || res.status == 403,
                "{what}: {} {}",
                res.status,
                res.body
            ),
        }
    }
    assert_eq!(
        digest(&svc.db, Some(b.mid)).await,
        before,
        "A's key changed rows"
    );

    // 3. B's key with B's ids: the credential works (so the walk above can fail).
    for door in doors
        .iter()
        .filter(|d| d.access == Access::Tenant && d.method != actix_web::http::Method::DELETE)
        .chain(
            doors
                .iter()
                .filter(|d| d.method == actix_web::http::Method::DELETE),
        )
    {
        let path = path_of(door, &b);
        let res = call(&svc, door, &path, Some(&b.key)).await;
        assert_ne!(
            res.status, 401,
            "{} {path} with B's key: {}",
            door.method, res.body
        );
        assert_ne!(
            res.status, 404,
            "{} {path} with B's key: {}",
            door.method, res.body
        );
    }
    svc.stop().await;
}
