//! Indicators' figures and the declared values' workflow, shared by the pages, the API, the
//! exports and the yearly report. A figure of a period is computed live from the records its
//! source names ([`source`]), or is the sum of the organisations' validated declarations.

pub mod campaign;
pub mod declared_csv;
pub mod source;

use crate::App;
use crate::evaluation::{Value, people, person_count};
use maillage_core::indicator::declaration::{self, Checked, DeclaredDraft, State, Step, StepRefused};
use maillage_core::indicator::{Attainment, Dimension, Indicator, Period};
use maillage_store::indicator::{DeclaredKey, DeclaredValue};
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    /// Faults of the form, each as (field, message).
    #[error("formulaire incomplet ou invalide")]
    Invalid(Vec<(String, String)>),
    #[error("{0}")]
    Refused(#[from] StepRefused),
    #[error("cet indicateur n'est pas déclaré par les partenaires : il est calculé")]
    NotDeclared,
    #[error("indicateur ou chiffre introuvable")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An indicator of the current strategy: its record id, its sheet's id, its reference sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRef {
    pub id: i64,
    pub sheet_id: i64,
    pub sheet_title: String,
    pub axis: i32,
    pub indicator: Indicator,
}

/// The current strategy's indicators, in sheet order.
pub async fn indicators(app: &App) -> Result<Vec<IndicatorRef>, StoreError> {
    let Some(s) = app.store.current_strategy().await? else { return Ok(Vec::new()) };
    let records = app.store.indicators(s.id).await?;
    let sheets = app.store.sheet_choices().await?;
    let mut out = Vec::new();
    for ind in &s.doc.indicators {
        let record = records.iter().find(|r| !r.retired && r.sheet_code == ind.sheet && r.label == ind.label);
        let sheet = sheets.iter().find(|c| c.code == ind.sheet);
        let axis = s.doc.sheet(&ind.sheet).map_or(0, |(a, _)| a.number);
        if let (Some(r), Some(sh)) = (record, sheet) {
            out.push(IndicatorRef { id: r.id, sheet_id: sh.id, sheet_title: sh.title.clone(), axis, indicator: ind.clone() });
        }
    }
    Ok(out)
}

pub async fn indicator(app: &App, id: i64) -> Result<Option<IndicatorRef>, StoreError> {
    Ok(indicators(app).await?.into_iter().find(|i| i.id == id))
}

/// One part of a figure's breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartLine {
    pub dimension: Dimension,
    pub code: String,
    pub label: String,
    pub value: i64,
}

/// An indicator's figure for a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figure {
    pub total: i64,
    pub parts: Vec<PartLine>,
    /// Declared indicators: organisations whose figure is validated, and those whose figure
    /// waits (submitted, not yet validated).
    pub validated: usize,
    pub waiting: usize,
}

/// The parts a dimension holds, as (code, label): what a declaration may give, and the labels
/// of a computed breakdown's codes.
pub async fn parts_of(app: &App, d: Dimension) -> Result<Vec<(String, String)>, StoreError> {
    use maillage_core::activity::{AGE_BANDS, SEXES};
    let list = |l: &[(&str, &str)]| l.iter().map(|(c, l)| (c.to_string(), l.to_string())).collect();
    Ok(match d {
        Dimension::AgeBand => list(AGE_BANDS),
        Dimension::Sex => list(SEXES),
        Dimension::District => app.places().districts.iter().map(|d| (d.0.to_string(), d.1.clone())).collect(),
        Dimension::PriorityArea => app.places().priority_areas.iter().map(|d| (d.0.to_string(), d.1.clone())).collect(),
        Dimension::Organisation => app.catalog().await?.organisations.iter().map(|o| (o.id.to_string(), o.name.clone())).collect(),
    })
}

/// The figure of `ind` for `period`: computed from its source, or the validated declarations.
pub async fn figure(app: &App, ind: &IndicatorRef, period: Period, today: time::Date) -> Result<Figure, StoreError> {
    figure_with(app, &mut source::Cache::default(), ind, period, today).await
}

