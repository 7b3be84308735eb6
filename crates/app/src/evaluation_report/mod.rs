//! The yearly report to the plenary (bilan): per axis and sheet, the pilot and operational
//! objectives, the actions carried out and their participants, and every indicator's figures
//! against its targets. Aggregates only, built from the board and the counts kept ahead: nothing
//! nominative can enter it. Outside the coordination its counts of people are published. Built
//! once as a `Document`, written as ODT and as accessible, archival PDF; its indicators as one
//! line per figure in ODS and CSV.

use crate::App;
use crate::evaluation::{ExportError, Value, person_count};
use crate::indicator::{BoardLine, board};
use maillage_core::chart::{Bar, alt_text, bar_chart};
use maillage_core::document::{Block, Document};
use maillage_core::indicator::Source;
use maillage_core::text::number_fr;

/// One figure of an indicator, as its line in the exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorLine {
    pub axis: i32,
    pub sheet: String,
    pub indicator: String,
    pub unit: String,
    pub source: &'static str,
    pub period: String,
    /// The period's short code ("2020", "2020-S1"), for charts.
    pub code: String,
    pub value: Option<Value>,
    pub target: Option<i64>,
    pub judgement: &'static str,
}

pub const HEADERS: [&str; 10] = ["Année", "Axe", "Fiche", "Indicateur", "Unité", "Origine", "Période", "Valeur", "Cible", "Appréciation"];

fn lines_of(board: &[BoardLine]) -> Vec<IndicatorLine> {
    board
        .iter()
        .flat_map(|l| {
            let i = &l.indicator.indicator;
            l.periods.iter().map(move |c| IndicatorLine {
                axis: l.indicator.axis,
                sheet: i.sheet.clone(),
                indicator: i.label.clone(),
                unit: i.unit.clone(),
                source: if i.source == Source::Declared { "Déclaré" } else { "Calculé" },
                period: c.period.label(),
                code: c.period.code(),
                value: (!c.missing).then(|| c.value.clone()),
                target: c.target,
                judgement: c.judgement(),
            })
        })
        .collect()
}

/// Every indicator's figures of `year`, as they leave (`masked` outside the coordination).
pub async fn indicator_lines(app: &App, year: i32, masked: bool) -> Result<Vec<IndicatorLine>, ExportError> {
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    Ok(lines_of(&board(app, year, None, masked, today).await?))
}

fn shown(v: &Option<Value>) -> String {
    v.as_ref().map_or_else(|| "—".to_string(), Value::shown)
}

/// Each indicator's figures from the strategy's first year to `year`, for its chart.
async fn history(app: &App, first: i32, year: i32, masked: bool) -> Result<Vec<IndicatorLine>, ExportError> {
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let mut lines = Vec::new();
    for y in first.min(year)..year {
        lines.extend(lines_of(&board(app, y, None, masked, today).await?));
    }
    Ok(lines)
}

/// An indicator's chart, values against targets over the years, and its figures as the table
/// that follows it: only for an indicator that has a target, and something to draw.
fn indicator_chart(indicator: &str, unit: &str, lines: &[&IndicatorLine]) -> Vec<Block> {
    if lines.iter().all(|l| l.target.is_none()) {
        return Vec::new();
    }
    let bars: Vec<Bar> = lines
        .iter()
        .filter_map(|l| match &l.value {
            Some(Value::Count(n)) => Some(Bar { target: l.target, ..Bar::new(l.code.clone(), *n) }),
            _ => None,
        })
        .collect();
    let title = format!("{indicator} : valeurs et cibles (trait pointillé)");
    let Some(svg) = bar_chart(&title, &bars) else { return Vec::new() };
    vec![
        Block::Chart { svg, alt: alt_text(&title) },
        Block::Table {
            caption: format!("{indicator} ({unit}) : valeurs et cibles par période"),
            header: ["Période", "Valeur", "Cible", "Appréciation"].map(String::from).to_vec(),
            rows: lines
                .iter()
                .map(|l| vec![l.period.clone(), shown(&l.value), l.target.map_or_else(|| "—".into(), number_fr), l.judgement.to_string()])
                .collect(),
        },
    ]
}

