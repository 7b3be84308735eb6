//! The territorial strategy (STSPD) as data: the document model, its file format (TOML,
//! format 1) with validation errors that name file, line and field, and the export back to
//! the same layout.

mod printed;
pub use printed::as_document;

use serde::Deserialize;
use std::collections::HashSet;
use toml::Spanned;

/// The version of the file format this code reads and writes.
pub const FORMAT: u32 = 1;

/// The years a strategy may cover: a local strategy runs three to five years, from this century.
pub const STRATEGY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A whole strategy, as a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyDocument {
    /// Stable identifier: a new file with the same code is a new version of the same strategy.
    pub code: String,
    pub title: String,
    pub territory: String,
    pub period_start: i32,
    pub period_end: i32,
    pub preamble: Vec<String>,
    pub legal_framework: Vec<String>,
    pub signatories: Vec<Signatory>,
    pub axes: Vec<Axis>,
    pub annexes: Vec<Annex>,
    /// The indicators' reference sheets, one per indicator of the sheets, in sheet order
    /// (`indicator::file::align`).
    pub indicators: Vec<crate::indicator::Indicator>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    pub on_behalf_of: String,
    pub role: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axis {
    pub number: i32,
    pub title: String,
    pub sheets: Vec<ActionSheet>,
}

/// A fiche action, with every field of the seed's sheets.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ActionSheet {
    /// "1.2": axis number, then rank in the axis. Stable across versions.
    pub code: String,
    pub title: String,
    pub pilot: String,
    pub diagnostic: Vec<String>,
    pub objectives: Vec<String>,
    pub operational_objectives: Vec<String>,
    pub means: Vec<Means>,
    pub target_public: Vec<String>,
    pub partners: Vec<String>,
    /// Evaluation indicators; stored as records of their own.
    pub indicators: Vec<String>,
}

/// One tool, means or method, with nested items.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Means {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Annex {
    pub code: String,
    pub title: String,
    #[serde(default)]
    pub sections: Vec<AnnexSection>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnnexSection {
    pub heading: String,
    #[serde(default)]
    pub paragraphs: Vec<String>,
}

impl StrategyDocument {
    pub fn sheets(&self) -> impl Iterator<Item = (&Axis, &ActionSheet)> {
        self.axes.iter().flat_map(|a| a.sheets.iter().map(move |s| (a, s)))
    }

    pub fn sheet(&self, code: &str) -> Option<(&Axis, &ActionSheet)> {
        self.sheets().find(|(_, s)| s.code == code)
    }

    pub fn sheet_mut(&mut self, code: &str) -> Option<&mut ActionSheet> {
        self.axes.iter_mut().flat_map(|a| a.sheets.iter_mut()).find(|s| s.code == code)
    }

    /// The reference sheet of a sheet's indicator.
    pub fn indicator(&self, sheet: &str, label: &str) -> Option<&crate::indicator::Indicator> {
        self.indicators.iter().find(|i| i.sheet == sheet && i.label == label)
    }

    /// One reference sheet per indicator again, after the sheets' indicators changed.
    pub fn align_indicators(&mut self) {
        self.indicators = crate::indicator::file::align(std::mem::take(&mut self.indicators), &self.axes);
    }
}

/// A strategy file that cannot be imported: where and why, in French.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}, ligne {line}, champ « {field} » : {message}")]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

