//! Organisations: the partner institutions of the CLSPD.

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

/// Whether a partner line of a sheet names this organisation: one of its match terms occurs
/// in the line as whole words (case and accents ignored).
pub fn partner_matches(partner_line: &str, match_terms: &str) -> bool {
    let line = format!(" {} ", word_chars(&fold(partner_line)));
    match_terms
        .split(',')
        .map(|t| word_chars(&fold(t)))
        .filter(|t| !t.trim().is_empty())
        .any(|t| line.contains(&format!(" {} ", t.trim())))
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
    fn kinds_round_trip() {
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::from_code(k.code()), Some(k));
        }
    }
}
