//! `maillage strategy import FILE` / `strategy export`.

use anyhow::Context;
use maillage_store::Author;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum StrategyAction {
    /// Imports a strategy file: a new strategy, or a new version of the one with the same code.
    Import { file: PathBuf },
    /// Writes the current version of a strategy to standard output or a file.
    Export {
        #[arg(long)]
        code: Option<String>,
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub async fn run(config_file: Option<&Path>, action: StrategyAction) -> anyhow::Result<()> {
    let (_, store) = crate::open(config_file).await?;
    match action {
        StrategyAction::Import { file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("lecture de {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let doc = maillage_core::strategy::parse_file(&file.display().to_string(), &text)?;
            let outcome = store.save_strategy(&Author::command_line(), &doc, &format!("import {name}")).await?;
            println!(
                "{} « {} » : version {} ({} axes, {} fiches).",
                if outcome.created { "Stratégie créée" } else { "Nouvelle version" },
                doc.code,
                outcome.version,
                doc.axes.len(),
                doc.sheets().count()
            );
        }
        StrategyAction::Export { code, output } => {
            let s = match code {
                Some(c) => store.strategy(&c).await?.with_context(|| format!("aucune stratégie {c}"))?,
                None => store.current_strategy().await?.context("aucune stratégie chargée")?,
            };
            let text = maillage_core::strategy::to_file(&s.doc);
            store
                .record_event(&Author::command_line(), "strategy.export", "strategy", &s.doc.code, &format!("version {}", s.version))
                .await?;
            match output {
                Some(path) => std::fs::write(&path, &text).with_context(|| format!("écriture de {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}
