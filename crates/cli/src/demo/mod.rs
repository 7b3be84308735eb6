//! The demo: fictitious organisations and accounts around the Gennevilliers strategy.

pub mod access_convention;
pub mod alert;
mod evaluation;
pub mod meeting;
pub mod observatory;
pub mod public_page;
pub mod video_requests;
pub mod walk;
pub mod working_group;

use maillage_core::authz::Role;
use maillage_store::account::NewUser;
use maillage_store::organisation::OrganisationInput;
use maillage_store::{Author, Store};

/// The shipped strategy file, embedded in the binary.
pub const GENNEVILLIERS: &str = include_str!("../../../../data/strategies/gennevilliers-2019-2021.toml");

/// Demo accounts: e-mail, display name, organisation code, role, password. Everything here is
/// fictitious; the passwords are printed at start and meant for a demo only.
pub const ACCOUNTS: &[(&str, &str, &str, Role, &str)] = &[
    (
        "coordination@demo.maillage.fr",
        "Camille Exemple (coordination CLSPD)",
        "ville-prevention",
        Role::Coordinator,
        "Coordination-Demo-2026!",
    ),
    ("admin@demo.maillage.fr", "Alex Modèle (administration)", "ville-prevention", Role::Administrator, "Administration-Demo-2026!"),
    ("bailleur@demo.maillage.fr", "Dominique Fictif (bailleur)", "habitat-exemple", Role::Partner, "Bailleur-Demo-2026!"),
    ("police@demo.maillage.fr", "Sacha Témoin (police municipale)", "police-municipale", Role::Partner, "PoliceMunicipale-Demo-2026!"),
    ("technique@demo.maillage.fr", "Rémi Maquette (services techniques)", "ville-technique", Role::Partner, "Technique-Demo-2026!"),
    ("commissariat@demo.maillage.fr", "Noa Prototype (commissariat)", "commissariat", Role::Partner, "Commissariat-Demo-2026!"),
    ("elu@demo.maillage.fr", "Claude Essai (élu)", "ville-prevention", Role::Reader, "Lecture-Elu-Demo-2026!"),
    ("dpo@demo.maillage.fr", "Morgan Specimen (DPO)", "ville-dpo", Role::Dpo, "Protection-Donnees-Demo-2026!"),
    ("education@demo.maillage.fr", "Ange Exemplaire (Éducation nationale)", "education", Role::Partner, "Education-Demo-2026!"),
    ("ase@demo.maillage.fr", "Lou Fictive (ASE)", "ase", Role::Partner, "AideEnfance-Demo-2026!"),
    ("victimes@demo.maillage.fr", "Eden Imaginaire (aide aux victimes)", "aide-victimes", Role::Partner, "AideVictimes-Demo-2026!"),
    ("spip@demo.maillage.fr", "Maxime Esquisse (SPIP)", "spip", Role::Partner, "Probation-Demo-2026!"),
    ("mediateur@demo.maillage.fr", "Yanis Brouillon (médiation)", "mediation", Role::Partner, "Mediation-Demo-2026!"),
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
        org(
            "ville-prevention",
            "Ville — service Prévention et sécurité (démo)",
            "city_service",
            true,
            "service Prévention et sécurité, Prévention/Sécurité, Mairie de Gennevilliers",
            "prevention@demo.maillage.fr",
        ),
        org("ville-dpo", "Ville — délégué à la protection des données (démo)", "city_service", false, "", "dpo@demo.maillage.fr"),
        org("police-municipale", "Police municipale (démo)", "municipal_police", false, "ASVP", "pm@demo.maillage.fr"),
        org(
            "commissariat",
            "Commissariat de police (démo)",
            "national_police",
            true,
            "commissariat, Police Nationale, DTSP 92",
            "commissariat@demo.maillage.fr",
        ),
        org("parquet", "Parquet (démo)", "prosecutor", true, "Parquet, TGI", "parquet@demo.maillage.fr"),
        org("spip", "SPIP (démo)", "spip", false, "SPIP", "spip@demo.maillage.fr"),
        org(
            "pjj",
            "Protection judiciaire de la jeunesse (démo)",
            "pjj",
            false,
            "PJJ, Protection Judiciaire de la Jeunesse",
            "pjj@demo.maillage.fr",
        ),
        org("education", "Éducation nationale (démo)", "education", true, "Education Nationale", "education@demo.maillage.fr"),
        org("ase", "Département — ASE (démo)", "child_welfare", true, "ASE", "ase@demo.maillage.fr"),
        org(
            "habitat-exemple",
            "Habitat Exemple, bailleur social fictif",
            "landlord",
            false,
            "Bailleurs, Bailleurs sociaux et copropriétés",
            "agence@habitat-exemple.test",
        ),
        org(
            "aide-victimes",
            "Association d'aide aux victimes (fictive)",
            "association",
            false,
            "Associations d'aide aux victimes",
            "contact@aide-victimes.test",
        ),
        org("mediation", "Service médiation (démo)", "mediation", false, "service médiation", "mediation@demo.maillage.fr"),
        org("ville-technique", "Ville — services techniques et propreté (démo)", "city_service", false, "", "technique@demo.maillage.fr"),
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
        let hash = maillage_core::account::password::hash(password)?;
        store
            .create_user(
                &by,
                &NewUser {
                    email: (*email).into(),
                    display_name: (*name).into(),
                    organisation_id: org,
                    roles: vec![*role],
                    password_hash: hash,
                },
            )
            .await?;
    }
    load_reports(store).await?;
    load_activities(store).await?;
    evaluation::load(store).await?;
    Ok(true)
}

