//! Declared figures as a long CSV, one line per value: an indicator's total for a period, then
//! one line per part of its breakdowns. What a partner exports it can edit in a spreadsheet and
//! import again: every line is checked first, each fault named with its line and column, and
//! nothing is written unless the whole file passes; then every figure is written in one
//! transaction.
//!
//! Columns: `indicateur` (the indicator's number, as in its page's address), `libelle`
//! (its wording, read by people, ignored on import), `periode` ("2020", "2020-S1",
//! "2019-2020"), `ventilation` (empty on the total's line; else a breakdown: `age_band`, `sex`,
//! `district` — the district is a breakdown like the others —, `priority_area`,
//! `organisation`, or their French names), `partie` (the part's code or name), `organisation`
//! (the declaring organisation's code; empty means one's own), `valeur`, `commentaire` (on the
//! total's line only).

use super::{IndicatorError, IndicatorRef, indicators, parts_of, prepare};
use crate::App;
use maillage_core::indicator::declaration::{DeclaredDraft, Part, State, Step};
use maillage_core::indicator::{Dimension, Period, Source, VALUE_MAX};
use maillage_core::text::fold;
use maillage_store::indicator::{DeclaredKey, DeclaredValue, DeclaredWrite};
use maillage_store::{Author, StoreError};
use serde::Serialize;

pub const COLUMNS: [&str; 8] = ["indicateur", "libelle", "periode", "ventilation", "partie", "organisation", "valeur", "commentaire"];

/// The columns a file must have; the others may be left out.
const REQUIRED: [&str; 4] = ["indicateur", "periode", "valeur", "ventilation"];

/// At most this many lines in one file: a partner's year is a few hundred.
pub const MAX_LINES: usize = 20_000;

/// A fault (or a warning) of a file: its line (the header is line 1) and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineFault {
    #[serde(rename = "ligne")]
    pub line: u64,
    #[serde(rename = "colonne")]
    pub column: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("le fichier contient {} erreur(s) : rien n'a été importé", .0.len())]
    Lines(Vec<LineFault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import wrote: how many figures, and the warnings their checks gave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    #[serde(rename = "chiffres")]
    pub figures: usize,
    /// Figures already transmitted or validated that the file gives unchanged: left as they are,
    /// so that a file exported, corrected in places and imported again goes through.
    #[serde(rename = "inchanges")]
    pub unchanged: usize,
    #[serde(rename = "avertissements")]
    pub warnings: Vec<LineFault>,
}

fn fault(line: u64, column: &str, message: impl Into<String>) -> LineFault {
    LineFault { line, column: column.into(), message: message.into() }
}

type LineKey = (i64, Period, Option<(Dimension, String)>);

/// One (indicator, period)'s lines, gathered.
struct Group {
    indicator: IndicatorRef,
    period: Period,
    total: Option<(u64, i64, String)>,
    parts: Vec<(u64, Part)>,
    first_line: u64,
}

fn same_parts(a: &[Part], b: &[Part]) -> bool {
    a.len() == b.len() && a.iter().all(|p| b.contains(p))
}

/// The line of a quote opened and never closed (RFC 4180: a quote inside a quoted field is
/// doubled, so each pair leaves the state as it was).
fn unclosed_quote(text: &str) -> Option<u64> {
    let (mut open, mut line, mut opened_at) = (false, 1, 0);
    for c in text.chars() {
        match c {
            '"' => {
                open = !open;
                if open {
                    opened_at = line;
                }
            }
            '\n' => line += 1,
            _ => {}
        }
    }
    open.then_some(opened_at)
}

/// A cell as the export wrote it: the apostrophe it puts before a text that a spreadsheet
/// would take for a formula is taken off again.
fn unneutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A message as a sentence: capital first, full stop last.
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    let mut out: String = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// At most this many faults are listed: past them, the file has a systematic fault.
const MAX_FAULTS: usize = 100;

/// A number as people type it: spaces (also no-break) between thousands are allowed.
fn number(text: &str) -> Option<i64> {
    let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    digits.parse().ok()
}

