//! The CLSPD's meetings: planned with an agenda checked against the current strategy's sheets,
//! recorded once held (attendance, minutes), decisions taken there added to the conclusions'
//! dashboard with the meeting they came from, and the minutes as ODT and accessible PDF. The
//! invited partners get an iCalendar invitation by e-mail, then its updates or cancellation.

pub mod document;
pub mod ics;

use crate::App;
use crate::evaluation::ExportError;
use maillage_core::decision::DecisionDraft;
use maillage_core::document::{Block, Document};
use maillage_core::meeting::{CHARTER_ARTICLE_5, Fault, MeetingDraft, check, check_minutes};
use maillage_core::time_fmt;
use maillage_store::decision::Decision;
use maillage_store::mail::OutgoingMail;
use maillage_store::meeting::{CalendarMail, Meeting};
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("réunion refusée")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Decision(#[from] crate::decision::DecisionError),
    #[error(transparent)]
    NameCheck(#[from] crate::working_group::names::NameCheckError),
}

/// Refuses `text` of meeting `m` (the minutes, a decision: its form's `field`, `what` in the
/// message and the audit entry) if it seems to name a person a working group follows, and
/// records the refusal (not the name).
async fn refuse_names(app: &App, by: &Author, m: &Meeting, field: &'static str, what: &str, text: &str) -> Result<(), MeetingError> {
    match crate::working_group::names::refuse_followed_names(app, by, m.id, what, vec![text.to_string()]).await? {
        Some(why) => Err(MeetingError::Invalid(vec![(field, format!("{what} : {why}."))])),
        None => Ok(()),
    }
}

/// The current strategy's sheet codes.
async fn sheet_codes(app: &App) -> Result<Vec<String>, StoreError> {
    Ok(app.store.current_strategy().await?.map(|s| s.doc.sheets().map(|(_, s)| s.code.clone()).collect()).unwrap_or_default())
}

/// Every fault of a plan.
pub async fn faults(app: &App, d: &MeetingDraft) -> Result<Vec<Fault>, StoreError> {
    let bodies: Vec<i64> = app.store.bodies().await?.iter().map(|b| b.id).collect();
    Ok(check(d, time_fmt::now(), &bodies, &sheet_codes(app).await?))
}

/// Plans a meeting, or changes `current` as read at `version`; gives its id.
pub async fn plan(app: &App, by: &Author, current: Option<(&Meeting, i64)>, d: &MeetingDraft) -> Result<i64, MeetingError> {
    if let Some((m, _)) = current
        && (m.status != maillage_core::meeting::MeetingStatus::Planned || m.starts_at <= time_fmt::now())
    {
        return Err(MeetingError::Invalid(vec![(
            "version",
            "La réunion a commencé, ou n'est plus prévue : elle ne se modifie plus.".into(),
        )]));
    }
    let faults = faults(app, d).await?;
    if !faults.is_empty() {
        return Err(MeetingError::Invalid(faults));
    }
    match current {
        None => Ok(app.store.create_council_meeting(by, d).await?),
        Some((m, version)) => {
            // The invited get the change as an update of the invitation they hold.
            let changed = Meeting {
                starts_at: d.starts_at.unwrap_or(m.starts_at),
                ends_at: d.ends_at,
                place: d.place.trim().to_string(),
                agenda: d.agenda.clone(),
                ..m.clone()
            };
            let mails = invited_mails(app, by, &changed, ics::Method::Request, version + 1).await?;
            app.store.update_council_meeting(by, m.id, version, d, &mails).await?;
            Ok(m.id)
        }
    }
}

/// Cancels `m` read at `version`; the invited get the cancellation.
pub async fn cancel(app: &App, by: &Author, m: &Meeting, version: i64) -> Result<(), MeetingError> {
    let mails = invited_mails(app, by, m, ics::Method::Cancel, version + 1).await?;
    Ok(app.store.cancel_council_meeting(by, m.id, version, &mails).await?)
}

/// The author's address as a calendar's ORGANIZER, when it is one.
fn organizer(by: &Author) -> Option<&str> {
    by.label.contains('@').then_some(by.label.as_str())
}

/// A message for `email` about `m`, with its calendar object.
fn mail(app: &App, by: &Author, m: &Meeting, method: ics::Method, sequence: i64, email: &str) -> CalendarMail {
    let when = time_fmt::datetime_fr(m.starts_at);
    let (subject, lead) = match method {
        ics::Method::Request if sequence > 1 => (format!("Réunion modifiée : {} du {when}", m.body.name), "La réunion a changé"),
        ics::Method::Request => (format!("Invitation : {} du {when}", m.body.name), "Vous êtes invité(e) à"),
        ics::Method::Cancel => (format!("Réunion annulée : {} du {when}", m.body.name), "Est annulée :"),
    };
    let agenda: Vec<String> = m.agenda.iter().enumerate().map(|(i, a)| format!("{}. {}", i + 1, a.title)).collect();
    let body = format!(
        "{lead} {} le {when}, {}.\n\nOrdre du jour :\n{}\n\nRépondre et suivre la réunion : {}/reunions/{}\n\nL'invitation est jointe pour votre agenda.\n",
        m.body.name,
        m.place,
        agenda.join("\n"),
        app.public_url,
        m.id
    );
    let ics = ics::object(m, method, sequence, organizer(by), email, &app.public_url);
    (OutgoingMail { recipient: email.to_string(), subject, body, report_id: None }, ics)
}

/// Every invited account's message about `m`.
async fn invited_mails(app: &App, by: &Author, m: &Meeting, method: ics::Method, sequence: i64) -> Result<Vec<CalendarMail>, StoreError> {
    Ok(app.store.meeting_invitations(m.id).await?.iter().map(|i| mail(app, by, m, method, sequence, &i.email)).collect())
}

/// Invites the active accounts of `organisations` that may read the meetings, each by e-mail
/// with the iCalendar invitation; a meeting past or not planned any more invites nobody. Gives
/// how many were invited (those already invited are not again).
pub async fn invite(app: &App, by: &Author, m: &Meeting, organisations: &[i64]) -> Result<usize, MeetingError> {
    let mut faults = Vec::new();
    if m.status != maillage_core::meeting::MeetingStatus::Planned {
        faults.push(("invitations", "La réunion n'est plus prévue : on n'y invite plus.".to_string()));
    } else if m.starts_at < time_fmt::now() {
        faults.push(("invitations", "La réunion est passée : on n'y invite plus.".to_string()));
    }
    let known: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    if organisations.is_empty() || organisations.iter().any(|o| !known.contains(o)) {
        faults.push(("invitations", "Cochez les organisations à inviter dans la liste.".to_string()));
    }
    if !faults.is_empty() {
        return Err(MeetingError::Invalid(faults));
    }
    let reads = |u: &maillage_store::account::UserRecord| {
        let actor = maillage_core::authz::Actor { user_id: u.id, roles: u.roles.clone(), organisation_id: u.organisation_id };
        maillage_core::authz::authorize(Some(&actor), maillage_core::authz::Action::ViewMeetings) == maillage_core::authz::Decision::Allow
    };
    let invitees: Vec<(i64, CalendarMail)> = app
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.organisation_id.is_some_and(|o| organisations.contains(&o)) && reads(u))
        .map(|u| (u.id, mail(app, by, m, ics::Method::Request, m.version, &u.email)))
        .collect();
    Ok(app.store.invite_to_meeting(by, m.id, &invitees).await?)
}

