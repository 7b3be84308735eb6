//! The conclusions' dashboard (`/evaluation/conclusions`): by axis and sheet for a year, the
//! operational objectives' progress rolled up to the axis and the strategy, each sheet's
//! red/amber/green judgement and its decisions; a sheet's page where the coordinator writes
//! them. Everyone who sees the evaluation reads it.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, YearQuery, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::decision::{AxisConclusions, DecisionError, SheetConclusions, dashboard, decide, save, sheet};
use maillage_core::authz::Action;
use maillage_core::decision::{DecisionDraft, JudgementDraft, ObjectiveStatus, Rag, Rollup, overdue};
use maillage_core::time_fmt;

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation/conclusions", dashboard_page)
        .get("/evaluation/conclusions/fiches/{code}", sheet_page)
        .post("/evaluation/conclusions/fiches/{code}", sheet_submit)
        .post("/evaluation/conclusions/fiches/{code}/decisions", decision_submit)
        .post("/evaluation/conclusions/decisions/{id}", decision_done)
}

fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

/// A decision as a page shows it.
struct DecisionLine {
    id: i64,
    text: String,
    owner: String,
    due: String,
    done: Option<String>,
    overdue: bool,
    /// The meeting it was taken at.
    meeting_id: Option<i64>,
}

fn decision_lines(s: &SheetConclusions) -> Vec<DecisionLine> {
    s.decisions
        .iter()
        .map(|d| DecisionLine {
            id: d.id,
            text: d.text.clone(),
            owner: d.owner.clone(),
            due: d.due_on.map_or_else(|| "—".into(), time_fmt::day_fr),
            done: d.done_on.map(time_fmt::day_fr),
            overdue: overdue(d.due_on, d.done_on, today()),
            meeting_id: d.meeting_id,
        })
        .collect()
}

fn progress(r: &Rollup) -> String {
    r.progress().map_or_else(|| "—".into(), |p| format!("{p}\u{a0}%"))
}

// ---- the dashboard ---------------------------------------------------------------------------

struct SheetRow {
    code: String,
    title: String,
    objectives: String,
    progress: String,
    rag: Option<Rag>,
    open: usize,
    overdue: usize,
}

struct AxisRow {
    number: i32,
    title: String,
    objectives: String,
    progress: String,
    sheets: Vec<SheetRow>,
}

#[derive(Template)]
#[template(path = "decision/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    year: i32,
    max_year: i32,
    axes: Vec<AxisRow>,
    strategy: String,
    strategy_progress: String,
    greens: usize,
    ambers: usize,
    reds: usize,
    unjudged: usize,
    overdue: Vec<(String, DecisionLine)>,
}

fn axis_row(a: &AxisConclusions) -> AxisRow {
    AxisRow {
        number: a.number,
        title: a.title.clone(),
        objectives: a.rollup.summary(),
        progress: progress(&a.rollup),
        sheets: a
            .sheets
            .iter()
            .map(|s| SheetRow {
                code: s.code.clone(),
                title: s.title.clone(),
                objectives: s.rollup.summary(),
                progress: progress(&s.rollup),
                rag: s.judgement.as_ref().map(|j| j.rag),
                open: s.open_decisions(),
                overdue: s.overdue_decisions(today()),
            })
            .collect(),
    }
}

async fn dashboard_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/conclusions")?;
    let year = year_param(&q.annee)?;
    let (axes, total) = dashboard(&state, year).await?;
    let sheets: Vec<&SheetConclusions> = axes.iter().flat_map(|a| &a.sheets).collect();
    let count = |rag: Rag| sheets.iter().filter(|s| s.judgement.as_ref().is_some_and(|j| j.rag == rag)).count();
    let overdue: Vec<(String, DecisionLine)> =
        sheets.iter().flat_map(|s| decision_lines(s).into_iter().filter(|d| d.overdue).map(|d| (s.code.clone(), d))).collect();
    render(&DashboardPage {
        layout: Layout::new(&format!("Tableau de bord des conclusions {year}"), Some(u)),
        year,
        max_year: today().year(),
        greens: count(Rag::Green),
        ambers: count(Rag::Amber),
        reds: count(Rag::Red),
        unjudged: sheets.iter().filter(|s| s.judgement.is_none()).count(),
        overdue,
        strategy: total.summary(),
        strategy_progress: progress(&total),
        axes: axes.iter().map(axis_row).collect(),
    })
}

