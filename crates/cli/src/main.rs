//! `maillage`: the command line. `anyhow` lives here only, at the edge.

mod config;
mod demo;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::Config;
use maillage_core::authz::Role;
use maillage_store::users::NewUser;
use maillage_store::{Author, Store};
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "maillage", version, about = "Maillage — l'outil partenarial du CLSPD")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArgs {
    /// Configuration file (TOML); `MAILLAGE_*` variables override it.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the demo: SQLite in a data folder, the Gennevilliers strategy, fictitious accounts.
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        #[arg(long, default_value = "maillage-data")]
        data: PathBuf,
        /// SMTP relay to deliver the demo's e-mail to (e.g. smtp://127.0.0.1:2525); without it,
        /// e-mail waits in the outbox.
        #[arg(long)]
        smtp: Option<String>,
        /// Geocoder for the address look-up on the report form (e.g.
        /// https://data.geopf.fr/geocodage/search); without it, off.
        #[arg(long)]
        address_search: Option<String>,
    },
    /// Serves in production, configured by file and environment.
    Serve(DbArgs),
    /// Applies the database migrations and exits.
    Migrate(DbArgs),
    /// Manages accounts. Passwords are read from standard input.
    User {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Imports or exports a strategy file.
    Strategy {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: StrategyAction,
    },
    /// Checks or purges the audit log.
    Audit {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Writes a consistent copy of the database: an SQLite file (`.db`) by `VACUUM INTO` on
    /// SQLite, or else an export (JSON lines) that `restore` reads on either backend.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        dest: PathBuf,
    },
    /// Reads an export into an empty database (SQLite or PostgreSQL).
    Restore {
        #[command(flatten)]
        db: DbArgs,
        source: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Creates an account; the password is read from standard input.
    Create {
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// Organisation code.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Replaces an account's roles (comma-separated).
    SetRole {
        email: String,
        roles: String,
    },
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
    /// Sets a new password, read from standard input.
    ResetPassword {
        email: String,
    },
    List,
}

#[derive(Subcommand)]
enum StrategyAction {
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

#[derive(Subcommand)]
enum AuditAction {
    /// Verifies the hash chain of the audit log.
    Verify,
    /// Removes entries older than the retention period.
    Purge,
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

async fn open(db: &DbArgs) -> anyhow::Result<(Config, Store)> {
    let config = Config::load(db.config.as_deref())?;
    let store = Store::connect(&config.database_url).await?;
    Ok((config, store))
}

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

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { listen, data, smtp, address_search } => {
            std::fs::create_dir_all(&data).with_context(|| format!("dossier {}", data.display()))?;
            let url = format!("sqlite://{}", data.join("maillage.db").display());
            let store = Store::connect(&url).await?;
            let loaded = demo::load(&store).await?;
            let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("écoute sur {listen}"))?;
            let addr = listener.local_addr()?;
            println!("Maillage (démo) : http://{addr}/");
            println!("Données : {} ({})", data.display(), if loaded { "créées" } else { "reprises" });
            println!("Comptes de démonstration (fictifs) :");
            for (email, name, _, role, password) in demo::ACCOUNTS {
                println!("  {:<16} {email:<32} {password:<30} {name}", role.label().split(' ').next().unwrap_or(""));
            }
            println!("Clé Open311 du bailleur de démonstration : {}", demo::API_KEY);
            std::io::stdout().flush()?;
            let geocoder = address_search.as_deref().map(maillage_web::geocoder::Geocoder::new).transpose().context("--address-search")?;
            let web =
                maillage_web::WebConfig { data_dir: data.clone(), public_url: format!("http://{addr}"), geocoder, ..Default::default() };
            let mail =
                smtp.map(|smtp_url| maillage_web::mailer::MailConfig { smtp_url, from: "Maillage démo <demo@maillage.invalid>".into() });
            spawn_jobs(&store, mail, 365, maillage_core::audit::RETENTION_DEFAULT_DAYS, data, web.public_url.clone())?;
            let state = maillage_web::AppState::new(store, &web).await?;
            maillage_web::serve(listener, maillage_web::app(state, &web)).await?;
        }
        Command::Serve(db) => {
            let (config, store) = open(&db).await?;
            let listener = tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("écoute sur {}", config.listen))?;
            tracing::info!("Maillage sert sur http://{}/ ({})", listener.local_addr()?, maillage_store::mask_url(&config.database_url));
            spawn_jobs(
                &store,
                config.mail(),
                config.report_anonymise_after_days,
                config.audit_retention_days,
                config.data_dir.clone().into(),
                config.public_url.clone(),
            )?;
            let web = config.web()?;
            let state = maillage_web::AppState::new(store, &web).await?;
            maillage_web::serve(listener, maillage_web::app(state, &web)).await?;
        }
        Command::Migrate(db) => {
            let (config, _) = open(&db).await?;
            println!("Schéma à jour : {}", maillage_store::mask_url(&config.database_url));
        }
        Command::User { db, action } => user(&db, action).await?,
        Command::Strategy { db, action } => strategy(&db, action).await?,
        Command::Audit { db, action } => {
            let (config, store) = open(&db).await?;
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
                    match result {
                        Ok(n) => println!("Journal intègre : {n} entrées vérifiées."),
                        Err(e) => bail!("journal altéré : {e}"),
                    }
                }
                AuditAction::Purge => {
                    let cutoff = audit_cutoff(config.audit_retention_days);
                    let n = store.audit_purge(&Author::command_line(), &cutoff).await?;
                    println!("{n} entrées antérieures au {cutoff} supprimées.");
                }
            }
        }
        Command::Backup { db, dest } => {
            let (_, store) = open(&db).await?;
            if dest.exists() {
                bail!("{} existe déjà : choisissez un autre nom", dest.display());
            }
            let is_db_file = dest.extension().is_some_and(|e| e == "db" || e == "sqlite");
            if is_db_file && store.backend() == maillage_store::Backend::Sqlite {
                eprintln!("Copie cohérente (VACUUM INTO)…");
                store.vacuum_into(&dest.display().to_string()).await?;
            } else {
                let file = std::fs::File::create(&dest).with_context(|| format!("création de {}", dest.display()))?;
                let mut out = std::io::BufWriter::new(file);
                let n = store.export(&mut out, &mut |table, n| eprintln!("  {table} : {n} lignes")).await?;
                out.flush()?;
                eprintln!("{n} lignes exportées.");
            }
            println!("Sauvegarde écrite : {}", dest.display());
        }
        Command::Restore { db, source } => {
            let (_, store) = open(&db).await?;
            let file = std::fs::File::open(&source).with_context(|| format!("lecture de {}", source.display()))?;
            let mut input = std::io::BufReader::new(file);
            let n = store.restore(&mut input, &mut |table, n| eprintln!("  {table} : {n} lignes")).await?;
            println!("{n} lignes restaurées depuis {}.", source.display());
        }
    }
    Ok(())
}

