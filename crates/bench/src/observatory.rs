//! `maillage-bench observatory [PATH-TO-MAILLAGE] [POSTGRES-ADMIN-URL] [--reports N] [--findings N]`:
//! the neighbourhood observatory at scale. It loads N reports (1 000 000 by default) over ten
//! years and 20 districts, a police sector over each half of the city, and N walk findings
//! (100 000 by default, 100 a walk) over the same years and districts; then prints:
//! - the whole count (every record read, placed in its areas, the counts written) and the
//!   hourly count of the recent days, each against a bare read of the same records;
//! - under 16 concurrent clients on loopback, p50 and p99 of a district's page, of a police
//!   sector's page and of the districts' overview, against the same use cases without HTTP.
//!
//! A benchmark prints figures; it asserts nothing.

use crate::{CLIENTS, load, ms, row};
use anyhow::{Context, bail};
use maillage_core::observatory::{Breakdown, Source};
use maillage_core::place::{AreaKind, parse_geojson};
use maillage_store::walk::NewFinding;
use maillage_store::{Author, Store};
use std::time::{Duration, Instant};

const REQUESTS: usize = 800;
const WARM_UP: usize = 10;
const PASSWORD: &str = "Banc-Essai-Observatoire-2026!";
const COORDINATOR: &str = "coordination@bench.example";

fn flag(args: &mut Vec<String>, name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        Some(i) => {
            let n = args.get(i + 1).with_context(|| format!("{name} N"))?.parse()?;
            args.drain(i..i + 2);
            Ok(n)
        }
        None => Ok(default),
    }
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let mut args = args.to_vec();
    let reports = flag(&mut args, "--reports", 1_000_000)?;
    let findings = flag(&mut args, "--findings", 100_000)?;
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let db = crate::Scratch::new("observatory", args.get(1).map(String::as_str)).await?;
    println!(
        "maillage-bench observatory — {}, {reports} reports and {findings} walk findings over 10 years, {CLIENTS} concurrent clients",
        db.backend
    );
    let store = Store::connect(&db.url).await?;
    let (district, sector) = setup(&store, reports, findings).await?;
    db.settle().await?;
    let app = maillage_app::App::new(store.clone(), &maillage_app::AppConfig::default()).await?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());

    // The counts: everything, then the recent days, each against a bare read of the same rows.
    let bare = |since: Option<time::Date>| {
        let store = store.clone();
        async move {
            let started = Instant::now();
            let mut n = 0;
            for source in Source::ALL.iter().copied() {
                let mut after = 0;
                loop {
                    let page = store.observatory_records(source, since, after).await?;
                    let Some(last) = page.last() else { break };
                    after = last.0;
                    n += page.len();
                    if page.len() < maillage_store::observatory::PAGE as usize {
                        break;
                    }
                }
            }
            anyhow::Ok((n, started.elapsed()))
        }
    };
    println!("{:<44} {:>10} {:>10} {:>10} | {:>6}", "count (ms)", "records", "time", "bare read", "ratio");
    let started = Instant::now();
    let n = maillage_app::observatory::refresh(&app, today, true).await?;
    let whole = started.elapsed();
    let (_, base) = bare(None).await?;
    println!(
        "{:<44} {:>10} {:>10.1} {:>10.1} | {:>6.1}",
        "whole count (daily)",
        n,
        ms(whole),
        ms(base),
        whole.as_secs_f64() / base.as_secs_f64()
    );
    let started = Instant::now();
    let n = maillage_app::observatory::refresh(&app, today, false).await?;
    let recent = started.elapsed();
    let (_, base) = bare(Some(today - time::Duration::days(maillage_app::observatory::RECENT_DAYS))).await?;
    println!(
        "{:<44} {:>10} {:>10.1} {:>10.1} | {:>6.1}",
        "recent days' count (hourly)",
        n,
        ms(recent),
        ms(base),
        recent.as_secs_f64() / base.as_secs_f64()
    );
    db.settle().await?;

    let (mut child, base) = db.serve(&bin, &[])?;
    let outcome = measure(&app, &base, district, sector, today).await;
    crate::stop(&mut child);
    store.close().await;
    db.remove().await?;
    outcome
}