/// Activities the demo records each year: (kind, title, sheet, recording organisation, public
/// of the participants, usual number of them).
const ACTIVITIES: &[(&str, &str, &str, &str, &str, i64)] = &[
    ("exposition", "Exposition « Les jeunes et la loi » au collège", "1.1", "education", "jeunes", 60),
    ("atelier", "Atelier sur le harcèlement et les réseaux sociaux", "1.1", "ville-prevention", "jeunes", 18),
    ("module_mec", "Module éducatif et de citoyenneté (trois jours)", "1.2", "pjj", "jeunes", 8),
    ("fil_continu", "Accueil Fil continu d'élèves exclus temporairement", "1.2", "ville-prevention", "jeunes", 6),
    ("reunion_partenaires", "Réunion des professionnels sur les rixes", "1.3", "ville-prevention", "professionnels", 14),
    ("intervention_prevention", "Intervention des médiateurs après des tensions entre quartiers", "1.3", "mediation", "jeunes", 25),
    ("formation", "Formation des tuteurs TIG", "2.1", "spip", "professionnels", 7),
    ("tour_de_quartier", "Tour de quartier avec le bailleur et la police municipale", "3.1", "habitat-exemple", "professionnels", 9),
    ("reunion_partenaires", "Cellule de veille tranquillité publique", "3.2", "police-municipale", "professionnels", 12),
    ("article_presse", "Article du journal municipal sur la tranquillité publique", "3.3", "ville-prevention", "habitants", 0),
    ("campagne", "Campagne d'information sur l'aide aux victimes", "4.1", "aide-victimes", "habitants", 0),
    ("marche_exploratoire", "Marche exploratoire de femmes", "5.1", "ville-prevention", "habitants", 15),
    ("formation", "Formation des professionnels au repérage des violences conjugales", "5.2", "aide-victimes", "professionnels", 20),
    ("evenement", "Journée de prévention routière et citoyenne", "6.1", "police-municipale", "jeunes", 120),
    ("evenement", "Tournoi de football jeunes et policiers", "1.1", "police-municipale", "jeunes", 30),
    ("reunion_partenaires", "Réunion des professionnels autour des collégiens exclus", "1.2", "education", "professionnels", 10),
    ("evenement", "Réunion publique sur l'usage des halls d'immeubles", "3.1", "habitat-exemple", "habitants", 35),
    ("atelier", "Atelier participatif sur la propreté des espaces partagés", "3.3", "ville-technique", "habitants", 16),
    ("article_presse", "Article de la presse locale sur l'aide aux victimes", "4.1", "aide-victimes", "habitants", 0),
    ("reunion_partenaires", "Réunion d'information des accueils du public", "4.1", "aide-victimes", "professionnels", 18),
    (
        "reunion_partenaires",
        "Rencontre interprofessionnelle sur les violences faites aux femmes",
        "5.1",
        "aide-victimes",
        "professionnels",
        40,
    ),
    ("campagne", "Affiches et dépliants sur les violences sexistes et sexuelles", "5.2", "ville-prevention", "habitants", 0),
    ("intervention_prevention", "Intervention au lycée sur le consentement", "5.2", "education", "jeunes", 45),
    ("formation", "Formation des professionnels à la prévention de la radicalisation", "6.1", "ville-prevention", "professionnels", 22),
];

