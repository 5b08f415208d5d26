//! The route walk: every door of `logistics::http::doors()` (the table recorded where the routes
//! are registered, not a hand-kept list) is called without a credential, with carrier A's
//! credential and carrier B's ids, with A's own carrier id and ids A saw (B's, and a job in a
//! region A was granted and declared but no retailer contracted it for), and with B's own
//! credential. Only the open doors answer without a credential, A never sees or changes a row
//! of B, an id A saw answers as one that exists nowhere, and B's credential opens B's doors (so
//! the walk could fail). A route added later without a credential fails this test.

use actix_web::http::Method;
use kummerer_contracts::{Depot, FreightPayer, ReturnRequestedV1};
use kummerer_testkit::forms::signed_in_at;
use kummerer_web::doors::{Access, Door};

use crate::support::*;

const PASSWORD: &str = "correct horse battery";

/// A carrier with real data: its token, a second token (to be revoked), a crew with a member, a
/// dispatcher, a job on the crew with a photo, and a return shipment.
#[derive(Clone)]
struct Tenant {
    carrier: Uuid,
    token: String,
    spare_token: Uuid,
    crew: Uuid,
    job: String,
    photo: Uuid,
    shipment: Option<Uuid>,
    /// The contract with the job's retailer (the tests' set-up, see `contract_granted`).
    contract: Uuid,
    crew_email: String,
    dispatcher_email: String,
}

