//! A walk's findings: added from the walk's page (a click on the map places the point), each
//! with its page where it gets a photo and becomes a report routed as any other.

use super::{FindingForm, detail_view, editable, own, readable};
use crate::AppState;
use crate::auth::{CurrentUser, can};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::report::form::{QuestionField, question_fields, submit_errors};
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::report::{Reporter, SubmitError};
use maillage_app::walk::WalkError;
use maillage_core::authz::Action;
use maillage_core::time_fmt;
use maillage_store::walk::{Finding, WalkRecord};
use std::collections::BTreeMap;

/// The walk and one of its findings; a finding of another walk is not found here.
pub(super) fn finding_of(r: &WalkRecord, finding: &str) -> Result<Finding, AppError> {
    let id: i64 = parse_id(finding)?;
    r.findings.iter().find(|f| f.id == id).cloned().ok_or(AppError::NotFound)
}

/// The category a finding's report is offered first: its grid item's.
async fn default_category(state: &AppState, r: &WalkRecord, f: &Finding) -> Result<Option<i64>, AppError> {
    let items = state.store.walk_items(Some(&r.walk.kind), true).await?;
    Ok(maillage_app::walk::default_category(&items, f))
}

pub(super) async fn add(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<FindingForm>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    if let Some(c) = form.clicked(&state) {
        let form = FindingForm { lat: c.lat.to_string(), lon: c.lon.to_string(), ..form };
        return render(&detail_view(&state, u, r, form, FieldErrors::default(), None).await?);
    }
    let (draft, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::walk::add_finding(&state, &u.author(), &r, &draft, &form.lat, &form.lon).await
    } else {
        Err(WalkError::Invalid(read))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/marches/{}?fait=constat#constats", r.walk.id)).into_response()),
        Err(WalkError::Invalid(faults)) => render_invalid(&detail_view(&state, u, r, form, errors_of(faults, ""), None).await?),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "walk/finding.html")]
struct FindingPage {
    layout: Layout,
    walk_id: i64,
    walk_title: String,
    f: Finding,
    n: usize,
    item: String,
    severity: String,
    state: String,
    created: String,
    notice: Option<&'static str>,
    may_edit: bool,
    may_report: bool,
    categories: Vec<(i64, String)>,
    category_id: Option<i64>,
    questions: Vec<QuestionField>,
    errors: FieldErrors,
    photo_caption: String,
}

async fn finding_view(
    state: &AppState,
    u: &CurrentUser,
    r: &WalkRecord,
    f: Finding,
    (category_id, answers): (Option<i64>, &BTreeMap<String, Vec<String>>),
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<FindingPage, AppError> {
    let catalog = state.catalog().await?;
    let may_edit = can(u, Action::EditWalk { own: own(u, r) });
    let questions = category_id.map_or(&[][..], |id| maillage_app::report::questions_of(&catalog.categories, id));
    let n = r.findings.iter().position(|x| x.id == f.id).map_or(0, |i| i + 1);
    Ok(FindingPage {
        layout: Layout::new(&format!("Constat {n} de la marche n° {}", r.walk.id), Some(u)),
        walk_id: r.walk.id,
        walk_title: format!("{} du {}", maillage_core::walk::kind_label(&r.walk.kind), time_fmt::day_fr(r.walk.walked_on)),
        n,
        item: f.item.clone().unwrap_or_else(|| "autre".into()),
        severity: maillage_core::walk::severity_label(&f.severity).to_string(),
        state: maillage_app::walk::finding_state(&f),
        created: time_fmt::datetime_fr(f.created_at),
        notice,
        may_edit,
        may_report: may_edit && f.report_id.is_none() && can(u, Action::CreateReport),
        categories: crate::report::filter::category_options(&catalog.categories),
        category_id,
        questions: question_fields(questions, answers, &errors),
        errors,
        photo_caption: f.photo_caption.clone(),
        f,
    })
}

pub(super) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (u, r) = readable(&state, user.as_ref(), &id).await?;
    let f = finding_of(&r, &finding)?;
    let notice = match q.fait.as_str() {
        "signale" => Some("Le constat est devenu un signalement, transmis selon les règles d'orientation."),
        "photo" => Some("La photo est enregistrée."),
        "photo_retiree" => Some("La photo est retirée."),
        _ => None,
    };
    let category = default_category(&state, &r, &f).await?;
    render(&finding_view(&state, u, &r, f, (category, &BTreeMap::new()), FieldErrors::default(), notice).await?)
}

