//! Login sessions, stored so that they survive a restart and can be ended per user.

use crate::{Store, StoreError};

impl Store {
    /// A live session's data and expiry (RFC 3339).
    pub async fn session_load(&self, id: &str, now: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(now)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Inserts or replaces a session. `user_id` is kept in a column of its own so that
    /// disabling an account ends its sessions.
    pub async fn session_save(&self, id: &str, user_id: Option<i64>, data: &str, expires_at: &str) -> Result<(), StoreError> {
        on_db!(&self.db, p, {
            sqlx::query(
                "INSERT INTO sessions (id, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at",
            )
            .bind(id)
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
                .bind(id)
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
        on_db!(&self.db, p, sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn sessions_purge_expired(&self, now: &str) -> Result<u64, StoreError> {
        Ok(on_db!(&self.db, p, { sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(p).await?.rows_affected() }))
    }
}
