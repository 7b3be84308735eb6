//! The daily digest of a partner's reports, for the users who asked for it.

use maillage_core::authz::ReportScope;
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::mail::OutgoingMail;

/// Queues the daily digests due: for each subscribed user, the reports of its organisation that
/// changed since its last digest (numbers, categories, states; never texts of comments or
/// photos). A digest with nothing to tell is not sent. Returns how many were queued.
pub async fn queue_digests(store: &maillage_store::Store, public_url: &str) -> Result<usize, StoreError> {
    let now = time_fmt::now();
    // One digest a day: due when none was sent in the last 20 hours.
    let mut queued = 0;
    for sub in store.digest_due(now - time::Duration::hours(20)).await? {
        let since = sub.digest_sent_at.unwrap_or(now - time::Duration::days(1));
        let mut f = maillage_store::report::ReportFilter::new(ReportScope::Organisation(sub.organisation_id));
        f.updated_after = Some(since);
        let rows = store.reports(&f, maillage_store::report::ReportSort::RecentlyUpdated, 201, 0).await?;
        let mail = (!rows.is_empty()).then(|| {
            let lines: Vec<String> = rows
                .iter()
                .take(200)
                .map(|r| {
                    let late = if r.is_overdue(now) { " — en retard" } else { "" };
                    format!("- n° {} {} : {}{late}\n  {}/signalements/{}", r.id, r.category_name, r.state.label(), public_url, r.id)
                })
                .collect();
            let more = if rows.len() > 200 { "\n(et d'autres : voir la liste dans Maillage)\n" } else { "" };
            OutgoingMail {
                report_id: None,
                recipient: sub.email.clone(),
                subject: format!("[Maillage] Récapitulatif : {} signalement(s) mis à jour", rows.len().min(200)),
                body: format!(
                    "Bonjour,\n\nDepuis le {}, ces signalements de votre organisation ont changé :\n\n{}\n{more}\n-- \nMaillage, outil partenarial du CLSPD. Ce récapitulatif ne contient ni photo ni commentaire. Pour ne plus le recevoir : {}/compte\n",
                    time_fmt::datetime_fr(since),
                    lines.join("\n"),
                    public_url
                ),
            }
        });
        store.queue_digest(sub.id, now, mail.as_ref()).await?;
        queued += usize::from(mail.is_some());
    }
    Ok(queued)
}
