//! The national frameworks, each kept in every version imported, and the local strategies'
//! alignment with them. Every change goes into the audit chain.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::national_framework::{Framework, Link, orphans, shipped};
use maillage_core::time_fmt;

/// A framework's current version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFramework {
    pub framework: Framework,
    pub version: i64,
    pub saved_at: time::OffsetDateTime,
    pub saved_by: String,
}

/// A framework saved as a new version, and the alignment links that went with what it removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub code: String,
    pub version: i64,
    pub links_dropped: usize,
}

impl Store {
    /// Each framework's highest version, by period.
    pub async fn national_frameworks(&self) -> Result<Vec<StoredFramework>, StoreError> {
        let rows: Vec<(i64, i64, String, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT f.id, f.version, f.body, f.saved_at, f.saved_by FROM national_frameworks f \
                 WHERE f.version = (SELECT MAX(g.version) FROM national_frameworks g WHERE g.code = f.code)",
            )
            .fetch_all(p)
            .await?
        });
        let mut out = rows
            .into_iter()
            .map(|(id, version, body, saved_at, saved_by)| {
                Ok(StoredFramework {
                    framework: decode("national_frameworks", id, "body", &body, |b| serde_json::from_str(b).ok())?,
                    saved_at: decode("national_frameworks", id, "saved_at", &saved_at, time_fmt::from_storage)?,
                    version,
                    saved_by,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        out.sort_by(|a, b| (a.framework.period_start, &a.framework.code).cmp(&(b.framework.period_start, &b.framework.code)));
        Ok(out)
    }

    /// Saves each framework whose content differs from its current version as the next version,
    /// in one transaction, dropping the links to what the new version removed.
    pub async fn save_national_frameworks(&self, by: &Author, frameworks: &[Framework]) -> Result<Vec<Saved>, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let mut saved = Vec::new();
        for f in frameworks {
            let body = serde_json::to_string(f).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let current: Option<(i64, String)> = on_tx!(&mut tx, c, {
                sqlx::query_as("SELECT version, body FROM national_frameworks WHERE code = $1 ORDER BY version DESC LIMIT 1")
                    .bind(&f.code)
                    .fetch_optional(&mut *c)
                    .await?
            });
            if current.as_ref().is_some_and(|(_, b)| serde_json::from_str::<Framework>(b).is_ok_and(|old| old == *f)) {
                continue;
            }
            let version = current.map_or(1, |(v, _)| v + 1);
            on_tx!(&mut tx, c, {
                sqlx::query("INSERT INTO national_frameworks (code, version, body, saved_at, saved_by) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&f.code)
                    .bind(version)
                    .bind(&body)
                    .bind(&now)
                    .bind(&by.label)
                    .execute(&mut *c)
                    .await?;
            });
            // Links to an axis or a measure this version removed go with it: a later axis that
            // reuses the number must not inherit them.
            let held: Vec<(i64, String, i64, i64)> = on_tx!(&mut tx, c, {
                sqlx::query_as("SELECT id, sheet_code, axis_number, measure_number FROM national_alignments WHERE framework_code = $1")
                    .bind(&f.code)
                    .fetch_all(&mut *c)
                    .await?
            });
            let links: Vec<Link> = held
                .iter()
                .map(|(_, sheet, axis, measure)| Link {
                    sheet: sheet.clone(),
                    axis: i32::try_from(*axis).unwrap_or(i32::MAX),
                    measure: (*measure > 0).then(|| i32::try_from(*measure).unwrap_or(i32::MAX)),
                })
                .collect();
            let gone = orphans(f, &links);
            for (id, ..) in held.iter().zip(&links).filter(|(_, l)| gone.contains(l)).map(|(h, _)| h) {
                on_tx!(&mut tx, c, {
                    sqlx::query("DELETE FROM national_alignments WHERE id = $1").bind(id).execute(&mut *c).await?;
                });
            }
            append(
                &mut tx,
                by,
                "national_framework.save",
                "national_framework",
                &f.code,
                &format!("version {version}, {} lien(s) retiré(s)", gone.len()),
            )
            .await?;
            saved.push(Saved { code: f.code.clone(), version, links_dropped: gone.len() });
        }
        tx.commit().await?;
        Ok(saved)
    }

    /// Loads the shipped frameworks that the database does not hold yet (a later release may
    /// ship a successor; a framework already there is only changed by an import).
    pub async fn ensure_national_frameworks(&self) -> Result<(), StoreError> {
        let held: Vec<String> =
            on_db!(&self.db, p, { sqlx::query_scalar("SELECT DISTINCT code FROM national_frameworks").fetch_all(p).await? });
        let all = shipped().map_err(|faults| {
            StoreError::Invalid(format!(
                "cadres nationaux livrés : {}",
                faults.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ; ")
            ))
        })?;
        let new: Vec<Framework> = all.into_iter().filter(|f| !held.contains(&f.code)).collect();
        if !new.is_empty() {
            self.save_national_frameworks(&Author::system(), &new).await?;
        }
        Ok(())
    }

    /// How a strategy's sheets serve a framework.
    pub async fn national_alignment(&self, strategy_code: &str, framework_code: &str) -> Result<Vec<Link>, StoreError> {
        let rows: Vec<(String, i64, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT sheet_code, axis_number, measure_number FROM national_alignments \
                 WHERE strategy_code = $1 AND framework_code = $2 ORDER BY sheet_code, axis_number, measure_number",
            )
            .bind(strategy_code)
            .bind(framework_code)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(sheet, axis, measure)| Link { sheet, axis: axis as i32, measure: (measure > 0).then_some(measure as i32) })
            .collect())
    }

    /// Replaces a strategy's alignment with a framework, whole.
    pub async fn save_national_alignment(
        &self,
        by: &Author,
        strategy_code: &str,
        framework_code: &str,
        links: &[Link],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM national_alignments WHERE strategy_code = $1 AND framework_code = $2")
                .bind(strategy_code)
                .bind(framework_code)
                .execute(&mut *c)
                .await?;
            for l in links {
                sqlx::query(
                    "INSERT INTO national_alignments (strategy_code, framework_code, sheet_code, axis_number, measure_number) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                )
                .bind(strategy_code)
                .bind(framework_code)
                .bind(&l.sheet)
                .bind(i64::from(l.axis))
                .bind(i64::from(l.measure.unwrap_or(0)))
                .execute(&mut *c)
                .await?;
            }
        });
        append(&mut tx, by, "national_alignment.save", "strategy", strategy_code, &format!("{framework_code} : {} liens", links.len()))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
