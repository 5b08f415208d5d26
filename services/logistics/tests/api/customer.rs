//! The customer acts on the status link (issue 13): a move of the window the customer asked for
//! (`retailer.swap.correction_requested.v1`, `requested_by.kind = customer`) is applied only
//! into a window that still has room, else refused `window_full` and nothing changes; the
//! customer's answer (`retailer.swap.customer_answered.v1`) marks the job once — "won't be
//! home" frees the visit's room (a new job takes it), and the crew's visit page and the
//! dispatcher's board show it with the note — however often it comes.

use std::time::Duration as StdDuration;

use kummerer_contracts::{
    CustomerAnswer, Envelope, RequestedBy, RequesterKind, SwapCorrectionRequestedV1,
    SwapCustomerAnsweredV1,
};
use logistics::app::slots::{SlotConfig, install};
use logistics::domain::slots::SlotGrid;

use crate::support::*;

const CORRECTED: &str = "logistics.job.corrected.v1";
const REFUSED: &str = "logistics.job.correction_refused.v1";

fn two_windows() {
    // Two windows in UTC: 08–12 and 12–16.
    install(SlotConfig {
        grid: SlotGrid::parse("08:00-12:00,12:00-16:00", "UTC").unwrap(),
        horizon_days: 3,
        every: StdDuration::from_secs(3600),
    });
}

fn moved_by_customer(swap: &SwapApprovedV1, window: TimeWindow) -> SwapCorrectionRequestedV1 {
    SwapCorrectionRequestedV1 {
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        correction_id: Uuid::new_v4(),
        address: None,
        window: Some(window),
        requested_by: RequestedBy {
            kind: RequesterKind::Customer,
            label: "customer (status link)".into(),
        },
        reason: "The customer picked another window on the status page".into(),
        requested_at: Utc::now(),
    }
}

