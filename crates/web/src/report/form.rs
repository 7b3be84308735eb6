//! The form that creates a report, with its address look-up.

use super::filter::category_options;
use super::list::{Line, line};
use super::svg;
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, render, render_invalid};
use askama::Template;
use axum::extract::{Query, RawForm, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::report::{Draft, Reporter, SubmitError};
use maillage_core::authz::{Action, report_scope};
use maillage_core::place::Coordinates;
use maillage_core::report::{Question, QuestionKind};
use maillage_core::time_fmt;
use maillage_store::report::category::Category;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A question as the form shows it, with what was answered.
pub struct QuestionField {
    pub q: Question,
    pub name: String,
    pub input_type: &'static str,
    pub values: Vec<String>,
    pub error: Option<String>,
}

impl QuestionField {
    pub fn is_long(&self) -> bool {
        self.q.kind == QuestionKind::LongText
    }
    pub fn is_choice(&self) -> bool {
        self.q.kind.has_choices()
    }
    pub fn is_multiple(&self) -> bool {
        self.q.kind == QuestionKind::SeveralChoices
    }
    pub fn value(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }
    pub fn has(&self, key: &str) -> bool {
        self.values.iter().any(|v| v == key)
    }
}

#[derive(Template)]
#[template(path = "report/new.html")]
pub(super) struct NewPage {
    layout: Layout,
    categories: Vec<(i64, String)>,
    category_id: Option<i64>,
    description: String,
    address: String,
    lat: String,
    lon: String,
    questions: Vec<QuestionField>,
    errors: FieldErrors,
    duplicates: Vec<(Line, String)>,
    map_query: String,
    confirm_duplicates: bool,
    /// The address look-up is configured.
    address_search: bool,
    /// Addresses found, as (button value `lat;lon;label`, label).
    addresses: Vec<(String, String)>,
    /// Heading of the error summary.
    errors_title: &'static str,
}

/// The report form's fields, read from the raw body so that repeated keys (several choices)
/// and the map click (`carte.x`, `carte.y`) are all kept.
#[derive(Default, Debug)]
pub(super) struct NewForm {
    fields: BTreeMap<String, Vec<String>>,
}

impl NewForm {
    fn parse(body: &[u8]) -> NewForm {
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            fields.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        NewForm { fields }
    }
    fn get(&self, k: &str) -> String {
        self.fields.get(k).and_then(|v| v.first()).cloned().unwrap_or_default()
    }
    fn draft(&self) -> Draft {
        let answers = self.fields.iter().filter_map(|(k, v)| k.strip_prefix("q_").map(|code| (code.to_string(), v.clone()))).collect();
        Draft {
            category_id: self.get("categorie").parse().ok(),
            description: self.get("description"),
            address: self.get("adresse"),
            lat: self.get("lat"),
            lon: self.get("lon"),
            answers,
        }
    }
}

pub(crate) fn question_fields(questions: &[Question], answers: &BTreeMap<String, Vec<String>>, errors: &FieldErrors) -> Vec<QuestionField> {
    questions
        .iter()
        .map(|q| QuestionField {
            name: format!("q_{}", q.code),
            input_type: match q.kind {
                QuestionKind::Number => "number",
                QuestionKind::DateTime => "datetime-local",
                _ => "text",
            },
            values: answers.get(&q.code).cloned().unwrap_or_default(),
            error: errors.get(&format!("q_{}", q.code)).map(str::to_string),
            q: q.clone(),
        })
        .collect()
}

impl NewPage {
    fn build(state: &AppState, u: &CurrentUser, categories: &[Category], d: &Draft, errors: FieldErrors) -> NewPage {
        let questions = d.category_id.map_or(&[][..], |id| maillage_app::report::questions_of(categories, id));
        let map_query = match Coordinates::parse(&d.lat, &d.lon) {
            Ok(c) => format!("?lat={}&lon={}", c.lat, c.lon),
            Err(_) => String::new(),
        };
        NewPage {
            layout: Layout::new("Nouveau signalement", Some(u)),
            categories: category_options(categories),
            category_id: d.category_id,
            description: d.description.clone(),
            address: d.address.clone(),
            lat: d.lat.clone(),
            lon: d.lon.clone(),
            questions: question_fields(questions, &d.answers, &errors),
            errors,
            duplicates: Vec::new(),
            map_query,
            confirm_duplicates: false,
            address_search: state.geocoder.is_some(),
            addresses: Vec::new(),
            errors_title: "Le signalement n'a pas été enregistré :",
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    #[serde(default)]
    categorie: String,
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let d = Draft { category_id: q.categorie.parse().ok(), ..Default::default() };
    render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()))
}

/// One handler for the buttons of the form: a click on the map places the point, "Chercher
/// l'adresse" offers the addresses found and a click on one places the point there, "Afficher
/// les questions" shows the chosen category's questions, "Envoyer" creates the report (after
/// showing possible duplicates once).
pub(super) async fn create(State(state): State<AppState>, user: Option<CurrentUser>, RawForm(body): RawForm) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::CreateReport, "/signalements/nouveau")?;
    let form = NewForm::parse(&body);
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let mut d = form.draft();
    let places = state.places();
    // The map is drawn at full size, or at half size on a phone (`carte_petite`): a click's
    // pixel is read back at full size.
    let clicked = |name: &str, zoom: f64| {
        let (x, y) = (form.get(&format!("{name}.x")).parse::<f64>(), form.get(&format!("{name}.y")).parse::<f64>());
        x.ok().zip(y.ok()).map(|(x, y)| (x * zoom, y * zoom))
    };
    if let Some((x, y)) = clicked("carte", 1.0).or_else(|| clicked("carte_petite", svg::WIDTH / svg::SMALL_WIDTH)) {
        let c = svg::Frame::fit(&places).coordinates(x, y);
        d.lat = c.lat.to_string();
        d.lon = c.lon.to_string();
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    if let Some((lat, lon, label)) = parse_address_choice(&form.get("adresse_choisie")) {
        d.lat = lat;
        d.lon = lon;
        d.address = label;
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    if form.get("action") == "adresse" {
        return match maillage_app::report::find_addresses(&state, &d.address).await {
            Ok(found) => {
                let mut page = NewPage::build(&state, u, categories, &d, FieldErrors::default());
                page.addresses = found.into_iter().map(|a| (address_choice(&a), a.label)).collect();
                render(&page)
            }
            Err(e) => {
                let mut errors = FieldErrors::default();
                errors.add("adresse", e.to_string());
                let mut page = NewPage::build(&state, u, categories, &d, errors);
                page.errors_title = "Aucune adresse à proposer :";
                render_invalid(&page)
            }
        };
    }
    if form.get("action") == "questions" {
        return render(&NewPage::build(&state, u, categories, &d, FieldErrors::default()));
    }
    let checked = match maillage_app::report::check(&places, categories, &d) {
        Ok(c) => c,
        Err(e) => return render_invalid(&NewPage::build(&state, u, categories, &d, submit_errors(e)?)),
    };
    if form.get("confirmer").is_empty() {
        let near =
            maillage_app::report::possible_duplicates(&state, checked.category.id, checked.coordinates, report_scope(&u.actor)).await?;
        if !near.is_empty() {
            let now = time_fmt::now();
            let mut page = NewPage::build(&state, u, categories, &d, FieldErrors::default());
            page.duplicates = near.into_iter().map(|(r, m)| (line(r, now), format!("{m:.0}"))).collect();
            page.confirm_duplicates = true;
            return render(&page);
        }
    }
    let who = Reporter {
        author: u.author(),
        user_id: Some(u.id),
        organisation_id: u.actor.organisation_id,
        source: maillage_core::report::Source::Web,
    };
    match maillage_app::report::submit(&state, &who, &d).await {
        Ok(id) => Ok(Redirect::to(&format!("/signalements/{id}?cree=1")).into_response()),
        Err(e) => render_invalid(&NewPage::build(&state, u, categories, &d, submit_errors(e)?)),
    }
}

/// An address offered on the form, as its button's value: `lat;lon;label`.
pub(super) fn address_choice(a: &maillage_app::report::address::AddressCandidate) -> String {
    format!("{};{};{}", a.coordinates.lat, a.coordinates.lon, a.label)
}

/// A chosen address, as `address_choice` wrote it.
pub(super) fn parse_address_choice(v: &str) -> Option<(String, String, String)> {
    let mut parts = v.splitn(3, ';');
    let (lat, lon, label) = (parts.next()?, parts.next()?, parts.next()?);
    Coordinates::parse(lat, lon).ok()?;
    Some((lat.to_string(), lon.to_string(), label.chars().take(300).collect()))
}

pub(crate) fn submit_errors(e: SubmitError) -> Result<FieldErrors, AppError> {
    let mut errors = FieldErrors::default();
    match e {
        SubmitError::Invalid(list) => {
            for (field, message) in list {
                let key = match field.as_str() {
                    "category" => "categorie".to_string(),
                    "description" => "description".to_string(),
                    "address" => "adresse".to_string(),
                    "place" => "lieu".to_string(),
                    code => format!("q_{code}"),
                };
                errors.add(key, message);
            }
        }
        SubmitError::UnknownCategory => errors.add("categorie", "Choisissez une catégorie dans la liste."),
        SubmitError::Store(e) => return Err(e.into()),
    }
    Ok(errors)
}
