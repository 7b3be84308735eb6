//! The yearly report to the plenary (bilan): per axis and sheet, the pilot and operational
//! objectives, the actions carried out and their participants, and every indicator's figures
//! against its targets. Aggregates only, built from the board and the counts kept ahead: nothing
//! nominative can enter it. Outside the coordination its counts of people are published. As an
//! ODT document, and its indicators as one line per figure in ODS and CSV.

use crate::App;
use crate::evaluation::{ExportError, Value, person_count};
use crate::indicator::{BoardLine, board};
use maillage_core::indicator::Source;
use maillage_core::text::number_fr;
use maillage_office::odt::{Block, Document};

/// One figure of an indicator, as its line in the exports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorLine {
    pub axis: i32,
    pub sheet: String,
    pub indicator: String,
    pub unit: String,
    pub source: &'static str,
    pub period: String,
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

/// The report as an ODT document.
pub async fn document(app: &App, year: i32, masked: bool) -> Result<Vec<u8>, ExportError> {
    let strategy = app.store.current_strategy().await?.ok_or(ExportError::NoStrategy)?;
    let doc = &strategy.doc;
    let lines = indicator_lines(app, year, masked).await?;
    let sheets = app.store.sheet_choices().await?;
    let counts = app.store.activity_tally_by_sheet(year).await?;
    let adopted = app.store.adopted_years().await?.into_iter().find(|a| a.year == year);
    let title = format!("Bilan {year} — {}, {}", doc.title, doc.territory);
    let mut blocks = vec![Block::Heading(1, title.clone())];
    let status = match &adopted {
        Some(a) => {
            format!("Bilan adopté en séance plénière le {} : ses chiffres sont verrouillés.", maillage_core::time_fmt::day_fr(a.adopted_on))
        }
        None => "Projet de bilan : les chiffres peuvent encore évoluer jusqu'à son adoption en séance plénière.".to_string(),
    };
    blocks.push(Block::Paragraph(format!(
        "Stratégie {}–{}. Document établi le {} à partir des actions réalisées, des signalements, des groupes de travail, des travaux d'intérêt général et des chiffres déclarés par les partenaires et validés par la coordination. {status}",
        doc.period_start,
        doc.period_end,
        maillage_core::time_fmt::day_fr(maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now())),
    )));
    blocks.push(Block::Paragraph(if masked {
        "Agrégats seulement, aucune donnée nominative. Les nombres de personnes inférieurs à 5 sont indiqués « < 5 », et celui qui permettrait de les retrouver n'est pas publié.".into()
    } else {
        "Agrégats seulement, aucune donnée nominative. Chiffres exacts, pour la coordination : avant diffusion hors de la coordination, utilisez la version publiée.".into()
    }));
    for axis in &doc.axes {
        blocks.push(Block::Heading(2, format!("Axe {} — {}", axis.number, axis.title)));
        for sheet in &axis.sheets {
            blocks.push(Block::Heading(3, format!("Fiche {} — {}", sheet.code, sheet.title)));
            blocks.push(Block::Paragraph(format!("Pilote : {}", sheet.pilot)));
            if !sheet.operational_objectives.is_empty() {
                blocks.push(Block::Paragraph(format!("Objectifs opérationnels :\n– {}", sheet.operational_objectives.join("\n– "))));
            }
            let id = sheets.iter().find(|s| s.code == sheet.code).map(|s| s.id);
            let (activities, participants) = counts.iter().find(|c| Some(c.0) == id).map_or((0, 0), |c| (c.1, c.2));
            blocks.push(Block::Paragraph(format!(
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
        }
    }
    Ok(maillage_office::odt::write(&Document { title, blocks })?)
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