/// [`figure`], computed from the activities' rows rather than their counts kept ahead: both
/// must agree (tested).
pub async fn figure_from_rows(app: &App, ind: &IndicatorRef, period: Period, today: time::Date) -> Result<Figure, StoreError> {
    source::compute(app, &mut source::Cache::default(), ind, period, today, true).await
}

/// [`figure`], sharing what was read with the other figures of the same request.
pub async fn figure_with(
    app: &App,
    cache: &mut source::Cache,
    ind: &IndicatorRef,
    period: Period,
    today: time::Date,
) -> Result<Figure, StoreError> {
    if ind.indicator.source != maillage_core::indicator::Source::Declared {
        return source::compute(app, cache, ind, period, today, false).await;
    }
    let values = app
        .store
        .declared_values(&maillage_store::indicator::DeclaredFilter {
            indicator_id: Some(ind.id),
            periods: Some(vec![period.code()]),
            ..Default::default()
        })
        .await?;
    let mut f = Figure::default();
    for v in &values {
        if v.state.counted() {
            f.validated += 1;
            f.total += v.total;
            for p in &v.parts {
                match f.parts.iter_mut().find(|l| l.dimension == p.dimension && l.code == p.part) {
                    Some(l) => l.value += p.value,
                    None => f.parts.push(PartLine { dimension: p.dimension, code: p.part.clone(), label: p.part.clone(), value: p.value }),
                }
            }
        } else if v.state == State::Submitted {
            f.waiting += 1;
        }
    }
    label_parts(app, &mut f).await?;
    Ok(f)
}

/// Gives each part its label, in the dimension's order.
pub(crate) async fn label_parts(app: &App, f: &mut Figure) -> Result<(), StoreError> {
    let mut dims: Vec<Dimension> = f.parts.iter().map(|p| p.dimension).collect();
    dims.dedup();
    for d in dims {
        let known = parts_of(app, d).await?;
        for p in f.parts.iter_mut().filter(|p| p.dimension == d) {
            if let Some((_, l)) = known.iter().find(|(c, _)| *c == p.code) {
                p.label = l.clone();
            } else if p.code.is_empty() {
                p.label = "Non précisé".into();
            }
        }
        let order = |p: &PartLine| known.iter().position(|(c, _)| *c == p.code).unwrap_or(usize::MAX);
        f.parts.sort_by_key(|p| (p.dimension, order(p)));
    }
    Ok(())
}

/// A figure as it leaves: outside the coordination (`masked`), a count of people below 5 shows
/// as "< 5", and a part that would give one away is withheld.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub total: Value,
    pub parts: Vec<(Dimension, Vec<(String, Value)>)>,
}

pub fn publish(ind: &Indicator, f: &Figure, masked: bool) -> Published {
    let masked = masked && ind.source.counts_people();
    let mut parts = Vec::new();
    for d in &ind.breakdowns {
        let lines: Vec<&PartLine> = f.parts.iter().filter(|p| p.dimension == *d).collect();
        if lines.is_empty() {
            continue;
        }
        let mut labels: Vec<String> = lines.iter().map(|l| l.label.clone()).collect();
        let mut counts: Vec<i64> = lines.iter().map(|l| l.value).collect();
        // What a partial breakdown leaves out is a part too: published like the others, or the
        // total minus the parts would give a hidden count away.
        let rest = f.total - counts.iter().sum::<i64>();
        if rest > 0 {
            labels.push("Non ventilé".into());
            counts.push(rest);
        }
        parts.push((*d, labels.into_iter().zip(people(&counts, masked)).collect()));
    }
    Published { total: if masked { person_count(f.total, true) } else { Value::Count(f.total) }, parts }
}

/// One indicator's line on a year's board: its periods' figures against their targets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardLine {
    pub indicator: IndicatorRef,
    pub periods: Vec<BoardCell>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardCell {
    pub period: Period,
    pub value: Value,
    pub target: Option<i64>,
    pub attainment: Attainment,
    /// Declared indicators: no validated figure yet.
    pub missing: bool,
    /// The period is not over: the figure is partial.
    pub partial: bool,
    pub waiting: usize,
}

