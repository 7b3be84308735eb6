//! The text of an office document someone sends (OpenDocument or Office Open XML), so that it
//! can be checked before it is kept: the kind is read from the package, never from the file's
//! name, and every XML part is read (body, headers and footers, notes, the author in the
//! metadata). Reading is bounded: a package of many parts, or parts that inflate beyond
//! [`MAX_INFLATED`] (a zip bomb), is refused, not read.

use maillage_core::meeting::DocumentKind;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// The most a package's parts may inflate to, all together.
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// The most parts a package may hold.
pub const MAX_PARTS: usize = 5_000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("le fichier n'est pas un document OpenDocument, Word, Excel ou PowerPoint")]
    NotAnOfficeDocument,
    #[error("le document est protégé par un mot de passe : son texte ne peut pas être vérifié")]
    Encrypted,
    #[error("le document est trop volumineux une fois décompressé pour être vérifié")]
    TooLarge,
    #[error("le document est illisible ({0})")]
    Unreadable(String),
}

/// Elements that end a word: paragraphs, headings, cells, line breaks, tabs, spaces and the
/// metadata's fields. Other elements (a run of text, a span) may cut a word in two, as a word
/// processor does when the formatting changes inside it, so their texts are joined.
const BREAKS: &[&[u8]] = &[
    b"p",
    b"h",
    b"tab",
    b"s",
    b"line-break",
    b"br",
    b"cr",
    b"tc",
    b"table-cell",
    b"covered-table-cell",
    b"si",
    b"c",
    b"v",
    b"list-item",
    b"note",
    b"note-citation",
    b"frame",
    b"creator",
    b"initial-creator",
    b"title",
    b"subject",
    b"description",
    b"keyword",
    b"keywords",
    b"lastModifiedBy",
    b"user-defined",
    b"comment",
    b"annotation",
    b"author",
    b"name",
];

/// The kind of an office package, from its own declaration.
fn kind_of(z: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<DocumentKind, ReadError> {
    if let Ok(mut f) = z.by_name("mimetype") {
        let mut m = String::new();
        f.by_ref().take(200).read_to_string(&mut m).map_err(|_| ReadError::NotAnOfficeDocument)?;
        return match m.trim() {
            "application/vnd.oasis.opendocument.text" => Ok(DocumentKind::Odt),
            "application/vnd.oasis.opendocument.spreadsheet" => Ok(DocumentKind::Ods),
            "application/vnd.oasis.opendocument.presentation" => Ok(DocumentKind::Odp),
            _ => Err(ReadError::NotAnOfficeDocument),
        };
    }
    let has = |z: &zip::ZipArchive<Cursor<&[u8]>>, name: &str| z.index_for_name(name).is_some();
    if !has(z, "[Content_Types].xml") {
        return Err(ReadError::NotAnOfficeDocument);
    }
    if has(z, "word/document.xml") {
        Ok(DocumentKind::Docx)
    } else if has(z, "xl/workbook.xml") {
        Ok(DocumentKind::Xlsx)
    } else if has(z, "ppt/presentation.xml") {
        Ok(DocumentKind::Pptx)
    } else {
        Err(ReadError::NotAnOfficeDocument)
    }
}

/// The kind of an office document and all the text of its XML parts, each part's text on its
/// own lines.
pub fn text_of(bytes: &[u8]) -> Result<(DocumentKind, String), ReadError> {
    read(bytes, MAX_INFLATED)
}

fn read(bytes: &[u8], max_inflated: u64) -> Result<(DocumentKind, String), ReadError> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotAnOfficeDocument)?;
    let kind = kind_of(&mut z)?;
    if z.len() > MAX_PARTS {
        return Err(ReadError::TooLarge);
    }
    // An encrypted OpenDocument says so in its manifest; its parts are not XML any more.
    if let Ok(mut f) = z.by_name("META-INF/manifest.xml") {
        let mut manifest = String::new();
        f.by_ref().take(max_inflated).read_to_string(&mut manifest).map_err(|e| ReadError::Unreadable(e.to_string()))?;
        if manifest.contains("encryption-data") {
            return Err(ReadError::Encrypted);
        }
    }
    let mut budget = max_inflated;
    let mut text = String::new();
    for i in 0..z.len() {
        let mut f = match z.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m == zip::result::ZipError::PASSWORD_REQUIRED => {
                return Err(ReadError::Encrypted);
            }
            Err(e) => return Err(ReadError::Unreadable(e.to_string())),
        };
        let name = f.name().to_string();
        // Pictures, fonts and relationships carry no text to read.
        if !name.ends_with(".xml") {
            continue;
        }
        let mut xml = Vec::new();
        // One byte more than the budget tells a part that would exceed it.
        f.by_ref().take(budget + 1).read_to_end(&mut xml).map_err(|e| ReadError::Unreadable(e.to_string()))?;
        let read = u64::try_from(xml.len()).unwrap_or(u64::MAX);
        if read > budget {
            return Err(ReadError::TooLarge);
        }
        budget -= read;
        xml_text(&xml, &mut text).map_err(|e| ReadError::Unreadable(format!("{name} : {e}")))?;
        text.push('\n');
    }
    Ok((kind, text))
}

