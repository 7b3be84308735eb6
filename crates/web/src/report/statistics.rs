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
use maillage_core::authz::{Action, figures_masked};
use maillage_core::{publication, text::number_fr};
use maillage_store::report::{StatGroup, StatRow};

/// A statistics line as shown: counts grouped by thousands, or, for those to whom figures are
/// published ([`maillage_core::authz::figures_masked`]), small counts as "< 5".
pub struct StatLine {
    pub label: String,
    pub total: String,
    pub open: String,
    pub resolved: String,
    pub not_resolved: String,
    pub overdue: String,
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
    masked: bool,
    small: i64,
}

pub(super) fn stat_line(label: String, s: &StatRow, masked: bool) -> StatLine {
    let count = |n: i64| if masked { publication::count(n) } else { number_fr(n) };
    let share = if masked {
        publication::share(s.overdue, s.total)
    } else {
        (s.total > 0).then(|| format!("{:.0}\u{202f}%", s.overdue as f64 * 100.0 / s.total as f64))
    };
    let median = if masked { publication::publish(s).median_days } else { s.median_days };
    StatLine {
        label,
        total: count(s.total),
        open: count(s.open),
        resolved: count(s.resolved),
        not_resolved: count(s.not_resolved),
        overdue: count(s.overdue),
        overdue_share: share.unwrap_or_else(|| "—".into()),
        median_days: median.map_or_else(|| "—".into(), |d| format!("{d:.1}").replace('.', ",")),
    }
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
    let masked = figures_masked(&u.actor);
    let total = stat_line("Total".into(), &overall, masked);
    render(&StatisticsPage {
        layout: Layout::new("Statistiques des signalements", Some(u)),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        group,
        groups: StatGroup::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        lines: rows.iter().map(|s| stat_line(stat_label(group, &s.key, categories, &places, organisations), s, masked)).collect(),
        total,
        masked,
        small: publication::SMALL_COUNT,
        q,
    })
}
