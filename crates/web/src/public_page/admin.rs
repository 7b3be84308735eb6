//! The coordinator's side of the public site (`/site-public`): every page by kind, published
//! or not, the directory of help, and the form that writes a page in Markdown. A text with
//! HTML of its own, an image or an unsafe link comes back as typed with what to change.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, VersionForm, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::public_page::PageError;
use maillage_core::authz::Action;
use maillage_core::public_page::{Fault, PageDraft, PageKind};
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::help_directory::HelpEntry;
use maillage_store::public_page::PublicPage;

pub fn routes(r: Routes) -> Routes {
    r.get("/site-public", site_page)
        .get("/site-public/pages/nouvelle", new_page)
        .post("/site-public/pages/nouvelle", create)
        .get("/site-public/pages/{id}", edit_page)
        .post("/site-public/pages/{id}", update)
        .post("/site-public/pages/{id}/suppression", delete)
        .post("/site-public/indicateurs", publish_indicators)
}

#[derive(serde::Deserialize, Default)]
struct SiteQuery {
    #[serde(default)]
    fait: String,
}

#[derive(Template)]
#[template(path = "public_page/admin.html")]
struct SitePage {
    layout: Layout,
    /// (kind's code, heading, its pages)
    kinds: Vec<(&'static str, &'static str, Vec<PublicPage>)>,
    entries: Vec<(&'static str, Vec<HelpEntry>)>,
    /// The current strategy's indicators: (id, sheet, wording, published).
    indicators: Vec<(i64, String, String, bool)>,
    notice: Option<&'static str>,
}

async fn site_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<SiteQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let mut kinds = Vec::new();
    for k in [PageKind::Booklet, PageKind::News, PageKind::Event, PageKind::Institutional] {
        let heading = match k {
            PageKind::Booklet => "Sections du livret de la tranquillité",
            PageKind::News => "Actualités",
            PageKind::Event => "Événements",
            PageKind::Institutional => "Pages institutionnelles",
        };
        kinds.push((k.code(), heading, state.store.public_pages(k, false).await?));
    }
    let all = state.store.help_entries().await?;
    let entries = maillage_core::help_directory::Category::ALL
        .iter()
        .map(|c| (c.label(), all.iter().filter(|e| e.category == *c).cloned().collect::<Vec<_>>()))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    let notice = match q.fait.as_str() {
        "enregistree" => Some("La page est enregistrée."),
        "supprimee" => Some("La page est supprimée."),
        "entree" => Some("L'entrée de l'annuaire est enregistrée."),
        "entree-supprimee" => Some("L'entrée de l'annuaire est supprimée."),
        "indicateurs" => Some("Les indicateurs publiés sont enregistrés."),
        _ => None,
    };
    let published = state.store.published_indicators().await?;
    let indicators = maillage_app::indicator::indicators(&state)
        .await?
        .into_iter()
        .map(|i| (i.id, i.indicator.sheet.clone(), i.indicator.label.clone(), published.contains(&i.id)))
        .collect();
    render(&SitePage { layout: Layout::new("Site public", Some(u)), kinds, entries, indicators, notice })
}

#[derive(Clone, Debug, Default)]
struct PageForm {
    kind: String,
    title: String,
    summary: String,
    body: String,
    starts_at: String,
    ends_at: String,
    place: String,
    published: bool,
    /// The checkbox's value as sent, to tell a second one.
    published_sent: String,
    version: String,
    repeated: Vec<&'static str>,
}

impl PageForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = PageForm::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (k, v) in pairs {
            let (name, slot): (&'static str, &mut String) = match k.as_str() {
                "kind" => ("kind", &mut f.kind),
                "title" => ("title", &mut f.title),
                "summary" => ("summary", &mut f.summary),
                "body" => ("body", &mut f.body),
                "starts_at" => ("starts_at", &mut f.starts_at),
                "ends_at" => ("ends_at", &mut f.ends_at),
                "place" => ("place", &mut f.place),
                "version" => ("version", &mut f.version),
                // A checkbox: "1" when ticked, absent otherwise.
                "published" => {
                    f.published = v == "1";
                    if v != "1" {
                        f.repeated.push("published_value");
                    }
                    ("published", &mut f.published_sent)
                }
                _ => continue,
            };
            *slot = v;
            if seen.contains(&name) {
                f.repeated.push(name);
            }
            seen.push(name);
        }
        f
    }

    fn of(p: &PublicPage) -> Self {
        PageForm {
            kind: p.kind.code().into(),
            title: p.title.clone(),
            summary: p.summary.clone(),
            body: p.body.clone(),
            starts_at: p.starts_at.map(time_fmt::local_field).unwrap_or_default(),
            ends_at: p.ends_at.map(time_fmt::local_field).unwrap_or_default(),
            place: p.place.clone(),
            published: p.published,
            published_sent: String::new(),
            version: p.version.to_string(),
            repeated: Vec::new(),
        }
    }

    fn is_event(&self) -> bool {
        self.kind == PageKind::Event.code()
    }

    /// The draft, and the faults of what could not be read.
    fn draft(&self) -> (PageDraft, Vec<Fault>) {
        let mut read: Vec<Fault> = Vec::new();
        let mut instant = |field: &'static str, v: &str| match v.trim() {
            "" => None,
            t => time_fmt::local_instant(t).or_else(|| {
                read.push((field, time_fmt::LOCAL_INSTANT_HELP.into()));
                None
            }),
        };
        let starts_at = instant("starts_at", &self.starts_at);
        let ends_at = instant("ends_at", &self.ends_at);
        for name in &self.repeated {
            if *name == "published_value" {
                read.push(("published", "« Publiée » se coche ou se décoche : la case envoie la valeur 1.".into()));
            } else {
                read.push((name, "Ce champ est envoyé deux fois : saisissez-le une seule fois.".into()));
            }
        }
        let d = PageDraft {
            kind: self.kind.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            body: self.body.clone(),
            starts_at,
            ends_at,
            place: self.place.clone(),
            published: self.published,
        };
        (d, read)
    }
}

