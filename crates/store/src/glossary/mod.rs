//! The glossary of acronyms, which the administrator can extend.

use crate::audit::append;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct GlossaryTerm {
    pub id: i64,
    pub term: String,
    pub expansion: String,
}

impl Store {
    pub async fn glossary_terms(&self) -> Result<Vec<GlossaryTerm>, StoreError> {
        Ok(on_db!(&self.db, p, { sqlx::query_as("SELECT id, term, expansion FROM glossary_terms ORDER BY term").fetch_all(p).await? }))
    }

    /// Adds a term, or replaces the expansion of an existing one.
    pub async fn set_glossary_term(&self, by: &Author, term: &str, expansion: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query(
                "INSERT INTO glossary_terms (term, expansion, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (term) DO UPDATE SET expansion = excluded.expansion",
            )
            .bind(term)
            .bind(expansion)
            .bind(&now)
            .execute(c)
            .await?
            .rows_affected()
        });
        append(&mut tx, by, "glossary.set", "glossary_term", term, expansion).await?;
        tx.commit().await
    }

    pub async fn delete_glossary_term(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let term: Option<String> = on_tx!(&mut tx, c, {
            sqlx::query_scalar("DELETE FROM glossary_terms WHERE id = $1 RETURNING term").bind(id).fetch_optional(c).await?
        });
        let Some(term) = term else {
            return Err(StoreError::NotFound(format!("sigle {id}")));
        };
        append(&mut tx, by, "glossary.delete", "glossary_term", &term, "").await?;
        tx.commit().await
    }

    /// Loads the shipped acronyms into an empty glossary (first start).
    pub(crate) async fn ensure_default_glossary(&self) -> Result<(), StoreError> {
        let n: i64 = on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM glossary_terms").fetch_one(p).await?);
        if n > 0 {
            return Ok(());
        }
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        for (term, expansion) in maillage_core::glossary::DEFAULT_TERMS {
            on_tx!(&mut tx, c, {
                sqlx::query("INSERT INTO glossary_terms (term, expansion, created_at) VALUES ($1, $2, $3) ON CONFLICT (term) DO NOTHING")
                    .bind(*term)
                    .bind(*expansion)
                    .bind(&now)
                    .execute(c)
                    .await?
                    .rows_affected()
            });
        }
        append(
            &mut tx,
            &Author::system(),
            "glossary.defaults",
            "glossary_term",
            "*",
            &format!("{} sigles", maillage_core::glossary::DEFAULT_TERMS.len()),
        )
        .await?;
        tx.commit().await
    }
}
