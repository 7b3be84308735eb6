//! Reports (signalements): list and filters, creation, detail and workflow, map, statistics and
//! exports. Each handler checks the permission, calls `crate::reporting` or the store, renders.

use super::{FieldErrors, parse_id, render, render_invalid};
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::{Layout, url_encode};
use crate::map;
use crate::reporting::{self, Draft, Places, Reporter, SubmitError, TransitionError};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{Action, Decision, ReportScope, authorize, report_scope};
use maillage_core::place::Coordinates;
use maillage_core::report::{CloseReason, Question, QuestionKind, State as ReportState, Transition};
use maillage_core::time_fmt;
use maillage_store::categories::Category;
use maillage_store::organisations::Organisation;
use maillage_store::reports::{ReportEvent, ReportFilter, ReportSort, ReportSummary, StatGroup, StatRow};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const PAGE_SIZE: i64 = 50;

pub fn routes(r: Routes) -> Routes {
    r.get("/signalements", list)
        .get("/signalements/nouveau", new_page)
        .post("/signalements/nouveau", create)
        .get("/signalements/carte", map_page)
        .get("/signalements/carte.svg", map_picture)
        .get("/signalements/statistiques", statistics)
        .get("/signalements/export.csv", export_csv)
        .get("/signalements/export.ods", export_ods)
        .get("/signalements/{id}", detail)
        .post("/signalements/{id}/etat", change_state)
        .post("/signalements/{id}/commentaires", comment)
        .post("/signalements/{id}/part", part)
        .post("/signalements/{id}/organisations", involve)
        .post("/signalements/{id}/photos", upload_photo)
        .get("/signalements/photos/{id}", photo)
        .get("/signalements/vignettes/{id}", thumbnail)
}

/// The filters of the list, the map, the statistics and the exports, as query parameters.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct FilterQuery {
    #[serde(default)]
    pub etat: String,
    #[serde(default)]
    pub categorie: String,
    #[serde(default)]
    pub quartier: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub du: String,
    #[serde(default)]
    pub au: String,
    #[serde(default)]
    pub retard: String,
    #[serde(default)]
    pub a_trier: String,
    #[serde(default)]
    pub tri: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub groupe: String,
    #[serde(default)]
    pub format: String,
}

/// A date field (`2026-11-26`) as the storage instant of Paris midnight.
fn day_start(s: &str) -> Option<String> {
    let d = time::Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    let guess = d.midnight().assume_utc();
    Some(time_fmt::to_storage(d.midnight().assume_offset(time_fmt::paris_offset(guess))))
}

impl FilterQuery {
    /// The store filter, and a French message for each value that could not be read (ignored).
    pub fn to_filter(&self, scope: ReportScope) -> (ReportFilter, Vec<String>) {
        let mut f = ReportFilter::new(scope);
        let mut errors = Vec::new();
        match self.etat.as_str() {
            "" => {}
            "ouverts" => f.states = ReportState::open(),
            "clos" => f.states = ReportState::closed(),
            code => match ReportState::from_code(code) {
                Some(s) => f.states = vec![s],
                None => errors.push("État inconnu : filtre ignoré.".into()),
            },
        }
        let id = |v: &str, what: &str, errors: &mut Vec<String>| -> Option<i64> {
            if v.is_empty() {
                return None;
            }
            v.parse().ok().or_else(|| {
                errors.push(format!("{what} inconnu(e) : filtre ignoré."));
                None
            })
        };
        f.category_ids = id(&self.categorie, "Catégorie", &mut errors).into_iter().collect();
        f.district_id = id(&self.quartier, "Quartier", &mut errors);
        f.organisation_id = id(&self.organisation, "Organisation", &mut errors);
        if !self.du.is_empty() {
            f.created_from = day_start(&self.du);
            if f.created_from.is_none() {
                errors.push("Date de début illisible (jj/mm/aaaa) : filtre ignoré.".into());
            }
        }
        if !self.au.is_empty() {
            let next = time::Date::parse(self.au.trim(), time::macros::format_description!("[year]-[month]-[day]"))
                .ok()
                .and_then(|d| d.next_day())
                .map(|d| d.to_string());
            f.created_before = next.as_deref().and_then(day_start);
            if f.created_before.is_none() {
                errors.push("Date de fin illisible (jj/mm/aaaa) : filtre ignoré.".into());
            }
        }
        f.overdue = !self.retard.is_empty();
        f.unassigned = !self.a_trier.is_empty();
        (f, errors)
    }

    pub fn sort(&self) -> ReportSort {
        match self.tri.as_str() {
            "anciens" => ReportSort::OldestFirst,
            "echeance" => ReportSort::DueFirst,
            "mis-a-jour" => ReportSort::RecentlyUpdated,
            _ => ReportSort::NewestFirst,
        }
    }

