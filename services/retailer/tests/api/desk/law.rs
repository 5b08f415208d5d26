//! Issue 12: the retailer's law and money settings — jurisdiction (DE, AT), country, time zone —
//! set by an admin only, on the admin page (German and English, readable errors) and over the
//! admin API; clerks get the 403 page, other credentials the API's 401, and another retailer's
//! settings never move.

use super::setup::*;
use super::*;

/// The retailer's jurisdiction, country and time zone, as stored.
async fn law_of(db: &DatabaseConnection, retailer_id: Uuid) -> String {
    one_string(
        db,
        "SELECT jurisdiction || '/' || country || '/' || time_zone FROM retailers WHERE id = $1",
        vec![retailer_id.into()],
    )
    .await
}

/// `PUT /api/retailers/{rid}/settings` with HTTP Basic `(email, password)`.
async fn put_settings(
    svc: &TestService,
    retailer_id: Uuid,
    (email, password): (&str, &str),
    body: Json,
) -> (u16, Json) {
    let res = svc
        .client
        .put(svc.url(&format!("/api/retailers/{retailer_id}/settings")))
        .basic_auth(email, Some(password))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_sets_the_law_on_the_page_and_over_the_api_and_nobody_else_can() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let manager = session_of(&svc, desk.retailer_id, "anna@maier.example", "manager").await;
    let clerk = session_as(&svc, &desk.email).await;
    let rid = desk.retailer_id;
    assert_eq!(law_of(&svc.db, rid).await, "DE/DE/Europe/Berlin");

    // Clerks and managers: the 403 page, nothing changes.
    for who in [&clerk, &manager] {
        let (status, html) = who
            .post(
                &svc,
                "/desk/admin/law",
                &[("jurisdiction", "AT"), ("country", "AT")],
            )
            .await;
        assert_eq!(status, 403, "{html}");
    }
    assert_eq!(law_of(&svc.db, rid).await, "DE/DE/Europe/Berlin");

    // The admin's page shows the settings.
    let (status, html) = admin.get(&svc, "/desk/admin").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="law-settings""#), "{html}");
    assert!(
        html.contains(r#"<option value="DE" selected>Germany (DE)</option>"#),
        "{html}"
    );
    assert!(html.contains("German law (BGB"), "{html}");

    // Every field checked and explained; nothing saved on an error.
    let (status, html) = admin
        .post(
            &svc,
            "/desk/admin/law",
            &[("jurisdiction", "FR"), ("country", "Austria")],
        )
        .await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("choose Germany or Austria"), "{html}");
    assert!(
        html.contains("must be a two-letter ISO 3166 country code"),
        "{html}"
    );
    assert_eq!(law_of(&svc.db, rid).await, "DE/DE/Europe/Berlin");

    // Austria: saved, said so, shown; the other retailer untouched.
    let (status, location) = admin
        .post(
            &svc,
            "/desk/admin/law",
            &[("jurisdiction", "at"), ("country", "at")],
        )
        .await;
    assert_eq!(status, 303, "{location}");
    assert_eq!(law_of(&svc.db, rid).await, "AT/AT/Europe/Berlin");
    assert_eq!(
        law_of(&svc.db, other.retailer_id).await,
        "DE/DE/Europe/Berlin"
    );
    let (_, html) = admin.get(&svc, "/desk/admin?saved=law").await;
    assert!(html.contains("The law and country are saved."), "{html}");
    assert!(
        html.contains(r#"<option value="AT" selected>Austria (AT)</option>"#),
        "{html}"
    );
    assert!(html.contains("Austrian law (ABGB"), "{html}");

    // In German.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE staff SET language = 'de' WHERE email = 'admin@maier.example'",
            [],
        ))
        .await
        .unwrap();
    let (_, html) = admin.get(&svc, "/desk/admin").await;
    assert!(html.contains("Recht und Geld"), "{html}");
    assert!(
        html.contains(r#"<option value="AT" selected>Österreich (AT)</option>"#),
        "{html}"
    );
    assert!(html.contains("folgen österreichischem Recht"), "{html}");
    let (status, html) = admin
        .post(
            &svc,
            "/desk/admin/law",
            &[("jurisdiction", "CH"), ("country", "AT")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("bitte Deutschland oder Österreich wählen"),
        "{html}"
    );

    // The admin API: the admin's credentials only (a clerk's, another retailer's admin's, no
    // credentials: the same 401).
    let root = root_of(rid);
    let (status, got) = as_root_get(&svc, rid).await;
    assert_eq!(status, 200);
    assert_eq!(
        got,
        json!({"jurisdiction": "AT", "country": "AT", "time_zone": "Europe/Berlin"})
    );
    let vienna = json!({"jurisdiction": "AT", "country": "AT", "time_zone": "Europe/Vienna"});
    for credentials in [
        (desk.email.as_str(), PASSWORD),
        ("anna@maier.example", PASSWORD),
        (root_of(other.retailer_id).as_str(), PASSWORD),
        (root.as_str(), "wrong password"),
    ] {
        let (status, p) = put_settings(&svc, rid, credentials, vienna.clone()).await;
        assert_eq!(status, 401, "{credentials:?}: {p}");
    }
    let res = svc
        .client
        .put(svc.url(&format!("/api/retailers/{rid}/settings")))
        .json(&vienna)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(law_of(&svc.db, rid).await, "AT/AT/Europe/Berlin");

    // Bad input: each field named; an unknown field or one missing is refused.
    let (status, p) = put_settings(
        &svc,
        rid,
        (&root, PASSWORD),
        json!({"jurisdiction": "FR", "country": "AT", "time_zone": "Mars/Olympus"}),
    )
    .await;
    assert_eq!(status, 422, "{p}");
    let named: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["jurisdiction", "time_zone"], "{p}");
    for body in [
        json!({"jurisdiction": "DE", "country": "DE"}),
        json!({"jurisdiction": "DE", "country": "DE", "time_zone": "Europe/Berlin", "vat": 19}),
    ] {
        let (status, p) = put_settings(&svc, rid, (&root, PASSWORD), body).await;
        assert!(status == 400 || status == 422, "{status} {p}");
    }
    assert_eq!(law_of(&svc.db, rid).await, "AT/AT/Europe/Berlin");

    let (status, got) = put_settings(&svc, rid, (&root, PASSWORD), vienna.clone()).await;
    assert_eq!((status, &got), (200, &vienna));
    assert_eq!(law_of(&svc.db, rid).await, "AT/AT/Europe/Vienna");
    assert_eq!(
        law_of(&svc.db, other.retailer_id).await,
        "DE/DE/Europe/Berlin"
    );
    svc.stop().await;
}

/// `GET /api/retailers/{rid}/settings` as the retailer's first admin.
async fn as_root_get(svc: &TestService, retailer_id: Uuid) -> (u16, Json) {
    let res = svc
        .client
        .get(svc.url(&format!("/api/retailers/{retailer_id}/settings")))
        .basic_auth(root_of(retailer_id), Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Json::Null))
}
