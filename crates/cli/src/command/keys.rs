//! `maillage keys create FILE` / `keys add FILE` / `keys rotate`: the file of the keys that seal
//! nominative data, and sealing again under the current key.

use maillage_app::keyring::Keyring;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum KeysAction {
    /// Makes a new key file (never overwrites one), readable by its owner only. Keep it outside
    /// the database folder and its backups, and name it in the configuration (`key_file`).
    Create { file: PathBuf },
    /// Adds a new current key to the file: values written from then on are sealed with it, and
    /// older ones still open with the keys kept beside it.
    Add { file: PathBuf },
    /// Seals again, under the current key, every value sealed by an older one (after
    /// `keys add`), in batches; afterwards the older keys can be removed from the file.
    Rotate {
        /// Rows per transaction.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
}

pub async fn run(config_file: Option<&std::path::Path>, action: &KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Rotate { batch } => {
            let (config, store) = crate::open(config_file).await?;
            let app = maillage_app::App::new(store, &config.app()?).await?;
            let started = std::time::Instant::now();
            let mut last = 0;
            let n = maillage_app::keyring::rotate(&app, &maillage_store::Author::command_line(), *batch, &mut |n| {
                if n >= last + 10_000 {
                    eprintln!("… {n} valeurs rechiffrées");
                    last = n;
                }
            })
            .await?;
            let current = app.keyring.as_ref().map(|k| k.current().to_string()).unwrap_or_default();
            println!("{n} valeurs rechiffrées avec la clé « {current} » en {:.1} s.", started.elapsed().as_secs_f64());
        }
        KeysAction::Create { file } => {
            let ring = Keyring::create(file)?;
            println!("Fichier de clés créé : {} (clé courante « {} »).", file.display(), ring.current());
        }
        KeysAction::Add { file } => {
            let ring = Keyring::add_key(file)?;
            println!("Nouvelle clé courante « {} » ajoutée à {}.", ring.current(), file.display());
        }
    }
    Ok(())
}
