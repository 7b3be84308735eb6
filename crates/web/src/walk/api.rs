//! The walks' JSON API, over the same use cases as the pages: list, record, read a walk with
//! its findings and their reports' states, add a finding, turn it into a report.

use super::{ListQuery, editable, filter_of, readable};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maillage_app::report::{Reporter, SubmitError};
use maillage_app::walk::WalkError;
use maillage_core::authz::Action;
use maillage_core::time_fmt;
use maillage_core::walk::{FindingDraft, Headcount, Rating, WalkDraft};
use maillage_store::walk::{Walk, WalkRecord};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A walk's faults under the API's names.
fn api_faults(e: WalkError) -> ApiError {
    match e {
        WalkError::Invalid(faults) => AppError::InvalidFields(
            faults.into_iter().map(|(f, m)| (if f == "organisation_ids" { "organisations" } else { f }.to_string(), m)).collect(),
        )
        .into(),
        e @ WalkError::Store(_) => AppError::from(e).into(),
    }
}

fn json_of(w: &Walk) -> serde_json::Value {
    serde_json::json!({
        "id": w.id,
        "kind": w.kind,
        "walked_on": w.walked_on.to_string(),
        "district_id": w.district_id,
        "district": w.district,
        "route": w.route,
        "organisation": w.organisation,
        "participants_total": w.participants_total,
        "findings": w.findings,
        "reported": w.reported,
    })
}

fn record_json(r: &WalkRecord) -> serde_json::Value {
    let mut v = json_of(&r.walk);
    v["note"] = r.walk.note.clone().into();
    v["organisations"] = r.organisations.iter().map(|o| serde_json::json!({ "id": o.0, "name": o.1 })).collect();
    v["headcount"] = serde_json::to_value(&r.headcount).unwrap_or_default();
    v["ratings"] = r
        .ratings
        .iter()
        .map(|x| serde_json::json!({ "item_id": x.item_id, "item": x.label, "rating": x.rating, "comment": x.comment }))
        .collect();
    v["findings_list"] = r
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id,
                "item_id": f.item_id,
                "description": f.description,
                "place": f.place,
                "lat": f.lat,
                "lon": f.lon,
                "district_id": f.district_id,
                "severity": f.severity,
                "photo": f.photo.is_some(),
                "report_id": f.report_id,
                "report_state": f.report_state.map(maillage_core::report::State::code),
            })
        })
        .collect();
    v
}

pub(super) async fn list(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    require(user.as_ref(), Action::RecordWalk, "/api/v1/marches")?;
    let walks = state.store.walks(&filter_of(&q)?).await?;
    Ok(Json(serde_json::json!({ "walks": walks.iter().map(json_of).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WalkInput {
    kind: String,
    /// ISO 8601 date.
    walked_on: String,
    #[serde(default)]
    district_id: Option<i64>,
    #[serde(default)]
    route: String,
    #[serde(default)]
    organisations: Vec<i64>,
    #[serde(default)]
    headcount: Vec<Headcount>,
    #[serde(default)]
    ratings: Vec<Rating>,
    #[serde(default)]
    note: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    body: Result<Json<WalkInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let u = require(user.as_ref(), Action::RecordWalk, "/api/v1/marches")?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let walked_on =
        time_fmt::read_iso_date(&input.walked_on).map_err(|e| AppError::InvalidFields(vec![("walked_on".into(), e.for_api())]))?;
    let draft = WalkDraft {
        kind: input.kind,
        walked_on: Some(walked_on),
        district_id: input.district_id,
        route: input.route,
        organisation_ids: input.organisations,
        headcount: input.headcount,
        ratings: input.ratings,
        note: input.note,
    };
    let id = maillage_app::walk::record(&state, &u.author(), u.actor.organisation_id, Some(u.id), draft).await.map_err(api_faults)?;
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/marches/{id}"))], Json(serde_json::json!({ "id": id }))).into_response())
}

pub(super) async fn walk(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (_, r) = readable(&state, user.as_ref(), &id).await?;
    Ok(Json(record_json(&r)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FindingInput {
    #[serde(default)]
    item_id: Option<i64>,
    description: String,
    #[serde(default)]
    place: String,
    severity: String,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
}

pub(super) async fn add_finding(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    body: Result<Json<FindingInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let text = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let draft = FindingDraft { item_id: input.item_id, description: input.description, place: input.place, severity: input.severity };
    let finding =
        maillage_app::walk::add_finding(&state, &u.author(), &r, &draft, &text(input.lat), &text(input.lon)).await.map_err(api_faults)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/marches/{}", r.walk.id))],
        Json(serde_json::json!({ "id": finding, "walk_id": r.walk.id })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReportInput {
    category_id: i64,
    #[serde(default)]
    answers: BTreeMap<String, Vec<String>>,
}

pub(super) async fn report_finding(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, finding)): Path<(String, String)>,
    body: Result<Json<ReportInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    require(Some(u), Action::CreateReport, "/api/v1/marches")?;
    let f = super::finding::finding_of(&r, &finding)?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let draft = maillage_app::walk::report_draft(&r, &f, Some(input.category_id), input.answers);
    let who = Reporter {
        author: u.author(),
        user_id: Some(u.id),
        organisation_id: u.actor.organisation_id,
        source: maillage_core::report::Source::Api,
    };
    let report_id = match maillage_app::walk::report_finding(&state, &who, &f, &draft).await {
        Ok(id) => id,
        Err(SubmitError::Invalid(list)) => return Err(AppError::InvalidFields(list).into()),
        Err(SubmitError::UnknownCategory) => {
            return Err(AppError::InvalidFields(vec![("category_id".into(), "Catégorie inconnue.".into())]).into());
        }
        Err(SubmitError::Store(maillage_store::StoreError::Conflict(m))) => return Err(AppError::Conflict(m).into()),
        Err(SubmitError::Store(e)) => return Err(AppError::from(e).into()),
    };
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/signalements/{report_id}"))],
        Json(serde_json::json!({ "report_id": report_id, "finding_id": f.id })),
    )
        .into_response())
}
