//! Nobody waits forever for a manager: a clerk's request past its due time is escalated once
//! (the dashboard of every manager and admin lists it as overdue); past its expiry it ends
//! `expired`, the clerk's waiting page says so and the case is open again for a decision. The
//! sweep runs at a chosen instant, so the test moves time instead of sleeping.

use chrono::{Duration, Utc};
use retailer::app::request_deadlines::{Fired, fire};

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_nobody_decides_is_escalated_once_then_expires_and_the_case_is_open_again() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    let clerk = session_as(&svc, &desk.email).await;
    let anna = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let case_path = open_desk_case(&svc, &clerk.client, &clerk.csrf, desk.sale_id).await;
    let asked = Utc::now();
    let (status, location) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    let request_path = location.clone();
    // The clerk's waiting page says when it is due and when it expires (30 min, 8 h).
    let (_, html) = clerk.get(&svc, &request_path).await;
    assert!(
        html.contains("id=\"due\"") && html.contains("Due by"),
        "{html}"
    );
    let db = &svc.db;
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM approval_requests WHERE status = 'open' \
             AND due_at BETWEEN created_at + interval '29 minutes' \
                 AND created_at + interval '31 minutes' \
             AND expires_at BETWEEN created_at + interval '479 minutes' \
                 AND created_at + interval '481 minutes' AND escalated_at IS NULL",
            vec![]
        )
        .await,
        1
    );

    // Before its due time nothing happens; the dashboard lists nothing overdue.
    assert_eq!(
        fire(db, asked + Duration::minutes(29)).await.unwrap(),
        Fired::default()
    );
    let (_, html) = anna.get(&svc, "/desk/dashboard").await;
    assert!(!html.contains("overdue-requests"), "{html}");

    // Past it: escalated once, shown on every manager's and admin's dashboard.
    let due = asked + Duration::minutes(31);
    assert_eq!(
        fire(db, due).await.unwrap(),
        Fired {
            escalated: 1,
            expired: 0
        }
    );
    assert_eq!(
        fire(db, due + Duration::minutes(5)).await.unwrap(),
        Fired::default()
    );
    let admin = session_of(&svc, desk.retailer_id, "root@maier.example", "admin").await;
    for who in [&anna, &admin] {
        let (status, html) = who.get(&svc, "/desk/dashboard").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("id=\"overdue-requests\"") && html.contains(&request_path),
            "{html}"
        );
    }
    let (_, html) = clerk.get(&svc, &request_path).await;
    assert!(html.contains("Overdue since"), "{html}");
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM approval_requests WHERE status = 'open' AND escalated_at IS NOT NULL",
            vec![]
        )
        .await,
        1
    );

    // Past its expiry: expired, the clerk reads it, the case is open again.
    let expired = asked + Duration::hours(8) + Duration::minutes(1);
    assert_eq!(
        fire(db, expired).await.unwrap(),
        Fired {
            escalated: 0,
            expired: 1
        }
    );
    assert_eq!(fire(db, expired).await.unwrap(), Fired::default());
    let (_, html) = clerk.get(&svc, &request_path).await;
    assert!(
        html.contains("request expired") && !html.contains("http-equiv=\"refresh\""),
        "{html}"
    );
    let (_, html) = anna.get(&svc, "/desk/dashboard").await;
    assert!(!html.contains("overdue-requests"), "{html}");
    // A manager can no longer approve it.
    let before = desk_snapshot(db).await;
    let (status, _) = anna
        .post(&svc, &format!("{request_path}/approve"), &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(desk_snapshot(db).await, before);
    assert_eq!(count(db, "SELECT 1 FROM swaps", vec![]).await, 0);
    // The case is open for a decision again: the clerk may ask anew.
    let (_, html) = clerk.get(&svc, &case_path).await;
    assert!(!html.contains(&request_path), "{html}");
    let (status, location) = clerk
        .post_swap(
            &svc,
            &case_path,
            &[("replacement_sku", "WM-200"), ("action", "ask")],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    assert_ne!(location, request_path);
    assert_eq!(
        count(
            db,
            "SELECT 1 FROM approval_requests WHERE status = 'expired' AND decided_at IS NOT NULL",
            vec![]
        )
        .await,
        1
    );
    svc.stop().await;
}
