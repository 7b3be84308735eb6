//! Declared values: the figure a partner enters for an indicator whose source is `declared`,
//! for one period, on behalf of its organisation. Draft → submitted → validated by the
//! coordinator, or returned with a comment and submitted again → locked when the plenary adopts
//! the year's report.

use super::{Dimension, Indicator, SumRule, VALUE_MAX};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Draft,
    Submitted,
    Validated,
    Returned,
    Locked,
}

impl State {
    pub const ALL: [State; 5] = [State::Draft, State::Submitted, State::Validated, State::Returned, State::Locked];

    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Validated => "validated",
            State::Returned => "returned",
            State::Locked => "locked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "Brouillon",
            State::Submitted => "Transmis, à valider",
            State::Validated => "Validé",
            State::Returned => "Renvoyé pour correction",
            State::Locked => "Verrouillé (bilan adopté)",
        }
    }

    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether its organisation may still change the figure.
    pub fn editable(self) -> bool {
        matches!(self, State::Draft | State::Returned)
    }

    /// Whether the figure counts in the evaluation: only what the coordinator validated.
    pub fn counted(self) -> bool {
        matches!(self, State::Validated | State::Locked)
    }
}

/// What may be done to a declared value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Save,
    Submit,
    Validate,
    Return,
}

/// Why a step is refused, in French.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    #[error("la période est verrouillée : le bilan de l'année a été adopté en plénière")]
    Locked,
    #[error("ce chiffre a été transmis : il ne change plus, sauf si la coordination le renvoie")]
    AlreadySubmitted,
    #[error("seul un chiffre transmis se valide")]
    NotSubmitted,
    #[error("seul un chiffre transmis ou validé se renvoie")]
    NotReturnable,
}

/// The state after `step` from `from` (`None`: no value yet).
pub fn next(from: Option<State>, step: Step) -> Result<State, StepRefused> {
    use State::*;
    match (from, step) {
        (Some(Locked), _) => Err(StepRefused::Locked),
        (None | Some(Draft | Returned), Step::Save) => Ok(Draft),
        (None | Some(Draft | Returned), Step::Submit) => Ok(Submitted),
        (Some(Submitted | Validated), Step::Save | Step::Submit) => Err(StepRefused::AlreadySubmitted),
        (Some(Submitted), Step::Validate) => Ok(Validated),
        (_, Step::Validate) => Err(StepRefused::NotSubmitted),
        (Some(Submitted | Validated), Step::Return) => Ok(Returned),
        (_, Step::Return) => Err(StepRefused::NotReturnable),
    }
}

/// One part of a breakdown: dimension, the part's code (an age band, a sex, an area's or an
/// organisation's id) and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub dimension: Dimension,
    pub part: String,
    pub value: i64,
}

/// A figure as its organisation fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeclaredDraft {
    pub total: Option<i64>,
    pub parts: Vec<Part>,
    pub comment: String,
}

pub const COMMENT_MAX: usize = 2000;

/// The parts each dimension accepts, given by the caller (age bands and sexes are fixed lists,
/// areas and organisations are data).
pub type KnownParts<'a> = &'a dyn Fn(Dimension) -> Vec<String>;

