//! The conclusions' dashboard (charter art. 6: "relevé de conclusions … tableau de bord"): how
//! far each operational objective of the strategy has come, each sheet's yearly judgement
//! (red, amber, green, with its analysis and recommendations), and the decisions taken for a
//! sheet, each with who carries it and by when. Aggregates and plans only: nothing nominative.

use time::Date;

coded!(
    /// Where an operational objective stands.
    ObjectiveStatus {
        NotStarted => ("not_started", "Non commencé"),
        InProgress => ("in_progress", "En cours"),
        Done => ("done", "Réalisé"),
        Abandoned => ("abandoned", "Abandonné"),
    }
);

coded!(
    /// A sheet's judgement for a year, as the plenary reads it.
    Rag {
        Green => ("green", "Vert : l'action avance comme prévu"),
        Amber => ("amber", "Orange : à surveiller"),
        Red => ("red", "Rouge : en difficulté"),
    }
);

impl Rag {
    /// The colour's name alone, for a table cell (its meaning is in the legend).
    pub fn colour(self) -> &'static str {
        match self {
            Rag::Green => "Vert",
            Rag::Amber => "Orange",
            Rag::Red => "Rouge",
        }
    }
}

/// How many objectives stand at each status: a sheet's, an axis's or the strategy's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    pub not_started: usize,
    pub in_progress: usize,
    pub done: usize,
    pub abandoned: usize,
}

impl Rollup {
    pub fn of(statuses: impl IntoIterator<Item = ObjectiveStatus>) -> Self {
        let mut r = Rollup::default();
        for s in statuses {
            r.add(s);
        }
        r
    }

    pub fn add(&mut self, s: ObjectiveStatus) {
        match s {
            ObjectiveStatus::NotStarted => self.not_started += 1,
            ObjectiveStatus::InProgress => self.in_progress += 1,
            ObjectiveStatus::Done => self.done += 1,
            ObjectiveStatus::Abandoned => self.abandoned += 1,
        }
    }

    pub fn merge(&mut self, other: Rollup) {
        self.not_started += other.not_started;
        self.in_progress += other.in_progress;
        self.done += other.done;
        self.abandoned += other.abandoned;
    }

    pub fn total(&self) -> usize {
        self.not_started + self.in_progress + self.done + self.abandoned
    }

    /// The share of objectives done among those still pursued, in whole percent; none when
    /// nothing is pursued.
    pub fn progress(&self) -> Option<u32> {
        let pursued = self.total() - self.abandoned;
        (pursued > 0).then(|| ((self.done * 100 + pursued / 2) / pursued) as u32)
    }

    /// In words: "2 réalisés sur 5, 1 en cours, 1 abandonné".
    pub fn summary(&self) -> String {
        if self.total() == 0 {
            return "Aucun objectif opérationnel".into();
        }
        let mut parts = vec![format!("{} réalisé(s) sur {}", self.done, self.total())];
        if self.in_progress > 0 {
            parts.push(format!("{} en cours", self.in_progress));
        }
        if self.not_started > 0 {
            parts.push(format!("{} non commencé(s)", self.not_started));
        }
        if self.abandoned > 0 {
            parts.push(format!("{} abandonné(s)", self.abandoned));
        }
        parts.join(", ")
    }
}

pub const TEXT_MAX: usize = 4000;
pub const DECISION_MAX: usize = 500;
pub const OWNER_MAX: usize = 200;

/// A sheet's judgement as the coordinator writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JudgementDraft {
    pub rag: Option<Rag>,
    pub analysis: String,
    pub recommendations: String,
}

/// A decision as it is taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionDraft {
    pub text: String,
    pub owner: String,
    pub due_on: Option<Date>,
}