/// The instant before which audit entries are past their retention.
/// Background work of a serving process: the e-mail sender, the daily digests, and once a day
/// the purges the
/// privacy rules ask for (audit log past its retention, expired sessions, closed reports past
/// their anonymisation delay with their photo files).
fn spawn_jobs(
    store: &Store,
    mail: Option<maillage_web::mailer::MailConfig>,
    anonymise_after_days: u32,
    audit_retention_days: u32,
    data_dir: PathBuf,
    public_url: String,
) -> anyhow::Result<()> {
    if let Some(m) = mail {
        let mailer = maillage_web::mailer::Mailer::new(&m)?;
        tokio::spawn(mailer.run(store.clone(), std::time::Duration::from_secs(10)));
    }
    // Daily digests: checked every hour, each subscriber gets one a day at most.
    let digest_store = store.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = maillage_web::reporting::queue_digests(&digest_store, &public_url).await {
                tracing::warn!("récapitulatifs quotidiens : {e}");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
    let store = store.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = store.audit_purge(&Author::system(), &audit_cutoff(audit_retention_days)).await {
                tracing::warn!("purge du journal : {e}");
            }
            let now = maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now());
            let _ = store.sessions_purge_expired(&now).await;
            match anonymise(&store, anonymise_after_days, &data_dir).await {
                Ok(n) if n > 0 => tracing::info!("{n} signalements clos anonymisés"),
                Ok(_) => {}
                Err(e) => tracing::warn!("anonymisation des signalements : {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(24 * 3600)).await;
        }
    });
    Ok(())
}

