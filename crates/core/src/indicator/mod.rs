//! Indicators' reference sheets (fiches indicateurs): what each evaluation indicator of a sheet
//! counts, at which level, in which unit, from which source, broken down how, how often, against
//! which baseline and targets. They are part of the strategy document, so they are shipped in its
//! file and versioned with it; an indicator keeps its id across versions (matched by wording).
//!
//! A figure is either computed from records (a [`Source`] other than `Declared`) or declared by a
//! partner per period (`declared_value`, with its workflow in [`declaration`]).

pub mod declaration;
pub mod file;
pub mod period;

pub use period::Period;

coded!(
    /// Where the indicator sits in the chain from means to effects.
    Level {
        Output => ("output", "Réalisation"),
        Outcome => ("outcome", "Résultat"),
        Context => ("context", "Contexte"),
    }
);

coded!(
    /// How often the figure is taken. The GUSP evaluations are twice a year; schools count by
    /// school year.
    Frequency {
        Year => ("year", "Annuelle"),
        HalfYear => ("half_year", "Semestrielle"),
        SchoolYear => ("school_year", "Par année scolaire"),
    }
);

coded!(
    /// Which way the figure should go for the sheet to reach its objectives.
    Direction {
        Increase => ("increase", "À la hausse"),
        Decrease => ("decrease", "À la baisse"),
        Maintain => ("maintain", "À maintenir"),
        None => ("none", "Sans sens attendu (suivi)"),
    }
);

coded!(
    /// A breakdown of a figure.
    Dimension {
        AgeBand => ("age_band", "Tranche d'âge"),
        Sex => ("sex", "Sexe"),
        District => ("district", "Quartier"),
        PriorityArea => ("priority_area", "Quartier prioritaire (QPV)"),
        Organisation => ("organisation", "Organisation, structure"),
    }
);

coded!(
    /// What a declared breakdown that does not add up to its total gets.
    SumRule {
        Error => ("error", "Erreur : la ventilation doit faire le total"),
        Warning => ("warning", "Avertissement : une ventilation partielle est acceptée"),
    }
);

coded!(
    /// Where a figure comes from: declared by a partner, or computed live from the records of a
    /// module. A module that can feed indicators adds its variant here and its computation in
    /// `maillage_app::indicator::source`; the compiler then asks for every match.
    Source {
        Declared => ("declared", "Déclaré par un partenaire"),
        ActivitiesCount => ("activities.count", "Actions réalisées : nombre d'actions"),
        ActivitiesParticipants => ("activities.participants", "Actions réalisées : participants"),
        ActivitiesProfessionals => ("activities.professionals", "Actions réalisées : professionnels présents"),
        ActivitiesOrganisations => ("activities.organisations", "Actions réalisées : organisations impliquées"),
        ReportsCreated => ("reports.created", "Signalements : signalements reçus"),
        ReportsResolved => ("reports.resolved", "Signalements : interventions achevées (signalements résolus)"),
        CasesFollowed => ("working_groups.cases_followed", "Groupes de travail : situations suivies"),
        GroupMeetings => ("working_groups.meetings", "Groupes de travail : réunions tenues"),
        CouncilMeetings => ("meetings.held", "Réunions du CLSPD : réunions tenues"),
        MeetingProfessionals => ("meetings.professionals", "Réunions du CLSPD : professionnels présents"),
        PostsCreated => ("community_service.posts_created", "TIG : postes créés"),
        TutorTrainings => ("community_service.trainings", "TIG : formations de tuteurs"),
        PeopleHosted => ("community_service.people_hosted", "TIG : personnes accueillies"),
        VictimReceptions => ("victim_support.receptions", "Aide aux victimes : personnes reçues"),
    }
);

impl Source {
    /// The breakdowns the source can give.
    pub fn dimensions(self) -> &'static [Dimension] {
        use Dimension::*;
        match self {
            Source::Declared => Dimension::ALL,
            Source::ActivitiesCount | Source::ActivitiesProfessionals => &[District],
            Source::ActivitiesParticipants => &[AgeBand, Sex, District],
            Source::ReportsCreated | Source::ReportsResolved => &[District],
            Source::PeopleHosted => &[AgeBand, Sex, Organisation],
            Source::VictimReceptions => &[AgeBand, Sex],
            // Situations are counted from plain columns only: their age and sex are sealed.
            Source::CasesFollowed
            | Source::ActivitiesOrganisations
            | Source::GroupMeetings
            | Source::CouncilMeetings
            | Source::MeetingProfessionals
            | Source::PostsCreated
            | Source::TutorTrainings => &[],
        }
    }

    /// Whether the source counts people (published as "< 5" below the threshold outside the
    /// coordination), rather than actions, meetings or posts.
    pub fn counts_people(self) -> bool {
        matches!(
            self,
            Source::Declared
                | Source::ActivitiesParticipants
                | Source::ActivitiesProfessionals
                | Source::MeetingProfessionals
                | Source::CasesFollowed
                | Source::PeopleHosted
                | Source::VictimReceptions
        )
    }

    fn takes_activity_filter(self) -> bool {
        matches!(
            self,
            Source::ActivitiesCount | Source::ActivitiesParticipants | Source::ActivitiesProfessionals | Source::ActivitiesOrganisations
        )
    }
}

