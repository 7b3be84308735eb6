//! The JSON API of reports, over the same use cases as the pages, authenticated by the session.
//! Partners' own systems use Open311 (`super::open311`) with an organisation's key instead.

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::{AppState, Routes};
use axum::Json;
use axum::extract::{Path, State};
use maillage_core::authz::Action;
use maillage_core::report::{Source, State as ReportState};
use maillage_core::time_fmt;
use serde_json::{Value, json};
use time::OffsetDateTime;

pub fn routes(r: Routes) -> Routes {
    r.get("/api/v1/signalements", reports_list)
        .post("/api/v1/signalements", report_create)
        .get("/api/v1/signalements/statistiques", reports_statistics)
        .get("/api/v1/signalements/{id}", report_detail)
}

/// A new report as JSON: `category` is the category's code; `answers` maps question codes to a
/// value or a list of values.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    category: String,
    description: String,
    #[serde(default)]
    address: String,
    lat: f64,
    lon: f64,
    #[serde(default)]
    answers: std::collections::BTreeMap<String, AnswerInput>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
pub enum AnswerInput {
    One(String),
    Number(f64),
    Several(Vec<String>),
}

async fn report_create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    body: Result<Json<ReportInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let u = require(user.as_ref(), Action::CreateReport, "/api/v1/signalements")?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let draft = maillage_app::report::Draft {
        category_id: categories.iter().find(|c| c.code == input.category).map(|c| c.id),
        description: input.description,
        address: input.address,
        lat: input.lat.to_string(),
        lon: input.lon.to_string(),
        answers: input
            .answers
            .into_iter()
            .map(|(k, v)| {
                let values = match v {
                    AnswerInput::One(s) => vec![s],
                    AnswerInput::Number(n) => vec![n.to_string()],
                    AnswerInput::Several(list) => list,
                };
                (k, values)
            })
            .collect(),
    };
    let who = maillage_app::report::Reporter {
        author: u.author(),
        user_id: Some(u.id),
        organisation_id: u.actor.organisation_id,
        source: Source::Api,
    };
    match maillage_app::report::submit(&state, &who, &draft).await {
        Ok(id) => Ok((axum::http::StatusCode::CREATED, Json(json!({ "id": id })))),
        Err(maillage_app::report::SubmitError::Invalid(list)) => Err(AppError::InvalidFields(list).into()),
        Err(maillage_app::report::SubmitError::UnknownCategory) => {
            Err(AppError::InvalidFields(vec![("category".into(), format!("catégorie inconnue « {} »", input.category))]).into())
        }
        Err(maillage_app::report::SubmitError::Store(e)) => Err(e.into()),
    }
}

/// Times in the API are RFC 3339 UTC, as stored.
fn stamp(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(time_fmt::to_storage)
}

fn summary_json(r: &maillage_store::report::ReportSummary, now: OffsetDateTime) -> Value {
    json!({
        "id": r.id, "category": r.category_code, "category_name": r.category_name, "state": r.state.code(),
        "state_label": r.state.label(), "description": r.description, "address": r.address,
        "lat": r.lat, "lon": r.lon, "district": r.district_name, "organisation": r.organisation_name,
        "urgent": r.urgent, "created_at": stamp(Some(r.created_at)), "updated_at": stamp(Some(r.updated_at)),
        "due_at": stamp(r.due_at), "closed_at": stamp(r.closed_at), "overdue": r.is_overdue(now),
    })
}

async fn reports_list(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::extract::Query(q): axum::extract::Query<super::FilterQuery>,
) -> Result<Json<Value>, ApiError> {
    let u = require(user.as_ref(), Action::ListReports, "/api/v1/signalements")?;
    let (filter, errors) = q.to_filter(maillage_core::authz::report_scope(&u.actor));
    if !errors.is_empty() {
        return Err(AppError::BadRequest(errors.join(" ")).into());
    }
    let page = q.page();
    let size = super::PAGE_SIZE;
    let mut rows = state.store.reports(&filter, q.sort(), size + 1, (page - 1) * size).await?;
    let has_next = rows.len() as i64 > size;
    rows.truncate(size as usize);
    Ok(Json(json!({
        "page": page, "has_next": has_next,
        "reports": rows.iter().map(|r| summary_json(r, filter.now)).collect::<Vec<_>>(),
    })))
}

async fn report_detail(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let u = require(user.as_ref(), Action::ListReports, "/api/v1/signalements")?;
    let id: i64 = crate::page::parse_id(&id)?;
    let mut f = maillage_store::report::ReportFilter::new(maillage_core::authz::ReportScope::All);
    f.ids = vec![id];
    let r = state
        .store
        .reports(&f, maillage_store::report::ReportSort::NewestFirst, 1, 0)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| super::detail::missing(u))?;
    let involved = maillage_app::report::involved(&state, id, u.actor.organisation_id).await?;
    require(Some(u), Action::ReadReport { involved }, "/api/v1/signalements")?;
    maillage_app::report::consulted(&state, &u.author(), maillage_app::report::Consultation::Report(id)).await?;
    let events = state.store.report_events(id, u.actor.organisation_id).await?;
    let parts = state.store.involvements(id).await?;
    let mut v = summary_json(&r, f.now);
    v["organisations"] = parts
        .iter()
        .map(|p| json!({ "name": p.organisation_name, "part": p.part.code(), "taken_at": stamp(p.taken_at), "done_at": stamp(p.done_at) }))
        .collect();
    v["history"] = events
        .iter()
        .map(|e| {
            let state = e.kind.state().map(ReportState::code);
            json!({ "at": stamp(Some(e.at)), "author": e.author_name, "kind": e.kind.code(), "state": state, "internal": e.internal, "text": e.body })
        })
        .collect();
    Ok(Json(v))
}

async fn reports_statistics(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::extract::Query(q): axum::extract::Query<super::FilterQuery>,
) -> Result<Json<Value>, ApiError> {
    let u = require(user.as_ref(), Action::ViewReportStatistics, "/api/v1/signalements/statistiques")?;
    // Published figures (to those who read no report): whole years, small lines merged, small
    // counts null.
    let (filter, year, errors) = q.to_statistics_filter(&u.actor);
    if !errors.is_empty() {
        return Err(AppError::BadRequest(errors.join(" ")).into());
    }
    let group = maillage_store::report::StatGroup::from_code(&q.groupe).unwrap_or(maillage_store::report::StatGroup::Month);
    let maillage_core::report::Statistics { rows, total } = state.store.report_statistics(&filter, group).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let label = |key: &Option<i64>| Value::from(super::filter::stat_label(group, key, categories, &places, organisations));
    let labelled = |v: Value, key: &Option<i64>| {
        let mut v = v;
        v["label"] = label(key);
        v
    };
    if let Some(year) = year {
        let t = maillage_core::publication::publish_table(&rows, &total);
        return Ok(Json(json!({
            "group": group.code(),
            "year": year,
            "masked_below": maillage_core::publication::SMALL_COUNT,
            "rows": t.rows.iter().map(|r| labelled(serde_json::to_value(r).unwrap_or(Value::Null), &r.key)).collect::<Vec<_>>(),
            "others": t.others,
            "total": t.total,
        })));
    }
    Ok(Json(json!({
        "group": group.code(),
        "total": total,
        "rows": rows.iter().map(|r| labelled(serde_json::to_value(r).unwrap_or(Value::Null), &r.key)).collect::<Vec<_>>(),
    })))
}
