//! The customer acts on the status link (issue 13): moves the visit to another window with room
//! (a correction asked by the customer, `retailer.swap.correction_requested.v1`), sees
//! logistics' answer (the new window, or "just taken"), confirms the window and says they won't
//! be home (`retailer.swap.customer_answered.v1`); a full window is refused with a readable
//! message, a form sent twice is applied once, an unknown or expired link is the 404 page.

use kummerer_contracts::{
    CorrectionRefusal, CrewSlots, JobCorrectedV1, JobCorrectionRefusedV1, SlotRoom,
    SlotsAnnouncedV1,
};

use crate::support::*;

const REQUESTED: &str = "retailer.swap.correction_requested.v1";
const ANSWERED: &str = "retailer.swap.customer_answered.v1";

/// Three windows the day after tomorrow, UTC: 07–11 (full), 11–15 and 15–19 (room).
fn windows() -> [TimeWindow; 3] {
    let day = (Utc::now() + Span::days(2)).date_naive();
    let at = |h: u32| day.and_hms_opt(h, 0, 0).unwrap().and_utc();
    [
        TimeWindow {
            start: at(7),
            end: at(11),
        },
        TimeWindow {
            start: at(11),
            end: at(15),
        },
        TimeWindow {
            start: at(15),
            end: at(19),
        },
    ]
}

fn value(w: &TimeWindow) -> String {
    format!("{}_{}", w.start.timestamp(), w.end.timestamp())
}

async fn announce(svc: &TestService, retailer_id: Uuid) {
    let carrier = Uuid::now_v7();
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
    let w = windows();
    let sent = publish_event(
        &svc.names,
        SlotsAnnouncedV1 {
            carrier_id: carrier.into(),
            date: w[0].start.date_naive(),
            sequence: 1,
            crews: vec![CrewSlots {
                crew_id: Uuid::now_v7().into(),
                postcode_prefixes: vec!["10".into()],
                windows: w
                    .iter()
                    .zip([0, 2, 2])
                    .map(|(window, free)| SlotRoom {
                        window: window.clone(),
                        free,
                    })
                    .collect(),
            }],
            announced_at: Utc::now(),
        },
    )
    .await;
    eventually("the announcement kept", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM inbox WHERE message_id = $1",
            vec![sent.id.into()],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
}

/// A status link for the shop's case: the token (only its hash is stored).
async fn link(svc: &TestService, shop: &Shop) -> String {
    let token = "ab12".repeat(16);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE cases SET status_token_hash = $1 WHERE id = $2",
            vec![kummerer_web::token_hash(&token).into(), shop.case_id.into()],
        ))
        .await
        .unwrap();
    token
}

