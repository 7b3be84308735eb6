//! The neighbourhood observatory (issue 12, axis 3), as its users meet it: reports placed on
//! the map are counted in their district, their priority area and their police sector (a
//! breakdown loaded as GeoJSON like the others); the coordination reads exact counts, partners
//! and elected officials published ones ("< 5", and a month withheld when the published total
//! would give a small one away); local actors add dated observations (refused
//! from the future) and remove their own; a subscriber gets the week's digest on Monday, once;
//! the breakdown downloads as GeoJSON with its counts.
#![cfg(test)]

mod common;

use common::{Backend, LANDLORD_AGENT, POLICE_AGENT, city, email_for};
use maillage_core::authz::Role;
use maillage_core::place::{AreaKind, parse_geojson};
use maillage_core::time_fmt;
use maillage_store::Author;

fn square(name: &str, [x0, y0, x1, y1]: [f64; 4]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}]}}"#
    )
}

async fn the_observatory_counts_by_area_and_tells_the_week(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let by = Author::system();
    // A police sector over the whole north, a priority area around the estate.
    let sector = app
        .store
        .add_areas(&by, AreaKind::PoliceSector, None, false, &parse_geojson(&square("Secteur 1", [2.26, 48.93, 2.33, 48.95])).unwrap())
        .await
        .unwrap()[0];
    let qpv = app
        .store
        .add_areas(&by, AreaKind::PriorityArea, None, false, &parse_geojson(&square("QPV Résidence", [2.30, 48.93, 2.32, 48.95])).unwrap())
        .await
        .unwrap()[0];
    app.state.reload_places().await.unwrap();
    let landlord = app.login(LANDLORD_AGENT).await;
    let mut north = Vec::new();
    for _ in 0..10 {
        north.push(city.dumping_in_hall(&landlord).await);
    }
    // Six of them 40 days ago, two 80 days ago (two different whole months), two today.
    let ago = |days: i64| time_fmt::to_storage(time_fmt::now() - time::Duration::days(days));
    let move_to = |ids: &[i64], days: i64| {
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        format!("UPDATE reports SET created_at = '{}' WHERE id IN ({list})", ago(days))
    };
    common::raw_sql(b, &app.db.url, move_to(&north[..6], 40)).await;
    common::raw_sql(b, &app.db.url, move_to(&north[6..8], 80)).await;
    let today = time_fmt::paris_date(time_fmt::now());
    // Nothing counted yet: the page says so rather than showing zeros as facts.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let page = coordinator.get(app.url("/observatoire")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("pas encore comptés"), "{page}");
    let read = maillage_app::observatory::refresh(&app.state, today, false).await.unwrap();
    assert_eq!(read, 10, "every record counted the first time");

    // The coordination reads exact counts, in each breakdown the point falls in.
    let page = coordinator.get(app.url("/observatoire")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("/observatoire/secteurs/{}\">Nord</a></th><td data-label=\"Signalements\">8</td>", city.north)),
        "{page}"
    );
    for id in [city.north, sector, qpv] {
        let page = coordinator.get(app.url(&format!("/observatoire/secteurs/{id}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Signalements : 2 ce mois-ci ; 8 sur les douze derniers mois entiers"), "{page}");
    }
    assert_eq!(coordinator.get(app.url("/observatoire?decoupage=autre")).send().await.unwrap().status(), 400);
    assert_eq!(coordinator.get(app.url("/observatoire/secteurs/999999")).send().await.unwrap().status(), 404);

    // Outside the coordination a small count is "< 5", and the month of 6 is withheld too:
    // with the published total of 8, it would give the 2 away.
    let partner_page = app.login(POLICE_AGENT).await.get(app.url(&format!("/observatoire/secteurs/{}", city.north))).send().await.unwrap();
    let partner_page = partner_page.text().await.unwrap();
    assert!(partner_page.contains("Signalements : &#60;\u{a0}5 ce mois-ci ; 8 sur les douze"), "{partner_page}");
    assert!(partner_page.contains("non publié") && !partner_page.contains("data-label=\"Signalements\">6<"), "{partner_page}");

    // Three in the south, 40 days ago: "< 5" for a partner and an elected official, in the
    // page, the overview and the GeoJSON alike.
    let cat = city.category("depot-sauvage").await.to_string();
    let mut south_reports = Vec::new();
    for _ in 0..3 {
        let r = city
            .post_report(
                &landlord,
                &[
                    ("categorie", &cat),
                    ("description", "Dépôt rue du Sud"),
                    ("adresse", "Rue du Sud"),
                    ("lat", "48.915"),
                    ("lon", "2.29"),
                    ("q_nature", "encombrants"),
                    ("confirmer", "1"),
                ],
            )
            .await;
        south_reports.push(common::created_report(r).await);
    }
    common::raw_sql(b, &app.db.url, move_to(&south_reports, 40)).await;
    maillage_app::observatory::refresh(&app.state, today, false).await.unwrap();
    let south = app.state.places().districts.iter().find(|d| d.1 == "Sud").unwrap().0;
    let south_url = app.url(&format!("/observatoire/secteurs/{south}"));
    let exact = coordinator.get(&south_url).send().await.unwrap().text().await.unwrap();
    assert!(exact.contains("Signalements : 0 ce mois-ci ; 3 sur"), "{exact}");
    assert_eq!(exact.matches("<th scope=\"row\" data-label=\"Mois\">").count(), 13);
    let all = coordinator.get(format!("{south_url}?mois=tous")).send().await.unwrap().text().await.unwrap();
    assert_eq!(all.matches("<th scope=\"row\" data-label=\"Mois\">").count(), 36);
    for who in [POLICE_AGENT, email_for(Role::Reader)] {
        let c = app.login(who).await;
        let page = c.get(&south_url).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Signalements : 0 ce mois-ci ; &#60;\u{a0}5 sur"), "{who}: {page}");
        let overview = c.get(app.url("/observatoire")).send().await.unwrap().text().await.unwrap();
        assert!(overview.contains(">Sud</a></th><td data-label=\"Signalements\">&#60;\u{a0}5</td>"), "{who}: {overview}");
        let geo: serde_json::Value = c.get(app.url("/observatoire/decoupage.geojson")).send().await.unwrap().json().await.unwrap();
        let feature = geo["features"].as_array().unwrap().iter().find(|f| f["properties"]["nom"] == "Sud").unwrap().clone();
        assert_eq!(
            (feature["properties"]["signalements"].clone(), feature["properties"]["masque"].clone()),
            (serde_json::Value::Null, true.into())
        );
        assert_eq!(feature["geometry"]["type"], "MultiPolygon");
    }
    assert_eq!(app.login(email_for(Role::Dpo)).await.get(&south_url).send().await.unwrap().status(), 403);

    // Observations: dated, never from the future; a partner removes its own, not another's.
    let police = app.login(POLICE_AGENT).await;
    let north_url = |tail: &str| app.url(&format!("/observatoire/secteurs/{}{tail}", city.north));
    let tomorrow = (today + time::Duration::days(1)).to_string();
    let r = police
        .post(north_url("/observations"))
        .form(&[("observed_on", tomorrow.as_str()), ("text", "Regroupements")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("futur"));
    let r = police
        .post(north_url("/observations"))
        .form(&[("observed_on", today.to_string().as_str()), ("text", "Regroupements le soir devant le gymnase")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let observation = app.store.observations(city.north, today, 10).await.unwrap()[0].id;
    let remove = app.url(&format!("/observatoire/observations/{observation}/suppression"));
    assert_eq!(landlord.post(&remove).form(&[("x", "")]).send().await.unwrap().status(), 403);

    // The landlord subscribes to the north's digest: on Monday it tells the last week's counts
    // and observations, once.
    let r = landlord.post(north_url("/abonnement")).form(&[("abonne", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(landlord.post(north_url("/abonnement")).form(&[("abonne", "oui")]).send().await.unwrap().status(), 400);
    let monday = today + time::Duration::days(7 - i64::from(today.weekday().number_days_from_monday()));
    assert_eq!(
        maillage_app::observatory::send_digests(&app.state, monday - time::Duration::days(1), "http://maillage.test").await.unwrap(),
        0,
        "Mondays only"
    );
    let before = app.store.due_mail(100).await.unwrap().len();
    assert_eq!(maillage_app::observatory::send_digests(&app.state, monday, "http://maillage.test").await.unwrap(), 1);
    let mail = app.store.due_mail(100).await.unwrap();
    assert_eq!(mail.len(), before + 1);
    let digest = mail.iter().find(|m| m.subject.contains("Observatoire : Nord")).unwrap();
    assert_eq!(digest.recipient, LANDLORD_AGENT);
    // Two reports this week: published, for a partner.
    assert!(digest.body.contains("- Signalements : <\u{a0}5") && digest.body.contains("devant le gymnase"), "{}", digest.body);
    assert!(digest.body.contains(&format!("/observatoire/secteurs/{}", city.north)));
    assert_eq!(maillage_app::observatory::send_digests(&app.state, monday, "http://maillage.test").await.unwrap(), 0, "once a week");
    assert_eq!(police.post(&remove).form(&[("x", "")]).send().await.unwrap().status(), 303);
    assert!(app.store.observations(city.north, today, 10).await.unwrap().is_empty());
    let r = landlord.post(north_url("/abonnement")).form(&[("abonne", "0")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.store.observatory_subscriptions().await.unwrap().is_empty());

    // A breakdown removed is counted no more; the counts follow the areas.
    app.store.delete_area(&by, sector).await.unwrap();
    app.state.reload_places().await.unwrap();
    assert_eq!(maillage_app::observatory::refresh(&app.state, today, false).await.unwrap(), 13, "areas changed: everything again");
    assert_eq!(coordinator.get(app.url(&format!("/observatoire/secteurs/{sector}"))).send().await.unwrap().status(), 404);
}

backend_tests!(the_observatory_counts_by_area_and_tells_the_week);
