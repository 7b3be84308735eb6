//! Accounts.

pub mod second_factor;
pub mod session;

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::authz::{Role, format_roles};
use maillage_core::time_fmt;
use time::OffsetDateTime;

/// An account as stored, with its password hash: never leaves the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
    pub password_hash: String,
    pub disabled: bool,
    pub password_changed_at: OffsetDateTime,
    pub last_login_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// Whether logging in asks for a second factor (one confirmed).
    pub second_factor: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    organisation_id: Option<i64>,
    roles: String,
    password_hash: String,
    disabled: bool,
    password_changed_at: String,
    last_login_at: Option<String>,
    created_at: String,
    second_factor: bool,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        const T: &str = "users";
        let time = |column, v: &str| decode(T, r.id, column, v, time_fmt::from_storage);
        // An unknown role is an error, never a role granted or silently dropped.
        let roles = decode(T, r.id, "roles", &r.roles, |list| {
            let mut roles = list.split(',').filter(|c| !c.is_empty()).map(Role::from_code).collect::<Option<Vec<_>>>()?;
            roles.sort();
            roles.dedup();
            Some(roles)
        })?;
        Ok(UserRecord {
            roles,
            password_changed_at: time("password_changed_at", &r.password_changed_at)?,
            last_login_at: r.last_login_at.as_deref().map(|v| time("last_login_at", v)).transpose()?,
            created_at: time("created_at", &r.created_at)?,
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            organisation_id: r.organisation_id,
            password_hash: r.password_hash,
            disabled: r.disabled,
            second_factor: r.second_factor,
        })
    }
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
    pub password_hash: String,
}

/// `SELECT` of every account column, followed by the rest of the query.
macro_rules! select_users {
    ($rest:literal) => {
        concat!("SELECT id, email, display_name, organisation_id, roles, password_hash, disabled, password_changed_at, last_login_at, created_at, \
            (totp_confirmed_at IS NOT NULL) AS second_factor FROM users ", $rest)
    };
}

/// E-mail addresses are compared case-insensitively: stored folded to lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Store {
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let email = normalise_email(email);
        let row: Option<UserRow> =
            on_db!(&self.db, p, { sqlx::query_as(select_users!("WHERE email = $1")).bind(&email).fetch_optional(p).await? });
        row.map(UserRecord::try_from).transpose()
    }

    pub async fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> =
            on_db!(&self.db, p, { sqlx::query_as(select_users!("WHERE id = $1")).bind(id).fetch_optional(p).await? });
        row.map(UserRecord::try_from).transpose()
    }

    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows: Vec<UserRow> = on_db!(&self.db, p, { sqlx::query_as(select_users!("ORDER BY email")).fetch_all(p).await? });
        rows.into_iter().map(UserRecord::try_from).collect()
    }

    pub async fn create_user(&self, by: &Author, u: &NewUser) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let email = normalise_email(&u.email);
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, organisation_id, roles, password_hash, disabled, password_changed_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6) RETURNING id",
            )
            .bind(&email)
            .bind(&u.display_name)
            .bind(u.organisation_id)
            .bind(format_roles(&u.roles))
            .bind(&u.password_hash)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "user.create", "user", &id.to_string(), &format!("{email} ({})", format_roles(&u.roles))).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_user_roles(&self, by: &Author, id: i64, roles: &[Role]) -> Result<(), StoreError> {
        let roles = format_roles(roles);
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET roles = $1 WHERE id = $2").bind(&roles).bind(id).execute(c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("compte {id}")));
        }
        append(&mut tx, by, "user.set_roles", "user", &id.to_string(), &roles).await?;
        tx.commit().await
    }

    pub async fn set_user_disabled(&self, by: &Author, id: i64, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2").bind(disabled).bind(id).execute(c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("compte {id}")));
        }
        let op = if disabled { "user.disable" } else { "user.enable" };
        append(&mut tx, by, op, "user", &id.to_string(), "").await?;
        // A disabled account's sessions end at once.
        if disabled {
            session::end_sessions(&mut tx, id, None).await?;
        }
        tx.commit().await
    }

    /// Sets a new password and ends the account's other sessions: whoever knew the old
    /// password is logged out. `keep_session` is the session of a user changing their own.
    pub async fn set_user_password(&self, by: &Author, id: i64, password_hash: &str, keep_session: Option<&str>) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(&now)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("compte {id}")));
        }
        let ended = session::end_sessions(&mut tx, id, keep_session).await?;
        append(&mut tx, by, "user.set_password", "user", &id.to_string(), &format!("{ended} session(s) closed")).await?;
        tx.commit().await
    }

    pub async fn record_login(&self, id: i64, email: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2").bind(&now).bind(id).execute(c).await?.rows_affected()
        });
        append(&mut tx, &Author::user(id, email), "session.login", "user", &id.to_string(), "").await?;
        tx.commit().await
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?))
    }
}

/// A user who asked for the daily digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DigestSubscriber {
    pub id: i64,
    pub email: String,
    pub organisation_id: i64,
    pub digest_sent_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct DigestRow {
    id: i64,
    email: String,
    organisation_id: i64,
    digest_sent_at: Option<String>,
}

impl Store {
    pub async fn daily_digest(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT daily_digest FROM users WHERE id = $1").bind(user_id).fetch_optional(p).await?
        })
        .unwrap_or(false))
    }

    pub async fn set_daily_digest(&self, by: &Author, user_id: i64, on: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET daily_digest = $1 WHERE id = $2").bind(on).bind(user_id).execute(c).await?;
        });
        append(&mut tx, by, "user.digest", "user", &user_id.to_string(), if on { "on" } else { "off" }).await?;
        tx.commit().await
    }

    /// Enabled accounts of an organisation that want the digest and had none since `before`.
    pub async fn digest_due(&self, before: OffsetDateTime) -> Result<Vec<DigestSubscriber>, StoreError> {
        let rows: Vec<DigestRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, email, organisation_id, digest_sent_at FROM users WHERE daily_digest = TRUE AND disabled = FALSE \
                 AND organisation_id IS NOT NULL AND (digest_sent_at IS NULL OR digest_sent_at < $1) ORDER BY id",
            )
            .bind(time_fmt::to_storage(before))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                let sent =
                    r.digest_sent_at.as_deref().map(|v| decode("users", r.id, "digest_sent_at", v, time_fmt::from_storage)).transpose()?;
                Ok(DigestSubscriber { id: r.id, email: r.email, organisation_id: r.organisation_id, digest_sent_at: sent })
            })
            .collect()
    }

    /// Queues a user's digest and records when, in one transaction.
    pub async fn queue_digest(&self, user_id: i64, at: OffsetDateTime, mail: Option<&crate::mail::OutgoingMail>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        if let Some(m) = mail {
            crate::mail::enqueue(&mut tx, m).await?;
        }
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET digest_sent_at = $1 WHERE id = $2")
                .bind(time_fmt::to_storage(at))
                .bind(user_id)
                .execute(c)
                .await?;
        });
        tx.commit().await
    }
}
