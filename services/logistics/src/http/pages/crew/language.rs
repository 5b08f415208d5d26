//! `POST /crew/language`: the crew member's own language, stored with the account (and kept in
//! the language cookie, so the sign-in page and a message page speak it too).

use actix_web::{HttpRequest, HttpResponse, web};
use kummerer_service::Problem;
use kummerer_web::i18n::Lang;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::auth::{guard_post, lang_cookie};
use super::see_other;
use crate::db::page_prefs;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LanguageForm {
    pub csrf: String,
    pub lang: String,
}

/// The page to go back to: the same-origin page the form was sent from, under `root`.
pub fn back_to(req: &HttpRequest, root: &str) -> String {
    req.headers()
        .get(actix_web::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            let info = req.connection_info();
            let origin = format!("{}://{}", info.scheme(), info.host());
            r.strip_prefix(&origin).map(str::to_owned)
        })
        .filter(|p| p.starts_with(root) && !p.starts_with("//"))
        .unwrap_or_else(|| root.to_owned())
}

/// `POST /crew/language {csrf, lang}`: stores the choice, back to the page (303). A language
/// the pages do not speak changes nothing.
pub async fn switch(
    req: HttpRequest,
    db: web::Data<DatabaseConnection>,
    form: web::Form<LanguageForm>,
) -> Result<HttpResponse, Problem> {
    let db = db.get_ref();
    let signed = match guard_post(&req, db, &form.csrf).await? {
        Ok(s) => s,
        Err(res) => return Ok(res),
    };
    let back = back_to(&req, "/crew");
    let Some(lang) = Lang::parse(&form.lang) else {
        return Ok(see_other(&back));
    };
    page_prefs::set_crew_member_lang(db, signed.member.id, lang.as_str()).await?;
    let mut res = see_other(&back);
    res.add_cookie(&lang_cookie(lang))
        .map_err(Problem::internal)?;
    Ok(res)
}
