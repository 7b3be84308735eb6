//! The evaluation's figures as a table of their own, for exports: one line per figure (year,
//! axis, sheet, what is counted, by what, which part, value), long rather than wide, so that a
//! spreadsheet filters and pivots it. Outside the coordination, counts of people are published
//! (below 5 hidden, and the one that would give them away); counts of actions stay exact.

use crate::App;
use maillage_core::activity::{AGE_BANDS, PUBLICS, SEXES, label};
use maillage_core::publication;
use maillage_store::StoreError;
use maillage_store::activity::ActivityFigures;

/// A figure as it leaves: a count, or what shows in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Count(i64),
    Hidden(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureLine {
    pub year: i32,
    pub axis: i32,
    pub sheet: String,
    pub measure: &'static str,
    /// The breakdown ("" for the total).
    pub by: &'static str,
    pub part: String,
    pub value: Value,
}

pub const HEADERS: [&str; 7] = ["Année", "Axe", "Fiche", "Mesure", "Ventilation", "Catégorie", "Valeur"];

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("écriture du CSV : {0}")]
    Csv(#[from] csv::Error),
    #[error("écriture du CSV : {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Office(#[from] maillage_office::OfficeError),
    #[error("aucune stratégie n'est enregistrée")]
    NoStrategy,
}

/// Counts of people that add up to a total given elsewhere, as they leave.
fn people(counts: &[(String, i64)], masked: bool) -> Vec<Value> {
    if !masked {
        return counts.iter().map(|(_, n)| Value::Count(*n)).collect();
    }
    publication::breakdown(counts)
        .into_iter()
        .zip(counts)
        .map(
            |((_, shown), (_, n))| {
                if publication::is_shown(*n) && shown != publication::WITHHELD { Value::Count(*n) } else { Value::Hidden(shown) }
            },
        )
        .collect()
}

fn one_person_count(n: i64, masked: bool) -> Value {
    if masked && !publication::is_shown(n) { Value::Hidden(publication::count(n)) } else { Value::Count(n) }
}

/// Every figure of every sheet of the current strategy for `year`.
pub async fn lines(app: &App, year: i32, masked: bool) -> Result<Vec<FigureLine>, ExportError> {
    let strategy = app.store.current_strategy().await?.ok_or(ExportError::NoStrategy)?;
    let ids = app.store.sheet_choices().await?;
    let mut out = Vec::new();
    for axis in &strategy.doc.axes {
        for sheet in &axis.sheets {
            let Some(id) = ids.iter().find(|s| s.code == sheet.code).map(|s| s.id) else { continue };
            let f = app.store.activity_figures(year, Some(id)).await?;
            let mut push = |measure: &'static str, by: &'static str, part: String, value: Value| {
                out.push(FigureLine { year, axis: axis.number, sheet: sheet.code.clone(), measure, by, part, value });
            };
            sheet_lines(&f, masked, &mut push);
        }
    }
    Ok(out)
}

fn sheet_lines(f: &ActivityFigures, masked: bool, push: &mut impl FnMut(&'static str, &'static str, String, Value)) {
    push("Actions réalisées", "", String::new(), Value::Count(f.activities));
    push("Participants", "", String::new(), one_person_count(f.participants, masked));
    push("Présences de professionnels", "", String::new(), one_person_count(f.professionals_present, masked));
    for (kind, n) in &f.by_kind {
        push("Actions réalisées", "Type d'action", kind.clone(), Value::Count(*n));
    }
    let sum = |age: &str, sex: &str| f.participants_by.iter().filter(|p| p.1 == age && p.2 == sex).map(|p| p.3).sum::<i64>();
    let cells: Vec<(String, i64)> = AGE_BANDS
        .iter()
        .flat_map(|(a, al)| SEXES.iter().map(move |(s, sl)| (format!("{al} — {sl}"), sum(a, s))))
        .filter(|(_, n)| *n > 0)
        .collect();
    for ((part, _), v) in cells.iter().zip(people(&cells, masked)) {
        push("Participants", "Âge et sexe", part.clone(), v);
    }
    let publics: Vec<(String, i64)> = PUBLICS
        .iter()
        .map(|(c, _)| (label(PUBLICS, c).to_string(), f.participants_by.iter().filter(|p| p.0 == *c).map(|p| p.3).sum()))
        .filter(|(_, n)| *n > 0)
        .collect();
    for ((part, _), v) in publics.iter().zip(people(&publics, masked)) {
        push("Participants", "Public", part.clone(), v);
    }
    let district = |d: &Option<String>| d.clone().unwrap_or_else(|| "Toute la ville".into());
    for (d, a, _) in &f.by_district {
        push("Actions réalisées", "Quartier", district(d), Value::Count(*a));
    }
    let participants: Vec<(String, i64)> = f.by_district.iter().map(|(d, _, p)| (district(d), *p)).filter(|(_, n)| *n > 0).collect();
    for ((part, _), v) in participants.iter().zip(people(&participants, masked)) {
        push("Participants", "Quartier", part.clone(), v);
    }
}

/// CSV in UTF-8 with commas; `french`: semicolons and a byte-order mark, as French
/// spreadsheets open it directly.
pub fn csv(lines: &[FigureLine], french: bool) -> Result<Vec<u8>, ExportError> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    w.write_record(HEADERS)?;
    for l in lines {
        let value = match &l.value {
            Value::Count(n) => n.to_string(),
            Value::Hidden(s) => s.clone(),
        };
        let record =
            [l.year.to_string(), l.axis.to_string(), l.sheet.clone(), l.measure.to_string(), l.by.to_string(), l.part.clone(), value];
        w.write_record(record.iter().map(|c| crate::report::export::csv_cell(c).into_owned()))?;
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

/// The same table as a spreadsheet: counts as numbers, hidden ones as their text.
pub fn ods(lines: &[FigureLine], year: i32) -> Result<Vec<u8>, ExportError> {
    use maillage_office::Cell;
    let rows = lines.iter().map(|l| {
        vec![
            Cell::Number(f64::from(l.year)),
            Cell::Number(f64::from(l.axis)),
            Cell::Text(l.sheet.clone()),
            Cell::Text(l.measure.into()),
            Cell::Text(l.by.into()),
            Cell::Text(l.part.clone()),
            match &l.value {
                Value::Count(n) => Cell::Number(*n as f64),
                Value::Hidden(s) => Cell::Text(s.clone()),
            },
        ]
    });
    Ok(maillage_office::spreadsheet(&format!("Évaluation {year}"), &HEADERS, rows)?)
}
