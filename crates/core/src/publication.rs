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

/// A line of figures as published: the count (`None` when small), the share of it that was
/// late and the median delay, each only when computed on enough reports. Open, resolved and
/// closed counts are not published one by one: with the total they would give each other away.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PublishedRow {
    pub key: Option<i64>,
    pub total: Option<i64>,
    pub overdue_percent: Option<i64>,
    pub median_days: Option<f64>,
}

/// A grouping's figures as published: the lines large enough to show, one line merging all
/// the small ones, and the total — left out when it would give the merged line away (the
/// merged line small, so total minus the others would tell it).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PublishedTable {
    pub rows: Vec<PublishedRow>,
    pub others: Option<PublishedRow>,
    pub total: Option<PublishedRow>,
}

pub fn publish(row: &StatRow) -> PublishedRow {
    PublishedRow {
        key: row.key,
        total: is_shown(row.total).then_some(row.total),
        overdue_percent: (row.total >= SMALL_COUNT && row.overdue >= SMALL_COUNT)
            .then(|| (row.overdue as f64 * 100.0 / row.total as f64).round() as i64),
        median_days: row.median_days.filter(|_| row.resolved >= SMALL_COUNT),
    }
}

pub fn publish_table(rows: &[StatRow], total: &StatRow) -> PublishedTable {
    let (large, small): (Vec<&StatRow>, Vec<&StatRow>) = rows.iter().partition(|r| r.total == 0 || r.total >= SMALL_COUNT);
    let others = (!small.is_empty()).then(|| {
        let merged = small.iter().fold(StatRow { key: None, ..StatRow::default() }, |mut m, r| {
            m.total += r.total;
            m.overdue += r.overdue;
            m
        });
        publish(&merged)
    });
    let total_shown = others.as_ref().is_none_or(|o| o.total.is_some());
    PublishedTable { rows: large.into_iter().map(publish).collect(), others, total: total_shown.then(|| publish(total)) }
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

    #[test]
    fn small_lines_are_merged_and_the_total_never_gives_them_away() {
        use crate::report::StatRow;
        let row = |key, total, overdue| StatRow { key: Some(key), total, overdue, ..StatRow::default() };
        let t =
            super::publish_table(&[row(1, 40, 10), row(2, 3, 1), row(3, 2, 0)], &StatRow { total: 45, overdue: 11, ..StatRow::default() });
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].overdue_percent, Some(25));
        assert_eq!(t.others.as_ref().map(|o| o.total), Some(Some(5)), "3 + 2 merged reach 5");
        assert!(t.total.is_some());
        let t = super::publish_table(&[row(1, 40, 10), row(2, 3, 1)], &StatRow { total: 43, overdue: 11, ..StatRow::default() });
        assert_eq!(t.others.as_ref().map(|o| o.total), Some(None));
        assert_eq!(t.total, None, "43 - 40 would tell the 3");
    }
}
