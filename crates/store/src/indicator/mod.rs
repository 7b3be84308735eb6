//! Declared values with their breakdown, reporting campaigns, and the years whose report the
//! plenary adopted (their figures locked). Reference sheets themselves are saved with the
//! strategy (`strategy::save_tree`, stored as in [`reference`]).

pub(crate) mod reference;
pub mod source;

use crate::audit::append;
use crate::db::{Param, Sql, Tx, decode};
use crate::{Author, Store, StoreError};
use maillage_core::indicator::declaration::{DeclaredDraft, Part, State};
use maillage_core::indicator::{Dimension, Frequency, Period};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::{Date, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredValue {
    pub id: i64,
    pub indicator_id: i64,
    pub period: Period,
    pub organisation_id: i64,
    pub organisation: String,
    pub state: State,
    pub total: i64,
    pub parts: Vec<Part>,
    pub comment: String,
    pub warnings: Vec<String>,
    pub return_comment: String,
    pub version: i64,
    pub updated_at: OffsetDateTime,
    pub updated_by: String,
    pub submitted_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct DeclaredRow {
    id: i64,
    indicator_id: i64,
    period: String,
    organisation_id: i64,
    organisation: String,
    state: String,
    total: i64,
    comment: String,
    warnings: String,
    return_comment: String,
    version: i64,
    updated_at: String,
    updated_by: String,
    submitted_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PartRow {
    declared_value_id: i64,
    dimension: String,
    part: String,
    value: i64,
}

/// Which declared values to read; `None` is any.
#[derive(Clone, Debug, Default)]
pub struct DeclaredFilter {
    pub indicator_id: Option<i64>,
    pub periods: Option<Vec<String>>,
    pub organisation_id: Option<i64>,
    pub state: Option<State>,
}

/// Where a declared value is written: its indicator, period and organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeclaredKey {
    pub indicator_id: i64,
    pub period: Period,
    pub organisation_id: i64,
}

/// A reporting round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub period: Period,
    pub deadline: Date,
    pub created_by: String,
    pub reminded_on: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    title: String,
    period: String,
    deadline: String,
    created_by: String,
    reminded_on: Option<String>,
}

/// One figure a campaign asks of an organisation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Request {
    pub indicator_id: i64,
    pub organisation_id: i64,
    pub organisation: String,
}

/// A year whose report the plenary adopted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdoptedYear {
    pub year: i32,
    pub adopted_on: Date,
    pub adopted_by: String,
}

/// Every period whose figures go into `year`'s report.
fn periods_of(year: i32) -> Vec<String> {
    Frequency::ALL.iter().flat_map(|f| Period::ending_in(*f, year)).map(Period::code).collect()
}

fn campaign(r: CampaignRow) -> Result<Campaign, StoreError> {
    Ok(Campaign {
        id: r.id,
        period: decode("reporting_campaigns", r.id, "period", &r.period, Period::parse)?,
        deadline: decode("reporting_campaigns", r.id, "deadline", &r.deadline, parse_iso_date)?,
        reminded_on: r.reminded_on.as_deref().map(|d| decode("reporting_campaigns", r.id, "reminded_on", d, parse_iso_date)).transpose()?,
        title: r.title,
        created_by: r.created_by,
    })
}

const DECLARED_SELECT: &str = "SELECT d.id, d.indicator_id, d.period, d.organisation_id, o.name AS organisation, d.state, d.total, d.comment, \
     d.warnings, d.return_comment, d.version, d.updated_at, d.updated_by, d.submitted_at FROM declared_values d \
     JOIN organisations o ON o.id = d.organisation_id";

async fn year_adopted(tx: &mut Tx, year: i32) -> Result<bool, StoreError> {
    let n: i64 = on_tx!(tx, c, {
        sqlx::query_scalar("SELECT COUNT(*) FROM adopted_years WHERE year = $1").bind(i64::from(year)).fetch_one(c).await?
    });
    Ok(n > 0)
}

