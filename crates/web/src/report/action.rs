//! What partners do on a report: change its state, comment, take or finish their part, involve another organisation.

use super::detail::{Handled, Kept, handleable, refused, refused_keeping};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::report::{InvolveError, TransitionError};
use maillage_core::authz::{Action, Decision, authorize};
use maillage_core::report::{CloseReason, State as ReportState, Transition};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct StateForm {
    #[serde(default)]
    pub etat: String,
    #[serde(default)]
    pub motif: String,
    #[serde(default)]
    pub original: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub note: String,
}

impl StateForm {
    /// The transition asked for, or the field at fault (the page's input id) and a French message.
    pub fn transition(&self) -> Result<Transition, (&'static str, String)> {
        match self.etat.as_str() {
            "closed_without_action" => CloseReason::from_code(&self.motif)
                .map(Transition::CloseWithoutAction)
                .ok_or_else(|| ("motif", "Choisissez le motif du classement sans suite.".to_string())),
            "duplicate" => self
                .original
                .trim()
                .trim_start_matches('#')
                .parse()
                .map(Transition::DuplicateOf)
                .map_err(|_| ("original", "Donnez le numéro du signalement original.".to_string())),
            "redirected" => self
                .organisation
                .parse()
                .map(Transition::RedirectTo)
                .map_err(|_| ("organisation-redirect", "Choisissez l'organisation vers laquelle réorienter.".to_string())),
            code => ReportState::from_code(code).map(Transition::To).ok_or_else(|| ("etat", "Choisissez un nouvel état.".to_string())),
        }
    }

    /// The form as typed, to show again with the refusal beside `field`.
    fn kept(&self, field: &'static str) -> Kept {
        Kept {
            field,
            etat: self.etat.clone(),
            motif: self.motif.clone(),
            original: self.original.clone(),
            redirect: self.organisation.clone(),
            note: self.note.clone(),
            ..Kept::default()
        }
    }
}

