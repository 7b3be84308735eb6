//! Documents attached to a CLSPD meeting (the evaluation's slides, a partner's report). Only
//! formats whose text can be read are taken (PDF, OpenDocument, Office Open XML), their kind
//! read from the content, never the name. Before anything is kept, the title and the whole
//! text (body, headers, notes, metadata) are checked for the names of the persons the working
//! groups follow (charter art. 5: nothing nominative in these meetings). A document that names
//! one is refused with a warning that says neither who nor where, the refusal goes into the
//! audit chain, and nothing is kept. A document whose text cannot be read (a scan, a password)
//! cannot be checked, so it is refused too. The file is kept as sent, under a random name in
//! the data folder.

use crate::App;
use crate::working_group::names::{NameCheckError, refuse_followed_names};
use maillage_core::meeting::{DOCUMENTS_MAX, DocumentKind, MeetingStatus, check_document_title};
use maillage_store::meeting::Meeting;
use maillage_store::meeting::document::MeetingDocument;
use maillage_store::{Author, StoreError};
use std::path::{Path, PathBuf};

/// Said when a text of a meeting seems to name a followed person: never who, nor where.
pub const NAMES_A_FOLLOWED_PERSON: &str = "il semble contenir le nom d'une personne suivie par un groupe de travail. \
     Aucune information nominative ne figure dans ce qui concerne les réunions du CLSPD (charte, article 5) : \
     retirez les noms (des initiales suffisent) puis recommencez";

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Said to the person: the title, the file, the count, or a name found.
    #[error("Document refusé : {0}.")]
    Refused(String),
    #[error("enregistrement du fichier : {0}")]
    Io(#[from] std::io::Error),
    #[error("lecture interrompue : {0}")]
    Interrupted(String),
    #[error(transparent)]
    NameCheck(#[from] NameCheckError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the documents' files live.
pub fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("documents")
}

/// A stored file name is ours (hexadecimal, a dot, a known extension: no path): anything
/// else is refused before touching the disk.
pub fn is_stored_name(name: &str) -> bool {
    name.split_once('.').is_some_and(|(stem, ext)| {
        stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && DocumentKind::from_code(ext).is_some()
    })
}

/// The kind of a sent file and the texts to check, or why it cannot be checked.
fn read(bytes: &[u8]) -> Result<(DocumentKind, Vec<String>), String> {
    if bytes.starts_with(b"%PDF-") {
        let t = maillage_pdf::reading::text_of(bytes).map_err(|e| e.to_string())?;
        if !t.pages.chars().any(char::is_alphabetic) {
            return Err("le PDF ne contient pas de texte lisible (un document numérisé ?) : il ne peut pas être vérifié ; \
                 déposez la version d'origine, exportée en PDF depuis le traitement de texte"
                .into());
        }
        let mut texts = vec![format!("{}\n{}", t.pages, t.metadata)];
        // Files attached to the PDF: an office document is read as one, anything else as text.
        for file in &t.attachments {
            match maillage_office::reading::text_of(file) {
                Ok((_, inner)) => texts.extend([inner.joined, inner.broken]),
                Err(_) => texts.push(String::from_utf8_lossy(file).into_owned()),
            }
        }
        return Ok((DocumentKind::Pdf, texts));
    }
    match maillage_office::reading::text_of(bytes) {
        Ok((kind, t)) => Ok((kind, vec![t.joined, t.broken])),
        Err(maillage_office::reading::ReadError::NotAnOfficeDocument) => {
            Err("seuls les PDF et les documents OpenDocument (odt, ods, odp), \
             Word, Excel ou PowerPoint sont acceptés, parce que leur texte peut être vérifié"
                .to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Checks a document for `m` (title, count, size, format, names), keeps its file and adds it.
pub async fn add(app: &App, by: &Author, m: &Meeting, title: &str, bytes: Vec<u8>) -> Result<i64, DocumentError> {
    if m.status == MeetingStatus::Cancelled {
        return Err(DocumentError::Refused("la réunion est annulée".into()));
    }
    if let Some(f) = check_document_title(title) {
        return Err(DocumentError::Refused(f.trim_end_matches('.').to_string()));
    }
    if app.store.meeting_documents(m.id).await?.len() >= DOCUMENTS_MAX {
        return Err(DocumentError::Refused(format!("la réunion a déjà {DOCUMENTS_MAX} documents, le maximum : retirez-en un d'abord")));
    }
    if bytes.is_empty() {
        return Err(DocumentError::Refused("choisissez un fichier".into()));
    }
    // The same bound as a photo's: what a partner sends by e-mail.
    if bytes.len() > app.max_photo_bytes {
        return Err(DocumentError::Refused(format!("le fichier dépasse la taille permise ({} Mo)", app.max_photo_bytes / (1024 * 1024))));
    }
    // The turn goes with the reading: a request given up does not free it while it runs.
    let turn = crate::working_group::names::CHECKS.acquire().await.map_err(|e| DocumentError::Interrupted(e.to_string()))?;
    let (bytes, read) = tokio::task::spawn_blocking(move || {
        let read = read(&bytes);
        drop(turn);
        (bytes, read)
    })
    .await
    .map_err(|e| DocumentError::Interrupted(e.to_string()))?;
    let (kind, mut texts) = read.map_err(DocumentError::Refused)?;
    texts.push(title.to_string());
    if let Some(why) = refuse_followed_names(app, by, m.id, "document", texts).await? {
        return Err(DocumentError::Refused(why));
    }
    let dir = folder(&app.data_dir);
    let file_name = format!("{}.{}", maillage_core::organisation::api_key::random_hex(16), kind.code());
    tokio::fs::create_dir_all(&dir).await?;
    tokio::fs::write(dir.join(&file_name), &bytes).await?;
    let d = MeetingDocument {
        id: 0,
        meeting_id: m.id,
        title: title.trim().to_string(),
        kind,
        file_name,
        size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        created_at: maillage_core::time_fmt::now(),
        created_by: by.label.clone(),
    };
    match app.store.add_meeting_document(by, &d).await {
        Ok(id) => Ok(id),
        Err(e) => {
            forget(app, &d.file_name).await;
            Err(match e {
                StoreError::Conflict(m) => DocumentError::Refused(m),
                e => e.into(),
            })
        }
    }
}

/// A document's file.
pub async fn file(app: &App, d: &MeetingDocument) -> Result<Vec<u8>, std::io::Error> {
    if !is_stored_name(&d.file_name) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "nom de fichier inattendu"));
    }
    tokio::fs::read(folder(&app.data_dir).join(&d.file_name)).await
}

/// Removes a document: its row, then its file.
pub async fn remove(app: &App, by: &Author, d: &MeetingDocument) -> Result<(), StoreError> {
    app.store.delete_meeting_document(by, d).await?;
    forget(app, &d.file_name).await;
    Ok(())
}

/// Removes a kept file whose row is gone; a file already missing is no fault.
async fn forget(app: &App, name: &str) {
    if !is_stored_name(name) {
        return;
    }
    if let Err(e) = tokio::fs::remove_file(folder(&app.data_dir).join(name)).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(file = name, error = %e, "document file not removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_file_names_are_read() {
        assert!(is_stored_name("0123456789abcdef0123456789abcdef.pdf"));
        assert!(!is_stored_name("../0123456789abcdef0123456789abcdef.pdf"));
        assert!(!is_stored_name("0123456789abcdef0123456789abcdef.exe"));
        assert!(!is_stored_name("0123456789abcdef0123456789abcdef.pdf/x"));
    }
}
