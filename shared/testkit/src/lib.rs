//! Test support. Every test gets its own databases and its own broker prefix, so tests run in
//! parallel against the one local PostgreSQL and RabbitMQ without seeing each other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub mod browser;
pub mod process;
pub mod proxy;
pub mod service;

pub const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// Waits until `check` returns `Some`, polling every 50 ms; panics with `what` after `deadline`.
pub async fn eventually<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A short random id for names.
pub fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

/// A fresh empty database for one test. Names start with `kt_<unix seconds>_`, and creating one
/// drops test databases older than two hours (left behind by killed runs).
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create(label: &str) -> TestDb {
        let admin = Database::connect(ADMIN_URL)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432 (start it: see README)");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        drop_stale(&admin, now).await;
        let name = format!("kt_{now}_{}_{label}", unique());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap();
        let _ = admin.close().await;
        TestDb {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            name,
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url).await.unwrap()
    }

    pub async fn drop_db(self) {
        if let Ok(admin) = Database::connect(ADMIN_URL).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ))
                .await;
            let _ = admin.close().await;
        }
    }
}

async fn drop_stale(admin: &DatabaseConnection, now: u64) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'kt\\_%'",
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else {
            continue;
        };
        let created: Option<u64> = name.split('_').nth(1).and_then(|s| s.parse().ok());
        if created.is_some_and(|t| now.saturating_sub(t) > 2 * 3600) {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// A broker prefix of its own for one test (`t<random>`), with clean-up of what it declared.
pub struct TestBroker {
    pub prefix: String,
}

impl Default for TestBroker {
    fn default() -> Self {
        Self::new()
    }
}

impl TestBroker {
    pub fn new() -> Self {
        Self {
            prefix: format!("t{}", unique()),
        }
    }

    pub async fn channel(&self) -> (lapin::Connection, lapin::Channel) {
        let conn = lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default())
            .await
            .expect("RabbitMQ at 127.0.0.1:5672 (start it: see README)");
        let ch = conn.create_channel().await.unwrap();
        (conn, ch)
    }

    /// Number of messages ready in `queue` (full name).
    pub async fn depth(&self, queue: &str) -> u32 {
        let (conn, ch) = self.channel().await;
        let opts = lapin::options::QueueDeclareOptions {
            passive: true,
            durable: true,
            ..Default::default()
        };
        let n = match ch
            .queue_declare(queue.into(), opts, lapin::types::FieldTable::default())
            .await
        {
            Ok(q) => q.message_count(),
            Err(_) => 0,
        };
        let _ = conn.close(200, "done".into()).await;
        n
    }

    /// Deletes the queues and exchanges a test declared under its prefix (names from
    /// `queues` and `exchanges`).
    pub async fn cleanup(&self, queues: &[String], exchanges: &[String]) {
        let Ok(conn) =
            lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default()).await
        else {
            return;
        };
        for q in queues {
            if let Ok(ch) = conn.create_channel().await {
                let _ = ch
                    .queue_delete(
                        q.as_str().into(),
                        lapin::options::QueueDeleteOptions::default(),
                    )
                    .await;
            }
        }
        for e in exchanges {
            if let Ok(ch) = conn.create_channel().await {
                let _ = ch
                    .exchange_delete(
                        e.as_str().into(),
                        lapin::options::ExchangeDeleteOptions::default(),
                    )
                    .await;
            }
        }
        let _ = conn.close(200, "done".into()).await;
    }
}

/// A TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until `GET url` answers 200.
pub async fn wait_ready(client: &reqwest::Client, url: &str, deadline: Duration) {
    eventually(&format!("{url} to answer 200"), deadline, || async {
        match client.get(url).send().await {
            Ok(r) if r.status().is_success() => Some(()),
            _ => None,
        }
    })
    .await
}
