//! Delivery windows with room (issue 13): the carriers' announcements kept (newest by sequence,
//! whatever the arrival order), the swap form offering only windows with room in the store's
//! local time, a full window refused at the counter and through the API (`window_full`), and a
//! manager's overbooking recorded on the swap, the timeline and the event to logistics.

use chrono::DurationRound;
use kummerer_contracts::{CrewSlots, SlotRoom, SlotsAnnouncedV1};

use crate::desk::{add_staff, desk_shop, open_desk_case, signed_in};
use crate::support::*;
use kummerer_testkit::forms::{browser, page};

/// Tomorrow's windows 07–11 and 11–15 UTC (08–12 and 12–16 in Berlin in winter).
fn windows() -> [(DateTime<Utc>, DateTime<Utc>); 2] {
    let day = (Utc::now() + Span::days(1))
        .duration_trunc(Span::days(1))
        .unwrap();
    [
        (day + Span::hours(7), day + Span::hours(11)),
        (day + Span::hours(11), day + Span::hours(15)),
    ]
}

fn announced(carrier: Uuid, sequence: i64, free: [u32; 2]) -> SlotsAnnouncedV1 {
    let w = windows();
    SlotsAnnouncedV1 {
        carrier_id: carrier.into(),
        date: w[0].0.date_naive(),
        sequence,
        crews: vec![CrewSlots {
            crew_id: Uuid::now_v7().into(),
            postcode_prefixes: vec!["10".into()],
            windows: w
                .iter()
                .zip(free)
                .map(|((start, end), free)| SlotRoom {
                    window: TimeWindow {
                        start: *start,
                        end: *end,
                    },
                    free,
                })
                .collect(),
        }],
        announced_at: Utc::now(),
    }
}

/// An active contract of the retailer with `carrier` for the postcodes `10…`.
async fn contracted(svc: &TestService, retailer_id: Uuid, carrier: Uuid) {
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO carrier_contracts (id, retailer_id, carrier_id, carrier_name, \
                 postcode_prefixes, status, offered_by, offered_at) \
             VALUES ($1, $2, $3, 'Blitz Logistik', '{10}', 'active', 'test', now())",
            vec![Uuid::now_v7().into(), retailer_id.into(), carrier.into()],
        ))
        .await
        .unwrap();
}

async fn consumed(svc: &TestService, id: Uuid) {
    eventually("the announcement consumed", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM inbox WHERE message_id = $1",
            vec![id.into()],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
}

fn body(window: (DateTime<Utc>, DateTime<Utc>)) -> Json {
    json!({"window_start": window.0.to_rfc3339(), "window_end": window.1.to_rfc3339()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_windows_with_room_are_booked_and_the_newest_announcement_wins() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let carrier = Uuid::now_v7();
    contracted(&svc, shop.retailer_id, carrier).await;
    let w = windows();

    // Sequence 3 (first window full) arrives before sequence 2 (both free): 3 stays.
    let newer = publish_event(&svc.names, announced(carrier, 3, [0, 2])).await;
    consumed(&svc, newer.id).await;
    let older = publish_event(&svc.names, announced(carrier, 2, [5, 5])).await;
    consumed(&svc, older.id).await;
    assert_eq!(
        one_string(&svc.db, "SELECT sequence::text FROM delivery_slots", vec![]).await,
        "3"
    );

    // The full window: 409 window_full, nothing saved.
    let (status, problem) = post_json(&svc, &shop.swap_path(), body(w[0])).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "window_full", "{problem}");
    assert_eq!(count(&svc.db, "SELECT 1 FROM swaps", vec![]).await, 0);
    // Across both windows: no window holds it.
    let (status, _) = post_json(&svc, &shop.swap_path(), body((w[0].0, w[1].1))).await;
    assert_eq!(status, 409);
    // A day nobody announced: logistics decides, as before.
    let later = (w[0].0 + Span::days(3), w[0].1 + Span::days(3));
    let other = shop_case_again(&svc, &shop).await;
    let (status, body_) = post_json(&svc, &other, body(later)).await;
    assert_eq!(status, 201, "{body_}");
    // The window with room.
    let (status, made) = post_json(&svc, &shop.swap_path(), body(w[1])).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM swaps WHERE overbooked_by IS NULL",
            vec![]
        )
        .await,
        2
    );
    svc.stop().await;
}