// ---- a sheet's conclusions ---------------------------------------------------------------------

/// The sheet's form as typed.
#[derive(Default)]
struct ConclusionsForm {
    statuses: Vec<String>,
    rag: String,
    analysis: String,
    recommendations: String,
    version: i64,
}

#[derive(Default)]
struct DecisionForm {
    text: String,
    owner: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "decision/sheet.html")]
struct SheetPage {
    layout: Layout,
    year: i32,
    code: String,
    title: String,
    pilot: String,
    can_edit: bool,
    objectives: Vec<(String, ObjectiveStatus)>,
    form: ConclusionsForm,
    errors: FieldErrors,
    decisions: Vec<DecisionLine>,
    decision: DecisionForm,
    decision_errors: FieldErrors,
    notice: Option<&'static str>,
    judged_by: Option<String>,
}

impl SheetPage {
    fn statuses(&self) -> &'static [ObjectiveStatus] {
        ObjectiveStatus::ALL
    }

    fn rags(&self) -> &'static [Rag] {
        Rag::ALL
    }

    fn chosen(&self, rank: usize) -> &str {
        self.form.statuses.get(rank).map_or("", String::as_str)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    fait: String,
}

/// What a sheet's page shows of the forms just sent: as typed, with their faults.
#[derive(Default)]
struct Sent {
    form: Option<ConclusionsForm>,
    errors: FieldErrors,
    decision: DecisionForm,
    decision_errors: FieldErrors,
}

fn sheet_view(u: &CurrentUser, s: SheetConclusions, year: i32, sent: Sent, notice: Option<&'static str>) -> SheetPage {
    let Sent { form, errors, decision, decision_errors } = sent;
    let form = form.unwrap_or_else(|| ConclusionsForm {
        statuses: s.objectives.iter().map(|o| o.1.code().to_string()).collect(),
        rag: s.judgement.as_ref().map_or_else(String::new, |j| j.rag.code().to_string()),
        analysis: s.judgement.as_ref().map_or_else(String::new, |j| j.analysis.clone()),
        recommendations: s.judgement.as_ref().map_or_else(String::new, |j| j.recommendations.clone()),
        version: s.judgement.as_ref().map_or(0, |j| j.version),
    });
    SheetPage {
        layout: Layout::new(&format!("Conclusions {year} — fiche {}", s.code), Some(u)),
        year,
        can_edit: require(Some(u), Action::ManageConclusions, "").is_ok(),
        decisions: decision_lines(&s),
        judged_by: s.judgement.as_ref().map(|j| j.updated_by.clone()),
        code: s.code,
        title: s.title,
        pilot: s.pilot,
        objectives: s.objectives,
        form,
        errors,
        decision,
        decision_errors,
        notice,
    }
}

fn notice_of(fait: &str) -> Option<&'static str> {
    match fait {
        "enregistre" => Some("Conclusions enregistrées."),
        "decision" => Some("Décision enregistrée."),
        "realisee" => Some("Décision marquée comme réalisée."),
        "rouverte" => Some("Décision rouverte."),
        _ => None,
    }
}

async fn found(state: &AppState, code: &str, year: i32) -> Result<SheetConclusions, AppError> {
    sheet(state, code, year).await?.ok_or(AppError::NotFound)
}

async fn sheet_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Query(q): Query<SheetQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/conclusions")?;
    let year = year_param(&q.annee)?;
    let s = found(&state, &code, year).await?;
    let page = sheet_view(u, s, year, Sent::default(), notice_of(&q.fait));
    render(&page)
}

