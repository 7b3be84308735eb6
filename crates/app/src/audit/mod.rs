//! The audit chain's anchors outside the database (see `maillage_core::audit::anchor`): written
//! every hour by a serving process and after each purge, checked by `maillage audit verify`.

use maillage_core::audit::anchor::{Anchor, AnchorError, AnchorKind, check_anchors, parse_anchors};
use maillage_core::time_fmt;
use maillage_store::{Store, StoreError};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AnchorFileError {
    #[error("fichier d'ancrage {path} : {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The append-only file of anchors: best on another disk or host than the database, so that
/// whoever can rewrite the database cannot rewrite its anchors as well.
#[derive(Clone, Debug)]
pub struct AnchorFile {
    pub path: PathBuf,
}

impl AnchorFile {
    fn io(&self, source: std::io::Error) -> AnchorFileError {
        AnchorFileError::Io { path: self.path.display().to_string(), source }
    }

    /// Appends the chain's current bounds, written through to the disk.
    pub async fn write(&self, store: &Store, kind: AnchorKind) -> Result<Anchor, AnchorFileError> {
        let bounds = store.audit_bounds().await?;
        let anchor = Anchor::new(time_fmt::to_storage(time_fmt::now()), kind, &bounds);
        let (path, line) = (self.path.clone(), anchor.to_line());
        tokio::task::spawn_blocking(move || {
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
            writeln!(f, "{line}")?;
            f.sync_all()
        })
        .await
        .map_err(|e| self.io(std::io::Error::other(e)))?
        .map_err(|e| self.io(e))?;
        // Also in the program's log (journald under systemd): a second copy elsewhere.
        tracing::info!(anchor = %anchor.to_line(), "ancrage du journal d'audit");
        Ok(anchor)
    }

    /// Checks the chain against the anchors; a missing file has none (a fresh installation).
    pub async fn check(&self, store: &Store) -> Result<Result<usize, AnchorError>, AnchorFileError> {
        let text = match tokio::fs::read_to_string(&self.path).await {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(0)),
            Err(e) => return Err(self.io(e)),
        };
        let anchors = match parse_anchors(&text) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        let bounds = store.audit_bounds().await?;
        let latest = anchors.iter().map(|a| a.head_seq).max().unwrap_or(0);
        let stored = store.audit_hash(latest).await?;
        Ok(check_anchors(&anchors, &bounds, |seq| if seq == latest { stored.clone() } else { None }))
    }
}
