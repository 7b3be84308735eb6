//! Walks (axes 3 and 5): the list, the form of a walk with its grid (new or changed), a walk's
//! page with its findings on the map and the form that adds one, a finding's page (its photo,
//! the report it becomes), the walk's report as ODT and PDF, the grids, the GUSP synthesis, and
//! the JSON API over the same use cases.

mod api;
mod finding;

use crate::auth::{CurrentUser, can, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::walk::WalkError;
use maillage_core::authz::Action;
use maillage_core::place::Coordinates;
use maillage_core::text::number_fr;
use maillage_core::time_fmt;
use maillage_core::walk::{
    AGE_BANDS, Fault, FindingDraft, Headcount, RATINGS, Rating, SEXES, Severity, WalkDraft, WalkKind, kind_label, label,
};
use maillage_store::StoreError;
use maillage_store::walk::{Walk, WalkFilter, WalkItem, WalkRecord};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/marches", list_page)
        .get("/marches/nouvelle", new_page)
        .post("/marches/nouvelle", create)
        .get("/marches/grilles", grids_page)
        .post("/marches/grilles", add_item)
        .post("/marches/grilles/{id}/retrait", retire_item)
        .get("/marches/gusp", gusp_page)
        .get("/marches/{id}", walk_page)
        .get("/marches/{id}/modification", edit_page)
        .post("/marches/{id}/modification", update)
        .post("/marches/{id}/suppression", delete)
        .post("/marches/{id}/constats", finding::add)
        .get("/marches/{id}/compte-rendu.odt", odt)
        .get("/marches/{id}/compte-rendu.pdf", pdf)
        .get("/marches/{id}/constats/{finding}", finding::page)
        .post("/marches/{id}/constats/{finding}/signalement", finding::report)
        .post("/marches/{id}/constats/{finding}/photo", finding::upload)
        .get("/marches/{id}/constats/{finding}/photo", finding::photo)
        .get("/marches/{id}/constats/{finding}/vignette", finding::thumbnail)
        .post("/marches/{id}/constats/{finding}/photo/suppression", finding::remove_photo)
        .post("/marches/{id}/constats/{finding}/suppression", finding::delete)
        .get("/api/v1/marches", api::list)
        .post("/api/v1/marches", api::create)
        .get("/api/v1/marches/{id}", api::walk)
        .post("/api/v1/marches/{id}/constats", api::add_finding)
        .post("/api/v1/marches/{id}/constats/{finding}/signalement", api::report_finding)
}

fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

/// Whether the walk is `u`'s organisation's: it recorded it or took part in it.
fn own(u: &CurrentUser, r: &WalkRecord) -> bool {
    u.actor.organisation_id.is_some_and(|o| r.walk.organisation_id == Some(o) || r.organisations.iter().any(|(id, _)| *id == o))
}

/// The walk, for anyone who may read walks (all of them: public space, counts only).
async fn readable<'a>(state: &AppState, user: Option<&'a CurrentUser>, id: &str) -> Result<(&'a CurrentUser, WalkRecord), AppError> {
    let u = require(user, Action::RecordWalk, &format!("/marches/{id}"))?;
    let r = state.store.walk(parse_id(id)?).await?.ok_or(AppError::NotFound)?;
    Ok((u, r))
}

/// The walk, if `u` may change it.
async fn editable<'a>(state: &AppState, user: Option<&'a CurrentUser>, id: &str) -> Result<(&'a CurrentUser, WalkRecord), AppError> {
    let (u, r) = readable(state, user, id).await?;
    require(Some(u), Action::EditWalk { own: own(u, &r) }, "/marches")?;
    Ok((u, r))
}

// ---- the list ----

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    annee: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    quartier: String,
}

struct Line {
    id: i64,
    kind: String,
    date: String,
    place: String,
    organisation: String,
    participants: String,
    findings: String,
}

#[derive(Template)]
#[template(path = "walk/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    kinds: Vec<(&'static str, &'static str)>,
    districts: Vec<(String, String)>,
    year: String,
    kind: String,
    district: String,
    manage: bool,
}

