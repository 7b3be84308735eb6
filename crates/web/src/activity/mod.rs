//! The activity journal (actions carried out): the list, filtered by year and sheet, within
//! what `authz::activity_scope` shows; the form, for a new activity or to change one; and the
//! JSON API over the same use cases.

mod photo;

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, errors_of, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::activity::ActivityError;
use maillage_core::activity::{AGE_BANDS, ActivityDraft, Fault, PUBLICS, Participants, SEXES, label};
use maillage_core::authz::{Action, ReportScope, activity_scope};
use maillage_core::time_fmt;
use maillage_store::activity::photo::ActivityPhoto;
use maillage_store::activity::{Activity, ActivityFilter, ActivityRecord, SheetChoice};
use serde::Deserialize;
use time::Date;

pub fn routes(r: Routes) -> Routes {
    r.get("/activites", list_page)
        .post("/activites", create)
        .get("/activites/nouvelle", new_page)
        .get("/activites/{id}", activity_page)
        .post("/activites/{id}", update)
        .post("/activites/{id}/suppression", delete)
        .post("/activites/{id}/photos", photo::upload)
        .get("/activites/photos/{photo}", photo::photo)
        .get("/activites/photos/{photo}/vignette", photo::thumbnail)
        .post("/activites/photos/{photo}/suppression", photo::delete)
        .get("/api/v1/activites", api_list)
        .post("/api/v1/activites", api_create)
}

const PAGE: i64 = 50;
/// Participant lines the form offers beyond those already filled.
const BLANK_LINES: usize = 4;

fn today() -> Date {
    time_fmt::paris_date(time_fmt::now())
}

fn own(u: &CurrentUser, a: &Activity) -> bool {
    u.actor.organisation_id.is_some() && u.actor.organisation_id == a.organisation_id
}

/// The filter of what `u` may see.
fn scoped(u: &CurrentUser) -> Result<ActivityFilter, AppError> {
    match activity_scope(&u.actor) {
        ReportScope::All => Ok(ActivityFilter::default()),
        ReportScope::Organisation(o) => Ok(ActivityFilter { organisation_id: Some(o), ..ActivityFilter::default() }),
        ReportScope::None => Err(AppError::Forbidden),
    }
}

fn year_bounds(year: i32) -> (Option<Date>, Option<Date>) {
    (Date::from_calendar_date(year, time::Month::January, 1).ok(), Date::from_calendar_date(year, time::Month::December, 31).ok())
}

/// What a list shows, the page's and the API's alike: the reader's scope, the year, the sheet.
fn listed(u: &CurrentUser, q: &ListQuery, year: i32, sheets: &[SheetChoice]) -> Result<ActivityFilter, AppError> {
    let mut filter = scoped(u)?;
    (filter.from, filter.to) = year_bounds(year);
    if !q.fiche.is_empty() {
        let sheet = sheets.iter().find(|s| s.code == q.fiche).ok_or_else(|| {
            AppError::BadRequest(format!(
                "La fiche « {} » n'existe pas dans la stratégie en cours.",
                q.fiche.chars().take(20).collect::<String>()
            ))
        })?;
        filter.sheet_id = Some(sheet.id);
    }
    Ok(filter)
}

// ---- the list ------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    fiche: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    fait: String,
}

struct Line {
    id: i64,
    started_on: String,
    kind: String,
    title: String,
    district: String,
    organisation: String,
    participants: String,
}

