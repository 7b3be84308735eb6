//! Partner organisations: list, detail, creation and editing.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{Action, Decision, authorize};
use maillage_core::organisation::OrganisationKind;
use maillage_store::organisation::{Organisation, OrganisationInput};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/organisations", list)
        .get("/organisations/nouvelle", new_page)
        .post("/organisations/nouvelle", create)
        .get("/organisations/{id}", detail)
        .post("/organisations/{id}", update)
}

#[derive(Template)]
#[template(path = "organisation/list.html")]
struct ListPage {
    layout: Layout,
    organisations: Vec<(Organisation, &'static str)>,
    can_manage: bool,
}

async fn list(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewOrganisations, "/organisations")?;
    let organisations = state
        .store
        .organisations()
        .await?
        .into_iter()
        .map(|o| {
            let k = o.kind.label();
            (o, k)
        })
        .collect();
    render(&ListPage {
        layout: Layout::new("Organisations partenaires", Some(u)),
        organisations,
        can_manage: authorize(Some(&u.actor), Action::ManageOrganisations) == Decision::Allow,
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct OrganisationForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    signed_strategy: Option<String>,
    #[serde(default)]
    match_terms: String,
}

impl OrganisationForm {
    fn from_org(o: &Organisation) -> Self {
        OrganisationForm {
            code: o.code.clone(),
            name: o.name.clone(),
            kind: o.kind.code().to_string(),
            email: o.email.clone(),
            phone: o.phone.clone(),
            address: o.address.clone(),
            signed_strategy: o.signed_strategy.then(|| "on".into()),
            match_terms: o.match_terms.clone(),
        }
    }

    /// Validates; one French message per faulty field.
    fn validate(&self) -> Result<OrganisationInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = self.code.trim();
        if code.is_empty() || code.len() > 64 || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            errors.add("code", "Le code est obligatoire : minuscules sans accent, chiffres et tirets (64 au plus).".to_string());
        }
        if !maillage_core::text::is_name(&self.name, 200) {
            errors.add("name", "Le nom est obligatoire : une ligne, sans caractère invisible, 200 caractères au plus.".to_string());
        }
        if OrganisationKind::from_code(&self.kind).is_none() {
            errors.add("kind", "Choisissez un type d'organisation dans la liste.".to_string());
        }
        let email = self.email.trim();
        if !email.is_empty() && !maillage_core::text::is_plausible_email(email) {
            errors.add("email", "L'adresse e-mail n'est pas valide.".to_string());
        }
        for (field, value, max) in [("phone", &self.phone, 40), ("address", &self.address, 500), ("match_terms", &self.match_terms, 500)] {
            if !maillage_core::text::is_text(value, max) || value.contains(['\n', '\r']) {
                errors.add(field, format!("Une ligne, sans caractère invisible, {max} caractères au plus."));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OrganisationInput {
            code: code.to_string(),
            name: self.name.trim().to_string(),
            kind: self.kind.clone(),
            email: email.to_string(),
            phone: self.phone.trim().to_string(),
            address: self.address.trim().to_string(),
            signed_strategy: self.signed_strategy.is_some(),
            match_terms: self.match_terms.trim().to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "organisation/form.html")]
struct FormPage {
    layout: Layout,
    action: String,
    heading: String,
    form: OrganisationForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    editable: bool,
}

impl FormPage {
    fn new(u: &CurrentUser, action: String, heading: String, form: OrganisationForm, errors: FieldErrors, editable: bool) -> Self {
        FormPage {
            layout: Layout::new(&heading, Some(u)),
            action,
            heading,
            form,
            errors,
            kinds: OrganisationKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            editable,
        }
    }
}

async fn new_page(user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOrganisations, "/organisations/nouvelle")?;
    render(&FormPage::new(
        u,
        "/organisations/nouvelle".into(),
        "Nouvelle organisation".into(),
        OrganisationForm::default(),
        FieldErrors::default(),
        true,
    ))
}

fn conflict_as_field(e: AppError) -> Result<FieldErrors, AppError> {
    match e {
        AppError::Conflict(_) => {
            let mut errors = FieldErrors::default();
            errors.add("code", "Une organisation porte déjà ce code.");
            Ok(errors)
        }
        other => Err(other),
    }
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOrganisations, "/organisations/nouvelle")?;
    let errors = match form.validate() {
        Ok(input) => match state.store.create_organisation(&u.author(), &input).await {
            Ok(id) => {
                state.forget_catalog();
                return Ok(Redirect::to(&format!("/organisations/{id}")).into_response());
            }
            Err(e) => conflict_as_field(e.into())?,
        },
        Err(errors) => errors,
    };
    render_invalid(&FormPage::new(u, "/organisations/nouvelle".into(), "Nouvelle organisation".into(), form, errors, true))
}

async fn detail(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewOrganisations, "/organisations")?;
    let id: i64 = parse_id(&id)?;
    let o = state.store.organisation(id).await?.ok_or(AppError::NotFound)?;
    let editable = authorize(Some(&u.actor), Action::ManageOrganisations) == Decision::Allow;
    render(&FormPage::new(
        u,
        format!("/organisations/{id}"),
        o.name.clone(),
        OrganisationForm::from_org(&o),
        FieldErrors::default(),
        editable,
    ))
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOrganisations, "/organisations")?;
    let id: i64 = parse_id(&id)?;
    let errors = match form.validate() {
        Ok(input) => match state.store.update_organisation(&u.author(), id, &input).await {
            Ok(()) => {
                state.forget_catalog();
                return Ok(Redirect::to("/organisations").into_response());
            }
            Err(e) => conflict_as_field(e.into())?,
        },
        Err(errors) => errors,
    };
    render_invalid(&FormPage::new(u, format!("/organisations/{id}"), "Modifier l'organisation".into(), form, errors, true))
}
