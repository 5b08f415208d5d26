//! `GET /crew?date=`: the crew's visits of a day in order, and that day's return trips.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate, Utc};
use kummerer_service::Problem;
use kummerer_web::i18n::{Lang, Tr};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::auth::CrewMember;
use super::rows::{Me, TripRow, VisitRow, crew_active, me_of, retailer_names};
use super::{message_page, render};
use crate::db::dispatch;
use crate::http::view::with_items;

#[derive(Template)]
#[template(path = "crew/today.html")]
pub struct Today {
    pub tr: Tr,
    pub langs: [Lang; 2],
    pub me: Me,
    /// `Today`, `Tomorrow`, or the weekday.
    pub heading: String,
    pub is_today: bool,
    pub date: NaiveDate,
    /// The day in the reader's words.
    pub date_text: String,
    /// The day before (not before today) and after, for the links.
    pub prev: Option<NaiveDate>,
    pub next: NaiveDate,
    /// The two in words.
    pub prev_text: String,
    pub next_text: String,
    pub notice: Option<String>,
    pub visits: Vec<VisitRow>,
    pub trips: Vec<TripRow>,
}

/// How far ahead a crew may look at its days.
pub const DAYS_AHEAD: i64 = 60;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    /// The day to show (`YYYY-MM-DD`); today when empty.
    pub date: String,
    /// `revisit-moved`: a failed visit was rescheduled onto another crew.
    pub saved: String,
}

/// The heading of a day's list seen on `today`.
fn day_heading(tr: &Tr, date: NaiveDate, today: NaiveDate) -> String {
    match (date - today).num_days() {
        0 => tr.t("crew-today"),
        1 => tr.t("crew-tomorrow"),
        _ => tr.weekday(date),
    }
}

/// `GET /crew?date=`: the visits of the signed-in member's crew on a day (today by default, up
/// to [`DAYS_AHEAD`] days ahead), in order, and that day's return trips.
pub async fn today(
    CrewMember(signed): CrewMember,
    db: web::Data<DatabaseConnection>,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let tr = signed.tr;
    // Today is the crew's local day.
    let today = Utc::now().with_timezone(&tr.tz).date_naive();
    let date = match query.date.trim() {
        "" => today,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d >= today && d <= today + Duration::days(DAYS_AHEAD) => d,
            _ => {
                return message_page(
                    &tr,
                    StatusCode::BAD_REQUEST,
                    &tr.t("crew-no-such-day"),
                    &tr.ta("crew-no-such-day-text", "days", DAYS_AHEAD),
                );
            }
        },
    };
    // An inactive crew sees nothing.
    let active = crew_active(db, &signed).await?;
    let visits = if active {
        dispatch::crew_day(db, signed.member.crew_id, date).await?
    } else {
        Vec::new()
    };
    let retailers = retailer_names(db, &signed, &visits).await?;
    let ids: Vec<_> = visits.iter().map(|j| j.id).collect();
    let answers = crate::db::customer_answers::of_jobs(db, &ids).await?;
    let visits = visits
        .into_iter()
        .map(|j| {
            let retailer = retailers.get(&j.retailer_id).map(String::as_str);
            let answer = answers.get(&j.id);
            VisitRow::new(j, &tr, retailer).with_answer(answer, &tr)
        })
        .collect();
    let trips = if active {
        crate::db::returns::crew_trips(db, signed.member.crew_id, date).await?
    } else {
        Vec::new()
    };
    let trips = with_items(db, trips)
        .await?
        .into_iter()
        .map(TripRow::from)
        .collect();
    let prev = date.pred_opt().filter(|d| *d >= today);
    let next = date.succ_opt().unwrap_or(date);
    let notice = (query.saved == "revisit-moved").then(|| tr.t("crew-revisit-moved"));
    render(&Today {
        tr,
        langs: Lang::ALL,
        me: me_of(db, &signed).await?,
        heading: day_heading(&tr, date, today),
        is_today: date == today,
        date,
        date_text: tr.naive_date(date),
        prev,
        next,
        prev_text: prev.map(|d| tr.naive_date(d)).unwrap_or_default(),
        next_text: tr.naive_date(next),
        notice,
        visits,
        trips,
    })
}
