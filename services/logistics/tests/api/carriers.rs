//! Carriers and crews, and where a new job goes: the most local crew with room, never over
//! a crew's capacity.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carriers_and_crews_are_created_and_listed_and_bad_input_changes_nothing() {
    let svc = start().await;
    let (status, carrier) =
        post_json(&svc, "/api/carriers", json!({"name": "  Blitz Logistik "})).await;
    assert_eq!(status, 201, "{carrier}");
    assert_eq!(carrier["name"], "Blitz Logistik");
    assert!(carrier["created_at"].is_string());
    let cid = carrier["id"].as_str().unwrap().to_owned();
    grant(&svc, cid.parse().unwrap(), &["1", "2", "SW1A"]).await;

    let (status, crew) = post_json(
        &svc,
        &format!("/api/carriers/{cid}/crews"),
        json!({"name": "Van 2", "home_postcode_prefixes": ["101", " sw1a ", "101"], "visits_per_day": 8}),
    )
    .await;
    assert_eq!(status, 201, "{crew}");
    assert_eq!(crew["carrier_id"], cid);
    assert_eq!(crew["name"], "Van 2");
    assert_eq!(crew["home_postcode_prefixes"], json!(["101", "SW1A"]));
    assert_eq!(crew["visits_per_day"], 8);
    assert_eq!(crew["active"], true);
    let (status, inactive) = post_json(
        &svc,
        &format!("/api/carriers/{cid}/crews"),
        json!({"name": "Van 1", "home_postcode_prefixes": ["2"], "visits_per_day": 1, "active": false}),
    )
    .await;
    assert_eq!(status, 201, "{inactive}");
    assert_eq!(inactive["active"], false);

    let (status, list) = get_json(&svc, &format!("/api/carriers/{cid}/crews")).await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Van 1", "Van 2"]);
    // Another carrier sees none of them.
    let other = new_carrier(&svc, "Other").await;
    let (_, list) = get_json(&svc, &format!("/api/carriers/{other}/crews")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // The same name under another carrier is fine.
    new_crew(&svc, other, "Van 2", &["101"], 3).await;

    let before = board(&svc.db).await;
    let crews = format!("/api/carriers/{cid}/crews");
    let unknown = Uuid::now_v7();
    let ok = json!({"name": "Van 3", "home_postcode_prefixes": ["1"], "visits_per_day": 3});
    let cases: Vec<(&str, String, Json, u16, &str)> = vec![
        (
            "carrier without name",
            "/api/carriers".into(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "carrier with blank name",
            "/api/carriers".into(),
            json!({"name": "  "}),
            422,
            "validation_failed",
        ),
        (
            "carrier with long name",
            "/api/carriers".into(),
            json!({"name": "n".repeat(201)}),
            422,
            "validation_failed",
        ),
        (
            "carrier name of wrong type",
            "/api/carriers".into(),
            json!({"name": 5}),
            422,
            "validation_failed",
        ),
        (
            "crew of unknown carrier",
            format!("/api/carriers/{unknown}/crews"),
            ok.clone(),
            404,
            "not_found",
        ),
        (
            "crew of non-UUID carrier",
            "/api/carriers/abc/crews".into(),
            ok.clone(),
            404,
            "not_found",
        ),
        (
            "crew name taken",
            crews.clone(),
            json!({"name": "Van 2", "home_postcode_prefixes": ["1"], "visits_per_day": 3}),
            409,
            "crew_name_taken",
        ),
        (
            "crew without fields",
            crews.clone(),
            json!({}),
            422,
            "validation_failed",
        ),
        (
            "crew without prefixes",
            crews.clone(),
            json!({"name": "X", "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with no prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": [], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with empty prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1", ""], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with long prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["12345678901"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with odd prefix",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["10-1"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with prefix of wrong type",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": [101], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
        (
            "crew with no visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 0}),
            422,
            "validation_failed",
        ),
        (
            "crew with too many visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 51}),
            422,
            "validation_failed",
        ),
        (
            "crew with negative visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": -1}),
            422,
            "validation_failed",
        ),
        (
            "crew with fractional visits",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": 2.5}),
            422,
            "validation_failed",
        ),
        (
            "crew with visits as text",
            crews.clone(),
            json!({"name": "X", "home_postcode_prefixes": ["1"], "visits_per_day": "3"}),
            422,
            "validation_failed",
        ),
        (
            "crew with blank name",
            crews.clone(),
            json!({"name": "", "home_postcode_prefixes": ["1"], "visits_per_day": 3}),
            422,
            "validation_failed",
        ),
    ];
    for (what, path, body, status, code) in cases {
        post_expect_problem(&svc, &path, body, status, code, what).await;
    }
    let problem = post_expect_problem(
        &svc,
        &crews,
        json!({"name": "", "home_postcode_prefixes": ["x y"], "visits_per_day": 99}),
        422,
        "validation_failed",
        "field errors",
    )
    .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "home_postcode_prefixes", "visits_per_day"]);
    let huge = serde_json::to_vec(&json!({"name": "x".repeat(70 * 1024)})).unwrap();
    let res = svc
        .client
        .post(svc.url("/api/carriers"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, 413, "payload_too_large", "huge carrier").await;
    get_expect_problem(
        &svc,
        &format!("/api/carriers/{unknown}/crews"),
        404,
        "not_found",
        "crews of unknown carrier",
    )
    .await;
    assert_eq!(board(&svc.db).await, before);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_job_goes_to_the_most_local_crew_with_room_or_waits_unassigned() {
    let svc = start().await;
    let a = new_carrier(&svc, "A").await;
    let b = new_carrier(&svc, "B").await;
    let a_wide = new_crew(&svc, a, "A wide", &["1"], 5).await;
    let a_local = new_crew(&svc, a, "A local", &["101"], 1).await;
    let b_mid = new_crew(&svc, b, "B mid", &["10"], 2).await;
    let (status, _) = post_json(
        &svc,
        &format!("/api/carriers/{a}/crews"),
        json!({"name": "A off", "home_postcode_prefixes": ["1011"], "visits_per_day": 5, "active": false}),
    )
    .await;
    assert_eq!(status, 201);
    let retailer = Uuid::now_v7();
    let d = day(3);

    // Longest active prefix: "101" (the inactive "1011" is passed over).
    let first = job_for(&svc, &swap_on(retailer, "S1", "101 15", at(d, 12))).await;
    assert_eq!(first["crew_id"], a_local.to_string(), "{first}");
    assert_eq!(first["carrier_id"], a.to_string());
    assert_eq!(first["visit_date"], d.to_string());
    assert_eq!(first["position"], 1);
    let (_, detail) = get_json(&svc, &format!("/api/jobs/{}", id_of(&first))).await;
    assert_eq!(kinds(&detail), ["scheduled", "assigned"]);
    assert_eq!(
        detail["events"][1]["details"]["crew_id"],
        a_local.to_string()
    );
    assert_eq!(detail["events"][1]["details"]["reason"], "auto");

    // "A local" is full that day: the next longest is B's "10", then A's "1".
    let second = job_for(&svc, &swap_on(retailer, "S2", "10115", at(d, 14))).await;
    assert_eq!(second["crew_id"], b_mid.to_string(), "{second}");
    assert_eq!(second["carrier_id"], b.to_string());
    // An earlier visit on B's day comes first: the positions follow the window.
    let third = job_for(&svc, &swap_on(retailer, "S3", "10115", at(d, 8))).await;
    assert_eq!(third["crew_id"], b_mid.to_string());
    assert_eq!(third["position"], 1);
    let (_, second) = get_json(&svc, &format!("/api/jobs/{}", id_of(&second))).await;
    assert_eq!(second["position"], 2);
    let fourth = job_for(&svc, &swap_on(retailer, "S4", "10115", at(d, 9))).await;
    assert_eq!(fourth["crew_id"], a_wide.to_string());
    // Another day: "A local" has room again.
    let next_day = job_for(&svc, &swap_on(retailer, "S5", "10115", at(day(4), 9))).await;
    assert_eq!(next_day["crew_id"], a_local.to_string());
    assert_eq!(next_day["position"], 1);

    // No crew covers 20095: the job waits for the dispatcher, with no assignment event.
    let nowhere = job_for(&svc, &swap_on(retailer, "S6", "20095", at(d, 9))).await;
    assert_eq!(nowhere["crew_id"], Json::Null);
    assert_eq!(nowhere["carrier_id"], Json::Null);
    assert_eq!(nowhere["position"], Json::Null);
    assert_eq!(nowhere["visit_date"], d.to_string());
    let (_, detail) = get_json(&svc, &format!("/api/jobs/{}", id_of(&nowhere))).await;
    assert_eq!(kinds(&detail), ["scheduled"]);

    // Equal prefixes: the crew with the fewest visits that day, then the smaller id.
    let c = new_carrier(&svc, "C").await;
    let x = new_crew(&svc, c, "X", &["3"], 5).await;
    let y = new_crew(&svc, c, "Y", &["3"], 5).await;
    assert!(x < y);
    let mut got = Vec::new();
    for (i, hour) in [9, 10, 11].into_iter().enumerate() {
        let job = job_for(
            &svc,
            &swap_on(retailer, &format!("T{i}"), "30159", at(d, hour)),
        )
        .await;
        got.push(job["crew_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, [x.to_string(), y.to_string(), x.to_string()]);
    // Every new job was still announced once.
    assert_eq!(outbox(&svc.db, SCHEDULED).await.len(), 9);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_assignments_cannot_overfill_a_crew() {
    use logistics::consumers::swaps::swap_approved;
    use sea_orm::TransactionTrait;

    let svc = start().await;
    let carrier = new_carrier(&svc, "A").await;
    let crew = new_crew(&svc, carrier, "Solo", &["10"], 1).await;
    let retailer = Uuid::now_v7();
    contract_granted(&svc.db, retailer).await;
    let d = day(3);

    // Deterministic interleaving: the first assignment holds the crew's lock; the second waits
    // for it, then counts the first one's job and finds no room.
    let a = swap_on(retailer, "A", "10115", at(d, 9));
    let b = swap_on(retailer, "B", "10117", at(d, 11));
    let t1 = svc.db.begin().await.unwrap();
    swap_approved(&t1, &a).await.unwrap();
    let db = svc.db.clone();
    let b2 = b.clone();
    let second = tokio::spawn(async move {
        let t2 = db.begin().await.unwrap();
        swap_approved(&t2, &b2).await.unwrap();
        t2.commit().await.unwrap();
    });
    eventually("the second assignment to wait for the crew's lock", DEADLINE, || async {
        let waiting = count(
            &svc.db,
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            vec![],
        )
        .await;
        (waiting == 1).then_some(())
    })
    .await;
    t1.commit().await.unwrap();
    second.await.unwrap();
    let assigned = |swap: Uuid| {
        let db = svc.db.clone();
        async move {
            count(
                &db,
                "SELECT 1 FROM jobs WHERE swap_id = $1 AND crew_id IS NOT NULL",
                vec![swap.into()],
            )
            .await
        }
    };
    assert_eq!(assigned(a.swap_id.as_uuid()).await, 1);
    assert_eq!(assigned(b.swap_id.as_uuid()).await, 0);

    // Truly at once, several rounds on fresh days: exactly one of the two gets the slot.
    for round in 0..5 {
        let d = day(10 + round);
        let a = swap_on(retailer, "A", "10115", at(d, 9));
        let b = swap_on(retailer, "B", "10115", at(d, 9));
        let run = |s: SwapApprovedV1| {
            let db = svc.db.clone();
            async move {
                let txn = db.begin().await.unwrap();
                swap_approved(&txn, &s).await.unwrap();
                txn.commit().await.unwrap();
            }
        };
        let (r1, r2) = tokio::join!(tokio::spawn(run(a.clone())), tokio::spawn(run(b.clone())));
        r1.unwrap();
        r2.unwrap();
        let on_crew = count(
            &svc.db,
            "SELECT 1 FROM jobs WHERE crew_id = $1 AND visit_date = $2",
            vec![crew.into(), d.into()],
        )
        .await;
        assert_eq!(on_crew, 1, "round {round}");
        assert_eq!(
            count(
                &svc.db,
                "SELECT 1 FROM jobs WHERE visit_date = $1",
                vec![d.into()]
            )
            .await,
            2
        );
    }

    // Through the broker as well.
    let d = day(30);
    let a = swap_on(retailer, "A", "10115", at(d, 9));
    let b = swap_on(retailer, "B", "10115", at(d, 10));
    publish_event(&svc.names, a.clone()).await;
    publish_event(&svc.names, b.clone()).await;
    let ja = job_of(&svc, retailer, a.swap_id.as_uuid()).await;
    let jb = job_of(&svc, retailer, b.swap_id.as_uuid()).await;
    let crews = [ja["crew_id"].clone(), jb["crew_id"].clone()];
    assert_eq!(
        crews
            .iter()
            .filter(|c| **c == json!(crew.to_string()))
            .count(),
        1,
        "{crews:?}"
    );
    assert_eq!(crews.iter().filter(|c| c.is_null()).count(), 1);
    svc.stop().await;
}