fn filter_of(q: &ListQuery) -> Result<WalkFilter, AppError> {
    let mut f = WalkFilter::default();
    if !q.annee.trim().is_empty() {
        let y = crate::page::year_param(&q.annee)?;
        f.from = time::Date::from_calendar_date(y, time::Month::January, 1).ok();
        f.to = time::Date::from_calendar_date(y, time::Month::December, 31).ok();
    }
    if !q.kind.is_empty() {
        f.kind = Some(
            WalkKind::from_code(&q.kind)
                .ok_or_else(|| AppError::BadRequest(format!("type de marche inconnu : attendu {}", WalkKind::codes())))?
                .code()
                .into(),
        );
    }
    if !q.quartier.is_empty() {
        f.district_id = Some(q.quartier.trim().parse().map_err(|_| AppError::BadRequest("quartier : un numéro est attendu".into()))?);
    }
    Ok(f)
}

fn line(w: &Walk) -> Line {
    Line {
        id: w.id,
        kind: kind_label(&w.kind).to_string(),
        date: time_fmt::day_fr(w.walked_on),
        place: [w.district.as_deref().unwrap_or(""), w.route.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" — "),
        organisation: w.organisation.clone().unwrap_or_default(),
        participants: number_fr(w.participants_total),
        findings: if w.findings == 0 { "aucun".into() } else { format!("{} dont {} signalés", w.findings, w.reported) },
    }
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordWalk, "/marches")?;
    let walks = state.store.walks(&filter_of(&q)?).await?;
    render(&ListPage {
        layout: Layout::new("Marches et tours de quartier", Some(u)),
        lines: walks.iter().map(line).collect(),
        kinds: WalkKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        districts: crate::page::district_choices(&state),
        year: q.annee.trim().to_string(),
        kind: q.kind.clone(),
        district: q.quartier.clone(),
        manage: can(u, Action::ManageWalkGrids),
    })
}

// ---- the form ----

/// The form as typed, kept to be shown again with its faults.
#[derive(Clone, Debug, Default)]
struct WalkForm {
    kind: String,
    walked_on: String,
    district_id: String,
    route: String,
    organisations: Vec<String>,
    /// `n_<age band>_<sex>` → the typed count.
    counts: Vec<(String, String)>,
    /// `note_<item>` and `commentaire_<item>` → (item id, rating, comment) as typed.
    ratings: Vec<(String, String, String)>,
    note: String,
    version: String,
    /// An item rated twice in the same form.
    rated_twice: bool,
}

