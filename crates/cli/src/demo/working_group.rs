//! The demo's working groups: a CVE and a group on complex situations of women victims of
//! violence, with fictitious members, signed charters, second factors whose secrets are printed
//! with the accounts, and a few dozen fictitious situations at every stage (one due for
//! destruction tomorrow), and a community-service group with host structures, posts, a tutor
//! training and placements at every stage. Loaded after the application starts, since
//! situations and placements are sealed.

use maillage_app::App;
use maillage_app::working_group::{ActionDraft, Draft};
use maillage_core::time_fmt;
use maillage_core::working_group::GroupKind;
use maillage_core::working_group::case::{Identity, Representative};
use maillage_store::Author;
use maillage_store::working_group::NewGroup;
use time::{Date, Duration};

/// The demo accounts enrolled with a second factor: e-mail and TOTP secret (base32, RFC 6238,
/// 30 s, 6 digits). Fictitious, printed at start, for a demo only.
pub const SECOND_FACTORS: &[(&str, &str)] = &[
    ("education@demo.maillage.fr", "JBSWY3DPEHPK3PXPMFRGGZDFMZTWQ2LK"),
    ("ase@demo.maillage.fr", "KRSXG5CTMVRXEZLUKN2XAZLSMJQXE3DF"),
    ("victimes@demo.maillage.fr", "MZXW6YTBOI5DEMRXGQ3TSMJQHE2DCNBV"),
    ("spip@demo.maillage.fr", "ONYGS4BNMRSW23ZNORUWOLJSGAZDMIJB"),
];

const SURNAMES: &[&str] = &[
    "Fictif",
    "Exemple",
    "Modèle",
    "Essai",
    "Maquette",
    "Témoin",
    "Specimen",
    "Prototype",
    "Imaginaire",
    "Factice",
    "Brouillon",
    "Esquisse",
];
const FIRST_NAMES_F: &[&str] = &["Inès", "Léa", "Chloé", "Sarah", "Yasmine", "Jade", "Lina", "Emma"];
const FIRST_NAMES_M: &[&str] = &["Adam", "Lucas", "Nathan", "Rayan", "Hugo", "Ilyes", "Noah", "Mehdi"];

fn years_ago(today: Date, years: i32, days: i64) -> Date {
    let d = Date::from_calendar_date(today.year() - years, today.month(), 1).unwrap_or(today);
    d + Duration::days(days)
}

/// Whether the groups were loaded (an empty database only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    if !app.store.groups().await?.is_empty() || app.keyring.is_none() {
        return Ok(false);
    }
    let by = Author::system();
    let s = &app.store;
    let user = |email: &'static str| async move { s.user_by_email(email).await.map(|u| u.map(|u| (u.id, u.organisation_id))) };
    let org = |code: &'static str| async move { s.organisation_by_code(code).await.map(|o| o.map(|o| o.id)) };
    for (email, secret) in SECOND_FACTORS {
        if let Some((id, _)) = user(email).await? {
            maillage_app::account::second_factor::enrol_confirmed(app, &by, id, email, secret).await?;
        }
    }
    let charter = maillage_app::working_group::default_charter(app).await?;
    let coordinator = user("coordination@demo.maillage.fr").await?;
    let today = time_fmt::paris_date(time_fmt::now());
    let groups = [
        (
            GroupKind::Cve,
            "Cellule de Veille Éducative (démo)",
            "Repérer les mineurs exposés à la délinquance ou en rupture scolaire et coordonner les réponses des professionnels.",
            vec!["1.1".to_string()],
            vec![
                ("coordination@demo.maillage.fr", "Coordinatrice du CLSPD, animatrice"),
                ("education@demo.maillage.fr", "Conseillère principale d'éducation"),
                ("ase@demo.maillage.fr", "Éducatrice de l'aide sociale à l'enfance"),
                ("commissariat@demo.maillage.fr", "Correspondant prévention du commissariat"),
            ],
            vec!["ville-prevention", "education", "ase", "commissariat"],
        ),
        (
            GroupKind::ViolenceAgainstWomen,
            "Situations complexes de femmes victimes de violences (démo)",
            "Coordonner l'accompagnement des femmes victimes de violences dont la situation demande plusieurs institutions.",
            vec!["5.1".to_string()],
            vec![
                ("coordination@demo.maillage.fr", "Coordinatrice du CLSPD, animatrice"),
                ("victimes@demo.maillage.fr", "Juriste de l'association d'aide aux victimes"),
                ("ase@demo.maillage.fr", "Éducatrice de l'aide sociale à l'enfance"),
            ],
            vec!["ville-prevention", "aide-victimes", "ase"],
        ),
        (
            GroupKind::CommunityService,
            "Suivi des travaux d'intérêt général (démo)",
            "Accueillir rapidement les personnes condamnées à un TIG ou à une mesure de réparation et suivre leur exécution.",
            vec!["2.1".to_string()],
            vec![
                ("coordination@demo.maillage.fr", "Coordinatrice du CLSPD, animatrice"),
                ("spip@demo.maillage.fr", "Conseiller pénitentiaire d'insertion et de probation"),
            ],
            vec!["ville-prevention", "spip", "pjj"],
        ),
    ];
    let strategy = app.store.current_strategy().await?;
    for (kind, name, purpose, sheets, members, signatories) in groups {
        let sheets = sheets.into_iter().filter(|c| strategy.as_ref().is_some_and(|s| s.doc.sheet(c).is_some())).collect();
        let group = s
            .create_group(
                &by,
                &NewGroup {
                    kind,
                    name: name.into(),
                    purpose: purpose.into(),
                    legal_basis: "Article L.132-5 du code de la sécurité intérieure ; charte déontologique du CLSPD.".into(),
                    sheets,
                    animator_id: coordinator.map(|c| c.0),
                    charter: charter.clone(),
                },
            )
            .await?;
        for code in signatories {
            if let Some(o) = org(code).await? {
                s.record_signature(&by, group, 1, o, "Signataire pour l'institution (démo)", today - Duration::days(400)).await?;
            }
        }
        for (email, function) in members {
            if let Some((id, _)) = user(email).await? {
                s.add_member(&by, group, id, function).await?;
                s.accept_charter(&Author::user(id, email), group, id, 1).await?;
            }
        }
        if kind == GroupKind::CommunityService {
            load_community_service(app, group, today).await?;
        } else {
            load_cases(app, group, kind, today).await?;
        }
        load_meeting(app, group, today).await?;
    }
    Ok(true)
}

