//! The glossary of acronyms: shown as `<abbr>` in every page, edited by the administrator.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::Action;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/admin/sigles", glossary_page).post("/admin/sigles", set_term).post("/admin/sigles/{id}/supprimer", delete_term)
}

#[derive(Template)]
#[template(path = "glossary/list.html")]
struct GlossaryPage {
    layout: Layout,
    terms: Vec<maillage_store::glossary::GlossaryTerm>,
    error: Option<String>,
    term: String,
    expansion: String,
}

async fn glossary_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageGlossary, "/admin/sigles")?;
    render(&GlossaryPage {
        layout: Layout::new("Sigles", Some(u)),
        terms: state.store.glossary_terms().await?,
        error: None,
        term: String::new(),
        expansion: String::new(),
    })
}

#[derive(Deserialize)]
pub struct TermForm {
    #[serde(default)]
    term: String,
    #[serde(default)]
    expansion: String,
}

async fn set_term(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(f): axum::Form<TermForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageGlossary, "/admin/sigles")?;
    let term = f.term.trim().replace('.', "").to_uppercase();
    let valid_term = (2..=12).contains(&term.chars().count()) && term.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
    let valid_expansion = maillage_core::text::is_name(&f.expansion, 300);
    if !valid_term || !valid_expansion {
        return render_invalid(&GlossaryPage {
            layout: Layout::new("Sigles — erreur", Some(u)),
            terms: state.store.glossary_terms().await?,
            error: Some(if valid_term {
                "La signification est obligatoire (300 caractères au plus).".into()
            } else {
                "Le sigle doit compter de 2 à 12 lettres majuscules ou chiffres.".into()
            }),
            term: f.term,
            expansion: f.expansion,
        });
    }
    state.store.set_glossary_term(&u.author(), &term, f.expansion.trim()).await?;
    state.reload_glossary().await?;
    Ok(Redirect::to("/admin/sigles").into_response())
}

async fn delete_term(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageGlossary, "/admin/sigles")?;
    state.store.delete_glossary_term(&u.author(), parse_id::<i64>(&id)?).await?;
    state.reload_glossary().await?;
    Ok(Redirect::to("/admin/sigles").into_response())
}
