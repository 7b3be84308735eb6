//! Documents attached to a CLSPD meeting: the row of each file kept under the data folder, its
//! title and kind. Adding and removing one go into the audit chain.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::meeting::{DOCUMENTS_MAX, DocumentKind};
use maillage_core::time_fmt;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingDocument {
    pub id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub kind: DocumentKind,
    /// The file's name under the data folder: random, never the sender's.
    pub file_name: String,
    pub size_bytes: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

type Row = (i64, i64, String, String, String, i64, String, String);

const SELECT: &str = "SELECT id, meeting_id, title, kind, file_name, size_bytes, created_at, created_by FROM meeting_documents";

fn document((id, meeting_id, title, kind, file_name, size_bytes, created_at, created_by): Row) -> Result<MeetingDocument, StoreError> {
    Ok(MeetingDocument {
        kind: decode("meeting_documents", id, "kind", &kind, DocumentKind::from_code)?,
        created_at: decode("meeting_documents", id, "created_at", &created_at, time_fmt::from_storage)?,
        id,
        meeting_id,
        title,
        file_name,
        size_bytes,
        created_by,
    })
}

impl Store {
    /// A meeting's documents, in the order they were added.
    pub async fn meeting_documents(&self, meeting_id: i64) -> Result<Vec<MeetingDocument>, StoreError> {
        let rows: Vec<Row> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE meeting_id = $1 ORDER BY id"))).bind(meeting_id).fetch_all(p).await?
        });
        rows.into_iter().map(document).collect()
    }

    pub async fn meeting_document(&self, id: i64) -> Result<Option<MeetingDocument>, StoreError> {
        let row: Option<Row> =
            on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id).fetch_optional(p).await?);
        row.map(document).transpose()
    }

    /// Adds a kept file to a meeting, unless it already holds [`DOCUMENTS_MAX`] (checked in the
    /// same transaction, so that parallel uploads cannot pass it).
    pub async fn add_meeting_document(&self, by: &Author, d: &MeetingDocument) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let max = i64::try_from(DOCUMENTS_MAX).unwrap_or(i64::MAX);
        let mut tx = self.begin().await?;
        let id: Option<i64> = on_tx!(&mut tx, c, {
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_documents WHERE meeting_id = $1")
                .bind(d.meeting_id)
                .fetch_one(&mut *c)
                .await?;
            if held >= max {
                None
            } else {
                Some(
                    sqlx::query_scalar(
                        "INSERT INTO meeting_documents (meeting_id, title, kind, file_name, size_bytes, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    )
                    .bind(d.meeting_id)
                    .bind(d.title.trim())
                    .bind(d.kind.code())
                    .bind(&d.file_name)
                    .bind(d.size_bytes)
                    .bind(&now)
                    .bind(&by.label)
                    .fetch_one(&mut *c)
                    .await?,
                )
            }
        });
        let Some(id) = id else {
            return Err(StoreError::Conflict(format!("la réunion a déjà {DOCUMENTS_MAX} documents, le maximum : retirez-en un d'abord")));
        };
        append(&mut tx, by, "meeting.document_add", "council_meeting", &d.meeting_id.to_string(), &id.to_string()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a document's row; the caller removes its file.
    pub async fn delete_meeting_document(&self, by: &Author, d: &MeetingDocument) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM meeting_documents WHERE id = $1").bind(d.id).execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("document introuvable".into()));
        }
        append(&mut tx, by, "meeting.document_delete", "council_meeting", &d.meeting_id.to_string(), &d.id.to_string()).await?;
        tx.commit().await
    }
}
