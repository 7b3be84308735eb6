//! Organisations: the partner institutions of the CLSPD.

pub mod api_key;

use crate::text::fold;

/// The type of an organisation, from the partner list of the strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganisationKind {
    CityService,
    MunicipalPolice,
    NationalPolice,
    Landlord,
    Condominium,
    Prosecutor,
    Spip,
    Pjj,
    Education,
    ChildWelfare,
    SpecialisedPrevention,
    Association,
    Mediation,
    Other,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 14] = [
        Self::CityService,
        Self::MunicipalPolice,
        Self::NationalPolice,
        Self::Landlord,
        Self::Condominium,
        Self::Prosecutor,
        Self::Spip,
        Self::Pjj,
        Self::Education,
        Self::ChildWelfare,
        Self::SpecialisedPrevention,
        Self::Association,
        Self::Mediation,
        Self::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::CityService => "city_service",
            Self::MunicipalPolice => "municipal_police",
            Self::NationalPolice => "national_police",
            Self::Landlord => "landlord",
            Self::Condominium => "condominium",
            Self::Prosecutor => "prosecutor",
            Self::Spip => "spip",
            Self::Pjj => "pjj",
            Self::Education => "education",
            Self::ChildWelfare => "child_welfare",
            Self::SpecialisedPrevention => "specialised_prevention",
            Self::Association => "association",
            Self::Mediation => "mediation",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CityService => "Service de la ville",
            Self::MunicipalPolice => "Police municipale",
            Self::NationalPolice => "Police nationale",
            Self::Landlord => "Bailleur social",
            Self::Condominium => "Copropriété",
            Self::Prosecutor => "Justice — Parquet",
            Self::Spip => "Justice — SPIP",
            Self::Pjj => "Justice — PJJ",
            Self::Education => "Éducation nationale",
            Self::ChildWelfare => "Département — ASE",
            Self::SpecialisedPrevention => "Département — prévention spécialisée",
            Self::Association => "Association",
            Self::Mediation => "Médiation",
            Self::Other => "Autre",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Finds which organisations a partner line of a sheet names: one of an organisation's match
/// terms occurs in the line as whole words (case and accents ignored). Terms are folded once,
/// when the matcher is built, not once per line.
pub struct PartnerMatcher<K> {
    /// Each organisation's key and its folded terms, each framed by spaces.
    organisations: Vec<(K, Vec<String>)>,
}

impl<K: Clone> PartnerMatcher<K> {
    /// `organisations` gives each organisation's key and its comma-separated match terms.
    pub fn new<'a, I: IntoIterator<Item = (K, &'a str)>>(organisations: I) -> Self {
        let organisations = organisations
            .into_iter()
            .map(|(key, terms)| {
                let terms = terms.split(',').map(|t| word_chars(&fold(t))).filter(|t| !t.is_empty()).map(|t| format!(" {t} ")).collect();
                (key, terms)
            })
            .collect();
        PartnerMatcher { organisations }
    }

    /// The keys of the organisations the line names, in the order they were given.
    pub fn matches(&self, partner_line: &str) -> Vec<K> {
        let line = format!(" {} ", word_chars(&fold(partner_line)));
        self.organisations.iter().filter(|(_, terms)| terms.iter().any(|t| line.contains(t.as_str()))).map(|(key, _)| key.clone()).collect()
    }
}

/// Punctuation becomes spaces so that "(P.J.J)." and "PJJ" compare on words.
fn word_chars(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '.' {
            continue;
        }
        if c.is_alphanumeric() { out.push(c) } else { out.push(' ') }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner_matches(line: &str, terms: &str) -> bool {
        !PartnerMatcher::new([((), terms)]).matches(line).is_empty()
    }

    #[test]
    fn partner_lines_match_on_whole_words() {
        let pjj = "PJJ, Protection Judiciaire de la Jeunesse";
        assert!(partner_matches("Ministère de la Justice : Protection Judiciaire de la Jeunesse (P.J.J).", pjj));
        assert!(partner_matches("Parquet SPIP PJJ", "pjj"));
        assert!(!partner_matches("SPIP", pjj));
        assert!(!partner_matches("Ville", "ville de gennevilliers"));
        assert!(!partner_matches("Ville", " , "));
    }

    #[test]
    fn the_matcher_lists_every_organisation_named() {
        let m = PartnerMatcher::new([(1, "SPIP"), (2, "PJJ, Protection Judiciaire de la Jeunesse"), (3, "")]);
        assert_eq!(m.matches("Parquet SPIP PJJ Services ville Associations"), vec![1, 2]);
        assert_eq!(m.matches("Ville"), Vec::<i32>::new());
    }

    #[test]
    fn kinds_round_trip() {
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_code(k.code()), Some(k));
        }
    }
}
