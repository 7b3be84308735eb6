//! Reporting campaigns: the coordinator asks organisations for their declared figures of a
//! period, by a deadline; each organisation's completeness and timeliness follow from its
//! declarations, and reminders go by e-mail a week before the deadline, on the day and a week
//! after, to the partners of the organisations that still owe figures.

use super::{IndicatorError, indicators};
use crate::App;
use maillage_core::authz::Role;
use maillage_core::indicator::declaration::State;
use maillage_core::indicator::{Period, Source};
use maillage_core::time_fmt;
use maillage_store::indicator::{Campaign, DeclaredFilter};
use maillage_store::mail::OutgoingMail;
use maillage_store::{Author, StoreError};
use time::Date;

pub const TITLE_MAX: usize = 200;
/// Days before and after the deadline when reminders go.
pub const REMINDER_DAYS: [i64; 3] = [-7, 0, 7];

/// A campaign as the coordinator fills it in.
#[derive(Clone, Debug, Default)]
pub struct CampaignDraft {
    pub title: String,
    pub period: Option<Period>,
    pub deadline: Option<Date>,
    /// (indicator id, organisation id)
    pub requests: Vec<(i64, i64)>,
}

/// Opens a campaign; `read` are the faults of what the caller could not read.
pub async fn create(app: &App, by: &Author, d: CampaignDraft, read: Vec<(String, String)>, today: Date) -> Result<i64, IndicatorError> {
    let mut faults = read;
    let mut fault = |field: &str, m: &str| {
        if !faults.iter().any(|(f, _)| f == field) {
            faults.push((field.to_string(), m.to_string()));
        }
    };
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX || maillage_core::strategy::check_text(title, true).is_err() {
        fault("title", "Donnez un intitulé (200 caractères au plus).");
    }
    if d.period.is_none() {
        fault("period", "Choisissez la période.");
    }
    match d.deadline {
        None => fault("deadline", "Indiquez la date limite (jj/mm/aaaa)."),
        Some(day) if day < today => fault("deadline", "La date limite est passée."),
        Some(_) => {}
    }
    let all = indicators(app).await?;
    let organisations: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    if d.requests.is_empty() {
        fault("requests", "Demandez au moins un indicateur à une organisation.");
    }
    for (indicator_id, organisation_id) in &d.requests {
        match all.iter().find(|i| i.id == *indicator_id) {
            Some(i) if i.indicator.source != Source::Declared => {
                fault("requests", "Un indicateur calculé ne se demande pas aux partenaires.");
            }
            Some(i) if d.period.is_some_and(|p| p.frequency() != i.indicator.frequency) => {
                fault("requests", "Un indicateur demandé ne se déclare pas pour ce type de période.");
            }
            Some(_) => {}
            None => fault("requests", "Indicateur inconnu."),
        }
        if !organisations.contains(organisation_id) {
            fault("requests", "Organisation inconnue.");
        }
    }
    let (Some(period), Some(deadline), true) = (d.period, d.deadline, faults.is_empty()) else {
        return Err(IndicatorError::Invalid(faults));
    };
    Ok(app.store.create_campaign(by, title, period, deadline, &d.requests).await?)
}

/// Where an organisation stands in a campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub organisation_id: i64,
    pub organisation: String,
    pub asked: usize,
    /// Submitted, validated or locked.
    pub submitted: usize,
    /// Of those, submitted by the deadline (its whole day).
    pub on_time: usize,
    pub validated: usize,
    pub returned: usize,
}

impl Progress {
    /// Share of the asked figures submitted, in whole percent.
    pub fn completeness(&self) -> i64 {
        (self.submitted * 100).checked_div(self.asked).map_or(100, |p| p as i64)
    }
}

/// Each asked organisation's progress, by name.
pub async fn progress(app: &App, c: &Campaign) -> Result<Vec<Progress>, StoreError> {
    let requests = app.store.campaign_requests(c.id).await?;
    let values = app.store.declared_values(&DeclaredFilter { periods: Some(vec![c.period.code()]), ..Default::default() }).await?;
    let deadline_end = c.deadline.next_day().map(time_fmt::paris_day_start);
    let mut out: Vec<Progress> = Vec::new();
    for r in &requests {
        let at = match out.iter().position(|p| p.organisation_id == r.organisation_id) {
            Some(at) => at,
            None => {
                out.push(Progress {
                    organisation_id: r.organisation_id,
                    organisation: r.organisation.clone(),
                    asked: 0,
                    submitted: 0,
                    on_time: 0,
                    validated: 0,
                    returned: 0,
                });
                out.len() - 1
            }
        };
        let p = &mut out[at];
        p.asked += 1;
        let Some(v) = values.iter().find(|v| v.indicator_id == r.indicator_id && v.organisation_id == r.organisation_id) else { continue };
        match v.state {
            State::Submitted | State::Validated | State::Locked => {
                p.submitted += 1;
                if v.submitted_at.zip(deadline_end).is_some_and(|(s, end)| s < end) {
                    p.on_time += 1;
                }
                p.validated += usize::from(v.state.counted());
            }
            State::Returned => p.returned += 1,
            State::Draft => {}
        }
    }
    Ok(out)
}

/// Queues the reminders due on `today` for every campaign; returns how many mails.
pub async fn remind_due(app: &App, today: Date, public_url: &str) -> Result<usize, StoreError> {
    let mut queued = 0;
    let users = app.store.users().await?;
    for c in app.store.campaigns().await? {
        let due = REMINDER_DAYS.iter().any(|d| c.deadline + time::Duration::days(*d) == today);
        if !due || c.reminded_on == Some(today) {
            continue;
        }
        let mut mails = Vec::new();
        for p in progress(app, &c).await?.into_iter().filter(|p| p.submitted < p.asked) {
            let owed = p.asked - p.submitted;
            for u in
                users.iter().filter(|u| !u.disabled && u.organisation_id == Some(p.organisation_id) && u.roles.contains(&Role::Partner))
            {
                let when = if today < c.deadline {
                    format!("avant le {}", time_fmt::day_fr(c.deadline))
                } else if today == c.deadline {
                    "aujourd'hui".to_string()
                } else {
                    format!("depuis le {}", time_fmt::day_fr(c.deadline))
                };
                mails.push(OutgoingMail {
                    report_id: None,
                    recipient: u.email.clone(),
                    subject: format!("[Maillage] {owed} chiffre(s) à transmettre : {}", c.title),
                    body: format!(
                        "Bonjour,\n\nLa coordination du CLSPD attend {owed} chiffre(s) de {} pour la période {}, {when}.\n\
                         Pour les saisir : {public_url}/evaluation/declarations\n\n-- \nMaillage, outil partenarial du CLSPD.\n",
                        p.organisation,
                        c.period.label()
                    ),
                });
            }
        }
        queued += mails.len();
        app.store.queue_campaign_reminders(c.id, today, &mails).await?;
    }
    Ok(queued)
}
