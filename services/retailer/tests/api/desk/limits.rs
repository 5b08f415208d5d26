//! Authority limits per role, and a swap above the clerk's limit that needs a manager.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authority_limits_are_set_per_role_and_checked() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let limits =
        |rid: Uuid, role: &str| svc.url(&format!("/api/retailers/{rid}/authority-limits/{role}"));
    let (status, body) = put_limit(&svc, desk.retailer_id, "manager", eur("5000.00")).await;
    assert_eq!(status, 200);
    assert_eq!(body["role"], "manager");
    assert_eq!(body["amount"], eur("5000.00"));
    // Setting it again replaces it.
    let (status, _) = put_limit(&svc, desk.retailer_id, "manager", eur("6000.00")).await;
    assert_eq!(status, 200);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT amount::text FROM authority_limits WHERE retailer_id = $1 AND role = 'manager'",
            vec![desk.retailer_id.into()],
        )
        .await,
        "6000.00"
    );

    let before = desk_snapshot(&svc.db).await;
    let limit_before = one_string(
        &svc.db,
        "SELECT string_agg(role || amount::text, ',' ORDER BY role) FROM authority_limits",
        vec![],
    )
    .await;
    for (url, body, status) in [
        (
            limits(desk.retailer_id, "owner"),
            json!({"amount": eur("1.00")}),
            404,
        ),
        (
            limits(Uuid::now_v7(), "clerk"),
            json!({"amount": eur("1.00")}),
            401,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": eur("-1.00")}),
            422,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": {"amount": "1.00"}}),
            422,
        ),
        (
            limits(desk.retailer_id, "clerk"),
            json!({"amount": "lots"}),
            422,
        ),
        (limits(desk.retailer_id, "clerk"), json!({}), 422),
    ] {
        let res = svc
            .client
            .put(url)
            .basic_auth(root_of(desk.retailer_id), Some(PASSWORD))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{body}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    // Without an admin's credentials: 401, with a challenge.
    for req in [
        svc.client.put(limits(desk.retailer_id, "clerk")),
        svc.client
            .put(limits(desk.retailer_id, "clerk"))
            .basic_auth(&desk.email, Some(PASSWORD)),
    ] {
        let res = req
            .json(&json!({"amount": eur("9999.00")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 401);
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Basic")
        );
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(role || amount::text, ',' ORDER BY role) FROM authority_limits",
            vec![],
        )
        .await,
        limit_before
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_above_the_clerks_limit_needs_a_manager_on_the_same_screen() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    // WM-100 (549.00) is within the clerk's limit, WM-200 (599.00) above it.
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let manager = "manager@sn-1.example";
    let other_manager = "manager@sn-2.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    add_staff(&svc, other.retailer_id, other_manager, "manager").await;

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("/desk/sales/{}/cases", desk.sale_id),
        &[
            ("csrf", csrf.as_str()),
            ("defect_category", "noise"),
            ("defect_description", "Loud banging when spinning"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let case_path = location;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains("Your authority limit is €550.00"), "{html}");
    assert!(
        html.contains("+€100.00 vs. price paid · needs a manager"),
        "{html}"
    );
    assert!(
        !html.contains("+€50.00 vs. price paid · needs a manager"),
        "{html}"
    );

    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let swap = |manager_email: &str, manager_password: &str| {
        let form: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("replacement_sku", "WM-200".into()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
            ("name", "Erika Mustermann".into()),
            ("phone", "+49 30 1234567".into()),
            ("street", "Hauptstraße 1".into()),
            ("postcode", "10115".into()),
            ("city", "Berlin".into()),
            ("country", "DE".into()),
            ("manager_email", manager_email.into()),
            ("manager_password", manager_password.into()),
        ];
        let client = client.clone();
        let url = svc.url(&format!("{case_path}/swap"));
        async move {
            let res = client.post(url).form(&form).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let before = desk_snapshot(&svc.db).await;

    // Above the limit: neither refused nor queued — the same form asks for a manager.
    let (status, html) = swap("", "").await;
    assert_eq!(status, 200);
    assert!(html.contains("This swap needs a manager"), "{html}");
    assert!(
        html.contains("€599.00, above your authority limit"),
        "{html}"
    );
    assert!(
        html.contains("Hauptstraße 1"),
        "what was typed stays: {html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // A wrong manager password: nothing happens, and nothing is counted on the manager's
    // account (a clerk's form cannot lock a manager out; see the next test).
    let (status, html) = swap(manager, "wrong password!").await;
    assert_eq!(status, 200);
    assert!(html.contains("e-mail or password is wrong"), "{html}");
    assert!(html.contains("This swap needs a manager"), "{html}");
    assert!(
        !html.contains("wrong password!"),
        "the password is not echoed: {html}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);
    assert_eq!(failed_attempts(&svc.db, manager).await, 0);

    // Another retailer's manager (right password), a clerk, an unknown e-mail: the same answer,
    // nothing happens, and another retailer's account is never counted against.
    for (email, password) in [
        (other_manager, PASSWORD),
        (desk.email.as_str(), PASSWORD),
        ("nobody@sn-1.example", PASSWORD),
        ("not an e-mail", PASSWORD),
    ] {
        let (status, html) = swap(email, password).await;
        assert_eq!(status, 200, "{email}");
        assert!(
            html.contains("This swap needs a manager"),
            "{email}: {html}"
        );
        assert!(html.contains("manager"), "{email}: {html}");
        assert_eq!(desk_snapshot(&svc.db).await, before, "{email}");
    }
    assert_eq!(failed_attempts(&svc.db, other_manager).await, 0);

    // The manager signs on the clerk's screen: approved, both recorded.
    assert_eq!(swap(manager, PASSWORD).await, (303, case_path.clone()));
    assert_eq!(failed_attempts(&svc.db, manager).await, 0);
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "swap_approved");
    assert_eq!(case["swap"]["approved_by"], desk.email);
    assert_eq!(case["swap"]["authorized_by"], manager);
    let approved = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "swap_approved")
        .unwrap()
        .clone();
    assert_eq!(approved["details"]["approved_by"], desk.email, "{approved}");
    assert_eq!(approved["details"]["authorized_by"], manager, "{approved}");
    assert_eq!(outbox(&svc.db, SWAP_APPROVED).await.len(), 1);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(&format!("authorized by {manager}")), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_manager_entries_are_limited_per_clerk_session_and_never_lock_the_manager() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let (status, _) = put_limit(&svc, desk.retailer_id, "clerk", eur("550.00")).await;
    assert_eq!(status, 200);
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let (status, case_path) = post_form(
        &svc,
        &client,
        &format!("/desk/sales/{}/cases", desk.sale_id),
        &[
            ("csrf", csrf.as_str()),
            ("defect_category", "noise"),
            ("defect_description", "Loud banging when spinning"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let day = Utc::now() + Span::days(1);
    let (start, end) = (
        day.format("%Y-%m-%dT09:00").to_string(),
        day.format("%Y-%m-%dT13:00").to_string(),
    );
    let swap = |client: &reqwest::Client, csrf: &str, manager_password: &str| {
        let form: Vec<(&str, String)> = vec![
            ("csrf", csrf.to_owned()),
            ("replacement_sku", "WM-200".into()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
            ("name", "Erika Mustermann".into()),
            ("phone", "+49 30 1234567".into()),
            ("street", "Hauptstraße 1".into()),
            ("postcode", "10115".into()),
            ("city", "Berlin".into()),
            ("country", "DE".into()),
            ("manager_email", manager.into()),
            ("manager_password", manager_password.into()),
        ];
        let client = client.clone();
        let url = svc.url(&format!("{case_path}/swap"));
        async move {
            let res = client.post(url).form(&form).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let before = desk_snapshot(&svc.db).await;
    let locked_until = || {
        one_string(
            &svc.db,
            "SELECT coalesce(locked_until::text, 'none') FROM staff WHERE email = $1",
            vec![manager.into()],
        )
    };

    // A locked manager account: the right password gets the answer of a wrong one (the form
    // tells nothing of the lock), and nothing changes on the account.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET locked_until = now() + interval '10 minutes' WHERE email = $1",
            [manager.into()],
        ))
        .await
        .unwrap();
    let (status, html) = swap(&client, &csrf, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(html.contains("e-mail or password is wrong"), "{html}");
    assert!(!html.contains("locked"), "{html}");
    assert_eq!(failed_attempts(&svc.db, manager).await, 0);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET locked_until = NULL WHERE email = $1",
            [manager.into()],
        ))
        .await
        .unwrap();

    // Four wrong passwords more (five failures on this session): none counts on the manager.
    for _ in 0..4 {
        let (status, html) = swap(&client, &csrf, "wrong password!").await;
        assert_eq!(status, 200);
        assert!(html.contains("e-mail or password is wrong"), "{html}");
    }
    assert_eq!(failed_attempts(&svc.db, manager).await, 0);
    assert_eq!(locked_until().await, "none");

    // Then this session's form refuses even the right password for a while.
    let (status, html) = swap(&client, &csrf, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(html.contains("Too many wrong manager entries"), "{html}");
    assert!(html.contains("This swap needs a manager"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // The manager is not locked out: they sign in at the desk, and on another clerk session
    // their signature is taken.
    let own = browser();
    signed_in(&svc, &own, manager).await;
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &desk.email).await;
    assert_eq!(
        swap(&other_client, &other_csrf, PASSWORD).await,
        (303, case_path.clone())
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_routes_throttle_an_address_and_never_lock_the_admin() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let admin = root_of(desk.retailer_id);
    let url = svc.url(&format!(
        "/api/retailers/{}/authority-limits/clerk",
        desk.retailer_id
    ));
    let put = |password: &str| {
        svc.client
            .put(url.clone())
            .basic_auth(&admin, Some(password))
            .json(&json!({"amount": eur("100.00")}))
            .send()
    };
    // A locked admin: even the right password gets the same 401.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET locked_until = now() + interval '10 minutes' WHERE email = $1",
            [admin.clone().into()],
        ))
        .await
        .unwrap();
    assert_eq!(put(PASSWORD).await.unwrap().status().as_u16(), 401);
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET locked_until = NULL WHERE email = $1",
            [admin.clone().into()],
        ))
        .await
        .unwrap();
    // Wrong guesses never lock the admin: after five, the right password still works.
    for _ in 0..5 {
        assert_eq!(put("wrong password!").await.unwrap().status().as_u16(), 401);
    }
    assert_eq!(failed_attempts(&svc.db, &admin).await, 0);
    assert_eq!(put(PASSWORD).await.unwrap().status().as_u16(), 200);
    // The address is throttled after twenty failures: 429 with Retry-After, before any
    // credentials are checked (the right ones too).
    for _ in 0..14 {
        assert_eq!(put("wrong password!").await.unwrap().status().as_u16(), 401);
    }
    let res = put(PASSWORD).await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let wait: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_many_requests", "{body}");
    assert_eq!(failed_attempts(&svc.db, &admin).await, 0);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swap_within_the_limit_needs_no_manager_and_a_manager_is_unlimited() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, manager).await;
    let (status, case_path) = post_form(
        &svc,
        &client,
        &format!("/desk/sales/{}/cases", desk.sale_id),
        &[
            ("csrf", csrf.as_str()),
            ("defect_category", "noise"),
            ("defect_description", "Loud banging when spinning"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(!html.contains("needs a manager"), "{html}");
    assert!(
        !html.contains("manager_email"),
        "unlimited: no manager fields: {html}"
    );
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    let (status, location) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-200"),
            ("window_start", start.as_str()),
            ("window_end", end.as_str()),
            ("name", "Erika Mustermann"),
            ("phone", "+49 30 1234567"),
            ("street", "Hauptstraße 1"),
            ("postcode", "10115"),
            ("city", "Berlin"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, case_path.as_str()));
    let case_id = case_path.strip_prefix("/desk/cases/").unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["swap"]["approved_by"], manager);
    assert!(case["swap"].get("authorized_by").is_none(), "{case}");
    svc.stop().await;
}