/// Three years of the strategy's activities (2019-2021) and this year's so far, with
/// participants by age band and sex, in the demo's districts.
async fn load_activities(store: &Store) -> anyhow::Result<()> {
    use maillage_core::activity::{ActivityDraft, Participants};
    let by = Author::system();
    let sheets = store.sheet_choices().await?;
    let districts: Vec<i64> =
        store.areas().await?.into_iter().filter(|a| a.kind == maillage_core::place::AreaKind::District).map(|a| a.id).collect();
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let mut rng = Lcg(2019);
    let mut years = vec![2019, 2020, 2021];
    if today.year() > 2021 {
        years.push(today.year());
    }
    for year in years {
        for (i, (kind, title, sheet, org, public, usual)) in ACTIVITIES.iter().enumerate() {
            let Some(sheet) = sheets.iter().find(|s| s.code == *sheet) else { continue };
            let org = store.organisation_by_code(org).await?.map(|o| o.id);
            let day = time::Date::from_ordinal_date(year, 20 + (i as u16 * 23 + rng.below(20) as u16) % 330)?;
            if day > today {
                continue;
            }
            let mut participants = Vec::new();
            if *usual > 0 {
                let bands: &[&str] = if *public == "jeunes" { &["12_15", "16_17"] } else { &["26_plus"] };
                for band in bands {
                    for sex in ["F", "M"] {
                        let n = (*usual / (2 * bands.len() as i64)).max(1) + rng.below(4) as i64;
                        participants.push(Participants { public: (*public).into(), age_band: (*band).into(), sex: sex.into(), count: n });
                    }
                }
            }
            let draft = ActivityDraft {
                kind: (*kind).into(),
                title: (*title).into(),
                started_on: Some(day),
                ended_on: (*kind == "module_mec").then(|| day + time::Duration::days(2)).filter(|e| *e <= today),
                sheet_ids: vec![sheet.id],
                district_id: districts.get(rng.below(districts.len() as u64 + 2) as usize).copied(),
                organisation_ids: Vec::new(),
                participants,
                professionals_present: 1 + rng.below(4) as i64,
                note: String::new(),
            };
            store.create_activity(&by, None, org, &draft).await?;
        }
    }
    Ok(())
}

/// The demo's Open311 key for its landlord: fictitious, printed at start and shown on the
/// settings page.
pub const API_KEY: &str = "mlg_demo_habitat_exemple_2026";

/// Approximate outlines of Gennevilliers' districts: rectangles under the real names, enough
/// for a demo, not for real use.
const DISTRICTS: &[(&str, [f64; 4])] = &[
    ("Le Port", [2.262, 48.930, 2.285, 48.945]),
    ("Le Fossé-de-l'Aumône", [2.262, 48.915, 2.285, 48.930]),
    ("Le Village", [2.285, 48.935, 2.302, 48.945]),
    ("Centre-ville", [2.285, 48.925, 2.302, 48.935]),
    ("Les Grésillons", [2.285, 48.915, 2.302, 48.925]),
    ("Le Luth", [2.302, 48.932, 2.322, 48.945]),
    ("Les Agnettes", [2.302, 48.915, 2.322, 48.932]),
];
const PRIORITY_AREAS: &[(&str, [f64; 4])] = &[
    ("Le Luth (QPV)", [2.305, 48.935, 2.318, 48.943]),
    ("Les Agnettes (QPV)", [2.305, 48.918, 2.318, 48.928]),
    ("Les Grésillons (QPV)", [2.288, 48.917, 2.299, 48.923]),
];
const ESTATES: &[(&str, [f64; 4])] =
    &[("Résidence fictive du Luth", [2.306, 48.936, 2.316, 48.942]), ("Résidence fictive des Agnettes", [2.306, 48.919, 2.316, 48.926])];
const TERRITORY: [f64; 4] = [2.262, 48.915, 2.322, 48.945];
/// Two fictitious police sectors, west and east of the city: the observatory's third breakdown.
const POLICE_SECTORS: &[(&str, [f64; 4])] = &[
    ("Secteur de police ouest (fictif)", [2.262, 48.915, 2.292, 48.945]),
    ("Secteur de police est (fictif)", [2.292, 48.915, 2.322, 48.945]),
];

