//! Exports of reports (CSV, its French variant, ODS).

use super::filter::FilterQuery;
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maillage_app::report::Consultation;
use maillage_core::authz::{Action, report_scope};

/// The filter of an export: one that could not be read is refused, never dropped (an export of
/// everything in place of the few asked for).
fn exported(q: &FilterQuery, actor: &maillage_core::authz::Actor) -> Result<maillage_store::report::ReportFilter, AppError> {
    let (filter, errors) = q.to_filter(report_scope(actor));
    if errors.is_empty() { Ok(filter) } else { Err(AppError::BadRequest(errors.join(" "))) }
}

/// CSV export: `format=point-virgule` gives the variant French spreadsheets open directly
/// (semicolons, decimal commas, byte-order mark).
pub(super) async fn export_csv(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ExportReports, "/signalements")?;
    let filter = exported(&q, &u.actor)?;
    let french = q.format == "point-virgule";
    let csv = maillage_app::report::export::reports_csv(&state, &filter, french).await?;
    let format = if french { "CSV (point-virgule)" } else { "CSV" };
    maillage_app::report::consulted(&state, &u.author(), Consultation::Export { format, filters: q.query() }).await?;
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

pub(super) async fn export_ods(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ExportReports, "/signalements")?;
    let filter = exported(&q, &u.actor)?;
    let ods = maillage_app::report::export::reports_ods(&state, &filter).await?;
    maillage_app::report::consulted(&state, &u.author(), Consultation::Export { format: "ODS", filters: q.query() }).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.oasis.opendocument.spreadsheet".to_string()),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"signalements.ods\"".to_string()),
        ],
        ods,
    )
        .into_response())
}
