//! Bad requests get a problem and change nothing.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_a_problem_and_change_nothing() {
    let svc = start().await;
    let retailer = Uuid::now_v7();
    let event = swap(retailer, "SN-OLD-1");
    publish_event(&svc.names, event.clone()).await;
    let job_id = job_of(&svc, retailer, event.swap_id.as_uuid()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = snapshot(&svc.db).await;
    assert_eq!((before.0, before.1, before.2), (1, 1, 1));

    let complete = format!("/api/jobs/{job_id}/complete");
    let fail = format!("/api/jobs/{job_id}/fail");
    let unknown = Uuid::now_v7();
    let ok_completion =
        json!({"delivered_serial": "N", "collected_serial": "SN-OLD-1", "recipient_name": "E"});
    let long = "x".repeat(101);
    let cases: Vec<(&str, String, Json, u16, &str)> = vec![
        (
            "complete unknown job",
            format!("/api/jobs/{unknown}/complete"),
            ok_completion.clone(),
            404,
            "not_found",
        ),
        (
            "fail unknown job",
            format!("/api/jobs/{unknown}/fail"),
            json!({"reason": "not_home"}),
            404,
            "not_found",
        ),
        (
            "complete non-UUID id",
            "/api/jobs/not-a-uuid/complete".into(),
            ok_completion.clone(),
            404,
            "not_found",
        ),
        (
            "fail non-UUID id",
            "/api/jobs/12345/fail".into(),
            json!({"reason": "not_home"}),
            404,
            "not_found",
        ),
        (
            "complete without fields",
            complete.clone(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "complete without recipient",
            complete.clone(),
            json!({"delivered_serial": "N", "collected_serial": "C"}),
            422,
            "validation_failed",
        ),
        (
            "complete with empty fields",
            complete.clone(),
            json!({"delivered_serial": " ", "collected_serial": "", "recipient_name": ""}),
            422,
            "validation_failed",
        ),
        (
            "complete with a too long serial",
            complete.clone(),
            json!({"delivered_serial": long, "collected_serial": "C", "recipient_name": "E"}),
            422,
            "validation_failed",
        ),
        (
            "complete with wrong types",
            complete.clone(),
            json!({"delivered_serial": 5, "collected_serial": ["C"], "recipient_name": null}),
            422,
            "validation_failed",
        ),
        (
            "complete with an array body",
            complete.clone(),
            json!([1, 2]),
            422,
            "validation_failed",
        ),
        (
            "fail without reason",
            fail.clone(),
            json!({"note": "x"}),
            422,
            "validation_failed",
        ),
        (
            "fail with unknown reason",
            fail.clone(),
            json!({"reason": "dog_in_garden"}),
            422,
            "validation_failed",
        ),
        (
            "fail with reason of wrong type",
            fail.clone(),
            json!({"reason": 3}),
            422,
            "validation_failed",
        ),
        (
            "fail with a too long note",
            fail.clone(),
            json!({"reason": "refused", "note": "n".repeat(501)}),
            422,
            "validation_failed",
        ),
        (
            "fail with a note of wrong type",
            fail.clone(),
            json!({"reason": "refused", "note": 7}),
            422,
            "validation_failed",
        ),
    ];
    for (what, path, body, status, code) in cases {
        let res = svc
            .client
            .post(svc.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, status, code, what).await;
    }

    // The field errors name the fields.
    let res = svc
        .client
        .post(svc.url(&complete))
        .json(&json!({"delivered_serial": "", "collected_serial": "C", "recipient_name": "r".repeat(101)}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed", "field errors").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["delivered_serial", "recipient_name"]);
    let res = svc
        .client
        .post(svc.url(&fail))
        .json(&json!({"reason": "moon"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(res, 422, "validation_failed", "unknown reason").await;
    assert_eq!(problem["errors"][0]["field"], "reason");

    // Malformed JSON, a huge body, no JSON content type.
    let raw = |path: &str, body: Vec<u8>, ct: &'static str| {
        svc.client
            .post(svc.url(path))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = raw(&complete, b"{not json".to_vec(), "application/json")
        .await
        .unwrap();
    assert_problem(res, 400, "malformed_json", "malformed JSON").await;
    let huge = serde_json::to_vec(&json!({"delivered_serial": "x".repeat(70 * 1024), "collected_serial": "C", "recipient_name": "E"})).unwrap();
    let res = raw(&complete, huge.clone(), "application/json")
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body").await;
    let res = raw(&fail, huge, "application/json").await.unwrap();
    assert_problem(res, 413, "payload_too_large", "huge body on fail").await;
    let res = raw(
        &complete,
        serde_json::to_vec(&ok_completion).unwrap(),
        "text/plain",
    )
    .await
    .unwrap();
    assert_problem(res, 415, "unsupported_media_type", "text/plain body").await;

    // Reads: unknown and malformed ids, bad filters.
    for (what, path, status, code) in [
        (
            "unknown job",
            format!("/api/jobs/{unknown}"),
            404,
            "not_found",
        ),
        (
            "non-UUID job id",
            "/api/jobs/not-a-uuid".to_owned(),
            404,
            "not_found",
        ),
        (
            "unknown status filter",
            "/api/jobs?status=lost".to_owned(),
            422,
            "validation_failed",
        ),
        (
            "non-UUID retailer filter",
            "/api/jobs?retailer_id=abc".to_owned(),
            400,
            "bad_query",
        ),
    ] {
        let res = svc.client.get(svc.url(&path)).send().await.unwrap();
        assert_problem(res, status, code, what).await;
    }

    assert_eq!(snapshot(&svc.db).await, before);
    let (_, job) = get_json(&svc, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(job["status"], "scheduled");
    assert_eq!(job["attempts"], 0);
    svc.stop().await;
}
