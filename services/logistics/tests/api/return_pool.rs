//! The return pool and withdrawals on the dispatcher's returns page (`/dispatch/returns`): the
//! unit of a job completed without a carrier waits in the pool of the carriers granted its
//! postcode; the dispatcher of one takes it (into its open shipment); another carrier's
//! dispatcher neither sees nor takes it. A withdrawal (`manufacturer.claim.return_withdrawn.v1`,
//! delivered twice) takes the item out once and the page shows it gone.

use kummerer_contracts::ReturnWithdrawnV1;
use kummerer_contracts::topology::LOGISTICS_RETURNS;

use super::crew::{PASSWORD, browser, page, post_form, signed_in_at};
use super::returns::{depot, request};
use crate::support::*;

async fn dispatcher_of(svc: &TestService, carrier: Uuid, email: &str) -> (reqwest::Client, String) {
    let (status, body) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/dispatchers"),
        json!({ "email": email, "name": "Dana Disponentin", "password": PASSWORD }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let client = browser();
    let csrf = signed_in_at(
        svc,
        &client,
        "/dispatch/sign-in",
        "/dispatch",
        email,
        PASSWORD,
    )
    .await;
    (client, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatcher_takes_a_pooled_unit_and_a_withdrawn_one_leaves_the_page() {
    let svc = start().await;
    // A is granted 10… but has no crew there yet; B is granted 80….
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    grant(&svc, a, &["10"]).await;
    grant(&svc, b, &["80"]).await;
    let retailer = Uuid::now_v7();
    let maker = Uuid::now_v7();
    let north = depot("Depot Nord");
    let s1 = swap_on(retailer, "SN-POOL-1", "10115", Utc::now() + Span::days(1));
    let s2 = swap_on(retailer, "SN-POOL-2", "10117", Utc::now() + Span::days(1));
    let mut jobs = Vec::new();
    for s in [&s1, &s2] {
        let job = job_for(&svc, s).await;
        assert_eq!(job["carrier_id"], Json::Null, "{job}");
        // The operator completes the unassigned visit.
        let (status, done) = post_json(
            &svc,
            &format!("/api/jobs/{}/complete", id_of(&job)),
            json!({"delivered_serial": "SN-NEW", "collected_serial": s.defective_serial,
                   "recipient_name": "Erika Mustermann"}),
        )
        .await;
        assert_eq!(status, 200, "{done}");
        jobs.push(id_of(&job));
    }
    let (r1, r2) = (request(&s1, maker, &north), request(&s2, maker, &north));
    publish_event(&svc.names, r1.clone()).await;
    publish_event(&svc.names, r2.clone()).await;
    eventually("two pooled items", DEADLINE, || async {
        (count(&svc.db, "SELECT 1 FROM return_items", vec![]).await == 2).then_some(())
    })
    .await;

    let (a_client, a_csrf) = dispatcher_of(&svc, a, "dana@a.example").await;
    let (b_client, b_csrf) = dispatcher_of(&svc, b, "dana@b.example").await;
    let (status, html) = page(&svc, &a_client, "/dispatch/returns").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("SN-POOL-1") && html.contains("SN-POOL-2"),
        "{html}"
    );
    assert!(html.contains("awaiting_carrier"), "{html}");
    let (status, html) = page(&svc, &b_client, "/dispatch/returns").await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("SN-POOL"), "B sees A's pool: {html}");

    let item = |claim: Uuid| {
        let db = &svc.db;
        async move {
            db.query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT id::text AS id FROM return_items WHERE claim_id = $1",
                [claim.into()],
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "id")
            .unwrap()
        }
    };
    let first = item(r1.claim_id.as_uuid()).await;
    let take = format!("/dispatch/returns/{first}/take");
    // B's dispatcher cannot take it; nothing changes.
    let (status, _) = post_form(&svc, &b_client, &take, &[("csrf", &b_csrf)]).await;
    assert_eq!(status, 404);
    // Without the CSRF token A cannot either.
    let (status, _) = post_form(&svc, &a_client, &take, &[("csrf", "wrong")]).await;
    assert_eq!(status, 403);
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM return_shipments", vec![]).await,
        0
    );
    // A's dispatcher takes it: into A's open shipment.
    let (status, location) = post_form(&svc, &a_client, &take, &[("csrf", &a_csrf)]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/dispatch/returns?taken=1")
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM return_items i JOIN return_shipments s ON s.id = i.shipment_id \
             WHERE s.carrier_id = $1 AND s.status = 'open' AND i.claim_id = $2",
            vec![a.into(), r1.claim_id.as_uuid().into()]
        )
        .await,
        1
    );
    let (_, html) = page(&svc, &a_client, "/dispatch/returns?taken=1").await;
    assert!(html.contains("Taken"), "{html}");
    assert!(html.contains("ready"), "{html}");
    // Taken once: a second take is a 404.
    let (status, _) = post_form(&svc, &a_client, &take, &[("csrf", &a_csrf)]).await;
    assert_eq!(status, 404);

    // The manufacturer withdraws the other unit (delivered twice): it leaves the pool once.
    let withdrawn = ReturnWithdrawnV1 {
        claim_id: r2.claim_id,
        swap_id: r2.swap_id,
        case_id: r2.case_id,
        retailer_id: r2.retailer_id,
        manufacturer_id: r2.manufacturer_id,
        serial: r2.serial.clone(),
        reason: "decided".into(),
        withdrawn_at: Utc::now(),
    };
    publish_event(&svc.names, withdrawn.clone()).await;
    publish_event(&svc.names, withdrawn).await;
    eventually("the withdrawn item", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM return_items WHERE claim_id = $1 AND withdrawn_at IS NOT NULL \
             AND withdrawal_reason = 'decided' AND shipment_id IS NULL",
            vec![r2.claim_id.as_uuid().into()],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    let (_, html) = page(&svc, &a_client, "/dispatch/returns").await;
    assert!(!html.contains("SN-POOL-2"), "{html}");
    // A withdrawn item cannot be taken.
    let second = item(r2.claim_id.as_uuid()).await;
    let (status, _) = post_form(
        &svc,
        &a_client,
        &format!("/dispatch/returns/{second}/take"),
        &[("csrf", &a_csrf)],
    )
    .await;
    assert_eq!(status, 404);
    let dlq = svc.names.dead_letter_queue(&LOGISTICS_RETURNS);
    assert_eq!(svc.broker.depth(&dlq).await, 0);
    svc.stop().await;
}
