//! The manufacturer's question about a claim: shown on the case with its deadline, the ball with
//! the retailer; answered at the desk by any staff member (or over the API), once, with its
//! message to the manufacturer; anything else refused, nothing saved.

use super::desk::{browser, csrf_of, desk_shop, page, post_form, signed_in};
use crate::support::*;
use chrono::SubsecRound;
use kummerer_contracts::{ClaimInformationRequestedV1, ManufacturerId};

const PROVIDED: &str = "retailer.claim.information_provided.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_answer_the_manufacturers_question_at_the_desk_once() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Elektro Huber", "SN-2", "Max Muster").await;
    let path = |rest: &str| format!("/api/retailers/{}{rest}", desk.retailer_id);
    let case = created(
        &svc,
        &path("/cases"),
        json!({"serial": "SN-1", "defect_category": "noise", "defect_description": "Loud"}),
    )
    .await;
    let case_id = id_of(&case);
    let swap = created(
        &svc,
        &path(&format!("/cases/{case_id}/swap")),
        window_body("x"),
    )
    .await;
    let claim_id: Uuid = swap["claim_id"].as_str().unwrap().parse().unwrap();
    let swap_id: Uuid = swap["swap_id"].as_str().unwrap().parse().unwrap();
    let manufacturer_id: Uuid = manufacturer_of_claim(&svc.db, claim_id).await;
    let answer_path = path(&format!("/claims/{claim_id}/information"));

    // Nothing asked yet: an answer is refused, nothing saved.
    let before = snapshot(&svc.db).await;
    rejects(
        &svc,
        &answer_path,
        json!({"answer": "x"}),
        "409 claim_not_awaiting_information",
    )
    .await;
    assert_eq!(snapshot(&svc.db).await, before);

    let answer_by = (Utc::now() + chrono::Duration::days(3)).trunc_subsecs(6);
    let asked = ClaimInformationRequestedV1 {
        claim_id: claim_id.into(),
        swap_id: swap_id.into(),
        case_id: case_id.into(),
        retailer_id: desk.retailer_id.into(),
        manufacturer_id: ManufacturerId(manufacturer_id),
        question: "Which programme was running?".into(),
        answer_by,
        requested_at: Utc::now().trunc_subsecs(6),
    };
    publish_event(&svc.names, asked.clone()).await;
    wait_kind(&svc, case_id, "information_requested", 1).await;
    // A copy asks nothing twice.
    publish_event(&svc.names, asked).await;
    let (_, case) = get_json(&svc, &path(&format!("/cases/{case_id}"))).await;
    assert_eq!(case["claim"]["status"], "information_requested", "{case}");
    assert!(
        holders(&case["ball"]).contains(&("retailer".to_owned(), "information".to_owned())),
        "{case}"
    );

    // The case page shows the question and links to the answer; another retailer sees nothing.
    let form_path = format!("/desk/claims/{claim_id}/information");
    let clerk = browser();
    let csrf = signed_in(&svc, &clerk, &desk.email).await;
    let (_, html) = page(&svc, &clerk, &format!("/desk/cases/{case_id}")).await;
    assert!(html.contains(&format!(r#"href="{form_path}""#)), "{html}");
    assert!(html.contains("Which programme was running?"), "{html}");
    assert!(html.contains("Manufacturer asks for information"), "{html}");
    let theirs = browser();
    let their_csrf = signed_in(&svc, &theirs, &other.email).await;
    assert_eq!(page(&svc, &theirs, &form_path).await.0, 404);
    let form = [("csrf", their_csrf.as_str()), ("answer", "No")];
    assert_eq!(post_form(&svc, &theirs, &form_path, &form).await.0, 404);
    rejects(
        &svc,
        &format!(
            "/api/retailers/{}/claims/{claim_id}/information",
            other.retailer_id
        ),
        json!({"answer": "x"}),
        "404",
    )
    .await;

    // The clerk: the page, an empty answer (422, kept), then the answer.
    let (status, html) = page(&svc, &clerk, &form_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="information-form""#), "{html}");
    assert!(html.contains("Which programme was running?"), "{html}");
    assert_eq!(csrf_of(&html), csrf);
    let before = snapshot(&svc.db).await;
    let empty = [("csrf", csrf.as_str()), ("answer", "  ")];
    let (status, html) = post_form(&svc, &clerk, &form_path, &empty).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("must not be empty"), "{html}");
    assert_eq!(snapshot(&svc.db).await, before);
    let form = [
        ("csrf", csrf.as_str()),
        ("answer", "Eco 40-60, stopped after the spin"),
    ];
    let (status, _) = post_form(&svc, &clerk, &form_path, &form).await;
    assert_eq!(status, 303);

    let (_, case) = get_json(&svc, &path(&format!("/cases/{case_id}"))).await;
    assert_eq!(case["claim"]["status"], "submitted", "{case}");
    assert!(
        holders(&case["ball"]).contains(&("manufacturer".to_owned(), "claim".to_owned())),
        "{case}"
    );
    assert_eq!(
        timeline_count(&svc.db, case_id, "information_requested").await,
        1
    );
    assert_eq!(
        timeline_count(&svc.db, case_id, "information_provided").await,
        1
    );
    let sent = outbox(&svc.db, PROVIDED).await;
    assert_eq!(sent.len(), 1);
    let data = &sent[0]["data"];
    assert_eq!(data["claim_id"], claim_id.to_string());
    assert_eq!(data["answer"], "Eco 40-60, stopped after the spin");
    assert_eq!(data["answered_by"], desk.email.as_str());

    // Answered once: a second answer (API or desk) is refused, nothing saved.
    let before = snapshot(&svc.db).await;
    rejects(
        &svc,
        &answer_path,
        json!({"answer": "again"}),
        "409 claim_not_awaiting_information",
    )
    .await;
    let (status, _) = post_form(&svc, &clerk, &form_path, &form).await;
    assert_eq!(status, 409);
    assert_eq!(snapshot(&svc.db).await, before);
    svc.stop().await;
}
