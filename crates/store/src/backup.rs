//! Backup and restore.
//!
//! SQLite: `VACUUM INTO` gives a consistent copy of the live file. Either backend: an
//! application-level export (JSON lines, one table after the other in dependency order) that
//! [`Store::restore`] reads back into an empty database of either backend — which is also the
//! way from SQLite to PostgreSQL.

use crate::db::Db;
use crate::{Store, StoreError};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{Column, Row, TypeInfo};
use std::io::{BufRead, Write};

/// Tables in the order a restore must insert them (parents first). Sessions are not kept.
pub const TABLES: &[&str] = &[
    "organisations",
    "users",
    "recovery_codes",
    "audit_head",
    "audit_log",
    "strategies",
    "strategy_versions",
    "axes",
    "action_sheets",
    "indicators",
    "glossary_terms",
    "report_categories",
    "areas",
    "routing_rules",
    "reports",
    "report_involvements",
    "report_events",
    "report_photos",
    "api_keys",
    "outbox",
    "working_groups",
    "charter_versions",
    "charter_signatures",
    "group_members",
    "cases",
    "case_actions",
    "group_meetings",
    "meeting_attendance",
    "invited_persons",
    "meeting_decisions",
    "host_structures",
    "host_posts",
    "tutor_trainings",
    "tutor_training_posts",
    "placements",
    "victim_receptions",
    "activity_kinds",
    "activities",
    "activity_sheets",
    "activity_organisations",
    "activity_participants",
    "activity_photos",
    "declared_values",
    "declared_value_parts",
    "reporting_campaigns",
    "reporting_requests",
    "adopted_years",
    "objective_statuses",
    "sheet_judgements",
    "bodies",
    "meetings",
    "agenda_items",
    "meeting_organisations",
    "meeting_invitations",
    "meeting_documents",
    "decisions",
    "national_frameworks",
    "national_alignments",
    "on_call_entries",
    "alerts",
    "alert_deliveries",
    "alert_events",
    "walk_items",
    "walks",
    "walk_organisations",
    "walk_headcounts",
    "walk_ratings",
    "walk_findings",
    "cameras",
    "video_agents",
    "footage_requests",
    "footage_viewings",
    "extractions",
    "access_conventions",
    "access_convention_parties",
    "access_convention_buildings",
    "access_convention_renewals",
    "observations",
    "observatory_subscriptions",
    "public_pages",
    "help_directory",
    "published_indicators",
];

/// Tables a backup leaves out, and why. Every table of the schema is in [`TABLES`] or here; a
/// test fails otherwise, so that a new module's table cannot be silently left out of backups.
pub const NOT_BACKED_UP: &[(&str, &str)] = &[
    ("sessions", "sessions end with the server they were opened on"),
    ("report_tallies", "counted again from the reports at restore"),
    ("case_counts", "counted again from the situations at restore"),
    ("activity_tallies", "counted again from the activities at restore"),
    ("observatory_counts", "counted again from the records by the observatory's job"),
    ("observatory_refreshes", "empty after a restore, so that the observatory's job counts everything again"),
];

/// Tables whose `id` comes from an identity sequence on PostgreSQL: all but the audit log's,
/// which are numbered by the chain.
fn identity_tables() -> Vec<&'static str> {
    TABLES.iter().copied().filter(|t| !t.starts_with("audit_")).collect()
}

pub const FORMAT: &str = "maillage-export-1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    created_at: String,
}

#[derive(Serialize, Deserialize)]
struct TableStart {
    table: String,
    /// Column name and kind: "int", "float", "text" or "bool".
    columns: Vec<(String, String)>,
}

fn kind_of(type_name: &str) -> &'static str {
    match type_name.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" | "INT8" | "INT4" | "INT2" | "INT" => "int",
        "BOOLEAN" | "BOOL" => "bool",
        "REAL" | "DOUBLE PRECISION" | "DOUBLE" | "FLOAT8" | "FLOAT" => "float",
        _ => "text",
    }
}

