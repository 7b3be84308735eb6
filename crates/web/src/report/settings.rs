//! Settings of the reports, for the administrator: categories, areas (GeoJSON), routing rules
//! and Open311 API keys.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::Action;
use maillage_core::place::{AreaKind, parse_geojson};
use maillage_core::report::{RoutingRule, questions_from_text, questions_to_text};
use maillage_store::report::category::{Category, CategoryInput};
use serde::Deserialize;

const PATH: &str = "/admin/signalements";

pub fn routes(r: Routes) -> Routes {
    r.get("/admin/signalements", page)
        .get("/admin/signalements/categories/{id}", category_page)
        .post("/admin/signalements/categories/{id}", category_save)
        .post("/admin/signalements/zones", areas_upload)
        .post("/admin/signalements/zones/{id}/supprimer", area_delete)
        .post("/admin/signalements/regles", rule_add)
        .post("/admin/signalements/regles/{id}/supprimer", rule_delete)
        .post("/admin/signalements/regles/{id}/monter", rule_raise)
        .post("/admin/signalements/cles", key_create)
        .post("/admin/signalements/cles/{id}/revoquer", key_revoke)
}

pub struct RuleLine {
    pub id: i64,
    pub category: String,
    pub area: String,
    pub organisation: String,
    pub also: String,
}

pub struct KeyLine {
    pub id: i64,
    pub organisation: String,
    pub label: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "report/settings.html")]