/// A second sale and case of the shop's retailer (serial SN-2); its swap path.
async fn shop_case_again(svc: &TestService, shop: &Shop) -> String {
    created(
        svc,
        &shop.path("/sales"),
        sale_body("R-2", "WM-100", "SN-2"),
    )
    .await;
    let case = created(
        svc,
        &shop.path("/cases"),
        json!({"serial": "SN-2", "defect_category": "does_not_start",
               "defect_description": "Drum does not turn"}),
    )
    .await;
    shop.path(&format!("/cases/{}/swap", id_of(&case)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_offers_windows_with_room_in_local_time_and_a_manager_overbooks() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let carrier = Uuid::now_v7();
    contracted(&svc, desk.retailer_id, carrier).await;
    let env = publish_event(&svc.names, announced(carrier, 1, [0, 2])).await;
    consumed(&svc, env.id).await;
    let w = windows();

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let (_, html) = page(&svc, &client, &case_path).await;
    // Only the window with room, in Berlin time.
    assert!(html.contains("id=\"slot\""), "{html}");
    assert!(html.contains("12:00–16:00 (room for 2)"), "{html}");
    assert!(
        !html.contains("08:00–12:00"),
        "the full window is not offered: {html}"
    );
    assert!(html.contains("Europe/Berlin"), "{html}");
    let full = format!("{}|{}", w[0].0.to_rfc3339(), w[0].1.to_rfc3339());

    // A clerk cannot book the full window, with or without asking to overbook.
    let swap_path = format!("{case_path}/swap");
    let form = |slot: &str, overbook: &'static str, csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("replacement_sku".to_owned(), "WM-100".to_owned()),
            ("slot".to_owned(), slot.to_owned()),
            ("overbook".to_owned(), overbook.to_owned()),
            ("name".to_owned(), "Erika Mustermann".to_owned()),
            ("phone".to_owned(), "+49 30 1234567".to_owned()),
            ("street".to_owned(), "Hauptstraße 1".to_owned()),
            ("postcode".to_owned(), "10115".to_owned()),
            ("city".to_owned(), "Berlin".to_owned()),
            ("country".to_owned(), "DE".to_owned()),
        ]
    };
    let post = |fields: Vec<(String, String)>, client: reqwest::Client| {
        let url = svc.url(&swap_path);
        async move {
            let res = client.post(url).form(&fields).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.text().await.unwrap())
        }
    };
    let (status, html) = post(form(&full, "", &csrf), client.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("slot-error"), "{html}");
    assert!(html.contains("no crew has room left"), "{html}");
    let (status, html) = post(form(&full, "on", &csrf), client.clone()).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Only a manager overbooks"), "{html}");
    assert_eq!(count(&svc.db, "SELECT 1 FROM swaps", vec![]).await, 0);

    // The manager overbooks: recorded on the swap, the timeline and the event.
    let manager_client = browser();
    let manager_csrf = signed_in(&svc, &manager_client, manager).await;
    let (status, html) = post(form(&full, "on", &manager_csrf), manager_client.clone()).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(
        one_string(&svc.db, "SELECT overbooked_by FROM swaps", vec![]).await,
        manager
    );
    let (_, html) = page(&svc, &manager_client, &case_path).await;
    assert!(
        html.contains(&format!(
            "window overbooked (no crew had room) by manager {manager}"
        )),
        "{html}"
    );
    let event = one_string(
        &svc.db,
        "SELECT payload::text FROM outbox WHERE routing_key = 'retailer.swap.approved.v1'",
        vec![],
    )
    .await;
    assert!(event.contains("\"overbooked\": true"), "{event}");
    svc.stop().await;
}
