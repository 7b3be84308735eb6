//! Background work of a serving process: the e-mail sender, the rapid alerts' escalations and
//! SMS, the daily digests, and once a day
//! the purges the privacy rules ask for (audit log past its retention, expired sessions, closed
//! reports past their anonymisation delay with their photo files), and every hour the
//! destruction of working-group situations whose day has come. Each job calls the use cases
//! of `maillage_app`; a failure is logged and the job tries again at its next turn.

use maillage_app::App;
use maillage_app::audit::AnchorFile;
use maillage_app::mail::{MailConfig, Mailer};
use maillage_core::audit::anchor::AnchorKind;
use maillage_store::Author;
use std::time::Duration;

pub struct Jobs {
    pub mail: Option<MailConfig>,
    pub anonymise_after_days: u32,
    pub audit_retention_days: u32,
    pub mail_retention_days: u32,
    pub anchors: AnchorFile,
}

impl Jobs {
    pub fn spawn(self, app: &App) -> anyhow::Result<()> {
        if let Some(m) = &self.mail {
            let mailer = Mailer::new(m)?;
            tokio::spawn(mailer.run(app.store.clone(), Duration::from_secs(10), app.wake.clone()));
        }
        // Daily digests, campaign and convention reminders: checked every hour, each sent once a day at most.
        let digest_app = app.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = maillage_app::mail::digest::queue_digests(&digest_app.store, &digest_app.public_url).await {
                    tracing::warn!("récapitulatifs quotidiens : {e}");
                }
                // Reporting campaigns' reminders: on their days, once each.
                let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
                match maillage_app::indicator::campaign::remind_due(&digest_app, today, &digest_app.public_url).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} rappel(s) de campagne de collecte mis en file"),
                    Err(e) => tracing::warn!("rappels des campagnes de collecte : {e}"),
                }
                // Vigik conventions entering their notice period: reminded once per term.
                match maillage_app::access_convention::remind_due(&digest_app, today, &digest_app.public_url).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} convention(s) Vigik à renouveler rappelée(s)"),
                    Err(e) => tracing::warn!("rappels des conventions Vigik : {e}"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        // Rapid alerts: escalations and SMS every 20 seconds, and at once when an alert is raised.
        let alert_app = app.clone();
        let sms_client = maillage_app::alert::sms_client()?;
        tokio::spawn(async move {
            loop {
                let now = maillage_core::time_fmt::now();
                match maillage_app::alert::escalate_due(&alert_app, now).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} destinataire(s) d'alerte prévenu(s) par escalade"),
                    Err(e) => tracing::warn!("escalade des alertes : {e}"),
                }
                if let Some(gateway) = &alert_app.alert.sms
                    && let Err(e) = maillage_app::alert::send_sms_due(&alert_app, &sms_client, gateway, now).await
                {
                    tracing::warn!("envoi des SMS d'alerte : {e}");
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(20)) => {}
                    () = alert_app.wake.alerts.notified() => {}
                }
            }
        });
        // The observatory: the recent days counted every hour (everything when the areas
        // changed), everything once a day (a record typed in late, dated before the hourly
        // count's days, is counted within a day: not at start, where the recent days suffice),
        // then the weekly digests, on Mondays.
        let observatory_app = app.clone();
        tokio::spawn(async move {
            let mut whole_counted = std::time::Instant::now();
            loop {
                let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
                let whole = whole_counted.elapsed() >= Duration::from_secs(24 * 3600);
                if whole {
                    whole_counted = std::time::Instant::now();
                }
                if let Err(e) = maillage_app::observatory::refresh(&observatory_app, today, whole).await {
                    tracing::warn!("décompte de l'observatoire : {e}");
                }
                match maillage_app::observatory::send_digests(&observatory_app, today, &observatory_app.public_url).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} récapitulatif(s) hebdomadaire(s) de l'observatoire mis en file"),
                    Err(e) => tracing::warn!("récapitulatifs de l'observatoire : {e}"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        // The audit chain's head, anchored outside the database every hour.
        let (anchor_app, anchors) = (app.clone(), self.anchors.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = anchors.write(&anchor_app.store, AnchorKind::Head).await {
                    tracing::warn!("ancrage du journal : {e}");
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        // Situations due for destruction (3-year archive, 25th birthday) and placements (3 years
        // after the measure): checked every hour,
        // so that each goes on its day whatever the hour the server started.
        let retention_app = app.clone();
        tokio::spawn(async move {
            loop {
                let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
                match maillage_app::working_group::destroy_due(&retention_app, today).await {
                    Ok(0) | Err(maillage_app::working_group::CaseError::NoKeyring) => {}
                    Ok(n) => tracing::info!("{n} situations détruites (fin de conservation)"),
                    Err(e) => tracing::warn!("destruction des situations : {e}"),
                }
                match maillage_app::community_service::destroy_due(&retention_app, today).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} mesures TIG ou de réparation détruites (fin de conservation)"),
                    Err(e) => tracing::warn!("destruction des mesures TIG : {e}"),
                }
                match maillage_app::video_requests::destroy_due(&retention_app, today).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!("{n} extractions d'images détruites (fin de conservation)"),
                    Err(e) => tracing::warn!("destruction des extractions d'images : {e}"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                self.daily(&app).await;
                tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
            }
        });
        Ok(())
    }

    async fn daily(&self, app: &App) {
        let cutoff = crate::command::audit::audit_cutoff(self.audit_retention_days);
        match app.store.audit_purge(&Author::system(), &cutoff).await {
            Ok(0) => {}
            Ok(_) => {
                if let Err(e) = self.anchors.write(&app.store, AnchorKind::Purge).await {
                    tracing::warn!("ancrage après la purge du journal : {e}");
                }
            }
            Err(e) => tracing::warn!("purge du journal : {e}"),
        }
        let now = maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now());
        if let Err(e) = app.store.sessions_purge_expired(&now).await {
            tracing::warn!("purge des sessions expirées : {e}");
        }
        let mail_cutoff =
            maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() - time::Duration::days(i64::from(self.mail_retention_days)));
        if let Err(e) = app.store.purge_mail(&mail_cutoff).await {
            tracing::warn!("purge des courriels envoyés : {e}");
        }
        match maillage_app::video_requests::purge(app).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("{n} demandes d'images de plus de trois ans retirées du registre"),
            Err(e) => tracing::warn!("purge du registre de vidéoprotection : {e}"),
        }
        match maillage_app::report::anonymise::anonymise_closed(app, self.anonymise_after_days).await {
            Ok(n) if n > 0 => tracing::info!("{n} signalements clos anonymisés"),
            Ok(_) => {}
            Err(e) => tracing::warn!("anonymisation des signalements : {e}"),
        }
    }
}
