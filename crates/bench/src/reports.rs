//! `maillage-bench reports BIN [COUNT] [POSTGRES-ADMIN-URL]`: the reports at city scale.
//!
//! Generates COUNT reports (1 000 000 by default) over 10 years, with history and comments,
//! over 20 districts and 50 organisations, into a fresh SQLite file (or a fresh PostgreSQL
//! database on the server named), starts `maillage serve` on it, and prints:
//! - report creation through the JSON API and through Open311 (32 concurrent clients), and as
//!   a baseline the bare insert of the same rows (one transaction per report, same concurrency);
//! - list, map, detail and statistics pages: p50 and p99 under 32 concurrent clients, with the
//!   bare store calls of each page as a baseline;
//! - the server's memory.

use crate::{CLIENTS_REPORTS as CLIENTS, load, ms, percentile, rss_kib};
use anyhow::{Context, bail};
use maillage_core::authz::{ReportScope, Role};
use maillage_core::place::{AreaKind, parse_geojson};
use maillage_core::report::{EventKind, Source, State};
use maillage_core::time_fmt;
use maillage_store::account::NewUser;
use maillage_store::organisation::OrganisationInput;
use maillage_store::report::bulk::{BulkEvent, BulkReport};
use maillage_store::report::{ReportFilter, ReportSort, StatGroup};
use maillage_store::{Author, Store};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DISTRICTS: (usize, usize) = (5, 4);
const ORGANISATIONS: usize = 50;
pub(crate) const TERRITORY: [f64; 4] = [2.262, 48.915, 2.322, 48.945];
const CREATIONS: usize = 3_200;
const REQUESTS_PER_PAGE: usize = 1_600;
const PASSWORD: &str = "Banc-Essai-Mesure-2026!";
const SESSION_ID: &str = "bench-reports-baseline";

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

pub(crate) fn cell(i: usize) -> [f64; 4] {
    let (cols, rows) = DISTRICTS;
    let (c, r) = (i % cols, i / cols);
    let w = (TERRITORY[2] - TERRITORY[0]) / cols as f64;
    let h = (TERRITORY[3] - TERRITORY[1]) / rows as f64;
    [TERRITORY[0] + c as f64 * w, TERRITORY[1] + r as f64 * h, TERRITORY[0] + (c + 1) as f64 * w, TERRITORY[1] + (r + 1) as f64 * h]
}

pub(crate) fn square(name: &str, [x0, y0, x1, y1]: [f64; 4]) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
    )
}

pub(crate) fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// A city to measure in: an organisation, its coordinator (`email`, `password`), the territory
/// and 20 districts; gives the organisation and the districts.
pub(crate) async fn coordinated_city(store: &Store, email: &str, password: &str) -> anyhow::Result<(i64, Vec<i64>)> {
    use maillage_core::place::{AreaKind, parse_geojson};
    let by = Author::system();
    let org = store
        .create_organisation(
            &by,
            &maillage_store::organisation::OrganisationInput {
                code: "ville".into(),
                name: "Ville".into(),
                kind: "city_service".into(),
                ..Default::default()
            },
        )
        .await?;
    store
        .create_user(
            &by,
            &maillage_store::account::NewUser {
                email: email.into(),
                display_name: "Coordination".into(),
                organisation_id: Some(org),
                roles: vec![maillage_core::authz::Role::Coordinator],
                password_hash: maillage_core::account::password::hash(password)?,
            },
        )
        .await?;
    store.add_areas(&by, AreaKind::Territory, None, false, &parse_geojson(&collection(&[square("Commune", TERRITORY)]))?).await?;
    let features: Vec<String> = (0..20).map(|i| square(&format!("Quartier {i}"), cell(i))).collect();
    let districts = store.add_areas(&by, AreaKind::District, None, false, &parse_geojson(&collection(&features))?).await?;
    Ok((org, districts))
}

/// What the generated city holds, for the requests.
struct City {
    districts: Vec<i64>,
    organisations: Vec<i64>,
    leaves: Vec<(i64, String, i64)>,
    coordinator: i64,
    api_key: String,
    max_id: i64,
}

