//! Exports of reports: CSV in UTF-8 (comma, ISO dates, for other programs), its French
//! spreadsheet variant (semicolon, dd/mm/yyyy dates, decimal comma, byte-order mark so that
//! spreadsheets read the accents right), and OpenDocument (ODS) with typed cells.

use crate::App;
use maillage_core::report::State;
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::report::ReportFilter;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("plus de {ODS_MAX_ROWS} signalements : précisez les filtres, ou prenez l'export CSV, qui n'a pas de limite")]
    TooManyRows,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("écriture du CSV : {0}")]
    Csv(#[from] csv::Error),
    #[error("écriture du CSV : {0}")]
    Io(#[from] std::io::Error),
    #[error("écriture du tableur : {0}")]
    Spreadsheet(String),
}

pub const HEADERS: [&str; 13] = [
    "Numéro",
    "Créé le",
    "Catégorie",
    "État",
    "Quartier",
    "Organisation en charge",
    "Adresse",
    "Latitude",
    "Longitude",
    "Échéance",
    "En retard",
    "Clos le",
    "Description",
];

pub async fn reports_csv(app: &App, filter: &ReportFilter, french: bool) -> Result<Vec<u8>, ExportError> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    w.write_record(HEADERS)?;
    let date = |s: Option<&str>| -> String {
        match (s, french) {
            (None, _) => String::new(),
            (Some(v), true) => time_fmt::from_storage(v).map(time_fmt::datetime_fr).unwrap_or_default().replace(" à ", " "),
            (Some(v), false) => v.to_string(),
        }
    };
    let number = |v: f64| if french { format!("{v:.6}").replace('.', ",") } else { format!("{v:.6}") };
    let now = filter.now.clone();
    let mut failure = None;
    app.store
        .each_report(filter, |r| {
            let record = [
                r.id.to_string(),
                date(Some(&r.created_at)),
                r.category_name.clone(),
                r.state().map(State::label).unwrap_or("").to_string(),
                r.district_name.clone().unwrap_or_default(),
                r.organisation_name.clone().unwrap_or_default(),
                r.address.clone(),
                number(r.lat),
                number(r.lon),
                date(r.due_at.as_deref()),
                if r.is_overdue(&now) { "oui" } else { "non" }.to_string(),
                date(r.closed_at.as_deref()),
                r.description.clone(),
            ];
            if let Err(e) = w.write_record(&record) {
                failure = Some(e);
            }
            Ok(())
        })
        .await?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    w.flush()?;
    drop(w);
    Ok(out)
}

/// A spreadsheet holds at most this many reports; beyond, the CSV export (streamed) is the way.
pub const ODS_MAX_ROWS: usize = 100_000;

pub async fn reports_ods(app: &App, filter: &ReportFilter) -> Result<Vec<u8>, ExportError> {
    use maillage_office::Cell;
    let local = |s: Option<&str>| -> Cell {
        s.and_then(time_fmt::from_storage)
            .map(|t| {
                let t = t.to_offset(time_fmt::paris_offset(t));
                Cell::DateTime(time::PrimitiveDateTime::new(t.date(), t.time()))
            })
            .unwrap_or(Cell::Empty)
    };
    let now = filter.now.clone();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut too_many = false;
    app.store
        .each_report(filter, |r| {
            if rows.len() >= ODS_MAX_ROWS {
                too_many = true;
                return Ok(());
            }
            rows.push(vec![
                Cell::Number(r.id as f64),
                local(Some(&r.created_at)),
                Cell::Text(r.category_name.clone()),
                Cell::Text(r.state().map(State::label).unwrap_or("").to_string()),
                Cell::Text(r.district_name.clone().unwrap_or_default()),
                Cell::Text(r.organisation_name.clone().unwrap_or_default()),
                Cell::Text(r.address.clone()),
                Cell::Number(r.lat),
                Cell::Number(r.lon),
                local(r.due_at.as_deref()),
                Cell::Text(if r.is_overdue(&now) { "oui" } else { "non" }.into()),
                local(r.closed_at.as_deref()),
                Cell::Text(r.description.clone()),
            ]);
            Ok(())
        })
        .await?;
    if too_many {
        return Err(ExportError::TooManyRows);
    }
    tokio::task::spawn_blocking(move || maillage_office::spreadsheet("Signalements", &HEADERS, rows))
        .await
        .map_err(|e| ExportError::Spreadsheet(e.to_string()))?
        .map_err(|e| ExportError::Spreadsheet(e.to_string()))
}
