//! A claim the manufacturer did not accept, at the desk: the case page says why and links to
//! the resubmit page; a staff member picks the product's manufacturer and resubmits (the same
//! use case as the API: claim `submitted` again, the product corrected, a new submission in the
//! outbox); bad input and a claim that is not `not_accepted` change nothing.

use super::desk::{add_staff, browser, desk_shop, page, post_form, signed_in};
use crate::support::*;
use chrono::SubsecRound;
use kummerer_contracts::{ClaimNotAcceptedV1, ManufacturerId, NotAcceptedReason};

const SUBMITTED: &str = "retailer.claim.submitted.v1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_correct_the_manufacturer_and_resubmit_at_the_desk() {
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
    let form_path = format!("/desk/claims/{claim_id}/resubmit");
    let clerk = browser();
    let csrf = signed_in(&svc, &clerk, &desk.email).await;

    // Still submitted: the page offers no form, a post is refused (409), nothing changed.
    let (status, html) = page(&svc, &clerk, &form_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="cannot-resubmit""#), "{html}");
    let before = snapshot(&svc.db).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("manufacturer_id", &manufacturer_id.to_string()),
        ("other_manufacturer_id", ""),
    ];
    let (status, html) = post_form(&svc, &clerk, &form_path, &form).await;
    assert_eq!(status, 409, "{html}");
    assert_eq!(snapshot(&svc.db).await, before);

    publish_event(
        &svc.names,
        ClaimNotAcceptedV1 {
            claim_id: claim_id.into(),
            swap_id: swap_id.into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            manufacturer_id: ManufacturerId(manufacturer_id),
            reason: NotAcceptedReason::UnknownManufacturer,
            detail: "no such manufacturer".into(),
            answers: "retailer.claim.submitted.v1".into(),
            answered_message_id: Uuid::new_v4(),
            not_accepted_at: Utc::now().trunc_subsecs(6),
        },
    )
    .await;
    wait_kind(&svc, case_id, "claim_not_accepted", 1).await;

    // The case page says why and links to the page; another retailer sees nothing.
    let (_, html) = page(&svc, &clerk, &format!("/desk/cases/{case_id}")).await;
    assert!(html.contains(&format!(r#"href="{form_path}""#)), "{html}");
    assert!(
        html.contains("the manufacturer does not know this product"),
        "{html}"
    );
    let theirs = browser();
    let their_csrf = signed_in(&svc, &theirs, &other.email).await;
    assert_eq!(page(&svc, &theirs, &form_path).await.0, 404);
    let form = [
        ("csrf", their_csrf.as_str()),
        ("manufacturer_id", &manufacturer_id.to_string()),
    ];
    assert_eq!(post_form(&svc, &theirs, &form_path, &form).await.0, 404);

    // The form: the reason, the current manufacturer offered; a bad id is refused (422).
    let (status, html) = page(&svc, &clerk, &form_path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="resubmit-form""#), "{html}");
    assert!(html.contains(&manufacturer_id.to_string()), "{html}");
    let before = snapshot(&svc.db).await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("manufacturer_id", &manufacturer_id.to_string()),
        ("other_manufacturer_id", "not-an-id"),
    ];
    let (status, html) = post_form(&svc, &clerk, &form_path, &bad).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("Pick a manufacturer"), "{html}");
    assert_eq!(snapshot(&svc.db).await, before);

    // Another manufacturer by id: resubmitted, the product corrected, a second submission sent.
    let corrected = Uuid::new_v4();
    let good = [
        ("csrf", csrf.as_str()),
        ("manufacturer_id", &manufacturer_id.to_string()),
        ("other_manufacturer_id", &corrected.to_string()),
    ];
    let (status, _) = post_form(&svc, &clerk, &form_path, &good).await;
    assert_eq!(status, 303);
    let (_, case) = get_json(&svc, &path(&format!("/cases/{case_id}"))).await;
    assert_eq!(case["claim"]["status"], "submitted", "{case}");
    assert_eq!(case["claim"]["submissions"], 2, "{case}");
    assert_eq!(
        case["claim"]["manufacturer_id"],
        corrected.to_string(),
        "{case}"
    );
    assert_eq!(
        timeline_count(&svc.db, case_id, "claim_resubmitted").await,
        1
    );
    let sent = outbox(&svc.db, SUBMITTED).await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .any(|m| m["data"]["manufacturer_id"] == corrected.to_string()),
        "{sent:?}"
    );
}

