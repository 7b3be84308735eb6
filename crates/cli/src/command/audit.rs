//! `maillage audit verify` / `audit purge`.

use anyhow::bail;
use maillage_core::audit::anchor::AnchorKind;
use maillage_store::Author;
use std::path::Path;

#[derive(clap::Subcommand)]
pub enum AuditAction {
    /// Verifies the hash chain of the audit log, and the chain against its anchors (the file
    /// `audit_anchor_file`).
    Verify,
    /// Removes entries older than the retention period.
    Purge,
}

pub async fn run(config_file: Option<&Path>, action: AuditAction) -> anyhow::Result<()> {
    let (config, store) = crate::open(config_file).await?;
    match action {
        AuditAction::Verify => {
            let mut last = 0;
            let result = store
                .audit_verify(&mut |n| {
                    if n >= last + 10_000 {
                        eprintln!("… {n} entrées lues");
                        last = n;
                    }
                })
                .await?;
            let n = match result {
                Ok(n) => n,
                Err(e) => bail!("journal altéré : {e}"),
            };
            let anchors = config.anchor_file();
            match anchors.check(&store).await? {
                Ok(a) => println!("Journal intègre : {n} entrées vérifiées, {a} ancrages concordants ({}).", anchors.path.display()),
                Err(e) => bail!("journal altéré : {e}"),
            }
        }
        AuditAction::Purge => {
            let cutoff = audit_cutoff(config.audit_retention_days);
            let n = store.audit_purge(&Author::command_line(), &cutoff).await?;
            config.anchor_file().write(&store, AnchorKind::Purge).await?;
            println!("{n} entrées antérieures au {cutoff} supprimées ; ancrage écrit.");
        }
    }
    Ok(())
}

/// The instant before which audit entries are past their retention.
pub fn audit_cutoff(retention_days: u32) -> String {
    maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() - time::Duration::days(i64::from(retention_days)))
}
