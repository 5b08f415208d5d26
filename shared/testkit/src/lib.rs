//! Test support. Every test gets its own databases and its own broker prefix, so tests run in
//! parallel against the one local PostgreSQL and RabbitMQ without seeing each other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub mod browser;
pub mod forms;
pub mod http;
pub mod keys;
pub mod notify;
pub mod openapi;
pub mod process;
pub mod proxy;
pub mod rabbit;
pub mod service;
pub mod sql;

pub const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
pub const AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// How long one step of a test's set-up or teardown may take: a connect, a `CREATE DATABASE`, a
/// queue delete, a channel or connection close, a pool close. Each takes milliseconds on an idle
/// machine and seconds on a loaded one; a step that takes longer has hung.
pub const STEP_LIMIT: Duration = Duration::from_secs(30);

/// How long `DROP DATABASE … WITH (FORCE)` may take (it terminates the database's sessions and
/// waits for a checkpoint, slow on a loaded machine).
pub const DROP_LIMIT: Duration = Duration::from_secs(60);

/// Awaits `fut`, one step of a test's set-up or teardown; panics naming the step when it has
/// not finished within `limit`, so a hung step fails its test at once instead of waiting for
/// nextest's slow-timeout (or forever).
pub async fn step<T>(
    what: impl std::fmt::Display,
    limit: Duration,
    fut: impl Future<Output = T>,
) -> T {
    match tokio::time::timeout(limit, fut).await {
        Ok(value) => value,
        Err(_) => panic!("test harness step hung: {what} did not finish within {limit:?}"),
    }
}

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
        let admin = step(
            "connecting to PostgreSQL (admin)",
            STEP_LIMIT,
            Database::connect(ADMIN_URL),
        )
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 (start it: see README)");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        step(
            "dropping stale test databases",
            DROP_LIMIT,
            drop_stale(&admin, now),
        )
        .await;
        let name = format!("kt_{now}_{}_{label}", unique());
        step(
            format_args!("CREATE DATABASE {name}"),
            STEP_LIMIT,
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")),
        )
        .await
        .unwrap();
        let _ = step("closing the admin connection", STEP_LIMIT, admin.close()).await;
        TestDb {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            name,
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        step(
            format_args!("connecting to database {}", self.name),
            STEP_LIMIT,
            Database::connect(&self.url),
        )
        .await
        .unwrap()
    }

    /// Drops the database, ending its sessions. A failure is ignored (a database left behind is
    /// dropped by a later run); a step that hangs panics.
    pub async fn drop_db(self) {
        let admin = step(
            "connecting to PostgreSQL (admin) to drop a test database",
            STEP_LIMIT,
            Database::connect(ADMIN_URL),
        )
        .await;
        if let Ok(admin) = admin {
            let _ = step(
                format_args!("DROP DATABASE {} WITH (FORCE)", self.name),
                DROP_LIMIT,
                admin.execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                )),
            )
            .await;
            let _ = step("closing the admin connection", STEP_LIMIT, admin.close()).await;
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

    /// A connection and a channel; every step bounded by [`STEP_LIMIT`].
    pub async fn channel(&self) -> (lapin::Connection, lapin::Channel) {
        let conn = connect_broker().await;
        let ch = step(
            "opening a RabbitMQ channel",
            STEP_LIMIT,
            conn.create_channel(),
        )
        .await
        .unwrap();
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
        let n = match step(
            format_args!("declaring queue {queue} passively"),
            STEP_LIMIT,
            ch.queue_declare(queue.into(), opts, lapin::types::FieldTable::default()),
        )
        .await
        {
            Ok(q) => q.message_count(),
            Err(_) => 0,
        };
        close_broker(conn, Some(ch)).await;
        n
    }

    /// Deletes the queues and exchanges a test declared under its prefix (names from
    /// `queues` and `exchanges`); names that do not exist are fine.
    ///
    /// One channel, held until the connection is closed. (It used to open a channel per name and
    /// drop it: each dropped channel queues an automatic `channel.close` in lapin, and closing
    /// the connection at once raced them — the late ones failed with "invalid channel state:
    /// Closing (channel.close)", which lapin reports as a connection error.)
    pub async fn cleanup(&self, queues: &[String], exchanges: &[String]) {
        let Ok(conn) = step(
            "connecting to RabbitMQ for the clean-up",
            STEP_LIMIT,
            lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default()),
        )
        .await
        else {
            return;
        };
        let mut channel: Option<lapin::Channel> = None;
        for (kind, name) in queues
            .iter()
            .map(|q| ("queue", q))
            .chain(exchanges.iter().map(|e| ("exchange", e)))
        {
            // A failed delete closes its channel (server side): open another for the next.
            let ch = match channel.take() {
                Some(ch) if ch.status().connected() => ch,
                _ => {
                    match step(
                        "opening a RabbitMQ channel for the clean-up",
                        STEP_LIMIT,
                        conn.create_channel(),
                    )
                    .await
                    {
                        Ok(ch) => ch,
                        Err(_) => break,
                    }
                }
            };
            let what = format!("deleting {kind} {name}");
            let _ = if kind == "queue" {
                step(
                    what,
                    STEP_LIMIT,
                    ch.queue_delete(
                        name.as_str().into(),
                        lapin::options::QueueDeleteOptions::default(),
                    ),
                )
                .await
                .map(|_| ())
            } else {
                step(
                    what,
                    STEP_LIMIT,
                    ch.exchange_delete(
                        name.as_str().into(),
                        lapin::options::ExchangeDeleteOptions::default(),
                    ),
                )
                .await
            };
            channel = Some(ch);
        }
        close_broker(conn, channel).await;
    }
}

