//! A meeting's documents: upload by the coordinator (checked for followed persons' names before
//! anything is kept), download by those who read the meetings, removal by the coordinator.

use super::{Typed, found, meeting_error, page_view};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::page::{FieldErrors, parse_id, render_invalid};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::meeting::MeetingError;
use maillage_app::meeting::document::{DocumentError, add, file, remove};
use maillage_core::authz::Action;
use maillage_core::time_fmt;
use maillage_store::meeting::document::MeetingDocument;

/// A document as the meeting's page lists it.
pub struct Line {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub size: String,
    pub added: String,
}

pub fn line(d: &MeetingDocument) -> Line {
    // Rounded up: a small file is never "0 ko".
    let bytes = u64::try_from(d.size_bytes).unwrap_or(0);
    let kb = bytes.div_ceil(1024);
    let size = if kb < 1024 {
        format!("{kb} ko")
    } else {
        // Tenths of a megabyte, with the French decimal comma.
        let tenths = (bytes * 10).div_ceil(1024 * 1024);
        format!("{},{} Mo", tenths / 10, tenths % 10)
    };
    Line { id: d.id, title: d.title.clone(), kind: d.kind.label(), size, added: time_fmt::date_fr(d.created_at) }
}

/// The meeting's page again, with why the document was refused and its title as typed.
async fn refused(state: &AppState, u: &CurrentUser, id: &str, title: String, why: String) -> Result<Response, AppError> {
    let m = found(state, id).await?;
    // What was typed comes back, but not beyond what a title could hold.
    let title: String = title.chars().take(4 * maillage_core::meeting::DOCUMENT_TITLE_MAX).collect();
    render_invalid(&page_view(state, u, m, FieldErrors::default(), Typed { document: Some((title, why)), ..Typed::default() }, "").await?)
}

pub(super) async fn upload(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let mut multipart = multipart.map_err(|e| AppError::BadRequest(format!("formulaire illisible : {}", e.body_text())))?;
    let (mut bytes, mut title): (Option<Vec<u8>>, Option<String>) = (None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return refused(&state, u, &id, title.unwrap_or_default(), crate::error::multipart_refusal(&e)).await,
        };
        let twice = match field.name() {
            Some("fichier") => bytes.is_some(),
            Some("titre") => title.is_some(),
            _ => continue,
        };
        if twice {
            return Err(AppError::BadRequest("formulaire du document illisible : un champ est envoyé deux fois.".into()));
        }
        match field.name() {
            Some("fichier") => match field.bytes().await {
                Ok(b) => bytes = Some(b.to_vec()),
                Err(e) => return refused(&state, u, &id, title.unwrap_or_default(), crate::error::multipart_refusal(&e)).await,
            },
            _ => match field.text().await {
                Ok(t) => title = Some(t),
                Err(e) => return refused(&state, u, &id, String::new(), crate::error::multipart_refusal(&e)).await,
            },
        }
    }
    let title = title.unwrap_or_default();
    match add(&state, &u.author(), &m, &title, bytes.unwrap_or_default()).await {
        Ok(_) => Ok(Redirect::to(&format!("/reunions/{}?fait=document#documents", m.id)).into_response()),
        Err(e @ DocumentError::Refused(_)) => refused(&state, u, &id, title, e.to_string()).await,
        Err(DocumentError::Store(e)) => Err(e.into()),
        Err(DocumentError::NameCheck(e)) => Err(meeting_error(MeetingError::NameCheck(e))),
        Err(e) => Err(AppError::Internal(e.into())),
    }
}

/// The document `doc` of meeting `id`; one of another meeting is not found.
async fn of_meeting(state: &AppState, id: &str, doc: &str) -> Result<MeetingDocument, AppError> {
    let m = found(state, id).await?;
    match state.store.meeting_document(parse_id(doc)?).await? {
        Some(d) if d.meeting_id == m.id => Ok(d),
        _ => Err(AppError::NotFound),
    }
}

pub(super) async fn download(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    let d = of_meeting(&state, &id, &doc).await?;
    let body = file(&state, &d).await.map_err(|e| AppError::Internal(format!("document {} : {e}", d.id).into()))?;
    // A name of our own, never the title: the header stays plain ASCII.
    let name = format!("reunion-{}-document-{}.{}", d.meeting_id, d.id, d.kind.code());
    Ok(crate::evaluation::attachment(d.kind.media_type(), name, body))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let d = of_meeting(&state, &id, &doc).await?;
    remove(&state, &u.author(), &d).await?;
    Ok(Redirect::to(&format!("/reunions/{}?fait=document_retire#documents", d.meeting_id)).into_response())
}
