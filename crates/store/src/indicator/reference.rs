//! An indicator's reference sheet as stored: JSON beside its wording in `indicators.reference`,
//! codes as written in strategy files; '' while nobody described it.

use crate::StoreError;
use maillage_core::indicator::{Dimension, Direction, Frequency, Indicator, Level, Period, PeriodValue, Source, SumRule};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    definition: String,
    level: String,
    unit: String,
    computation: String,
    source: String,
    kinds: Vec<String>,
    publics: Vec<String>,
    group_kind: Option<String>,
    breakdowns: Vec<String>,
    frequency: String,
    baseline: Option<(String, i64)>,
    targets: Vec<(String, i64)>,
    direction: String,
    responsible: String,
    sum_rule: String,
}

pub(crate) fn to_json(i: &Indicator) -> Result<String, StoreError> {
    if !i.is_described() {
        return Ok(String::new());
    }
    let pv = |v: &PeriodValue| (v.period.code(), v.value);
    Ok(serde_json::to_string(&Reference {
        definition: i.definition.clone(),
        level: i.level.code().into(),
        unit: i.unit.clone(),
        computation: i.computation.clone(),
        source: i.source.code().into(),
        kinds: i.kinds.clone(),
        publics: i.publics.clone(),
        group_kind: i.group_kind.clone(),
        breakdowns: i.breakdowns.iter().map(|d| d.code().to_string()).collect(),
        frequency: i.frequency.code().into(),
        baseline: i.baseline.as_ref().map(pv),
        targets: i.targets.iter().map(pv).collect(),
        direction: i.direction.code().into(),
        responsible: i.responsible.clone(),
        sum_rule: i.sum_rule.code().into(),
    })?)
}

fn code<T>(id: i64, value: &str, from: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    from(value).ok_or_else(|| StoreError::Corrupt { table: "indicators", id, column: "reference", value: value.to_string() })
}

fn period_value(id: i64, (period, value): &(String, i64)) -> Result<PeriodValue, StoreError> {
    Ok(PeriodValue { period: code(id, period, Period::parse)?, value: *value })
}

pub(crate) fn from_json(id: i64, sheet: &str, label: &str, json: &str) -> Result<Indicator, StoreError> {
    if json.is_empty() {
        return Ok(Indicator::undescribed(sheet, label));
    }
    let r: Reference = serde_json::from_str(json)?;
    Ok(Indicator {
        sheet: sheet.to_string(),
        label: label.to_string(),
        definition: r.definition,
        level: code(id, &r.level, Level::from_code)?,
        unit: r.unit,
        computation: r.computation,
        source: code(id, &r.source, Source::from_code)?,
        kinds: r.kinds,
        publics: r.publics,
        group_kind: r.group_kind,
        breakdowns: r.breakdowns.iter().map(|b| code(id, b, Dimension::from_code)).collect::<Result<_, _>>()?,
        frequency: code(id, &r.frequency, Frequency::from_code)?,
        baseline: r.baseline.as_ref().map(|b| period_value(id, b)).transpose()?,
        targets: r.targets.iter().map(|t| period_value(id, t)).collect::<Result<_, _>>()?,
        direction: code(id, &r.direction, Direction::from_code)?,
        responsible: r.responsible,
        sum_rule: code(id, &r.sum_rule, SumRule::from_code)?,
    })
}
