//! National prevention strategies (SNPD) as versioned data, and how a local strategy's sheets
//! align with them. A framework holds what a public source states (axes, and measures only
//! where their wording is cited); the alignment is the commune's own choice, many-to-many: a
//! sheet may serve several axes or measures, of several frameworks. The coverage report says
//! which national axes the local strategy serves and which sheets serve none.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The version of the file format this code reads and writes.
pub const FORMAT: u32 = 1;

/// The frameworks shipped with Maillage, loaded into an empty database.
pub const SHIPPED_FILE: &str = include_str!("../../../../data/national-frameworks.toml");

/// Whether a framework was adopted, or is announced and still to be checked against its
/// publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FrameworkStatus {
    Adopted,
    Draft,
}

impl FrameworkStatus {
    pub fn label(self) -> &'static str {
        match self {
            FrameworkStatus::Adopted => "adoptée",
            FrameworkStatus::Draft => "annoncée, à vérifier",
        }
    }
}

/// A national strategy, as published.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// Stable identifier: an import with the same code is a new version of the same framework.
    pub code: String,
    pub title: String,
    pub period_start: i32,
    pub period_end: i32,
    pub status: FrameworkStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Where its content comes from: at least one.
    pub sources: Vec<Source>,
    pub axes: Vec<NationalAxis>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NationalAxis {
    pub number: i32,
    pub title: String,
    /// The practical fiches of the national toolbox that belong to the axis.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub toolbox: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
}

/// A national measure, numbered across the whole framework, with where its wording was read.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub number: i32,
    pub title: String,
    pub source: String,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct File {
    format: u32,
    frameworks: Vec<Framework>,
}

/// Why a frameworks file is refused: where, then why, in French.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{place} : {message}")]
pub struct FileFault {
    pub place: String,
    pub message: String,
}

fn fault(place: impl Into<String>, message: impl Into<String>) -> FileFault {
    FileFault { place: place.into(), message: message.into() }
}

impl Framework {
    pub fn axis(&self, number: i32) -> Option<&NationalAxis> {
        self.axes.iter().find(|a| a.number == number)
    }
}

/// Reads a frameworks file (format 1), checked whole: every fault, each with its place.
pub fn read(text: &str) -> Result<Vec<Framework>, Vec<FileFault>> {
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| text.get(..s.start).unwrap_or(text).matches('\n').count() + 1);
        let place = line.map_or_else(|| "fichier".to_string(), |l| format!("ligne {l}"));
        vec![fault(place, toml_fault_fr(e.message()))]
    })?;
    let mut faults = Vec::new();
    if file.format != FORMAT {
        faults.push(fault("format", format!("format {} inconnu (attendu : {FORMAT})", file.format)));
    }
    if file.frameworks.is_empty() {
        faults.push(fault("frameworks", "aucun cadre national dans le fichier"));
    }
    let mut codes = HashSet::new();
    for f in &file.frameworks {
        if !codes.insert(f.code.as_str()) {
            faults.push(fault(format!("cadre {}", f.code), "code en double dans le fichier"));
        }
        faults.extend(check(f));
    }
    if faults.len() > MAX_FAULTS {
        let more = faults.len() - MAX_FAULTS;
        faults.truncate(MAX_FAULTS);
        faults.push(fault("fichier", format!("et {more} autre(s) erreur(s)")));
    }
    if faults.is_empty() { Ok(file.frameworks) } else { Err(faults) }
}

/// The TOML reader's (English) message, said in French for the common cases.
fn toml_fault_fr(message: &str) -> String {
    let quoted = |marker: &str| message.split_once(marker).and_then(|(_, r)| r.split_once('`')).map(|(name, _)| name.to_string());
    let clean = |s: String| s.chars().filter(|c| !c.is_control() && !crate::text::is_invisible(*c)).take(60).collect::<String>();
    if let Some(name) = quoted("unknown field `") {
        format!("le champ « {} » n'existe pas dans ce format (voir l'export)", clean(name))
    } else if let Some(name) = quoted("missing field `") {
        format!("le champ « {} » manque", clean(name))
    } else if let Some(name) = quoted("unknown variant `") {
        format!("valeur « {} » inconnue (état attendu : adopted ou draft)", clean(name))
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        "valeur d'un type inattendu (un nombre entier, un texte entre guillemets ou une liste, selon le champ)".to_string()
    } else if let Some(name) = quoted("duplicate key `") {
        format!("le champ « {} » est écrit deux fois", clean(name))
    } else {
        "syntaxe TOML invalide (guillemets, crochets ou signe = à vérifier)".to_string()
    }
}

/// The frameworks as a file that [`read`] reads back.
pub fn write(frameworks: &[Framework]) -> String {
    let file = File { format: FORMAT, frameworks: frameworks.to_vec() };
    toml::to_string(&file).unwrap_or_default()
}

