//! The CCTV footage register (issue 12, axis 3; privacy-rules §8), as its users meet it: the
//! administrator authorises an agent by name; the agent inscribes a camera, a request, a
//! viewing and extractions; a request for footage older than the retention and a destruction
//! day past the legal maximum are refused; the daily job destroys an extraction on its day and
//! the register shows it; a judicial extraction is kept and marked; the DPO reads, others do not.
#![cfg(test)]

mod common;

use common::{Backend, LANDLORD_AGENT, POLICE_AGENT, city, email_for};
use maillage_core::authz::Role;
use maillage_core::time_fmt;

/// `yyyy-mm-ddThh:mm` in Paris, `days` days and `hours` hours before now.
fn ago(days: i64, hours: i64) -> String {
    let t = time_fmt::now() - time::Duration::days(days) - time::Duration::hours(hours);
    let t = t.to_offset(time_fmt::paris_offset(t));
    format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
}

async fn the_register_from_request_to_destruction(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let police_id = app.store.user_by_email(POLICE_AGENT).await.unwrap().unwrap().id;
    let police = app.login(POLICE_AGENT).await;
    // Not yet authorised: the register is closed to it.
    assert_eq!(police.get(app.url("/videoprotection")).send().await.unwrap().status(), 403);
    let admin = app.login(email_for(Role::Administrator)).await;
    let admin_id = app.store.user_by_email(email_for(Role::Administrator)).await.unwrap().unwrap().id;
    let r = admin.post(app.url("/videoprotection/agents")).form(&[("user_id", admin_id.to_string())]).send().await.unwrap();
    assert_eq!(r.status(), 400, "who grants does not grant himself");
    let r = admin.post(app.url("/videoprotection/agents")).form(&[("user_id", police_id.to_string())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.store.is_video_agent(police_id).await.unwrap());

    // A camera: its retention is the authorisation's, a month at most.
    let camera = |days: &str| {
        vec![
            ("name", "Parking résidence, entrée"),
            ("site_kind", "parking"),
            ("site", "Parking du bâtiment C"),
            ("authorisation", "Arrêté préfectoral 2025-0042"),
            ("authorised_on", "2025-03-01"),
            ("retention_days", days),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<Vec<_>>()
    };
    let r = police.post(app.url("/videoprotection/cameras")).form(&camera("31")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("un mois"));
    assert_eq!(police.post(app.url("/videoprotection/cameras")).form(&camera("10")).send().await.unwrap().status(), 303);
    let cam = app.store.cameras().await.unwrap()[0].id.to_string();

    // A request for footage older than the camera keeps: it no longer exists.
    let request = |from: String, to: String| {
        vec![
            ("camera_id".to_string(), cam.clone()),
            ("requester".into(), "Capitaine Exemple".into()),
            ("service".into(), "Commissariat, brigade de sûreté urbaine".into()),
            ("procedure".into(), "PV 2026/00123".into()),
            ("reason".into(), "Dégradations de véhicules".into()),
            ("du".into(), from),
            ("au".into(), to),
        ]
    };
    let r = police.post(app.url("/videoprotection/demandes/nouvelle")).form(&request(ago(12, 0), ago(11, 20))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("n&#39;existent plus"));
    assert!(app.store.footage_requests(10).await.unwrap().is_empty());
    // A time with a zone is not guessed at: the form's times are Paris wall-clock times.
    let r = police
        .post(app.url("/videoprotection/demandes/nouvelle"))
        .form(&request(format!("{}Z", ago(2, 3)), ago(2, 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = police.post(app.url("/videoprotection/demandes/nouvelle")).form(&request(ago(2, 3), ago(2, 1))).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id = app.store.footage_requests(10).await.unwrap()[0].id;
    let url = |p: &str| app.url(&format!("/videoprotection/demandes/{id}{p}"));
    assert_eq!(police.post(url("/visionnage")).form(&[("x", "")]).send().await.unwrap().status(), 303);

    // Extractions: a destruction day past the authorised period is refused.
    let today = time_fmt::paris_date(time_fmt::now());
    let too_late = (today + time::Duration::days(11)).to_string();
    let r = police.post(url("/extraction")).form(&[("recipient", "OPJ Exemple"), ("destroy_by", &too_late)]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("au plus tard le"));
    let r = police.post(url("/extraction")).form(&[("recipient", "OPJ Exemple"), ("judicial", "0")]).send().await.unwrap();
    assert_eq!(r.status(), 422, "only the checked box means a judicial procedure");
    assert_eq!(police.post(url("/extraction")).form(&[("recipient", "OPJ Exemple")]).send().await.unwrap().status(), 303);
    assert_eq!(
        police.post(url("/extraction")).form(&[("recipient", "Parquet de Nanterre"), ("judicial", "1")]).send().await.unwrap().status(),
        303
    );
    let (_, viewings, extractions) = app.store.footage_request(id).await.unwrap().unwrap();
    assert_eq!(viewings.len(), 1);
    let due = today + time::Duration::days(10);
    assert_eq!(extractions[0].destroy_by, Some(due), "the latest day the authorisation allows");
    assert_eq!(extractions[1].destroy_by, None);

    // The daily job destroys on the day, not before; the judicial one stays, marked.
    assert_eq!(maillage_app::video_requests::destroy_due(&app.state, due - time::Duration::days(1)).await.unwrap(), 0);
    assert_eq!(maillage_app::video_requests::destroy_due(&app.state, due).await.unwrap(), 1);
    assert_eq!(maillage_app::video_requests::destroy_due(&app.state, due).await.unwrap(), 0, "once");
    let page = police.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("détruite le {}", time_fmt::day_fr(due))), "{page}");
    assert!(page.contains("Inscrire un visionnage"));
    let register = police.get(app.url("/videoprotection")).send().await.unwrap().text().await.unwrap();
    assert!(register.contains("conservée pour la procédure judiciaire") && register.contains("PV 2026/00123"), "{register}");
    let judicial = extractions[1].id;
    let r = police.post(app.url(&format!("/videoprotection/extractions/{judicial}/destruction"))).form(&[("x", "")]).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let r = police.post(app.url("/videoprotection/extractions/999999/destruction")).form(&[("x", "")]).send().await.unwrap();
    assert_eq!(r.status(), 404, "an extraction that does not exist");

    // The DPO reads the register and keeps nothing; an organisation's other agent sees nothing.
    let dpo = app.login(email_for(Role::Dpo)).await;
    let page = dpo.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Capitaine Exemple") && !page.contains("Inscrire un visionnage"));
    assert_eq!(dpo.post(url("/visionnage")).form(&[("x", "")]).send().await.unwrap().status(), 403);
    let landlord = app.login(LANDLORD_AGENT).await;
    assert_eq!(landlord.get(url("")).send().await.unwrap().status(), 403);
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    assert_eq!(coordinator.get(app.url("/videoprotection")).send().await.unwrap().status(), 403, "not individually authorised");

    // An agent whose account becomes the administrator's is suspended, back with the role.
    let by = maillage_store::Author::system();
    app.store.set_user_roles(&by, police_id, &[Role::Partner, Role::Administrator]).await.unwrap();
    assert_eq!(police.get(app.url("/videoprotection")).send().await.unwrap().status(), 403);
    app.store.set_user_roles(&by, police_id, &[Role::Partner]).await.unwrap();
    assert_eq!(police.get(app.url("/videoprotection")).send().await.unwrap().status(), 200);
    // Withdrawn, the agent no longer keeps it; past three years, entries go.
    assert_eq!(
        admin.post(app.url(&format!("/videoprotection/agents/{police_id}/retrait"))).form(&[("x", "")]).send().await.unwrap().status(),
        303
    );
    assert_eq!(police.get(app.url("/videoprotection")).send().await.unwrap().status(), 403);
    assert_eq!(maillage_app::video_requests::purge(&app.state).await.unwrap(), 0, "a request of today stays");
    let later = time_fmt::now() + time::Duration::days(1);
    assert_eq!(app.store.purge_video_register(&maillage_store::Author::system(), later).await.unwrap(), 1);
    assert!(app.store.footage_request(id).await.unwrap().is_none());
}

backend_tests!(the_register_from_request_to_destruction);