/// The desk's case with its swap's claim, which the manufacturer then did not accept:
/// `(case, claim)`.
async fn not_accepted_claim(svc: &TestService, desk: &super::desk::Desk) -> (Uuid, Uuid) {
    let path = |rest: &str| format!("/api/retailers/{}{rest}", desk.retailer_id);
    let case = created(
        svc,
        &path("/cases"),
        json!({"serial": "SN-1", "defect_category": "noise", "defect_description": "Loud"}),
    )
    .await;
    let case_id = id_of(&case);
    let swap = created(
        svc,
        &path(&format!("/cases/{case_id}/swap")),
        window_body("x"),
    )
    .await;
    let id = |k: &str| swap[k].as_str().unwrap().parse::<Uuid>().unwrap();
    let claim_id = id("claim_id");
    let manufacturer_id: Uuid = manufacturer_of_claim(&svc.db, claim_id).await;
    publish_event(
        &svc.names,
        ClaimNotAcceptedV1 {
            claim_id: claim_id.into(),
            swap_id: id("swap_id").into(),
            case_id: case_id.into(),
            retailer_id: desk.retailer_id.into(),
            manufacturer_id: ManufacturerId(manufacturer_id),
            reason: NotAcceptedReason::NoAgreement,
            detail: String::new(),
            answers: SUBMITTED.into(),
            answered_message_id: Uuid::new_v4(),
            not_accepted_at: Utc::now().trunc_subsecs(6),
        },
    )
    .await;
    wait_kind(svc, case_id, "claim_not_accepted", 1).await;
    (case_id, claim_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_writes_off_a_claim_not_accepted_and_nobody_holds_it_any_more() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let (case_id, claim_id) = not_accepted_claim(&svc, &desk).await;
    let case_path = format!("/api/retailers/{}/cases/{case_id}", desk.retailer_id);
    let (_, case) = get_json(&svc, &case_path).await;
    assert!(
        holders(&case["ball"]).contains(&("retailer".to_owned(), "claim".to_owned())),
        "{case}"
    );
    let form_path = format!("/desk/claims/{claim_id}/resubmit");
    let write_off = format!("/desk/claims/{claim_id}/write-off");

    // A clerk sees no write-off and is refused one (403), nothing changed.
    let clerk = browser();
    let csrf = signed_in(&svc, &clerk, &desk.email).await;
    let (_, html) = page(&svc, &clerk, &form_path).await;
    assert!(html.contains(r#"id="resubmit-form""#), "{html}");
    assert!(!html.contains(r#"id="write-off-form""#), "{html}");
    let before = snapshot(&svc.db).await;
    let form = [("csrf", csrf.as_str())];
    assert_eq!(post_form(&svc, &clerk, &write_off, &form).await.0, 403);
    assert_eq!(snapshot(&svc.db).await, before);

    // The manager writes it off: final, nobody holds the claim, the ledger says written off.
    let manager = "manager@maier.example";
    add_staff(&svc, desk.retailer_id, manager, "manager").await;
    let boss = browser();
    let csrf = signed_in(&svc, &boss, manager).await;
    let (_, html) = page(&svc, &boss, &form_path).await;
    assert!(html.contains(r#"id="write-off-form""#), "{html}");
    let form = [("csrf", csrf.as_str())];
    let (status, _) = post_form(&svc, &boss, &write_off, &form).await;
    assert_eq!(status, 303);
    let (_, case) = get_json(&svc, &case_path).await;
    assert_eq!(case["claim"]["status"], "written_off", "{case}");
    assert!(
        !holders(&case["ball"])
            .iter()
            .any(|(_, holds)| holds == "claim"),
        "{case}"
    );
    assert_eq!(
        timeline_count(&svc.db, case_id, "claim_written_off").await,
        1
    );
    let (_, ledger) = get_json(&svc, &format!("/api/retailers/{}/ledger", desk.retailer_id)).await;
    assert_eq!(ledger["items"][0]["status"], "written_off", "{ledger}");
    assert_eq!(ledger["items"][0]["deadlines"], json!([]), "{ledger}");
    let (_, open) = get_json(
        &svc,
        &format!("/api/retailers/{}/ledger?status=open", desk.retailer_id),
    )
    .await;
    assert_eq!(open["items"], json!([]), "{open}");

    // Written off once: again (or a resubmission) is refused, nothing changed.
    let before = snapshot(&svc.db).await;
    let (status, html) = post_form(&svc, &boss, &write_off, &form).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("can be written off"), "{html}");
    let (status, _) = post_form(
        &svc,
        &boss,
        &form_path,
        &[
            ("csrf", csrf.as_str()),
            ("manufacturer_id", &Uuid::new_v4().to_string()),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(snapshot(&svc.db).await, before);
}
