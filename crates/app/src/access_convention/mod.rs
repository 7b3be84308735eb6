//! Vigik access conventions' use cases: a convention checked against the organisations and
//! districts, its renewal, and the reminders sent once per term when its notice period opens.

use crate::App;
use maillage_core::access_convention::{ConventionDraft, Fault, Standing, check, check_renewal, standing};
use maillage_core::authz::Role;
use maillage_core::time_fmt;
use maillage_store::access_convention::Convention;
use maillage_store::mail::OutgoingMail;
use maillage_store::{Author, StoreError};
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum ConventionError {
    #[error("saisie invalide")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every fault of a draft, against the organisations and districts that exist; `current` is
/// the convention it changes, whose current term counts from its last renewal.
pub async fn faults(app: &App, current: Option<&Convention>, d: &ConventionDraft, today: Date) -> Result<Vec<Fault>, StoreError> {
    let organisations: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    let districts: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    let term_start = current.and_then(|c| c.renewals.last().map(|r| r.previous_end));
    Ok(check(d, today, &organisations, &districts, term_start))
}

/// Records a new convention (`current` none) or rewrites `current` as read at `version`.
pub async fn save(
    app: &App,
    by: &Author,
    current: Option<(&Convention, i64)>,
    d: &ConventionDraft,
    today: Date,
) -> Result<i64, ConventionError> {
    let faults = faults(app, current.map(|c| c.0), d, today).await?;
    if !faults.is_empty() {
        return Err(ConventionError::Invalid(faults));
    }
    match current {
        None => Ok(app.store.create_access_convention(by, d).await?),
        Some((c, version)) => {
            app.store.update_access_convention(by, c.id, version, d).await?;
            Ok(c.id)
        }
    }
}

/// Renews a convention read at `version` whose end was `current_end`, until `new_end`.
pub async fn renew(app: &App, by: &Author, id: i64, version: i64, current_end: Date, new_end: Option<Date>) -> Result<(), ConventionError> {
    let faults = check_renewal(current_end, new_end);
    match new_end {
        Some(end) if faults.is_empty() => Ok(app.store.renew_access_convention(by, id, version, current_end, end).await?),
        _ => Err(ConventionError::Invalid(faults)),
    }
}

/// Queues the renewal reminders of every convention whose notice period has opened by `today`
/// and whose term was not reminded yet: to the coordination and to the partners of its
/// signatory organisations. Returns how many conventions were reminded.
pub async fn remind_due(app: &App, today: Date, public_url: &str) -> Result<usize, StoreError> {
    let users = app.store.users().await?;
    let mut reminded = 0;
    for c in app.store.access_conventions().await? {
        if standing(c.starts_on, c.ends_on, c.notice_days, today) != Standing::ToRenew || c.reminded_for == Some(c.ends_on) {
            continue;
        }
        let mut recipients: Vec<&str> = users
            .iter()
            .filter(|u| !u.disabled)
            .filter(|u| {
                u.roles.contains(&Role::Coordinator)
                    || (u.roles.contains(&Role::Partner) && u.organisation_id.is_some_and(|o| c.parties.iter().any(|p| p.0 == o)))
            })
            .map(|u| u.email.as_str())
            .collect();
        recipients.sort_unstable();
        recipients.dedup();
        let days = (c.ends_on - today).whole_days();
        let mails: Vec<OutgoingMail> = recipients
            .into_iter()
            .map(|to| OutgoingMail {
                report_id: None,
                recipient: to.to_string(),
                subject: format!("[Maillage] Convention Vigik à renouveler : {}", c.reference),
                body: format!(
                    "Bonjour,\n\nLa convention d'accès « {} » ({} immeuble(s)) prend fin le {}, dans {days} jour(s).\n\
                     Pour préparer son renouvellement avec les signataires : {public_url}/conventions-vigik/{}\n\n-- \n\
                     Maillage, outil partenarial du CLSPD.\n",
                    c.reference,
                    c.buildings.len(),
                    time_fmt::day_fr(c.ends_on),
                    c.id
                ),
            })
            .collect();
        if app.store.queue_convention_reminder(c.id, c.ends_on, &mails).await? {
            reminded += 1;
        }
    }
    Ok(reminded)
}
