//! Exports of reports: CSV in UTF-8 (comma, ISO dates, for other programs), its French
//! spreadsheet variant (semicolon, dd/mm/yyyy dates, decimal comma, byte-order mark so that
//! spreadsheets read the accents right), and OpenDocument (ODS) with typed cells.

use crate::App;
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::report::ReportFilter;
use time::OffsetDateTime;

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

/// A CSV cell as a spreadsheet will read it: text that a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, as
/// OWASP advises, so that text written by partners or Open311 clients is never run when the
/// coordinator opens the file. A plain number (a negative longitude) is left as it is: a
/// spreadsheet reads it as the number it is. Every CSV export goes through here.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let is_number = || text.replace(',', ".").parse::<f64>().is_ok_and(f64::is_finite);
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_number() => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

pub async fn reports_csv(app: &App, filter: &ReportFilter, french: bool) -> Result<Vec<u8>, ExportError> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    w.write_record(HEADERS)?;
    let date = |t: Option<OffsetDateTime>| -> String {
        match (t, french) {
            (None, _) => String::new(),
            (Some(t), true) => time_fmt::datetime_fr(t).replace(" à ", " "),
            (Some(t), false) => time_fmt::to_storage(t),
        }
    };
    let number = |v: f64| if french { format!("{v:.6}").replace('.', ",") } else { format!("{v:.6}") };
    let now = filter.now;
    let mut failure = None;
    app.store
        .each_report(filter, |r| {
            let record = [
                r.id.to_string(),
                date(Some(r.created_at)),
                r.category_name.clone(),
                r.state.label().to_string(),
                r.district_name.clone().unwrap_or_default(),
                r.organisation_name.clone().unwrap_or_default(),
                r.address.clone(),
                number(r.lat),
                number(r.lon),
                date(r.due_at),
                if r.is_overdue(now) { "oui" } else { "non" }.to_string(),
                date(r.closed_at),
                r.description.clone(),
            ];
            let cells: Vec<_> = record.iter().map(|cell| csv_cell(cell)).collect();
            if let Err(e) = w.write_record(cells.iter().map(|c| c.as_bytes())) {
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
    let local = |t: Option<OffsetDateTime>| -> Cell {
        t.map_or(Cell::Empty, |t| {
            let t = t.to_offset(time_fmt::paris_offset(t));
            Cell::DateTime(time::PrimitiveDateTime::new(t.date(), t.time()))
        })
    };
    let now = filter.now;
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
                local(Some(r.created_at)),
                Cell::Text(r.category_name.clone()),
                Cell::Text(r.state.label().to_string()),
                Cell::Text(r.district_name.clone().unwrap_or_default()),
                Cell::Text(r.organisation_name.clone().unwrap_or_default()),
                Cell::Text(r.address.clone()),
                Cell::Number(r.lat),
                Cell::Number(r.lon),
                local(r.due_at),
                Cell::Text(if r.is_overdue(now) { "oui" } else { "non" }.into()),
                local(r.closed_at),
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

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_neutralised() {
        for dangerous in ["=1+1", "+33 1 00", "-2+3", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(csv_cell(dangerous), format!("'{dangerous}"));
        }
        for plain in ["Encombrants hall C", "", "12 rue", "'déjà", "-2.295000", "-2,295000"] {
            assert_eq!(csv_cell(plain), plain);
        }
    }
}
