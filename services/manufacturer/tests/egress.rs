//! Webhook URLs cannot be turned inward: hostile URLs are refused at registration, and a send
//! to an internal address is a failed attempt that never reaches the listener. Against a real
//! PostgreSQL and RabbitMQ, with the service as production runs it (no allow-list).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeDelta, Utc};
use kummerer_testkit::service::{TEST_OPERATOR_TOKEN, TestService};
use manufacturer::webhooks::delivery::{self, Settings, deliver_due};
use manufacturer::{Migrator, SERVICE, build};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

async fn manufacturer(svc: &TestService) -> (Uuid, String) {
    let res = svc
        .client
        .post(svc.url("/api/manufacturers"))
        .bearer_auth(TEST_OPERATOR_TOKEN)
        .json(&json!({"name": "Waschwerk AG"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    (
        serde_json::from_value(body["id"].clone()).unwrap(),
        body["api_key"].as_str().unwrap().to_owned(),
    )
}

async fn register(svc: &TestService, mid: Uuid, key: &str, url: &str) -> (u16, Value) {
    let res = svc
        .client
        .post(svc.url(&format!("/api/manufacturers/{mid}/webhooks")))
        .bearer_auth(key)
        .json(&json!({"url": url}))
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// A listener on 127.0.0.1 that counts the connections it accepts.
async fn internal_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            use tokio::io::AsyncWriteExt;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
    });
    (port, hits)
}

async fn scalar(db: &DatabaseConnection, sql: &str, id: Uuid) -> Option<String> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        vec![id.into()],
    ))
    .await
    .unwrap()
    .and_then(|r| r.try_get_by_index::<Option<String>>(0).unwrap())
}

/// An endpoint written straight into the table (the API refuses such URLs).
async fn insert_endpoint(db: &DatabaseConnection, mid: Uuid, url: &str, description: &str) -> Uuid {
    let id = Uuid::now_v7();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO webhook_endpoints (id, manufacturer_id, url, event_types, \
         description, secret, consecutive_failures, created_at) \
         VALUES ($1, $2, $3, '[]'::jsonb, $4, 'whsec_AQIDBA==', 0, now())",
        vec![id.into(), mid.into(), url.into(), description.into()],
    ))
    .await
    .unwrap();
    id
}