impl WalkForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = WalkForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => f.kind = v,
                "walked_on" => f.walked_on = v,
                "district_id" => f.district_id = v,
                "route" => f.route = v,
                "organisation" => f.organisations.push(v),
                "note" => f.note = v,
                "version" => f.version = v,
                k if k.starts_with("n_") => f.counts.push((k.to_string(), v)),
                k => {
                    if let Some(item) = k.strip_prefix("note_") {
                        let twice = !f.rating_entry(item).1.is_empty();
                        f.rated_twice |= twice;
                        f.rating_entry(item).1 = v;
                    } else if let Some(item) = k.strip_prefix("commentaire_") {
                        f.rating_entry(item).2 = v;
                    }
                }
            }
        }
        f
    }

    fn rating_entry(&mut self, item: &str) -> &mut (String, String, String) {
        let at = match self.ratings.iter().position(|r| r.0 == item) {
            Some(i) => i,
            None => {
                self.ratings.push((item.to_string(), String::new(), String::new()));
                self.ratings.len() - 1
            }
        };
        &mut self.ratings[at]
    }

    fn of(r: &WalkRecord) -> Self {
        let w = &r.walk;
        WalkForm {
            kind: w.kind.clone(),
            walked_on: w.walked_on.to_string(),
            district_id: w.district_id.map(|d| d.to_string()).unwrap_or_default(),
            route: w.route.clone(),
            organisations: r.organisations.iter().map(|o| o.0.to_string()).collect(),
            counts: r.headcount.iter().map(|h| (format!("n_{}_{}", h.age_band, h.sex), h.count.to_string())).collect(),
            ratings: r.ratings.iter().map(|x| (x.item_id.to_string(), x.rating.to_string(), x.comment.clone())).collect(),
            note: w.note.clone(),
            version: w.version.to_string(),
            rated_twice: false,
        }
    }

    fn count(&self, age: &str, sex: &str) -> &str {
        let name = format!("n_{age}_{sex}");
        self.counts.iter().find(|(k, _)| *k == name).map_or("", |(_, v)| v.as_str())
    }

    // Askama passes a template's arguments by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn rating(&self, item: &i64) -> (&str, &str) {
        let id = item.to_string();
        self.ratings.iter().find(|r| r.0 == id).map_or(("", ""), |r| (r.1.as_str(), r.2.as_str()))
    }

    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn organisation_checked(&self, id: &i64) -> bool {
        self.organisations.iter().any(|o| o.trim() == id.to_string())
    }

    /// The draft, and the faults of what could not be read.
    fn draft(&self) -> (WalkDraft, Vec<Fault>) {
        let mut faults: Vec<Fault> = Vec::new();
        let walked_on = match self.walked_on.trim() {
            "" => None,
            t => time_fmt::read_typed_date(t).map_err(|e| faults.push(("walked_on", e.to_string()))).ok(),
        };
        let district_id = match self.district_id.trim() {
            "" => None,
            t => t.parse().map_err(|_| faults.push(("district_id", "Choisissez le quartier dans la liste.".into()))).ok(),
        };
        let organisation_ids = self
            .organisations
            .iter()
            .filter(|o| !o.trim().is_empty())
            .filter_map(|o| {
                o.trim().parse().map_err(|_| faults.push(("organisation_ids", "Choisissez les organisations dans la liste.".into()))).ok()
            })
            .collect();
        let mut headcount = Vec::new();
        for (name, v) in &self.counts {
            let v = v.trim();
            if v.is_empty() || v == "0" {
                continue;
            }
            let key = name.trim_start_matches("n_");
            let known =
                AGE_BANDS.iter().flat_map(|(a, _)| SEXES.iter().map(move |(s, _)| (*a, *s))).find(|(a, s)| key == format!("{a}_{s}"));
            match (known, v.parse::<i64>()) {
                (Some((a, s)), Ok(n)) => headcount.push(Headcount { age_band: a.into(), sex: s.into(), count: n }),
                (None, _) => faults.push(("headcount", "Participants : une case du tableau n'existe pas.".into())),
                (_, Err(_)) => faults.push(("headcount", "Participants : chaque case contient un nombre entier.".into())),
            }
        }
        let mut ratings = Vec::new();
        for (item, rating, comment) in &self.ratings {
            if rating.trim().is_empty() {
                if !comment.trim().is_empty() {
                    faults.push(("ratings", "Grille : un commentaire va avec une note.".into()));
                }
                continue;
            }
            match (item.parse(), rating.trim().parse()) {
                (Ok(item_id), Ok(rating)) => ratings.push(Rating { item_id, rating, comment: comment.clone() }),
                _ => faults.push(("ratings", "Grille : choisissez chaque note dans la liste.".into())),
            }
        }
        if self.rated_twice {
            faults.push(("ratings", "Un élément de la grille reçoit une seule note.".into()));
        }
        faults.dedup_by(|a, b| a.0 == b.0);
        let draft = WalkDraft {
            kind: self.kind.clone(),
            walked_on,
            district_id,
            route: self.route.clone(),
            organisation_ids,
            headcount,
            ratings,
            note: self.note.clone(),
        };
        (draft, faults)
    }
}

