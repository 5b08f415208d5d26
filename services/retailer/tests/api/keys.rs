//! Retailer integration keys: made, listed and revoked by the retailer's admin; the only way into
//! the retailer's JSON API (the operator's token makes retailers); the actor of what the API
//! writes; and an approval above the key's limit waits for a manager on the desk.

use sha2::{Digest, Sha256};

use crate::desk::{PASSWORD, desk_shop, root_of, signed_in};
use crate::support::*;

fn keys_path(retailer_id: Uuid) -> String {
    format!("/api/retailers/{retailer_id}/keys")
}

/// `POST …/keys` with the retailer's admin credentials; the answer.
async fn new_key(svc: &TestService, retailer_id: Uuid, body: Json) -> Json {
    let res = svc
        .client
        .post(svc.url(&keys_path(retailer_id)))
        .basic_auth(root_of(retailer_id), Some(PASSWORD))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.unwrap()
}

/// `GET path` with `Authorization: <authorization>` (none when `None`); the status and the
/// `WWW-Authenticate` challenge.
async fn get_with(svc: &TestService, path: &str, authorization: Option<&str>) -> (u16, String) {
    let mut req = svc.client.get(svc.url(path));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    let res = req.send().await.unwrap();
    let challenge = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = res.status().as_u16();
    if status >= 400 {
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(ct, "application/problem+json", "{path}");
    }
    (status, challenge)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_made_by_the_admin_shown_once_and_revoked() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-2", "Max Muster").await;
    let rid = desk.retailer_id;

    // Only the retailer's admin makes keys: nobody, a clerk or another retailer's admin → 401.
    for credentials in [
        None,
        Some((desk.email.clone(), PASSWORD)),
        Some((root_of(other.retailer_id), PASSWORD)),
    ] {
        let mut req = svc.client.post(svc.url(&keys_path(rid)));
        if let Some((user, password)) = &credentials {
            req = req.basic_auth(user, Some(password));
        }
        let res = req.json(&json!({"name": "POS"})).send().await.unwrap();
        assert_problem(res, 401, "unauthorized", "making a key without the admin").await;
    }
    let before = count(&svc.db, "SELECT 1 FROM integration_keys", vec![]).await;
    rejects_as(
        &svc,
        Some((&root_of(rid), PASSWORD)),
        &keys_path(rid),
        json!({"name": "  "}),
        "422 name",
    )
    .await;
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM integration_keys", vec![]).await,
        before
    );

    let made = new_key(
        &svc,
        rid,
        json!({"name": "POS Mitte", "approval_limit": eur("500.00")}),
    )
    .await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("krt_") && secret.len() == 47, "{secret}");
    assert_eq!(made["name"], "POS Mitte");
    assert_eq!(made["approval_limit"], eur("500.00"));
    let key_id = id_of(&made);
    // Stored as its SHA-256 only.
    let hash = Sha256::digest(secret.as_bytes()).to_vec();
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM integration_keys WHERE id = $1 AND secret_hash = $2 \
             AND retailer_id = $3 AND last_used_at IS NULL",
            vec![key_id.into(), hash.into(), rid.into()],
        )
        .await,
        1
    );
    // Listed without the secret.
    let res = svc
        .client
        .get(svc.url(&keys_path(rid)))
        .basic_auth(root_of(rid), Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let listed: Json = res.json().await.unwrap();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id.to_string())
        .unwrap();
    assert_eq!(mine["name"], "POS Mitte");
    assert!(mine.get("secret").is_none(), "{mine}");
    assert!(!listed.to_string().contains(&secret));

    // The key opens its retailer's API (and records the use); nothing else does.
    let me = format!("/api/retailers/{rid}");
    let bearer = format!("Bearer {secret}");
    assert_eq!(get_with(&svc, &me, Some(&bearer)).await.0, 200);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM integration_keys WHERE id = $1 AND last_used_at IS NOT NULL",
            vec![key_id.into()],
        )
        .await,
        1
    );
    let unknown = format!("Bearer krt_{}", "A".repeat(43));
    for authorization in [
        None,
        Some(unknown.as_str()),
        Some("Bearer krt_short"),
        Some("Bearer"),
        Some("Basic cm9vdDpwYXNzd29yZA=="),
        Some(&*format!("Bearer {}", TEST_OPERATOR_TOKEN)),
    ] {
        let (status, challenge) = get_with(&svc, &me, authorization).await;
        assert_eq!(status, 401, "{authorization:?}");
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }
    // Another retailer's key: as unknown as an unknown retailer.
    let theirs = key_for(&svc, &format!("/api/retailers/{}", other.retailer_id)).unwrap();
    let (status, _) = get_with(&svc, &me, Some(&format!("Bearer {theirs}"))).await;
    assert_eq!(status, 404);
    let (status, _) = get_with(
        &svc,
        &format!("/api/retailers/{}", Uuid::now_v7()),
        Some(&bearer),
    )
    .await;
    assert_eq!(status, 404);

    // Revoked: 401 from then on. Another retailer's key id: 404.
    let delete = |id: Uuid, admin_of: Uuid| {
        svc.client
            .delete(svc.url(&format!("{}/{id}", keys_path(rid))))
            .basic_auth(root_of(admin_of), Some(PASSWORD))
            .send()
    };
    assert_eq!(delete(Uuid::now_v7(), rid).await.unwrap().status(), 404);
    assert_eq!(
        delete(key_id, other.retailer_id).await.unwrap().status(),
        401
    );
    assert_eq!(delete(key_id, rid).await.unwrap().status(), 204);
    assert_eq!(delete(key_id, rid).await.unwrap().status(), 204);
    assert_eq!(get_with(&svc, &me, Some(&bearer)).await.0, 401);

    // Retailers are made by the operator only.
    for token in [None, Some("wrong"), Some(secret.as_str())] {
        let mut req = svc.client.post(svc.url("/api/retailers"));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.json(&json!({"name": "Anyone"})).send().await.unwrap();
        assert_problem(res, 401, "unauthorized", "a retailer without the operator").await;
    }
    created(&svc, "/api/retailers", json!({"name": "By the operator"})).await;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_the_actor_and_above_its_limit_a_manager_decides() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let rid = desk.retailer_id;
    let path = |rest: &str| format!("/api/retailers/{rid}{rest}");
    let made = new_key(
        &svc,
        rid,
        json!({"name": "POS", "approval_limit": eur("550.00")}),
    )
    .await;
    let key_id = id_of(&made);
    set_key(&svc, rid, made["secret"].as_str().unwrap());
    let open = |serial: &str| json!({"serial": serial, "defect_category": "leak", "defect_description": "Water"});

    // Within the limit (WM-100 at 549.00): approved at once, by the key, whatever the body says.
    let case = id_of(&created(&svc, &path("/cases"), open("SN-1")).await);
    let approved = created(
        &svc,
        &path(&format!("/cases/{case}/swap")),
        window_body("someone.else"),
    )
    .await;
    let swap_id: Uuid = approved["swap_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM swaps WHERE id = $1 AND approved_by = 'API key «POS»' \
             AND approved_by_key = $2 AND authorized_by IS NULL",
            vec![swap_id.into(), key_id.into()],
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM cases WHERE id = $1 AND opened_by_key = $2",
            vec![case.into(), key_id.into()],
        )
        .await,
        1
    );
    let (_, view) = get_json(&svc, &path(&format!("/cases/{case}"))).await;
    let entry = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "swap_approved")
        .unwrap()
        .clone();
    assert_eq!(entry["details"]["approved_by"], "API key «POS»", "{entry}");

    // Above it (WM-200 at 599.00): no swap; a request to the managers, answered 202.
    let sale = created(&svc, &path("/sales"), sale_body("R-2", "WM-100", "SN-3")).await;
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE id = $1 AND recorded_by_key = $2",
            vec![id_of(&sale).into(), key_id.into()],
        )
        .await,
        1
    );
    let case2 = id_of(&created(&svc, &path("/cases"), open("SN-3")).await);
    let mut body = window_body("ignored");
    body["replacement_sku"] = json!("WM-200");
    let before = snapshot(&svc.db).await;
    let (status, waiting) =
        post_json(&svc, &path(&format!("/cases/{case2}/swap")), body.clone()).await;
    assert_eq!(status, 202, "{waiting}");
    assert_eq!(waiting["status"], "open");
    assert_eq!(waiting["case_id"], case2.to_string());
    let request_id: Uuid = waiting["request_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        snapshot(&svc.db).await,
        before,
        "no swap, claim or message yet"
    );
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM approval_requests WHERE id = $1 AND requested_by IS NULL \
             AND requested_by_key = $2 AND status = 'open'",
            vec![request_id.into(), key_id.into()],
        )
        .await,
        1
    );
    // Asking again while it waits: 409.
    let (status, again) = post_json(&svc, &path(&format!("/cases/{case2}/swap")), body).await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["code"], "approval_request_open");

    // The manager sees it on the desk, from the key, and approves it there.
    let manager = kummerer_testkit::forms::browser();
    let csrf = signed_in(&svc, &manager, &root_of(rid)).await;
    let (status, html) =
        kummerer_testkit::forms::page(&svc, &manager, &format!("/desk/requests/{request_id}"))
            .await;
    assert_eq!(status, 200);
    assert!(html.contains("API key «POS»"), "{html}");
    let (status, _) = kummerer_testkit::forms::post_form(
        &svc,
        &manager,
        &format!("/desk/requests/{request_id}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM swaps WHERE case_id = $1 AND approved_by = 'API key «POS»' \
             AND approved_by_key = $2 AND authorized_by = $3",
            vec![case2.into(), key_id.into(), root_of(rid).into()],
        )
        .await,
        1
    );
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_made_on_the_command_line_and_works_at_once() {
    let svc = start().await;
    let retailer = created(&svc, "/api/retailers", json!({"name": "Kaufhaus Nord"})).await;
    let rid = id_of(&retailer).to_string();
    let url = svc.test_db.as_ref().unwrap().url.clone();
    let run = |args: Vec<&str>| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_retailer"));
        cmd.arg("create-key").args(args).env("DATABASE_URL", &url);
        async move {
            let out = cmd.output().await.unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };
    let before = count(&svc.db, "SELECT 1 FROM integration_keys", vec![]).await;
    for (args, message) in [
        (vec!["--retailer", &rid, "--name", " "], "--name"),
        (
            vec![
                "--retailer",
                &rid,
                "--name",
                "POS",
                "--approval-limit",
                "5",
                "--currency",
                "ZZZ",
            ],
            "--currency",
        ),
        (
            vec![
                "--retailer",
                "0197a1c4-0000-7000-8000-000000000000",
                "--name",
                "POS",
            ],
            "there is no retailer",
        ),
    ] {
        let (ok, _, stderr) = run(args.clone()).await;
        assert!(!ok && stderr.contains(message), "{args:?}: {stderr}");
    }
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM integration_keys", vec![]).await,
        before
    );
    let (ok, stdout, stderr) = run(vec![
        "--retailer",
        &rid,
        "--name",
        "Shop",
        "--approval-limit",
        "500.00",
        "--currency",
        "EUR",
    ])
    .await;
    assert!(ok, "{stderr}");
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret "))
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("krt_"), "{stdout}");
    let res = svc
        .client
        .get(svc.url(&format!("/api/retailers/{rid}")))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT name || ' ' || approval_limit::text || ' ' || approval_currency \
             FROM integration_keys WHERE retailer_id = $1 AND name = 'Shop'",
            vec![id_of(&retailer).into()],
        )
        .await,
        "Shop 500.00 EUR"
    );
    svc.stop().await;
}
