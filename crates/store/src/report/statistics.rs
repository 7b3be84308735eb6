//! The reports' statistics, computed at each request. A closed report no longer changes, so
//! closed reports are also counted ahead in `report_tallies` (by month of creation and by
//! district, category and organisation in charge, with state, lateness and whole days to
//! resolution), in the same transaction as the change that closes or reopens them. A period's
//! statistics read those counts for its whole months, and the rows themselves only for the open
//! reports and for the months the period cuts. Any other filter (a state, a category, a
//! partner's own reports…) reads the rows. Both ways give the same figures (tested).

use crate::db::{Param, Sql, Tx};
use crate::report::{ReportFilter, StatGroup};
use crate::{Store, StoreError};
use maillage_core::authz::ReportScope;
use maillage_core::report::{self, MAX_RESOLUTION_HOURS, State, Statistics, Tally};
use maillage_core::time_fmt;
use std::collections::HashMap;

/// The dimensions counted ahead, with their column. Grouping by month reads any of them.
const DIMENSIONS: [(&str, &str); 3] = [("district", "district_id"), ("category", "category_id"), ("organisation", "organisation_id")];

/// One group is one number in the queries (grouping on one integer is several times faster
/// than on several columns): ((key × 8 + state) × 2 + late) × DAYS_SPAN + days + 1.
const DAYS_SPAN: i64 = MAX_RESOLUTION_HOURS / 24 + 1;

fn state_index_sql(column: &str) -> String {
    let cases: String = State::ALL.iter().enumerate().map(|(i, s)| format!(" WHEN '{}' THEN {i}", s.code())).collect();
    format!("CASE {column}{cases} ELSE 0 END")
}

fn days_sql(hours: &str) -> String {
    format!("CASE WHEN {hours} >= 0 AND {hours} < {MAX_RESOLUTION_HOURS} THEN {hours} / 24 ELSE -1 END")
}

fn group_sql(key: &str, state: &str, late: &str, days: &str) -> String {
    format!("(((COALESCE({key}, 0) * 8 + {}) * 2 + {late}) * {DAYS_SPAN} + {days} + 1)", state_index_sql(state))
}

fn decode((g, n): (i64, i64)) -> Tally {
    let days = g % DAYS_SPAN - 1;
    let rest = g / DAYS_SPAN;
    let late = rest % 2 == 1;
    let rest = rest / 2;
    let state = State::ALL.get((rest % 8) as usize).copied().unwrap_or(State::New);
    let key = rest / 8;
    Tally { key: (key != 0).then_some(key), state, late, days: (days >= 0).then_some(days), n }
}

fn closed_codes() -> String {
    State::closed().iter().map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ")
}

/// What a report's count depends on (and when it was created, which a closing needs too).
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct Counted {
    pub created_at: String,
    pub created_month: Option<i64>,
    pub district_id: Option<i64>,
    pub category_id: i64,
    pub organisation_id: Option<i64>,
    pub state: String,
    pub due_at: Option<String>,
    pub closed_at: Option<String>,
    pub resolution_hours: Option<i64>,
}

pub(crate) const COUNTED_COLUMNS: &str =
    "created_at, created_month, district_id, category_id, organisation_id, state, due_at, closed_at, resolution_hours";

