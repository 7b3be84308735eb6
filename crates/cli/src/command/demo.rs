//! `maillage demo`: SQLite in a data folder, demo data, served.

use crate::demo;
use anyhow::Context;
use maillage_store::Store;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct DemoArgs {
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
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs { listen, data, smtp, address_search } = args;
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
    let geocoder = address_search.as_deref().map(maillage_app::report::address::Geocoder::new).transpose().context("--address-search")?;
    let anchors = maillage_app::audit::AnchorFile { path: data.join("audit-anchors.log") };
    // The demo's keys sit in its data folder; a real installation keeps them apart.
    let key_file = data.join("maillage.key");
    if !key_file.exists() {
        maillage_app::keyring::Keyring::create(&key_file)?;
    }
    let config = maillage_app::AppConfig {
        data_dir: data,
        public_url: format!("http://{addr}"),
        geocoder,
        key_file: Some(key_file),
        ..Default::default()
    };
    let mail = smtp.map(|smtp_url| maillage_app::mail::MailConfig { smtp_url, from: "Maillage démo <demo@maillage.invalid>".into() });
    let app = maillage_app::App::new(store, &config).await?;
    demo::working_group::load(&app).await?;
    demo::alert::load(&app).await?;
    demo::walk::load(&app).await?;
    demo::video_requests::load(&app).await?;
    demo::access_convention::load(&app).await?;
    demo::observatory::load(&app).await?;
    demo::public_page::load(&app).await?;
    demo::meeting::load(&app).await?;
    // Counted before the first page, rather than by the job a moment after the start.
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    maillage_app::observatory::refresh(&app, today, false).await?;
    println!("Double authentification (TOTP, à saisir dans une application d'authentification) :");
    for (email, secret) in demo::working_group::SECOND_FACTORS {
        println!("  {email:<32} {secret}");
    }
    std::io::stdout().flush()?;
    let jobs = crate::jobs::Jobs {
        mail,
        anonymise_after_days: 365,
        mail_retention_days: 7,
        audit_retention_days: maillage_core::audit::RETENTION_DEFAULT_DAYS,
        anchors,
    };
    jobs.spawn(&app)?;
    let web = maillage_web::WebConfig::default();
    let state = maillage_web::AppState::new(app, &web);
    maillage_web::serve(listener, maillage_web::app(state, &web), web.timeouts).await?;
    Ok(())
}
