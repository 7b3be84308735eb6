//! Bulk loading of reports with their history: several hundred rows per statement and one
//! transaction per batch, with ids chosen by the caller. For importing the history of a
//! previous tool and for the benchmark's city-scale dataset. No audit entry per row: the
//! caller records one for the whole import.

use crate::db::{Param, Sql};
use crate::{Store, StoreError};
use maillage_core::report::{EventKind, Part, Source, State};
use maillage_core::time_fmt;
use time::OffsetDateTime;

/// A report with everything it carries, as it would be after its life in the tool.
#[derive(Clone, Debug)]
pub struct BulkReport {
    pub id: i64,
    pub category_id: i64,
    pub state: State,
    pub description: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub district_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub reporter_organisation_id: Option<i64>,
    pub source: Source,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub due_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub resolution_hours: Option<i64>,
    pub events: Vec<BulkEvent>,
}

/// A line of a bulk-loaded report's history.
#[derive(Clone, Debug)]
pub struct BulkEvent {
    pub at: OffsetDateTime,
    pub kind: EventKind,
    pub internal: bool,
    pub body: String,
    pub organisation_id: Option<i64>,
}

const REPORT_COLUMNS: &str = "id, category_id, state, description, address, lat, lon, district_id, organisation_id, \
    reporter_organisation_id, source, answers, urgent, created_at, updated_at, due_at, closed_at, resolution_hours, created_month, search_text";

fn opt_int(v: Option<i64>) -> Param {
    v.map_or(Param::NullInt, Param::Int)
}

fn opt_time(v: Option<OffsetDateTime>) -> Param {
    v.map_or(Param::NullText, |t| Param::Text(time_fmt::to_storage(t)))
}

/// The tables a bulk load writes.
const BULK_TABLES: [&str; 3] = ["reports", "report_involvements", "report_events"];

/// The secondary indexes set aside during a bulk load, to build again at its end.
#[derive(Debug, Default)]
#[must_use = "bulk_done builds the indexes again"]
pub struct BulkLoad {
    indexes: Vec<String>,
}

impl BulkLoad {
    /// How many indexes were set aside.
    pub fn index_count(&self) -> usize {
        self.indexes.len()
    }
}