struct SettingsPage {
    layout: Layout,
    categories: Vec<(Category, String, String)>,
    areas: Vec<(maillage_store::place::Area, &'static str, String)>,
    rules: Vec<RuleLine>,
    keys: Vec<KeyLine>,
    kinds: Vec<(&'static str, &'static str)>,
    category_options: Vec<(i64, String)>,
    area_options: Vec<(i64, String)>,
    organisations: Vec<(i64, String)>,
    outbox: maillage_store::mail::OutboxCounts,
    new_key: Option<String>,
    error: Option<String>,
    notice: Option<String>,
}

async fn settings(
    state: &AppState,
    u: &CurrentUser,
    new_key: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<SettingsPage, AppError> {
    let categories = state.store.categories().await?;
    let areas = state.store.areas().await?;
    let organisations = state.store.organisations().await?;
    let org_name = |id: i64| organisations.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default();
    let cat_name = |id: Option<i64>| id.and_then(|i| categories.iter().find(|c| c.id == i)).map(|c| c.name.clone());
    let area_name = |id: Option<i64>| id.and_then(|i| areas.iter().find(|a| a.id == i)).map(|a| a.name.clone());
    let rules = state
        .store
        .routing_rules()
        .await?
        .iter()
        .map(|r| {
            let rule = r.rule();
            RuleLine {
                id: r.id,
                category: cat_name(r.category_id).unwrap_or_else(|| "toutes".into()),
                area: area_name(r.area_id).unwrap_or_else(|| "partout".into()),
                organisation: org_name(r.organisation_id),
                also: rule.also_involve.iter().map(|o| org_name(*o)).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let date = |t: Option<time::OffsetDateTime>| t.map(maillage_core::time_fmt::date_fr).unwrap_or_default();
    let keys = state
        .store
        .api_keys()
        .await?
        .into_iter()
        .map(|k| KeyLine {
            id: k.id,
            organisation: org_name(k.organisation_id),
            created: date(Some(k.created_at)),
            last_used: date(k.last_used_at),
            revoked: k.revoked_at.is_some(),
            label: k.label,
            prefix: k.prefix,
        })
        .collect();
    Ok(SettingsPage {
        layout: Layout::new("Réglages des signalements", Some(u)),
        categories: categories
            .iter()
            .map(|c| {
                (
                    c.clone(),
                    cat_name(c.parent_id).unwrap_or_default(),
                    c.questions.iter().map(|q| q.label.clone()).collect::<Vec<_>>().join(", "),
                )
            })
            .collect(),
        area_options: areas.iter().map(|a| (a.id, format!("{} — {}", a.kind.label(), a.name))).collect(),
        areas: areas.iter().map(|a| (a.clone(), a.kind.label(), a.organisation_id.map(org_name).unwrap_or_default())).collect(),
        rules,
        keys,
        kinds: AreaKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        category_options: categories.iter().filter(|c| !c.retired).map(|c| (c.id, c.name.clone())).collect(),
        organisations: organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        outbox: state.store.outbox_counts().await?,
        new_key,
        error,
        notice,
    })
}

async fn page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    render(&settings(&state, u, None, None, None).await?)
}

async fn refuse(state: &AppState, u: &CurrentUser, message: String) -> Result<Response, AppError> {
    render_invalid(&settings(state, u, None, Some(message), None).await?)
}

#[derive(Deserialize, Default, Clone)]
pub struct CategoryForm {
    #[serde(default)]
    parent: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    target_days: String,
    #[serde(default)]
    urgent: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    retired: String,
}

impl CategoryForm {
    fn from(c: &Category) -> Self {
        CategoryForm {
            parent: c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            code: c.code.clone(),
            name: c.name.clone(),
            description: c.description.clone(),
            keywords: c.keywords.clone(),
            target_days: c.target_days.to_string(),
            urgent: if c.urgent { "on".into() } else { String::new() },
            questions: questions_to_text(&c.questions),
            position: c.position.to_string(),
            retired: if c.retired { "on".into() } else { String::new() },
        }
    }

    fn validate(&self, categories: &[Category], id: Option<i64>) -> Result<CategoryInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = self.code.trim();
        if code.is_empty() || code.len() > 64 || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            errors.add("code", "Le code est obligatoire : minuscules sans accent, chiffres, - et _ (64 au plus).");
        } else if categories.iter().any(|c| c.code == code && Some(c.id) != id) {
            errors.add("code", "Une autre catégorie porte déjà ce code.");
        }
        if !maillage_core::text::is_name(&self.name, 200) {
            errors.add("name", "Le nom est obligatoire : une ligne, sans caractère invisible, 200 caractères au plus.");
        }
        let parent_id = if self.parent.is_empty() { None } else { self.parent.parse::<i64>().ok() };
        if !self.parent.is_empty()
            && !parent_id.is_some_and(|p| categories.iter().any(|c| c.id == p && c.parent_id.is_none() && Some(p) != id))
        {
            errors.add("parent", "La catégorie parente doit être une catégorie de premier niveau existante.");
        }
        let target_days = self.target_days.trim().parse::<i64>().ok().filter(|d| (0..=365).contains(d));
        if target_days.is_none() {
            errors.add("target_days", "Le délai cible est un nombre de jours ouvrés entre 0 et 365.");
        }
        let questions = match questions_from_text(&self.questions) {
            Ok(q) => q,
            Err(m) => {
                errors.add("questions", format!("Questions : {m}."));
                Vec::new()
            }
        };
        for (field, v) in [("description", &self.description), ("keywords", &self.keywords)] {
            if !maillage_core::text::is_text(v, 1000) {
                errors.add(field, "1000 caractères au plus, sans caractère invisible.");
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CategoryInput {
            parent_id,
            code: code.to_string(),
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            keywords: self.keywords.trim().to_string(),
            target_days: target_days.unwrap_or(0),
            urgent: !self.urgent.is_empty(),
            questions,
            position: self.position.trim().parse().unwrap_or(0),
            retired: !self.retired.is_empty(),
        })
    }
}

#[derive(Template)]
#[template(path = "report/category.html")]
struct CategoryPage {
    layout: Layout,
    action: String,
    form: CategoryForm,
    errors: FieldErrors,
    parents: Vec<(i64, String)>,
}

/// `{id}` is a number, or `nouvelle` for a new category.
fn category_id(segment: &str) -> Result<Option<i64>, AppError> {
    if segment == "nouvelle" { Ok(None) } else { parse_id(segment).map(Some) }
}

fn category_view(
    u: &CurrentUser,
    segment: &str,
    form: CategoryForm,
    errors: FieldErrors,
    categories: &[Category],
    id: Option<i64>,
) -> CategoryPage {
    CategoryPage {
        // Each category's page has its own title (a browser's tabs, a screen reader's history).
        layout: Layout::new(
            &match id.and_then(|id| categories.iter().find(|c| c.id == id)) {
                Some(c) => format!("Catégorie « {} »", c.name),
                None => "Nouvelle catégorie".to_string(),
            },
            Some(u),
        ),
        action: format!("/admin/signalements/categories/{segment}"),
        form,
        errors,
        parents: categories.iter().filter(|c| c.parent_id.is_none() && Some(c.id) != id).map(|c| (c.id, c.name.clone())).collect(),
    }
}

async fn category_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(segment): Path<String>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    let id = category_id(&segment)?;
    let categories = state.store.categories().await?;
    let form = match id {
        Some(id) => CategoryForm::from(categories.iter().find(|c| c.id == id).ok_or(AppError::NotFound)?),
        None => CategoryForm { target_days: "5".into(), ..Default::default() },
    };
    render(&category_view(u, &segment, form, FieldErrors::default(), &categories, id))
}

async fn category_save(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(segment): Path<String>,
    Form(form): Form<CategoryForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    let id = category_id(&segment)?;
    let categories = state.store.categories().await?;
    if let Some(id) = id
        && !categories.iter().any(|c| c.id == id)
    {
        return Err(AppError::NotFound);
    }
    match form.validate(&categories, id) {
        Ok(input) => {
            state.store.save_category(&u.author(), id, &input).await?;
            state.forget_catalog();
            Ok(Redirect::to(PATH).into_response())
        }
        Err(errors) => render_invalid(&category_view(u, &segment, form, errors, &categories, id)),
    }
}

async fn areas_upload(State(state): State<AppState>, user: Option<CurrentUser>, mut multipart: Multipart) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    let (mut kind, mut organisation, mut approximate, mut file) = (String::new(), String::new(), false, Vec::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return refuse(&state, u, crate::error::multipart_refusal(&e)).await,
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => return refuse(&state, u, crate::error::multipart_refusal(&e)).await,
        };
        match name.as_str() {
            "kind" => kind = String::from_utf8_lossy(&bytes).into_owned(),
            "organisation" => organisation = String::from_utf8_lossy(&bytes).into_owned(),
            "approximate" => approximate = true,
            "fichier" => file = bytes.to_vec(),
            _ => {}
        }
    }
    let Some(kind) = AreaKind::from_code(&kind) else {
        return refuse(&state, u, "Choisissez ce que les zones représentent.".into()).await;
    };
    let organisation_id = organisation.parse::<i64>().ok();
    let organisations = state.store.organisations().await?;
    if kind == AreaKind::Coverage && !organisation_id.is_some_and(|o| organisations.iter().any(|x| x.id == o)) {
        return refuse(&state, u, "Le secteur d'une organisation demande de choisir l'organisation.".into()).await;
    }
    let Ok(text) = String::from_utf8(file) else {
        return refuse(&state, u, "Le fichier n'est pas du texte UTF-8.".into()).await;
    };
    if text.trim().is_empty() {
        return refuse(&state, u, "Choisissez un fichier GeoJSON.".into()).await;
    }
    let shapes = match parse_geojson(&text) {
        Ok(s) => s,
        Err(e) => return refuse(&state, u, format!("Fichier refusé : {e}.")).await,
    };
    let ids = state
        .store
        .add_areas(&u.author(), kind, if kind == AreaKind::Coverage { organisation_id } else { None }, approximate, &shapes)
        .await?;
    state.reload_places().await?;
    render(&settings(&state, u, None, None, Some(format!("{} zone(s) ajoutée(s).", ids.len()))).await?)
}

