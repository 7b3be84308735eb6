//! Test harness: the real application on 127.0.0.1:0, over SQLite (a temporary file) or
//! PostgreSQL (a fresh database on the server named by MAILLAGE_TEST_POSTGRES).
#![allow(dead_code)]

pub mod member;

use maillage_core::authz::Role;
use maillage_store::account::NewUser;
use maillage_store::organisation::OrganisationInput;
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
    /// A folder of its own (the SQLite file, the photos), removed at the end.
    pub dir: std::path::PathBuf,
    _dir: tempdir::TempDir,
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
    let tag = format!(
        "{}_{}_{}",
        std::process::id(),
        n,
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos()
    );
    let dir = std::env::temp_dir().join(format!("maillage-test-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.join("test.db").display());
            TestDb { url, dir: dir.clone(), _dir: tempdir::TempDir(dir) }
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
            TestDb { url: format!("{base}/{name}"), dir: dir.clone(), _dir: tempdir::TempDir(dir) }
        }
    }
}

/// Runs a statement straight on a test database (to corrupt or inspect what the store wrote),
/// returning the first column of the first row as text when there is one.
pub async fn raw_sql(backend: Backend, url: &str, sql: impl Into<String>) -> Option<String> {
    use sqlx::{Connection, Row};
    let sql: String = sql.into();
    match backend {
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut c).await.unwrap();
            row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
        }
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&mut c).await.unwrap();
            row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten())
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub db: TestDb,
    pub state: maillage_web::AppState,
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
    start_with(backend, |_| {}).await
}

/// What a test may change in the configuration.
pub struct Settings {
    pub app: maillage_app::AppConfig,
    pub web: maillage_web::WebConfig,
}

/// `start`, with a change to the configuration (an address look-up, say).
pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = database(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    let by = Author::system();
    let doc = maillage_core::strategy::parse_file("strategie.toml", STRATEGY).unwrap();
    store.save_strategy(&by, &doc, "test").await.unwrap();
    let org = store
        .create_organisation(&by, &OrganisationInput { match_terms: "SPIP".into(), ..organisation("spip", "SPIP d'essai", "spip") })
        .await
        .unwrap();
    let hash = maillage_core::account::password::hash(PASSWORD).unwrap();
    for (email, role) in USERS {
        store
            .create_user(
                &by,
                &NewUser {
                    email: (*email).into(),
                    display_name: format!("Compte {}", role.code()),
                    organisation_id: Some(org),
                    roles: vec![*role],
                    password_hash: hash.clone(),
                },
            )
            .await
            .unwrap();
    }
    serve_with(store, db, configure).await
}

/// Serves an already prepared database.
pub async fn serve(store: Store, db: TestDb) -> TestApp {
    serve_with(store, db, |_| {}).await
}

async fn serve_with(store: Store, db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The keys sit beside the test database, as the demo's do.
    let key_file = db.dir.join("maillage.key");
    if !key_file.exists() {
        maillage_app::keyring::Keyring::create(&key_file).unwrap();
    }
    let mut settings = Settings {
        app: maillage_app::AppConfig {
            data_dir: db.dir.clone(),
            public_url: format!("http://{addr}"),
            key_file: Some(key_file),
            ..Default::default()
        },
        web: maillage_web::WebConfig::default(),
    };
    configure(&mut settings);
    let Settings { app: config, web } = settings;
    let state = maillage_web::AppState::new(maillage_app::App::new(store.clone(), &config).await.unwrap(), &web);
    let router = maillage_web::app(state.clone(), &web);
    tokio::spawn(maillage_web::serve(listener, router, web.timeouts));
    TestApp { base: format!("http://{addr}"), store, db, state }
}

