//! A credit note as a printable document (issue 12): `GET /desk/credit-notes/{id}`, opened from
//! the ledger by the retailer's staff (another retailer's note, or none, is the 404 page).
//! Issuer and recipient, number, date (the reader's local day), each credited claim with its
//! case, product, serial and cost lines, then net, VAT and gross as the manufacturer issued
//! them (`credit_notes.vat`); where the note states no VAT, the document says so rather than
//! compute one. Print CSS (`desk.css`, `@media print`, A4) hides the desk's header; no script.

use actix_web::{HttpResponse, web};
use askama::Template;
use kummerer_contracts::VatTreatment;
use kummerer_service::Problem;
use kummerer_web::i18n::Tr;
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::db::settlement::{NoteDocument, note_document};
use crate::http::pages::auth::SignedIn;
use crate::http::pages::{Me, PathId, not_found, render};

/// A cost line as shown: what it is for, its net amount.
pub struct CostRow {
    pub kind: String,
    pub amount: String,
}

/// One credited claim as shown.
pub struct DocLine {
    pub case_id: Uuid,
    pub product: String,
    pub serial: String,
    pub net: String,
    pub vat: String,
    pub gross: String,
    pub costs: Vec<CostRow>,
}

#[derive(Template)]
#[template(path = "desk/credit_note.html")]
pub struct CreditNotePage {
    pub me: Me,
    pub tr: Tr,
    pub number: String,
    pub issuer: String,
    pub recipient: String,
    pub recipient_country: String,
    pub date: String,
    /// "1 Nov 2026 – 30 Nov 2026" for a batch's decision period.
    pub period: Option<String>,
    pub lines: Vec<DocLine>,
    pub net: String,
    pub net_raw: String,
    /// "VAT 19 %" / "VAT 0 % (reverse charge)"; `None` when the note states no VAT.
    pub vat_label: Option<String>,
    pub vat: String,
    pub vat_raw: String,
    pub gross: String,
    pub gross_raw: String,
    /// `standard`, `reverse_charge`, `unknown` or `not_stated` (a note from before).
    pub treatment: &'static str,
    /// The sentence below the totals (reverse charge, VAT unknown …); empty for none.
    pub vat_note: String,
}

fn raw(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn page(me: Me, tr: Tr, n: NoteDocument) -> CreditNotePage {
    let cur = n.currency.clone();
    let money = |d: Decimal| tr.money(d, &cur);
    let stated = n
        .vat
        .as_ref()
        .filter(|v| v.vat.is_some() && v.treatment != VatTreatment::Unknown);
    let lines = n
        .lines
        .into_iter()
        .map(|l| DocLine {
            case_id: l.case_id,
            product: format!("{} ({})", l.product_name, l.product_sku),
            serial: l.serial,
            net: money(l.amount),
            vat: l.vat.map(money).unwrap_or_else(|| "—".to_owned()),
            gross: l
                .vat
                .map(|v| money(l.amount + v))
                .unwrap_or_else(|| "—".to_owned()),
            costs: l
                .cost_lines
                .iter()
                .map(|c| CostRow {
                    kind: tr.code("cost-line", c.kind.as_str()),
                    amount: tr.money(c.amount.amount, c.amount.currency.as_str()),
                })
                .collect(),
        })
        .collect();
    let net = n.vat.as_ref().map_or(n.total, |v| v.net.amount);
    let (vat, gross) = stated
        .and_then(|v| v.vat.as_ref().zip(v.gross.as_ref()))
        .map_or((None, None), |(v, g)| (Some(v.amount), Some(g.amount)));
    let treatment = match &n.vat {
        None => "not_stated",
        Some(v) => v.treatment.as_str(),
    };
    let rate = stated
        .and_then(|v| v.rate_percent)
        .map(|p| p.normalize().to_string());
    let vat_label = rate.map(|r| match tr.lang() {
        // A decimal comma in German: "8,1 %".
        "de" => tr.ta("credit-note-vat-rate", "rate", r.replace('.', ",")),
        _ => tr.ta("credit-note-vat-rate", "rate", r),
    });
    let country = n
        .vat
        .as_ref()
        .and_then(|v| v.retailer_country.clone())
        .unwrap_or_default();
    let vat_note = match treatment {
        "reverse_charge" => tr.t("credit-note-reverse-charge"),
        "unknown" => tr.t("credit-note-vat-unknown"),
        "not_stated" => tr.t("credit-note-vat-not-stated"),
        _ if country.is_empty() => String::new(),
        _ => tr.ta("credit-note-vat-country", "country", &country),
    };
    CreditNotePage {
        me,
        number: n.number,
        issuer: match n.manufacturer_name {
            Some(name) if !name.trim().is_empty() => name,
            _ => tr.t("ledger-manufacturer-unknown"),
        },
        recipient: n.retailer_name,
        recipient_country: n.retailer_country,
        date: tr.date(n.issued_at),
        period: n.period.map(|(from, to)| {
            // `to` is exclusive: the period's last day is the day before.
            let last = to - chrono::TimeDelta::microseconds(1);
            format!("{} – {}", tr.date(from), tr.date(last.max(from)))
        }),
        lines,
        net: money(net),
        net_raw: raw(net),
        vat_label,
        vat: vat.map(money).unwrap_or_default(),
        vat_raw: vat.map(raw).unwrap_or_default(),
        gross: gross.map(money).unwrap_or_default(),
        gross_raw: gross.map(raw).unwrap_or_default(),
        treatment,
        vat_note,
        tr,
    }
}

/// `GET /desk/credit-notes/{id}`: the note as a printable document, for the staff of the
/// retailer it credits.
pub async fn document(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<Uuid>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path else {
        return not_found(&me.tr);
    };
    let Some(note) = note_document(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let tr = me.tr;
    render(&page(Me::from(&me), tr, note))
}