async fn sheet_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageConclusions, "/evaluation/conclusions")?;
    let mut form = ConclusionsForm::default();
    let mut year = String::new();
    let mut statuses: Vec<(usize, String)> = Vec::new();
    let mut read = FieldErrors::default();
    for (k, v) in pairs {
        match k.as_str() {
            "annee" => year = v,
            "rag" => form.rag = v,
            "analysis" => form.analysis = v,
            "recommendations" => form.recommendations = v,
            "version" => form.version = v.trim().parse().unwrap_or(-1),
            k => {
                if let Some(rank) = k.strip_prefix("objective-").and_then(|r| r.parse::<usize>().ok()) {
                    statuses.push((rank, v));
                }
            }
        }
    }
    let year = year_param(&year)?;
    let s = found(&state, &code, year).await?;
    form.statuses = (0..s.objectives.len()).map(|r| statuses.iter().find(|x| x.0 == r).map_or_else(String::new, |x| x.1.clone())).collect();
    if form.version < 0 {
        read.add("version", "Formulaire illisible : rechargez la page.");
    }
    let rag = match form.rag.as_str() {
        "" => None,
        r => match Rag::from_code(r) {
            Some(r) => Some(r),
            None => {
                read.add("rag", "Choisissez vert, orange ou rouge.");
                None
            }
        },
    };
    let judgement = JudgementDraft { rag, analysis: form.analysis.clone(), recommendations: form.recommendations.clone() };
    let outcome = if read.is_empty() {
        save(&state, &u.author(), &code, year, form.version, &statuses, &judgement).await
    } else {
        Err(DecisionError::Invalid(Vec::new()))
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/evaluation/conclusions/fiches/{code}?annee={year}&fait=enregistre")).into_response()),
        Err(DecisionError::Invalid(faults)) => {
            for (f, m) in faults {
                read.add(f, m);
            }
            let page = sheet_view(u, s, year, Sent { form: Some(form), errors: read, ..Sent::default() }, None);
            render_invalid(&page)
        }
        // Changed meanwhile: the page as it is now, with what was typed kept in the form.
        Err(DecisionError::Store(maillage_store::StoreError::Conflict(_))) => {
            let current = sheet_view(u, s.clone(), year, Sent::default(), None);
            let by = current.judged_by.clone().unwrap_or_default();
            read.add("version", format!("Ces conclusions ont été changées entre-temps par {by}. Votre saisie est conservée : vérifiez-la, puis enregistrez de nouveau."));
            let form = ConclusionsForm { version: current.form.version, ..form };
            let page = sheet_view(u, s, year, Sent { form: Some(form), errors: read, ..Sent::default() }, None);
            Ok((axum::http::StatusCode::CONFLICT, axum::response::Html(askama::Template::render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn decision_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageConclusions, "/evaluation/conclusions")?;
    let mut form = DecisionForm::default();
    let mut year = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "annee" => year = v,
            "text" => form.text = v,
            "owner" => form.owner = v,
            "due_on" => form.due_on = v,
            _ => {}
        }
    }
    let year = year_param(&year)?;
    let s = found(&state, &code, year).await?;
    let mut read = FieldErrors::default();
    let due_on = match form.due_on.trim() {
        "" => None,
        d => time_fmt::read_typed_date(d).map_err(|e| read.add("due_on", e.to_string())).ok(),
    };
    let draft = DecisionDraft { text: form.text.clone(), owner: form.owner.clone(), due_on };
    let outcome =
        if read.is_empty() { decide(&state, &u.author(), &code, year, &draft).await } else { Err(DecisionError::Invalid(Vec::new())) };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/evaluation/conclusions/fiches/{code}?annee={year}&fait=decision")).into_response()),
        Err(DecisionError::Invalid(faults)) => {
            for (f, m) in faults {
                read.add(f, m);
            }
            let page = sheet_view(u, s, year, Sent { decision: form, decision_errors: read, ..Sent::default() }, None);
            render_invalid(&page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct DoneForm {
    #[serde(default)]
    done: String,
}

async fn decision_done(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<DoneForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageConclusions, "/evaluation/conclusions")?;
    let d = state.store.sheet_decision(parse_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let (on, fait) = match f.done.as_str() {
        "oui" => (Some(today()), "realisee"),
        "non" => (None, "rouverte"),
        _ => return Err(AppError::BadRequest("« oui » ou « non » attendu.".into())),
    };
    state.store.set_sheet_decision_done(&u.author(), d.id, on).await?;
    Ok(Redirect::to(&format!("/evaluation/conclusions/fiches/{}?annee={}&fait={fait}", d.sheet_code, d.year)).into_response())
}
