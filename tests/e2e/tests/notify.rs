//! End-to-end: the customer is told (issue 13). A swap's whole life across the three real
//! processes — approved (with the status link), the visit scheduled, the crew on the way, the
//! replacement delivered and the unit collected — produces exactly one e-mail (to a real SMTP
//! server) and one SMS (to a local HTTP gateway) per step, also when the retailer process is
//! killed mid-run and restarted, and when every logistics event is delivered twice. A customer
//! without consent gets nothing; a gateway that keeps failing is retried, then given up: shown in
//! the database, counted in the metric the alert rule watches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use chrono::{Duration as Days, Utc};
use common::{Backends, DEADLINE, Svc, System, count, republish_outbox};
use kummerer_contracts::topology::Service;
use kummerer_testkit::eventually;
use kummerer_testkit::notify::{SmsGateway, SmtpServer};
use serde_json::{Value, json};
use uuid::Uuid;

const KINDS: [&str; 4] = [
    "swap_approved",
    "visit_scheduled",
    "on_the_way",
    "delivered_and_collected",
];

/// The distinct e-mails (by `Message-ID`) and SMS (by idempotency key) received.
fn received(smtp: &SmtpServer, sms: &SmsGateway) -> (BTreeSet<String>, BTreeSet<String>) {
    let mails = smtp
        .messages()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let texts = sms
        .received()
        .iter()
        .filter_map(|r| r.idempotency_key.clone())
        .collect();
    (mails, texts)
}