impl TestApp {
    pub fn client(&self) -> reqwest::Client {
        maillage_app::report::address::install_tls_provider();
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

    /// The address the application writes in its e-mails.
    pub fn public_url(&self) -> String {
        self.state.public_url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// A small city for the reports' tests: a territory, two districts, a landlord's estate, and a
/// landlord, a municipal police and a third organisation with one partner account each.
pub struct City {
    pub app: TestApp,
    pub landlord: i64,
    pub police: i64,
    pub other: i64,
    pub estate: i64,
    pub north: i64,
}

pub const LANDLORD_AGENT: &str = "agent@bailleur.example";
pub const POLICE_AGENT: &str = "agent@police.example";
pub const OTHER_AGENT: &str = "agent@autre.example";
/// Inside the estate, in the northern district.
pub const IN_ESTATE: (&str, &str) = ("48.9405", "2.3105");
/// In the southern district, outside the estate.
pub const SOUTH: (&str, &str) = ("48.9200", "2.2900");
/// Outside the territory.
pub const OUTSIDE: (&str, &str) = ("48.8566", "2.3522");

fn square(name: &str, [x0, y0, x1, y1]: [f64; 4]) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
    )
}

pub async fn city(backend: Backend) -> City {
    city_with(backend, |_| {}).await
}

/// `city`, with a change to the web configuration.
pub async fn city_with(backend: Backend, configure: impl FnOnce(&mut Settings)) -> City {
    use maillage_core::place::{AreaKind, parse_geojson};
    let app = start_with(backend, configure).await;
    let by = Author::system();
    let s = &app.store;
    let landlord = s
        .create_organisation(
            &by,
            &OrganisationInput { email: "agence@bailleur.example".into(), ..organisation("bailleur", "Bailleur d'essai", "landlord") },
        )
        .await
        .unwrap();
    let police = s
        .create_organisation(
            &by,
            &OrganisationInput {
                email: "pm@police.example".into(),
                ..organisation("police-municipale", "Police municipale d'essai", "municipal_police")
            },
        )
        .await
        .unwrap();
    let other = s.create_organisation(&by, &organisation("autre", "Autre organisation", "association")).await.unwrap();
    let hash = maillage_core::account::password::hash(PASSWORD).unwrap();
    for (email, name, org) in
        [(LANDLORD_AGENT, "Léa Bailleur", landlord), (POLICE_AGENT, "Paul Agent", police), (OTHER_AGENT, "Odile Autre", other)]
    {
        s.create_user(
            &by,
            &NewUser {
                email: email.into(),
                display_name: name.into(),
                organisation_id: Some(org),
                roles: vec![Role::Partner],
                password_hash: hash.clone(),
            },
        )
        .await
        .unwrap();
    }
    let one = |f: String| parse_geojson(&format!(r#"{{"type":"FeatureCollection","features":[{f}]}}"#)).unwrap();
    s.add_areas(&by, AreaKind::Territory, None, false, &one(square("Commune", [2.26, 48.91, 2.33, 48.95]))).await.unwrap();
    let north = s.add_areas(&by, AreaKind::District, None, true, &one(square("Nord", [2.26, 48.93, 2.33, 48.95]))).await.unwrap()[0];
    s.add_areas(&by, AreaKind::District, None, true, &one(square("Sud", [2.26, 48.91, 2.33, 48.93]))).await.unwrap();
    let estate = s
        .add_areas(&by, AreaKind::Coverage, Some(landlord), false, &one(square("Résidence", [2.305, 48.935, 2.316, 48.945])))
        .await
        .unwrap()[0];
    let cats = s.categories().await.unwrap();
    let cat = |code: &str| cats.iter().find(|c| c.code == code).unwrap().id;
    let rule = |category_id, area_id, organisation_id, also_involve| maillage_core::report::RoutingRule {
        id: 0,
        category_id,
        area_id,
        organisation_id,
        also_involve,
    };
    s.add_routing_rule(&by, &rule(Some(cat("depot-sauvage")), Some(estate), landlord, vec![police])).await.unwrap();
    s.add_routing_rule(&by, &rule(Some(cat("vehicules")), None, police, vec![])).await.unwrap();
    app.state.reload_places().await.unwrap();
    City { app, landlord, police, other, estate, north }
}

impl City {
    pub async fn category(&self, code: &str) -> i64 {
        self.app.store.categories().await.unwrap().iter().find(|c| c.code == code).unwrap().id
    }

    /// Posts the report form; returns the response.
    pub async fn post_report(&self, c: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
        c.post(self.app.url("/signalements/nouveau")).form(fields).send().await.unwrap()
    }

    /// Creates a dumping report in the estate as the landlord's agent; returns its id.
    pub async fn dumping_in_hall(&self, c: &reqwest::Client) -> i64 {
        let cat = self.category("depot-sauvage").await.to_string();
        let r = self
            .post_report(
                c,
                &[
                    ("categorie", &cat),
                    ("description", "Encombrants dans le hall B"),
                    ("adresse", "Hall B"),
                    ("lat", IN_ESTATE.0),
                    ("lon", IN_ESTATE.1),
                    ("q_nature", "encombrants"),
                    ("confirmer", "1"),
                ],
            )
            .await;
        created_report(r).await
    }
}

/// The number of the report a form created: the response must redirect to its page.
pub async fn created_report(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    to.trim_start_matches("/signalements/").split('?').next().unwrap().parse().unwrap()
}

/// A helper server started by a test (a Python script that prints the port it listens on),
/// killed when dropped.
pub struct Helper {
    pub port: u16,
    child: std::process::Child,
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Helper {
    /// Starts `command` and reads the port from its first line on stdout; `what` says what to
    /// install when it cannot start.
    fn start(command: &mut std::process::Command, what: &str) -> Helper {
        use std::io::BufRead;
        let mut child = command.stdout(std::process::Stdio::piped()).spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("{what}: no port announced ({line:?})"));
        Helper { port, child }
    }
}

/// A real SMTP server (aiosmtpd) on loopback, storing what it receives in a maildir.
pub struct SmtpServer {
    pub port: u16,
    pub maildir: std::path::PathBuf,
    _server: Helper,
}

impl SmtpServer {
    pub fn start(dir: &std::path::Path) -> SmtpServer {
        let maildir = dir.join("maildir");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/smtp/smtp_server.py");
        let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
        let server = Helper::start(
            std::process::Command::new(python).arg(script).arg(&maildir),
            "python3 with aiosmtpd (Debian python3-aiosmtpd; scripts/test installs it)",
        );
        SmtpServer { port: server.port, maildir, _server: server }
    }

    /// A mailer that sends through this server.
    pub fn mailer(&self) -> maillage_app::mail::Mailer {
        maillage_app::mail::Mailer::new(&maillage_app::mail::MailConfig {
            smtp_url: format!("smtp://127.0.0.1:{}", self.port),
            from: "Maillage <maillage@test.example>".into(),
        })
        .unwrap()
    }

    /// Every message received so far, as text.
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.join(sub)) {
                for e in entries.flatten() {
                    out.push(std::fs::read_to_string(e.path()).unwrap());
                }
            }
        }
        out
    }
}

