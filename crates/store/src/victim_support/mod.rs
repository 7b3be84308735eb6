//! The anonymous victim reception log: lists and dates only.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReception {
    pub received_on: Date,
    pub organisation_id: i64,
    pub fact_kind: String,
    pub age_band: String,
    pub sex: String,
    pub orientation: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reception {
    pub id: i64,
    pub received_on: Date,
    pub fact_kind: String,
    pub age_band: String,
    pub sex: String,
    pub orientation: String,
}

/// One count of the log, by one of its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceptionCounts {
    pub by_fact: Vec<(String, i64)>,
    pub by_orientation: Vec<(String, i64)>,
    pub by_sex: Vec<(String, i64)>,
    pub by_age: Vec<(String, i64)>,
    pub total: i64,
}

/// The columns the figures are counted by: fixed names, never from a request.
const COLUMNS: [&str; 4] = ["fact_kind", "orientation", "sex", "age_band"];

impl Store {
    pub async fn record_reception(&self, by: &Author, r: &NewReception) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO victim_receptions (received_on, organisation_id, fact_kind, age_band, sex, orientation, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(r.received_on.to_string())
            .bind(r.organisation_id)
            .bind(&r.fact_kind)
            .bind(&r.age_band)
            .bind(&r.sex)
            .bind(&r.orientation)
            .bind(by.user_id)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "victim_reception.create", "victim_reception", &id.to_string(), &r.orientation).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An organisation's latest entries.
    pub async fn receptions(&self, organisation_id: i64, limit: i64) -> Result<Vec<Reception>, StoreError> {
        let rows: Vec<(i64, String, String, String, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, received_on, fact_kind, age_band, sex, orientation FROM victim_receptions \
                 WHERE organisation_id = $1 ORDER BY received_on DESC, id DESC LIMIT $2",
            )
            .bind(organisation_id)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, on, fact_kind, age_band, sex, orientation)| {
                Ok(Reception {
                    received_on: decode("victim_receptions", id, "received_on", &on, parse_iso_date)?,
                    id,
                    fact_kind,
                    age_band,
                    sex,
                    orientation,
                })
            })
            .collect()
    }

    /// Counts of the log between two days (inclusive), for one organisation or all.
    pub async fn reception_counts(&self, organisation_id: Option<i64>, from: Date, to: Date) -> Result<ReceptionCounts, StoreError> {
        let mut groups = Vec::new();
        for column in COLUMNS {
            let sql = format!(
                "SELECT {column}, COUNT(*) FROM victim_receptions WHERE received_on >= $1 AND received_on <= $2 \
                 AND ($3 = 0 OR organisation_id = $3) GROUP BY {column} ORDER BY {column}"
            );
            let rows: Vec<(String, i64)> = on_db!(&self.db, p, {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(from.to_string())
                    .bind(to.to_string())
                    .bind(organisation_id.unwrap_or(0))
                    .fetch_all(p)
                    .await?
            });
            groups.push(rows);
        }
        let total = groups.first().map_or(0, |g| g.iter().map(|(_, n)| n).sum());
        let mut it = groups.into_iter();
        Ok(ReceptionCounts {
            by_fact: it.next().unwrap_or_default(),
            by_orientation: it.next().unwrap_or_default(),
            by_sex: it.next().unwrap_or_default(),
            by_age: it.next().unwrap_or_default(),
            total,
        })
    }
}
