//! The neighbourhood observatory: a breakdown's areas with their last twelve months (and as
//! GeoJSON for a GIS), an area's monthly series with trends, its observations, and the weekly
//! digest's subscription. Counts are published ("< 5") outside the coordination.

use crate::auth::{CurrentUser, can, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::observatory::{ObservatoryError, Series};
use maillage_core::authz::{Action, confidential_figures_masked};
use maillage_core::observatory::{Breakdown, ObservationDraft, month_label};
use maillage_core::{publication, time_fmt};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/observatoire", overview_page)
        .get("/observatoire/decoupage.geojson", geojson)
        .get("/observatoire/secteurs/{id}", area_page)
        .post("/observatoire/secteurs/{id}/observations", observe)
        .post("/observatoire/secteurs/{id}/abonnement", subscribe)
        .post("/observatoire/observations/{id}/suppression", delete_observation)
}

fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

#[derive(Deserialize, Default)]
struct BreakdownQuery {
    #[serde(default)]
    decoupage: String,
}

fn breakdown(q: &BreakdownQuery) -> Result<Breakdown, AppError> {
    match q.decoupage.as_str() {
        "" => Ok(Breakdown::District),
        code => {
            Breakdown::from_code(code).ok_or_else(|| AppError::BadRequest("découpage inconnu : quartiers, qpv ou secteurs_police".into()))
        }
    }
}

/// When the counts were made, as a page says it.
async fn counted_at(state: &AppState) -> Result<String, AppError> {
    Ok(state.store.observatory_refreshed_at().await?.map_or_else(
        || "pas encore comptés : le premier décompte se fait dans l'heure qui suit le démarrage".to_string(),
        |t| format!("comptés le {}", time_fmt::datetime_fr(t)),
    ))
}

/// A line's counts as shown, each with its source's label (the column's, on a phone).
type Counts = Vec<(&'static str, String)>;

#[derive(Template)]
#[template(path = "observatory/overview.html")]
struct OverviewPage {
    layout: Layout,
    breakdowns: Vec<(&'static str, &'static str)>,
    chosen: Breakdown,
    sources: Vec<&'static str>,
    areas: Vec<(i64, String, Counts)>,
    counted: String,
    published: bool,
}

async fn overview_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<BreakdownQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewObservatory, "/observatoire")?;
    let chosen = breakdown(&q)?;
    let published = confidential_figures_masked(&u.actor);
    let areas = maillage_app::observatory::overview(&state, chosen, today())
        .await?
        .into_iter()
        .map(|(id, name, n)| {
            (id, name, chosen.sources().iter().zip(n).map(|(s, n)| (s.label(), publication::count_as(n, published))).collect())
        })
        .collect();
    render(&OverviewPage {
        layout: Layout::new("Observatoire de quartier", Some(u)),
        breakdowns: Breakdown::ALL.iter().map(|b| (b.code(), b.label())).collect(),
        chosen,
        sources: chosen.sources().iter().map(|s| s.label()).collect(),
        areas,
        counted: counted_at(&state).await?,
        published,
    })
}

/// The breakdown's areas as GeoJSON, each with its last twelve whole months' counts by source (a
/// small count is null outside the coordination, with `masque` saying so).
async fn geojson(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<BreakdownQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewObservatory, "/observatoire")?;
    let chosen = breakdown(&q)?;
    let published = confidential_figures_masked(&u.actor);
    let counts = maillage_app::observatory::overview(&state, chosen, today()).await?;
    let areas = state.store.areas().await?;
    let mut features = Vec::new();
    for (id, name, n) in counts {
        let Some(area) = areas.iter().find(|a| a.id == id) else { continue };
        let geometry: serde_json::Value = serde_json::from_str(&area.geometry).map_err(|e| AppError::Internal(Box::new(e)))?;
        let mut properties = serde_json::Map::new();
        properties.insert("id".into(), id.into());
        properties.insert("nom".into(), name.into());
        let mut masked = false;
        for (source, n) in chosen.sources().iter().zip(n) {
            let value = if published && !publication::is_shown(n) {
                masked = true;
                serde_json::Value::Null
            } else {
                n.into()
            };
            properties.insert(source.code().into(), value);
        }
        properties.insert("masque".into(), masked.into());
        features.push(serde_json::json!({ "type": "Feature", "properties": properties, "geometry": geometry }));
    }
    let body = serde_json::json!({ "type": "FeatureCollection", "name": chosen.label(), "periode": "12 derniers mois entiers", "features": features });
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body.to_string()).into_response())
}

#[derive(Template)]
#[template(path = "observatory/area.html")]
struct AreaPage {
    layout: Layout,
    id: i64,
    breakdown: Breakdown,
    name: String,
    series: Series,
    /// Each month's label and its counts, one per source.
    rows: Vec<(String, Counts)>,
    /// All 36 months are shown, not only the last thirteen.
    all_months: bool,
    observations: Vec<(i64, String, String, String, bool)>,
    observe: bool,
    subscribed: bool,
    counted: String,
    published: bool,
    form: ObservationForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default, Clone)]
