//! Correct the address or window before the visit (`retailer.swap.correction_requested.v1`):
//! applied while no crew set off — a new postcode and day re-route the job to a crew with room
//! there — and answered `logistics.job.corrected.v1`; refused (`on_the_way`, `unknown_job`) with
//! `logistics.job.correction_refused.v1`, nothing changed. Idempotent on redelivery and per
//! correction id.

use kummerer_contracts::{Envelope, RequestedBy, RequesterKind, SwapCorrectionRequestedV1};

use crate::support::*;

const CORRECTED: &str = "logistics.job.corrected.v1";
const REFUSED: &str = "logistics.job.correction_refused.v1";

fn correction(
    swap: &SwapApprovedV1,
    address: Option<Address>,
    window: Option<TimeWindow>,
) -> SwapCorrectionRequestedV1 {
    SwapCorrectionRequestedV1 {
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        correction_id: Uuid::now_v7(),
        address,
        window,
        requested_by: RequestedBy {
            kind: RequesterKind::Staff,
            label: "clerk@example".into(),
        },
        reason: "the customer moved".into(),
        requested_at: Utc::now(),
    }
}

/// Waits until the outbox holds `n` messages of `key`; returns their data, oldest first.
async fn sent(db: &DatabaseConnection, key: &str, n: usize) -> Vec<Json> {
    eventually(&format!("{n} × {key}"), DEADLINE, || async {
        let rows = outbox(db, key).await;
        (rows.len() >= n).then_some(rows)
    })
    .await
    .into_iter()
    .map(|p| p["data"].clone())
    .collect()
}

