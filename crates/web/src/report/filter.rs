//! The filters shared by the list, the map, the statistics and the exports.

use crate::layout::url_encode;
use maillage_core::authz::ReportScope;
use maillage_core::place::Places;
use maillage_core::report::State as ReportState;
use maillage_core::time_fmt;
use maillage_store::organisation::Organisation;
use maillage_store::report::category::Category;
use maillage_store::report::{ReportFilter, ReportSort, StatGroup};
use serde::Deserialize;
use time::OffsetDateTime;

/// The filters of the list, the map, the statistics and the exports, as query parameters.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct FilterQuery {
    #[serde(default)]
    pub etat: String,
    #[serde(default)]
    pub categorie: String,
    #[serde(default)]
    pub quartier: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub du: String,
    #[serde(default)]
    pub au: String,
    #[serde(default)]
    pub recherche: String,
    #[serde(default)]
    pub retard: String,
    #[serde(default)]
    pub a_trier: String,
    #[serde(default)]
    pub tri: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub groupe: String,
    #[serde(default)]
    pub format: String,
    /// The year of published figures (those who read no report get whole years only).
    #[serde(default)]
    pub annee: String,
}

/// A date field (`2026-11-26`) as the storage instant of Paris midnight.
/// The last page a list may ask for (100 000 pages of 50).
pub const MAX_PAGE: i64 = 100_000;

pub(super) fn day_start(s: &str) -> Option<OffsetDateTime> {
    time_fmt::parse_typed_date(s).map(time_fmt::paris_day_start)
}

impl FilterQuery {
    /// The store filter, and a French message for each value that could not be read (ignored).
    pub fn to_filter(&self, scope: ReportScope) -> (ReportFilter, Vec<String>) {
        let mut f = ReportFilter::new(scope);
        let mut errors = Vec::new();
        match self.etat.as_str() {
            "" => {}
            "ouverts" => f.states = ReportState::open(),
            "clos" => f.states = ReportState::closed(),
            code => match ReportState::from_code(code) {
                Some(s) => f.states = vec![s],
                None => errors.push("État inconnu : filtre ignoré.".into()),
            },
        }
        let id = |v: &str, what: &str, errors: &mut Vec<String>| -> Option<i64> {
            if v.is_empty() {
                return None;
            }
            v.parse().ok().or_else(|| {
                errors.push(format!("{what} inconnu(e) : filtre ignoré."));
                None
            })
        };
        if !self.page.is_empty() && !self.page.parse::<i64>().is_ok_and(|p| (1..=MAX_PAGE).contains(&p)) {
            errors.push(format!("Numéro de page invalide (1 à {MAX_PAGE}) : première page affichée."));
        }
        f.category_ids = id(&self.categorie, "Catégorie", &mut errors).into_iter().collect();
        f.district_id = id(&self.quartier, "Quartier", &mut errors);
        f.organisation_id = id(&self.organisation, "Organisation", &mut errors);
        if !self.du.is_empty() {
            f.created_from = day_start(&self.du);
            if f.created_from.is_none() {
                errors.push("Date de début illisible (jj/mm/aaaa) : filtre ignoré.".into());
            }
        }
        if !self.au.is_empty() {
            f.created_before = time_fmt::parse_typed_date(&self.au).and_then(time::Date::next_day).map(time_fmt::paris_day_start);
            if f.created_before.is_none() {
                errors.push("Date de fin illisible (jj/mm/aaaa) : filtre ignoré.".into());
            }
        }
        match maillage_core::report::search::Search::parse(&self.recherche) {
            Ok(search) => f.search = search,
            Err(e) => errors.push(format!("Recherche ignorée : {e}.")),
        }
        f.overdue = !self.retard.is_empty();
        f.unassigned = !self.a_trier.is_empty();
        // What is left to triage is what is still open, unless a state is asked for.
        if f.unassigned && self.etat.is_empty() {
            f.states = ReportState::open();
        }
        (f, errors)
    }

    /// The filter of statistics for `actor`: the full filters for those who handle reports, or
    /// the published ones (with their year) for those who read none.
    pub fn to_statistics_filter(&self, actor: &maillage_core::authz::Actor) -> (ReportFilter, Option<i32>, Vec<String>) {
        let scope = maillage_core::authz::statistics_scope(actor);
        if maillage_core::authz::figures_masked(actor) {
            let (f, year, errors) = self.to_published_filter(scope);
            (f, Some(year), errors)
        } else {
            let (f, errors) = self.to_filter(scope);
            (f, None, errors)
        }
    }

