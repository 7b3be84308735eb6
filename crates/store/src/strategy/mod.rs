//! Strategies, their axes, action sheets and indicators, and the history of their versions.
//!
//! Saving a document (import or edit) updates rows in place, keyed by strategy code, axis
//! number, sheet code and indicator wording, so that ids — and whatever later modules attach to
//! them — survive a new version. What a new version drops is marked retired, never deleted.

use crate::audit::append;
use crate::db::Tx;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::strategy::{ActionSheet, Annex, Axis, Means, Signatory, StrategyDocument};
use maillage_core::text::fold;
use maillage_core::time_fmt;
use time::OffsetDateTime;

/// A strategy as stored: its current version as a document, plus record ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredStrategy {
    pub id: i64,
    pub version: i64,
    pub updated_at: OffsetDateTime,
    pub doc: StrategyDocument,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Indicator {
    pub id: i64,
    pub sheet_code: String,
    pub position: i64,
    pub label: String,
    pub retired: bool,
    /// The reference sheet, as stored (`indicator::reference`); '' while undescribed.
    pub reference: String,
}

/// One saved version of a strategy: when, by whom, from what (an import's file name, an edit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub source: String,
}

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveOutcome {
    pub strategy_id: i64,
    pub version: i64,
    pub created: bool,
}

#[derive(sqlx::FromRow)]
struct StrategyRow {
    id: i64,
    code: String,
    title: String,
    territory: String,
    period_start: i64,
    period_end: i64,
    preamble: String,
    legal_framework: String,
    signatories: String,
    annexes: String,
    version: i64,
    updated_at: String,
}

#[derive(sqlx::FromRow)]
struct AxisRow {
    id: i64,
    number: i64,
    title: String,
}

#[derive(sqlx::FromRow)]
struct SheetRow {
    axis_id: i64,
    code: String,
    title: String,
    pilot: String,
    diagnostic: String,
    objectives: String,
    operational_objectives: String,
    means: String,
    target_public: String,
    partners: String,
}

