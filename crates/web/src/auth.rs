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
use tower_sessions::Session;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

pub const SESSION_USER_KEY: &str = "user_id";

/// The logged-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub actor: Actor,
    /// Whether this session was opened with the second factor (needed to read situations).
    pub second_factor: bool,
}

impl CurrentUser {
    pub fn author(&self) -> Author {
        Author::user(self.id, &self.email)
    }
}

/// Turns the authorization decision for `action` into the user, or the right HTTP outcome.
/// Whether `u` may do `action`: for what a page offers (a button, a link), never instead of
/// [`require`] in the handler that does it.
pub fn can(u: &CurrentUser, action: Action) -> bool {
    authorize(Some(&u.actor), action) == Decision::Allow
}

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
    let session = Session::from_request_parts(parts, state).await.map_err(|(_, m)| AppError::internal(m))?;
    let user = user_of_session(&session, state).await?;
    parts.extensions.insert(user.clone());
    Ok(user)
}

/// The enabled user a session belongs to, if any.
pub(crate) async fn user_of_session(session: &Session, state: &AppState) -> Result<Option<CurrentUser>, AppError> {
    let id: Option<i64> = session.get(SESSION_USER_KEY).await.map_err(AppError::internal)?;
    let second_factor: bool =
        session.get(crate::account::second_factor::SECOND_FACTOR_KEY).await.map_err(AppError::internal)?.unwrap_or(false);
    let user = match id {
        Some(id) => match state.store.user(id).await? {
            Some(u) if !u.disabled => Some(CurrentUser {
                id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                actor: Actor { user_id: u.id, organisation_id: u.organisation_id, roles: u.roles.clone() },
                // A second factor removed since the session opened no longer counts.
                second_factor: second_factor && u.second_factor,
            }),
            _ => None,
        },
        None => None,
    };
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

/// Failed logins counted per account and address pair. After a few failures the pair waits
/// a delay that doubles with each further failure (up to [`MAX_DELAY`]); during the delay every
/// attempt of the pair is refused, with the same message whether the account exists or not,
/// and a correct password is refused no longer than the delay. The account's owner at another
/// address is never held back by someone guessing elsewhere, and one address (a proxy, a
/// town hall's network) never locks out the accounts of everyone behind it.
#[derive(Debug, Default)]
pub struct Throttle {
    /// (account, address) → (consecutive failures, time of the last one).
    failures: Mutex<HashMap<ThrottleKey, (u32, Instant)>>,
}

type ThrottleKey = (String, Option<IpAddr>);

/// Failures allowed before any delay.
const FREE_FAILURES: u32 = 2;
/// The longest delay between two attempts of one pair.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures are forgotten after this long without another.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// The delay after `failures` consecutive failures: 1 s after the third, then 2 s, 4 s… .
pub fn delay_after(failures: u32) -> Duration {
    match failures.checked_sub(FREE_FAILURES + 1) {
        None => Duration::ZERO,
        Some(n) => Duration::from_secs(1u64.checked_shl(n.min(20)).unwrap_or(u64::MAX)).min(MAX_DELAY),
    }
}

impl Throttle {
    fn key(email: &str, ip: Option<IpAddr>) -> ThrottleKey {
        (email.trim().to_lowercase(), ip)
    }

    /// How long the pair must still wait, if it must.
    pub fn wait(&self, email: &str, ip: Option<IpAddr>) -> Option<Duration> {
        let Ok(map) = self.failures.lock() else { return Some(MAX_DELAY) };
        let (n, last) = map.get(&Self::key(email, ip))?;
        delay_after(*n).checked_sub(last.elapsed()).filter(|d| !d.is_zero())
    }

    pub fn record_failure(&self, email: &str, ip: Option<IpAddr>) {
        let Ok(mut map) = self.failures.lock() else { return };
        if map.len() > 100_000 {
            map.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
        }
        let e = map.entry(Self::key(email, ip)).or_insert((0, Instant::now()));
        if e.1.elapsed() >= FORGET_AFTER {
            e.0 = 0;
        }
        *e = (e.0.saturating_add(1), Instant::now());
    }

    pub fn record_success(&self, email: &str, ip: Option<IpAddr>) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&Self::key(email, ip));
        }
    }
}

/// The client's address: from the configured header set by the reverse proxy in front (its
/// last value, the one the proxy added), or else the connection's. A header is trusted only
/// when configured, since anyone can send one.
pub fn client_address(headers: &axum::http::HeaderMap, connection: IpAddr, trusted_header: Option<&axum::http::HeaderName>) -> IpAddr {
    trusted_header
        .and_then(|h| headers.get_all(h).iter().next_back())
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(connection)
}

