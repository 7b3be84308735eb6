//! The conclusions' dashboard: the strategy by axis and sheet for a year, each sheet with its
//! operational objectives' statuses rolled up to the axis and the strategy, its red/amber/green
//! judgement with analysis and recommendations, and its decisions (open, overdue, done). The
//! coordinator writes them; everyone who sees the evaluation reads them.

use crate::App;
use maillage_core::decision::{self, DecisionDraft, JudgementDraft, ObjectiveStatus, Rollup};
use maillage_store::decision::{Decision, Judgement};
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// Faults of the form, each as (field, message).
    #[error("formulaire incomplet ou invalide")]
    Invalid(Vec<(String, String)>),
    /// The year's report was adopted in plenary: its conclusions no longer change (a decision
    /// may still be marked done: that is its follow-up).
    #[error("le bilan {0} a été adopté en séance plénière : ses conclusions ne changent plus")]
    Adopted(i32),
    #[error("fiche ou décision introuvable")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A sheet's conclusions for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetConclusions {
    pub code: String,
    pub title: String,
    pub pilot: String,
    pub objectives: Vec<(String, ObjectiveStatus)>,
    pub rollup: Rollup,
    pub judgement: Option<Judgement>,
    pub decisions: Vec<Decision>,
}

impl SheetConclusions {
    pub fn open_decisions(&self) -> usize {
        self.decisions.iter().filter(|d| d.done_on.is_none()).count()
    }

    pub fn overdue_decisions(&self, today: time::Date) -> usize {
        self.decisions.iter().filter(|d| decision::overdue(d.due_on, d.done_on, today)).count()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisConclusions {
    pub number: i32,
    pub title: String,
    pub rollup: Rollup,
    pub sheets: Vec<SheetConclusions>,
}

/// The whole strategy's conclusions for `year`, with the strategy's rollup.
pub async fn dashboard(app: &App, year: i32) -> Result<(Vec<AxisConclusions>, Rollup), StoreError> {
    let Some(strategy) = app.store.current_strategy().await? else { return Ok((Vec::new(), Rollup::default())) };
    let statuses = app.store.objective_statuses(year).await?;
    let judgements = app.store.judgements(year).await?;
    let decisions = app.store.sheet_decisions(Some(year)).await?;
    let mut total = Rollup::default();
    let mut axes = Vec::new();
    for axis in &strategy.doc.axes {
        let mut rollup = Rollup::default();
        let mut sheets = Vec::new();
        for sheet in &axis.sheets {
            let objectives: Vec<(String, ObjectiveStatus)> = sheet
                .operational_objectives
                .iter()
                .map(|o| {
                    let s = statuses
                        .iter()
                        .find(|s| s.sheet_code == sheet.code && s.objective == *o)
                        .map_or(ObjectiveStatus::NotStarted, |s| s.status);
                    (o.clone(), s)
                })
                .collect();
            let r = Rollup::of(objectives.iter().map(|o| o.1));
            rollup.merge(r);
            sheets.push(SheetConclusions {
                code: sheet.code.clone(),
                title: sheet.title.clone(),
                pilot: sheet.pilot.clone(),
                objectives,
                rollup: r,
                judgement: judgements.iter().find(|j| j.sheet_code == sheet.code).cloned(),
                decisions: decisions.iter().filter(|d| d.sheet_code == sheet.code).cloned().collect(),
            });
        }
        total.merge(rollup);
        axes.push(AxisConclusions { number: axis.number, title: axis.title.clone(), rollup, sheets });
    }
    Ok((axes, total))
}

/// One sheet's conclusions for `year`.
pub async fn sheet(app: &App, code: &str, year: i32) -> Result<Option<SheetConclusions>, StoreError> {
    let (axes, _) = dashboard(app, year).await?;
    Ok(axes.into_iter().flat_map(|a| a.sheets).find(|s| s.code == code))
}

/// The year's conclusions may be written: within the strategy's years up to this one, and not
/// once its report is adopted.
async fn writable(app: &App, year: i32) -> Result<(), DecisionError> {
    let strategy = app.store.current_strategy().await?.ok_or(DecisionError::NotFound)?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    if year < strategy.doc.period_start || year > today.year() {
        return Err(DecisionError::Invalid(vec![(
            "annee".into(),
            format!("Les conclusions s'écrivent pour une année de la stratégie, de {} à {}.", strategy.doc.period_start, today.year()),
        )]));
    }
    if app.store.adopted_years().await?.iter().any(|a| a.year == year) {
        return Err(DecisionError::Adopted(year));
    }
    Ok(())
}

/// Saves a sheet's objectives' statuses (by their rank in the sheet, with their status code)
/// and its judgement, from the version the form showed.
pub async fn save(
    app: &App,
    by: &Author,
    code: &str,
    year: i32,
    version: i64,
    statuses: &[(usize, String)],
    judgement: &JudgementDraft,
) -> Result<i64, DecisionError> {
    let sheet = sheet(app, code, year).await?.ok_or(DecisionError::NotFound)?;
    writable(app, year).await?;
    let mut faults: Vec<(String, String)> = decision::check_judgement(judgement).into_iter().map(|(f, m)| (f.to_string(), m)).collect();
    let mut chosen = Vec::new();
    for (rank, status) in statuses {
        match (sheet.objectives.get(*rank), ObjectiveStatus::from_code(status)) {
            (Some((objective, _)), Some(s)) => chosen.push((objective.clone(), s)),
            _ => faults.push((
                format!("objective-{rank}"),
                format!("Objectif {} : statut inconnu ({} attendu).", rank + 1, ObjectiveStatus::codes()),
            )),
        }
    }
    if !faults.is_empty() {
        return Err(DecisionError::Invalid(faults));
    }
    Ok(app.store.save_conclusions(by, code, year, version, &chosen, judgement).await?)
}

/// Records a decision for a sheet.
pub async fn decide(app: &App, by: &Author, code: &str, year: i32, draft: &DecisionDraft) -> Result<i64, DecisionError> {
    check_new(app, code, year, draft).await?;
    Ok(app.store.create_sheet_decision(by, code, year, draft).await?)
}

/// What a new decision must pass, wherever it is taken: a sheet of the current strategy, a
/// year not adopted, the draft's own checks.
pub async fn check_new(app: &App, code: &str, year: i32, draft: &DecisionDraft) -> Result<(), DecisionError> {
    let strategy = app.store.current_strategy().await?.ok_or(DecisionError::NotFound)?;
    if !strategy.doc.sheets().any(|(_, s)| s.code == code) {
        return Err(DecisionError::NotFound);
    }
    writable(app, year).await?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let faults = decision::check_decision(draft, today);
    if !faults.is_empty() {
        return Err(DecisionError::Invalid(faults.into_iter().map(|(f, m)| (f.to_string(), m)).collect()));
    }
    Ok(())
}
