//! `maillage serve`: production, configured by file and environment.

use anyhow::Context;
use std::path::Path;

pub async fn run(config_file: Option<&Path>) -> anyhow::Result<()> {
    let (config, store) = crate::open(config_file).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen).await.with_context(|| format!("écoute sur {}", config.listen))?;
    tracing::info!("Maillage sert sur http://{}/ ({})", listener.local_addr()?, maillage_store::mask_url(&config.database_url));
    let app = maillage_app::App::new(store, &config.app()?).await?;
    let jobs = crate::jobs::Jobs {
        mail: config.mail(),
        anonymise_after_days: config.report_anonymise_after_days,
        audit_retention_days: config.audit_retention_days,
        mail_retention_days: config.mail_retention_days,
        anchors: config.anchor_file(),
    };
    jobs.spawn(&app)?;
    let web = config.web();
    let state = maillage_web::AppState::new(app, &web);
    maillage_web::serve(listener, maillage_web::app(state, &web), web.timeouts).await?;
    Ok(())
}