async fn area_delete(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    state.store.delete_area(&u.author(), parse_id(&id)?).await?;
    state.reload_places().await?;
    // Rules on the area went with it.
    state.forget_catalog();
    Ok(Redirect::to(PATH).into_response())
}

#[derive(Deserialize, Default)]
struct RuleForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    also: Vec<String>,
}

async fn rule_add(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    let mut form = RuleForm::default();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "category" => form.category = v.into_owned(),
            "area" => form.area = v.into_owned(),
            "organisation" => form.organisation = v.into_owned(),
            "also" => form.also.push(v.into_owned()),
            _ => {}
        }
    }
    let categories = state.store.categories().await?;
    let areas = state.store.areas().await?;
    let organisations = state.store.organisations().await?;
    let opt = |s: &str| if s.is_empty() { Ok(None) } else { s.parse::<i64>().map(Some).map_err(|_| ()) };
    let (Ok(category_id), Ok(area_id)) = (opt(&form.category), opt(&form.area)) else {
        return refuse(&state, u, "Règle illisible.".into()).await;
    };
    if category_id.is_some_and(|c| !categories.iter().any(|x| x.id == c)) || area_id.is_some_and(|a| !areas.iter().any(|x| x.id == a)) {
        return refuse(&state, u, "La catégorie ou la zone choisie n'existe pas.".into()).await;
    }
    let org_ok = |s: &str| s.parse::<i64>().ok().filter(|o| organisations.iter().any(|x| x.id == *o));
    let Some(organisation_id) = org_ok(&form.organisation) else {
        return refuse(&state, u, "Choisissez l'organisation en charge : elle doit exister.".into()).await;
    };
    let also: Vec<i64> = form.also.iter().filter(|s| !s.is_empty()).map(|s| org_ok(s)).collect::<Option<Vec<_>>>().unwrap_or_default();
    if also.len() != form.also.iter().filter(|s| !s.is_empty()).count() {
        return refuse(&state, u, "Une organisation à associer n'existe pas.".into()).await;
    }
    state.store.add_routing_rule(&u.author(), &RoutingRule { id: 0, category_id, area_id, organisation_id, also_involve: also }).await?;
    state.forget_catalog();
    Ok(Redirect::to(PATH).into_response())
}

async fn rule_delete(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    state.store.delete_routing_rule(&u.author(), parse_id(&id)?).await?;
    state.forget_catalog();
    Ok(Redirect::to(PATH).into_response())
}

async fn rule_raise(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    state.store.raise_routing_rule(&u.author(), parse_id(&id)?).await?;
    state.forget_catalog();
    Ok(Redirect::to(PATH).into_response())
}

#[derive(Deserialize, Default)]
struct KeyForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    label: String,
}

async fn key_create(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<KeyForm>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    let organisations = state.store.organisations().await?;
    let Some(org) = form.organisation.parse::<i64>().ok().filter(|o| organisations.iter().any(|x| x.id == *o)) else {
        return refuse(&state, u, "Choisissez l'organisation à qui la clé est donnée.".into()).await;
    };
    let label = form.label.trim();
    if !maillage_core::text::is_name(label, 200) {
        return refuse(&state, u, "Donnez un libellé à la clé (200 caractères au plus), par exemple le logiciel qui l'utilise.".into())
            .await;
    }
    let key = state.store.create_api_key(&u.author(), org, label).await?;
    render(&settings(&state, u, Some(key), None, None).await?)
}

async fn key_revoke(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageReportSettings, PATH)?;
    state.store.revoke_api_key(&u.author(), parse_id(&id)?).await?;
    Ok(Redirect::to(PATH).into_response())
}
