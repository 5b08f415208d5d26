//! What the customer is told, and how: the contact recorded at the counter (parsed once: an
//! e-mail address that looks like one, a phone number in E.164), the notices of the steps the
//! customer cares about, and their texts in German and English, in the store's local time.
//! Pure: no database, no mailer.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kummerer_contracts::{FailureReason, TimeWindow};

use super::refusal::RefusalReason;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    De,
    En,
}

impl Language {
    pub fn parse(raw: &str) -> Option<Language> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "de" => Some(Language::De),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(raw: &str) -> Option<Channel> {
        match raw {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// The customer's contact as recorded at the counter: nothing is sent without consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub by_email: bool,
    pub by_sms: bool,
    pub consent: bool,
    /// `None`: the store's language.
    pub language: Option<Language>,
}

impl Contact {
    /// The channels a notification goes by, with the recipient: none without consent.
    pub fn channels(&self) -> Vec<(Channel, String)> {
        if !self.consent {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let (true, Some(email)) = (self.by_email, &self.email) {
            out.push((Channel::Email, email.clone()));
        }
        if let (true, Some(phone)) = (self.by_sms, &self.phone) {
            out.push((Channel::Sms, phone.clone()));
        }
        out
    }
}

/// An e-mail address that can be written on an envelope: one `@`, a local part, a domain with a
/// dot, no spaces or angle brackets; lower-cased domain.
pub fn parse_email(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 254 {
        return Err("enter the customer's e-mail address");
    }
    let Some((local, domain)) = raw.rsplit_once('@') else {
        return Err("an e-mail address has an @");
    };
    let bad = |s: &str| {
        s.is_empty()
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"@".contains(c))
    };
    if bad(local) || bad(domain) || local.len() > 64 {
        return Err("this is not an e-mail address");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return Err("the part after the @ is not a domain");
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A mobile or landline number, national (German by default) or international, as E.164.
pub fn parse_phone(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("enter the customer's phone number");
    }
    let number = phonenumber::parse(Some(phonenumber::country::Id::DE), raw)
        .map_err(|_| "this is not a phone number")?;
    if !phonenumber::is_valid(&number) {
        return Err("this is not a valid phone number");
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The store the customer deals with: named in every message, its time zone for every time.
#[derive(Debug, Clone)]
pub struct Place {
    pub store: String,
    pub phone: String,
    pub time_zone: Tz,
    pub language: Language,
}

/// A time zone name (IANA), else Europe/Berlin.
pub fn time_zone(raw: &str) -> Tz {
    raw.parse().unwrap_or(chrono_tz::Europe::Berlin)
}

/// A step the customer cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The swap was approved: the window asked for, and the status link (the first message).
    SwapApproved {
        window: TimeWindow,
    },
    /// The crew has (a new) date.
    VisitScheduled {
        window: TimeWindow,
    },
    OnTheWay {
        window: TimeWindow,
        eta: Option<DateTime<Utc>>,
    },
    DeliveredAndCollected,
    AttemptFailed {
        reason: FailureReason,
    },
    /// The case was refused at the counter: the reason in plain words, and the store's
    /// explanation.
    Refused {
        reason: RefusalReason,
        text: String,
    },
}

impl Notice {
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::SwapApproved { .. } => "swap_approved",
            Notice::VisitScheduled { .. } => "visit_scheduled",
            Notice::OnTheWay { .. } => "on_the_way",
            Notice::DeliveredAndCollected => "delivered_and_collected",
            Notice::AttemptFailed { .. } => "attempt_failed",
            Notice::Refused { .. } => "refused",
        }
    }
}

/// A notification's kind, for the staff.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "swap_approved" => "Swap approved (with the status link)",
        "visit_scheduled" => "Visit scheduled",
        "on_the_way" => "Crew on the way",
        "delivered_and_collected" => "Delivered and collected",
        "attempt_failed" => "Delivery attempt failed",
        "refused" => "Case refused",
        _ => "Other",
    }
}

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    /// Plain text (the SMS, and the e-mail's text part).
    pub text: String,
    /// The e-mail's HTML part.
    pub html: String,
}

fn local(t: DateTime<Utc>, place: &Place, lang: Language) -> String {
    let t = t.with_timezone(&place.time_zone);
    match lang {
        Language::De => t.format("%d.%m.%Y, %H:%M Uhr").to_string(),
        Language::En => t.format("%-d %b %Y, %H:%M").to_string(),
    }
}