async fn get(svc: &TestService, path: &str) -> (u16, String) {
    let res = reqwest::Client::new()
        .get(svc.url(path))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts a form of the page; the status, the `Location` and the page.
async fn post(svc: &TestService, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.post(svc.url(path)).form(form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// The form id the page gave.
fn answer_id(html: &str) -> String {
    let at = html
        .find(r#"name="answer_id" value=""#)
        .unwrap_or_else(|| panic!("no form: {html}"));
    html[at + 24..at + 24 + 36].to_owned()
}

async fn outbox_of(db: &DatabaseConnection, key: &str) -> Vec<Json> {
    outbox(db, key)
        .await
        .into_iter()
        .map(|p| p["data"].clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_moves_confirms_and_says_not_home_on_the_status_link_each_once() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-S1").await;
    let (swap_id, _) = approve(&svc, &shop).await;
    let token = link(&svc, &shop).await;
    let page_path = format!("/status/{token}");
    // Not scheduled yet: nothing to act on.
    let (status, html) = get(&svc, &page_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("move-form"), "{html}");
    publish_event(&svc.names, job_scheduled(&shop, swap_id, Utc::now())).await;
    eventually("the swap scheduled", DEADLINE, || async {
        (swap_status(&svc.db, swap_id).await == "scheduled").then_some(())
    })
    .await;
    announce(&svc, shop.retailer_id).await;
    let w = windows();

    // The page offers the windows with room, in German (the store's language) and local time.
    let (status, html) = get(&svc, &page_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Passt Ihnen dieses Zeitfenster?"), "{html}");
    assert!(
        html.contains(&value(&w[1])) && html.contains(&value(&w[2])),
        "{html}"
    );
    assert!(
        !html.contains(&value(&w[0])),
        "the full window is not offered: {html}"
    );
    // 11:00 UTC is 12:00 in Berlin in winter.
    assert!(html.contains("12:00"), "{html}");
    let form = answer_id(&html);

    // A window without room (sent anyway): refused in words, nothing sent.
    let move_path = format!("{page_path}/move");
    let (status, _, html) = post(
        &svc,
        &move_path,
        &[("answer_id", form.as_str()), ("window", &value(&w[0]))],
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("Dieses Zeitfenster hat keine freien Plätze mehr"),
        "{html}"
    );
    // No window at all: 422.
    let (status, _, _) = post(&svc, &move_path, &[("answer_id", form.as_str())]).await;
    assert_eq!(status, 422);
    assert!(outbox_of(&svc.db, REQUESTED).await.is_empty());

    // The window with room: back to the page; sent once however often the form comes.
    for _ in 0..2 {
        let (status, location, _) = post(
            &svc,
            &move_path,
            &[("answer_id", form.as_str()), ("window", &value(&w[1]))],
        )
        .await;
        assert_eq!(status, 303);
        assert_eq!(location, format!("{page_path}#said"));
    }
    let sent = outbox_of(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["requested_by"]["kind"], "customer");
    assert_eq!(sent[0]["correction_id"], form);
    assert_eq!(
        sent[0]["window"]["start"],
        json!(w[1].start),
        "{:?}",
        sent[0]
    );
    let (_, html) = get(&svc, &page_path).await;
    assert!(html.contains(r#"id="said-pending""#), "{html}");
    assert!(!html.contains("move-form"), "one move at a time: {html}");

    // Logistics applies it: the page says the new window.
    let correction_id: Uuid = form.parse().unwrap();
    let address = serde_json::from_value(customer()).unwrap();
    publish_event(
        &svc.names,
        JobCorrectedV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            correction_id,
            address,
            window: w[1].clone(),
            crew_assigned: true,
            corrected_at: Utc::now(),
        },
    )
    .await;
    let html = eventually("the new window on the page", DEADLINE, || async {
        let (_, html) = get(&svc, &page_path).await;
        html.contains(r#"id="said-moved""#).then_some(html)
    })
    .await;
    assert!(html.contains("Ihr neues Zeitfenster ist"), "{html}");
    assert!(
        !html.contains(&value(&w[1])),
        "the current window is not offered: {html}"
    );

    // Another move, refused by logistics (the window was just taken): said so.
    let second = answer_id(&html);
    let (status, _, _) = post(
        &svc,
        &move_path,
        &[("answer_id", second.as_str()), ("window", &value(&w[2]))],
    )
    .await;
    assert_eq!(status, 303);
    publish_event(
        &svc.names,
        JobCorrectionRefusedV1 {
            job_id: None,
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            correction_id: second.parse().unwrap(),
            reason: CorrectionRefusal::WindowFull,
            refused_at: Utc::now(),
        },
    )
    .await;
    let html = eventually("the refusal on the page", DEADLINE, || async {
        let (_, html) = get(&svc, &page_path).await;
        html.contains(r#"id="said-full""#).then_some(html)
    })
    .await;
    assert!(
        html.contains("Dieses Zeitfenster wurde gerade vergeben, bitte wählen Sie ein anderes."),
        "{html}"
    );

    // Confirmed, twice with the same form: one answer.
    let third = answer_id(&html);
    for _ in 0..2 {
        let (status, _, _) = post(
            &svc,
            &format!("{page_path}/confirm"),
            &[("answer_id", third.as_str())],
        )
        .await;
        assert_eq!(status, 303);
    }
    let answered = outbox_of(&svc.db, ANSWERED).await;
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0]["answer"], "confirmed");
    assert_eq!(answered[0]["window"]["start"], json!(w[1].start));
    let (_, html) = get(&svc, &page_path).await;
    assert!(html.contains(r#"id="said-confirmed""#), "{html}");

    // Won't be home, with a note.
    let fourth = answer_id(&html);
    let (status, _, _) = post(
        &svc,
        &format!("{page_path}/not-home"),
        &[
            ("answer_id", fourth.as_str()),
            ("note", "Bin bis Freitag verreist"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let answered = outbox_of(&svc.db, ANSWERED).await;
    assert_eq!(answered.len(), 2);
    assert_eq!(answered[1]["answer"], "not_home");
    assert_eq!(answered[1]["note"], "Bin bis Freitag verreist");
    assert_eq!(
        timeline_count(&svc.db, shop.case_id, "customer_not_home").await,
        1
    );
    assert_eq!(
        timeline_count(&svc.db, shop.case_id, "customer_confirmed").await,
        1
    );
    let (_, html) = get(&svc, &page_path).await;
    assert!(html.contains(r#"id="said-not-home""#), "{html}");

    // An unknown or malformed link: the 404 page, nothing recorded.
    for bad in ["cd34".repeat(16), "nope".to_owned()] {
        let (status, _, html) = post(
            &svc,
            &format!("/status/{bad}/confirm"),
            &[("answer_id", &Uuid::new_v4().to_string())],
        )
        .await;
        assert_eq!(status, 404, "{html}");
    }
    // A form from another site: refused.
    let res = reqwest::Client::new()
        .post(svc.url(&format!("{page_path}/confirm")))
        .header("origin", "https://evil.example")
        .form(&[("answer_id", Uuid::new_v4().to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(outbox_of(&svc.db, ANSWERED).await.len(), 2);

    // An expired link (the case closed long ago): the 404 page, nothing recorded.
    for sql in [
        "UPDATE cases SET status = 'delivered'",
        "UPDATE timeline SET occurred_at = now() - interval '400 days'",
    ] {
        svc.db
            .execute_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await
            .unwrap();
    }
    let (status, _, html) = post(
        &svc,
        &format!("{page_path}/confirm"),
        &[("answer_id", &Uuid::new_v4().to_string())],
    )
    .await;
    assert_eq!(status, 404, "{html}");
    assert_eq!(outbox_of(&svc.db, ANSWERED).await.len(), 2);
    svc.stop().await;
}