/// Reads and checks a file, then writes all its figures for `organisation` (its id and code),
/// saved as drafts or submitted (`step`).
pub async fn import(app: &App, by: &Author, organisation: (i64, &str), bytes: &[u8], step: Step) -> Result<Imported, ImportError> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
            return Err(ImportError::Lines(vec![fault(
                line,
                "",
                "Le fichier n'est pas encodé en UTF-8 : dans votre tableur, enregistrez-le au format « CSV UTF-8 ».",
            )]));
        }
    };
    if let Some(line) = unclosed_quote(text) {
        return Err(ImportError::Lines(vec![fault(
            line,
            "",
            "Un guillemet ouvert sur cette ligne n'est jamais fermé : tout ce qui suit serait lu comme un seul texte.",
        )]));
    }
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| fold(c.trim()).replace(['é', 'è'], "e")).collect(),
        Err(_) => return Err(ImportError::Lines(vec![fault(1, "", "Première ligne illisible : les noms des colonnes sont attendus.")])),
    };
    let mut faults = Vec::new();
    for (n, h) in headers.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            faults.push(fault(1, h, format!("Colonne {} inconnue : les colonnes sont {}.", n + 1, COLUMNS.join(", "))));
        } else if headers[..n].contains(h) {
            faults.push(fault(1, h, "Cette colonne apparaît deux fois."));
        }
    }
    for r in REQUIRED {
        if !headers.iter().any(|h| h == r) {
            faults.push(fault(1, r, format!("La colonne « {r} » manque.")));
        }
    }
    if !faults.is_empty() {
        return Err(ImportError::Lines(faults));
    }
    let col = |name: &str| headers.iter().position(|h| h == name);

    let all = indicators(app).await?;
    let mut parts_by_dimension = Vec::new();
    for d in Dimension::ALL {
        parts_by_dimension.push((*d, parts_of(app, *d).await?));
    }
    let mut groups: Vec<Group> = Vec::new();
    // Each figure's line: (indicator, period, part or none for the total) and its line.
    let mut seen: Vec<(LineKey, u64)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record.as_ref().ok().and_then(|r| r.position()).map_or(i as u64 + 2, csv::Position::line);
        if i >= MAX_LINES {
            faults.push(fault(line, "", format!("Le fichier dépasse {MAX_LINES} lignes : découpez-le.")));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                faults.push(fault(line, "", format!("Ligne illisible : {e}.")));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            faults.push(fault(
                line,
                "",
                format!("{} colonne(s) au lieu de {} : vérifiez le séparateur et les guillemets.", record.len(), headers.len()),
            ));
            continue;
        }
        let get = |name: &str| col(name).and_then(|c| record.get(c)).map_or("", str::trim);
        let before = faults.len();
        let indicator = match get("indicateur").parse::<i64>().ok().and_then(|id| all.iter().find(|i| i.id == id)) {
            None => {
                faults.push(fault(line, "indicateur", "Indicateur inconnu dans la stratégie en cours : son numéro est celui de sa page."));
                None
            }
            Some(i) if i.indicator.source != Source::Declared => {
                faults.push(fault(line, "indicateur", "Cet indicateur est calculé à partir des enregistrements : il ne se déclare pas."));
                None
            }
            Some(i) => Some(i),
        };
        let period = Period::parse(get("periode"));
        if period.is_none() {
            faults.push(fault(line, "periode", "Période illisible : « 2020 », « 2020-S1 » ou « 2019-2020 » attendu."));
        }
        let own = get("organisation");
        if !own.is_empty() && fold(own) != fold(organisation.1) {
            faults.push(fault(
                line,
                "organisation",
                "Une organisation ne déclare que pour elle-même : laissez la colonne vide ou mettez son code.",
            ));
        }
        let dimension = match get("ventilation") {
            "" => None,
            d => match Dimension::ALL.iter().find(|x| x.code() == d || fold(x.label()) == fold(d)) {
                Some(x) => Some(*x),
                None => {
                    faults.push(fault(
                        line,
                        "ventilation",
                        format!("Ventilation inconnue : {} attendu, ou vide pour le total.", Dimension::codes()),
                    ));
                    None
                }
            },
        };
        let part_text = get("partie");
        let part = match dimension {
            None if !part_text.is_empty() && get("ventilation").is_empty() => {
                faults.push(fault(
                    line,
                    "partie",
                    "Une partie sans ventilation : indiquez la ventilation, ou videz la partie pour le total.",
                ));
                None
            }
            None => None,
            Some(d) => {
                let known = parts_by_dimension.iter().find(|(k, _)| *k == d).map(|(_, v)| v.as_slice()).unwrap_or_default();
                let own_code = d == Dimension::Organisation && fold(part_text) == fold(organisation.1);
                match known.iter().find(|(code, label)| fold(code) == fold(part_text) || fold(label) == fold(part_text)) {
                    _ if own_code => Some(organisation.0.to_string()),
                    Some((code, _)) => Some(code.clone()),
                    None => {
                        faults.push(fault(line, "partie", format!("{} : partie inconnue « {part_text} ».", d.label())));
                        None
                    }
                }
            }
        };
        let value = match number(get("valeur")) {
            Some(v) if (0..=VALUE_MAX).contains(&v) => Some(v),
            _ => {
                faults.push(fault(line, "valeur", format!("Un nombre entier de 0 à {VALUE_MAX} est attendu, pas « {} ».", get("valeur"))));
                None
            }
        };
        let comment = unneutralised(get("commentaire")).to_string();
        if dimension.is_some() && !comment.is_empty() {
            faults.push(fault(line, "commentaire", "Le commentaire se met sur la ligne du total (ventilation vide)."));
        }
        if faults.len() > before {
            continue;
        }
        let (Some(indicator), Some(period), Some(value)) = (indicator, period, value) else { continue };
        let key = (indicator.id, period, dimension.zip(part.clone()));
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            faults.push(fault(line, "", format!("Ligne en double : la ligne {first} donne déjà ce chiffre.")));
            continue;
        }
        seen.push((key, line));
        let g = match groups.iter_mut().position(|g| g.indicator.id == indicator.id && g.period == period) {
            Some(n) => &mut groups[n],
            None => {
                groups.push(Group { indicator: indicator.clone(), period, total: None, parts: Vec::new(), first_line: line });
                let n = groups.len() - 1;
                &mut groups[n]
            }
        };
        match (dimension, part) {
            (Some(dimension), Some(part)) => g.parts.push((line, Part { dimension, part, value })),
            _ => g.total = Some((line, value, comment)),
        }
    }

    let mut writes: Vec<DeclaredWrite> = Vec::new();
    let mut warnings = Vec::new();
    let mut unchanged = 0;
    for g in groups {
        let Some((total_line, total, comment)) = g.total.clone() else {
            faults.push(fault(g.first_line, "ventilation", "La ligne du total de ce chiffre manque (une ligne avec la ventilation vide)."));
            continue;
        };
        let draft = DeclaredDraft { total: Some(total), parts: g.parts.iter().map(|(_, p)| p.clone()).collect(), comment };
        let key = DeclaredKey { indicator_id: g.indicator.id, period: g.period, organisation_id: organisation.0 };
        let current = app.store.declared_value_at(key).await?;
        // Unchanged: a figure already transmitted, or a draft saved again as a draft.
        if let Some(c) = &current
            && (matches!(c.state, State::Submitted | State::Validated | State::Locked) || (c.state == State::Draft && step == Step::Save))
            && c.total == total
            && c.comment.trim() == draft.comment.trim()
            && same_parts(&c.parts, &draft.parts)
        {
            unchanged += 1;
            continue;
        }
        match prepare(app, &g.indicator, key, current.as_ref().map(|c| c.version), step, draft).await {
            Ok((write, checked)) => {
                warnings.extend(checked.warnings.into_iter().map(|w| fault(total_line, "valeur", w)));
                writes.push(write);
            }
            Err(IndicatorError::Invalid(found)) => {
                for (field, message) in found {
                    // A part's fault on its line; the others on the total's.
                    let at =
                        g.parts.iter().find(|(_, p)| field == format!("{}.{}", p.dimension.code(), p.part)).map_or(total_line, |(l, _)| *l);
                    let column = match field.as_str() {
                        "period" => "periode",
                        "comment" => "commentaire",
                        f if f.contains('.') && at != total_line => "partie",
                        _ => "valeur",
                    };
                    faults.push(fault(at, column, message));
                }
            }
            Err(IndicatorError::Refused(r)) => {
                let column = if r == maillage_core::indicator::declaration::StepRefused::Locked { "periode" } else { "" };
                faults.push(fault(total_line, column, sentence(&r.to_string())));
            }
            Err(IndicatorError::NotDeclared | IndicatorError::NotFound) => {
                faults.push(fault(total_line, "indicateur", "Cet indicateur ne se déclare pas."));
            }
            Err(IndicatorError::Store(e)) => return Err(e.into()),
        }
    }
    if writes.is_empty() && unchanged == 0 && faults.is_empty() {
        faults.push(fault(1, "", "Le fichier ne contient aucun chiffre."));
    }
    if !faults.is_empty() {
        faults.sort_by_key(|f| f.line);
        if faults.len() > MAX_FAULTS {
            let more = faults.len() - MAX_FAULTS;
            faults.truncate(MAX_FAULTS);
            faults.push(fault(
                0,
                "",
                format!("… et {more} autre(s) erreur(s) : corrigez d'abord celles-ci, elles viennent souvent d'une même cause."),
            ));
        }
        return Err(ImportError::Lines(faults));
    }
    app.store.save_declared_values(by, &writes).await?;
    Ok(Imported { figures: writes.len(), unchanged, warnings })
}

