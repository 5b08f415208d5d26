//! `GET /crew?date=`: the crew's visits of a day in order, and that day's return trips.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, NaiveDate, Utc};
use kummerer_service::Problem;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::auth::CrewMember;
use super::rows::{Me, TripRow, VisitRow, crew_active, me_of};
use super::{message_page, render};
use crate::db::dispatch;
use crate::http::view::with_items;

#[derive(Template)]
#[template(path = "crew/today.html")]
pub struct Today {
    pub me: Me,
    /// `Today`, `Tomorrow`, or the weekday.
    pub heading: String,
    pub date: NaiveDate,
    /// The day before (not before today) and after, for the links.
    pub prev: Option<NaiveDate>,
    pub next: NaiveDate,
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
fn day_heading(date: NaiveDate, today: NaiveDate) -> String {
    match (date - today).num_days() {
        0 => "Today".to_owned(),
        1 => "Tomorrow".to_owned(),
        _ => date.format("%A").to_string(),
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
    let today = Utc::now().date_naive();
    let date = match query.date.trim() {
        "" => today,
        raw => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d >= today && d <= today + Duration::days(DAYS_AHEAD) => d,
            _ => {
                return message_page(
                    StatusCode::BAD_REQUEST,
                    "No such day",
                    &format!(
                        "Choose a day from today to {DAYS_AHEAD} days ahead, written YYYY-MM-DD."
                    ),
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
    let visits = visits.into_iter().map(VisitRow::from).collect();
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
    let notice = (query.saved == "revisit-moved").then(|| {
        "Saved: failed attempt. The visit is rescheduled onto another crew with room.".to_owned()
    });
    render(&Today {
        me: me_of(db, &signed).await?,
        heading: day_heading(date, today),
        date,
        prev: date.pred_opt().filter(|d| *d >= today),
        next: date.succ_opt().unwrap_or(date),
        notice,
        visits,
        trips,
    })
}