fn collection(items: &[(&str, [f64; 4])]) -> String {
    let features: Vec<String> = items
        .iter()
        .map(|(name, [x0, y0, x1, y1])| {
            format!(
                r#"{{"type":"Feature","properties":{{"name":{}}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#,
                serde_json::Value::from(*name)
            )
        })
        .collect();
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// A small deterministic generator, so that every demo shows the same city.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

/// Street names for the demo's addresses: common French names, not a survey of the commune.
const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean-Jaurès",
    "rue Victor-Hugo",
    "boulevard Louis-Pasteur",
    "rue des Écoles",
    "allée des Tilleuls",
    "place de la Mairie",
    "rue du Port",
    "avenue de la Libération",
    "rue Anatole-France",
];

const TEXTS: &[(&str, &str)] = &[
    ("occupation-parties-communes", "Occupation régulière du hall en soirée, l'accès aux boîtes aux lettres est gêné."),
    ("depot-sauvage", "Dépôt d'encombrants au pied de l'immeuble (matelas, meubles)."),
    ("degradation-tag", "Tags sur la façade et la porte d'entrée."),
    ("eclairage-equipement", "Éclairage du parking en panne depuis plusieurs jours."),
    ("mecanique-sauvage", "Réparations de véhicules sur la chaussée, taches d'huile."),
    ("vehicule-epave", "Véhicule sans plaque, pneus à plat, stationné depuis des semaines."),
    ("stationnement-genant", "Véhicules garés sur le passage piéton devant l'école."),
    ("bruit-nuisances", "Nuisances sonores répétées la nuit sur la placette."),
    ("regroupement", "Regroupement important au pied de la tour, tensions signalées par les gardiens."),
    ("autre", "Mobilier urbain arraché près de l'arrêt de bus."),
];

