//! The alignment with the national frameworks, on both backends: the shipped SNPD 2020-2024
//! and its announced successor are there from the start; the coordinator aligns sheets and the
//! coverage report follows; an elected official reads it, a partner cannot change it; a new
//! version of a framework is imported and the old alignment survives it; bad links and bad
//! files are refused with their reason and change nothing.
#![cfg(test)]

mod common;

use common::member::{post, text};
use common::{Backend, email_for, odt_content, start};
use maillage_core::authz::Role;
use maillage_core::national_framework::{Link, read, write};

const SNPD: &str = "snpd-2020-2024";

async fn upload(c: &reqwest::Client, url: String, name: &str, body: &str) -> (u16, String, String) {
    let part = reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_string());
    let r = c.post(url).multipart(reqwest::multipart::Form::new().part("fichier", part)).send().await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

async fn sheets_are_aligned_and_covered(b: Backend) {
    let app = start(b).await;
    let strategy = app.store.current_strategy().await.unwrap().unwrap().doc;
    let held = app.store.national_frameworks().await.unwrap();
    assert_eq!(held.iter().map(|f| (f.framework.code.as_str(), f.version)).collect::<Vec<_>>(), [(SNPD, 1), ("snpd-2025-2030", 1)]);

    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let (status, page) = text(&coordinator, app.url("/evaluation/cadre-national")).await;
    assert_eq!(status, 200);
    // The strategy's period (2019-2021) meets the 2020-2024 framework's: it is chosen first.
    assert!(page.contains("Stratégie nationale de prévention de la délinquance 2020-2024 (2020-2024)"), "{page}");
    assert!(page.contains("0 sur 4"), "nothing aligned yet");
    assert!(page.contains("https://www.cipdr.gouv.fr/prevenir-la-delinquance/20202024-2/"), "the source is cited");
    assert!(page.contains("Mesure 1 — Identifier plus précocement les facteurs de risque des jeunes"));

    // Bad input: a sheet or an axis that does not exist, a measure under the wrong axis, an
    // unreadable value. Nothing is written; the boxes stay as they were ticked.
    let url = app.url("/evaluation/cadre-national/alignement");
    for (value, said) in [
        ("9.9/1", "la fiche 9.9 n&#39;existe pas"),
        ("1.1/7", "l&#39;axe 7 n&#39;existe pas"),
        ("1.1/2/1", "la mesure 1 n&#39;appartient pas à l&#39;axe 2"),
        ("1.1;1", "choix illisible"),
    ] {
        let (status, _, body) = post(&coordinator, url.clone(), &[("cadre", SNPD), ("lien", "1.2/1"), ("lien", value)]).await;
        assert_eq!(status, 422, "{value}");
        assert!(body.contains(said), "{value}: {body}");
        assert!(body.contains("Rien n'a été enregistré"));
        assert!(body.contains(r#"value="1.2/1" checked"#), "what was ticked is kept");
    }
    let (status, _, _) = post(&coordinator, url.clone(), &[("cadre", "inconnu"), ("lien", "1.1/1")]).await;
    assert_eq!(status, 404);
    assert!(app.store.national_alignment(&strategy.code, SNPD).await.unwrap().is_empty());

    let (status, location, _) = post(
        &coordinator,
        url.clone(),
        &[("cadre", SNPD), ("lien", "1.1/1"), ("lien", "1.2/1/1"), ("lien", "4.1/2"), ("lien", "5.1/2"), ("lien", "4.1/2")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("/evaluation/cadre-national?cadre={SNPD}&fait=alignement"));
    let links = app.store.national_alignment(&strategy.code, SNPD).await.unwrap();
    assert_eq!(links.len(), 5, "a link sent twice is kept once; a measure brings its axis");
    assert!(links.contains(&Link { sheet: "1.2".into(), axis: 1, measure: Some(1) }));

    // An elected official reads the coverage: axes 1 and 2 covered (axis 1 through a measure
    // too), 3 and 4 not, and the sheets that serve none listed.
    let reader = app.login(email_for(Role::Reader)).await;
    let (status, page) = text(&reader, app.url("/evaluation/cadre-national")).await;
    assert_eq!(status, 200);
    assert!(page.contains("2 sur 4"), "{page}");
    assert_eq!(page.matches("<strong>Non couvert</strong>").count(), 2);
    assert!(page.contains("Mesure 1 — Identifier plus précocement les facteurs de risque des jeunes : fiche(s) 1.2"));
    assert!(page.contains(r#"<a href="/strategie/fiches/6.1">6.1 — "#), "an unaligned sheet is listed");
    assert!(!page.contains("Enregistrer l'alignement"), "the form is the coordinator's");
    let api: serde_json::Value = reader.get(app.url("/api/v1/cadre-national")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["coverage"]["axes_covered"], 2);
    assert_eq!(api["coverage"]["axes"][0]["sheets"], serde_json::json!(["1.1", "1.2"]));
    assert_eq!(api["frameworks"].as_array().unwrap().len(), 2);
    // The yearly report of a year in the framework's period says the same.
    let content = odt_content(&reader, app.url("/evaluation/bilan/bilan.odt?annee=2020")).await;
    assert!(content.contains("Alignement sur la stratégie nationale"), "{content}");
    assert!(content.contains("2 axe(s) sur 4 servis par les fiches locales"));
    let content = odt_content(&reader, app.url("/evaluation/bilan/bilan.odt?annee=2019")).await;
    assert!(!content.contains("Alignement sur la stratégie nationale"), "no framework was in force in 2019");
    let partner = app.login(email_for(Role::Partner)).await;
    let (status, _, _) = post(&partner, url.clone(), &[("cadre", SNPD)]).await;
    assert_eq!(status, 403);
    assert_eq!(app.store.national_alignment(&strategy.code, SNPD).await.unwrap().len(), 5);

    // The other framework is chosen by its code; its alignment is its own.
    let (_, page) = text(&coordinator, app.url("/evaluation/cadre-national?cadre=snpd-2025-2030")).await;
    assert!(page.contains("annoncée, à vérifier") && page.contains("0 sur 5"), "{page}");
    assert_eq!(text(&coordinator, app.url("/evaluation/cadre-national?cadre=nope")).await.0, 404);

    // The frameworks' file round-trips; a new version keeps the alignment by code.
    let r = coordinator.get(app.url("/evaluation/cadre-national/cadres.toml")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/toml; charset=utf-8");
    let file = r.text().await.unwrap();
    let mut frameworks = read(&file).unwrap();
    let import = app.url("/evaluation/cadre-national/import");
    let (status, location, _) = upload(&coordinator, import.clone(), "cadres.toml", &file).await;
    assert_eq!((status, location.as_str()), (303, "/evaluation/cadre-national?fait=inchange"), "the same file saves nothing");
    frameworks[0].axes[1].measures.push(maillage_core::national_framework::Measure {
        number: 40,
        title: "Mesure ajoutée pour l'essai".into(),
        source: "Tome 1".into(),
    });
    let (status, location, _) = upload(&coordinator, import.clone(), "cadres.toml", &write(&frameworks)).await;
    assert_eq!(status, 303);
    assert!(location.contains("fait=import"), "{location}");
    let held = app.store.national_frameworks().await.unwrap();
    assert_eq!(held.iter().find(|f| f.framework.code == SNPD).unwrap().version, 2);
    let (_, page) = text(&reader, app.url("/evaluation/cadre-national")).await;
    assert!(
        page.contains("version 2")
            && page.contains("2 sur 4")
            && page.contains("Mesure 40 — Mesure ajoutée pour l&#39;essai : aucune fiche")
    );

    // A version that removes an axis takes the links to it: a later axis reusing the number
    // inherits none.
    let mut without_two = frameworks.clone();
    without_two[0].axes.retain(|a| a.number != 2);
    let (status, location, _) = upload(&coordinator, import.clone(), "cadres.toml", &write(&without_two)).await;
    assert_eq!(status, 303);
    assert!(location.ends_with("&retires=2"), "4.1 and 5.1 served axis 2: {location}");
    let (_, page) = text(&coordinator, app.url(&location)).await;
    assert!(page.contains("2 lien(s) d&#39;alignement"), "{page}");
    assert_eq!(app.store.national_alignment(&strategy.code, SNPD).await.unwrap().len(), 3);
    let (status, _, _) = upload(&coordinator, import.clone(), "cadres.toml", &write(&frameworks)).await;
    assert_eq!(status, 303);
    let (_, page) = text(&reader, app.url("/evaluation/cadre-national")).await;
    assert!(page.contains("version 4") && page.contains("1 sur 4"), "axis 2 is back, served by nothing: {page}");

    // A bad file: every fault said, nothing saved.
    for (body, said) in [
        ("format = 1\n[[frameworks]]\ncode = \"X\"\n", "ligne"),
        (&file.replace("status = \"adopted\"", "status = \"adopted\"\nnote = \"\u{202e}\"")[..], "note"),
        (&file.replace("number = 4\n", "number = 3\n")[..], "numéro d&#39;axe de 1 à 20, une fois chacun"),
        ("", "Choisissez un fichier"),
    ] {
        let (status, _, page) = upload(&coordinator, import.clone(), "cadres.toml", body).await;
        assert_eq!(status, 422, "{said}");
        assert!(page.contains(said), "{said}: {page}");
    }
    let (status, _, page) = upload(&coordinator, import.clone(), "cadres.toml", "\u{feff}x = \u{1}").await;
    assert_eq!(status, 422, "{page}");
    let held = app.store.national_frameworks().await.unwrap();
    assert_eq!(held.iter().map(|f| f.version).collect::<Vec<_>>(), [4, 1], "nothing saved");
    let (status, _, _) = upload(&partner, import, "cadres.toml", &file).await;
    assert_eq!(status, 403);
}

backend_tests!(sheets_are_aligned_and_covered);
