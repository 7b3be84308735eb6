//! The map of reports, drawn on the server.

use super::filter::{FilterChoices, FilterQuery};
use super::svg;
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maillage_core::authz::{Action, report_scope};
use maillage_core::place::Coordinates;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "report/map.html")]
pub(super) struct MapPage {
    layout: Layout,
    q: FilterQuery,
    query: String,
    choices: FilterChoices,
    errors: Vec<String>,
    svg: String,
    shown: i64,
    approximate: bool,
    attribution: Option<String>,
    max_points: i64,
}

/// The map shows the most recent reports of the selection, up to this many; the list and the
/// statistics count them all.
pub const MAP_POINTS: i64 = 2000;

pub(super) async fn map_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements/carte")?;
    let (filter, errors) = q.to_filter(report_scope(&u.actor));
    let points = state.store.report_points(&filter, MAP_POINTS).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let pts: Vec<svg::Point> = points
        .iter()
        .map(|p| {
            let cname = categories.iter().find(|c| c.id == p.category_id).map_or("", |c| c.name.as_str());
            svg::Point {
                id: p.id,
                coordinates: Coordinates { lat: p.lat, lon: p.lon },
                state: Some(p.state),
                title: format!("n° {} — {cname} — {}", p.id, p.state.label()),
            }
        })
        .collect();
    render(&MapPage {
        layout: Layout::new("Carte des signalements", Some(u)),
        query: q.query(),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        svg: svg::svg(&places, &pts, None, true, "Carte des signalements sur les contours des quartiers", state.tiles.as_ref())?,
        attribution: state.tiles.as_ref().map(|t| t.attribution.clone()),
        max_points: MAP_POINTS,
        shown: i64::try_from(pts.len()).unwrap_or(i64::MAX),
        approximate: places.districts.iter().any(|d| d.3),
        q,
    })
}

#[derive(Deserialize, Default)]
pub(super) struct PictureQuery {
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

/// The map as a picture, for the click-to-place form: districts and the chosen point only.
pub(super) async fn map_picture(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<PictureQuery>,
) -> Result<Response, AppError> {
    require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let marker = Coordinates::parse(&q.lat, &q.lon).ok();
    // An SVG shown as an image loads nothing else: no tiles here.
    let svg = svg::svg(&state.places(), &[], marker, false, "Carte de la commune : cliquez pour placer le signalement", None)?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], svg).into_response())
}
