//! The pool over either backend, and the few lines that differ between them.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("base de données injoignable ({url}) : {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("adresse de base de données non reconnue ({0}) : utilisez sqlite://… ou postgres://…")]
    BadUrl(String),
    #[error("migration du schéma impossible : {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("déjà existant : {0}")]
    Conflict(String),
    #[error("introuvable : {0}")]
    NotFound(String),
    #[error("données invalides : {0}")]
    Invalid(String),
    #[error("erreur de base de données : {0}")]
    Database(sqlx::Error),
    #[error("erreur d'entrée-sortie : {0}")]
    Io(#[from] std::io::Error),
    /// A stored value that no type of the domain knows: a code, a time or a structured field
    /// written by another version or by hand. Never read as a default.
    #[error("valeur illisible dans la base : table {table}, ligne {id}, colonne {column} : « {value} »")]
    Corrupt { table: &'static str, id: i64, column: &'static str, value: String },
    /// The write of a group of audit events failed (the first error, said once to each).
    #[error("écriture du journal d'audit impossible : {0}")]
    Journal(String),
}

/// Reads a stored text into a domain type, or says which table, row and column hold what.
pub(crate) fn decode<T>(
    table: &'static str,
    id: i64,
    column: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt { table, id, column, value: value.to_string() })
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.message().to_string());
        }
        StoreError::Database(e)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Invalid(e.to_string())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same expression with `$p` bound to the SQLite or the PostgreSQL pool:
/// `on_db!(&self.db, p, { … })`. The arguments are plain expressions so that rustfmt formats
/// the bodies.
macro_rules! on_db {
    ($db:expr, $p:ident, $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

/// Runs the same expression with `$c` bound to the transaction's connection:
/// `on_tx!(&mut tx, c, { … })`.
macro_rules! on_tx {
    ($tx:expr, $c:ident, $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::db::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// The store: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// SQLite only: one connection for write transactions, so that writers queue in the pool
    /// (woken in order) instead of polling the file lock through the busy timeout.
    writer: Option<SqlitePool>,
    /// Events waiting for the audit chain, written together (see `Store::record_event`).
    pub(crate) events: std::sync::Arc<crate::audit::EventQueue>,
    /// The current strategy as last read, reused while its row names the same version.
    pub(crate) current: std::sync::Arc<crate::strategy::CurrentCache>,
}

/// An URL with its password replaced by `***`, for messages and logs.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((creds, host)) => match creds.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl Store {
    /// Opens the database named by `url` (`sqlite://path` or `postgres://…`), creating an SQLite
    /// file if needed, applies the embedded migrations and, on first start, loads the shipped
    /// glossary of acronyms.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let connect_err = |source| StoreError::Connect { url: mask_url(url), source };
        let (db, writer) = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(connect_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Erased text (anonymised reports, purged mail) is overwritten, not left in free pages.
                .pragma("secure_delete", "ON")
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options.clone()).await.map_err(connect_err)?;
            let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(connect_err)?;
            (Db::Sqlite(pool), Some(writer))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(connect_err)?;
            (Db::Postgres(pool), None)
        } else {
            return Err(StoreError::BadUrl(mask_url(url)));
        };
        let store = Store { db, writer, events: std::sync::Arc::default(), current: std::sync::Arc::default() };
        store.migrate().await?;
        store.ensure_default_glossary().await?;
        store.ensure_default_categories().await?;
        store.ensure_national_frameworks().await?;
        store.fill_search_text().await?;
        Ok(store)
    }

    /// Applies the migrations embedded in the binary (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        if let Some(w) = &self.writer {
            w.close().await;
        }
        on_db!(&self.db, p, p.close().await);
    }

    /// Starts a write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// that a transaction that reads then writes waits on the busy timeout instead of failing
    /// with "database is locked".
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.db {
            Db::Sqlite(p) => Tx::Sqlite(self.writer.as_ref().unwrap_or(p).begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Tables and their columns, for the schema parity test and the backup.
    pub async fn schema(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, String)> = match &self.db {
            Db::Sqlite(p) => {
                sqlx::query_as(
                    "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                     ORDER BY m.name, c.cid",
                )
                .fetch_all(p)
                .await?
            }
            Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                     ORDER BY table_name, ordinal_position",
                )
                .fetch_all(p)
                .await?
            }
        };
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (t, c) in rows {
            match out.last_mut() {
                Some((last, cols)) if *last == t => cols.push(c),
                _ => out.push((t, vec![c])),
            }
        }
        Ok(out)
    }

    /// After rows were inserted with explicit ids, PostgreSQL's identity sequences must move
    /// past them; SQLite needs nothing.
    pub(crate) async fn reset_sequences(&self, tx: &mut Tx, tables: &[&str]) -> Result<(), StoreError> {
        if let Tx::Postgres(t) = tx {
            for table in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::mask_url;

    /// The documented substitutions (migrations/README.md) turn each SQLite migration into its
    /// PostgreSQL twin, whole text compared.
    #[test]
    fn postgres_migrations_are_the_sqlite_ones() {
        const SUBSTITUTIONS: [(&str, &str); 2] = [
            ("id INTEGER PRIMARY KEY,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
            ("SQLite flavour. The PostgreSQL flavour (../postgres)", "PostgreSQL flavour. The SQLite flavour (../sqlite)"),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let names = |flavour: &str| {
            let mut n: Vec<String> =
                std::fs::read_dir(dir.join(flavour)).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            n.sort();
            n
        };
        let files = names("sqlite");
        assert_eq!(files, names("postgres"), "the same migrations in both folders");
        assert!(files.len() >= 4);
        for f in files {
            let mut expected = std::fs::read_to_string(dir.join("sqlite").join(&f)).unwrap();
            for (from, to) in SUBSTITUTIONS {
                expected = expected.replace(from, to);
            }
            let actual = std::fs::read_to_string(dir.join("postgres").join(&f)).unwrap();
            assert!(expected == actual, "{f}: postgres/ differs from sqlite/ beyond the documented substitutions");
        }
    }

    #[test]
    fn passwords_are_masked_in_urls() {
        assert_eq!(mask_url("postgres://maillage:s3cret@db:5432/maillage"), "postgres://maillage:***@db:5432/maillage");
        assert_eq!(mask_url("postgres://db/maillage"), "postgres://db/maillage");
        assert_eq!(mask_url("sqlite://data/maillage.db"), "sqlite://data/maillage.db");
    }
}

/// A value bound to a query built at run time.
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
    Float(f64),
    Bool(bool),
    /// A typed NULL: PostgreSQL checks a parameter's type against its column.
    NullInt,
    NullText,
}

/// SQL text assembled from a filter, with its parameters numbered `$1`, `$2`… as they are added.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_string(), params: Vec::new() }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder for `p`.
    pub fn bind(&mut self, p: Param) -> &mut Self {
        self.params.push(p);
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// Appends `($a, $b, …)` for a list.
    pub fn bind_list(&mut self, items: impl IntoIterator<Item = Param>) -> &mut Self {
        self.text.push('(');
        for (i, p) in items.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(p);
        }
        self.text.push(')');
        self
    }
}

/// Binds a [`Sql`]'s parameters to a query of either backend.
macro_rules! bind_params {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                $crate::db::Param::Int(v) => q.bind(*v),
                $crate::db::Param::Text(v) => q.bind(v.clone()),
                $crate::db::Param::Float(v) => q.bind(*v),
                $crate::db::Param::Bool(v) => q.bind(*v),
                $crate::db::Param::NullInt => q.bind(None::<i64>),
                $crate::db::Param::NullText => q.bind(None::<String>),
            };
        }
        q
    }};
}