/// The report, as one document for its writers.
pub async fn build(app: &App, year: i32, masked: bool) -> Result<Document, ExportError> {
    let strategy = app.store.current_strategy().await?.ok_or(ExportError::NoStrategy)?;
    let doc = &strategy.doc;
    let lines = indicator_lines(app, year, masked).await?;
    // The charts hold values against targets: without any target there is nothing to chart,
    // and the past years' boards are not read. At most five years back.
    let charted = doc.indicators.iter().any(|i| !i.targets.is_empty());
    let mut past = if charted { history(app, doc.period_start.max(year - 5), year, masked).await? } else { Vec::new() };
    past.extend(lines.iter().cloned());
    let sheets = app.store.sheet_choices().await?;
    let counts = app.store.activity_tally_by_sheet(year).await?;
    let adopted = app.store.adopted_years().await?.into_iter().find(|a| a.year == year);
    let (conclusions, total) = crate::decision::dashboard(app, year).await?;
    let title = format!("Bilan {year} — {}, {}", doc.title, doc.territory);
    let mut blocks = vec![Block::heading(1, title.clone())];
    let status = match &adopted {
        Some(a) => {
            format!("Bilan adopté en séance plénière le {} : ses chiffres sont verrouillés.", maillage_core::time_fmt::day_fr(a.adopted_on))
        }
        None => "Projet de bilan : les chiffres peuvent encore évoluer jusqu'à son adoption en séance plénière.".to_string(),
    };
    blocks.push(Block::paragraph(format!(
        "Stratégie {}–{}. Document établi le {} à partir des actions réalisées, des signalements, des groupes de travail, des travaux d'intérêt général et des chiffres déclarés par les partenaires et validés par la coordination. {status}",
        doc.period_start,
        doc.period_end,
        maillage_core::time_fmt::day_fr(maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now())),
    )));
    blocks.push(Block::paragraph(if masked {
        "Agrégats seulement, aucune donnée nominative. Les nombres de personnes inférieurs à 5 sont indiqués « < 5 », et celui qui permettrait de les retrouver n'est pas publié."
    } else {
        "Agrégats seulement, aucune donnée nominative. Chiffres exacts, pour la coordination : avant diffusion hors de la coordination, utilisez la version publiée."
    }));
    blocks.push(Block::paragraph(format!("Objectifs opérationnels de la stratégie : {}.", total.summary())));
    let concluded = |code: &str| conclusions.iter().flat_map(|a| &a.sheets).find(|s| s.code == code);
    for axis in &doc.axes {
        blocks.push(Block::heading(2, format!("Axe {} — {}", axis.number, axis.title)));
        if let Some(a) = conclusions.iter().find(|a| a.number == axis.number) {
            blocks.push(Block::paragraph(format!("Objectifs opérationnels de l'axe : {}.", a.rollup.summary())));
        }
        for sheet in &axis.sheets {
            blocks.push(Block::heading(3, format!("Fiche {} — {}", sheet.code, sheet.title)));
            blocks.push(Block::paragraph(format!("Pilote : {}", sheet.pilot)));
            let c = concluded(&sheet.code);
            if !sheet.operational_objectives.is_empty() {
                blocks.push(Block::paragraph("Objectifs opérationnels :"));
                let items = match c {
                    Some(c) => c.objectives.iter().map(|(o, s)| format!("{o} — {}", s.label())).collect(),
                    None => sheet.operational_objectives.clone(),
                };
                blocks.push(Block::List { items });
            }
            if let Some(j) = c.and_then(|c| c.judgement.as_ref()) {
                blocks.push(Block::paragraph(format!("Appréciation {year} : {}.", j.rag.label())));
                if !j.analysis.is_empty() {
                    blocks.push(Block::paragraph(format!("Analyse : {}", j.analysis)));
                }
                if !j.recommendations.is_empty() {
                    blocks.push(Block::paragraph(format!("Recommandations : {}", j.recommendations)));
                }
            }
            if let Some(c) = c.filter(|c| !c.decisions.is_empty()) {
                blocks.push(Block::Table {
                    caption: format!("Fiche {} : décisions {year}", sheet.code),
                    header: ["Décision", "Responsable", "Échéance", "État"].map(String::from).to_vec(),
                    rows: c
                        .decisions
                        .iter()
                        .map(|d| {
                            vec![
                                d.text.clone(),
                                d.owner.clone(),
                                d.due_on.map_or_else(|| "—".into(), maillage_core::time_fmt::day_fr),
                                d.done_on
                                    .map_or_else(|| "Ouverte".into(), |on| format!("Réalisée le {}", maillage_core::time_fmt::day_fr(on))),
                            ]
                        })
                        .collect(),
                });
            }
            let id = sheets.iter().find(|s| s.code == sheet.code).map(|s| s.id);
            let (activities, participants) = counts.iter().find(|c| Some(c.0) == id).map_or((0, 0), |c| (c.1, c.2));
            blocks.push(Block::paragraph(format!(
                "Actions réalisées en {year} : {} ; participants : {}.",
                number_fr(activities),
                person_count(participants, masked).shown()
            )));
            let rows: Vec<Vec<String>> = lines
                .iter()
                .filter(|l| l.sheet == sheet.code)
                .map(|l| {
                    vec![
                        format!("{} ({})", l.indicator, l.unit),
                        l.source.to_string(),
                        l.period.clone(),
                        shown(&l.value),
                        l.target.map_or_else(|| "—".into(), number_fr),
                        l.judgement.to_string(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                blocks.push(Block::Table {
                    caption: format!("Fiche {} : indicateurs {year}", sheet.code),
                    header: ["Indicateur", "Origine", "Période", "Valeur", "Cible", "Appréciation"].map(String::from).to_vec(),
                    rows,
                });
            }
            let mut seen: Vec<&str> = Vec::new();
            for l in lines.iter().filter(|l| l.sheet == sheet.code) {
                if seen.contains(&l.indicator.as_str()) {
                    continue;
                }
                seen.push(&l.indicator);
                let own: Vec<&IndicatorLine> = past.iter().filter(|p| p.sheet == l.sheet && p.indicator == l.indicator).collect();
                blocks.extend(indicator_chart(&l.indicator, &l.unit, &own));
            }
        }
    }
    blocks.extend(national_alignment(app, doc, year).await?);
    Ok(Document { title, blocks })
}

/// How the sheets serve the national frameworks in force during `year`.
async fn national_alignment(app: &App, doc: &maillage_core::strategy::StrategyDocument, year: i32) -> Result<Vec<Block>, ExportError> {
    let frameworks = app.store.national_frameworks().await?;
    let in_force: Vec<_> = frameworks.iter().filter(|f| (f.framework.period_start..=f.framework.period_end).contains(&year)).collect();
    if in_force.is_empty() {
        return Ok(Vec::new());
    }
    let codes: Vec<String> = doc.sheets().map(|(_, s)| s.code.clone()).collect();
    let mut blocks = vec![Block::heading(2, "Alignement sur la stratégie nationale")];
    for f in in_force {
        let f = &f.framework;
        let links = app.store.national_alignment(&doc.code, &f.code).await?;
        let c = maillage_core::national_framework::coverage(f, &codes, &links);
        blocks.push(Block::paragraph(format!(
            "{} ({}–{}, {}) : {} axe(s) sur {} servis par les fiches locales.",
            f.title,
            f.period_start,
            f.period_end,
            f.status.label(),
            c.covered(),
            c.axes.len()
        )));
        blocks.push(Block::Table {
            caption: format!("{} : axes et fiches locales", f.title),
            header: ["Axe national", "Fiches locales", "Couverture"].map(String::from).to_vec(),
            rows: c
                .axes
                .iter()
                .map(|a| {
                    let sheets = if a.sheets.is_empty() { "Aucune".to_string() } else { a.sheets.join(", ") };
                    let state = if a.sheets.is_empty() { "Non couvert" } else { "Couvert" };
                    vec![format!("Axe {} — {}", a.number, a.title), sheets, state.to_string()]
                })
                .collect(),
        });
        if !c.unaligned.is_empty() {
            blocks.push(Block::paragraph(format!("Fiches qui ne servent aucun axe de ce cadre : {}.", c.unaligned.join(", "))));
        }
    }
    Ok(blocks)
}

/// The report as an ODT document.
pub async fn odt(app: &App, year: i32, masked: bool) -> Result<Vec<u8>, ExportError> {
    let doc = build(app, year, masked).await?;
    Ok(tokio::task::spawn_blocking(move || maillage_office::odt::write(&doc)).await??)
}

/// The report as an accessible, archival PDF (PDF/A-2a and PDF/UA-1).
pub async fn pdf(app: &App, year: i32, masked: bool) -> Result<std::sync::Arc<Vec<u8>>, ExportError> {
    let doc = build(app, year, masked).await?;
    let author = app.store.current_strategy().await?.map_or_else(String::new, |s| format!("CLSPD — {}", s.doc.territory));
    crate::printed::pdf(app, doc, author).await
}

/// The whole strategy document as PDF.
pub async fn strategy_pdf(app: &App, strategy: &maillage_core::strategy::StrategyDocument) -> Result<std::sync::Arc<Vec<u8>>, ExportError> {
    crate::printed::pdf(app, maillage_core::strategy::as_document(strategy), format!("CLSPD — {}", strategy.territory)).await
}

/// The whole strategy document as ODT.
pub async fn strategy_odt(strategy: &maillage_core::strategy::StrategyDocument) -> Result<Vec<u8>, ExportError> {
    let doc = maillage_core::strategy::as_document(strategy);
    Ok(tokio::task::spawn_blocking(move || maillage_office::odt::write(&doc)).await??)
}

/// The indicators' CSV described as a Frictionless Table Schema (specs.frictionlessdata.io):
/// each column's name, type and meaning, so that a program reads the file without guessing. A
/// count not published outside the coordination is a missing value, said as it is written.
pub fn table_schema() -> serde_json::Value {
    let field = |name: &str, kind: &str, description: &str| serde_json::json!({ "name": name, "type": kind, "description": description });
    let mut origin = field("Origine", "string", "Calculé à partir des enregistrements, ou déclaré par les partenaires et validé");
    origin["constraints"] = serde_json::json!({ "enum": ["Calculé", "Déclaré"] });
    let mut value = field(
        "Valeur",
        "integer",
        "Valeur de la période ; vide si aucun chiffre validé, « < 5 » ou « non publié » hors de la coordination",
    );
    value["constraints"] = serde_json::json!({ "minimum": 0 });
    serde_json::json!({
        "fields": [
            field("Année", "integer", "Année du bilan"),
            field("Axe", "integer", "Numéro de l'axe de la stratégie"),
            field("Fiche", "string", "Code de la fiche action (axe.rang)"),
            field("Indicateur", "string", "Libellé de l'indicateur, tel que dans la fiche"),
            field("Unité", "string", "Ce que compte l'indicateur"),
            origin,
            field("Période", "string", "Année, semestre ou année scolaire"),
            value,
            field("Cible", "integer", "Cible fixée pour la période ; vide s'il n'y en a pas"),
            field("Appréciation", "string", "La valeur face à sa cible"),
        ],
        "missingValues": ["", maillage_core::publication::count(1), maillage_core::publication::WITHHELD],
    })
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::Count(n)) => n.to_string(),
        Some(Value::Hidden(s)) => s.clone(),
    }
}

