//! The strategy pages: overview, axis, sheet, search, printable document, editing, import,
//! export and versions.

pub mod api;

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{Action, Decision, authorize};
use maillage_core::glossary::Glossary;
use maillage_core::organisation::PartnerMatcher;
use maillage_core::strategy::{self as model, ActionSheet, StrategyDocument};
use maillage_core::text::fold;
use maillage_core::time_fmt;
use maillage_store::organisation::Organisation;
use maillage_store::strategy::{StoredStrategy, VersionInfo};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    api::routes(page_routes(r))
}

fn page_routes(r: Routes) -> Routes {
    r.get("/strategie", overview)
        .get("/strategie/axes/{number}", axis_page)
        .get("/strategie/fiches/{code}", sheet_page)
        .get("/strategie/fiches/{code}/modifier", edit_page)
        .post("/strategie/fiches/{code}/modifier", edit_submit)
        .get("/strategie/recherche", search)
        .get("/strategie/document", document)
        .get("/strategie/document.pdf", document_pdf)
        .get("/strategie/document.odt", document_odt)
        .get("/strategie/export", export)
        .get("/strategie/import", import_page)
        .post("/strategie/import", import_submit)
        .get("/strategie/versions", versions)
        .get("/strategie/versions/{version}", version_file)
}

// ---- views --------------------------------------------------------------------------------

/// A sheet ready for the templates: text already escaped, acronyms marked.
pub struct SheetView {
    pub code: String,
    pub title: String,
    pub axis_number: i32,
    pub axis_title: String,
    pub pilot: String,
    pub diagnostic: Vec<String>,
    pub objectives: Vec<String>,
    pub operational_objectives: Vec<String>,
    pub means: Vec<(String, Vec<String>)>,
    pub target_public: Vec<String>,
    pub partners: Vec<(String, Vec<(i64, String)>)>,
    pub indicators: Vec<String>,
}

/// Organisations by the words that name them in partner lines, with their id and name.
type OrgMatcher = PartnerMatcher<(i64, String)>;

fn org_matcher(orgs: &[Organisation]) -> OrgMatcher {
    PartnerMatcher::new(orgs.iter().map(|o| ((o.id, o.name.clone()), o.match_terms.as_str())))
}

fn sheet_view(g: &Glossary, axis: &model::Axis, s: &ActionSheet, orgs: &OrgMatcher) -> SheetView {
    let all = |v: &[String]| v.iter().map(|t| g.expand(t)).collect::<Vec<_>>();
    SheetView {
        code: s.code.clone(),
        title: g.expand(&s.title),
        axis_number: axis.number,
        axis_title: g.expand(&axis.title),
        pilot: g.expand(&s.pilot),
        diagnostic: all(&s.diagnostic),
        objectives: all(&s.objectives),
        operational_objectives: all(&s.operational_objectives),
        means: s.means.iter().map(|m| (g.expand(&m.text), all(&m.items))).collect(),
        target_public: all(&s.target_public),
        partners: s.partners.iter().map(|p| (g.expand(p), orgs.matches(p))).collect(),
        indicators: all(&s.indicators),
    }
}

pub struct AxisView {
    pub number: i32,
    pub title: String,
    pub sheets: Vec<SheetView>,
}

fn axis_views(g: &Glossary, doc: &StrategyDocument, orgs: &OrgMatcher) -> Vec<AxisView> {
    doc.axes
        .iter()
        .map(|a| AxisView {
            number: a.number,
            title: g.expand(&a.title),
            sheets: a.sheets.iter().map(|s| sheet_view(g, a, s, orgs)).collect(),
        })
        .collect()
}

async fn current(state: &AppState) -> Result<StoredStrategy, AppError> {
    state.store.current_strategy().await?.ok_or(AppError::NotFound)
}

fn can(user: &CurrentUser, action: Action) -> bool {
    authorize(Some(&user.actor), action) == Decision::Allow
}

// ---- overview, axis, sheet ----------------------------------------------------------------

/// What the overview shows of a sheet: no need to render every field.
pub struct SheetSummary {
    pub code: String,
    pub title: String,
    pub pilot: String,
    pub indicator_count: usize,
}

#[derive(Template)]
#[template(path = "strategy/overview.html")]
struct OverviewPage {
    layout: Layout,
    title: String,
    territory: String,
    period: String,
    version: i64,
    updated: String,
    axes: Vec<(i32, String, Vec<SheetSummary>)>,
    preamble: Vec<String>,
    can_import: bool,
}

