//! Sign-in abuse on the dispatcher's page (the flow is `kummerer_web::signin`, shared by the
//! desk, the crew and the dispatcher pages): an unknown account, a wrong password and a locked
//! account get the same answer, which never says "locked"; an address with too many failures
//! is throttled (429) before any account is looked at.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use kummerer_service::{Context, Parts};
use kummerer_testkit::service::TestService;
use kummerer_web::throttle::ADDRESS_MAX_FAILURES;
use logistics::photos::BlobPhotoStore;
use logistics::{Migrator, SERVICE};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

const OPERATOR: &str = "operator-token-of-the-signin-tests-0123456789";
const PASSWORD: &str = "correct horse battery staple";

fn build(ctx: &Context) -> Parts {
    let dir = std::env::temp_dir().join("kummerer-photos-unused");
    let store = Arc::new(BlobPhotoStore::local(dir).unwrap());
    logistics::build_with(
        ctx,
        store,
        logistics::http::HttpConfig::with_operator(Some(OPERATOR.to_owned())),
    )
}

async fn post_json(svc: &TestService, path: &str, body: Value) -> Value {
    let res = svc
        .client
        .post(svc.url(path))
        .bearer_auth(OPERATOR)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

/// Posts the sign-in form; the status, the `Retry-After` header and the page with the typed
/// e-mail blanked out (the form shows it again).
async fn sign_in(svc: &TestService, email: &str, password: &str) -> (u16, Option<String>, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(svc.url("/dispatch/sign-in"))
        .form(&[("email", email), ("password", password)])
        // The English page (the notes are worded in the browser's language).
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let html = res.text().await.unwrap().replace(email, "EMAIL");
    (status, retry, html)
}

async fn failed_attempts(svc: &TestService, email: &str) -> i32 {
    svc.db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT failed_attempts FROM dispatchers WHERE email = $1",
            vec![email.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_wrong_and_locked_look_alike_and_an_address_is_throttled() {
    let svc = TestService::start::<Migrator>(SERVICE, build).await;
    let carrier = post_json(&svc, "/api/carriers", json!({"name": "A"})).await;
    let carrier = carrier["id"].as_str().unwrap().to_owned();
    for email in ["dana@example.com", "eve@example.com"] {
        post_json(
            &svc,
            &format!("/api/carriers/{carrier}/dispatchers"),
            json!({"email": email, "name": "D", "password": PASSWORD}),
        )
        .await;
    }
    let mut failures = 0;

    let (status, _, unknown) = sign_in(&svc, "nobody@example.com", "wrong password!").await;
    failures += 1;
    assert_eq!(status, 200);
    assert!(unknown.contains("password is wrong"), "{unknown}");
    let (_, _, wrong) = sign_in(&svc, "dana@example.com", "wrong password!").await;
    failures += 1;
    assert_eq!(wrong, unknown);
    // Three more lock Dana's account; the one that locks it and the right password while it
    // is locked answer exactly as an unknown account does.
    for _ in 0..3 {
        let (_, _, html) = sign_in(&svc, "dana@example.com", "wrong password!").await;
        failures += 1;
        assert_eq!(html, unknown);
    }
    let (_, _, locking) = sign_in(&svc, "dana@example.com", "wrong password!").await;
    failures += 1;
    assert_eq!(locking, unknown);
    let (status, _, locked) = sign_in(&svc, "dana@example.com", PASSWORD).await;
    failures += 1;
    assert_eq!((status, &locked), (200, &unknown));
    assert!(!unknown.to_lowercase().contains("locked"), "{unknown}");
    let (status, _, _) = sign_in(&svc, "eve@example.com", PASSWORD).await;
    assert_eq!(status, 303, "another account signs in");

    // Up to the address's budget, then 429 before any account is looked at: even Eve's right
    // password is refused, and nothing is counted on her account.
    while failures < ADDRESS_MAX_FAILURES {
        let (status, _, _) = sign_in(
            &svc,
            &format!("guess{failures}@example.com"),
            "wrong password!",
        )
        .await;
        assert_eq!(status, 200);
        failures += 1;
    }
    let (status, retry, html) = sign_in(&svc, "eve@example.com", PASSWORD).await;
    assert_eq!(status, 429, "{html}");
    assert!(retry.unwrap().parse::<u64>().unwrap() > 0);
    assert!(html.contains("Too many failed sign-ins"), "{html}");
    let (status, _, _) = sign_in(&svc, "eve@example.com", "wrong password!").await;
    assert_eq!(status, 429);
    assert_eq!(failed_attempts(&svc, "eve@example.com").await, 0);
    svc.stop().await;
}