/// Records `m` as held: its minutes, professionals and organisations present. A meeting is
/// recorded once it has begun.
pub async fn record(
    app: &App,
    by: &Author,
    m: &Meeting,
    version: i64,
    minutes: &str,
    professionals: i64,
    organisations: &[i64],
) -> Result<(), MeetingError> {
    let known: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    let faults = check_minutes(minutes, professionals, organisations, &known);
    if m.status == maillage_core::meeting::MeetingStatus::Cancelled {
        return Err(MeetingError::Invalid(vec![("releve", "La réunion est annulée : elle n'a pas de relevé.".into())]));
    }
    if m.starts_at > time_fmt::now() {
        return Err(MeetingError::Invalid(vec![("releve", "La réunion n'a pas encore eu lieu : son relevé s'écrit après.".into())]));
    }
    if !faults.is_empty() {
        return Err(MeetingError::Invalid(faults));
    }
    refuse_names(app, by, m, "minutes", "Le relevé de conclusions", minutes).await?;
    Ok(app.store.record_council_meeting(by, m.id, version, minutes.trim(), professionals, organisations).await?)
}

/// A decision taken at `m` for a sheet of its agenda's year: checked as the dashboard's own.
pub async fn decide(app: &App, by: &Author, m: &Meeting, sheet_code: &str, draft: &DecisionDraft) -> Result<i64, MeetingError> {
    let day = time_fmt::paris_date(m.starts_at);
    let year = day.year();
    if m.status == maillage_core::meeting::MeetingStatus::Cancelled {
        return Err(MeetingError::Invalid(vec![("form", "La réunion est annulée : aucune décision n'y est prise.".into())]));
    }
    if m.starts_at > time_fmt::now() {
        return Err(MeetingError::Invalid(vec![(
            "form",
            "La réunion n'a pas encore eu lieu : ses décisions s'enregistrent une fois prises.".into(),
        )]));
    }
    if !m.agenda.iter().any(|i| i.sheet_code.as_deref() == Some(sheet_code)) {
        return Err(MeetingError::Invalid(vec![("sheet", "Choisissez une fiche de l'ordre du jour.".into())]));
    }
    if draft.due_on.is_some_and(|d| d < day) {
        return Err(MeetingError::Invalid(vec![("due_on", "L'échéance vient après la réunion.".into())]));
    }
    crate::decision::check_new(app, sheet_code, year, draft).await?;
    refuse_names(app, by, m, "text", "La décision", &draft.text).await?;
    refuse_names(app, by, m, "owner", "Le responsable", &draft.owner).await?;
    Ok(app.store.create_decision(by, sheet_code, year, draft, Some(m.id)).await?)
}

