//! `maillage-bench activities [PATH-TO-MAILLAGE] [ACTIVITIES] [POSTGRES-ADMIN-URL] [--reports N]`:
//! the evaluation at scale. It loads the shipped strategy and ACTIVITIES activities (100 000 by
//! default) spread over ten years, 20 districts and the strategy's sheets, each with four
//! participant lines, and N reports over the same ten years and districts (1 000 000 by default:
//! the indicators computed from reports count them), starts `maillage serve` on them, logs the
//! coordinator in, warms the server up (on PostgreSQL, after a vacuum of the load), and prints,
//! for last year:
//! - under 16 concurrent clients on loopback: p50 and p99 of the whole strategy's evaluation
//!   and of a sheet's, each against its bare store calls in the same run; of the indicators'
//!   board and of one indicator's page, against the same use cases called without HTTP;
//! - the yearly report (ODT) and its indicators (ODS), and the year's ODS export of the
//!   activities' figures, one request at a time: p50 and slowest.
//!
//! A benchmark prints figures; it asserts nothing.

use crate::{CLIENTS, load, ms, percentile, row};
use anyhow::{Context, bail};
use maillage_core::activity::{ActivityDraft, Participants};
use maillage_store::activity::tally::ALL_SHEETS;
use maillage_store::{Author, Store};
use std::time::{Duration, Instant};

const REQUESTS: usize = 800;
const WARM_UP: usize = 10;
const EXPORTS: usize = 10;
const PASSWORD: &str = "Banc-Essai-Evaluation-2026!";
const COORDINATOR: &str = "coordination@bench.example";
const STRATEGY: &str = include_str!("../../../data/strategies/gennevilliers-2019-2021.toml");
const KINDS: &[&str] = &["atelier", "formation", "reunion_partenaires", "intervention_prevention", "evenement", "tour_de_quartier"];

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let (args, reports) = match args.iter().position(|a| a == "--reports") {
        Some(i) => {
            let n: usize = args.get(i + 1).context("--reports N")?.parse()?;
            ([&args[..i], args.get(i + 2..).unwrap_or_default()].concat(), n)
        }
        None => (args.to_vec(), 1_000_000),
    };
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let count: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let db = crate::Scratch::new("activities", args.get(2).map(String::as_str)).await?;
    println!(
        "maillage-bench activities — {}, {count} activities and {reports} reports over 10 years, {CLIENTS} concurrent clients",
        db.backend
    );
    let store = Store::connect(&db.url).await?;
    let year = setup(&store, count, reports).await?;
    db.settle().await?;
    let (mut child, base) = db.serve(&bin, &[])?;
    let outcome = measure(&store, &base, year).await;
    crate::stop(&mut child);
    store.close().await;
    db.remove().await?;
    outcome
}