/// The text of a received message's body (quoted-printable decoded).
pub fn decoded(message: &str) -> String {
    let body = message.split_once("\n\n").or_else(|| message.split_once("\r\n\r\n")).map_or("", |(_, b)| b);
    if message.contains("quoted-printable") {
        String::from_utf8(quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap()).unwrap()
    } else {
        body.to_string()
    }
}

/// A real addok (the national address API's engine) over a real Redis, holding the addresses of
/// tests/geocoder/addresses.ndjson; stopped (with its Redis) when dropped. Its Python comes from
/// MAILLAGE_TEST_ADDOK_PYTHON, or the virtual environment scripts/test makes.
pub struct AddokServer {
    /// The search endpoint, as `address_search_url` would name it.
    pub url: String,
    _server: Helper,
}

impl AddokServer {
    pub fn start(dir: &std::path::Path) -> AddokServer {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/geocoder");
        let python = std::env::var("MAILLAGE_TEST_ADDOK_PYTHON").unwrap_or_else(|_| "/opt/maillage-test/addok/bin/python".into());
        let server = Helper::start(
            std::process::Command::new(&python)
                .arg(format!("{root}/addok_server.py"))
                .arg(dir.join("addok"))
                .arg(format!("{root}/addresses.ndjson"))
                .stderr(std::process::Stdio::null()),
            &format!("{python} (addok and redis-server; scripts/test installs them)"),
        );
        AddokServer { url: format!("http://127.0.0.1:{}/search/", server.port), _server: server }
    }
}