/// The decisions taken at `m`.
pub async fn decisions(app: &App, m: &Meeting) -> Result<Vec<Decision>, StoreError> {
    let year = time_fmt::paris_date(m.starts_at).year();
    Ok(app.store.sheet_decisions(Some(year)).await?.into_iter().filter(|d| d.meeting_id == Some(m.id)).collect())
}

/// The relevé de conclusions: the meeting, its agenda, who was there (organisations and a count
/// of professionals, never names), the minutes and the decisions.
pub fn document(m: &Meeting, decisions: &[Decision]) -> Document {
    let title = format!("Relevé de conclusions — {} du {}", m.body.name, time_fmt::date_fr(m.starts_at));
    let mut blocks = vec![Block::heading(1, title.clone())];
    blocks.push(Block::List {
        items: vec![
            format!("Instance : {} ({})", m.body.name, m.body.kind.label().to_lowercase()),
            format!("Date : {}", time_fmt::datetime_fr(m.starts_at)),
            format!("Lieu : {}", m.place),
            format!("Professionnels présents : {}", m.professionals_present),
        ],
    });
    blocks.push(Block::heading(2, "Ordre du jour"));
    blocks.push(Block::List {
        items: m
            .agenda
            .iter()
            .map(|i| i.sheet_code.as_ref().map_or_else(|| i.title.clone(), |c| format!("{} (fiche {c})", i.title)))
            .collect(),
    });
    blocks.push(Block::heading(2, "Organisations présentes"));
    if m.organisations.is_empty() {
        blocks.push(Block::paragraph("Non renseignées."));
    } else {
        blocks.push(Block::List { items: m.organisations.iter().map(|o| o.1.clone()).collect() });
    }
    blocks.push(Block::heading(2, "Relevé de conclusions"));
    blocks.push(Block::paragraph(if m.minutes.is_empty() { "Non rédigé.".to_string() } else { m.minutes.clone() }));
    blocks.push(Block::heading(2, "Décisions"));
    if decisions.is_empty() {
        blocks.push(Block::paragraph("Aucune décision."));
    } else {
        blocks.push(Block::Table {
            caption: "Décisions prises".into(),
            header: vec!["Décision".into(), "Fiche".into(), "Responsable".into(), "Échéance".into()],
            rows: decisions
                .iter()
                .map(|d| vec![d.text.clone(), d.sheet_code.clone(), d.owner.clone(), d.due_on.map_or_else(|| "—".into(), time_fmt::day_fr)])
                .collect(),
        });
    }
    blocks.push(Block::paragraph(CHARTER_ARTICLE_5));
    Document { title, blocks }
}

pub async fn odt(m: &Meeting, decisions: &[Decision]) -> Result<Vec<u8>, ExportError> {
    let doc = document(m, decisions);
    Ok(tokio::task::spawn_blocking(move || maillage_office::odt::write(&doc)).await??)
}

pub async fn pdf(app: &App, m: &Meeting, decisions: &[Decision]) -> Result<std::sync::Arc<Vec<u8>>, ExportError> {
    crate::printed::pdf(app, document(m, decisions), "CLSPD".into()).await
}
