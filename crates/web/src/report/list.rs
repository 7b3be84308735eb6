//! The list of reports.

use super::PAGE_SIZE;
use super::filter::{FilterChoices, FilterQuery};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use maillage_core::authz::{Action, Decision, authorize, report_scope};
use maillage_core::time_fmt;
use maillage_store::report::ReportSummary;
use time::OffsetDateTime;

/// A line of the list as shown.
pub struct Line {
    pub r: ReportSummary,
    pub state_label: &'static str,
    pub created: String,
    pub due: String,
    pub overdue: bool,
    pub closed_late: bool,
    pub excerpt: String,
}

pub(crate) fn line(r: ReportSummary, now: OffsetDateTime) -> Line {
    // Late today, or closed after its deadline: said differently.
    let overdue = r.closed_at.is_none() && r.is_overdue(now);
    let closed_late = r.closed_at.is_some() && r.is_overdue(now);
    let state_label = r.state.label();
    let created = time_fmt::date_fr(r.created_at);
    let due = r.due_at.map(time_fmt::date_fr).unwrap_or_default();
    let excerpt: String = r.description.chars().take(120).collect();
    let excerpt = if r.description.chars().count() > 120 { format!("{excerpt}…") } else { excerpt };
    Line { r, state_label, created, due, overdue, closed_late, excerpt }
}

#[derive(Template)]
#[template(path = "report/list.html")]
pub(super) struct ListPage {
    layout: Layout,
    q: FilterQuery,
    query: String,
    choices: FilterChoices,
    errors: Vec<String>,
    lines: Vec<Line>,
    caption: String,
    page: i64,
    has_next: bool,
    can_create: bool,
    can_triage: bool,
    can_export: bool,
}

pub(super) async fn list(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let (filter, errors) = q.to_filter(report_scope(&u.actor));
    let page = q.page();
    let mut rows = state.store.reports(&filter, q.sort(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let can = |a| authorize(Some(&u.actor), a) == Decision::Allow;
    render(&ListPage {
        layout: Layout::new(&if page > 1 { format!("Signalements — page {page}") } else { "Signalements".to_string() }, Some(u)),
        query: q.query(),
        choices: FilterChoices::new(categories, &state.places(), organisations),
        errors,
        lines: rows.into_iter().map(|r| line(r, filter.now)).collect(),
        caption: format!("Signalements, page {page}"),
        page,
        has_next,
        can_create: can(Action::CreateReport),
        can_triage: can(Action::TriageReports),
        can_export: can(Action::ExportReports),
        q,
    })
}
