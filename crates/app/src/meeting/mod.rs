//! The CLSPD's meetings: planned with an agenda checked against the current strategy's sheets,
//! recorded once held (attendance, minutes), decisions taken there added to the conclusions'
//! dashboard with the meeting they came from, and the minutes as ODT and accessible PDF.

use crate::App;
use crate::evaluation::ExportError;
use maillage_core::decision::DecisionDraft;
use maillage_core::document::{Block, Document};
use maillage_core::meeting::{CHARTER_ARTICLE_5, Fault, MeetingDraft, check, check_minutes};
use maillage_core::time_fmt;
use maillage_store::decision::Decision;
use maillage_store::meeting::Meeting;
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum MeetingError {
    #[error("réunion refusée")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Decision(#[from] crate::decision::DecisionError),
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
    let faults = faults(app, d).await?;
    if !faults.is_empty() {
        return Err(MeetingError::Invalid(faults));
    }
    match current {
        None => Ok(app.store.create_council_meeting(by, d).await?),
        Some((m, version)) => {
            app.store.update_council_meeting(by, m.id, version, d).await?;
            Ok(m.id)
        }
    }
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
    let mut faults = check_minutes(minutes, professionals, organisations, &known);
    if m.starts_at > time_fmt::now() {
        faults.insert(0, ("minutes", "La réunion n'a pas encore eu lieu : son relevé s'écrit après.".into()));
    }
    if !faults.is_empty() {
        return Err(MeetingError::Invalid(faults));
    }
    Ok(app.store.record_council_meeting(by, m.id, version, minutes.trim(), professionals, organisations).await?)
}

/// A decision taken at `m` for a sheet of its agenda's year: checked as the dashboard's own.
pub async fn decide(app: &App, by: &Author, m: &Meeting, sheet_code: &str, draft: &DecisionDraft) -> Result<i64, MeetingError> {
    let year = time_fmt::paris_date(m.starts_at).year();
    crate::decision::check_new(app, sheet_code, year, draft).await?;
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