/// The error of the endpoint's last attempt, which must be a refusal; no attempt has a status
/// code (nothing answered, so the deliveries listing cannot report an internal answer).
async fn refused_without_answer(db: &DatabaseConnection, id: Uuid, what: &str) -> String {
    let error = scalar(
        db,
        "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d \
         ON d.id = a.delivery_id WHERE d.endpoint_id = $1 \
         ORDER BY a.attempted_at DESC LIMIT 1",
        id,
    )
    .await
    .unwrap_or_else(|| panic!("{what}: no attempt recorded"));
    assert!(error.starts_with("refused: "), "{what}: {error}");
    let status = scalar(
        db,
        "SELECT a.status_code::text FROM webhook_attempts a JOIN webhook_deliveries d \
         ON d.id = a.delivery_id WHERE d.endpoint_id = $1 AND a.status_code IS NOT NULL \
         LIMIT 1",
        id,
    )
    .await;
    assert_eq!(status, None, "{what}: an attempt got an answer");
    error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_webhook_urls_are_refused_at_registration() {
    let svc = TestService::start::<Migrator>(SERVICE, build).await;
    let (mid, key) = manufacturer(&svc).await;
    let (port, hits) = internal_listener().await;
    let forbidden = [
        "http://127.0.0.1/".to_owned(),
        format!("http://127.0.0.1:{port}/hook"),
        "http://2130706433/".to_owned(),
        "http://0x7f000001/".to_owned(),
        "http://0x7f.0.0.1/".to_owned(),
        "http://0177.0.0.1/".to_owned(),
        "http://127.1/".to_owned(),
        "http://[::1]/".to_owned(),
        "http://[::ffff:127.0.0.1]/".to_owned(),
        "http://[::ffff:7f00:1]/".to_owned(),
        "http://[::127.0.0.1]/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::ffff:169.254.169.254]/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://172.16.0.1/".to_owned(),
        "https://192.168.1.1/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://[fc00::1]/".to_owned(),
        "http://[fd00:ec2::254]/".to_owned(),
        "http://[fe80::1]/".to_owned(),
        "http://0.0.0.0/".to_owned(),
        "http://0/".to_owned(),
        "http://[::]/".to_owned(),
        "http://224.0.0.1/".to_owned(),
        "http://255.255.255.255/".to_owned(),
        // A name that resolves to loopback, not allow-listed here.
        format!("http://localhost:{port}/hook"),
        "http://LOCALHOST./".to_owned(),
    ];
    for url in &forbidden {
        let (status, body) = register(&svc, mid, &key, url).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["code"], "webhook_url_forbidden", "{url}: {body}");
        assert_eq!(body["errors"][0]["field"], "url", "{url}: {body}");
    }
    // Malformed ones stay plain validation errors.
    for url in [
        "ftp://8.8.8.8/",
        "https://user:secret@hooks.example.com/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ] {
        let (status, body) = register(&svc, mid, &key, url).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(body["code"], "validation_failed", "{url}: {body}");
    }
    // A public address is accepted (nothing is sent to it here: no event is queued).
    let (status, body) = register(&svc, mid, &key, "https://93.184.216.34/hooks").await;
    assert_eq!(status, 201, "{body}");
    // A name that does not resolve (yet) reaches nothing: taken, and checked at every send.
    let (status, body) = register(&svc, mid, &key, "https://hooks.invalid/x").await;
    assert_eq!(status, 201, "{body}");
    let listed: Value = svc
        .client
        .get(svc.url(&format!("/api/manufacturers/{mid}/webhooks")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_never_reach_an_internal_listener() {
    let svc = TestService::start::<Migrator>(SERVICE, build).await;
    let (mid, _) = manufacturer(&svc).await;
    let (port, hits) = internal_listener().await;
    // Endpoints that point inward by the time of the send: allowed when they were made (an
    // allow-list since emptied), or a name that now resolves to loopback. Written directly:
    // the API refuses them.
    let mut endpoints = Vec::new();
    for url in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://2130706433:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/hook"),
    ] {
        let id = insert_endpoint(&svc.db, mid, &url, "").await;
        endpoints.push((id, url));
    }
    manufacturer::webhooks::enqueue(&svc.db, mid, "claim.created", json!({"claim_id": 1}))
        .await
        .unwrap();
    // The service's own worker (no allow-list) and one more, an hour later for the retries.
    let client = delivery::client().unwrap();
    let settings = Settings::default();
    let later = Utc::now() + TimeDelta::hours(1);
    for _ in 0..3 {
        deliver_due(&svc.db, &client, later, &settings)
            .await
            .unwrap();
    }
    for (id, url) in &endpoints {
        let error = refused_without_answer(&svc.db, *id, url).await;
        assert!(error.contains("loopback"), "{url}: {error}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the internal listener was reached"
    );

    // The same delivery with loopback allow-listed does reach it: the listener works.
    manufacturer::webhooks::enqueue(&svc.db, mid, "claim.created", json!({"claim_id": 2}))
        .await
        .unwrap();
    let local = Settings::local();
    deliver_due(&svc.db, &client, later + TimeDelta::days(1), &local)
        .await
        .unwrap();
    assert!(hits.load(Ordering::SeqCst) > 0);
    svc.stop().await;
}

/// The hostile webhook URLs, named: every encoding of loopback, the metadata address,
/// private, shared, link-local, unique-local and unspecified ranges, and a name that resolves
/// inward. `{port}` is the internal listener's.
const HOSTILE: [(&str, &str); 18] = [
    ("loopback", "http://127.0.0.1:{port}/hook"),
    (
        "loopback as one decimal number",
        "http://2130706433:{port}/hook",
    ),
    ("loopback in dotted hex", "http://0x7f.0.0.1:{port}/hook"),
    (
        "loopback as one hex number",
        "http://0x7f000001:{port}/hook",
    ),
    ("loopback in octal", "http://0177.0.0.1:{port}/hook"),
    ("loopback shortened", "http://127.1:{port}/hook"),
    ("IPv6 loopback", "http://[::1]:{port}/hook"),
    (
        "IPv4-mapped IPv6 loopback",
        "http://[::ffff:127.0.0.1]:{port}/hook",
    ),
    (
        "cloud metadata",
        "http://169.254.169.254:{port}/latest/meta-data/",
    ),
    (
        "IPv4-mapped metadata",
        "http://[::ffff:169.254.169.254]:{port}/",
    ),
    ("private 10/8", "http://10.0.0.1:{port}/hook"),
    ("private 172.16/12", "http://172.16.0.1:{port}/hook"),
    ("private 192.168/16", "https://192.168.1.1:{port}/hook"),
    (
        "IPv6 unique-local (metadata)",
        "http://[fd00:ec2::254]:{port}/",
    ),
    ("IPv6 link-local", "http://[fe80::1]:{port}/hook"),
    (
        "unspecified (reaches this host)",
        "http://0.0.0.0:{port}/hook",
    ),
    ("IPv6 unspecified", "http://[::]:{port}/hook"),
    (
        "a name resolving to loopback",
        "http://localhost:{port}/hook",
    ),
];

/// The 18 hostile URLs end to end: each is refused at registration (422
/// `webhook_url_forbidden`), and each, written straight into the table as if it had been let in
/// (an allow-list since emptied, a name that resolved elsewhere then), is refused at every send
/// before any connection: no attempt has a status code to report, the listener sees nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eighteen_hostile_webhook_urls_do_no_harm_end_to_end() {
    let svc = TestService::start::<Migrator>(SERVICE, build).await;
    let (mid, key) = manufacturer(&svc).await;
    let (port, hits) = internal_listener().await;
    let mut endpoints = Vec::new();
    for (name, url) in HOSTILE {
        let url = url.replace("{port}", &port.to_string());
        let (status, body) = register(&svc, mid, &key, &url).await;
        assert_eq!(status, 422, "{name} ({url}): {body}");
        assert_eq!(body["code"], "webhook_url_forbidden", "{name}: {body}");
        let id = insert_endpoint(&svc.db, mid, &url, name).await;
        endpoints.push((id, name, url));
    }
    manufacturer::webhooks::enqueue(&svc.db, mid, "claim.created", json!({"claim_id": 1}))
        .await
        .unwrap();
    let client = delivery::client().unwrap();
    let later = Utc::now() + TimeDelta::hours(1);
    for _ in 0..3 {
        deliver_due(&svc.db, &client, later, &Settings::default())
            .await
            .unwrap();
    }
    for (id, name, url) in &endpoints {
        refused_without_answer(&svc.db, *id, &format!("{name} ({url})")).await;
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the internal listener was reached"
    );
    svc.stop().await;
}

/// A `CONNECT` proxy on 127.0.0.1: records each request head's first line and its
/// `Proxy-Authorization`, and tunnels to the target — only ever to 127.0.0.1 (anything else is
/// refused with 403, so the test cannot reach beyond this machine).
async fn connect_proxy() -> (u16, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let first = head.lines().next().unwrap_or_default().to_owned();
                let auth = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .starts_with("proxy-authorization:")
                            .then(|| l["proxy-authorization:".len()..].trim().to_owned())
                    })
                    .unwrap_or_default();
                log.lock().unwrap().push(format!("{first} | {auth}"));
                let target = first.split(' ').nth(1).unwrap_or_default().to_owned();
                if !first.starts_with("CONNECT ") || !target.starts_with("127.0.0.1:") {
                    let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
                    return;
                }
                let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (port, seen)
}