#[derive(Template)]
#[template(path = "walk/form.html")]
struct FormPage {
    layout: Layout,
    /// The walk being changed, or none for a new one.
    id: Option<i64>,
    kind_label: String,
    form: WalkForm,
    errors: FieldErrors,
    districts: Vec<(String, String)>,
    organisations: Vec<(i64, String)>,
    items: Vec<WalkItem>,
    ages: &'static [(&'static str, &'static str)],
    sexes: &'static [(&'static str, &'static str)],
    ratings: &'static [(i64, &'static str)],
}

#[derive(Template)]
#[template(path = "walk/choose.html")]
struct ChoosePage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str)>,
}

async fn form_view(
    state: &AppState,
    u: &CurrentUser,
    id: Option<i64>,
    form: WalkForm,
    errors: FieldErrors,
    rated: &[i64],
) -> Result<FormPage, AppError> {
    let catalog = state.catalog().await?;
    let items = state.store.walk_items(Some(&form.kind), true).await?.into_iter().filter(|i| !i.retired || rated.contains(&i.id)).collect();
    let title = if id.is_some() { "Modifier la marche" } else { "Nouvelle marche" };
    Ok(FormPage {
        layout: Layout::new(title, Some(u)),
        id,
        kind_label: kind_label(&form.kind).to_string(),
        form,
        errors,
        districts: crate::page::district_choices(state),
        organisations: catalog.organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        items,
        ages: AGE_BANDS,
        sexes: SEXES,
        ratings: RATINGS,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordWalk, "/marches/nouvelle")?;
    let Some(kind) = WalkKind::from_code(&q.kind) else {
        // The grid depends on the kind: it is chosen first.
        return render(&ChoosePage {
            layout: Layout::new("Nouvelle marche", Some(u)),
            kinds: WalkKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        });
    };
    let form = WalkForm { kind: kind.code().into(), walked_on: today().to_string(), ..WalkForm::default() };
    render(&form_view(&state, u, None, form, FieldErrors::default(), &[]).await?)
}

/// Faults of fields that could not be read, with those the rules find in the rest (a field
/// said unreadable is not said again).
async fn read_faults(state: &AppState, d: &WalkDraft, read: Vec<Fault>, rated: &[i64]) -> Result<WalkError, AppError> {
    let fields: Vec<&str> = read.iter().map(|r| r.0).collect();
    let more: Vec<Fault> = maillage_app::walk::faults(state, d, rated).await?.into_iter().filter(|f| !fields.contains(&f.0)).collect();
    let mut all = read;
    all.extend(more);
    Ok(WalkError::Invalid(all))
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordWalk, "/marches/nouvelle")?;
    let form = WalkForm::from_pairs(pairs);
    if WalkKind::from_code(&form.kind).is_none() {
        return Err(AppError::BadRequest(format!("type de marche inconnu : attendu {}", WalkKind::codes())));
    }
    let (draft, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::walk::record(&state, &u.author(), u.actor.organisation_id, Some(u.id), draft).await
    } else {
        Err(read_faults(&state, &draft, read, &[]).await?)
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/marches/{id}?fait=enregistree")).into_response()),
        Err(WalkError::Invalid(faults)) => render_invalid(&form_view(&state, u, None, form, errors_of(faults, ""), &[]).await?),
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let rated: Vec<i64> = r.ratings.iter().map(|x| x.item_id).collect();
    render(&form_view(&state, u, Some(r.walk.id), WalkForm::of(&r), FieldErrors::default(), &rated).await?)
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let mut form = WalkForm::from_pairs(pairs);
    form.kind.clone_from(&r.walk.kind);
    let rated: Vec<i64> = r.ratings.iter().map(|x| x.item_id).collect();
    let version: i64 = crate::page::read_version(&form.version)?;
    let (draft, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::walk::update(&state, &u.author(), &r, version, draft).await
    } else {
        Err(read_faults(&state, &draft, read, &rated).await?)
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/marches/{}?fait=modifiee", r.walk.id)).into_response()),
        Err(WalkError::Invalid(faults)) => {
            render_invalid(&form_view(&state, u, Some(r.walk.id), form, errors_of(faults, ""), &rated).await?)
        }
        // Changed by someone else since the form was read: it comes back as typed, with the
        // version read now, so that sending it again overwrites knowingly.
        Err(WalkError::Store(StoreError::Conflict(_))) => {
            form.version = r.walk.version.to_string();
            let faults = vec![("version", STALE.to_string())];
            render_invalid(&form_view(&state, u, Some(r.walk.id), form, errors_of(faults, ""), &rated).await?)
        }
        Err(e) => Err(e.into()),
    }
}

const STALE: &str = "Quelqu'un a modifié cette marche entre-temps. Vérifiez vos saisies puis enregistrez de nouveau pour les garder.";

async fn delete(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    maillage_app::walk::delete(&state, &u.author(), r.walk.id).await?;
    Ok(Redirect::to("/marches?fait=supprimee").into_response())
}

// ---- a walk's page ----

struct FindingLine {
    id: i64,
    n: usize,
    item: String,
    description: String,
    place: String,
    severity: String,
    state: String,
    report_id: Option<i64>,
    photo: bool,
}

/// The finding form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct FindingForm {
    #[serde(default)]
    item_id: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default, rename = "carte.x")]
    map_x: String,
    #[serde(default, rename = "carte.y")]
    map_y: String,
    #[serde(default, rename = "carte_petite.x")]
    small_x: String,
    #[serde(default, rename = "carte_petite.y")]
    small_y: String,
}