fn text_fault(faults: &mut Vec<(&'static str, String)>, field: &'static str, what: &str, text: &str, max: usize, required: bool) {
    if required && text.trim().is_empty() {
        faults.push((field, format!("{what} : à remplir.")));
    } else if text.chars().count() > max {
        faults.push((field, format!("{what} : {max} caractères au plus.")));
    } else if let Err(m) = crate::strategy::check_text(text, required) {
        faults.push((field, format!("{what} : {m}.")));
    }
}

/// The faults of a judgement, each under its field.
pub fn check_judgement(j: &JudgementDraft) -> Vec<(&'static str, String)> {
    let mut faults = Vec::new();
    if j.rag.is_none() {
        faults.push(("rag", "Choisissez l'appréciation : vert, orange ou rouge.".to_string()));
    }
    text_fault(&mut faults, "analysis", "Analyse", &j.analysis, TEXT_MAX, false);
    text_fault(&mut faults, "recommendations", "Recommandations", &j.recommendations, TEXT_MAX, false);
    faults
}

/// The faults of a decision: what is decided and who carries it are required; a due date, when
/// given, lies within ten years of `today`.
pub fn check_decision(d: &DecisionDraft, today: Date) -> Vec<(&'static str, String)> {
    let mut faults = Vec::new();
    text_fault(&mut faults, "text", "Décision", &d.text, DECISION_MAX, true);
    text_fault(&mut faults, "owner", "Responsable", &d.owner, OWNER_MAX, true);
    // What a text hides or turns around, and a line break in a one-line field.
    if !faults.iter().any(|f| f.0 == "text") && d.text.chars().any(crate::text::is_invisible) {
        faults.push(("text", "Décision : sans caractère invisible.".to_string()));
    }
    if !faults.iter().any(|f| f.0 == "owner") && !crate::text::is_name(&d.owner, OWNER_MAX) {
        faults.push(("owner", "Responsable : sur une ligne, sans caractère invisible.".to_string()));
    }
    if let Some(due) = d.due_on
        && (due.year() < today.year() - 10 || due.year() > today.year() + 10)
    {
        faults.push(("due_on", "Échéance : une date à dix ans au plus d'aujourd'hui.".to_string()));
    }
    faults
}

/// Whether an open decision is past its due date.
pub fn overdue(due_on: Option<Date>, done_on: Option<Date>, today: Date) -> bool {
    done_on.is_none() && due_on.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_rollup_counts_and_leaves_abandoned_objectives_out_of_the_progress() {
        use ObjectiveStatus::*;
        let r = Rollup::of([Done, Done, InProgress, Abandoned, NotStarted]);
        assert_eq!((r.total(), r.progress()), (5, Some(50)));
        assert_eq!(r.summary(), "2 réalisé(s) sur 5, 1 en cours, 1 non commencé(s), 1 abandonné(s)");
        assert_eq!(Rollup::of([Abandoned]).progress(), None);
        assert_eq!(Rollup::default().summary(), "Aucun objectif opérationnel");
    }

    #[test]
    fn a_decision_needs_its_text_and_owner_and_a_sensible_date() {
        let today = date!(2021 - 03 - 01);
        let d = DecisionDraft { text: " ".into(), owner: String::new(), due_on: Some(date!(2090 - 01 - 01)) };
        let faults: Vec<&str> = check_decision(&d, today).into_iter().map(|f| f.0).collect();
        assert_eq!(faults, ["text", "owner", "due_on"]);
        let ok = DecisionDraft {
            text: "Relancer les bailleurs".into(),
            owner: "Coordination CLSPD".into(),
            due_on: Some(date!(2021 - 06 - 30)),
        };
        assert!(check_decision(&ok, today).is_empty());
        assert!(overdue(ok.due_on, None, date!(2021 - 07 - 01)) && !overdue(ok.due_on, Some(today), date!(2021 - 07 - 01)));
    }

    #[test]
    fn a_judgement_needs_its_colour() {
        assert_eq!(check_judgement(&JudgementDraft::default()).len(), 1);
        let long = JudgementDraft { rag: Some(Rag::Amber), analysis: "x".repeat(TEXT_MAX + 1), recommendations: String::new() };
        assert_eq!(check_judgement(&long)[0].0, "analysis");
    }
}
