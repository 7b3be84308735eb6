//! Accessible, archival PDF of Maillage's documents: a `maillage_core::document::Document`
//! typeset by typst as PDF/A-2a and PDF/UA-1 at once. The file is tagged (headings, lists,
//! tables with their header row, charts as figures with their alternative text), states its
//! title and its language (French), and embeds its fonts, which ship inside the binary: nothing
//! is read from the machine or the network.
//!
//! The layout is one typst file (`document.typ`) that reads the document as JSON data, so that
//! no text of a document is ever parsed as typst markup.

pub mod reading;

use std::sync::LazyLock;

use maillage_core::document::Document;
use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

const LAYOUT: &str = include_str!("document.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document could not be typeset: {0}")]
    Typeset(String),
    #[error("the document could not be written as PDF: {0}")]
    Export(String),
    #[error("the document could not be handed to the typesetter: {0}")]
    Data(#[from] serde_json::Error),
}

/// The fonts, parsed once per process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
});

/// Whether some embedded font draws `c`: PDF/A refuses a text that no font can show (an emoji
/// typed on a phone, a script the fonts lack), so such characters are replaced before typesetting.
fn drawable(c: char) -> bool {
    c.is_whitespace() || c.is_control() || FONTS.fonts.iter().any(|f| f.info().coverage.contains(u32::from(c)))
}

/// `text` with the characters no font draws replaced by `?`, and the invisible joiners and
/// variation selectors of emoji sequences dropped.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{e0020}'..='\u{e007f}'))
        .map(|c| if drawable(c) { c } else { '?' })
        .collect()
}

/// Every string of the document's data made [`printable`].
fn printable_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if !s.chars().all(drawable) => *s = printable(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(printable_json),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(printable_json),
        _ => {}
    }
}

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::builder().build()));

/// What the layout reads from `/document.json`.
#[derive(Serialize)]
struct Data<'a> {
    title: &'a str,
    author: &'a str,
    blocks: &'a [maillage_core::document::Block],
}

/// One document's world: the layout, its data, and the day it is dated.
struct OneDocument {
    main: Source,
    data_id: FileId,
    data: Bytes,
    today: Option<Datetime>,
}

fn file_id(path: &str) -> Result<FileId, PdfError> {
    let vpath = VirtualPath::new(path).map_err(|e| PdfError::Typeset(format!("{e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for OneDocument {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id { Ok(self.data.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

fn messages(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// The document as PDF/A-2a and PDF/UA-1, authored by `author` and dated `day`
/// (year, month, day). CPU-bound: run it off the async runtime.
pub fn write(doc: &Document, author: &str, day: (i32, u8, u8)) -> Result<Vec<u8>, PdfError> {
    let mut data = serde_json::to_value(Data { title: &doc.title, author, blocks: &doc.blocks })?;
    printable_json(&mut data);
    let data = serde_json::to_vec(&data)?;
    let world = OneDocument {
        main: Source::new(file_id("/main.typ")?, LAYOUT.to_string()),
        data_id: file_id("/document.json")?,
        data: Bytes::new(data),
        today: Datetime::from_ymd(day.0, day.1, day.2),
    };
    let typeset = typst::compile::<PagedDocument>(&world).output.map_err(|e| PdfError::Typeset(messages(&e[..])))?;
    let standards = PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1]).map_err(|e| PdfError::Export(e.message().to_string()))?;
    let timestamp = world.today.map(typst_pdf::Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(doc.title.clone()),
        creator: Smart::Custom(Some("Maillage".into())),
        timestamp,
        standards,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&typeset, &options).map_err(|e| PdfError::Export(messages(&e[..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_no_font_draws_are_replaced() {
        assert_eq!(printable("Éclairage « cassé » — 12 €"), "Éclairage « cassé » — 12 €");
        assert_eq!(printable("lampe 💡 cassée"), "lampe ? cassée");
        assert_eq!(printable("👍\u{fe0f}"), "?", "a variation selector goes with its emoji");
    }

    #[test]
    fn a_document_with_an_emoji_is_typeset() {
        let doc = Document {
            title: "Marche 🚶".into(),
            blocks: vec![maillage_core::document::Block::paragraph("Lampadaire 💡 éteint, drapeau 🇫🇷, 漢字")],
        };
        assert!(write(&doc, "CLSPD 😀", (2026, 12, 3)).unwrap().starts_with(b"%PDF"));
    }
}