/// The shipped frameworks.
pub fn shipped() -> Result<Vec<Framework>, Vec<FileFault>> {
    read(SHIPPED_FILE)
}

fn text_fault(place: &str, value: &str, required: bool, max: usize) -> Option<FileFault> {
    if let Err(m) = crate::strategy::check_text(value, required) {
        return Some(fault(place, m));
    }
    if value.chars().any(crate::text::is_invisible) {
        return Some(fault(place, "caractère invisible (espace sans largeur, marque de direction…) : retirez-le"));
    }
    (value.chars().count() > max).then(|| fault(place, format!("{max} caractères au plus")))
}

/// A framework's own faults.
pub fn check(f: &Framework) -> Vec<FileFault> {
    let mut faults = Vec::new();
    let here = |field: &str| format!("cadre {} — {field}", f.code);
    let code_ok = (3..=40).contains(&f.code.len())
        && f.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && f.code.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    if !code_ok {
        faults.push(fault(
            here("code"),
            "de 3 à 40 caractères : lettres minuscules sans accent, chiffres et tirets, en commençant par une lettre",
        ));
    }
    faults.extend(text_fault(&here("title"), &f.title, true, 300));
    faults.extend(text_fault(&here("note"), &f.note, false, 2000));
    if !crate::strategy::STRATEGY_YEARS.contains(&f.period_start) || f.period_end < f.period_start || f.period_end - f.period_start > 15 {
        faults.push(fault(here("period"), "période incohérente : l'année de fin suit celle de début, de 2000 à 2100, sur 15 ans au plus"));
    }
    if f.sources.is_empty() {
        faults.push(fault(here("sources"), "citez au moins une source publique"));
    }
    for (i, s) in f.sources.iter().enumerate() {
        let place = here(&format!("sources[{}]", i + 1));
        faults.extend(text_fault(&place, &s.label, true, 300));
        if let Some(url) = &s.url {
            let ok =
                (url.starts_with("https://") || url.starts_with("http://")) && !url.chars().any(|c| c.is_whitespace() || c.is_control());
            if !ok || url.len() > 500 {
                faults.push(fault(place, "adresse web attendue (https://… ou http://…)"));
            }
        }
    }
    if f.axes.is_empty() {
        faults.push(fault(here("axes"), "au moins un axe"));
    }
    let mut axes = HashSet::new();
    let mut measures = HashSet::new();
    for a in &f.axes {
        let place = here(&format!("axe {}", a.number));
        if !(1..=20).contains(&a.number) || !axes.insert(a.number) {
            faults.push(fault(place.clone(), "numéro d'axe de 1 à 20, une fois chacun"));
        }
        faults.extend(text_fault(&place, &a.title, true, 300));
        faults.extend(text_fault(&place, &a.toolbox, false, 200));
        for m in &a.measures {
            let place = here(&format!("mesure {}", m.number));
            if !(1..=200).contains(&m.number) || !measures.insert(m.number) {
                faults.push(fault(place.clone(), "numéro de mesure de 1 à 200, une fois dans le cadre"));
            }
            faults.extend(text_fault(&place, &m.title, true, 300));
            if let Some(f) = text_fault(&place, &m.source, true, 300) {
                faults.push(FileFault { message: format!("source de la mesure : {}", f.message), ..f });
            }
        }
    }
    faults
}

/// A sheet serving a national axis, or one of its measures.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    pub sheet: String,
    pub axis: i32,
    pub measure: Option<i32>,
}

/// The most faults said at once: a list that names thousands helps nobody.
pub const MAX_FAULTS: usize = 20;

/// Links that name a sheet the strategy does not have, or an axis or measure the framework does
/// not have: each said once, [`MAX_FAULTS`] at most, then how many more.
pub fn check_links(f: &Framework, sheets: &[String], links: &[Link]) -> Vec<String> {
    let mut said = HashSet::new();
    let mut faults = Vec::new();
    for l in links {
        let fault = if !sheets.contains(&l.sheet) {
            format!("la fiche {} n'existe pas dans la stratégie en vigueur", l.sheet)
        } else {
            match (f.axis(l.axis), l.measure) {
                (None, _) => format!("l'axe {} n'existe pas dans « {} »", l.axis, f.title),
                (Some(a), Some(m)) if !a.measures.iter().any(|x| x.number == m) => {
                    format!("la mesure {m} n'appartient pas à l'axe {} de « {} »", a.number, f.title)
                }
                _ => continue,
            }
        };
        if said.insert(fault.clone()) && faults.len() < MAX_FAULTS {
            faults.push(fault);
        }
    }
    if said.len() > faults.len() {
        faults.push(format!("et {} autre(s) choix erroné(s)", said.len() - faults.len()));
    }
    faults
}