async fn write_parts(tx: &mut Tx, id: i64, parts: &[Part]) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("DELETE FROM declared_value_parts WHERE declared_value_id = $1").bind(id).execute(&mut *c).await?;
        for p in parts {
            sqlx::query("INSERT INTO declared_value_parts (declared_value_id, dimension, part, value) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(p.dimension.code())
                .bind(&p.part)
                .bind(p.value)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

const LOCKED: &str = "la période est verrouillée : le bilan de l'année a été adopté en plénière";
const CHANGED: &str = "ce chiffre a changé entre-temps : rechargez la page";

impl Store {
    /// Declared values matching `f`, by period, indicator and organisation, with their parts.
    pub async fn declared_values(&self, f: &DeclaredFilter) -> Result<Vec<DeclaredValue>, StoreError> {
        let mut sql = Sql::new(DECLARED_SELECT);
        sql.push(" WHERE TRUE");
        if let Some(i) = f.indicator_id {
            sql.push(" AND d.indicator_id = ").bind(Param::Int(i));
        }
        if let Some(o) = f.organisation_id {
            sql.push(" AND d.organisation_id = ").bind(Param::Int(o));
        }
        if let Some(s) = f.state {
            sql.push(" AND d.state = ").bind(Param::Text(s.code().into()));
        }
        if let Some(periods) = &f.periods {
            if periods.is_empty() {
                return Ok(Vec::new());
            }
            sql.push(" AND d.period IN ").bind_list(periods.iter().map(|p| Param::Text(p.clone())));
        }
        sql.push(" ORDER BY d.period, d.indicator_id, o.name");
        let rows: Vec<DeclaredRow> =
            on_db!(&self.db, p, { bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(p).await? });
        self.with_parts(rows).await
    }

    pub async fn declared_value(&self, id: i64) -> Result<Option<DeclaredValue>, StoreError> {
        let sql = format!("{DECLARED_SELECT} WHERE d.id = $1");
        let rows: Vec<DeclaredRow> = on_db!(&self.db, p, { sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(p).await? });
        Ok(self.with_parts(rows).await?.pop())
    }

    pub async fn declared_value_at(&self, key: DeclaredKey) -> Result<Option<DeclaredValue>, StoreError> {
        let sql = format!("{DECLARED_SELECT} WHERE d.indicator_id = $1 AND d.period = $2 AND d.organisation_id = $3");
        let rows: Vec<DeclaredRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key.indicator_id)
                .bind(key.period.code())
                .bind(key.organisation_id)
                .fetch_all(p)
                .await?
        });
        Ok(self.with_parts(rows).await?.pop())
    }

    async fn with_parts(&self, rows: Vec<DeclaredRow>) -> Result<Vec<DeclaredValue>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let parts: Vec<PartRow> = if ids.is_empty() {
            Vec::new()
        } else {
            let mut parts = Vec::new();
            // Bounded lists: a page of values at a time.
            for chunk in ids.chunks(500) {
                let mut sql =
                    Sql::new("SELECT declared_value_id, dimension, part, value FROM declared_value_parts WHERE declared_value_id IN ");
                sql.bind_list(chunk.iter().map(|i| Param::Int(*i))).push(" ORDER BY declared_value_id, id");
                let rows: Vec<PartRow> = on_db!(&self.db, p, {
                    bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(p).await?
                });
                parts.extend(rows);
            }
            parts
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let t = "declared_values";
            let mut own = Vec::new();
            for p in parts.iter().filter(|p| p.declared_value_id == r.id) {
                own.push(Part {
                    dimension: decode("declared_value_parts", p.declared_value_id, "dimension", &p.dimension, Dimension::from_code)?,
                    part: p.part.clone(),
                    value: p.value,
                });
            }
            out.push(DeclaredValue {
                id: r.id,
                indicator_id: r.indicator_id,
                period: decode(t, r.id, "period", &r.period, Period::parse)?,
                organisation_id: r.organisation_id,
                organisation: r.organisation,
                state: decode(t, r.id, "state", &r.state, State::from_code)?,
                total: r.total,
                parts: own,
                comment: r.comment,
                warnings: serde_json::from_str(&r.warnings)?,
                return_comment: r.return_comment,
                version: r.version,
                updated_at: decode(t, r.id, "updated_at", &r.updated_at, time_fmt::from_storage)?,
                updated_by: r.updated_by,
                submitted_at: r.submitted_at.as_deref().map(|s| decode(t, r.id, "submitted_at", s, time_fmt::from_storage)).transpose()?,
            });
        }
        Ok(out)
    }

    /// Writes an organisation's figure: a new one (`expected` is `None`) or the one at
    /// `expected` = (version, state), into state `to`. Refused when the period's year is adopted
    /// or the figure changed meanwhile.
    pub async fn save_declared_value(
        &self,
        by: &Author,
        key: DeclaredKey,
        expected: Option<(i64, State)>,
        to: State,
        d: &DeclaredDraft,
        warnings: &[String],
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id = save_one(&mut tx, by, &DeclaredWrite { key, expected, to, draft: d.clone(), warnings: warnings.to_vec() }).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Several figures saved together (a file's import): all of them, or none if one is
    /// refused (its period adopted, or changed since it was read).
    pub async fn save_declared_values(&self, by: &Author, writes: &[DeclaredWrite]) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin().await?;
        let mut ids = Vec::with_capacity(writes.len());
        for w in writes {
            ids.push(save_one(&mut tx, by, w).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The coordinator's review: `to` is validated or returned (with `comment`), from the state
    /// and version the reviewer saw.
    pub async fn review_declared_value(
        &self,
        by: &Author,
        id: i64,
        expected: (i64, State),
        to: State,
        comment: &str,
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let period: Option<String> = on_tx!(&mut tx, c, {
            sqlx::query_scalar("SELECT period FROM declared_values WHERE id = $1").bind(id).fetch_optional(c).await?
        });
        let period = period.ok_or_else(|| StoreError::NotFound("chiffre déclaré".into()))?;
        let period = decode("declared_values", id, "period", &period, Period::parse)?;
        if year_adopted(&mut tx, period.report_year()).await? {
            return Err(StoreError::Conflict(LOCKED.into()));
        }
        let validated_at = (to == State::Validated).then(|| now.clone());
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE declared_values SET state = $1, return_comment = $2, validated_at = $3, version = version + 1, updated_at = $4, \
                 updated_by = $5 WHERE id = $6 AND version = $7 AND state = $8",
            )
            .bind(to.code())
            .bind(comment.trim())
            .bind(validated_at)
            .bind(&now)
            .bind(&by.label)
            .bind(id)
            .bind(expected.0)
            .bind(expected.1.code())
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(CHANGED.into()));
        }
        let op = if to == State::Validated { "declared_value.validate" } else { "declared_value.return" };
        append(&mut tx, by, op, "declared_value", &id.to_string(), comment.trim()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the plenary adopted `year`'s report and locks the figures validated for a
    /// period of that year; refused while a submitted figure waits for review.
    pub async fn adopt_year(&self, by: &Author, year: i32, on: Date) -> Result<u64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        // The periods are the code's own, never the caller's text.
        let mut tx = self.begin().await?;
        if year_adopted(&mut tx, year).await? {
            return Err(StoreError::Conflict(format!("le bilan {year} est déjà adopté")));
        }
        let periods = || periods_of(year).into_iter().map(Param::Text);
        let mut waiting = Sql::new("SELECT COUNT(*) FROM declared_values WHERE state = 'submitted' AND period IN ");
        waiting.bind_list(periods());
        let n: i64 = on_tx!(
            &mut tx,
            c,
            bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(waiting.text.clone())), &waiting.params).fetch_one(c).await?
        );
        if n > 0 {
            return Err(StoreError::Conflict(format!("{n} chiffre(s) transmis pour {year} attendent votre validation ou votre renvoi")));
        }
        // Only validated figures are locked (and counted); a draft or a returned figure stays out
        // of the report, and no longer changes since the year is adopted.
        let mut sql = Sql::new("UPDATE declared_values SET state = 'locked', version = version + 1, updated_at = ");
        sql.bind(Param::Text(now))
            .push(", updated_by = ")
            .bind(Param::Text(by.label.clone()))
            .push(" WHERE state = 'validated' AND period IN ");
        sql.bind_list(periods());
        let locked = on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO adopted_years (year, adopted_on, adopted_by) VALUES ($1, $2, $3)")
                .bind(i64::from(year))
                .bind(on.to_string())
                .bind(&by.label)
                .execute(&mut *c)
                .await?;
            bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params).execute(&mut *c).await?.rows_affected()
        });
        append(&mut tx, by, "evaluation.adopt_year", "adopted_year", &year.to_string(), &format!("{locked} chiffres verrouillés")).await?;
        tx.commit().await?;
        Ok(locked)
    }

    pub async fn adopted_years(&self) -> Result<Vec<AdoptedYear>, StoreError> {
        let rows: Vec<(i64, i64, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, year, adopted_on, adopted_by FROM adopted_years ORDER BY year").fetch_all(p).await?
        });
        rows.into_iter()
            .map(|(id, year, on, by)| {
                Ok(AdoptedYear {
                    year: year as i32,
                    adopted_on: decode("adopted_years", id, "adopted_on", &on, parse_iso_date)?,
                    adopted_by: by,
                })
            })
            .collect()
    }

    /// Opens a reporting campaign asking each (indicator, organisation) of `requests`.
    pub async fn create_campaign(
        &self,
        by: &Author,
        title: &str,
        period: Period,
        deadline: Date,
        requests: &[(i64, i64)],
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO reporting_campaigns (title, period, deadline, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(title.trim())
            .bind(period.code())
            .bind(deadline.to_string())
            .bind(&now)
            .bind(&by.label)
            .fetch_one(&mut *c)
            .await?;
            for (indicator_id, organisation_id) in requests {
                sqlx::query(
                    "INSERT INTO reporting_requests (reporting_campaign_id, indicator_id, organisation_id) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(indicator_id)
                .bind(organisation_id)
                .execute(&mut *c)
                .await?;
            }
            id
        });
        append(&mut tx, by, "reporting_campaign.create", "reporting_campaign", &id.to_string(), title.trim()).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn campaigns(&self) -> Result<Vec<Campaign>, StoreError> {
        let rows: Vec<CampaignRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, title, period, deadline, created_by, reminded_on FROM reporting_campaigns ORDER BY deadline DESC, id DESC",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(campaign).collect()
    }

    pub async fn campaign(&self, id: i64) -> Result<Option<Campaign>, StoreError> {
        let row: Option<CampaignRow> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, title, period, deadline, created_by, reminded_on FROM reporting_campaigns WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?
        });
        row.map(campaign).transpose()
    }

    /// What a campaign asks, by organisation.
    pub async fn campaign_requests(&self, campaign_id: i64) -> Result<Vec<Request>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT r.indicator_id, r.organisation_id, o.name AS organisation FROM reporting_requests r \
                 JOIN organisations o ON o.id = r.organisation_id WHERE r.reporting_campaign_id = $1 ORDER BY o.name, r.indicator_id",
            )
            .bind(campaign_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Queues a campaign's reminders and notes that they went out on `day`, together
    /// (bookkeeping, not audited: the mail says nothing of a figure).
    pub async fn queue_campaign_reminders(&self, id: i64, day: Date, mails: &[crate::mail::OutgoingMail]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for m in mails {
            crate::mail::enqueue(&mut tx, m).await?;
        }
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE reporting_campaigns SET reminded_on = $1 WHERE id = $2")
                .bind(day.to_string())
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(())
    }
}

