//! OpenDocument files, the formats French local government exchanges: spreadsheets (ODS, here)
//! and text documents ([`odt`]). A spreadsheet is one sheet of typed cells: text, numbers and
//! dates stay numbers and dates, so that the spreadsheet sorts, filters and sums them.

pub mod odt;

use spreadsheet_ods::{Sheet, Value, WorkBook};

/// A cell of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Shown in the spreadsheet's own date-time format (Paris wall time).
    DateTime(time::PrimitiveDateTime),
    Empty,
}

#[derive(Debug, thiserror::Error)]
#[error("écriture du document impossible : {0}")]
pub struct OfficeError(pub(crate) String);

fn value(c: Cell) -> Value {
    match c {
        Cell::Text(s) => Value::from(s),
        Cell::Number(n) => Value::from(n),
        Cell::DateTime(t) => {
            let d = chrono::NaiveDate::from_ymd_opt(t.year(), u32::from(u8::from(t.month())), u32::from(t.day()));
            let dt = d.and_then(|d| d.and_hms_opt(u32::from(t.hour()), u32::from(t.minute()), u32::from(t.second())));
            dt.map_or(Value::Empty, Value::from)
        }
        Cell::Empty => Value::Empty,
    }
}

/// A workbook of one sheet: a header row, then the rows.
pub fn spreadsheet(sheet_name: &str, headers: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> Result<Vec<u8>, OfficeError> {
    // Default styles only: the spreadsheet application shows numbers and dates in its own locale.
    let mut book = WorkBook::default();
    let mut sheet = Sheet::new(sheet_name);
    for (col, h) in headers.iter().enumerate() {
        sheet.set_value(0, col as u32, *h);
    }
    for (i, row) in rows.into_iter().enumerate() {
        for (col, cell) in row.into_iter().enumerate() {
            sheet.set_value(i as u32 + 1, col as u32, value(cell));
        }
    }
    book.push_sheet(sheet);
    spreadsheet_ods::write_ods_buf(&mut book, Vec::new()).map_err(|e| OfficeError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_reads_back_with_its_types() {
        let t = time::macros::datetime!(2026-11-26 14:30);
        let bytes = spreadsheet(
            "Signalements",
            &["Numéro", "Créé le", "Catégorie"],
            [vec![Cell::Number(1.0), Cell::DateTime(t), Cell::Text("Dépôt sauvage".into())]],
        )
        .unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let book = spreadsheet_ods::read_ods_buf(&bytes).unwrap();
        let sheet = book.sheet(0);
        assert_eq!(sheet.name(), "Signalements");
        assert_eq!(sheet.value(0, 1).as_str_or(""), "Créé le");
        assert_eq!(sheet.value(1, 0).as_f64_or(0.0), 1.0);
        assert_eq!(sheet.value(1, 2).as_str_or(""), "Dépôt sauvage");
        assert!(matches!(sheet.value(1, 1), Value::DateTime(_)));
    }
}
