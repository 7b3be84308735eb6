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
use std::net::SocketAddr;
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
    let ip = Some(client_address(&headers, addr.ip(), state.client_address_header.as_ref()));
    // Codes are throttled as passwords are, per account and address.
    let throttled = format!("code:{}", user.email);
    let page = |message: String| CodePage { layout: Layout::anonymous("Code de vérification"), error: Some(message) };
    let by = Author::user(user.id, &user.email);
    if let Some(wait) = state.throttle.wait(&throttled, ip) {
        state.store.record_event(&by, "session.second_factor_refused", "user", &user.email, "").await?;
        return super::too_many(wait, &page(format!("Trop de codes erronés : réessayez dans {}.", super::seconds_fr(wait))));
    }
    if !second_factor::verify(&state, &by, user.id, &user.email, &form.code).await? {
        state.throttle.record_failure(&throttled, ip);
        state.store.record_event(&by, "session.second_factor_failed", "user", &user.email, "").await?;
        let body = page("Code incorrect ou déjà utilisé.".into()).render()?;
        return Ok((axum::http::StatusCode::UNAUTHORIZED, axum::response::Html(body)).into_response());
    }
    state.throttle.record_success(&throttled, ip);
    let next: String = session.get(PENDING_NEXT_KEY).await.map_err(AppError::internal)?.unwrap_or_default();
    session.remove::<i64>(PENDING_USER_KEY).await.map_err(AppError::internal)?;
    session.remove::<String>(PENDING_NEXT_KEY).await.map_err(AppError::internal)?;
    super::complete_login(&state, &session, &user, &next).await
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
    match second_factor::confirm(&state, &u.author(), u.id, &u.email, &form.code).await? {
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
    user: Option<CurrentUser>,
    session: Session,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageOwnAccount, "/compte")?;
    if !second_factor::verify(&state, &u.author(), u.id, &u.email, &form.code).await? {
        return Err(AppError::InvalidFields(vec![(
            "code".into(),
            "Code incorrect ou déjà utilisé : la double authentification reste active.".into(),
        )]));
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