async fn tenant(svc: &TestService, name: &str, prefix: &str, postcode: &str) -> Tenant {
    let (status, made) = post_json(svc, "/api/carriers", json!({ "name": name })).await;
    assert_eq!(status, 201, "{made}");
    let carrier: Uuid = made["id"].as_str().unwrap().parse().unwrap();
    let token = made["api_token"].as_str().unwrap().to_owned();
    let (status, spare) = post_json(
        svc,
        &format!("/api/carriers/{carrier}/tokens"),
        json!({"label": "spare"}),
    )
    .await;
    assert_eq!(status, 201, "{spare}");
    let crew = new_crew(svc, carrier, &format!("{name} van"), &[prefix], 5).await;
    let crew_email = format!("crew.{}@example.com", name.to_lowercase());
    let dispatcher_email = format!("dispatch.{}@example.com", name.to_lowercase());
    for (path, email) in [
        (
            format!("/api/carriers/{carrier}/crews/{crew}/members"),
            &crew_email,
        ),
        (
            format!("/api/carriers/{carrier}/dispatchers"),
            &dispatcher_email,
        ),
    ] {
        let (status, body) = post_json(
            svc,
            &path,
            json!({"email": email, "name": "N", "password": PASSWORD}),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let mut event = swap_on(Uuid::now_v7(), name, postcode, at(day(2), 9));
    event.delivery_address.name = format!("Kunde {name}");
    let job = job_for(svc, &event).await;
    assert_eq!(job["crew_id"], crew.to_string(), "{job}");
    let job = id_of(&job);
    let res = crate::photos::upload(
        svc,
        &job,
        "delivered",
        "image/png",
        crate::photos::PNG.into(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let photo: Json = res.json().await.unwrap();
    publish_event(&svc.names, return_request(&event)).await;
    let contract: Uuid = svc
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM carrier_contracts WHERE carrier_id = $1 AND retailer_id = $2",
            [carrier.into(), event.retailer_id.as_uuid().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();
    Tenant {
        carrier,
        token,
        spare_token: spare["id"].as_str().unwrap().parse().unwrap(),
        crew,
        job,
        photo: photo["id"].as_str().unwrap().parse().unwrap(),
        shipment: None,
        contract,
        crew_email,
        dispatcher_email,
    }
}

fn return_request(swap: &SwapApprovedV1) -> ReturnRequestedV1 {
    let address = Address {
        name: "Depot".into(),
        phone: "+49 711 1".into(),
        street: "Werkstraße 9".into(),
        postcode: "70173".into(),
        city: "Stuttgart".into(),
        country: "DE".into(),
    };
    ReturnRequestedV1 {
        claim_id: Uuid::now_v7().into(),
        swap_id: swap.swap_id,
        case_id: swap.case_id,
        retailer_id: swap.retailer_id,
        manufacturer_id: Uuid::now_v7().into(),
        serial: swap.defective_serial.clone(),
        product: swap.defective_product.clone(),
        depot: Depot {
            depot_id: Uuid::now_v7().into(),
            name: "Depot".into(),
            address,
        },
        return_by: Utc::now() + Span::days(14),
        freight_paid_by: FreightPayer::Manufacturer,
        requested_at: Utc::now(),
    }
}

async fn shipment_of(svc: &TestService, carrier: Uuid) -> Uuid {
    eventually("a return shipment", DEADLINE, || async {
        let (_, list) = get_json(svc, &format!("/api/carriers/{carrier}/return-shipments")).await;
        list["items"][0]["id"].as_str().map(|s| s.parse().unwrap())
    })
    .await
}

/// The value of a path parameter, from `t`.
fn value(door: &Door, name: &str, t: &Tenant) -> String {
    match name {
        "cid" => t.carrier.to_string(),
        "crew_id" => t.crew.to_string(),
        "id" if door.path.contains("/crews/{id}") => t.crew.to_string(),
        "id" if door.path.contains("/returns/{id}") => t.job.clone(),
        "id" => t.job.clone(),
        "token_id" => t.spare_token.to_string(),
        "contract_id" => t.contract.to_string(),
        "photo_id" => t.photo.to_string(),
        "sid" => t.shipment.expect("a shipment").to_string(),
        // No item in any pool: the take answers 404 to anyone.
        "item_id" => t.job.clone(),
        other => panic!("{} {}: no value for {{{other}}}", door.method, door.path),
    }
}

/// A checksum of every table, leaving out what using a credential changes by design (sessions,
/// a token's last use) and what the outbox relay writes on its own.
async fn checksum(db: &DatabaseConnection) -> Vec<(String, String)> {
    let tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text AS t FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
             AND table_name NOT IN ('crew_sessions', 'dispatcher_sessions') ORDER BY 1",
        ))
        .await
        .unwrap();
    let mut sums = Vec::new();
    for row in tables {
        let table: String = row.try_get("", "t").unwrap();
        let strip = match table.as_str() {
            "outbox" => " - 'sent_at' - 'attempts' - 'last_error'",
            "carrier_tokens" => " - 'last_used_at'",
            _ => "",
        };
        let sum = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS s \
                     FROM (SELECT to_jsonb(t){strip} AS x FROM \"{table}\" t) r"
                ),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "s")
            .unwrap();
        sums.push((table, sum));
    }
    sums
}

/// Who calls: nobody, a bearer token, or a page session (its client and CSRF token).
#[derive(Clone, Copy)]
enum As<'a> {
    Nobody,
    Bearer(&'a str),
    Page {
        crew: &'a (reqwest::Client, String),
        dispatcher: &'a (reqwest::Client, String),
        csrf: bool,
    },
}

/// Calls the door at `path` as `who`: its status, `Location` (or body).
async fn call(svc: &TestService, door: &Door, path: &str, who: &As<'_>) -> (u16, String) {
    let page = door.path.starts_with("/crew") || door.path.starts_with("/dispatch");
    let method = reqwest::Method::from_bytes(door.method.as_str().as_bytes()).unwrap();
    let (client, csrf) = match who {
        As::Page {
            crew,
            dispatcher,
            csrf,
        } => {
            let (client, token) = if door.path.starts_with("/crew") {
                crew
            } else {
                dispatcher
            };
            (client.clone(), csrf.then(|| token.clone()))
        }
        _ => (browser(), None),
    };
    let mut req = client.request(method, svc.url(path));
    if let As::Bearer(token) = who {
        req = req.bearer_auth(token);
    }
    if door.method != Method::GET && door.method != Method::DELETE {
        req = if page {
            req.form(&[("csrf", csrf.unwrap_or_default())])
        } else {
            req.json(&json!({}))
        };
    }
    kummerer_testkit::forms::answer(req.send().await.unwrap()).await
}

fn to_sign_in(status: u16, location: &str) -> bool {
    status == 303 && location.ends_with("/sign-in")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_door_wants_its_credential_and_no_carrier_reaches_anothers_rows() {
    let table = logistics::http::doors();
    let has = |m: Method, p: &str| table.iter().any(|d| d.method == m && d.path == p);
    assert!(table.len() > 30, "{table:#?}");
    for (m, p) in [
        (Method::GET, "/api/jobs"),
        (Method::POST, "/api/jobs/{id}/fail"),
        (Method::POST, "/api/carriers"),
        (Method::PUT, "/api/carriers/{cid}/regions"),
        (Method::GET, "/api/crews/{crew_id}/visits"),
        (Method::GET, "/crew/sign-in"),
        (Method::POST, "/crew/visits/{id}/collected"),
        (Method::POST, "/dispatch/jobs/{id}/assign"),
    ] {
        assert!(has(m.clone(), p), "{m} {p} not in {table:#?}");
    }
    assert!(
        table
            .iter()
            .filter(|d| d.access.is_open())
            .all(|d| d.path.ends_with("/sign-in")
                || d.path.ends_with(".css")
                || d.path.ends_with(".js")
                || d.path.starts_with("/openapi")
                || d.path.starts_with("/docs")),
        "only sign-in pages, stylesheets, scripts and the API's docs are open: {table:#?}"
    );

    let svc = start().await;
    let mut a = tenant(&svc, "A", "10", "10115").await;
    let mut b = tenant(&svc, "B", "20", "20095").await;
    a.shipment = Some(shipment_of(&svc, a.carrier).await);
    b.shipment = Some(shipment_of(&svc, b.carrier).await);
    let signed = |path: &'static str, home: &'static str, email: String| {
        let svc = &svc;
        async move {
            let client = browser();
            let csrf = signed_in_at(svc, &client, path, home, &email, PASSWORD).await;
            (client, csrf)
        }
    };
    let a_crew = signed("/crew/sign-in", "/crew", a.crew_email.clone()).await;
    let a_dispatcher = signed("/dispatch/sign-in", "/dispatch", a.dispatcher_email.clone()).await;
    let b_crew = signed("/crew/sign-in", "/crew", b.crew_email.clone()).await;
    let b_dispatcher = signed("/dispatch/sign-in", "/dispatch", b.dispatcher_email.clone()).await;
    // The region grab (issue 18): the operator grants A B's region as well and an A crew
    // declares it; there a job of a retailer that contracted nobody (C) waits unassigned.
    // Neither the grant nor the declaration gives A what no contract grants it.
    let a_grab = new_crew(&svc, a.carrier, "A grab", &["20"], 5).await;
    let mut c_swap = swap_on(Uuid::now_v7(), "C", "20095", at(day(2), 10));
    c_swap.delivery_address.name = "Kunde C".to_owned();
    publish_event(&svc.names, c_swap.clone()).await;
    let c_job = job_of(&svc, c_swap.retailer_id.as_uuid(), c_swap.swap_id.as_uuid()).await;
    assert_eq!(c_job["crew_id"], Json::Null, "nobody contracted: {c_job}");
    let c_job = id_of(&c_job);
    // Everything is in place (the relay has sent what the set-up produced).
    eventually("the outbox sent", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM outbox WHERE sent_at IS NULL",
            vec![],
        )
        .await
            == 0)
            .then_some(())
    })
    .await;
    let before = checksum(&svc.db).await;
    let b_secrets = [
        b.job.clone(),
        b.crew.to_string(),
        "Kunde B".to_owned(),
        c_job.clone(),
        "Kunde C".to_owned(),
    ];

    // 1. No credential: only the open doors answer.
    for door in &table {
        let path = door.fill(|n| value(door, n, &b));
        let (status, answer) = call(&svc, door, &path, &As::Nobody).await;
        let what = format!("{} {path} without a credential", door.method);
        match door.access {
            Access::Open => assert!(status < 500 && status != 401, "{what}: {status}"),
            Access::SignedIn => assert!(
                to_sign_in(status, &answer) || status == 401 || status == 403,
                "{what}: {status} {answer}"
            ),
            _ => assert_eq!(status, 401, "{what}: {answer}"),
        }
    }

    // 2. A's credential with B's ids: 404 (or 403); without ids nothing of B shows.
    let a_pages = As::Page {
        crew: &a_crew,
        dispatcher: &a_dispatcher,
        csrf: true,
    };
    for door in table.iter().filter(|d| !d.access.is_open()) {
        let path = door.fill(|n| value(door, n, &b));
        let page = door.path.starts_with("/crew") || door.path.starts_with("/dispatch");
        let who = match (page, door.path.ends_with("/sign-out")) {
            // Signing A out proves nothing; without the CSRF token it is refused.
            (true, true) => As::Page {
                crew: &a_crew,
                dispatcher: &a_dispatcher,
                csrf: false,
            },
            (true, false) => a_pages,
            (false, _) => As::Bearer(&a.token),
        };
        let (status, answer) = call(&svc, door, &path, &who).await;
        let what = format!("{} {path} as A", door.method);
        if door.params().is_empty() {
            match door.access {
                Access::Operator => assert_eq!(status, 401, "{what}: {answer}"),
                _ if door.path.ends_with("/sign-out") => assert_eq!(status, 403, "{what}"),
                // The language switch stores the choice and goes back to the page.
                _ if door.path.ends_with("/language") => assert_eq!(status, 303, "{what}"),
                _ => {
                    assert_eq!(status, 200, "{what}: {answer}");
                    for secret in &b_secrets {
                        assert!(!answer.contains(secret.as_str()), "{what} shows {secret}");
                    }
                }
            }
        } else {
            assert!(status == 404 || status == 403, "{what}: {status} {answer}");
            for secret in &b_secrets {
                assert!(!answer.contains(secret.as_str()), "{what} shows {secret}");
            }
        }
    }
    assert_eq!(checksum(&svc.db).await, before, "a row changed");

    // 2b. A's own doors with ids A saw (B's, and C's job in A's grant and its crew's declared
    // region): answered exactly as for ids that exist nowhere, and nothing of B or C shows.
    let mut unknown = b.clone();
    unknown.carrier = a.carrier;
    unknown.spare_token = Uuid::now_v7();
    unknown.crew = Uuid::now_v7();
    unknown.job = Uuid::now_v7().to_string();
    unknown.photo = Uuid::now_v7();
    unknown.shipment = Some(Uuid::now_v7());
    unknown.contract = Uuid::now_v7();
    let mut seen_b = b.clone();
    seen_b.carrier = a.carrier;
    let mut seen_c = seen_b.clone();
    seen_c.job = c_job.clone();
    for door in table.iter().filter(|d| {
        !d.access.is_open()
            && d.access != Access::Operator
            && d.params().iter().any(|p| *p != "cid")
    }) {
        let page = door.path.starts_with("/crew") || door.path.starts_with("/dispatch");
        let who = if page { a_pages } else { As::Bearer(&a.token) };
        let path = door.fill(|n| value(door, n, &unknown));
        let (nowhere, _) = call(&svc, door, &path, &who).await;
        assert!(
            (400..500).contains(&nowhere),
            "{} {path} as A: {nowhere}",
            door.method
        );
        for seen in [&seen_b, &seen_c] {
            let path = door.fill(|n| value(door, n, seen));
            let (status, answer) = call(&svc, door, &path, &who).await;
            let what = format!("{} {path} as A", door.method);
            assert_eq!(status, nowhere, "{what}: {answer}");
            for secret in &b_secrets {
                assert!(!answer.contains(secret.as_str()), "{what} shows {secret}");
            }
        }
    }
    // A's day (board, page, job list, return pool) shows neither B's job nor C's; A cannot take
    // C's job onto the crew that declared its region.
    let d = day(2);
    for path in [
        format!("/api/carriers/{}/dispatch?date={d}", a.carrier),
        format!("/api/carriers/{}/return-pool", a.carrier),
        "/api/jobs".to_owned(),
    ] {
        let res = browser()
            .get(svc.url(&path))
            .bearer_auth(&a.token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        for secret in &b_secrets {
            assert!(!body.contains(secret.as_str()), "{path} shows {secret}");
        }
    }
    let res = a_dispatcher
        .0
        .get(svc.url(&format!("/dispatch?date={d}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    for secret in &b_secrets {
        assert!(
            !html.contains(secret.as_str()),
            "A's dispatch page shows {secret}"
        );
    }
    let res = browser()
        .post(svc.url(&format!("/api/carriers/{}/jobs/{c_job}/assign", a.carrier)))
        .bearer_auth(&a.token)
        .json(&json!({"crew_id": a_grab, "reason": "grab"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404, "A takes C's job");
    assert_eq!(checksum(&svc.db).await, before, "a row changed");

    // 3. B's credential with B's ids: the credential works (never 401, never the sign-in).
    let b_pages = As::Page {
        crew: &b_crew,
        dispatcher: &b_dispatcher,
        csrf: true,
    };
    for door in table.iter().filter(|d| !d.access.is_open()) {
        let path = door.fill(|n| value(door, n, &b));
        let page = door.path.starts_with("/crew") || door.path.starts_with("/dispatch");
        let who = match (page, door.access) {
            (true, _) if door.path.ends_with("/sign-out") => As::Page {
                crew: &b_crew,
                dispatcher: &b_dispatcher,
                csrf: false,
            },
            (true, _) => b_pages,
            (false, Access::Operator) => {
                // A carrier's token never opens the operator's doors; the operator's does.
                let (status, _) = call(&svc, door, &path, &As::Bearer(&b.token)).await;
                assert_eq!(status, 401, "{} {path} with B's token", door.method);
                As::Bearer(OPERATOR)
            }
            (false, _) => As::Bearer(&b.token),
        };
        let (status, answer) = call(&svc, door, &path, &who).await;
        let what = format!("{} {path} as B", door.method);
        assert!(
            status != 401 && !to_sign_in(status, &answer) && status < 500,
            "{what}: {status} {answer}"
        );
    }
    svc.stop().await;
}
