//! Photos of an activity: the row of each cleaned picture kept under the data folder, with its
//! caption. Adding and removing one go into the audit chain.

use crate::audit::append;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt;

/// The most photos one activity keeps: enough to show an action, not an album.
pub const MAX_PER_ACTIVITY: i64 = 12;

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityPhoto {
    pub id: i64,
    pub activity_id: i64,
    pub file_name: String,
    pub thumbnail_name: String,
    pub width: i64,
    pub height: i64,
    pub size_bytes: i64,
    pub caption: String,
}

const SELECT: &str = "SELECT id, activity_id, file_name, thumbnail_name, width, height, size_bytes, caption FROM activity_photos";

impl Store {
    /// An activity's photos, in the order they were added.
    pub async fn activity_photos(&self, activity_id: i64) -> Result<Vec<ActivityPhoto>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE activity_id = $1 ORDER BY id")))
                .bind(activity_id)
                .fetch_all(p)
                .await?
        }))
    }

    pub async fn activity_photo(&self, id: i64) -> Result<Option<ActivityPhoto>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1"))).bind(id).fetch_optional(p).await?
        }))
    }

    /// Adds a kept photo to an activity, unless it already holds [`MAX_PER_ACTIVITY`] (checked
    /// in the same transaction, so that parallel uploads cannot pass it).
    pub async fn add_activity_photo(&self, by: &Author, photo: &ActivityPhoto) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let (held, id): (i64, Option<i64>) = on_tx!(&mut tx, c, {
            let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activity_photos WHERE activity_id = $1")
                .bind(photo.activity_id)
                .fetch_one(&mut *c)
                .await?;
            if held >= MAX_PER_ACTIVITY {
                (held, None)
            } else {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO activity_photos (activity_id, file_name, thumbnail_name, width, height, size_bytes, caption, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(photo.activity_id)
                .bind(&photo.file_name)
                .bind(&photo.thumbnail_name)
                .bind(photo.width)
                .bind(photo.height)
                .bind(photo.size_bytes)
                .bind(photo.caption.trim())
                .bind(&now)
                .bind(&by.label)
                .fetch_one(&mut *c)
                .await?;
                (held, Some(id))
            }
        });
        let Some(id) = id else {
            return Err(StoreError::Conflict(format!("cette action a déjà {held} photos, le maximum : retirez-en une d'abord")));
        };
        append(&mut tx, by, "activity.photo_add", "activity", &photo.activity_id.to_string(), &id.to_string()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a photo's row; the caller removes its files.
    pub async fn delete_activity_photo(&self, by: &Author, photo: &ActivityPhoto) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM activity_photos WHERE id = $1").bind(photo.id).execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("photo introuvable".into()));
        }
        append(&mut tx, by, "activity.photo_delete", "activity", &photo.activity_id.to_string(), &photo.id.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }
}
