//! The conclusions' dashboard: operational objectives' statuses, sheets' yearly judgements and
//! the decisions taken for the sheets. Every change goes into the audit chain.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::decision::{DecisionDraft, JudgementDraft, ObjectiveStatus, Rag};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

/// An objective's status, by its sheet and wording, as set for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectiveState {
    pub sheet_code: String,
    pub year: i32,
    pub objective: String,
    pub status: ObjectiveStatus,
}

/// A sheet's judgement for a year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub sheet_code: String,
    pub year: i32,
    pub rag: Rag,
    pub analysis: String,
    pub recommendations: String,
    pub version: i64,
    pub updated_by: String,
}

/// A decision taken for a sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub sheet_code: String,
    pub year: i32,
    pub text: String,
    pub owner: String,
    pub due_on: Option<Date>,
    pub done_on: Option<Date>,
    pub created_by: String,
    /// The meeting it was taken at, if one.
    pub meeting_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct JudgementRow {
    id: i64,
    sheet_code: String,
    year: i64,
    rag: String,
    analysis: String,
    recommendations: String,
    version: i64,
    updated_by: String,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    sheet_code: String,
    year: i64,
    text: String,
    owner: String,
    due_on: Option<String>,
    done_on: Option<String>,
    created_by: String,
    meeting_id: Option<i64>,
}

fn decision(r: DecisionRow) -> Result<Decision, StoreError> {
    let date = |column: &'static str, v: Option<String>| v.map(|d| decode("decisions", r.id, column, &d, parse_iso_date)).transpose();
    Ok(Decision {
        id: r.id,
        due_on: date("due_on", r.due_on)?,
        done_on: date("done_on", r.done_on)?,
        year: r.year as i32,
        sheet_code: r.sheet_code,
        text: r.text,
        owner: r.owner,
        created_by: r.created_by,
        meeting_id: r.meeting_id,
    })
}

const DECISION_SELECT: &str = "SELECT id, sheet_code, year, text, owner, due_on, done_on, created_by, meeting_id FROM decisions";

