//! The written file, read back with another PDF library: what PDF/A-2a and PDF/UA-1 ask of it
//! that a reader can check without veraPDF (which no registry this project uses carries): the
//! tag tree, the language, the title shown, the XMP identification and the embedded fonts.
#![cfg(test)]

use lopdf::{Document as Pdf, Object};
use maillage_core::chart::{Bar, alt_text, bar_chart};
use maillage_core::document::{Block, Document};

fn sample() -> Document {
    let title = "Bilan 2020 — Stratégie <test> & #set page(width: 1cm)".to_string();
    let chart = "Jeunes reçus : valeurs et cibles";
    Document {
        title: title.clone(),
        blocks: vec![
            Block::heading(1, title),
            // Typst markup and a stray JSON-looking text: data, never markup.
            Block::paragraph("Première ligne\nSeconde ligne #pagebreak() $x$ *gras* \"}]"),
            Block::heading(2, "Axe 1 — Violences"),
            Block::List { items: vec!["Objectif un".into(), "Objectif deux".into()] },
            Block::Chart {
                svg: bar_chart(chart, &[Bar::new("2019", 12), Bar { target: Some(20), ..Bar::new("2020", 18) }]).unwrap(),
                alt: alt_text(chart),
            },
            Block::Table {
                caption: "Fiche 1.1 : indicateurs".into(),
                header: vec!["Indicateur".into(), "Valeur".into(), "Cible".into()],
                rows: vec![vec!["Jeunes reçus".into(), "18".into(), "20".into()], vec!["Ateliers".into(), "< 5".into()]],
            },
        ],
    }
}

fn resolve<'a>(pdf: &'a Pdf, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => pdf.get_object(*id).unwrap(),
        o => o,
    }
}

fn text(o: &Object) -> String {
    match o {
        Object::String(bytes, _) => {
            if bytes.starts_with(&[0xfe, 0xff]) {
                let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                String::from_utf16(&units).unwrap()
            } else {
                String::from_utf8_lossy(bytes).into_owned()
            }
        }
        Object::Name(n) => String::from_utf8_lossy(n).into_owned(),
        o => format!("{o:?}"),
    }
}

/// Every structure element's type, and each figure's alternative text, walking the tag tree.
fn walk(pdf: &Pdf, o: &Object, types: &mut Vec<String>, alts: &mut Vec<String>) {
    match resolve(pdf, o) {
        Object::Dictionary(d) => {
            if let Ok(s) = d.get(b"S") {
                let s = text(s);
                if s == "Figure" {
                    alts.push(d.get(b"Alt").map(text).unwrap_or_default());
                }
                types.push(s);
            }
            if let Ok(k) = d.get(b"K") {
                walk(pdf, k, types, alts);
            }
        }
        Object::Array(a) => {
            for k in a {
                walk(pdf, k, types, alts);
            }
        }
        _ => {}
    }
}

#[test]
fn a_document_is_tagged_in_french_with_its_title_its_identification_and_its_fonts() {
    let bytes = maillage_pdf::write(&sample(), "CLSPD — Gennevilliers", (2021, 3, 15)).unwrap();
    let pdf = Pdf::load_mem(&bytes).unwrap();
    let catalog = pdf.catalog().unwrap();

    assert_eq!(text(resolve(&pdf, catalog.get(b"Lang").unwrap())), "fr-FR", "the document's language");
    let mark = resolve(&pdf, catalog.get(b"MarkInfo").unwrap()).as_dict().unwrap();
    assert_eq!(mark.get(b"Marked").unwrap(), &Object::Boolean(true), "a tagged PDF");
    let prefs = resolve(&pdf, catalog.get(b"ViewerPreferences").unwrap()).as_dict().unwrap();
    assert_eq!(prefs.get(b"DisplayDocTitle").unwrap(), &Object::Boolean(true), "the title shown, not the file name");

    let mut types = Vec::new();
    let mut alts = Vec::new();
    walk(&pdf, catalog.get(b"StructTreeRoot").unwrap(), &mut types, &mut alts);
    for tag in ["H1", "H2", "P", "L", "LI", "Table", "TH", "TD", "Caption", "Figure"] {
        assert!(types.iter().any(|t| t == tag), "no {tag} in the tag tree: {types:?}");
    }
    assert_eq!(alts, vec![alt_text("Jeunes reçus : valeurs et cibles")], "the chart is a figure with its alternative text");

    let metadata = resolve(&pdf, catalog.get(b"Metadata").unwrap()).as_stream().unwrap();
    let xmp = String::from_utf8(metadata.decompressed_content().unwrap_or_else(|_| metadata.content.clone())).unwrap();
    for fact in [
        "<pdfaid:part>2</pdfaid:part>",
        "<pdfaid:conformance>A</pdfaid:conformance>",
        "<pdfuaid:part>1</pdfuaid:part>",
        "Bilan 2020 — Stratégie &lt;test&gt; &amp; #set page(width: 1cm)",
        "CLSPD — Gennevilliers",
    ] {
        assert!(xmp.contains(fact), "{fact} missing from the XMP metadata: {xmp}");
    }

    let mut fonts = 0;
    for object in pdf.objects.values() {
        if let Ok(d) = object.as_dict()
            && d.get(b"Type").map(text).is_ok_and(|t| t == "FontDescriptor")
        {
            fonts += 1;
            assert!(d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"), "a font not embedded: {d:?}");
        }
    }
    assert!(fonts > 0, "no font at all");
}

#[test]
fn typst_markup_in_a_text_stays_text() {
    let bytes = maillage_pdf::write(&sample(), "", (2021, 3, 15)).unwrap();
    let pdf = Pdf::load_mem(&bytes).unwrap();
    assert_eq!(pdf.get_pages().len(), 1, "no page break, no page a centimetre wide");
    let page = pdf.extract_text(&[1]).unwrap();
    assert!(page.contains("#pagebreak()") && page.contains("*gras*"), "{page}");
}
