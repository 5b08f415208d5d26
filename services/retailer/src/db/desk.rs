//! Queries of the staff desk: accounts, sessions, the search for a sold unit.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Statement, TransactionTrait,
};
use uuid::Uuid;

use super::{cases, insert_new, sales, sessions, staff};
use crate::domain::phone;

/// `false` when the e-mail is taken.
pub async fn insert_staff<C: ConnectionTrait>(db: &C, row: staff::Model) -> Result<bool, DbErr> {
    let row: staff::ActiveModel = row.into();
    insert_new(db, sea_orm::ActiveModelTrait::reset_all(row)).await
}

/// The account with this (lower-case) e-mail, locked until the caller's transaction ends, so
/// that concurrent sign-ins count every failure. A disabled account is as unknown as none.
pub async fn lock_staff_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find()
        .filter(staff::Column::Email.eq(email))
        .filter(staff::Column::DisabledAt.is_null())
        .lock_exclusive()
        .one(db)
        .await
}

/// The active account with this (lower-case) e-mail, read without a lock.
pub async fn staff_by_email<C: ConnectionTrait>(
    db: &C,
    email: &str,
) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find()
        .filter(staff::Column::Email.eq(email))
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await
}

pub async fn set_failures<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    failed_attempts: i32,
    locked_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::FailedAttempts, Expr::value(failed_attempts))
        .col_expr(staff::Column::LockedUntil, Expr::value(locked_until))
        .filter(staff::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores a new desk session of `staff`.
pub async fn insert_session<C: ConnectionTrait>(
    db: &C,
    staff: &staff::Model,
    s: kummerer_web::signin::NewSession,
) -> Result<(), DbErr> {
    let row: sessions::ActiveModel = sessions::Model {
        id: s.id,
        staff_id: staff.id,
        retailer_id: staff.retailer_id,
        csrf_token: s.csrf,
        created_at: s.created_at,
        expires_at: s.expires_at,
    }
    .into();
    sessions::Entity::insert(sea_orm::ActiveModelTrait::reset_all(row))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The unexpired session with this token hash and its staff member.
pub async fn live_session<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(sessions::Model, staff::Model)>, DbErr> {
    let Some(session) = sessions::Entity::find_by_id(id.to_owned())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let member = staff::Entity::find_by_id(session.staff_id)
        .filter(staff::Column::RetailerId.eq(session.retailer_id))
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    Ok(member.map(|m| (session, m)))
}

/// Disables (`Some(at)`) or enables (`None`) an account; disabling ends its sessions.
pub async fn set_disabled<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::DisabledAt, Expr::value(at))
        .filter(staff::Column::Id.eq(id))
        .filter(staff::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    if at.is_some() {
        sessions::Entity::delete_many()
            .filter(sessions::Column::StaffId.eq(id))
            .filter(sessions::Column::RetailerId.eq(retailer_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn set_role_and_store<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
    role: crate::domain::Role,
    store_id: Option<Uuid>,
) -> Result<(), DbErr> {
    staff::Entity::update_many()
        .col_expr(staff::Column::Role, Expr::value(role.as_string()))
        .col_expr(staff::Column::StoreId, Expr::value(store_id))
        .filter(staff::Column::Id.eq(id))
        .filter(staff::Column::RetailerId.eq(retailer_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the sessions that have expired (the periodic sweep); how many.
pub async fn purge_expired_sessions<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let done = sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

pub async fn delete_session<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    sessions::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// `%`, `_` and `\` taken literally in a `LIKE` pattern.
fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// `q` as a PostgreSQL regular expression matching it literally at the start of a word.
fn word_start(q: &str) -> String {
    let mut re = String::from("\\m");
    for c in q.chars() {
        if !c.is_alphanumeric() {
            re.push('\\');
        }
        re.push(c);
    }
    re
}

/// The country a retailer's staff type phone numbers in (the region of a number typed without
/// its country code).
pub async fn retailer_country<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
) -> Result<String, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT country FROM retailers WHERE id = $1",
            [retailer_id.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "country")?,
        None => "DE".to_owned(),
    })
}

/// Fewest digits of a search term read as (the start of) a phone number.
const PHONE_DIGITS_MIN: usize = 4;

/// A retailer's sales matching the desk's one search box, at most `limit`. A whole receipt
/// number or serial typed (in any case) finds exactly those sales. Otherwise, latest sale
/// first: part of a serial, in any case; the start of any word of the customer's name, in any
/// case ("Mustermann" finds "Erika Mustermann"; only for a term without digits); the start of
/// the customer's phone number in any national or international format (both sides in E.164, a
/// number without country code read in the retailer's country). Only the retailer's own sales.
/// Every branch has its index (`m20261204_000070_counter_search`).
pub async fn search_sales<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    retailer_id: Uuid,
    q: &str,
    limit: u64,
) -> Result<Vec<sales::Model>, DbErr> {
    let exact = sales::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            r"SELECT * FROM sales
            WHERE retailer_id = $1 AND (lower(receipt_no) = lower($2) OR lower(serial) = lower($2))
            ORDER BY sold_at DESC, id DESC
            LIMIT $3",
            [retailer_id.into(), q.into(), (limit as i64).into()],
        ))
        .all(db)
        .await?;
    if !exact.is_empty() {
        return Ok(exact);
    }
    let country = retailer_country(db, retailer_id).await?;
    let mut values: Vec<sea_orm::Value> = vec![retailer_id.into(), (limit as i64).into()];
    let mut branches = Vec::new();
    // Part of a serial (serials have no spaces: "Erika Mustermann" or "030 555" are no serial).
    if !q.contains(char::is_whitespace) {
        values.push(format!("%{}%", like_literal(q)).into());
        branches.push(format!("serial ILIKE ${}", values.len()));
    }
    if !q.chars().any(|c| c.is_ascii_digit()) {
        values.push(word_start(q).into());
        let mut name = vec![format!("customer_name ~* ${}", values.len())];
        // A whole name ("Lena Neumann"): each word at a word start too. It matches nothing
        // more (the phrase implies its words), but the planner multiplies the words'
        // selectivities, so it reads the few matches by the name's trigram index and sorts
        // them, instead of walking the retailer's latest sales for the phrase it over-estimates
        // (p99 179 ms → a few ms at 100,000 sales, the desk-pages bench).
        let words: Vec<&str> = q.split_whitespace().collect();
        if words.len() > 1 {
            for w in words {
                values.push(word_start(w).into());
                name.push(format!("customer_name ~* ${}", values.len()));
            }
        }
        branches.push(format!("({})", name.join(" AND ")));
    }
    if let Some(prefix) = phone::e164_prefix(q, &country, PHONE_DIGITS_MIN) {
        // E.164 is `+` and digits: `:` sorts right after `9` ("C" collation).
        values.push(format!("{prefix}:").into());
        values.push(prefix.into());
        let (hi, lo) = (values.len() - 1, values.len());
        branches.push(format!(
            "(customer_phone_e164 >= ${lo} AND customer_phone_e164 < ${hi})"
        ));
    }
    if branches.is_empty() {
        // Digits and spaces, not a phone number: nothing can match.
        return Ok(Vec::new());
    }
    let sql = format!(
        r"SELECT * FROM sales
        WHERE retailer_id = $1 AND ({})
        ORDER BY sold_at DESC, id DESC
        LIMIT $2",
        branches.join(" OR ")
    );
    // Planned for these values every time: a generic plan (the prepared statement's, after a
    // few executions) cannot tell a rare term from a common one and walks the whole retailer.
    let txn = db.begin().await?;
    ConnectionTrait::execute_unprepared(&txn, "SET LOCAL plan_cache_mode = force_custom_plan")
        .await?;
    let found = sales::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .all(&txn)
        .await?;
    sea_orm::TransactionSession::commit(txn).await?;
    Ok(found)
}

