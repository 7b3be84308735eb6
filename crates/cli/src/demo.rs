//! The demo: fictitious organisations and accounts around the Gennevilliers strategy.

use maillage_core::authz::Role;
use maillage_store::organisations::OrganisationInput;
use maillage_store::users::NewUser;
use maillage_store::{Author, Store};

/// The shipped strategy file, embedded in the binary.
pub const GENNEVILLIERS: &str = include_str!("../../../data/strategies/gennevilliers-2019-2021.toml");

/// Demo accounts: e-mail, display name, organisation code, role, password. Everything here is
/// fictitious; the passwords are printed at start and meant for a demo only.
pub const ACCOUNTS: &[(&str, &str, &str, Role, &str)] = &[
    ("coordination@demo.maillage.fr", "Camille Exemple (coordination CLSPD)", "ville-prevention", Role::Coordinator, "Coordination-Demo-2026!"),
    ("admin@demo.maillage.fr", "Alex Modèle (administration)", "ville-prevention", Role::Administrator, "Administration-Demo-2026!"),
    ("bailleur@demo.maillage.fr", "Dominique Fictif (bailleur)", "habitat-exemple", Role::Partner, "Bailleur-Demo-2026!"),
    ("police@demo.maillage.fr", "Sacha Témoin (police municipale)", "police-municipale", Role::Partner, "PoliceMunicipale-Demo-2026!"),
    ("elu@demo.maillage.fr", "Claude Essai (élu)", "ville-prevention", Role::Reader, "Lecture-Elu-Demo-2026!"),
    ("dpo@demo.maillage.fr", "Morgan Specimen (DPO)", "ville-dpo", Role::Dpo, "Protection-Donnees-Demo-2026!"),
];

fn org(code: &str, name: &str, kind: &str, signed: bool, terms: &str, email: &str) -> OrganisationInput {
    OrganisationInput {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        email: email.into(),
        phone: String::new(),
        address: String::new(),
        signed_strategy: signed,
        match_terms: terms.into(),
    }
}

fn organisations() -> Vec<OrganisationInput> {
    vec![
        org("ville-prevention", "Ville — service Prévention et sécurité (démo)", "city_service", true, "service Prévention et sécurité, Prévention/Sécurité, Mairie de Gennevilliers", "prevention@demo.maillage.fr"),
        org("ville-dpo", "Ville — délégué à la protection des données (démo)", "city_service", false, "", "dpo@demo.maillage.fr"),
        org("police-municipale", "Police municipale (démo)", "municipal_police", false, "ASVP", "pm@demo.maillage.fr"),
        org("commissariat", "Commissariat de police (démo)", "national_police", true, "commissariat, Police Nationale, DTSP 92", "commissariat@demo.maillage.fr"),
        org("parquet", "Parquet (démo)", "prosecutor", true, "Parquet, TGI", "parquet@demo.maillage.fr"),
        org("spip", "SPIP (démo)", "spip", false, "SPIP", "spip@demo.maillage.fr"),
        org("pjj", "Protection judiciaire de la jeunesse (démo)", "pjj", false, "PJJ, Protection Judiciaire de la Jeunesse", "pjj@demo.maillage.fr"),
        org("education", "Éducation nationale (démo)", "education", true, "Education Nationale", "education@demo.maillage.fr"),
        org("ase", "Département — ASE (démo)", "child_welfare", true, "ASE", "ase@demo.maillage.fr"),
        org("habitat-exemple", "Habitat Exemple, bailleur social fictif", "landlord", false, "Bailleurs, Bailleurs sociaux et copropriétés", "agence@habitat-exemple.test"),
        org("aide-victimes", "Association d'aide aux victimes (fictive)", "association", false, "Associations d'aide aux victimes", "contact@aide-victimes.test"),
        org("mediation", "Service médiation (démo)", "mediation", false, "service médiation", "mediation@demo.maillage.fr"),
    ]
}

/// Loads the strategy, organisations and accounts into an empty database. Idempotent: a
/// database that already has accounts is left as it is.
pub async fn load(store: &Store) -> anyhow::Result<bool> {
    if store.count_users().await? > 0 {
        return Ok(false);
    }
    let by = Author::system();
    let doc = maillage_core::strategy::parse_file("gennevilliers-2019-2021.toml", GENNEVILLIERS)?;
    store.save_strategy(&by, &doc, "démo : import du fichier livré").await?;
    for o in organisations() {
        store.create_organisation(&by, &o).await?;
    }
    for (email, name, org_code, role, password) in ACCOUNTS {
        let org = store.organisation_by_code(org_code).await?.map(|o| o.id);
        let hash = maillage_core::password::hash(password)?;
        store
            .create_user(&by, &NewUser {
                email: (*email).into(),
                display_name: (*name).into(),
                organisation_id: org,
                roles: vec![*role],
                password_hash: hash,
            })
            .await?;
    }
    Ok(true)
}