impl FindingForm {
    fn draft(&self) -> (FindingDraft, Vec<Fault>) {
        let mut faults = Vec::new();
        let item_id = match self.item_id.trim() {
            "" => None,
            t => t.parse().map_err(|_| faults.push(("item_id", "Choisissez l'élément de la grille dans la liste.".to_string()))).ok(),
        };
        (
            FindingDraft { item_id, description: self.description.clone(), place: self.place.clone(), severity: self.severity.clone() },
            faults,
        )
    }

    /// The point a click on the map gave, at full size.
    fn clicked(&self, state: &AppState) -> Option<Coordinates> {
        use crate::report::svg;
        let read = |x: &str, y: &str, zoom: f64| x.parse::<f64>().ok().zip(y.parse::<f64>().ok()).map(|(x, y)| (x * zoom, y * zoom));
        let (x, y) = read(&self.map_x, &self.map_y, 1.0).or_else(|| read(&self.small_x, &self.small_y, svg::WIDTH / svg::SMALL_WIDTH))?;
        Some(svg::Frame::fit(&state.places()).coordinates(x, y))
    }
}

#[derive(Template)]
#[template(path = "walk/detail.html")]
struct DetailPage {
    layout: Layout,
    w: Walk,
    kind: String,
    date: String,
    organisations: String,
    headcount: Vec<(String, String, String)>,
    ratings: Vec<(String, String, String)>,
    findings: Vec<FindingLine>,
    map: String,
    notice: Option<&'static str>,
    may_edit: bool,
    items: Vec<WalkItem>,
    severities: Vec<(&'static str, &'static str)>,
    form: FindingForm,
    map_query: String,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    u: &CurrentUser,
    r: WalkRecord,
    form: FindingForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<DetailPage, AppError> {
    use crate::report::svg;
    let may_edit = can(u, Action::EditWalk { own: own(u, &r) });
    let points: Vec<svg::Point> = r
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| svg::Point {
            id: f.id,
            coordinates: Coordinates { lat: f.lat, lon: f.lon },
            state: f.report_state,
            title: format!("Constat {} : {}", i + 1, f.description.chars().take(80).collect::<String>()),
        })
        .collect();
    let map = svg::svg(&state.places(), &points, None, false, "Carte des constats de la marche", None)?;
    let items = state.store.walk_items(Some(&r.walk.kind), false).await?;
    let map_query = match Coordinates::parse(&form.lat, &form.lon) {
        Ok(c) => format!("?lat={}&lon={}", c.lat, c.lon),
        Err(_) => String::new(),
    };
    Ok(DetailPage {
        layout: Layout::new(&format!("Marche n° {}", r.walk.id), Some(u)),
        kind: kind_label(&r.walk.kind).to_string(),
        date: time_fmt::day_fr(r.walk.walked_on),
        organisations: r.organisations.iter().map(|o| o.1.as_str()).collect::<Vec<_>>().join(", "),
        headcount: r
            .headcount
            .iter()
            .map(|h| (label(AGE_BANDS, &h.age_band).to_string(), label(SEXES, &h.sex).to_string(), number_fr(h.count)))
            .collect(),
        ratings: r
            .ratings
            .iter()
            .map(|x| (x.label.clone(), format!("{} — {}", x.rating, maillage_core::walk::rating_label(x.rating)), x.comment.clone()))
            .collect(),
        findings: r
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| FindingLine {
                id: f.id,
                n: i + 1,
                item: f.item.clone().unwrap_or_else(|| "autre".into()),
                description: f.description.clone(),
                place: [f.place.as_str(), f.district.as_deref().unwrap_or("")]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
                severity: maillage_core::walk::severity_label(&f.severity).to_string(),
                state: maillage_app::walk::finding_state(f),
                report_id: f.report_id,
                photo: f.photo.is_some(),
            })
            .collect(),
        map,
        notice,
        may_edit,
        items,
        severities: Severity::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        form,
        map_query,
        errors,
        w: r.walk,
    })
}

