//! OpenDocument files, the formats French local government exchanges: spreadsheets (ODS, here)
//! and text documents ([`odt`]). A spreadsheet is one sheet of typed cells: text, numbers and
//! dates stay numbers and dates, so that the spreadsheet sorts, filters and sums them.

pub mod odt;
pub mod reading;

use spreadsheet_ods::format::FormatNumberStyle;
use spreadsheet_ods::{CellStyle, CellStyleRef, Sheet, Value, ValueFormatDateTime, ValueFormatNumber, WorkBook};

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

/// The two cell styles a sheet needs: whole numbers without decimals and without grouping
/// (a count or a year reads "2026", not "2 026,00"), and date-times as dd/mm/yyyy hh:mm.
fn styles(book: &mut WorkBook) -> (CellStyleRef, CellStyleRef) {
    let mut whole = ValueFormatNumber::new_named("nombre-entier");
    whole.part_number().min_integer_digits(1).fixed_decimal_places(0).build();
    let whole = book.add_number_format(whole);
    let mut day = ValueFormatDateTime::new_named("date-heure");
    day.part_day().style(FormatNumberStyle::Long).build();
    day.part_text("/").build();
    day.part_month().style(FormatNumberStyle::Long).build();
    day.part_text("/").build();
    day.part_year().style(FormatNumberStyle::Long).build();
    day.part_text(" ").build();
    day.part_hours().style(FormatNumberStyle::Long).build();
    day.part_text(":").build();
    day.part_minutes().style(FormatNumberStyle::Long).build();
    let day = book.add_datetime_format(day);
    (book.add_cellstyle(CellStyle::new("entier", &whole)), book.add_cellstyle(CellStyle::new("date-heure", &day)))
}

/// A workbook of one sheet: a header row, then the rows.
pub fn spreadsheet(sheet_name: &str, headers: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> Result<Vec<u8>, OfficeError> {
    // No locale's defaults (the crate's are English, two decimals): a whole number is shown
    // whole, a date French, anything else in the spreadsheet application's own locale.
    let mut book = WorkBook::new_empty();
    let (whole, day) = styles(&mut book);
    let mut sheet = Sheet::new(sheet_name);
    for (col, h) in headers.iter().enumerate() {
        sheet.set_value(0, col as u32, *h);
    }
    for (i, row) in rows.into_iter().enumerate() {
        for (col, cell) in row.into_iter().enumerate() {
            let (r, c) = (i as u32 + 1, col as u32);
            match cell {
                Cell::Number(n) if n.fract() == 0.0 => sheet.set_styled_value(r, c, n, &whole),
                Cell::DateTime(_) => sheet.set_styled_value(r, c, value(cell), &day),
                cell => sheet.set_value(r, c, value(cell)),
            }
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
