//! `maillage-bench [PATH-TO-MAILLAGE]`: the strategy pages. `maillage-bench reports …`: the
//! reports at city scale (see `reports.rs`). `maillage-bench cases …`: the working groups'
//! situations at scale (see `cases.rs`). `maillage-bench activities …`: the evaluation at scale
//! (see `activities.rs`). `maillage-bench alerts …`: the rapid alert's fan-out (see `alerts.rs`).
//!
//! The strategy pages: starts `maillage demo` on a fresh data folder and prints
//! - cold start: from process start to the first page served;
//! - per page, under 16 concurrent clients on loopback: p50 and p99 server round trip;
//! - memory: the server's resident set (RSS) after the load, and its peak;
//! - the public site's pages as a visitor reads them, against the health check's round trip;
//! - as a baseline measured in the same run, on the same database file: the bare store calls each
//!   page makes (session, account, then the page's own queries), under the same concurrency,
//!   and the ratio page / baseline.
//!
//! A benchmark prints figures; it asserts nothing.

use anyhow::{Context, bail};
use maillage_store::Store;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod activities;
mod alerts;
mod cases;
mod observatory;
mod reports;

const CLIENTS: usize = 16;
/// Concurrent clients of the reports' benchmark.
const CLIENTS_REPORTS: usize = 32;
const REQUESTS_PER_PAGE: usize = 1_600;

/// The session row the baseline reads, as the server reads one per request.
const SESSION_ID: &str = "bench-baseline";

/// The store calls a page makes: every page reads its session and its account, then its own data.
#[derive(Clone, Copy)]
enum Calls {
    Strategy,
    StrategyAndOrganisations,
    StrategyAndIndicators,
    Organisations,
}

impl Calls {
    async fn run(self, s: &Store, user_id: i64) -> anyhow::Result<()> {
        s.session_load(SESSION_ID, "2000-01-01T00:00:00Z").await?;
        s.user(user_id).await?;
        if !matches!(self, Calls::Organisations) {
            s.current_strategy().await?;
        }
        match self {
            Calls::StrategyAndOrganisations | Calls::Organisations => {
                s.organisations().await?;
            }
            Calls::StrategyAndIndicators => {
                s.indicators(1).await?;
            }
            Calls::Strategy => {}
        }
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs `total` calls of `f` on `clients` concurrent tasks; returns sorted latencies and wall time.
async fn load<F, Fut>(total: usize, clients: usize, f: F) -> anyhow::Result<(Vec<Duration>, Duration)>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let f = Arc::new(f);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(total / clients);
            for _ in 0..total / clients {
                let t = Instant::now();
                f().await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await??);
    }
    let wall = start.elapsed();
    all.sort();
    Ok((all, wall))
}

/// A fresh database for a benchmark at scale: a SQLite file in its own folder, or a new
/// PostgreSQL database beside `pg_admin`'s; dropped, with the folder, by [`Scratch::remove`].
pub(crate) struct Scratch {
    pub url: String,
    pub backend: &'static str,
    pub data: std::path::PathBuf,
    pg: Option<(String, String)>,
}

impl Scratch {
    pub async fn new(what: &str, pg_admin: Option<&str>) -> anyhow::Result<Self> {
        let tag = std::process::id();
        let data = std::env::temp_dir().join(format!("maillage-bench-{what}-{tag}"));
        std::fs::create_dir_all(&data)?;
        Ok(match pg_admin {
            Some(admin) => {
                let name = format!("maillage_bench_{what}_{tag}");
                reports::drop_create(admin, &name, true).await?;
                let url = format!("{}/{name}", admin.rsplit_once('/').map_or(admin, |p| p.0));
                Scratch { url, backend: "PostgreSQL", data, pg: Some((admin.to_string(), name)) }
            }
            None => Scratch { url: format!("sqlite://{}", data.join("maillage.db").display()), backend: "SQLite", data, pg: None },
        })
    }

    /// What autovacuum does some time after a load, done now so that it does not run during
    /// the measure (a server in use has its tables vacuumed and its statistics up to date).
    pub async fn settle(&self) -> anyhow::Result<()> {
        if self.pg.is_some() {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::query("VACUUM (ANALYZE)").execute(&mut conn).await?;
        }
        Ok(())
    }