/// The conversion form: the category, its questions' answers (`q_<code>`, repeated for several
/// choices) and the button pressed.
fn conversion_fields(body: &[u8]) -> (Option<i64>, BTreeMap<String, Vec<String>>, String) {
    let mut category = None;
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut action = String::new();
    for (k, v) in form_urlencoded::parse(body) {
        match k.as_ref() {
            "categorie" => category = v.trim().parse().ok(),
            "action" => action = v.into_owned(),
            k => {
                if let Some(code) = k.strip_prefix("q_") {
                    answers.entry(code.to_string()).or_default().push(v.into_owned());
                }
            }
        }
    }
    (category, answers, action)
}

pub(super) async fn report(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    crate::auth::require(Some(u), Action::CreateReport, "/marches")?;
    let f = finding_of(&r, &finding)?;
    let (category, answers, action) = conversion_fields(&body);
    if action == "questions" {
        return render(&finding_view(&state, u, &r, f, (category, &answers), FieldErrors::default(), None).await?);
    }
    let draft = maillage_app::walk::report_draft(&r, &f, category, answers.clone());
    let who = Reporter {
        author: u.author(),
        user_id: Some(u.id),
        organisation_id: u.actor.organisation_id,
        source: maillage_core::report::Source::Web,
    };
    match maillage_app::walk::report_finding(&state, &who, &f, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/marches/{}/constats/{}?fait=signale", r.walk.id, f.id)).into_response()),
        Err(SubmitError::Store(maillage_store::StoreError::Conflict(m))) => Err(AppError::Conflict(m)),
        Err(e) => render_invalid(&finding_view(&state, u, &r, f, (category, &answers), submit_errors(e)?, None).await?),
    }
}

pub(super) async fn upload(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let f = finding_of(&r, &finding)?;
    // Who may not send a photo is told so before the body is read.
    let mut multipart = multipart.map_err(|e| AppError::BadRequest(format!("formulaire illisible : {}", e.body_text())))?;
    let mut file: Option<Vec<u8>> = None;
    let mut caption = String::new();
    let mut refused: Option<String> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(part)) if part.name() == Some("photo") => match part.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(e) => {
                    refused = Some(crate::error::multipart_refusal(&e));
                    break;
                }
            },
            Ok(Some(part)) if part.name() == Some("legende") => match part.text().await {
                Ok(t) => caption = t,
                Err(e) => {
                    refused = Some(crate::error::multipart_refusal(&e));
                    break;
                }
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                refused = Some(crate::error::multipart_refusal(&e));
                break;
            }
        }
    }
    let result = match refused {
        Some(m) => Err(WalkError::Invalid(vec![("photo", m)])),
        None => maillage_app::walk::set_photo(&state, &u.author(), &f, &caption, file.unwrap_or_default()).await,
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/marches/{}/constats/{}?fait=photo", r.walk.id, f.id)).into_response()),
        Err(WalkError::Invalid(faults)) => {
            let category = default_category(&state, &r, &f).await?;
            let mut page = finding_view(&state, u, &r, f, (category, &BTreeMap::new()), errors_of(faults, ""), None).await?;
            page.photo_caption = caption;
            render_invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn picture(state: &AppState, user: Option<&CurrentUser>, id: &str, finding: &str, thumb: bool) -> Result<Response, AppError> {
    let (_, r) = readable(state, user, id).await?;
    let f = finding_of(&r, finding)?;
    let Some((full, small)) = &f.photo else { return Err(AppError::NotFound) };
    crate::report::photo::kept_picture(state, if thumb { small } else { full }).await
}

pub(super) async fn photo(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
) -> Result<Response, AppError> {
    picture(&state, user.as_ref(), &id, &finding, false).await
}

pub(super) async fn thumbnail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
) -> Result<Response, AppError> {
    picture(&state, user.as_ref(), &id, &finding, true).await
}

pub(super) async fn remove_photo(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let f = finding_of(&r, &finding)?;
    maillage_app::walk::remove_photo(&state, &u.author(), &f).await?;
    Ok(Redirect::to(&format!("/marches/{}/constats/{}?fait=photo_retiree", r.walk.id, f.id)).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let f = finding_of(&r, &finding)?;
    match maillage_app::walk::delete_finding(&state, &u.author(), &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/marches/{}?fait=constat_retire#constats", r.walk.id)).into_response()),
        Err(maillage_store::StoreError::Conflict(m)) => Err(AppError::Conflict(m)),
        Err(e) => Err(e.into()),
    }
}
