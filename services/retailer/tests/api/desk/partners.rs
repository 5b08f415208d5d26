//! Partner links with consent (issue 18) at the retailer: the admin's API and the desk's
//! Partners and Agreements sections, their walls (an integration key, a clerk, another
//! retailer's admin: refused, nothing changed), the manufacturer's answers over the broker, the
//! acceptance of an offered agreement version with what it changes, and the counter refusing a
//! swap for a manufacturer that is not (any more) linked.

use super::setup::*;
use super::*;
use crate::settlement::{agreement, terms};
use kummerer_contracts::{ManufacturerPartnerChangedV1, ManufacturerProfileV1, PartnerAction};

const CHANGED: &str = "retailer.partner.changed.v1";
const ACCEPTED: &str = "retailer.agreement.accepted.v1";

async fn admin_api(
    svc: &TestService,
    rid: Uuid,
    method: reqwest::Method,
    path: &str,
) -> (u16, Json) {
    let res = svc
        .client
        .request(method, svc.url(&format!("/api/retailers/{rid}{path}")))
        .basic_auth(root_of(rid), Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

async fn state_of(svc: &TestService, rid: Uuid, mid: Uuid) -> String {
    let (status, list) = admin_api(svc, rid, reqwest::Method::GET, "/partners").await;
    assert_eq!(status, 200, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["manufacturer_id"] == mid.to_string())
        .map(|p| p["state"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn links(db: &DatabaseConnection) -> String {
    one_string(
        db,
        "SELECT coalesce(string_agg(retailer_id::text || manufacturer_id::text || state, ',' \
         ORDER BY retailer_id, manufacturer_id), '') FROM partner_links",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partners_are_linked_by_consent_and_offered_agreements_take_effect_when_accepted() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let rid = desk.retailer_id;
    let admin = session_of(&svc, rid, "admin@maier.example", "admin").await;
    let clerk = session_as(&svc, &desk.email).await;

    // Who is who: the manufacturer's profile arrives over the broker.
    let mid = Uuid::now_v7();
    publish_event(
        &svc.names,
        ManufacturerProfileV1 {
            manufacturer_id: mid.into(),
            name: "Waschwerk AG".into(),
            announced_at: Utc::now(),
        },
    )
    .await;
    eventually("the directory to know Waschwerk", DEADLINE, || async {
        (state_of(&svc, rid, mid).await == "none").then_some(())
    })
    .await;
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(html.contains(r#"data-partner="Waschwerk AG""#), "{html}");

    // Walls: an integration key, a clerk, another retailer's admin: refused, nothing changed.
    let before = (links(&svc.db).await, outbox(&svc.db, CHANGED).await.len());
    let invite = format!("/partners/{mid}/invite");
    let with_key = request(
        &svc,
        reqwest::Method::POST,
        &format!("/api/retailers/{rid}{invite}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(with_key.status().as_u16(), 401);
    let res = svc
        .client
        .post(svc.url(&format!("/api/retailers/{rid}{invite}")))
        .basic_auth(root_of(other.retailer_id), Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(res.status().as_u16(), 401 | 404),
        "{}",
        res.status()
    );
    let desk_invite = format!("/desk/admin/partners/{mid}/invite");
    assert_eq!(clerk.post(&svc, &desk_invite, &[]).await.0, 403);
    assert_eq!(
        (links(&svc.db).await, outbox(&svc.db, CHANGED).await.len()),
        before
    );
    // Bad input: an unknown manufacturer, an unknown action.
    let ghost = format!("/partners/{}/invite", Uuid::now_v7());
    let (status, body) = admin_api(&svc, rid, reqwest::Method::POST, &ghost).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = admin_api(
        &svc,
        rid,
        reqwest::Method::POST,
        &format!("/partners/{mid}/marry"),
    )
    .await;
    assert_eq!(status, 404);

    // The admin invites (API); again: 409. The manufacturer accepts over the broker.
    let (status, body) = admin_api(&svc, rid, reqwest::Method::POST, &invite).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("invited")),
        "{body}"
    );
    let (status, body) = admin_api(&svc, rid, reqwest::Method::POST, &invite).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_invited")),
        "{body}"
    );
    assert_eq!(outbox(&svc.db, CHANGED).await.len(), 1);
    let accepted = ManufacturerPartnerChangedV1 {
        manufacturer_id: mid.into(),
        manufacturer_name: "Waschwerk AG".into(),
        retailer_id: rid.into(),
        action: PartnerAction::Accept,
        acted_by: "API key 1".into(),
        acted_at: Utc::now(),
    };
    publish_event(&svc.names, accepted.clone()).await;
    eventually("the link", DEADLINE, || async {
        (state_of(&svc, rid, mid).await == "linked").then_some(())
    })
    .await;
    // The same acceptance again (a new message id) changes nothing.
    publish_event(&svc.names, accepted).await;
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(
        html.contains(&format!(r#"<option value="{mid}""#)),
        "the product form offers the linked partner by name: {html}"
    );

    // Two versions offered: nothing in force until an admin accepts.
    let aid = Uuid::now_v7();
    let month_ago = Utc::now() - Span::days(30);
    publish_event(
        &svc.names,
        agreement(rid, mid, aid, 1, month_ago, terms(14, 80)),
    )
    .await;
    publish_event(
        &svc.names,
        agreement(rid, mid, aid, 2, month_ago, terms(0, 50)),
    )
    .await;
    eventually("both versions held", DEADLINE, || async {
        (count(&svc.db, "SELECT 1 FROM agreements", vec![]).await == 2).then_some(())
    })
    .await;
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(html.contains(&format!(r#"id="offer-{aid}-1""#)), "{html}");
    assert!(html.contains(&format!(r#"id="offer-{aid}-2""#)), "{html}");
    let accept_v1 = format!("/desk/admin/agreements/{aid}/versions/1/accept");
    assert_eq!(clerk.post(&svc, &accept_v1, &[]).await.0, 403);
    let (status, _) = admin_api(
        &svc,
        other.retailer_id,
        reqwest::Method::POST,
        &format!("/agreements/{aid}/versions/1/accept"),
    )
    .await;
    assert_eq!(
        status, 404,
        "another retailer's admin cannot accept this retailer's offer"
    );
    assert_eq!(outbox(&svc.db, ACCEPTED).await.len(), 0);
    assert_eq!(admin.post(&svc, &accept_v1, &[]).await.0, 303);
    assert_eq!(outbox(&svc.db, ACCEPTED).await.len(), 1);
    let (status, body) = admin_api(
        &svc,
        rid,
        reqwest::Method::POST,
        &format!("/agreements/{aid}/versions/1/accept"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("already_accepted")),
        "{body}"
    );
    // Version 2 waits, showing what it changes from version 1.
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(!html.contains(&format!(r#"id="offer-{aid}-1""#)), "{html}");
    assert!(html.contains("What changes from version 1:"), "{html}");
    assert!(
        html.contains(
            "<td>Dead on arrival (days)</td><td class=\"before\">14</td><td class=\"after\">0</td>"
        ),
        "{html}"
    );

    // A product of Waschwerk, sold and broken; the admin unlinks on the desk: the counter
    // refuses the swap (API 422, the desk's form says why), nothing changed.
    created(
        &svc,
        &format!("/api/retailers/{rid}/products"),
        json!({"sku": "WW-1", "name": "Waschwerk 1", "manufacturer_id": mid,
               "price": eur("499.00")}),
    )
    .await;
    created(
        &svc,
        &format!("/api/retailers/{rid}/sales"),
        sale_body("R-WW", "WW-1", "SN-WW"),
    )
    .await;
    let case = created(
        &svc,
        &format!("/api/retailers/{rid}/cases"),
        json!({"serial": "SN-WW", "defect_category": "does_not_start",
               "defect_description": "Drum does not turn"}),
    )
    .await;
    let case_id = id_of(&case);
    assert_eq!(
        admin
            .post(&svc, &format!("/desk/admin/partners/{mid}/unlink"), &[])
            .await
            .0,
        303
    );
    assert_eq!(state_of(&svc, rid, mid).await, "unlinked");
    assert_eq!(outbox(&svc.db, CHANGED).await.len(), 2);
    let before = desk_snapshot(&svc.db).await;
    let (status, problem) = post_json(
        &svc,
        &format!("/api/retailers/{rid}/cases/{case_id}/swap"),
        window_body("clerk.anna"),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "manufacturer_not_linked");
    assert!(
        problem["detail"].as_str().unwrap().contains("Waschwerk AG"),
        "{problem}"
    );
    let (_, html) = clerk
        .post_swap(&svc, &format!("/desk/cases/{case_id}"), &[])
        .await;
    assert!(html.contains("is not a linked partner"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}
