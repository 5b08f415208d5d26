//! Regions are the operator's: the operator grants a carrier its postcode regions, a carrier's
//! crews cover only parts of them, jobs are routed only inside the grant, a carrier's token
//! reaches only the jobs on its crews, the unassigned jobs of a region show only to the
//! dispatchers of the carriers granted it, and an inactive crew sees nothing and cannot act.

use kummerer_testkit::forms::{page, post_form, signed_in_at};

use crate::support::*;

const PASSWORD: &str = "correct horse battery";

async fn carrier(svc: &TestService, name: &str) -> (Uuid, String) {
    let (status, body) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().parse().unwrap();
    (id, body["api_token"].as_str().unwrap().to_owned())
}

/// `method path` with `token` (none: no `Authorization`): status and JSON body.
async fn send(
    svc: &TestService,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Json>,
) -> (u16, Json) {
    let mut req = reqwest::Client::new()
        .request(method, svc.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

fn crew_body(name: &str, prefixes: &[&str], active: bool) -> Json {
    json!({"name": name, "home_postcode_prefixes": prefixes, "visits_per_day": 5, "active": active})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_grants_regions_and_a_carrier_declares_none_beyond_them() {
    let svc = start().await;
    let (a, a_token) = carrier(&svc, "A").await;
    let (b, b_token) = carrier(&svc, "B").await;
    let put = reqwest::Method::PUT;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let path = format!("/api/carriers/{a}/regions");
    let (status, none) = get_json(&svc, &path).await;
    assert_eq!(
        (status, none["postcode_prefixes"].clone()),
        (200, json!([]))
    );

    // Only the operator grants: A's own token gets 401, B's token on A 404.
    let grab = Some(json!({"postcode_prefixes": ["0", "1", "2"]}));
    let (status, body) = send(&svc, put.clone(), &path, &a_token, grab.clone()).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = send(&svc, put.clone(), &path, &b_token, grab.clone()).await;
    assert_eq!(status, 404);
    let b_path = format!("/api/carriers/{b}/regions");
    let (status, _) = send(&svc, put.clone(), &b_path, &b_token, grab).await;
    assert_eq!(status, 401);
    assert!(granted_regions(&svc.db, a).await.is_empty());
    assert!(granted_regions(&svc.db, b).await.is_empty());

    // The operator's grant, normalised; the carrier reads its own, not another's.
    let granted = set_regions(&svc, a, &["10", " sw1 ", "10"]).await;
    assert_eq!(granted["postcode_prefixes"], json!(["10", "SW1"]));
    assert_eq!(granted["carrier_id"], a.to_string());
    let (status, mine) = send(&svc, get.clone(), &path, &a_token, None).await;
    assert_eq!(
        (status, mine["postcode_prefixes"].clone()),
        (200, json!(["10", "SW1"]))
    );
    let (status, _) = send(&svc, get.clone(), &path, &b_token, None).await;
    assert_eq!(status, 404);
    // Bad grants change nothing.
    let unknown = format!("/api/carriers/{}/regions", Uuid::now_v7());
    for (what, path, prefixes, status, code) in [
        (
            "odd prefix",
            &path,
            json!(["1 0"]),
            422,
            "validation_failed",
        ),
        ("empty prefix", &path, json!([""]), 422, "validation_failed"),
        (
            "long prefix",
            &path,
            json!(["12345678901"]),
            422,
            "validation_failed",
        ),
        ("no list", &path, Json::Null, 422, "validation_failed"),
        (
            "an unknown carrier",
            &unknown,
            json!(["1"]),
            404,
            "not_found",
        ),
    ] {
        let body = match prefixes {
            Json::Null => json!({}),
            prefixes => json!({ "postcode_prefixes": prefixes }),
        };
        let res = svc
            .client
            .put(svc.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_problem(res, status, code, what).await;
    }
    assert_eq!(granted_regions(&svc.db, a).await, ["10", "SW1"]);

    // A's crews cover parts of its regions, never more; B, granted nothing, declares nothing.
    let crews = format!("/api/carriers/{a}/crews");
    let (status, crew) = send(
        &svc,
        post.clone(),
        &crews,
        &a_token,
        Some(crew_body("A1", &["101", "sw1a"], true)),
    )
    .await;
    assert_eq!(status, 201, "{crew}");
    let before = board(&svc.db).await;
    for (what, carrier, token, prefixes, active) in [
        ("wider than the grant", a, &a_token, vec!["1"], true),
        ("outside the grant", a, &a_token, vec!["101", "20"], true),
        ("a competitor's postcode", b, &b_token, vec!["10"], true),
        (
            "everything, inactive",
            b,
            &b_token,
            (0..10)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .iter()
                .map(|s| &**s)
                .collect(),
            false,
        ),
    ] {
        let res = reqwest::Client::new()
            .post(svc.url(&format!("/api/carriers/{carrier}/crews")))
            .bearer_auth(token)
            .json(&crew_body("X", &prefixes, active))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(res, 422, "prefix_outside_regions", what).await;
        assert_eq!(
            problem["errors"][0]["field"], "home_postcode_prefixes",
            "{problem}"
        );
    }
    // The operator is held to the grant too.
    post_expect_problem(
        &svc,
        &format!("/api/carriers/{b}/crews"),
        crew_body("X", &["10"], true),
        422,
        "prefix_outside_regions",
        "operator",
    )
    .await;
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_routed_and_shown_only_inside_the_grant() {
    let svc = start().await;
    let (a, a_token) = carrier(&svc, "A").await;
    let (b, b_token) = carrier(&svc, "B").await;
    let a_crew = new_crew(&svc, a, "A1", &["10"], 1).await;
    let retailer = Uuid::now_v7();
    let d = day(3);
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    // A's region: the first job goes to A's crew; the second waits (A's crew is full).
    let first = job_for(&svc, &swap_on(retailer, "S1", "10115", at(d, 9))).await;
    assert_eq!(first["crew_id"], a_crew.to_string());
    let waiting = job_for(&svc, &swap_on(retailer, "S2", "10117", at(d, 11))).await;
    assert_eq!(waiting["crew_id"], Json::Null);
    let waiting = id_of(&waiting);
    // A region no carrier is granted: nobody's board, nobody's list.
    let nowhere = id_of(&job_for(&svc, &swap_on(retailer, "S3", "20095", at(d, 9))).await);

    let board_of = |carrier: Uuid, token: String| {
        let svc = &svc;
        async move {
            let (status, body) = send(
                svc,
                reqwest::Method::GET,
                &format!("/api/carriers/{carrier}/dispatch?date={d}"),
                &token,
                None,
            )
            .await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let unassigned = |board: &Json| -> Vec<String> {
        board["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect()
    };
    assert_eq!(
        unassigned(&board_of(a, a_token.clone()).await),
        std::slice::from_ref(&waiting)
    );
    assert!(unassigned(&board_of(b, b_token.clone()).await).is_empty());
    // The carrier's job list and job routes hold only the jobs on its crews.
    let (_, list) = send(&svc, get.clone(), "/api/jobs", &a_token, None).await;
    let ids: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, [id_of(&first)]);
    let before = board(&svc.db).await;
    for (token, job) in [
        (&a_token, &waiting),
        (&b_token, &waiting),
        (&b_token, &nowhere),
        (&b_token, &id_of(&first)),
    ] {
        let (status, _) = send(&svc, get.clone(), &format!("/api/jobs/{job}"), token, None).await;
        assert_eq!(status, 404, "GET {job}");
        let (status, _) = send(
            &svc,
            post.clone(),
            &format!("/api/jobs/{job}/fail"),
            token,
            Some(json!({"reason": "not_home"})),
        )
        .await;
        assert_eq!(status, 404, "fail {job}");
    }
    // B may not assign A's region's unassigned job.
    let b_crew_20 = {
        set_regions(&svc, b, &["20"]).await;
        new_crew(&svc, b, "B1", &["20"], 5).await
    };
    let (status, _) = send(
        &svc,
        post.clone(),
        &format!("/api/carriers/{b}/jobs/{waiting}/assign"),
        &b_token,
        Some(json!({"crew_id": b_crew_20, "reason": "grab"})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(board(&svc.db).await.2, before.2, "no history written");

    // Granted 20 now (and contracted for it by the retailer, issue 18), B's dispatcher sees the
    // job there and may take it onto its crew.
    contract_granted(&svc.db, retailer).await;
    assert_eq!(
        unassigned(&board_of(b, b_token.clone()).await),
        std::slice::from_ref(&nowhere)
    );
    let (status, job) = send(
        &svc,
        post.clone(),
        &format!("/api/carriers/{b}/jobs/{nowhere}/assign"),
        &b_token,
        Some(json!({"crew_id": b_crew_20, "reason": "ours"})),
    )
    .await;
    assert_eq!(
        (status, job["crew_id"].clone()),
        (200, json!(b_crew_20.to_string())),
        "{job}"
    );
    let (status, _) = send(
        &svc,
        get.clone(),
        &format!("/api/jobs/{nowhere}"),
        &b_token,
        None,
    )
    .await;
    assert_eq!(status, 200);

    // The operator takes A's regions away: A's crew gets no new job, A's board shows none.
    set_regions(&svc, a, &[]).await;
    let later = job_for(&svc, &swap_on(retailer, "S4", "10115", at(day(4), 9))).await;
    assert_eq!(later["crew_id"], Json::Null, "{later}");
    let (_, board_a) = send(
        &svc,
        get,
        &format!("/api/carriers/{a}/dispatch?date={}", day(4)),
        &a_token,
        None,
    )
    .await;
    assert!(unassigned(&board_a).is_empty(), "{board_a}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inactive_crew_sees_nothing_and_cannot_act() {
    let svc = start().await;
    let (a, a_token) = carrier(&svc, "A").await;
    let crew = new_crew(&svc, a, "A1", &["10"], 5).await;
    let (status, body) = post_json(
        &svc,
        &format!("/api/carriers/{a}/crews/{crew}/members"),
        json!({"email": "kai@example.com", "name": "Kai", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let d = day(2);
    let job = id_of(&job_for(&svc, &swap_on(Uuid::now_v7(), "S1", "10115", at(d, 9))).await);
    let day_page = format!("/crew?date={d}");
    let client = browser();
    let csrf = signed_in_at(
        &svc,
        &client,
        "/crew/sign-in",
        "/crew",
        "kai@example.com",
        PASSWORD,
    )
    .await;
    let (_, html) = page(&svc, &client, &day_page).await;
    assert!(html.contains(&job), "the active crew sees its visit");

    // The crew is taken off duty (no route does it yet: the database).
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE crews SET active = false WHERE id = $1",
            [crew.into()],
        ))
        .await
        .unwrap();
    let before = board(&svc.db).await;
    let (status, html) = page(&svc, &client, &day_page).await;
    assert_eq!(status, 200);
    assert!(!html.contains(&job) && !html.contains("Erika"), "{html}");
    let (status, _) = page(&svc, &client, &format!("/crew/visits/{job}")).await;
    assert_eq!(status, 404);
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("/crew/visits/{job}/fail"),
        &[("csrf", &csrf), ("reason", "not_home")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &svc,
        reqwest::Method::POST,
        &format!("/api/jobs/{job}/on-the-way"),
        &a_token,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}
