//! The shipped strategy file against the seed document: every row of every sheet, the
//! preamble, the legal framework and the charter, word for word (whitespace, bullets, commas
//! and the tables' markup aside).
#![cfg(test)]

use maillage_core::strategy::{StrategyDocument, parse_file};

const FILE: &str = include_str!("../../../data/strategies/gennevilliers-2019-2021.toml");
const SEED: &str = "../../../shared/seeds/000_a4dda3a8b7ebe6e6.txt";

fn seed() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SEED);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("the seed {} must sit beside the checkout: {e}", path.display()))
}

/// Tags, bullets, emphasis marks and commas removed; whitespace collapsed.
fn norm(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '•' | '–' | '*' | ',' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn doc() -> StrategyDocument {
    parse_file("gennevilliers-2019-2021.toml", FILE).unwrap()
}

/// The seed's sheets: (axis number, rows as (field, text)).
fn seed_sheets(seed: &str) -> Vec<(u32, Vec<(&'static str, String)>)> {
    let lines: Vec<&str> = seed.lines().collect();
    let end = lines.iter().position(|l| l.starts_with("Cadre juridique")).unwrap();
    let starts: Vec<usize> = (60..end).filter(|&i| lines[i].starts_with("Axe")).collect();
    let mut sheets = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let e = starts.get(k + 1).copied().unwrap_or(end);
        let axis: u32 = lines[s][4..5].parse().unwrap();
        let mut rows: Vec<(&'static str, String)> = Vec::new();
        for l in &lines[s + 1..e] {
            if l.trim().is_empty() || l.starts_with("- ") {
                continue;
            }
            if l.starts_with('\t') || !l.contains('\t') {
                rows.last_mut().unwrap().1.push_str(&format!(" {l}"));
                continue;
            }
            let (label, content) = l.split_once('\t').unwrap();
            let label = norm(label);
            let field = [
                ("Éléments", "diagnostic"),
                ("Objectifs opérationnels", "operational_objectives"),
                ("Objectifs", "objectives"),
                ("Pilote", "pilot"),
                ("Outils", "means"),
                ("Public", "target_public"),
                ("Partenaires", "partners"),
                ("Indicateurs", "indicators"),
            ]
            .iter()
            .find(|(p, _)| label.starts_with(p))
            .unwrap_or_else(|| panic!("unknown row label {label}"))
            .1;
            rows.push((field, content.to_string()));
        }
        sheets.push((axis, rows));
    }
    sheets
}

#[test]
fn every_sheet_row_is_transcribed_word_for_word() {
    let seed = seed();
    let doc = doc();
    let seed_sheets = seed_sheets(&seed);
    let ours: Vec<_> = doc.sheets().collect();
    assert_eq!(seed_sheets.len(), ours.len(), "number of sheets");
    assert_eq!(doc.axes.len(), 6);
    for ((axis, rows), (our_axis, sheet)) in seed_sheets.iter().zip(ours) {
        assert_eq!(*axis as i32, our_axis.number, "sheet {}", sheet.code);
        for (field, text) in rows {
            let mine = match *field {
                "diagnostic" => sheet.diagnostic.join(" "),
                "objectives" => sheet.objectives.join(" "),
                "operational_objectives" => sheet.operational_objectives.join(" "),
                "pilot" => sheet.pilot.clone(),
                "means" => sheet.means.iter().map(|m| format!("{} {}", m.text, m.items.join(" "))).collect::<Vec<_>>().join(" "),
                "target_public" => sheet.target_public.join(" "),
                "partners" => sheet.partners.join(" "),
                "indicators" => sheet.indicators.join(" "),
                _ => unreachable!(),
            };
            assert_eq!(norm(&mine), norm(text), "sheet {} field {field}", sheet.code);
        }
        let seed_fields: Vec<&str> = rows.iter().map(|(f, _)| *f).collect();
        assert_eq!(seed_fields.contains(&"objectives"), !sheet.objectives.is_empty(), "sheet {}", sheet.code);
        assert!(!sheet.indicators.is_empty() && !sheet.means.is_empty() && !sheet.partners.is_empty());
    }
}

#[test]
fn sheet_titles_are_the_seed_headings() {
    let seed = seed();
    for (_, sheet) in doc().sheets() {
        assert!(seed.contains(&format!("- {}", sheet.title)) || seed.contains(&format!("- **{}**", sheet.title)), "{}", sheet.title);
    }
}

#[test]
fn preamble_legal_framework_and_charter_are_complete() {
    let seed = norm(&seed());
    let doc = doc();
    let joined = |v: &[String]| norm(&v.join(" "));
    assert!(seed.contains(&joined(&doc.preamble)), "preamble");
    assert!(seed.contains(&joined(&doc.legal_framework)), "legal framework");
    assert_eq!(doc.preamble.len(), 8);
    let charter = &doc.annexes[0];
    assert_eq!(charter.sections.len(), 10);
    let whole: Vec<String> = charter.sections.iter().flat_map(|s| std::iter::once(s.heading.clone()).chain(s.paragraphs.clone())).collect();
    assert!(seed.contains(&joined(&whole)), "charter, articles 1 to 10 in order");
    assert_eq!(doc.signatories.len(), 5);
    for s in &doc.signatories {
        assert!(seed.contains(&norm(&s.name)) && seed.contains(&norm(&s.role)));
    }
}

#[test]
fn export_of_the_shipped_file_parses_back_to_the_same_document() {
    let d = doc();
    assert_eq!(parse_file("export.toml", &maillage_core::strategy::to_file(&d)).unwrap(), d);
}

/// Every indicator of the seed's sheets ships with a reference sheet, and none carries a number
/// the seed does not give (baselines and targets are the coordination's to set).
#[test]
fn every_indicator_has_a_reference_sheet_and_no_invented_number() {
    let d = doc();
    let count: usize = d.sheets().map(|(_, s)| s.indicators.len()).sum();
    assert_eq!(d.indicators.len(), count);
    for i in &d.indicators {
        assert!(i.is_described() && !i.definition.is_empty() && !i.computation.is_empty(), "{} {}", i.sheet, i.label);
        assert!(i.baseline.is_none() && i.targets.is_empty(), "{} {}", i.sheet, i.label);
        assert!(i.faults(None).is_empty(), "{} {}: {:?}", i.sheet, i.label, i.faults(None));
    }
    // Both kinds of figure are represented.
    assert!(d.indicators.iter().any(|i| i.source == maillage_core::indicator::Source::Declared));
    assert!(d.indicators.iter().filter(|i| i.source != maillage_core::indicator::Source::Declared).count() > 25);
}