/// The links as saved: a sheet serving a measure serves its axis too; each once, in order.
pub fn normalised(links: &[Link]) -> Vec<Link> {
    let mut out: Vec<Link> = links.to_vec();
    out.extend(links.iter().filter(|l| l.measure.is_some()).map(|l| Link { measure: None, ..l.clone() }));
    out.sort();
    out.dedup();
    out
}

/// Links that a framework's new version no longer has room for (an axis or a measure removed):
/// they are dropped with the version, so that a later axis reusing the number inherits none.
pub fn orphans(f: &Framework, links: &[Link]) -> Vec<Link> {
    links
        .iter()
        .filter(|l| match (f.axis(l.axis), l.measure) {
            (None, _) => true,
            (Some(a), Some(m)) => !a.measures.iter().any(|x| x.number == m),
            (Some(_), None) => false,
        })
        .cloned()
        .collect()
}

/// An axis, with the sheets that serve it (directly or through one of its measures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisCoverage {
    pub number: i32,
    pub title: String,
    pub sheets: Vec<String>,
    pub measures: Vec<(Measure, Vec<String>)>,
}

/// Which national axes the local strategy serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub axes: Vec<AxisCoverage>,
    /// Local sheets that serve no axis of the framework.
    pub unaligned: Vec<String>,
}

impl Coverage {
    pub fn covered(&self) -> usize {
        self.axes.iter().filter(|a| !a.sheets.is_empty()).count()
    }
}

