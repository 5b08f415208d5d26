//! The case page shows who holds the ball.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_case_page_shows_who_holds_the_ball() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();

    // Open: the store decides.
    let (status, html) = page(&svc, &client, &case_path).await;
    assert_eq!(status, 200, "{html}");
    let ball = html.find(r#"id="ball""#).expect("the ball section");
    assert!(
        ball < html.find(r#"<h2>Timeline</h2>"#).unwrap(),
        "the ball is shown above the timeline"
    );
    assert!(html.contains(r#"data-party="retailer""#), "{html}");
    assert!(html.contains("to decide: swap or refuse"), "{html}");
    assert!(html.contains(r#"<span id="ball-handovers">0</span> times"#));

    // Approved: the crew delivers, the manufacturer decides the claim meanwhile.
    created(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}/swap", desk.retailer_id),
        window_body("clerk.anna"),
    )
    .await;
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains(r#"data-party="crew""#), "{html}");
    assert!(
        html.contains("Also waiting: The manufacturer — deciding the claim"),
        "{html}"
    );
    assert!(html.contains(r#"<span id="ball-handovers">1</span> time."#));

    // A refused case waits for nobody.
    let other_sale = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/sales", desk.retailer_id),
            sale_body("R-2", "WM-200", "SN-2"),
        )
        .await,
    );
    let other_path = open_desk_case(&svc, &client, &csrf, other_sale).await;
    let (status, _) = post_form(
        &svc,
        &client,
        &format!("{other_path}/refuse"),
        &[
            ("csrf", csrf.as_str()),
            ("reason_code", "damage_by_customer"),
            ("reason_text", "The drum was dented by a fall"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&svc, &client, &other_path).await;
    assert!(html.contains(r#"data-party="nobody""#), "{html}");
    let other_id = other_path.strip_prefix("/desk/cases/").unwrap();
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{other_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "refused", "{case}");
    assert!(case["ball"]["party"].is_null(), "{case}");
    assert!(case["ball"]["held_for_seconds"].is_null(), "{case}");
    assert_eq!(case["ball"]["handovers"], 0);
    svc.stop().await;
}
