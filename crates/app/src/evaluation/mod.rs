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
    /// The district the figures were counted in, "Toute la ville" when they were not filtered.
    pub district: String,
    pub axis: i32,
    pub sheet: String,
    pub measure: &'static str,
    /// The breakdown ("" for the total).
    pub by: &'static str,
    pub part: String,
    pub value: Value,
}

pub const HEADERS: [&str; 8] = ["Année", "Quartier", "Axe", "Fiche", "Mesure", "Ventilation", "Catégorie", "Valeur"];

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
    #[error(transparent)]
    Pdf(#[from] maillage_pdf::PdfError),
    #[error("le document n'a pas pu être produit : {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("aucune stratégie n'est enregistrée")]
    NoStrategy,
}

impl Value {
    /// As a page shows it: grouped by thousands, or the text in its place.
    pub fn shown(&self) -> String {
        match self {
            Value::Count(n) => maillage_core::text::number_fr(*n),
            Value::Hidden(s) => s.clone(),
        }
    }
}

/// Counts of people that add up to a total given elsewhere, as they leave.
pub fn people(counts: &[i64], masked: bool) -> Vec<Value> {
    if !masked {
        return counts.iter().map(|n| Value::Count(*n)).collect();
    }
    let labelled: Vec<(String, i64)> = counts.iter().map(|n| (String::new(), *n)).collect();
    publication::breakdown(&labelled)
        .into_iter()
        .zip(counts)
        .map(
            |((_, shown), n)| {
                if publication::is_shown(*n) && shown != publication::WITHHELD { Value::Count(*n) } else { Value::Hidden(shown) }
            },
        )
        .collect()
}

/// One count of people, as it leaves.
pub fn person_count(n: i64, masked: bool) -> Value {
    if masked && !publication::is_shown(n) { Value::Hidden(publication::count(n)) } else { Value::Count(n) }
}

/// A column of a breakdown: its header on a page; in an export, the measure it counts and,
/// for a table of two dimensions, what it adds to the row's part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub measure: &'static str,
    pub part: Option<&'static str>,
}

/// One breakdown of a sheet's figures: rows of a label and a value per column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breakdown {
    pub caption: &'static str,
    /// The rows' header on a page.
    pub row_header: &'static str,
    /// The breakdown in an export ("Ventilation").
    pub by: &'static str,
    pub columns: Vec<Column>,
    pub rows: Vec<(String, Vec<Value>)>,
}

/// The breakdown by district, left out of a district's own figures.
pub const BY_DISTRICT: &str = "Quartier";

const ACTIONS: Column = Column { header: "Actions", measure: "Actions réalisées", part: None };
const PARTICIPANTS: Column = Column { header: "Participants", measure: "Participants", part: None };

/// A sheet's totals as they leave: (actions, participants, presences of professionals).
pub fn totals(f: &ActivityFigures, masked: bool) -> (Value, Value, Value) {
    (Value::Count(f.activities), person_count(f.participants, masked), person_count(f.professionals_present, masked))
}