/// A meeting two weeks ago: every member present, three situations examined.
async fn load_meeting(app: &App, group_id: i64, today: Date) -> anyhow::Result<()> {
    use maillage_app::working_group::meeting::{DecisionDraft, add_decision, create_meeting, set_attendance};
    let by = Author::system();
    let fail = |e: maillage_app::working_group::CaseError| anyhow::anyhow!("{e}");
    let group = app.store.group(group_id).await?.ok_or_else(|| anyhow::anyhow!("groupe {group_id}"))?;
    let members = app.store.members(group_id).await?;
    let id = create_meeting(app, &by, &group, Some(today - Duration::days(14)), "Salle du conseil, hôtel de ville").await.map_err(fail)?;
    let meeting = app.store.meeting(group_id, id).await?.ok_or_else(|| anyhow::anyhow!("réunion {id}"))?;
    let present: Vec<i64> = members.iter().map(|m| m.user_id).collect();
    set_attendance(app, &by, &members, &meeting, &present).await.map_err(fail)?;
    let lead =
        members.iter().find(|m| m.function.contains("éducation") || m.function.contains("Juriste")).or(members.first()).map(|m| m.user_id);
    let decisions = [("orientation", "Orientation proposée, à présenter à la famille."), ("famille", ""), ("veille", "")];
    for (record, (kind, text)) in app.store.cases(group_id, false, 3, 0).await?.iter().zip(decisions) {
        let draft = DecisionDraft {
            case_id: Some(record.id),
            kind: kind.into(),
            text: text.into(),
            lead_id: lead,
            follow_up_on: Some(today + Duration::days(14)),
        };
        add_decision(app, &by, &group, &members, &meeting, &draft).await.map_err(fail)?;
    }
    Ok(())
}