    /// `maillage serve` on this database, with `env` besides; gives the child and its address.
    pub fn serve(&self, bin: &str, env: &[(&str, &std::ffi::OsStr)]) -> anyhow::Result<(std::process::Child, String)> {
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .env("MAILLAGE_DATABASE_URL", &self.url)
            .env("MAILLAGE_LISTEN", "127.0.0.1:0")
            .env("MAILLAGE_DATA_DIR", &self.data)
            .env("MAILLAGE_LOG", "info,tower_http=warn,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().with_context(|| format!("lancement de {bin}"))?;
        let base = reports::announced(&mut child)?;
        Ok((child, base))
    }

    pub async fn remove(self) -> anyhow::Result<()> {
        if let Some((admin, name)) = &self.pg {
            reports::drop_create(admin, name, false).await?;
        }
        remove_dir(&self.data);
        Ok(())
    }
}

/// A line of a page's figures: p50, p99, throughput, then the bare store calls' p50 and p99
/// in the same run, and the ratio of the p50s.
pub(crate) fn row(label: &str, lat: &[Duration], wall: Duration, base: &[Duration]) {
    let (p50, p99) = (percentile(lat, 0.50), percentile(lat, 0.99));
    let (b50, b99) = (percentile(base, 0.50), percentile(base, 0.99));
    println!(
        "{label:<44} {:>8.2} {:>8.2} {:>8.0} | {:>8.2} {:>8.2} | {:>6.2}",
        ms(p50),
        ms(p99),
        lat.len() as f64 / wall.as_secs_f64(),
        ms(b50),
        ms(b99),
        ms(p50) / ms(b50).max(f64::EPSILON)
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Built together with the web crate, reqwest has TLS but no provider of its own.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        rustls::crypto::ring::default_provider().install_default().ok();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("cases") {
        return cases::run(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("alerts") {
        return alerts::run(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("activities") {
        return activities::run(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("observatory") {
        return observatory::run(&args[1..]).await;
    }
    if args.first().map(String::as_str) == Some("reports") {
        return reports::run(&args[1..]).await;
    }
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let data = std::env::temp_dir().join(format!("maillage-bench-{}", std::process::id()));
    remove_dir(&data);

    // Cold start: a fresh data folder, so the demo data is created too.
    let started = Instant::now();
    let mut child = Command::new(&bin)
        .args(["demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("MAILLAGE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("lancement de {bin}"))?;
    let pid = child.id();
    let stdout = child.stdout.take().context("stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let Some(line) = lines.next() else { bail!("maillage s'est arrêté avant d'annoncer son adresse") };
        let line = line?;
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.trim_end_matches('/'));
        }
    };
    // Keep reading stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let plain = reqwest::Client::new();
    loop {
        if let Ok(r) = plain.get(format!("{base}/connexion")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let cold = started.elapsed();

    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let r = client
        .post(format!("{base}/connexion"))
        .form(&[("email", "coordination@demo.maillage.fr"), ("password", "Coordination-Demo-2026!")])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("connexion refusée ({})", r.status());
    }
    let (rss_idle, _) = rss_kib(pid);

    // The same database file, opened by the store directly for the baseline.
    let store = Store::connect(&format!("sqlite://{}", data.join("maillage.db").display())).await?;
    let user = store.user_by_email("coordination@demo.maillage.fr").await?.context("compte de démo")?;
    // A session row of the same shape as the server's: each request reads one.
    store.session_save(SESSION_ID, Some(user.id), &format!("{{\"user_id\":{}}}", user.id), "9999-01-01T00:00:00Z").await?;
    let user_id = user.id;
    let pages = [
        ("/strategie", Calls::Strategy),
        ("/strategie/axes/3", Calls::StrategyAndOrganisations),
        ("/strategie/fiches/1.2", Calls::StrategyAndOrganisations),
        ("/strategie/recherche?q=alerte+jeunes", Calls::Strategy),
        ("/strategie/document", Calls::Strategy),
        ("/organisations", Calls::Organisations),
        ("/api/v1/strategie", Calls::StrategyAndIndicators),
    ];

    println!("maillage-bench — demo data on SQLite, {CLIENTS} concurrent clients, {REQUESTS_PER_PAGE} requests per page, loopback");
    println!("cold start (process start → first page served, demo data created): {:.0} ms", ms(cold));
    println!();
    println!(
        "{:<38} {:>9} {:>9} {:>10} | {:>11} {:>11} | {:>9}",
        "page", "p50 ms", "p99 ms", "req/s", "base p50 ms", "base p99 ms", "ratio p50"
    );
    for (path, calls) in pages {
        let url = format!("{base}{path}");
        let c = client.clone();
        // Warm-up, then the measured run.
        for _ in 0..20 {
            c.get(&url).send().await?.bytes().await?;
        }
        let (lat, wall) = load(REQUESTS_PER_PAGE, CLIENTS, move || {
            let c = c.clone();
            let url = url.clone();
            async move {
                let r = c.get(&url).send().await?;
                if !r.status().is_success() {
                    bail!("{url} → {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?;
        let s = store.clone();
        let (base_lat, _) = load(REQUESTS_PER_PAGE, CLIENTS, move || {
            let s = s.clone();
            async move { calls.run(&s, user_id).await }
        })
        .await?;
        let (p50, p99) = (percentile(&lat, 0.50), percentile(&lat, 0.99));
        let (b50, b99) = (percentile(&base_lat, 0.50), percentile(&base_lat, 0.99));
        println!(
            "{:<38} {:>9.2} {:>9.2} {:>10.0} | {:>11.2} {:>11.2} | {:>9.2}",
            path,
            ms(p50),
            ms(p99),
            REQUESTS_PER_PAGE as f64 / wall.as_secs_f64(),
            ms(b50),
            ms(b99),
            ms(p50) / ms(b50).max(f64::EPSILON)
        );
    }
    public_pages(&base).await?;
    let (rss, peak) = rss_kib(pid);
    println!();
    println!(
        "server memory: RSS {:.1} MiB after login, {:.1} MiB after the load, peak {:.1} MiB",
        rss_idle as f64 / 1024.0,
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    store.close().await;
    stop(&mut child);
    remove_dir(&data);
    Ok(())
}

/// The public site as visitors read it (no cookie, so no session is read), under the same
/// load; the baseline is the health check's round trip in the same run (HTTP and the
/// middleware, no page). A revalidation with the page's ETag is measured too.
async fn public_pages(base: &str) -> anyhow::Result<()> {
    let visitor = reqwest::Client::new();
    let run = |url: String, etag: Option<String>| {
        let c = visitor.clone();
        load(REQUESTS_PER_PAGE, CLIENTS, move || {
            let (c, url, etag) = (c.clone(), url.clone(), etag.clone());
            async move {
                let mut r = c.get(&url);
                if let Some(e) = etag {
                    r = r.header("if-none-match", e);
                }
                let r = r.send().await?;
                if !(r.status().is_success() || r.status() == 304) {
                    bail!("{url} → {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
    };
    let (health, _) = run(format!("{base}/sante"), None).await?;
    println!();
    println!(
        "public site, as a visitor (baseline: /sante in the same run, p50 {:.2} ms, p99 {:.2} ms)",
        ms(percentile(&health, 0.5)),
        ms(percentile(&health, 0.99))
    );
    for path in ["/", "/aide", "/livret", "/actualites", "/chiffres", "/accessibilite", "/actualites.atom", "/evenements.ics"] {
        let url = format!("{base}{path}");
        for _ in 0..20 {
            visitor.get(&url).send().await?.bytes().await?;
        }
        let (lat, wall) = run(url, None).await?;
        row(path, &lat, wall, &health);
    }
    let etag = visitor.get(format!("{base}/")).send().await?.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (lat, wall) = run(format!("{base}/"), etag).await?;
    row("/ revalidated (If-None-Match → 304)", &lat, wall, &health);
    Ok(())
}

/// Stops the server under test; a failure to stop it is said, not hidden.
pub(crate) fn stop(child: &mut std::process::Child) {
    if let Err(e) = child.kill().and_then(|()| child.wait()) {
        eprintln!("stopping the server: {e}");
    }
}

/// Removes a data folder of a run; one already gone is fine.
pub(crate) fn remove_dir(path: &std::path::Path) {
    if let Err(e) = std::fs::remove_dir_all(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        eprintln!("removing {}: {e}", path.display());
    }
}