fn answer(
    swap: &SwapApprovedV1,
    answer: CustomerAnswer,
    note: Option<&str>,
) -> SwapCustomerAnsweredV1 {
    SwapCustomerAnsweredV1 {
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        answer_id: Uuid::new_v4(),
        answer,
        window: swap.window.clone(),
        note: note.map(str::to_owned),
        answered_at: Utc::now(),
    }
}

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
async fn a_customer_moves_only_into_a_window_with_room_and_once() {
    two_windows();
    let svc = start().await;
    let carrier = new_carrier(&svc, "Blitz").await;
    // Two a day: one per window.
    let crew = new_crew(&svc, carrier, "B1", &["10"], 2).await;
    let retailer = Uuid::now_v7();
    let (d, d2) = (day(2), day(3));
    let morning = swap_on(retailer, "A", "10115", at(d, 8));
    let a = job_for(&svc, &morning).await;
    let afternoon = swap_on(retailer, "B", "10115", at(d, 13));
    let b = job_for(&svc, &afternoon).await;
    assert_eq!(a["crew_id"], crew.to_string());
    assert_eq!(b["crew_id"], crew.to_string());

    // The afternoon was just taken: refused, nothing changes.
    let full = moved_by_customer(
        &morning,
        TimeWindow {
            start: at(d, 12),
            end: at(d, 16),
        },
    );
    publish_event(&svc.names, full.clone()).await;
    let refused = &sent(&svc.db, REFUSED, 1).await[0];
    assert_eq!(refused["reason"], "window_full", "{refused}");
    assert_eq!(refused["correction_id"], full.correction_id.to_string());
    let (_, now) = get_json(&svc, &format!("/api/jobs/{}", id_of(&a))).await;
    assert_eq!(now["crew_id"], crew.to_string());
    let start: chrono::DateTime<Utc> =
        serde_json::from_value(now["window"]["start"].clone()).unwrap();
    assert_eq!(start, at(d, 8));
    assert_eq!(kinds(&now).last().unwrap(), "correction_refused");

    // The next morning has room: applied, the crew keeps the visit, once however often.
    let next = TimeWindow {
        start: at(d2, 8),
        end: at(d2, 12),
    };
    let req = moved_by_customer(&morning, next.clone());
    let envelope = Envelope::new(req.clone());
    publish_envelope(&svc.names, &envelope).await;
    let answer_ = &sent(&svc.db, CORRECTED, 1).await[0];
    assert_eq!(answer_["correction_id"], req.correction_id.to_string());
    assert_eq!(answer_["crew_assigned"], true);
    publish_envelope(&svc.names, &envelope).await;
    publish_event(&svc.names, req.clone()).await;
    sent(&svc.db, CORRECTED, 2).await;
    assert_eq!(events_of_kind(&svc.db, "corrected").await, 1);
    assert_eq!(visits_of(&svc, crew, d2).await, [id_of(&a)]);
    assert_eq!(visits_of(&svc, crew, d).await, [id_of(&b)]);
    // The room moved: the carrier's days are announced again.
    let announced = count(
        &svc.db,
        "SELECT 1 FROM outbox WHERE routing_key = 'logistics.slots.announced.v1'",
        vec![],
    )
    .await;
    assert!(announced >= 3, "{announced}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customers_answer_marks_the_job_once_and_not_home_frees_its_room() {
    two_windows();
    let svc = start().await;
    let carrier = new_carrier(&svc, "Blitz").await;
    let crew = new_crew(&svc, carrier, "B1", &["10"], 2).await;
    let retailer = Uuid::now_v7();
    let d = day(2);
    let morning = swap_on(retailer, "A", "10115", at(d, 8));
    let a = job_for(&svc, &morning).await;
    let afternoon = swap_on(retailer, "B", "10115", at(d, 13));
    let b = job_for(&svc, &afternoon).await;
    assert_eq!(b["crew_id"], crew.to_string());

    // Confirmed: kept, once.
    let yes = answer(&morning, CustomerAnswer::Confirmed, None);
    publish_event(&svc.names, yes.clone()).await;
    publish_event(&svc.names, yes.clone()).await;
    eventually("the confirmation kept", DEADLINE, || async {
        (events_of_kind(&svc.db, "customer_confirmed").await == 1).then_some(())
    })
    .await;

    // Won't be home in the afternoon, with a note: kept, and its room is free again.
    let no = answer(
        &afternoon,
        CustomerAnswer::NotHome,
        Some("Bin verreist bis Freitag"),
    );
    let envelope = Envelope::new(no.clone());
    publish_envelope(&svc.names, &envelope).await;
    eventually("the answer kept", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM job_customer_answers WHERE answer = 'not_home' AND note = $1",
            vec!["Bin verreist bis Freitag".into()],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    publish_envelope(&svc.names, &envelope).await;
    publish_event(&svc.names, no.clone()).await;
    eventually("both copies applied", DEADLINE, || async {
        (count(&svc.db, "SELECT 1 FROM inbox", vec![]).await >= 6).then_some(())
    })
    .await;
    assert_eq!(events_of_kind(&svc.db, "customer_not_home").await, 1);
    // The visit stays on its crew (the crew and the dispatcher see it) …
    let (_, now) = get_json(&svc, &format!("/api/jobs/{}", id_of(&b))).await;
    assert_eq!(now["crew_id"], crew.to_string());
    // The crew's visit page and the dispatcher's board say so, with the note.
    crate::crew::new_member(&svc, carrier, crew, "kai@example.com").await;
    let crew_client = browser();
    crate::crew::signed_in(&svc, &crew_client, "kai@example.com").await;
    let (status, html) =
        kummerer_testkit::forms::page(&svc, &crew_client, &format!("/crew/visits/{}", id_of(&b)))
            .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="customer-answer""#), "{html}");
    assert!(html.contains("Bin verreist bis Freitag"), "{html}");
    crate::dispatcher::new_dispatcher(&svc, carrier, "dana@example.com").await;
    let dispatcher = browser();
    crate::dispatcher::signed_in(&svc, &dispatcher, "dana@example.com").await;
    let (status, html) =
        kummerer_testkit::forms::page(&svc, &dispatcher, &format!("/dispatch?date={d}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Bin verreist bis Freitag"), "{html}");
    // … but a new afternoon visit takes its room.
    let another = job_for(&svc, &swap_on(retailer, "C", "10115", at(d, 14))).await;
    assert_eq!(another["crew_id"], crew.to_string(), "{another}");
    let _ = a;
    svc.stop().await;
}