async fn overview(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie")?;
    let Some(s) = state.store.current_strategy().await? else {
        return render(&EmptyPage { layout: Layout::new("Stratégie", Some(u)), can_import: can(u, Action::ImportStrategy) });
    };
    let g = state.glossary();
    render(&OverviewPage {
        layout: Layout::new("Stratégie", Some(u)),
        title: g.expand(&s.doc.title),
        territory: s.doc.territory.clone(),
        period: format!("{}-{}", s.doc.period_start, s.doc.period_end),
        version: s.version,
        updated: time_fmt::datetime_fr(s.updated_at),
        axes: s
            .doc
            .axes
            .iter()
            .map(|a| {
                let sheets = a
                    .sheets
                    .iter()
                    .map(|sh| SheetSummary {
                        code: sh.code.clone(),
                        title: g.expand(&sh.title),
                        pilot: g.expand(&sh.pilot),
                        indicator_count: sh.indicators.len(),
                    })
                    .collect();
                (a.number, g.expand(&a.title), sheets)
            })
            .collect(),
        preamble: s.doc.preamble.iter().map(|p| g.expand(p)).collect(),
        can_import: can(u, Action::ImportStrategy),
    })
}

#[derive(Template)]
#[template(path = "strategy/empty.html")]
struct EmptyPage {
    layout: Layout,
    can_import: bool,
}

#[derive(Template)]
#[template(path = "strategy/axis.html")]
struct AxisPage {
    layout: Layout,
    axis: AxisView,
    can_edit: bool,
}

async fn axis_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(number): Path<String>) -> Result<Response, AppError> {
    let path = format!("/strategie/axes/{number}");
    let u = require(user.as_ref(), Action::ViewStrategy, &path)?;
    let number: i32 = parse_id(&number)?;
    let s = current(&state).await?;
    let orgs = org_matcher(&state.store.organisations().await?);
    let g = state.glossary();
    let axis = axis_views(&g, &s.doc, &orgs).into_iter().find(|a| a.number == number).ok_or(AppError::NotFound)?;
    render(&AxisPage { layout: Layout::new(&format!("Axe {number}"), Some(u)), axis, can_edit: can(u, Action::EditStrategy) })
}

#[derive(Template)]
#[template(path = "strategy/sheet.html")]
struct SheetPage {
    layout: Layout,
    sheet: SheetView,
    can_edit: bool,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    enregistre: Option<String>,
}

async fn sheet_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, &format!("/strategie/fiches/{code}"))?;
    let s = current(&state).await?;
    let (axis, sheet) = s.doc.sheet(&code).ok_or(AppError::NotFound)?;
    let orgs = org_matcher(&state.store.organisations().await?);
    let view = sheet_view(&state.glossary(), axis, sheet, &orgs);
    render(&SheetPage {
        layout: Layout::new(&format!("Fiche {} — {}", sheet.code, sheet.title), Some(u)),
        sheet: view,
        can_edit: can(u, Action::EditStrategy),
        notice: q.enregistre.map(|v| format!("Fiche enregistrée (version {v} de la stratégie).")),
    })
}

// ---- search -------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "strategy/search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    searched: bool,
    /// Hits with their texts already escaped and acronyms marked.
    hits: Vec<model::SearchHit>,
}

async fn search(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<SearchQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie/recherche")?;
    let query: String = q.q.chars().take(200).collect();
    let searched = !query.trim().is_empty();
    let mut hits = Vec::new();
    if searched {
        let s = current(&state).await?;
        let g = state.glossary();
        hits = model::search(&s.doc, &query)
            .into_iter()
            .map(|h| model::SearchHit {
                title: g.expand(&h.title),
                fields: h.fields.into_iter().map(|(l, t)| (l, g.expand(&t))).collect(),
                ..h
            })
            .collect();
    }
    render(&SearchPage { layout: Layout::new("Rechercher dans les fiches", Some(u)), query, searched, hits })
}

// ---- printable document -------------------------------------------------------------------

/// An annex's title and its sections (heading, paragraphs), rendered.
type AnnexView = (String, Vec<(String, Vec<String>)>);

#[derive(Template)]
#[template(path = "strategy/document.html")]
struct DocumentPage {
    layout: Layout,
    title: String,
    period: String,
    preamble: Vec<String>,
    axes: Vec<AxisView>,
    legal_framework: Vec<String>,
    signatories: Vec<model::Signatory>,
    annexes: Vec<AnnexView>,
}

