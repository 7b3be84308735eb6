//! OpenDocument text (ODT, ISO/IEC 26300), the word-processor format of French local
//! government: a document of headings, paragraphs and tables, written as the standard's XML in
//! its zip package. Accessible by structure: headings carry their outline level (a screen
//! reader's navigation and the document's outline), tables have a header row repeated on each
//! page and a caption before them, charts are SVG pictures with their alternative text, and the
//! document states its title and its language (French).

use quick_xml::escape::escape;
use std::fmt::Write as _;
use std::io::{Cursor, Write};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

use crate::OfficeError;
use maillage_core::document::{Block, Document};

const MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

const NAMESPACES: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3""#;

/// Text as XML character data: escaped, and without the characters XML 1.0 cannot hold.
fn text(s: &str) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n')).collect();
    escape(clean.as_str()).into_owned()
}

/// A paragraph's content: each line break kept as an ODF line break.
fn lines(s: &str) -> String {
    s.split('\n').map(text).collect::<Vec<_>>().join("<text:line-break/>")
}

/// The pictures' names in the package, one per chart, in reading order.
fn pictures(doc: &Document) -> Vec<(String, &str)> {
    doc.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Chart { svg, .. } => Some(svg.as_str()),
            _ => None,
        })
        .enumerate()
        .map(|(i, svg)| (format!("Pictures/chart{}.svg", i + 1), svg))
        .collect()
}

