//! Photos of an activity carried out: pictures only, cleaned as a report's are
//! (`report::photo::keep`: decoded and encoded again, no metadata left), each with a caption
//! that is its text alternative. No document types: a PDF or a spreadsheet cannot be cleaned of
//! what it carries, and an attendance sheet would bring names where counts are enough.

use crate::App;
use crate::report::photo::{AddPhotoError, forget, keep};
use maillage_store::activity::photo::{ActivityPhoto, MAX_PER_ACTIVITY};
use maillage_store::{Author, StoreError};

/// The longest caption.
pub const MAX_CAPTION: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ActivityPhotoError {
    /// Said to the person: the caption, the picture or the count.
    #[error("Photo refusée : {0}.")]
    Refused(String),
    #[error(transparent)]
    Photo(AddPhotoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AddPhotoError> for ActivityPhotoError {
    fn from(e: AddPhotoError) -> Self {
        match e {
            AddPhotoError::Refused(r) => ActivityPhotoError::Refused(r.to_string()),
            AddPhotoError::Store(e) => ActivityPhotoError::Store(e),
            e => ActivityPhotoError::Photo(e),
        }
    }
}

/// The caption's fault, if any.
pub fn caption_fault(caption: &str) -> Option<String> {
    if caption.trim().is_empty() {
        return Some("décrivez la photo en quelques mots (la légende la remplace pour qui ne la voit pas)".into());
    }
    if let Err(m) = maillage_core::strategy::check_text(caption, true) {
        return Some(format!("légende : {m}"));
    }
    (caption.trim().chars().count() > MAX_CAPTION).then(|| format!("légende de {MAX_CAPTION} caractères au plus"))
}

/// Checks the caption and the count first (cheap), then cleans and keeps the picture and adds
/// it; files kept for a row that could not be written are removed.
pub async fn add(app: &App, by: &Author, activity_id: i64, caption: &str, bytes: Vec<u8>) -> Result<i64, ActivityPhotoError> {
    if let Some(m) = caption_fault(caption) {
        return Err(ActivityPhotoError::Refused(m));
    }
    if app.store.activity_photos(activity_id).await?.len() >= usize::try_from(MAX_PER_ACTIVITY).unwrap_or(usize::MAX) {
        return Err(ActivityPhotoError::Refused(format!("une action garde {MAX_PER_ACTIVITY} photos au plus : retirez-en une d'abord")));
    }
    let kept = keep(app, bytes).await?;
    let photo = ActivityPhoto {
        id: 0,
        activity_id,
        file_name: kept.file_name,
        thumbnail_name: kept.thumbnail_name,
        width: kept.width,
        height: kept.height,
        size_bytes: kept.size_bytes,
        caption: caption.trim().to_string(),
    };
    match app.store.add_activity_photo(by, &photo).await {
        Ok(id) => Ok(id),
        Err(e) => {
            forget(app, &[&photo.file_name, &photo.thumbnail_name]).await;
            Err(match e {
                StoreError::Conflict(m) => ActivityPhotoError::Refused(m),
                e => e.into(),
            })
        }
    }
}

/// Removes a photo: its row, then its files.
pub async fn remove(app: &App, by: &Author, photo: &ActivityPhoto) -> Result<(), StoreError> {
    app.store.delete_activity_photo(by, photo).await?;
    forget(app, &[&photo.file_name, &photo.thumbnail_name]).await;
    Ok(())
}

/// Removes the files of an activity's photos once the activity is deleted (its rows went with
/// it).
pub async fn forget_files(app: &App, photos: &[ActivityPhoto]) {
    for p in photos {
        forget(app, &[&p.file_name, &p.thumbnail_name]).await;
    }
}