async fn setup(store: &Store, count: usize) -> anyhow::Result<City> {
    let by = Author::system();
    let mut organisations = Vec::new();
    for i in 0..ORGANISATIONS {
        let kind = if i < 10 {
            "landlord"
        } else if i < 20 {
            "city_service"
        } else {
            "association"
        };
        organisations.push(
            store
                .create_organisation(
                    &by,
                    &OrganisationInput {
                        code: format!("org-{i}"),
                        name: format!("Organisation {i}"),
                        kind: kind.into(),
                        ..Default::default()
                    },
                )
                .await?,
        );
    }
    store.add_areas(&by, AreaKind::Territory, None, false, &parse_geojson(&collection(&[square("Commune", TERRITORY)]))?).await?;
    let features: Vec<String> = (0..DISTRICTS.0 * DISTRICTS.1).map(|i| square(&format!("Quartier {i}"), cell(i))).collect();
    let districts = store.add_areas(&by, AreaKind::District, None, false, &parse_geojson(&collection(&features))?).await?;
    let leaves = leaves(store).await?;
    for (i, (cat, _, _)) in leaves.iter().enumerate() {
        store
            .add_routing_rule(
                &by,
                &maillage_core::report::RoutingRule {
                    id: 0,
                    category_id: Some(*cat),
                    area_id: None,
                    organisation_id: organisations[i % 20],
                    also_involve: vec![],
                },
            )
            .await?;
    }
    let coordinator = store
        .create_user(
            &by,
            &NewUser {
                email: "coordination@bench.example".into(),
                display_name: "Coordination".into(),
                organisation_id: Some(organisations[10]),
                roles: vec![Role::Coordinator],
                password_hash: maillage_core::account::password::hash(PASSWORD)?,
            },
        )
        .await?;
    let api_key = store.create_api_key(&by, organisations[0], "banc d'essai").await?;
    let started = Instant::now();
    let max_id = load_reports(store, &districts, &organisations, &leaves, count).await?;
    println!(
        "dataset: {count} reports over 10 years, {} districts, {ORGANISATIONS} organisations, loaded in {:.0} s",
        districts.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(City { districts, organisations, leaves, coordinator, api_key, max_id })
}

/// The shipped categories that need no answer, with their target delay: what generated reports
/// are filed under.
pub(crate) async fn leaves(store: &Store) -> anyhow::Result<Vec<(i64, String, i64)>> {
    Ok(store
        .categories()
        .await?
        .iter()
        .filter(|c| c.parent_id.is_some() && c.questions.iter().all(|q| !q.required))
        .map(|c| (c.id, c.code.clone(), c.target_days))
        .collect())
}

/// Loads COUNT reports over ten years, oldest first, with their history, in batches of one
/// transaction each; those closed over a year ago are anonymised, as the daily job would have.
/// The first 20 organisations lead them, any organisation reports them. Gives the last id.
pub(crate) async fn load_reports(
    store: &Store,
    districts: &[i64],
    organisations: &[i64],
    leaves: &[(i64, String, i64)],
    count: usize,
) -> anyhow::Result<i64> {
    let leads = organisations.len().min(20) as u64;
    let started = Instant::now();
    let mut rng = Lcg(311);
    let now = time_fmt::now();
    let span_hours = 10 * 365 * 24;
    let batch = 5_000;
    let mut id = 0i64;
    let load = store.bulk_start().await?;
    let texts = [
        "Encombrants au pied de l'immeuble",
        "Tags sur la façade",
        "Véhicule ventouse depuis trois semaines",
        "Regroupement bruyant en soirée",
        "Éclairage du parking en panne",
    ];
    while (id as usize) < count {
        let mut rows = Vec::with_capacity(batch);
        for _ in 0..batch.min(count - id as usize) {
            id += 1;
            // Reports arrive in time order: the oldest first.
            let age = span_hours - (id * span_hours / count as i64) - rng.below(3) as i64;
            let created = now - time::Duration::hours(age.max(1));
            let d = rng.below(districts.len() as u64) as usize;
            let [x0, y0, x1, y1] = cell(d);
            let (cat, _, days) = &leaves[rng.below(leaves.len() as u64) as usize];
            let due = created + time::Duration::days(days * 7 / 5);
            let lead = (rng.below(20) != 0).then(|| organisations[rng.below(leads) as usize]);
            let reporter = Some(organisations[rng.below(organisations.len() as u64) as usize]);
            let event = |at: time::OffsetDateTime, kind: EventKind, body: &str, organisation_id: Option<i64>| BulkEvent {
                at,
                kind,
                internal: false,
                body: body.into(),
                organisation_id,
            };
            let initial = if lead.is_some() { State::Transmitted } else { State::New };
            let mut events = vec![event(created, EventKind::Created { state: initial, source: Source::Web }, "", reporter)];
            let changed = |to: State| EventKind::StateChanged { to, close_reason: None, duplicate_of: None, redirect_to: None };
            let roll = rng.below(100);
            let taken = created + time::Duration::hours(1 + rng.below(48) as i64);
            let closed = taken + time::Duration::hours(rng.below(24 * 15) as i64);
            let (state, closed_at) = if age > 24 * 60 || (age > 24 * 5 && roll < 60) {
                if roll < 85 { (State::Resolved, Some(closed)) } else { (State::ClosedWithoutAction, Some(closed)) }
            } else if roll < 50 && lead.is_some() {
                (State::InProgress, None)
            } else {
                (initial, None)
            };
            let closed_at = closed_at.filter(|c| *c < now);
            let state = if closed_at.is_none() && !state.class().is_open() { State::InProgress } else { state };
            if state != State::New && state != State::Transmitted {
                events.push(event(taken, changed(State::InProgress), "", lead));
            }
            if let Some(c) = closed_at {
                events.push(event(c, changed(state), "", lead));
            }
            if rng.below(10) < 3 {
                events.push(BulkEvent {
                    internal: rng.below(2) == 0,
                    ..event(taken, EventKind::Comment, "Passage de l'équipe prévu cette semaine.", lead)
                });
            }
            rows.push(BulkReport {
                id,
                category_id: *cat,
                state,
                description: texts[rng.below(texts.len() as u64) as usize].to_string(),
                address: String::new(),
                lat: y0 + 0.0005 + rng.unit() * (y1 - y0 - 0.001),
                lon: x0 + 0.0005 + rng.unit() * (x1 - x0 - 0.001),
                district_id: Some(districts[d]),
                organisation_id: lead,
                reporter_organisation_id: reporter,
                source: Source::Web,
                created_at: created,
                updated_at: closed_at.unwrap_or(taken).min(now),
                due_at: Some(due),
                closed_at,
                resolution_hours: closed_at.filter(|_| state == State::Resolved).map(|c| (c - created).whole_hours()),
                events,
            });
        }
        store.bulk_insert_reports(&rows).await?;
        if id % 100_000 == 0 || id as usize == count {
            eprintln!("  {id} reports loaded ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    store.bulk_done(load).await?;
    eprintln!("  indexes built ({:.0} s)", started.elapsed().as_secs_f64());
    // Ten years of history as the tool would hold it: reports closed over a year ago are
    // anonymised (the server's daily job would otherwise start with that backlog).
    let cutoff = time_fmt::to_storage(now - time::Duration::days(365));
    let anonymised = store.anonymise_closed_reports(&Author::system(), &cutoff).await?.reports;
    eprintln!("  {anonymised} closed reports anonymised ({:.0} s)", started.elapsed().as_secs_f64());
    Ok(id)
}

fn start_server(bin: &str, db_url: &str, data: &std::path::Path) -> anyhow::Result<(std::process::Child, String)> {
    let mut child = Command::new(bin)
        .arg("serve")
        .env("MAILLAGE_DATABASE_URL", db_url)
        .env("MAILLAGE_LISTEN", "127.0.0.1:0")
        .env("MAILLAGE_DATA_DIR", data)
        .env("MAILLAGE_LOG", "info,tower_http=warn,sqlx=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("lancement de {bin}"))?;
    let base = announced(&mut child)?;
    Ok((child, base))
}

/// The address a starting `maillage serve` announces on its standard error.
pub(crate) fn announced(child: &mut std::process::Child) -> anyhow::Result<String> {
    let stderr = child.stderr.take().context("stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let mut said = Vec::new();
    let base = loop {
        let Some(line) = lines.next() else { bail!("maillage serve s'est arrêté avant d'annoncer son adresse : {}", said.join(" / ")) };
        let line = line?;
        if let Some(rest) = line.split("http://").nth(1) {
            let addr = rest.split(['/', ' ']).next().unwrap_or_default();
            break format!("http://{addr}");
        }
        said.push(line);
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(base)
}

fn line(label: &str, lat: &[Duration], wall: Duration, n: usize, base: &[Duration]) {
    let (p50, p99) = (percentile(lat, 0.50), percentile(lat, 0.99));
    let (b50, b99) = (percentile(base, 0.50), percentile(base, 0.99));
    println!(
        "{label:<58} {:>8.2} {:>8.2} {:>8.0} | {:>8.2} {:>8.2} | {:>6.2}",
        ms(p50),
        ms(p99),
        n as f64 / wall.as_secs_f64(),
        ms(b50),
        ms(b99),
        ms(p50) / ms(b50).max(f64::EPSILON)
    );
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    // `--keep`: leave the generated database behind, for looking into it.
    let keep = args.iter().any(|a| a == "--keep");
    let args: Vec<String> = args.iter().filter(|a| *a != "--keep").cloned().collect();
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let count: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let pg_admin = args.get(2).cloned();
    let tag = std::process::id();
    let data = std::env::temp_dir().join(format!("maillage-bench-reports-{tag}"));
    std::fs::create_dir_all(&data)?;
    let (db_url, backend) = match &pg_admin {
        Some(admin) => {
            let name = format!("maillage_bench_{tag}");
            drop_create(admin, &name, true).await?;
            (format!("{}/{name}", admin.rsplit_once('/').map_or(admin.as_str(), |p| p.0)), "PostgreSQL")
        }
        None => (format!("sqlite://{}", data.join("maillage.db").display()), "SQLite"),
    };
    println!("maillage-bench reports — {backend}, {CLIENTS} concurrent clients on loopback");
    let store = Store::connect(&db_url).await?;
    let city = setup(&store, count).await?;
    let (mut child, base) = start_server(&bin, &db_url, &data)?;
    let pid = child.id();
    let outcome = measure(&store, &city, &base, pid, count).await;
    crate::stop(&mut child);
    store.close().await;
    if keep {
        println!("database kept: {db_url}");
        return outcome;
    }
    if let Some(admin) = &pg_admin {
        drop_create(admin, &format!("maillage_bench_{tag}"), false).await?;
    }
    crate::remove_dir(&data);
    outcome
}

pub(crate) async fn drop_create(admin: &str, name: &str, create: bool) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.context("serveur PostgreSQL")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&mut conn).await?;
    if create {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
    }
    Ok(())
}

async fn measure(store: &Store, city: &City, base: &str, pid: u32, count: usize) -> anyhow::Result<()> {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).pool_max_idle_per_host(64).build()?;
    let r =
        client.post(format!("{base}/connexion")).form(&[("email", "coordination@bench.example"), ("password", PASSWORD)]).send().await?;
    if r.status() != 303 {
        bail!("connexion refusée ({})", r.status());
    }
    let (rss_idle, _) = rss_kib(pid);

    // Creation: the JSON API, Open311, and the bare insert of the same rows.
    println!();
    println!("{:<58} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>6}", "creation", "p50 ms", "p99 ms", "per s", "", "", "");
    let rng = Arc::new(AtomicU64::new(7));
    let leaves = Arc::new(city.leaves.clone());
    let pick = move |rng: &AtomicU64, n: usize| -> usize {
        let v = rng.fetch_add(0x9E37_79B9, Ordering::Relaxed).wrapping_mul(6364136223846793005) >> 33;
        (v % n as u64) as usize
    };
    let point = |i: usize| {
        let [x0, y0, x1, y1] = cell(i % (DISTRICTS.0 * DISTRICTS.1));
        ((y0 + y1) / 2.0, (x0 + x1) / 2.0)
    };
    let (c, url, r2, l2) = (client.clone(), format!("{base}/api/v1/signalements"), rng.clone(), leaves.clone());
    let (api, api_wall) = load(CREATIONS, CLIENTS, move || {
        let (c, url, r2, l2) = (c.clone(), url.clone(), r2.clone(), l2.clone());
        async move {
            let (_, code, _) = &l2[pick(&r2, l2.len())];
            let (lat, lon) = point(pick(&r2, 1000));
            let body = serde_json::json!({ "category": code, "description": "Signalement du banc d'essai", "lat": lat, "lon": lon });
            let r = c.post(&url).json(&body).send().await?;
            if r.status() != 201 {
                bail!("API → {} {}", r.status(), r.text().await.unwrap_or_default());
            }
            Ok(())
        }
    })
    .await?;
    let (c, url, r2, l2, key) =
        (client.clone(), format!("{base}/open311/v2/requests.json"), rng.clone(), leaves.clone(), city.api_key.clone());
    let (o311, o311_wall) = load(CREATIONS, CLIENTS, move || {
        let (c, url, r2, l2, key) = (c.clone(), url.clone(), r2.clone(), l2.clone(), key.clone());
        async move {
            let (_, code, _) = &l2[pick(&r2, l2.len())];
            let (lat, lon) = point(pick(&r2, 1000));
            let form = [
                ("api_key", key.as_str()),
                ("service_code", code),
                ("lat", &lat.to_string()),
                ("long", &lon.to_string()),
                ("description", "Demande Open311 du banc d'essai"),
            ];
            let r = c.post(&url).form(&form).send().await?;
            if r.status() != 200 {
                bail!("Open311 → {} {}", r.status(), r.text().await.unwrap_or_default());
            }
            Ok(())
        }
    })
    .await?;
    let next_id = Arc::new(AtomicU64::new(2_000_000_000));
    let (s, r2, l2, orgs, districts) = (store.clone(), rng.clone(), leaves.clone(), city.organisations.clone(), city.districts.clone());
    let (bare, bare_wall) = load(CREATIONS, CLIENTS, move || {
        let (s, r2, l2, next_id, orgs, districts) = (s.clone(), r2.clone(), l2.clone(), next_id.clone(), orgs.clone(), districts.clone());
        async move {
            let (cat, _, _) = l2[pick(&r2, l2.len())];
            let d = pick(&r2, districts.len());
            let (lat, lon) = point(d);
            let now = time_fmt::now();
            let id = next_id.fetch_add(1, Ordering::Relaxed) as i64;
            let row = BulkReport {
                id,
                category_id: cat,
                state: State::Transmitted,
                description: "Signalement du banc d'essai".into(),
                address: String::new(),
                lat,
                lon,
                district_id: Some(districts[d]),
                organisation_id: Some(orgs[0]),
                reporter_organisation_id: Some(orgs[10]),
                source: Source::Api,
                created_at: now,
                updated_at: now,
                due_at: Some(now),
                closed_at: None,
                resolution_hours: None,
                events: vec![BulkEvent {
                    at: now,
                    kind: EventKind::Created { state: State::Transmitted, source: Source::Api },
                    internal: false,
                    body: String::new(),
                    organisation_id: Some(orgs[10]),
                }],
            };
            s.bulk_insert_reports(&[row]).await?;
            Ok(())
        }
    })
    .await?;
    line("bare insert of the same rows (one transaction each)", &bare, bare_wall, CREATIONS, &bare);
    line("POST /api/v1/signalements (checks, routing, audit, mail)", &api, api_wall, CREATIONS, &bare);
    line("POST /open311/v2/requests.json", &o311, o311_wall, CREATIONS, &bare);
    let bare_rate = CREATIONS as f64 / bare_wall.as_secs_f64();
    println!(
        "creation rate: API {:.0}/s ({:.2} of bare), Open311 {:.0}/s ({:.2} of bare), bare {:.0}/s",
        CREATIONS as f64 / api_wall.as_secs_f64(),
        CREATIONS as f64 / api_wall.as_secs_f64() / bare_rate,
        CREATIONS as f64 / o311_wall.as_secs_f64(),
        CREATIONS as f64 / o311_wall.as_secs_f64() / bare_rate,
        bare_rate
    );

    // Pages, each against its bare store calls.
    store
        .session_save(SESSION_ID, Some(city.coordinator), &format!("{{\"user_id\":{}}}", city.coordinator), "9999-01-01T00:00:00Z")
        .await?;
    let year_ago = time_fmt::now() - time::Duration::days(365);
    let year_ago_day = format!("{}", year_ago.date());
    let year_ago_storage = time_fmt::to_storage(year_ago.replace_time(time::Time::MIDNIGHT));
    println!();
    println!("{:<58} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>6}", "page", "p50 ms", "p99 ms", "req/s", "base p50", "base p99", "ratio");
    #[derive(Clone, Copy)]
    enum Page {
        List,
        ListFiltered,
        Map,
        Detail,
        StatsYear,
        StatsAll,
        Search,
        Home,
    }
    let pages = [
        (Page::List, "/signalements (newest first, page 1)".to_string()),
        (Page::ListFiltered, "/signalements?etat=ouverts&quartier=D".to_string()),
        (Page::Map, format!("/signalements/carte?quartier=D&du={year_ago_day}")),
        (Page::Detail, "/signalements/ID (random among all)".to_string()),
        (Page::StatsYear, format!("/signalements/statistiques?groupe=quartier&du={year_ago_day}")),
        (Page::StatsAll, "/signalements/statistiques?groupe=mois (10 years)".to_string()),
        (Page::Search, "/signalements?recherche=facade (a word of one report in five)".to_string()),
        (Page::Home, "/ (the coordinator's start page: 4 counts, 2 lists)".to_string()),
    ];
    let max_id = city.max_id;
    let mut alone = Vec::new();
    for (page, label) in pages {
        let districts = Arc::new(city.districts.clone());
        let path_of = {
            let districts = districts.clone();
            let year = year_ago_day.clone();
            move |rng: &AtomicU64| -> String {
                let d = districts[pick(rng, districts.len())];
                match page {
                    Page::List => "/signalements".into(),
                    Page::ListFiltered => format!("/signalements?etat=ouverts&quartier={d}"),
                    Page::Map => format!("/signalements/carte?quartier={d}&du={year}"),
                    Page::Detail => format!("/signalements/{}", 1 + pick(rng, max_id as usize)),
                    Page::StatsYear => format!("/signalements/statistiques?groupe=quartier&du={year}"),
                    Page::StatsAll => "/signalements/statistiques?groupe=mois".into(),
                    Page::Search => "/signalements?recherche=facade".into(),
                    Page::Home => "/".into(),
                }
            }
        };
        let path_of = Arc::new(path_of);
        for _ in 0..20 {
            client.get(format!("{base}{}", path_of(&rng))).send().await?.bytes().await?;
        }
        let (c, b, r2, p2) = (client.clone(), base.to_string(), rng.clone(), path_of.clone());
        // Statistics over ten years read a million rows: fewer requests keep the run short.
        let requests = match page {
            Page::StatsAll => 96,
            Page::StatsYear | Page::Search | Page::Home => 320,
            Page::Map => 640,
            _ => REQUESTS_PER_PAGE,
        };
        let (lat, wall) = load(requests, CLIENTS, move || {
            let (c, b, r2, p2) = (c.clone(), b.clone(), r2.clone(), p2.clone());
            async move {
                let url = format!("{b}{}", p2(&r2));
                let r = c.get(&url).send().await?;
                if !r.status().is_success() {
                    bail!("{url} → {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?;
        let (s, r2, since) = (store.clone(), rng.clone(), year_ago_storage.clone());
        let coordinator = city.coordinator;
        let (base_lat, _) = load(requests, CLIENTS, move || {
            let (s, r2, districts, since) = (s.clone(), r2.clone(), districts.clone(), since.clone());
            async move {
                s.session_load(SESSION_ID, "2000-01-01T00:00:00Z").await?;
                s.user(coordinator).await?;
                let mut f = ReportFilter::new(ReportScope::All);
                let d = districts[pick(&r2, districts.len())];
                match page {
                    Page::List => {
                        s.reports(&f, ReportSort::NewestFirst, 51, 0).await?;
                    }
                    Page::ListFiltered => {
                        f.states = maillage_core::report::State::open();
                        f.district_id = Some(d);
                        s.reports(&f, ReportSort::NewestFirst, 51, 0).await?;
                    }
                    Page::Map => {
                        f.district_id = Some(d);
                        f.created_from = maillage_core::time_fmt::from_storage(&since);
                        s.report_points(&f, 2000).await?;
                    }
                    Page::Detail => {
                        let id = 1 + pick(&r2, max_id as usize) as i64;
                        s.report(id).await?;
                        s.involvements(id).await?;
                        s.report_events(id, None).await?;
                        s.photos(id).await?;
                    }
                    Page::StatsYear => {
                        f.created_from = maillage_core::time_fmt::from_storage(&since);
                        s.report_statistics(&f, StatGroup::District).await?;
                    }
                    Page::StatsAll => {
                        s.report_statistics(&f, StatGroup::Month).await?;
                    }
                    Page::Search => {
                        f.search = maillage_core::report::search::Search::parse("facade")?;
                        s.reports(&f, ReportSort::NewestFirst, 51, 0).await?;
                    }
                    Page::Home => {
                        let open = ReportFilter { states: maillage_core::report::State::open(), ..f.clone() };
                        for g in [
                            ReportFilter { unassigned: true, ..open.clone() },
                            ReportFilter { overdue: true, ..open.clone() },
                            ReportFilter { created_from: Some(maillage_core::time_fmt::paris_week_start(f.now)), ..f.clone() },
                            ReportFilter {
                                closed_from: Some(maillage_core::time_fmt::paris_week_start(f.now)),
                                states: maillage_core::report::State::closed(),
                                ..f.clone()
                            },
                        ] {
                            s.count_reports(&g).await?;
                        }
                        s.reports(&ReportFilter { unassigned: true, ..open.clone() }, ReportSort::OldestFirst, 10, 0).await?;
                        s.reports(&ReportFilter { overdue: true, ..open }, ReportSort::DueFirst, 10, 0).await?;
                    }
                }
                // Categories and organisations: the server keeps them in memory.
                Ok(())
            }
        })
        .await?;
        line(&label, &lat, wall, requests, &base_lat);
        if matches!(page, Page::StatsYear | Page::StatsAll | Page::Map | Page::Search | Page::Home) {
            alone.push((label, path_of.clone()));
        }
    }
    // The heavy pages' own time: one request at a time, nothing else running.
    println!();
    println!("{:<58} {:>8} {:>8}", "one client at a time", "p50 ms", "max ms");
    for (label, path_of) in alone {
        let mut lat = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            client.get(format!("{base}{}", path_of(&rng))).send().await?.bytes().await?;
            lat.push(started.elapsed());
        }
        lat.sort();
        println!("{label:<58} {:>8.2} {:>8.2}", ms(percentile(&lat, 0.5)), ms(lat.last().copied().unwrap_or_default()));
    }
    let (rss, peak) = rss_kib(pid);
    println!();
    println!(
        "server memory: RSS {:.1} MiB after login, {:.1} MiB after the load, peak {:.1} MiB ({count} reports)",
        rss_idle as f64 / 1024.0,
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    Ok(())
}
