//! The demo's public site: three sections of the tranquillity booklet, two news items, an event
//! next month and one past, a draft, and the local services of the directory of help. Every
//! local number is in the 01 99 00 range that ARCEP keeps for fiction.

use maillage_app::App;
use maillage_core::help_directory::EntryDraft;
use maillage_core::public_page::{PageDraft, PageKind};
use maillage_core::time_fmt;
use maillage_store::Author;
use time::Duration;

const BOOKLET: &[(&str, &str, &str)] = &[
    (
        "Le bruit et les troubles du voisinage",
        "Ce que dit la règle, et à qui s'adresser quand le dialogue ne suffit plus.",
        "Les bruits de comportement (musique, cris, appareils, animaux) sont sanctionnables **de jour comme de nuit** dès qu'ils sont répétés, intensifs ou durables.\n\n## Que faire ?\n\n- parlez-en d'abord à votre voisin, calmement ;\n- si le trouble continue, prévenez votre bailleur ou le syndic ;\n- la nuit, si le trouble est grave, appelez la police municipale ou le [17](tel:17).\n\nUne médiation gratuite est possible : voyez [l'annuaire des aides](/aide#justice).",
    ),
    (
        "Les dépôts sauvages et les encombrants",
        "Les encombrants se déposent sur rendez-vous, jamais sur le trottoir.",
        "Déposer des déchets ou des encombrants sur la voie publique est une infraction punie d'une amende.\n\n- prenez rendez-vous pour l'enlèvement des encombrants auprès de la ville ;\n- un dépôt sauvage se signale à la ville, qui le fait enlever et le compte quartier par quartier ;\n- les déchetteries acceptent les gros volumes.",
    ),
    (
        "Les halls d'immeubles",
        "Les parties communes sont à tous : qui appeler quand elles sont occupées ou dégradées.",
        "L'occupation des halls qui empêche de circuler ou trouble la tranquillité des habitants est une infraction.\n\n## Qui appeler ?\n\n1. votre bailleur ou son gardien, pour une dégradation, un éclairage en panne, une porte forcée ;\n2. la police municipale, pour une occupation qui gêne ;\n3. le [17](tel:17) en cas de danger.\n\nVos signalements sont partagés entre la ville, les bailleurs et la police dans le cadre du CLSPD.",
    ),
];

