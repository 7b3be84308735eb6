//! The CLSPD's meetings (issue 13), as the coordinator and partners meet them: a body is named,
//! a meeting planned with its agenda serving the strategy's sheets (one in the past refused), a
//! stale change comes back as typed; once held, its attendance and minutes are recorded under
//! charter art. 5's reminder, three decisions taken there reach the conclusions' dashboard, and
//! the minutes download as ODT and PDF; a cancelled meeting takes no decision.
#![cfg(test)]

mod common;

use common::member::{post, text};
use common::{Backend, city, email_for};
use maillage_core::authz::Role;
use maillage_core::meeting::{AgendaItem, MeetingDraft};
use maillage_core::time_fmt;

async fn a_plenary_is_planned_held_and_its_decisions_followed(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let partner = app.login(email_for(Role::Partner)).await;
    let sheets = app.store.sheet_choices().await.unwrap();
    let (first, second) = (sheets[0].code.clone(), sheets[1].code.clone());

    // A body, once by name.
    let body = [("kind", "pleniere"), ("name", "Séance plénière du CLSPD")];
    assert_eq!(post(&coordinator, app.url("/reunions/instances"), &body).await.0, 303);
    let (status, _, page) = post(&coordinator, app.url("/reunions/instances"), &body).await;
    assert_eq!(status, 422);
    assert!(page.contains("Une instance porte déjà ce nom"), "{page}");
    assert_eq!(post(&partner, app.url("/reunions/instances"), &[("kind", "pleniere"), ("name", "Autre")]).await.0, 403);
    let body_id = app.store.bodies().await.unwrap()[0].id.to_string();

    // A meeting is planned ahead, its agenda serving the strategy's sheets.
    let start = time_fmt::local_field(time_fmt::now() + time::Duration::days(30));
    let plan = |starts_at: &str, fiche: &str| {
        vec![
            ("body_id", body_id.clone()),
            ("starts_at", starts_at.to_string()),
            ("place", "Salle du conseil municipal".to_string()),
            ("point_1", "Bilan de l'année".to_string()),
            ("fiche_1", fiche.to_string()),
            ("point_2", "Prévention des rixes".to_string()),
            ("fiche_2", second.clone()),
        ]
    };
    let new = app.url("/reunions/nouvelle");
    let yesterday = time_fmt::local_field(time_fmt::now() - time::Duration::days(1));
    let r = coordinator.post(new.clone()).form(&plan(&yesterday, &first)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("La réunion est dans le passé"));
    let r = coordinator.post(new.clone()).form(&plan(&start, "9.9")).send().await.unwrap();
    assert_eq!(r.status(), 422, "a sheet that is not the strategy's");
    let r = coordinator.post(new.clone()).form(&plan(&start, &first)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location.trim_start_matches("/reunions/").split('?').next().unwrap().parse().unwrap();
    assert_eq!(post(&partner, new.clone(), &[]).await.0, 403);
    let (status, page) = text(&partner, app.url(&format!("/reunions/{id}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bilan de l&#39;année") && page.contains(&format!("fiche <a href=\"/strategie/fiches/{first}\">")), "{page}");
    assert!(!page.contains("Enregistrer le relevé"), "partners read, the coordinator writes");
    // Not held yet: no minutes.
    let m = app.store.council_meeting(id).await.unwrap().unwrap();
    let r = coordinator
        .post(app.url(&format!("/reunions/{id}/releve")))
        .form(&[("minutes", "Trop tôt"), ("professionals", "3"), ("version", &m.version.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas encore eu lieu"));

    // A stale change comes back as typed; the current one moves it.
    let edit = app.url(&format!("/reunions/{id}/modification"));
    let mut moved = plan(&start, &first);
    moved.iter_mut().find(|f| f.0 == "place").unwrap().1 = "Hôtel de ville, salle des mariages".into();
    moved.push(("version", "0".into()));
    let r = coordinator.post(edit.clone()).form(&moved).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("a changé entre-temps") && page.contains("salle des mariages"), "{page}");
    moved.iter_mut().find(|f| f.0 == "version").unwrap().1 = m.version.to_string();
    assert_eq!(coordinator.post(edit).form(&moved).send().await.unwrap().status(), 303);
    assert_eq!(app.store.council_meeting(id).await.unwrap().unwrap().place, "Hôtel de ville, salle des mariages");

    // A meeting held this morning: attendance and minutes, under article 5's reminder.
    let held = MeetingDraft {
        body_id: Some(body_id.parse().unwrap()),
        starts_at: Some(time_fmt::now() - time::Duration::hours(3)),
        ends_at: None,
        place: "Salle du conseil".into(),
        agenda: vec![
            AgendaItem { title: "Bilan".into(), sheet_code: Some(first.clone()) },
            AgendaItem { title: "Rixes".into(), sheet_code: Some(second.clone()) },
        ],
    };
    let held_id = app.store.create_council_meeting(&maillage_store::Author::system(), &held).await.unwrap();
    let url = app.url(&format!("/reunions/{held_id}"));
    let page = text(&coordinator, url.clone()).await.1;
    assert!(page.contains("Charte, article 5 : aucune information confidentielle ni nominative"), "{page}");
    let version = app.store.council_meeting(held_id).await.unwrap().unwrap().version.to_string();
    let present = [city.police, city.landlord];
    let mut form: Vec<(&str, String)> = vec![
        ("minutes", "Le bilan est présenté et adopté. Les partenaires renforcent la veille aux abords des collèges.".into()),
        ("professionals", "-3".into()),
        ("version", version.clone()),
    ];
    form.extend(present.iter().map(|o| ("organisation", o.to_string())));
    let r = coordinator.post(format!("{url}/releve")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Le bilan est présenté"), "the minutes come back as typed");
    form[1].1 = "14".into();
    let r = coordinator.post(format!("{url}/releve")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let m = app.store.council_meeting(held_id).await.unwrap().unwrap();
    assert_eq!((m.professionals_present, m.organisations.len(), m.status.code()), (14, 2, "tenue"));

    // Three decisions, each for a sheet of the agenda; one for a sheet off the agenda is refused.
    let due = (time_fmt::paris_date(time_fmt::now()) + time::Duration::days(90)).to_string();
    for (sheet, decision) in [
        (&first, "Présenter le bilan aux conseils de quartier"),
        (&second, "Étendre l'alerte rixes aux bailleurs"),
        (&first, "Former les médiateurs"),
    ] {
        let (status, _, page) = post(
            &coordinator,
            format!("{url}/decisions"),
            &[("sheet", sheet), ("text", decision), ("owner", "Coordination CLSPD"), ("due_on", &due)],
        )
        .await;
        assert_eq!(status, 303, "{page}");
    }
    let off = sheets.iter().map(|s| s.code.clone()).find(|c| *c != first && *c != second).unwrap();
    let (status, _, page) =
        post(&coordinator, format!("{url}/decisions"), &[("sheet", &off), ("text", "Hors ordre du jour"), ("owner", "Ville")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Choisissez une fiche de l&#39;ordre du jour"), "{page}");
    let decisions = maillage_app::meeting::decisions(&app.state, &m).await.unwrap();
    assert_eq!(decisions.len(), 3);
    // On the conclusions' dashboard: counted for their sheet, and linked to their meeting.
    let year = time_fmt::paris_date(time_fmt::now()).year();
    let sheet_page = text(&coordinator, app.url(&format!("/evaluation/conclusions/fiches/{first}?annee={year}"))).await.1;
    assert!(
        sheet_page.contains("Présenter le bilan aux conseils de quartier") && sheet_page.contains(&format!("href=\"/reunions/{held_id}\"")),
        "{sheet_page}"
    );
    let dashboard = text(&coordinator, app.url(&format!("/evaluation/conclusions?annee={year}"))).await.1;
    assert!(dashboard.contains(r#"<td data-label="Décisions ouvertes">2</td>"#), "{dashboard}");

    // The minutes as documents: the ODT holds them, the PDF is one.
    let r = partner.get(format!("{url}/releve.odt")).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.text");
    let mut odt = zip::ZipArchive::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut odt.by_name("content.xml").unwrap(), &mut content).unwrap();
    assert!(
        content.contains("Relevé de conclusions")
            && content.contains("Former les médiateurs")
            && content.contains("Professionnels présents : 14")
    );
    let r = partner.get(format!("{url}/releve.pdf")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));

    // A cancelled meeting stays so, and takes no decision.
    let version = app.store.council_meeting(id).await.unwrap().unwrap().version.to_string();
    assert_eq!(post(&coordinator, app.url(&format!("/reunions/{id}/annulation")), &[("version", &version)]).await.0, 303);
    assert_eq!(app.store.council_meeting(id).await.unwrap().unwrap().status.code(), "annulee");
    assert_eq!(post(&coordinator, app.url(&format!("/reunions/{id}/annulation")), &[("version", &version)]).await.0, 409);
    let (status, _, _) =
        post(&coordinator, app.url(&format!("/reunions/{id}/decisions")), &[("sheet", &first), ("text", "x"), ("owner", "y")]).await;
    assert_eq!(status, 422);
    let list = text(&partner, app.url("/reunions")).await.1;
    assert!(list.contains("(Annulée)") && list.contains("(Tenue)"), "{list}");
    assert_eq!(text(&app.login(email_for(Role::Dpo)).await, app.url("/reunions")).await.0, 403);
}

backend_tests!(a_plenary_is_planned_held_and_its_decisions_followed);
