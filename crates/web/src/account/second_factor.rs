//! The second factor: enrolment from one's account page (QR code drawn on the server), the
//! code asked at login after the password, recovery codes, turning it off, and the
//! administrator's removal after a lost phone.

use crate::auth::{CurrentUser, client_address, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::account::second_factor::{self, Enrolment, SecondFactorError};
use maillage_core::authz::Action;
use maillage_store::Author;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use tower_sessions::Session;

/// The session keys of a login waiting for its code, and of a session opened with one.
pub const PENDING_USER_KEY: &str = "pending_user_id";
const PENDING_NEXT_KEY: &str = "pending_next";
pub const SECOND_FACTOR_KEY: &str = "second_factor";

pub fn routes(r: Routes) -> Routes {
    r.get("/connexion/code", code_page)
        .post("/connexion/code", check_code)
        .post("/compte/double-authentification", start)
        .post("/compte/double-authentification/confirmer", confirm)
        .post("/compte/double-authentification/desactiver", turn_off)
        .post("/admin/comptes/{id}/double-authentification", remove_by_administrator)
}

impl From<SecondFactorError> for AppError {
    fn from(e: SecondFactorError) -> Self {
        match e {
            e @ SecondFactorError::NoKeyring => AppError::Conflict(e.to_string()),
            SecondFactorError::Store(e) => e.into(),
            e @ (SecondFactorError::Keyring(_) | SecondFactorError::BadSecret) => AppError::internal(e),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

// ---- at login --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/login_code.html")]
struct CodePage {
    layout: Layout,
    error: Option<String>,
}

/// After a good password, an account with a second factor waits for its code: the session
/// holds who is waiting, not a logged-in user.
pub async fn begin_login(session: &Session, user_id: i64, next: &str) -> Result<Response, AppError> {
    session.cycle_id().await.map_err(AppError::internal)?;
    session.insert(PENDING_USER_KEY, user_id).await.map_err(AppError::internal)?;
    session.insert(PENDING_NEXT_KEY, next).await.map_err(AppError::internal)?;
    Ok(Redirect::to("/connexion/code").into_response())
}

async fn code_page(session: Session) -> Result<Response, AppError> {
    let pending: Option<i64> = session.get(PENDING_USER_KEY).await.map_err(AppError::internal)?;
    if pending.is_none() {
        return Ok(Redirect::to("/connexion").into_response());
    }
    render(&CodePage { layout: Layout::anonymous("Code de vérification"), error: None })
}

async fn check_code(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let Some(user_id) = session.get::<i64>(PENDING_USER_KEY).await.map_err(AppError::internal)? else {
        return Ok(Redirect::to("/connexion").into_response());
    };
    let Some(user) = state.store.user(user_id).await?.filter(|u| !u.disabled) else {
        session.flush().await.map_err(AppError::internal)?;
        return Ok(Redirect::to("/connexion").into_response());
    };
    let ip = client_address(&headers, addr.ip(), state.client_address_header.as_ref());
    let page = |message: String| CodePage { layout: Layout::anonymous("Code de vérification"), error: Some(message) };
    match throttled_verify(&state, ip, user.id, &user.email, &form.code).await? {
        Ok(()) => {}
        Err(CodeRefused::Wait(wait)) => {
            return super::too_many(wait, &page(format!("Trop de codes erronés : réessayez dans {}.", super::seconds_fr(wait))));
        }
        Err(CodeRefused::Wrong) => {
            let body = page("Code incorrect ou déjà utilisé.".into()).render()?;
            return Ok((axum::http::StatusCode::UNAUTHORIZED, axum::response::Html(body)).into_response());
        }
    }
    let next: String = session.get(PENDING_NEXT_KEY).await.map_err(AppError::internal)?.unwrap_or_default();
    session.remove::<i64>(PENDING_USER_KEY).await.map_err(AppError::internal)?;
    session.remove::<String>(PENDING_NEXT_KEY).await.map_err(AppError::internal)?;
    super::complete_login(&state, &session, &user, &next).await
}

/// Why a code was not taken.
enum CodeRefused {
    /// Too many wrong codes: wait this long.
    Wait(std::time::Duration),
    Wrong,
}

/// Checks a code wherever one is asked (at login, to turn the factor off): throttled per
/// account and address as passwords are, each failure and refusal in the audit log.
async fn throttled_verify(
    state: &AppState,
    ip: IpAddr,
    user_id: i64,
    email: &str,
    code: &str,
) -> Result<Result<(), CodeRefused>, AppError> {
    let throttled = format!("code:{email}");
    let by = Author::user(user_id, email);
    if let Some(wait) = state.throttle.wait(&throttled, Some(ip)) {
        state.store.record_event(&by, "session.second_factor_refused", "user", email, "").await?;
        return Ok(Err(CodeRefused::Wait(wait)));
    }
    if !second_factor::verify(state, &by, user_id, email, code).await? {
        state.throttle.record_failure(&throttled, Some(ip));
        state.store.record_event(&by, "session.second_factor_failed", "user", email, "").await?;
        return Ok(Err(CodeRefused::Wrong));
    }
    state.throttle.record_success(&throttled, Some(ip));
    Ok(Ok(()))
}

// ---- from one's account ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "account/second_factor.html")]
struct EnrolPage {
    layout: Layout,
    enrolment: Enrolment,
    errors: FieldErrors,
}

impl EnrolPage {
    fn new(u: &CurrentUser, enrolment: Enrolment, errors: FieldErrors) -> Self {
        EnrolPage { layout: Layout::new("Activer la double authentification", Some(u)), enrolment, errors }
    }
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct RecoveryPage {
    layout: Layout,
    codes: Vec<String>,
}

async fn start(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    if second_factor::is_on(&state, u.id).await? {
        return Ok(Redirect::to("/compte").into_response());
    }
    let enrolment = second_factor::enrol(&state, &u.author(), u.id, &u.email).await?;
    render(&EnrolPage::new(u, enrolment, FieldErrors::default()))
}

async fn confirm(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    let keep = session.id().map(|id| id.to_string());
    match second_factor::confirm(&state, &u.author(), u.id, &u.email, &form.code, keep.as_deref()).await? {
        Some(codes) => {
            // This session was opened with the password alone; it counts as verified now.
            session.insert(SECOND_FACTOR_KEY, true).await.map_err(AppError::internal)?;
            render(&RecoveryPage { layout: Layout::new("Codes de secours", Some(u)), codes })
        }
        None => {
            let Some(enrolment) = second_factor::pending(&state, u.id, &u.email).await? else {
                return Ok(Redirect::to("/compte").into_response());
            };
            let mut errors = FieldErrors::default();
            errors.add("code", "Code incorrect : saisissez les six chiffres affichés par l'application, sans attendre qu'ils changent.");
            render_invalid(&EnrolPage::new(u, enrolment, errors))
        }
    }
}

async fn turn_off(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    user: Option<CurrentUser>,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    if !second_factor::is_on(&state, u.id).await? {
        return Ok(Redirect::to("/compte").into_response());
    }
    let ip = client_address(&headers, addr.ip(), state.client_address_header.as_ref());
    let refused = match throttled_verify(&state, ip, u.id, &u.email, &form.code).await? {
        Ok(()) => None,
        Err(CodeRefused::Wait(wait)) => Some(format!("Trop de codes erronés : réessayez dans {}.", super::seconds_fr(wait))),
        Err(CodeRefused::Wrong) => Some("Code incorrect ou déjà utilisé : la double authentification reste active.".to_string()),
    };
    if let Some(message) = refused {
        let mut errors = FieldErrors::default();
        errors.add("code-off", message);
        return render_invalid(&super::AccountPage::build(&state, u, None, errors).await?);
    }
    let keep = session.id().map(|id| id.to_string());
    state.store.remove_second_factor(&u.author(), u.id, keep.as_deref()).await?;
    session.remove::<bool>(SECOND_FACTOR_KEY).await.map_err(AppError::internal)?;
    Ok(Redirect::to("/compte?double=0").into_response())
}

async fn remove_by_administrator(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageUsers, "/admin/comptes")?;
    let id: i64 = crate::page::parse_id(&id)?;
    state.store.remove_second_factor(&u.author(), id, None).await?;
    maillage_app::working_group::after_account_takeover_risk(&state, &u.author(), id, "Le retrait de la double authentification").await?;
    Ok(Redirect::to("/admin/comptes").into_response())
}

/// What the account page says of the second factor.
pub struct Status {
    pub on: bool,
    pub recovery_left: i64,
    pub available: bool,
}

pub async fn status(state: &AppState, user_id: i64) -> Result<Status, AppError> {
    Ok(Status {
        on: second_factor::is_on(state, user_id).await?,
        recovery_left: state.store.recovery_codes_left(user_id).await?,
        available: state.keyring.is_some(),
    })
}
