//! Webhooks against a real HTTP receiver (an actix-web server on a free port of this test):
//! signed per Standard Webhooks, sent for claim changes, retried with backoff after failures,
//! and the endpoint disabled after a 410 or too many failures in a row.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use manufacturer::webhooks::delivery::{self, Settings, deliver_due};

use crate::support::*;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Vec<Received>,
    /// Per path: the statuses to answer, in order; 200 once they are used up.
    script: HashMap<String, VecDeque<u16>>,
}

/// A local HTTP server that records what it gets and answers as scripted.
#[derive(Clone)]
struct Receiver {
    base_url: String,
    state: Arc<Mutex<ReceiverState>>,
    server: actix_web::dev::ServerHandle,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let mut s = state.lock().unwrap();
    let path = req.path().to_owned();
    let status = s
        .script
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .unwrap_or(200);
    s.got.push(Received {
        path,
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let data = web::Data::new(state.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            base_url: format!("http://127.0.0.1:{port}"),
            state,
            server: handle,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn script(&self, path: &str, statuses: &[u16]) {
        self.state
            .lock()
            .unwrap()
            .script
            .insert(path.to_owned(), statuses.iter().copied().collect());
    }

    fn got(&self, path: &str) -> Vec<Received> {
        self.state
            .lock()
            .unwrap()
            .got
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` got `n` requests; returns them.
    async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        eventually(&format!("{n} requests to {path}"), DEADLINE, || async {
            let got = self.got(path);
            (got.len() >= n).then_some(got)
        })
        .await
    }

    async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// Checks the Standard Webhooks signature of `r` with `secret`, computed here independently.
fn signed_with(r: &Received, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    let id = &r.headers["webhook-id"];
    let ts = &r.headers["webhook-timestamp"];
    mac.update(format!("{id}.{ts}.{}", r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.headers["webhook-signature"]
        .split(' ')
        .any(|s| s == expected)
}

async fn add_endpoint(svc: &TestService, mid: Uuid, url: &str, types: &[&str]) -> Value {
    let a = post(
        svc,
        &format!("/api/manufacturers/{mid}/webhooks"),
        &json!({"url": url, "event_types": types, "description": "ERP"}),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

/// `(status, attempts)` of each delivery to `endpoint`, oldest first.
async fn deliveries(db: &DatabaseConnection, endpoint: &str) -> Vec<(String, i32)> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT status, attempts FROM webhook_deliveries WHERE endpoint_id = $1::uuid \
         ORDER BY created_at, id",
        [endpoint.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get::<String>("", "status").unwrap(),
            r.try_get::<i32>("", "attempts").unwrap(),
        )
    })
    .collect()
}

/// The recorded attempts of the deliveries to `endpoint`: `(status code, error, next attempt
/// of the delivery after it, attempted at)`, oldest first.
async fn attempts(db: &DatabaseConnection, endpoint: &str) -> Vec<(Option<i16>, Option<String>)> {
    db.query_all_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT a.status_code, a.error FROM webhook_attempts a \
         JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1::uuid \
         ORDER BY a.attempted_at, a.id",
        [endpoint.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get::<Option<i16>>("", "status_code").unwrap(),
            r.try_get::<Option<String>>("", "error").unwrap(),
        )
    })
    .collect()
}

async fn endpoint_row(db: &DatabaseConnection, endpoint: &str) -> (Option<String>, i32) {
    let r = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT disabled_reason, consecutive_failures FROM webhook_endpoints \
             WHERE id = $1::uuid",
            [endpoint.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    (
        r.try_get("", "disabled_reason").unwrap(),
        r.try_get("", "consecutive_failures").unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_changes_reach_the_endpoint_signed() {
    let svc = start().await;
    let rx = Receiver::start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let all = add_endpoint(&svc, mid, &rx.url("/all"), &[]).await;
    let secret = all["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(all["status"], "active");
    let updates = add_endpoint(&svc, mid, &rx.url("/updates"), &["claim.updated"]).await;
    // Another manufacturer's endpoint hears nothing of this one's claims.
    let other = create_manufacturer(&svc, "Kühlhaus GmbH").await;
    add_endpoint(&svc, other, &rx.url("/other"), &[]).await;

    // A claim arrives (left pending): claim.created, sent by the service's own worker.
    let event = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let got = rx.wait_for("/all", 1).await;
    let created = &got[0];
    assert!(signed_with(created, &secret), "{created:?}");
    assert!(!signed_with(created, updates["secret"].as_str().unwrap()));
    assert_eq!(created.headers["content-type"], "application/json");
    let ts: i64 = created.headers["webhook-timestamp"].parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 60, "{ts}");
    let body = created.json();
    assert_eq!(body["type"], "claim.created");
    assert!(body["timestamp"].is_string());
    assert_eq!(body["data"]["claim_id"], event.claim_id.to_string());
    assert_eq!(body["data"]["status"], "pending");
    assert_eq!(body["data"]["pending_reason"], "outside_doa");
    assert_eq!(body["data"]["change"], "created");
    // The webhook-id is the delivery's id (recorded as delivered once the worker has the answer).
    let webhook_id = created.headers["webhook-id"].clone();
    eventually(
        "the claim.created delivery recorded as delivered",
        DEADLINE,
        || async {
            let n = count(
            &svc.db,
            "SELECT count(*) FROM webhook_deliveries WHERE id = $1::uuid AND status = 'delivered' \
             AND event_type = 'claim.created'",
            vec![webhook_id.clone().into()],
        )
        .await;
            (n == 1).then_some(())
        },
    )
    .await;

    // The manufacturer decides it: claim.updated to both endpoints.
    let d = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        ),
        &json!({"outcome": "reject", "reason_code": "misuse"}),
    )
    .await;
    assert_eq!(d.status, 200, "{}", d.body);
    let got = rx.wait_for("/all", 2).await;
    let updated = got[1].json();
    assert!(signed_with(&got[1], &secret));
    assert_eq!(updated["type"], "claim.updated");
    assert_eq!(updated["data"]["change"], "decided");
    assert_eq!(updated["data"]["status"], "rejected");
    assert_eq!(updated["data"]["reason_code"], "misuse");
    // A decision that fails changes nothing, so it queues nothing either.
    let queued = count(&svc.db, "SELECT count(*) FROM webhook_deliveries", vec![]).await;
    let again = post(
        &svc,
        &format!(
            "/api/manufacturers/{mid}/claims/{}/decision",
            event.claim_id
        ),
        &json!({"outcome": "accept"}),
    )
    .await;
    assert_problem(&again, 409, "decided twice");
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM webhook_deliveries", vec![]).await,
        queued
    );
    let only_updates = rx.wait_for("/updates", 1).await;
    assert_eq!(only_updates[0].json()["type"], "claim.updated");
    assert!(signed_with(
        &only_updates[0],
        updates["secret"].as_str().unwrap()
    ));

    // A claim decided by its deadline: claim.updated too.
    let late = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&late)).await;
    rx.wait_for("/all", 3).await;
    let decided = fire_deadlines(&svc.db, Utc::now() + TimeDelta::days(15))
        .await
        .unwrap();
    assert_eq!(decided, 1);
    let got = rx.wait_for("/all", 4).await;
    let deemed = got[3].json();
    assert_eq!(deemed["type"], "claim.updated");
    assert_eq!(deemed["data"]["claim_id"], late.claim_id.to_string());
    assert_eq!(deemed["data"]["status"], "accepted");
    assert_eq!(
        deemed["data"]["decided_by"],
        "rule:deadline_deemed_accepted"
    );
    rx.wait_for("/updates", 2).await;

    // Its credit note: credit_note.issued, with the note as the API shows it.
    let note = post(
        &svc,
        &format!("/api/manufacturers/{mid}/credit-notes"),
        &json!({"claim_id": late.claim_id}),
    )
    .await;
    assert_eq!(note.status, 201, "{}", note.body);
    let got = rx.wait_for("/all", 5).await;
    let issued = got[4].json();
    assert!(signed_with(&got[4], &secret));
    assert_eq!(issued["type"], "credit_note.issued");
    assert_eq!(issued["data"], note.body["credit_notes"][0]);

    // Nothing else: no created to /updates, nothing to the other manufacturer.
    assert!(rx.got("/other").is_empty());
    assert_eq!(rx.got("/updates").len(), 2);
    let all_id = all["id"].as_str().unwrap();
    // The receiver answers before the worker records the attempt: wait for the record.
    eventually(
        "the five deliveries recorded as delivered",
        DEADLINE,
        || async {
            let d = deliveries(&svc.db, all_id).await;
            (d == vec![("delivered".to_owned(), 1); 5]).then_some(())
        },
    )
    .await;
    assert!(
        attempts(&svc.db, all_id)
            .await
            .iter()
            .all(|(status, error)| *status == Some(200) && error.is_none())
    );
    rx.stop().await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_with_backoff_and_a_410_disables_the_endpoint() {
    let svc = start().await;
    let rx = Receiver::start().await;
    let client = delivery::client().unwrap();
    let settings = Settings::local();
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    let endpoint = add_endpoint(&svc, mid, &rx.url("/flaky"), &["claim.created"]).await;
    let id = endpoint["id"].as_str().unwrap();
    let secret = endpoint["secret"].as_str().unwrap();
    rx.script("/flaky", &[500, 503]);

    // First attempt by the service's worker: 500; the delivery waits 5 s.
    arrive(&svc, mid, &[claim(mid, retailer, 60)]).await;
    rx.wait_for("/flaky", 1).await;
    eventually("first attempt recorded", DEADLINE, || async {
        (attempts(&svc.db, id).await.len() == 1).then_some(())
    })
    .await;
    let wait = count(
        &svc.db,
        "SELECT (extract(epoch FROM d.next_attempt_at - a.attempted_at) * 1000)::bigint \
         FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id \
         WHERE d.endpoint_id = $1::uuid",
        vec![id.into()],
    )
    .await;
    assert_eq!(wait, 5000);
    // Not due yet: nothing is sent.
    assert_eq!(
        deliver_due(&svc.db, &client, Utc::now(), &settings)
            .await
            .unwrap(),
        0
    );
    // Ten minutes later (time moved, not waited for): the second attempt, 503; then 10 s.
    let t1 = Utc::now() + TimeDelta::minutes(10);
    assert_eq!(
        deliver_due(&svc.db, &client, t1, &settings).await.unwrap(),
        1
    );
    let wait = count(
        &svc.db,
        "SELECT (extract(epoch FROM next_attempt_at - $2::timestamptz) * 1000)::bigint \
         FROM webhook_deliveries WHERE endpoint_id = $1::uuid",
        vec![id.into(), t1.trunc_subsecs(6).into()],
    )
    .await;
    assert_eq!(wait, 10_000);
    assert_eq!(endpoint_row(&svc.db, id).await, (None, 2));
    // The third: delivered; the run of failures is over.
    let t2 = t1 + TimeDelta::minutes(10);
    assert_eq!(
        deliver_due(&svc.db, &client, t2, &settings).await.unwrap(),
        1
    );
    let got = rx.got("/flaky");
    assert_eq!(got.len(), 3);
    // The same message every time: same id, same body, each signed for its own timestamp.
    for r in &got {
        assert!(signed_with(r, secret));
        assert_eq!(r.headers["webhook-id"], got[0].headers["webhook-id"]);
        assert_eq!(r.body, got[0].body);
    }
    assert_eq!(
        got[1].headers["webhook-timestamp"],
        t1.timestamp().to_string()
    );
    assert_eq!(deliveries(&svc.db, id).await, [("delivered".to_owned(), 3)]);
    let tries = attempts(&svc.db, id).await;
    assert_eq!(
        tries.iter().map(|t| t.0).collect::<Vec<_>>(),
        [Some(500), Some(503), Some(200)]
    );
    assert_eq!(tries[0].1.as_deref(), Some("HTTP 500"));
    assert_eq!(endpoint_row(&svc.db, id).await, (None, 0));
    // The API shows the delivery with its last attempt.
    let listed = get(
        &svc,
        &format!("/api/manufacturers/{mid}/webhooks/{id}/deliveries"),
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let d = &listed.body["items"][0];
    assert_eq!(d["id"], got[0].headers["webhook-id"].as_str());
    assert_eq!(d["event_type"], "claim.created");
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 3);
    assert!(d["next_attempt_at"].is_null());
    assert_eq!(d["last_attempt"]["status_code"], 200);
    assert!(d["last_attempt"]["error"].is_null());
    assert_eq!(at(&d["last_attempt"]["attempted_at"]), t2.trunc_subsecs(6));

    // A 410: disabled at once, and what still waited for it is given up.
    rx.script("/flaky", &[410, 410]);
    arrive(
        &svc,
        mid,
        &[claim(mid, retailer, 60), claim(mid, retailer, 60)],
    )
    .await;
    eventually("endpoint disabled", DEADLINE, || async {
        let (reason, _) = endpoint_row(&svc.db, id).await;
        (reason.as_deref() == Some("gone")).then_some(())
    })
    .await;
    let listed = get(&svc, &format!("/api/manufacturers/{mid}/webhooks")).await;
    assert_eq!(listed.body["items"][0]["status"], "disabled");
    assert_eq!(listed.body["items"][0]["disabled_reason"], "gone");
    assert!(listed.body["items"][0]["disabled_at"].is_string());
    assert!(listed.body["items"][0].get("secret").is_none());
    let states = deliveries(&svc.db, id).await;
    assert_eq!(states.len(), 3);
    let path = format!("/api/manufacturers/{mid}/webhooks/{id}/deliveries");
    let page = get(&svc, &format!("{path}?limit=2")).await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|d| d["status"] == "failed"));
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let rest = get(&svc, &format!("{path}?limit=2&cursor={cursor}")).await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["items"][0]["status"], "delivered");
    assert!(rest.body["next_cursor"].is_null());
    assert!(states[1..].iter().all(|(s, _)| s == "failed"), "{states:?}");
    // Nothing more is sent or queued for it.
    let sent = rx.got("/flaky").len();
    arrive(&svc, mid, &[claim(mid, retailer, 60)]).await;
    deliver_due(&svc.db, &client, t2 + TimeDelta::days(1), &settings)
        .await
        .unwrap();
    assert_eq!(rx.got("/flaky").len(), sent);
    assert_eq!(deliveries(&svc.db, id).await.len(), 3);
    rx.stop().await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_failing_again_and_again_is_disabled() {
    let svc = start().await;
    let rx = Receiver::start().await;
    let client = delivery::client().unwrap();
    let settings = Settings {
        disable_after: Duration::from_secs(4 * 3600), // failing for 4 h: the third attempt
        ..Settings::local()
    };
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    let endpoint = add_endpoint(&svc, mid, &rx.url("/down"), &["claim.created"]).await;
    let id = endpoint["id"].as_str().unwrap();
    rx.script("/down", &[500; 10]);
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    arrive(&svc, mid, &[claim(mid, retailer, 60)]).await;
    rx.wait_for("/down", 1).await;
    eventually("first attempt recorded", DEADLINE, || async {
        (attempts(&svc.db, id).await.len() == 1).then_some(())
    })
    .await;
    let mut t = Utc::now();
    for _ in 0..2 {
        t += TimeDelta::hours(2);
        assert_eq!(
            deliver_due(&svc.db, &client, t, &settings).await.unwrap(),
            1
        );
    }
    assert_eq!(
        endpoint_row(&svc.db, id).await,
        (Some("too_many_failures".to_owned()), 3)
    );
    assert_eq!(deliveries(&svc.db, id).await, [("failed".to_owned(), 3)]);
    assert_eq!(
        deliver_due(&svc.db, &client, t + TimeDelta::days(1), &settings)
            .await
            .unwrap(),
        0
    );
    assert_eq!(rx.got("/down").len(), 3);

    // An endpoint nobody listens on: the attempt records the connection error.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = add_endpoint(
        &svc,
        mid,
        &format!("http://127.0.0.1:{closed}/nobody"),
        &["claim.created"],
    )
    .await;
    let id = endpoint["id"].as_str().unwrap();
    let retailer = Uuid::now_v7();
    create_agreement(&svc, mid, retailer).await;
    arrive(&svc, mid, &[claim(mid, retailer, 60)]).await;
    eventually("attempt on a closed port", DEADLINE, || async {
        let a = attempts(&svc.db, id).await;
        a.first().cloned()
    })
    .await;
    let a = attempts(&svc.db, id).await;
    assert_eq!(a[0].0, None);
    assert!(a[0].1.as_deref().unwrap().contains("onnect"), "{a:?}");
    rx.stop().await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_are_checked_listed_deleted_and_walled_off() {
    let svc = start().await;
    let (a, a_key, _) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (b, b_key, _) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let path = format!("/api/manufacturers/{a}/webhooks");
    let before = table_counts(&svc.db).await;
    for (body, field) in [
        (json!({"url": "ftp://example.com/x"}), "url"),
        (json!({"url": "not a url"}), "url"),
        (json!({"url": "https://u:p@example.com/"}), "url"),
        (
            json!({"url": "https://example.com/", "event_types": ["claim.deleted"]}),
            "event_types[0]",
        ),
        (
            json!({"url": "https://example.com/", "description": "x".repeat(501)}),
            "description",
        ),
    ] {
        let x = post(&svc, &path, &body).await;
        assert_problem(&x, 422, &body.to_string());
        assert_eq!(x.body["errors"][0]["field"], field, "{body}");
    }
    let x = post(&svc, &path, &json!({})).await;
    assert_problem(&x, 422, "no url");
    assert_eq!(table_counts(&svc.db).await, before);

    let made = add_endpoint(&svc, a, "https://erp.example.com/hooks", &["claim.created"]).await;
    let id = made["id"].as_str().unwrap().to_owned();
    let listed = get(&svc, &path).await;
    assert_eq!(listed.status, 200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["url"], "https://erp.example.com/hooks");
    assert_eq!(items[0]["event_types"], json!(["claim.created"]));
    assert_eq!(items[0]["description"], "ERP");
    assert_eq!(items[0]["status"], "active");
    assert!(items[0].get("secret").is_none());
    // The secret is kept to sign with, and shown only in the creation's answer.
    let stored = count(
        &svc.db,
        "SELECT count(*) FROM webhook_endpoints WHERE id = $1::uuid AND secret = $2",
        vec![id.clone().into(), made["secret"].as_str().unwrap().into()],
    )
    .await;
    assert_eq!(stored, 1);

    // B's key on A's routes, and A's endpoint under B: 404, nothing changes.
    let before = table_counts(&svc.db).await;
    use reqwest::Method;
    for (method, p, body, key) in [
        (Method::GET, path.clone(), Value::Null, &b_key),
        (
            Method::POST,
            path.clone(),
            json!({"url": "https://evil.example.com/"}),
            &b_key,
        ),
        (Method::DELETE, format!("{path}/{id}"), Value::Null, &b_key),
        (
            Method::GET,
            format!("{path}/{id}/deliveries"),
            Value::Null,
            &b_key,
        ),
        (
            Method::GET,
            format!("/api/manufacturers/{b}/webhooks/{id}/deliveries"),
            Value::Null,
            &b_key,
        ),
        (
            Method::DELETE,
            format!("/api/manufacturers/{b}/webhooks/{id}"),
            Value::Null,
            &b_key,
        ),
    ] {
        let x = call_as(&svc, &method, &p, &body, Some(key)).await;
        assert_problem(&x, 404, &format!("{method} {p}"));
    }
    let theirs = call_as(
        &svc,
        &Method::GET,
        &format!("/api/manufacturers/{b}/webhooks"),
        &Value::Null,
        Some(&b_key),
    )
    .await;
    assert_eq!(theirs.body["items"], json!([]));
    assert_eq!(table_counts(&svc.db).await, before);

    // Deleted: gone from the list; again, or unknown: 404.
    let del = call_as(
        &svc,
        &Method::DELETE,
        &format!("{path}/{id}"),
        &Value::Null,
        Some(&a_key),
    )
    .await;
    assert_eq!(del.status, 204);
    assert_eq!(get(&svc, &path).await.body["items"], json!([]));
    for p in [format!("{path}/{id}"), format!("{path}/{}", Uuid::now_v7())] {
        let x = call_as(&svc, &Method::DELETE, &p, &Value::Null, Some(&a_key)).await;
        assert_problem(&x, 404, &p);
    }
    // Its history stays readable; an unknown endpoint has none.
    let history = call_as(
        &svc,
        &Method::GET,
        &format!("{path}/{id}/deliveries"),
        &Value::Null,
        Some(&a_key),
    )
    .await;
    assert_eq!(history.status, 200, "{}", history.body);
    let x = call_as(
        &svc,
        &Method::GET,
        &format!("{path}/{}/deliveries", Uuid::now_v7()),
        &Value::Null,
        Some(&a_key),
    )
    .await;
    assert_problem(&x, 404, "deliveries of an unknown endpoint");
    // A deleted endpoint gets nothing.
    let retailer = Uuid::now_v7();
    create_agreement(&svc, a, retailer).await;
    arrive(&svc, a, &[claim(a, retailer, 60)]).await;
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM webhook_deliveries", vec![]).await,
        0
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_side_by_side_send_each_delivery_once() {
    let svc = start().await;
    let rx = Receiver::start().await;
    let mid = create_manufacturer(&svc, "Waschwerk AG").await;
    add_endpoint(&svc, mid, &rx.url("/many"), &[]).await;
    for i in 0..40 {
        manufacturer::webhooks::enqueue(&svc.db, mid, "claim.updated", json!({ "n": i }))
            .await
            .unwrap();
    }
    // Two more workers beside the service's own, all at once until nothing is due.
    let client = delivery::client().unwrap();
    let settings = Settings {
        batch: 4,
        ..Settings::local()
    };
    let drain = || async {
        while deliver_due(&svc.db, &client, Utc::now(), &settings)
            .await
            .unwrap()
            > 0
        {}
    };
    tokio::join!(drain(), drain());
    rx.wait_for("/many", 40).await;
    eventually("all delivered", DEADLINE, || async {
        let n = count(
            &svc.db,
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 1",
            vec![],
        )
        .await;
        (n == 40).then_some(())
    })
    .await;
    assert_eq!(rx.got("/many").len(), 40, "each delivery sent once");
    let ids: std::collections::HashSet<String> = rx
        .got("/many")
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 40);
    assert_eq!(
        count(&svc.db, "SELECT count(*) FROM webhook_attempts", vec![]).await,
        40
    );
    rx.stop().await;
    svc.stop().await;
}
