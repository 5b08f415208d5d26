//! The visit's steps (on the way, delivered, collected) and the claim's afterlife (unit asked
//! back, arrived, inspected) on the timeline; the collected unit's evidence forwarded to the
//! manufacturer exactly once; who holds the ball; the words on the desk's case page; the
//! customer's status page once the crew is on the way.

use kummerer_contracts::{
    Address, ClaimInspectedV1, Depot, FreightPayer, InspectionResult, JobDeliveredV1,
    JobOnTheWayV1, Photo, ReturnArrivedV1, ReturnRequestedV1, UnitCollectedV1,
};

use super::desk::{browser, desk_shop, open_desk_case, page, post_form, signed_in, status_link_of};
use crate::support::*;

const EVIDENCE_ADDED: &str = "retailer.claim.evidence_added.v1";

fn window_at(at: DateTime<Utc>) -> TimeWindow {
    TimeWindow {
        start: at + Span::hours(1),
        end: at + Span::hours(5),
    }
}

fn on_the_way(ids: &Ids, at: DateTime<Utc>) -> JobOnTheWayV1 {
    JobOnTheWayV1 {
        job_id: ids.job_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        window: window_at(at),
        eta: Some(at + Span::minutes(90)),
        departed_at: at,
    }
}

fn delivered(ids: &Ids, at: DateTime<Utc>) -> JobDeliveredV1 {
    JobDeliveredV1 {
        job_id: ids.job_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        delivered_serial: "SN-NEW-1".into(),
        recipient_name: "Erika Mustermann".into(),
        photo_taken: false,
        delivered_at: at,
        photo: None,
    }
}

fn collected(ids: &Ids, serial: &str, expected: &str, at: DateTime<Utc>) -> UnitCollectedV1 {
    UnitCollectedV1 {
        job_id: ids.job_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        collected_serial: serial.into(),
        expected_serial: expected.into(),
        serial_matches: serial == expected,
        photo: Some(Photo::stored("image/png", &"ab".repeat(32), 4, photo_key())),
        collected_at: at,
    }
}

/// The blob key of the crew's photo in the events (its digest `ab…ab`).
fn photo_key() -> kummerer_contracts::BlobKey {
    kummerer_contracts::BlobKey::parse(&format!(
        "logistics/{}-0123456789abcdef0123456789abcdef",
        "ab".repeat(32)
    ))
    .unwrap()
}

/// The ids the events about one swap carry.
struct Ids {
    retailer_id: Uuid,
    manufacturer_id: Uuid,
    case_id: Uuid,
    swap_id: Uuid,
    claim_id: Uuid,
    job_id: Uuid,
}

impl Ids {
    fn of(shop: &Shop, swap_id: Uuid, claim_id: Uuid) -> Ids {
        Ids {
            retailer_id: shop.retailer_id,
            manufacturer_id: shop.manufacturer_id,
            case_id: shop.case_id,
            swap_id,
            claim_id,
            job_id: Uuid::now_v7(),
        }
    }
}

fn return_requested(ids: &Ids, at: DateTime<Utc>) -> ReturnRequestedV1 {
    ReturnRequestedV1 {
        claim_id: ids.claim_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        manufacturer_id: ids.manufacturer_id.into(),
        serial: "SN-1".into(),
        product: kummerer_contracts::ProductRef {
            sku: "WM-100".into(),
            name: "Washing machine WM 100".into(),
            manufacturer_id: ids.manufacturer_id.into(),
        },
        depot: Depot {
            depot_id: Uuid::now_v7().into(),
            name: "Depot Nord".into(),
            address: Address {
                name: "Depot Nord".into(),
                phone: "+49 40 1".into(),
                street: "Hafenstraße 9".into(),
                postcode: "20457".into(),
                city: "Hamburg".into(),
                country: "DE".into(),
            },
        },
        return_by: at + Span::days(14),
        freight_paid_by: FreightPayer::Manufacturer,
        requested_at: at,
    }
}

