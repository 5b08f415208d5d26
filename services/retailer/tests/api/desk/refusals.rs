//! A case refused with a reason and a text, reported to the managers.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_refused_with_a_reason_and_a_text_and_reported_to_managers() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let manager = "manager@sn-1.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;

    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let other_client = browser();
    let other_csrf = signed_in(&svc, &other_client, &other.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let case_id: Uuid = case_path
        .strip_prefix("/desk/cases/")
        .unwrap()
        .parse()
        .unwrap();
    let refuse_path = format!("{case_path}/refuse");
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(html.contains("refuse-form"), "{html}");
    for code in [
        "outside_warranty",
        "damage_by_customer",
        "no_defect_found",
        "not_sold_here",
        "other",
    ] {
        assert!(
            html.contains(&format!("value=\"{code}\"")),
            "{code}: {html}"
        );
    }

    // Every refusal needs a reason code from the list and a text of at most 1000 characters.
    let long = "x".repeat(1001);
    let before = desk_snapshot(&svc.db).await;
    assert_eq!(
        post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", "forged"),
                ("reason_code", "other"),
                ("reason_text", "no")
            ]
        )
        .await
        .0,
        403
    );
    for (reason, text, message) in [
        (
            "",
            "The drum was dented by a fall",
            "choose the reason for the refusal",
        ),
        (
            "our_regulations",
            "Because",
            "choose the reason for the refusal",
        ),
        ("other", "   ", "must not be empty"),
        ("other", long.as_str(), "must be at most 1000 characters"),
    ] {
        let (status, html) = post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", csrf.as_str()),
                ("reason_code", reason),
                ("reason_text", text),
            ],
        )
        .await;
        assert_eq!(status, 200, "{reason} {text}");
        assert!(html.contains(message), "{message}: {html}");
        assert!(html.contains("refuse-form"), "{html}");
    }
    // Another retailer's case: the same 404 as an unknown one.
    let (status, _) = post_form(
        &svc,
        &other_client,
        &refuse_path,
        &[
            ("csrf", other_csrf.as_str()),
            ("reason_code", "other"),
            ("reason_text", "Not ours"),
        ],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(desk_snapshot(&svc.db).await, before);

    let (_, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/status-link"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    let link = status_link_of(&html);

    // The refusal: the case is closed as refused, the timeline says who and why, nothing is sent.
    let text = "Cable cut through; damage by the customer, not a defect.";
    assert_eq!(
        post_form(
            &svc,
            &client,
            &refuse_path,
            &[
                ("csrf", csrf.as_str()),
                ("reason_code", "damage_by_customer"),
                ("reason_text", text)
            ],
        )
        .await,
        (303, case_path.clone())
    );
    let (_, case) = get_json(
        &svc,
        &format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id),
    )
    .await;
    assert_eq!(case["status"], "refused");
    assert!(case["swap"].is_null(), "{case}");
    let refused = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "case_refused")
        .unwrap()
        .clone();
    assert_eq!(refused["details"]["reason_code"], "damage_by_customer");
    assert_eq!(refused["details"]["reason_text"], text);
    assert_eq!(refused["details"]["refused_by"], desk.email);
    assert_eq!(count(&svc.db, OUTBOX_BUT_PROFILES, vec![]).await, 0);
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        !html.contains("refuse-form") && !html.contains("swap-form"),
        "{html}"
    );
    assert!(html.contains("case_refused"), "{html}");
    // The customer's link says "refused" — and not why or by whom.
    let res = reqwest::get(svc.url(&link)).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"data-step="refused""#), "{html}");
    assert!(
        !html.contains("Cable cut") && !html.contains(&desk.email),
        "{html}"
    );

    // Refused is closed: no second refusal, no swap; a new case on the unit may be opened.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = post_form(
        &svc,
        &client,
        &refuse_path,
        &[
            ("csrf", csrf.as_str()),
            ("reason_code", "other"),
            ("reason_text", "again"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("this case cannot be refused: the case is closed"),
        "{html}"
    );
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/swap"),
        &[
            ("csrf", csrf.as_str()),
            ("replacement_sku", "WM-100"),
            (
                "window_start",
                &(Utc::now() + Span::days(1))
                    .format("%Y-%m-%dT09:00")
                    .to_string(),
            ),
            (
                "window_end",
                &(Utc::now() + Span::days(1))
                    .format("%Y-%m-%dT13:00")
                    .to_string(),
            ),
            ("name", "E"),
            ("phone", "1"),
            ("street", "S"),
            ("postcode", "1"),
            ("city", "B"),
            ("country", "DE"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("the case is closed"), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    let (status, second) = post_case(
        &svc,
        &client,
        &csrf,
        desk.sale_id,
        "Loud banging again",
        true,
    )
    .await;
    assert_eq!(status, 303, "{second}");
    assert_ne!(second, case_path);

    // The other retailer refuses one too; it never shows in this retailer's report.
    let other_case = open_desk_case(&svc, &other_client, &other_csrf, other.sale_id).await;
    assert_eq!(
        post_form(
            &svc,
            &other_client,
            &format!("{other_case}/refuse"),
            &[
                ("csrf", other_csrf.as_str()),
                ("reason_code", "not_sold_here"),
                ("reason_text", "Elsewhere")
            ],
        )
        .await
        .0,
        303
    );

    // The report: managers and admins only.
    let (status, html) = page(&svc, &client, "/desk/reports/refusals").await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("Managers only"), "{html}");
    let boss = browser();
    signed_in(&svc, &boss, manager).await;
    let (status, html) = page(&svc, &boss, "/desk/reports/refusals").await;
    assert_eq!(status, 200, "{html}");
    for shown in [
        "id=\"total\">1<",
        "data-reason=\"damage_by_customer\">1<",
        "data-reason=\"not_sold_here\">0<",
        &format!("Anna Clerk ({})", desk.email),
        r#"<td>No store</td><td class="n">1</td>"#,
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    assert!(!html.contains(&other.email), "{html}");
    let (_, html) = page(
        &svc,
        &boss,
        "/desk/reports/refusals?from=2020-01-01&to=2020-01-31",
    )
    .await;
    assert!(html.contains("id=\"total\">0<"), "{html}");
    assert!(html.contains("Nobody refused a case"), "{html}");
    let (status, html) = page(&svc, &boss, "/desk/reports/refusals?from=yesterday").await;
    assert_eq!(status, 200);
    assert!(html.contains("Enter the days as YYYY-MM-DD"), "{html}");
    let (_, html) = page(
        &svc,
        &boss,
        "/desk/reports/refusals?from=2026-02-01&to=2026-01-01",
    )
    .await;
    assert!(html.contains("must not end before it starts"), "{html}");
    // Without a session: to the sign-in page.
    let (status, location) = page(&svc, &browser(), "/desk/reports/refusals").await;
    assert_eq!((status, location.as_str()), (303, "/desk/sign-in"));
    svc.stop().await;
}