/// A webhook receiver on 127.0.0.1 that reads each request whole before it answers 200, and
/// counts them.
async fn receiver() -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if s.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let length = String::from_utf8_lossy(&head)
                    .lines()
                    .find_map(|l| {
                        let l = l.to_ascii_lowercase();
                        l.strip_prefix("content-length:")
                            .and_then(|v| v.trim().parse::<usize>().ok())
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                if s.read_exact(&mut body).await.is_err() {
                    return;
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = s.shutdown().await;
            });
        }
    });
    (port, hits)
}

/// The status code of the endpoint's last attempt.
async fn last_status(db: &DatabaseConnection, id: Uuid) -> Option<String> {
    scalar(
        db,
        "SELECT a.status_code::text FROM webhook_attempts a JOIN webhook_deliveries d \
         ON d.id = a.delivery_id WHERE d.endpoint_id = $1 \
         ORDER BY a.attempted_at DESC LIMIT 1",
        id,
    )
    .await
}

/// With `HTTPS_PROXY`/`HTTP_PROXY` set, a delivery goes through the proxy as a `CONNECT`
/// tunnel (with the proxy's credentials); `NO_PROXY` sends a host direct; and the egress check
/// still runs first, on the receiver: a URL that points inward never reaches the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_go_through_the_proxy_and_the_egress_check_still_comes_first() {
    let svc = TestService::start::<Migrator>(SERVICE, build).await;
    let (mid, _) = manufacturer(&svc).await;
    let (port, hits) = receiver().await;
    let (proxy_port, proxied) = connect_proxy().await;
    let endpoint =
        insert_endpoint(&svc.db, mid, &format!("http://127.0.0.1:{port}/hook"), "").await;
    let proxy_url = format!("http://hook-user:s3cret@127.0.0.1:{proxy_port}");
    let proxy = delivery::Proxy::from_lookup(|k| match k {
        "HTTPS_PROXY" | "http_proxy" => Some(proxy_url.clone()),
        _ => None,
    });
    assert_eq!(proxy.http.as_deref(), Some(proxy_url.as_str()));
    assert_eq!(proxy.https.as_deref(), Some(proxy_url.as_str()));
    let settings = Settings {
        proxy: proxy.clone(),
        ..Settings::local()
    };
    let client = delivery::client_with(&settings.proxy).unwrap();
    let enqueue = |n: i32| {
        manufacturer::webhooks::enqueue(&svc.db, mid, "claim.created", json!({"claim_id": n}))
    };

    // Through the proxy: one CONNECT to the receiver, with the proxy's credentials.
    enqueue(1).await.unwrap();
    deliver_due(&svc.db, &client, Utc::now(), &settings)
        .await
        .unwrap();
    let error = scalar(
        &svc.db,
        "SELECT coalesce(a.error, '') FROM webhook_attempts a JOIN webhook_deliveries d \
         ON d.id = a.delivery_id WHERE d.endpoint_id = $1 \
         ORDER BY a.attempted_at DESC LIMIT 1",
        endpoint,
    )
    .await;
    assert_eq!(
        last_status(&svc.db, endpoint).await.as_deref(),
        Some("200"),
        "{error:?} {:?}",
        proxied.lock().unwrap()
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        proxied.lock().unwrap().clone(),
        vec![format!(
            "CONNECT 127.0.0.1:{port} HTTP/1.1 | Basic aG9vay11c2VyOnMzY3JldA=="
        )]
    );

    // NO_PROXY: the same receiver direct, the proxy not asked.
    let direct = Settings {
        proxy: delivery::Proxy {
            no: "127.0.0.1".to_owned(),
            ..proxy.clone()
        },
        ..Settings::local()
    };
    let direct_client = delivery::client_with(&direct.proxy).unwrap();
    enqueue(2).await.unwrap();
    deliver_due(&svc.db, &direct_client, Utc::now(), &direct)
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(
        proxied.lock().unwrap().len(),
        1,
        "NO_PROXY went through the proxy"
    );

    // Without the allow-list the receiver is inward: refused before the proxy is asked.
    let strict = Settings {
        proxy,
        ..Settings::default()
    };
    enqueue(3).await.unwrap();
    deliver_due(&svc.db, &client, Utc::now() + TimeDelta::hours(1), &strict)
        .await
        .unwrap();
    let error = scalar(
        &svc.db,
        "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d \
         ON d.id = a.delivery_id WHERE d.endpoint_id = $1 \
         ORDER BY a.attempted_at DESC LIMIT 1",
        endpoint,
    )
    .await
    .unwrap_or_default();
    assert!(error.starts_with("refused: "), "{error}");
    assert_eq!(
        proxied.lock().unwrap().len(),
        1,
        "an inward URL reached the proxy"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    svc.stop().await;
}
