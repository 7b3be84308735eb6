//! Vigik access conventions (issue 12, axis 3), as their users meet them: the coordinator
//! records a convention with its signatories and buildings (refused without two parties, with
//! an access code, or with an end before its start, the form kept as typed); partners and
//! elected officials read it; when its notice period opens, the coordination and the partners
//! of its signatory organisations are reminded once; a renewal moves its end and keeps the
//! previous one; a stale form comes back with its typed values instead of overwriting.
#![cfg(test)]

mod common;

use common::{Backend, LANDLORD_AGENT, OTHER_AGENT, POLICE_AGENT, city, email_for};
use maillage_core::authz::Role;
use maillage_core::time_fmt;

async fn a_convention_is_recorded_reminded_and_renewed(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let today = time_fmt::paris_date(time_fmt::now());
    let ends = today + time::Duration::days(200);
    let form = |parties: &[i64], buildings: &str, ends_on: String| {
        let mut f: Vec<(String, String)> = vec![
            ("reference".into(), "Convention Vigik n° 2026-07".into()),
            ("holder".into(), "bailleur".into()),
            ("buildings".into(), buildings.into()),
            ("district_id".into(), city.north.to_string()),
            ("signed_on".into(), (today - time::Duration::days(30)).to_string()),
            ("starts_on".into(), (today - time::Duration::days(20)).to_string()),
            ("ends_on".into(), ends_on),
            ("notice_days".into(), "90".into()),
            ("note".into(), String::new()),
        ];
        f.extend(parties.iter().map(|p| ("organisation".to_string(), p.to_string())));
        f
    };
    let new = app.url("/conventions-vigik/nouvelle");

    // One signatory, an access code, an end before the start: refused, all said, kept as typed.
    let r = coordinator
        .post(&new)
        .form(&form(&[city.landlord], "12 rue de l'Exemple, digicode 4512", (today - time::Duration::days(25)).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("au moins deux signataires"), "{page}");
    assert!(page.contains("code d&#39;accès"), "{page}");
    assert!(page.contains("finit après avoir commencé"), "{page}");
    assert!(page.contains("digicode 4512"), "typed text kept");
    assert!(app.store.access_conventions().await.unwrap().is_empty());
    // The same organisation twice is one signatory; a field sent twice is not guessed at.
    let r = coordinator.post(&new).form(&form(&[city.landlord, city.landlord], "Bâtiment A", ends.to_string())).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("au moins deux signataires"));
    let mut twice = form(&[city.landlord, city.police], "Bâtiment A", ends.to_string());
    twice.push(("reference".into(), "Autre référence".into()));
    let r = coordinator.post(&new).form(&twice).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("envoyé deux fois"));
    assert!(app.store.access_conventions().await.unwrap().is_empty());

    let buildings = "Résidence Nord, bâtiment A\nRésidence Nord, bâtiment B";
    let r = coordinator.post(&new).form(&form(&[city.landlord, city.police], buildings, ends.to_string())).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let c = &app.store.access_conventions().await.unwrap()[0];
    assert_eq!((c.buildings.len(), c.parties.len(), c.ends_on), (2, 2, ends));
    let url = |tail: &str| app.url(&format!("/conventions-vigik/{}{tail}", c.id));

    // Partners and elected officials read it; they do not change it.
    for who in [POLICE_AGENT, OTHER_AGENT, email_for(Role::Reader)] {
        let client = app.login(who).await;
        let page = client.get(url("")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Résidence Nord, bâtiment B") && page.contains("en vigueur"), "{who}");
        assert!(!page.contains("Enregistrer le renouvellement"), "{who}");
        let r = client.post(url("/renouvellement")).form(&[("ends_on", "2030-01-01"), ("version", "1")]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{who}");
    }
    assert_eq!(app.login(email_for(Role::Dpo)).await.get(url("")).send().await.unwrap().status(), 403);

    // Not yet in its notice period: no reminder. Once in it: one to the coordination and one to
    // each partner of a signatory organisation, once.
    assert_eq!(maillage_app::access_convention::remind_due(&app.state, today, "http://maillage.test").await.unwrap(), 0);
    let in_notice = ends - time::Duration::days(90);
    let before = app.store.due_mail(100).await.unwrap().len();
    assert_eq!(maillage_app::access_convention::remind_due(&app.state, in_notice, "http://maillage.test").await.unwrap(), 1);
    let mail = app.store.due_mail(100).await.unwrap();
    let reminders: Vec<_> = mail.iter().filter(|m| m.subject.contains("Convention Vigik à renouveler")).collect();
    assert_eq!(reminders.len(), mail.len() - before);
    let mut to: Vec<&str> = reminders.iter().map(|m| m.recipient.as_str()).collect();
    to.sort_unstable();
    assert_eq!(
        to,
        [email_for(Role::Coordinator), LANDLORD_AGENT, POLICE_AGENT]
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    assert!(reminders[0].body.contains(&format!("/conventions-vigik/{}", c.id)) && reminders[0].body.contains("dans 90 jour(s)"));
    assert_eq!(maillage_app::access_convention::remind_due(&app.state, in_notice, "http://maillage.test").await.unwrap(), 0, "once a term");

    // A renewal before the current end is refused; a later one moves the end, keeps the
    // previous one, and makes the next term's reminder due again.
    let r = coordinator
        .post(url("/renouvellement"))
        .form(&[("ends_on", ends.to_string()), ("version", c.version.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let renewed = ends + time::Duration::days(3 * 365);
    let r = coordinator
        .post(url("/renouvellement"))
        .form(&[("ends_on", renewed.to_string()), ("version", c.version.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after = app.store.access_convention(c.id).await.unwrap().unwrap();
    assert_eq!((after.ends_on, after.renewals.len(), after.renewals[0].previous_end, after.reminded_for), (renewed, 1, ends, None));
    let page = coordinator.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&time_fmt::day_fr(ends)) && page.contains(&time_fmt::day_fr(renewed)));

    // A form read before the renewal does not overwrite it: it comes back as typed, with a
    // warning, and sending it again keeps it knowingly.
    let mut stale = form(&[city.landlord, city.police, city.other], buildings, renewed.to_string());
    stale.push(("version".into(), c.version.to_string()));
    let r = coordinator.post(url("/modification")).form(&stale).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("modifié cette convention entre-temps"), "{page}");
    assert_eq!(app.store.access_convention(c.id).await.unwrap().unwrap().parties.len(), 2);
    let fresh = format!("value=\"{}\"", after.version);
    assert!(page.contains(&fresh), "the form carries the current version");
    stale.retain(|(k, _)| k != "version");
    stale.push(("version".into(), after.version.to_string()));
    assert_eq!(coordinator.post(url("/modification")).form(&stale).send().await.unwrap().status(), 303);
    assert_eq!(app.store.access_convention(c.id).await.unwrap().unwrap().parties.len(), 3);

    // The list puts it under its standing, and a filter that does not exist is said so.
    let page = coordinator.get(app.url("/conventions-vigik?etat=en_vigueur")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Convention Vigik n° 2026-07"));
    assert_eq!(coordinator.get(app.url("/conventions-vigik?etat=autre")).send().await.unwrap().status(), 400);
    // A deletion from a page read before the last change deletes nothing.
    let current = app.store.access_convention(c.id).await.unwrap().unwrap().version;
    let r = coordinator.post(url("/suppression")).form(&[("version", (current - 1).to_string())]).send().await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(coordinator.post(url("/suppression")).form(&[("version", current.to_string())]).send().await.unwrap().status(), 303);
    assert!(app.store.access_conventions().await.unwrap().is_empty());
    assert_eq!(coordinator.get(url("")).send().await.unwrap().status(), 404);
}

backend_tests!(a_convention_is_recorded_reminded_and_renewed);