/// Loads the strategy, an organisation, the coordinator, 20 districts, the activities and the
/// reports; gives
/// the year measured (last year: a whole one).
async fn setup(store: &Store, count: usize, reports: usize) -> anyhow::Result<i32> {
    let by = Author::system();
    let doc = maillage_core::strategy::parse_file("gennevilliers-2019-2021.toml", STRATEGY)?;
    store.save_strategy(&by, &doc, "banc d'essai").await?;
    let (org, districts) = crate::reports::coordinated_city(store, COORDINATOR, PASSWORD).await?;
    let sheets = store.sheet_choices().await?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let first = time::Date::from_calendar_date(today.year() - 9, time::Month::January, 1)?;
    let span = (today - first).whole_days().max(1);
    let started = Instant::now();
    let mut batch = Vec::new();
    for i in 0..count {
        let day = first + time::Duration::days((i as i64 * 7919) % span);
        let line = |public: &str, age: &str, sex: &str, n: i64| Participants {
            public: public.into(),
            age_band: age.into(),
            sex: sex.into(),
            count: n,
        };
        let n = (i % 17) as i64 + 1;
        batch.push((
            Some(org),
            ActivityDraft {
                kind: KINDS[i % KINDS.len()].into(),
                title: format!("Action {i}"),
                started_on: Some(day),
                ended_on: None,
                sheet_ids: if i % 3 == 0 {
                    vec![sheets[i % sheets.len()].id, sheets[(i + 1) % sheets.len()].id]
                } else {
                    vec![sheets[i % sheets.len()].id]
                },
                district_id: (i % 5 != 0).then(|| districts[i % districts.len()]),
                organisation_ids: Vec::new(),
                participants: vec![
                    line("jeunes", "12_15", "F", n),
                    line("jeunes", "12_15", "M", n + 1),
                    line("jeunes", "16_17", "F", n + 2),
                    line("familles", "26_plus", "F", 2),
                ],
                professionals_present: 2,
                note: String::new(),
            },
        ));
        if batch.len() == 2_000 {
            store.bulk_activities(&batch).await?;
            batch.clear();
        }
    }
    store.bulk_activities(&batch).await?;
    println!("load: {count} activities in {:.1} s", started.elapsed().as_secs_f64());
    if reports > 0 {
        let started = Instant::now();
        let leaves = crate::reports::leaves(store).await?;
        crate::reports::load_reports(store, &districts, &[org], &leaves, reports).await?;
        println!("load: {reports} reports in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(today.year() - 1)
}

async fn get_ok(c: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let r = c.get(url).send().await?;
    if r.status() != 200 {
        bail!("{url} : {}", r.status());
    }
    r.bytes().await?;
    Ok(())
}

async fn pages(c: &reqwest::Client, url: String, requests: usize) -> anyhow::Result<(Vec<Duration>, Duration)> {
    let c = c.clone();
    load(requests, CLIENTS, move || {
        let (c, url) = (c.clone(), url.clone());
        async move { get_ok(&c, &url).await }
    })
    .await
}

async fn measure(store: &Store, base: &str, year: i32) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let r = client.post(format!("{base}/connexion")).form(&[("email", COORDINATOR), ("password", PASSWORD)]).send().await?;
    if r.status() != 303 {
        bail!("connexion refusée ({})", r.status());
    }
    let strategy_url = format!("{base}/evaluation?annee={year}");
    let sheet_url = format!("{base}/evaluation/fiches/1.1?annee={year}");
    pages(&client, strategy_url.clone(), WARM_UP * CLIENTS).await?;
    pages(&client, sheet_url.clone(), WARM_UP * CLIENTS).await?;
    println!("{:<44} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>6}", "page (ms)", "p50", "p99", "req/s", "base p50", "base p99", "ratio");

    let (lat, wall) = pages(&client, strategy_url, REQUESTS).await?;
    let (blat, _) = {
        let s = store.clone();
        load(REQUESTS, CLIENTS, move || {
            let s = s.clone();
            async move {
                s.current_strategy().await?;
                s.sheet_choices().await?;
                s.activity_tally_by_sheet(year).await?;
                s.activity_figures(year, None).await?;
                s.activity_tally_years(ALL_SHEETS).await?;
                Ok(())
            }
        })
        .await?
    };
    row("whole strategy's evaluation (year)", &lat, wall, &blat);

    let sheet_id = store.sheet_choices().await?.into_iter().find(|s| s.code == "1.1").map(|s| s.id).context("fiche 1.1")?;
    let (lat, wall) = pages(&client, sheet_url, REQUESTS).await?;
    let (blat, _) = {
        let s = store.clone();
        load(REQUESTS, CLIENTS, move || {
            let s = s.clone();
            async move {
                s.current_strategy().await?;
                s.sheet_choices().await?;
                s.activity_figures(year, Some(sheet_id)).await?;
                s.activity_tally_years(sheet_id).await?;
                Ok(())
            }
        })
        .await?
    };
    row("a sheet's evaluation (year)", &lat, wall, &blat);

    // The indicators: every one of the year against its target, and one indicator's page over
    // the years; the baseline is the same use case called without HTTP.
    let app = maillage_app::App::new(store.clone(), &maillage_app::AppConfig::default()).await?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let board_url = format!("{base}/evaluation/indicateurs?annee={year}");
    pages(&client, board_url.clone(), WARM_UP * CLIENTS).await?;
    let (lat, wall) = pages(&client, board_url, REQUESTS).await?;
    let (blat, _) = {
        let app = app.clone();
        load(REQUESTS, CLIENTS, move || {
            let app = app.clone();
            async move {
                maillage_app::indicator::board(&app, year, None, false, today).await?;
                Ok(())
            }
        })
        .await?
    };
    row("indicators' board (39, year)", &lat, wall, &blat);
    let young = maillage_app::indicator::indicators(&app)
        .await?
        .into_iter()
        .find(|i| i.indicator.sheet == "1.1" && i.indicator.label.starts_with("Nombre de jeunes âge"))
        .context("indicateur 1.1")?;
    let indicator_url = format!("{base}/evaluation/indicateurs/{}?annee={year}", young.id);
    pages(&client, indicator_url.clone(), WARM_UP * CLIENTS).await?;
    let (lat, wall) = pages(&client, indicator_url, REQUESTS).await?;
    let first = store.current_strategy().await?.context("stratégie")?.doc.period_start.min(year);
    let (blat, _) = {
        let (app, young) = (app.clone(), young.clone());
        load(REQUESTS, CLIENTS, move || {
            let (app, young) = (app.clone(), young.clone());
            async move {
                for y in first..=today.year() {
                    maillage_app::indicator::figure(&app, &young, maillage_core::indicator::Period::Year(y), today).await?;
                }
                Ok(())
            }
        })
        .await?
    };
    row("an indicator's page (years since 2019, breakdowns)", &lat, wall, &blat);

    // One request at a time: the yearly report's document, its indicators' spreadsheet and the
    // activities' figures as ODS, each against the same work without HTTP.
    let mut serial = Vec::new();
    for (what, path) in [
        ("yearly report (ODT)", "evaluation/bilan/bilan.odt"),
        ("yearly report's indicators (ODS)", "evaluation/bilan/indicateurs.ods"),
        ("year's ODS export", "evaluation/export.ods"),
    ] {
        let (mut times, mut bare, mut size) = (Vec::new(), Vec::new(), 0);
        for _ in 0..EXPORTS {
            let t = Instant::now();
            let r = client.get(format!("{base}/{path}?annee={year}")).send().await?;
            if r.status() != 200 {
                bail!("{what} : {}", r.status());
            }
            size = r.bytes().await?.len();
            times.push(t.elapsed());
            let t = Instant::now();
            match path {
                "evaluation/bilan/bilan.odt" => drop(maillage_app::evaluation_report::odt(&app, year, false).await?),
                "evaluation/bilan/indicateurs.ods" => {
                    let lines = maillage_app::evaluation_report::indicator_lines(&app, year, false).await?;
                    maillage_app::evaluation_report::ods(&lines, year)?;
                }
                _ => {
                    for s in store.sheet_choices().await? {
                        store.activity_figures(year, Some(s.id)).await?;
                    }
                }
            }
            bare.push(t.elapsed());
        }
        serial.push((what, size, times, bare));
    }
    // The PDF: the server keeps a typeset document by its content, so its first download is
    // typeset and the next ones are found again; the typesetting alone is timed apart.
    let mut pdf_times = Vec::new();
    let mut pdf_size = 0;
    for _ in 0..EXPORTS {
        let t = Instant::now();
        let r = client.get(format!("{base}/evaluation/bilan/bilan.pdf?annee={year}")).send().await?;
        if r.status() != 200 {
            bail!("yearly report (PDF) : {}", r.status());
        }
        pdf_size = r.bytes().await?.len();
        pdf_times.push(t.elapsed());
    }
    let mut typeset = Vec::new();
    for _ in 0..EXPORTS {
        let t = Instant::now();
        let doc = maillage_app::evaluation_report::build(&app, year, false).await?;
        tokio::task::spawn_blocking(move || maillage_pdf::write(&doc, "CLSPD", (2026, 1, 1))).await??;
        typeset.push(t.elapsed());
    }
    let first = pdf_times.first().copied().unwrap_or_default();
    let mut kept = pdf_times[1..].to_vec();
    kept.sort();
    typeset.sort();
    println!(
        "yearly report (PDF/A-2a, PDF/UA-1, {} kB): first download {:.1} ms (typeset), then p50 {:.1} ms (kept) | built and typeset without HTTP p50 {:.1} ms, slowest {:.1} ms",
        pdf_size / 1024,
        ms(first),
        ms(percentile(&kept, 0.5)),
        ms(percentile(&typeset, 0.5)),
        ms(typeset.last().copied().unwrap_or_default())
    );
    for (what, size, mut times, mut bare) in serial {
        times.sort();
        bare.sort();
        println!(
            "{what}, one at a time ({} kB): p50 {:.1} ms, slowest {:.1} ms | without HTTP p50 {:.1} ms",
            size / 1024,
            ms(percentile(&times, 0.5)),
            ms(times.last().copied().unwrap_or_default()),
            ms(percentile(&bare, 0.5))
        );
    }
    Ok(())
}