    /// The filter of published figures: whole calendar years, nothing else, so that no two
    /// requests differ by a few reports. Any other filter is refused with a message.
    pub fn to_published_filter(&self, scope: ReportScope) -> (ReportFilter, i32, Vec<String>) {
        let mut errors = Vec::new();
        let others = [
            &self.etat,
            &self.categorie,
            &self.quartier,
            &self.organisation,
            &self.du,
            &self.au,
            &self.recherche,
            &self.retard,
            &self.a_trier,
        ];
        if others.iter().any(|v| !v.is_empty()) {
            errors.push("Les filtres sont réservés aux organisations qui traitent les signalements : chiffres de l'année entière.".into());
        }
        let this_year = time_fmt::paris_date(time_fmt::now()).year();
        let year = match self.annee.parse::<i32>() {
            Ok(y) if (2000..=this_year).contains(&y) => y,
            _ if self.annee.is_empty() => this_year,
            _ => {
                errors.push(format!("Année invalide : de 2000 à {this_year}."));
                this_year
            }
        };
        let start = |y: i32| time::Date::from_calendar_date(y, time::Month::January, 1).ok().map(time_fmt::paris_day_start);
        let f = ReportFilter { created_from: start(year), created_before: start(year + 1), ..ReportFilter::new(scope) };
        (f, year, errors)
    }

    pub fn sort(&self) -> ReportSort {
        match self.tri.as_str() {
            "anciens" => ReportSort::OldestFirst,
            "echeance" => ReportSort::DueFirst,
            "mis-a-jour" => ReportSort::RecentlyUpdated,
            _ => ReportSort::NewestFirst,
        }
    }

    pub fn page(&self) -> i64 {
        self.page.parse::<i64>().ok().filter(|p| (1..=MAX_PAGE).contains(p)).unwrap_or(1)
    }

    /// The filters set, without the page, as (name, value) pairs.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("etat", &self.etat),
            ("categorie", &self.categorie),
            ("quartier", &self.quartier),
            ("organisation", &self.organisation),
            ("du", &self.du),
            ("au", &self.au),
            ("recherche", &self.recherche),
            ("retard", &self.retard),
            ("a_trier", &self.a_trier),
            ("tri", &self.tri),
            ("groupe", &self.groupe),
            ("annee", &self.annee),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// Whether a filter narrows what is shown (the sort, the grouping and the page do not).
    pub fn is_filtered(&self) -> bool {
        self.pairs().iter().any(|(k, _)| !matches!(*k, "tri" | "groupe" | "annee"))
    }

    /// The filters as a query string, without the page, for links.
    pub fn query(&self) -> String {
        self.pairs().iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
    }

    /// The filters a form other than the filter form carries along (as hidden fields), all but
    /// the one it sets itself.
    pub fn carried(&self, except: &str) -> Vec<(&'static str, &str)> {
        self.pairs().into_iter().filter(|(k, _)| *k != except).collect()
    }
}

/// What the filter form offers.
pub struct FilterChoices {
    pub states: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(i64, String)>,
    pub districts: Vec<(i64, String)>,
    pub organisations: Vec<(i64, String)>,
}

impl FilterChoices {
    pub(super) fn new(categories: &[Category], places: &Places, organisations: &[Organisation]) -> Self {
        FilterChoices {
            states: ReportState::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            categories: category_options(categories),
            districts: places.districts.iter().map(|d| (d.0, d.1.clone())).collect(),
            organisations: organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        }
    }
}

/// Categories as options, children indented under their parent.
pub(crate) fn category_options(categories: &[Category]) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for c in categories.iter().filter(|c| c.parent_id.is_none() && !c.retired) {
        out.push((c.id, c.name.clone()));
        for child in categories.iter().filter(|k| k.parent_id == Some(c.id) && !k.retired) {
            out.push((child.id, format!("{} › {}", c.name, child.name)));
        }
    }
    out
}

/// Labels of statistics keys.
pub fn stat_label(group: StatGroup, key: &Option<i64>, categories: &[Category], places: &Places, organisations: &[Organisation]) -> String {
    let Some(id) = *key else {
        return match group {
            StatGroup::District => "hors quartier".into(),
            StatGroup::Organisation => "à trier".into(),
            _ => "—".into(),
        };
    };
    match group {
        StatGroup::Month => {
            let months =
                ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
            let (y, m) = (id / 100, (id % 100) as usize);
            format!("{} {y}", months.get(m.saturating_sub(1)).unwrap_or(&""))
        }
        StatGroup::District => places.district_name(Some(id)).unwrap_or("zone supprimée").to_string(),
        StatGroup::Category => categories.iter().find(|c| c.id == id).map(|c| c.name.clone()).unwrap_or_default(),
        StatGroup::Organisation => organisations.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default(),
    }
}