fn list(json: &str) -> Result<Vec<String>, StoreError> {
    Ok(serde_json::from_str(json)?)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

/// The current strategy kept after a reading, with the (id, version, time) of the row it was
/// read at.
#[derive(Debug, Default)]
pub(crate) struct CurrentCache(std::sync::Mutex<Option<(CurrentKey, StoredStrategy)>>);

/// A strategy row's id, version and time of its last change.
type CurrentKey = (i64, i64, String);

impl CurrentCache {
    fn get(&self, key: &CurrentKey) -> Option<StoredStrategy> {
        let kept = self.0.lock().ok()?;
        kept.as_ref().filter(|(k, _)| k == key).map(|(_, s)| s.clone())
    }

    fn keep(&self, key: CurrentKey, strategy: &StoredStrategy) {
        if let Ok(mut kept) = self.0.lock() {
            *kept = Some((key, strategy.clone()));
        }
    }
}

impl Store {
    /// The strategy shown by default: the one whose period starts last.
    pub async fn current_strategy(&self) -> Result<Option<StoredStrategy>, StoreError> {
        // Every change of a strategy is a new version with a new time (`save_strategy`), and a
        // restore writes the row it was backed up with: one row read tells whether the copy
        // kept from the last reading still holds. Pages of figures read it at every request.
        let row: Option<(i64, i64, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, version, updated_at, code FROM strategies ORDER BY period_start DESC, id DESC LIMIT 1")
                .fetch_optional(p)
                .await?
        });
        let Some((id, version, updated_at, code)) = row else { return Ok(None) };
        let key = (id, version, updated_at);
        if let Some(kept) = self.current.get(&key) {
            return Ok(Some(kept));
        }
        let read = self.strategy(&code).await?;
        if let Some(s) = &read {
            self.current.keep(key, s);
        }
        Ok(read)
    }

    /// Loads a strategy's current version; retired axes and sheets are left out.
    pub async fn strategy(&self, code: &str) -> Result<Option<StoredStrategy>, StoreError> {
        let row: Option<StrategyRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, code, title, territory, period_start, period_end, preamble, legal_framework, signatories, annexes, version, updated_at \
                 FROM strategies WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(p)
            .await?
        });
        let Some(row) = row else { return Ok(None) };
        let axes: Vec<AxisRow> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, number, title FROM axes WHERE strategy_id = $1 AND retired = FALSE ORDER BY number")
                .bind(row.id)
                .fetch_all(p)
                .await?
        });
        let sheets: Vec<SheetRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT axis_id, code, title, pilot, diagnostic, objectives, operational_objectives, means, target_public, partners \
                 FROM action_sheets WHERE strategy_id = $1 AND retired = FALSE ORDER BY position",
            )
            .bind(row.id)
            .fetch_all(p)
            .await?
        });
        let indicators = self.indicators(row.id).await?;
        let mut doc_axes = Vec::new();
        for a in axes {
            let mut doc_sheets = Vec::new();
            for s in sheets.iter().filter(|s| s.axis_id == a.id) {
                doc_sheets.push(ActionSheet {
                    code: s.code.clone(),
                    title: s.title.clone(),
                    pilot: s.pilot.clone(),
                    diagnostic: list(&s.diagnostic)?,
                    objectives: list(&s.objectives)?,
                    operational_objectives: list(&s.operational_objectives)?,
                    means: serde_json::from_str::<Vec<Means>>(&s.means)?,
                    target_public: list(&s.target_public)?,
                    partners: list(&s.partners)?,
                    indicators: indicators.iter().filter(|i| i.sheet_code == s.code && !i.retired).map(|i| i.label.clone()).collect(),
                });
            }
            doc_axes.push(Axis { number: a.number as i32, title: a.title, sheets: doc_sheets });
        }
        let mut reference_sheets = Vec::new();
        for i in indicators.iter().filter(|i| !i.retired) {
            reference_sheets.push(crate::indicator::reference::from_json(i.id, &i.sheet_code, &i.label, &i.reference)?);
        }
        let mut stored = StoredStrategy {
            id: row.id,
            version: row.version,
            updated_at: decode("strategies", row.id, "updated_at", &row.updated_at, time_fmt::from_storage)?,
            doc: StrategyDocument {
                code: row.code,
                title: row.title,
                territory: row.territory,
                period_start: row.period_start as i32,
                period_end: row.period_end as i32,
                preamble: list(&row.preamble)?,
                legal_framework: list(&row.legal_framework)?,
                signatories: serde_json::from_str::<Vec<Signatory>>(&row.signatories)?,
                axes: doc_axes,
                annexes: serde_json::from_str::<Vec<Annex>>(&row.annexes)?,
                indicators: reference_sheets,
            },
        };
        // Indicators of retired sheets stay out.
        stored.doc.align_indicators();
        Ok(Some(stored))
    }

    /// All indicators of a strategy, retired ones included, in sheet order.
    pub async fn indicators(&self, strategy_id: i64) -> Result<Vec<Indicator>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT i.id, s.code AS sheet_code, i.position, i.label, i.retired, i.reference FROM indicators i \
                 JOIN action_sheets s ON s.id = i.action_sheet_id WHERE s.strategy_id = $1 ORDER BY s.position, i.position",
            )
            .bind(strategy_id)
            .fetch_all(p)
            .await?
        }))
    }

    pub async fn strategy_versions(&self, strategy_id: i64) -> Result<Vec<VersionInfo>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT version, created_at, created_by, source FROM strategy_versions WHERE strategy_id = $1 ORDER BY version DESC",
            )
            .bind(strategy_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(version, created_at, created_by, source)| {
                let created_at = decode("strategy_versions", version, "created_at", &created_at, time_fmt::from_storage)?;
                Ok(VersionInfo { version, created_at, created_by, source })
            })
            .collect()
    }

    /// The file text of one version, as it was saved.
    pub async fn strategy_version_content(&self, strategy_id: i64, version: i64) -> Result<Option<String>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT content FROM strategy_versions WHERE strategy_id = $1 AND version = $2")
                .bind(strategy_id)
                .bind(version)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Saves a validated document as the next version of its strategy (or its first). `source`
    /// says where it came from ("import fichier.toml", "modification fiche 1.2").
    pub async fn save_strategy(&self, by: &Author, doc: &StrategyDocument, source: &str) -> Result<SaveOutcome, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let content = maillage_core::strategy::to_file(doc);
        let mut tx = self.begin().await?;
        let existing: Option<(i64, i64)> = on_tx!(&mut tx, c, {
            sqlx::query_as("SELECT id, version FROM strategies WHERE code = $1").bind(&doc.code).fetch_optional(c).await?
        });
        let preamble = to_json(&doc.preamble)?;
        let legal = to_json(&doc.legal_framework)?;
        let signatories = to_json(&doc.signatories)?;
        let annexes = to_json(&doc.annexes)?;
        let (strategy_id, version, created) = match existing {
            Some((id, v)) => {
                on_tx!(&mut tx, c, {
                    sqlx::query(
                        "UPDATE strategies SET title = $1, territory = $2, period_start = $3, period_end = $4, preamble = $5, \
                         legal_framework = $6, signatories = $7, annexes = $8, version = $9, updated_at = $10 WHERE id = $11",
                    )
                    .bind(&doc.title)
                    .bind(&doc.territory)
                    .bind(i64::from(doc.period_start))
                    .bind(i64::from(doc.period_end))
                    .bind(&preamble)
                    .bind(&legal)
                    .bind(&signatories)
                    .bind(&annexes)
                    .bind(v + 1)
                    .bind(&now)
                    .bind(id)
                    .execute(c)
                    .await?
                    .rows_affected()
                });
                (id, v + 1, false)
            }
            None => {
                let id: i64 = on_tx!(&mut tx, c, {
                    sqlx::query_scalar(
                        "INSERT INTO strategies (code, title, territory, period_start, period_end, preamble, legal_framework, signatories, annexes, version, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING id",
                    )
                    .bind(&doc.code)
                    .bind(&doc.title)
                    .bind(&doc.territory)
                    .bind(i64::from(doc.period_start))
                    .bind(i64::from(doc.period_end))
                    .bind(&preamble)
                    .bind(&legal)
                    .bind(&signatories)
                    .bind(&annexes)
                    .bind(&now)
                    .fetch_one(c)
                    .await?
                });
                (id, 1, true)
            }
        };
        save_tree(&mut tx, strategy_id, doc, &now).await?;
        on_tx!(&mut tx, c, {
            sqlx::query(
                "INSERT INTO strategy_versions (strategy_id, version, created_at, created_by, source, content) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(strategy_id)
            .bind(version)
            .bind(&now)
            .bind(&by.label)
            .bind(source)
            .bind(&content)
            .execute(c)
            .await?.rows_affected()
        });
        let op = if created { "strategy.create" } else { "strategy.new_version" };
        append(&mut tx, by, op, "strategy", &doc.code, &format!("version {version} — {source}")).await?;
        tx.commit().await?;
        Ok(SaveOutcome { strategy_id, version, created })
    }
}