/// A window in the store's local time: `04.12.2026, 10:00–14:00 Uhr`.
pub fn local_window(w: &TimeWindow, place: &Place, lang: Language) -> String {
    let (s, e) = (
        w.start.with_timezone(&place.time_zone),
        w.end.with_timezone(&place.time_zone),
    );
    let same_day = s.date_naive() == e.date_naive();
    match (lang, same_day) {
        (Language::De, true) => format!(
            "{}, {}–{} Uhr",
            s.format("%d.%m.%Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        ),
        (Language::En, true) => format!(
            "{}, {}–{}",
            s.format("%-d %b %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        ),
        _ => format!(
            "{} – {}",
            local(w.start, place, lang),
            local(w.end, place, lang)
        ),
    }
}

/// A refusal reason in plain words, for the customer.
fn refusal_words(reason: RefusalReason, lang: Language) -> &'static str {
    match (reason, lang) {
        (RefusalReason::OutsideWarranty, Language::De) => {
            "die Garantie für das Gerät ist abgelaufen."
        }
        (RefusalReason::OutsideWarranty, Language::En) => {
            "the appliance is no longer under warranty."
        }
        (RefusalReason::DamageByCustomer, Language::De) => {
            "der Schaden ist nicht durch einen Mangel des Geräts entstanden."
        }
        (RefusalReason::DamageByCustomer, Language::En) => {
            "the damage was not caused by a fault of the appliance."
        }
        (RefusalReason::NoDefectFound, Language::De) => {
            "wir konnten keinen Mangel am Gerät feststellen."
        }
        (RefusalReason::NoDefectFound, Language::En) => {
            "we could not find a fault in the appliance."
        }
        (RefusalReason::NotSoldHere, Language::De) => "das Gerät wurde nicht bei uns gekauft.",
        (RefusalReason::NotSoldHere, Language::En) => "the appliance was not bought from us.",
        (RefusalReason::Other, Language::De) => "aus dem unten genannten Grund.",
        (RefusalReason::Other, Language::En) => "for the reason below.",
    }
}

fn failure_words(reason: FailureReason, lang: Language) -> &'static str {
    match (reason, lang) {
        (FailureReason::NotHome, Language::De) => "Wir haben Sie leider nicht angetroffen.",
        (FailureReason::NotHome, Language::En) => "Unfortunately nobody was at home.",
        (FailureReason::WrongAddress, Language::De) => {
            "Wir konnten die Adresse nicht finden. Bitte prüfen Sie sie mit dem Geschäft."
        }
        (FailureReason::WrongAddress, Language::En) => {
            "We could not find the address. Please check it with the store."
        }
        (FailureReason::Refused, Language::De) => "Die Annahme wurde verweigert.",
        (FailureReason::Refused, Language::En) => "The delivery was refused at the door.",
        (FailureReason::UnitNotReady, Language::De) => {
            "Das alte Gerät war nicht zur Abholung bereit."
        }
        (FailureReason::UnitNotReady, Language::En) => {
            "The old appliance was not ready to be collected."
        }
    }
}

/// The subject and the body's first lines of `notice`, in `lang`.
fn words(notice: &Notice, place: &Place, lang: Language) -> (String, Vec<String>) {
    let de = lang == Language::De;
    match notice {
        Notice::SwapApproved { window } => (
            if de {
                "Ihr Austauschgerät ist genehmigt"
            } else {
                "Your replacement is approved"
            }
            .to_owned(),
            vec![if de {
                format!(
                    "Ihr Gerät wird ausgetauscht. Geplantes Lieferfenster: {}.",
                    local_window(window, place, lang)
                )
            } else {
                format!(
                    "Your appliance will be replaced. Planned delivery window: {}.",
                    local_window(window, place, lang)
                )
            }],
        ),
        Notice::VisitScheduled { window } => (
            if de {
                "Ihr Liefertermin"
            } else {
                "Your delivery date"
            }
            .to_owned(),
            vec![if de {
                format!("Unser Team kommt am {}.", local_window(window, place, lang))
            } else {
                format!("Our crew comes on {}.", local_window(window, place, lang))
            }],
        ),
        Notice::OnTheWay { window, eta } => {
            let when = match eta {
                Some(eta) => local(*eta, place, lang),
                None => local_window(window, place, lang),
            };
            (
                if de {
                    "Unser Team ist unterwegs"
                } else {
                    "Our crew is on the way"
                }
                .to_owned(),
                vec![if de {
                    format!("Unser Team ist zu Ihnen unterwegs. Voraussichtlich: {when}.")
                } else {
                    format!("Our crew is on the way to you. Expected: {when}.")
                }],
            )
        }
        Notice::DeliveredAndCollected => (
            if de {
                "Ihr Austauschgerät ist geliefert"
            } else {
                "Your replacement is delivered"
            }
            .to_owned(),
            vec![
                if de {
                    "Das neue Gerät ist bei Ihnen, das alte haben wir mitgenommen. Vielen Dank!"
                } else {
                    "The new appliance is with you and we took the old one. Thank you!"
                }
                .to_owned(),
            ],
        ),
        Notice::AttemptFailed { reason } => (
            if de {
                "Lieferung nicht möglich"
            } else {
                "We could not deliver"
            }
            .to_owned(),
            vec![
                failure_words(*reason, lang).to_owned(),
                if de {
                    "Wir vereinbaren einen neuen Termin und melden uns mit dem Datum."
                } else {
                    "We will arrange a new date and tell you when it is."
                }
                .to_owned(),
            ],
        ),
        Notice::Refused { reason, text } => (
            if de {
                "Ihr Austausch ist abgelehnt"
            } else {
                "Your swap was declined"
            }
            .to_owned(),
            vec![
                if de {
                    format!(
                        "Der Austausch ist leider nicht möglich: {}",
                        refusal_words(*reason, lang)
                    )
                } else {
                    format!(
                        "Unfortunately the swap is not possible: {}",
                        refusal_words(*reason, lang)
                    )
                },
                if de {
                    format!("Begründung des Geschäfts: {text}")
                } else {
                    format!("The store's explanation: {text}")
                },
            ],
        ),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `notice` as an e-mail and an SMS text, in `lang`, naming the store (and its phone), with the
/// status link when one is handed over.
pub fn render(notice: &Notice, place: &Place, lang: Language, link: Option<&str>) -> Rendered {
    let de = lang == Language::De;
    let (subject, lines) = words(notice, place, lang);
    let subject = format!("{subject} – {}", place.store);
    let link_line = link.map(|link| {
        if de {
            format!("Hier sehen Sie jederzeit, wo Ihr Austausch steht: {link}")
        } else {
            format!("Follow your swap here at any time: {link}")
        }
    });
    let contact = match (de, place.phone.is_empty()) {
        (true, false) => format!("Fragen? {} – Telefon {}", place.store, place.phone),
        (true, true) => format!("Fragen? {}", place.store),
        (false, false) => format!("Questions? {} – phone {}", place.store, place.phone),
        (false, true) => format!("Questions? {}", place.store),
    };
    let mut text: Vec<String> = lines.clone();
    text.extend(link_line.clone());
    text.push(contact.clone());
    let mut html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family:sans-serif;max-width:36em\"><h1 style=\"font-size:1.3em\">{}</h1>",
        lang.as_str(),
        escape(&subject),
        escape(&subject)
    );
    for line in &lines {
        html.push_str(&format!("<p>{}</p>", escape(line)));
    }
    if let Some(link) = link {
        let label = if de {
            "Wo steht mein Austausch?"
        } else {
            "Where is my swap?"
        };
        html.push_str(&format!("<p><a href=\"{}\">{label}</a></p>", escape(link)));
    }
    html.push_str(&format!(
        "<p style=\"color:#555\">{}</p></body></html>",
        escape(&contact)
    ));
    Rendered {
        subject,
        text: text.join("\n\n"),
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn place() -> Place {
        Place {
            store: "Elektro Maier Mitte".into(),
            phone: "+49 30 1234567".into(),
            time_zone: chrono_tz::Europe::Berlin,
            language: Language::De,
        }
    }

    #[test]
    fn e_mail_addresses_and_phone_numbers_are_checked() {
        assert_eq!(parse_email(" Anna@Example.DE ").unwrap(), "Anna@example.de");
        for bad in [
            "",
            "anna",
            "anna@",
            "@x.de",
            "an na@x.de",
            "anna@x",
            "a@b@c.de",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_phone("0151 23456789").unwrap(), "+4915123456789");
        assert_eq!(parse_phone("+44 20 7946 0958").unwrap(), "+442079460958");
        for bad in ["", "12", "hello"] {
            assert!(parse_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_are_in_the_customers_language_and_the_stores_local_time() {
        let start = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let window = TimeWindow {
            start,
            end: start + chrono::Duration::hours(4),
        };
        let notice = Notice::SwapApproved { window };
        let de = render(
            &notice,
            &place(),
            Language::De,
            Some("https://x.test/status/t"),
        );
        assert!(
            de.text.contains("04.12.2026, 10:00–14:00 Uhr"),
            "{}",
            de.text
        );
        assert!(de.text.contains("https://x.test/status/t"));
        assert!(de.text.contains("Telefon +49 30 1234567"));
        assert!(de.subject.contains("Elektro Maier Mitte"));
        let en = render(&notice, &place(), Language::En, None);
        assert!(en.text.contains("4 Dec 2026, 10:00–14:00"), "{}", en.text);
        let failed = Notice::AttemptFailed {
            reason: FailureReason::NotHome,
        };
        let de = render(&failed, &place(), Language::De, None);
        assert!(de.text.contains("nicht angetroffen"));
        assert!(!de.text.contains("not_home"));
        let refused = Notice::Refused {
            reason: RefusalReason::OutsideWarranty,
            text: "Gekauft 2019".into(),
        };
        let de = render(&refused, &place(), Language::De, None);
        assert!(de.text.contains("Garantie"), "{}", de.text);
        assert!(de.text.contains("Gekauft 2019"), "{}", de.text);
        assert!(!de.text.contains("outside_warranty"), "{}", de.text);
        for reason in RefusalReason::ALL {
            let en = render(
                &Notice::Refused {
                    reason,
                    text: "x".into(),
                },
                &place(),
                Language::En,
                None,
            );
            assert!(en.text.contains("not possible"), "{}", en.text);
        }
    }

    #[test]
    fn nothing_goes_without_consent() {
        let mut c = Contact {
            email: Some("a@b.de".into()),
            phone: Some("+4915123456789".into()),
            by_email: true,
            by_sms: true,
            consent: false,
            language: None,
        };
        assert!(c.channels().is_empty());
        c.consent = true;
        assert_eq!(c.channels().len(), 2);
    }
}