impl BoardCell {
    /// The judgement as pages and documents say it.
    pub fn judgement(&self) -> &'static str {
        match (self.missing, self.partial, self.attainment) {
            // A judgement against a target would tell a hidden count: none is given.
            (false, _, _) if matches!(self.value, Value::Hidden(_)) => "Non publié (moins de 5)",
            (true, _, _) if self.waiting > 0 => "Chiffre transmis, à valider",
            (true, _, _) => "Aucun chiffre validé",
            (false, true, Attainment::NotReached | Attainment::Unjudged) => "Période en cours",
            (false, _, Attainment::Reached) => "Cible atteinte",
            (false, _, Attainment::NotReached) => "Cible non atteinte",
            (false, false, Attainment::Unjudged) => "Sans cible",
        }
    }
}

/// Every indicator of the current strategy (or of one sheet) with its figures for the periods
/// that end in `year`.
pub async fn board(app: &App, year: i32, sheet: Option<&str>, masked: bool, today: time::Date) -> Result<Vec<BoardLine>, StoreError> {
    board_of(app, year, |i| sheet.is_none_or(|s| s == i.indicator.sheet), masked, today).await
}

/// The board of the indicators `keep` chooses (the public site's published ones).
pub async fn board_of(
    app: &App,
    year: i32,
    keep: impl Fn(&IndicatorRef) -> bool,
    masked: bool,
    today: time::Date,
) -> Result<Vec<BoardLine>, StoreError> {
    let mut out = Vec::new();
    let mut cache = source::Cache::default();
    for ind in indicators(app).await? {
        if !keep(&ind) {
            continue;
        }
        let mut periods = Vec::new();
        for period in Period::ending_in(ind.indicator.frequency, year) {
            let f = figure_with(app, &mut cache, &ind, period, today).await?;
            let declared = ind.indicator.source == maillage_core::indicator::Source::Declared;
            let missing = declared && f.validated == 0;
            let target = ind.indicator.target(&period);
            let value = publish(&ind.indicator, &f, masked).total;
            // A judgement against a target would tell a hidden count (4 of a target of 4).
            let judged = !missing && matches!(value, Value::Count(_));
            periods.push(BoardCell {
                period,
                value,
                target,
                attainment: if judged { Attainment::of(ind.indicator.direction, f.total, target) } else { Attainment::Unjudged },
                missing,
                partial: !period.is_over(today),
                waiting: f.waiting,
            });
        }
        out.push(BoardLine { indicator: ind, periods });
    }
    Ok(out)
}

/// Saves or submits an organisation's figure. `read` are the faults of what the caller could
/// not read (a number); nothing is written while there is one.
pub async fn declare(
    app: &App,
    by: &Author,
    key: DeclaredKey,
    expected_version: Option<i64>,
    step: Step,
    draft: DeclaredDraft,
    read: Vec<(String, String)>,
) -> Result<Checked, IndicatorError> {
    let ind = indicator(app, key.indicator_id).await?.ok_or(IndicatorError::NotFound)?;
    let (write, checked) = match prepare(app, &ind, key, expected_version, step, draft).await {
        Err(IndicatorError::Invalid(faults)) => {
            let mut all = read;
            all.extend(faults.into_iter().filter(|(f, _)| !all.iter().any(|(g, _)| g == f)).collect::<Vec<_>>());
            return Err(IndicatorError::Invalid(all));
        }
        Err(e) => return Err(e),
        Ok(_) if !read.is_empty() => return Err(IndicatorError::Invalid(read)),
        Ok(w) => w,
    };
    app.store.save_declared_value(by, key, write.expected, write.to, &write.draft, &write.warnings).await?;
    Ok(checked)
}

