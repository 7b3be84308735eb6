//! A working group's situations counted ahead (`case_counts`): followed, archived, and followed
//! with the person neither informed nor the informing deferred. Counting 100 000 rows at every
//! list page cost more than the rest of the page; each transaction that changes one of these
//! three states moves the counts by the difference between the situation before and after.

use crate::db::Tx;
use crate::{Store, StoreError};

/// The three numbers a group's list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseCounts {
    pub followed: i64,
    pub archived: i64,
    pub not_informed: i64,
}

/// What one situation adds to its group's counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counted {
    pub group_id: i64,
    pub ended: bool,
    pub informed: bool,
}

impl Counted {
    /// A new situation: followed, the person not yet informed.
    pub fn new(group_id: i64) -> Self {
        Counted { group_id, ended: false, informed: false }
    }

    fn counts(self) -> CaseCounts {
        CaseCounts {
            followed: i64::from(!self.ended),
            archived: i64::from(self.ended),
            not_informed: i64::from(!self.ended && !self.informed),
        }
    }
}

type StateRow = (i64, Option<String>, Option<String>, Option<String>);

fn counted((group_id, ended_on, informed_on, deferred): StateRow) -> Counted {
    Counted { group_id, ended: ended_on.is_some(), informed: informed_on.is_some() || deferred.is_some() }
}

/// The situation as its transaction sees it, its row locked until the transaction ends, so
/// that two writers of one situation count from each other's result (SQLite's write
/// transactions already run one at a time).
pub(crate) async fn locked(tx: &mut Tx, case_id: i64) -> Result<Option<Counted>, StoreError> {
    const COLUMNS: &str = "SELECT group_id, ended_on, informed_on, informing_deferred FROM cases WHERE id = $1";
    let row: Option<StateRow> = match tx {
        Tx::Sqlite(t) => sqlx::query_as(COLUMNS).bind(case_id).fetch_optional(&mut **t).await?,
        Tx::Postgres(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} FOR UPDATE"))).bind(case_id).fetch_optional(&mut **t).await?
        }
    };
    Ok(row.map(counted))
}

/// Moves the group's counts from `before` to `after` (either absent: created or removed).
pub(crate) async fn shift(tx: &mut Tx, before: Option<Counted>, after: Option<Counted>) -> Result<(), StoreError> {
    if before == after {
        return Ok(());
    }
    for (c, sign) in before.map(|b| (b, -1)).into_iter().chain(after.map(|a| (a, 1))) {
        add(tx, c.group_id, c.counts(), sign).await?;
    }
    Ok(())
}

/// Adds `n` times `counts` to the group's.
pub(crate) async fn add(tx: &mut Tx, group_id: i64, counts: CaseCounts, n: i64) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query(
            "INSERT INTO case_counts (group_id, followed, archived, not_informed) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (group_id) DO UPDATE SET followed = case_counts.followed + excluded.followed, \
             archived = case_counts.archived + excluded.archived, not_informed = case_counts.not_informed + excluded.not_informed",
        )
        .bind(group_id)
        .bind(counts.followed * n)
        .bind(counts.archived * n)
        .bind(counts.not_informed * n)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// Counts every group's situations again from the rows (after a restore).
pub(crate) async fn recount(tx: &mut Tx) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("DELETE FROM case_counts").execute(&mut *c).await?;
        sqlx::query(
            "INSERT INTO case_counts (group_id, followed, archived, not_informed) SELECT group_id, \
             SUM(CASE WHEN ended_on IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN ended_on IS NOT NULL THEN 1 ELSE 0 END), \
             SUM(CASE WHEN ended_on IS NULL AND informed_on IS NULL AND informing_deferred IS NULL THEN 1 ELSE 0 END) \
             FROM cases GROUP BY group_id",
        )
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

impl Store {
    /// The group's counts, as kept ahead.
    pub async fn case_counts(&self, group_id: i64) -> Result<CaseCounts, StoreError> {
        let row: Option<(i64, i64, i64)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT followed, archived, not_informed FROM case_counts WHERE group_id = $1")
                .bind(group_id)
                .fetch_optional(p)
                .await?
        });
        Ok(row.map_or_else(CaseCounts::default, |(followed, archived, not_informed)| CaseCounts { followed, archived, not_informed }))
    }

    /// The same counts from the rows themselves: what the kept counts must always equal.
    pub async fn case_counts_from_rows(&self, group_id: i64) -> Result<CaseCounts, StoreError> {
        let row: (Option<i64>, Option<i64>, Option<i64>) = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT CAST(SUM(CASE WHEN ended_on IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN ended_on IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN ended_on IS NULL AND informed_on IS NULL AND informing_deferred IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
                 FROM cases WHERE group_id = $1",
            )
            .bind(group_id)
            .fetch_one(p)
            .await?
        });
        Ok(CaseCounts { followed: row.0.unwrap_or(0), archived: row.1.unwrap_or(0), not_informed: row.2.unwrap_or(0) })
    }
}