/// Declared values as the long CSV `import` reads (`french`: semicolons and a byte-order mark).
pub fn export(
    values: &[DeclaredValue],
    inds: &[IndicatorRef],
    organisation_codes: &[(i64, String)],
    french: bool,
) -> Result<Vec<u8>, csv::Error> {
    let mut out: Vec<u8> = if french { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut w = csv::WriterBuilder::new().delimiter(if french { b';' } else { b',' }).from_writer(&mut out);
    w.write_record(COLUMNS)?;
    for v in values {
        let label = inds.iter().find(|i| i.id == v.indicator_id).map_or("", |i| i.indicator.label.as_str());
        let org = organisation_codes.iter().find(|o| o.0 == v.organisation_id).map_or("", |o| o.1.as_str());
        let cells = |dimension: &str, part: &str, value: i64, comment: &str| {
            [
                v.indicator_id.to_string(),
                label.to_string(),
                v.period.code(),
                dimension.into(),
                part.into(),
                org.into(),
                value.to_string(),
                comment.into(),
            ]
            .map(|c| crate::report::export::csv_cell(&c).into_owned())
        };
        w.write_record(cells("", "", v.total, &v.comment))?;
        for p in &v.parts {
            w.write_record(cells(p.dimension.code(), &p.part, p.value, ""))?;
        }
    }
    w.flush()?;
    drop(w);
    Ok(out)
}