/// Connects to the test broker; panics when it is absent or the connect hangs.
pub async fn connect_broker() -> lapin::Connection {
    step(
        "connecting to RabbitMQ",
        STEP_LIMIT,
        lapin::Connection::connect(AMQP_URL, lapin::ConnectionProperties::default()),
    )
    .await
    .expect("RabbitMQ at 127.0.0.1:5672 (start it: see README)")
}

/// Closes the connection while `channel` is still held, then drops the channel: closing the
/// connection marks its channels Closing at once, so the dropped channel queues no automatic
/// `channel.close` to race the connection's close (the broker closes the channels with the
/// connection). Bounded by [`STEP_LIMIT`]; errors are ignored (the connection may be gone).
pub async fn close_broker(conn: lapin::Connection, channel: Option<lapin::Channel>) {
    if conn.status().connected() {
        let _ = step(
            "closing a RabbitMQ connection",
            STEP_LIMIT,
            conn.close(200, "done".into()),
        )
        .await;
    }
    drop(channel);
}

/// A TCP port that was free a moment ago.
///
/// A port asked of the kernel (`bind` to port 0) is free only until it is dropped: another test
/// process asking at the same time may get the same one, and the kernel also hands ports of its
/// ephemeral range to outgoing connections. Either way a service then either cannot listen or,
/// worse, the test talks to another test's service. So the port is taken below the ephemeral
/// range ([`PORTS`]) and reserved for the whole test process with a lock file
/// (`$TMPDIR/kummerer-test-ports/<port>.lock`, `flock`): every test process on this machine
/// skips a port another one holds, and the lock goes with the process, however it ends.
pub fn free_port() -> u16 {
    use std::sync::Mutex;
    static HELD: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join("kummerer-test-ports");
    std::fs::create_dir_all(&dir).unwrap();
    let span = u32::from(PORTS.end - PORTS.start);
    for _ in 0..1000 {
        let random = u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().unwrap());
        let port = PORTS.start + u16::try_from(random % span).unwrap();
        let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{port}.lock")))
        else {
            continue;
        };
        if file.try_lock().is_err() {
            continue;
        }
        // Held by nobody else in the tests; is anything else on the machine listening there?
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        HELD.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        return port;
    }
    panic!("no free port in {PORTS:?} after 1000 tries");
}

/// Where [`free_port`] takes ports from: below Linux's ephemeral range (32768–60999 by default),
/// so no outgoing connection holds one, and clear of the well-known ports under 20000.
pub const PORTS: std::ops::Range<u16> = 20_000..32_000;

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
