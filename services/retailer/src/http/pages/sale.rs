//! A sold unit at a glance (guarantee, warranty, earlier cases), and opening a case on it.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use kummerer_service::{FieldErrors, Problem};
use kummerer_web::i18n::Tr;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::cases::{EARLIER_CASES_MAX, OpenCaseError, open_on_sale};
use crate::db::{self, desk, sales};
use crate::domain::{DESCRIPTION_MAX, DefectCategory, Entitlement};
use crate::http::input::checked;
use crate::http::pages::PathId;
use crate::http::pages::auth::Signed;
use crate::http::pages::auth::SignedIn;
use crate::http::pages::counter::{CounterBox, LawBox, counter_box, law_box};
use crate::http::pages::roles::Posted;
use crate::http::pages::{Errors, Me, not_found, render, see_other};
use crate::http::view::money;
use kummerer_contracts::{SaleId, StoreId};

// --- a sale -------------------------------------------------------------------------------------

pub struct CategoryOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn category_options(tr: &Tr, selected: &str) -> Vec<CategoryOption> {
    DefectCategory::ALL
        .into_iter()
        .map(|c| CategoryOption {
            value: c.as_string(),
            label: tr.code("defect", &c.as_string()),
            selected: c.as_string() == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk/sale.html")]
pub struct SalePage {
    pub me: Me,
    pub tr: Tr,
    pub sale_id: Uuid,
    pub receipt_no: String,
    pub serial: String,
    pub product: String,
    pub price_paid: String,
    pub sold_at: String,
    /// This unit is the replacement delivered for that case.
    pub replaces_case_id: Option<Uuid>,
    pub customer: String,
    pub days_since_sale: i64,
    pub guarantee_ends: String,
    pub guarantee_days_left: i64,
    pub under_guarantee: bool,
    /// "12 days left (until …)" / "ended on …", in words.
    pub guarantee_text: String,
    /// The manufacturer's warranty by the agreement in force today; `None`: no agreement.
    pub warranty: Option<WarrantyBox>,
    /// Whose account a swap today is on (issue 12), before the defect is known.
    pub counter: CounterBox,
    /// The consumer's legal guarantee and the burden of proof, on the reader's local days.
    pub law: LawBox,
    /// The case in progress on this unit: `(id, status)`.
    pub active_case: Option<(Uuid, String)>,
    /// The unit's earlier cases (closed or refused), newest first: a second case asks for a tick.
    pub earlier_cases: Vec<EarlierCaseRow>,
    /// The tick "this is a new complaint", as sent.
    pub confirm_duplicate: bool,
    pub categories: Vec<CategoryOption>,
    pub description: String,
    pub errors: Errors,
}

/// An earlier case of the unit, on the sale page.
pub struct EarlierCaseRow {
    pub id: Uuid,
    pub status: String,
    pub opened: String,
}

/// The manufacturer's warranty, as the sale page says it.
pub struct WarrantyBox {
    /// "Miele, agreement version 2 (in force since 2026-01-01)".
    pub agreement: String,
    pub coverage: String,
    pub under_coverage: bool,
    pub doa: String,
    pub within_doa: bool,
    pub recovery: String,
}

fn warranty_box(tr: &Tr, w: &crate::app::entitlement::WarrantyView) -> WarrantyBox {
    WarrantyBox {
        agreement: tr.targs(
            "sale-agreement",
            &[
                ("manufacturer", &w.manufacturer_name),
                ("version", &w.version),
                ("since", &tr.date(w.valid_from)),
            ],
        ),
        coverage: match (w.coverage_ends, w.under_coverage) {
            (None, _) => tr.t("sale-covered-no-end"),
            (Some(end), true) => tr.ta("sale-covered-until", "day", tr.date(end)),
            (Some(end), false) => tr.ta("sale-ended-on", "day", tr.date(end)),
        },
        under_coverage: w.under_coverage,
        doa: if w.within_doa {
            tr.ta("sale-doa-until", "when", tr.datetime(w.doa_ends))
        } else {
            tr.ta("sale-ended-on", "day", tr.datetime(w.doa_ends))
        },
        within_doa: w.within_doa,
        recovery: crate::http::pages::counter::recovery_words(tr, &w.recovery_today),
    }
}

async fn sale_page(
    db: &DatabaseConnection,
    me: &Signed,
    sale: sales::Model,
    form: &CaseForm,
    errors: Errors,
) -> Result<SalePage, Problem> {
    let retailer_id = me.staff.retailer_id;
    let tr = &me.tr;
    let errors = errors.in_lang(tr);
    let now = Utc::now();
    // Read side by side on pooled connections: what needs only the sale, then what needs its
    // product too.
    let (product, jurisdiction, active_case, earlier) = tokio::try_join!(
        db::product_of(db, retailer_id, sale.product_id),
        db::retailers::jurisdiction(db, retailer_id),
        desk::active_case_of_sale(db, retailer_id, sale.id),
        desk::cases_of_unit(db, retailer_id, &sale.serial, EARLIER_CASES_MAX),
    )?;
    let (entitled, (answer, manufacturer)) = tokio::try_join!(
        crate::app::entitlement::entitlement_of(db, &sale, &product, now),
        crate::app::entitlement::counter_for(db, &sale, &product, "", None, now),
    )?;
    let entitlement = Entitlement::at(sale.sold_at, now);
    let warranty = entitled
        .manufacturer_warranty
        .as_ref()
        .map(|w| warranty_box(tr, w));
    let counter = counter_box(tr, &answer, &manufacturer);
    let law = law_box(tr, jurisdiction, sale.sold_at, now);
    let active_case = active_case.map(|c| (c.id, c.status.as_string()));
    let earlier_cases = earlier
        .into_iter()
        .map(|c| EarlierCaseRow {
            id: c.id,
            opened: tr.datetime(c.opened_at),
            status: c.status.as_string(),
        })
        .collect();
    Ok(SalePage {
        me: Me::from(me),
        tr: me.tr,
        sale_id: sale.id,
        price_paid: tr.money(
            money(sale.price_paid, &sale.currency)?.amount,
            &sale.currency,
        ),
        product: format!("{} ({})", product.name, product.sku),
        sold_at: tr.datetime(sale.sold_at),
        replaces_case_id: sale.replaces_case_id,
        customer: format!(
            "{}, {}, {} {} {}",
            sale.customer_name, sale.customer_phone, sale.postcode, sale.city, sale.country
        ),
        days_since_sale: entitlement.days_since_sale,
        guarantee_ends: tr.date(entitlement.guarantee_ends),
        guarantee_days_left: entitlement.guarantee_days_left,
        under_guarantee: entitlement.under_guarantee(now),
        guarantee_text: if entitlement.under_guarantee(now) {
            tr.targs(
                "sale-guarantee-left",
                &[
                    ("days", &entitlement.guarantee_days_left),
                    ("day", &tr.date(entitlement.guarantee_ends)),
                ],
            )
        } else {
            tr.ta("sale-ended-on", "day", tr.date(entitlement.guarantee_ends))
        },
        warranty,
        counter,
        law,
        active_case,
        earlier_cases,
        confirm_duplicate: form.confirmed(),
        categories: category_options(tr, &form.defect_category),
        description: form.defect_description.clone(),
        errors,
        receipt_no: sale.receipt_no,
        serial: sale.serial,
    })
}

/// `GET /desk/sales/{id}`: the sold unit at a glance, and the form to open a case on it (or the
/// link to the case already in progress).
pub async fn sale(
    SignedIn(me): SignedIn,
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<SaleId>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let Some(sale) = desk::find_sale(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let page = sale_page(
        db.get_ref(),
        &me,
        sale,
        &CaseForm::default(),
        Errors::default(),
    )
    .await?;
    render(&page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub csrf: String,
    pub defect_category: String,
    pub defect_description: String,
    /// `yes`: opening a case on a unit that had one before is meant (a new complaint).
    pub confirm_duplicate: String,
}

impl CaseForm {
    fn confirmed(&self) -> bool {
        self.confirm_duplicate == "yes"
    }
}

/// `POST /desk/sales/{id}/cases` → 303 to the new case; bad fields, a case already in progress,
/// or an earlier case of the unit without the tick "a new complaint", → the sale page again
/// with the errors (nothing saved).
pub async fn open_case(
    db: web::Data<DatabaseConnection>,
    PathId(path): PathId<SaleId>,
    Posted { me, form, .. }: Posted<CaseForm>,
) -> Result<HttpResponse, Problem> {
    let Some(id) = path.map(Uuid::from) else {
        return not_found(&me.tr);
    };
    let Some(sale) = desk::find_sale(db.get_ref(), me.staff.retailer_id, id).await? else {
        return not_found(&me.tr);
    };
    let mut v = FieldErrors::new();
    let category = DefectCategory::parse(form.defect_category.trim());
    if category.is_none() {
        v.add("defect_category", me.tr.t("case-choose-category"));
    }
    let description = v.text(
        "defect_description",
        &form.defect_description,
        DESCRIPTION_MAX,
    );
    if !form.confirmed()
        && !desk::cases_of_unit(db.get_ref(), me.staff.retailer_id, &sale.serial, 1)
            .await?
            .is_empty()
    {
        v.add("confirm_duplicate", me.tr.t("case-confirm-duplicate"));
    }
    let category = match (checked(v), category) {
        (Ok(()), Some(category)) => category,
        (Err(fields), _) => {
            let page = sale_page(db.get_ref(), &me, sale, &form, Errors::fields(fields)).await?;
            return render(&page);
        }
        (Ok(()), None) => {
            let errors = Errors::field("defect_category", me.tr.t("case-choose-category"));
            let page = sale_page(db.get_ref(), &me, sale, &form, errors).await?;
            return render(&page);
        }
    };
    let store_id = me.staff.store_id.map(StoreId);
    match open_on_sale(db.get_ref(), &sale, category, description, store_id).await {
        Ok(case) => Ok(see_other(&format!("/desk/cases/{}", case.id))),
        Err(OpenCaseError::Db(e)) => Err(e.into()),
        Err(e) => {
            let errors = Errors::general(super::errors::open_case(&me.tr, &e));
            let page = sale_page(db.get_ref(), &me, sale, &form, errors).await?;
            render(&page)
        }
    }
}
