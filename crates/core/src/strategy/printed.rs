//! The strategy as a printed document (ODT, PDF).

use super::StrategyDocument;

/// The whole strategy as a document for its writers (ODT, PDF), in the order of the page
/// `/strategie/document`: preamble, each axis and its sheets with every field, the legal frame,
/// the signatories and the annexes.
pub fn as_document(doc: &StrategyDocument) -> crate::document::Document {
    use crate::document::Block;
    let title = format!("{} {}-{}", doc.title, doc.period_start, doc.period_end);
    let mut blocks = vec![Block::heading(1, title.clone()), Block::paragraph(doc.territory.clone())];
    let list = |blocks: &mut Vec<Block>, heading: &str, items: &[String]| {
        if !items.is_empty() {
            blocks.push(Block::heading(4, heading));
            blocks.push(Block::List { items: items.to_vec() });
        }
    };
    if !doc.preamble.is_empty() {
        blocks.push(Block::heading(2, "Préambule"));
        blocks.extend(doc.preamble.iter().map(|p| Block::paragraph(p.clone())));
    }
    for axis in &doc.axes {
        blocks.push(Block::heading(2, format!("Axe {} : {}", axis.number, axis.title)));
        for sheet in &axis.sheets {
            blocks.push(Block::heading(3, format!("Fiche {} : {}", sheet.code, sheet.title)));
            blocks.push(Block::paragraph(format!("Pilote : {}", sheet.pilot)));
            if !sheet.diagnostic.is_empty() {
                blocks.push(Block::heading(4, "Diagnostic"));
                blocks.extend(sheet.diagnostic.iter().map(|p| Block::paragraph(p.clone())));
            }
            list(&mut blocks, "Objectifs", &sheet.objectives);
            list(&mut blocks, "Objectifs opérationnels", &sheet.operational_objectives);
            let means: Vec<String> = sheet
                .means
                .iter()
                .map(|m| if m.items.is_empty() { m.text.clone() } else { format!("{}\n– {}", m.text, m.items.join("\n– ")) })
                .collect();
            list(&mut blocks, "Outils, moyens et méthodes", &means);
            list(&mut blocks, "Public visé", &sheet.target_public);
            list(&mut blocks, "Partenaires", &sheet.partners);
            list(&mut blocks, "Indicateurs d'évaluation", &sheet.indicators);
        }
    }
    if !doc.legal_framework.is_empty() {
        blocks.push(Block::heading(2, "Cadre juridique"));
        blocks.extend(doc.legal_framework.iter().map(|p| Block::paragraph(p.clone())));
    }
    if !doc.signatories.is_empty() {
        blocks.push(Block::heading(2, "Signataires"));
        blocks.push(Block::Table {
            caption: "Signataires de la stratégie".into(),
            header: vec!["Au nom de".into(), "Qualité".into(), "Nom".into()],
            rows: doc.signatories.iter().map(|s| vec![s.on_behalf_of.clone(), s.role.clone(), s.name.clone()]).collect(),
        });
    }
    for annex in &doc.annexes {
        blocks.push(Block::heading(2, format!("Annexe : {}", annex.title)));
        for section in &annex.sections {
            blocks.push(Block::heading(3, section.heading.clone()));
            blocks.extend(section.paragraphs.iter().map(|p| Block::paragraph(p.clone())));
        }
    }
    crate::document::Document { title, blocks }
}