#[derive(Template)]
#[template(path = "activity/list.html")]
struct ListPage {
    layout: Layout,
    year: i32,
    sheet: String,
    sheets: Vec<SheetChoice>,
    lines: Vec<Line>,
    count: String,
    participants: String,
    page: i64,
    more: bool,
    all_organisations: bool,
    /// The latest year one may ask for: this one.
    max_year: i32,
    notice: Option<&'static str>,
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordActivity, "/activites")?;
    let year = year_param(&q.annee)?;
    let sheets = state.store.sheet_choices().await?;
    let filter = listed(u, &q, year, &sheets)?;
    let page = q.page.unwrap_or(0).clamp(0, 10_000);
    let rows = state.store.activities(&filter, PAGE + 1, page * PAGE).await?;
    let (count, participants) = state.store.activity_totals(&filter).await?;
    let more = rows.len() as i64 > PAGE;
    let lines = rows
        .into_iter()
        .take(PAGE as usize)
        .map(|a| Line {
            id: a.id,
            started_on: time_fmt::day_fr(a.started_on),
            kind: a.kind_label,
            title: a.title,
            district: a.district.unwrap_or_default(),
            organisation: a.organisation.unwrap_or_else(|| "Coordination du CLSPD".into()),
            participants: maillage_core::text::number_fr(a.participants_total),
        })
        .collect();
    render(&ListPage {
        layout: Layout::new("Actions réalisées", Some(u)),
        year,
        sheet: q.fiche,
        sheets,
        lines,
        count: maillage_core::text::number_fr(count),
        participants: maillage_core::text::number_fr(participants),
        page,
        more,
        all_organisations: filter.organisation_id.is_none(),
        max_year: today().year(),
        notice: (q.fait == "supprimee").then_some("L'action est supprimée."),
    })
}

// ---- the form ------------------------------------------------------------------------------

/// The form as typed, kept to be shown again with its faults.
#[derive(Clone, Debug, Default)]
pub struct ActivityForm {
    kind: String,
    title: String,
    started_on: String,
    ended_on: String,
    sheets: Vec<String>,
    district_id: String,
    organisations: Vec<String>,
    /// (public, age band, sex, count)
    lines: Vec<(String, String, String, String)>,
    professionals_present: String,
    note: String,
    version: String,
}