/// Loads an organisation, the coordinator, 20 districts, two police sectors, the reports, the
/// walks and their findings; gives a district's and a sector's ids.
async fn setup(store: &Store, reports: usize, findings: usize) -> anyhow::Result<(i64, i64)> {
    let by = Author::system();
    use crate::reports::{TERRITORY, cell, collection, square};
    let (org, districts) = crate::reports::coordinated_city(store, COORDINATOR, PASSWORD).await?;
    let [x0, y0, x1, y1] = TERRITORY;
    let middle = (x0 + x1) / 2.0;
    let sectors = store
        .add_areas(
            &by,
            AreaKind::PoliceSector,
            None,
            false,
            &parse_geojson(&collection(&[square("Secteur ouest", [x0, y0, middle, y1]), square("Secteur est", [middle, y0, x1, y1])]))?,
        )
        .await?;
    let started = Instant::now();
    let leaves = crate::reports::leaves(store).await?;
    crate::reports::load_reports(store, &districts, &[org], &leaves, reports).await?;
    println!("load: {reports} reports in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let walks = findings.div_ceil(100);
    let mut batch = Vec::new();
    for w in 0..walks {
        let d = w % districts.len();
        let draft = maillage_core::walk::WalkDraft {
            kind: "tour_de_quartier".into(),
            walked_on: Some(today - time::Duration::days((w as i64 * 3653 / walks.max(1) as i64) % 3653)),
            district_id: Some(districts[d]),
            ..Default::default()
        };
        let walk = store.create_walk(&by, &maillage_store::walk::NewWalk { draft, organisation_id: Some(org), recorded_by: None }).await?;
        let [cx0, cy0, cx1, cy1] = cell(d);
        for f in 0..100.min(findings - w * 100) {
            let t = f as f64 / 100.0;
            batch.push(NewFinding {
                walk_id: walk,
                item_id: None,
                description: "Éclairage en panne".into(),
                place: "Rue".into(),
                lat: cy0 + (cy1 - cy0) * (0.1 + 0.8 * t),
                lon: cx0 + (cx1 - cx0) * (0.9 - 0.8 * t),
                district_id: Some(districts[d]),
                severity: "gene".into(),
            });
        }
        if batch.len() >= 5_000 {
            store.bulk_insert_walk_findings(&batch).await?;
            batch.clear();
        }
    }
    store.bulk_insert_walk_findings(&batch).await?;
    println!("load: {findings} findings ({walks} walks) in {:.1} s", started.elapsed().as_secs_f64());
    Ok((districts[0], sectors[0]))
}

async fn pages(c: &reqwest::Client, url: String, requests: usize) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let c = c.clone();
    load(requests, CLIENTS, move || {
        let (c, url) = (c.clone(), url.clone());
        async move {
            let r = c.get(&url).send().await?;
            if r.status() != 200 {
                bail!("{url} : {}", r.status());
            }
            r.bytes().await?;
            Ok(())
        }
    })
    .await
}

async fn measure(app: &maillage_app::App, base: &str, district: i64, sector: i64, today: time::Date) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let r = client.post(format!("{base}/connexion")).form(&[("email", COORDINATOR), ("password", PASSWORD)]).send().await?;
    if r.status() != 303 {
        bail!("connexion refusée ({})", r.status());
    }
    println!("{:<44} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>6}", "page (ms)", "p50", "p99", "req/s", "base p50", "base p99", "ratio");
    for (label, area, breakdown) in [
        ("a district's page (36 months, 4 sources)", district, Breakdown::District),
        ("a police sector's page", sector, Breakdown::PoliceSector),
    ] {
        let url = format!("{base}/observatoire/secteurs/{area}");
        pages(&client, url.clone(), WARM_UP * CLIENTS).await?;
        let (lat, wall) = pages(&client, url, REQUESTS).await?;
        let (blat, _) = {
            let app = app.clone();
            load(REQUESTS, CLIENTS, move || {
                let app = app.clone();
                async move {
                    maillage_app::observatory::series(&app, area, breakdown, today, false).await?;
                    app.store.observations(area, maillage_core::observatory::oldest_observation(today), 100).await?;
                    app.store.observatory_subscriptions().await?;
                    Ok(())
                }
            })
            .await?
        };
        row(label, &lat, wall, &blat);
    }
    let url = format!("{base}/observatoire");
    pages(&client, url.clone(), WARM_UP * CLIENTS).await?;
    let (lat, wall) = pages(&client, url, REQUESTS).await?;
    let (blat, _) = {
        let app = app.clone();
        load(REQUESTS, CLIENTS, move || {
            let app = app.clone();
            async move {
                maillage_app::observatory::overview(&app, Breakdown::District, today).await?;
                Ok(())
            }
        })
        .await?
    };
    row("the districts' overview (12 months)", &lat, wall, &blat);
    Ok(())
}