// ---- file format -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRoot {
    format: Spanned<u32>,
    strategy: FileStrategy,
    #[serde(default)]
    signatories: Vec<Signatory>,
    #[serde(default)]
    axes: Vec<FileAxis>,
    #[serde(default)]
    annexes: Vec<Annex>,
    #[serde(default)]
    indicators: Vec<crate::indicator::file::FileIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStrategy {
    code: Spanned<String>,
    title: Spanned<String>,
    territory: Spanned<String>,
    period_start: Spanned<i32>,
    period_end: Spanned<i32>,
    #[serde(default)]
    preamble: Vec<String>,
    #[serde(default)]
    legal_framework: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileAxis {
    number: Spanned<i32>,
    title: Spanned<String>,
    #[serde(default)]
    sheets: Vec<FileSheet>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSheet {
    code: Spanned<String>,
    title: Spanned<String>,
    pilot: Spanned<String>,
    #[serde(default)]
    diagnostic: Vec<String>,
    #[serde(default)]
    objectives: Vec<String>,
    #[serde(default)]
    operational_objectives: Vec<String>,
    #[serde(default)]
    means: Vec<Means>,
    #[serde(default)]
    target_public: Vec<String>,
    #[serde(default)]
    partners: Vec<String>,
    #[serde(default)]
    indicators: Vec<String>,
}

fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Longest text accepted in one field: a safeguard against pasted garbage.
pub const MAX_TEXT: usize = 20_000;

/// Parses and validates a strategy file. `file` names it in error messages.
pub fn parse_file(file: &str, source: &str) -> Result<StrategyDocument, FileError> {
    let err = |line: usize, field: &str, message: String| FileError { file: file.to_string(), line, field: field.to_string(), message };
    let root: FileRoot = toml::from_str(source).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(source, s.start));
        let message = e.message().trim().to_string();
        let field = field_from_toml_message(&message).unwrap_or_else(|| "—".to_string());
        err(line, &field, translate_toml_message(&message))
    })?;
    let at = |s: std::ops::Range<usize>| line_of(source, s.start);

    if *root.format.get_ref() != FORMAT {
        return Err(err(
            at(root.format.span()),
            "format",
            format!("format {} inconnu : ce logiciel lit le format {FORMAT}", root.format.get_ref()),
        ));
    }
    let s = &root.strategy;
    let code = s.code.get_ref().trim();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(err(
            at(s.code.span()),
            "strategy.code",
            "le code doit être non vide et ne contenir que des lettres sans accent, chiffres, tirets".into(),
        ));
    }
    for (field, value) in [("strategy.title", &s.title), ("strategy.territory", &s.territory)] {
        check_text(value.get_ref(), true).map_err(|m| err(at(value.span()), field, m))?;
    }
    for (field, year) in [("strategy.period_start", &s.period_start), ("strategy.period_end", &s.period_end)] {
        if !STRATEGY_YEARS.contains(year.get_ref()) {
            let m = format!("année hors des limites ({} à {})", STRATEGY_YEARS.start(), STRATEGY_YEARS.end());
            return Err(err(at(year.span()), field, m));
        }
    }
    if s.period_end.get_ref() < s.period_start.get_ref() {
        return Err(err(at(s.period_end.span()), "strategy.period_end", "la fin de la période précède son début".into()));
    }
    let strategy_line = at(s.code.span());
    check_list(&s.preamble).map_err(|m| err(strategy_line, "strategy.preamble", m))?;
    check_list(&s.legal_framework).map_err(|m| err(strategy_line, "strategy.legal_framework", m))?;

    let mut axes = Vec::new();
    let mut numbers = HashSet::new();
    let mut codes = HashSet::new();
    for axis in root.axes {
        let n = *axis.number.get_ref();
        let line = at(axis.number.span());
        if !(1..=99).contains(&n) || !numbers.insert(n) {
            return Err(err(line, "axes.number", format!("numéro d'axe {n} invalide ou en double")));
        }
        check_text(axis.title.get_ref(), true).map_err(|m| err(at(axis.title.span()), "axes.title", m))?;
        let mut sheets = Vec::new();
        for sh in axis.sheets {
            let line = at(sh.code.span());
            let code = sh.code.get_ref().trim().to_string();
            let well_formed =
                code.split_once('.').is_some_and(|(a, b)| a == n.to_string() && !b.is_empty() && b.chars().all(|c| c.is_ascii_digit()));
            if !well_formed {
                return Err(err(
                    line,
                    "axes.sheets.code",
                    format!("le code de fiche « {code} » doit être de la forme {n}.N (numéro de l'axe, point, rang)"),
                ));
            }
            if !codes.insert(code.clone()) {
                return Err(err(line, "axes.sheets.code", format!("la fiche {code} apparaît deux fois")));
            }
            check_text(sh.title.get_ref(), true).map_err(|m| err(at(sh.title.span()), "axes.sheets.title", m))?;
            check_text(sh.pilot.get_ref(), true).map_err(|m| err(at(sh.pilot.span()), "axes.sheets.pilot", m))?;
            for (field, list) in [
                ("diagnostic", &sh.diagnostic),
                ("objectives", &sh.objectives),
                ("operational_objectives", &sh.operational_objectives),
                ("target_public", &sh.target_public),
                ("partners", &sh.partners),
                ("indicators", &sh.indicators),
            ] {
                check_list(list).map_err(|m| err(line, &format!("axes.sheets.{field} (fiche {code})"), m))?;
            }
            for m in &sh.means {
                check_text(&m.text, true)
                    .and_then(|_| check_list(&m.items))
                    .map_err(|msg| err(line, &format!("axes.sheets.means (fiche {code})"), msg))?;
            }
            let mut seen = HashSet::new();
            for i in &sh.indicators {
                if !seen.insert(crate::text::fold(i)) {
                    return Err(err(
                        line,
                        &format!("axes.sheets.indicators (fiche {code})"),
                        format!("l'indicateur « {i} » apparaît deux fois"),
                    ));
                }
            }
            sheets.push(ActionSheet {
                code,
                title: sh.title.into_inner().trim().to_string(),
                pilot: sh.pilot.into_inner().trim().to_string(),
                diagnostic: sh.diagnostic,
                objectives: sh.objectives,
                operational_objectives: sh.operational_objectives,
                means: sh.means,
                target_public: sh.target_public,
                partners: sh.partners,
                indicators: sh.indicators,
            });
        }
        axes.push(Axis { number: n, title: axis.title.into_inner().trim().to_string(), sheets });
    }
    axes.sort_by_key(|a| a.number);
    let mut annex_codes = HashSet::new();
    for a in &root.annexes {
        if a.code.trim().is_empty() || !annex_codes.insert(a.code.clone()) {
            return Err(err(1, "annexes.code", format!("code d'annexe « {} » vide ou en double", a.code)));
        }
        check_text(&a.title, true).map_err(|m| err(1, "annexes.title", m))?;
        for sec in &a.sections {
            check_text(&sec.heading, true)
                .and_then(|_| check_list(&sec.paragraphs))
                .map_err(|m| err(1, &format!("annexes.sections ({})", a.code), m))?;
        }
    }
    for sg in &root.signatories {
        check_text(&sg.on_behalf_of, true)
            .and_then(|_| check_text(&sg.role, true))
            .and_then(|_| check_text(&sg.name, true))
            .map_err(|m| err(1, "signatories", m))?;
    }
    let indicators = crate::indicator::file::read(root.indicators, &axes, |offset| line_of(source, offset))
        .map_err(|(line, field, message)| err(line, &field, message))?;
    Ok(StrategyDocument {
        code: code.to_string(),
        title: s.title.get_ref().trim().to_string(),
        territory: s.territory.get_ref().trim().to_string(),
        period_start: *s.period_start.get_ref(),
        period_end: *s.period_end.get_ref(),
        preamble: root.strategy.preamble,
        legal_framework: root.strategy.legal_framework,
        signatories: root.signatories,
        axes,
        annexes: root.annexes,
        indicators,
    })
}