async fn load_reports(store: &Store) -> anyhow::Result<()> {
    use maillage_core::place::{AreaKind, parse_geojson};
    use maillage_core::report::RoutingRule;
    let by = Author::system();
    let org = |code: &str| {
        let code = code.to_string();
        async move { store.organisation_by_code(&code).await.map(|o| o.map_or(0, |o| o.id)) }
    };
    let (landlord, pm, commissariat, city, tech) = (
        org("habitat-exemple").await?,
        org("police-municipale").await?,
        org("commissariat").await?,
        org("ville-prevention").await?,
        org("ville-technique").await?,
    );
    store.add_areas(&by, AreaKind::Territory, None, true, &parse_geojson(&collection(&[("Gennevilliers", TERRITORY)]))?).await?;
    store.add_areas(&by, AreaKind::District, None, true, &parse_geojson(&collection(DISTRICTS))?).await?;
    store.add_areas(&by, AreaKind::PriorityArea, None, true, &parse_geojson(&collection(PRIORITY_AREAS))?).await?;
    store.add_areas(&by, AreaKind::PoliceSector, None, true, &parse_geojson(&collection(POLICE_SECTORS))?).await?;
    let estates = store.add_areas(&by, AreaKind::Coverage, Some(landlord), false, &parse_geojson(&collection(ESTATES))?).await?;
    let categories = store.categories().await?;
    let cat = |code: &str| categories.iter().find(|c| c.code == code).map(|c| c.id);
    let mut rules = Vec::new();
    for estate in &estates {
        rules.push((cat("depot-sauvage"), Some(*estate), landlord, vec![pm]));
        rules.push((cat("habitat"), Some(*estate), landlord, vec![pm]));
        rules.push((cat("eclairage-equipement"), Some(*estate), landlord, vec![]));
    }
    rules.push((cat("proprete"), None, tech, vec![]));
    rules.push((cat("vehicules"), None, pm, vec![]));
    rules.push((cat("tranquillite"), None, pm, vec![commissariat]));
    rules.push((cat("habitat"), None, city, vec![]));
    for (category_id, area_id, organisation_id, also_involve) in rules {
        store.add_routing_rule(&by, &RoutingRule { id: 0, category_id, area_id, organisation_id, also_involve }).await?;
    }
    let hash = maillage_core::organisation::api_key::hash(API_KEY);
    store.insert_api_key(&by, landlord, &format!("Démonstration — clé publiée : {API_KEY}"), &API_KEY[..10], &hash).await?;

    // A year of reports, made through the same checks and routing as the pages would, with
    // their past dates and states.
    let areas = store.areas().await?;
    let places = maillage_core::place::Places::from_areas(&areas);
    let route_rules: Vec<RoutingRule> = store.routing_rules().await?.iter().map(maillage_store::place::RuleRow::rule).collect();
    let leaves: Vec<&maillage_store::report::category::Category> =
        categories.iter().filter(|c| c.parent_id.is_some() || c.code == "autre").collect();
    let mut rng = Lcg(2019);
    let now = maillage_core::time_fmt::now();
    // Each change is made by an account of the organisation that makes it.
    let mut agents = std::collections::HashMap::new();
    for (email, ..) in ACCOUNTS {
        if let Some(u) = store.user_by_email(email).await?
            && let Some(o) = u.organisation_id
        {
            agents.entry(o).or_insert(Author::user(u.id, email));
        }
    }
    let agent = |organisation: i64| agents.get(&organisation).cloned().unwrap_or_else(Author::system);
    let reporters = [landlord, pm, city];
    for _ in 0..360 {
        let c = leaves[rng.below(leaves.len() as u64) as usize];
        // Points cluster around the estates and the centre, as reports do.
        let (lon, lat) = if rng.below(3) == 0 {
            let e = ESTATES[rng.below(ESTATES.len() as u64) as usize].1;
            (e[0] + rng.unit() * (e[2] - e[0]), e[1] + rng.unit() * (e[3] - e[1]))
        } else {
            (
                TERRITORY[0] + 0.001 + rng.unit() * (TERRITORY[2] - TERRITORY[0] - 0.002),
                TERRITORY[1] + 0.001 + rng.unit() * (TERRITORY[3] - TERRITORY[1] - 0.002),
            )
        };
        let point = maillage_core::place::Coordinates { lat, lon };
        let location = places.locate(point)?;
        let routed =
            maillage_core::report::route(&route_rules, &maillage_store::report::category::lineage(&categories, c.id), &location.area_ids)
                .cloned();
        let age_hours = rng.below(365 * 24) as i64;
        let created = now - time::Duration::hours(age_hours);
        let due = maillage_core::working_days::add_working_days(created, u32::try_from(c.target_days).unwrap_or(5));
        let reporter = reporters[rng.below(reporters.len() as u64) as usize];
        let address = format!("{} {}, 92230 Gennevilliers", 1 + rng.below(120), STREETS[rng.below(STREETS.len() as u64) as usize]);
        let text = TEXTS.iter().find(|(code, _)| *code == c.code).map_or("Problème constaté sur place.", |t| t.1);
        let mut answers = std::collections::BTreeMap::new();
        for q in c.questions.iter().filter(|q| q.required) {
            let v = q.choices.first().map_or_else(|| "Véhicule utilitaire blanc".into(), |ch| ch.key.clone());
            answers.insert(q.code.clone(), v);
        }
        let new = maillage_store::report::NewReport {
            category_id: c.id,
            description: text.into(),
            address,
            lat: (lat * 1e6).round() / 1e6,
            lon: (lon * 1e6).round() / 1e6,
            district_id: location.district_id,
            priority_area_id: location.priority_area_id,
            organisation_id: routed.as_ref().map(|r| r.organisation_id),
            also_involve: routed.map(|r| r.also_involve).unwrap_or_default(),
            reporter_user_id: agents.get(&reporter).and_then(|a| a.user_id),
            reporter_organisation_id: Some(reporter),
            source: maillage_core::report::Source::Web,
            answers: serde_json::to_string(&answers)?,
            urgent: c.urgent,
            created_at: created,
            due_at: Some(due),
        };
        let id = store.create_report(&agent(reporter), &new, |_| Vec::new()).await?;
        // Older reports are mostly closed; about one in five took longer than its target.
        let roll = rng.below(100);
        let closing = age_hours > 24 * 20 && roll < 85 || age_hours > 24 * 3 && roll < 40;
        let late = rng.below(5) == 0;
        let took = if late {
            (due - created).whole_hours() + 24 + rng.below(240) as i64
        } else {
            2 + rng.below(((due - created).whole_hours().max(3)) as u64) as i64
        };
        let closed_at = created + time::Duration::hours(took.min(age_hours.max(1)));
        let (to, reason) = match (closing, rng.below(10)) {
            (true, 0) => (maillage_core::report::State::ClosedWithoutAction, Some(maillage_core::report::CloseReason::NotFound)),
            (true, _) => (maillage_core::report::State::Resolved, None),
            (false, n) if n < 4 && new.organisation_id.is_some() => (maillage_core::report::State::InProgress, None),
            _ => continue,
        };
        let from =
            if new.organisation_id.is_some() { maillage_core::report::State::Transmitted } else { maillage_core::report::State::New };
        // The organisation in charge changes the state; the coordination, for a report nobody
        // was given.
        let acting = new.organisation_id.unwrap_or(city);
        let change = maillage_store::report::StateChange {
            organisation_id: Some(acting),
            close_reason: reason,
            at: Some(if to.class().is_open() { created + time::Duration::hours(took.min(age_hours.max(1)) / 2) } else { closed_at }),
            ..maillage_store::report::StateChange::new(from, to)
        };
        store.change_report_state(&agent(acting), id, &change, Vec::new()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use maillage_core::report::EventKind;

    /// Each step of a demo report's history is signed by an account of the organisation that
    /// took it, and every report has an address.
    #[tokio::test]
    async fn demo_history_is_credited_to_the_organisation_acting() {
        let dir = std::env::temp_dir().join(format!("maillage-demo-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = maillage_store::Store::connect(&format!("sqlite://{}", dir.join("demo.db").display())).await.unwrap();
        assert!(super::load(&store).await.unwrap());
        let mut names = std::collections::HashMap::new();
        for (email, name, ..) in super::ACCOUNTS {
            let u = store.user_by_email(email).await.unwrap().unwrap();
            names.insert(name.to_string(), u.organisation_id);
        }
        let (mut changes, mut reports) = (0, 0);
        for id in 1..=360 {
            let Some(r) = store.report(id).await.unwrap() else { continue };
            reports += 1;
            assert!(r.address.ends_with("92230 Gennevilliers"), "{}", r.address);
            for e in store.report_events(id, None).await.unwrap() {
                let organisation = names.get(&e.author_name).copied().unwrap_or_else(|| panic!("{} is no demo account", e.author_name));
                assert_eq!(organisation, e.organisation_id, "report {id}: {:?} by {}", e.kind, e.author_name);
                changes += usize::from(matches!(e.kind, EventKind::StateChanged { .. }));
            }
        }
        assert_eq!(reports, 360);
        assert!(changes > 100, "{changes}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The demo's working groups: their situations at every stage (one due for destruction
    /// tomorrow), and no name of anyone followed in the database's bytes or in its backup.
    #[tokio::test]
    async fn demo_situations_are_sealed_at_rest() {
        let dir = std::env::temp_dir().join(format!("maillage-demo-wg-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("demo.db").display());
        let store = maillage_store::Store::connect(&url).await.unwrap();
        assert!(super::load(&store).await.unwrap());
        let key_file = dir.join("maillage.key");
        maillage_app::keyring::Keyring::create(&key_file).unwrap();
        let config = maillage_app::AppConfig { key_file: Some(key_file), data_dir: dir.clone(), ..Default::default() };
        let app = maillage_app::App::new(store.clone(), &config).await.unwrap();
        assert!(super::working_group::load(&app).await.unwrap());
        let groups = store.groups().await.unwrap();
        assert_eq!(groups.len(), 3);
        let (mut followed, mut archived) = (0, 0);
        for g in &groups {
            followed += store.count_cases(g.id, false).await.unwrap();
            archived += store.count_cases(g.id, true).await.unwrap();
        }
        assert!(followed >= 24 && archived >= 6, "{followed} followed, {archived} archived");
        let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
        assert_eq!(maillage_app::working_group::destroy_due(&app, today).await.unwrap(), 0);
        assert_eq!(maillage_app::working_group::destroy_due(&app, today + time::Duration::days(1)).await.unwrap(), 1, "one due tomorrow");
        // Community service: posts, a training, placements at every stage, one due tomorrow.
        assert_eq!(store.posts(today).await.unwrap().len(), 7);
        let tig = groups.iter().find(|g| g.kind == maillage_core::working_group::GroupKind::CommunityService).unwrap();
        assert_eq!(store.placements(tig.id, 100, 0).await.unwrap().len(), 12);
        assert_eq!(maillage_app::community_service::destroy_due(&app, today).await.unwrap(), 0);
        assert_eq!(
            maillage_app::community_service::destroy_due(&app, today + time::Duration::days(1)).await.unwrap(),
            1,
            "one due tomorrow"
        );
        // The rapid alert: the on-call lines, the strategy's years closed, one open today that
        // went to the services on call now.
        assert!(super::alert::load(&app).await.unwrap());
        assert!(!super::alert::load(&app).await.unwrap(), "loaded once");
        assert_eq!(store.alert_figures(2020).await.unwrap().total, 11);
        let open: Vec<_> =
            store.alerts(maillage_core::authz::AlertScope::All, 100).await.unwrap().into_iter().filter(|a| a.closed_at.is_none()).collect();
        assert_eq!(open.len(), 1);
        assert!(!store.alert_deliveries(open[0].id).await.unwrap().is_empty());
        // Walks: the landlord's tours, exploratory walks, GUSP evaluations; this autumn's
        // findings became reports.
        assert!(super::walk::load(&app).await.unwrap());
        assert!(!super::walk::load(&app).await.unwrap(), "loaded once");
        let walks = store.walks(&Default::default()).await.unwrap();
        assert!(walks.len() >= 20, "{}", walks.len());
        assert!(walks[0].reported >= 2, "{:?}", walks[0]);
        assert!(!maillage_app::walk::gusp(&app, None).await.unwrap().0.periods.is_empty());
        // The CCTV register: two agents, two cameras, an extraction destroyed, one judicial.
        assert!(super::video_requests::load(&app).await.unwrap());
        assert!(!super::video_requests::load(&app).await.unwrap(), "loaded once");
        assert_eq!(store.video_agents().await.unwrap().len(), 2);
        assert_eq!(store.extractions_kept().await.unwrap().len(), 1);
        // Vigik conventions: one renewed, one to renew (its reminder goes at once), one expired.
        assert!(super::access_convention::load(&app).await.unwrap());
        assert!(!super::access_convention::load(&app).await.unwrap(), "loaded once");
        let conventions = store.access_conventions().await.unwrap();
        assert_eq!(conventions.len(), 3);
        assert!(conventions.iter().any(|c| c.renewals.len() == 1));
        let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
        assert_eq!(maillage_app::access_convention::remind_due(&app, today, "http://demo").await.unwrap(), 1);
        // The observatory: observations, a subscription, and every record counted at once.
        assert!(super::observatory::load(&app).await.unwrap());
        assert!(!super::observatory::load(&app).await.unwrap(), "loaded once");
        assert!(maillage_app::observatory::refresh(&app, today, true).await.unwrap() > 100);
        assert_eq!(store.observatory_subscriptions().await.unwrap().len(), 1);
        // The public site: the booklet, news, events and the local services beside the national numbers.
        assert!(super::public_page::load(&app).await.unwrap());
        assert!(!super::public_page::load(&app).await.unwrap(), "loaded once");
        let booklet = store.public_pages(maillage_core::public_page::PageKind::Booklet, true).await.unwrap();
        assert_eq!(booklet.len(), 3);
        assert!(booklet.iter().all(|p| p.body_html.contains("<p>") && !p.body_html.contains("<h1>")));
        assert!(store.help_entries().await.unwrap().len() > 10);
        // The meetings: a plenary held with its minutes and decisions, a restricted formation planned.
        assert!(super::meeting::load(&app).await.unwrap());
        assert!(!super::meeting::load(&app).await.unwrap(), "loaded once");
        let meetings = store.council_meetings().await.unwrap();
        assert_eq!(meetings.len(), 2);
        assert!(store.sheet_decisions(None).await.unwrap().iter().filter(|d| d.meeting_id.is_some()).count() == 2);
        let mut bytes = Vec::new();
        store.export(&mut bytes, &mut |_, _| {}).await.unwrap();
        store.close().await;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("demo.db")) {
                bytes.extend(std::fs::read(path).unwrap());
            }
        }
        for name in ["Fictif-Démo", "Exemple-Démo", "Modèle-Démo", "FICTIF-DÉMO", "rue de l'Exemple", "SPIP-DEMO-0101", "PJJ-DEMO-0104"]
        {
            assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{name} in clear");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