/// Upserts axes, sheets and indicators of `doc` and retires those it no longer has.
async fn save_tree(tx: &mut Tx, strategy_id: i64, doc: &StrategyDocument, now: &str) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("UPDATE axes SET retired = TRUE WHERE strategy_id = $1").bind(strategy_id).execute(&mut *c).await?.rows_affected();
        sqlx::query("UPDATE action_sheets SET retired = TRUE WHERE strategy_id = $1")
            .bind(strategy_id)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    let mut position = 0i64;
    for axis in &doc.axes {
        let axis_id: i64 = on_tx!(tx, c, {
            sqlx::query_scalar(
                "INSERT INTO axes (strategy_id, number, title, retired) VALUES ($1, $2, $3, FALSE) \
                 ON CONFLICT (strategy_id, number) DO UPDATE SET title = excluded.title, retired = FALSE RETURNING id",
            )
            .bind(strategy_id)
            .bind(i64::from(axis.number))
            .bind(&axis.title)
            .fetch_one(c)
            .await?
        });
        for sheet in &axis.sheets {
            position += 1;
            let sheet_id: i64 = on_tx!(tx, c, {
                sqlx::query_scalar(
                    "INSERT INTO action_sheets (strategy_id, axis_id, code, position, title, pilot, diagnostic, objectives, operational_objectives, \
                     means, target_public, partners, retired, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, FALSE, $13) \
                     ON CONFLICT (strategy_id, code) DO UPDATE SET axis_id = excluded.axis_id, position = excluded.position, title = excluded.title, \
                     pilot = excluded.pilot, diagnostic = excluded.diagnostic, objectives = excluded.objectives, \
                     operational_objectives = excluded.operational_objectives, means = excluded.means, target_public = excluded.target_public, \
                     partners = excluded.partners, retired = FALSE, updated_at = excluded.updated_at RETURNING id",
                )
                .bind(strategy_id)
                .bind(axis_id)
                .bind(&sheet.code)
                .bind(position)
                .bind(&sheet.title)
                .bind(&sheet.pilot)
                .bind(to_json(&sheet.diagnostic)?)
                .bind(to_json(&sheet.objectives)?)
                .bind(to_json(&sheet.operational_objectives)?)
                .bind(to_json(&sheet.means)?)
                .bind(to_json(&sheet.target_public)?)
                .bind(to_json(&sheet.partners)?)
                .bind(now)
                .fetch_one(c)
                .await?
            });
            on_tx!(tx, c, {
                sqlx::query("UPDATE indicators SET retired = TRUE WHERE action_sheet_id = $1")
                    .bind(sheet_id)
                    .execute(c)
                    .await?
                    .rows_affected()
            });
            for (i, label) in sheet.indicators.iter().enumerate() {
                let reference = match doc.indicator(&sheet.code, label) {
                    Some(r) => crate::indicator::reference::to_json(r)?,
                    None => String::new(),
                };
                on_tx!(tx, c, {
                    sqlx::query(
                        "INSERT INTO indicators (action_sheet_id, position, label, label_key, retired, reference) VALUES ($1, $2, $3, $4, FALSE, $5) \
                         ON CONFLICT (action_sheet_id, label_key) DO UPDATE SET position = excluded.position, label = excluded.label, retired = FALSE, \
                         reference = excluded.reference",
                    )
                    .bind(sheet_id)
                    .bind(i as i64 + 1)
                    .bind(label)
                    .bind(fold(label))
                    .bind(reference)
                    .execute(c)
                    .await?.rows_affected()
                });
            }
        }
    }
    Ok(())
}
