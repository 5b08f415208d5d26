//! Correcting the address or window of a swap's visit through the JSON API: 202 and
//! `retailer.swap.correction_requested.v1`, the case showing the correction pending until
//! logistics answers; `logistics.job.corrected.v1` moves the swap's address and window (once),
//! `logistics.job.correction_refused.v1` lands on the timeline and changes nothing. One pending
//! correction at a time (409); bad input 400/422, another retailer's key 404, a visit the crew set
//! off to (or delivered) 409: nothing changed.

use kummerer_contracts::{
    Address, CorrectionRefusal, JobCorrectedV1, JobCorrectionRefusedV1, JobId, SwapId,
};

use crate::support::*;

pub(crate) const REQUESTED: &str = "retailer.swap.correction_requested.v1";

fn correction_path(shop: &Shop) -> String {
    shop.path(&format!("/cases/{}/swap/correction", shop.case_id))
}

fn new_address() -> Json {
    json!({"name": "Erika Mustermann", "phone": "+49 30 1234567", "street": "Elbchaussee 5",
           "postcode": "20095", "city": "Hamburg", "country": "DE"})
}

/// A window `days` ahead, 09:00–11:00 UTC.
fn window_in(days: i64) -> (DateTime<Utc>, DateTime<Utc>) {
    let day = (Utc::now() + Span::days(days)).date_naive();
    let start = day.and_hms_opt(9, 0, 0).unwrap().and_utc();
    (start, start + Span::hours(2))
}

/// The shop's case approved and its visit scheduled by logistics; the swap's id.
pub(crate) async fn scheduled_swap(svc: &TestService, shop: &Shop) -> Uuid {
    let (swap_id, _) = approve(svc, shop).await;
    publish_event(&svc.names, job_scheduled(shop, swap_id, Utc::now())).await;
    eventually("the swap scheduled", DEADLINE, || async {
        (swap_status(&svc.db, swap_id).await == "scheduled").then_some(())
    })
    .await;
    swap_id
}

async fn corrections(db: &DatabaseConnection) -> Vec<String> {
    db.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT status || coalesce('/' || refusal_reason, '') AS s FROM swap_corrections \
         ORDER BY requested_at, id",
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String>("", "s").unwrap())
    .collect()
}

/// Waits until the consumer applied `n` messages of `ty` (its inbox holds them).
async fn wait_applied(db: &DatabaseConnection, ty: &str, n: i64) {
    eventually(&format!("{n} × {ty} applied"), DEADLINE, || async {
        let seen = count(
            db,
            "SELECT 1 FROM inbox WHERE message_type = $1",
            vec![ty.into()],
        )
        .await;
        (seen >= n).then_some(())
    })
    .await;
}

