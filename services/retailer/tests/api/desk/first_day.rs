//! Sensible first-day defaults (issue 14): while the clerks' authority limit is not set, the
//! admin creating a clerk is asked for it (required, with a suggested value), so a new clerk's
//! limit is never silently 0.00; the clerk sees the limit on the swap form before pressing
//! Approve.

use super::setup::*;
use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_clerk_is_created_with_the_clerks_limit_and_the_clerk_sees_it() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    // A retailer whose clerks' limit was never set (`desk_shop` sets one).
    svc.db
        .execute_unprepared("DELETE FROM authority_limits WHERE role = 'clerk'")
        .await
        .unwrap();
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let clerk_limit = || {
        one_string(
            &svc.db,
            "SELECT coalesce(max(amount::text || ' ' || currency), 'none') FROM authority_limits \
             WHERE role = 'clerk' AND retailer_id = $1",
            vec![desk.retailer_id.into()],
        )
    };

    // The form asks, with a suggested value.
    let (status, html) = admin.get(&svc, "/desk/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="first-clerk-limit""#), "{html}");
    assert!(
        html.contains(
            r#"name="clerk_limit" id="clerk-limit" inputmode="decimal" value="300.00" required"#
        ),
        "{html}"
    );

    let clerk = |email: &str, role: &str, limit: &str| {
        vec![
            ("name", "Carl Clerk".to_owned()),
            ("email", email.to_owned()),
            ("role", role.to_owned()),
            ("store_id", String::new()),
            ("password", PASSWORD.to_owned()),
            ("clerk_limit", limit.to_owned()),
            ("clerk_limit_currency", "EUR".to_owned()),
        ]
    };
    // Without a limit, or with one that is no amount: nothing is created.
    let before = desk_snapshot(&svc.db).await;
    for (limit, message) in [
        ("", "the first clerk needs the clerks"),
        ("lots", "enter an amount like 549.00"),
    ] {
        let form = clerk("carl@maier.example", "clerk", limit);
        let (status, html) = admin.post_owned(&svc, "/desk/admin/staff", &form).await;
        assert_eq!(status, 422, "{limit}: {html}");
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains(r#"id="first-clerk-limit""#), "{html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(clerk_limit().await, "none");

    // A manager needs no clerks' limit.
    let form = clerk("mia@maier.example", "manager", "");
    assert_eq!(
        admin.post_owned(&svc, "/desk/admin/staff", &form).await.0,
        303
    );
    assert_eq!(clerk_limit().await, "none");

    // The first clerk with the limit typed the German way.
    let form = clerk("carl@maier.example", "clerk", "450,00");
    let (status, location) = admin.post_owned(&svc, "/desk/admin/staff", &form).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/desk/admin?saved=staff#staff")
    );
    assert_eq!(clerk_limit().await, "450.00 EUR");
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(!html.contains("first-clerk-limit"), "asked once: {html}");
    assert!(html.contains(r#"id="limit-clerk">€450.00<"#), "{html}");

    // The clerk sees the limit on the swap form, before pressing Approve.
    let carl = session_as(&svc, "carl@maier.example").await;
    let case_path = open_desk_case(&svc, &carl.client, &carl.csrf, desk.sale_id).await;
    let (status, html) = carl.get(&svc, &case_path).await;
    assert_eq!(status, 200);
    let my_limit = html
        .split(r#"id="my-limit""#)
        .nth(1)
        .unwrap_or_else(|| panic!("no limit on the swap form: {html}"));
    assert!(
        my_limit.contains("Your authority limit: €450.00.")
            && my_limit.contains("above your limit: a manager will be asked"),
        "{html}"
    );
    let approve_at = html.find(r#"id="approve-swap""#).unwrap();
    assert!(html.find(r#"id="my-limit""#).unwrap() < approve_at);
    svc.stop().await;
}