    pub fn page(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(1).clamp(1, 100_000)
    }

    /// The filters as a query string, without the page, for links.
    pub fn query(&self) -> String {
        [
            ("etat", &self.etat),
            ("categorie", &self.categorie),
            ("quartier", &self.quartier),
            ("organisation", &self.organisation),
            ("du", &self.du),
            ("au", &self.au),
            ("retard", &self.retard),
            ("a_trier", &self.a_trier),
            ("tri", &self.tri),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// What the filter form offers.
pub struct FilterChoices {
    pub states: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(i64, String)>,
    pub districts: Vec<(i64, String)>,
    pub organisations: Vec<(i64, String)>,
}

impl FilterChoices {
    fn new(categories: &[Category], places: &Places, organisations: &[Organisation]) -> Self {
        FilterChoices {
            states: ReportState::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            categories: category_options(categories),
            districts: places.districts.iter().map(|d| (d.0, d.1.clone())).collect(),
            organisations: organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        }
    }
}

/// Categories as options, children indented under their parent.
fn category_options(categories: &[Category]) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for c in categories.iter().filter(|c| c.parent_id.is_none() && !c.retired) {
        out.push((c.id, c.name.clone()));
        for child in categories.iter().filter(|k| k.parent_id == Some(c.id) && !k.retired) {
            out.push((child.id, format!("{} › {}", c.name, child.name)));
        }
    }
    out
}

/// A line of the list as shown.
pub struct Line {
    pub r: ReportSummary,
    pub state_label: &'static str,
    pub created: String,
    pub due: String,
    pub overdue: bool,
    pub excerpt: String,
}

fn line(r: ReportSummary, now: &str) -> Line {
    let overdue = r.is_overdue(now);
    let state_label = r.state().map(|s| s.label()).unwrap_or("?");
    let created = time_fmt::from_storage(&r.created_at).map(time_fmt::date_fr).unwrap_or_default();
    let due = r.due_at.as_deref().and_then(time_fmt::from_storage).map(time_fmt::date_fr).unwrap_or_default();
    let excerpt: String = r.description.chars().take(120).collect();
    let excerpt = if r.description.chars().count() > 120 { format!("{excerpt}…") } else { excerpt };
    Line { r, state_label, created, due, overdue, excerpt }
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    layout: Layout,
    q: FilterQuery,
    query: String,
    choices: FilterChoices,
    errors: Vec<String>,
    lines: Vec<Line>,
    page: i64,
    has_next: bool,
    can_create: bool,
    can_triage: bool,
    can_export: bool,
}

async fn list(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (filter, errors) = q.to_filter(report_scope(&u.actor));
    let page = q.page();
    let mut rows = state.store.reports(&filter, q.sort(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let can = |a| authorize(Some(&u.actor), a) == Decision::Allow;
    render(&ListPage {
        layout: Layout::new("Signalements", Some(u)),
        query: q.query(),
        choices: FilterChoices::new(categories, &state.places(), organisations),
        errors,
        lines: rows.into_iter().map(|r| line(r, &filter.now)).collect(),
        page,
        has_next,
        can_create: can(Action::CreateReport),
        can_triage: can(Action::TriageReports),
        can_export: can(Action::ExportReports),
        q,
    })
}

/// A question as the form shows it, with what was answered.
pub struct QuestionField {
    pub q: Question,
    pub name: String,
    pub input_type: &'static str,
    pub values: Vec<String>,
    pub error: Option<String>,
}

impl QuestionField {
    pub fn is_long(&self) -> bool {
        self.q.kind == QuestionKind::LongText
    }
    pub fn is_choice(&self) -> bool {
        self.q.kind.has_choices()
    }
    pub fn is_multiple(&self) -> bool {
        self.q.kind == QuestionKind::SeveralChoices
    }
    pub fn value(&self) -> &str {
        self.values.first().map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, key: &str) -> bool {
        self.values.iter().any(|v| v == key)
    }
}

#[derive(Template)]
#[template(path = "reports/new.html")]
struct NewPage {
    layout: Layout,
    categories: Vec<(i64, String)>,
    category_id: Option<i64>,
    description: String,
    address: String,
    lat: String,
    lon: String,
    questions: Vec<QuestionField>,
    errors: FieldErrors,
    duplicates: Vec<(Line, String)>,
    map_query: String,
    confirm_duplicates: bool,
    /// The address look-up is configured.
    address_search: bool,
    /// Addresses found, as (button value `lat;lon;label`, label).
    addresses: Vec<(String, String)>,
    /// Heading of the error summary.
    errors_title: &'static str,
}

/// The report form's fields, read from the raw body so that repeated keys (several choices)
/// and the map click (`carte.x`, `carte.y`) are all kept.
#[derive(Default, Debug)]
struct NewForm {
    fields: BTreeMap<String, Vec<String>>,
}

impl NewForm {
    fn parse(body: &[u8]) -> NewForm {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            fields.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        NewForm { fields }
    }
    fn get(&self, k: &str) -> String {
        self.fields.get(k).and_then(|v| v.first()).cloned().unwrap_or_default()
    }
    fn draft(&self) -> Draft {
        let answers = self.fields.iter().filter_map(|(k, v)| k.strip_prefix("q_").map(|code| (code.to_string(), v.clone()))).collect();
        Draft {
            category_id: self.get("categorie").parse().ok(),
            description: self.get("description"),
            address: self.get("adresse"),
            lat: self.get("lat"),
            lon: self.get("lon"),
            answers,
        }
    }
}

fn question_fields(questions: &[Question], answers: &BTreeMap<String, Vec<String>>, errors: &FieldErrors) -> Vec<QuestionField> {
    questions
        .iter()
        .map(|q| QuestionField {
            name: format!("q_{}", q.code),
            input_type: match q.kind {
                QuestionKind::Number => "number",
                QuestionKind::DateTime => "datetime-local",
                _ => "text",
            },
            values: answers.get(&q.code).cloned().unwrap_or_default(),
            error: errors.get(&format!("q_{}", q.code)).map(str::to_string),
            q: q.clone(),
        })
        .collect()
}

impl NewPage {
    fn build(state: &AppState, u: &CurrentUser, categories: &[Category], d: &Draft, errors: FieldErrors) -> NewPage {
        let questions = d.category_id.map(|id| reporting::questions_of(categories, id)).unwrap_or(&[]);
        let map_query = match Coordinates::parse(&d.lat, &d.lon) {
            Ok(c) => format!("?lat={}&lon={}", c.lat, c.lon),
            Err(_) => String::new(),
        };
        NewPage {
            layout: Layout::new("Nouveau signalement", Some(u)),
            categories: category_options(categories),
            category_id: d.category_id,
            description: d.description.clone(),
            address: d.address.clone(),
            lat: d.lat.clone(),
            lon: d.lon.clone(),
            questions: question_fields(questions, &d.answers, &errors),
            errors,
            duplicates: Vec::new(),
            map_query,
            confirm_duplicates: false,
            address_search: state.geocoder.is_some(),
            addresses: Vec::new(),
            errors_title: "Le signalement n'a pas été enregistré :",
        }
    }
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    categorie: String,
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let d = Draft { category_id: q.categorie.parse().ok(), ..Default::default() };
    render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()))
}

/// One handler for the buttons of the form: a click on the map places the point, "Chercher
/// l'adresse" offers the addresses found and a click on one places the point there, "Afficher
/// les questions" shows the chosen category's questions, "Envoyer" creates the report (after
/// showing possible duplicates once).
async fn create(State(state): State<AppState>, user: Option<CurrentUser>, RawForm(body): RawForm) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let form = NewForm::parse(&body);
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let mut d = form.draft();
    let places = state.places();
    if let (Ok(x), Ok(y)) = (form.get("carte.x").parse::<f64>(), form.get("carte.y").parse::<f64>()) {
        let c = map::Frame::fit(&places).coordinates(x, y);
        d.lat = c.lat.to_string();
        d.lon = c.lon.to_string();
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    if let Some((lat, lon, label)) = parse_address_choice(&form.get("adresse_choisie")) {
        d.lat = lat;
        d.lon = lon;
        d.address = label;
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    if form.get("action") == "adresse" {
        return match reporting::find_addresses(&state, &d.address).await {
            Ok(found) => {
                let mut page = NewPage::build(&state, u, categories, &d, FieldErrors::default());
                page.addresses = found.into_iter().map(|a| (address_choice(&a), a.label)).collect();
                render(&page)
            }
            Err(e) => {
                let mut errors = FieldErrors::default();
                errors.add("adresse", e.to_string());
                let mut page = NewPage::build(&state, u, categories, &d, errors);
                page.errors_title = "Aucune adresse à proposer :";
                render_invalid(&page)
            }
        };
    }
    if form.get("action") == "questions" {
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    let checked = match reporting::check(&places, categories, &d) {
        Ok(c) => c,
        Err(e) => return render_invalid(&NewPage::build(&state, u, categories, &d, submit_errors(e)?)),
    };
    if form.get("confirmer").is_empty() {
        let near = reporting::possible_duplicates(&state, checked.category.id, checked.coordinates, report_scope(&u.actor)).await?;
        if !near.is_empty() {
            let now = time_fmt::to_storage(time_fmt::now());
            let mut page = NewPage::build(&state, u, categories, &d, FieldErrors::default());
            page.duplicates = near.into_iter().map(|(r, m)| (line(r, &now), format!("{m:.0}"))).collect();
            page.confirm_duplicates = true;
            return render(&page);
        }
    }
    let who = Reporter { author: u.author(), user_id: Some(u.id), organisation_id: u.actor.organisation_id, source: "web" };
    match reporting::submit(&state, &who, &d).await {
        Ok(id) => Ok(Redirect::to(&format!("/signalements/{id}?cree=1")).into_response()),
        Err(e) => render_invalid(&NewPage::build(&state, u, categories, &d, submit_errors(e)?)),
    }
}

/// An address offered on the form, as its button's value: `lat;lon;label`.
fn address_choice(a: &crate::geocoder::AddressCandidate) -> String {
    format!("{};{};{}", a.coordinates.lat, a.coordinates.lon, a.label)
}

/// A chosen address, as `address_choice` wrote it.
fn parse_address_choice(v: &str) -> Option<(String, String, String)> {
    let mut parts = v.splitn(3, ';');
    let (lat, lon, label) = (parts.next()?, parts.next()?, parts.next()?);
    Coordinates::parse(lat, lon).ok()?;
    Some((lat.to_string(), lon.to_string(), label.chars().take(300).collect()))
}

fn submit_errors(e: SubmitError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        SubmitError::Invalid(list) => {
            for (field, message) in list {
                let key = match field.as_str() {
                    "description" => "description".to_string(),
                    "address" => "adresse".to_string(),
                    "place" => "lieu".to_string(),
                    code => format!("q_{code}"),
                };
                errors.add(key, message);
            }
        }
        SubmitError::UnknownCategory => errors.add("categorie", "Choisissez une catégorie dans la liste."),
        SubmitError::Store(e) => return Err(e.into()),
    }
    Ok(errors)
}

/// One history line as shown.
pub struct EventLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub body: String,
    pub internal: bool,
}

fn event_line(e: &ReportEvent, organisations: &[Organisation]) -> EventLine {
    let org = |id: Option<i64>| id.and_then(|i| organisations.iter().find(|o| o.id == i)).map(|o| o.name.clone());
    let what = match e.kind.as_str() {
        "created" => "Signalement créé".to_string(),
        "state" => {
            let label = e.state.as_deref().and_then(ReportState::from_code).map(|s| s.label()).unwrap_or("?");
            let mut t = format!("État : {label}");
            for part in e.detail.split(' ') {
                if let Some(r) = CloseReason::from_code(part) {
                    t.push_str(&format!(" ({})", r.label()));
                } else if let Some(n) = part.strip_prefix('#') {
                    t.push_str(&format!(" — doublon du n° {n}"));
                } else if let Some(o) = part.strip_prefix("org:") {
                    t.push_str(&format!(" vers {}", org(o.parse().ok()).unwrap_or_default()));
                }
            }
            t
        }
        "involve" => {
            format!("Organisation associée : {}", org(e.detail.strip_prefix("org:").and_then(|s| s.parse().ok())).unwrap_or_default())
        }
        "part_taken" => "Prend sa part en charge".to_string(),
        "part_done" => "A terminé sa part".to_string(),
        "comment" => {
            if e.internal {
                "Commentaire interne".to_string()
            } else {
                "Commentaire partagé".to_string()
            }
        }
        "photo" => "Photo ajoutée".to_string(),
        other => other.to_string(),
    };
    let who = match org(e.organisation_id) {
        Some(o) => format!("{} ({o})", e.author_label),
        None => e.author_label.clone(),
    };
    EventLine {
        at: time_fmt::from_storage(&e.at).map(time_fmt::datetime_fr).unwrap_or_default(),
        who,
        what,
        body: e.body.clone(),
        internal: e.internal,
    }
}

pub struct PartLine {
    pub name: String,
    pub part: &'static str,
    pub status: String,
}

#[derive(Template)]
#[template(path = "reports/detail.html")]
struct DetailPage {
    layout: Layout,
    r: maillage_store::reports::ReportDetail,
    category: String,
    state_label: &'static str,
    is_open: bool,
    overdue: bool,
    created: String,
    due: String,
    district: String,
    priority_area: String,
    lead: String,
    answers: Vec<(String, String)>,
    parts: Vec<PartLine>,
    events: Vec<EventLine>,
    photos: Vec<maillage_store::reports::Photo>,
    can_handle: bool,
    my_part: Option<(bool, bool)>,
    targets: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    organisations: Vec<(i64, String)>,
    map_svg: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct DetailQuery {
    #[serde(default)]
    cree: String,
    #[serde(default)]
    ok: String,
}

/// Loads a report the user may read, with its organisations and whether the user's
/// organisation is one of them.
async fn readable(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<(maillage_store::reports::ReportDetail, Vec<maillage_store::reports::Involvement>, bool), AppError> {
    let r = state.store.report(id).await?.ok_or(AppError::NotFound)?;
    let involvements = state.store.involvements(id).await?;
    let involved = u.actor.organisation_id.is_some_and(|o| involvements.iter().any(|i| i.organisation_id == o));
    require(Some(u), Action::ReadReport { involved }, "/signalements")?;
    Ok((r, involvements, involved))
}

async fn detail_page(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> Result<DetailPage, AppError> {
    let (r, involvements, involved) = readable(state, u, id).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let events = state.store.report_events(id, u.actor.organisation_id).await?;
    let photos = state.store.photos(id).await?;
    let places = state.places();
    let now = time_fmt::to_storage(time_fmt::now());
    let st = ReportState::from_code(&r.state).unwrap_or(ReportState::New);
    let category = categories.iter().find(|c| c.id == r.category_id);
    let stored: BTreeMap<String, String> = serde_json::from_str(&r.answers).unwrap_or_default();
    let answers = category
        .map(|c| {
            c.questions
                .iter()
                .filter_map(|q| {
                    stored.get(&q.code).map(|v| {
                        let shown = if q.kind.has_choices() {
                            v.split(',')
                                .map(|k| q.choices.iter().find(|c| c.key == k).map(|c| c.name.clone()).unwrap_or_else(|| k.to_string()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        } else if q.kind == QuestionKind::DateTime {
                            time_fmt::from_storage(v).map(time_fmt::datetime_fr).unwrap_or_else(|| v.clone())
                        } else {
                            v.clone()
                        };
                        (q.label.clone(), shown)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let fmt = |s: &Option<String>| s.as_deref().and_then(time_fmt::from_storage).map(time_fmt::date_fr);
    let parts = involvements
        .iter()
        .map(|i| PartLine {
            name: i.organisation_name.clone(),
            part: match i.part.as_str() {
                "lead" => "en charge",
                "involved" => "associée",
                _ => "auteur du signalement",
            },
            status: match (&i.done_at, &i.taken_at) {
                (Some(_), _) => format!("part terminée le {}", fmt(&i.done_at).unwrap_or_default()),
                (None, Some(_)) => format!("part prise en charge le {}", fmt(&i.taken_at).unwrap_or_default()),
                _ if i.part == "reporter" => String::new(),
                _ => "en attente".into(),
            },
        })
        .collect();
    let my_part = u
        .actor
        .organisation_id
        .and_then(|o| involvements.iter().find(|i| i.organisation_id == o && i.part != "reporter"))
        .map(|i| (i.taken_at.is_some(), i.done_at.is_some()));
    let can_handle = authorize(Some(&u.actor), Action::HandleReport { involved }) == Decision::Allow;
    let targets = if st.class().is_open() {
        [ReportState::Transmitted, ReportState::InProgress, ReportState::Planned, ReportState::Resolved]
            .into_iter()
            .filter(|s| *s != st)
            .map(|s| (s.code(), s.label()))
            .collect()
    } else {
        vec![(ReportState::Transmitted.code(), "rouvrir (transmis)")]
    };
    let c = Coordinates { lat: r.lat, lon: r.lon };
    let area_name = |id: Option<i64>| -> String {
        id.and_then(|i| places.priority_areas.iter().find(|a| a.0 == i)).map(|a| a.1.clone()).unwrap_or_default()
    };
    Ok(DetailPage {
        layout: Layout::new(&format!("Signalement n° {id}"), Some(u)),
        category: category.map(|c| c.name.clone()).unwrap_or_default(),
        state_label: st.label(),
        is_open: st.class().is_open(),
        overdue: maillage_core::report::is_overdue(r.due_at.as_deref(), r.closed_at.as_deref(), &now),
        created: time_fmt::from_storage(&r.created_at).map(time_fmt::datetime_fr).unwrap_or_default(),
        due: fmt(&r.due_at).unwrap_or_else(|| "aucune".into()),
        district: places.district_name(r.district_id).unwrap_or("hors quartier").to_string(),
        priority_area: area_name(r.priority_area_id),
        lead: r
            .organisation_id
            .and_then(|o| organisations.iter().find(|x| x.id == o))
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "à trier par la coordination".into()),
        answers,
        parts,
        events: events.iter().map(|e| event_line(e, organisations)).collect(),
        photos,
        can_handle,
        my_part,
        targets,
        reasons: CloseReason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        organisations: organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        map_svg: map::svg(&places, &[], Some(c), false, &format!("Emplacement du signalement n° {id}"), state.tiles.as_ref()),
        notice,
        error,
        r,
    })
}

async fn detail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(&id)?;
    let notice = if !q.cree.is_empty() {
        Some("Signalement enregistré et transmis.".to_string())
    } else if !q.ok.is_empty() {
        Some("Modification enregistrée.".to_string())
    } else {
        None
    };
    render(&detail_page(&state, u, id, notice, None).await?)
}

/// A refused action: the page again, with the reason, as 422.
async fn refused(state: &AppState, u: &CurrentUser, id: i64, message: String) -> Result<Response, AppError> {
    render_invalid(&detail_page(state, u, id, None, Some(message)).await?)
}

async fn handleable(state: &AppState, u: &CurrentUser, id: &str) -> Result<(maillage_store::reports::ReportDetail, i64), AppError> {
    require(Some(u), Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(id)?;
    let r = state.store.report(id).await?.ok_or(AppError::NotFound)?;
    let involved = reporting::involved(state, id, u.actor.organisation_id).await?;
    require(Some(u), Action::HandleReport { involved }, "/signalements")?;
    Ok((r, id))
}

#[derive(Deserialize, Default)]
pub struct StateForm {
    #[serde(default)]
    pub etat: String,
    #[serde(default)]
    pub motif: String,
    #[serde(default)]
    pub original: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub note: String,
}

impl StateForm {
    /// The transition asked for, or a French message.
    pub fn transition(&self) -> Result<Transition, String> {
        match self.etat.as_str() {
            "closed_without_action" => CloseReason::from_code(&self.motif)
                .map(Transition::CloseWithoutAction)
                .ok_or_else(|| "Choisissez le motif du classement sans suite.".to_string()),
            "duplicate" => self
                .original
                .trim()
                .trim_start_matches('#')
                .parse()
                .map(Transition::DuplicateOf)
                .map_err(|_| "Donnez le numéro du signalement original.".to_string()),
            "redirected" => self
                .organisation
                .parse()
                .map(Transition::RedirectTo)
                .map_err(|_| "Choisissez l'organisation vers laquelle réorienter.".to_string()),
            code => ReportState::from_code(code).map(Transition::To).ok_or_else(|| "Choisissez un nouvel état.".to_string()),
        }
    }
}

async fn change_state(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (r, id) = handleable(&state, u, &id).await?;
    let t = match form.transition() {
        Ok(t) => t,
        Err(m) => return refused(&state, u, id, m).await,
    };
    if form.note.chars().count() > maillage_core::report::MAX_COMMENT {
        return refused(&state, u, id, "La précision est trop longue.".into()).await;
    }
    match reporting::change_state(&state, &u.author(), u.actor.organisation_id, &r, &t, &form.note).await {
        Ok(()) => Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response()),
        Err(TransitionError::Store(e)) => match AppError::from(e) {
            AppError::Conflict(m) => refused(&state, u, id, m).await,
            other => Err(other),
        },
        Err(e) => refused(&state, u, id, capitalise(&e.to_string())).await,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct CommentForm {
    #[serde(default)]
    texte: String,
    #[serde(default)]
    interne: String,
}

async fn comment(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (_, id) = handleable(&state, u, &id).await?;
    let text = form.texte.trim();
    if text.is_empty() || text.chars().count() > maillage_core::report::MAX_COMMENT {
        return refused(&state, u, id, format!("Le commentaire doit compter de 1 à {} caractères.", maillage_core::report::MAX_COMMENT))
            .await;
    }
    let internal = !form.interne.is_empty();
    if internal && u.actor.organisation_id.is_none() {
        return refused(&state, u, id, "Un commentaire interne suppose que votre compte soit rattaché à une organisation.".into()).await;
    }
    state.store.add_comment(&u.author(), id, u.actor.organisation_id, internal, text).await?;
    Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response())
}

#[derive(Deserialize, Default)]
struct PartForm {
    #[serde(default)]
    terminee: String,
}

async fn part(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<PartForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (r, id) = handleable(&state, u, &id).await?;
    let Some(org) = u.actor.organisation_id else {
        return refused(&state, u, id, "Votre compte n'est rattaché à aucune organisation.".into()).await;
    };
    match state.store.set_part(&u.author(), id, org, !form.terminee.is_empty()).await {
        Ok(()) => {}
        Err(maillage_store::StoreError::NotFound(_)) => {
            return refused(&state, u, id, "Votre organisation n'a pas de part dans ce signalement.".into()).await;
        }
        Err(e) => return Err(e.into()),
    }
    // Taking a part moves a report that nobody handled yet to "pris en charge".
    if form.terminee.is_empty()
        && matches!(ReportState::from_code(&r.state), Some(ReportState::New | ReportState::Transmitted | ReportState::Redirected))
    {
        let _ = reporting::change_state(&state, &u.author(), Some(org), &r, &Transition::To(ReportState::InProgress), "").await;
    }
    Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response())
}

#[derive(Deserialize, Default)]
struct InvolveForm {
    #[serde(default)]
    organisation: String,
}

async fn involve(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<InvolveForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (r, id) = handleable(&state, u, &id).await?;
    let catalog = state.catalog().await?;
    let organisations = &catalog.organisations;
    let Some(org) = form.organisation.parse::<i64>().ok().and_then(|o| organisations.iter().find(|x| x.id == o)) else {
        return refused(&state, u, id, "L'organisation choisie n'existe pas.".into()).await;
    };
    let mails = if org.email.is_empty() {
        Vec::new()
    } else {
        vec![maillage_store::outbox::OutgoingMail {
            recipient: org.email.clone(),
            subject: format!("[Maillage] Signalement n° {id} : votre organisation est associée"),
            body: format!(
                "Bonjour,\n\n{} est associée au signalement n° {id}.\n\nDescription :\n{}\n\nPour le suivre : {}/signalements/{id}\n\n-- \nMaillage, outil partenarial du CLSPD. Ce message ne contient ni photo ni commentaire interne.\n",
                org.name, r.description, state.public_url
            ),
        }]
    };
    match state.store.involve(&u.author(), id, org.id, mails).await {
        Ok(()) => Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response()),
        Err(maillage_store::StoreError::Conflict(m)) => refused(&state, u, id, capitalise(&m)).await,
        Err(e) => Err(e.into()),
    }
}

async fn upload_photo(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (_, id) = handleable(&state, u, &id).await?;
    let mut file: Option<Bytes> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("photo") => match f.bytes().await {
                Ok(b) => file = Some(b),
                Err(e) => return refused(&state, u, id, format!("Envoi illisible : {e}")).await,
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refused(&state, u, id, format!("Envoi illisible : {e}")).await,
        }
    }
    let bytes = file.unwrap_or_default();
    let max_photo = state.max_photo_bytes;
    let processed = match tokio::task::spawn_blocking(move || crate::photos::process(&bytes, max_photo)).await {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return refused(&state, u, id, format!("Photo refusée : {e}.")).await,
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    let folder = crate::photos::folder(&state.data_dir);
    let stem = maillage_core::api_key::random_hex(16);
    let (full, thumb) = (format!("{stem}.jpg"), format!("{stem}-v.jpg"));
    let write = async {
        tokio::fs::create_dir_all(&folder).await?;
        tokio::fs::write(folder.join(&full), &processed.full).await?;
        tokio::fs::write(folder.join(&thumb), &processed.thumbnail).await
    };
    write.await.map_err(|e| AppError::Internal(format!("photo : {e}")))?;
    let p = maillage_store::reports::Photo {
        id: 0,
        report_id: id,
        file_name: full,
        thumbnail_name: thumb,
        width: i64::from(processed.width),
        height: i64::from(processed.height),
        size_bytes: processed.full.len() as i64,
    };
    state.store.add_photo(&u.author(), id, &p, u.actor.organisation_id).await?;
    Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response())
}

async fn photo_file(state: &AppState, user: Option<&CurrentUser>, id: &str, thumb: bool) -> Result<Response, AppError> {
    let u = require(user, Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(id)?;
    let p = state.store.photo(id).await?.ok_or(AppError::NotFound)?;
    readable(state, u, p.report_id).await?;
    let name = if thumb { &p.thumbnail_name } else { &p.file_name };
    if !crate::photos::is_stored_name(name) {
        return Err(AppError::NotFound);
    }
    let bytes = tokio::fs::read(crate::photos::folder(&state.data_dir).join(name)).await.map_err(|_| AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "private, max-age=3600")], bytes).into_response())
}

async fn photo(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    photo_file(&state, user.as_ref(), &id, false).await
}

async fn thumbnail(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    photo_file(&state, user.as_ref(), &id, true).await
}

#[derive(Template)]
#[template(path = "reports/map.html")]
struct MapPage {
    layout: Layout,
    q: FilterQuery,
    query: String,
    choices: FilterChoices,
    errors: Vec<String>,
    svg: String,
    shown: usize,
    approximate: bool,
    attribution: Option<String>,
    max_points: i64,
}

/// The map shows the most recent reports of the selection, up to this many; the list and the
/// statistics count them all.
pub const MAP_POINTS: i64 = 2000;

async fn map_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements/carte")?;
    let (filter, errors) = q.to_filter(report_scope(&u.actor));
    let points = state.store.report_points(&filter, MAP_POINTS).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let pts: Vec<map::Point> = points
        .iter()
        .map(|(id, lat, lon, st, cat)| {
            let state = ReportState::from_code(st);
            let cname = categories.iter().find(|c| c.id == *cat).map(|c| c.name.as_str()).unwrap_or("");
            map::Point {
                id: *id,
                coordinates: Coordinates { lat: *lat, lon: *lon },
                state,
                title: format!("n° {id} — {cname} — {}", state.map(|s| s.label()).unwrap_or("")),
            }
        })
        .collect();
    render(&MapPage {
        layout: Layout::new("Carte des signalements", Some(u)),
        query: q.query(),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        svg: map::svg(&places, &pts, None, true, "Carte des signalements sur les contours des quartiers", state.tiles.as_ref()),
        attribution: state.tiles.as_ref().map(|t| t.attribution.clone()),
        max_points: MAP_POINTS,
        shown: pts.len(),
        approximate: places.districts.iter().any(|d| d.3),
        q,
    })
}

#[derive(Deserialize, Default)]
struct PictureQuery {
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

/// The map as a picture, for the click-to-place form: districts and the chosen point only.
async fn map_picture(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<PictureQuery>,
) -> Result<Response, AppError> {
    require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let marker = Coordinates::parse(&q.lat, &q.lon).ok();
    // An SVG shown as an image loads nothing else: no tiles here.
    let svg = map::svg(&state.places(), &[], marker, false, "Carte de la commune : cliquez pour placer le signalement", None);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=60")], svg).into_response())
}

/// A statistics line as shown.
pub struct StatLine {
    pub label: String,
    pub s: StatRow,
    pub overdue_share: String,
    pub median_days: String,
}

#[derive(Template)]
#[template(path = "reports/statistics.html")]
struct StatisticsPage {
    layout: Layout,
    q: FilterQuery,
    choices: FilterChoices,
    errors: Vec<String>,
    group: StatGroup,
    groups: Vec<(&'static str, &'static str)>,
    lines: Vec<StatLine>,
    total: StatLine,
}

/// Labels of statistics keys.
pub fn stat_label(group: StatGroup, key: &Option<i64>, categories: &[Category], places: &Places, organisations: &[Organisation]) -> String {
    let Some(id) = *key else {
        return match group {
            StatGroup::District => "hors quartier".into(),
            StatGroup::Organisation => "à trier".into(),
            _ => "—".into(),
        };
    };
    match group {
        StatGroup::Month => {
            let months =
                ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
            let (y, m) = (id / 100, (id % 100) as usize);
            format!("{} {y}", months.get(m.saturating_sub(1)).unwrap_or(&""))
        }
        StatGroup::District => places.district_name(Some(id)).unwrap_or("zone supprimée").to_string(),
        StatGroup::Category => categories.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default(),
        StatGroup::Organisation => organisations.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default(),
    }
}

fn stat_line(label: String, s: StatRow) -> StatLine {
    let overdue_share = if s.total > 0 { format!("{:.0} %", s.overdue as f64 * 100.0 / s.total as f64) } else { "—".into() };
    let median_days = s.median_days.map(|d| format!("{d:.1}").replace('.', ",")).unwrap_or_else(|| "—".into());
    StatLine { label, s, overdue_share, median_days }
}

/// Statistics are shown to readers too: they carry counts, never contents. A partner's are
/// those of the reports it sees.
pub fn statistics_scope(u: &CurrentUser) -> ReportScope {
    match report_scope(&u.actor) {
        ReportScope::None => ReportScope::All,
        s => s,
    }
}

async fn statistics(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewReportStatistics, "/signalements/statistiques")?;
    let (filter, errors) = q.to_filter(statistics_scope(u));
    let group = StatGroup::from_code(&q.groupe).unwrap_or(StatGroup::Month);
    let (rows, overall) = state.store.report_statistics(&filter, group).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let total = stat_line("Total".into(), overall);
    render(&StatisticsPage {
        layout: Layout::new("Statistiques des signalements", Some(u)),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        group,
        groups: StatGroup::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        lines: rows.into_iter().map(|s| stat_line(stat_label(group, &s.key, categories, &places, organisations), s)).collect(),
        total,
        q,
    })
}

/// CSV export: `format=point-virgule` gives the variant French spreadsheets open directly
/// (semicolons, decimal commas, byte-order mark).
async fn export_csv(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ExportReports, "/signalements")?;
    let (filter, _) = q.to_filter(report_scope(&u.actor));
    let french = q.format == "point-virgule";
    let csv = crate::exports::reports_csv(&state, &filter, french).await?;
    let name = if french { "signalements-point-virgule.csv" } else { "signalements.csv" };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv,
    )
        .into_response())
}

async fn export_ods(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<FilterQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ExportReports, "/signalements")?;
    let (filter, _) = q.to_filter(report_scope(&u.actor));
    let ods = crate::exports::reports_ods(&state, &filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.oasis.opendocument.spreadsheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"signalements.ods\"".to_string()),
        ],
        ods,
    )
        .into_response())
}