impl ActivityForm {
    /// From the posted pairs: lists come as repeated names, a participant line as the n-th
    /// `public`, `age_band`, `sex` and `count`.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = ActivityForm::default();
        let (mut publics, mut ages, mut sexes, mut counts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => f.kind = v,
                "title" => f.title = v,
                "started_on" => f.started_on = v,
                "ended_on" => f.ended_on = v,
                "sheet" => f.sheets.push(v),
                "district_id" => f.district_id = v,
                "organisation" => f.organisations.push(v),
                "professionals_present" => f.professionals_present = v,
                "note" => f.note = v,
                "version" => f.version = v,
                "public" => publics.push(v),
                "age_band" => ages.push(v),
                "sex" => sexes.push(v),
                "count" => counts.push(v),
                _ => {}
            }
        }
        let n = publics.len().max(ages.len()).max(sexes.len()).max(counts.len());
        let at = |list: &Vec<String>, i: usize| list.get(i).cloned().unwrap_or_default();
        f.lines = (0..n).map(|i| (at(&publics, i), at(&ages, i), at(&sexes, i), at(&counts, i))).collect();
        f
    }

    fn of(r: &ActivityRecord) -> Self {
        let a = &r.activity;
        ActivityForm {
            kind: a.kind.clone(),
            title: a.title.clone(),
            started_on: a.started_on.to_string(),
            ended_on: a.ended_on.map(|d| d.to_string()).unwrap_or_default(),
            sheets: r.sheets.iter().map(|s| s.id.to_string()).collect(),
            district_id: a.district_id.map(|d| d.to_string()).unwrap_or_default(),
            organisations: r.organisations.iter().map(|o| o.0.to_string()).collect(),
            lines: r.participants.iter().map(|l| (l.public.clone(), l.age_band.clone(), l.sex.clone(), l.count.to_string())).collect(),
            professionals_present: a.professionals_present.to_string(),
            note: a.note.clone(),
            version: a.version.to_string(),
        }
    }

    /// The draft, or the faults of what could not even be read (dates, numbers).
    fn draft(&self) -> (ActivityDraft, Vec<Fault>) {
        let mut faults = Vec::new();
        let date = |field: &'static str, v: &str, faults: &mut Vec<Fault>| {
            if v.trim().is_empty() {
                return None;
            }
            time_fmt::read_typed_date(v).map_err(|e| faults.push((field, e.to_string()))).ok()
        };
        let started_on = date("started_on", &self.started_on, &mut faults);
        let ended_on = date("ended_on", &self.ended_on, &mut faults);
        let ids = |list: &[String], field: &'static str, faults: &mut Vec<Fault>| -> Vec<i64> {
            let parsed: Result<Vec<i64>, _> = list.iter().filter(|v| !v.trim().is_empty()).map(|v| v.trim().parse()).collect();
            parsed.unwrap_or_else(|_| {
                faults.push((field, "Choisissez dans la liste.".into()));
                Vec::new()
            })
        };
        let sheet_ids = ids(&self.sheets, "sheet_ids", &mut faults);
        let organisation_ids = ids(&self.organisations, "organisation_ids", &mut faults);
        let district_id = match self.district_id.trim() {
            "" => None,
            v => v.parse().map_err(|_| faults.push(("district_id", "Choisissez le quartier dans la liste.".into()))).ok(),
        };
        let professionals_present = match self.professionals_present.trim() {
            "" => 0,
            v => v.parse().unwrap_or_else(|_| {
                faults.push(("professionals_present", "Un nombre entier, sans espace ni lettre.".into()));
                0
            }),
        };
        let mut participants = Vec::new();
        for (i, (public, age_band, sex, count)) in self.lines.iter().enumerate() {
            if [public, age_band, sex, count].iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            match count.trim().parse() {
                Ok(count) => {
                    participants.push(Participants { public: public.clone(), age_band: age_band.clone(), sex: sex.clone(), count });
                }
                Err(_) => faults.push(("participants", format!("Ligne {} des participants : un nombre entier est attendu.", i + 1))),
            }
        }
        let draft = ActivityDraft {
            kind: self.kind.trim().to_string(),
            title: self.title.clone(),
            started_on,
            ended_on,
            sheet_ids,
            district_id,
            organisation_ids,
            participants,
            professionals_present,
            note: self.note.clone(),
        };
        (draft, faults)
    }
}

struct FormLine {
    n: usize,
    public: String,
    age_band: String,
    sex: String,
    count: String,
}

#[derive(Template)]
#[template(path = "activity/form.html")]
struct FormPage {
    layout: Layout,
    /// None for a new activity.
    id: Option<i64>,
    record: Option<ActivityRecord>,
    editable: bool,
    form: ActivityForm,
    lines: Vec<FormLine>,
    errors: FieldErrors,
    notice: Option<&'static str>,
    kinds: Vec<(String, String)>,
    sheets: Vec<SheetChoice>,
    districts: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    publics: &'static [(&'static str, &'static str)],
    ages: &'static [(&'static str, &'static str)],
    sexes: &'static [(&'static str, &'static str)],
    /// (public, age band, sex, count) of the record, as labels.
    participant_rows: Vec<(String, String, String, String)>,
    /// The record's dates, dd/mm/yyyy.
    dates: String,
    photos: Vec<ActivityPhoto>,
    /// Why the photo just sent was refused, and its caption as typed.
    photo_error: Option<String>,
    photo_caption: String,
}

impl FormPage {
    fn sheet_checked(&self, id: i64) -> bool {
        self.form.sheets.iter().any(|s| s.trim() == id.to_string())
    }

    fn organisation_checked(&self, id: &str) -> bool {
        self.form.organisations.iter().any(|s| s.trim() == id)
    }
}

