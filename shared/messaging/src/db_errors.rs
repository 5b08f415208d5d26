//! How a database error is classified: text the database can never store (a permanent failure
//! of the message that carries it), or a database that is away (heals by itself: retry later,
//! and answer HTTP callers 503).

use sea_orm::DbErr;

/// Whether the database refused a text it cannot store (SQLSTATE 22021
/// `character_not_in_repertoire`, e.g. a NUL character, or 22P05 `untranslatable_character`).
pub fn unstorable_text(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let runtime = match e {
        DbErr::Query(r) | DbErr::Exec(r) | DbErr::Conn(r) => r,
        _ => return false,
    };
    match runtime {
        RuntimeErr::SqlxError(err) => match err.as_ref() {
            sqlx::Error::Database(db) => {
                matches!(db.code().as_deref(), Some("22021") | Some("22P05"))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether the database is away rather than the statement wrong: the pool timed out or was
/// closed, the connection was refused, reset or lost, or the server is shutting down or starting
/// (SQLSTATE class 08, 57P01–57P03, 53300), or a new connection could not be established. Such a failure heals by itself: retry later.
pub fn database_unavailable(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let runtime = match e {
        // Establishing a connection failed, whatever the reason the driver gives (refused,
        // reset, or a peer that answers the TLS/startup exchange with garbage while it goes
        // down): the database is not reachable, not the statement wrong.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Query(r) | DbErr::Exec(r) => r,
        _ => return false,
    };
    match runtime {
        RuntimeErr::SqlxError(err) => match err.as_ref() {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
            }),
            _ => false,
        },
        _ => false,
    }
}