macro_rules! row_to_json {
    ($row:expr, $kinds:expr) => {{
        let mut obj = Map::new();
        for (i, (name, kind)) in $kinds.iter().enumerate() {
            let v = match kind.as_str() {
                "int" => $row.try_get::<Option<i64>, _>(i)?.map(Value::from).unwrap_or(Value::Null),
                "bool" => $row.try_get::<Option<bool>, _>(i)?.map(Value::from).unwrap_or(Value::Null),
                "float" => $row.try_get::<Option<f64>, _>(i)?.map(Value::from).unwrap_or(Value::Null),
                _ => $row.try_get::<Option<String>, _>(i)?.map(Value::from).unwrap_or(Value::Null),
            };
            obj.insert(name.clone(), v);
        }
        obj
    }};
}

impl Store {
    /// A consistent copy of the live SQLite database into a new file.
    pub async fn vacuum_into(&self, dest: &str) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => {
                sqlx::query("VACUUM INTO $1").bind(dest).execute(p).await?;
                Ok(())
            }
            Db::Postgres(_) => Err(StoreError::Invalid("VACUUM INTO n'existe que pour SQLite".into())),
        }
    }

    /// Writes every table as JSON lines; `progress` gets (table, rows written so far).
    pub async fn export(&self, out: &mut dyn Write, progress: &mut dyn FnMut(&str, u64)) -> Result<u64, StoreError> {
        let header = Header { format: FORMAT.into(), created_at: maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now()) };
        writeln!(out, "{}", serde_json::to_string(&header)?)?;
        let schema = self.schema().await?;
        let mut total = 0u64;
        for table in TABLES {
            let Some((_, cols)) = schema.iter().find(|(t, _)| t == table) else {
                return Err(StoreError::Invalid(format!("table {table} absente du schéma")));
            };
            // The order key: `seq` for the log, `id` elsewhere.
            let key = if cols.iter().any(|c| c == "id") { "id" } else { "seq" };
            let sql = format!("SELECT {} FROM {table} ORDER BY {key}", cols.join(", "));
            let mut kinds: Option<Vec<(String, String)>> = None;
            let mut n = 0u64;
            // Rows are streamed: a large table is never held in memory.
            on_db!(&self.db, p, {
                let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).fetch(p);
                while let Some(row) = rows.try_next().await? {
                    if kinds.is_none() {
                        let k: Vec<(String, String)> =
                            row.columns().iter().map(|c| (c.name().to_string(), kind_of(c.type_info().name()).to_string())).collect();
                        writeln!(out, "{}", serde_json::to_string(&TableStart { table: table.to_string(), columns: k.clone() })?)?;
                        kinds = Some(k);
                    }
                    let k = kinds.as_deref().unwrap_or_default();
                    let obj = row_to_json!(row, k);
                    writeln!(out, "{}", serde_json::to_string(&obj)?)?;
                    n += 1;
                    if n.is_multiple_of(1000) {
                        progress(table, n);
                    }
                }
            });
            progress(table, n);
            total += n;
        }
        Ok(total)
    }

    /// Reads an export into this database, which must hold no accounts and no strategy yet.
    /// All or nothing: one transaction.
    pub async fn restore(&self, input: &mut dyn BufRead, progress: &mut dyn FnMut(&str, u64)) -> Result<u64, StoreError> {
        let mut lines = input.lines();
        let header: Header = match lines.next() {
            Some(l) => serde_json::from_str(&l?).map_err(|e| StoreError::Invalid(format!("en-tête : {e}")))?,
            None => return Err(StoreError::Invalid("fichier vide".into())),
        };
        if header.format != FORMAT {
            return Err(StoreError::Invalid(format!("format « {} » inconnu (attendu {FORMAT})", header.format)));
        }
        let users: i64 = on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?);
        let strategies: i64 = on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM strategies").fetch_one(p).await?);
        if users > 0 || strategies > 0 {
            return Err(StoreError::Conflict("la base de destination n'est pas vide".into()));
        }
        let mut tx = self.begin().await?;
        // Rows made by the migrations and first start, replaced by the export's.
        on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM glossary_terms").execute(&mut *c).await?;
            sqlx::query("DELETE FROM report_categories").execute(&mut *c).await?;
            sqlx::query("DELETE FROM activity_kinds").execute(&mut *c).await?;
            sqlx::query("DELETE FROM walk_items").execute(&mut *c).await?;
            sqlx::query("DELETE FROM national_frameworks").execute(&mut *c).await?;
            sqlx::query("DELETE FROM public_pages").execute(&mut *c).await?;
            sqlx::query("DELETE FROM help_directory").execute(&mut *c).await?;
            sqlx::query("DELETE FROM audit_log").execute(&mut *c).await?;
            sqlx::query("DELETE FROM audit_head").execute(&mut *c).await?.rows_affected()
        });
        // The table being read and its INSERT statement.
        let mut current: Option<(TableStart, String)> = None;
        let mut total = 0u64;
        let mut n = 0u64;
        for (i, line) in lines.enumerate() {
            let line = line?;
            let value: Value = serde_json::from_str(&line).map_err(|e| StoreError::Invalid(format!("ligne {} : {e}", i + 2)))?;
            if value.get("table").is_some() && value.get("columns").is_some() {
                if let Some((t, _)) = &current {
                    progress(&t.table, n);
                }
                let start: TableStart = serde_json::from_value(value)?;
                if !TABLES.contains(&start.table.as_str()) {
                    return Err(StoreError::Invalid(format!("ligne {} : table inconnue {}", i + 2, start.table)));
                }
                // Column names come from the file: only identifiers of the schema's form are accepted.
                let names: Vec<&str> = start.columns.iter().map(|(c, _)| c.as_str()).collect();
                if names.iter().any(|c| c.is_empty() || !c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')) {
                    return Err(StoreError::Invalid(format!("ligne {} : nom de colonne invalide", i + 2)));
                }
                let placeholders: Vec<String> = (1..=names.len()).map(|k| format!("${k}")).collect();
                let sql = format!("INSERT INTO {} ({}) VALUES ({})", start.table, names.join(", "), placeholders.join(", "));
                current = Some((start, sql));
                n = 0;
                continue;
            }
            let Some((t, sql)) = &current else {
                return Err(StoreError::Invalid(format!("ligne {} : ligne de données hors table", i + 2)));
            };
            let Value::Object(obj) = value else {
                return Err(StoreError::Invalid(format!("ligne {} : objet attendu", i + 2)));
            };
            on_tx!(&mut tx, c, {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (name, kind) in &t.columns {
                    let v = obj.get(name).cloned().unwrap_or(Value::Null);
                    q = match kind.as_str() {
                        "int" => q.bind(v.as_i64()),
                        "bool" => q.bind(v.as_bool()),
                        "float" => q.bind(v.as_f64()),
                        _ => q.bind(v.as_str().map(str::to_string)),
                    };
                }
                q.execute(&mut *c).await?.rows_affected()
            });
            n += 1;
            total += 1;
            if n.is_multiple_of(1000) {
                progress(&t.table, n);
            }
        }
        if let Some((t, _)) = &current {
            progress(&t.table, n);
        }
        self.reset_sequences(&mut tx, &identity_tables()).await?;
        // Counts kept ahead are derived: made again from the restored reports, situations and activities.
        crate::report::statistics::recount(&mut tx).await?;
        crate::working_group::case_count::recount(&mut tx).await?;
        crate::activity::tally::recount(&mut tx).await?;
        tx.commit().await?;
        // A backup made before reports were searchable has no search text.
        self.fill_search_text().await?;
        Ok(total)
    }
}
