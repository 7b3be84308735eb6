//! Open311 API keys, one or more per organisation; only their hash is stored.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub organisation_id: i64,
    pub label: String,
    pub prefix: String,
    pub created_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: i64,
    organisation_id: i64,
    label: String,
    prefix: String,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        let time = |column, v: &str| decode("api_keys", r.id, column, v, time_fmt::from_storage);
        Ok(ApiKey {
            created_at: time("created_at", &r.created_at)?,
            revoked_at: r.revoked_at.as_deref().map(|v| time("revoked_at", v)).transpose()?,
            last_used_at: r.last_used_at.as_deref().map(|v| time("last_used_at", v)).transpose()?,
            id: r.id,
            organisation_id: r.organisation_id,
            label: r.label,
            prefix: r.prefix,
        })
    }
}

impl Store {
    /// Creates a key and returns it: it is shown once and never again.
    pub async fn create_api_key(&self, by: &Author, organisation_id: i64, label: &str) -> Result<String, StoreError> {
        let (key, prefix, hash) = maillage_core::organisation::api_key::generate();
        self.insert_api_key(by, organisation_id, label, &prefix, &hash).await?;
        Ok(key)
    }

    /// Stores a key whose text the caller chose (the demo's published key).
    pub async fn insert_api_key(
        &self,
        by: &Author,
        organisation_id: i64,
        label: &str,
        prefix: &str,
        hash: &str,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO api_keys (organisation_id, label, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(organisation_id)
            .bind(label)
            .bind(prefix)
            .bind(hash)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "api_key.create", "api_key", &id.to_string(), &organisation_id.to_string()).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows: Vec<ApiKeyRow> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, organisation_id, label, prefix, created_at, revoked_at, last_used_at FROM api_keys ORDER BY id")
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(ApiKey::try_from).collect()
    }

    pub async fn revoke_api_key(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(&now)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("clé {id}")));
        }
        append(&mut tx, by, "api_key.revoke", "api_key", &id.to_string(), "").await?;
        tx.commit().await
    }

    /// The organisation a presented key belongs to, if the key is valid. The last use is
    /// recorded to the hour: a read per request, a write an hour.
    pub async fn organisation_for_api_key(&self, key: &str) -> Result<Option<i64>, StoreError> {
        let hash = maillage_core::organisation::api_key::hash(key);
        let found: Option<(i64, i64, Option<String>)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, organisation_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                .bind(&hash)
                .fetch_optional(p)
                .await?
        });
        let Some((id, organisation_id, last_used)) = found else { return Ok(None) };
        let now = time_fmt::now();
        let hour_ago = time_fmt::to_storage(now - time::Duration::hours(1));
        if last_used.is_none_or(|t| t < hour_ago) {
            let mut tx = self.begin().await?;
            on_tx!(&mut tx, c, {
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                    .bind(time_fmt::to_storage(now))
                    .bind(id)
                    .execute(c)
                    .await?;
            });
            tx.commit().await?;
        }
        Ok(Some(organisation_id))
    }
}