type TallyKey = (&'static str, i64, i64, String, i64, i64);

impl Counted {
    /// Its lines in `report_tallies`, if it is counted there (closed).
    fn keys(&self) -> Vec<TallyKey> {
        let (Some(month), Some(state)) = (self.created_month, State::from_code(&self.state)) else {
            return Vec::new();
        };
        if state.class().is_open() {
            return Vec::new();
        }
        let late = matches!((&self.due_at, &self.closed_at), (Some(due), Some(closed)) if closed > due);
        let days = report::resolution_days(self.resolution_hours).unwrap_or(-1);
        // In the order of DIMENSIONS.
        let keys = [self.district_id, Some(self.category_id), self.organisation_id];
        DIMENSIONS
            .iter()
            .zip(keys)
            .map(|((dimension, _), key)| (*dimension, month, key.unwrap_or(0), self.state.clone(), i64::from(late), days))
            .collect()
    }
}

/// Adds (or, with `sign` -1, removes) reports to the counts, in the caller's transaction.
pub(crate) async fn count(tx: &mut Tx, reports: &[Counted], sign: i64) -> Result<(), StoreError> {
    let mut sums: HashMap<TallyKey, i64> = HashMap::new();
    for r in reports {
        for k in r.keys() {
            *sums.entry(k).or_default() += sign;
        }
    }
    for ((dimension, month, key, state, late, days), n) in sums {
        on_tx!(tx, c, {
            sqlx::query(
                "INSERT INTO report_tallies (dimension, created_month, group_key, state, late, days, n) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (dimension, created_month, group_key, state, late, days) DO UPDATE SET n = report_tallies.n + excluded.n",
            )
            .bind(dimension)
            .bind(month)
            .bind(key)
            .bind(&state)
            .bind(late)
            .bind(days)
            .bind(n)
            .execute(&mut *c)
            .await?;
        });
    }
    Ok(())
}

/// A report's counted fields, read in the caller's transaction.
pub(crate) async fn counted(tx: &mut Tx, report_id: i64) -> Result<Option<Counted>, StoreError> {
    let sql = format!("SELECT {COUNTED_COLUMNS} FROM reports WHERE id = $1");
    Ok(on_tx!(tx, c, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(report_id).fetch_optional(&mut *c).await?))
}

/// Counts every closed report again (after a restore, or the removal of a district).
pub(crate) async fn recount(tx: &mut Tx) -> Result<(), StoreError> {
    let late = "CASE WHEN due_at IS NOT NULL AND closed_at > due_at THEN 1 ELSE 0 END";
    let days = days_sql("resolution_hours");
    let closed = closed_codes();
    on_tx!(tx, c, {
        sqlx::query("DELETE FROM report_tallies").execute(&mut *c).await?;
    });
    for (dimension, column) in DIMENSIONS {
        let sql = format!(
            "INSERT INTO report_tallies (dimension, created_month, group_key, state, late, days, n) \
             SELECT '{dimension}', created_month, COALESCE({column}, 0), state, {late}, {days}, COUNT(*) FROM reports \
             WHERE created_month IS NOT NULL AND state IN ({closed}) GROUP BY 2, 3, 4, 5, 6"
        );
        on_tx!(tx, c, {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *c).await?;
        });
    }
    Ok(())
}

impl StatGroup {
    fn column(self) -> &'static str {
        match self {
            StatGroup::Month => "created_month",
            StatGroup::District => "district_id",
            StatGroup::Category => "category_id",
            StatGroup::Organisation => "organisation_id",
        }
    }

    /// The counts to read. By month, any dimension holds every closed report: categories have
    /// the fewest keys, so the fewest lines.
    fn dimension(self) -> &'static str {
        match self {
            StatGroup::District => "district",
            StatGroup::Month | StatGroup::Category => "category",
            StatGroup::Organisation => "organisation",
        }
    }
}

