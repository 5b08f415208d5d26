//! The crew's visit through the JSON API: delivered, collected, failed attempts, a serial
//! mismatch flagged, a double tap recorded once.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_job_records_the_visit_and_flags_a_serial_mismatch() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let good = swap(retailer, "SN-OLD-1");
    let odd = swap(retailer, "SN-OLD-2");
    publish_event(&svc.names, good.clone()).await;
    publish_event(&svc.names, odd.clone()).await;
    let good_job = job_of(&svc, retailer, good.swap_id.as_uuid()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let odd_job = job_of(&svc, retailer, odd.swap_id.as_uuid()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Same serial, other case and spacing: a match.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{good_job}/complete"),
        json!({"delivered_serial": "SN-NEW-1", "collected_serial": "  sn-old-1 ", "recipient_name": "Erika Mustermann"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["delivered_serial"], "SN-NEW-1");
    assert_eq!(job["collected_serial"], "sn-old-1");
    assert_eq!(job["collected_serial_matches"], true);
    assert_eq!(job["recipient_name"], "Erika Mustermann");
    assert!(job["completed_at"].is_string(), "{job}");
    let kinds: Vec<&str> = job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["scheduled", "completed"]);

    // Another unit than the case names: recorded and flagged, not refused.
    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{odd_job}/complete"),
        json!({"delivered_serial": "SN-NEW-2", "collected_serial": "SN-SOMETHING-ELSE", "recipient_name": "Max"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["collected_serial_matches"], false);

    let completed = outbox(&svc.db, COMPLETED).await;
    assert_eq!(completed.len(), 2);
    let by_job = |id: &str| {
        completed
            .iter()
            .find(|p| p["data"]["job_id"] == id)
            .unwrap()["data"]
            .clone()
    };
    let data = by_job(&good_job);
    assert_eq!(data["collected_serial_matches"], true);
    assert_eq!(data["swap_id"], good.swap_id.to_string());
    assert_eq!(data["case_id"], good.case_id.to_string());
    assert_eq!(data["retailer_id"], retailer.to_string());
    assert_eq!(data["delivered_serial"], "SN-NEW-1");
    assert_eq!(data["recipient_name"], "Erika Mustermann");
    let data = by_job(&odd_job);
    assert_eq!(data["collected_serial_matches"], false);
    assert_eq!(data["collected_serial"], "SN-SOMETHING-ELSE");
    eventually("job.completed to be published", DEADLINE, || async {
        let sent = count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE routing_key = $1 AND sent_at IS NOT NULL",
            vec![COMPLETED.into()],
        )
        .await;
        (sent == 2).then_some(())
    })
    .await;

    let (_, list) = get_json(&svc, "/api/jobs?status=completed").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (_, list) = get_json(&svc, "/api/jobs?status=scheduled").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_tap_on_delivered_records_one_delivery() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    for round in 0..3 {
        let event = swap(retailer, &format!("SN-OLD-{round}"));
        publish_event(&svc.names, event.clone()).await;
        let job_id = job_of(&svc, retailer, event.swap_id.as_uuid()).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = svc.url(&format!("/api/jobs/{job_id}/complete"));
        let body = json!({"delivered_serial": "SN-NEW", "collected_serial": format!("SN-OLD-{round}"), "recipient_name": "Erika"});
        let (a, b) = tokio::join!(
            svc.client.post(&url).json(&body).send(),
            svc.client.post(&url).json(&body).send(),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let (ok, conflict) = match (a.status().as_u16(), b.status().as_u16()) {
            (200, 409) => (a, b),
            (409, 200) => (b, a),
            other => panic!("round {round}: expected one 200 and one 409, got {other:?}"),
        };
        let ok: Json = ok.json().await.unwrap();
        assert_eq!(ok["status"], "completed");
        assert_problem(conflict, 409, "job_already_completed", "the second tap").await;

        let id: Uuid = job_id.parse().unwrap();
        assert_eq!(
            count(
                &svc.db,
                "SELECT 1 FROM job_events WHERE job_id = $1 AND kind = 'completed'",
                vec![id.into()]
            )
            .await,
            1
        );
    }
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 3);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_are_counted_and_a_later_visit_completes_the_job() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;
    let job_id = job_of(&svc, retailer, event.swap_id.as_uuid()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/fail"),
        json!({"reason": "not_home", "note": "rang twice, nobody there"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "failed");
    assert_eq!(job["attempts"], 1);
    assert_eq!(job["failure_reason"], "not_home");
    assert_eq!(job["failure_note"], "rang twice, nobody there");

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/fail"),
        json!({"reason": "unit_not_ready"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["attempts"], 2);
    assert_eq!(job["failure_reason"], "unit_not_ready");
    assert_eq!(job["failure_note"], Json::Null);
    let (_, failed) = get_json(&svc, "/api/jobs?status=failed").await;
    assert_eq!(failed["items"].as_array().unwrap().len(), 1);

    let failed = outbox(&svc.db, FAILED).await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["data"]["attempt"], 1);
    assert_eq!(failed[0]["data"]["reason"], "not_home");
    assert_eq!(failed[0]["data"]["note"], "rang twice, nobody there");
    assert_eq!(failed[0]["data"]["swap_id"], event.swap_id.to_string());
    assert_eq!(failed[1]["data"]["attempt"], 2);
    assert_eq!(failed[1]["data"]["reason"], "unit_not_ready");

    let (status, job) = post_json(
        &svc,
        &format!("/api/jobs/{job_id}/complete"),
        json!({"delivered_serial": "SN-NEW-1", "collected_serial": "SN-OLD-1", "recipient_name": "Erika"}),
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["attempts"], 2);
    let kinds: Vec<&str> = job["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["scheduled", "failed", "failed", "completed"]);
    assert_eq!(job["events"][1]["details"]["attempt"], 1);

    // A completed job takes no further outcome.
    let before = snapshot(&svc.db).await;
    let res = svc
        .client
        .post(svc.url(&format!("/api/jobs/{job_id}/fail")))
        .json(&json!({"reason": "refused"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409, "job_already_completed", "fail after completion").await;
    let res = svc
        .client
        .post(svc.url(&format!("/api/jobs/{job_id}/complete")))
        .json(&json!({"delivered_serial": "X", "collected_serial": "Y", "recipient_name": "Z"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 409, "job_already_completed", "second completion").await;
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(outbox(&svc.db, COMPLETED).await.len(), 1);
    svc.stop().await;
}
