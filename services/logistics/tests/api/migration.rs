//! The region grants' migration keeps existing data working: every carrier is granted the
//! prefixes its crews covered before the upgrade.

use kummerer_testkit::TestDb;
use logistics_migration::MigratorTrait;

use crate::support::*;

async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_carriers_are_granted_the_prefixes_their_crews_cover() {
    let test_db = TestDb::create("logistics_regions_migration").await;
    let db = test_db.connect().await;
    // Everything before the grants (the outbox and inbox, then six of the service's own).
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261202_000008_carrier_regions")
        .unwrap();
    Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    let (a, b, idle) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, name) in [(a, "A"), (b, "B"), (idle, "Idle")] {
        exec(
            &db,
            "INSERT INTO carriers (id, name, created_at) VALUES ($1, $2, now())",
            vec![id.into(), name.into()],
        )
        .await;
    }
    for (carrier, name, prefixes, active) in [
        (a, "A1", "10,101", true),
        (a, "A2", "SW1A,10", true),
        (b, "B off", "20", false),
    ] {
        exec(
            &db,
            "INSERT INTO crews (id, carrier_id, name, home_postcode_prefixes, visits_per_day, \
             active, created_at) VALUES ($1, $2, $3, string_to_array($4, ','), 5, $5, now())",
            vec![
                Uuid::now_v7().into(),
                carrier.into(),
                name.into(),
                prefixes.into(),
                active.into(),
            ],
        )
        .await;
    }
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(granted_regions(&db, a).await, ["10", "101", "SW1A"]);
    assert_eq!(granted_regions(&db, b).await, ["20"]);
    assert!(granted_regions(&db, idle).await.is_empty());
    drop(db);
    test_db.drop_db().await;
}
