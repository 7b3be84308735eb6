//! The rapid alert (issue 12), as its users meet it: on-call lists kept by the coordinator, a
//! mediator raising an alert, two services receiving it through a real SMTP server and a signed
//! webhook (an SMS gateway on loopback that fails first), one acknowledging through its link,
//! the other relayed by its next level after the delay (a controlled clock), the coordinator
//! closing it with a debrief; and the bad inputs the issue lists.
#![cfg(test)]

mod common;

use common::{Backend, LANDLORD_AGENT, OTHER_AGENT, OUTSIDE, PASSWORD, POLICE_AGENT, SmtpServer, city_with, decoded, email_for};
use maillage_core::authz::Role;
use maillage_store::Author;
use maillage_store::account::NewUser;
use std::sync::{Arc, Mutex};

const CHIEF: &str = "chef@bailleur.example";

/// A gateway on loopback: records each request (headers and body) and answers 500 to the
/// first one, 200 afterwards.
struct Gateway {
    url: String,
    seen: Arc<Mutex<Vec<(String, String, String)>>>,
}

async fn gateway() -> Gateway {
    use axum::routing::post;
    let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().route(
        "/sms",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                let mut seen = log.lock().unwrap();
                seen.push((h("x-maillage-timestamp"), h("x-maillage-signature"), body));
                if seen.len() == 1 { axum::http::StatusCode::INTERNAL_SERVER_ERROR } else { axum::http::StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Gateway { url, seen }
}

const SECRET: &str = "secret-partage-avec-la-passerelle-sms-0123456789";

fn link_in(message: &str) -> String {
    let body = decoded(message);
    let start = body.find("/alertes/accuse/").expect("an acknowledgement link");
    body[start..].split_whitespace().next().unwrap().to_string()
}

async fn count_alerts(app: &common::TestApp) -> usize {
    app.store.alerts(maillage_core::authz::AlertScope::All, 1000).await.unwrap().len()
}

async fn an_alert_reaches_two_services_and_escalates(b: Backend) {
    let gw = gateway().await;
    let gw_url = gw.url.clone();
    let city = city_with(b, |s| {
        s.app.alert = maillage_app::alert::AlertConfig {
            escalation_minutes: 10,
            sms: Some(maillage_app::alert::SmsGateway { url: gw_url, secret: SECRET.into() }),
        };
    })
    .await;
    let app = &city.app;
    let smtp = SmtpServer::start(&app.db.dir);
    let mailer = smtp.mailer();
    let chief = app
        .store
        .create_user(
            &Author::system(),
            &NewUser {
                email: CHIEF.into(),
                display_name: "Chef d'agence".into(),
                organisation_id: Some(city.landlord),
                roles: vec![Role::Partner],
                password_hash: maillage_core::account::password::hash(PASSWORD).unwrap(),
            },
        )
        .await
        .unwrap();
    let id_of = |email: &str| {
        let store = app.store.clone();
        let email = email.to_string();
        async move { store.users().await.unwrap().into_iter().find(|u| u.email == email).unwrap().id }
    };
    // The coordinator keeps the on-call lists: the police (with a mobile) and the landlord's
    // agent at level 1, the landlord's head of agency at level 2, all week, all day.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let north = city.north.to_string();
    for (user, level, phone) in
        [(id_of(POLICE_AGENT).await, "1", "06 12 34 56 78"), (id_of(LANDLORD_AGENT).await, "1", ""), (chief, "2", "")]
    {
        let user = user.to_string();
        let mut form: Vec<(&str, &str)> = vec![("user", &user), ("level", level), ("district", &north), ("phone", phone)];
        for d in ["0", "1", "2", "3", "4", "5", "6"] {
            form.push(("days", d));
        }
        let r = coordinator.post(app.url("/alertes/astreintes")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    }
    // A bad line changes nothing: a wrong phone, a day that does not exist.
    let r = coordinator
        .post(app.url("/alertes/astreintes"))
        .form(&[("user", chief.to_string().as_str()), ("level", "1"), ("days", "9"), ("phone", "12")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Un des jours cochés n&#39;existe pas") && page.contains("Le numéro de portable"), "{page}");
    // Nor may an account that cannot follow alerts be on call: the DPO, an elected official.
    for role in [Role::Dpo, Role::Reader] {
        let id = id_of(email_for(role)).await.to_string();
        let r = coordinator
            .post(app.url("/alertes/astreintes"))
            .form(&[("user", id.as_str()), ("level", "1"), ("days", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{role:?}");
        assert!(r.text().await.unwrap().contains("ne peut pas recevoir d&#39;alertes"));
    }
    assert_eq!(app.store.on_call_entries().await.unwrap().len(), 3);

    // A mediator of another organisation raises an alert in the northern district.
    let mediator = app.login(OTHER_AGENT).await;
    let form_page = mediator.get(app.url("/alertes/nouvelle")).send().await.unwrap().text().await.unwrap();
    assert!(form_page.contains("Aucun nom de personne"));
    let now = maillage_core::time_fmt::now().to_offset(maillage_core::time_fmt::paris_offset(maillage_core::time_fmt::now()));
    let (date, hour) = (now.date().to_string(), format!("{:02}:{:02}", now.hour(), now.minute()));
    let raise = |fields: Vec<(&'static str, String)>| {
        let c = mediator.clone();
        let url = app.url("/alertes/nouvelle");
        async move { c.post(url).form(&fields).send().await.unwrap() }
    };
    let r = raise(vec![
        ("kind", "rixe".into()),
        ("district", north.clone()),
        ("place", "Parvis de la gare".into()),
        ("date", date.clone()),
        ("heure", hour.clone()),
        ("estimated_count", "25".into()),
        ("facts", "Deux groupes face à face, objets en main.".into()),
    ])
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let alert_id: i64 = location.trim_start_matches("/alertes/").split('?').next().unwrap().parse().unwrap();

    // Two services get it by e-mail through the SMTP server; the facts stay behind the link.
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 2);
    let messages = smtp.messages();
    let to = |addr: &str| messages.iter().find(|m| m.contains(&format!("To: {addr}"))).cloned().expect(addr);
    let (police_mail, landlord_mail) = (to(POLICE_AGENT), to(LANDLORD_AGENT));
    assert!(decoded(&police_mail).contains("Parvis de la gare") && decoded(&police_mail).contains("Rixe entre groupes de jeunes"));
    assert!(!decoded(&police_mail).contains("objets en main"), "the facts are read behind the link, not in the mail");
    // The SMS goes to the gateway, signed; its first answer is a 500, retried later.
    let t0 = maillage_core::time_fmt::now();
    let client = maillage_app::alert::sms_client().unwrap();
    let sms = app.state.alert.sms.clone().unwrap();
    assert_eq!(maillage_app::alert::send_sms_due(&app.state, &client, &sms, t0).await.unwrap(), 0);
    assert_eq!(maillage_app::alert::send_sms_due(&app.state, &client, &sms, t0).await.unwrap(), 0, "not before its retry");
    assert_eq!(maillage_app::alert::send_sms_due(&app.state, &client, &sms, t0 + time::Duration::seconds(31)).await.unwrap(), 1);
    {
        let seen = gw.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let (timestamp, signature, body) = &seen[1];
        let expected = maillage_app::alert::signature(SECRET, timestamp.parse().unwrap(), body.as_bytes());
        assert_eq!(signature, &format!("sha256={expected}"));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["destinataire"], "+33612345678");
        assert!(json["message"].as_str().unwrap().contains("/alertes/accuse/"));
    }

    // The police acknowledges through its link: opening it changes nothing, the button does.
    let police_link = link_in(&police_mail);
    let anonymous = app.client();
    let page = anonymous.get(app.url(&police_link)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("objets en main"), "the link shows the facts");
    assert!(app.store.alert(alert_id).await.unwrap().unwrap().first_acknowledged_at.is_none(), "opening a link acknowledges nothing");
    let r = anonymous.post(app.url(&police_link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("la réception est confirmée"));
    // Reused, forged, expired: refused, and nothing changes.
    assert_eq!(anonymous.post(app.url(&police_link)).send().await.unwrap().status(), 409);
    let forged = format!("/alertes/accuse/{}", "a".repeat(48));
    assert_eq!(anonymous.post(app.url(&forged)).send().await.unwrap().status(), 404);
    assert_eq!(anonymous.get(app.url("/alertes/accuse/court")).send().await.unwrap().status(), 404);
    let landlord_token = link_in(&landlord_mail).trim_start_matches("/alertes/accuse/").to_string();
    let later = t0 + time::Duration::hours(49);
    assert!(matches!(
        maillage_app::alert::acknowledge_link(&app.state, &landlord_token, later).await.unwrap().0,
        maillage_store::alert::Acknowledged::Expired { .. }
    ));

    // Nine minutes on, nobody is relayed; eleven minutes on, the landlord (who did not answer)
    // is relayed by its head of agency, and the police (which did) is not.
    assert_eq!(maillage_app::alert::escalate_due(&app.state, t0 + time::Duration::minutes(9)).await.unwrap(), 0);
    assert_eq!(maillage_app::alert::escalate_due(&app.state, t0 + time::Duration::minutes(11)).await.unwrap(), 1);
    let deliveries = app.store.alert_deliveries(alert_id).await.unwrap();
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().any(|d| d.user_id == Some(chief) && d.level == 2));
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 1);
    assert!(smtp.messages().iter().any(|m| m.contains(&format!("To: {CHIEF}"))));
    // The top of the chain reached, nobody is left: said once, not sent again.
    assert_eq!(maillage_app::alert::escalate_due(&app.state, t0 + time::Duration::minutes(30)).await.unwrap(), 0);
    assert_eq!(maillage_app::alert::escalate_due(&app.state, t0 + time::Duration::minutes(40)).await.unwrap(), 0);
    let events = app.store.alert_events(alert_id).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for k in ["raised", "sent", "mail_sent", "sms_retry", "sms_delivered", "acknowledged", "escalated", "unanswered"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(kinds.iter().filter(|k| **k == "unanswered").count(), 1);
    // The head of agency sees the alert, and acknowledges with one click on its page.
    let chief_client = app.login(CHIEF).await;
    let page = chief_client.get(app.url(&format!("/alertes/{alert_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Je confirme la réception") && page.contains("Escalade"));
    let r = chief_client.post(app.url(&format!("/alertes/{alert_id}/accuse"))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(chief_client.post(app.url(&format!("/alertes/{alert_id}/accuse"))).send().await.unwrap().status(), 409);
    // Someone it does not concern reads nothing of it; elected officials neither.
    let reader = app.login(email_for(Role::Reader)).await;
    assert_eq!(reader.get(app.url(&format!("/alertes/{alert_id}"))).send().await.unwrap().status(), 403);
    let partner = app.login(email_for(Role::Partner)).await;
    assert_eq!(partner.get(app.url(&format!("/alertes/{alert_id}"))).send().await.unwrap().status(), 403);
    let unknown = partner.get(app.url("/alertes/999999")).send().await.unwrap();
    assert_eq!(unknown.status(), 403, "an alert that does not exist is told alike");
    assert!(!partner.get(app.url("/alertes")).send().await.unwrap().text().await.unwrap().contains("Parvis de la gare"));

    // The mediator adds an action; the coordinator closes with the debrief.
    let r = mediator
        .post(app.url(&format!("/alertes/{alert_id}/action")))
        .form(&[("action", "Médiateurs sur place à 21:40.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        mediator.post(app.url(&format!("/alertes/{alert_id}/cloture"))).form(&[("what_happened", "x")]).send().await.unwrap().status(),
        403
    );
    let bad = coordinator
        .post(app.url(&format!("/alertes/{alert_id}/cloture")))
        .form(&[("what_happened", ""), ("young_people_identified", "-3"), ("working_group_id", "999999")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(app.store.alert(alert_id).await.unwrap().unwrap().closed_at.is_none());
    let r = coordinator
        .post(app.url(&format!("/alertes/{alert_id}/cloture")))
        .form(&[
            ("what_happened", "Groupes dispersés par la police nationale, pas de blessé."),
            ("who_acted", "Police nationale, médiation"),
            ("families_contacted", "1"),
            ("young_people_identified", "6"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(
        coordinator.post(app.url(&format!("/alertes/{alert_id}/cloture"))).form(&[("what_happened", "x")]).send().await.unwrap().status(),
        409
    );
    let page = coordinator.get(app.url(&format!("/alertes/{alert_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Groupes dispersés") && page.contains("Médiateurs sur place") && page.contains("Alerte close"));
    // Closed, it takes no more acknowledgement, by link or by click.
    let r = anonymous.post(app.url(&format!("/alertes/accuse/{landlord_token}"))).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("close depuis"));
    let landlord = app.login(LANDLORD_AGENT).await;
    assert_eq!(landlord.post(app.url(&format!("/alertes/{alert_id}/accuse"))).send().await.unwrap().status(), 409);
    let landlord_id = id_of(LANDLORD_AGENT).await;
    let deliveries = app.store.alert_deliveries(alert_id).await.unwrap();
    assert!(deliveries.iter().any(|d| d.user_id == Some(landlord_id) && d.acknowledged_at.is_none()), "nothing written after closing");

    // The year's figures: counts only, published outside the coordination.
    let year = maillage_core::time_fmt::paris_date(t0).year();
    let f = app.store.alert_figures(year).await.unwrap();
    assert_eq!((f.total, f.young_people_identified, f.families_contacted), (1, 6, 1));
    assert_eq!(f.first_ack_minutes.len(), 1);
    let figures = reader.get(app.url("/alertes/chiffres")).send().await.unwrap().text().await.unwrap();
    assert!(figures.contains("&lt; 5"), "a single alert is a small count");

    // Bad input changes nothing: a place outside the territory, an hour in the future, an
    // unknown kind; the API says it in its structured shape.
    let before = count_alerts(app).await;
    let r = raise(vec![
        ("kind", "bagarre".into()),
        ("place", "Quelque part".into()),
        ("date", date.clone()),
        ("heure", "25:99".into()),
        ("lat", OUTSIDE.0.into()),
        ("lon", OUTSIDE.1.into()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("hors du territoire") && page.contains("dans la liste") && page.contains("hh:mm"), "{page}");
    let api = mediator
        .post(app.url("/api/v1/alertes"))
        .json(&serde_json::json!({ "kind": "rixe", "place": "Gare", "lat": 48.8566, "lon": 2.3522 }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 422);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "point");
    assert_eq!(count_alerts(app).await, before);
    let api = mediator
        .post(app.url("/api/v1/alertes"))
        .json(&serde_json::json!({ "kind": "regroupement", "place": "Square", "district_id": city.north, "estimated_count": 12 }))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 201);
    let id = api.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let json: serde_json::Value = mediator.get(app.url(&format!("/api/v1/alertes/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(json["recipients"].as_array().unwrap().len(), 2);
}

/// A gateway that never answers in time: the SMS is retried and then given up, while the
/// escalation goes on regardless; the alert is never lost.
async fn a_silent_gateway_never_loses_the_alert(b: Backend) {
    // A listener that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let gw_url = url.clone();
    let city = city_with(b, |s| {
        s.app.alert = maillage_app::alert::AlertConfig {
            escalation_minutes: 5,
            sms: Some(maillage_app::alert::SmsGateway { url: gw_url, secret: SECRET.into() }),
        };
    })
    .await;
    let app = &city.app;
    let police = app.store.users().await.unwrap().into_iter().find(|u| u.email == POLICE_AGENT).unwrap().id;
    let line = |level| maillage_core::alert::OnCall {
        user_id: police,
        kinds: vec![],
        district_id: None,
        days: maillage_core::alert::ALL_DAYS,
        starts: time::Time::MIDNIGHT,
        ends: time::Time::MIDNIGHT,
        level,
        phone: "+33612345678".into(),
    };
    maillage_app::alert::add_on_call(&app.state, &Author::system(), &line(1)).await.unwrap();
    let raiser = app.login(LANDLORD_AGENT).await;
    let r = raiser
        .post(app.url("/api/v1/alertes"))
        .json(&serde_json::json!({ "kind": "arme", "place": "Parking", "district_id": city.north }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let client = maillage_app::alert::sms_client().unwrap();
    let sms = app.state.alert.sms.clone().unwrap();
    let mut t = maillage_core::time_fmt::now();
    for _ in 0..maillage_app::alert::SMS_ATTEMPTS {
        assert_eq!(maillage_app::alert::send_sms_due(&app.state, &client, &sms, t).await.unwrap(), 0);
        t += time::Duration::hours(1);
    }
    let d = &app.store.alert_deliveries(id).await.unwrap()[0];
    assert_eq!((d.sms_state.as_str(), d.sms_attempts), ("failed", maillage_app::alert::SMS_ATTEMPTS));
    assert!(d.sms_error.contains("à temps"), "{}", d.sms_error);
    let kinds: Vec<String> = app.store.alert_events(id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "sms_retry").count() as i64, maillage_app::alert::SMS_ATTEMPTS - 1);
    assert!(kinds.contains(&"sms_failed".to_string()));
    // The alert is still there, open, and its e-mail waits in the outbox.
    assert!(app.store.alert(id).await.unwrap().unwrap().closed_at.is_none());
    assert_eq!(app.store.outbox_counts().await.unwrap().waiting, 1);
}

backend_tests!(an_alert_reaches_two_services_and_escalates, a_silent_gateway_never_loses_the_alert);