/// Everything that decides whether an organisation's figure may be written, and how: its
/// indicator is declared, its period has that indicator's frequency and has begun, a part by
/// organisation is the declarer's own, its year is not adopted, the step is allowed from its
/// current state, and the figure passes its reference sheet's check. Writes nothing. The
/// form, the API and the file import all go through it.
pub async fn prepare(
    app: &App,
    ind: &IndicatorRef,
    key: DeclaredKey,
    expected_version: Option<i64>,
    step: Step,
    draft: DeclaredDraft,
) -> Result<(maillage_store::indicator::DeclaredWrite, Checked), IndicatorError> {
    if ind.indicator.source != maillage_core::indicator::Source::Declared {
        return Err(IndicatorError::NotDeclared);
    }
    if key.period.frequency() != ind.indicator.frequency {
        return Err(IndicatorError::Invalid(vec![(
            "period".into(),
            format!("Cet indicateur se déclare par période « {} ».", ind.indicator.frequency.label().to_lowercase()),
        )]));
    }
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    if key.period.days().0 > today {
        return Err(IndicatorError::Invalid(vec![(
            "period".into(),
            "Cette période n'a pas commencé : son chiffre se déclare plus tard.".into(),
        )]));
    }
    if let Some(p) = draft.parts.iter().find(|p| p.dimension == Dimension::Organisation && p.part != key.organisation_id.to_string()) {
        return Err(IndicatorError::Invalid(vec![(
            format!("organisation.{}", p.part),
            "Une organisation ne déclare que pour elle-même : chaque partenaire déclare sa part.".into(),
        )]));
    }
    let current = app.store.declared_value_at(key).await?;
    if app.store.adopted_years().await?.iter().any(|y| y.year == key.period.report_year()) {
        return Err(StepRefused::Locked.into());
    }
    let to = declaration::next(current.as_ref().map(|c| c.state), step)?;
    let mut known = Vec::new();
    for d in &ind.indicator.breakdowns {
        known.push((*d, parts_of(app, *d).await?.into_iter().map(|(c, _)| c).collect::<Vec<_>>()));
    }
    let lookup = |d: Dimension| known.iter().find(|(k, _)| *k == d).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut checked = declaration::check(&ind.indicator, &draft, &lookup);
    let faults = std::mem::take(&mut checked.faults);
    if !faults.is_empty() {
        return Err(IndicatorError::Invalid(faults));
    }
    let expected = match (&current, expected_version) {
        (Some(c), Some(v)) => Some((v, c.state)),
        // A form for a new figure while one was saved meanwhile: the store refuses it.
        (Some(c), None) => Some((-1, c.state)),
        (None, _) => None,
    };
    let write = maillage_store::indicator::DeclaredWrite { key, expected, to, draft, warnings: checked.warnings.clone() };
    Ok((write, checked))
}

/// The coordinator validates a submitted figure, or returns it with a comment.
pub async fn review(app: &App, by: &Author, value: &DeclaredValue, version: i64, step: Step, comment: &str) -> Result<(), IndicatorError> {
    let to = declaration::next(Some(value.state), step)?;
    if to == State::Returned {
        if comment.trim().is_empty() {
            return Err(IndicatorError::Invalid(vec![("comment".into(), "Dites au partenaire ce qu'il doit corriger.".into())]));
        }
        if let Err(m) = maillage_core::strategy::check_text(comment, true) {
            return Err(IndicatorError::Invalid(vec![("comment".into(), format!("Commentaire : {m}."))]));
        }
        if comment.chars().count() > declaration::COMMENT_MAX {
            return Err(IndicatorError::Invalid(vec![(
                "comment".into(),
                format!("Le commentaire dépasse {} caractères.", declaration::COMMENT_MAX),
            )]));
        }
    }
    app.store.review_declared_value(by, value.id, (version, value.state), to, comment).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_partial_breakdown_leaves_out_is_published_as_a_part() {
        let mut ind = Indicator::undescribed("1.3", "Nombres de jeunes repérés");
        ind.breakdowns = vec![Dimension::Sex];
        let f = Figure {
            total: 7,
            parts: vec![PartLine { dimension: Dimension::Sex, code: "M".into(), label: "Hommes, garçons".into(), value: 5 }],
            ..Figure::default()
        };
        let published = publish(&ind, &f, true);
        let (_, sex) = &published.parts[0];
        assert_eq!(sex[1].0, "Non ventilé");
        assert!(matches!(sex[1].1, Value::Hidden(_)), "2 young people left out are not told: {sex:?}");
        assert!(matches!(sex[0].1, Value::Hidden(_)), "nor the 5 that would give them away: {sex:?}");
        let exact = publish(&ind, &f, false);
        assert_eq!(exact.parts[0].1[1].1, Value::Count(2));
    }
}
