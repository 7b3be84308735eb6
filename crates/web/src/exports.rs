//! Exports of reports: CSV in UTF-8 (comma, ISO dates, for other programs) and its French
//! spreadsheet variant (semicolon, dd/mm/yyyy dates, decimal comma, byte-order mark so that
//! spreadsheets read the accents right).

use crate::AppState;
use crate::error::AppError;
use maillage_core::report::State;
use maillage_core::time_fmt;
use maillage_store::reports::ReportFilter;

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

pub async fn reports_csv(state: &AppState, filter: &ReportFilter, french: bool) -> Result<Vec<u8>, AppError> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    let csv_err = |e: csv::Error| AppError::Internal(format!("csv : {e}"));
    w.write_record(HEADERS).map_err(csv_err)?;
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
    state
        .store
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
        return Err(csv_err(e));
    }
    w.flush().map_err(|e| AppError::Internal(e.to_string()))?;
    drop(w);
    Ok(out)
}
