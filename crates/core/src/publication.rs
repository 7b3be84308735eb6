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

/// A count as shown to a reader: published ("< 5") when `published`, exact otherwise.
pub fn count_as(n: i64, published: bool) -> String {
    if published { count(n) } else { number_fr(n) }
}

/// A share of `total` as published: none when either count is small.
pub fn share(part: i64, total: i64) -> Option<String> {
    (total > 0 && is_shown(part) && is_shown(total)).then(|| format!("{:.0}\u{202f}%", part as f64 * 100.0 / total as f64))
}

/// What a count hidden only to protect a small one shows (secondary suppression).
pub const WITHHELD: &str = "non publié";

/// A breakdown of a total as published, in its order: each count, "< 5" when small; and while
/// the hidden counts together are small, the smallest shown ones are withheld too, since the
/// total (given elsewhere) minus the shown counts would give their sum away.
pub fn breakdown(counts: &[(String, i64)]) -> Vec<(String, String)> {
    let mut withheld = vec![false; counts.len()];
    let mut hidden: i64 = counts.iter().filter(|(_, n)| !is_shown(*n)).map(|(_, n)| n).sum();
    while hidden > 0 && hidden < SMALL_COUNT {
        let next = counts.iter().enumerate().filter(|(i, (_, n))| *n > 0 && is_shown(*n) && !withheld[*i]).min_by_key(|(_, (_, n))| *n);
        let Some((i, (_, n))) = next else { break };
        withheld[i] = true;
        hidden += n;
    }
    counts.iter().zip(withheld).map(|((label, n), w)| (label.clone(), if w { WITHHELD.to_string() } else { count(*n) })).collect()
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

/// A grouping's figures as published: the lines large enough to show, one line merging the
/// others, and the total. The total is always given (another grouping of the same reports
/// gives it anyway), so the merged line must never be small: while it is, the smallest shown
/// line joins it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PublishedTable {
    pub rows: Vec<PublishedRow>,
    pub others: Option<PublishedRow>,
    pub total: PublishedRow,
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
    let (mut large, small): (Vec<&StatRow>, Vec<&StatRow>) = rows.iter().partition(|r| r.total == 0 || r.total >= SMALL_COUNT);
    let mut merged: Option<StatRow> = None;
    let join = |r: &StatRow, m: &mut Option<StatRow>| {
        let m = m.get_or_insert_with(StatRow::default);
        m.total += r.total;
        m.overdue += r.overdue;
    };
    for r in small {
        join(r, &mut merged);
    }
    while merged.as_ref().is_some_and(|m| !is_shown(m.total)) {
        // The smallest shown line, by its count; ties by the key, so the choice is stable.
        let Some(at) = large.iter().enumerate().filter(|(_, r)| r.total > 0).min_by_key(|(_, r)| (r.total, r.key)).map(|(i, _)| i) else {
            break;
        };
        join(large.remove(at), &mut merged);
    }
    PublishedTable { rows: large.into_iter().map(publish).collect(), others: merged.as_ref().map(publish), total: publish(total) }
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
    fn a_breakdown_never_lets_small_counts_be_summed_from_the_total() {
        let rows = |counts: &[i64]| counts.iter().enumerate().map(|(i, n)| (format!("l{i}"), *n)).collect::<Vec<_>>();
        let shown = |counts: &[i64]| super::breakdown(&rows(counts)).into_iter().map(|(_, v)| v).collect::<Vec<_>>();
        let small = "<\u{a0}5".to_string();
        // One small count: the smallest shown one is withheld with it.
        assert_eq!(shown(&[26, 3, 9]), ["26".to_string(), small.clone(), super::WITHHELD.to_string()]);
        // Two small counts summing to 3: same, their sum would be the total minus the others.
        assert_eq!(shown(&[23, 1, 2, 5]), ["23".to_string(), small.clone(), small.clone(), super::WITHHELD.to_string()]);
        // Small counts summing to 5 or more: nothing more to withhold.
        assert_eq!(shown(&[20, 3, 4]), ["20".to_string(), small.clone(), small]);
        assert_eq!(shown(&[20, 0, 7]), ["20", "0", "7"]);
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
        // A lone small line would be the total minus the others: the smallest shown line joins it.
        let t = super::publish_table(&[row(1, 40, 10), row(2, 6, 0), row(3, 1, 0)], &StatRow { total: 47, ..StatRow::default() });
        assert_eq!(t.rows.iter().map(|r| r.key).collect::<Vec<_>>(), [Some(1)]);
        assert_eq!(t.others.as_ref().map(|o| o.total), Some(Some(7)));
        assert_eq!(t.total.total, Some(47), "the total is always given");
        // Nothing left to join: the merged line is the total, both small, both hidden.
        let t = super::publish_table(&[row(1, 3, 0)], &StatRow { total: 3, ..StatRow::default() });
        assert_eq!((t.others.map(|o| o.total), t.total.total), (Some(None), None));
    }
}