/// Whether the page's element `id` is marked invalid and described by its own message.
pub fn marked(page: &str, id: &str) -> bool {
    let Some(at) = page.find(&format!("id=\"{id}\"")) else { return false };
    let tag = &page[page[..at].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    tag.contains("aria-invalid=\"true\"") && tag.contains(&format!("{id}-error")) && page.contains(&format!("id=\"{id}-error\""))
}

/// Downloads an ODT document and gives its `content.xml`, after checking its type and that its
/// package starts with the uncompressed `mimetype`.
pub async fn odt_content(c: &reqwest::Client, url: String) -> String {
    let r = c.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.text");
    let bytes = r.bytes().await.unwrap();
    let mut odt = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(odt.by_index(0).unwrap().name(), "mimetype");
    let mut content = String::new();
    std::io::Read::read_to_string(&mut odt.by_name("content.xml").unwrap(), &mut content).unwrap();
    content
}

/// A fresh folder under the system's temporary one, removed when dropped.
pub fn scratch_dir(what: &str) -> tempdir::TempDir {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("maillage-{what}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    tempdir::TempDir(dir)
}

/// A document opened by LibreOffice (Debian's, headless: `scripts/test` installs it) and saved
/// as `filter` ("txt:Text", "csv"): what another office suite reads of it. Fails when
/// LibreOffice cannot open the file.
pub async fn libreoffice_reads(bytes: Vec<u8>, extension: &'static str, filter: &'static str) -> String {
    tokio::task::spawn_blocking(move || {
        let dir = scratch_dir("libreoffice");
        let input = dir.0.join(format!("document.{extension}"));
        std::fs::write(&input, bytes).unwrap();
        // Its own profile: conversions of tests running side by side do not share a lock.
        let profile = format!("-env:UserInstallation=file://{}", dir.0.join("profile").display());
        let out = std::process::Command::new("soffice")
            .args(["--headless", "--norestore", &profile, "--convert-to", filter, "--outdir"])
            .arg(dir.0.join("out"))
            .arg(&input)
            .output()
            .expect("LibreOffice (soffice) installed: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui");
        let converted = std::fs::read_dir(dir.0.join("out")).ok().and_then(|mut d| d.next()).map(|e| e.unwrap().path());
        let Some(converted) = converted else {
            panic!(
                "LibreOffice could not open the {extension}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        };
        String::from_utf8(std::fs::read(converted).unwrap()).expect("LibreOffice wrote UTF-8")
    })
    .await
    .unwrap()
}

/// A PDF's text and facts as poppler (Debian's poppler-utils) reads them: `pdftotext`'s text,
/// and `pdfinfo`'s report.
pub async fn poppler_reads(bytes: Vec<u8>) -> (String, String) {
    tokio::task::spawn_blocking(move || {
        let dir = scratch_dir("pdf");
        let input = dir.0.join("document.pdf");
        std::fs::write(&input, bytes).unwrap();
        let run = |program: &str, args: &[&std::ffi::OsStr]| {
            let out = std::process::Command::new(program).args(args).output().expect("poppler-utils installed (pdftotext, pdfinfo)");
            assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        };
        let text = run("pdftotext", &[input.as_os_str(), std::ffi::OsStr::new("-")]);
        let info = run("pdfinfo", &[input.as_os_str()]);
        (text, info)
    })
    .await
    .unwrap()
}

/// A 40 × 30 PNG picture, for the photos' tests.
pub fn small_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}