async fn events_of_kind(db: &DatabaseConnection, kind: &str) -> i64 {
    count(
        db,
        "SELECT 1 FROM job_events WHERE kind = $1",
        vec![kind.into()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_re_routes_the_job_and_is_applied_once_however_often_it_comes() {
    let svc = start().await;
    let carrier = new_carrier(&svc, "A").await;
    let berlin = new_crew(&svc, carrier, "Berlin", &["10"], 5).await;
    let hamburg = new_crew(&svc, carrier, "Hamburg", &["20"], 5).await;
    let (d, d2) = (day(2), day(3));
    let swap = swap_on(Uuid::now_v7(), "SN-1", "10115", at(d, 9));
    let job = job_for(&svc, &swap).await;
    let id = id_of(&job);
    assert_eq!(job["crew_id"], berlin.to_string());

    // Another address in Hamburg, another day: the Hamburg crew takes it.
    let mut address = swap.delivery_address.clone();
    address.street = "Elbchaussee 5".into();
    address.postcode = "20095".into();
    address.city = "Hamburg".into();
    let window = TimeWindow {
        start: at(d2, 14),
        end: at(d2, 16),
    };
    let req = correction(&swap, Some(address.clone()), Some(window.clone()));
    let envelope = Envelope::new(req.clone());
    publish_envelope(&svc.names, &envelope).await;
    let answer = &sent(&svc.db, CORRECTED, 1).await[0];
    assert_eq!(answer["job_id"], id);
    assert_eq!(answer["correction_id"], req.correction_id.to_string());
    assert_eq!(answer["crew_assigned"], true);
    assert_eq!(answer["address"]["postcode"], "20095");
    assert_eq!(answer["address"]["street"], "Elbchaussee 5");
    let (status, now) = get_json(&svc, &format!("/api/jobs/{id}")).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!(now["crew_id"], hamburg.to_string(), "{now}");
    assert_eq!(now["visit_date"], d2.to_string());
    assert_eq!(now["address"]["postcode"], "20095");
    assert_eq!(now["address"]["city"], "Hamburg");
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(now["window"]["start"].clone()).unwrap();
    assert_eq!(start, at(d2, 14));
    assert_eq!(kinds(&now).last().unwrap(), "corrected");
    let ev = &now["events"].as_array().unwrap().last().unwrap()["details"];
    assert_eq!(ev["crew_from"], berlin.to_string());
    assert_eq!(ev["crew_to"], hamburg.to_string());
    assert_eq!(ev["correction_id"], req.correction_id.to_string());
    // The crews' days: off Berlin's, on Hamburg's new day.
    assert!(visits_of(&svc, berlin, d).await.is_empty());
    assert_eq!(visits_of(&svc, hamburg, d2).await, [id.as_str()]);

    // The same message again (a redelivery), then the same correction under a new message id:
    // the first changes nothing, the second is answered again and changes nothing.
    let before = board(&svc.db).await;
    publish_envelope(&svc.names, &envelope).await;
    publish_event(&svc.names, req.clone()).await;
    let answers = sent(&svc.db, CORRECTED, 2).await;
    assert_eq!(answers[1]["correction_id"], req.correction_id.to_string());
    assert_eq!(events_of_kind(&svc.db, "corrected").await, 1);
    let after = board(&svc.db).await;
    assert_eq!(
        (after.0, after.1, after.2, &after.4),
        (before.0, before.1, before.2, &before.4)
    );
    assert_eq!(outbox(&svc.db, CORRECTED).await.len(), 2);

    // The window alone, same day and postcode: the crew keeps the visit.
    let later = TimeWindow {
        start: at(d2, 16),
        end: at(d2, 18),
    };
    let req2 = correction(&swap, None, Some(later));
    publish_event(&svc.names, req2.clone()).await;
    let answer = &sent(&svc.db, CORRECTED, 3).await[2];
    assert_eq!(answer["correction_id"], req2.correction_id.to_string());
    assert_eq!(answer["address"]["postcode"], "20095");
    let (_, now) = get_json(&svc, &format!("/api/jobs/{id}")).await;
    assert_eq!(now["crew_id"], hamburg.to_string());
    assert_eq!(events_of_kind(&svc.db, "corrected").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_after_the_crew_set_off_or_for_an_unknown_swap_is_refused_and_changes_nothing()
{
    let svc = start().await;
    let carrier = new_carrier(&svc, "A").await;
    let crew = new_crew(&svc, carrier, "Berlin", &["10"], 5).await;
    let d = day(2);
    let swap = swap_on(Uuid::now_v7(), "SN-2", "10115", at(d, 9));
    let job = job_for(&svc, &swap).await;
    let id = id_of(&job);
    assert_eq!(job["crew_id"], crew.to_string());
    let (status, body) = post_json(&svc, &format!("/api/jobs/{id}/on-the-way"), json!({})).await;
    assert_eq!(status, 200, "{body}");

    let before = board(&svc.db).await;
    let moved = TimeWindow {
        start: at(day(4), 9),
        end: at(day(4), 11),
    };
    let req = correction(&swap, None, Some(moved));
    publish_event(&svc.names, req.clone()).await;
    let refusal = &sent(&svc.db, REFUSED, 1).await[0];
    assert_eq!(refusal["job_id"], id);
    assert_eq!(refusal["reason"], "on_the_way");
    assert_eq!(refusal["correction_id"], req.correction_id.to_string());
    let after = board(&svc.db).await;
    // The job itself is untouched; only its history says the correction came too late.
    assert_eq!(after.4, before.4);
    assert_eq!(after.2, before.2 + 1);
    let (_, now) = get_json(&svc, &format!("/api/jobs/{id}")).await;
    assert_eq!(kinds(&now).last().unwrap(), "correction_refused");
    assert_eq!(now["visit_date"], d.to_string());
    assert!(outbox(&svc.db, CORRECTED).await.is_empty());

    // A swap logistics has no job for: refused, no job named.
    let stranger = swap_on(Uuid::now_v7(), "SN-3", "10115", at(d, 9));
    let req = correction(&stranger, None, Some(moved_window(d)));
    publish_event(&svc.names, req).await;
    let refusal = &sent(&svc.db, REFUSED, 2).await[1];
    assert_eq!(refusal["reason"], "unknown_job");
    assert_eq!(refusal["job_id"], Json::Null);
    assert_eq!(count(&svc.db, "SELECT 1 FROM jobs", vec![]).await, 1);
}

fn moved_window(d: chrono::NaiveDate) -> TimeWindow {
    TimeWindow {
        start: at(d, 15),
        end: at(d, 17),
    }
}