pub(super) async fn change_state(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let Handled { report: r, id, .. } = handleable(&state, u, &id, |part| Action::HandleReport { part }).await?;
    // A note with no state chosen is a shared comment: the state does not move.
    let note_refused = || format!("La précision doit compter au plus {} caractères, sans caractère invisible.", max_comment());
    if form.etat.is_empty() && !form.note.trim().is_empty() {
        if !maillage_core::text::is_text(&form.note, maillage_core::report::MAX_COMMENT) {
            return refused_keeping(&state, u, id, note_refused(), form.kept("note")).await;
        }
        state.store.add_comment(&u.author(), id, u.actor.organisation_id, false, form.note.trim()).await?;
        return Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response());
    }
    let t = match form.transition() {
        Ok(t) => t,
        Err((field, m)) => return refused_keeping(&state, u, id, m, form.kept(field)).await,
    };
    if !maillage_core::text::is_text(&form.note, maillage_core::report::MAX_COMMENT) {
        return refused_keeping(&state, u, id, note_refused(), form.kept("note")).await;
    }
    // The original of a duplicate must be one the user may read: the answer is the same whether
    // it does not exist or is not theirs, so that numbers cannot be probed.
    if let Transition::DuplicateOf(original) = t {
        let exists = state.store.report(original).await?.is_some();
        let involved = maillage_app::report::involved(&state, original, u.actor.organisation_id).await?;
        if !exists || authorize(Some(&u.actor), Action::ReadReport { involved }) != Decision::Allow {
            let m = format!("Le signalement original n° {original} n'existe pas ou ne vous est pas accessible.");
            return refused_keeping(&state, u, id, m, form.kept("original")).await;
        }
    }
    match maillage_app::report::change_state(&state, &u.author(), u.actor.organisation_id, &r, &t, &form.note).await {
        Ok(()) => Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response()),
        Err(TransitionError::Store(e)) => match AppError::from(e) {
            AppError::Conflict(m) => refused_keeping(&state, u, id, m, form.kept("etat")).await,
            other => Err(other),
        },
        Err(e) => {
            // The refusal is said beside the field that carries what was refused.
            let field = match (&e, &t) {
                (TransitionError::UnknownOriginal(_), _) | (_, Transition::DuplicateOf(_)) => "original",
                (TransitionError::UnknownOrganisation, _) | (_, Transition::RedirectTo(_)) => "organisation-redirect",
                _ => "etat",
            };
            refused_keeping(&state, u, id, maillage_core::text::capitalise(&e.to_string()), form.kept(field)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CommentForm {
    #[serde(default)]
    texte: String,
    #[serde(default)]
    interne: String,
}

pub(super) async fn comment(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let internal = !form.interne.is_empty();
    let Handled { id, part, .. } = handleable(&state, u, &id, |part| Action::CommentReport { part, internal: false }).await?;
    let keep = |field| Kept { field, texte: form.texte.clone(), interne: internal, ..Kept::default() };
    if authorize(Some(&u.actor), Action::CommentReport { part, internal }) != Decision::Allow {
        let m = "Un commentaire interne suppose que votre compte soit rattaché à une organisation.";
        return refused_keeping(&state, u, id, m.into(), keep("interne")).await;
    }
    let text = form.texte.trim();
    if text.is_empty() || !maillage_core::text::is_text(text, maillage_core::report::MAX_COMMENT) {
        let m = format!("Le commentaire doit compter de 1 à {} caractères, sans caractère invisible.", max_comment());
        return refused_keeping(&state, u, id, m, keep("texte")).await;
    }
    state.store.add_comment(&u.author(), id, u.actor.organisation_id, internal, text).await?;
    Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct PartForm {
    #[serde(default)]
    terminee: String,
}

pub(super) async fn part(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<PartForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let Handled { report: r, id, .. } = handleable(&state, u, &id, |part| Action::TakeReportPart { part }).await?;
    let Some(org) = u.actor.organisation_id else {
        return refused(&state, u, id, "part", "Votre compte n'est rattaché à aucune organisation.".into()).await;
    };
    match state.store.set_part(&u.author(), id, org, !form.terminee.is_empty()).await {
        Ok(()) => {}
        Err(maillage_store::StoreError::NotFound(_)) => {
            return refused(&state, u, id, "part", "Votre organisation n'a pas de part dans ce signalement.".into()).await;
        }
        Err(e) => return Err(e.into()),
    }
    // Taking a part moves a report that nobody handled yet to "pris en charge".
    if form.terminee.is_empty() && matches!(r.state, ReportState::New | ReportState::Transmitted | ReportState::Redirected) {
        match maillage_app::report::change_state(&state, &u.author(), Some(org), &r, &Transition::To(ReportState::InProgress), "").await {
            // Someone else moved the report meanwhile: the part is taken all the same.
            Ok(()) | Err(TransitionError::Workflow(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response())
}

#[derive(Deserialize, Default)]
pub(super) struct InvolveForm {
    #[serde(default)]
    organisation: String,
}

pub(super) async fn involve(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<InvolveForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let Handled { report: r, id, .. } = handleable(&state, u, &id, |part| Action::InvolveOrganisation { part }).await?;
    let kept = || Kept { field: "organisation-add", involve: form.organisation.clone(), ..Kept::default() };
    let Ok(organisation_id) = form.organisation.parse::<i64>() else {
        return refused_keeping(&state, u, id, "Choisissez une organisation.".into(), kept()).await;
    };
    match maillage_app::report::involve(&state, &u.author(), &r, organisation_id).await {
        Ok(()) => Ok(Redirect::to(&format!("/signalements/{id}?ok=1")).into_response()),
        Err(InvolveError::Store(e)) => Err(e.into()),
        Err(e @ (InvolveError::UnknownOrganisation | InvolveError::AlreadyInvolved)) => {
            refused_keeping(&state, u, id, maillage_core::text::capitalise(&e.to_string()), kept()).await
        }
    }
}

/// The longest comment, as French readers write the number ("4 000").
fn max_comment() -> String {
    maillage_core::text::number_fr(i64::try_from(maillage_core::report::MAX_COMMENT).unwrap_or(i64::MAX))
}