async fn walk_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (u, r) = readable(&state, user.as_ref(), &id).await?;
    let notice = match q.fait.as_str() {
        "enregistree" => Some("La marche est enregistrée. Ajoutez ses constats ci-dessous."),
        "modifiee" => Some("Les modifications sont enregistrées."),
        "constat" => Some("Le constat est ajouté."),
        "constat_retire" => Some("Le constat est retiré."),
        _ => None,
    };
    render(&detail_view(&state, u, r, FindingForm::default(), FieldErrors::default(), notice).await?)
}

fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body)
        .into_response()
}

async fn odt(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (_, r) = readable(&state, user.as_ref(), &id).await?;
    let body = maillage_app::walk::odt(&r).await?;
    Ok(attachment("application/vnd.oasis.opendocument.text", format!("marche-{}.odt", r.walk.id), body))
}

async fn pdf(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (_, r) = readable(&state, user.as_ref(), &id).await?;
    let body = maillage_app::walk::pdf(&state, &r).await?;
    Ok(attachment("application/pdf", format!("marche-{}.pdf", r.walk.id), body.as_ref().clone()))
}

// ---- grids ----

/// A kind's code and label, and its items with their default category's name.
type Grid = (&'static str, &'static str, Vec<(WalkItem, String)>);

#[derive(Template)]
#[template(path = "walk/grids.html")]
struct GridsPage {
    layout: Layout,
    grids: Vec<Grid>,
    categories: Vec<(i64, String)>,
    errors: FieldErrors,
    kind: String,
    item_label: String,
    category: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct ItemForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    category: String,
}

async fn grids_view(
    state: &AppState,
    u: &CurrentUser,
    form: ItemForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<GridsPage, AppError> {
    let items = state.store.walk_items(None, true).await?;
    let catalog = state.catalog().await?;
    let category_name =
        |id: Option<i64>| id.and_then(|id| catalog.categories.iter().find(|c| c.id == id)).map_or_else(String::new, |c| c.name.clone());
    Ok(GridsPage {
        layout: Layout::new("Grilles d'observation des marches", Some(u)),
        grids: WalkKind::ALL
            .iter()
            .map(|k| {
                (
                    k.code(),
                    k.label(),
                    items.iter().filter(|i| i.kind == k.code()).map(|i| (i.clone(), category_name(i.category_id))).collect(),
                )
            })
            .collect(),
        categories: crate::report::filter::category_options(&catalog.categories),
        errors,
        kind: form.kind,
        item_label: form.label,
        category: form.category,
        notice,
    })
}

async fn grids_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWalkGrids, "/marches/grilles")?;
    let notice = match q.fait.as_str() {
        "ajoute" => Some("L'élément est ajouté à la grille."),
        "retire" => Some("L'élément est retiré de la grille ; les notes déjà données le gardent."),
        "rétabli" | "retabli" => Some("L'élément est rétabli dans la grille."),
        _ => None,
    };
    render(&grids_view(&state, u, ItemForm::default(), FieldErrors::default(), notice).await?)
}

