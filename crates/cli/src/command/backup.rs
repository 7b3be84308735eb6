//! `maillage backup DEST` / `maillage restore SOURCE`.

use anyhow::{Context, bail};
use std::io::Write;
use std::path::Path;

pub async fn backup(config_file: Option<&Path>, dest: &Path) -> anyhow::Result<()> {
    let (_, store) = crate::open(config_file).await?;
    if dest.exists() {
        bail!("{} existe déjà : choisissez un autre nom", dest.display());
    }
    let is_db_file = dest.extension().is_some_and(|e| e == "db" || e == "sqlite");
    if is_db_file && store.backend() == maillage_store::Backend::Sqlite {
        eprintln!("Copie cohérente (VACUUM INTO)…");
        store.vacuum_into(&dest.display().to_string()).await?;
    } else {
        let file = std::fs::File::create(dest).with_context(|| format!("création de {}", dest.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let n = store.export(&mut out, &mut |table, n| eprintln!("  {table} : {n} lignes")).await?;
        out.flush()?;
        eprintln!("{n} lignes exportées.");
    }
    println!("Sauvegarde écrite : {}", dest.display());
    Ok(())
}

pub async fn restore(config_file: Option<&Path>, source: &Path) -> anyhow::Result<()> {
    let (_, store) = crate::open(config_file).await?;
    let file = std::fs::File::open(source).with_context(|| format!("lecture de {}", source.display()))?;
    let mut input = std::io::BufReader::new(file);
    let n = store.restore(&mut input, &mut |table, n| eprintln!("  {table} : {n} lignes")).await?;
    println!("{n} lignes restaurées depuis {}.", source.display());
    Ok(())
}
