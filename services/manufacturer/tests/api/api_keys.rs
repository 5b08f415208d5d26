//! API keys: without a valid one nothing changes, another manufacturer's key finds nothing,
//! keys rotate and a revoked one stops at once.

use crate::flow;
use crate::support::*;

/// Every route under the manufacturer `mid`, with an agreement and a claim of it, and a body
/// that would be valid.
fn routes_of(
    mid: Uuid,
    agreement: &str,
    claim: Uuid,
    key_id: Uuid,
) -> Vec<(reqwest::Method, String, Value)> {
    use reqwest::Method;
    let m = format!("/api/manufacturers/{mid}");
    vec![
        (Method::GET, m.clone(), Value::Null),
        (Method::GET, format!("{m}/agreements"), Value::Null),
        (
            Method::POST,
            format!("{m}/agreements"),
            agreement_body(Uuid::now_v7()),
        ),
        (
            Method::GET,
            format!("{m}/agreements/{agreement}"),
            Value::Null,
        ),
        (Method::GET, format!("{m}/claims"), Value::Null),
        (
            Method::GET,
            format!("{m}/claims?status=pending"),
            Value::Null,
        ),
        (
            Method::GET,
            format!("{m}/claims?retailer_id={RETAILER_1}&sku=WM-100&from=2026-01-01&limit=5"),
            Value::Null,
        ),
        (Method::GET, format!("{m}/claims/{claim}"), Value::Null),
        (Method::GET, format!("{m}/analytics"), Value::Null),
        (
            Method::POST,
            format!("{m}/claims/{claim}/decision"),
            json!({"outcome": "accept"}),
        ),
        (
            Method::POST,
            format!("{m}/serials"),
            json!({"serials": ["SN-1"]}),
        ),
        (Method::GET, format!("{m}/api-keys"), Value::Null),
        (
            Method::POST,
            format!("{m}/api-keys"),
            json!({"label": "ci"}),
        ),
        (
            Method::DELETE,
            format!("{m}/api-keys/{key_id}"),
            Value::Null,
        ),
        (
            Method::POST,
            format!("{m}/agreements/{agreement}/versions"),
            agreement_body(Uuid::now_v7()),
        ),
        (Method::GET, format!("{m}/depots"), Value::Null),
        (
            Method::POST,
            format!("{m}/depots"),
            flow::depot_body("Lager"),
        ),
        (
            Method::POST,
            format!("{m}/claims/{claim}/decision"),
            json!({"outcome": "request_return", "depot_id": Uuid::now_v7(),
                   "return_by": "2100-01-01T00:00:00Z", "freight_paid_by": "retailer"}),
        ),
        (
            Method::POST,
            format!("{m}/claims/{claim}/inspection"),
            json!({"result": "no_fault_found"}),
        ),
        (
            Method::GET,
            format!("{m}/claims/{claim}/evidence/{}/photo", Uuid::now_v7()),
            Value::Null,
        ),
        (Method::GET, format!("{m}/credit-notes"), Value::Null),
        (
            Method::POST,
            format!("{m}/credit-notes"),
            json!({"claim_id": claim}),
        ),
        (Method::GET, format!("{m}/webhooks"), Value::Null),
        (
            Method::POST,
            format!("{m}/webhooks"),
            json!({"url": "http://127.0.0.1:9/hooks"}),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_key_are_unauthorized_and_change_nothing() {
    let svc = start().await;
    let (mid, key, key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let retailer = Uuid::now_v7();
    let agreement = create_agreement(&svc, mid, retailer).await;
    let event = claim(mid, retailer, 60);
    arrive(&svc, mid, std::slice::from_ref(&event)).await;
    let agreement_id = agreement["id"].as_str().unwrap();
    let unknown = format!("kmr_{}", "0".repeat(64));
    let before = table_counts(&svc.db).await;

    for (method, path, body) in routes_of(mid, agreement_id, event.claim_id.as_uuid(), key_id) {
        let what = format!("{method} {path}");
        // No credentials, an unknown key of the right shape.
        for key in [None, Some(unknown.as_str())] {
            let a = call_as(&svc, &method, &path, &body, key).await;
            assert_problem(&a, 401, &what);
            assert_eq!(a.body["code"], "unauthorized", "{what}");
        }
        // Malformed credentials.
        for header in [
            format!("Basic {key}"),
            "Bearer".to_owned(),
            format!("Bearer {}", &key[..20]),
            format!("Bearer {key}x"),
            key.clone(),
        ] {
            let res = svc
                .client
                .request(method.clone(), svc.url(&path))
                .header("authorization", &header)
                .send()
                .await
                .unwrap();
            let challenge = res
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(
                challenge.starts_with("Bearer"),
                "{what} {header}: {challenge}"
            );
            let a = answer(res).await;
            assert_problem(&a, 401, &format!("{what} with {header}"));
        }
    }
    // Authentication comes first, whatever else is wrong with the request.
    for key in [None, Some(unknown.as_str())] {
        let bad_body = answer(
            request_as(
                &svc,
                reqwest::Method::POST,
                &format!("/api/manufacturers/{mid}/agreements"),
                key,
            )
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_problem(&bad_body, 401, "malformed body, no valid key");
        let bad_path = call_as(
            &svc,
            &reqwest::Method::GET,
            &format!("/api/manufacturers/{mid}/claims/not-a-uuid"),
            &Value::Null,
            key,
        )
        .await;
        assert_problem(&bad_path, 401, "malformed path, no valid key");
    }
    // With the key, an unknown route below the manufacturer is the usual 404 problem.
    let nope = call_as(
        &svc,
        &reqwest::Method::GET,
        &format!("/api/manufacturers/{mid}/nope"),
        &Value::Null,
        Some(&key),
    )
    .await;
    assert_problem(&nope, 404, "unknown route");
    let res = request_as(
        &svc,
        reqwest::Method::GET,
        &format!("/api/manufacturers/{mid}"),
        None,
    )
    .send()
    .await
    .unwrap();
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(table_counts(&svc.db).await, before);

    // The key itself is stored only as its SHA-256.
    let stored = count(
        &svc.db,
        "SELECT count(*) FROM api_keys WHERE id = $1 AND secret_hash = sha256(convert_to($2, 'UTF8')) \
         AND prefix = $3",
        vec![key_id.into(), key.clone().into(), key[..12].to_owned().into()],
    )
    .await;
    assert_eq!(stored, 1);
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_manufacturers_key_finds_nothing_of_it() {
    let svc = start().await;
    let (a, a_key, a_key_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let (b, b_key, b_key_id) = manufacturer_with_key(&svc, "Kühlhaus GmbH").await;
    let retailer = Uuid::now_v7();
    let a_agreement = create_agreement(&svc, a, retailer).await;
    let b_agreement = create_agreement(&svc, b, retailer).await;
    let a_claim = claim(a, retailer, 60);
    let b_claim = claim(b, retailer, 60);
    arrive(&svc, a, std::slice::from_ref(&a_claim)).await;
    arrive(&svc, b, std::slice::from_ref(&b_claim)).await;
    let ghost = Uuid::now_v7();
    let unknown = get(&svc, &format!("/api/manufacturers/{ghost}")).await;
    assert_problem(&unknown, 404, "unknown manufacturer");
    let before = table_counts(&svc.db).await;

    // A's key on every route of B: the same 404 as an unknown manufacturer.
    let b_routes = routes_of(
        b,
        b_agreement["id"].as_str().unwrap(),
        b_claim.claim_id.as_uuid(),
        b_key_id,
    );
    for (method, path, body) in &b_routes {
        let x = call_as(&svc, method, path, body, Some(&a_key)).await;
        assert_problem(&x, 404, &format!("A's key on {method} {path}"));
        assert_eq!(x.body, unknown.body, "{method} {path}");
        assert!(!x.body.to_string().contains(&b.to_string()));
    }
    // A's key on A's routes with B's agreement, claim and key: 404 too.
    for (method, path, body) in routes_of(
        a,
        b_agreement["id"].as_str().unwrap(),
        b_claim.claim_id.as_uuid(),
        b_key_id,
    ) {
        if !path.contains(&b_agreement["id"].as_str().unwrap().to_owned())
            && !path.contains(&b_claim.claim_id.to_string())
            && !path.contains(&b_key_id.to_string())
        {
            continue;
        }
        let x = call_as(&svc, &method, &path, &body, Some(&a_key)).await;
        assert_problem(&x, 404, &format!("A's key on {method} {path}"));
    }
    // A's lists hold nothing of B.
    for path in [
        format!("/api/manufacturers/{a}/claims"),
        format!("/api/manufacturers/{a}/claims?status=pending"),
        format!("/api/manufacturers/{a}/claims?sku=WM-100&limit=1"),
        format!("/api/manufacturers/{a}/claims?from=2000-01-01&to=2100-01-01"),
        format!("/api/manufacturers/{a}/agreements"),
        format!("/api/manufacturers/{a}/api-keys"),
    ] {
        let l = call_as(
            &svc,
            &reqwest::Method::GET,
            &path,
            &Value::Null,
            Some(&a_key),
        )
        .await;
        assert_eq!(l.status, 200, "{path}: {}", l.body);
        let text = l.body.to_string();
        assert_eq!(
            l.body["items"].as_array().unwrap().len(),
            1,
            "{path}: {text}"
        );
        for theirs in [
            b_claim.claim_id.to_string(),
            b_agreement["id"].as_str().unwrap().to_owned(),
            b_key_id.to_string(),
        ] {
            assert!(!text.contains(&theirs), "{path}: {text}");
        }
    }
    assert_eq!(table_counts(&svc.db).await, before);
    // B's key still works, and B's claim is still pending; A's things are untouched.
    let mine = call_as(
        &svc,
        &reqwest::Method::GET,
        &format!("/api/manufacturers/{b}/claims/{}", b_claim.claim_id),
        &Value::Null,
        Some(&b_key),
    )
    .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.body["status"], "pending");
    let theirs = claim_of(&svc, a, a_claim.claim_id.as_uuid()).await;
    assert_eq!(theirs["status"], "pending");
    assert_eq!(
        get(
            &svc,
            &format!(
                "/api/manufacturers/{a}/agreements/{}",
                a_agreement["id"].as_str().unwrap()
            )
        )
        .await
        .status,
        200
    );
    let _ = a_key_id;
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_rotate_and_a_revoked_key_stops_at_once() {
    use reqwest::Method;
    let svc = start().await;
    let (mid, first, first_id) = manufacturer_with_key(&svc, "Waschwerk AG").await;
    let keys = format!("/api/manufacturers/{mid}/api-keys");
    let me = format!("/api/manufacturers/{mid}");

    // A second key, shown once.
    let made = call_as(
        &svc,
        &Method::POST,
        &keys,
        &json!({"label": "erp 2027"}),
        Some(&first),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let second = made.body["api_key"].as_str().unwrap().to_owned();
    assert!(second.starts_with("kmr_") && second.len() == 68, "{second}");
    assert_ne!(second, first);
    assert_eq!(made.body["prefix"], second[..12]);
    assert_eq!(made.body["label"], "erp 2027");
    assert!(made.body["revoked_at"].is_null());
    let second_id: Uuid = serde_json::from_value(made.body["id"].clone()).unwrap();

    // Both work at once.
    for key in [&first, &second] {
        let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(key)).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    // The listing has both, with no secret.
    let l = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    assert_eq!(l.status, 200, "{}", l.body);
    let items = l.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first_id.to_string());
    assert_eq!(items[0]["label"], "initial");
    assert_eq!(items[1]["id"], second_id.to_string());
    for item in items {
        assert!(item["last_used_at"].is_string(), "{item}");
        let mut fields: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "created_at",
                "id",
                "label",
                "last_used_at",
                "prefix",
                "revoked_at"
            ]
        );
    }
    let text = l.body.to_string();
    assert!(!text.contains(&first) && !text.contains(&second));

    // Bad labels.
    let before = table_counts(&svc.db).await;
    for body in [
        json!({"label": ""}),
        json!({"label": "x".repeat(101)}),
        json!({}),
    ] {
        let a = call_as(&svc, &Method::POST, &keys, &body, Some(&first)).await;
        assert!(a.status == 422 || a.status == 400, "{body}: {}", a.status);
        assert_problem(&a, a.status, &format!("label {body}"));
    }
    assert_eq!(table_counts(&svc.db).await, before);

    // Revoke the first with the second: the first stops, the second goes on.
    let gone = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{first_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(gone.status, 204);
    let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(&first)).await;
    assert_problem(&a, 401, "revoked key");
    assert_eq!(a.body["code"], "unauthorized");
    let a = call_as(&svc, &Method::GET, &me, &Value::Null, Some(&second)).await;
    assert_eq!(a.status, 200);
    // Revoking again is no error; an unknown key id is a 404.
    let again = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{first_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(again.status, 204);
    let none = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{}", Uuid::now_v7()),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_problem(&none, 404, "unknown key id");
    let l = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    let items = l.body["items"].as_array().unwrap();
    assert!(items[0]["revoked_at"].is_string());
    assert!(items[1]["revoked_at"].is_null());

    // A third key; then the second revokes itself and stops at once.
    let made = call_as(
        &svc,
        &Method::POST,
        &keys,
        &json!({"label": "erp 2028"}),
        Some(&second),
    )
    .await;
    assert_eq!(made.status, 201);
    let third = made.body["api_key"].as_str().unwrap().to_owned();
    let own = call_as(
        &svc,
        &Method::DELETE,
        &format!("{keys}/{second_id}"),
        &Value::Null,
        Some(&second),
    )
    .await;
    assert_eq!(own.status, 204);
    let a = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&second)).await;
    assert_problem(&a, 401, "self-revoked key");
    let a = call_as(&svc, &Method::GET, &keys, &Value::Null, Some(&third)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["items"].as_array().unwrap().len(), 3);
    svc.stop().await;
}