async fn document(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie/document")?;
    let s = current(&state).await?;
    let g = state.glossary();
    let d = &s.doc;
    render(&DocumentPage {
        layout: Layout::new(&d.title, Some(u)),
        title: g.expand(&d.title),
        period: format!("{}-{}", d.period_start, d.period_end),
        preamble: d.preamble.iter().map(|p| g.expand(p)).collect(),
        axes: axis_views(&g, d, &org_matcher(&[])),
        legal_framework: d.legal_framework.iter().map(|p| g.expand(p)).collect(),
        signatories: d.signatories.clone(),
        annexes: d
            .annexes
            .iter()
            .map(|a| {
                (
                    g.expand(&a.title),
                    a.sections.iter().map(|s| (g.expand(&s.heading), s.paragraphs.iter().map(|p| g.expand(p)).collect())).collect(),
                )
            })
            .collect(),
    })
}

/// The whole strategy as accessible, archival PDF (PDF/A-2a, PDF/UA-1).
async fn document_pdf(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewStrategy, "/strategie/document")?;
    let s = current(&state).await?;
    let name = format!("{}-v{}.pdf", s.doc.code, s.version);
    Ok(crate::evaluation::attachment(
        "application/pdf",
        name,
        maillage_app::evaluation_report::strategy_pdf(&state, &s.doc).await?.to_vec(),
    ))
}

/// The whole strategy as an editable ODT document.
async fn document_odt(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewStrategy, "/strategie/document")?;
    let s = current(&state).await?;
    let name = format!("{}-v{}.odt", s.doc.code, s.version);
    Ok(crate::evaluation::attachment(
        "application/vnd.oasis.opendocument.text",
        name,
        maillage_app::evaluation_report::strategy_odt(&s.doc).await?,
    ))
}

// ---- export, versions ---------------------------------------------------------------------

fn toml_download(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/toml; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

async fn export(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie/export")?;
    let s = current(&state).await?;
    state.store.record_event(&u.author(), "strategy.export", "strategy", &s.doc.code, &format!("version {}", s.version)).await?;
    Ok(toml_download(&format!("{}-v{}.toml", s.doc.code, s.version), model::to_file(&s.doc)))
}

#[derive(Template)]
#[template(path = "strategy/versions.html")]
struct VersionsPage {
    layout: Layout,
    versions: Vec<(VersionInfo, String)>,
}

async fn versions(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie/versions")?;
    let s = current(&state).await?;
    let versions = state
        .store
        .strategy_versions(s.id)
        .await?
        .into_iter()
        .map(|v| {
            let when = time_fmt::datetime_fr(v.created_at);
            (v, when)
        })
        .collect();
    render(&VersionsPage { layout: Layout::new("Versions de la stratégie", Some(u)), versions })
}

async fn version_file(State(state): State<AppState>, user: Option<CurrentUser>, Path(version): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewStrategy, "/strategie/versions")?;
    let version: i64 = parse_id(&version)?;
    let s = current(&state).await?;
    let content = state.store.strategy_version_content(s.id, version).await?.ok_or(AppError::NotFound)?;
    state.store.record_event(&u.author(), "strategy.export", "strategy", &s.doc.code, &format!("version {version}")).await?;
    Ok(toml_download(&format!("{}-v{version}.toml", s.doc.code), content))
}

// ---- editing ------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct SheetForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub pilot: String,
    #[serde(default)]
    pub diagnostic: String,
    #[serde(default)]
    pub objectives: String,
    #[serde(default)]
    pub operational_objectives: String,
    #[serde(default)]
    pub means: String,
    #[serde(default)]
    pub target_public: String,
    #[serde(default)]
    pub partners: String,
    #[serde(default)]
    pub indicators: String,
}

impl SheetForm {
    fn from_sheet(s: &ActionSheet) -> Self {
        SheetForm {
            title: s.title.clone(),
            pilot: s.pilot.clone(),
            diagnostic: model::paragraphs_to_text(&s.diagnostic),
            objectives: model::items_to_text(&s.objectives),
            operational_objectives: model::items_to_text(&s.operational_objectives),
            means: model::means_to_text(&s.means),
            target_public: model::items_to_text(&s.target_public),
            partners: model::items_to_text(&s.partners),
            indicators: model::items_to_text(&s.indicators),
        }
    }

