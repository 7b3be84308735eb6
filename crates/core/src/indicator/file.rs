//! The `[[indicators]]` tables of a strategy file: one reference sheet per entry, tied to its
//! sheet's indicator by `sheet` and `label`. Indicators with no entry are declared once a year
//! ([`Indicator::undescribed`]); only described ones are written back.

use super::{Dimension, Direction, Frequency, Indicator, Level, Period, PeriodValue, Source, SumRule};
use crate::strategy::Axis;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileIndicator {
    sheet: Spanned<String>,
    label: String,
    #[serde(default)]
    definition: String,
    level: Option<String>,
    unit: Option<String>,
    #[serde(default)]
    computation: String,
    source: Option<String>,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    publics: Vec<String>,
    group_kind: Option<String>,
    #[serde(default)]
    breakdowns: Vec<String>,
    frequency: Option<String>,
    direction: Option<String>,
    #[serde(default)]
    responsible: String,
    sum_rule: Option<String>,
    baseline: Option<FileValue>,
    #[serde(default)]
    targets: Vec<FileValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileValue {
    period: String,
    value: i64,
}

/// A fault of one entry: its line and (field, message).
pub(crate) type EntryFault = (usize, String, String);

fn coded<T: Copy>(value: Option<&String>, default: T, from: fn(&str) -> Option<T>, codes: fn() -> String) -> Result<T, String> {
    match value {
        None => Ok(default),
        Some(v) => from(v.trim()).ok_or_else(|| format!("valeur « {v} » inconnue : {} attendu", codes())),
    }
}

fn period_value(v: &FileValue) -> Result<PeriodValue, String> {
    let period = Period::parse(&v.period).ok_or_else(|| {
        format!("période « {} » illisible : « 2020 », « 2020-S1 » (semestre) ou « 2019-2020 » (année scolaire) attendu", v.period)
    })?;
    Ok(PeriodValue { period, value: v.value })
}

/// The reference sheets of every indicator of `axes`, in sheet order: described from `entries`,
/// the others undescribed. `line` gives the line of a span.
pub(crate) fn read(entries: Vec<FileIndicator>, axes: &[Axis], line: impl Fn(usize) -> usize) -> Result<Vec<Indicator>, EntryFault> {
    let mut described: Vec<Indicator> = Vec::new();
    for e in entries {
        let at = line(e.sheet.span().start);
        let fault = |field: &str, m: String| (at, format!("indicators.{field}"), m);
        let sheet = e.sheet.get_ref().trim().to_string();
        let Some(wording) = axes
            .iter()
            .flat_map(|a| &a.sheets)
            .find(|s| s.code == sheet)
            .map(|s| s.indicators.iter().find(|l| crate::text::fold(l) == crate::text::fold(&e.label)))
        else {
            return Err(fault("sheet", format!("la fiche « {sheet} » n'existe pas")));
        };
        let Some(label) = wording.cloned() else {
            return Err(fault("label", format!("la fiche {sheet} n'a pas d'indicateur « {} »", e.label)));
        };
        if described.iter().any(|d| d.sheet == sheet && d.label == label) {
            return Err(fault("label", format!("l'indicateur « {label} » de la fiche {sheet} est décrit deux fois")));
        }
        let base = Indicator::undescribed(&sheet, &label);
        let mut breakdowns = Vec::new();
        for b in &e.breakdowns {
            let d = coded(Some(b), Dimension::AgeBand, Dimension::from_code, Dimension::codes).map_err(|m| fault("breakdowns", m))?;
            if !breakdowns.contains(&d) {
                breakdowns.push(d);
            }
        }
        let ind = Indicator {
            level: coded(e.level.as_ref(), base.level, Level::from_code, Level::codes).map_err(|m| fault("level", m))?,
            source: coded(e.source.as_ref(), base.source, Source::from_code, Source::codes).map_err(|m| fault("source", m))?,
            frequency: coded(e.frequency.as_ref(), base.frequency, Frequency::from_code, Frequency::codes)
                .map_err(|m| fault("frequency", m))?,
            direction: coded(e.direction.as_ref(), base.direction, Direction::from_code, Direction::codes)
                .map_err(|m| fault("direction", m))?,
            sum_rule: coded(e.sum_rule.as_ref(), base.sum_rule, SumRule::from_code, SumRule::codes).map_err(|m| fault("sum_rule", m))?,
            baseline: e.baseline.as_ref().map(period_value).transpose().map_err(|m| fault("baseline", m))?,
            targets: e.targets.iter().map(period_value).collect::<Result<_, _>>().map_err(|m| fault("targets", m))?,
            definition: e.definition.trim().to_string(),
            unit: e.unit.map(|u| u.trim().to_string()).unwrap_or(base.unit),
            computation: e.computation.trim().to_string(),
            kinds: e.kinds,
            publics: e.publics,
            group_kind: e.group_kind,
            breakdowns,
            responsible: e.responsible.trim().to_string(),
            sheet,
            label,
        };
        if let Some((field, m)) = ind.faults(None).into_iter().next() {
            return Err(fault(field, m));
        }
        described.push(ind);
    }
    Ok(align(described, axes))
}

/// One reference sheet per indicator of `axes`, in sheet order: the one of `sheets` with the same
/// sheet and wording (case and accents aside) if any, else an undescribed one. Used after an
/// import and after a sheet's indicators are edited.
pub fn align(mut sheets: Vec<Indicator>, axes: &[Axis]) -> Vec<Indicator> {
    let mut out = Vec::new();
    for s in axes.iter().flat_map(|a| &a.sheets) {
        for label in &s.indicators {
            let key = crate::text::fold(label);
            match sheets.iter().position(|i| i.sheet == s.code && crate::text::fold(&i.label) == key) {
                Some(at) => {
                    let mut i = sheets.swap_remove(at);
                    i.label = label.clone();
                    out.push(i);
                }
                None => out.push(Indicator::undescribed(&s.code, label)),
            }
        }
    }
    out
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn inline_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.map(q).collect();
    format!("[{}]", items.join(", "))
}

fn value(v: &PeriodValue) -> String {
    format!("{{ period = {}, value = {} }}", q(&v.period.code()), v.value)
}

/// Writes the described sheets, in the shipped file's layout.
pub fn write(out: &mut String, indicators: &[Indicator]) {
    for i in indicators.iter().filter(|i| i.is_described()) {
        out.push_str(&format!("\n[[indicators]]\nsheet = {}\nlabel = {}\n", q(&i.sheet), q(&i.label)));
        if !i.definition.is_empty() {
            out.push_str(&format!("definition = {}\n", q(&i.definition)));
        }
        out.push_str(&format!("level = {}\nunit = {}\n", q(i.level.code()), q(&i.unit)));
        if !i.computation.is_empty() {
            out.push_str(&format!("computation = {}\n", q(&i.computation)));
        }
        out.push_str(&format!("source = {}\n", q(i.source.code())));
        if !i.kinds.is_empty() {
            out.push_str(&format!("kinds = {}\n", inline_list(i.kinds.iter().map(String::as_str))));
        }
        if !i.publics.is_empty() {
            out.push_str(&format!("publics = {}\n", inline_list(i.publics.iter().map(String::as_str))));
        }
        if let Some(k) = &i.group_kind {
            out.push_str(&format!("group_kind = {}\n", q(k)));
        }
        if !i.breakdowns.is_empty() {
            out.push_str(&format!("breakdowns = {}\n", inline_list(i.breakdowns.iter().map(|d| d.code()))));
        }
        out.push_str(&format!("frequency = {}\ndirection = {}\n", q(i.frequency.code()), q(i.direction.code())));
        if !i.responsible.is_empty() {
            out.push_str(&format!("responsible = {}\n", q(&i.responsible)));
        }
        if i.sum_rule != SumRule::Warning {
            out.push_str(&format!("sum_rule = {}\n", q(i.sum_rule.code())));
        }
        if let Some(b) = &i.baseline {
            out.push_str(&format!("baseline = {}\n", value(b)));
        }
        if !i.targets.is_empty() {
            out.push_str("targets = [\n");
            for t in &i.targets {
                out.push_str(&format!("  {},\n", value(t)));
            }
            out.push_str("]\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::strategy::{parse_file, to_file};

    const HEAD: &str = "format = 1\n[strategy]\ncode = \"t\"\ntitle = \"T\"\nterritory = \"V\"\nperiod_start = 2019\nperiod_end = 2021\n\
        [[axes]]\nnumber = 1\ntitle = \"A\"\n[[axes.sheets]]\ncode = \"1.1\"\ntitle = \"S\"\npilot = \"P\"\nindicators = [\"Nombre d'ateliers\", \"Nombre de jeunes\"]\n";

    #[test]
    fn a_described_indicator_reads_and_writes_back() {
        let file = format!(
            "{HEAD}[[indicators]]\nsheet = \"1.1\"\nlabel = \"nombre d'ATELIERS\"\nunit = \"ateliers\"\nsource = \"activities.count\"\n\
             kinds = [\"atelier\"]\nbreakdowns = [\"district\"]\ndirection = \"increase\"\ntargets = [{{ period = \"2020\", value = 12 }}]\n"
        );
        let doc = parse_file("t.toml", &file).unwrap();
        assert_eq!(doc.indicators.len(), 2);
        // Tied by its wording, case and accents aside, and given the sheet's own wording.
        assert_eq!(doc.indicators[0].label, "Nombre d'ateliers");
        assert_eq!(doc.indicators[0].target(&crate::indicator::Period::Year(2020)), Some(12));
        assert!(!doc.indicators[1].is_described());
        assert_eq!(parse_file("t.toml", &to_file(&doc)).unwrap(), doc);
    }

    #[test]
    fn a_wrong_entry_names_its_line_and_field() {
        for (entry, field) in [
            ("sheet = \"9.9\"\nlabel = \"x\"\n", "indicators.sheet"),
            ("sheet = \"1.1\"\nlabel = \"Autre\"\n", "indicators.label"),
            ("sheet = \"1.1\"\nlabel = \"Nombre de jeunes\"\nsource = \"magic\"\n", "indicators.source"),
            ("sheet = \"1.1\"\nlabel = \"Nombre de jeunes\"\ntargets = [{ period = \"2020-S3\", value = 1 }]\n", "indicators.targets"),
            (
                "sheet = \"1.1\"\nlabel = \"Nombre de jeunes\"\nsource = \"reports.created\"\nbreakdowns = [\"sex\"]\n",
                "indicators.breakdowns",
            ),
        ] {
            let file = format!("{HEAD}\n[[indicators]]\n{entry}");
            let e = parse_file("t.toml", &file).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert_eq!(e.line, HEAD.lines().count() + 3, "{e}");
        }
    }
}
