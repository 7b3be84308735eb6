//! Login sessions, stored so that they survive a restart and can be ended per user. The
//! database holds a SHA-256 of each session id, never the id itself: a copy of the database
//! (a backup, a dump) does not let anyone take over a session.

use crate::db::Tx;
use crate::{Store, StoreError};
use sha2::{Digest, Sha256};

/// What the `id` column holds for a session id.
fn key(id: &str) -> String {
    Sha256::digest(id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Ends a user's sessions, but the one given (the session of a user changing their own
/// password stays open).
pub(crate) async fn end_sessions(tx: &mut Tx, user_id: i64, except: Option<&str>) -> Result<u64, StoreError> {
    let keep = except.map(key).unwrap_or_default();
    Ok(on_tx!(tx, c, {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2").bind(user_id).bind(&keep).execute(c).await?.rows_affected()
    }))
}

impl Store {
    /// A live session's data and expiry (RFC 3339).
    pub async fn session_load(&self, id: &str, now: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(key(id))
                .bind(now)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Inserts or replaces a session. `user_id` is kept in a column of its own so that
    /// disabling an account or changing its password ends its sessions.
    pub async fn session_save(&self, id: &str, user_id: Option<i64>, data: &str, expires_at: &str) -> Result<(), StoreError> {
        on_db!(&self.db, p, {
            sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at",
            )
            .bind(key(id))
            .bind(user_id)
            .bind(data)
            .bind(expires_at)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    /// Creates a session only if the id is free; returns false on collision.
    pub async fn session_create(&self, id: &str, user_id: Option<i64>, data: &str, expires_at: &str) -> Result<bool, StoreError> {
        let n = on_db!(&self.db, p, {
            sqlx::query("INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
                .bind(key(id))
                .bind(user_id)
                .bind(data)
                .bind(expires_at)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
        on_db!(&self.db, p, sqlx::query("DELETE FROM sessions WHERE id = $1").bind(key(id)).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn sessions_purge_expired(&self, now: &str) -> Result<u64, StoreError> {
        Ok(on_db!(&self.db, p, { sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?.rows_affected() }))
    }

    /// How many live sessions a user has (for the tests and the administrator).
    pub async fn session_count(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user_id).fetch_one(p).await?
        }))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_stored_hashed() {
        let k = super::key("abc");
        assert_eq!(k.len(), 64);
        assert_ne!(k, "abc");
        assert_eq!(k, super::key("abc"));
    }
}