#[derive(Template)]
#[template(path = "public_page/form.html")]
struct FormPage {
    layout: Layout,
    page: Option<PublicPage>,
    form: PageForm,
    errors: FieldErrors,
    kind_label: &'static str,
    /// An institutional page: changed, never deleted.
    institutional: bool,
}

fn form_view(u: &CurrentUser, page: Option<PublicPage>, form: PageForm, errors: FieldErrors) -> FormPage {
    let kind_label = PageKind::from_code(&form.kind).map_or("Page", PageKind::label);
    let title = match &page {
        Some(p) => format!("Modifier « {} »", p.title),
        None => format!("Nouvelle page : {}", kind_label.to_lowercase()),
    };
    let institutional = form.kind == PageKind::Institutional.code();
    FormPage { layout: Layout::new(&title, Some(u)), page, form, errors, kind_label, institutional }
}

#[derive(serde::Deserialize, Default)]
struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
}

async fn new_page(State(_state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<NewQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    match PageKind::from_code(&q.kind) {
        Some(PageKind::Institutional) | None => Err(AppError::BadRequest(
            "type de page inconnu : livret, actualite ou evenement (les pages institutionnelles existent déjà).".into(),
        )),
        Some(k) => render(&form_view(u, None, PageForm { kind: k.code().into(), ..PageForm::default() }, FieldErrors::default())),
    }
}

/// Saves the form as a new page (`current` none) or as `current` changed.
async fn save(state: &AppState, u: &CurrentUser, current: Option<PublicPage>, mut form: PageForm) -> Result<Response, AppError> {
    if let Some(p) = &current {
        // A page keeps its kind: the form's says how to read it.
        form.kind = p.kind.code().into();
    }
    let version = match &current {
        None => None,
        Some(_) => Some(crate::page::read_version(&form.version)?),
    };
    let (d, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::public_page::save(state, &u.author(), current.as_ref().zip(version), &d).await
    } else {
        let mut all = read;
        let fields: Vec<&str> = all.iter().map(|f| f.0).collect();
        let more: Vec<Fault> = maillage_app::public_page::faults(&d).into_iter().filter(|f| !fields.contains(&f.0)).collect();
        all.extend(more);
        Err(PageError::Invalid(all))
    };
    let faults = match (result, &current) {
        (Ok(_), _) => return Ok(Redirect::to("/site-public?fait=enregistree").into_response()),
        (Err(PageError::Invalid(f)), _) => f,
        (Err(PageError::Store(StoreError::Conflict(_))), Some(p)) => {
            let now = state.store.public_page(p.id).await?.ok_or(AppError::NotFound)?;
            form.version = now.version.to_string();
            vec![(
                "version",
                "Quelqu'un a modifié cette page entre-temps. Vérifiez votre texte puis enregistrez de nouveau pour le garder.".into(),
            )]
        }
        (Err(PageError::Store(e)), _) => return Err(e.into()),
    };
    render_invalid(&form_view(u, current, form, errors_of(faults, "")))
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    save(&state, u, None, PageForm::from_pairs(pairs)).await
}

async fn found(state: &AppState, id: &str) -> Result<PublicPage, AppError> {
    state.store.public_page(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let p = found(&state, &id).await?;
    render(&form_view(u, Some(p.clone()), PageForm::of(&p), FieldErrors::default()))
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let p = found(&state, &id).await?;
    save(&state, u, Some(p), PageForm::from_pairs(pairs)).await
}

async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let p = found(&state, &id).await?;
    if p.kind == PageKind::Institutional {
        return Err(AppError::Conflict("Une page institutionnelle ne se supprime pas : modifiez-la.".into()));
    }
    let version = f.version()?;
    state.store.delete_public_page(&u.author(), p.id, version).await?;
    Ok(Redirect::to("/site-public?fait=supprimee").into_response())
}

/// Publishes exactly the indicators ticked (`indicateur`, repeated): each must be one of the
/// current strategy's.
async fn publish_indicators(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManagePublicSite, "/site-public")?;
    let known: Vec<i64> = maillage_app::indicator::indicators(&state).await?.iter().map(|i| i.id).collect();
    let mut ids = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "indicateur") {
        match v.trim().parse::<i64>() {
            Ok(id) if known.contains(&id) => ids.push(id),
            _ => return Err(AppError::BadRequest("indicateur inconnu : cochez-les dans la liste.".into())),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    state.store.set_published_indicators(&u.author(), &ids).await?;
    Ok(Redirect::to("/site-public?fait=indicateurs").into_response())
}
