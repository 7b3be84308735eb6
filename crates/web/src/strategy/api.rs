//! The JSON API of the strategy, authenticated by the session.

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::{AppState, Routes};
use axum::Json;
use axum::extract::{Path, State};
use maillage_core::authz::Action;
use maillage_core::strategy::{self as model};
use serde_json::{Value, json};

pub fn routes(r: Routes) -> Routes {
    r.get("/api/v1/strategie", strategy).get("/api/v1/strategie/fiches/{code}", sheet).post("/api/v1/strategie/import", import)
}

fn sheet_json(axis: &model::Axis, s: &model::ActionSheet) -> Value {
    json!({
        "code": s.code, "axis": axis.number, "title": s.title, "pilot": s.pilot,
        "diagnostic": s.diagnostic, "objectives": s.objectives,
        "operational_objectives": s.operational_objectives,
        "means": s.means, "target_public": s.target_public, "partners": s.partners,
        "indicators": s.indicators,
    })
}

async fn strategy(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Json<Value>, ApiError> {
    require(user.as_ref(), Action::ViewStrategy, "/api/v1/strategie")?;
    let s = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    let indicators = state.store.indicators(s.id).await?;
    let d = &s.doc;
    Ok(Json(json!({
        "code": d.code, "title": d.title, "territory": d.territory,
        "period": [d.period_start, d.period_end], "version": s.version,
        "axes": d.axes.iter().map(|a| json!({
            "number": a.number, "title": a.title,
            "sheets": a.sheets.iter().map(|sh| sheet_json(a, sh)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "indicators": indicators.iter().map(|i| json!({
            "id": i.id, "sheet": i.sheet_code, "label": i.label, "retired": i.retired,
        })).collect::<Vec<_>>(),
    })))
}

async fn sheet(State(state): State<AppState>, user: Option<CurrentUser>, Path(code): Path<String>) -> Result<Json<Value>, ApiError> {
    require(user.as_ref(), Action::ViewStrategy, "/api/v1/strategie")?;
    let s = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    let (axis, sh) = s.doc.sheet(&code).ok_or(AppError::NotFound)?;
    Ok(Json(sheet_json(axis, sh)))
}

/// The body is a strategy file (TOML). Errors name line and field.
async fn import(State(state): State<AppState>, user: Option<CurrentUser>, body: String) -> Result<Json<Value>, ApiError> {
    let u = require(user.as_ref(), Action::ImportStrategy, "/api/v1/strategie/import")?;
    let doc = model::parse_file("requête", &body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let outcome = state.store.save_strategy(&u.author(), &doc, "import par l'API").await?;
    Ok(Json(json!({ "code": doc.code, "version": outcome.version, "created": outcome.created })))
}
