//! Photos of an activity: upload with a caption, serving them to those who may read the
//! activity, and removal by those who may change it.

use super::{ActivityForm, editable, form_view, readable};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::page::{FieldErrors, parse_id, render_invalid};
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::activity::photo::{ActivityPhotoError, add, remove};
use maillage_core::authz::Action;
use maillage_store::activity::ActivityRecord;
use maillage_store::activity::photo::ActivityPhoto;

/// The activity's page again, with why the photo was refused and the caption as typed.
async fn refused(state: &AppState, u: &CurrentUser, id: &str, caption: String, why: String) -> Result<Response, AppError> {
    let r = readable(state, u, id).await?;
    let form = ActivityForm::of(&r);
    let mut page = form_view(state, u, Some(r), form, FieldErrors::default(), None).await?;
    page.photo_error = Some(why);
    page.photo_caption = caption;
    render_invalid(&page)
}

pub(super) async fn upload(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let (u, r) = editable(&state, user.as_ref(), &id).await?;
    let mut file: Option<Vec<u8>> = None;
    let mut caption = String::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("photo") => match f.bytes().await {
                Ok(b) => file = Some(b.to_vec()),
                Err(e) => return refused(&state, u, &id, caption, crate::error::multipart_refusal(&e)).await,
            },
            Ok(Some(f)) if f.name() == Some("legende") => match f.text().await {
                Ok(t) => caption = t,
                Err(e) => return refused(&state, u, &id, caption, crate::error::multipart_refusal(&e)).await,
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => return refused(&state, u, &id, caption, crate::error::multipart_refusal(&e)).await,
        }
    }
    let activity_id = r.activity.id;
    match add(&state, &u.author(), activity_id, &caption, file.unwrap_or_default()).await {
        Ok(_) => Ok(Redirect::to(&format!("/activites/{activity_id}?fait=photo#photos")).into_response()),
        Err(e @ ActivityPhotoError::Refused(_)) => refused(&state, u, &id, caption, e.to_string()).await,
        Err(e) => Err(e.into()),
    }
}

/// The photo, if `u` may read its activity.
async fn readable_photo(state: &AppState, user: Option<&CurrentUser>, id: &str) -> Result<(ActivityPhoto, ActivityRecord), AppError> {
    let u = require(user, Action::RecordActivity, "/activites")?;
    let p = state.store.activity_photo(parse_id(id)?).await?;
    // Told alike whether the photo does not exist or belongs to an activity one may not read.
    let Some(p) = p else { return Err(AppError::NotFound) };
    let r = readable(state, u, &p.activity_id.to_string()).await?;
    Ok((p, r))
}

async fn file(state: &AppState, user: Option<&CurrentUser>, id: &str, thumb: bool) -> Result<Response, AppError> {
    let (p, _) = readable_photo(state, user, id).await?;
    crate::report::photo::kept_picture(state, if thumb { &p.thumbnail_name } else { &p.file_name }).await
}

pub(super) async fn photo(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    file(&state, user.as_ref(), &id, false).await
}

pub(super) async fn thumbnail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    file(&state, user.as_ref(), &id, true).await
}

pub(super) async fn delete(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (p, r) = readable_photo(&state, user.as_ref(), &id).await?;
    let (u, _) = editable(&state, user.as_ref(), &r.activity.id.to_string()).await?;
    remove(&state, &u.author(), &p).await?;
    Ok(Redirect::to(&format!("/activites/{}?fait=photo_retiree#photos", p.activity_id)).into_response())
}