/// The indicators' figures as CSV, UTF-8 (`french`: semicolons and a byte-order mark, for a
/// French spreadsheet).
pub fn csv(lines: &[IndicatorLine], year: i32, french: bool) -> Result<Vec<u8>, ExportError> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    w.write_record(HEADERS)?;
    for l in lines {
        let record = [
            year.to_string(),
            l.axis.to_string(),
            l.sheet.clone(),
            l.indicator.clone(),
            l.unit.clone(),
            l.source.to_string(),
            l.period.clone(),
            value_text(&l.value),
            l.target.map(|t| t.to_string()).unwrap_or_default(),
            l.judgement.to_string(),
        ];
        w.write_record(record.iter().map(|c| crate::report::export::csv_cell(c).into_owned()))?;
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

/// The indicators' figures as an ODS spreadsheet, numbers as numbers.
pub fn ods(lines: &[IndicatorLine], year: i32) -> Result<Vec<u8>, ExportError> {
    use maillage_office::Cell;
    let rows = lines.iter().map(|l| {
        vec![
            Cell::Number(f64::from(year)),
            Cell::Number(f64::from(l.axis)),
            Cell::Text(l.sheet.clone()),
            Cell::Text(l.indicator.clone()),
            Cell::Text(l.unit.clone()),
            Cell::Text(l.source.into()),
            Cell::Text(l.period.clone()),
            match &l.value {
                None => Cell::Empty,
                Some(Value::Count(n)) => Cell::Number(*n as f64),
                Some(Value::Hidden(s)) => Cell::Text(s.clone()),
            },
            l.target.map_or(Cell::Empty, |t| Cell::Number(t as f64)),
            Cell::Text(l.judgement.into()),
        ]
    });
    Ok(maillage_office::spreadsheet(&format!("Indicateurs {year}"), &HEADERS, rows)?)
}