/// What a check found: faults stop the save (each under a field); warnings are kept with the
/// value, shown to its author and to the coordinator who validates it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    pub faults: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// Checks a draft against its indicator's reference sheet.
pub fn check(ind: &Indicator, d: &DeclaredDraft, known: KnownParts) -> Checked {
    let mut c = Checked::default();
    match d.total {
        None => c.faults.push(("total".into(), "Indiquez le total (un nombre entier, 0 s'il n'y a rien eu).".into())),
        Some(t) if !(0..=VALUE_MAX).contains(&t) => {
            c.faults.push(("total".into(), format!("Le total doit être un nombre entier de 0 à {VALUE_MAX}.")));
        }
        Some(_) => {}
    }
    if let Err(m) = crate::strategy::check_text(&d.comment, false) {
        c.faults.push(("comment".into(), format!("Commentaire : {m}.")));
    } else if d.comment.chars().count() > COMMENT_MAX {
        c.faults.push(("comment".into(), format!("Le commentaire dépasse {COMMENT_MAX} caractères.")));
    }
    let mut seen = std::collections::HashSet::new();
    for p in &d.parts {
        let field = format!("{}.{}", p.dimension.code(), p.part);
        if !ind.breakdowns.contains(&p.dimension) {
            c.faults.push((field, format!("Cet indicateur ne se ventile pas par {}.", p.dimension.label().to_lowercase())));
        } else if !known(p.dimension).contains(&p.part) {
            c.faults.push((field, format!("{} : valeur inconnue « {} ».", p.dimension.label(), p.part)));
        } else if !seen.insert((p.dimension, p.part.clone())) {
            c.faults.push((field, "Cette ligne apparaît deux fois.".into()));
        } else if !(0..=VALUE_MAX).contains(&p.value) {
            c.faults.push((field, format!("Chaque nombre doit être un entier de 0 à {VALUE_MAX}.")));
        }
    }
    if let (Some(total), true) = (d.total, c.faults.is_empty()) {
        for dim in &ind.breakdowns {
            let parts: Vec<i64> = d.parts.iter().filter(|p| p.dimension == *dim).map(|p| p.value).collect();
            if parts.is_empty() {
                continue;
            }
            let sum: i64 = parts.iter().sum();
            if sum == total {
                continue;
            }
            let m = format!("La ventilation par {} fait {sum}, le total est {total}.", dim.label().to_lowercase());
            if ind.sum_rule == SumRule::Error || sum > total {
                c.faults.push((dim.code().to_string(), m));
            } else {
                c.warnings.push(m);
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Dimension::*;

    fn ind(rule: SumRule) -> Indicator {
        let mut i = Indicator::undescribed("1.1", "Nombre de jeunes");
        i.breakdowns = vec![Sex, AgeBand];
        i.sum_rule = rule;
        i
    }

    fn known(d: Dimension) -> Vec<String> {
        match d {
            Sex => vec!["F".into(), "M".into()],
            _ => vec!["12_15".into(), "16_17".into()],
        }
    }

    fn part(dimension: Dimension, part: &str, value: i64) -> Part {
        Part { dimension, part: part.into(), value }
    }

    #[test]
    fn the_workflow_goes_one_way() {
        assert_eq!(next(None, Step::Submit), Ok(State::Submitted));
        assert_eq!(next(Some(State::Submitted), Step::Save), Err(StepRefused::AlreadySubmitted));
        assert_eq!(next(Some(State::Submitted), Step::Return), Ok(State::Returned));
        assert_eq!(next(Some(State::Returned), Step::Submit), Ok(State::Submitted));
        assert_eq!(next(Some(State::Draft), Step::Validate), Err(StepRefused::NotSubmitted));
        for step in [Step::Save, Step::Submit, Step::Validate, Step::Return] {
            assert_eq!(next(Some(State::Locked), step), Err(StepRefused::Locked));
        }
    }

    #[test]
    fn a_breakdown_that_does_not_add_up_follows_the_rule() {
        let d = DeclaredDraft { total: Some(10), parts: vec![part(Sex, "F", 4), part(Sex, "M", 5)], comment: String::new() };
        let c = check(&ind(SumRule::Warning), &d, &known);
        assert!(c.faults.is_empty() && c.warnings.len() == 1, "{c:?}");
        let c = check(&ind(SumRule::Error), &d, &known);
        assert_eq!(c.faults.len(), 1);
        // More in the parts than in the total is never right.
        let d = DeclaredDraft { total: Some(8), ..d };
        assert_eq!(check(&ind(SumRule::Warning), &d, &known).faults.len(), 1);
    }

    #[test]
    fn bad_parts_are_named() {
        let d = DeclaredDraft {
            total: Some(-1),
            parts: vec![part(District, "3", 1), part(Sex, "X", 1), part(Sex, "F", 1), part(Sex, "F", 1)],
            comment: "\u{7}".into(),
        };
        let fields: Vec<_> = check(&ind(SumRule::Warning), &d, &known).faults.into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["total", "comment", "district.3", "sex.X", "sex.F"]);
    }
}