/// One figure to write: its key, the version and state it was read at (None: a new one), the
/// state it moves to, what it holds and the warnings its check gave.
#[derive(Clone, Debug)]
pub struct DeclaredWrite {
    pub key: DeclaredKey,
    pub expected: Option<(i64, State)>,
    pub to: State,
    pub draft: DeclaredDraft,
    pub warnings: Vec<String>,
}

async fn save_one(tx: &mut Tx, by: &Author, w: &DeclaredWrite) -> Result<i64, StoreError> {
    let (key, expected, to, d) = (w.key, w.expected, w.to, &w.draft);
    let warnings = &w.warnings;
    let now = time_fmt::to_storage(time_fmt::now());
    let total = d.total.ok_or_else(|| StoreError::Invalid("total manquant".into()))?;
    let submitted_at = (to == State::Submitted).then(|| now.clone());
    let warnings = serde_json::to_string(warnings)?;
    if year_adopted(tx, key.period.report_year()).await? {
        return Err(StoreError::Conflict(LOCKED.into()));
    }
    let id: Option<i64> = match expected {
        None => on_tx!(tx, c, {
            sqlx::query_scalar(
                    "INSERT INTO declared_values (indicator_id, period, organisation_id, state, total, comment, warnings, return_comment, version, \
                     updated_at, updated_by, submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, '', 1, $8, $9, $10) \
                     ON CONFLICT (indicator_id, period, organisation_id) DO NOTHING RETURNING id",
                )
                .bind(key.indicator_id)
                .bind(key.period.code())
                .bind(key.organisation_id)
                .bind(to.code())
                .bind(total)
                .bind(d.comment.trim())
                .bind(&warnings)
                .bind(&now)
                .bind(&by.label)
                .bind(&submitted_at)
                .fetch_optional(c)
                .await?
        }),
        Some((version, state)) => on_tx!(tx, c, {
            sqlx::query_scalar(
                    "UPDATE declared_values SET state = $1, total = $2, comment = $3, warnings = $4, version = version + 1, updated_at = $5, \
                     updated_by = $6, submitted_at = COALESCE($7, submitted_at) WHERE indicator_id = $8 AND period = $9 AND organisation_id = $10 \
                     AND version = $11 AND state = $12 RETURNING id",
                )
                .bind(to.code())
                .bind(total)
                .bind(d.comment.trim())
                .bind(&warnings)
                .bind(&now)
                .bind(&by.label)
                .bind(&submitted_at)
                .bind(key.indicator_id)
                .bind(key.period.code())
                .bind(key.organisation_id)
                .bind(version)
                .bind(state.code())
                .fetch_optional(c)
                .await?
        }),
    };
    let id = id.ok_or_else(|| StoreError::Conflict(CHANGED.into()))?;
    write_parts(tx, id, &d.parts).await?;
    let op = if to == State::Submitted { "declared_value.submit" } else { "declared_value.save" };
    append(tx, by, op, "declared_value", &id.to_string(), &format!("{} {} = {total}", key.indicator_id, key.period.code())).await?;
    Ok(id)
}
