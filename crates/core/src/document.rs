//! A document as its writers see it: headings, paragraphs, lists, tables and charts, in reading
//! order. The yearly report, the strategy and a situation's data are built once as a
//! `Document`; `maillage_office` writes it as ODT and `maillage_pdf` as accessible PDF, so both
//! carry the same structure (outline levels, table headers, charts' alternative text).

use serde::Serialize;

/// One block of the document, in reading order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    /// A heading of level 1 to 6.
    Heading { level: u8, text: String },
    /// A paragraph; its line breaks are kept.
    Paragraph { text: String },
    /// A bulleted list.
    List { items: Vec<String> },
    /// A table with a caption, a header row and its rows.
    Table { caption: String, header: Vec<String>, rows: Vec<Vec<String>> },
    /// A chart drawn as SVG (`crate::chart`), with the text that replaces it for those who
    /// cannot see it; its figures are also in the table that follows it.
    Chart { svg: String, alt: String },
}

impl Block {
    pub fn heading(level: u8, text: impl Into<String>) -> Self {
        Block::Heading { level: level.clamp(1, 6), text: text.into() }
    }

    pub fn paragraph(text: impl Into<String>) -> Self {
        Block::Paragraph { text: text.into() }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The document's title (its metadata; give the first heading too).
    pub title: String,
    pub blocks: Vec<Block>,
}
