//! Community service (TIG) and reparation measures, on both backends: posts and trainings kept
//! by the coordinator; placements read only by the members of a community-service group (with
//! their second factor), the reference sealed at rest, every read in the chain; bad input
//! refused whole; the year's figures (small counts hidden outside the coordination); and
//! destruction three years after the measure's end.
#![cfg(test)]

mod common;

use common::member::{group_with_member, post, text};
use common::{Backend, TestApp, email_for, start};
use maillage_core::authz::Role;
use maillage_core::community_service::PlacementDraft;
use maillage_core::time_fmt;
use maillage_store::Author;
use maillage_store::community_service::NewPost;
use time::{Date, Duration};

fn today() -> Date {
    time_fmt::paris_date(time_fmt::now())
}

/// A structure and a post taking minors, made by the coordinator through the pages.
async fn structure_and_post(app: &TestApp) -> i64 {
    let coord = app.login(email_for(Role::Coordinator)).await;
    let (status, location, body) =
        post(&coord, app.url("/travaux-interet-general/structures"), &[("name", "Ville — Espaces verts"), ("kind", "service_municipal")])
            .await;
    assert_eq!((status, location.as_str()), (303, "/travaux-interet-general?fait=structure"), "{body}");
    let structure = app.store.structures().await.unwrap()[0].id.to_string();
    let opened = (today() - Duration::days(120)).to_string();
    let form = [
        ("structure_id", structure.as_str()),
        ("service", "Parcs et jardins"),
        ("activity", "Entretien des massifs"),
        ("places", "10"),
        ("minors_accepted", "oui"),
        ("tutor_name", "Jordan Tuteur"),
        ("tutor_function", "Chef d'équipe"),
        ("opened_on", opened.as_str()),
    ];
    assert_eq!(post(&coord, app.url("/travaux-interet-general/postes"), &form).await.0, 303);
    let list = text(&coord, app.url("/travaux-interet-general")).await.1;
    assert!(list.contains(r#"<td data-label="Fermé le">toujours ouvert</td>"#), "an open post says so, also on a phone's card");
    let id = app.store.posts(today()).await.unwrap()[0].id;
    assert_eq!(app.store.post(id, today()).await.unwrap().map(|p| p.service), Some("Parcs et jardins".into()));
    id
}

fn placement_form(post_id: &str, decided: &str) -> Vec<(&'static str, String)> {
    vec![
        ("reference", "SPIP92-4242".into()),
        ("referrer", "spip".into()),
        ("measure", "tig".into()),
        ("sex", "M".into()),
        ("age_band", "18_25".into()),
        ("post_id", post_id.into()),
        ("decided_on", decided.into()),
        ("referred_on", String::new()),
        ("started_on", decided.into()),
        ("hours_ordered", "70".into()),
        ("hours_done", "0".into()),
        ("ended_on", String::new()),
        ("outcome", String::new()),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn count(app: &TestApp, b: Backend, table: &str) -> String {
    common::raw_sql(b, &app.db.url, format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}")).await.unwrap()
}

async fn placements_are_read_by_the_group_only(b: Backend) {
    let app = start(b).await;
    let post_id = structure_and_post(&app).await.to_string();
    let (group, _, member) = group_with_member(&app, "community_service").await;
    let g = |p: &str| app.url(&format!("/groupes/{group}/mesures{p}"));
    let decided = (today() - Duration::days(10)).to_string();
    let form = placement_form(&post_id, &decided);
    let (status, location, body) = post(&member, g(""), &pairs(&form)).await;
    assert_eq!((status, location.as_str()), (303, format!("/groupes/{group}/mesures?fait=mesure").as_str()), "{body}");
    let (status, page) = text(&member, g("")).await;
    assert_eq!(status, 200);
    assert!(page.contains("SPIP92-4242") && page.contains("journal des accès") && page.contains("En cours"), "{page}");
    // Sealed at rest: the reference is nowhere in clear.
    let clear = common::raw_sql(b, &app.db.url, "SELECT CAST(COUNT(*) AS TEXT) FROM placements WHERE reference LIKE '%4242%'").await;
    assert_eq!(clear.as_deref(), Some("0"));
    let id = app.store.placements(group, 10, 0).await.unwrap()[0].id;

    // Nobody else: not the coordinator (not a member), the administrator, the DPO, an elected
    // official; and a group of another kind has no placements.
    for role in [Role::Coordinator, Role::Administrator, Role::Dpo, Role::Reader] {
        let c = app.login(email_for(role)).await;
        assert_eq!(text(&c, g("")).await.0, 403, "{role:?}");
        assert_eq!(text(&c, g(&format!("/{id}"))).await.0, 403, "{role:?}");
        assert_eq!(post(&c, g(""), &pairs(&form)).await.0, 403, "{role:?}");
    }
    let (cve, _, member_again) = group_with_member(&app, "cve").await;
    assert_eq!(text(&member_again, app.url(&format!("/groupes/{cve}/mesures"))).await.0, 404);
    assert_eq!(text(&member_again, app.url(&format!("/groupes/{cve}/mesures/{id}"))).await.0, 404, "not through another group");

    // The placement's page, then its end; a stale version changes nothing.
    let (status, page) = text(&member_again, g(&format!("/{id}"))).await;
    assert_eq!(status, 200);
    let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let ended = today().to_string();
    let mut done: Vec<(&'static str, String)> = placement_form(&post_id, &decided);
    for (k, v) in &mut done {
        match *k {
            "reference" => *v = "AUTRE-1".into(),
            "hours_done" => *v = "70".into(),
            "ended_on" => v.clone_from(&ended),
            "outcome" => *v = "realisee".into(),
            _ => {}
        }
    }
    done.push(("version", version.clone()));
    let (status, _, body) = post(&member_again, g(&format!("/{id}")), &pairs(&done)).await;
    assert_eq!(status, 303, "{body}");
    let (status, _, body) = post(&member_again, g(&format!("/{id}")), &pairs(&done)).await;
    assert_eq!(status, 409, "the same version again: {body}");
    assert!(body.contains("Rien n&#39;a été enregistré") && body.contains(&format!("value=\"{ended}\"")), "the form comes back as typed");
    let next = version.parse::<i64>().unwrap() + 1;
    assert!(body.contains(&format!("name=\"version\" value=\"{next}\"")), "over the current version: saving again goes through");
    // The same file again while its measure runs: refused, however the number is typed.
    let mut again = placement_form(&post_id, &decided);
    again[0].1 = "spip92 4242".into();
    let (status, _, body) = post(&member_again, g(""), &pairs(&again)).await;
    assert_eq!(status, 303, "the first one has ended: a new measure for the same file is allowed ({body})");
    let (status, _, body) = post(&member_again, g(""), &pairs(&again)).await;
    assert!(status == 422 && body.contains("déjà suivie"), "{body}");
    let (_, page) = text(&member_again, g(&format!("/{id}"))).await;
    assert!(page.contains("SPIP92-4242") && !page.contains("AUTRE-1") && page.contains("Mesure réalisée"), "the reference stays");

    // Every access is in the chain, and the chain holds.
    let ops = common::raw_sql(
        b,
        &app.db.url,
        "SELECT CAST(COUNT(DISTINCT operation) AS TEXT) FROM audit_log WHERE operation IN \
         ('placement.create', 'placement.list', 'placement.read', 'placement.update')",
    )
    .await;
    assert_eq!(ops.as_deref(), Some("4"));
    assert!(app.store.audit_verify(&mut |_| {}).await.unwrap().is_ok());
}

async fn bad_input_changes_nothing(b: Backend) {
    let app = start(b).await;
    let post_id = structure_and_post(&app).await.to_string();
    let (group, _, member) = group_with_member(&app, "community_service").await;
    let url = app.url(&format!("/groupes/{group}/mesures"));
    let decided = (today() - Duration::days(10)).to_string();
    let cases: [(&str, &str, &str); 8] = [
        ("reference", "Dupont Kevin", "jamais le nom"),
        ("hours_ordered", "500", "de 20 à 400"),
        ("decided_on", "31/02/2026", "Date illisible"),
        ("decided_on", "9999-12-31", "Année hors des limites"),
        ("referrer", "police", "service qui oriente"),
        ("measure", "reparation", "ne compte pas d&#39;heures"),
        ("post_id", "abc", "nombre entier"),
        ("outcome", "realisee", "date de fin"),
    ];
    for (field, value, said) in cases {
        let mut form = placement_form(&post_id, &decided);
        for (k, v) in &mut form {
            if *k == field {
                *v = value.into();
            }
        }
        let (status, _, body) = post(&member, url.clone(), &pairs(&form)).await;
        assert_eq!(status, 422, "{field}={value}");
        assert!(body.contains(said) && body.contains("aria-invalid=\"true\""), "{field}={value}: {body}");
        if matches!(field, "reference" | "hours_ordered" | "decided_on") {
            assert!(body.contains(&format!("value=\"{value}\"")), "{field}: the text typed stays");
        }
    }
    // A minor on a post that takes none.
    let adults_only = app
        .store
        .create_post(
            &Author::system(),
            &NewPost {
                structure_id: app.store.structures().await.unwrap()[0].id,
                service: "Bâtiments".into(),
                activity: "Peinture".into(),
                places: 1,
                minors_accepted: false,
                tutor_name: "Robin".into(),
                tutor_function: "Peintre".into(),
                opened_on: today() - Duration::days(30),
            },
        )
        .await
        .unwrap()
        .to_string();
    let mut form = placement_form(&adults_only, &decided);
    for (k, v) in &mut form {
        match *k {
            "referrer" => *v = "pjj".into(),
            "measure" => *v = "tig_mineur".into(),
            "age_band" => *v = "16_17".into(),
            _ => {}
        }
    }
    let (status, _, body) = post(&member, url.clone(), &pairs(&form)).await;
    assert!(status == 422 && body.contains("accueille pas de mineurs"), "{body}");
    assert_eq!(count(&app, b, "placements").await, "0");
    // Started without a post; ended more than three years ago; a post with no free place.
    let mut form = placement_form("", &decided);
    let (status, _, body) = post(&member, url.clone(), &pairs(&form)).await;
    assert!(status == 422 && body.contains("a un poste"), "{body}");
    let long_ago = (today() - Duration::days(3 * 366 + 30)).to_string();
    let ended = (today() - Duration::days(3 * 366 + 1)).to_string();
    for (k, v) in &mut form {
        match *k {
            "decided_on" => v.clone_from(&long_ago),
            "started_on" => v.clear(),
            "ended_on" => v.clone_from(&ended),
            "outcome" => *v = "non_executee".into(),
            _ => {}
        }
    }
    let (status, _, body) = post(&member, url.clone(), &pairs(&form)).await;
    assert!(status == 422 && body.contains("plus de trois ans"), "{body}");
    let first = placement_form(&adults_only, &decided);
    assert_eq!(post(&member, url.clone(), &pairs(&first)).await.0, 303);
    let mut second = placement_form(&adults_only, &decided);
    second[0].1 = "SPIP92-5151".into();
    let (status, _, body) = post(&member, url.clone(), &pairs(&second)).await;
    assert!(status == 422 && body.contains("plus de place libre"), "{body}");
    assert_eq!(count(&app, b, "placements").await, "1");

    // The coordinator's forms: a duplicate structure, no place, a training to come, a post
    // that does not exist; an elected official may not write there.
    let coord = app.login(email_for(Role::Coordinator)).await;
    let tig = |p: &str| app.url(&format!("/travaux-interet-general{p}"));
    // Bytes that are no UTF-8 text: the whole form is refused, in French, nothing stored.
    let r = coord
        .post(tig("/structures"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=%FF%FE&kind=autre")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("n&#39;a pas pu être lu"));
    for same in ["ville — espaces VERTS", "Ville —\u{a0}Espaces  verts"] {
        let (status, _, body) = post(&coord, tig("/structures"), &[("name", same), ("kind", "service_municipal")]).await;
        assert!(status == 422 && body.contains("déjà enregistrée"), "{same}: {body}");
    }
    // A post with measures on it does not close; a closed post trains nobody.
    let (status, _, body) =
        post(&coord, tig(&format!("/postes/{adults_only}/fermeture")), &[("closed_on", today().to_string().as_str())]).await;
    assert!(status == 422 && body.contains("en cours ou prévues"), "{body}");
    let structure = app.store.structures().await.unwrap()[0].id.to_string();
    let today_s = today().to_string();
    let post_form = [
        ("structure_id", structure.as_str()),
        ("service", "S"),
        ("activity", "A"),
        ("places", "0"),
        ("tutor_name", "T"),
        ("tutor_function", "F"),
        ("opened_on", today_s.as_str()),
    ];
    let (status, _, body) = post(&coord, tig("/postes"), &post_form).await;
    assert!(status == 422 && body.contains("nombre de places"), "{body}");
    let tomorrow = (today() + Duration::days(1)).to_string();
    let training = [("held_on", tomorrow.as_str()), ("title", "Formation"), ("organised_with", "SPIP"), ("tutors_trained", "2")];
    let (status, _, body) = post(&coord, tig("/formations"), &training).await;
    assert!(status == 422 && body.contains("ne peut pas être dans le futur"), "{body}");
    let training =
        [("held_on", today_s.as_str()), ("title", "Formation"), ("organised_with", "SPIP"), ("tutors_trained", "2"), ("post", "999")];
    let (status, _, body) = post(&coord, tig("/formations"), &training).await;
    assert!(status == 422 && body.contains("Choisissez les postes"), "{body}");
    let elected = app.login(email_for(Role::Reader)).await;
    assert_eq!(post(&elected, tig("/structures"), &[("name", "Autre"), ("kind", "association")]).await.0, 403);
    assert_eq!((count(&app, b, "host_structures").await, count(&app, b, "host_posts").await), ("1".into(), "2".into()));
    let closed = app
        .store
        .create_post(
            &Author::system(),
            &NewPost {
                structure_id: app.store.structures().await.unwrap()[0].id,
                service: "Fermé".into(),
                activity: "Rien".into(),
                places: 1,
                minors_accepted: false,
                tutor_name: "Personne".into(),
                tutor_function: "Aucune".into(),
                opened_on: today() - Duration::days(10),
            },
        )
        .await
        .unwrap();
    app.store.close_post(&Author::system(), closed, today()).await.unwrap();
    let closed = closed.to_string();
    let training = [
        ("held_on", today_s.as_str()),
        ("title", "Formation"),
        ("organised_with", "SPIP"),
        ("tutors_trained", "2"),
        ("post", closed.as_str()),
    ];
    let (status, _, body) = post(&coord, tig("/formations"), &training).await;
    assert!(status == 422 && body.contains("Choisissez les postes"), "{body}");
    assert_eq!(count(&app, b, "tutor_trainings").await, "0");

    // A training trains the tutors of the posts ticked; a new tutor is not trained.
    let ticked = post_id.clone();
    let training = [
        ("held_on", today_s.as_str()),
        ("title", "Accueillir"),
        ("organised_with", "SPIP"),
        ("tutors_trained", "3"),
        ("post", ticked.as_str()),
    ];
    assert_eq!(post(&coord, tig("/formations"), &training).await.0, 303);
    let trained = |posts: Vec<maillage_store::community_service::Post>| posts.into_iter().filter(|p| p.tutor_trained_on.is_some()).count();
    assert_eq!(trained(app.store.posts(today()).await.unwrap()), 1);
    let (status, _, _) =
        post(&coord, tig(&format!("/postes/{post_id}/tuteur")), &[("tutor_name", "Nouveau"), ("tutor_function", "Agent")]).await;
    assert_eq!(status, 303);
    assert_eq!(trained(app.store.posts(today()).await.unwrap()), 0);
}

/// Placements of the year, made through the application, one per (structure, sex, delay).
async fn placement(app: &TestApp, group: i64, post: i64, sex: &str, decided: Date, start: i64, ended: Option<Date>) {
    let draft = PlacementDraft {
        reference: format!("REF-{decided}-{start}-{sex}"),
        referrer: "spip".into(),
        measure: "tig".into(),
        sex: sex.into(),
        age_band: "26_plus".into(),
        post_id: Some(post),
        decided_on: Some(decided),
        referred_on: None,
        started_on: Some(decided + Duration::days(start)),
        ended_on: ended,
        hours_ordered: Some(40),
        hours_done: if ended.is_some() { 40 } else { 0 },
        outcome: if ended.is_some() { "realisee" } else { "" }.into(),
    };
    maillage_app::community_service::create_placement(&app.state, &Author::system(), group, &draft).await.unwrap();
}

async fn figures_and_destruction(b: Backend) {
    let app = start(b).await;
    let by = Author::system();
    let big = structure_and_post(&app).await;
    let small_structure = app.store.create_structure(&by, "Association de l'Essai", "association").await.unwrap();
    let small = app
        .store
        .create_post(
            &by,
            &NewPost {
                structure_id: small_structure,
                service: "Jardin".into(),
                activity: "Entretien".into(),
                places: 2,
                minors_accepted: false,
                tutor_name: "Eden".into(),
                tutor_function: "Animatrice".into(),
                opened_on: today() - Duration::days(120),
            },
        )
        .await
        .unwrap();
    let group = maillage_store::working_group::NewGroup {
        kind: maillage_core::working_group::GroupKind::CommunityService,
        name: "TIG".into(),
        purpose: "Suivi".into(),
        legal_basis: "L.132-5".into(),
        sheets: Vec::new(),
        animator_id: None,
        charter: "Charte".into(),
    };
    let group = app.store.create_group(&by, &group).await.unwrap();
    let year_start = Date::from_calendar_date(today().year(), time::Month::January, 1).unwrap();
    let decided = year_start.max(today() - Duration::days(60));
    // Six on the city's post, started 10 to 60 days after the decision; two on the small one.
    for (i, delay) in [10, 20, 30, 40, 50, 60].into_iter().enumerate() {
        let start = delay.min((today() - decided).whole_days());
        placement(&app, group, big, if i % 2 == 0 { "M" } else { "F" }, decided, start, None).await;
    }
    placement(&app, group, small, "F", decided, 0, None).await;
    placement(&app, group, small, "M", decided, 0, None).await;

    let coord = app.login(email_for(Role::Coordinator)).await;
    let (status, page) = text(&coord, app.url("/travaux-interet-general/chiffres")).await;
    assert_eq!(status, 200);
    let row = |page: &str, what: &str| {
        let at = page.find(&format!("<th scope=\"row\">{what}</th>")).unwrap_or_else(|| panic!("{what}: {page}"));
        page[at..].split("<td>").nth(1).unwrap().split("</td>").next().unwrap().to_string()
    };
    assert_eq!(row(&page, "Personnes accueillies dans l&#39;année"), "8");
    assert_eq!(row(&page, "Association de l&#39;Essai"), "2");
    let elected = app.login(email_for(Role::Reader)).await;
    let (status, published) = text(&elected, app.url("/travaux-interet-general/chiffres")).await;
    assert_eq!(status, 200);
    assert_eq!(row(&published, "Association de l&#39;Essai"), "&#60;\u{a0}5");
    assert_eq!(row(&published, "Ville — Espaces verts"), "non publié", "it would give the small line away with the total");
    assert_eq!(row(&published, "Personnes accueillies dans l&#39;année"), "8");
    assert_eq!(row(&published, "Délai le plus long de la décision au début"), "non publié");
    assert_eq!(row(&published, "Mesures de l&#39;année pas encore commencées"), "non publié", "found again by subtraction otherwise");
    let (_, posts) = text(&elected, app.url("/travaux-interet-general")).await;
    assert!(!posts.contains("Occupées") && !posts.contains("6 / 10"), "no count of people per post outside the coordination");
    assert!(!published.contains("REF-"), "no reference in the figures");
    assert_eq!(text(&elected, app.url("/travaux-interet-general/chiffres?annee=x")).await.0, 400);
    let partner = app.login(email_for(Role::Partner)).await;
    let (_, published) = text(&partner, app.url("/travaux-interet-general/chiffres")).await;
    assert_eq!(row(&published, "Association de l&#39;Essai"), "&#60;\u{a0}5", "a partner outside the coordination sees what is published");

    // Destruction three years after the end, on its day.
    let ended = today() - Duration::days(3 * 365 + 1);
    let ended = (ended + Duration::days(1)).replace_year(today().year() - 3).unwrap_or(ended);
    let old_decided = ended - Duration::days(60);
    let old_post = NewPost {
        structure_id: small_structure,
        service: "Ancien".into(),
        activity: "Entretien".into(),
        places: 1,
        minors_accepted: false,
        tutor_name: "Eden".into(),
        tutor_function: "Animatrice".into(),
        opened_on: old_decided - Duration::days(30),
    };
    let old_post = app.store.create_post(&by, &old_post).await.unwrap();
    placement(&app, group, old_post, "M", old_decided, 10, Some(ended)).await;
    let day = maillage_core::community_service::destruction_day(ended).unwrap();
    assert_eq!(maillage_app::community_service::destroy_due(&app.state, day - Duration::days(1)).await.unwrap(), 0);
    assert_eq!(count(&app, b, "placements").await, "9");
    assert_eq!(maillage_app::community_service::destroy_due(&app.state, day).await.unwrap(), 1);
    assert_eq!(count(&app, b, "placements").await, "8");
    let destroyed = common::raw_sql(b, &app.db.url, "SELECT detail FROM audit_log WHERE operation = 'placement.destroy'").await;
    assert_eq!(destroyed.as_deref(), Some("durée de conservation échue"), "that it happened, not what");
}

backend_tests!(placements_are_read_by_the_group_only, bad_input_changes_nothing, figures_and_destruction);
