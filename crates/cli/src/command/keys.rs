//! `maillage keys create FILE` / `keys add FILE`: the file of the keys that seal nominative data.

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
}

pub fn run(action: &KeysAction) -> anyhow::Result<()> {
    match action {
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