/// The coverage of `f` by a strategy's `sheets` (in their order) through `links`; links to an
/// axis or measure a later version dropped are left out.
pub fn coverage(f: &Framework, sheets: &[String], links: &[Link]) -> Coverage {
    let order = |code: &str| sheets.iter().position(|s| s == code).unwrap_or(usize::MAX);
    let mut by_axis: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut by_measure: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut aligned = HashSet::new();
    for l in links.iter().filter(|l| sheets.contains(&l.sheet)) {
        let Some(axis) = f.axis(l.axis) else { continue };
        if let Some(m) = l.measure {
            if !axis.measures.iter().any(|x| x.number == m) {
                continue;
            }
            by_measure.entry(m).or_default().push(l.sheet.clone());
        }
        by_axis.entry(l.axis).or_default().push(l.sheet.clone());
        aligned.insert(l.sheet.as_str());
    }
    let sorted = |mut v: Vec<String>| {
        v.sort_by_key(|c| order(c));
        v.dedup();
        v
    };
    Coverage {
        axes: f
            .axes
            .iter()
            .map(|a| AxisCoverage {
                number: a.number,
                title: a.title.clone(),
                sheets: sorted(by_axis.remove(&a.number).unwrap_or_default()),
                measures: a.measures.iter().map(|m| (m.clone(), sorted(by_measure.remove(&m.number).unwrap_or_default()))).collect(),
            })
            .collect(),
        unaligned: sheets.iter().filter(|s| !aligned.contains(s.as_str())).cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snpd() -> Framework {
        shipped().unwrap().into_iter().find(|f| f.code == "snpd-2020-2024").unwrap()
    }

    #[test]
    fn the_shipped_file_holds_the_2020_strategy_and_its_announced_successor() {
        let all = shipped().unwrap();
        let f = snpd();
        assert_eq!((f.period_start, f.period_end, f.status), (2020, 2024, FrameworkStatus::Adopted));
        assert_eq!(f.axes.iter().map(|a| a.number).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(f.axes[0].title.starts_with("Les jeunes"));
        // Only the measures whose wording was checked against a source: axis 1's first thirteen.
        let measures: Vec<&Measure> = f.axes.iter().flat_map(|a| &a.measures).collect();
        assert_eq!(measures.iter().map(|m| m.number).collect::<Vec<_>>(), (1..=13).collect::<Vec<_>>());
        assert!(f.axes[1..].iter().all(|a| a.measures.is_empty()));
        assert!(measures.iter().all(|m| !m.source.is_empty()));
        let next = all.iter().find(|f| f.code == "snpd-2025-2030").unwrap();
        assert_eq!((next.status, next.axes.len()), (FrameworkStatus::Draft, 5));
        assert!(all.iter().all(|f| !f.sources.is_empty()));
    }

    #[test]
    fn a_file_round_trips() {
        let all = shipped().unwrap();
        assert_eq!(read(&write(&all)).unwrap(), all);
    }

    #[test]
    fn a_bad_file_says_every_fault_with_its_place() {
        let e = read("format = 1\n[[frameworks]]\ncode = \"x\"\ntitle = \"\"\nperiod_start = 2024\nperiod_end = 2020\nstatus = \"adopted\"\nsources = []\n[[frameworks.axes]]\nnumber = 1\ntitle = \"A\"\n[[frameworks.axes]]\nnumber = 1\ntitle = \"B\"\n[[frameworks.axes.measures]]\nnumber = 3\ntitle = \"M\"\nsource = \"\"\n").unwrap_err();
        let places: Vec<&str> = e.iter().map(|f| f.place.as_str()).collect();
        assert_eq!(
            places,
            ["cadre x — code", "cadre x — title", "cadre x — period", "cadre x — sources", "cadre x — axe 1", "cadre x — mesure 3"],
            "{e:?}"
        );
        assert!(e[5].message.starts_with("source de la mesure"), "{e:?}");
        let e = read("format = 1\n[[frameworks]]\ncode = \"snpd\"\nunknown = 3\n").unwrap_err();
        assert_eq!(e[0].place, "ligne 4", "{e:?}");
        let e = read("format = 2\nframeworks = []\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(read("format = 1\n[[frameworks]]\ncode = \"snpd-x\"\ntitle = \"T\"\nperiod_start = 2020\nperiod_end = 2024\nstatus = \"adopted\"\n[[frameworks.sources]]\nlabel = \"S\"\nurl = \"javascript:alert(1)\"\n[[frameworks.axes]]\nnumber = 1\ntitle = \"A\"\n").is_err());
    }

    #[test]
    fn coverage_counts_an_axis_served_through_its_measures() {
        let f = snpd();
        let sheets: Vec<String> = ["1.1", "1.2", "4.1", "6.1"].map(String::from).to_vec();
        let links = [
            Link { sheet: "1.2".into(), axis: 1, measure: Some(1) },
            Link { sheet: "1.1".into(), axis: 1, measure: None },
            Link { sheet: "4.1".into(), axis: 2, measure: None },
            Link { sheet: "gone".into(), axis: 3, measure: None },
        ];
        let c = coverage(&f, &sheets, &links);
        assert_eq!(c.axes[0].sheets, ["1.1", "1.2"]);
        assert_eq!(c.axes[0].measures[0].1, ["1.2"]);
        assert_eq!(c.axes[1].sheets, ["4.1"]);
        assert!(c.axes[2].sheets.is_empty(), "a sheet the strategy no longer has serves nothing");
        assert_eq!(c.covered(), 2);
        assert_eq!(c.unaligned, ["6.1"]);
    }

    #[test]
    fn a_measure_brings_its_axis_and_a_removed_axis_takes_its_links() {
        let mut f = snpd();
        let links =
            normalised(&[Link { sheet: "6.1".into(), axis: 1, measure: Some(1) }, Link { sheet: "3.2".into(), axis: 4, measure: None }]);
        assert_eq!(links.len(), 3);
        assert!(links.contains(&Link { sheet: "6.1".into(), axis: 1, measure: None }));
        f.axes.retain(|a| a.number != 4);
        f.axes[0].measures.clear();
        let gone = orphans(&f, &links);
        assert_eq!(gone.len(), 2, "{gone:?}");
        assert!(gone.iter().all(|l| l.axis == 4 || l.measure == Some(1)));
    }

    #[test]
    fn faults_are_capped_and_toml_ones_said_in_french() {
        let f = snpd();
        let many: Vec<Link> = (5..5000).map(|axis| Link { sheet: "1.1".into(), axis, measure: None }).collect();
        let faults = check_links(&f, &["1.1".to_string()], &many);
        assert_eq!(faults.len(), MAX_FAULTS + 1);
        assert!(faults.last().unwrap().starts_with("et 4975 autre(s)"), "{faults:?}");
        let e = read("format = 1\nfoo = 2\n").unwrap_err();
        assert!(e[0].message.contains("le champ « foo » n'existe pas"), "{e:?}");
        let e = read("format = 1\nformat = 1\n").unwrap_err();
        assert!(e[0].message.contains("« format » est écrit deux fois"), "{e:?}");
        let e = read("format = 1\n[[frameworks]\n").unwrap_err();
        assert!(e[0].message.starts_with("syntaxe TOML invalide"), "{e:?}");
        let mut bad = snpd();
        bad.axes[0].title.push('\u{200b}');
        assert!(check(&bad).iter().any(|f| f.message.starts_with("caractère invisible")));
    }

    #[test]
    fn links_to_what_does_not_exist_are_refused() {
        let f = snpd();
        let sheets = vec!["1.1".to_string()];
        let faults = check_links(
            &f,
            &sheets,
            &[
                Link { sheet: "9.9".into(), axis: 1, measure: None },
                Link { sheet: "1.1".into(), axis: 7, measure: None },
                Link { sheet: "1.1".into(), axis: 2, measure: Some(1) },
                Link { sheet: "1.1".into(), axis: 1, measure: Some(1) },
            ],
        );
        assert_eq!(faults.len(), 3, "{faults:?}");
        assert!(faults[2].contains("n'appartient pas à l'axe 2"));
    }
}
