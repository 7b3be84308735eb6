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
#[rustfmt::skip]
const BREAKS: &[&[u8]] = &[
    b"p", b"h", b"tab", b"ptab", b"s", b"line-break", b"br", b"cr", b"tc", b"table-cell", b"covered-table-cell", b"si", b"c",
    b"v", b"row", b"table-row", b"list-item", b"note", b"note-citation", b"frame", b"soft-page-break", b"creator",
    b"initial-creator", b"title", b"subject", b"description", b"keyword", b"keywords", b"lastModifiedBy", b"user-defined",
    b"comment", b"annotation", b"author", b"name",
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

/// The text of an office document, read twice: `joined` keeps together what only a change of
/// formatting cuts (a word split in two runs); `broken` cuts at every element (a name kept
/// apart by an element not known as a break). Both end with the attributes' values (a cell's
/// value, a field's), apart from the text so that none falls between two words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficeText {
    pub joined: String,
    pub broken: String,
}

/// The kind of an office document and the text of every XML part in its package, whatever the
/// part's name (the package's own relationships may point anywhere).
pub fn text_of(bytes: &[u8]) -> Result<(DocumentKind, OfficeText), ReadError> {
    read(bytes, MAX_INFLATED)
}

/// Reads the next part's bytes, within what remains of the budget.
fn inflate(f: &mut impl Read, budget: &mut u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    // One byte more than the budget tells a part that would exceed it.
    f.take(*budget + 1).read_to_end(&mut bytes).map_err(|_| ReadError::Unreadable("archive endommagée".into()))?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > *budget {
        return Err(ReadError::TooLarge);
    }
    *budget -= read;
    Ok(bytes)
}

/// Whether a part is XML: a byte-order mark and spaces aside, it opens with `<`.
fn is_xml(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'<')
}

/// A part written in UTF-16 (which office programs open), as UTF-8 bytes, if it is XML.
fn from_utf16(bytes: &[u8]) -> Option<Vec<u8>> {
    let (big_endian, body) = if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        (true, rest)
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        (false, rest)
    } else if bytes.starts_with(&[0, b'<']) {
        (true, bytes)
    } else if bytes.starts_with(&[b'<', 0]) {
        (false, bytes)
    } else {
        return None;
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| if big_endian { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_le_bytes([c[0], c[1]]) })
        .collect();
    let text = String::from_utf16_lossy(&units);
    // The declaration names UTF-16; the reader takes the bytes as they now are.
    let text = text.replacen("encoding=\"UTF-16\"", "", 1).replacen("encoding='UTF-16'", "", 1);
    is_xml(text.as_bytes()).then(|| text.into_bytes())
}

fn read(bytes: &[u8], max_inflated: u64) -> Result<(DocumentKind, OfficeText), ReadError> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotAnOfficeDocument)?;
    let kind = kind_of(&mut z)?;
    let (mut budget, mut text) = (max_inflated, OfficeText::default());
    package_text(&mut z, &mut budget, 0, &mut text)?;
    Ok((kind, text))
}

/// How deep packages inside packages are opened (a spreadsheet inserted in a text, itself
/// inserted in a presentation).
const MAX_DEPTH: u8 = 2;

/// Appends the text of a package's XML parts, then of the packages it holds, to `text`.
fn package_text(z: &mut zip::ZipArchive<Cursor<&[u8]>>, budget: &mut u64, depth: u8, text: &mut OfficeText) -> Result<(), ReadError> {
    if z.len() > MAX_PARTS {
        return Err(ReadError::TooLarge);
    }
    let (mut parts, mut nested) = (Vec::new(), Vec::new());
    for i in 0..z.len() {
        let mut f = match z.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m == zip::result::ZipError::PASSWORD_REQUIRED => {
                return Err(ReadError::Encrypted);
            }
            Err(_) => return Err(ReadError::Unreadable("archive endommagée".into())),
        };
        let name = f.name().to_ascii_lowercase();
        let part = inflate(&mut f, budget)?;
        // An encrypted OpenDocument says so in its manifest; its parts are not XML any more.
        if name == "meta-inf/manifest.xml" && part.windows(15).any(|w| w == b"encryption-data") {
            return Err(ReadError::Encrypted);
        }
        if is_xml(&part) {
            parts.push((name, part));
        } else if let Some(utf8) = from_utf16(&part) {
            parts.push((name, utf8));
        } else if part.starts_with(b"PK\x03\x04") && depth < MAX_DEPTH {
            nested.push(part);
        }
    }
    // A spreadsheet's cells point into its shared strings: read those first, so that each cell
    // is read in its place, next to its neighbours.
    let shared: Vec<String> = match parts.iter().find(|(n, _)| n.ends_with("sharedstrings.xml")) {
        Some((_, xml)) => shared_strings(xml).map_err(|_| ReadError::Unreadable("table des textes".into()))?,
        None => Vec::new(),
    };
    for (name, xml) in &parts {
        xml_text(xml, &shared, text).map_err(|_| ReadError::Unreadable(format!("partie {name}")))?;
    }
    for inner in &nested {
        if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(&inner[..])) {
            package_text(&mut z, budget, depth + 1, text)?;
        }
    }
    Ok(())
}

