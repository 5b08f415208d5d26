//! The shared pieces of personal data by rule (issue 18) against the real PostgreSQL: the
//! trigger both services' migrations install ([`scrub_under_erased_sql`]) stores a row that
//! arrives under an erased parent without the recipient's name or a note, and leaves every other
//! row as written; [`first`] reads one value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kummerer_messaging::migration::scrub_under_erased_sql;
use kummerer_messaging::personal::first;
use kummerer_testkit::TestDb;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn a_row_under_an_erased_parent_is_stored_without_the_person() {
    let test_db = TestDb::create("personal").await;
    let db = test_db.connect().await;
    db.execute_unprepared(
        "CREATE TABLE cases (id uuid PRIMARY KEY, erased_at timestamptz); \
         CREATE TABLE timeline (id uuid PRIMARY KEY, case_id uuid NOT NULL REFERENCES cases, \
             details jsonb NOT NULL);",
    )
    .await
    .unwrap();
    db.execute_unprepared(&scrub_under_erased_sql(
        "timeline_of_erased_case",
        "timeline",
        "cases",
        "case_id",
    ))
    .await
    .unwrap();
    let (erased, kept) = (Uuid::now_v7(), Uuid::now_v7());
    db.execute_unprepared(&format!(
        "INSERT INTO cases VALUES ('{erased}', now()), ('{kept}', NULL)"
    ))
    .await
    .unwrap();
    let details = json!({"recipient_name": "Erika Mustermann", "note": "Ring twice, Erika",
                         "serial": "SN-1", "step": 3});
    let mut stored = Vec::new();
    for case in [erased, kept] {
        let id = Uuid::now_v7();
        db.execute_unprepared(&format!(
            "INSERT INTO timeline VALUES ('{id}', '{case}', '{details}')"
        ))
        .await
        .unwrap();
        let sql = "SELECT details FROM timeline WHERE id = $1";
        let row: Option<Value> = first(&db, sql, vec![id.into()]).await.unwrap();
        stored.push(row.unwrap());
    }
    assert_eq!(
        stored[0],
        json!({"recipient_name": "[erased]", "note": "[erased]", "serial": "SN-1", "step": 3})
    );
    assert_eq!(stored[1], details);
    // A note that is no text (e.g. absent or a number) is left as it is.
    let id = Uuid::now_v7();
    db.execute_unprepared(&format!(
        "INSERT INTO timeline VALUES ('{id}', '{erased}', '{{\"note\": 7}}')"
    ))
    .await
    .unwrap();
    let row: Option<Value> = first(
        &db,
        "SELECT details FROM timeline WHERE id = $1",
        vec![id.into()],
    )
    .await
    .unwrap();
    assert_eq!(row, Some(json!({"note": 7})));
    let none: Option<Value> = first(
        &db,
        "SELECT details FROM timeline WHERE id = $1",
        vec![Uuid::now_v7().into()],
    )
    .await
    .unwrap();
    assert_eq!(none, None);
    db.close().await.unwrap();
    test_db.drop_db().await;
}
