//! Figures that leave the people who handle the cases (elected officials, the plenary, the
//! public): a small count could point at a person, so a figure below [`SMALL_COUNT`] is shown
//! as "< 5" (privacy rules §7).

use crate::report::StatRow;
use crate::text::number_fr;

/// The smallest count shown as it is (zero aside: nothing to point at).
pub const SMALL_COUNT: i64 = 5;

/// Whether a count may be shown as it is.
pub fn is_shown(n: i64) -> bool {
    n == 0 || n >= SMALL_COUNT
}

/// A count as published: "< 5" when small, grouped by thousands otherwise.
pub fn count(n: i64) -> String {
    if is_shown(n) { number_fr(n) } else { format!("<\u{a0}{SMALL_COUNT}") }
}

/// A share of `total` as published: none when either count is small.
pub fn share(part: i64, total: i64) -> Option<String> {
    (total > 0 && is_shown(part) && is_shown(total)).then(|| format!("{:.0}\u{202f}%", part as f64 * 100.0 / total as f64))
}

/// A line of statistics as published: a small count is `None`, and so are the overdue count
/// and the median when what they are computed on is small.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PublishedRow {
    pub key: Option<i64>,
    pub total: Option<i64>,
    pub open: Option<i64>,
    pub resolved: Option<i64>,
    pub not_resolved: Option<i64>,
    pub overdue: Option<i64>,
    pub median_days: Option<f64>,
}

pub fn publish(row: &StatRow) -> PublishedRow {
    let shown = |n: i64| is_shown(n).then_some(n);
    PublishedRow {
        key: row.key,
        total: shown(row.total),
        open: shown(row.open),
        resolved: shown(row.resolved),
        not_resolved: shown(row.not_resolved),
        overdue: shown(row.overdue),
        median_days: row.median_days.filter(|_| row.resolved >= SMALL_COUNT),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_counts_are_hidden() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(4), "<\u{a0}5");
        assert_eq!(super::count(5), "5");
        assert_eq!(super::count(12_000), "12\u{202f}000");
        assert_eq!(super::share(3, 40), None);
        assert_eq!(super::share(10, 40).as_deref(), Some("25\u{202f}%"));
        assert_eq!(super::share(0, 0), None);
    }
}
