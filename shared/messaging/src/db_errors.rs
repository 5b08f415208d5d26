//! How a database error is classified: text the database can never store (a permanent failure
//! of the message that carries it), or a database that is away (heals by itself: retry later,
//! and answer HTTP callers 503).

use sea_orm::DbErr;

/// Whether the database refused a text it cannot store (SQLSTATE 22021
/// `character_not_in_repertoire`, e.g. a NUL character, or 22P05 `untranslatable_character`).
pub fn unstorable_text(e: &DbErr) -> bool {
    matches!(sqlstate(e).as_deref(), Some("22021") | Some("22P05"))
}

/// The SQLSTATE of a statement the database refused (not of a connection failure).
fn sqlstate(e: &DbErr) -> Option<String> {
    use sea_orm::{RuntimeErr, sqlx};
    match e {
        DbErr::Query(RuntimeErr::SqlxError(err))
        | DbErr::Exec(RuntimeErr::SqlxError(err))
        | DbErr::Conn(RuntimeErr::SqlxError(err)) => match err.as_ref() {
            sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
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

/// What a handler's contention failure is reported as (the transaction was rolled back; the
/// batch is applied again at once).
pub(crate) const CONTENDED: &str = "a deadlock or serialization failure; applied again";

/// Whether two transactions side by side got in each other's way: a deadlock (SQLSTATE 40P01)
/// or a serialization failure (40001). The loser was rolled back; applying it again at once
/// succeeds (the winner holds no lock any more, or the lock is simply waited for).
pub fn contention(e: &DbErr) -> bool {
    match e {
        DbErr::Custom(text) => text == CONTENDED,
        _ => matches!(sqlstate(e).as_deref(), Some("40P01") | Some("40001")),
    }
}
