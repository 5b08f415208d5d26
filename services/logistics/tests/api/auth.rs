//! Authentication of the JSON API: carrier API tokens (`kcr_…`, stored as SHA-256, shown once,
//! revocable) held to their own carrier URL by URL, and the operator's token for the
//! operator's routes (503 when unset, 401 when wrong).

use crate::support::*;

/// A carrier made by the operator: its id and its first API token.
pub async fn carrier_with_token(svc: &TestService, name: &str) -> (Uuid, String) {
    let (status, body) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{body}");
    let token = body["api_token"].as_str().unwrap().to_owned();
    (body["id"].as_str().unwrap().parse().unwrap(), token)
}

/// A request with `token` (or none) in place of the operator's.
fn request(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = reqwest::Client::new().request(method, svc.url(path));
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

async fn call(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Json>,
) -> reqwest::Response {
    let req = request(svc, method, path, token);
    let req = match body {
        Some(b) => req.json(&b),
        None => req,
    };
    req.send().await.unwrap()
}

async fn status_and_json(res: reqwest::Response) -> (u16, Json) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_wants_a_token_and_the_operators_routes_the_operators() {
    let svc = start().await;
    let (a, token) = carrier_with_token(&svc, "A").await;
    assert!(token.starts_with("kcr_") && token.len() == 68, "{token}");
    let crew = new_crew(&svc, a, "A1", &["10"], 5).await;
    let retailer = Uuid::now_v7();
    let job = job_for(&svc, &swap_on(retailer, "S", "10115", at(day(2), 9))).await;
    let job = id_of(&job);
    // Only the hash is stored.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM carrier_tokens WHERE secret_hash = encode(sha256($1::bytea), 'hex')",
            vec![token.clone().into()],
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM carrier_tokens WHERE secret_hash = $1 OR prefix = $1",
            vec![token.clone().into()],
        )
        .await,
        0
    );

    let get = reqwest::Method::GET;
    let paths = [
        "/api/jobs".to_owned(),
        format!("/api/jobs/{job}"),
        format!("/api/jobs/{job}/photos"),
        format!("/api/carriers/{a}/crews"),
        format!("/api/carriers/{a}/dispatch?date={}", day(2)),
        format!("/api/carriers/{a}/tokens"),
        format!("/api/crews/{crew}/visits?date={}", day(2)),
    ];
    let unknown = format!("kcr_{}", "0".repeat(64));
    for path in &paths {
        for (what, token) in [
            ("no token", None),
            (
                "a wrong operator token",
                Some("operator-token-of-the-tests-0123456789abcdeX"),
            ),
            ("an unknown carrier token", Some(unknown.as_str())),
            ("not a bearer token", Some("")),
        ] {
            let res = call(&svc, get.clone(), path, token, None).await;
            assert_eq!(res.status().as_u16(), 401, "{path}: {what}");
            assert!(
                res.headers()
                    .get("www-authenticate")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer")),
                "{path}: {what}"
            );
            assert_problem(res, 401, "unauthorized", what).await;
        }
        // The carrier's own token and the operator's open it.
        let (status, body) =
            status_and_json(call(&svc, get.clone(), path, Some(&token), None).await).await;
        assert_eq!(status, 200, "{path}: {body}");
        let (status, body) =
            status_and_json(call(&svc, get.clone(), path, Some(OPERATOR), None).await).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // Basic credentials are no bearer token.
    let res = reqwest::Client::new()
        .get(svc.url("/api/jobs"))
        .basic_auth("operator", Some(OPERATOR))
        .send()
        .await
        .unwrap();
    assert_problem(res, 401, "unauthorized", "basic auth").await;

    // The operator's routes: a carrier's token is not the operator's.
    let before = board(&svc.db).await;
    let tokens_before = count(&svc.db, "SELECT 1 FROM carrier_tokens", vec![]).await;
    let post = reqwest::Method::POST;
    for (what, path, body) in [
        (
            "a carrier",
            "/api/carriers".to_owned(),
            json!({"name": "X"}),
        ),
        (
            "a token",
            format!("/api/carriers/{a}/tokens"),
            json!({"label": "x"}),
        ),
    ] {
        for token in [None, Some(token.as_str()), Some("nope")] {
            let res = call(&svc, post.clone(), &path, token, Some(body.clone())).await;
            assert_problem(res, 401, "unauthorized", what).await;
        }
    }
    assert_eq!(board(&svc.db).await, before);
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM carrier_tokens", vec![]).await,
        tokens_before
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_token_reaches_only_its_own_carrier_url_by_url() {
    let svc = start().await;
    let (a, a_token) = carrier_with_token(&svc, "A").await;
    let (b, b_token) = carrier_with_token(&svc, "B").await;
    let a_crew = new_crew(&svc, a, "A1", &["10"], 5).await;
    let b_crew = new_crew(&svc, b, "B1", &["20"], 5).await;
    new_crew(&svc, b, "B2", &["30"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    let a_job = id_of(&job_for(&svc, &swap_on(retailer, "A", "10115", at(d, 9))).await);
    let b_job = id_of(&job_for(&svc, &swap_on(retailer, "B", "20095", at(d, 9))).await);
    job_for(&svc, &swap_on(retailer, "F", "30159", at(d, 8))).await;
    let b_waiting = id_of(&job_for(&svc, &swap_on(retailer, "W", "30159", at(d, 9))).await);
    let nowhere = id_of(&job_for(&svc, &swap_on(retailer, "N", "99999", at(d, 9))).await);

    let before = board(&svc.db).await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let window =
        json!({"window_start": at(day(4), 9), "window_end": at(day(4), 11), "reason": "r"});
    let done = json!({"delivered_serial": "N", "collected_serial": "B", "recipient_name": "E"});
    let fail = json!({"reason": "not_home"});
    let member =
        json!({"email": "x@example.com", "name": "X", "password": "correct horse battery"});
    // A's token on B's things: every one answers 404 and changes nothing.
    let cases: Vec<(reqwest::Method, String, Option<Json>)> = vec![
        (get.clone(), format!("/api/jobs/{b_job}"), None),
        (get.clone(), format!("/api/jobs/{b_waiting}"), None),
        (get.clone(), format!("/api/jobs/{nowhere}"), None),
        (get.clone(), format!("/api/jobs/{}", Uuid::now_v7()), None),
        (get.clone(), format!("/api/jobs/{b_job}/photos"), None),
        (
            get.clone(),
            format!("/api/jobs/{b_job}/photos/{}", Uuid::now_v7()),
            None,
        ),
        (
            post.clone(),
            format!("/api/jobs/{b_job}/complete"),
            Some(done.clone()),
        ),
        (
            post.clone(),
            format!("/api/jobs/{b_job}/fail"),
            Some(fail.clone()),
        ),
        (
            post.clone(),
            format!("/api/jobs/{b_waiting}/fail"),
            Some(fail),
        ),
        (get.clone(), format!("/api/carriers/{b}/crews"), None),
        (
            get.clone(),
            format!("/api/carriers/{b}/dispatch?date={d}"),
            None,
        ),
        (get.clone(), format!("/api/carriers/{b}/tokens"), None),
        (
            post.clone(),
            format!("/api/carriers/{b}/crews/{b_crew}/members"),
            Some(member.clone()),
        ),
        (
            post.clone(),
            format!("/api/carriers/{b}/dispatchers"),
            Some(member.clone()),
        ),
        (
            post.clone(),
            format!("/api/carriers/{a}/crews/{b_crew}/members"),
            Some(member),
        ),
        (
            post.clone(),
            format!("/api/carriers/{b}/jobs/{b_job}/assign"),
            Some(json!({"crew_id": b_crew, "reason": "r"})),
        ),
        (
            post.clone(),
            format!("/api/carriers/{a}/jobs/{b_job}/assign"),
            Some(json!({"crew_id": a_crew, "reason": "r"})),
        ),
        (
            post.clone(),
            format!("/api/carriers/{a}/jobs/{a_job}/assign"),
            Some(json!({"crew_id": b_crew, "reason": "r"})),
        ),
        (
            post.clone(),
            format!("/api/carriers/{a}/jobs/{b_job}/reschedule"),
            Some(window.clone()),
        ),
        (
            post.clone(),
            format!("/api/carriers/{b}/jobs/{b_job}/reschedule"),
            Some(window),
        ),
        (
            get.clone(),
            format!("/api/crews/{b_crew}/visits?date={d}"),
            None,
        ),
        (
            get.clone(),
            format!("/api/crews/{}/visits?date={d}", Uuid::now_v7()),
            None,
        ),
        (get.clone(), "/api/crews/not-a-uuid/visits".to_owned(), None),
        (get.clone(), "/api/jobs/not-a-uuid".to_owned(), None),
    ];
    for (method, path, body) in cases {
        let res = call(&svc, method.clone(), &path, Some(&a_token), body).await;
        assert_problem(res, 404, "not_found", &format!("A: {method} {path}")).await;
    }
    assert_eq!(board(&svc.db).await, before);
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM crew_members", vec![]).await,
        0
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM dispatchers", vec![]).await, 0);

    // The list holds the jobs on the carrier's crews only: the unassigned ones in its regions
    // are on its dispatcher's board, never under `/api/jobs`.
    let ids = |list: &Json| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    let (status, list) =
        status_and_json(call(&svc, get.clone(), "/api/jobs", Some(&a_token), None).await).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), vec![a_job.clone()]);
    let (_, list) =
        status_and_json(call(&svc, get.clone(), "/api/jobs", Some(&b_token), None).await).await;
    let b_ids = ids(&list);
    assert!(b_ids.contains(&b_job), "{list}");
    assert!(
        !b_ids.contains(&a_job) && !b_ids.contains(&nowhere) && !b_ids.contains(&b_waiting),
        "{list}"
    );
    let (_, b_board) = status_and_json(
        call(
            &svc,
            get.clone(),
            &format!("/api/carriers/{b}/dispatch?date={d}"),
            Some(&b_token),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(b_board["unassigned"][0]["id"], b_waiting, "{b_board}");
    let res = call(
        &svc,
        get.clone(),
        &format!("/api/jobs/{b_waiting}"),
        Some(&b_token),
        None,
    )
    .await;
    assert_problem(
        res,
        404,
        "not_found",
        "B: an unassigned job under /api/jobs",
    )
    .await;
    let (_, list) = get_json(&svc, "/api/jobs").await;
    assert_eq!(ids(&list).len(), 5, "the operator sees every job");

    // Its own things work with its own token: a job completed, a crew's day read.
    let (status, job) = status_and_json(
        call(
            &svc,
            post.clone(),
            &format!("/api/jobs/{a_job}/complete"),
            Some(&a_token),
            Some(json!({"delivered_serial": "N", "collected_serial": "A", "recipient_name": "E"})),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "completed");
    let (status, visits) = status_and_json(
        call(
            &svc,
            get,
            &format!("/api/crews/{a_crew}/visits?date={d}"),
            Some(&a_token),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{visits}");
    assert_eq!(visits["visits"].as_array().unwrap().len(), 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_shown_once_listed_without_secrets_and_revoked_at_once() {
    let svc = start().await;
    let (a, first) = carrier_with_token(&svc, "A").await;
    let (b, _) = carrier_with_token(&svc, "B").await;
    let (status, made) = post_json(
        &svc,
        &format!("/api/carriers/{a}/tokens"),
        json!({"label": "backup"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let second = made["api_token"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(made["prefix"], second[..12]);
    assert_eq!(made["label"], "backup");

    // Bad labels and unknown carriers.
    for (label, what) in [("", "empty"), (&"x".repeat(101) as &str, "too long")] {
        post_expect_problem(
            &svc,
            &format!("/api/carriers/{a}/tokens"),
            json!({"label": label}),
            422,
            "validation_failed",
            what,
        )
        .await;
    }
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{}/tokens", Uuid::now_v7()),
        json!({"label": "x"}),
        404,
        "not_found",
        "unknown carrier",
    )
    .await;
    get_expect_problem(
        &svc,
        &format!("/api/carriers/{}/tokens", Uuid::now_v7()),
        404,
        "not_found",
        "the tokens of an unknown carrier",
    )
    .await;

    // The carrier lists its tokens: no secret, no hash.
    let get = reqwest::Method::GET;
    let (status, list) = status_and_json(
        call(
            &svc,
            get.clone(),
            &format!("/api/carriers/{a}/tokens"),
            Some(&first),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let text = list.to_string();
    assert!(
        !text.contains(&first[12..]) && !text.contains(&second[12..]),
        "{list}"
    );
    assert!(items.iter().all(|t| t.get("secret_hash").is_none()));
    let first_id = items[0]["id"].as_str().unwrap().to_owned();

    // B cannot revoke A's token; A revokes its first token with it, which stops at once.
    let delete = reqwest::Method::DELETE;
    let (_, b_list) = get_json(&svc, &format!("/api/carriers/{b}/tokens")).await;
    let b_token_id = b_list["items"][0]["id"].as_str().unwrap().to_owned();
    let res = call(
        &svc,
        delete.clone(),
        &format!("/api/carriers/{a}/tokens/{b_token_id}"),
        Some(&first),
        None,
    )
    .await;
    assert_problem(res, 404, "not_found", "another carrier's token").await;
    let res = call(
        &svc,
        delete.clone(),
        &format!("/api/carriers/{a}/tokens/{first_id}"),
        Some(&first),
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    let res = call(
        &svc,
        get.clone(),
        &format!("/api/carriers/{a}/crews"),
        Some(&first),
        None,
    )
    .await;
    assert_problem(res, 401, "unauthorized", "a revoked token").await;
    let (status, _) = status_and_json(
        call(
            &svc,
            get,
            &format!("/api/carriers/{a}/crews"),
            Some(&second),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "the other token still works");
    // Revoking again is no error (the operator may, too); the first time stays.
    let revoked_at = |db: DatabaseConnection, id: String| async move {
        db.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT revoked_at::text AS t FROM carrier_tokens WHERE id = $1::uuid",
            [id.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<String>("", "t")
        .unwrap()
    };
    let at = revoked_at(svc.db.clone(), first_id.clone()).await;
    let res = call(
        &svc,
        delete,
        &format!("/api/carriers/{a}/tokens/{first_id}"),
        Some(OPERATOR),
        None,
    )
    .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(revoked_at(svc.db.clone(), first_id).await, at);
    svc.stop().await;
}

fn build_without_operator(ctx: &kummerer_service::Context) -> kummerer_service::Parts {
    let dir = std::env::temp_dir().join("kummerer-photos-unused");
    let store = std::sync::Arc::new(logistics::photos::BlobPhotoStore::local(dir).unwrap());
    logistics::build_with(ctx, store, logistics::http::HttpConfig::with_operator(None))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_operator_token_the_operators_routes_are_unavailable() {
    let svc = TestService::start::<Migrator>(SERVICE, build_without_operator).await;
    for token in [None, Some(OPERATOR), Some("")] {
        let res = call(
            &svc,
            reqwest::Method::POST,
            "/api/carriers",
            token,
            Some(json!({"name": "X"})),
        )
        .await;
        assert_problem(res, 503, "unavailable", "POST /api/carriers").await;
    }
    // The other routes still want a carrier's token; nothing opens them.
    let res = call(
        &svc,
        reqwest::Method::GET,
        "/api/jobs",
        Some(OPERATOR),
        None,
    )
    .await;
    assert_problem(res, 401, "unauthorized", "GET /api/jobs").await;
    assert_eq!(count(&svc.db, "SELECT 1 FROM carriers", vec![]).await, 0);
    svc.stop().await;
}
