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
    /// For those who read no report: the published table instead of the lines above.
    published: Option<PublishedLines>,
    small: i64,
}

/// A grouping's figures as published ([`publication::publish_table`]), as shown.
pub struct PublishedLines {
    pub year: i32,
    pub years: Vec<i32>,
    pub lines: Vec<PublishedLine>,
}

pub struct PublishedLine {
    pub label: String,
    pub total: String,
    pub overdue_share: String,
    pub median_days: String,
}

pub fn published_line(label: String, r: &publication::PublishedRow) -> PublishedLine {
    PublishedLine {
        label,
        total: r.total.map_or_else(|| format!("<\u{a0}{}", publication::SMALL_COUNT), number_fr),
        overdue_share: r.overdue_percent.map_or_else(|| "—".into(), |p| format!("{p}\u{202f}%")),
        median_days: r.median_days.map_or_else(|| "—".into(), |d| format!("{d:.0}")),
    }
}

/// The published lines of a table: the large ones, "Autres" for the small ones merged, the total.
pub fn published_lines(t: &publication::PublishedTable, label: impl Fn(&Option<i64>) -> String, total_label: &str) -> Vec<PublishedLine> {
    let mut out: Vec<PublishedLine> = t.rows.iter().map(|r| published_line(label(&r.key), r)).collect();
    if let Some(o) = &t.others {
        out.push(published_line(format!("Autres (moins de {} chacun)", publication::SMALL_COUNT), o));
    }
    out.push(published_line(total_label.to_string(), &t.total));
    out
}

pub(super) fn stat_line(label: String, s: &StatRow) -> StatLine {
    let share = (s.total > 0).then(|| format!("{:.0}\u{202f}%", s.overdue as f64 * 100.0 / s.total as f64));
    StatLine {
        label,
        total: number_fr(s.total),
        open: number_fr(s.open),
        resolved: number_fr(s.resolved),
        not_resolved: number_fr(s.not_resolved),
        overdue: number_fr(s.overdue),
        overdue_share: share.unwrap_or_else(|| "—".into()),
        median_days: s.median_days.map_or_else(|| "—".into(), |d| format!("{d:.1}").replace('.', ",")),
    }
}

pub(super) async fn statistics(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<FilterQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewReportStatistics, "/signalements/statistiques")?;
    let (filter, year, errors) = q.to_statistics_filter(&u.actor);
    let masked = year.is_some();
    let group = StatGroup::from_code(&q.groupe).unwrap_or(StatGroup::Month);
    let maillage_core::report::Statistics { rows, total: overall } = state.store.report_statistics(&filter, group).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let places = state.places();
    let label = |key: &Option<i64>| stat_label(group, key, categories, &places, organisations);
    let published = year.map(|year| {
        let this_year = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).year();
        PublishedLines {
            year,
            years: (2019..=this_year).rev().collect(),
            lines: published_lines(&publication::publish_table(&rows, &overall), label, "Total"),
        }
    });
    render(&StatisticsPage {
        layout: Layout::new("Statistiques des signalements", Some(u)),
        choices: FilterChoices::new(categories, &places, organisations),
        errors,
        group,
        groups: StatGroup::ALL.iter().map(|g| (g.code(), g.label())).collect(),
        lines: if masked { Vec::new() } else { rows.iter().map(|s| stat_line(label(&s.key), s)).collect() },
        total: stat_line("Total".into(), &overall),
        published,
        small: publication::SMALL_COUNT,
        q,
    })
}