fn corrected(shop: &Shop, swap_id: Uuid, correction: &Json, address: Address) -> JobCorrectedV1 {
    let data = &correction["data"];
    JobCorrectedV1 {
        job_id: JobId(Uuid::now_v7()),
        swap_id: SwapId(swap_id),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        correction_id: data["correction_id"].as_str().unwrap().parse().unwrap(),
        address,
        window: serde_json::from_value(data["window"].clone()).unwrap(),
        crew_assigned: true,
        corrected_at: Utc::now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_shows_on_the_case_only_once_logistics_confirms_it_and_one_waits_at_a_time() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-K1").await;
    let (swap_id, _) = approve(&svc, &shop).await;
    let (start, end) = window_in(3);
    let body = json!({"reason": "The customer moved", "delivery_address": new_address(),
                      "window_start": start, "window_end": end});

    // Not planned by logistics yet: refused, nothing sent.
    post_problem(
        &svc,
        &correction_path(&shop),
        body.clone(),
        409,
        "visit_not_scheduled",
        "a visit not scheduled",
    )
    .await;
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
    publish_event(&svc.names, job_scheduled(&shop, swap_id, Utc::now())).await;
    eventually("the swap scheduled", DEADLINE, || async {
        (swap_status(&svc.db, swap_id).await == "scheduled").then_some(())
    })
    .await;
    let (_, before) = get_json(&svc, &shop.case_path()).await;

    // Asked: 202; the message names both parts and who asked; the case shows it pending.
    let (status, asked) = post_json(&svc, &correction_path(&shop), body.clone()).await;
    assert_eq!(status, 202, "{asked}");
    assert_eq!(asked["status"], "correction_pending");
    assert_eq!(asked["swap_id"], swap_id.to_string());
    let sent = outbox(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["correction_id"], asked["correction_id"]);
    assert_eq!(data["address"]["postcode"], "20095");
    assert!(same_instant(time_of(&data["window"]["start"]), start));
    assert_eq!(data["requested_by"]["kind"], "staff");
    assert_eq!(data["requested_by"]["label"], "API key «tests»");
    assert_eq!(data["reason"], "The customer moved");
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert_eq!(case["swap"]["window"], before["swap"]["window"], "{case}");
    assert_eq!(case["swap"]["delivery_address"]["postcode"], "10115");
    assert_eq!(
        case["swap"]["correction_pending"]["correction_id"],
        asked["correction_id"]
    );
    assert_eq!(
        timeline_count(&svc.db, shop.case_id, "swap_correction_requested").await,
        1
    );

    // A second one while the first waits: 409, nothing sent.
    post_problem(
        &svc,
        &correction_path(&shop),
        body.clone(),
        409,
        "correction_pending",
        "a second correction",
    )
    .await;
    assert_eq!(outbox(&svc.db, REQUESTED).await.len(), 1);
    assert_eq!(corrections(&svc.db).await, ["pending"]);

    // Logistics confirms (twice, under two message ids): the swap moves, once.
    let address: Address = serde_json::from_value(new_address()).unwrap();
    let answer = corrected(&shop, swap_id, &sent[0], address);
    publish_event(&svc.names, answer.clone()).await;
    wait_kind(&svc, shop.case_id, "swap_corrected", 1).await;
    publish_event(&svc.names, answer.clone()).await;
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert!(
        same_instant(time_of(&case["swap"]["window"]["start"]), start),
        "{case}"
    );
    assert!(same_instant(time_of(&case["swap"]["window"]["end"]), end));
    assert_eq!(case["swap"]["delivery_address"]["city"], "Hamburg");
    assert!(case["swap"].get("correction_pending").is_none(), "{case}");
    assert_eq!(corrections(&svc.db).await, ["applied"]);

    // Another correction, refused (the crew set off meanwhile): on the timeline, nothing moves.
    let (later, later_end) = window_in(5);
    let (status, _) = post_json(
        &svc,
        &correction_path(&shop),
        json!({"reason": "Not home that day", "window_start": later, "window_end": later_end}),
    )
    .await;
    assert_eq!(status, 202);
    let sent = outbox(&svc.db, REQUESTED).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[1]["data"]["address"].is_null(), "{}", sent[1]);
    let refusal = JobCorrectionRefusedV1 {
        job_id: Some(answer.job_id),
        swap_id: SwapId(swap_id),
        case_id: shop.case_id.into(),
        retailer_id: shop.retailer_id.into(),
        correction_id: sent[1]["data"]["correction_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        reason: CorrectionRefusal::OnTheWay,
        refused_at: Utc::now(),
    };
    publish_event(&svc.names, refusal.clone()).await;
    wait_kind(&svc, shop.case_id, "swap_correction_refused", 1).await;
    // Both answers once more under new ids: applied (the inbox has them), nothing added.
    publish_event(&svc.names, refusal).await;
    publish_event(&svc.names, answer).await;
    wait_applied(&svc.db, "logistics.job.correction_refused.v1", 2).await;
    wait_applied(&svc.db, "logistics.job.corrected.v1", 3).await;
    let (_, case) = get_json(&svc, &shop.case_path()).await;
    assert!(
        same_instant(time_of(&case["swap"]["window"]["start"]), start),
        "{case}"
    );
    assert!(case["swap"].get("correction_pending").is_none(), "{case}");
    assert_eq!(
        corrections(&svc.db).await,
        ["applied", "refused/on_the_way"]
    );
    assert_eq!(
        timeline_count(&svc.db, shop.case_id, "swap_correction_refused").await,
        1
    );
    assert_eq!(
        timeline_count(&svc.db, shop.case_id, "swap_corrected").await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_corrections_and_another_retailers_key_change_nothing() {
    let svc = start().await;
    let a = shop(&svc, "Elektro Maier", "SN-K2").await;
    scheduled_swap(&svc, &a).await;
    let b = shop(&svc, "Technik Huber", "SN-K3").await;
    let path = correction_path(&a);
    let (start, end) = window_in(3);
    let before = snapshot(&svc.db).await;

    let past = Utc::now() - Span::hours(2);
    let mut bad_country = new_address();
    bad_country["country"] = json!("Germany");
    for (body, field) in [
        (
            json!({"reason": " ", "window_start": start, "window_end": end}),
            "reason",
        ),
        (
            json!({"reason": "r", "window_start": past, "window_end": end}),
            "window_start",
        ),
        (
            json!({"reason": "r", "window_start": end, "window_end": start}),
            "window_end",
        ),
        (json!({"reason": "r", "window_start": start}), "window_end"),
        (json!({"reason": "r"}), "delivery_address"),
        (
            json!({"reason": "r", "delivery_address": bad_country}),
            "delivery_address.country",
        ),
        (
            json!({"reason": "r\u{0}", "window_start": start, "window_end": end}),
            "reason",
        ),
    ] {
        let problem = post_problem(
            &svc,
            &path,
            body.clone(),
            422,
            "validation_failed",
            "a bad correction",
        )
        .await;
        assert!(
            fields(&problem).contains(&field.to_owned()),
            "{body}: {problem}"
        );
    }
    // Another retailer's key (B's, on A's case) and an unknown case: 404.
    let b_key = make_key(&svc, b.retailer_id, "other", None).await;
    set_key(&svc, a.retailer_id, &b_key);
    let body = json!({"reason": "r", "window_start": start, "window_end": end});
    post_problem(
        &svc,
        &path,
        body.clone(),
        404,
        "not_found",
        "another retailer's key",
    )
    .await;
    make_key(&svc, a.retailer_id, "tests again", None).await;
    let unknown = a.path(&format!("/cases/{}/swap/correction", Uuid::now_v7()));
    post_problem(
        &svc,
        &unknown,
        body.clone(),
        404,
        "not_found",
        "an unknown case",
    )
    .await;
    // B's own case has no swap: 404 swap.
    post_problem(
        &svc,
        &correction_path(&b),
        body,
        404,
        "not_found",
        "a case without a swap",
    )
    .await;

    // Not JSON, and a time that is none: 400 and 422, as problems.
    let res = request(&svc, reqwest::Method::POST, &path)
        .header("content-type", "application/json")
        .body("{\"reason\": ")
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "not JSON").await;
    let problem = post_problem(
        &svc,
        &path,
        json!({"reason": "r", "window_start": "tomorrow", "window_end": end}),
        422,
        "validation_failed",
        "a time that is none",
    )
    .await;
    assert_eq!(fields(&problem), ["body"], "{problem}");

    assert_eq!(snapshot(&svc.db).await, before);
    assert!(corrections(&svc.db).await.is_empty());
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_the_crew_set_off_to_or_delivered_is_not_corrected() {
    let svc = start().await;
    let shop = shop(&svc, "Elektro Maier", "SN-K4").await;
    let swap_id = scheduled_swap(&svc, &shop).await;
    let (start, end) = window_in(3);
    let body = json!({"reason": "Not home", "window_start": start, "window_end": end,
                      "delivery_address": new_address()});

    // The crew set off (logistics said so): refused at once, the problem says why.
    publish_event(
        &svc.names,
        kummerer_contracts::JobOnTheWayV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            window: TimeWindow { start, end },
            eta: None,
            departed_at: Utc::now(),
        },
    )
    .await;
    eventually("the swap on the way", DEADLINE, || async {
        (swap_status(&svc.db, swap_id).await == "on_the_way").then_some(())
    })
    .await;
    let before = snapshot(&svc.db).await;
    let problem = post_problem(
        &svc,
        &correction_path(&shop),
        body.clone(),
        409,
        "crew_on_the_way",
        "the crew on the way",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("on the way"),
        "{problem}"
    );
    assert_eq!(snapshot(&svc.db).await, before);
    // Delivered: nothing left to correct.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE swaps SET status = 'delivered' WHERE id = $1",
            vec![swap_id.into()],
        ))
        .await
        .unwrap();
    let before = snapshot(&svc.db).await;
    post_problem(
        &svc,
        &correction_path(&shop),
        body,
        409,
        "swap_delivered",
        "a delivered swap",
    )
    .await;
    assert_eq!(snapshot(&svc.db).await, before);
    assert!(corrections(&svc.db).await.is_empty());
    assert!(outbox(&svc.db, REQUESTED).await.is_empty());
}
