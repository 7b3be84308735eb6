//! Documents typeset as PDF, kept by their content: typesetting takes a noticeable time, and
//! the same report is downloaded by many (each partner, each elected official, again after a
//! reload). A document is found again only if it is the same to the byte, with the same author
//! and day, so a kept PDF is never stale.

use crate::App;
use crate::evaluation::ExportError;
use maillage_core::document::Document;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How many documents are kept: the few that are downloaded at a time.
const KEPT: usize = 8;

#[derive(Debug, Default)]
pub struct PdfCache(Mutex<VecDeque<Kept>>);

/// A document's key (SHA-256 of its content, author and day) and its PDF.
type Kept = ([u8; 32], Arc<Vec<u8>>);

impl PdfCache {
    fn get(&self, key: &[u8; 32]) -> Option<Arc<Vec<u8>>> {
        self.0.lock().ok()?.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    fn put(&self, key: [u8; 32], pdf: Arc<Vec<u8>>) {
        if let Ok(mut kept) = self.0.lock() {
            kept.retain(|(k, _)| *k != key);
            kept.push_front((key, pdf));
            kept.truncate(KEPT);
        }
    }
}

/// `doc` as PDF/A-2a and PDF/UA-1 by `author`, dated today: typeset off the async runtime, or
/// found again.
pub async fn pdf(app: &App, doc: Document, author: String) -> Result<Arc<Vec<u8>>, ExportError> {
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let day = (today.year(), u8::from(today.month()), today.day());
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&doc).map_err(maillage_pdf::PdfError::from)?);
    hasher.update(author.as_bytes());
    hasher.update(today.to_string().as_bytes());
    let key: [u8; 32] = hasher.finalize().into();
    if let Some(kept) = app.pdfs.get(&key) {
        return Ok(kept);
    }
    let pdf = Arc::new(tokio::task::spawn_blocking(move || maillage_pdf::write(&doc, &author, day)).await??);
    app.pdfs.put(key, pdf.clone());
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_last_documents_by_content() {
        let cache = PdfCache::default();
        for n in 0..=KEPT as u8 {
            cache.put([n; 32], Arc::new(vec![n]));
        }
        assert!(cache.get(&[0; 32]).is_none(), "the oldest is dropped");
        assert_eq!(cache.get(&[KEPT as u8; 32]).as_deref(), Some(&vec![KEPT as u8]));
        cache.put([1; 32], Arc::new(vec![9]));
        assert_eq!(cache.get(&[1; 32]).as_deref(), Some(&vec![9]), "a key is kept once, with its newest bytes");
    }
}
