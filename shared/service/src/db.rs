//! Database connection and migrations.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;
use tokio_util::sync::CancellationToken;

use kummerer_messaging::broker::Backoff;

fn options(url: &str) -> ConnectOptions {
    let mut opt = ConnectOptions::new(url.to_owned());
    opt.max_connections(16)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    opt
}

/// Connects, retrying with backoff while the database is not reachable yet.
pub async fn connect_with_retry(
    url: &str,
    cancel: &CancellationToken,
) -> Option<DatabaseConnection> {
    let mut backoff = Backoff::default();
    loop {
        match Database::connect(options(url)).await {
            Ok(db) => return Some(db),
            Err(error) => {
                let delay = backoff.next_delay();
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "database unreachable");
                tokio::select! {
                    _ = cancel.cancelled() => return None,
                    _ = tokio::time::sleep(delay) => {}
                }
            }
        }
    }
}

/// Applies pending migrations under an advisory lock, so that replicas starting together
/// migrate once.
pub async fn migrate<M: MigratorTrait>(db: &DatabaseConnection) -> Result<(), DbErr> {
    // One dedicated connection holds the session-level lock for the whole migration.
    const LOCK: i64 = 0x6b75_6d6d_6572_6572; // "kummerer"
    let conn = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut conn = conn;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK)
        .execute(&mut *conn)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let result = M::up(db, None).await;
    let _ = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK)
        .execute(&mut *conn)
        .await;
    result
}

pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}