impl Store {
    /// Before a large load into an idle database: drops the secondary indexes of the reports'
    /// tables (those not backing a key or a constraint), so that rows are appended instead of
    /// every index being updated row by row; `bulk_done` builds them again. Until then, queries
    /// on these tables are slow: nothing else should use the database meanwhile.
    pub async fn bulk_start(&self) -> Result<BulkLoad, StoreError> {
        let tables = BULK_TABLES.map(|t| format!("'{t}'")).join(", ");
        let sql = match self.db {
            crate::db::Db::Sqlite(_) => {
                format!("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({tables})")
            }
            crate::db::Db::Postgres(_) => format!(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ({tables}) \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            ),
        };
        let found: Vec<(String, String)> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?);
        for (name, _) in &found {
            on_db!(&self.db, p, {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}"))).execute(p).await?;
            });
        }
        Ok(BulkLoad { indexes: found.into_iter().map(|(_, sql)| sql).collect() })
    }

    /// Inserts the reports, their organisations (the one in charge, the reporter's) and their
    /// history, in one transaction. Ids must be free.
    pub async fn bulk_insert_reports(&self, reports: &[BulkReport]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Statements stay under both backends' limits on bound parameters. SQLite's driver
        // looks each parameter's name up in a list (quadratic in their number): small
        // statements there (a 1M-report load went from 84 s to 12 s per 100 000).
        let rows_per_statement = match self.db {
            crate::db::Db::Sqlite(_) => 32,
            crate::db::Db::Postgres(_) => 400,
        };
        for chunk in reports.chunks(rows_per_statement) {
            let mut sql = Sql::new(&format!("INSERT INTO reports ({REPORT_COLUMNS}) VALUES "));
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_list([
                    Param::Int(r.id),
                    Param::Int(r.category_id),
                    Param::Text(r.state.code().into()),
                    Param::Text(r.description.clone()),
                    Param::Text(r.address.clone()),
                    Param::Float(r.lat),
                    Param::Float(r.lon),
                    opt_int(r.district_id),
                    opt_int(r.organisation_id),
                    opt_int(r.reporter_organisation_id),
                    Param::Text(r.source.code().into()),
                    Param::Text("{}".into()),
                    Param::Bool(false),
                    Param::Text(time_fmt::to_storage(r.created_at)),
                    Param::Text(time_fmt::to_storage(r.updated_at)),
                    opt_time(r.due_at),
                    opt_time(r.closed_at),
                    opt_int(r.resolution_hours),
                    Param::Int(time_fmt::month_number(r.created_at)),
                    Param::Text(maillage_core::report::search::search_text(&r.description, &r.address)),
                ]);
            }
            let mut parts = Sql::new("INSERT INTO report_involvements (report_id, organisation_id, part) VALUES ");
            let mut n = 0;
            for r in chunk {
                let mut add = |org: Option<i64>, part: Part| {
                    if let Some(o) = org {
                        if n > 0 {
                            parts.push(", ");
                        }
                        parts.bind_list([Param::Int(r.id), Param::Int(o), Param::Text(part.code().into())]);
                        n += 1;
                    }
                };
                add(r.organisation_id, Part::Lead);
                if r.reporter_organisation_id != r.organisation_id {
                    add(r.reporter_organisation_id, Part::Reporter);
                }
            }
            let mut events = Sql::new(
                "INSERT INTO report_events (report_id, at, author_label, organisation_id, kind, state, detail, internal, body) VALUES ",
            );
            let mut m = 0;
            for r in chunk {
                for e in &r.events {
                    if m > 0 {
                        events.push(", ");
                    }
                    let (kind, state, detail) = super::row::encode_event(e.kind);
                    events.bind_list([
                        Param::Int(r.id),
                        Param::Text(time_fmt::to_storage(e.at)),
                        Param::Text("import".into()),
                        opt_int(e.organisation_id),
                        Param::Text(kind.into()),
                        state.map_or(Param::NullText, |s| Param::Text(s.into())),
                        Param::Text(detail),
                        Param::Bool(e.internal),
                        Param::Text(e.body.clone()),
                    ]);
                    m += 1;
                }
            }
            on_tx!(&mut tx, c, {
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.params).execute(&mut *c).await?;
                if n > 0 {
                    bind_params!(sqlx::query(sqlx::AssertSqlSafe(parts.text)), &parts.params).execute(&mut *c).await?;
                }
                if m > 0 {
                    bind_params!(sqlx::query(sqlx::AssertSqlSafe(events.text)), &events.params).execute(&mut *c).await?;
                }
            });
        }
        let counted: Vec<crate::report::statistics::Counted> = reports
            .iter()
            .map(|r| crate::report::statistics::Counted {
                created_at: time_fmt::to_storage(r.created_at),
                created_month: Some(time_fmt::month_number(r.created_at)),
                district_id: r.district_id,
                category_id: r.category_id,
                organisation_id: r.organisation_id,
                state: r.state.code().into(),
                due_at: r.due_at.map(time_fmt::to_storage),
                closed_at: r.closed_at.map(time_fmt::to_storage),
                resolution_hours: r.resolution_hours,
            })
            .collect();
        crate::report::statistics::count(&mut tx, &counted, 1).await?;
        tx.commit().await
    }

    /// After a bulk load with chosen ids: the indexes set aside are built again, and
    /// PostgreSQL's identity sequences move past the ids.
    pub async fn bulk_done(&self, load: BulkLoad) -> Result<(), StoreError> {
        for sql in load.indexes {
            on_db!(&self.db, p, {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await?;
            });
        }
        let mut tx = self.begin().await?;
        self.reset_sequences(&mut tx, &BULK_TABLES).await?;
        tx.commit().await?;
        // Fresh statistics for the query planner.
        on_db!(&self.db, p, {
            sqlx::query("ANALYZE").execute(p).await?;
        });
        Ok(())
    }
}
