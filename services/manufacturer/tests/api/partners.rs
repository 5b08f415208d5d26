//! Partner links with consent (issue 18) at the manufacturer: retailers found by name (their
//! profiles arrive over the broker), the manufacturer's invitation, the retailer's answer, the
//! manufacturer's answer to a retailer's invitation (accept, decline, crossed invitations,
//! withdrawing its own) by its API key and once (idempotency keys), the walls (no key, another
//! manufacturer's key: refused, nothing changed; a retailer another manufacturer sees in its
//! own directory gives it no invitation to answer and no agreement), bad input as problems,
//! agreements only with linked retailers, versions judging claims only once the retailer
//! accepted them, and claims of a pair that is not linked answered `not_linked`.

use crate::flow::outbox_data;
use crate::support::*;
use kummerer_contracts::{
    AgreementAcceptedV1, PartnerAction, RetailerPartnerChangedV1, RetailerProfileV1,
};

const CHANGED: &str =
    "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.partner.changed.v1'";

fn answered(reason: &str) -> String {
    format!(
        "SELECT count(*) FROM outbox WHERE routing_key = 'manufacturer.claim.not_accepted.v1' \
         AND payload->'data'->>'reason' = '{reason}'"
    )
}

async fn state_at(svc: &TestService, mid: Uuid, rid: Uuid) -> Option<Value> {
    let a = get(svc, &format!("/api/manufacturers/{mid}/partners")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["retailer_id"] == rid.to_string())
        .cloned()
}

async fn wait_state(svc: &TestService, mid: Uuid, rid: Uuid, state: &str) -> Value {
    eventually(&format!("the link {state}"), DEADLINE, || async {
        state_at(svc, mid, rid)
            .await
            .filter(|p| p["state"] == state)
    })
    .await
}

async fn wait_count(svc: &TestService, what: &str, sql: &str, n: i64) {
    eventually(what, DEADLINE, || async {
        (count(&svc.db, sql, vec![]).await == n).then_some(())
    })
    .await;
}

/// The action's answer: 200 with the link's new state.
fn assert_state(a: &Answer, state: &str) {
    assert_eq!(
        (a.status, a.body["state"].as_str()),
        (200, Some(state)),
        "{}",
        a.body
    );
}

/// A problem with this status and code.
fn assert_refused(a: &Answer, status: u16, code: &str) {
    assert_problem(a, status, code);
    assert_eq!(a.body["code"], code, "{}", a.body);
}