fn return_arrived(ids: &Ids, at: DateTime<Utc>) -> ReturnArrivedV1 {
    ReturnArrivedV1 {
        claim_id: ids.claim_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        manufacturer_id: ids.manufacturer_id.into(),
        depot_id: Uuid::now_v7().into(),
        shipment_id: Uuid::now_v7().into(),
        serial: "SN-1".into(),
        received_by: "Lager Nord".into(),
        arrived_at: at,
    }
}

fn inspected(ids: &Ids, at: DateTime<Utc>) -> ClaimInspectedV1 {
    ClaimInspectedV1 {
        claim_id: ids.claim_id.into(),
        swap_id: ids.swap_id.into(),
        case_id: ids.case_id.into(),
        retailer_id: ids.retailer_id.into(),
        manufacturer_id: ids.manufacturer_id.into(),
        result: InspectionResult::DefectConfirmed,
        note: Some("bearing worn".into()),
        inspected_at: at,
    }
}

async fn case_status(db: &DatabaseConnection, case_id: Uuid) -> String {
    one_string(
        db,
        "SELECT status FROM cases WHERE id = $1",
        vec![case_id.into()],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_and_the_return_land_on_the_timeline_and_the_evidence_goes_on_once() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let ids = Ids::of(&shop, swap_id, claim_id);
    let db = &svc.db;
    let t0 = Utc::now();

    // On the way: the swap says so, the crew holds the ball.
    publish_event(&svc.names, on_the_way(&ids, t0 + Span::minutes(1))).await;
    wait_kind(&svc, shop.case_id, "on_the_way", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "on_the_way");
    assert_eq!(case_status(db, shop.case_id).await, "swap_approved");

    // Delivered: swap and case delivered; the crew still holds the collection.
    publish_event(&svc.names, delivered(&ids, t0 + Span::minutes(2))).await;
    wait_kind(&svc, shop.case_id, "delivered", 1).await;
    assert_eq!(swap_status(db, swap_id).await, "delivered");
    assert_eq!(case_status(db, shop.case_id).await, "delivered");
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["ball"]["party"], "crew", "{case}");

    // Collected, another unit than the case names, with a photo: flagged, and the serial and the
    // photo go to the manufacturer's claim in the same transaction.
    let collected_at = t0 + Span::minutes(3);
    let env = publish_event(&svc.names, collected(&ids, "SN-ELSE", "SN-1", collected_at)).await;
    wait_kind(&svc, shop.case_id, "collected", 1).await;
    assert_eq!(
        timeline_count(db, shop.case_id, "collected_serial_mismatch").await,
        1
    );
    let forwarded = outbox(db, EVIDENCE_ADDED).await;
    assert_eq!(forwarded.len(), 2, "{forwarded:?}");
    let serial = &forwarded[0]["data"];
    assert_eq!(serial["claim_id"], claim_id.to_string());
    assert_eq!(serial["swap_id"], swap_id.to_string());
    assert_eq!(serial["case_id"], shop.case_id.to_string());
    assert_eq!(serial["retailer_id"], shop.retailer_id.to_string());
    assert_eq!(serial["manufacturer_id"], shop.manufacturer_id.to_string());
    assert_eq!(serial["evidence"]["kind"], "collected_serial");
    assert_eq!(serial["evidence"]["serial"], "SN-ELSE");
    assert_eq!(serial["evidence"]["serial_matches"], false);
    assert!(same_instant(
        time_of(&serial["evidence"]["observed_at"]),
        collected_at
    ));
    assert!(serial["evidence"]["photo"].is_null());
    let photo = &forwarded[1]["data"]["evidence"];
    assert_eq!(photo["kind"], "collected_photo");
    // Forwarded by claim-check: the key, never the bytes.
    assert_eq!(photo["photo"]["key"], photo_key().as_str());
    assert_eq!(photo["photo"]["sha256"], "ab".repeat(32));
    assert!(photo["photo"].get("data_base64").is_none(), "{photo}");
    assert_ne!(photo["evidence_id"], serial["evidence"]["evidence_id"]);
    // The visit is done: only the manufacturer holds the claim.
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["ball"]["party"], "manufacturer", "{case}");
    assert_eq!(holders(&case["ball"]).len(), 1, "{case}");

    // The same message again, even once the inbox forgot it, forwards nothing twice.
    db.execute_unprepared("DELETE FROM inbox").await.unwrap();
    publish_envelope(&svc.names, &env).await;

    // The manufacturer wants the unit back, decides meanwhile, the unit arrives, is inspected.
    publish_event(&svc.names, return_requested(&ids, t0 + Span::minutes(4))).await;
    wait_kind(&svc, shop.case_id, "return_requested", 1).await;
    assert_eq!(outbox(db, EVIDENCE_ADDED).await.len(), 2);
    assert_eq!(timeline_count(db, shop.case_id, "collected").await, 1);
    let mut accepted = claim_decided(&shop, swap_id, claim_id, t0 + Span::minutes(5));
    accepted.outcome = ClaimOutcome::Accepted;
    publish_event(&svc.names, accepted).await;
    wait_kind(&svc, shop.case_id, "claim_decided", 1).await;
    // Decided, but the return is pending: still the manufacturer, since the claim was filed.
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["ball"]["party"], "manufacturer", "{case}");
    assert_eq!(case["ball"]["holders"][0]["holds"], "return", "{case}");
    assert_eq!(
        time_of(&case["ball"]["since"]),
        time_of(&case["swap"]["approved_at"])
    );
    publish_event(&svc.names, return_arrived(&ids, t0 + Span::minutes(6))).await;
    wait_kind(&svc, shop.case_id, "return_arrived", 1).await;
    publish_event(&svc.names, inspected(&ids, t0 + Span::minutes(7))).await;
    wait_kind(&svc, shop.case_id, "claim_inspected", 1).await;

    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert!(case["ball"]["party"].is_null(), "{case}");
    assert_eq!(case["claim"]["status"], "accepted");
    let entry = |kind: &str| {
        case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap()
            .clone()
    };
    let requested = entry("return_requested");
    assert_eq!(requested["source"], "manufacturer");
    assert_eq!(requested["details"]["depot"]["name"], "Depot Nord");
    assert_eq!(requested["details"]["freight_paid_by"], "manufacturer");
    assert!(same_instant(
        time_of(&requested["details"]["return_by"]),
        t0 + Span::minutes(4) + Span::days(14)
    ));
    assert_eq!(entry("return_arrived")["source"], "logistics");
    assert_eq!(
        entry("return_arrived")["details"]["received_by"],
        "Lager Nord"
    );
    assert_eq!(
        entry("claim_inspected")["details"]["result"],
        "defect_confirmed"
    );
    assert_eq!(entry("collected")["details"]["serial_matches"], false);
    let on_the_way_entry = entry("on_the_way");
    assert!(same_instant(
        time_of(&on_the_way_entry["details"]["eta"]),
        t0 + Span::minutes(91)
    ));
    assert_eq!(
        svc.broker
            .depth(&svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS))
            .await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visit_and_claim_events_about_unknown_things_are_dead_lettered() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let (swap_id, claim_id) = approve(&svc, &shop).await;
    let dlq = svc.names.dead_letter_queue(&RETAILER_CASE_EVENTS);
    let now = Utc::now();
    let unknown_swap = Ids::of(&shop, Uuid::now_v7(), claim_id);
    let unknown_claim = Ids::of(&shop, swap_id, Uuid::now_v7());
    let mut other_retailer = Ids::of(&shop, swap_id, claim_id);
    other_retailer.retailer_id = Uuid::now_v7();
    publish_event(&svc.names, on_the_way(&unknown_swap, now)).await;
    publish_event(&svc.names, collected(&unknown_swap, "SN-1", "SN-1", now)).await;
    publish_event(&svc.names, delivered(&other_retailer, now)).await;
    publish_event(&svc.names, return_requested(&unknown_claim, now)).await;
    publish_event(&svc.names, return_arrived(&other_retailer, now)).await;
    publish_event(&svc.names, inspected(&unknown_claim, now)).await;
    eventually("six messages in the DLQ", DEADLINE, || async {
        (svc.broker.depth(&dlq).await == 6).then_some(())
    })
    .await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM timeline", vec![]).await, 2);
    assert_eq!(outbox(&svc.db, EVIDENCE_ADDED).await.len(), 0);
    assert_eq!(swap_status(&svc.db, swap_id).await, "approved");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_says_each_step_in_words_and_the_customer_sees_the_crew_coming() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let approved = created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window_body("clerk.anna"),
    )
    .await;
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/status-link"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let link = status_link_of(&html);
    let (_, before) = page(&svc, &client, &link).await;
    assert!(before.contains(r#"data-step="swap_approved""#), "{before}");
    assert!(!before.contains(r#"id="eta""#), "{before}");

    let ids = Ids {
        retailer_id: desk.retailer_id,
        manufacturer_id: Uuid::now_v7(),
        case_id,
        swap_id: approved["swap_id"].as_str().unwrap().parse().unwrap(),
        claim_id: approved["claim_id"].as_str().unwrap().parse().unwrap(),
        job_id: Uuid::now_v7(),
    };
    let departed = Utc::now();
    let ev = on_the_way(&ids, departed);
    // In the store's time zone (Europe/Berlin unless set otherwise, issue 13).
    // The desk reads English here, in the store's time (Berlin).
    let english =
        retailer::http::pages::locale::tr(kummerer_web::i18n::Lang::En, chrono_tz::Europe::Berlin);
    let eta_desk = english.datetime(ev.eta.unwrap());
    // The customer's page: German (the store's language) and Berlin time.
    let german =
        retailer::http::pages::locale::tr(kummerer_web::i18n::Lang::De, chrono_tz::Europe::Berlin);
    let eta = german.datetime(ev.eta.unwrap());
    publish_event(&svc.names, ev).await;
    wait_kind(&svc, case_id, "on_the_way", 1).await;

    // The customer sees the crew coming, the window and the estimate, and nothing else.
    let (status, html) = page(&svc, &client, &link).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"data-step="on_the_way""#), "{html}");
    assert!(
        html.contains(&format!(r#"<dd id="eta">{eta}</dd>"#)),
        "{html}"
    );
    let window = window_at(departed);
    assert!(
        html.contains(&german.window(window.start, window.end)),
        "{html}"
    );
    for secret in ["Erika", "499", "SN-1", "clerk", "Hauptstraße"] {
        assert!(!html.contains(secret), "{secret} leaks: {html}");
    }

    // The desk says each step in words, with its details.
    publish_event(
        &svc.names,
        collected(&ids, "SN-ELSE", "SN-1", departed + Span::minutes(30)),
    )
    .await;
    wait_kind(&svc, case_id, "collected", 1).await;
    let (_, html) = page(&svc, &client, &case_path).await;
    for words in [
        r#"data-kind="swap_approved">Swap approved</td>"#,
        r#"data-kind="claim_submitted">Claim filed with the manufacturer</td>"#,
        r#"data-kind="on_the_way">Crew on the way</td>"#,
        &format!("Expected at {eta_desk}"),
        r#"data-kind="collected">Defective unit collected</td>"#,
        "Serial SN-ELSE, NOT the serial the case names, with a photo, forwarded to the \
         manufacturer as evidence.",
        r#"data-kind="collected_serial_mismatch">Collected serial does not match</td>"#,
        "The crew collected SN-ELSE, the case names SN-1.",
        "€499.00 claimed.",
    ] {
        assert!(html.contains(words), "{words} missing: {html}");
    }
    assert!(!html.contains("job_id:"), "raw key/values: {html}");
    svc.stop().await;
}
