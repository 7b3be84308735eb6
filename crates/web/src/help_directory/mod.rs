//! The directory of help: read by everyone at `/aide` (emergency numbers first, each number a
//! `tel:` link, opening hours and accessible contact details), written by the coordinator.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::public_page::public_page;
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::Action;
use maillage_core::help_directory::{Category, EntryDraft, check, dial};
use maillage_store::StoreError;
use maillage_store::help_directory::HelpEntry;

pub fn routes(r: Routes) -> Routes {
    r.get("/aide", directory_page)
        .get("/site-public/annuaire/nouvelle", new_page)
        .post("/site-public/annuaire/nouvelle", create)
        .get("/site-public/annuaire/{id}", edit_page)
        .post("/site-public/annuaire/{id}", update)
        .post("/site-public/annuaire/{id}/suppression", delete)
}

/// An entry as the directory shows it.
pub struct Shown {
    pub e: EntryDraft,
    pub tel: String,
    pub sms: String,
}

#[derive(Template)]
#[template(path = "help_directory/directory.html")]
struct DirectoryPage {
    layout: Layout,
    /// (anchor, heading, entries), in the categories' order.
    sections: Vec<(&'static str, &'static str, Vec<Shown>)>,
}

async fn directory_page(State(state): State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    let all = state.store.help_entries().await?;
    let sections = Category::ALL
        .iter()
        .map(|c| {
            let entries = all
                .iter()
                .filter(|e| e.category == *c)
                .map(|e| Shown { tel: dial(&e.entry.phone), sms: dial(&e.entry.sms), e: e.entry.clone() })
                .collect::<Vec<_>>();
            (c.code(), c.label(), entries)
        })
        .filter(|s| !s.2.is_empty())
        .collect();
    public_page(&DirectoryPage { layout: Layout::new("Trouver de l'aide", user.as_ref()), sections }, user.as_ref(), &request)
}

// ---- the coordinator's form ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "help_directory/form.html")]
struct FormPage {
    layout: Layout,
    entry: Option<HelpEntry>,
    form: EntryDraft,
    version: String,
    errors: FieldErrors,
    categories: Vec<(&'static str, &'static str)>,
}

fn form_view(u: &CurrentUser, entry: Option<HelpEntry>, form: EntryDraft, version: String, errors: FieldErrors) -> FormPage {
    let title = entry.as_ref().map_or_else(|| "Nouvelle entrée de l'annuaire".to_string(), |e| format!("Modifier « {} »", e.entry.name));
    FormPage {
        layout: Layout::new(&title, Some(u)),
        entry,
        form,
        version,
        errors,
        categories: Category::ALL.iter().map(|c| (c.code(), c.label())).collect(),
    }
}

/// The form's fields, a field sent twice refused by name.
fn read(pairs: Vec<(String, String)>) -> (EntryDraft, String, Vec<(&'static str, String)>) {
    let mut d = EntryDraft::default();
    let mut version = String::new();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut faults = Vec::new();
    for (k, v) in pairs {
        let (name, slot): (&'static str, &mut String) = match k.as_str() {
            "category" => ("category", &mut d.category),
            "name" => ("name", &mut d.name),
            "description" => ("description", &mut d.description),
            "phone" => ("phone", &mut d.phone),
            "phone_note" => ("phone_note", &mut d.phone_note),
            "sms" => ("sms", &mut d.sms),
            "email" => ("email", &mut d.email),
            "url" => ("url", &mut d.url),
            "address" => ("address", &mut d.address),
            "hours" => ("hours", &mut d.hours),
            "accessibility" => ("accessibility", &mut d.accessibility),
            "version" => ("version", &mut version),
            _ => continue,
        };
        *slot = v;
        if seen.contains(&name) {
            faults.push((name, "Ce champ est envoyé deux fois : saisissez-le une seule fois.".to_string()));
        }
        seen.push(name);
    }
    (d, version, faults)
}

async fn new_page(State(_state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    render(&form_view(u, None, EntryDraft::default(), String::new(), FieldErrors::default()))
}

async fn save(state: &AppState, u: &CurrentUser, current: Option<HelpEntry>, pairs: Vec<(String, String)>) -> Result<Response, AppError> {
    let (d, mut version, mut faults) = read(pairs);
    let fields: Vec<&str> = faults.iter().map(|f| f.0).collect();
    let more: Vec<(&'static str, String)> = check(&d).into_iter().filter(|f| !fields.contains(&f.0)).collect();
    faults.extend(more);
    if faults.is_empty() {
        let saved = match &current {
            None => state.store.create_help_entry(&u.author(), &d).await.map(|_| ()),
            Some(e) => {
                let v = crate::page::read_version(&version)?;
                state.store.update_help_entry(&u.author(), e.id, v, &d).await
            }
        };
        match saved {
            Ok(()) => return Ok(Redirect::to("/site-public?fait=entree").into_response()),
            Err(StoreError::Conflict(_)) if current.is_some() => {
                let id = current.as_ref().map_or(0, |e| e.id);
                version = state.store.help_entry(id).await?.ok_or(AppError::NotFound)?.version.to_string();
                faults.push((
                    "version",
                    "Quelqu'un a modifié cette entrée entre-temps. Vérifiez vos saisies puis enregistrez de nouveau pour les garder."
                        .into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render_invalid(&form_view(u, current, d, version, errors_of(faults, "")))
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    save(&state, u, None, pairs).await
}

async fn found(state: &AppState, id: &str) -> Result<HelpEntry, AppError> {
    state.store.help_entry(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let e = found(&state, &id).await?;
    let (form, version) = (e.entry.clone(), e.version.to_string());
    render(&form_view(u, Some(e), form, version, FieldErrors::default()))
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let e = found(&state, &id).await?;
    save(&state, u, Some(e), pairs).await
}

async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<crate::page::VersionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let e = found(&state, &id).await?;
    let version = f.version()?;
    state.store.delete_help_entry(&u.author(), e.id, version).await?;
    Ok(Redirect::to("/site-public?fait=entree-supprimee").into_response())
}
