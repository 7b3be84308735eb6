//! Test harness: the real application on 127.0.0.1:0, over SQLite (a temporary file) or
//! PostgreSQL (a fresh database on the server named by MAILLAGE_TEST_POSTGRES).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use maillage_core::authz::Role;
use maillage_store::organisations::OrganisationInput;
use maillage_store::users::NewUser;
use maillage_store::{Author, Store};
use std::sync::atomic::{AtomicU32, Ordering};

pub const STRATEGY: &str = include_str!("../../../../data/strategies/gennevilliers-2019-2021.toml");
pub const PASSWORD: &str = "Essai-Mot2passe-Solide!";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the body once per backend: `backend_tests!(name, body_fn)` makes `name_sqlite` and `name_postgres`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::common::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::common::Backend::Postgres).await } )* }
    };
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub url: String,
    _dir: Option<tempdir::TempDir>,
}

mod tempdir {
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub async fn database(backend: Backend) -> TestDb {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let tag = format!("{}_{}_{}", std::process::id(), n, std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos());
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("maillage-test-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}", dir.join("test.db").display());
            TestDb { url, _dir: Some(tempdir::TempDir(dir)) }
        }
        Backend::Postgres => {
            let admin = std::env::var("MAILLAGE_TEST_POSTGRES").expect(
                "MAILLAGE_TEST_POSTGRES must name a PostgreSQL server (postgres://user:pass@host:port/postgres); .ci/run starts one",
            );
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL reachable");
            let name = format!("maillage_test_{tag}");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            TestDb { url: format!("{base}/{name}"), _dir: None }
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub db: TestDb,
}

pub const USERS: &[(&str, Role)] = &[
    ("coordination@test.example", Role::Coordinator),
    ("admin@test.example", Role::Administrator),
    ("partenaire@test.example", Role::Partner),
    ("lecteur@test.example", Role::Reader),
    ("dpo@test.example", Role::Dpo),
];

pub fn email_for(role: Role) -> &'static str {
    USERS.iter().find(|(_, r)| *r == role).unwrap().0
}

/// A minimal organisation.
pub fn organisation(code: &str, name: &str, kind: &str) -> OrganisationInput {
    OrganisationInput { code: code.into(), name: name.into(), kind: kind.into(), ..Default::default() }
}

/// Starts the application with the strategy, one organisation and one account per role.
pub async fn start(backend: Backend) -> TestApp {
    let db = database(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    let by = Author::system();
    let doc = maillage_core::strategy::parse_file("strategie.toml", STRATEGY).unwrap();
    store.save_strategy(&by, &doc, "test").await.unwrap();
    let org = store
        .create_organisation(&by, &OrganisationInput { match_terms: "SPIP".into(), ..organisation("spip", "SPIP d'essai", "spip") })
        .await
        .unwrap();
    let hash = maillage_core::password::hash(PASSWORD).unwrap();
    for (email, role) in USERS {
        store
            .create_user(&by, &NewUser {
                email: (*email).into(),
                display_name: format!("Compte {}", role.code()),
                organisation_id: Some(org),
                roles: vec![*role],
                password_hash: hash.clone(),
            })
            .await
            .unwrap();
    }
    let state = maillage_web::AppState::new(store.clone()).await.unwrap();
    let router = maillage_web::app(state, &maillage_web::WebConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = maillage_web::serve(listener, router).await;
    });
    TestApp { base: format!("http://{addr}"), store, db }
}

impl TestApp {
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub async fn login(&self, email: &str) -> reqwest::Client {
        let c = self.client();
        let r = c
            .post(format!("{}/connexion", self.base))
            .form(&[("email", email), ("password", PASSWORD), ("suite", "/strategie")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login of {email}");
        c
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}
