//! Login, logout and one's own account.

pub mod admin;
pub mod second_factor;

use crate::auth::{CurrentUser, SESSION_USER_KEY, check_credentials, client_address, require};
use crate::error::AppError;
use crate::layout::{Layout, safe_next};
use crate::page::{FieldErrors, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::account::password;
use maillage_core::authz::Action;
use maillage_store::Author;
use serde::Deserialize;
use std::net::SocketAddr;
use tower_sessions::Session;

pub fn routes(r: Routes) -> Routes {
    second_factor::routes(admin::routes(page_routes(r)))
}

fn page_routes(r: Routes) -> Routes {
    r.get("/connexion", login_page)
        .post("/connexion", login)
        .post("/deconnexion", logout)
        .get("/compte", account_page)
        .post("/compte/mot-de-passe", change_password)
        .post("/compte/recapitulatif", set_digest)
}

#[derive(Deserialize)]
pub struct DigestForm {
    #[serde(default)]
    recapitulatif: String,
}

async fn set_digest(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<DigestForm>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    state.store.set_daily_digest(&u.author(), u.id, !form.recapitulatif.is_empty()).await?;
    Ok(Redirect::to("/compte?recap=1").into_response())
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    layout: Layout,
    error: Option<String>,
    email: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    suite: String,
}

async fn login_page(Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    render(&LoginPage { layout: Layout::anonymous("Connexion"), error: None, email: String::new(), next: q.suite })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    suite: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    session: Session,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let address = client_address(&headers, addr.ip(), state.client_address_header.as_ref());
    let ip = Some(address);
    // Recorded without the password; the address is kept, as security logs may (privacy rules).
    let trace = |operation: &'static str| {
        let email = form.email.trim().to_lowercase();
        let store = state.store.clone();
        async move {
            let by = Author { user_id: None, label: format!("connexion depuis {address}") };
            store.record_event(&by, operation, "user", &email, &format!("adresse {address}")).await
        }
    };
    let fail = |message: &str| LoginPage {
        layout: Layout::anonymous("Connexion"),
        error: Some(message.to_string()),
        email: form.email.clone(),
        next: form.suite.clone(),
    };
    if let Some(wait) = state.throttle.wait(&form.email, ip) {
        trace("session.login_refused").await?;
        let page = fail(&format!("Trop de tentatives de connexion : réessayez dans {}.", seconds_fr(wait)));
        return too_many(wait, &page);
    }
    match check_credentials(&state.store, &form.email, &form.password).await? {
        Some(user) => {
            state.throttle.record_success(&form.email, ip);
            // With a second factor, the password only opens the way to the code.
            if user.second_factor {
                return second_factor::begin_login(&session, user.id, &form.suite).await;
            }
            complete_login(&state, &session, &user, &form.suite).await
        }
        None => {
            state.throttle.record_failure(&form.email, ip);
            trace("session.login_failed").await?;
            let page = fail("Adresse e-mail ou mot de passe incorrect.");
            Ok((axum::http::StatusCode::UNAUTHORIZED, axum::response::Html(page.render()?)).into_response())
        }
    }
}

/// A wait rounded up: whoever waits what is said is never refused again.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// A wait while throttled, in French: "1 seconde", "8 secondes".
pub fn seconds_fr(wait: std::time::Duration) -> String {
    let seconds = whole_seconds(wait);
    format!("{seconds} seconde{}", if seconds > 1 { "s" } else { "" })
}

/// A page refusing an attempt while throttled: 429 with the wait in `Retry-After`.
pub fn too_many(wait: std::time::Duration, page: &impl Template) -> Result<Response, AppError> {
    let retry = axum::http::HeaderValue::from(whole_seconds(wait));
    Ok((axum::http::StatusCode::TOO_MANY_REQUESTS, [(axum::http::header::RETRY_AFTER, retry)], axum::response::Html(page.render()?))
        .into_response())
}

/// Opens the session of `user` once every factor was given, and leads to `next`. A fresh
/// session id at login: a session fixed before login is worth nothing.
pub async fn complete_login(
    state: &AppState,
    session: &Session,
    user: &maillage_store::account::UserRecord,
    next: &str,
) -> Result<Response, AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    session.insert(SESSION_USER_KEY, user.id).await.map_err(AppError::internal)?;
    if user.second_factor {
        session.insert(second_factor::SECOND_FACTOR_KEY, true).await.map_err(AppError::internal)?;
    }
    state.store.record_login(user.id, &user.email).await?;
    Ok(Redirect::to(&safe_next(next)).into_response())
}

async fn logout(session: Session) -> Result<Response, AppError> {
    session.flush().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/connexion").into_response())
}

#[derive(Template)]
#[template(path = "account/profile.html")]
pub(super) struct AccountPage {
    layout: Layout,
    email: String,
    notice: Option<String>,
    /// The forms' faults, by field (passwords and codes are never sent back).
    errors: FieldErrors,
    digest: bool,
    has_organisation: bool,
    second_factor: second_factor::Status,
}

impl AccountPage {
    pub(super) async fn build(state: &AppState, u: &CurrentUser, notice: Option<String>, errors: FieldErrors) -> Result<Self, AppError> {
        Ok(AccountPage {
            layout: Layout::new("Mon compte", Some(u)),
            email: u.email.clone(),
            notice,
            errors,
            digest: state.store.daily_digest(u.id).await?,
            has_organisation: u.actor.organisation_id.is_some(),
            second_factor: second_factor::status(state, u.id).await?,
        })
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    recap: Option<String>,
    #[serde(default)]
    double: Option<String>,
}

async fn account_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    let notice = match (q.ok, q.recap, q.double) {
        (Some(_), _, _) => Some("Votre mot de passe a été changé.".to_string()),
        (_, Some(_), _) => Some("Votre choix de récapitulatif est enregistré.".to_string()),
        (_, _, Some(_)) => Some("La double authentification est désactivée.".to_string()),
        _ => None,
    };
    render(&AccountPage::build(&state, u, notice, FieldErrors::default()).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    session: Session,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    let mut errors = FieldErrors::default();
    if form.current.is_empty() {
        errors.add("current", "Saisissez votre mot de passe actuel.");
    } else if check_credentials(&state.store, &u.email, &form.current).await?.is_none() {
        errors.add("current", "Le mot de passe actuel est incorrect.");
    }
    if let Err(e) = password::check_policy(&form.new, &[&u.email, &u.display_name]) {
        errors.add("new", e.to_string());
    } else if form.new == form.current {
        errors.add("new", "Le nouveau mot de passe doit différer de l'actuel.");
    } else if form.new != form.confirm {
        errors.add("confirm", "Les deux saisies du nouveau mot de passe diffèrent.");
    }
    if !errors.is_empty() {
        return render_invalid(&AccountPage::build(&state, u, None, errors).await?);
    }
    let hash = hash_blocking(form.new).await?;
    // This session stays open; every other one of the account ends.
    let current = session.id().map(|id| id.to_string());
    state.store.set_user_password(&u.author(), u.id, &hash, current.as_deref()).await?;
    Ok(Redirect::to("/compte?ok=1").into_response())
}

/// argon2 off the async threads.
pub async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password::hash(&password)).await.map_err(AppError::internal)?.map_err(AppError::internal)
}
