//! Statistics of reports.

use super::filter::{FilterChoices, FilterQuery, stat_label};
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::render;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use maillage_core::authz::Action;
use maillage_store::report::{StatGroup, StatRow};

/// A statistics line as shown.
pub struct StatLine {
    pub label: String,
    pub s: StatRow,
    pub overdue_share: String,
    pub median_days: String,
}

#[derive(Template)]
#[template(path = "report/statistics.html")]
pub(super) struct StatisticsPage {
    layout: Layout,
    q: FilterQuery,
    choices: FilterChoices,
    errors: Vec<String>,
    group: StatGroup,
    groups: Vec<(&'static str, &'static str)>,
    lines: Vec<StatLine>,
    total: StatLine,
}

pub(super) fn stat_line(label: String, s: StatRow) -> StatLine {
    let overdue_share = if s.total > 0 { format!("{:.0}\u{202f}%", s.overdue as f64 * 100.0 / s.total as f64) } else { "—".into() };
    let median_days = s.median_days.map_or_else(|| "—".into(), |d| format!("{d:.1}").replace('.', ","));
    StatLine { label, s, overdue_share, median_days }
}

pub(super) async fn statistics(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewReportStatistics, "/signalements/statistiques")?;
    let (filter, errors) = q.to_filter(maillage_core::authz::statistics_scope(&u.actor));
    let group = StatGroup::from_code(&q.groupe).unwrap_or(StatGroup::Month);
    let maillage_core::report::Statistics { rows, total: overall } = state.store.report_statistics(&filter, group).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let total = stat_line("Total".into(), overall);
    render(&StatisticsPage {
        layout: Layout::new("Statistiques des signalements", Some(u)),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        group,
        groups: StatGroup::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        lines: rows.into_iter().map(|s| stat_line(stat_label(group, &s.key, categories, &places, organisations), s)).collect(),
        total,
        q,
    })
}
