//! Walks (issue 12, axes 3 and 5), as their users meet them: a landlord's agent records a
//! neighbourhood walk with its grid, adds three findings (typed coordinates, a click on the map,
//! the API), gives one a photo and turns each into a report routed as any other; the walk
//! follows their states and its report comes out as ODT and PDF. The GUSP synthesis, the
//! grids, who may change a walk, and the bad inputs the issue lists.
#![cfg(test)]

mod common;

use common::{Backend, IN_ESTATE, LANDLORD_AGENT, OTHER_AGENT, OUTSIDE, POLICE_AGENT, SOUTH, city, email_for, small_png};
use maillage_core::authz::Role;
use maillage_core::report::State;

async fn item(app: &common::TestApp, kind: &str, label: &str) -> i64 {
    app.store.walk_items(Some(kind), true).await.unwrap().into_iter().find(|i| i.label == label).unwrap().id
}

/// The walk's id from the redirect after recording it.
async fn created_walk(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_string();
    to.trim_start_matches("/marches/").split('?').next().unwrap().parse().unwrap()
}

async fn a_walk_with_three_findings_becomes_three_routed_reports(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let landlord = app.login(LANDLORD_AGENT).await;
    // The kind comes first: its grid depends on it.
    let page = landlord.get(app.url("/marches/nouvelle")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/marches/nouvelle?type=marche_exploratoire"), "{page}");
    let page = landlord.get(app.url("/marches/nouvelle?type=tour_de_quartier")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Portes d&#39;accès, halls, interphones") && page.contains("name=\"n_26_plus_F\""), "{page}");
    let lighting = item(app, "tour_de_quartier", "Éclairage").await;
    let cleanliness = item(app, "tour_de_quartier", "Propreté, dépôts sauvages").await;
    let wrecks = item(app, "tour_de_quartier", "Véhicules épaves ou ventouses").await;
    let walk = created_walk(
        landlord
            .post(app.url("/marches/nouvelle"))
            .form(&[
                ("kind", "tour_de_quartier"),
                ("walked_on", "2026-03-12"),
                ("district_id", &city.north.to_string()),
                ("route", "Rue des Écoles, square, halls A à C"),
                ("organisation", &city.police.to_string()),
                ("n_26_plus_F", "4"),
                ("n_26_plus_M", "3"),
                (&format!("note_{lighting}"), "2"),
                (&format!("commentaire_{lighting}"), "Deux lampadaires éteints"),
                (&format!("note_{cleanliness}"), "1"),
                ("note", "Tour fait avec le gardien."),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let url = |p: &str| app.url(&format!("/marches/{walk}{p}"));
    let r = app.store.walk(walk).await.unwrap().unwrap();
    assert_eq!((r.walk.participants_total, r.walk.organisation_id, r.organisations.len(), r.ratings.len()), (7, Some(city.landlord), 1, 2));

    // 1. Typed coordinates, in the landlord's estate.
    let r = landlord
        .post(url("/constats"))
        .form(&[
            ("item_id", &cleanliness.to_string()[..]),
            ("description", "Encombrants devant le local vélos"),
            ("place", "Hall B"),
            ("severity", "dysfonctionnement"),
            ("lat", IN_ESTATE.0),
            ("lon", IN_ESTATE.1),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // 2. A click on the map places the point; the form comes back with it, then is sent.
    let r = landlord
        .post(url("/constats"))
        .form(&[
            ("item_id", &wrecks.to_string()[..]),
            ("description", "Voiture sans roues"),
            ("severity", "gene"),
            ("carte.x", "320"),
            ("carte.y", "400"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let value_of = |name: &str| {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..].split('"').next().unwrap().to_string()
    };
    let (lat, lon) = (value_of("lat"), value_of("lon"));
    assert!(lat.parse::<f64>().unwrap() < 48.93, "a click low on the map is in the south: {lat}");
    assert!(page.contains("Voiture sans roues"), "what was typed stays");
    let r = landlord
        .post(url("/constats"))
        .form(&[
            ("item_id", &wrecks.to_string()[..]),
            ("description", "Voiture sans roues"),
            ("severity", "gene"),
            ("lat", &lat),
            ("lon", &lon),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // 3. Through the API, by the police, which took part.
    let police = app.login(POLICE_AGENT).await;
    let r = police
        .post(app.url(&format!("/api/v1/marches/{walk}/constats")))
        .json(&serde_json::json!({ "item_id": lighting, "description": "Lampadaire éteint", "severity": "danger", "lat": 48.92, "lon": 2.29 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let findings = app.store.walk(walk).await.unwrap().unwrap().findings;
    assert_eq!(findings.len(), 3);
    assert_eq!(findings[1].district.as_deref(), Some("Sud"), "located from the point");

    // A photo on the first finding, cleaned and served to readers.
    let f1 = findings[0].id;
    let form = reqwest::multipart::Form::new()
        .part("photo", reqwest::multipart::Part::bytes(small_png()).file_name("photo.png"))
        .text("legende", "Les encombrants devant le local");
    let r = landlord.post(url(&format!("/constats/{f1}/photo"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let thumb = police.get(url(&format!("/constats/{f1}/vignette"))).send().await.unwrap();
    assert_eq!((thumb.status().as_u16(), thumb.headers()["content-type"].to_str().unwrap()), (200, "image/jpeg"));

    // Each finding becomes a report, routed by the usual rules.
    let dumping = city.category("depot-sauvage").await.to_string();
    let r = landlord
        .post(url(&format!("/constats/{f1}/signalement")))
        .form(&[("categorie", &dumping[..]), ("q_nature", "encombrants"), ("action", "envoyer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    // The second needs the wreck's description its category asks for: said, nothing written.
    let wreck = city.category("vehicule-epave").await.to_string();
    let f2 = findings[1].id;
    let r = landlord
        .post(url(&format!("/constats/{f2}/signalement")))
        .form(&[("categorie", &wreck[..]), ("action", "envoyer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Type, marque et couleur du véhicule"));
    assert!(app.store.walk_finding(f2).await.unwrap().unwrap().report_id.is_none());
    let r = landlord
        .post(url(&format!("/constats/{f2}/signalement")))
        .form(&[("categorie", &wreck[..]), ("q_vehicule", "Citadine grise"), ("action", "envoyer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let lamp = city.category("eclairage-equipement").await;
    let f3 = findings[2].id;
    let r = police
        .post(app.url(&format!("/api/v1/marches/{walk}/constats/{f3}/signalement")))
        .json(&serde_json::json!({ "category_id": lamp }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let findings = app.store.walk(walk).await.unwrap().unwrap().findings;
    let report = |i: usize| findings[i].report_id.unwrap();
    let (r1, r2, r3) = (
        app.store.report(report(0)).await.unwrap().unwrap(),
        app.store.report(report(1)).await.unwrap().unwrap(),
        app.store.report(report(2)).await.unwrap().unwrap(),
    );
    assert_eq!((r1.organisation_id, r1.state), (Some(city.landlord), State::Transmitted), "the estate's dumping goes to the landlord");
    assert_eq!((r2.organisation_id, r2.state), (Some(city.police), State::Transmitted), "vehicles go to the police");
    assert_eq!((r3.organisation_id, r3.state), (None, State::New), "no rule: the coordinator triages");
    assert!(r1.description.contains(&format!("Constat de la marche n° {walk}")) && r1.address == "Hall B");
    // A finding becomes one report only.
    let r = landlord
        .post(url(&format!("/constats/{f1}/signalement")))
        .form(&[("categorie", &dumping[..]), ("q_nature", "encombrants"), ("action", "envoyer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "already a report");
    let before = app.store.count_reports(&maillage_store::report::ReportFilter::new(maillage_core::authz::ReportScope::All)).await.unwrap();
    assert_eq!(before, 3);

    // The resolution is followed back on the walk.
    let r = police.post(app.url(&format!("/signalements/{}/part", r2.id))).form(&[("x", "")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = landlord.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("signalement n° {} : {}", r2.id, State::InProgress.label())), "{page}");
    assert!(page.contains("Constat 3") && page.contains("Carte des constats de la marche"));

    // The walk's report, as ODT and as PDF.
    let odt = landlord.get(url("/compte-rendu.odt")).send().await.unwrap();
    assert_eq!(odt.status(), 200);
    let bytes = odt.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("content.xml").unwrap(), &mut content).unwrap();
    assert!(
        content.contains("Voiture sans roues") && content.contains(&format!("signalement n° {} : {}", r2.id, State::InProgress.label())),
        "{content}"
    );
    let pdf = landlord.get(url("/compte-rendu.pdf")).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));

    // An organisation that did not take part reads the walk but does not change it.
    let other = app.login(OTHER_AGENT).await;
    assert_eq!(other.get(url("")).send().await.unwrap().status(), 200);
    let r = other
        .post(url("/constats"))
        .form(&[("description", "x"), ("severity", "gene"), ("lat", SOUTH.0), ("lon", SOUTH.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let page = other.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Ajouter un constat"), "no form for who may not add");
}

async fn bad_input_is_refused_with_nothing_written(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let landlord = app.login(LANDLORD_AGENT).await;
    let count = || async { app.store.walks(&Default::default()).await.unwrap().len() };
    // A walk in the future, with an unreadable count and no place: every fault at once.
    let r = landlord
        .post(app.url("/marches/nouvelle"))
        .form(&[("kind", "marche_exploratoire"), ("walked_on", "2999-01-01"), ("n_18_25_F", "beaucoup")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for said in ["dans le futur", "nombre entier", "le parcours de la marche"] {
        assert!(page.contains(said), "{said}: {page}");
    }
    assert!(page.contains("value=\"beaucoup\""), "what was typed is shown again");
    // An item of another kind's grid.
    let gusp_item = item(app, "gusp", "Stationnement").await;
    let r = landlord
        .post(app.url("/marches/nouvelle"))
        .form(&[("kind", "marche_exploratoire"), ("walked_on", "2026-01-10"), ("route", "Avenue"), (&format!("note_{gusp_item}"), "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The same item rated twice in one form.
    let lighting = item(app, "marche_exploratoire", "Éclairage").await;
    let twice = format!("note_{lighting}");
    let r = landlord
        .post(app.url("/marches/nouvelle"))
        .form(&[("kind", "marche_exploratoire"), ("walked_on", "2026-01-10"), ("route", "Avenue"), (&twice, "1"), (&twice, "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("reçoit une seule note"));
    let r = landlord.post(app.url("/marches/nouvelle")).form(&[("kind", "promenade"), ("walked_on", "2026-01-10")]).send().await.unwrap();
    assert_eq!(r.status(), 400);
    // The API names its own fields and refuses what it does not know.
    let r = landlord
        .post(app.url("/api/v1/marches"))
        .json(&serde_json::json!({ "kind": "gusp", "walked_on": "2026-01-10", "organisations": [999999] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["district_id", "organisations"], "{body}");
    let r = landlord
        .post(app.url("/api/v1/marches"))
        .json(&serde_json::json!({ "kind": "gusp", "walked_on": "2026-01-10", "route": "x", "guide": "Nom" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(count().await, 0);

    let walk = created_walk(
        landlord
            .post(app.url("/marches/nouvelle"))
            .form(&[("kind", "tour_de_quartier"), ("walked_on", "2026-01-10"), ("route", "Avenue")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    let url = |p: &str| app.url(&format!("/marches/{walk}{p}"));
    // A finding with no place, or outside the territory.
    let r = landlord.post(url("/constats")).form(&[("description", "Tag sur le mur"), ("severity", "gene")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("un constat sans lieu ne peut être suivi"));
    let r = landlord
        .post(url("/constats"))
        .form(&[("description", "Tag"), ("severity", "gene"), ("lat", OUTSIDE.0), ("lon", OUTSIDE.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = landlord
        .post(app.url(&format!("/api/v1/marches/{walk}/constats")))
        .json(&serde_json::json!({ "description": "Tag", "severity": "grave" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["severity", "point"], "{body}");
    assert!(app.store.walk(walk).await.unwrap().unwrap().findings.is_empty());
    // A change made on a stale copy comes back as typed, with the current version, and
    // changes nothing.
    let r = landlord
        .post(url("/modification"))
        .form(&[("version", "7"), ("walked_on", "2026-01-11"), ("route", "Avenue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("modifié cette marche entre-temps") && page.contains("value=\"Avenue\""), "{page}");
    assert!(page.contains("name=\"version\" value=\"1\""), "{page}");
    assert_ne!(app.store.walk(walk).await.unwrap().unwrap().walk.walked_on.to_string(), "2026-01-11");
    let r = landlord
        .post(url("/modification"))
        .form(&[("version", "1"), ("walked_on", "2026-01-11"), ("route", "Avenue")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(app.store.walk(walk).await.unwrap().unwrap().walk.walked_on.to_string(), "2026-01-11");
    // A finding that became a report stays on its walk.
    let r = landlord
        .post(url("/constats"))
        .form(&[("description", "Tag"), ("severity", "gene"), ("lat", SOUTH.0), ("lon", SOUTH.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let f = app.store.walk(walk).await.unwrap().unwrap().findings[0].id;
    let tag = city.category("degradation-tag").await.to_string();
    assert_eq!(
        landlord.post(url(&format!("/constats/{f}/signalement"))).form(&[("categorie", &tag[..])]).send().await.unwrap().status(),
        303
    );
    assert_eq!(landlord.post(url(&format!("/constats/{f}/suppression"))).form(&[("x", "")]).send().await.unwrap().status(), 409);
    // An emoji typed on a phone: kept as typed, replaced in the PDF only (no font draws it).
    let r = landlord
        .post(app.url(&format!("/api/v1/marches/{walk}/constats")))
        .json(&serde_json::json!({ "description": "Lampe 💡 cassée", "severity": "gene", "lat": 48.92, "lon": 2.29 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(landlord.get(url("/compte-rendu.pdf")).send().await.unwrap().status(), 200);
    // A picture that is not one.
    let form = reqwest::multipart::Form::new()
        .part("photo", reqwest::multipart::Part::bytes(b"%PDF-1.7".to_vec()).file_name("x.jpg"))
        .text("legende", "Mur");
    let r = landlord.post(url(&format!("/constats/{f}/photo"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(app.store.walk_finding(f).await.unwrap().unwrap().photo.is_none());
}

async fn gusp_synthesis_and_grids(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let parking = item(app, "gusp", "Stationnement").await;
    for (day, rating) in [("2026-02-01", 2), ("2026-03-01", 3), ("2025-10-01", 1)] {
        let r = coordinator
            .post(app.url("/api/v1/marches"))
            .json(&serde_json::json!({ "kind": "gusp", "walked_on": day, "district_id": city.north, "ratings": [{ "item_id": parking, "rating": rating }] }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    // Elected officials read the synthesis: averages only.
    let reader = app.login(email_for(Role::Reader)).await;
    let page = reader.get(app.url(&format!("/marches/gusp?quartier={}", city.north))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2e semestre 2025") && page.contains("1er semestre 2026") && page.contains("2,5 (2 notes)"), "{page}");
    assert_eq!(reader.get(app.url("/marches")).send().await.unwrap().status(), 403);

    // The coordinator keeps the grids.
    let cat = city.category("stationnement-genant").await.to_string();
    let r = coordinator
        .post(app.url("/marches/grilles"))
        .form(&[("kind", "gusp"), ("label", "Accès pompiers"), ("category", &cat[..])])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = coordinator
        .post(app.url("/marches/grilles"))
        .form(&[("kind", "gusp"), ("label", "Accès pompiers"), ("category", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "the same label twice in a grid");
    let added = item(app, "gusp", "Accès pompiers").await;
    assert_eq!(
        coordinator.post(app.url(&format!("/marches/grilles/{added}/retrait"))).form(&[("x", "")]).send().await.unwrap().status(),
        303
    );
    let page = coordinator.get(app.url("/marches/nouvelle?type=gusp")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Accès pompiers") && page.contains("Stationnement"), "a retired item is not offered");
    let landlord = app.login(LANDLORD_AGENT).await;
    assert_eq!(landlord.post(app.url("/marches/grilles")).form(&[("kind", "gusp"), ("label", "X")]).send().await.unwrap().status(), 403);
}

backend_tests!(
    a_walk_with_three_findings_becomes_three_routed_reports,
    bad_input_is_refused_with_nothing_written,
    gusp_synthesis_and_grids
);