fn content(doc: &Document) -> String {
    let mut x = format!(r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES}><office:body><office:text>"#);
    let mut charts = 0;
    for (i, block) in doc.blocks.iter().enumerate() {
        match block {
            Block::Heading { level, text: t } => {
                let level = (*level).clamp(1, 6);
                let _ = write!(x, r#"<text:h text:style-name="Heading_20_{level}" text:outline-level="{level}">{}</text:h>"#, text(t));
            }
            Block::Paragraph { text: t } => {
                let _ = write!(x, r#"<text:p text:style-name="Text_20_body">{}</text:p>"#, lines(t));
            }
            Block::List { items } => {
                x.push_str("<text:list>");
                for item in items {
                    let _ =
                        write!(x, r#"<text:list-item><text:p text:style-name="Text_20_body">{}</text:p></text:list-item>"#, lines(item));
                }
                x.push_str("</text:list>");
            }
            Block::Table { caption, header, rows } => {
                let columns = header.len().max(rows.iter().map(Vec::len).max().unwrap_or(0)).max(1);
                let _ = write!(x, r#"<text:p text:style-name="Table_20_caption">{}</text:p>"#, text(caption));
                let _ = write!(
                    x,
                    r#"<table:table table:name="Tableau{}" table:style-name="Table"><table:table-column table:number-columns-repeated="{columns}"/>"#,
                    i + 1
                );
                let row = |x: &mut String, cells: &[String], style: &str| {
                    x.push_str("<table:table-row>");
                    for c in 0..columns {
                        let cell = cells.get(c).map_or("", String::as_str);
                        let _ = write!(
                            x,
                            r#"<table:table-cell office:value-type="string"><text:p text:style-name="{style}">{}</text:p></table:table-cell>"#,
                            lines(cell)
                        );
                    }
                    x.push_str("</table:table-row>");
                };
                x.push_str("<table:table-header-rows>");
                row(&mut x, header, "Table_20_Heading");
                x.push_str("</table:table-header-rows>");
                for r in rows {
                    row(&mut x, r, "Table_20_Contents");
                }
                x.push_str("</table:table>");
            }
            Block::Chart { alt, .. } => {
                charts += 1;
                // The chart's 640 × 240 drawing, 16 cm wide; its title is its alternative text.
                let _ = write!(
                    x,
                    r#"<text:p text:style-name="Text_20_body"><draw:frame draw:name="Graphique{charts}" text:anchor-type="as-char" svg:width="16cm" svg:height="6cm"><draw:image xlink:href="Pictures/chart{charts}.svg" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/><svg:title>{}</svg:title><svg:desc>{}</svg:desc></draw:frame></text:p>"#,
                    text(alt),
                    text(alt)
                );
            }
        }
    }
    x.push_str("</office:text></office:body></office:document-content>");
    x
}

fn styles() -> String {
    let mut headings = String::new();
    for (level, size) in [(1, 18), (2, 14), (3, 12), (4, 11), (5, 11), (6, 11)] {
        let _ = write!(
            headings,
            r#"<style:style style:name="Heading_20_{level}" style:display-name="Heading {level}" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:default-outline-level="{level}" style:class="text"><style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="{size}pt" fo:font-weight="bold"/></style:style>"#
        );
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {NAMESPACES}><office:styles><style:default-style style:family="paragraph"><style:text-properties fo:font-size="11pt" fo:language="fr" fo:country="FR"/></style:default-style><style:style style:name="Standard" style:family="paragraph" style:class="text"/><style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-bottom="0.2cm"/></style:style>{headings}<style:style style:name="Table_20_caption" style:display-name="Table caption" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:margin-top="0.3cm" fo:margin-bottom="0.1cm" fo:keep-with-next="always"/><style:text-properties fo:font-style="italic"/></style:style><style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"/><style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra"><style:text-properties fo:font-weight="bold"/></style:style></office:styles></office:document-styles>"#
    )
}

fn meta(doc: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-meta {NAMESPACES}><office:meta><meta:generator>Maillage</meta:generator><dc:title>{}</dc:title><dc:language>fr-FR</dc:language></office:meta></office:document-meta>"#,
        text(&doc.title)
    )
}

fn manifest(pictures: &[(String, &str)]) -> String {
    let mut m = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text" manifest:version="1.3"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>"#,
    );
    for (name, _) in pictures {
        let _ = write!(m, r#"<manifest:file-entry manifest:full-path="{name}" manifest:media-type="image/svg+xml"/>"#);
    }
    m.push_str("</manifest:manifest>");
    m
}

/// The document as an ODT package: `mimetype` first and stored, as the standard asks, so that
/// the type is read from the file's first bytes.
pub fn write(doc: &Document) -> Result<Vec<u8>, OfficeError> {
    let err = |e: &dyn std::fmt::Display| OfficeError(e.to_string());
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    z.start_file("mimetype", SimpleFileOptions::default().compression_method(CompressionMethod::Stored)).map_err(|e| err(&e))?;
    z.write_all(MIMETYPE.as_bytes()).map_err(|e| err(&e))?;
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let pictures = pictures(doc);
    for (name, body) in
        [("META-INF/manifest.xml", manifest(&pictures)), ("content.xml", content(doc)), ("styles.xml", styles()), ("meta.xml", meta(doc))]
    {
        z.start_file(name, deflated).map_err(|e| err(&e))?;
        z.write_all(body.as_bytes()).map_err(|e| err(&e))?;
    }
    for (name, svg) in &pictures {
        z.start_file(name.as_str(), deflated).map_err(|e| err(&e))?;
        z.write_all(svg.as_bytes()).map_err(|e| err(&e))?;
    }
    Ok(z.finish().map_err(|e| err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn doc() -> Document {
        Document {
            title: "Données de la situation n° 12".into(),
            blocks: vec![
                Block::heading(1, "Données de la situation n° 12"),
                Block::paragraph("Exporté le 02/12/2026.\nSeconde ligne <b>&</b>"),
                Block::List { items: vec!["Un".into(), "Deux".into()] },
                Block::Table {
                    caption: "Actions".into(),
                    header: vec!["Action".into(), "Début".into()],
                    rows: vec![vec!["Entretien".into(), "01/10/2026".into()], vec!["Orientation\u{7}".into()]],
                },
                Block::Chart { svg: "<svg xmlns=\"http://www.w3.org/2000/svg\"/>".into(), alt: "Actions par année".into() },
            ],
        }
    }

    fn entry(bytes: &[u8], name: &str) -> String {
        let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// Reads every XML part to its end: a malformed part fails here.
    fn well_formed(xml: &str) {
        let mut r = quick_xml::Reader::from_str(xml);
        loop {
            match r.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}: {xml}"),
            }
        }
    }

    #[test]
    fn a_document_is_a_valid_package_with_its_structure() {
        let bytes = write(&doc()).unwrap();
        assert_eq!(&bytes[30..38], b"mimetype", "the first entry's name");
        assert_eq!(&bytes[38..38 + MIMETYPE.len()], MIMETYPE.as_bytes(), "stored, not compressed");
        let mut z = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(z.by_index(0).unwrap().compression(), CompressionMethod::Stored);
        for part in ["META-INF/manifest.xml", "content.xml", "styles.xml", "meta.xml", "Pictures/chart1.svg"] {
            well_formed(&entry(&bytes, part));
        }
        let content = entry(&bytes, "content.xml");
        assert!(content.contains(r#"text:outline-level="1">Données de la situation n° 12</text:h>"#));
        assert!(content.contains("Exporté le 02/12/2026.<text:line-break/>Seconde ligne &lt;b&gt;&amp;&lt;/b&gt;"), "{content}");
        assert!(content.contains("<table:table-header-rows>") && content.contains(">Orientation</text:p>"), "control characters dropped");
        assert_eq!(content.matches("<table:table-cell ").count(), 6, "short rows filled to the header's width");
        assert!(content.contains("<text:list-item><text:p text:style-name=\"Text_20_body\">Deux</text:p>"));
        assert!(content.contains(r#"xlink:href="Pictures/chart1.svg""#) && content.contains("<svg:title>Actions par année</svg:title>"));
        assert!(
            entry(&bytes, "META-INF/manifest.xml")
                .contains(r#"manifest:full-path="Pictures/chart1.svg" manifest:media-type="image/svg+xml""#)
        );
        let meta = entry(&bytes, "meta.xml");
        assert!(meta.contains("<dc:title>Données de la situation n° 12</dc:title>") && meta.contains("<dc:language>fr-FR</dc:language>"));
    }
}
