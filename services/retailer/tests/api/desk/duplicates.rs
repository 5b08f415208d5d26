//! A second case on the same unit: while one is in progress, none (the desk links to it, the
//! API's 409 names it); after it was closed or refused, the desk warns with links to the earlier
//! cases and opens another only with the tick "a new complaint" — the JSON answer lists them.

use super::*;

async fn open_by_api(svc: &TestService, retailer_id: Uuid, serial: &str) -> reqwest::Response {
    request(
        svc,
        reqwest::Method::POST,
        &format!("/api/retailers/{retailer_id}/cases"),
    )
    .json(&json!({"serial": serial, "defect_category": "leak",
                      "defect_description": "Water under the machine"}))
    .send()
    .await
    .unwrap()
}

async fn refuse(svc: &TestService, client: &reqwest::Client, csrf: &str, case_path: &str) {
    let (status, html) = post_form(
        svc,
        client,
        &format!("{case_path}/refuse"),
        &[
            ("csrf", csrf),
            ("reason_code", "no_defect_found"),
            ("reason_text", "Runs fine in the store"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_case_on_a_unit_is_warned_and_needs_a_tick() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    // The other retailer sold a unit with the same serial: not this retailer's unit.
    let others_sn1 = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", other.retailer_id),
            sale_body("R-7", "WM-100", "SN-1"),
        )
        .await,
    );
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let sale_path = format!("/desk/sales/{}", desk.sale_id);

    // A unit without cases: no warning, no tick.
    let (status, html) = page(&svc, &client, &sale_path).await;
    assert_eq!(status, 200);
    assert!(html.contains("case-form"), "{html}");
    assert!(
        !html.contains("earlier-cases") && !html.contains("confirm_duplicate"),
        "{html}"
    );
    let first = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let first_id = first.strip_prefix("/desk/cases/").unwrap().to_owned();

    // In progress: the sale page links to it instead of the form; a second one is not opened,
    // not even with the tick; the API's 409 names the case.
    let (_, html) = page(&svc, &client, &sale_path).await;
    assert!(
        html.contains(&format!(r#"id="open-case" href="{first}""#)),
        "{html}"
    );
    assert!(!html.contains("case-form"), "{html}");
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_case(&svc, &client, &csrf, desk.sale_id, "Again", true).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"href="{first}""#)), "{html}");
    let res = open_by_api(&svc, desk.retailer_id, "SN-1").await;
    let problem = assert_problem(res, 409, "case_exists", "a case in progress").await;
    assert_eq!(problem["case_id"], first_id.as_str(), "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains(&first_id),
        "{problem}"
    );
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // Refused: the sale page warns, with a link to the earlier case and the tick.
    refuse(&svc, &client, &csrf, &first).await;
    let (_, html) = page(&svc, &client, &sale_path).await;
    assert!(html.contains(r#"id="earlier-cases""#), "{html}");
    assert!(
        html.contains(&format!(r#"class="earlier-case" href="{first}""#)),
        "{html}"
    );
    assert!(html.contains("refused"), "{html}");
    assert!(html.contains(r#"name="confirm_duplicate""#), "{html}");

    // Without the tick: explained, what was typed kept, nothing saved.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_case(
        &svc,
        &client,
        &csrf,
        desk.sale_id,
        "Water again, now at the door",
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("this unit had a case before: look at it, and tick the box"),
        "{html}"
    );
    assert!(html.contains("Water again, now at the door"), "{html}");
    assert!(html.contains(r#"value="noise" selected"#), "{html}");
    assert!(!html.contains("confirm-duplicate\" checked"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // With the tick: the second case.
    let (status, second) = post_case(
        &svc,
        &client,
        &csrf,
        desk.sale_id,
        "Water again, now at the door",
        true,
    )
    .await;
    assert_eq!(status, 303, "{second}");
    assert_ne!(second, first);
    let second_id = second.strip_prefix("/desk/cases/").unwrap().to_owned();
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(status, ',' ORDER BY opened_at) FROM cases WHERE sale_id = $1",
            vec![desk.sale_id.into()]
        )
        .await,
        "refused,open"
    );

    // The JSON answer lists the earlier cases, newest first (a warning, not a refusal).
    refuse(&svc, &client, &csrf, &second).await;
    let res = open_by_api(&svc, desk.retailer_id, "SN-1").await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Json = res.json().await.unwrap();
    let earlier: Vec<(&str, &str)> = body["earlier_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        earlier,
        [
            (second_id.as_str(), "refused"),
            (first_id.as_str(), "refused")
        ]
    );
    assert_eq!(body["status"], "open");

    // The other retailer's unit with the same serial has no earlier cases: no warning there.
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &other.email).await;
    let (_, html) = page(&svc, &other_client, &format!("/desk/sales/{others_sn1}")).await;
    assert!(!html.contains("earlier-cases"), "{html}");
    assert!(!html.contains(&first_id), "{html}");
    open_desk_case(&svc, &other_client, &other_csrf, others_sn1).await;
    let res = open_by_api(&svc, other.retailer_id, "SN-2").await;
    let body: Json = res.json().await.unwrap();
    assert_eq!(body["earlier_cases"], json!([]), "{body}");

    // A unit sold again (returned and resold) is the same unit: its new sale warns too.
    let resale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-9", "WM-100", "SN-1"),
        )
        .await,
    );
    let (_, html) = page(&svc, &client, &format!("/desk/sales/{resale}")).await;
    assert!(
        html.contains(&format!(r#"class="earlier-case" href="{first}""#)),
        "{html}"
    );
    svc.stop().await;
}