/// Checks an e-mail and password. Unknown accounts cost the same hashing time as known ones.
pub async fn check_credentials(
    store: &Store,
    email: &str,
    password: &str,
) -> Result<Option<maillage_store::account::UserRecord>, AppError> {
    let user = store.user_by_email(email).await?;
    let hash = user.as_ref().map_or_else(|| maillage_core::account::password::dummy_hash().to_string(), |u| u.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || maillage_core::account::password::verify(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    Ok(match user {
        Some(u) if ok && !u.disabled => Some(u),
        _ => None,
    })
}

// ---- session store ------------------------------------------------------------------------

/// tower-sessions' store over our database.
/// Sessions in the database. With an idle timeout every request moves the expiry forward; the
/// row is rewritten only when its data changed or its stored expiry is more than a minute
/// behind, so that reading a page does not cost a write (SQLite has a single writer).
#[derive(Clone, Debug)]
pub struct DbSessionStore {
    store: Store,
    /// Session id → (data, expiry as stored).
    written: std::sync::Arc<Mutex<HashMap<String, (String, time::OffsetDateTime)>>>,
}

/// How far behind the stored expiry may lag before the row is rewritten.
const EXPIRY_SLACK: time::Duration = time::Duration::minutes(1);
/// The memory of written rows is cleared beyond this many sessions.
const WRITTEN_MAX: usize = 10_000;

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        DbSessionStore { store, written: std::sync::Arc::default() }
    }

    fn remember(&self, id: &str, data: &str, expiry: time::OffsetDateTime) {
        if let Ok(mut w) = self.written.lock() {
            if w.len() >= WRITTEN_MAX {
                w.clear();
            }
            w.insert(id.to_string(), (data.to_string(), expiry));
        }
    }

    /// Whether the stored row already says this (same data, expiry recent enough).
    fn up_to_date(&self, id: &str, data: &str, expiry: time::OffsetDateTime) -> bool {
        self.written
            .lock()
            .ok()
            .and_then(|w| w.get(id).map(|(d, e)| d == data && expiry - *e < EXPIRY_SLACK && expiry >= *e))
            .unwrap_or(false)
    }

    fn encode(record: &Record) -> Result<(Option<i64>, String, String), session_store::Error> {
        let user_id = record.data.get(SESSION_USER_KEY).and_then(serde_json::Value::as_i64);
        let data = serde_json::to_string(&record.data).map_err(backend)?;
        Ok((user_id, data, time_fmt::to_storage(record.expiry_date)))
    }
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let (user_id, data, expires) = Self::encode(record)?;
            if self.store.session_create(&record.id.to_string(), user_id, &data, &expires).await.map_err(backend)? {
                self.remember(&record.id.to_string(), &data, record.expiry_date);
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let (user_id, data, expires) = Self::encode(record)?;
        let id = record.id.to_string();
        if self.up_to_date(&id, &data, record.expiry_date) {
            return Ok(());
        }
        self.store.session_save(&id, user_id, &data, &expires).await.map_err(backend)?;
        self.remember(&id, &data, record.expiry_date);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = time_fmt::to_storage(time_fmt::now());
        let Some((text, expires_at)) = self.store.session_load(&id.to_string(), &now).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&text).map_err(backend)?;
        let expiry_date = time_fmt::from_storage(&expires_at).ok_or_else(|| backend("date d'expiration illisible"))?;
        self.remember(&id.to_string(), &text, expiry_date);
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Ok(mut w) = self.written.lock() {
            w.remove(&id.to_string());
        }
        self.store.session_delete(&id.to_string()).await.map_err(backend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stop_at_the_maximum() {
        assert_eq!([0, 1, 2].map(delay_after), [Duration::ZERO; 3]);
        assert_eq!([3, 4, 5].map(delay_after), [1, 2, 4].map(Duration::from_secs));
        assert_eq!(delay_after(40), MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn a_client_address_header_counts_only_when_configured() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-for", axum::http::HeaderValue::from_static("203.0.113.9, 198.51.100.2"));
        let conn: IpAddr = [127, 0, 0, 1].into();
        let xff = axum::http::HeaderName::from_static("x-forwarded-for");
        assert_eq!(client_address(&h, conn, None), conn, "not trusted unless configured");
        assert_eq!(client_address(&h, conn, Some(&xff)), IpAddr::from([198, 51, 100, 2]), "the value the proxy added");
        h.insert("x-forwarded-for", axum::http::HeaderValue::from_static("n'importe quoi"));
        assert_eq!(client_address(&h, conn, Some(&xff)), conn);
    }
}