/// A period's number: a baseline or a target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodValue {
    pub period: Period,
    pub value: i64,
}

/// The largest figure an indicator holds: far above any count of a commune's year.
pub const VALUE_MAX: i64 = 1_000_000_000;
/// Longest wording of a short field (unit, responsible).
pub const SHORT_MAX: usize = 200;
/// Targets one indicator carries: a strategy's years × two halves, with room.
pub const TARGETS_MAX: usize = 40;

/// An indicator's reference sheet. `sheet` and `label` tie it to the sheet's list of indicators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    pub sheet: String,
    pub label: String,
    pub definition: String,
    pub level: Level,
    pub unit: String,
    /// How the figure is obtained, in words.
    pub computation: String,
    pub source: Source,
    /// Activity sources: only these kinds of activity (codes of `activity_kinds`); all if empty.
    pub kinds: Vec<String>,
    /// `activities.participants`: only these publics; all if empty.
    pub publics: Vec<String>,
    /// Working-group sources: only groups of this kind; all if none.
    pub group_kind: Option<String>,
    pub breakdowns: Vec<Dimension>,
    pub frequency: Frequency,
    pub baseline: Option<PeriodValue>,
    pub targets: Vec<PeriodValue>,
    pub direction: Direction,
    /// The organisation responsible for the figure, in words.
    pub responsible: String,
    pub sum_rule: SumRule,
}

impl Indicator {
    /// The reference sheet of an indicator nobody described yet: declared once a year.
    pub fn undescribed(sheet: &str, label: &str) -> Indicator {
        Indicator {
            sheet: sheet.to_string(),
            label: label.to_string(),
            definition: String::new(),
            level: Level::Output,
            unit: "nombre".into(),
            computation: String::new(),
            source: Source::Declared,
            kinds: Vec::new(),
            publics: Vec::new(),
            group_kind: None,
            breakdowns: Vec::new(),
            frequency: Frequency::Year,
            baseline: None,
            targets: Vec::new(),
            direction: Direction::None,
            responsible: String::new(),
            sum_rule: SumRule::Warning,
        }
    }

    /// Whether the sheet says more than [`Indicator::undescribed`] (only those are written back
    /// to a file).
    pub fn is_described(&self) -> bool {
        *self != Indicator::undescribed(&self.sheet, &self.label)
    }

    pub fn target(&self, period: &Period) -> Option<i64> {
        self.targets.iter().find(|t| &t.period == period).map(|t| t.value)
    }

