//! The visit in steps over the JSON API: on the way, delivered, collected — each once, each a
//! message; the job completed (and `job.completed` published) when both delivered and collected
//! are recorded; the one-step completion still works and announces all three; a serial that is
//! not the case's is refused until confirmed, then flagged; the photo travels as evidence.

use sha2::{Digest, Sha256};

use crate::support::*;

/// Every routing key of a visit.
const STEPS: [&str; 4] = [ON_THE_WAY, DELIVERED, COLLECTED, COMPLETED];

async fn steps_in_outbox(db: &DatabaseConnection) -> [usize; 4] {
    let mut counts = [0; 4];
    for (i, key) in STEPS.iter().enumerate() {
        counts[i] = outbox(db, key).await.len();
    }
    counts
}

fn pickup() -> kummerer_contracts::StockPickup {
    kummerer_contracts::StockPickup {
        location_id: Uuid::now_v7().into(),
        name: "Lager Nord".into(),
        address: Address {
            name: "Lager Nord".into(),
            phone: "+49 30 555".into(),
            street: "Nordweg 2".into(),
            postcode: "13347".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_in_steps_records_each_once_and_completes_when_delivered_and_collected() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let mut event = swap(retailer, "SN-OLD-1");
    event.replacement_from = Some(pickup());
    let job = job_for(&svc, &event).await;
    let id = id_of(&job);
    assert_eq!(job["replacement_from"]["name"], "Lager Nord", "{job}");
    assert_eq!(job["replacement_from"]["address"]["street"], "Nordweg 2");

    // On the way, with an estimate; a second tap records nothing and says so.
    let eta = Utc::now() + Span::minutes(30);
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{id}/on-the-way"),
        json!({ "eta": eta }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["recorded"].as_bool(), body["step"].as_str()),
        (Some(true), Some("on_the_way"))
    );
    assert!(body["job"]["on_the_way_at"].is_string(), "{body}");
    assert_eq!(body["job"]["status"], "scheduled");
    let (status, again) = post_json(&svc, &format!("/api/jobs/{id}/on-the-way"), json!({})).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["recorded"], false);
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{again}"
    );
    let sent = outbox(&svc.db, ON_THE_WAY).await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["job_id"], id.as_str());
    assert_eq!(data["swap_id"], event.swap_id.to_string());
    assert_eq!(data["case_id"], event.case_id.to_string());
    let sent_eta: chrono::DateTime<Utc> = serde_json::from_value(data["eta"].clone()).unwrap();
    assert_eq!(sent_eta.timestamp_micros(), eta.timestamp_micros());

    // Delivered, tapped twice at once: one delivery, the other answer says it was recorded.
    let body = json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann"});
    let path = format!("/api/jobs/{id}/delivered");
    let (one, two) = tokio::join!(
        post_json(&svc, &path, body.clone()),
        post_json(&svc, &path, body.clone())
    );
    assert_eq!((one.0, two.0), (200, 200), "{one:?} {two:?}");
    let mut recorded = [
        one.1["recorded"].as_bool().unwrap(),
        two.1["recorded"].as_bool().unwrap(),
    ];
    recorded.sort_unstable();
    assert_eq!(recorded, [false, true], "{one:?} {two:?}");
    let winner = if one.1["recorded"] == true {
        &one.1
    } else {
        &two.1
    };
    assert_eq!(winner["completed"], false);
    assert_eq!(winner["job"]["status"], "scheduled", "open until collected");
    assert_eq!(winner["job"]["delivered_serial"], "SN-NEW-1");
    assert_eq!(steps_in_outbox(&svc.db).await, [1, 1, 0, 0]);
    let delivered = &outbox(&svc.db, DELIVERED).await[0]["data"];
    assert_eq!(delivered["recipient_name"], "Erika Mustermann");
    assert_eq!(delivered["photo_taken"], false);
    let job_id: Uuid = id.parse().unwrap();
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM job_events WHERE job_id = $1 AND kind = 'delivered'",
            vec![job_id.into()]
        )
        .await,
        1
    );

    // Collected with another serial than the case's: refused until confirmed, nothing saved.
    let before = snapshot(&svc.db).await;
    let problem = post_expect_problem(
        &svc,
        &format!("/api/jobs/{id}/collected"),
        json!({"collected_serial": "SN-0LD-1"}),
        422,
        "serial_mismatch",
        "unconfirmed mismatch",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["field"], "collected_serial",
        "{problem}"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("SN-OLD-1"),
        "{problem}"
    );
    assert_eq!(snapshot(&svc.db).await, before);

    // Confirmed, with a photo uploaded before: recorded and flagged, the photo as evidence, and
    // the visit completed (job.completed still published).
    let res = photos::upload(&svc, &id, "collected", "image/png", photos::PNG.to_vec()).await;
    assert_eq!(res.status().as_u16(), 201);
    let photo: Json = res.json().await.unwrap();
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{id}/collected"),
        json!({"collected_serial": "SN-0LD-1", "confirm_mismatch": true, "photo_id": photo["id"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["recorded"].as_bool(), body["completed"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(body["job"]["status"], "completed");
    assert_eq!(body["job"]["collected_serial_matches"], false);
    assert!(body["job"]["completed_at"].is_string());
    assert_eq!(steps_in_outbox(&svc.db).await, [1, 1, 1, 1]);
    let collected = &outbox(&svc.db, COLLECTED).await[0]["data"];
    assert_eq!(collected["collected_serial"], "SN-0LD-1");
    assert_eq!(collected["expected_serial"], "SN-OLD-1");
    assert_eq!(collected["serial_matches"], false);
    let evidence = &collected["photo"];
    assert_eq!(evidence["content_type"], "image/png");
    assert_eq!(evidence["size_bytes"], photos::PNG.len());
    // By claim-check: the key of the bytes in the blob store, never the bytes themselves.
    assert!(evidence.get("data_base64").is_none(), "{evidence}");
    let key = evidence["key"].as_str().unwrap();
    assert!(kummerer_contracts::BlobKey::parse(key).is_ok(), "{key}");
    assert!(key.starts_with("logistics/"), "{key}");
    let bytes = std::fs::read(photos::unused_dir().join(key)).unwrap();
    assert_eq!(bytes, photos::PNG);
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(evidence["sha256"], digest);
    let completed = &outbox(&svc.db, COMPLETED).await[0]["data"];
    assert_eq!(completed["delivered_serial"], "SN-NEW-1");
    assert_eq!(completed["collected_serial"], "SN-0LD-1");
    assert_eq!(completed["collected_serial_matches"], false);
    assert_eq!(completed["recipient_name"], "Erika Mustermann");
    assert_eq!(
        kinds(&body["job"]),
        [
            "scheduled",
            "on_the_way",
            "delivered",
            "collected",
            "completed"
        ]
    );

    // After completion: a repeated step changes nothing, a new one or a second completion is
    // refused.
    let before = snapshot(&svc.db).await;
    let (status, again) = post_json(
        &svc,
        &format!("/api/jobs/{id}/collected"),
        json!({"collected_serial": "SN-OLD-1"}),
    )
    .await;
    assert_eq!(
        (status, again["recorded"].as_bool()),
        (200, Some(false)),
        "{again}"
    );
    let (status, again) = post_json(&svc, &format!("/api/jobs/{id}/on-the-way"), json!({})).await;
    assert_eq!(
        (status, again["recorded"].as_bool()),
        (200, Some(false)),
        "{again}"
    );
    for (path, body, code) in [
        (
            "complete",
            json!({"delivered_serial": "X", "collected_serial": "Y", "recipient_name": "Z"}),
            "job_already_completed",
        ),
        (
            "fail",
            json!({"reason": "refused"}),
            "job_already_completed",
        ),
    ] {
        post_expect_problem(
            &svc,
            &format!("/api/jobs/{id}/{path}"),
            body.clone(),
            409,
            code,
            path,
        )
        .await;
    }
    assert_eq!(snapshot(&svc.db).await, before);

    // The relay publishes every step.
    eventually("the steps to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = ANY(string_to_array($1, ',')) \
             AND sent_at IS NOT NULL",
            vec![STEPS.join(",").into()],
        )
        .await;
        (sent == 4).then_some(())
    })
    .await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_at_once_announces_every_step_and_a_visit_in_steps_cannot_be_completed_at_once()
{
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let at_once = id_of(&job_for(&svc, &swap(retailer, "SN-A")).await);
    let in_steps = id_of(&job_for(&svc, &swap(retailer, "SN-B")).await);

    // The one-step completion: delivered, collected and completed, one history entry.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{at_once}/complete"),
        json!({"delivered_serial": "NEW-A", "collected_serial": "sn-a", "recipient_name": "Max"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert!(
        job["delivered_at"].is_string() && job["collected_at"].is_string(),
        "{job}"
    );
    assert_eq!(steps_in_outbox(&svc.db).await, [0, 1, 1, 1]);
    let collected = &outbox(&svc.db, COLLECTED).await[0]["data"];
    assert_eq!(collected["serial_matches"], true);
    assert_eq!(collected["photo"], Json::Null);
    post_expect_problem(
        &svc,
        &format!("/api/jobs/{at_once}/on-the-way"),
        json!({}),
        409,
        "job_already_completed",
        "on the way after completion",
    )
    .await;

    // Delivered as a step, then a failed attempt (unit not ready): the delivery stays, the next
    // visit collects and completes; completing at once is refused half-way.
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{in_steps}/delivered"),
        json!({"delivered_serial": "NEW-B", "recipient_name": "Max"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let before = snapshot(&svc.db).await;
    post_expect_problem(
        &svc,
        &format!("/api/jobs/{in_steps}/complete"),
        json!({"delivered_serial": "NEW-B", "collected_serial": "SN-B", "recipient_name": "Max"}),
        409,
        "visit_partly_recorded",
        "complete after delivered",
    )
    .await;
    assert_eq!(snapshot(&svc.db).await, before);
    let (_, _) = post_json(&svc, &format!("/api/jobs/{in_steps}/on-the-way"), json!({})).await;
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{in_steps}/fail"),
        json!({"reason": "unit_not_ready"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "failed");
    assert_eq!(
        job["on_the_way_at"],
        Json::Null,
        "the next attempt sets off again"
    );
    assert_eq!(job["delivered_serial"], "NEW-B", "the delivery stays");
    let (status, body) =
        post_json(&svc, &format!("/api/jobs/{in_steps}/on-the-way"), json!({})).await;
    assert_eq!(
        (status, body["recorded"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    assert_eq!(body["job"]["status"], "scheduled");
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{in_steps}/collected"),
        json!({"collected_serial": "SN-B"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["job"]["status"], "completed");
    assert_eq!(body["job"]["attempts"], 1);
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 2);
    assert_eq!(outbox(&svc.db, FAILED).await.len(), 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_steps_get_a_problem_and_change_nothing() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let id = id_of(&job_for(&svc, &swap(retailer, "SN-1")).await);
    let other = id_of(&job_for(&svc, &swap(retailer, "SN-2")).await);
    let res = photos::upload(&svc, &other, "collected", "image/png", photos::PNG.to_vec()).await;
    let theirs: Json = res.json().await.unwrap();
    let res = photos::upload(&svc, &id, "delivered", "image/png", photos::PNG.to_vec()).await;
    let delivered_photo: Json = res.json().await.unwrap();
    let unknown = Uuid::now_v7();
    let before = snapshot(&svc.db).await;
    let past = Utc::now() - Span::hours(1);
    let far = Utc::now() + Span::days(3);
    for (what, path, body, status, code) in [
        (
            "eta in the past",
            format!("/api/jobs/{id}/on-the-way"),
            json!({"eta": past}),
            422,
            "validation_failed",
        ),
        (
            "eta too far",
            format!("/api/jobs/{id}/on-the-way"),
            json!({"eta": far}),
            422,
            "validation_failed",
        ),
        (
            "no serial",
            format!("/api/jobs/{id}/delivered"),
            json!({"delivered_serial": " ", "recipient_name": "X"}),
            422,
            "validation_failed",
        ),
        (
            "serial too long",
            format!("/api/jobs/{id}/delivered"),
            json!({"delivered_serial": "X".repeat(101), "recipient_name": "X"}),
            422,
            "validation_failed",
        ),
        (
            "another job's photo",
            format!("/api/jobs/{id}/collected"),
            json!({"collected_serial": "SN-1", "photo_id": theirs["id"]}),
            422,
            "validation_failed",
        ),
        (
            "a delivery photo for the collection",
            format!("/api/jobs/{id}/collected"),
            json!({"collected_serial": "SN-1", "photo_id": delivered_photo["id"]}),
            422,
            "validation_failed",
        ),
        (
            "unknown job",
            format!("/api/jobs/{unknown}/on-the-way"),
            json!({}),
            404,
            "not_found",
        ),
        (
            "unknown job",
            format!("/api/jobs/{unknown}/delivered"),
            json!({"delivered_serial": "N", "recipient_name": "X"}),
            404,
            "not_found",
        ),
        (
            "unknown job",
            format!("/api/jobs/{unknown}/collected"),
            json!({"collected_serial": "N"}),
            404,
            "not_found",
        ),
    ] {
        post_expect_problem(&svc, &path, body, status, code, what).await;
    }
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(steps_in_outbox(&svc.db).await, [0, 0, 0, 0]);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crew_page_records_each_step_once_and_only_on_the_crews_own_visits() {
    use super::crew::{browser, page, post_form, post_multipart, signed_in, todays_jobs};
    let svc = start().await;
    let day = todays_jobs(&svc, "steps").await;
    let [first, _] = &day.van_jobs;
    let client = browser();
    let csrf = signed_in(&svc, &client, &day.email).await;
    let (_, html) = page(&svc, &client, "/crew").await;
    assert!(
        html.contains("Pick up") && html.contains("Lager Mitte"),
        "{html}"
    );

    // The crew wall for every step, URL by URL: another crew's visit (same carrier or not), an
    // unknown one, a malformed id → the same 404 page; a form without the session's token → 403.
    // Nothing changes.
    let before = snapshot(&svc.db).await;
    let unknown = Uuid::now_v7().to_string();
    let step_forms: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "on-the-way",
            vec![("csrf", csrf.as_str()), ("eta_minutes", "30")],
        ),
        (
            "delivered",
            vec![
                ("csrf", csrf.as_str()),
                ("delivered_serial", "N"),
                ("recipient_name", "E"),
            ],
        ),
        (
            "collected",
            vec![
                ("csrf", csrf.as_str()),
                ("collected_serial", "SN-3"),
                ("confirm_mismatch", "yes"),
            ],
        ),
    ];
    for job in [
        &day.truck_job,
        &day.other_carrier_job,
        &unknown,
        &"not-a-uuid".to_owned(),
    ] {
        for (step, form) in &step_forms {
            let (status, html) =
                post_form(&svc, &client, &format!("/crew/visits/{job}/{step}"), form).await;
            assert_eq!(status, 404, "{step} {job}: {html}");
            assert!(
                html.contains("There is no such visit for your crew."),
                "{step} {job}"
            );
        }
    }
    for (step, _) in &step_forms {
        let (status, _) = post_form(
            &svc,
            &client,
            &format!("/crew/visits/{first}/{step}"),
            &[("csrf", &"0".repeat(64)), ("collected_serial", "SN-1")],
        )
        .await;
        assert_eq!(status, 403, "{step}");
    }
    // Refused forms: a readable message, what was typed stays, nothing saved.
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/on-the-way"),
        &[("csrf", &csrf), ("eta_minutes", "7")],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Choose one of the estimates."), "{html}");
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/delivered"),
        &[
            ("csrf", &csrf),
            ("delivered_serial", "NEW-9"),
            ("recipient_name", " "),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Please correct the marked fields."), "{html}");
    assert!(html.contains(r#"value="NEW-9""#), "{html}");
    // A serial that is not the case's: asked about (the checkbox), nothing recorded.
    let (status, html) = post_multipart(
        &svc,
        &client,
        &format!("/crew/visits/{first}/collected"),
        &[("csrf", &csrf), ("collected_serial", "SN-I")],
        &[("collected_photo", "unit.png", "image/png", photos::PNG)],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("is not the one the case names"), "{html}");
    assert!(html.contains(r#"name="confirm_mismatch""#), "{html}");
    assert!(html.contains(r#"value="SN-I""#), "{html}");
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(photos::photo_rows(&svc.db).await, 0);

    // On the way, then a double tap on *delivered*: one delivery; the other tap is told.
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/on-the-way"),
        &[("csrf", &csrf), ("eta_minutes", "")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{first}?saved=on-the-way"))
    );
    let form = [
        ("csrf", csrf.as_str()),
        ("delivered_serial", "NEW-1"),
        ("recipient_name", "Erika Mustermann"),
    ];
    let path = format!("/crew/visits/{first}/delivered");
    let (one, two) = tokio::join!(
        post_form(&svc, &client, &path, &form),
        post_form(&svc, &client, &path, &form)
    );
    let mut locations = [one.1.clone(), two.1.clone()];
    locations.sort();
    assert_eq!((one.0, two.0), (303, 303));
    assert_eq!(
        locations,
        [
            format!("/crew/visits/{first}?again=step-delivered"),
            format!("/crew/visits/{first}?saved=step-delivered"),
        ]
    );
    let (_, html) = page(&svc, &client, &locations[0]).await;
    assert!(
        html.contains("The delivery was already recorded at"),
        "{html}"
    );
    assert!(html.contains("nothing was changed"), "{html}");
    assert!(
        !html.contains(r#"id="delivered-form""#),
        "no second delivery form"
    );
    assert!(
        !html.contains(r#"id="complete-form""#),
        "no completion at once half-way"
    );
    assert_eq!(outbox(&svc.db, DELIVERED).await.len(), 1);

    // Confirmed mismatch with the photo: recorded, flagged, completed.
    let (status, location) = post_multipart(
        &svc,
        &client,
        &format!("/crew/visits/{first}/collected"),
        &[
            ("csrf", &csrf),
            ("collected_serial", "SN-I"),
            ("confirm_mismatch", "yes"),
        ],
        &[("collected_photo", "unit.png", "image/png", photos::PNG)],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{first}?saved=step-collected"))
    );
    let (_, html) = page(&svc, &client, &location).await;
    assert!(
        html.contains("Both steps are done: the visit is completed."),
        "{html}"
    );
    assert!(html.contains(r#"id="serial-flag""#), "{html}");
    assert_eq!(steps_in_outbox(&svc.db).await, [1, 1, 1, 1]);
    let collected = &outbox(&svc.db, COLLECTED).await[0]["data"];
    assert_eq!(collected["serial_matches"], false);
    assert_eq!(collected["photo"]["size_bytes"], photos::PNG.len());
    assert_eq!(photos::photo_rows(&svc.db).await, 1);
    // Another tap on *collected* (a stale page): nothing changes, and it says so.
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{first}/collected"),
        &[("csrf", &csrf), ("collected_serial", "SN-1")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{first}?again=step-collected"))
    );
    assert_eq!(steps_in_outbox(&svc.db).await, [1, 1, 1, 1]);
    svc.stop().await;
}
