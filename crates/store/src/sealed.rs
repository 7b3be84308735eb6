//! The columns that hold values sealed by the application's keyring, for key rotation: each
//! value is sealed for its place `<table>.<column>.<id>`, and names the key that sealed it
//! (`k1:…`).

use crate::audit::append;
use crate::{Author, Store, StoreError};

/// Every sealed column: table and column. A new sealed column is added here, or rotation
/// leaves its values under an old key (the test `rotation_reseals_every_sealed_column` fills
/// each of them).
pub const SEALED_COLUMNS: &[(&str, &str)] = &[
    ("users", "totp_secret"),
    ("cases", "identity"),
    ("cases", "judicial"),
    ("case_actions", "note"),
    ("meeting_decisions", "text"),
    ("placements", "reference"),
];

/// The place a value of `table.column` in row `id` is sealed for.
pub fn place(table: &str, column: &str, id: i64) -> String {
    format!("{table}.{column}.{id}")
}

/// One sealed value as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedValue {
    pub id: i64,
    pub value: String,
}

impl Store {
    /// One sealed value per key found at either end of each sealed column (with the place it
    /// was sealed for), so that at start each key can be checked to be held, and to be the
    /// right one. Rotation goes by id, so both ends show the old and the new key while it runs.
    pub async fn sealed_samples(&self) -> Result<Vec<crate::SealedSample>, StoreError> {
        let mut samples: Vec<crate::SealedSample> = Vec::new();
        for (table, col) in SEALED_COLUMNS {
            let filled = format!("{col} IS NOT NULL AND {col} <> ''");
            let sql = format!(
                "SELECT id, {col} FROM {table} WHERE id = (SELECT MIN(id) FROM {table} WHERE {filled}) \
                 OR id = (SELECT MAX(id) FROM {table} WHERE {filled}) ORDER BY id"
            );
            let rows: Vec<(i64, String)> = on_db!(&self.db, p, { sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await? });
            for (id, sealed) in rows {
                let key = sealed.split_once(':').map_or_else(String::new, |(k, _)| k.to_string());
                if !samples.iter().any(|s| s.key == key) {
                    samples.push(crate::SealedSample { key, place: place(table, col, id), sealed });
                }
            }
        }
        Ok(samples)
    }

    /// Up to `limit` values of `SEALED_COLUMNS[column]` after row `after`, not sealed by `key`.
    pub async fn sealed_batch(&self, column: usize, key: &str, after: i64, limit: i64) -> Result<Vec<SealedValue>, StoreError> {
        let (table, col) = SEALED_COLUMNS.get(column).ok_or_else(|| StoreError::Invalid(format!("colonne scellée {column}")))?;
        let sql = format!(
            "SELECT id, {col} FROM {table} WHERE {col} IS NOT NULL AND {col} <> '' AND {col} NOT LIKE $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let prefix = format!("{key}:%");
        let rows: Vec<(i64, String)> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(&prefix).bind(after).bind(limit).fetch_all(p).await?
        });
        Ok(rows.into_iter().map(|(id, value)| SealedValue { id, value }).collect())
    }

    /// Writes values sealed again, in one transaction, each only if it is still the value read
    /// (a concurrent change wins); returns how many were written.
    pub async fn reseal(&self, by: &Author, column: usize, values: &[(SealedValue, String)]) -> Result<u64, StoreError> {
        let (table, col) = SEALED_COLUMNS.get(column).ok_or_else(|| StoreError::Invalid(format!("colonne scellée {column}")))?;
        let sql = format!("UPDATE {table} SET {col} = $1 WHERE id = $2 AND {col} = $3");
        let mut tx = self.begin().await?;
        let mut n = 0;
        for (old, new) in values {
            n += on_tx!(&mut tx, c, {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(new).bind(old.id).bind(&old.value).execute(c).await?.rows_affected()
            });
        }
        append(&mut tx, by, "keys.rotate", table, col, &format!("{n} valeurs rechiffrées")).await?;
        tx.commit().await?;
        Ok(n)
    }
}
