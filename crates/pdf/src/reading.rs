//! The text of a PDF someone sends (every page, and the author and title of its metadata), so
//! that it can be checked before it is kept. lopdf reads it, each page's content bounded when
//! it inflates; a file it cannot read, even one that makes it panic, is refused, not kept.

use lopdf::{Document, Object, decode_text_string};

/// The most one page's content may inflate to.
pub const MAX_PAGE_INFLATED: usize = 32 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("le fichier n'est pas un PDF")]
    NotAPdf,
    #[error("le PDF est protégé par un mot de passe : son texte ne peut pas être vérifié")]
    Encrypted,
    #[error("le PDF est illisible ({0})")]
    Unreadable(String),
}

/// The text of a PDF, its metadata apart: a scan has metadata and no text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfText {
    /// The author, title, subject, keywords and creating program.
    pub metadata: String,
    /// Every page's text, a page a line or more.
    pub pages: String,
    /// The files attached to the PDF, as they are (an office document, a text).
    pub attachments: Vec<Vec<u8>>,
}

/// The text of a PDF.
pub fn text_of(bytes: &[u8]) -> Result<PdfText, ReadError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ReadError::NotAPdf);
    }
    // A malformed file may reach a panic inside the parser: it is a refusal like another.
    std::panic::catch_unwind(|| read(bytes)).unwrap_or_else(|_| Err(ReadError::Unreadable("structure invalide".into())))
}

fn read(bytes: &[u8]) -> Result<PdfText, ReadError> {
    let doc = Document::load_mem(bytes).map_err(|_| ReadError::Unreadable("structure invalide".into()))?;
    // Encrypted and not opened with the empty password: the text is out of reach.
    if doc.is_encrypted() && !doc.was_encrypted() {
        return Err(ReadError::Encrypted);
    }
    let mut text = PdfText::default();
    if let Ok(info) = doc.trailer.get_deref(b"Info", &doc).and_then(Object::as_dict) {
        for key in [&b"Author"[..], b"Title", b"Subject", b"Keywords", b"Creator"] {
            if let Ok(s) = info.get_deref(key, &doc).and_then(decode_text_string) {
                text.metadata.push_str(&s);
                text.metadata.push('\n');
            }
        }
    }
    other_text(&doc, &mut text);
    let pages: Vec<u32> = doc.get_pages().into_keys().collect();
    for page in pages {
        let t = doc.extract_text_with_limit(&[page], MAX_PAGE_INFLATED).map_err(|_| ReadError::Unreadable(format!("page {page}")))?;
        text.pages.push_str(&t);
        text.pages.push('\n');
    }
    Ok(text)
}

/// Text a reader shows besides the pages' own: every string of the file (annotations, form
/// fields, bookmarks, metadata), the XML metadata (XMP), and the strings a form XObject (a
/// stamp, a repeated header) draws. Strings are read as text strings (PDFDocEncoding or
/// UTF-16), which is what simple fonts mostly use; each inflation is bounded.
fn other_text(doc: &Document, text: &mut PdfText) {
    fn strings(o: &Object, out: &mut String, depth: u8) {
        match o {
            Object::String(..) => {
                if let Ok(s) = decode_text_string(o) {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
            Object::Array(a) if depth < 16 => a.iter().for_each(|o| strings(o, out, depth + 1)),
            Object::Dictionary(d) if depth < 16 => d.iter().for_each(|(_, o)| strings(o, out, depth + 1)),
            Object::Stream(s) if depth < 16 => s.dict.iter().for_each(|(_, o)| strings(o, out, depth + 1)),
            _ => {}
        }
    }
    let out = &mut text.metadata;
    for o in doc.objects.values() {
        strings(o, out, 0);
        let Object::Stream(s) = o else { continue };
        let is = |key: &[u8], value: &[u8]| s.dict.get(key).and_then(Object::as_name).is_ok_and(|n| n == value);
        if is(b"Type", b"EmbeddedFile") {
            if let Ok(file) = s.decompressed_content_with_limit(MAX_PAGE_INFLATED).or_else(|_| Ok::<_, lopdf::Error>(s.content.clone())) {
                text.attachments.push(file);
            }
        } else if is(b"Type", b"Metadata") {
            if let Ok(xml) = s.decompressed_content_with_limit(MAX_PAGE_INFLATED).or_else(|_| Ok::<_, lopdf::Error>(s.content.clone())) {
                // The XML's text, its tags taken for spaces.
                let xml = String::from_utf8_lossy(&xml);
                let mut inside = false;
                for c in xml.chars() {
                    match c {
                        '<' => inside = true,
                        '>' => {
                            inside = false;
                            out.push(' ');
                        }
                        c if !inside => out.push(c),
                        _ => {}
                    }
                }
                out.push('\n');
            }
        } else if is(b"Subtype", b"Form")
            && let Ok(content) = s.decompressed_content_with_limit(MAX_PAGE_INFLATED).or_else(|_| Ok::<_, lopdf::Error>(s.content.clone()))
            && let Ok(ops) = lopdf::content::Content::decode(&content)
        {
            // A TJ's pieces are one run of text cut for kerning: joined, not spaced.
            let shown = |o: &Object, out: &mut String| {
                if let Ok(s) = decode_text_string(o) {
                    out.push_str(&s);
                }
            };
            for op in ops.operations.iter().filter(|op| matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\"")) {
                for o in &op.operands {
                    match o {
                        Object::Array(pieces) => pieces.iter().for_each(|p| shown(p, out)),
                        o => shown(o, out),
                    }
                }
                out.push(' ');
            }
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_document_is_read_back_and_what_is_not_a_pdf_is_refused() {
        let doc = maillage_core::document::Document {
            title: "Bilan de Karim Benali".into(),
            blocks: vec![maillage_core::document::Block::paragraph("Présente : Émilie Dupont-Martin.")],
        };
        let bytes = crate::write(&doc, "", (2021, 3, 15)).unwrap();
        let text = text_of(&bytes).unwrap();
        assert!(text.pages.contains("Émilie Dupont-Martin"), "{text:?}");
        assert!(text.metadata.contains("Bilan de Karim Benali"), "the metadata's title: {text:?}");
        assert_eq!(text_of(b"PK\x03\x04"), Err(ReadError::NotAPdf));
        assert!(matches!(text_of(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>"), Err(ReadError::Unreadable(_))));
    }
}