    /// Every fault of the sheet, each as (field, message in French). `kinds` are the known
    /// codes of activity kinds.
    pub fn faults(&self, kinds: Option<&[String]>) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        for (field, text, max) in [
            ("definition", &self.definition, crate::strategy::MAX_TEXT),
            ("computation", &self.computation, crate::strategy::MAX_TEXT),
            ("unit", &self.unit, SHORT_MAX),
            ("responsible", &self.responsible, SHORT_MAX),
        ] {
            if let Err(m) = crate::strategy::check_text(text, field == "unit") {
                f.push((field, m));
            } else if text.chars().count() > max {
                f.push((field, format!("texte trop long (plus de {max} caractères)")));
            }
        }
        if !self.source.takes_activity_filter() && !self.kinds.is_empty() {
            f.push(("kinds", "un filtre par type d'action ne vaut que pour une source « activities.* »".into()));
        }
        if let Some(known) = kinds
            && let Some(k) = self.kinds.iter().find(|k| !known.contains(k))
        {
            f.push(("kinds", format!("type d'action « {k} » inconnu")));
        }
        if self.source != Source::ActivitiesParticipants && !self.publics.is_empty() {
            f.push(("publics", "un filtre par public ne vaut que pour la source « activities.participants »".into()));
        }
        if let Some(p) = self.publics.iter().find(|p| !crate::activity::known(crate::activity::PUBLICS, p)) {
            f.push(("publics", format!("public « {p} » inconnu")));
        }
        match (&self.group_kind, self.source) {
            (None, _) => {}
            (Some(k), Source::CasesFollowed | Source::GroupMeetings) => {
                if crate::working_group::GroupKind::from_code(k).is_none() {
                    f.push(("group_kind", format!("type de groupe « {k} » inconnu")));
                }
            }
            (Some(_), _) => f.push(("group_kind", "un type de groupe ne vaut que pour une source « working_groups.* »".into())),
        }
        if let Some(d) = self.breakdowns.iter().find(|d| !self.source.dimensions().contains(d)) {
            f.push(("breakdowns", format!("la source « {} » ne ventile pas par « {} »", self.source.code(), d.label().to_lowercase())));
        }
        let mut seen = std::collections::HashSet::new();
        for pv in self.baseline.iter().chain(&self.targets) {
            if pv.period.frequency() != self.frequency {
                f.push((
                    "targets",
                    format!("la période « {} » ne suit pas la fréquence « {} »", pv.period.code(), self.frequency.label().to_lowercase()),
                ));
            }
            if !(0..=VALUE_MAX).contains(&pv.value) {
                f.push(("targets", format!("valeur hors des limites (0 à {VALUE_MAX}) pour « {} »", pv.period.code())));
            }
        }
        for t in &self.targets {
            if !seen.insert(t.period) {
                f.push(("targets", format!("deux cibles pour la période « {} »", t.period.code())));
            }
        }
        if self.targets.len() > TARGETS_MAX {
            f.push(("targets", format!("plus de {TARGETS_MAX} cibles")));
        }
        f
    }
}

/// How a figure compares with its target, given the direction sought.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attainment {
    Reached,
    NotReached,
    /// No target, or no direction to judge by.
    Unjudged,
}

impl Attainment {
    pub fn of(direction: Direction, value: i64, target: Option<i64>) -> Attainment {
        let Some(target) = target else { return Attainment::Unjudged };
        let reached = match direction {
            Direction::Increase => value >= target,
            Direction::Decrease => value <= target,
            Direction::Maintain => value >= target,
            Direction::None => return Attainment::Unjudged,
        };
        if reached { Attainment::Reached } else { Attainment::NotReached }
    }

    pub fn label(self) -> &'static str {
        match self {
            Attainment::Reached => "Cible atteinte",
            Attainment::NotReached => "Cible non atteinte",
            Attainment::Unjudged => "—",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Indicator {
        Indicator::undescribed("1.1", "Nombre d'ateliers")
    }

    #[test]
    fn an_undescribed_sheet_is_valid_and_not_written() {
        assert!(sheet().faults(None).is_empty());
        assert!(!sheet().is_described());
    }

    #[test]
    fn filters_and_breakdowns_must_fit_the_source() {
        let mut i = sheet();
        i.source = Source::GroupMeetings;
        i.kinds = vec!["atelier".into()];
        i.breakdowns = vec![Dimension::Sex];
        i.group_kind = Some("nope".into());
        let fields: Vec<_> = i.faults(None).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["kinds", "group_kind", "breakdowns"]);
        let mut i = sheet();
        i.source = Source::ActivitiesCount;
        i.kinds = vec!["atelier".into(), "inconnu".into()];
        assert_eq!(i.faults(Some(&["atelier".to_string()])).len(), 1);
    }

    #[test]
    fn targets_follow_the_frequency_once_each() {
        let mut i = sheet();
        let p2020 = Period::parse("2020").unwrap();
        i.targets = vec![PeriodValue { period: p2020, value: 4 }, PeriodValue { period: p2020, value: 5 }];
        i.baseline = Some(PeriodValue { period: Period::parse("2019-S1").unwrap(), value: -1 });
        let msgs: Vec<_> = i.faults(None).into_iter().map(|(_, m)| m).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
    }

    #[test]
    fn attainment_follows_the_direction() {
        assert_eq!(Attainment::of(Direction::Increase, 10, Some(8)), Attainment::Reached);
        assert_eq!(Attainment::of(Direction::Decrease, 10, Some(8)), Attainment::NotReached);
        assert_eq!(Attainment::of(Direction::None, 10, Some(8)), Attainment::Unjudged);
        assert_eq!(Attainment::of(Direction::Increase, 10, None), Attainment::Unjudged);
    }
}