/// Whether the demo's pages were loaded (a site holding its institutional pages only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.public_pages(PageKind::Booklet, false).await?.is_empty() {
        return Ok(false);
    }
    let Some(coordination) = s.user_by_email("coordination@demo.maillage.fr").await? else {
        return Ok(false);
    };
    let by = Author::user(coordination.id, &coordination.email);
    let fail = |e| anyhow::anyhow!("{e:?}");
    let page = |kind: PageKind, title: &str, summary: &str, body: &str| PageDraft {
        kind: kind.code().into(),
        title: title.into(),
        summary: summary.into(),
        body: body.into(),
        published: true,
        ..PageDraft::default()
    };
    for (title, summary, body) in BOOKLET {
        maillage_app::public_page::save(app, &by, None, &page(PageKind::Booklet, title, summary, body)).await.map_err(fail)?;
    }
    let news = [
        (
            "Le CLSPD a adopté le bilan de la stratégie",
            "La séance plénière a adopté le bilan annuel et ses recommandations.",
            "Réunis en séance plénière, le maire, le préfet, le procureur de la République et les partenaires du CLSPD ont adopté le bilan annuel de la stratégie territoriale. Les chiffres publiés sont sur [la page des chiffres](/chiffres).",
        ),
        (
            "Des marches exploratoires dans deux quartiers",
            "Des habitantes ont parcouru leur quartier pour dire ce qui pèse sur leur sentiment de sécurité.",
            "Éclairage, recoins, bancs, cheminements : les constats des marches exploratoires sont transmis aux services et aux bailleurs, qui y répondent point par point.",
        ),
    ];
    for (title, summary, body) in news {
        maillage_app::public_page::save(app, &by, None, &page(PageKind::News, title, summary, body)).await.map_err(fail)?;
    }
    let next_month = time_fmt::now() + Duration::days(30);
    let start = time_fmt::local_instant(&format!("{}T14:00", time_fmt::paris_date(next_month)));
    let upcoming = PageDraft {
        starts_at: start,
        ends_at: start.map(|s| s + Duration::hours(4)),
        place: "Parc des sports (démo)".into(),
        ..page(
            PageKind::Event,
            "Après-midi de prévention routière et numérique",
            "Ateliers pour les familles : deux-roues, réseaux sociaux, harcèlement en ligne.",
            "Les associations et la police municipale animent des ateliers ouverts à tous, gratuits et sans inscription.",
        )
    };
    maillage_app::public_page::save(app, &by, None, &upcoming).await.map_err(fail)?;
    let last_year = time_fmt::now() - Duration::days(200);
    let start = time_fmt::local_instant(&format!("{}T18:30", time_fmt::paris_date(last_year)));
    let past = PageDraft {
        starts_at: start,
        ends_at: start.map(|s| s + Duration::hours(2)),
        place: "Salle des fêtes (démo)".into(),
        ..page(
            PageKind::Event,
            "Réunion publique sur la tranquillité",
            "Les habitants ont échangé avec le maire et les partenaires du CLSPD.",
            "Compte rendu disponible en mairie.",
        )
    };
    maillage_app::public_page::save(app, &by, None, &past).await.map_err(fail)?;
    let draft = PageDraft {
        published: false,
        ..page(PageKind::News, "Campagne contre les rodéos motorisés (brouillon)", "", "À compléter avant publication.")
    };
    maillage_app::public_page::save(app, &by, None, &draft).await.map_err(fail)?;

    let local = [
        (
            "victimes",
            "Association d'aide aux victimes (démo)",
            "Écoute, information sur vos droits, accompagnement dans les démarches et soutien psychologique, gratuitement.",
            "01 99 00 10 10",
            "du lundi au vendredi, 9 h – 17 h",
            "Accès de plain-pied.",
        ),
        (
            "justice",
            "Maison de la justice et du droit (démo)",
            "Consultations gratuites d'avocats, conciliateur de justice, médiation, délégué du Défenseur des droits.",
            "01 99 00 10 20",
            "sur rendez-vous, du lundi au vendredi",
            "Accès de plain-pied, boucle magnétique à l'accueil.",
        ),
        (
            "social",
            "Intervenante sociale au commissariat (démo)",
            "Reçoit les victimes et les personnes en détresse sociale qui se présentent au commissariat, et les oriente.",
            "01 99 00 10 30",
            "du lundi au vendredi, 9 h – 18 h",
            "",
        ),
        (
            "association",
            "Médiation de nuit (démo)",
            "Médiateurs présents le soir dans l'espace public : conflits de voisinage, tranquillité, orientation.",
            "01 99 00 10 40",
            "du mardi au samedi, 17 h – 1 h",
            "",
        ),
    ];
    for (category, name, description, phone, hours, accessibility) in local {
        let e = EntryDraft {
            category: category.into(),
            name: name.into(),
            description: description.into(),
            phone: phone.into(),
            hours: hours.into(),
            accessibility: accessibility.into(),
            address: "Adresse fictive de la démo".into(),
            ..EntryDraft::default()
        };
        s.create_help_entry(&by, &e).await?;
    }
    // The site publishes a few indicators computed from the records.
    let published: Vec<i64> = maillage_app::indicator::indicators(app)
        .await?
        .iter()
        .filter(|i| i.indicator.source != maillage_core::indicator::Source::Declared)
        .take(4)
        .map(|i| i.id)
        .collect();
    s.set_published_indicators(&by, &published).await?;
    Ok(true)
}
