//! The neighbourhood observatory: the records' days and places read in pages, the counts by
//! area, source and day written whole for a span of days, the monthly series of an area,
//! observations and weekly-digest subscriptions.

use crate::audit::append;
use crate::db::{Param, Sql, decode};
use crate::{Author, Store, StoreError};
use maillage_core::observatory::{ObservationDraft, Record, Source};
use maillage_core::place::Coordinates;
use maillage_core::time_fmt::{self, parse_iso_date};
use time::{Date, OffsetDateTime};

/// Records read per page when everything is counted again.
pub const PAGE: i64 = 50_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub id: i64,
    pub area_id: i64,
    pub observed_on: Date,
    pub body: String,
    pub organisation_id: Option<i64>,
    pub user_id: Option<i64>,
    pub author: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: i64,
    pub user_id: i64,
    pub area_id: i64,
    pub email: String,
    pub last_sent_on: Option<Date>,
}

type ObservationRow = (i64, i64, String, String, Option<i64>, Option<i64>, String, String);
type RecordRow = (i64, String, Option<f64>, Option<f64>, Option<i64>);

const OBSERVATION_SELECT: &str = "SELECT id, area_id, observed_on, body, organisation_id, user_id, author, created_at FROM observations";

fn observation_of((id, area_id, on, body, organisation_id, user_id, author, at): ObservationRow) -> Result<Observation, StoreError> {
    Ok(Observation {
        observed_on: decode("observations", id, "observed_on", &on, parse_iso_date)?,
        created_at: decode("observations", id, "created_at", &at, time_fmt::from_storage)?,
        id,
        area_id,
        body,
        organisation_id,
        user_id,
        author,
    })
}

/// The query reading a source's records after an id (every record, by pages) or, with a day,
/// those of that day and later (the recent ones, at once).
fn record_query(source: Source, recent: bool) -> String {
    let (select, day, order) = match source {
        Source::Reports => ("SELECT id, created_at, lat, lon, district_id FROM reports r", "r.created_at", "r.id"),
        Source::Alerts => ("SELECT id, occurred_at, lat, lon, district_id FROM alerts a", "a.occurred_at", "a.id"),
        Source::Findings => (
            "SELECT f.id, w.walked_on, f.lat, f.lon, COALESCE(f.district_id, w.district_id) FROM walk_findings f JOIN walks w ON w.id = f.walk_id",
            "w.walked_on",
            "f.id",
        ),
        Source::Activities => (
            "SELECT id, started_on, CAST(NULL AS DOUBLE PRECISION), CAST(NULL AS DOUBLE PRECISION), district_id FROM activities v",
            "v.started_on",
            "v.id",
        ),
    };
    if recent {
        // A day as text sorts with the stored times: '2021-03-01' precedes '2021-03-01T…'.
        format!("{select} WHERE {order} > $1 AND {day} >= $3 ORDER BY {order} LIMIT $2")
    } else {
        format!("{select} WHERE {order} > $1 ORDER BY {order} LIMIT $2")
    }
}

