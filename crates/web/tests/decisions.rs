//! The conclusions' dashboard, on both backends: the coordinator sets a sheet's objectives'
//! statuses and its judgement, records decisions and marks one done; the dashboard rolls them
//! up and shows what is overdue; an elected official reads them; the yearly report carries them;
//! bad input is refused field by field and changes nothing.
#![cfg(test)]

mod common;

use common::member::text;
use common::{Backend, city, email_for, odt_content};
use maillage_core::authz::Role;
use maillage_core::decision::{ObjectiveStatus, Rag};

async fn post(c: &reqwest::Client, url: String, form: &[(&str, String)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn conclusions_are_judged_decided_and_followed(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let strategy = app.store.current_strategy().await.unwrap().unwrap();
    let sheet = strategy.doc.sheets().find(|(_, s)| s.code == "1.1").unwrap().1.clone();
    let n = sheet.operational_objectives.len();
    assert!(n >= 3);
    let (status, page) = text(&coordinator, app.url("/evaluation/conclusions?annee=2020")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Non appréciée") && page.contains("0 vert(s), 0 orange(s), 0 rouge(s)"), "{page}");

    // Bad input: nothing saved, each fault said.
    let url = app.url("/evaluation/conclusions/fiches/1.1");
    let base = |rag: &str, analysis: &str| {
        let mut f = vec![("annee", "2020".to_string()), ("version", "0".into()), ("rag", rag.into()), ("analysis", analysis.into())];
        f.push(("objective-0", "done".into()));
        f.push(("objective-1", "in_progress".into()));
        f.push(("objective-2", "abandoned".into()));
        f
    };
    for (form, said) in [
        (base("", "Analyse"), "Choisissez l&#39;appréciation"),
        (base("violet", "Analyse"), "Choisissez vert, orange ou rouge"),
        (base("amber", "Texte\u{7}"), "caractères invisibles"),
        ([base("amber", "x"), vec![("objective-1", "fini".to_string())]].concat(), "statut inconnu"),
    ] {
        let (status, _, body) = post(&coordinator, url.clone(), &form).await;
        assert_eq!(status, 422, "{said}");
        assert!(body.contains(said), "{said}: {body}");
        assert!(body.contains("Les conclusions n'ont pas été enregistrées"));
    }
    assert!(app.store.judgements(2020).await.unwrap().is_empty());
    assert!(app.store.objective_statuses(2020).await.unwrap().is_empty());

    let analysis = "Les ateliers ont eu lieu ; les expositions ont pris du retard.";
    let (status, location, _) = post(&coordinator, url.clone(), &base("amber", analysis)).await;
    assert_eq!(status, 303);
    assert!(location.contains("fait=enregistre"));
    let j = &app.store.judgements(2020).await.unwrap()[0];
    assert_eq!((j.rag, j.analysis.as_str(), j.version), (Rag::Amber, analysis, 1));
    let statuses = app.store.objective_statuses(2020).await.unwrap();
    assert_eq!(statuses.iter().find(|s| s.objective == sheet.operational_objectives[0]).unwrap().status, ObjectiveStatus::Done);
    // A second form from the same stale page is refused.
    assert_eq!(post(&coordinator, url.clone(), &base("green", "Autre")).await.0, 409);
    assert_eq!(app.store.judgements(2020).await.unwrap()[0].rag, Rag::Amber);

    // Decisions: refused without text or owner, then one overdue and one to come.
    let decide = app.url("/evaluation/conclusions/fiches/1.1/decisions");
    let (status, _, body) =
        post(&coordinator, decide.clone(), &[("annee", "2020".into()), ("text", " ".into()), ("owner", String::new())]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Décision : à remplir") && body.contains("Responsable : à remplir"), "{body}");
    let bad_date =
        [("annee", "2020".to_string()), ("text", "Relancer".into()), ("owner", "Coordination".into()), ("due_on", "31/02/2021".into())];
    assert_eq!(post(&coordinator, decide.clone(), &bad_date).await.0, 422);
    assert!(app.store.sheet_decisions(None).await.unwrap().is_empty());
    let late = [
        ("annee", "2020".to_string()),
        ("text", "Relancer les établissements pour les expositions".into()),
        ("owner", "Coordination CLSPD".into()),
        ("due_on", "2021-01-31".into()),
    ];
    assert_eq!(post(&coordinator, decide.clone(), &late).await.0, 303);
    let later = [
        ("annee", "2020".to_string()),
        ("text", "Bilan des ateliers avec la DRE".into()),
        ("owner", "Direction de la réussite éducative".into()),
    ];
    assert_eq!(post(&coordinator, decide.clone(), &later).await.0, 303);
    let (_, board) = text(&coordinator, app.url("/evaluation/conclusions?annee=2020")).await;
    assert!(board.contains("0 vert(s), 1 orange(s), 0 rouge(s)"), "{board}");
    assert!(board.contains("Décisions en retard") && board.contains("Relancer les établissements"), "{board}");
    assert!(board.contains(&format!("1 réalisé(s) sur {n}")), "{board}");
    let first = app.store.sheet_decisions(Some(2020)).await.unwrap().into_iter().find(|d| d.text.starts_with("Relancer")).unwrap();
    let (status, location, _) =
        post(&coordinator, app.url(&format!("/evaluation/conclusions/decisions/{}", first.id)), &[("done", "oui".into())]).await;
    assert_eq!((status, location.contains("fait=realisee")), (303, true));
    let (_, board) = text(&coordinator, app.url("/evaluation/conclusions?annee=2020")).await;
    assert!(!board.contains("Relancer les établissements"), "done, no longer overdue");

    // An elected official reads them, and cannot write.
    let official = app.login(email_for(Role::Reader)).await;
    let (status, page) = text(&official, app.url("/evaluation/conclusions/fiches/1.1?annee=2020")).await;
    assert_eq!(status, 200);
    assert!(page.contains(analysis) && page.contains("Réalisée le") && !page.contains("Enregistrer les conclusions"), "{page}");
    assert_eq!(post(&official, url.clone(), &base("red", "x")).await.0, 403);
    assert_eq!(post(&official, decide, &later).await.0, 403);

    // The yearly report carries the judgement, the objectives' statuses and the decisions.
    let content = odt_content(&official, app.url("/evaluation/bilan/bilan.odt?annee=2020")).await;
    assert!(content.contains("Appréciation 2020 : Orange : à surveiller."), "{content}");
    assert!(content.contains(&format!("{} — Réalisé", sheet.operational_objectives[0])) || content.contains("— Réalisé"), "{content}");
    assert!(content.contains("Bilan des ateliers avec la DRE") && content.contains("Fiche 1.1 : décisions 2020"), "{content}");
    // 2021 starts from 2020's statuses; 2020's report adopted, its conclusions no longer change.
    let (_, page) = text(&coordinator, app.url("/evaluation/conclusions/fiches/1.1?annee=2021")).await;
    assert!(page.contains(r#"<option value="done" selected>"#), "carried forward: {page}");
    app.store.adopt_year(&maillage_store::Author::system(), 2020, time::macros::date!(2021 - 03 - 01)).await.unwrap();
    let (status, _, body) =
        post(&coordinator, url.clone(), &[base("green", "Après adoption"), vec![("version", "1".to_string())]].concat()).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("adopté en séance plénière"), "{body}");
    assert_eq!(app.store.judgements(2020).await.unwrap()[0].rag, Rag::Amber);
    // A decision's follow-up goes on: it can still be marked done.
    let open = app.store.sheet_decisions(Some(2020)).await.unwrap().into_iter().find(|d| d.done_on.is_none()).unwrap();
    assert_eq!(
        post(&coordinator, app.url(&format!("/evaluation/conclusions/decisions/{}", open.id)), &[("done", "oui".into())]).await.0,
        303
    );
    // An unknown sheet is not found.
    assert_eq!(text(&coordinator, app.url("/evaluation/conclusions/fiches/9.9?annee=2020")).await.0, 404);
}

backend_tests!(conclusions_are_judged_decided_and_followed);
