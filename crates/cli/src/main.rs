//! `maillage`: the command line. `anyhow` lives here only, at the edge. One file per command
//! under `command/`; the background work of a serving process is in `jobs.rs`.

mod command;
mod config;
mod demo;
mod jobs;

use anyhow::bail;
use clap::{Parser, Subcommand};
use config::Config;
use maillage_store::Store;
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "maillage", version, about = "Maillage — l'outil partenarial du CLSPD")]
struct Cli {
    /// Configuration file (TOML); `MAILLAGE_*` variables override it. Accepted before or after
    /// the command.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the demo: SQLite in a data folder, the Gennevilliers strategy, fictitious accounts.
    Demo(command::demo::DemoArgs),
    /// Serves in production, configured by file and environment.
    Serve,
    /// Applies the database migrations and exits.
    Migrate,
    /// Manages accounts. Passwords are read from standard input.
    User {
        #[command(subcommand)]
        action: command::user::UserAction,
    },
    /// Imports or exports a strategy file.
    Strategy {
        #[command(subcommand)]
        action: command::strategy::StrategyAction,
    },
    /// Checks or purges the audit log.
    Audit {
        #[command(subcommand)]
        action: command::audit::AuditAction,
    },
    /// Makes the key file, or adds a new key to it.
    Keys {
        #[command(subcommand)]
        action: command::keys::KeysAction,
    },
    /// Writes a consistent copy of the database: an SQLite file (`.db`) by `VACUUM INTO` on
    /// SQLite, or else an export (JSON lines) that `restore` reads on either backend.
    Backup { dest: PathBuf },
    /// Reads an export into an empty database (SQLite or PostgreSQL).
    Restore { source: PathBuf },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("MAILLAGE_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("erreur : {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Demo(args) => {
            if config.is_some() {
                bail!("la démo ne lit pas de fichier de configuration : ses options sont --listen, --data, --smtp et --address-search");
            }
            command::demo::run(args).await
        }
        Command::Serve => command::serve::run(config).await,
        Command::Migrate => {
            let (config, _) = open(config).await?;
            println!("Schéma à jour : {}", maillage_store::mask_url(&config.database_url));
            Ok(())
        }
        Command::User { action } => command::user::run(config, action).await,
        Command::Strategy { action } => command::strategy::run(config, action).await,
        Command::Audit { action } => command::audit::run(config, action).await,
        Command::Keys { action } => command::keys::run(config, &action).await,
        Command::Backup { dest } => command::backup::backup(config, &dest).await,
        Command::Restore { source } => command::backup::restore(config, &source).await,
    }
}

/// Reads the configuration and opens the database (applying migrations).
async fn open(file: Option<&Path>) -> anyhow::Result<(Config, Store)> {
    let config = Config::load(file)?;
    let store = Store::connect(&config.database_url).await?;
    Ok((config, store))
}

/// A password, from standard input (never from the command line, which others can read).
fn read_password() -> anyhow::Result<String> {
    eprintln!("Mot de passe (lu sur l'entrée standard) :");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("aucun mot de passe lu sur l'entrée standard");
    }
    Ok(pw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_accepted_before_or_after_the_command() {
        for args in [["maillage", "--config", "m.toml", "audit", "verify"], ["maillage", "audit", "verify", "--config", "m.toml"]] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert_eq!(cli.config.as_deref(), Some(Path::new("m.toml")), "{args:?}");
        }
        assert!(Cli::try_parse_from(["maillage", "backup", "out.jsonl", "--config", "m.toml"]).is_ok());
    }
}
