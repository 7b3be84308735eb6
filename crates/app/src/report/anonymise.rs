//! Anonymisation of closed reports past their delay (privacy rules: a report concerns a place,
//! and its free text and photos are not kept for ever).

use crate::App;
use maillage_core::time_fmt;
use maillage_store::{Author, StoreError};

/// Anonymises the reports closed more than `days` ago and deletes their photo files. Returns
/// how many reports were anonymised.
pub async fn anonymise_closed(app: &App, days: u32) -> Result<u64, StoreError> {
    let cutoff = time_fmt::to_storage(time_fmt::now() - time::Duration::days(i64::from(days)));
    let done = app.store.anonymise_closed_reports(&Author::system(), &cutoff).await?;
    let folder = super::photo::folder(&app.data_dir);
    for f in done.photo_files.iter().filter(|f| super::photo::is_stored_name(f)) {
        if let Err(e) = tokio::fs::remove_file(folder.join(f)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("photo {f} : {e}");
        }
    }
    Ok(done.reports)
}
