//! The evaluation's live figures, on both backends: what the activity journal records shows at
//! once in the strategy's and the sheet's figures, exact for the coordination and published
//! (small counts hidden, with the one that would give them away) for everyone else.
#![cfg(test)]

mod common;

use common::member::text;
use common::{Backend, city, email_for};
use maillage_core::activity::{ActivityDraft, Participants};
use maillage_core::authz::Role;
use maillage_store::Author;

fn line(public: &str, age_band: &str, sex: &str, count: i64) -> Participants {
    Participants { public: public.into(), age_band: age_band.into(), sex: sex.into(), count }
}

async fn figures_are_live_and_published_outside_the_coordination(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let sheets = app.store.sheet_choices().await.unwrap();
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let year = today.year();
    let record = |participants: Vec<Participants>, district: Option<i64>| ActivityDraft {
        kind: "atelier".into(),
        title: "Atelier".into(),
        started_on: Some(today),
        sheet_ids: vec![sheets[0].id],
        district_id: district,
        participants,
        professionals_present: 2,
        ..ActivityDraft::default()
    };
    let by = Author::system();
    let first = record(vec![line("jeunes", "12_15", "F", 12), line("jeunes", "12_15", "M", 3)], Some(city.north));
    app.store.create_activity(&by, None, Some(city.police), &first).await.unwrap();

    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let sheet_url = app.url(&format!("/evaluation/fiches/{}?annee={year}", sheets[0].code));
    let (status, page) = text(&coordinator, sheet_url.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>1</strong> action(s) réalisée(s), <strong>15</strong> participant(s)"), "{page}");
    assert!(page.contains(r#"<td data-label="Hommes, garçons">3</td>"#), "exact counts inside the coordination");
    // The trend is drawn on the server, its data in the table after it.
    let chart = page.split(r#"<svg class="chart""#).nth(1).expect("a chart").split("</svg>").next().unwrap();
    assert!(chart.contains(r#"role="img""#) && chart.contains("Actions réalisées par année (les données sont dans le tableau qui suit)"));
    assert!(chart.contains(&format!(">{year}</text>")) && chart.contains("<rect") && !chart.contains("style="), "{chart}");

    // Recorded now, counted now: no batch in between.
    let second = record(vec![line("habitants", "26_plus", "F", 7)], None);
    app.store.create_activity(&by, None, Some(city.police), &second).await.unwrap();
    let page = text(&coordinator, sheet_url.clone()).await.1;
    assert!(page.contains("<strong>2</strong> action(s) réalisée(s), <strong>22</strong> participant(s)"), "{page}");
    let strategy = text(&coordinator, app.url(&format!("/evaluation?annee={year}"))).await.1;
    assert!(strategy.contains(&format!("{} — {}", sheets[0].code, sheets[0].title)));
    assert!(strategy.contains(r#"<td data-label="Actions réalisées">2</td><td data-label="Participants">22</td>"#), "{strategy}");

    // Outside the coordination: the 3 is hidden, and the smallest shown count with it.
    for role in [Role::Reader, Role::Partner] {
        let c = app.login(email_for(role)).await;
        let page = text(&c, sheet_url.clone()).await.1;
        assert!(!page.contains(r#"<td data-label="Hommes, garçons">3</td>"#), "{role:?}");
        assert!(page.contains(r#"<td data-label="Hommes, garçons">&#60;"#), "{role:?}: shown as « < 5 »: {page}");
        assert!(!page.contains(r#"<td data-label="Femmes, filles">7</td>"#), "{role:?}: the total minus the others would give the 3");
        assert!(page.contains("inférieurs à 5"));
    }
    // The counts kept ahead equal the rows', through a change that moves an activity elsewhere.
    let third = record(vec![line("jeunes", "16_17", "F", 6)], Some(city.north));
    let id = app.store.create_activity(&by, None, Some(city.police), &third).await.unwrap();
    let moved = ActivityDraft { sheet_ids: vec![sheets[1].id], participants: vec![line("familles", "26_plus", "M", 4)], ..third };
    app.store.update_activity(&by, id, 1, &moved).await.unwrap();
    let (from, to) = (today.replace_ordinal(1).unwrap(), today.replace_month(time::Month::December).unwrap().replace_day(31).unwrap());
    for sheet in [Some(sheets[0].id), Some(sheets[1].id), None] {
        let kept = app.store.activity_figures(year, sheet).await.unwrap();
        assert_eq!(kept, app.store.activity_figures_from_rows(from, to, sheet).await.unwrap(), "sheet {sheet:?}");
    }
    assert_eq!(app.store.activity_figures(year, Some(sheets[1].id)).await.unwrap().participants, 4);
    assert_eq!(app.store.activity_figures(year, None).await.unwrap().activities, 3);
    // A sheet now counts 4 people: outside the coordination the year's total would give them
    // away (26 − 22), so it is withheld, on the page and in its trend.
    let strategy_url = app.url(&format!("/evaluation?annee={year}"));
    let outside = text(&app.login(email_for(Role::Reader)).await, strategy_url.clone()).await.1;
    assert!(outside.contains("<strong>non publié</strong> participant(s)") && !outside.contains(">26<"), "{outside}");
    assert!(outside.contains(&format!(
        r#"<th scope="row">{year}</th><td data-label="Actions réalisées">3</td><td data-label="Participants">non publié</td>"#
    )));
    let inside = text(&coordinator, strategy_url).await.1;
    assert!(inside.contains("<strong>26</strong> participant(s)"), "exact inside the coordination");

    // Exports: every figure on a line of its own, the same published values outside.
    let csv = |c: reqwest::Client, query: String| async move {
        let r = c.get(app.url(&format!("/evaluation/export.csv?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    };
    let fr = csv(coordinator.clone(), format!("annee={year}&format=point-virgule")).await;
    assert!(fr.starts_with("\u{feff}Année;Quartier;Axe;Fiche;Mesure;Ventilation;Catégorie;Valeur"), "{fr}");
    let code = &sheets[0].code;
    assert!(fr.contains(&format!("{year};Toute la ville;1;{code};Participants;Âge et sexe;12 à 15 ans — Hommes, garçons;3")), "{fr}");
    assert!(fr.contains(&format!("{year};Toute la ville;1;{code};Actions réalisées;;;2")));
    let plain = csv(coordinator.clone(), format!("annee={year}")).await;
    assert!(plain.starts_with("Année,Quartier,Axe,Fiche") && plain.contains(&format!("{year},Toute la ville,1,{code},Participants,,,22")));
    let outside = csv(app.login(email_for(Role::Reader)).await, format!("annee={year}&format=point-virgule")).await;
    assert!(!outside.contains("Hommes, garçons;3") && outside.contains("Hommes, garçons;<"), "{outside}");
    assert!(!outside.contains("26 ans et plus — Femmes, filles;7"), "the one that would give it away");
    let r = coordinator.get(app.url(&format!("/evaluation/export.ods?annee={year}"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.spreadsheet");
    let mut ods = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut ods.by_name("content.xml").unwrap(), &mut content).unwrap();
    assert!(content.contains(&format!("Évaluation {year}")) && content.contains("12 à 15 ans — Hommes, garçons"));
    assert!(content.contains(r#"office:value-type="float" office:value="22""#), "counts stay numbers");
    assert_eq!(coordinator.get(app.url("/evaluation/export.csv?format=tableur")).send().await.unwrap().status(), 400);

    // One district: its actions only (the one without a district is the whole city's), with
    // the same rule outside the coordination as the sheet's table by district.
    let north_url = app.url(&format!("/evaluation?annee={year}&quartier={}", city.north));
    let north = text(&coordinator, north_url.clone()).await.1;
    assert!(north.contains("Évaluation de la stratégie — ") && north.contains(", quartier Nord"), "{north}");
    assert!(north.contains(r#"<option value=""#) && north.contains(" selected>Nord</option>"), "the filter says which district");
    assert!(north.contains(r#"<td data-label="Actions réalisées">1</td><td data-label="Participants">15</td>"#), "{north}");
    assert!(
        north.contains("<strong>2</strong> action(s) réalisée(s), <strong>19</strong> participant(s)"),
        "15 + 4 moved to the other sheet: {north}"
    );
    assert!(north.contains("Évolution par année, quartier Nord"));
    let outside = text(&app.login(email_for(Role::Reader)).await, north_url).await.1;
    assert!(!outside.contains(r#"<td data-label="Participants">4</td>"#), "a count below 5 stays hidden: {outside}");
    assert!(outside.contains("<strong>non publié</strong> participant(s)"), "the district's total would give it away: {outside}");
    // A sheet's page and the exports in one district: its activities counted from the rows, its
    // participants by age and sex there, published as everywhere else.
    let north_sheet = app.url(&format!("/evaluation/fiches/{code}?annee={year}&quartier={}", city.north));
    let page = text(&coordinator, north_sheet.clone()).await.1;
    assert!(page.contains("<strong>1</strong> action(s) réalisée(s), <strong>15</strong> participant(s)"), "{page}");
    assert!(page.contains(r#"<td data-label="Hommes, garçons">3</td>"#) && page.contains(" selected>Nord</option>"), "{page}");
    assert!(!page.contains("<caption>Par quartier</caption>") && page.contains("Évolution par année, quartier Nord"), "{page}");
    assert!(page.contains(&format!("quartier={}\">← Évaluation de la stratégie", city.north)), "the way back keeps the district");
    let outside = text(&app.login(email_for(Role::Partner)).await, north_sheet).await.1;
    assert!(!outside.contains(r#"<td data-label="Hommes, garçons">3</td>"#) && outside.contains("<strong>15</strong> participant(s)"));
    let r = coordinator.get(app.url(&format!("/evaluation/export.csv?annee={year}&quartier={}", city.north))).send().await.unwrap();
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("evaluation-{year}-quartier-{}.csv", city.north)));
    let body = r.text().await.unwrap();
    assert!(body.contains(&format!("{year},Nord,1,{code},Participants,,,15")) && !body.contains("Toute la ville"), "{body}");
    assert!(!body.contains(",Quartier,Nord,"), "no table by district inside one district: {body}");
    assert_eq!(text(&coordinator, app.url(&format!("/evaluation/export.ods?annee={year}&quartier=x"))).await.0, 400);
    assert_eq!(text(&coordinator, app.url(&format!("/evaluation/fiches/{code}?annee={year}&quartier=0"))).await.0, 400);
    assert_eq!(text(&coordinator, app.url(&format!("/evaluation?annee={year}&quartier=999999"))).await.0, 400);
    assert_eq!(text(&coordinator, app.url(&format!("/evaluation?annee={year}&quartier=nord"))).await.0, 400);

    assert_eq!(text(&app.login(email_for(Role::Dpo)).await, app.url("/evaluation")).await.0, 403);
    assert_eq!(text(&coordinator, app.url("/evaluation?annee=1850")).await.0, 400);
    assert_eq!(text(&coordinator, app.url("/evaluation/fiches/9.9")).await.0, 404);
}

backend_tests!(figures_are_live_and_published_outside_the_coordination);