async fn add_item(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<ItemForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWalkGrids, "/marches/grilles")?;
    let catalog = state.catalog().await?;
    let mut faults: Vec<Fault> = Vec::new();
    if WalkKind::from_code(&form.kind).is_none() {
        faults.push(("kind", "Choisissez le type de marche dans la liste.".into()));
    }
    if let Some(m) = maillage_core::walk::item_label_fault(&form.label) {
        faults.push(("label", m));
    }
    let category = match form.category.trim() {
        "" => None,
        t => match t.parse::<i64>().ok().filter(|id| catalog.categories.iter().any(|c| c.id == *id && !c.retired)) {
            Some(id) => Some(id),
            None => {
                faults.push(("category", "Choisissez la catégorie dans la liste.".into()));
                None
            }
        },
    };
    if faults.is_empty() {
        match state.store.add_walk_item(&u.author(), &form.kind, &form.label, category).await {
            Ok(_) => return Ok(Redirect::to("/marches/grilles?fait=ajoute").into_response()),
            Err(maillage_store::StoreError::Conflict(m)) => faults.push(("label", maillage_core::text::capitalise(&m))),
            Err(e) => return Err(e.into()),
        }
    }
    render_invalid(&grids_view(&state, u, form, errors_of(faults, ""), None).await?)
}

#[derive(Deserialize, Default)]
struct RetireForm {
    #[serde(default)]
    retablir: String,
}

async fn retire_item(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RetireForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWalkGrids, "/marches/grilles")?;
    let restore = f.retablir == "1";
    match state.store.set_walk_item_retired(&u.author(), parse_id(&id)?, !restore).await {
        Ok(()) => Ok(Redirect::to(if restore { "/marches/grilles?fait=retabli" } else { "/marches/grilles?fait=retire" }).into_response()),
        Err(maillage_store::StoreError::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

// ---- the GUSP synthesis ----

#[derive(Deserialize, Default)]
struct GuspQuery {
    #[serde(default)]
    quartier: String,
}

#[derive(Template)]
#[template(path = "walk/gusp.html")]
struct GuspPage {
    layout: Layout,
    districts: Vec<(String, String)>,
    district: String,
    district_name: String,
    periods: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

async fn gusp_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<GuspQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewWalkSynthesis, "/marches/gusp")?;
    let district_id: Option<i64> = match q.quartier.trim() {
        "" => None,
        t => Some(t.parse().map_err(|_| AppError::BadRequest("quartier : un numéro est attendu".into()))?),
    };
    let places = state.places();
    let district_name = match district_id {
        None => "toute la commune".to_string(),
        Some(id) => places.district_name(Some(id)).ok_or(AppError::NotFound)?.to_string(),
    };
    let (s, labels) = maillage_app::walk::gusp(&state, district_id).await?;
    let rows = s
        .items
        .iter()
        .map(|(id, cells)| {
            let name = labels.iter().find(|l| l.0 == *id).map_or_else(String::new, |l| l.1.clone());
            (
                name,
                cells
                    .iter()
                    .map(|c| {
                        c.map_or_else(
                            || "—".to_string(),
                            |a| format!("{} ({} note{})", a.text(), a.count, if a.count > 1 { "s" } else { "" }),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    render(&GuspPage {
        layout: Layout::new("Évaluations GUSP", Some(u)),
        districts: crate::page::district_choices(&state),
        district: q.quartier.trim().to_string(),
        district_name,
        periods: maillage_app::walk::period_labels(&s),
        rows,
    })
}
