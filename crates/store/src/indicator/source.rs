//! The counts computed indicators read from other modules' records, over a period (first and
//! last day included). Each returns (part, value) lines: part '' for the whole when no breakdown
//! is asked, else the part's code (an age band, a sex, an area's id; '' for none).

use crate::db::{Param, Sql};
use crate::{Store, StoreError};
use maillage_core::indicator::Dimension;
use time::Date;

/// What to add up over a sheet's activities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityMeasure {
    Count,
    Participants,
    Professionals,
    /// Distinct organisations involved (`activity_organisation_count`).
    Organisations,
}

/// Which of a sheet's activities count.
pub struct ActivitySelection<'a> {
    pub sheet_id: i64,
    pub from: Date,
    pub to: Date,
    pub kinds: &'a [String],
    pub publics: &'a [String],
}

fn texts(items: &[String]) -> impl Iterator<Item = Param> + '_ {
    items.iter().map(|s| Param::Text(s.clone()))
}

impl Store {
    /// A measure over the activities of a sheet that started in the period, by `by`.
    pub async fn activity_measure(
        &self,
        s: &ActivitySelection<'_>,
        measure: ActivityMeasure,
        by: Option<Dimension>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let key = match by {
            None => "''",
            Some(Dimension::District) => "COALESCE(CAST(a.district_id AS TEXT), '')",
            Some(Dimension::AgeBand) if measure == ActivityMeasure::Participants => "p.age_band",
            Some(Dimension::Sex) if measure == ActivityMeasure::Participants => "p.sex",
            Some(d) => return Err(StoreError::Invalid(format!("ventilation {} impossible sur les actions", d.code()))),
        };
        let value = match measure {
            ActivityMeasure::Count | ActivityMeasure::Organisations => "COUNT(DISTINCT a.id)",
            ActivityMeasure::Participants => "CAST(SUM(p.n) AS BIGINT)",
            ActivityMeasure::Professionals => "CAST(SUM(a.professionals_present) AS BIGINT)",
        };
        let mut sql =
            Sql::new(&format!("SELECT {key} AS part, {value} AS n FROM activities a JOIN activity_sheets s ON s.activity_id = a.id"));
        if measure == ActivityMeasure::Participants {
            sql.push(" JOIN activity_participants p ON p.activity_id = a.id");
            if !s.publics.is_empty() {
                sql.push(" AND p.public IN ").bind_list(texts(s.publics));
            }
        }
        sql.push(" WHERE s.action_sheet_id = ").bind(Param::Int(s.sheet_id));
        sql.push(" AND a.started_on >= ").bind(Param::Text(s.from.to_string()));
        sql.push(" AND a.started_on <= ").bind(Param::Text(s.to.to_string()));
        if !s.kinds.is_empty() {
            sql.push(" AND a.kind IN ").bind_list(texts(s.kinds));
        }
        sql.push(" GROUP BY 1 ORDER BY 1");
        let rows: Vec<(String, Option<i64>)> =
            on_db!(&self.db, p, { bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(p).await? });
        Ok(rows.into_iter().map(|(k, n)| (k, n.unwrap_or(0))).collect())
    }

    /// The distinct organisations involved in a sheet's activities of the period: those that
    /// recorded them and those named in them.
    pub async fn activity_organisation_count(&self, s: &ActivitySelection<'_>) -> Result<i64, StoreError> {
        let mut sql = Sql::new(
            "SELECT COUNT(*) FROM (SELECT a.organisation_id AS o FROM activities a JOIN activity_sheets s ON s.activity_id = a.id WHERE s.action_sheet_id = ",
        );
        let tail = |sql: &mut Sql| {
            sql.bind(Param::Int(s.sheet_id));
            sql.push(" AND a.started_on >= ").bind(Param::Text(s.from.to_string()));
            sql.push(" AND a.started_on <= ").bind(Param::Text(s.to.to_string()));
            if !s.kinds.is_empty() {
                sql.push(" AND a.kind IN ").bind_list(texts(s.kinds));
            }
        };
        tail(&mut sql);
        sql.push(
            " UNION SELECT ao.organisation_id FROM activity_organisations ao JOIN activities a ON a.id = ao.activity_id \
             JOIN activity_sheets s ON s.activity_id = a.id WHERE s.action_sheet_id = ",
        );
        tail(&mut sql);
        sql.push(") orgs WHERE o IS NOT NULL");
        Ok(on_db!(&self.db, p, {
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_one(p).await?
        }))
    }

    /// Meetings held in the period by the groups of a kind (all groups if none).
    pub async fn group_meetings_held(&self, group_kind: Option<&str>, from: Date, to: Date) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM group_meetings m JOIN working_groups g ON g.id = m.group_id \
                 WHERE m.held_on >= $1 AND m.held_on <= $2 AND ($3 IS NULL OR g.kind = $3)",
            )
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(group_kind)
            .fetch_one(p)
            .await?
        }))
    }

    /// Situations followed at some time in the period by the groups of a kind: opened by its end,
    /// not ended before its start. Counted from plain columns, never from the sealed identity.
    pub async fn cases_followed(&self, group_kind: Option<&str>, from: Date, to: Date) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM cases c JOIN working_groups g ON g.id = c.group_id \
                 WHERE c.opened_on <= $2 AND (c.ended_on IS NULL OR c.ended_on >= $1) AND ($3 IS NULL OR g.kind = $3)",
            )
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(group_kind)
            .fetch_one(p)
            .await?
        }))
    }

    /// Tutor trainings held in the period.
    pub async fn tutor_trainings_held(&self, from: Date, to: Date) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM tutor_trainings WHERE held_on >= $1 AND held_on <= $2")
                .bind(from.to_string())
                .bind(to.to_string())
                .fetch_one(p)
                .await?
        }))
    }
}
