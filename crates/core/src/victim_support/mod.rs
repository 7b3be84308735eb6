//! Victim reception and orientation (axis 4): an anonymous log kept by front desks (the police
//! station's social worker, victim-support associations, the MJD, the town hall's reception).
//! No name, no free text: the date, lists, and counts (privacy rules §7: victims' data are
//! often sensitive; only anonymous, consolidated figures leave the desk).

pub use crate::working_group::case::{Choice, known};

/// The kind of facts, as the person describes them.
pub const FACT_KINDS: &[Choice] = &[
    ("violences_conjugales", "Violences conjugales ou intrafamiliales"),
    ("violences_sexuelles", "Violences sexuelles"),
    ("violences_physiques", "Autres violences physiques"),
    ("menaces_harcelement", "Menaces, harcèlement"),
    ("vol_cambriolage", "Vol, cambriolage"),
    ("escroquerie", "Escroquerie"),
    ("degradation", "Dégradation, destruction"),
    ("discrimination", "Discrimination, injure"),
    ("autre", "Autres faits"),
];

/// Where the person was oriented.
pub const ORIENTATIONS: &[Choice] = &[
    ("aide_victimes", "Association d'aide aux victimes"),
    ("intervenant_social", "Intervenant social du commissariat"),
    ("mjd", "Maison de Justice et du Droit"),
    ("pre_plainte", "Pré-plainte en ligne"),
    ("plainte", "Dépôt de plainte (commissariat)"),
    ("specialise", "Service spécialisé (3919, 119, CIDFF…)"),
    ("soin", "Soins, unité médico-judiciaire"),
    ("groupe", "Groupe de travail du CLSPD (situation complexe)"),
    ("autre", "Autre orientation"),
];

/// Age bands of the person received.
pub const AGE_BANDS: &[Choice] = &[
    ("moins_18", "Moins de 18 ans"),
    ("18_25", "18 à 25 ans"),
    ("26_40", "26 à 40 ans"),
    ("41_60", "41 à 60 ans"),
    ("plus_60", "Plus de 60 ans"),
    ("inconnu", "Non renseigné"),
];

pub const SEXES: &[Choice] = &[("F", "Femme"), ("M", "Homme"), ("inconnu", "Non renseigné")];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_have_unique_codes() {
        for list in [FACT_KINDS, ORIENTATIONS, AGE_BANDS, SEXES] {
            let mut codes: Vec<&str> = list.iter().map(|(c, _)| *c).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), list.len());
        }
        assert!(known(ORIENTATIONS, "mjd") && !known(ORIENTATIONS, "prison"));
    }
}
