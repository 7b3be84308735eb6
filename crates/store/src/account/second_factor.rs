//! The second factor of an account (TOTP): its sealed secret, the last time step accepted, and
//! the recovery codes (hashed). The store never sees a secret in clear: the application seals it.

use crate::audit::append;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt;

/// An account's second factor as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondFactor {
    /// The secret, sealed by the keyring.
    pub sealed_secret: String,
    /// Whether its first code was checked: from then on, logging in asks for a code.
    pub confirmed: bool,
    pub last_step: Option<i64>,
}

impl Store {
    pub async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>, StoreError> {
        let row: Option<(Option<String>, Option<String>, Option<i64>)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT totp_secret, totp_confirmed_at, totp_last_step FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.and_then(|(secret, confirmed, last_step)| {
            secret.map(|sealed_secret| SecondFactor { sealed_secret, confirmed: confirmed.is_some(), last_step })
        }))
    }

    /// Starts an enrolment: a new secret, not confirmed yet (the previous one, if any, is
    /// replaced only by [`Store::confirm_second_factor`]... so an enrolment is only offered to an
    /// account without a confirmed one).
    pub async fn start_second_factor(&self, by: &Author, user_id: i64, sealed_secret: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE users SET totp_secret = $1, totp_confirmed_at = NULL, totp_last_step = NULL WHERE id = $2 AND totp_confirmed_at IS NULL",
            )
            .bind(sealed_secret)
            .bind(user_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("la double authentification est déjà active sur ce compte".into()));
        }
        append(&mut tx, by, "user.second_factor_start", "user", &user_id.to_string(), "").await?;
        tx.commit().await
    }

    /// Confirms the enrolment after a first good code at `step`, with the hashes of new recovery
    /// codes. The account's other sessions end: opened with the password alone, they would
    /// otherwise outlive the rule that a code is asked.
    pub async fn confirm_second_factor(
        &self,
        by: &Author,
        user_id: i64,
        step: i64,
        recovery_hashes: &[String],
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE users SET totp_confirmed_at = $1, totp_last_step = $2 WHERE id = $3 AND totp_secret IS NOT NULL AND totp_confirmed_at IS NULL",
            )
            .bind(&now)
            .bind(step)
            .bind(user_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("aucune activation de double authentification en cours".into()));
        }
        replace_recovery_codes(&mut tx, user_id, recovery_hashes).await?;
        super::session::end_sessions(&mut tx, user_id, keep_session).await?;
        append(&mut tx, by, "user.second_factor_on", "user", &user_id.to_string(), "").await?;
        tx.commit().await
    }

    /// Records that the code of time `step` was used, if no later or equal step was: a code
    /// is accepted once. Returns whether it was accepted.
    pub async fn accept_second_factor_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                .bind(step)
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Uses a recovery code (by its hash): true once per code.
    pub async fn use_recovery_code(&self, by: &Author, user_id: i64, code_hash: &str) -> Result<bool, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
                .bind(&now)
                .bind(user_id)
                .bind(code_hash)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 1 {
            append(&mut tx, by, "user.recovery_code_used", "user", &user_id.to_string(), "").await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Recovery codes left unused.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .fetch_one(p)
                .await?
        }))
    }

    /// Removes the second factor (its owner turning it off, or an administrator after a lost
    /// phone): the account's sessions end, since they may have been opened with it.
    pub async fn remove_second_factor(&self, by: &Author, user_id: i64, keep_session: Option<&str>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE users SET totp_secret = NULL, totp_confirmed_at = NULL, totp_last_step = NULL WHERE id = $1 AND totp_secret IS NOT NULL")
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        // Nothing to remove: nothing written, no session ended.
        if n == 0 {
            return Err(StoreError::Conflict("ce compte n'a pas de double authentification".into()));
        }
        replace_recovery_codes(&mut tx, user_id, &[]).await?;
        super::session::end_sessions(&mut tx, user_id, keep_session).await?;
        append(&mut tx, by, "user.second_factor_off", "user", &user_id.to_string(), "").await?;
        tx.commit().await
    }
}

async fn replace_recovery_codes(tx: &mut crate::db::Tx, user_id: i64, hashes: &[String]) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *c).await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)").bind(user_id).bind(h).execute(&mut *c).await?;
        }
    });
    Ok(())
}
