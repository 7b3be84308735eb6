//! Photos of a report: upload, and serving them to those who may read the report.

use super::detail::{handleable, readable, refused};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::page::parse_id;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::report::photo::AddPhotoError;
use maillage_core::authz::Action;

pub(super) async fn upload_photo(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let id = handleable(&state, u, &id, |part| Action::AddReportPhoto { part }).await?.id;
    let mut file: Option<Bytes> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("photo") => match f.bytes().await {
                Ok(b) => file = Some(b),
                Err(e) => return refused(&state, u, id, "photo", crate::error::multipart_refusal(&e)).await,
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refused(&state, u, id, "photo", crate::error::multipart_refusal(&e)).await,
        }
    }
    let bytes = file.map(Vec::from).unwrap_or_default();
    match maillage_app::report::photo::add(&state, &u.author(), id, u.actor.organisation_id, bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response()),
        Err(e @ AddPhotoError::Refused(_)) => refused(&state, u, id, "photo", e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn photo_file(state: &AppState, user: Option<&CurrentUser>, id: &str, thumb: bool) -> Result<Response, AppError> {
    let u = require(user, Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(id)?;
    let p = state.store.photo(id).await?.ok_or_else(|| super::detail::missing(u))?;
    readable(state, u, p.report_id).await?;
    let name = if thumb { &p.thumbnail_name } else { &p.file_name };
    let served = kept_picture(state, name).await?;
    // A thumbnail is part of the report's page, whose reading is recorded; the photo itself is
    // recorded on its own.
    if !thumb {
        let seen = maillage_app::report::Consultation::Photo { photo_id: p.id, report_id: p.report_id };
        maillage_app::report::consulted(state, &u.author(), seen).await?;
    }
    Ok(served)
}

/// A cleaned picture kept under the data folder (`report::photo::keep`), by its stored name;
/// a name that is not one of ours is refused before touching disk.
pub(crate) async fn kept_picture(state: &AppState, name: &str) -> Result<Response, AppError> {
    if !maillage_app::report::photo::is_stored_name(name) {
        return Err(AppError::NotFound);
    }
    let bytes = tokio::fs::read(maillage_app::report::photo::folder(&state.data_dir).join(name)).await.map_err(|_| AppError::NotFound)?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], bytes).into_response())
}

pub(super) async fn photo(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    photo_file(&state, user.as_ref(), &id, false).await
}

pub(super) async fn thumbnail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    photo_file(&state, user.as_ref(), &id, true).await
}