async fn load_cases(app: &App, group: i64, kind: GroupKind, today: Date) -> anyhow::Result<()> {
    let by = Author::system();
    let reporter = app.store.user_by_email("ase@demo.maillage.fr").await?.map_or((0, None), |u| (u.id, u.organisation_id));
    let referent = app
        .store
        .user_by_email(if kind == GroupKind::Cve { "education@demo.maillage.fr" } else { "victimes@demo.maillage.fr" })
        .await?
        .map(|u| u.id);
    let count: usize = if kind == GroupKind::Cve { 24 } else { 12 };
    for i in 0..count {
        let female = kind == GroupKind::ViolenceAgainstWomen || i % 2 == 0;
        let first = if female { FIRST_NAMES_F[i % FIRST_NAMES_F.len()] } else { FIRST_NAMES_M[i % FIRST_NAMES_M.len()] };
        let age = if kind == GroupKind::Cve { 11 + (i % 7) } else { 19 + (i % 5) };
        #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
        let mut birth = years_ago(today, age as i32, (i * 37 % 300) as i64);
        // One due for destruction tomorrow: the person turns 25.
        if i == count - 1 && kind == GroupKind::ViolenceAgainstWomen {
            birth = Date::from_calendar_date(today.year() - 25, today.month(), today.day()).unwrap_or(today) + Duration::days(1);
        }
        let minor = kind == GroupKind::Cve;
        let identity = Identity {
            surname: format!("{}-Démo", SURNAMES[i % SURNAMES.len()]),
            first_name: first.into(),
            sex: if female { "F" } else { "M" }.into(),
            birth_date: birth.to_string(),
            address: format!("{} rue de l'Exemple, Gennevilliers", 1 + i * 3),
            phone: String::new(),
            email: String::new(),
            school_or_job: if minor { ["college", "lycee", "sans_solution"][i % 3] } else { ["emploi", "sans_emploi"][i % 2] }.into(),
            representatives: if minor {
                vec![Representative {
                    surname: format!("{}-Démo", SURNAMES[i % SURNAMES.len()]),
                    first_name: "Parent".into(),
                    phone: "01 00 00 00 00".into(),
                    ..Representative::default()
                }]
            } else {
                Vec::new()
            },
        };
        #[allow(clippy::cast_possible_wrap)]
        let opened_on = today - Duration::days(30 + (i as i64) * 23 % 500);
        let draft = Draft {
            identity,
            opened_on: Some(opened_on),
            origin: ["education", "social", "police", "famille"][i % 4].into(),
            programme: if minor { ["cve", "pre", "fil_continu"][i % 3] } else { "vff" }.into(),
            referent_id: referent,
            already_in_charge: i % 3 != 0,
            in_charge_org_id: None,
            judicial: String::new(),
        };
        let mut draft = draft;
        if !draft.already_in_charge {
            draft.in_charge_org_id = app.store.organisation_by_code(if minor { "education" } else { "aide-victimes" }).await?.map(|o| o.id);
        }
        let case = maillage_app::working_group::create_case(app, &by, reporter, group, &draft).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let record = app.store.case(group, case).await?.ok_or_else(|| anyhow::anyhow!("situation {case}"))?;
        for k in 0..(i % 4) {
            #[allow(clippy::cast_possible_wrap)]
            let started = opened_on + Duration::days(7 * (k as i64 + 1));
            let action = ActionDraft {
                kind: ["entretien", "orientation", "scolarite", "social"][k % 4].into(),
                started_on: Some(started.min(today)),
                ended_on: None,
                result: ["atteint", "en_cours", "partiel"][k % 3].into(),
                note: if k == 0 { "Entretien tenu avec la famille, rendez-vous suivant fixé.".into() } else { String::new() },
            };
            maillage_app::working_group::add_action(app, &by, &record, &action).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if i % 3 != 2 {
            maillage_app::working_group::set_informing(app, &by, &record, Some(opened_on), "entretien", "")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        // A quarter are closed and archived.
        if i % 4 == 3 && i != count - 1 {
            maillage_app::working_group::close_case(app, &by, &record, Some(today - Duration::days(10)), "objectifs_atteints")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    Ok(())
}

/// Host structures and their posts (the seed's seven posts at the city), a tutor training, and
/// placements at every stage: waiting, running, ended, one ended three years ago tomorrow.
async fn load_community_service(app: &App, group: i64, today: Date) -> anyhow::Result<()> {
    use maillage_app::community_service::create_placement;
    use maillage_core::community_service::PlacementDraft;
    use maillage_store::community_service::{NewPost, NewTraining};
    let by = Author::system();
    let s = &app.store;
    let city = s.create_structure(&by, "Ville de Gennevilliers (démo)", "service_municipal").await?;
    let association = s.create_structure(&by, "Association Jardins de l'Exemple (démo)", "association").await?;
    let landlord = s.create_structure(&by, "Habitat Exemple (démo)", "bailleur").await?;
    let posts = [
        (city, "Espaces verts", "Entretien des parcs et jardins", 2, false, "Jordan Verdier (démo)", "Chef d'équipe", 900),
        (
            city,
            "Propreté urbaine",
            "Nettoiement des voies et enlèvement des tags",
            2,
            false,
            "Alix Balayeur (démo)",
            "Agent de maîtrise",
            800,
        ),
        (city, "Restauration scolaire", "Aide en cuisine centrale", 1, true, "Sam Cuisinier (démo)", "Responsable de cuisine", 700),
        (city, "Sports", "Entretien des équipements sportifs", 1, true, "Charlie Gymnase (démo)", "Gardien de gymnase", 400),
        (city, "Bâtiments", "Petits travaux de peinture", 1, false, "Robin Pinceau (démo)", "Peintre", 300),
        (association, "Jardin partagé", "Entretien du jardin et accueil du public", 2, true, "Eden Jardinier (démo)", "Animatrice", 200),
        (landlord, "Gardiennage", "Entretien des parties communes", 1, false, "Yanis Concierge (démo)", "Gardien d'immeuble", 60),
    ];
    let mut ids = Vec::new();
    for (structure_id, service, activity, places, minors, tutor, function, age) in posts {
        let post = NewPost {
            structure_id,
            service: service.into(),
            activity: activity.into(),
            places,
            minors_accepted: minors,
            tutor_name: tutor.into(),
            tutor_function: function.into(),
            opened_on: today - Duration::days(age),
        };
        ids.push(s.create_post(&by, &post).await?);
    }
    let training = NewTraining {
        held_on: today - Duration::days(45),
        title: "Accueillir une personne en TIG : rôle du tuteur".into(),
        organised_with: "SPIP et PJJ".into(),
        tutors_trained: 4,
        post_ids: ids.iter().copied().take(4).collect(),
    };
    s.record_training(&by, &training).await?;
    let fail = |e: maillage_app::working_group::CaseError| anyhow::anyhow!("{e}");
    // (measure, referrer, age band, sex, post, days since decision, days to start, hours, done, outcome, ended days ago)
    type Line = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        Option<usize>,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        &'static str,
        Option<i64>,
    );
    let lines: [Line; 12] = [
        ("tig", "spip", "18_25", "M", Some(0), 120, Some(35), Some(105), 70, "", None),
        ("tig", "spip", "26_plus", "M", Some(1), 90, Some(28), Some(70), 35, "", None),
        ("tig", "spip", "18_25", "F", Some(5), 60, Some(21), Some(140), 14, "", None),
        ("tig_mineur", "pjj", "16_17", "M", Some(2), 50, Some(18), Some(35), 21, "", None),
        ("reparation", "pjj", "13_15", "M", Some(3), 40, Some(14), None, 0, "", None),
        ("tig", "spip", "26_plus", "F", Some(6), 20, Some(30), Some(40), 0, "", None),
        ("tig", "spip", "18_25", "M", None, 12, None, Some(60), 0, "", None),
        ("tig", "spip", "18_25", "M", Some(0), 300, Some(40), Some(80), 80, "realisee", Some(90)),
        ("tig", "spip", "26_plus", "M", Some(1), 280, Some(60), Some(120), 56, "interrompue", Some(100)),
        ("reparation", "pjj", "16_17", "F", Some(5), 200, Some(20), None, 0, "realisee", Some(120)),
        ("tig", "spip", "26_plus", "M", Some(4), 250, Some(45), Some(35), 35, "realisee", Some(150)),
        ("tig", "spip", "18_25", "M", None, 1300, None, Some(70), 0, "non_executee", None),
    ];
    for (i, (measure, referrer, age_band, sex, post, decided, start, hours, done, outcome, ended)) in lines.into_iter().enumerate() {
        let decided_on = today - Duration::days(decided);
        let started_on = start.map(|d| decided_on + Duration::days(d));
        // The last one ended three years ago tomorrow: destroyed tomorrow.
        let ended_on = if outcome == "non_executee" {
            let tomorrow = today + Duration::days(1);
            tomorrow.replace_year(today.year() - 3).ok().or(Some(today - Duration::days(3 * 365)))
        } else {
            ended.map(|d| today - Duration::days(d))
        };
        let draft = PlacementDraft {
            reference: format!("{}-DEMO-{:04}", referrer.to_uppercase(), 101 + i),
            referrer: referrer.into(),
            measure: measure.into(),
            sex: sex.into(),
            age_band: age_band.into(),
            post_id: post.and_then(|p| ids.get(p).copied()),
            decided_on: Some(decided_on),
            referred_on: started_on.map(|s| (s - Duration::days(7)).min(today)).filter(|r| *r >= decided_on),
            started_on,
            ended_on,
            hours_ordered: hours,
            hours_done: done,
            outcome: outcome.into(),
        };
        create_placement(app, &by, group, &draft).await.map_err(fail)?;
    }
    Ok(())
}