async fn form_view(
    state: &AppState,
    u: &CurrentUser,
    record: Option<ActivityRecord>,
    form: ActivityForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<FormPage, AppError> {
    let editable = match &record {
        None => true,
        Some(r) => crate::auth::require(Some(u), Action::EditActivity { own: own(u, &r.activity) }, "/activites").is_ok(),
    };
    let catalog = state.catalog().await?;
    let mut lines: Vec<FormLine> = form
        .lines
        .iter()
        .filter(|l| ![&l.0, &l.1, &l.2, &l.3].iter().all(|v| v.trim().is_empty()))
        .map(|l| FormLine { n: 0, public: l.0.clone(), age_band: l.1.clone(), sex: l.2.clone(), count: l.3.clone() })
        .collect();
    for _ in 0..BLANK_LINES {
        lines.push(FormLine { n: 0, public: String::new(), age_band: String::new(), sex: String::new(), count: String::new() });
    }
    for (i, l) in lines.iter_mut().enumerate() {
        l.n = i + 1;
    }
    let participant_rows = record
        .as_ref()
        .map(|r| {
            r.participants
                .iter()
                .map(|l| {
                    (
                        label(PUBLICS, &l.public).to_string(),
                        label(AGE_BANDS, &l.age_band).to_string(),
                        label(SEXES, &l.sex).to_string(),
                        maillage_core::text::number_fr(l.count),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let title = match &record {
        None => "Nouvelle action réalisée".to_string(),
        Some(r) => format!("{} — {}", r.activity.title, time_fmt::day_fr(r.activity.started_on)),
    };
    let dates = record.as_ref().map_or_else(String::new, |r| match r.activity.ended_on {
        Some(e) if e != r.activity.started_on => format!("du {} au {}", time_fmt::day_fr(r.activity.started_on), time_fmt::day_fr(e)),
        _ => time_fmt::day_fr(r.activity.started_on),
    });
    Ok(FormPage {
        layout: Layout::new(&title, Some(u)),
        dates,
        id: record.as_ref().map(|r| r.activity.id),
        editable,
        form,
        lines,
        errors,
        notice,
        kinds: state.store.activity_kinds().await?.into_iter().map(|k| (k.code, k.label)).collect(),
        sheets: state.store.sheet_choices().await?,
        districts: crate::page::district_choices(state),
        organisations: catalog.organisations.iter().map(|o| (o.id.to_string(), o.name.clone())).collect(),
        publics: PUBLICS,
        ages: AGE_BANDS,
        sexes: SEXES,
        participant_rows,
        photos: match &record {
            Some(r) => state.store.activity_photos(r.activity.id).await?,
            None => Vec::new(),
        },
        photo_error: None,
        photo_caption: String::new(),
        record,
    })
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordActivity, "/activites/nouvelle")?;
    let form = ActivityForm { started_on: today().to_string(), ..ActivityForm::default() };
    render(&form_view(&state, u, None, form, FieldErrors::default(), None).await?)
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordActivity, "/activites/nouvelle")?;
    let form = ActivityForm::from_pairs(pairs);
    let (draft, read) = form.draft();
    match maillage_app::activity::record(&state, &u.author(), (u.actor.user_id, u.actor.organisation_id), draft, read, today()).await {
        Ok(id) => Ok(Redirect::to(&format!("/activites/{id}?fait=enregistree")).into_response()),
        Err(ActivityError::Invalid(faults)) => render_invalid(&form_view(&state, u, None, form, errors_of(faults, ""), None).await?),
        Err(e) => Err(e.into()),
    }
}

/// The activity, if `u` may change it (and read it first: [`readable`]).
async fn editable<'a>(state: &AppState, user: Option<&'a CurrentUser>, id: &str) -> Result<(&'a CurrentUser, ActivityRecord), AppError> {
    let u = require(user, Action::RecordActivity, &format!("/activites/{id}"))?;
    let r = readable(state, u, id).await?;
    require(Some(u), Action::EditActivity { own: own(u, &r.activity) }, "/activites")?;
    Ok((u, r))
}

/// The activity, if `u` may read it. Whoever may not read every activity is told the same
/// whether it exists or not (no guessing at other organisations' numbers).
async fn readable(state: &AppState, u: &CurrentUser, id: &str) -> Result<ActivityRecord, AppError> {
    let reads_all = require(Some(u), Action::ReadActivity { own: false }, "/activites").is_ok();
    let found = state.store.activity(parse_id(id)?).await?;
    match found {
        Some(r) if require(Some(u), Action::ReadActivity { own: own(u, &r.activity) }, "/activites").is_ok() => Ok(r),
        None if reads_all => Err(AppError::NotFound),
        _ => Err(AppError::NotYourActivity),
    }
}

async fn activity_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordActivity, &format!("/activites/{id}"))?;
    let r = readable(&state, u, &id).await?;
    let notice = match q.fait.as_str() {
        "enregistree" => Some("L'action est enregistrée."),
        "modifiee" => Some("Les modifications sont enregistrées."),
        "photo" => Some("La photo est ajoutée."),
        "photo_retiree" => Some("La photo est retirée."),
        _ => None,
    };
    let form = ActivityForm::of(&r);
    render(&form_view(&state, u, Some(r), form, FieldErrors::default(), notice).await?)
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let form = ActivityForm::from_pairs(pairs);
    let (draft, mut read) = form.draft();
    let version = form.version.trim().parse::<i64>().ok();
    if version.is_none() {
        read.push(("version", "Le formulaire est incomplet : rechargez la page.".into()));
    }
    let activity_id = r.activity.id;
    // Without a version, `read` holds its fault and nothing is written: the 0 is never used.
    let at = (activity_id, version.unwrap_or_default());
    match maillage_app::activity::update(&state, &u.author(), at, draft, read, today()).await {
        Ok(()) => Ok(Redirect::to(&format!("/activites/{activity_id}?fait=modifiee")).into_response()),
        Err(ActivityError::Invalid(faults)) => render_invalid(&form_view(&state, u, Some(r), form, errors_of(faults, ""), None).await?),
        // Changed meanwhile: what was typed stays, with the news.
        Err(ActivityError::Store(maillage_store::StoreError::Conflict(m))) => {
            let mut errors = FieldErrors::default();
            errors.add(
                "version",
                format!(
                    "Pas enregistré : {m}. Vos saisies sont conservées ci-dessous, l'action telle qu'enregistrée est affichée au-dessus : \
                     enregistrez de nouveau pour remplacer celle-ci par vos saisies."
                ),
            );
            // The page shows the activity as it is now; saving again replaces it knowingly.
            let current = state.store.activity(activity_id).await?.ok_or(AppError::NotFound)?;
            let form = ActivityForm { version: current.activity.version.to_string(), ..form };
            let page = form_view(&state, u, Some(current), form, errors, None).await?;
            Ok((axum::http::StatusCode::CONFLICT, axum::response::Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes an activity recorded by mistake: asked to confirm first, then gone with its counts.
async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let version = field("version").parse::<i64>().ok();
    let mut errors = FieldErrors::default();
    if field("confirm") != "oui" {
        errors.add("confirm", "Cochez la case pour confirmer la suppression.");
    }
    if version.is_none() {
        errors.add("confirm", "Le formulaire est incomplet : rechargez la page.");
    }
    if let Some(m) = maillage_app::activity::closed_year(&state, Some(r.activity.started_on)).await? {
        errors.add("confirm", m);
    }
    let Some(version) = version.filter(|_| errors.is_empty()) else {
        let form = ActivityForm::of(&r);
        return render_invalid(&form_view(&state, u, Some(r), form, errors, None).await?);
    };
    let photos = state.store.activity_photos(r.activity.id).await?;
    state.store.delete_activity(&u.author(), r.activity.id, version).await?;
    // The rows went with the activity; their files follow.
    maillage_app::activity::photo::forget_files(&state, &photos).await;
    Ok(Redirect::to("/activites?fait=supprimee").into_response())
}

// ---- the JSON API --------------------------------------------------------------------------

/// A new activity as JSON: `kind` is the kind's code, `sheets` the sheets' codes in the
/// current strategy, `district` and `organisations` ids.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    kind: String,
    title: String,
    started_on: String,
    #[serde(default)]
    ended_on: Option<String>,
    sheets: Vec<String>,
    #[serde(default)]
    district: Option<i64>,
    #[serde(default)]
    organisations: Vec<i64>,
    #[serde(default)]
    participants: Vec<Participants>,
    #[serde(default)]
    professionals_present: i64,
    #[serde(default)]
    note: String,
}

fn json_of(a: &Activity) -> serde_json::Value {
    serde_json::json!({
        "id": a.id,
        "kind": a.kind,
        "title": a.title,
        "started_on": a.started_on.to_string(),
        "ended_on": a.ended_on.map(|d| d.to_string()),
        "district": a.district,
        "organisation": a.organisation,
        "professionals_present": a.professionals_present,
        "participants_total": a.participants_total,
    })
}

async fn api_list(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = require(user.as_ref(), Action::RecordActivity, "/api/v1/activites")?;
    let filter = listed(u, &q, year_param(&q.annee)?, &state.store.sheet_choices().await?)?;
    let page = q.page.unwrap_or(0).clamp(0, 10_000);
    let rows = state.store.activities(&filter, PAGE, page * PAGE).await?;
    let (total, _) = state.store.activity_totals(&filter).await?;
    Ok(Json(serde_json::json!({
        "activities": rows.iter().map(json_of).collect::<Vec<_>>(),
        "total": total,
        "page": page,
        "per_page": PAGE,
    })))
}

async fn api_create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    body: Result<Json<ActivityInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<serde_json::Value>), ApiError> {
    let u = require(user.as_ref(), Action::RecordActivity, "/api/v1/activites")?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let sheets = state.store.sheet_choices().await?;
    let mut read: Vec<Fault> = Vec::new();
    let mut sheet_ids = Vec::new();
    for code in &input.sheets {
        match sheets.iter().find(|s| s.code == *code) {
            Some(s) => sheet_ids.push(s.id),
            None => read.push((
                "sheet_ids",
                format!("La fiche « {} » n'existe pas dans la stratégie en cours.", code.chars().take(20).collect::<String>()),
            )),
        }
    }
    let mut date = |field: &'static str, v: Option<&str>| {
        v.filter(|v| !v.trim().is_empty()).and_then(|v| time_fmt::read_iso_date(v).map_err(|e| read.push((field, e.for_api()))).ok())
    };
    let started_on = date("started_on", Some(&input.started_on));
    let ended_on = date("ended_on", input.ended_on.as_deref());
    let draft = ActivityDraft {
        kind: input.kind,
        title: input.title,
        started_on,
        ended_on,
        sheet_ids,
        district_id: input.district,
        organisation_ids: input.organisations,
        participants: input.participants,
        professionals_present: input.professionals_present,
        note: input.note,
    };
    let who = (u.actor.user_id, u.actor.organisation_id);
    let id = match maillage_app::activity::record(&state, &u.author(), who, draft, read, today()).await {
        Ok(id) => id,
        // Under the API's names for the fields.
        Err(ActivityError::Invalid(faults)) => {
            let named = |f: &'static str| match f {
                "sheet_ids" => "sheets",
                "district_id" => "district",
                "organisation_ids" => "organisations",
                f => f,
            };
            return Err(AppError::InvalidFields(faults.into_iter().map(|(f, m)| (named(f).to_string(), m)).collect()).into());
        }
        Err(e) => return Err(e.into()),
    };
    let record = state.store.activity(id).await?.ok_or(AppError::NotFound)?;
    Ok((axum::http::StatusCode::CREATED, Json(json_of(&record.activity))))
}