impl Store {
    /// Each objective's status as it stood for `year`: set that year, or carried forward from
    /// the latest year before (the others are not started).
    pub async fn objective_statuses(&self, year: i32) -> Result<Vec<ObjectiveState>, StoreError> {
        let rows: Vec<(i64, String, i64, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, sheet_code, year, objective, status FROM objective_statuses WHERE year <= $1 ORDER BY year DESC, id")
                .bind(i64::from(year))
                .fetch_all(p)
                .await?
        });
        let mut out: Vec<ObjectiveState> = Vec::new();
        for (id, sheet_code, year, objective, status) in rows {
            if out.iter().any(|o| o.sheet_code == sheet_code && o.objective == objective) {
                continue;
            }
            out.push(ObjectiveState {
                status: decode("objective_statuses", id, "status", &status, ObjectiveStatus::from_code)?,
                year: year as i32,
                sheet_code,
                objective,
            });
        }
        Ok(out)
    }

    /// A sheet's judgement for `year`, if written.
    pub async fn judgements(&self, year: i32) -> Result<Vec<Judgement>, StoreError> {
        let rows: Vec<JudgementRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, sheet_code, year, rag, analysis, recommendations, version, updated_by FROM sheet_judgements WHERE year = $1",
            )
            .bind(i64::from(year))
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Judgement {
                    rag: decode("sheet_judgements", r.id, "rag", &r.rag, Rag::from_code)?,
                    sheet_code: r.sheet_code,
                    year: r.year as i32,
                    analysis: r.analysis,
                    recommendations: r.recommendations,
                    version: r.version,
                    updated_by: r.updated_by,
                })
            })
            .collect()
    }

    /// Saves a sheet's conclusions for `year` at once: its objectives' statuses and its
    /// judgement, from the version the writer saw (0: none yet); a stale form is refused.
    pub async fn save_conclusions(
        &self,
        by: &Author,
        sheet_code: &str,
        year: i32,
        expected_version: i64,
        statuses: &[(String, ObjectiveStatus)],
        judgement: &JudgementDraft,
    ) -> Result<i64, StoreError> {
        let rag = judgement.rag.ok_or_else(|| StoreError::Invalid("appréciation manquante".into()))?;
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let written: Option<i64> = on_tx!(&mut tx, c, {
            for (objective, status) in statuses {
                sqlx::query(
                    "INSERT INTO objective_statuses (sheet_code, year, objective, status, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (sheet_code, year, objective) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at, \
                     updated_by = excluded.updated_by",
                )
                .bind(sheet_code)
                .bind(i64::from(year))
                .bind(objective)
                .bind(status.code())
                .bind(&now)
                .bind(&by.label)
                .execute(&mut *c)
                .await?;
            }
            if expected_version == 0 {
                sqlx::query_scalar(
                    "INSERT INTO sheet_judgements (sheet_code, year, rag, analysis, recommendations, version, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7) ON CONFLICT (sheet_code, year) DO NOTHING RETURNING version",
                )
                .bind(sheet_code)
                .bind(i64::from(year))
                .bind(rag.code())
                .bind(judgement.analysis.trim())
                .bind(judgement.recommendations.trim())
                .bind(&now)
                .bind(&by.label)
                .fetch_optional(&mut *c)
                .await?
            } else {
                sqlx::query_scalar(
                    "UPDATE sheet_judgements SET rag = $1, analysis = $2, recommendations = $3, version = version + 1, updated_at = $4, \
                     updated_by = $5 WHERE sheet_code = $6 AND year = $7 AND version = $8 RETURNING version",
                )
                .bind(rag.code())
                .bind(judgement.analysis.trim())
                .bind(judgement.recommendations.trim())
                .bind(&now)
                .bind(&by.label)
                .bind(sheet_code)
                .bind(i64::from(year))
                .bind(expected_version)
                .fetch_optional(&mut *c)
                .await?
            }
        });
        let version = written.ok_or_else(|| StoreError::Conflict("ces conclusions ont changé entre-temps : rechargez la page".into()))?;
        append(&mut tx, by, "conclusions.save", "action_sheet", sheet_code, &format!("{year} : {}", rag.code())).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The decisions of `year`, or of every year; open ones first, by due date.
    pub async fn sheet_decisions(&self, year: Option<i32>) -> Result<Vec<Decision>, StoreError> {
        let order = " ORDER BY (done_on IS NOT NULL), due_on IS NULL, due_on, id";
        let rows: Vec<DecisionRow> = on_db!(&self.db, p, {
            match year {
                Some(y) => {
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{DECISION_SELECT} WHERE year = $1{order}")))
                        .bind(i64::from(y))
                        .fetch_all(p)
                        .await?
                }
                None => sqlx::query_as(sqlx::AssertSqlSafe(format!("{DECISION_SELECT}{order}"))).fetch_all(p).await?,
            }
        });
        rows.into_iter().map(decision).collect()
    }

    pub async fn sheet_decision(&self, id: i64) -> Result<Option<Decision>, StoreError> {
        let row: Option<DecisionRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{DECISION_SELECT} WHERE id = $1"))).bind(id).fetch_optional(p).await?
        });
        row.map(decision).transpose()
    }

    pub async fn create_sheet_decision(&self, by: &Author, sheet_code: &str, year: i32, d: &DecisionDraft) -> Result<i64, StoreError> {
        self.create_decision(by, sheet_code, year, d, None).await
    }

    /// A decision for a sheet, taken at `meeting` if one.
    pub async fn create_decision(
        &self,
        by: &Author,
        sheet_code: &str,
        year: i32,
        d: &DecisionDraft,
        meeting: Option<i64>,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO decisions (sheet_code, year, text, owner, due_on, done_on, created_at, created_by, meeting_id) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8) RETURNING id",
            )
            .bind(sheet_code)
            .bind(i64::from(year))
            .bind(d.text.trim())
            .bind(d.owner.trim())
            .bind(d.due_on.map(|d| d.to_string()))
            .bind(&now)
            .bind(&by.label)
            .bind(meeting)
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "decision.create", "decision", &id.to_string(), &format!("{sheet_code} {year}")).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Marks a decision done on `on`, or open again (None).
    pub async fn set_sheet_decision_done(&self, by: &Author, id: i64, on: Option<Date>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE decisions SET done_on = $1 WHERE id = $2")
                .bind(on.map(|d| d.to_string()))
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("décision introuvable".into()));
        }
        let op = if on.is_some() { "decision.done" } else { "decision.reopen" };
        append(&mut tx, by, op, "decision", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }
}