impl Store {
    /// Counts by month, district, category or organisation: lines (sorted by key) and their
    /// total. Computed at each request, from the counts of closed reports kept ahead where the
    /// filter is a period alone, from the rows otherwise.
    pub async fn report_statistics(&self, f: &ReportFilter, group: StatGroup) -> Result<Statistics, StoreError> {
        // Any filter but a period reads the rows (written so that a filter added later does too).
        let only_a_period = *f
            == ReportFilter {
                created_from: f.created_from,
                created_before: f.created_before,
                now: f.now,
                ..ReportFilter::new(ReportScope::All)
            };
        if !only_a_period {
            return self.report_statistics_from_rows(f, group).await;
        }
        let first = f.created_from.map(time_fmt::month_number);
        let last = f.created_before.map(time_fmt::month_number);
        if let (Some(a), Some(b)) = (first, last)
            && a >= b
        {
            // Within one month: the rows.
            return self.report_statistics_from_rows(f, group).await;
        }
        // Open reports of the period, from the rows.
        let mut tallies = Vec::new();
        let mut open = f.clone();
        open.states = State::open();
        tallies.extend(self.tallies_from_rows(&open, group).await?);
        // Closed reports of the months the period cuts, from the rows.
        let closed = State::closed();
        if let (Some(from), Some(m)) = (&f.created_from, first) {
            let mut edge = ReportFilter {
                states: closed.clone(),
                created_from: Some(*from),
                created_before: time_fmt::month_start(time_fmt::next_month(m)),
                ..f.clone()
            };
            if let (Some(before), Some(end)) = (&f.created_before, &edge.created_before)
                && before < end
            {
                edge.created_before = Some(*before);
            }
            tallies.extend(self.tallies_from_rows(&edge, group).await?);
        }
        if let (Some(before), Some(m)) = (&f.created_before, last) {
            let edge = ReportFilter { states: closed, created_from: time_fmt::month_start(m), created_before: Some(*before), ..f.clone() };
            tallies.extend(self.tallies_from_rows(&edge, group).await?);
        }
        // Closed reports of the whole months, from the counts.
        let key = if group == StatGroup::Month { "created_month" } else { "group_key" };
        let mut sql = Sql::new(&format!(
            "SELECT {} AS g, CAST(SUM(n) AS BIGINT) FROM report_tallies WHERE dimension = ",
            group_sql(key, "state", "late", "days")
        ));
        sql.bind(Param::Text(group.dimension().into()));
        if let Some(m) = first {
            sql.push(" AND created_month > ").bind(Param::Int(m));
        }
        if let Some(m) = last {
            sql.push(" AND created_month < ").bind(Param::Int(m));
        }
        sql.push(" GROUP BY g");
        let pairs: Vec<(i64, i64)> =
            on_db!(&self.db, p, { bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(p).await? });
        tallies.extend(pairs.into_iter().filter(|(_, n)| *n != 0).map(decode));
        Ok(report::statistics(&tallies))
    }

    /// The same figures, from the rows alone: the reference the counts kept ahead must match.
    pub async fn report_statistics_from_rows(&self, f: &ReportFilter, group: StatGroup) -> Result<Statistics, StoreError> {
        Ok(report::statistics(&self.tallies_from_rows(f, group).await?))
    }

    async fn tallies_from_rows(&self, f: &ReportFilter, group: StatGroup) -> Result<Vec<Tally>, StoreError> {
        let late =
            "CASE WHEN r.due_at IS NOT NULL AND ((r.closed_at IS NULL AND r.due_at < $1) OR r.closed_at > r.due_at) THEN 1 ELSE 0 END";
        let g = group_sql(&format!("r.{}", group.column()), "r.state", late, &days_sql("r.resolution_hours"));
        let mut sql = Sql::new(&format!("SELECT {g} AS g, COUNT(*) FROM reports r"));
        sql.params.push(Param::Text(time_fmt::to_storage(f.now)));
        f.where_clause(&mut sql);
        sql.push(" GROUP BY g");
        let pairs: Vec<(i64, i64)> =
            on_db!(&self.db, p, { bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(p).await? });
        Ok(pairs.into_iter().map(decode).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_decode_what_the_queries_encode() {
        for (key, s, late, days) in [(0i64, 0usize, 0i64, -1i64), (202611, 7, 1, 99_999), (42, 4, 0, 0), (3, 5, 1, 12)] {
            let g = (((key * 8 + s as i64) * 2 + late) * DAYS_SPAN) + days + 1;
            let t = decode((g, 5));
            assert_eq!(
                (t.key, t.state, t.late, t.days, t.n),
                ((key != 0).then_some(key), State::ALL[s], late == 1, (days >= 0).then_some(days), 5)
            );
        }
    }
}