struct ObservationForm {
    #[serde(default)]
    observed_on: String,
    #[serde(default)]
    text: String,
}

/// How many months an area's table shows unless all are asked for: this one and the twelve
/// before.
const SHOWN_MONTHS: usize = 13;

async fn area_view(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    all_months: bool,
    form: ObservationForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<AreaPage, AppError> {
    let (breakdown, name) = Breakdown::of_area(&state.places(), id).ok_or(AppError::NotFound)?;
    let published = confidential_figures_masked(&u.actor);
    let today = today();
    let series = maillage_app::observatory::series(state, id, breakdown, today, published).await?;
    let coordinator = can(u, Action::DeleteObservation { own: false });
    let observations = state
        .store
        .observations(id, maillage_core::observatory::oldest_observation(today), 100)
        .await?
        .into_iter()
        .map(|o| {
            let removable = coordinator || (o.user_id == Some(u.id) && can(u, Action::DeleteObservation { own: true }));
            (o.id, time_fmt::day_fr(o.observed_on), o.author, o.body, removable)
        })
        .collect();
    let subscribed = state.store.observatory_subscribed(u.id, id).await?;
    Ok(AreaPage {
        layout: Layout::new(&format!("Observatoire : {name}"), Some(u)),
        id,
        breakdown,
        rows: series
            .months
            .iter()
            .enumerate()
            .rev()
            .take(if all_months { usize::MAX } else { SHOWN_MONTHS })
            .map(|(i, m)| (month_label(m), series.lines.iter().map(|l| (l.source.label(), l.months[i].clone())).collect()))
            .collect(),
        all_months,
        name,
        series,
        observations,
        observe: can(u, Action::Observe),
        subscribed,
        counted: counted_at(state).await?,
        published,
        form,
        errors,
        notice,
    })
}

#[derive(Deserialize, Default)]
struct AreaQuery {
    #[serde(default)]
    fait: String,
    #[serde(default)]
    mois: String,
}

async fn area_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewObservatory, "/observatoire")?;
    let notice = match q.fait.as_str() {
        "observation" => Some("L'observation est enregistrée."),
        "abonne" => Some("Vous recevrez chaque lundi le récapitulatif de la semaine."),
        "desabonne" => Some("Vous ne recevrez plus le récapitulatif."),
        "supprimee" => Some("L'observation est supprimée."),
        _ => None,
    };
    let all_months = match q.mois.as_str() {
        "" => false,
        "tous" => true,
        _ => return Err(AppError::BadRequest("mois vaut « tous » pour les trente-six derniers mois".into())),
    };
    render(&area_view(&state, u, parse_id(&id)?, all_months, ObservationForm::default(), FieldErrors::default(), notice).await?)
}

async fn observe(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ObservationForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::Observe, "/observatoire")?;
    let id: i64 = parse_id(&id)?;
    Breakdown::of_area(&state.places(), id).ok_or(AppError::NotFound)?;
    let mut read = Vec::new();
    let observed_on = match form.observed_on.trim() {
        "" => None,
        t => time_fmt::read_typed_date(t).map_err(|e| read.push(("observed_on", e.to_string()))).ok(),
    };
    let d = ObservationDraft { area_id: Some(id), observed_on, text: form.text.clone() };
    let result = if read.is_empty() {
        maillage_app::observatory::observe(&state, &u.author(), u.actor.organisation_id, &d, today()).await
    } else {
        let more = maillage_core::observatory::check_observation(&d, today(), &[id]);
        read.extend(more.into_iter().filter(|f| f.0 != "observed_on"));
        Err(ObservatoryError::Invalid(read))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/observatoire/secteurs/{id}?fait=observation")).into_response()),
        Err(ObservatoryError::Invalid(f)) => render_invalid(&area_view(&state, u, id, false, form, errors_of(f, ""), None).await?),
        Err(ObservatoryError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
struct SubscribeForm {
    #[serde(default)]
    abonne: String,
}

async fn subscribe(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<SubscribeForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewObservatory, "/observatoire")?;
    let id: i64 = parse_id(&id)?;
    Breakdown::of_area(&state.places(), id).ok_or(AppError::NotFound)?;
    let on = match f.abonne.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("abonne vaut 1 (s'abonner) ou 0 (se désabonner)".into())),
    };
    state.store.set_observatory_subscription(u.id, id, on).await?;
    Ok(Redirect::to(&format!("/observatoire/secteurs/{id}?fait={}", if on { "abonne" } else { "desabonne" })).into_response())
}

async fn delete_observation(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::Observe, "/observatoire")?;
    let o = state.store.observation(parse_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let u = require(Some(u), Action::DeleteObservation { own: o.user_id == Some(u.id) }, "/observatoire")?;
    state.store.delete_observation(&u.author(), o.id).await?;
    Ok(Redirect::to(&format!("/observatoire/secteurs/{}?fait=supprimee", o.area_id)).into_response())
}