/// Validation shared by the file and the editing forms.
pub fn check_text(value: &str, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err("ce champ est obligatoire".into());
    }
    if value.chars().count() > MAX_TEXT {
        return Err(format!("texte trop long (plus de {MAX_TEXT} caractères)"));
    }
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("le texte contient des caractères invisibles (copiés par erreur ?)".into());
    }
    // Bidirectional overrides and isolates reorder what is shown: a text could then read
    // otherwise than it is stored.
    if value.chars().any(|c| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
        return Err("le texte contient des caractères de contrôle de sens d'écriture (copiés par erreur ?)".into());
    }
    Ok(())
}

fn check_list(items: &[String]) -> Result<(), String> {
    for (i, item) in items.iter().enumerate() {
        check_text(item, true).map_err(|m| format!("élément {} : {m}", i + 1))?;
    }
    Ok(())
}

fn field_from_toml_message(message: &str) -> Option<String> {
    // toml names missing/unknown fields between backticks.
    let start = message.find('`')?;
    let rest = &message[start + 1..];
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

fn translate_toml_message(message: &str) -> String {
    if message.starts_with("missing field") {
        format!("champ obligatoire absent ({message})")
    } else if message.starts_with("unknown field") {
        format!("champ inconnu ({message})")
    } else if message.starts_with("invalid type") {
        format!("type de valeur incorrect ({message})")
    } else {
        format!("syntaxe TOML invalide ({message})")
    }
}

// ---- export ------------------------------------------------------------------------------

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn push_list(out: &mut String, name: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(name);
    out.push_str(" = [\n");
    for i in items {
        out.push_str("  ");
        out.push_str(&q(i));
        out.push_str(",\n");
    }
    out.push_str("]\n");
}

/// Writes a document in the file format, in the layout of the shipped file, so that an export
/// of an unedited import differs from its source only by the leading comment.
pub fn to_file(doc: &StrategyDocument) -> String {
    let mut o = String::new();
    o.push_str("# Maillage strategy file, format 1 (see data/strategies/ for the documented layout).\n");
    o.push_str(&format!("format = {FORMAT}\n\n[strategy]\n"));
    o.push_str(&format!("code = {}\ntitle = {}\nterritory = {}\n", q(&doc.code), q(&doc.title), q(&doc.territory)));
    o.push_str(&format!("period_start = {}\nperiod_end = {}\n", doc.period_start, doc.period_end));
    push_list(&mut o, "preamble", &doc.preamble);
    push_list(&mut o, "legal_framework", &doc.legal_framework);
    for s in &doc.signatories {
        o.push_str(&format!("\n[[signatories]]\non_behalf_of = {}\nrole = {}\nname = {}\n", q(&s.on_behalf_of), q(&s.role), q(&s.name)));
    }
    for a in &doc.axes {
        o.push_str(&format!("\n[[axes]]\nnumber = {}\ntitle = {}\n", a.number, q(&a.title)));
        for s in &a.sheets {
            o.push_str(&format!("\n[[axes.sheets]]\ncode = {}\ntitle = {}\npilot = {}\n", q(&s.code), q(&s.title), q(&s.pilot)));
            push_list(&mut o, "diagnostic", &s.diagnostic);
            push_list(&mut o, "objectives", &s.objectives);
            push_list(&mut o, "operational_objectives", &s.operational_objectives);
            push_list(&mut o, "target_public", &s.target_public);
            push_list(&mut o, "partners", &s.partners);
            push_list(&mut o, "indicators", &s.indicators);
            for m in &s.means {
                o.push_str(&format!("\n[[axes.sheets.means]]\ntext = {}\n", q(&m.text)));
                push_list(&mut o, "items", &m.items);
            }
        }
    }
    crate::indicator::file::write(&mut o, &doc.indicators);
    for a in &doc.annexes {
        o.push_str(&format!("\n[[annexes]]\ncode = {}\ntitle = {}\n", q(&a.code), q(&a.title)));
        for s in &a.sections {
            o.push_str(&format!("\n[[annexes.sections]]\nheading = {}\n", q(&s.heading)));
            push_list(&mut o, "paragraphs", &s.paragraphs);
        }
    }
    o
}

// ---- search ------------------------------------------------------------------------------

/// A sheet found by [`search`], with the texts of the fields that hold a searched word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub code: String,
    pub title: String,
    /// French field label and the matching text.
    pub fields: Vec<(&'static str, String)>,
}

/// Sheets holding every word of `query` (case and accents ignored), in document order.
pub fn search(doc: &StrategyDocument, query: &str) -> Vec<SearchHit> {
    let folded_query = crate::text::fold(query);
    let words: Vec<&str> = folded_query.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (_, s) in doc.sheets() {
        let texts = [
            ("Intitulé", vec![&s.title]),
            ("Pilote", vec![&s.pilot]),
            ("Éléments de diagnostic", s.diagnostic.iter().collect()),
            ("Objectifs", s.objectives.iter().collect()),
            ("Objectifs opérationnels", s.operational_objectives.iter().collect()),
            ("Outils, moyens, méthodes", s.means.iter().flat_map(|m| std::iter::once(&m.text).chain(&m.items)).collect()),
            ("Public cible", s.target_public.iter().collect()),
            ("Partenaires", s.partners.iter().collect()),
            ("Indicateurs d'évaluation", s.indicators.iter().collect()),
        ];
        let mut fields = Vec::new();
        let mut found = vec![false; words.len()];
        for (label, list) in texts {
            for text in list {
                let f = crate::text::fold(text);
                let mut holds_one = false;
                for (i, w) in words.iter().enumerate() {
                    if f.contains(w) {
                        found[i] = true;
                        holds_one = true;
                    }
                }
                if holds_one {
                    fields.push((label, text.clone()));
                }
            }
        }
        if found.iter().all(|f| *f) {
            hits.push(SearchHit { code: s.code.clone(), title: s.title.clone(), fields });
        }
    }
    hits
}

// ---- editing -----------------------------------------------------------------------------

/// Paragraphs typed in a text area: separated by blank lines.
pub fn paragraphs_from_text(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(line.trim());
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

pub fn paragraphs_to_text(items: &[String]) -> String {
    items.join("\n\n")
}

/// Items typed in a text area: one per line, blank lines ignored.
pub fn items_from_text(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

pub fn items_to_text(items: &[String]) -> String {
    items.join("\n")
}

/// Means typed in a text area: one per line; a line starting with "- " is an item of the
/// means above it.
pub fn means_from_text(text: &str) -> Result<Vec<Means>, String> {
    let mut out: Vec<Means> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("– ")) {
            match out.last_mut() {
                Some(m) => m.items.push(item.trim().to_string()),
                None => {
                    return Err(format!("ligne {} : un sous-élément (commençant par « - ») doit suivre un élément", n + 1));
                }
            }
        } else {
            out.push(Means { text: t.to_string(), items: Vec::new() });
        }
    }
    Ok(out)
}

pub fn means_to_text(means: &[Means]) -> String {
    let mut out = String::new();
    for m in means {
        out.push_str(&m.text);
        out.push('\n');
        for i in &m.items {
            out.push_str("- ");
            out.push_str(i);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"format = 1
[strategy]
code = "essai"
title = "Stratégie d'essai"
territory = "Commune"
period_start = 2024
period_end = 2026

[[axes]]
number = 1
title = "Premier axe"

[[axes.sheets]]
code = "1.1"
title = "Première fiche"
pilot = "Coordinateur CLSPD"
indicators = ["Nombre de réunions"]

[[axes.sheets.means]]
text = "Un dispositif :"
items = ["premier", "second"]
"#;

    #[test]
    fn years_out_of_bounds_are_refused_with_their_line() {
        for (from, to) in [("period_start = 2024", "period_start = -5"), ("period_end = 2026", "period_end = 99999")] {
            let e = parse_file("essai.toml", &MINIMAL.replace(from, to)).unwrap_err().to_string();
            assert!(e.contains("année hors des limites") && e.contains("ligne"), "{e}");
        }
    }

    #[test]
    fn a_minimal_file_parses_and_exports_back_to_itself() -> Result<(), FileError> {
        let doc = parse_file("essai.toml", MINIMAL)?;
        assert_eq!(doc.axes[0].sheets[0].means[0].items, vec!["premier", "second"]);
        let again = parse_file("export.toml", &to_file(&doc))?;
        assert_eq!(again, doc);
        Ok(())
    }

    #[test]
    fn an_unknown_field_names_file_line_and_field() {
        let src = MINIMAL.replace("pilot = ", "pilote = \"x\"\npilot = ");
        let e = parse_file("essai.toml", &src).err();
        let e = e.map(|e| (e.file, e.line, e.field));
        assert_eq!(e, Some(("essai.toml".into(), 16, "pilote".into())));
    }

    #[test]
    fn a_bad_sheet_code_is_reported_on_its_line() {
        let src = MINIMAL.replace("code = \"1.1\"", "code = \"2.1\"");
        let e = parse_file("essai.toml", &src).err();
        assert_eq!(e.as_ref().map(|e| e.line), Some(14));
        assert_eq!(e.map(|e| e.field), Some("axes.sheets.code".to_string()));
    }

    #[test]
    fn an_empty_item_is_refused() {
        let src = MINIMAL.replace("[\"Nombre de réunions\"]", "[\"Nombre de réunions\", \"  \"]");
        let e = parse_file("essai.toml", &src).err();
        assert_eq!(e.map(|e| e.field), Some("axes.sheets.indicators (fiche 1.1)".to_string()));
    }

    #[test]
    fn a_syntax_error_is_reported_with_its_line() {
        let src = MINIMAL.replace("period_end = 2026", "period_end = 2026\ntitle = ");
        let e = parse_file("essai.toml", &src).err();
        assert_eq!(e.map(|e| e.line), Some(8));
    }

    #[test]
    fn search_needs_every_word_and_ignores_case_and_accents() -> Result<(), FileError> {
        let doc = parse_file("essai.toml", MINIMAL)?;
        let hits = search(&doc, "REUNIONS premiere");
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].fields,
            vec![("Intitulé", "Première fiche".to_string()), ("Indicateurs d'évaluation", "Nombre de réunions".to_string())]
        );
        assert!(search(&doc, "réunions police").is_empty());
        assert!(search(&doc, "   ").is_empty());
        Ok(())
    }

    #[test]
    fn means_text_round_trips() -> Result<(), String> {
        let means = means_from_text("Un dispositif :\n- premier\n- second\n\nAutre chose\n")?;
        assert_eq!(means.len(), 2);
        assert_eq!(means_from_text(&means_to_text(&means))?, means);
        assert!(means_from_text("- orphelin").is_err());
        Ok(())
    }
}