/// The three services, the retailer sending to `smtp` and `sms` (retries without waiting:
/// backoff 0), with `extra` settings.
async fn telling(smtp: &SmtpServer, sms: &SmsGateway, extra: &[(&str, &str)]) -> System {
    let env = smtp
        .env()
        .into_iter()
        .chain(sms.env())
        .chain([("KUMMERER_NOTIFY_BACKOFF_S", "0".to_owned())])
        .map(|(k, v)| (k.to_owned(), v))
        .chain(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .collect();
    System::start_with(Backends {
        env,
        ..Backends::default()
    })
    .await
}

/// The notification ids a query selects.
async fn ids(db: &sea_orm::DatabaseConnection, sql: &str) -> BTreeSet<String> {
    common::strings(db, sql).await.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swaps_whole_life_tells_the_customer_once_per_step_through_a_restart_and_redelivery() {
    let smtp = SmtpServer::start().await;
    let sms = SmsGateway::start(0).await;
    let mut system = telling(&smtp, &sms, &[]).await;
    let seed = system.seed().await;
    let carrier = system.carrier("Kurier Nord", "10").await;
    let (case_id, serial) = system.open_case_sold(&seed, 1, 60).await;
    let approved = system
        .post(
            Svc::Retailer,
            &format!("/api/retailers/{}/cases/{case_id}/swap", seed.retailer_id),
            swap_body(
                json!({"channels": ["email", "sms"], "email": "erika@example.de",
                             "phone": "+49 151 23456789", "consent": true, "language": "de"}),
            ),
        )
        .await;
    let swap_id: Uuid = serde_json::from_value(approved["swap_id"].clone()).unwrap();

    // The retailer process is killed mid-run (SIGKILL) and started again.
    system.process(Svc::Retailer).kill().await;
    system.restart(Svc::Retailer).await;

    system
        .wait_timeline(&seed, case_id, &["job_scheduled"])
        .await;
    let job = system.job_of(&seed, swap_id).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    // The crew's steps, with the carrier's own token, each awaited where the case shows it.
    let eta = Utc::now() + Days::minutes(30);
    for (step, body, shown) in [
        (
            "on-the-way",
            json!({ "eta": eta.to_rfc3339() }),
            Some("on_the_way"),
        ),
        (
            "delivered",
            json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika Mustermann"}),
            None,
        ),
        (
            "collected",
            json!({ "collected_serial": serial }),
            Some("delivered_and_collected"),
        ),
    ] {
        let path = format!("/api/jobs/{job_id}/{step}");
        system
            .post_as(Svc::Logistics, &path, body, Some(&carrier.token))
            .await;
        if let Some(kind) = shown {
            system.wait_timeline(&seed, case_id, &[kind]).await;
        }
    }

    // Every logistics event delivered a second time.
    let again = republish_outbox(&system, Svc::Logistics, Service::Logistics).await;
    assert!(again >= 5, "{again}");

    let db = system.db(Svc::Retailer).await;
    let (mails, texts) = eventually("one e-mail and one SMS per step", DEADLINE, || async {
        let sent = count(
            &db,
            "SELECT count(*) FROM notifications WHERE status = 'sent'",
        )
        .await;
        let got = received(&smtp, &sms);
        (sent == 8 && got.0.len() == 4 && got.1.len() == 4).then_some(got)
    })
    .await;
    for kind in KINDS {
        assert_eq!(
            count(
                &db,
                &format!("SELECT count(*) FROM notifications WHERE kind = '{kind}'")
            )
            .await,
            2,
            "{kind}: one e-mail and one SMS"
        );
    }
    assert_eq!(count(&db, "SELECT count(*) FROM notifications").await, 8);
    // After the restart nothing arrived twice, the redelivered events included. (The approval's
    // message may have been in flight when the process was killed: sent again then, with the
    // same Message-ID / Idempotency-Key, counted once above.)
    let later = smtp
        .messages()
        .iter()
        .filter(|m| !m["subject"].as_str().unwrap().contains("genehmigt"))
        .count();
    assert_eq!(later, 3);
    let approval_id = ids(
        &db,
        "SELECT id::text FROM notifications WHERE channel = 'sms' AND kind = 'swap_approved'",
    )
    .await;
    let later_texts = sms
        .received()
        .iter()
        .filter(|r| {
            r.idempotency_key
                .as_ref()
                .is_some_and(|k| !approval_id.contains(k))
        })
        .count();
    assert_eq!(later_texts, 3);
    // The ids the customer received are the notifications' ids.
    let sms_ids = ids(
        &db,
        "SELECT id::text FROM notifications WHERE channel = 'sms'",
    )
    .await;
    assert_eq!(texts, sms_ids);
    assert!(
        mails.iter().all(|m| m.ends_with("@kummerer.test>")),
        "{mails:?}"
    );
    // The subjects, in German: each step once.
    let subjects: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect();
    for wanted in ["genehmigt", "Liefertermin", "unterwegs", "geliefert"] {
        assert!(
            subjects.iter().any(|s| s.contains(wanted)),
            "{wanted}: {subjects:?}"
        );
    }
    // Only the first message carries the status link, and it opens the customer's page.
    let with_link: Vec<Value> = smtp
        .messages()
        .into_iter()
        .filter(|m| m["text"].as_str().unwrap().contains("/status/"))
        .collect();
    assert!(
        with_link
            .iter()
            .all(|m| m["subject"].as_str().unwrap().contains("genehmigt"))
    );
    let text = with_link[0]["text"].as_str().unwrap();
    let link = text[text.find("http://").unwrap()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let res = reqwest::get(&link).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("data-step=\"delivered\"")
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}

/// The swap's body: tomorrow's window, and `contact` as the customer's contact.
fn swap_body(contact: Value) -> Value {
    let start = Utc::now() + Days::days(1);
    json!({"window_start": start.to_rfc3339(),
           "window_end": (start + Days::hours(4)).to_rfc3339(),
           "customer_contact": contact})
}

/// The retailer's `kummerer_retailer_notifications_failed_total` of `channel`.
async fn given_up(system: &System, channel: &str) -> u64 {
    common::metric(
        system,
        Svc::Retailer,
        "kummerer_retailer_notifications_failed_total",
        &format!("channel=\"{channel}\""),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_consent_tells_nothing_and_a_failing_gateway_is_retried_then_given_up_with_the_alert() {
    let smtp = SmtpServer::start().await;
    // The SMS gateway answers every request with 503.
    let sms = SmsGateway::start(usize::MAX).await;
    let system = telling(&smtp, &sms, &[("KUMMERER_NOTIFY_MAX_ATTEMPTS", "3")]).await;
    let seed = system.seed().await;
    system.carrier("Kurier Nord", "10").await;
    let swap_path =
        |case_id: Uuid| format!("/api/retailers/{}/cases/{case_id}/swap", seed.retailer_id);

    // An e-mail address without the customer's consent is refused, naming the field.
    let (quiet, _) = system.open_case(&seed, 1).await;
    let (status, body) = system
        .try_post(
            Svc::Retailer,
            &swap_path(quiet),
            swap_body(json!({"channels": ["email"], "email": "erika@example.de",
                             "consent": false})),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("customer_contact.consent"),
        "{body}"
    );
    // The customer wants no messages: the swap goes ahead, nobody is told.
    system
        .post(
            Svc::Retailer,
            &swap_path(quiet),
            swap_body(json!({"channels": ["none"], "consent": false})),
        )
        .await;
    // Another customer wants both; the gateway keeps failing.
    let (told, _) = system.open_case(&seed, 2).await;
    system
        .post(
            Svc::Retailer,
            &swap_path(told),
            swap_body(
                json!({"channels": ["email", "sms"], "email": "max@example.de",
                             "phone": "+49 151 98765432", "consent": true, "language": "en"}),
            ),
        )
        .await;
    system.wait_timeline(&seed, quiet, &["job_scheduled"]).await;
    system.wait_timeline(&seed, told, &["job_scheduled"]).await;

    // Approved and scheduled: two e-mails sent; two SMS tried three times each, then given up.
    let db = system.db(Svc::Retailer).await;
    eventually(
        "the e-mails sent and the SMS given up",
        DEADLINE,
        || async {
            let sent = count(
                &db,
                "SELECT count(*) FROM notifications WHERE channel = 'email' AND status = 'sent'",
            )
            .await;
            let failed = count(
                &db,
                "SELECT count(*) FROM notifications WHERE channel = 'sms' AND status = 'failed' \
             AND attempts = 3 AND last_error IS NOT NULL",
            )
            .await;
            (sent == 2 && failed == 2 && smtp.messages().len() == 2).then_some(())
        },
    )
    .await;
    assert_eq!(count(&db, "SELECT count(*) FROM notifications").await, 4);
    assert_eq!(
        count(
            &db,
            &format!("SELECT count(*) FROM notifications WHERE case_id = '{quiet}'")
        )
        .await,
        0,
        "no consent, no message"
    );
    assert_eq!(
        count(
            &db,
            &format!(
                "SELECT count(*) FROM customer_contacts WHERE case_id = '{quiet}' \
                 AND NOT consent AND NOT by_email AND NOT by_sms"
            )
        )
        .await,
        1,
        "the customer's no is recorded"
    );
    assert!(
        smtp.messages()
            .iter()
            .all(|m| m["rcpt_tos"] == json!(["max@example.de"])),
        "{:?}",
        smtp.messages()
    );
    assert_eq!(sms.refused(), 6, "three attempts per SMS");
    assert!(sms.received().is_empty());
    // Given up: counted for the alert, and the alert rule watches that counter.
    eventually("the give-ups counted", DEADLINE, || async {
        (given_up(&system, "sms").await == 2).then_some(())
    })
    .await;
    assert_eq!(given_up(&system, "email").await, 0);
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/prometheus/alerts.yml"
    ))
    .unwrap();
    let rule = &rules[rules
        .find("alert: KummererCustomerNotificationsFailed")
        .expect("the alert rule")..];
    assert!(
        rule.lines()
            .nth(1)
            .is_some_and(|expr| expr.contains("kummerer_retailer_notifications_failed_total")),
        "{rule}"
    );
    system.assert_no_dead_letters().await;
    system.stop().await;
}
