//! The directory of help's entries, by category and position, written whole under an
//! optimistic version.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::help_directory::{Category, EntryDraft};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpEntry {
    pub id: i64,
    pub category: Category,
    pub entry: EntryDraft,
    pub position: i64,
    pub version: i64,
}

type Row = (i64, String, String, String, String, String, String, String, String, String, String, String, i64, i64);

const SELECT: &str = "SELECT id, category, name, description, phone, phone_note, sms, email, url, address, hours, accessibility, position, \
     version FROM help_directory";

fn entry_of(r: Row) -> Result<HelpEntry, StoreError> {
    let (id, category, name, description, phone, phone_note, sms, email, url, address, hours, accessibility, position, version) = r;
    Ok(HelpEntry {
        id,
        category: decode("help_directory", id, "category", &category, Category::from_code)?,
        entry: EntryDraft { category, name, description, phone, phone_note, sms, email, url, address, hours, accessibility },
        position,
        version,
    })
}

/// An entry's columns in the order the statements name them, trimmed.
fn fields(d: &EntryDraft) -> [String; 11] {
    [&d.category, &d.name, &d.description, &d.phone, &d.phone_note, &d.sms, &d.email, &d.url, &d.address, &d.hours, &d.accessibility]
        .map(|v| v.trim().to_string())
}

impl Store {
    /// Every entry, by category (in the directory's order) then position.
    pub async fn help_entries(&self) -> Result<Vec<HelpEntry>, StoreError> {
        let sql = format!("{SELECT} ORDER BY position, id");
        let rows: Vec<Row> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?);
        let mut all = rows.into_iter().map(entry_of).collect::<Result<Vec<_>, _>>()?;
        all.sort_by_key(|e| (e.category, e.position, e.id));
        Ok(all)
    }

    pub async fn help_entry(&self, id: i64) -> Result<Option<HelpEntry>, StoreError> {
        let sql = format!("{SELECT} WHERE id = $1");
        let row: Option<Row> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        row.map(entry_of).transpose()
    }

    /// Writes a checked entry, last of the directory; gives its id.
    pub async fn create_help_entry(&self, by: &Author, d: &EntryDraft) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            let mut q = sqlx::query_scalar(
                "INSERT INTO help_directory (category, name, description, phone, phone_note, sms, email, url, address, hours, accessibility, \
                 position, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM help_directory), 1) RETURNING id",
            );
            for v in fields(d) {
                q = q.bind(v);
            }
            q.fetch_one(&mut *c).await?
        });
        append(&mut tx, by, "help_directory.create", "help_directory", &id.to_string(), d.name.trim()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes an entry read at `version`; `Conflict` when it changed since.
    pub async fn update_help_entry(&self, by: &Author, id: i64, version: i64, d: &EntryDraft) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            let mut q = sqlx::query(
                "UPDATE help_directory SET category = $1, name = $2, description = $3, phone = $4, phone_note = $5, sms = $6, email = $7, \
                 url = $8, address = $9, hours = $10, accessibility = $11, version = version + 1 WHERE id = $12 AND version = $13",
            );
            for v in fields(d) {
                q = q.bind(v);
            }
            q.bind(id).bind(version).execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("l'entrée n° {id} a changé depuis sa lecture")));
        }
        append(&mut tx, by, "help_directory.update", "help_directory", &id.to_string(), d.name.trim()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_help_entry(&self, by: &Author, id: i64, version: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM help_directory WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("l'entrée n° {id} a changé depuis sa lecture")));
        }
        append(&mut tx, by, "help_directory.delete", "help_directory", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }
}
