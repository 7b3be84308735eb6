//! Administration of accounts: creation, roles, disabling, password resets.

use super::hash_blocking;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::account::password;
use maillage_core::authz::{Action, Role};
use maillage_store::account::NewUser;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/admin/comptes", users_page)
        .post("/admin/comptes", create_user)
        .post("/admin/comptes/{id}/roles", set_roles)
        .post("/admin/comptes/{id}/etat", set_state)
        .post("/admin/comptes/{id}/mot-de-passe", reset_password)
}

pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation: String,
    pub roles: Vec<(&'static str, &'static str, bool)>,
    pub disabled: bool,
    pub last_login: String,
    /// Why this account's password reset was refused, shown beside its field.
    pub reset_error: Option<String>,
    /// Whether logging in asks this account for a second factor.
    pub second_factor: bool,
}

#[derive(Template)]
#[template(path = "account/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    organisations: Vec<(i64, String)>,
    roles: Vec<(&'static str, &'static str)>,
    form: UserForm,
    /// The creation form's faults, by field.
    errors: FieldErrors,
    notice: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

async fn users_view(
    state: &AppState,
    u: &CurrentUser,
    form: UserForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<UsersPage, AppError> {
    let orgs = state.store.organisations().await?;
    let mut users = Vec::new();
    for r in state.store.users().await? {
        let held = &r.roles;
        users.push(UserRow {
            id: r.id,
            email: r.email.clone(),
            display_name: r.display_name.clone(),
            organisation: r.organisation_id.and_then(|id| orgs.iter().find(|o| o.id == id)).map(|o| o.name.clone()).unwrap_or_default(),
            roles: Role::ALL.iter().map(|role| (role.code(), role.label(), held.contains(role))).collect(),
            disabled: r.disabled,
            last_login: r.last_login_at.map_or_else(|| "jamais".into(), maillage_core::time_fmt::datetime_fr),
            reset_error: None,
            second_factor: r.second_factor,
        });
    }
    Ok(UsersPage {
        layout: Layout::new("Comptes", Some(u)),
        users,
        organisations: orgs.into_iter().map(|o| (o.id, o.name)).collect(),
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        form,
        errors,
        notice,
    })
}

async fn users_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    render(&users_view(&state, u, UserForm::default(), FieldErrors::default(), None).await?)
}

async fn create_user(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<UserForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    let mut errors = FieldErrors::default();
    let email = form.email.trim().to_lowercase();
    if email.is_empty() {
        errors.add("email", "L'adresse e-mail est obligatoire.");
    } else if !maillage_core::text::is_plausible_email(&email) {
        errors.add("email", "L'adresse e-mail n'est pas valide : une seule adresse, de la forme nom@domaine.fr.");
    } else if state.store.user_by_email(&email).await?.is_some() {
        errors.add("email", "Un compte existe déjà avec cette adresse.");
    }
    if !maillage_core::text::is_name(&form.display_name, 200) {
        errors.add("display_name", "Le nom affiché est obligatoire : une ligne, sans caractère invisible, 200 caractères au plus.");
    }
    let organisation_id = match form.organisation_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) if state.store.organisation(id).await?.is_some() => Some(id),
            _ => {
                errors.add("organisation_id", "L'organisation choisie n'existe pas.");
                None
            }
        },
    };
    let role = Role::from_code(&form.role);
    match role {
        None => errors.add("role", "Choisissez un rôle."),
        Some(r) if maillage_core::authz::needs_organisation(r) && organisation_id.is_none() && errors.get("organisation_id").is_none() => {
            errors.add("organisation_id", "Un partenaire agit pour une organisation : choisissez-la.");
        }
        Some(_) => {}
    }
    if let Err(e) = password::check_policy(&form.password, &[&email, &form.display_name]) {
        errors.add("password", e.to_string());
    }
    if !errors.is_empty() {
        // Everything typed comes back but the password, which is never sent back to the browser.
        let mut kept = form.clone();
        kept.password.clear();
        return render_invalid(&users_view(&state, u, kept, errors, None).await?);
    }
    let hash = hash_blocking(form.password.clone()).await?;
    let new = NewUser {
        email: email.clone(),
        display_name: form.display_name.trim().to_string(),
        organisation_id,
        roles: role.into_iter().collect(),
        password_hash: hash,
    };
    state.store.create_user(&u.author(), &new).await?;
    render(&users_view(&state, u, UserForm::default(), FieldErrors::default(), Some(format!("Compte {email} créé."))).await?)
}

async fn set_roles(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    body: String,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    let id: i64 = parse_id(&id)?;
    // Checkboxes arrive as repeated `role=…` pairs; a code no role has is refused, never dropped.
    let codes: Vec<String> = form_urlencoded::parse(body.as_bytes()).filter(|(k, _)| k == "role").map(|(_, v)| v.into_owned()).collect();
    let roles: Option<Vec<Role>> = codes.iter().map(|c| Role::from_code(c)).collect();
    let target = state.store.user(id).await?.ok_or(AppError::NotFound)?;
    let refuse = |message: String| AppError::InvalidFields(vec![(format!("r-{id}"), message)]);
    if id == u.id {
        // Separation of duties: nobody gives himself a role (an administrator would open
        // himself a way to what he manages without reading).
        return Err(refuse("Vous ne pouvez pas changer vos propres rôles : demandez-le à un autre administrateur.".into()));
    }
    let Some(roles) = roles.filter(|r| !r.is_empty()) else {
        return Err(refuse("Cochez au moins un rôle connu (pour retirer tout accès, désactivez le compte).".into()));
    };
    if roles.iter().any(|r| maillage_core::authz::needs_organisation(*r)) && target.organisation_id.is_none() {
        return Err(refuse(format!("{} n'est rattaché à aucune organisation : il ne peut pas être partenaire.", target.email)));
    }
    if id == u.id && !roles.contains(&Role::Administrator) {
        return Err(AppError::BadRequest("vous ne pouvez pas retirer votre propre rôle d'administrateur".into()));
    }
    state.store.set_user_roles(&u.author(), id, &roles).await?;
    Ok(Redirect::to("/admin/comptes").into_response())
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default)]
    disabled: String,
}

async fn set_state(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<StateForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    let id: i64 = parse_id(&id)?;
    let disabled = match f.disabled.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("état attendu : 0 ou 1".into())),
    };
    if id == u.id && disabled {
        return Err(AppError::BadRequest("vous ne pouvez pas désactiver votre propre compte".into()));
    }
    state.store.set_user_disabled(&u.author(), id, disabled).await?;
    Ok(Redirect::to("/admin/comptes").into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ResetForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    let id: i64 = parse_id(&id)?;
    let target = state.store.user(id).await?.ok_or(AppError::NotFound)?;
    if let Err(e) = password::check_policy(&f.password, &[&target.email, &target.display_name]) {
        let mut page = users_view(&state, u, UserForm::default(), FieldErrors::default(), None).await?;
        if let Some(row) = page.users.iter_mut().find(|r| r.id == id) {
            row.reset_error = Some(e.to_string());
        }
        return render_invalid(&page);
    }
    let hash = hash_blocking(f.password).await?;
    state.store.set_user_password(&u.author(), id, &hash, None).await?;
    maillage_app::working_group::after_account_takeover_risk(&state, &u.author(), id, "La réinitialisation du mot de passe").await?;
    render(
        &users_view(
            &state,
            u,
            UserForm::default(),
            FieldErrors::default(),
            Some(format!("Mot de passe de {} réinitialisé.", target.email)),
        )
        .await?,
    )
}

// ---- glossary -----------------------------------------------------------------------------
