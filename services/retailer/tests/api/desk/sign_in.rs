//! Staff sign-in, lock-out and sign-out.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_lock_out_and_sign_out() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let staff_path = format!("/api/retailers/{}/staff", desk.retailer_id);
    let root = root_of(desk.retailer_id);
    let root = Some((root.as_str(), PASSWORD));

    // The staff API checks what it stores.
    let good = json!({"email": "boss@maier.example", "name": "Bea Boss", "role": "admin",
                      "password": PASSWORD});
    let before = desk_snapshot(&svc.db).await;
    for (key, value, expect) in [
        ("password", json!("short"), "422 password"),
        ("email", json!("not-an-email"), "422 email"),
        ("role", json!("owner"), "422 role"),
        ("name", json!(" "), "422 name"),
        ("password", Json::Null, "422"),
        ("email", json!(desk.email), "409 staff_exists"),
    ] {
        let mut body = good.clone();
        set(&mut body, key, value);
        rejects_as(&svc, root, &staff_path, body, expect).await;
    }
    let mut upper = good.clone();
    set(&mut upper, "email", json!(desk.email.to_uppercase()));
    rejects_as(&svc, root, &staff_path, upper, "409 staff_exists").await;
    // Only an admin of this retailer: no credentials, wrong ones, a clerk's, or another (or an
    // unknown) retailer's — the same 401.
    let clerk = Some((desk.email.as_str(), PASSWORD));
    let wrong = root.map(|(user, _)| (user, "wrong password!"));
    for credentials in [None, wrong, clerk] {
        rejects_as(&svc, credentials, &staff_path, good.clone(), "401").await;
    }
    rejects_as(
        &svc,
        root,
        &format!("/api/retailers/{}/staff", Uuid::now_v7()),
        good.clone(),
        "401",
    )
    .await;
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let stored = one_string(
        &svc.db,
        "SELECT password_hash FROM staff WHERE email = $1",
        vec![desk.email.clone().into()],
    )
    .await;
    assert!(stored.starts_with("$argon2id$"), "{stored}");

    let client = browser();
    // No session: every desk page sends to the sign-in page.
    for path in ["/desk", &format!("/desk/sales/{}", desk.sale_id)] {
        assert_eq!(
            page(&svc, &client, path).await,
            (303, "/desk/sign-in".to_owned())
        );
    }
    let (status, html) = page(&svc, &client, "/desk/sign-in").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="password""#), "{html}");

    // A wrong password or an unknown account: the form again, with a message, no session.
    for (email, password) in [
        (desk.email.as_str(), "wrong password!"),
        ("nobody@nowhere.example", PASSWORD),
    ] {
        let (status, html) = sign_in(&svc, &client, email, password).await;
        assert_eq!(status, 200);
        assert!(
            html.contains("The e-mail or the password is wrong."),
            "{html}"
        );
    }
    assert_eq!(page(&svc, &client, "/desk").await.0, 303);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 0);

    // The right one: a session cookie that scripts and other sites never see.
    let res = client
        .post(svc.url("/desk/sign-in"))
        .form(&[("email", desk.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "kummerer_session=",
        "HttpOnly",
        "SameSite=Strict",
        "Secure",
        "Path=/desk",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = cookie["kummerer_session=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(token.len(), 64);
    // Only the token's hash is stored.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sessions WHERE id = $1",
            vec![token.into()]
        )
        .await,
        0
    );
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 1);
    let (status, html) = page(&svc, &client, "/desk").await;
    assert_eq!(status, 200);
    assert!(html.contains("Anna Clerk"), "{html}");
    assert_eq!(
        page(&svc, &client, "/desk/sign-in").await,
        (303, "/desk".to_owned())
    );
    // The failures before the success are forgotten.
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM staff WHERE failed_attempts = 0 AND role = 'clerk'",
            vec![]
        )
        .await,
        1
    );

    // Sign-out needs the CSRF token; then the session is gone.
    let csrf = csrf_of(&html);
    let (status, _) = post_form(&svc, &client, "/desk/sign-out", &[("csrf", "nope")]).await;
    assert_eq!(status, 403);
    assert_eq!(page(&svc, &client, "/desk").await.0, 200);
    assert_eq!(
        post_form(&svc, &client, "/desk/sign-out", &[("csrf", &csrf)]).await,
        (303, "/desk/sign-in".to_owned())
    );
    assert_eq!(page(&svc, &client, "/desk").await.0, 303);
    assert_eq!(count(&svc.db, "SELECT 1 FROM sessions", vec![]).await, 0);

    // Five failures in a row lock the account for 15 minutes, even against the right password.
    let other = browser();
    for attempt in 1..=5 {
        let (status, html) = sign_in(&svc, &other, &desk.email, "wrong password!").await;
        assert_eq!(status, 200);
        assert!(
            !html.contains("locked"), // an anonymous caller is never told of the lock
            "attempt {attempt}: {html}"
        );
    }
    let (status, html) = sign_in(&svc, &other, &desk.email, PASSWORD).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("password is wrong") && !html.contains("locked"),
        "{html}"
    );
    assert_eq!(page(&svc, &other, "/desk").await.0, 303);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM staff WHERE locked_until BETWEEN now() + interval '14 minutes' \
             AND now() + interval '15 minutes'",
            vec![]
        )
        .await,
        1
    );
    // Once the lock has run out, the right password works again.
    svc.db
        .execute_unprepared("UPDATE staff SET locked_until = now() - interval '1 second'")
        .await
        .unwrap();
    assert_eq!(
        sign_in(&svc, &other, &desk.email, PASSWORD).await,
        (303, "/desk".to_owned())
    );
    svc.stop().await;
}