    /// Applies the form to a sheet, or returns one French message per faulty field.
    pub fn apply(&self, sheet: &mut ActionSheet) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut check = |field: &'static str, value: &str, required: bool| {
            if let Err(m) = model::check_text(value, required) {
                errors.add(field, m);
            }
        };
        check("title", &self.title, true);
        check("pilot", &self.pilot, true);
        for (field, value) in [
            ("diagnostic", &self.diagnostic),
            ("objectives", &self.objectives),
            ("operational_objectives", &self.operational_objectives),
            ("means", &self.means),
            ("target_public", &self.target_public),
            ("partners", &self.partners),
            ("indicators", &self.indicators),
        ] {
            check(field, value, false);
        }
        let means = model::means_from_text(&self.means).map_err(|m| errors.add("means", m)).ok();
        let indicators = model::items_from_text(&self.indicators);
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = indicators.iter().find(|i| !seen.insert(fold(i))) {
            errors.add("indicators", format!("l'indicateur « {dup} » apparaît deux fois"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        sheet.title = self.title.trim().to_string();
        sheet.pilot = self.pilot.trim().to_string();
        sheet.diagnostic = model::paragraphs_from_text(&self.diagnostic);
        sheet.objectives = model::items_from_text(&self.objectives);
        sheet.operational_objectives = model::items_from_text(&self.operational_objectives);
        sheet.means = means.unwrap_or_default();
        sheet.target_public = model::items_from_text(&self.target_public);
        sheet.partners = model::items_from_text(&self.partners);
        sheet.indicators = indicators;
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "strategy/edit.html")]
struct EditPage {
    layout: Layout,
    code: String,
    form: SheetForm,
    errors: FieldErrors,
}

impl EditPage {
    fn value_of(&self, field: &str) -> &str {
        let f = &self.form;
        match field {
            "title" => &f.title,
            "pilot" => &f.pilot,
            "diagnostic" => &f.diagnostic,
            "objectives" => &f.objectives,
            "operational_objectives" => &f.operational_objectives,
            "means" => &f.means,
            "target_public" => &f.target_public,
            "partners" => &f.partners,
            "indicators" => &f.indicators,
            _ => "",
        }
    }
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(code): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::EditStrategy, &format!("/strategie/fiches/{code}/modifier"))?;
    let s = current(&state).await?;
    let (_, sheet) = s.doc.sheet(&code).ok_or(AppError::NotFound)?;
    render(&EditPage {
        layout: Layout::new(&format!("Modifier la fiche {code}"), Some(u)),
        code: code.clone(),
        form: SheetForm::from_sheet(sheet),
        errors: FieldErrors::default(),
    })
}

async fn edit_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Form(form): Form<SheetForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::EditStrategy, &format!("/strategie/fiches/{code}/modifier"))?;
    let s = current(&state).await?;
    let mut doc = s.doc.clone();
    let sheet = doc.sheet_mut(&code).ok_or(AppError::NotFound)?;
    if let Err(errors) = form.apply(sheet) {
        return render_invalid(&EditPage {
            layout: Layout::new(&format!("Modifier la fiche {code} — erreurs"), Some(u)),
            code,
            form,
            errors,
        });
    }
    // An indicator keeps its reference sheet while its wording stays (case and accents aside).
    doc.align_indicators();
    let outcome = state.store.save_strategy(&u.author(), &doc, &format!("modification de la fiche {code}")).await?;
    Ok(Redirect::to(&format!("/strategie/fiches/{code}?enregistre={}", outcome.version)).into_response())
}

// ---- import -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "strategy/import.html")]
struct ImportPage {
    layout: Layout,
    error: Option<String>,
    notice: Option<String>,
}

async fn import_page(user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ImportStrategy, "/strategie/import")?;
    render(&ImportPage { layout: Layout::new("Importer une stratégie", Some(u)), error: None, notice: None })
}

async fn import_submit(State(state): State<AppState>, user: Option<CurrentUser>, mut multipart: Multipart) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ImportStrategy, "/strategie/import")?;
    let fail = |m: String| ImportPage { layout: Layout::new("Importer une stratégie — erreur", Some(u)), error: Some(m), notice: None };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return render_invalid(&fail(crate::error::multipart_refusal(&e))),
        };
        if field.name() == Some("fichier") {
            let name = field.file_name().unwrap_or("fichier.toml").to_string();
            match field.bytes().await {
                Ok(b) => file = Some((name, b.to_vec())),
                Err(e) => return render_invalid(&fail(crate::error::multipart_refusal(&e))),
            }
        }
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return render_invalid(&fail("Choisissez un fichier de stratégie (.toml) à importer.".into()));
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return render_invalid(&fail(format!("{name} : le fichier n'est pas du texte UTF-8.")));
    };
    let doc = match model::parse_file(&name, &text) {
        Ok(d) => d,
        Err(e) => return render_invalid(&fail(e.to_string())),
    };
    let outcome = state.store.save_strategy(&u.author(), &doc, &format!("import {name}")).await?;
    let notice = if outcome.created {
        format!("Stratégie « {} » importée (version 1).", doc.title)
    } else {
        format!("Nouvelle version {} de la stratégie « {} » importée.", outcome.version, doc.title)
    };
    render(&ImportPage { layout: Layout::new("Importer une stratégie", Some(u)), error: None, notice: Some(notice) })
}
