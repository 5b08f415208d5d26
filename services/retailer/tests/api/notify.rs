//! The customer is told: notifications written with the change (approval, logistics events),
//! sent once per event and channel by the worker to a real SMTP server and a local SMS gateway,
//! retried, shown failed on the case; nothing without consent; the status link handed over as an
//! absolute URL, with a QR code on the case page, expiring after the case closed.

use std::collections::HashMap;

use kummerer_testkit::notify::{SmsGateway, SmtpServer};
use retailer::settings::NotifySettings;

use crate::desk::{desk_shop, open_desk_case, signed_in};
use crate::support::*;
use kummerer_testkit::forms::{browser, page, post_form};

/// Starts the service sending to `smtp` and `sms` (retries without waiting: backoff 0).
async fn start_telling(
    smtp: Option<&SmtpServer>,
    sms: Option<&SmsGateway>,
    extra: &[(&'static str, &str)],
) -> TestService {
    let mut vars: HashMap<&str, String> = HashMap::new();
    vars.extend(smtp.map(SmtpServer::env).unwrap_or_default());
    vars.extend(sms.map(SmsGateway::env).unwrap_or_default());
    vars.insert("KUMMERER_NOTIFY_BACKOFF_S", "0".to_owned());
    for (k, v) in extra {
        vars.insert(k, (*v).to_owned());
    }
    NotifySettings::give(NotifySettings::from_lookup(|k| vars.get(k).cloned()).unwrap());
    start().await
}

fn with_contact(contact: Json) -> Json {
    let mut body = window_body("clerk.anna");
    body["customer_contact"] = contact;
    body
}

fn erika() -> Json {
    json!({"channels": ["email", "sms"], "email": "erika@example.de",
           "phone": "0151 23456789", "consent": true, "language": "de"})
}

async fn approve_with(svc: &TestService, shop: &Shop, contact: Json) -> Uuid {
    let body = created(svc, &shop.swap_path(), with_contact(contact)).await;
    body["swap_id"].as_str().unwrap().parse().unwrap()
}

async fn timeline_kind(svc: &TestService, case_id: Uuid, kind: &str, n: i64) {
    eventually(kind, DEADLINE, || async {
        let c = count(
            &svc.db,
            "SELECT 1 FROM timeline WHERE case_id = $1 AND kind = $2",
            vec![case_id.into(), kind.into()],
        )
        .await;
        (c >= n).then_some(())
    })
    .await;
}

async fn rows(svc: &TestService, sql: &str, values: Vec<Value>) -> i64 {
    count(&svc.db, sql, values).await
}

/// The one absolute status link in a text.
fn link_in(text: &str) -> String {
    let start = text.find("http://").expect("an absolute link");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_is_told_once_per_event_and_channel_with_the_status_link_first() {
    let smtp = SmtpServer::start().await;
    let sms = SmsGateway::start(0).await;
    let svc = start_telling(Some(&smtp), Some(&sms), &[]).await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let swap_id = approve_with(&svc, &shop, erika()).await;

    // The contact as recorded: the number in E.164.
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT phone || '|' || email || '|' || language FROM customer_contacts",
            vec![]
        )
        .await,
        "+4915123456789|erika@example.de|de"
    );
    // The approval's notifications were written with the swap, one per channel.
    assert_eq!(
        rows(
            &svc,
            "SELECT 1 FROM notifications WHERE event_id = $1 AND kind = 'swap_approved'",
            vec![swap_id.into()]
        )
        .await,
        2
    );
    let mails = eventually("the approval's e-mail and SMS", DEADLINE, || async {
        let m = smtp.messages();
        (m.len() == 1 && sms.received().len() == 1).then_some(m)
    })
    .await;
    let mail = &mails[0];
    assert_eq!(mail["rcpt_tos"], json!(["erika@example.de"]));
    let subject = mail["subject"].as_str().unwrap();
    assert!(
        subject.contains("genehmigt") && subject.contains("Elektro Maier"),
        "{subject}"
    );
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("Uhr"), "local time in German: {text}");
    let link = link_in(text);
    assert!(
        link.starts_with(&svc.base_url) && link.contains("/status/"),
        "{link}"
    );
    assert!(mail["html"].as_str().unwrap().contains(&link));
    let email_id = one_string(
        &svc.db,
        "SELECT id::text FROM notifications WHERE channel = 'email'",
        vec![],
    )
    .await;
    assert_eq!(mail["message_id"], format!("<{email_id}@kummerer.test>"));
    let sent = &sms.received()[0];
    assert_eq!(sent.body["to"], "+4915123456789");
    assert!(sent.body["text"].as_str().unwrap().contains(&link));
    assert_eq!(sent.authorization.as_deref(), Some("Bearer sms-test-token"));
    let sms_id = one_string(
        &svc.db,
        "SELECT id::text FROM notifications WHERE channel = 'sms'",
        vec![],
    )
    .await;
    assert_eq!(sent.idempotency_key.as_deref(), Some(sms_id.as_str()));
    eventually("both marked sent", DEADLINE, || async {
        (rows(
            &svc,
            "SELECT 1 FROM notifications WHERE status = 'sent'",
            vec![],
        )
        .await
            == 2)
            .then_some(())
    })
    .await;

    // The link works for the customer and names the store.
    let res = reqwest::get(&link).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Elektro Maier"), "{html}");

    // The visit is scheduled — and the event delivered twice (once after the inbox forgot it).
    let scheduled = publish_event(
        &svc.names,
        job_scheduled(&shop, swap_id, Utc::now() + Span::minutes(1)),
    )
    .await;
    timeline_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    publish_envelope(&svc.names, &scheduled).await;
    svc.db
        .execute_unprepared("DELETE FROM inbox")
        .await
        .unwrap();
    publish_envelope(&svc.names, &scheduled).await;
    // A marker behind the copies: once it is applied, so were they.
    let failed = publish_event(
        &svc.names,
        crate::case_events::job_failed(&shop, swap_id, 1, Utc::now() + Span::minutes(2)),
    )
    .await;
    timeline_kind(&svc, shop.case_id, "delivery_failed", 1).await;
    assert_eq!(
        rows(
            &svc,
            "SELECT 1 FROM notifications WHERE event_id = $1",
            vec![scheduled.id.into()]
        )
        .await,
        2,
        "one per channel, however often the event came"
    );
    let mails = eventually("three e-mails and three SMS", DEADLINE, || async {
        let m = smtp.messages();
        (m.len() == 3 && sms.received().len() == 3).then_some(m)
    })
    .await;
    let failure = mails
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("nicht möglich"))
        .expect("the failed attempt's e-mail");
    let text = failure["text"].as_str().unwrap();
    assert!(
        text.contains("nicht angetroffen") && !text.contains("not_home"),
        "{text}"
    );
    assert!(
        !text.contains("/status/"),
        "the link goes with the first message only"
    );
    assert_eq!(
        rows(
            &svc,
            "SELECT 1 FROM notifications WHERE event_id = $1",
            vec![failed.id.into()]
        )
        .await,
        2
    );
    // Every row is sent, and each arrived once.
    eventually("all six sent", DEADLINE, || async {
        (rows(
            &svc,
            "SELECT 1 FROM notifications WHERE status = 'sent'",
            vec![],
        )
        .await
            == 6)
            .then_some(())
    })
    .await;
    assert_eq!(rows(&svc, "SELECT 1 FROM notifications", vec![]).await, 6);
    assert_eq!((smtp.messages().len(), sms.received().len()), (3, 3));
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_consent_or_a_channel_nothing_is_sent_and_bad_contacts_are_refused() {
    let smtp = SmtpServer::start().await;
    let svc = start_telling(Some(&smtp), None, &[]).await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    // Bad contacts: 422 naming the field, nothing saved.
    for (contact, field) in [
        (
            json!({"channels": ["email"], "email": "erika@example.de", "consent": false}),
            "customer_contact.consent",
        ),
        (
            json!({"channels": ["email"], "email": "erika(at)example", "consent": true}),
            "customer_contact.email",
        ),
        (
            json!({"channels": ["sms"], "phone": "12", "consent": true}),
            "customer_contact.phone",
        ),
        (
            json!({"channels": ["sms"], "consent": true}),
            "customer_contact.phone",
        ),
        (
            json!({"channels": ["pigeon"], "consent": true}),
            "customer_contact.channels",
        ),
        (
            json!({"channels": [], "consent": true, "language": "fr"}),
            "customer_contact.language",
        ),
    ] {
        let (status, body) = post_json(&svc, &shop.swap_path(), with_contact(contact)).await;
        assert_eq!(status, 422, "{body}");
        assert!(body.to_string().contains(field), "{field}: {body}");
    }
    assert_eq!(rows(&svc, "SELECT 1 FROM swaps", vec![]).await, 0);
    // The customer wants no messages: recorded, nothing written, nothing sent.
    approve_with(&svc, &shop, json!({"channels": ["none"], "consent": false})).await;
    assert_eq!(
        rows(&svc, "SELECT 1 FROM customer_contacts", vec![]).await,
        1
    );
    assert_eq!(rows(&svc, "SELECT 1 FROM notifications", vec![]).await, 0);
    let swap_id = one_string(&svc.db, "SELECT id::text FROM swaps", vec![])
        .await
        .parse::<Uuid>()
        .unwrap();
    publish_event(&svc.names, job_scheduled(&shop, swap_id, Utc::now())).await;
    timeline_kind(&svc, shop.case_id, "job_scheduled", 1).await;
    assert_eq!(rows(&svc, "SELECT 1 FROM notifications", vec![]).await, 0);
    assert!(smtp.messages().is_empty());
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeliverable_notification_is_retried_then_shows_failed_on_the_case() {
    // The SMS gateway refuses once (retried and sent); e-mail goes to a port nobody listens on
    // (three attempts, then failed, on the case page).
    let sms = SmsGateway::start(1).await;
    let dead = kummerer_testkit::free_port();
    let svc = start_telling(
        None,
        Some(&sms),
        &[
            ("KUMMERER_SMTP_HOST", "127.0.0.1"),
            ("KUMMERER_SMTP_PORT", &dead.to_string()),
            ("KUMMERER_SMTP_TLS", "none"),
            ("KUMMERER_SMTP_FROM", "service@kummerer.test"),
            ("KUMMERER_NOTIFY_MAX_ATTEMPTS", "3"),
        ],
    )
    .await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let day = Utc::now() + Span::days(1);
    let form: Vec<(&str, String)> = vec![
        ("csrf", csrf.clone()),
        ("window_start", day.format("%Y-%m-%dT09:00").to_string()),
        ("window_end", day.format("%Y-%m-%dT13:00").to_string()),
        ("name", "Erika Mustermann".into()),
        ("phone", "+49 30 1234567".into()),
        ("street", "Nebenstraße 2".into()),
        ("postcode", "10117".into()),
        ("city", "Berlin".into()),
        ("country", "de".into()),
        ("notify_email", "on".into()),
        ("contact_email", "erika@example.de".into()),
        ("notify_sms", "on".into()),
        ("contact_phone", "+49 151 23456789".into()),
        ("consent", "on".into()),
        ("language", "en".into()),
    ];
    // Without consent the form says so, and nothing is approved.
    let no_consent: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| *k != "consent")
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let (status, html) = post_form(&svc, &client, &format!("{case_path}/swap"), &no_consent).await;
    assert_eq!(status, 200, "the form again, with its errors: {html}");
    assert!(html.contains("must agree"), "{html}");
    assert_eq!(rows(&svc, "SELECT 1 FROM swaps", vec![]).await, 0);
    let with_consent: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _) = post_form(&svc, &client, &format!("{case_path}/swap"), &with_consent).await;
    assert_eq!(status, 303);

    eventually("the SMS sent on its second attempt", DEADLINE, || async {
        (rows(
            &svc,
            "SELECT 1 FROM notifications WHERE channel = 'sms' AND status = 'sent' \
                 AND attempts = 2",
            vec![],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    assert_eq!(sms.received().len(), 1);
    let text = sms.received()[0].body["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("Your replacement is approved") || text.contains("replaced"),
        "{text}"
    );
    eventually(
        "the e-mail failed after three attempts",
        DEADLINE,
        || async {
            (rows(
                &svc,
                "SELECT 1 FROM notifications WHERE channel = 'email' AND status = 'failed' \
                 AND attempts = 3 AND last_error LIKE 'smtp:%'",
                vec![],
            )
            .await
                == 1)
                .then_some(())
        },
    )
    .await;
    let (_, html) = page(&svc, &client, &case_path).await;
    assert!(
        html.contains(r#"data-channel="email" data-status="failed""#),
        "{html}"
    );
    assert!(html.contains("FAILED after 3 attempts"), "{html}");
    assert!(
        html.contains(r#"data-channel="sms" data-status="sent""#),
        "{html}"
    );

    // The counter's status link: absolute, with its QR code drawn here (SVG).
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/status-link"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            r#"id="new-status-link" href="{}/status/"#,
            svc.base_url
        )),
        "{html}"
    );
    let qr = html.find(r#"id="status-qr""#).expect("a QR code");
    assert!(html[qr..].contains("<svg"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_link_expires_a_set_time_after_the_case_closes() {
    let smtp = SmtpServer::start().await;
    let svc = start_telling(Some(&smtp), None, &[("KUMMERER_STATUS_LINK_DAYS", "1")]).await;
    let shop = shop(&svc, "Elektro Maier", "SN-1").await;
    let swap_id = approve_with(
        &svc,
        &shop,
        json!({"channels": ["email"], "email": "erika@example.de", "consent": true,
               "language": "en"}),
    )
    .await;
    let mail = eventually("the approval's e-mail", DEADLINE, || async {
        smtp.messages().pop()
    })
    .await;
    let link = link_in(mail["text"].as_str().unwrap());
    assert!(
        mail["subject"].as_str().unwrap().contains("approved"),
        "{mail}"
    );
    let status_of = |link: String| async move {
        let res = reqwest::get(&link).await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let (status, html) = status_of(link.clone()).await;
    assert_eq!(status, 200);
    assert!(!html.contains("expired"), "{html}");

    let done = Utc::now();
    publish_event(
        &svc.names,
        JobCompletedV1 {
            job_id: Uuid::now_v7().into(),
            swap_id: swap_id.into(),
            case_id: shop.case_id.into(),
            retailer_id: shop.retailer_id.into(),
            delivered_serial: "SN-NEW".into(),
            collected_serial: shop.serial.clone(),
            collected_serial_matches: true,
            recipient_name: "Erika".into(),
            completed_at: done,
        },
    )
    .await;
    timeline_kind(&svc, shop.case_id, "delivered_and_collected", 1).await;
    let (status, html) = status_of(link.clone()).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Delivered"),
        "a closed case's link works for a while: {html}"
    );
    // Three days later (the case's facts moved back in time): past the one day links live.
    svc.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE timeline SET occurred_at = occurred_at - interval '3 days' WHERE case_id = $1",
            vec![shop.case_id.into()],
        ))
        .await
        .unwrap();
    let (status, html) = status_of(link).await;
    assert_eq!(status, 200);
    assert!(html.contains("This link has expired"), "{html}");
    assert!(html.contains("Elektro Maier"), "names the store: {html}");
    assert!(!html.contains("Washing machine"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_told_once_per_channel_and_a_new_link_replaces_the_one_sent() {
    let smtp = SmtpServer::start().await;
    let sms = SmsGateway::start(0).await;
    let svc = start_telling(Some(&smtp), Some(&sms), &[]).await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let client = browser();
    let csrf = signed_in(&svc, &client, &desk.email).await;
    let case_path = open_desk_case(&svc, &client, &csrf, desk.sale_id).await;
    let refuse_path = format!("{case_path}/refuse");
    let refuse = |contact: &'static [(&'static str, &'static str)]| {
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("reason_code", "outside_warranty"),
            ("reason_text", "Gekauft im März 2019"),
        ];
        fields.extend_from_slice(contact);
        let (svc, client, path) = (&svc, &client, refuse_path.clone());
        async move { post_form(svc, client, &path, &fields).await }
    };

    // A bad contact: the case page with the field's error, nothing refused, nothing written.
    let (status, html) = refuse(&[
        ("notify_email", "on"),
        ("contact_email", "erika(at)example"),
        ("consent", "on"),
    ])
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("field-error"), "{html}");
    assert_eq!(rows(&svc, "SELECT 1 FROM refusals", vec![]).await, 0);
    assert_eq!(rows(&svc, "SELECT 1 FROM notifications", vec![]).await, 0);

    let (status, _) = refuse(&[
        ("notify_email", "on"),
        ("contact_email", "erika@example.de"),
        ("notify_sms", "on"),
        ("contact_phone", "0151 23456789"),
        ("consent", "on"),
        ("language", "de"),
    ])
    .await;
    assert_eq!(status, 303);
    // Written with the refusal, one per channel; a second refusal is refused and adds none.
    assert_eq!(
        rows(
            &svc,
            "SELECT 1 FROM notifications WHERE kind = 'refused'",
            vec![]
        )
        .await,
        2
    );
    let (status, _) = refuse(&[]).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&svc, "SELECT 1 FROM notifications", vec![]).await, 2);
    let mails = eventually("the refusal's e-mail and SMS", DEADLINE, || async {
        let m = smtp.messages();
        (m.len() == 1 && sms.received().len() == 1).then_some(m)
    })
    .await;
    let text = mails[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Garantie"),
        "the reason in plain German: {text}"
    );
    assert!(text.contains("Gekauft im März 2019"), "{text}");
    assert!(!text.contains("outside_warranty"), "{text}");
    let sent = sms.received()[0].body["text"].as_str().unwrap().to_owned();
    assert!(sent.contains("Garantie"), "{sent}");

    // The first notification handed over the status link: it works ...
    let sent_link = link_in(text);
    let res = reqwest::get(&sent_link).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // ... until the counter makes a new one: one live link per case.
    let (status, html) = post_form(
        &svc,
        &client,
        &format!("{case_path}/status-link"),
        &[("csrf", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let new_link = svc.url(&crate::desk::status_link_of(&html));
    assert_eq!(
        reqwest::get(&sent_link).await.unwrap().status().as_u16(),
        404
    );
    assert_eq!(
        reqwest::get(&new_link).await.unwrap().status().as_u16(),
        200
    );
    assert_eq!(
        rows(
            &svc,
            "SELECT 1 FROM cases WHERE status_token_hash IS NOT NULL",
            vec![]
        )
        .await,
        1
    );
    // Nothing more was sent.
    assert_eq!(smtp.messages().len(), 1);
    svc.stop().await;
}