/// Anonymises the reports closed more than `days` ago and deletes their photo files.
async fn anonymise(store: &Store, days: u32, data_dir: &std::path::Path) -> anyhow::Result<u64> {
    let cutoff = maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() - time::Duration::days(i64::from(days)));
    let (n, files) = store.anonymise_closed_reports(&Author::system(), &cutoff).await?;
    let folder = maillage_web::photos::folder(data_dir);
    for f in files.iter().filter(|f| maillage_web::photos::is_stored_name(f)) {
        if let Err(e) = tokio::fs::remove_file(folder.join(f)).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("photo {f} : {e}");
        }
    }
    Ok(n)
}

fn audit_cutoff(retention_days: u32) -> String {
    maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() - time::Duration::days(i64::from(retention_days)))
}

async fn find_user(store: &Store, email: &str) -> anyhow::Result<maillage_store::users::UserRecord> {
    store.user_by_email(email).await?.with_context(|| format!("aucun compte {email}"))
}

fn parse_roles(list: &str) -> anyhow::Result<Vec<Role>> {
    list.split(',')
        .map(|r| Role::from_code(r).with_context(|| format!("rôle inconnu « {r} » (administrator, coordinator, partner, reader, dpo)")))
        .collect()
}

async fn user(db: &DbArgs, action: UserAction) -> anyhow::Result<()> {
    let (_, store) = open(db).await?;
    let by = Author::command_line();
    match action {
        UserAction::Create { email, name, role, organisation } => {
            let roles = parse_roles(&role)?;
            let organisation_id = match organisation {
                Some(code) => Some(store.organisation_by_code(&code).await?.with_context(|| format!("aucune organisation {code}"))?.id),
                None => None,
            };
            let password = read_password()?;
            maillage_core::password::check_policy(&password, &[&email, &name])?;
            let hash = maillage_core::password::hash(&password)?;
            let id = store
                .create_user(&by, &NewUser { email: email.clone(), display_name: name, organisation_id, roles, password_hash: hash })
                .await?;
            println!("Compte {email} créé (n° {id}).");
        }
        UserAction::SetRole { email, roles } => {
            let u = find_user(&store, &email).await?;
            store.set_user_roles(&by, u.id, &parse_roles(&roles)?).await?;
            println!("Rôles de {email} : {roles}");
        }
        UserAction::Disable { email } => {
            let u = find_user(&store, &email).await?;
            store.set_user_disabled(&by, u.id, true).await?;
            println!("Compte {email} désactivé ; ses sessions sont closes.");
        }
        UserAction::Enable { email } => {
            let u = find_user(&store, &email).await?;
            store.set_user_disabled(&by, u.id, false).await?;
            println!("Compte {email} réactivé.");
        }
        UserAction::ResetPassword { email } => {
            let u = find_user(&store, &email).await?;
            let password = read_password()?;
            maillage_core::password::check_policy(&password, &[&u.email, &u.display_name])?;
            store.set_user_password(&by, u.id, &maillage_core::password::hash(&password)?).await?;
            println!("Mot de passe de {email} changé.");
        }
        UserAction::List => {
            for u in store.users().await? {
                println!("{:<40} {:<30} {}{}", u.email, u.roles, u.display_name, if u.disabled { " (désactivé)" } else { "" });
            }
        }
    }
    Ok(())
}

async fn strategy(db: &DbArgs, action: StrategyAction) -> anyhow::Result<()> {
    let (_, store) = open(db).await?;
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