impl Store {
    /// A page of a source's records after `after` (an id), with their day in Paris, at most
    /// [`PAGE`]; from `since` when given, and a day earlier too (stored times are UTC, and a
    /// Paris day starts the evening before): the caller leaves out the days before `since`.
    pub async fn observatory_records(&self, source: Source, since: Option<Date>, after: i64) -> Result<Vec<(i64, Record)>, StoreError> {
        let sql = record_query(source, since.is_some());
        let rows: Vec<RecordRow> = on_db!(&self.db, p, {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after).bind(PAGE);
            match since {
                Some(d) => q.bind((d - time::Duration::days(1)).to_string()).fetch_all(p).await?,
                None => q.fetch_all(p).await?,
            }
        });
        let table = match source {
            Source::Reports => "reports",
            Source::Alerts => "alerts",
            Source::Findings => "walk_findings",
            Source::Activities => "activities",
        };
        rows.into_iter()
            .map(|(id, at, lat, lon, district_id)| {
                // A date alone (walks, activities) or a stored time (reports, alerts).
                let day = if at.len() == 10 {
                    decode(table, id, "day", &at, parse_iso_date)?
                } else {
                    time_fmt::paris_date(decode(table, id, "day", &at, time_fmt::from_storage)?)
                };
                let point = lat.zip(lon).map(|(lat, lon)| Coordinates { lat, lon });
                Ok((id, Record { day, point, district_id }))
            })
            .collect()
    }

    /// The areas the counts were made against, if they were.
    pub async fn observatory_counted_areas(&self) -> Result<Option<String>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT areas FROM observatory_refreshes ORDER BY id DESC LIMIT 1").fetch_optional(p).await?
        }))
    }

    /// Replaces the counts of `since` and later (every count: none) by `counts` — (area, source,
    /// day, n) — in one transaction, and records the areas they were made against.
    pub async fn replace_observatory_counts(
        &self,
        since: Option<Date>,
        counts: &[(i64, Source, Date, i64)],
        areas: &str,
    ) -> Result<(), StoreError> {
        let rows_per_statement = match self.db {
            crate::db::Db::Sqlite(_) => 60,
            crate::db::Db::Postgres(_) => 1000,
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM observatory_counts WHERE day >= $1")
                .bind(since.map_or_else(String::new, |d| d.to_string()))
                .execute(&mut *c)
                .await?;
            for chunk in counts.chunks(rows_per_statement) {
                let mut sql = Sql::new("INSERT INTO observatory_counts (area_id, source, day, n) VALUES ");
                for (i, (area, source, day, n)) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind_list([Param::Int(*area), Param::Text(source.code().into()), Param::Text(day.to_string()), Param::Int(*n)]);
                }
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.params).execute(&mut *c).await?;
            }
            sqlx::query("DELETE FROM observatory_refreshes").execute(&mut *c).await?;
            sqlx::query("INSERT INTO observatory_refreshes (areas, refreshed_at) VALUES ($1, $2)")
                .bind(areas)
                .bind(time_fmt::to_storage(time_fmt::now()))
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// When the counts were last made.
    pub async fn observatory_refreshed_at(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let at: Option<String> = on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT refreshed_at FROM observatory_refreshes ORDER BY id DESC LIMIT 1").fetch_optional(p).await?
        });
        at.map(|a| decode("observatory_refreshes", 0, "refreshed_at", &a, time_fmt::from_storage)).transpose()
    }

    /// An area's counts by month (`yyyy-mm`) and source, from `since`.
    pub async fn observatory_months(&self, area_id: i64, since: Date) -> Result<Vec<(String, Source, i64)>, StoreError> {
        let rows: Vec<(String, String, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT SUBSTR(day, 1, 7), source, CAST(SUM(n) AS BIGINT) FROM observatory_counts WHERE area_id = $1 AND day >= $2 \
                 GROUP BY SUBSTR(day, 1, 7), source",
            )
            .bind(area_id)
            .bind(since.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(|(m, s, n)| Ok((m, decode("observatory_counts", area_id, "source", &s, Source::from_code)?, n))).collect()
    }

    /// Every area's counts by source between two days (inclusive): (area, source, n).
    pub async fn observatory_totals(&self, from: Date, to: Date) -> Result<Vec<(i64, Source, i64)>, StoreError> {
        let rows: Vec<(i64, String, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT area_id, source, CAST(SUM(n) AS BIGINT) FROM observatory_counts WHERE day >= $1 AND day <= $2 GROUP BY area_id, source",
            )
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(|(a, s, n)| Ok((a, decode("observatory_counts", a, "source", &s, Source::from_code)?, n))).collect()
    }

    pub async fn add_observation(&self, by: &Author, organisation_id: Option<i64>, d: &ObservationDraft) -> Result<i64, StoreError> {
        let (Some(area), Some(on)) = (d.area_id, d.observed_on) else {
            return Err(StoreError::Invalid("observation sans secteur ou sans date".into()));
        };
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO observations (area_id, observed_on, body, organisation_id, user_id, author, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(area)
            .bind(on.to_string())
            .bind(d.text.trim())
            .bind(organisation_id)
            .bind(by.user_id)
            .bind(&by.label)
            .bind(time_fmt::to_storage(time_fmt::now()))
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "observatory.observation_add", "observation", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An area's observations from `since`, newest first.
    pub async fn observations(&self, area_id: i64, since: Date, limit: i64) -> Result<Vec<Observation>, StoreError> {
        let rows: Vec<ObservationRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{OBSERVATION_SELECT} WHERE area_id = $1 AND observed_on >= $2 ORDER BY observed_on DESC, id DESC LIMIT $3"
            )))
            .bind(area_id)
            .bind(since.to_string())
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(observation_of).collect()
    }

    pub async fn observation(&self, id: i64) -> Result<Option<Observation>, StoreError> {
        let row: Option<ObservationRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{OBSERVATION_SELECT} WHERE id = $1"))).bind(id).fetch_optional(p).await?
        });
        row.map(observation_of).transpose()
    }

    /// Whether `user_id` receives `area_id`'s weekly digest.
    pub async fn observatory_subscribed(&self, user_id: i64, area_id: i64) -> Result<bool, StoreError> {
        let n: i64 = on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM observatory_subscriptions WHERE user_id = $1 AND area_id = $2")
                .bind(user_id)
                .bind(area_id)
                .fetch_one(p)
                .await?
        });
        Ok(n > 0)
    }

    pub async fn delete_observation(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            let done = sqlx::query("DELETE FROM observations WHERE id = $1").bind(id).execute(&mut *c).await?;
            done.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("observation {id}")));
        }
        append(&mut tx, by, "observatory.observation_delete", "observation", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Subscribes (or not) a user to an area's weekly digest; bookkeeping of the user's own
    /// choice, like the daily digest's.
    pub async fn set_observatory_subscription(&self, user_id: i64, area_id: i64, on: bool) -> Result<(), StoreError> {
        on_db!(&self.db, p, {
            if on {
                sqlx::query(
                    "INSERT INTO observatory_subscriptions (user_id, area_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, area_id) DO NOTHING",
                )
                .bind(user_id)
                .bind(area_id)
                .bind(time_fmt::to_storage(time_fmt::now()))
                .execute(p)
                .await?;
            } else {
                sqlx::query("DELETE FROM observatory_subscriptions WHERE user_id = $1 AND area_id = $2")
                    .bind(user_id)
                    .bind(area_id)
                    .execute(p)
                    .await?;
            }
        });
        Ok(())
    }

    /// Every subscription, with its active subscriber's address (disabled accounts get none).
    pub async fn observatory_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows: Vec<(i64, i64, i64, String, Option<String>)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT s.id, s.user_id, s.area_id, u.email, s.last_sent_on FROM observatory_subscriptions s JOIN users u ON u.id = s.user_id \
                 WHERE NOT u.disabled ORDER BY s.id",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, user_id, area_id, email, last)| {
                Ok(Subscription {
                    last_sent_on: last.map(|d| decode("observatory_subscriptions", id, "last_sent_on", &d, parse_iso_date)).transpose()?,
                    id,
                    user_id,
                    area_id,
                    email,
                })
            })
            .collect()
    }

    /// Queues a subscription's digest and records its day, once a day at most.
    pub async fn queue_observatory_digest(&self, id: i64, day: Date, mail: &crate::mail::OutgoingMail) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE observatory_subscriptions SET last_sent_on = $1 WHERE id = $2 AND (last_sent_on IS NULL OR last_sent_on < $1)",
            )
            .bind(day.to_string())
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        crate::mail::enqueue(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(true)
    }
}