/// A spreadsheet's shared strings, in their order.
fn shared_strings(xml: &[u8]) -> Result<Vec<String>, quick_xml::Error> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let (mut all, mut current, mut inside) = (Vec::new(), String::new(), false);
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Eof => return Ok(all),
            Event::Start(e) if e.local_name().as_ref() == b"si" => {
                inside = true;
                current.clear();
            }
            Event::End(e) if e.local_name().as_ref() == b"si" => {
                inside = false;
                all.push(std::mem::take(&mut current));
            }
            Event::Text(t) if inside => current.push_str(&t.decode().map_err(quick_xml::Error::Encoding)?),
            Event::GeneralRef(g) if inside => reference(&g, &mut current)?,
            _ => {}
        }
        buf.clear();
    }
}

/// An entity or character reference, resolved.
fn reference(g: &quick_xml::events::BytesRef<'_>, out: &mut String) -> Result<(), quick_xml::Error> {
    if let Some(c) = g.resolve_char_ref()? {
        out.push(c);
    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&g.decode().map_err(quick_xml::Error::Encoding)?) {
        out.push_str(s);
    }
    Ok(())
}

/// Appends the text of one XML part to `out` (see [`OfficeText`]).
fn xml_text(xml: &[u8], shared: &[String], out: &mut OfficeText) -> Result<(), quick_xml::Error> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut attributes = String::new();
    // In a cell whose value is a shared string's number, then in that value.
    let (mut shared_cell, mut in_value) = (false, false);
    let both = |out: &mut OfficeText, s: &str| {
        out.joined.push_str(s);
        out.broken.push_str(s);
    };
    loop {
        let event = r.read_event_into(&mut buf)?;
        if let Event::Start(e) | Event::Empty(e) = &event {
            for a in e.attributes().flatten() {
                if !a.key.as_ref().starts_with(b"xmlns") {
                    attributes.push_str(&a.decode_and_unescape_value(r.decoder()).unwrap_or_default());
                    attributes.push('\n');
                }
            }
            let name = e.local_name();
            if name.as_ref() == b"c" {
                shared_cell = e.attributes().flatten().any(|a| a.key.local_name().as_ref() == b"t" && a.value.as_ref() == b"s");
            }
            in_value = name.as_ref() == b"v" && matches!(event, Event::Start(_));
            // A Word symbol: its character, in the run.
            if name.as_ref() == b"sym"
                && let Some(c) = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"char")
                    .and_then(|a| u32::from_str_radix(std::str::from_utf8(&a.value).ok()?, 16).ok())
                    .and_then(|c| char::from_u32(if (0xF000..=0xF0FF).contains(&c) { c - 0xF000 } else { c }))
            {
                out.joined.push(c);
            }
        }
        match &event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                out.broken.push(' ');
                if BREAKS.contains(&e.local_name().as_ref()) {
                    out.joined.push(' ');
                }
            }
            Event::End(e) => {
                out.broken.push(' ');
                if BREAKS.contains(&e.local_name().as_ref()) {
                    out.joined.push(' ');
                }
                if e.local_name().as_ref() == b"v" {
                    in_value = false;
                }
            }
            Event::Text(t) if shared_cell && in_value => {
                let i: Option<usize> = t.decode().ok().and_then(|s| s.trim().parse().ok());
                if let Some(s) = i.and_then(|i| shared.get(i)) {
                    both(out, s);
                }
            }
            Event::Text(t) => both(out, &t.decode().map_err(quick_xml::Error::Encoding)?),
            Event::CData(t) => both(out, &t.decode().map_err(quick_xml::Error::Encoding)?),
            Event::GeneralRef(g) => {
                let mut s = String::new();
                reference(g, &mut s)?;
                both(out, &s);
            }
            _ => {}
        }
        buf.clear();
    }
    both(out, "\n");
    both(out, &attributes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_core::document::{Block, Document};
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn package(parts: &[(&str, &str)]) -> Vec<u8> {
        package_bytes(&parts.iter().map(|(n, b)| (*n, b.as_bytes())).collect::<Vec<_>>())
    }

    fn package_bytes(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            z.start_file(*name, SimpleFileOptions::default()).unwrap();
            z.write_all(body).unwrap();
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
        assert!(text.joined.contains("Présente : Émilie Dupont-Martin & co."), "{text:?}");
    }

    #[test]
    fn a_word_cut_by_the_formatting_stays_one_word_and_paragraphs_stay_apart() {
        let body = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Du</w:t></w:r><w:r><w:t>pont</w:t></w:r></w:p><w:p><w:r><w:t>Karim</w:t></w:r></w:p></w:body></w:document>"#;
        let meta = r#"<cp:coreProperties xmlns:cp="cp" xmlns:dc="dc"><dc:creator>Ana&#239;s Martin</dc:creator></cp:coreProperties>"#;
        let docx = package(&[("[Content_Types].xml", "<Types/>"), ("word/document.xml", body), ("docProps/core.xml", meta)]);
        let (kind, text) = text_of(&docx).unwrap();
        assert_eq!(kind, DocumentKind::Docx);
        assert!(text.joined.contains("Dupont") && !text.joined.contains("DupontKarim"), "{text:?}");
        assert!(text.joined.contains("Anaïs Martin"), "the metadata's author is read: {text:?}");
        assert!(!text.broken.contains("Dupont"), "cut at every element: {text:?}");
    }

    #[test]
    fn parts_of_any_name_attributes_symbols_and_cells_in_their_place_are_read() {
        let body = r#"<w:document xmlns:w="w"><w:p><w:r><w:t>In</w:t></w:r><w:sym w:char="F065"/><w:r><w:t>s</w:t></w:r><w:ptab/><w:r><w:t>Fictif</w:t></w:r></w:p></w:document>"#;
        let hidden = r#"<x><field value="Léa Exemple"/></x>"#;
        let docx = package(&[("[Content_Types].xml", "<Types/>"), ("word/document.xml", body), ("word/footer1.BIN", hidden)]);
        let (_, text) = text_of(&docx).unwrap();
        assert!(text.joined.contains("Ines"), "a symbol's character, in its run: {text:?}");
        assert!(text.joined.contains("Ines Fictif"), "ptab breaks: {text:?}");
        assert!(text.joined.contains("Léa Exemple"), "a part named anything, an attribute's value: {text:?}");
        let sheet = r#"<worksheet><sheetData><row><c t="s"><v>1</v></c><c t="s"><v>0</v></c></row></sheetData></worksheet>"#;
        let strings = r"<sst><si><t>Fictif</t></si><si><t>Inès</t></si></sst>";
        let xlsx = package(&[
            ("[Content_Types].xml", "<Types/>"),
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/sharedStrings.xml", strings),
            ("xl/worksheets/sheet1.xml", sheet),
        ]);
        let (kind, text) = text_of(&xlsx).unwrap();
        assert_eq!(kind, DocumentKind::Xlsx);
        let words = text.joined.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("Inès Fictif"), "cells in their place: {text:?}");
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
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<?xml version=\"1.0\" encoding=\"UTF-16\"?><p>Inès Fictif</p>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (_, text) =
            read(&package_bytes(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", &utf16)]), 5000).unwrap();
        assert!(text.joined.contains("Inès Fictif"), "a part in UTF-16: {text:?}");
        let inner =
            package(&[("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<w/>"), ("xl/sheet.xml", "<c><v>Léa Exemple</v></c>")]);
        let outer =
            package_bytes(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<d/>"), ("word/embeddings/sheet.xlsx", &inner)]);
        let (_, text) = read(&outer, 50_000).unwrap();
        assert!(text.joined.contains("Léa Exemple"), "a package inside the package: {text:?}");
        assert!(read(&inflating, 5000).is_ok());
    }
}