/// The breakdowns of a sheet's figures, the same for its page and the exports: actions by
/// kind; participants by age band × sex (every public together: one breakdown of the total)
/// and by public; actions and participants by district. Actions point at nobody and stay
/// exact; counts of people are published when `masked`.
pub fn breakdowns(f: &ActivityFigures, masked: bool) -> Vec<Breakdown> {
    let by_kind = Breakdown {
        caption: "Actions réalisées par type",
        row_header: "Type d'action",
        by: "Type d'action",
        columns: vec![ACTIONS],
        rows: f.by_kind.iter().map(|(k, n)| (k.clone(), vec![Value::Count(*n)])).collect(),
    };
    let sum = |age: &str, sex: &str| f.participants_by.iter().filter(|p| p.1 == age && p.2 == sex).map(|p| p.3).sum::<i64>();
    let cells: Vec<i64> = AGE_BANDS.iter().flat_map(|(a, _)| SEXES.iter().map(move |(s, _)| sum(a, s))).collect();
    let mut cells = people(&cells, masked).into_iter();
    let by_age_and_sex = Breakdown {
        caption: "Participants par âge et par sexe",
        row_header: "Âge",
        by: "Âge et sexe",
        columns: SEXES.iter().map(|(_, l)| Column { header: l, measure: "Participants", part: Some(l) }).collect(),
        rows: AGE_BANDS.iter().map(|(_, l)| ((*l).to_string(), cells.by_ref().take(SEXES.len()).collect())).collect(),
    };
    let publics: Vec<i64> = PUBLICS.iter().map(|(c, _)| f.participants_by.iter().filter(|p| p.0 == *c).map(|p| p.3).sum()).collect();
    let by_public = Breakdown {
        caption: "Participants par public",
        row_header: "Public",
        by: "Public",
        columns: vec![PARTICIPANTS],
        rows: PUBLICS.iter().zip(people(&publics, masked)).map(|((c, _), v)| (label(PUBLICS, c).to_string(), vec![v])).collect(),
    };
    let district_people: Vec<i64> = f.by_district.iter().map(|d| d.2).collect();
    let by_district = Breakdown {
        caption: "Par quartier",
        row_header: "Quartier",
        by: BY_DISTRICT,
        columns: vec![ACTIONS, PARTICIPANTS],
        rows: f
            .by_district
            .iter()
            .zip(people(&district_people, masked))
            .map(|((d, a, _), p)| (d.clone().unwrap_or_else(|| "Toute la ville".into()), vec![Value::Count(*a), p]))
            .collect(),
    };
    vec![by_kind, by_age_and_sex, by_public, by_district]
}

/// Every figure of every sheet of the current strategy for `year`, in the whole city or in one
/// district (id, name), one per line; the empty parts of a breakdown (zero) are left out.
pub async fn lines(app: &App, year: i32, district: Option<&(i64, String)>, masked: bool) -> Result<Vec<FigureLine>, ExportError> {
    let strategy = app.store.current_strategy().await?.ok_or(ExportError::NoStrategy)?;
    let ids = app.store.sheet_choices().await?;
    let place = district.map_or_else(|| "Toute la ville".to_string(), |d| d.1.clone());
    let mut out = Vec::new();
    for axis in &strategy.doc.axes {
        for sheet in &axis.sheets {
            let Some(id) = ids.iter().find(|s| s.code == sheet.code).map(|s| s.id) else { continue };
            let f = match district {
                None => app.store.activity_figures(year, Some(id)).await?,
                Some(d) => app.store.activity_figures_in_district(year, Some(id), d.0).await?,
            };
            let line = |measure: &'static str, by: &'static str, part: String, value: Value| FigureLine {
                year,
                district: place.clone(),
                axis: axis.number,
                sheet: sheet.code.clone(),
                measure,
                by,
                part,
                value,
            };
            let (actions, participants, professionals) = totals(&f, masked);
            out.push(line(ACTIONS.measure, "", String::new(), actions));
            out.push(line(PARTICIPANTS.measure, "", String::new(), participants));
            out.push(line("Présences de professionnels", "", String::new(), professionals));
            for b in breakdowns(&f, masked).into_iter().filter(|b| district.is_none() || b.by != BY_DISTRICT) {
                for (row, values) in b.rows {
                    for (column, value) in b.columns.iter().zip(values) {
                        if value == Value::Count(0) {
                            continue;
                        }
                        let part = column.part.map_or_else(|| row.clone(), |p| format!("{row} — {p}"));
                        out.push(line(column.measure, b.by, part, value));
                    }
                }
            }
        }
    }
    Ok(out)
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
        let record = [
            l.year.to_string(),
            l.district.clone(),
            l.axis.to_string(),
            l.sheet.clone(),
            l.measure.to_string(),
            l.by.to_string(),
            l.part.clone(),
            value,
        ];
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
            Cell::Text(l.district.clone()),
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
