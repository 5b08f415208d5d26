//! The tenant walls of the desk, URL by URL: staff see only their own retailer.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_staff_see_only_their_own_retailer() {
    let svc = start().await;
    let a = desk_shop(&svc, "Elektro Maier", "SN-A", "Erika Mustermann").await;
    let b = desk_shop(&svc, "Technik Huber", "SN-B", "Max Meier").await;
    // A's case, opened through the API.
    let a_case = id_of(
        &created(
            &svc,
            &format!("/api/retailers/{}/cases", a.retailer_id),
            json!({"serial": "SN-A", "defect_category": "leak", "defect_description": "Water"}),
        )
        .await,
    );
    let client = browser();
    let csrf = signed_in(&svc, &client, &b.email).await;
    let before = desk_snapshot(&svc.db).await;

    // Every page and form with A's ids, an unknown id, or no id at all: 404, nothing of A shown.
    for path in [
        format!("/desk/sales/{}", a.sale_id),
        format!("/desk/cases/{a_case}"),
        format!("/desk/sales/{}", Uuid::now_v7()),
        format!("/desk/cases/{}", Uuid::now_v7()),
        "/desk/sales/not-a-uuid".to_owned(),
        "/desk/cases/not-a-uuid".to_owned(),
    ] {
        let (status, body) = page(&svc, &client, &path).await;
        assert_eq!(status, 404, "GET {path}: {body}");
        assert!(
            !body.contains("SN-A") && !body.contains("Erika"),
            "{path}: {body}"
        );
    }
    for path in [
        format!("/desk/sales/{}/cases", a.sale_id),
        format!("/desk/sales/{}/cases", Uuid::now_v7()),
    ] {
        let (status, body) = post_form(
            &svc,
            &client,
            &path,
            &[
                ("csrf", &csrf),
                ("defect_category", "noise"),
                ("defect_description", "x"),
            ],
        )
        .await;
        assert_eq!(status, 404, "POST {path}: {body}");
    }
    let start = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let end = (Utc::now() + Span::days(1))
        .format("%Y-%m-%dT13:00")
        .to_string();
    for path in [
        format!("/desk/cases/{a_case}/swap"),
        format!("/desk/cases/{}/swap", Uuid::now_v7()),
    ] {
        let (status, body) = post_form(
            &svc,
            &client,
            &path,
            &[
                ("csrf", &csrf),
                ("replacement_sku", "WM-100"),
                ("window_start", &start),
                ("window_end", &end),
                ("name", "Intruder"),
                ("phone", "1"),
                ("street", "x"),
                ("postcode", "1"),
                ("city", "x"),
                ("country", "DE"),
            ],
        )
        .await;
        assert_eq!(status, 404, "POST {path}: {body}");
    }
    // The search never finds A's sale, whatever B types.
    for q in ["R-1", "SN-A", "Erika", "+49 30"] {
        let (status, html) = page(&svc, &client, &format!("/desk?q={}", urlencode(q))).await;
        assert_eq!(status, 200);
        assert!(!html.contains(&a.sale_id.to_string()), "{q}: {html}");
        // B sold with the same receipt number and to the same phone number: those are B's.
        let bs_too = matches!(q, "R-1" | "+49 30");
        assert_eq!(html.contains("No sale matches"), !bs_too, "{q}: {html}");
    }
    // B's own sale with the same receipt number is found.
    let (_, html) = page(&svc, &client, "/desk?q=R-1").await;
    assert!(html.contains(&b.sale_id.to_string()), "{html}");
    assert_eq!(desk_snapshot(&svc.db).await, before);
    svc.stop().await;
}