/// Appends the text of one XML part to `out`, a space where an element ends a word.
fn xml_text(xml: &[u8], out: &mut String) -> Result<(), quick_xml::Error> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Eof => return Ok(()),
            Event::Start(e) | Event::Empty(e) if BREAKS.contains(&e.local_name().as_ref()) => out.push(' '),
            Event::End(e) if BREAKS.contains(&e.local_name().as_ref()) => out.push(' '),
            Event::Text(t) => out.push_str(&t.decode().map_err(quick_xml::Error::Encoding)?),
            Event::CData(t) => out.push_str(&t.decode().map_err(quick_xml::Error::Encoding)?),
            Event::GeneralRef(g) => {
                if let Some(c) = g.resolve_char_ref()? {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&g.decode().map_err(quick_xml::Error::Encoding)?) {
                    out.push_str(s);
                }
            }
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_core::document::{Block, Document};
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            z.start_file(*name, SimpleFileOptions::default()).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn an_opendocument_text_is_read_whole() {
        let doc = Document {
            title: "Relevé".into(),
            blocks: vec![Block::heading(1, "Relevé"), Block::paragraph("Présente : Émilie Dupont-Martin & co.")],
        };
        let (kind, text) = text_of(&crate::odt::write(&doc).unwrap()).unwrap();
        assert_eq!(kind, DocumentKind::Odt);
        assert!(text.contains("Présente : Émilie Dupont-Martin & co."), "{text}");
    }

    #[test]
    fn a_word_cut_by_the_formatting_stays_one_word_and_paragraphs_stay_apart() {
        let body = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Du</w:t></w:r><w:r><w:t>pont</w:t></w:r></w:p><w:p><w:r><w:t>Karim</w:t></w:r></w:p></w:body></w:document>"#;
        let meta = r#"<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:creator>Ana&#239;s Martin</dc:creator></cp:coreProperties>"#;
        let docx = package(&[("[Content_Types].xml", "<Types/>"), ("word/document.xml", body), ("docProps/core.xml", meta)]);
        let (kind, text) = text_of(&docx).unwrap();
        assert_eq!(kind, DocumentKind::Docx);
        assert!(text.contains("Dupont") && !text.contains("DupontKarim"), "{text}");
        assert!(text.contains("Anaïs Martin"), "the metadata's author is read: {text}");
    }

    #[test]
    fn what_is_not_an_office_document_or_cannot_be_read_is_refused() {
        assert_eq!(text_of(b"%PDF-1.7"), Err(ReadError::NotAnOfficeDocument));
        assert_eq!(text_of(&package(&[("a.txt", "x")])), Err(ReadError::NotAnOfficeDocument));
        assert_eq!(text_of(&package(&[("mimetype", "application/zip")])), Err(ReadError::NotAnOfficeDocument));
        let encrypted = package(&[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("META-INF/manifest.xml", "<manifest><file-entry><encryption-data/></file-entry></manifest>"),
        ]);
        assert_eq!(text_of(&encrypted), Err(ReadError::Encrypted));
        let broken = package(&[("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<a><b></a>")]);
        assert!(matches!(text_of(&broken), Err(ReadError::Unreadable(_))));
        let big = " ".repeat(4096);
        let inflating = package(&[("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", &big)]);
        assert_eq!(read(&inflating, 4000), Err(ReadError::TooLarge), "a part inflating past the bound");
        assert!(read(&inflating, 5000).is_ok());
    }
}