fn retailer_acts(mid: Uuid, rid: Uuid, action: PartnerAction) -> RetailerPartnerChangedV1 {
    RetailerPartnerChangedV1 {
        retailer_id: rid.into(),
        retailer_name: "Elektro Maier".into(),
        manufacturer_id: mid.into(),
        action,
        acted_by: "admin@maier.example".into(),
        acted_at: Utc::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retailers_are_linked_by_consent_and_only_accepted_versions_of_linked_partners_count() {
    let svc = start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let (other, other_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let rid = Uuid::now_v7();
    let invite = format!("/api/manufacturers/{mid}/partners/{rid}/invite");

    // A retailer whose profile never arrived: 404.
    let a = post_as_is(&svc, &invite, &Value::Null).await;
    assert_eq!(a.status, 404, "{}", a.body);
    publish_event(
        &svc.names,
        RetailerProfileV1 {
            retailer_id: rid.into(),
            name: "Elektro Maier".into(),
            announced_at: Utc::now(),
            country: None,
        },
    )
    .await;
    let found = wait_state(&svc, mid, rid, "none").await;
    assert_eq!(found["name"], "Elektro Maier");

    // Walls: without a key, with another manufacturer's key: refused, nothing changed.
    let post_m = reqwest::Method::POST;
    let nobody = call_as(&svc, &post_m, &invite, &Value::Null, None).await;
    assert_problem(&nobody, 401, "no key");
    let foreign = call_as(
        &svc,
        &post_m,
        &invite,
        &Value::Null,
        Some(other_key.as_str()),
    )
    .await;
    assert_problem(&foreign, 404, "another manufacturer's key");
    let list = format!("/api/manufacturers/{mid}/partners");
    let get_m = reqwest::Method::GET;
    let foreign_list = call_as(&svc, &get_m, &list, &Value::Null, Some(other_key.as_str())).await;
    assert_problem(&foreign_list, 404, "another manufacturer's partners");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM partner_links", vec![]).await,
        0
    );
    assert_eq!(count(&svc.db, CHANGED, vec![]).await, 0);
    // Bad input: an unknown action, a bad filter.
    let a = post_as_is(
        &svc,
        &format!("/api/manufacturers/{mid}/partners/{rid}/marry"),
        &Value::Null,
    )
    .await;
    assert_eq!(a.status, 404);
    let a = get(
        &svc,
        &format!("/api/manufacturers/{mid}/partners?state=friends"),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(a.content_type, PROBLEM);

    // The invitation; again: 409. No agreement while only invited.
    let a = post_as_is(&svc, &invite, &Value::Null).await;
    assert_state(&a, "invited");
    let a = post_as_is(&svc, &invite, &Value::Null).await;
    assert_refused(&a, 409, "already_invited");
    assert_eq!(count(&svc.db, CHANGED, vec![]).await, 1);
    let agreements = format!("/api/manufacturers/{mid}/agreements");
    let a = post_as_is(&svc, &agreements, &agreement_body(rid)).await;
    assert_refused(&a, 409, "retailer_not_linked");

    // The retailer accepts over the broker: linked, listed by name.
    publish_event(&svc.names, retailer_acts(mid, rid, PartnerAction::Accept)).await;
    let linked = wait_state(&svc, mid, rid, "linked").await;
    assert_eq!(linked["acted_by"], "admin@maier.example");
    let a = get(
        &svc,
        &format!("/api/manufacturers/{mid}/partners?state=linked"),
    )
    .await;
    assert_eq!(a.body["items"].as_array().unwrap().len(), 1, "{}", a.body);
    assert_eq!(a.body["items"][0]["name"], "Elektro Maier");
    let a = get(
        &svc,
        &format!("/api/manufacturers/{other}/partners?state=linked"),
    )
    .await;
    assert_eq!(a.body["items"].as_array().unwrap().len(), 0, "{}", a.body);

    // An agreement: offered, not accepted, it judges no claim.
    let a = post_as_is(&svc, &agreements, &agreement_body(rid)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.body["version_in_force"].is_null(), "{}", a.body);
    let aid: Uuid = a.body["id"].as_str().unwrap().parse().unwrap();
    let early = claim(mid, rid, 3);
    publish_event(&svc.names, early.clone()).await;
    wait_count(&svc, "no_agreement answered", &answered("no_agreement"), 1).await;
    let recorded = "SELECT count(*) FROM claims";
    assert_eq!(count(&svc.db, recorded, vec![]).await, 0);
    // The retailer accepts version 1: in force; a claim now is judged by it.
    publish_event(
        &svc.names,
        AgreementAcceptedV1 {
            agreement_id: aid.into(),
            version: 1,
            retailer_id: rid.into(),
            manufacturer_id: mid.into(),
            accepted_by: "admin@maier.example".into(),
            accepted_at: Utc::now(),
        },
    )
    .await;
    let path = format!("/api/manufacturers/{mid}/agreements/{aid}");
    eventually("version 1 in force", DEADLINE, || async {
        let a = get(&svc, &path).await;
        (a.body["version_in_force"] == 1).then_some(())
    })
    .await;
    let judged = claim(mid, rid, 3);
    publish_event(&svc.names, judged.clone()).await;
    let c = wait_claim(&svc, mid, judged.claim_id.as_uuid()).await;
    assert_eq!(c["status"], "accepted", "{c}");

    // The manufacturer unlinks: no new version, new claims answered `not_linked`.
    let a = post_as_is(
        &svc,
        &format!("/api/manufacturers/{mid}/partners/{rid}/unlink"),
        &Value::Null,
    )
    .await;
    assert_state(&a, "unlinked");
    let a = post_as_is(&svc, &format!("{path}/versions"), &agreement_body(rid)).await;
    assert_refused(&a, 409, "retailer_not_linked");
    publish_event(&svc.names, claim(mid, rid, 3)).await;
    wait_count(&svc, "not_linked answered", &answered("not_linked"), 1).await;
    assert_eq!(count(&svc.db, recorded, vec![]).await, 1);
    svc.stop().await;
}

/// The retailer's profile, announced over the broker, and its wait until this service knows it.
async fn announced(svc: &TestService, mid: Uuid, name: &str) -> Uuid {
    let rid = Uuid::now_v7();
    publish_event(
        &svc.names,
        RetailerProfileV1 {
            retailer_id: rid.into(),
            name: name.into(),
            announced_at: Utc::now(),
            country: None,
        },
    )
    .await;
    wait_state(svc, mid, rid, "none").await;
    rid
}

/// The pair's row in `partner_links`: state, who invited, who acted last.
async fn link_row(
    svc: &TestService,
    mid: Uuid,
    rid: Uuid,
) -> Option<(String, Option<String>, String)> {
    let row = svc
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT state, invited_by, acted_by FROM partner_links \
             WHERE manufacturer_id = $1 AND retailer_id = $2",
            [mid.into(), rid.into()],
        ))
        .await
        .unwrap()?;
    Some((
        row.try_get("", "state").unwrap(),
        row.try_get("", "invited_by").unwrap(),
        row.try_get("", "acted_by").unwrap(),
    ))
}

/// The `manufacturer.partner.changed.v1` messages in the outbox for the retailer, oldest first.
async fn told(svc: &TestService, rid: Uuid) -> Vec<Value> {
    let changed = "manufacturer.partner.changed.v1";
    outbox_data(&svc.db, changed, "retailer_id", &rid.to_string()).await
}

/// The answers to a link with no invitation of the retailer and no link: each action's code.
const NOTHING_TO_ANSWER: [(&str, &str); 3] = [
    ("accept", "no_invitation"),
    ("decline", "no_invitation"),
    ("unlink", "not_linked"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manufacturer_answers_invitations_by_its_own_key_only_and_once() {
    let svc = start().await;
    let (mid, _key, key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (other, other_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let rid = announced(&svc, mid, "Elektro Maier").await;
    let acts = |m: Uuid, action: &str| format!("/api/manufacturers/{m}/partners/{rid}/{action}");

    // Nothing to answer yet: no invitation to accept or decline, no link to unlink.
    for (action, code) in NOTHING_TO_ANSWER {
        let a = post_as_is(&svc, &acts(mid, action), &Value::Null).await;
        assert_refused(&a, 409, code);
    }
    assert_eq!(link_row(&svc, mid, rid).await, None);

    // The retailer invites this manufacturer over the broker.
    publish_event(&svc.names, retailer_acts(mid, rid, PartnerAction::Invite)).await;
    let invited = wait_state(&svc, mid, rid, "invited").await;
    assert_eq!(invited["invited_by"], "retailer", "{invited}");

    // Walls. The other manufacturer sees the retailer in its own directory, by the same id, but
    // that gives it nothing of this link: through this manufacturer's path a 404, through its
    // own path there is no invitation to answer (and nothing of its own to unlink).
    let seen = state_at(&svc, other, rid).await.unwrap();
    assert_eq!(
        (&seen["name"], &seen["state"]),
        (&json!("Elektro Maier"), &json!("none"))
    );
    for action in ["accept", "decline", "unlink", "invite"] {
        let a = call_as(
            &svc,
            &reqwest::Method::POST,
            &acts(mid, action),
            &Value::Null,
            Some(other_key.as_str()),
        )
        .await;
        assert_problem(&a, 404, &format!("{action} on another manufacturer's link"));
    }
    for (action, code) in NOTHING_TO_ANSWER {
        let a = post_as_is(&svc, &acts(other, action), &Value::Null).await;
        // Its own path: an invitation to another manufacturer is none to answer.
        assert_refused(&a, 409, code);
    }
    // Nor can it make an agreement with the retailer it only sees.
    let a = post_as_is(
        &svc,
        &format!("/api/manufacturers/{other}/agreements"),
        &agreement_body(rid),
    )
    .await;
    assert_refused(&a, 409, "retailer_not_linked");
    let (state, by, _) = link_row(&svc, mid, rid).await.unwrap();
    assert_eq!(
        (state.as_str(), by.as_deref()),
        ("invited", Some("retailer"))
    );
    assert_eq!(link_row(&svc, other, rid).await, None);
    assert!(told(&svc, rid).await.is_empty());

    // Bad input: a malformed retailer id, an unknown action, a malformed idempotency key.
    let a = post_as_is(
        &svc,
        &format!("/api/manufacturers/{mid}/partners/not-a-uuid/accept"),
        &Value::Null,
    )
    .await;
    assert_problem(&a, 404, "malformed retailer id");
    let a = post_as_is(&svc, &acts(mid, "ACCEPT"), &Value::Null).await;
    assert_problem(&a, 404, "unknown action");
    let a = post_keyed(&svc, &acts(mid, "accept"), &Value::Null, "a key").await;
    assert_problem(&a, 400, "malformed idempotency key");
    let (state, _, _) = link_row(&svc, mid, rid).await.unwrap();
    assert_eq!(state, "invited");
    assert!(told(&svc, rid).await.is_empty());

    // The answer, by this manufacturer's key, with an idempotency key: linked, the API key the
    // actor, the retailer told once; the retry replays it; the key with another action is
    // refused; the same answer again without a key does not fit the state.
    let first = post_keyed(&svc, &acts(mid, "accept"), &Value::Null, "accept-1").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        first.body,
        json!({"retailer_id": rid, "state": "linked"}),
        "{}",
        first.body
    );
    assert!(!first.replayed);
    let counts = table_counts(&svc.db).await;
    let again = post_keyed(&svc, &acts(mid, "accept"), &Value::Null, "accept-1").await;
    assert_eq!((again.status, &again.body), (200, &first.body));
    assert!(again.replayed);
    let reused = post_keyed(&svc, &acts(mid, "decline"), &Value::Null, "accept-1").await;
    assert_refused(&reused, 422, "idempotency_key_reused");
    let twice = post_as_is(&svc, &acts(mid, "accept"), &Value::Null).await;
    assert_refused(&twice, 409, "no_invitation");
    let invite = post_as_is(&svc, &acts(mid, "invite"), &Value::Null).await;
    assert_refused(&invite, 409, "already_linked");
    assert_eq!(table_counts(&svc.db).await, counts);
    let actor = format!("API key {key_id}");
    let (state, by, acted_by) = link_row(&svc, mid, rid).await.unwrap();
    assert_eq!(
        (state.as_str(), by, acted_by.as_str()),
        ("linked", None, actor.as_str())
    );
    let messages = told(&svc, rid).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["manufacturer_id"], mid.to_string());
    assert_eq!(messages[0]["manufacturer_name"], "Waschwerk AG");
    assert_eq!(messages[0]["action"], "accept");
    assert_eq!(messages[0]["acted_by"], actor);
    let mine = state_at(&svc, mid, rid).await.unwrap();
    assert_eq!(
        (&mine["state"], &mine["acted_by"]),
        (&json!("linked"), &json!(actor))
    );
    assert_eq!(state_at(&svc, other, rid).await.unwrap()["state"], "none");

    // A second retailer's invitation declined; it invites again, and the manufacturer's own
    // invitation crossing it links them (two consents).
    let rid2 = announced(&svc, mid, "Technik Huber").await;
    let acts2 = |action: &str| format!("/api/manufacturers/{mid}/partners/{rid2}/{action}");
    publish_event(&svc.names, retailer_acts(mid, rid2, PartnerAction::Invite)).await;
    wait_state(&svc, mid, rid2, "invited").await;
    let a = post_as_is(&svc, &acts2("decline"), &Value::Null).await;
    assert_state(&a, "declined");
    let a = post_as_is(&svc, &acts2("accept"), &Value::Null).await;
    assert_refused(&a, 409, "no_invitation");
    publish_event(&svc.names, retailer_acts(mid, rid2, PartnerAction::Invite)).await;
    wait_state(&svc, mid, rid2, "invited").await;
    let a = post_as_is(&svc, &acts2("invite"), &Value::Null).await;
    assert_state(&a, "linked");
    let actions: Vec<Value> = told(&svc, rid2)
        .await
        .iter()
        .map(|m| m["action"].clone())
        .collect();
    assert_eq!(actions, vec![json!("decline"), json!("invite")]);

    // The manufacturer's own open invitation withdrawn by unlinking; the retailer's late
    // acceptance of it changes nothing.
    let rid3 = announced(&svc, mid, "Hausgeräte Schulz").await;
    let acts3 = |action: &str| format!("/api/manufacturers/{mid}/partners/{rid3}/{action}");
    let a = post_as_is(&svc, &acts3("invite"), &Value::Null).await;
    assert_state(&a, "invited");
    let a = post_as_is(&svc, &acts3("unlink"), &Value::Null).await;
    assert_state(&a, "unlinked");
    publish_event(&svc.names, retailer_acts(mid, rid3, PartnerAction::Accept)).await;
    // A message behind it on the same queue: once that is applied, so was the acceptance.
    publish_event(&svc.names, retailer_acts(mid, rid2, PartnerAction::Unlink)).await;
    wait_state(&svc, mid, rid2, "unlinked").await;
    let (state, _, _) = link_row(&svc, mid, rid3).await.unwrap();
    assert_eq!(state, "unlinked");
    let linked = get(
        &svc,
        &format!("/api/manufacturers/{mid}/partners?state=linked"),
    )
    .await;
    let ids: Vec<&Value> = linked.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["retailer_id"])
        .collect();
    assert_eq!(ids, vec![&json!(rid)], "{}", linked.body);
    svc.stop().await;
}