pub async fn find_sale<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    id: Uuid,
) -> Result<Option<sales::Model>, DbErr> {
    sales::Entity::find_by_id(id)
        .filter(sales::Column::RetailerId.eq(retailer_id))
        .one(db)
        .await
}

/// The case in progress (not closed, not refused) on a sale, if any.
pub async fn active_case_of_sale<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    sale_id: Uuid,
) -> Result<Option<cases::Model>, DbErr> {
    cases::Entity::find()
        .filter(cases::Column::RetailerId.eq(retailer_id))
        .filter(cases::Column::SaleId.eq(sale_id))
        .filter(cases::Column::Status.is_not_in(["closed", "refused"]))
        .one(db)
        .await
}

/// The unit's earlier cases, newest first: every case on any of the retailer's sales of
/// `serial` (a unit resold is the same unit), at most `limit`.
pub async fn cases_of_unit<C: ConnectionTrait>(
    db: &C,
    retailer_id: Uuid,
    serial: &str,
    limit: u64,
) -> Result<Vec<cases::Model>, DbErr> {
    let sql = r"SELECT c.* FROM cases c JOIN sales s ON s.id = c.sale_id
        WHERE s.retailer_id = $1 AND s.serial = $2 AND c.retailer_id = $1
        ORDER BY c.opened_at DESC, c.id DESC
        LIMIT $3";
    cases::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [retailer_id.into(), serial.into(), (limit as i64).into()],
        ))
        .all(db)
        .await
}
