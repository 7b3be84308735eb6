//! Login, logout, sessions and the current user. Permission decisions themselves are taken
//! by `maillage_core::authz`; [`require`] only turns a decision into an HTTP outcome.

use crate::AppState;
use crate::error::AppError;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use maillage_core::authz::{Action, Actor, Decision, authorize};
use maillage_core::time_fmt;
use maillage_store::{Author, Store};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::Session;

pub const SESSION_USER_KEY: &str = "user_id";

/// The logged-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub actor: Actor,
}

impl CurrentUser {
    pub fn author(&self) -> Author {
        Author::user(self.id, &self.email)
    }
}

/// Turns the authorization decision for `action` into the user, or the right HTTP outcome.
pub fn require<'a>(user: Option<&'a CurrentUser>, action: Action, path: &str) -> Result<&'a CurrentUser, AppError> {
    match (authorize(user.map(|u| &u.actor), action), user) {
        (Decision::Allow, Some(u)) => Ok(u),
        (Decision::NeedsLogin, _) | (Decision::Allow, None) => Err(AppError::NeedsLogin { next: path.to_string() }),
        (Decision::Deny, _) => Err(AppError::Forbidden),
    }
}

async fn load_user(parts: &mut Parts, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    if let Some(u) = parts.extensions.get::<Option<CurrentUser>>() {
        return Ok(u.clone());
    }
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, m)| AppError::Internal(m.to_string()))?;
    let id: Option<i64> = session.get(SESSION_USER_KEY).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let user = match id {
        Some(id) => match state.store.user(id).await? {
            Some(u) if !u.disabled => Some(CurrentUser {
                id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                actor: Actor { user_id: u.id, organisation_id: u.organisation_id, roles: u.roles() },
            }),
            _ => None,
        },
        None => None,
    };
    parts.extensions.insert(user.clone());
    Ok(user)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        load_user(parts, state).await?.ok_or(AppError::NeedsLogin { next: parts.uri.path().to_string() })
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        load_user(parts, state).await
    }
}

// ---- throttling ---------------------------------------------------------------------------

/// Failed logins counted per account and per address. After too many failures in the window,
/// further attempts are refused until the window ends — with the same message whether the
/// account exists or not.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_PER_ACCOUNT: u32 = 5;
const MAX_PER_ADDRESS: u32 = 20;

impl Throttle {
    fn keys(email: &str, ip: Option<IpAddr>) -> [(String, u32); 2] {
        [
            (format!("compte:{}", email.trim().to_lowercase()), MAX_PER_ACCOUNT),
            (format!("adresse:{}", ip.map(|i| i.to_string()).unwrap_or_default()), MAX_PER_ADDRESS),
        ]
    }

    pub fn is_blocked(&self, email: &str, ip: Option<IpAddr>) -> bool {
        let Ok(map) = self.failures.lock() else { return true };
        Self::keys(email, ip).iter().any(|(k, max)| {
            map.get(k).is_some_and(|(n, since)| *n >= *max && since.elapsed() < WINDOW)
        })
    }

    pub fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        let Ok(mut map) = self.failures.lock() else { return };
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        for (k, _) in Self::keys(email, ip) {
            let e = map.entry(k).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
    }

    pub fn record_success(&self, email: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("compte:{}", email.trim().to_lowercase()));
        }
    }
}

/// Checks an e-mail and password. Unknown accounts cost the same hashing time as known ones.
pub async fn check_credentials(store: &Store, email: &str, password: &str) -> Result<Option<maillage_store::users::UserRecord>, AppError> {
    let user = store.user_by_email(email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| maillage_core::password::dummy_hash().to_string());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || maillage_core::password::verify(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(match user {
        Some(u) if ok && !u.disabled => Some(u),
        _ => None,
    })
}

// ---- session store ------------------------------------------------------------------------

/// tower-sessions' store over our database.
#[derive(Clone, Debug)]
pub struct DbSessionStore(pub Store);

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl DbSessionStore {
    fn encode(record: &Record) -> Result<(Option<i64>, String, String), session_store::Error> {
        let user_id = record.data.get(SESSION_USER_KEY).and_then(|v| v.as_i64());
        let data = serde_json::to_string(&record.data).map_err(backend)?;
        Ok((user_id, data, time_fmt::to_storage(record.expiry_date)))
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (user_id, data, expires) = Self::encode(record)?;
            if self.0.session_create(&record.id.to_string(), user_id, &data, &expires).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (user_id, data, expires) = Self::encode(record)?;
        self.0.session_save(&record.id.to_string(), user_id, &data, &expires).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = time_fmt::to_storage(time_fmt::now());
        let Some((data, expires_at)) = self.0.session_load(&id.to_string(), &now).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(backend)?;
        let expiry_date = time_fmt::from_storage(&expires_at).ok_or_else(|| backend("date d'expiration illisible"))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.session_delete(&id.to_string()).await.map_err(backend)
    }
}
