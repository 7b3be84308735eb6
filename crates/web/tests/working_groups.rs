//! Working groups under the charter, on both backends: who reads a situation (members in good
//! standing with a second factor, nobody else), what is stored (sealed, no name in the database
//! file or the backup), what is logged (every access, in the chain), bad input (nothing
//! written), the archive opened for a reason, and destruction on its day.
#![cfg(test)]

mod common;

use common::member::{group_with_member, login_with_code, new_group, post, text, user_id};
use common::{Backend, PASSWORD, email_for, start, start_with};
use maillage_core::authz::Role;
use maillage_store::Author;
use maillage_store::account::NewUser;

fn situation<'a>(surname: &'a str, first: &'a str, birth: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("surname", surname),
        ("first_name", first),
        ("sex", "F"),
        ("birth_date", birth),
        ("address", "3 rue de l'Essai"),
        ("school_or_job", "college"),
        ("rep1_surname", surname),
        ("rep1_first_name", "Parent"),
        ("rep1_phone", "01 02 03 04 05"),
        ("opened_on", "2026-09-01"),
        ("origin", "education"),
        ("programme", "cve"),
        ("already_in_charge", "oui"),
        ("judicial", ""),
    ]
}

fn birth_years_ago(years: i32) -> String {
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    time::Date::from_calendar_date(today.year() - years, time::Month::March, 4).unwrap().to_string()
}

/// The group's counts kept ahead (followed, archived, not informed) are `expected` and equal
/// the rows' own.
async fn counts_agree(app: &common::TestApp, group: i64, expected: (i64, i64, i64)) {
    let kept = app.store.case_counts(group).await.unwrap();
    assert_eq!((kept.followed, kept.archived, kept.not_informed), expected);
    assert_eq!(kept, app.store.case_counts_from_rows(group).await.unwrap());
}

/// From the group's creation to an exclusion: each condition of the charter holds access back
/// with its reason; the administrator, the DPO, a reader and a non-member never read.
async fn only_members_in_good_standing_read_situations(b: Backend) {
    let app = start(b).await;
    let admin = app.login(email_for(Role::Administrator)).await;
    let group = new_group(&app, &admin, "cve").await;
    let g = |p: &str| app.url(&format!("/groupes/{group}{p}"));
    let partner_email = email_for(Role::Partner);
    let partner_id = user_id(&app, partner_email).await;
    let (status, location, _) = post(&admin, g("/membres"), &[("user_id", &partner_id.to_string()), ("function", "Éducatrice")]).await;
    assert_eq!((status, location.as_str()), (303, format!("/groupes/{group}?fait=membre").as_str()), "a reload sends nothing again");
    // The administrator and the DPO cannot be put on the list.
    for role in [Role::Administrator, Role::Dpo] {
        let id = user_id(&app, email_for(role)).await.to_string();
        let (status, _, body) = post(&admin, g("/membres"), &[("user_id", &id), ("function", "Curieux")]).await;
        assert_eq!(status, 422, "{role:?}");
        assert!(common::marked(&body, "user_id"));
    }
    let situations = g("/situations");
    let partner = app.login(partner_email).await;
    let refused = |body: &str, why: &str| assert!(body.replace("&#39;", "'").contains(why), "expected « {why} » in {body}");
    let (status, body) = text(&partner, situations.clone()).await;
    assert_eq!(status, 403);
    refused(&body, "n'a pas signé la version en vigueur");
    let org = app.store.user(partner_id).await.unwrap().unwrap().organisation_id.unwrap().to_string();
    let (status, _, _) =
        post(&admin, g("/signatures"), &[("organisation_id", &org), ("signatory", "La directrice"), ("signed_on", "2026-01-05")]).await;
    assert_eq!(status, 303);
    refused(&text(&partner, situations.clone()).await.1, "pas accepté la version en vigueur");
    assert_eq!(post(&partner, g("/acceptation"), &[]).await.0, 303);
    let (status, body) = text(&partner, situations.clone()).await;
    assert_eq!(status, 403, "the password alone is not enough");
    refused(&body, "double authentification");
    let member = login_with_code(&app, partner_email).await;
    let (status, body) = text(&member, situations.clone()).await;
    assert_eq!(status, 200);
    assert!(body.contains("enregistrées dans le journal des accès"), "the user is told reads are logged");

    // A situation, sealed; a second one for the same person is refused, whatever the case and accents.
    let (status, location, body) = post(&member, situations.clone(), &situation("Martin", "Léa", &birth_years_ago(14))).await;
    assert_eq!(status, 303, "{body}");
    let case_url = app.url(&location);
    let (status, page) = text(&member, case_url.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("MARTIN Léa") && page.contains("(mineur)") && page.contains("enregistrée dans le journal"));
    let (status, _, body) = post(&member, situations.clone(), &situation("MARTIN", "lea", &birth_years_ago(14))).await;
    assert_eq!(status, 422);
    assert!(body.contains("déjà suivie") && common::marked(&body, "surname"));
    // The look-up finds her by name and birth date, without a name in any address.
    let birth = birth_years_ago(14);
    let (status, _, body) =
        post(&member, g("/situations/recherche"), &[("surname", "martin"), ("first_name", "LÉA"), ("birth_date", &birth)]).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("href=\"{location}\"")), "{body}");

    // Every other account is refused, each with its reason.
    for role in [Role::Administrator, Role::Dpo, Role::Reader, Role::Coordinator] {
        let c = app.login(email_for(role)).await;
        assert_eq!(text(&c, case_url.clone()).await.0, 403, "{role:?}");
        assert_eq!(text(&c, situations.clone()).await.0, 403, "{role:?}");
    }
    let by = Author::system();
    let stranger = "autre.partenaire@test.example";
    app.store
        .create_user(
            &by,
            &NewUser {
                email: stranger.into(),
                display_name: "Autre partenaire".into(),
                organisation_id: Some(org.parse().unwrap()),
                roles: vec![Role::Partner],
                password_hash: maillage_core::account::password::hash(PASSWORD).unwrap(),
            },
        )
        .await
        .unwrap();
    let outsider = login_with_code(&app, stranger).await;
    let (status, body) = text(&outsider, case_url.clone()).await;
    assert_eq!(status, 403);
    refused(&body, "euls les membres du groupe lisent ses situations");

    // A new charter version suspends access until signed and accepted again.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let body = format!("Charte, version 2\n\n## Article 1\n\n{}", "Les membres s'engagent à la confidentialité. ".repeat(5));
    assert_eq!(post(&coordinator, g("/charte"), &[("body", &body)]).await.0, 303);
    refused(&text(&member, case_url.clone()).await.1, "n'a pas signé la version en vigueur");
    post(&admin, g("/signatures"), &[("organisation_id", &org), ("signatory", "La directrice"), ("signed_on", "2026-02-05")]).await;
    assert_eq!(post(&member, g("/acceptation"), &[]).await.0, 303);
    assert_eq!(text(&member, case_url.clone()).await.0, 200);

    // Exclusion: at once, the sessions end, and the member reads nothing again.
    let (status, _, body) = post(&admin, g(&format!("/membres/{partner_id}/exclusion")), &[("reason", "")]).await;
    assert_eq!(status, 422, "a reason is required");
    assert!(common::marked(&body, &format!("reason-{partner_id}")));
    let (status, _, _) =
        post(&admin, g(&format!("/membres/{partner_id}/exclusion")), &[("reason", "Manquement à l'article 3 de la charte")]).await;
    assert_eq!(status, 303);
    assert_eq!(text(&member, app.url("/strategie")).await.0, 303, "the session ended");
    let again = login_with_code(&app, partner_email).await;
    let (status, body) = text(&again, case_url.clone()).await;
    assert_eq!(status, 403);
    refused(&body, "exclu");

    // Every read is in the chain, which still verifies.
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.read".into()), ..Default::default() };
    let reads = app.store.audit_entries(&filter, 100, 0).await.unwrap();
    assert_eq!(reads.len(), 2, "the two pages read: {reads:?}");
    assert!(reads.iter().all(|e| e.actor_id == Some(partner_id) && e.record_type == "case"));
    assert!(app.store.audit_verify(&mut |_| {}).await.unwrap().is_ok());
}

/// Bad input changes nothing: each fault is said beside its field, and no row is written.
async fn bad_situations_are_refused_whole(b: Backend) {
    let app = start(b).await;
    let (group, _, member) = group_with_member(&app, "cve").await;
    let url = app.url(&format!("/groupes/{group}/situations"));
    let long = "x".repeat(301);
    let too_old = birth_years_ago(26);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("birth_date", "2099-01-01")], "birth_date"),
        (vec![("birth_date", too_old.as_str())], "birth_date"),
        (vec![("judicial", long.as_str())], "judicial"),
        (vec![("sex", "X")], "sex"),
        (vec![("origin", "rumeur")], "origin"),
        (vec![("email", "a@b")], "email"),
        (vec![("already_in_charge", "non")], "in_charge_org_id"),
        (vec![("surname", "")], "surname"),
    ];
    for (changes, field) in cases {
        let mut form = situation("Durand", "Inès", "2012-05-06");
        for (k, v) in &changes {
            form.retain(|(f, _)| f != k);
            form.push((k, v));
        }
        let (status, _, body) = post(&member, url.clone(), &form).await;
        assert_eq!(status, 422, "{changes:?}");
        assert!(common::marked(&body, field), "{field} marked for {changes:?}");
        assert!(body.contains("value=\"Durand\"") || field == "surname", "what was typed comes back");
    }
    assert_eq!(app.store.count_cases(group, false).await.unwrap(), 0, "nothing written");
    let (status, location, _) = post(&member, url.clone(), &situation("Durand", "Inès", "2012-05-06")).await;
    assert_eq!(status, 303);
    let case_url = app.url(&location);
    let note = "y".repeat(301);
    let (status, _, body) = post(
        &member,
        format!("{case_url}/actions"),
        &[("kind", "entretien"), ("started_on", "2026-10-01"), ("result", "atteint"), ("note", &note)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(common::marked(&body, "a-note"));
    let (status, _, _) = post(
        &member,
        format!("{case_url}/actions"),
        &[("kind", "entretien"), ("started_on", "2026-10-01"), ("result", "atteint"), ("note", "Entretien avec la mère.")],
    )
    .await;
    assert_eq!(status, 303);
    let page = text(&member, case_url.clone()).await.1;
    assert!(page.contains("Entretien avec la mère."));
    let (status, _, body) = post(&member, format!("{case_url}/information"), &[("informed_on", ""), ("means", "courrier")]).await;
    assert_eq!(status, 422);
    assert!(common::marked(&body, "i-informed_on"));
    let (status, _, body) = post(&member, format!("{case_url}/cloture"), &[("ended_on", "2026-10-02"), ("outcome", "")]).await;
    assert_eq!(status, 422);
    assert!(common::marked(&body, "c-outcome"));
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    assert!(app.store.case(group, id).await.unwrap().unwrap().ended_on.is_none());
}

/// What is stored holds no name: not the database file, not the backup; the archive opens only
/// for a reason, recorded; destruction comes on its day (25th birthday, 3-year archive), and is
/// recorded without what was destroyed.
async fn sealed_archived_and_destroyed_on_their_day(b: Backend) {
    let app = start(b).await;
    let by = Author::system();
    let partner_id = user_id(&app, email_for(Role::Partner)).await;
    let org = app.store.user(partner_id).await.unwrap().unwrap().organisation_id.unwrap();
    let charter = maillage_app::working_group::default_charter(&app.state).await.unwrap();
    assert!(charter.contains("Charte déontologique"), "the seed's annex is the default text");
    let group = app
        .store
        .create_group(
            &by,
            &maillage_store::working_group::NewGroup {
                kind: maillage_core::working_group::GroupKind::ViolenceAgainstWomen,
                name: "Femmes victimes".into(),
                purpose: "Coordonner".into(),
                legal_basis: "L.132-5".into(),
                sheets: vec![],
                animator_id: None,
                charter,
            },
        )
        .await
        .unwrap();
    app.store.add_member(&by, group, partner_id, "Juriste").await.unwrap();
    app.store.record_signature(&by, group, 1, org, "La présidente", time::macros::date!(2026 - 01 - 05)).await.unwrap();
    app.store.accept_charter(&by, group, partner_id, 1).await.unwrap();
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let draft = |surname: &str, birth: time::Date| maillage_app::working_group::Draft {
        identity: maillage_core::working_group::case::Identity {
            surname: surname.into(),
            first_name: "Zoé".into(),
            sex: "F".into(),
            birth_date: birth.to_string(),
            address: "12 avenue Introuvable".into(),
            school_or_job: "emploi".into(),
            ..Default::default()
        },
        opened_on: Some(today),
        origin: "association".into(),
        programme: "vff".into(),
        already_in_charge: true,
        judicial: "Ordonnance de protection en cours".into(),
        ..Default::default()
    };
    let wg = &app.state.app;
    // Turns 25 in ten days.
    let turning = time::Date::from_calendar_date(today.year() - 25, today.month(), 1).unwrap() + time::Duration::days(40);
    let turning = if turning.replace_year(turning.year() + 25).unwrap() <= today { turning + time::Duration::days(30) } else { turning };
    let limit = maillage_core::working_group::age_limit_day(turning).unwrap();
    let young =
        maillage_app::working_group::create_case(wg, &by, (partner_id, Some(org)), group, &draft("Quenotte", turning)).await.unwrap();
    let closed = maillage_app::working_group::create_case(
        wg,
        &by,
        (partner_id, Some(org)),
        group,
        &draft("Vauclair", time::macros::date!(2005 - 06 - 01)),
    )
    .await
    .unwrap();
    let record = app.store.case(group, closed).await.unwrap().unwrap();
    maillage_app::working_group::close_case(wg, &by, &record, Some(today), "relais").await.unwrap();
    counts_agree(&app, group, (1, 1, 1)).await;
    assert!(maillage_app::working_group::close_case(wg, &by, &record, Some(today), "relais").await.is_err());
    counts_agree(&app, group, (1, 1, 1)).await;

    // No name in the database's bytes, nor in the backup.
    let mut backup = Vec::new();
    app.store.export(&mut backup, &mut |_, _| {}).await.unwrap();
    let mut stored: Vec<u8> = backup.clone();
    if matches!(b, Backend::Sqlite) {
        for entry in std::fs::read_dir(&app.db.dir).unwrap() {
            stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
    } else {
        let all = common::raw_sql(b, &app.db.url, "SELECT string_agg(identity || coalesce(judicial, ''), ' ') FROM cases").await.unwrap();
        stored.extend(all.into_bytes());
    }
    for name in ["Quenotte", "Vauclair", "Introuvable", "Ordonnance de protection"] {
        assert!(!stored.windows(name.len()).any(|w| w == name.as_bytes()), "{name} stored in clear");
    }
    assert!(String::from_utf8_lossy(&backup).contains("k1:"), "the backup keeps the sealed values");

    // The archive opens only for a reason, recorded with it.
    let member = login_with_code(&app, email_for(Role::Partner)).await;
    let url = app.url(&format!("/groupes/{group}/situations/{closed}"));
    let (status, page) = text(&member, url.clone()).await;
    assert_eq!(status, 200);
    assert!(!page.contains("VAUCLAIR") && page.contains("Motif de la consultation"));
    for bad in ["  ", "Réquisition pour VAUCLAIR Zoé"] {
        let (status, _, page) = post(&member, format!("{url}/consultation"), &[("reason", bad)]).await;
        assert_eq!(status, 422, "a reason from the list, never a free text: {bad}");
        assert!(common::marked(&page, "reason") && !page.contains("VAUCLAIR"));
    }
    let (status, _, page) = post(&member, format!("{url}/consultation"), &[("reason", "droit_acces")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("VAUCLAIR Zoé") && page.contains("Ordonnance de protection en cours"));
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.archive_read".into()), ..Default::default() };
    let log = app.store.audit_entries(&filter, 10, 0).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].detail, "Demande d'accès de la personne ou de ses représentants");
    // Its exports too: the page opened for a reason links them with it; without it, nothing.
    assert!(page.contains("export.odt?motif=droit_acces"), "{page}");
    for format in ["odt", "json"] {
        let r = member.get(format!("{url}/export.{format}")).send().await.unwrap();
        assert_eq!(r.status(), 400, "an archived situation's {format} export without a reason");
        assert!(!r.text().await.unwrap().contains("VAUCLAIR"));
        assert_eq!(member.get(format!("{url}/export.{format}?motif=autre_chose")).send().await.unwrap().status(), 400);
        assert_eq!(member.get(format!("{url}/export.{format}?motif=droit_acces")).send().await.unwrap().status(), 200);
    }
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.export".into()), ..Default::default() };
    let exports = app.store.audit_entries(&filter, 10, 0).await.unwrap();
    assert_eq!(exports.len(), 2);
    assert!(exports.iter().all(|e| e.detail.ends_with("motif : Demande d'accès de la personne ou de ses représentants")));
    let (status, _, _) =
        post(&member, format!("{url}/actions"), &[("kind", "entretien"), ("started_on", "2026-10-01"), ("result", "atteint")]).await;
    assert_eq!(status, 409, "an archived situation takes no change");

    // Destruction on its day, with a controlled clock.
    let destroy = |day: time::Date| async move { maillage_app::working_group::destroy_due(wg, day).await.unwrap() };
    assert_eq!(destroy(limit - time::Duration::days(1)).await, 0);
    assert_eq!(destroy(limit).await, 1, "the 25th birthday");
    assert!(app.store.case(group, young).await.unwrap().is_none());
    let archive_end = today.replace_year(today.year() + 3).unwrap_or(today + time::Duration::days(3 * 365));
    assert_eq!(destroy(archive_end - time::Duration::days(1)).await, 0);
    assert_eq!(destroy(archive_end).await, 1, "three years after the end");
    assert_eq!(app.store.count_cases(group, true).await.unwrap() + app.store.count_cases(group, false).await.unwrap(), 0);
    counts_agree(&app, group, (0, 0, 0)).await;
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.destroy".into()), ..Default::default() };
    let log = app.store.audit_entries(&filter, 10, 0).await.unwrap();
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|e| e.detail.is_empty()), "that it happened, not what");
    assert!(app.store.audit_verify(&mut |_| {}).await.unwrap().is_ok());
}

/// Many reads in a short time alert the DPO by e-mail, once, with no name in the message.
async fn many_reads_alert_the_dpo(b: Backend) {
    let app = start_with(b, |s| s.app.read_alert_threshold = 3).await;
    let (group, _, member) = group_with_member(&app, "cve").await;
    let (_, location, _) =
        post(&member, app.url(&format!("/groupes/{group}/situations")), &situation("Lefort", "Maëlle", "2013-01-02")).await;
    for _ in 0..5 {
        assert_eq!(text(&member, app.url(&location)).await.0, 200);
    }
    let mails = app.store.due_mail(100).await.unwrap();
    let alerts: Vec<_> = mails.iter().filter(|m| m.subject.contains("lectures nombreuses")).collect();
    assert_eq!(alerts.len(), 1, "{mails:?}");
    assert_eq!(alerts[0].recipient, email_for(Role::Dpo));
    assert!(!alerts[0].body.contains("Lefort") && !alerts[0].body.contains("LEFORT"));
}

/// A meeting: attendance, an invited person bound by confidentiality, decisions with a lead
/// and a follow-up date; the relevé de conclusions and the dashboard name nobody, for anyone.
async fn meetings_and_conclusions_name_nobody(b: Backend) {
    let app = start(b).await;
    let by = Author::system();
    let admin = app.login(email_for(Role::Administrator)).await;
    let (group, partner_id, member) = group_with_member(&app, "cve").await;
    let g = |p: &str| app.url(&format!("/groupes/{group}{p}"));
    let (_, location, _) = post(&member, g("/situations"), &situation("Rocheblanche", "Aurore", &birth_years_ago(13))).await;
    let case: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let (status, _, body) = post(&member, g("/reunions"), &[("held_on", "2026-11-20"), ("place", "")]).await;
    assert_eq!(status, 422);
    assert!(common::marked(&body, "place"));
    let (status, location, _) = post(&member, g("/reunions"), &[("held_on", "2026-11-20"), ("place", "Salle du conseil")]).await;
    assert_eq!(status, 303);
    let meeting = app.url(&location);
    let id = partner_id.to_string();
    assert_eq!(post(&member, format!("{meeting}/presences"), &[("present", id.as_str())]).await.0, 303);
    let admin_id = user_id(&app, email_for(Role::Administrator)).await.to_string();
    assert_eq!(post(&member, format!("{meeting}/presences"), &[("present", admin_id.as_str())]).await.0, 422, "only members");
    let (status, _, body) =
        post(&member, format!("{meeting}/invites"), &[("name", "Dr Invitée"), ("function", "Pédopsychiatre, CMP")]).await;
    assert_eq!(status, 422, "the confidentiality rules accepted first");
    assert!(common::marked(&body, "accepted"));
    let invited = [("name", "Dr Invitée"), ("function", "Pédopsychiatre, CMP"), ("accepted", "oui")];
    assert_eq!(post(&member, format!("{meeting}/invites"), &invited).await.0, 303);
    assert_eq!(post(&member, format!("{meeting}/invites"), &invited).await.0, 422, "the same person once");
    let case_id = case.to_string();
    let decision = |lead: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("case_id", case_id.clone()),
            ("kind", "orientation".into()),
            ("text", "Orientation vers le PRE, rendez-vous avec la famille.".into()),
            ("lead_id", lead.into()),
            ("follow_up_on", "2026-12-15".into()),
        ]
    };
    let as_form = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let bad = as_form(&decision(Box::leak(admin_id.clone().into_boxed_str())));
    let r = member.post(format!("{meeting}/decisions")).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(common::marked(&r.text().await.unwrap(), "d-lead"));
    let good = as_form(&decision(Box::leak(id.clone().into_boxed_str())));
    assert_eq!(member.post(format!("{meeting}/decisions")).form(&good).send().await.unwrap().status(), 303);
    assert_eq!(member.post(format!("{meeting}/decisions")).form(&good).send().await.unwrap().status(), 422, "sent twice, recorded once");
    let page = text(&member, meeting.clone()).await.1;
    assert!(page.contains("ROCHEBLANCHE Aurore") && page.contains("Orientation vers le PRE"), "members read it");
    let export: serde_json::Value = member.get(g(&format!("/situations/{case}/export.json"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(export["decisions"][0]["reunion"], "2026-11-20", "the person's export holds the decisions about them");
    assert_eq!(export["decisions"][0]["precision"], "Orientation vers le PRE, rendez-vous avec la famille.");

    // What leaves the group: no person, no decision's words, no member's name.
    let nominative = ["Rocheblanche", "ROCHEBLANCHE", "Aurore", "rendez-vous avec la famille", "Invitée", "Compte partner"];
    let releve = format!("{meeting}/releve");
    for role in [Role::Reader, Role::Coordinator, Role::Administrator, Role::Dpo, Role::Partner] {
        // The member, enrolled, logs in with its code: its own session serves.
        let c = if role == Role::Partner { member.clone() } else { app.login(email_for(role)).await };
        for url in [releve.clone(), g("/tableau-de-bord")] {
            let (status, page) = text(&c, url.clone()).await;
            assert_eq!(status, 200, "{role:?} {url}");
            // The page's content: the menu names the user who is logged in.
            let page = page.split("<main").nth(1).unwrap();
            for word in nominative {
                assert!(!page.contains(word), "{word} on {url} for {role:?}");
            }
        }
    }
    let page = text(&admin, releve).await.1;
    assert!(page.contains("Orientation vers un dispositif") && page.contains("&#60;\u{a0}5"), "{page}");
    assert!(!page.contains("Pédopsychiatre") && !page.contains("Salle du conseil"), "nothing typed leaves the group");
    assert!(page.contains("SPIP d&#39;essai"), "institutions present are named");
    // Destroying the situation takes the decision's words with it; the decision is still counted.
    app.store.destroy_case(&by, case).await.unwrap();
    let left = common::raw_sql(
        b,
        &app.db.url,
        "SELECT COALESCE(text, 'vide') || '/' || COALESCE(CAST(case_id AS TEXT), 'aucune') FROM meeting_decisions",
    )
    .await;
    assert_eq!(left.as_deref(), Some("vide/aucune"));
}

/// Key rotation: after `keys add`, every sealed column is sealed again under the new key, in
/// batches; the old key can then leave the file, and everything still opens.
async fn rotation_reseals_every_sealed_column(b: Backend) {
    let app = start(b).await;
    let by = Author::system();
    let (group, partner_id, member) = group_with_member(&app, "cve").await;
    let g = |p: &str| app.url(&format!("/groupes/{group}{p}"));
    let birth = birth_years_ago(12);
    let mut form = situation("Tournesol", "Iris", &birth);
    form.retain(|(k, _)| *k != "judicial");
    form.push(("judicial", "Mesure éducative en cours"));
    for i in 0..3 {
        let surname = format!("Tournesol{i}");
        let mut f = form.clone();
        f[0] = ("surname", surname.as_str());
        let (status, location, _) = post(&member, g("/situations"), &f).await;
        assert_eq!(status, 303);
        post(
            &member,
            format!("{}/actions", app.url(&location)),
            &[("kind", "entretien"), ("started_on", "2026-10-01"), ("result", "atteint"), ("note", "Note scellée")],
        )
        .await;
    }
    let (_, meeting, _) = post(&member, g("/reunions"), &[("held_on", "2026-11-20"), ("place", "Salle")]).await;
    let case = app.store.cases(group, false, 1, 0).await.unwrap()[0].id.to_string();
    let lead = partner_id.to_string();
    let decision = [("case_id", case.as_str()), ("kind", "veille"), ("text", "Texte scellé"), ("lead_id", lead.as_str())];
    assert_eq!(post(&member, app.url(&format!("{meeting}/decisions")), &decision).await.0, 303);

    // A placement's reference is sealed too (the store does not ask the group's kind).
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let placement = maillage_core::community_service::PlacementDraft {
        reference: "SPIP-0001".into(),
        referrer: "spip".into(),
        measure: "tig".into(),
        sex: "F".into(),
        age_band: "26_plus".into(),
        decided_on: Some(today),
        hours_ordered: Some(20),
        ..Default::default()
    };
    maillage_app::community_service::create_placement(&app.state, &by, group, &placement).await.unwrap();

    let key_file = app.db.dir.join("maillage.key");
    maillage_app::keyring::Keyring::add_key(&key_file).unwrap();
    let config = maillage_app::AppConfig { key_file: Some(key_file.clone()), data_dir: app.db.dir.clone(), ..Default::default() };
    let rotated = maillage_app::App::new(app.store.clone(), &config).await.unwrap();
    let mut seen = Vec::new();
    let n = maillage_app::keyring::rotate(&rotated, &by, 2, &mut |n| seen.push(n)).await.unwrap();
    assert_eq!(n, 1 + 3 + 3 + 3 + 1 + 1, "a second factor, three identities, judicial measures and notes, a decision, a placement");
    assert!(seen.len() >= 5, "in batches: {seen:?}");
    for (table, column) in maillage_store::sealed::SEALED_COLUMNS {
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table} WHERE {column} LIKE 'k1:%'");
        assert_eq!(common::raw_sql(b, &app.db.url, sql).await.as_deref(), Some("0"), "{table}.{column}");
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table} WHERE {column} LIKE 'k2:%'");
        assert_ne!(common::raw_sql(b, &app.db.url, sql).await.as_deref(), Some("0"), "{table}.{column} is filled by this test");
    }
    // Without the old key, the application starts and reads everything.
    let text = std::fs::read_to_string(&key_file).unwrap();
    std::fs::write(&key_file, text.lines().filter(|l| !l.starts_with("key k1")).collect::<Vec<_>>().join("\n")).unwrap();
    let after = maillage_app::App::new(app.store.clone(), &config).await.unwrap();
    let record = app.store.cases(group, false, 1, 0).await.unwrap().remove(0);
    let view = maillage_app::working_group::open_case(&after, record).unwrap();
    assert!(view.identity.surname.starts_with("Tournesol") && view.judicial.as_deref() == Some("Mesure éducative en cours"));
    assert_eq!(maillage_app::keyring::rotate(&after, &by, 100, &mut |_| {}).await.unwrap(), 0, "nothing left to rotate");
}

/// The person's rights: everything held exported (and the export logged), the identity
/// rectified with a reason from the list (found again under its new name), the situation
/// erased. Separation of duties: an administrator cannot give himself a role nor slip into a
/// member's place unnoticed; refused attempts are in the journal.
async fn person_rights_and_separation_of_duties(b: Backend) {
    let app = start(b).await;
    let (group, partner_id, member) = group_with_member(&app, "cve").await;
    let g = |p: &str| app.url(&format!("/groupes/{group}{p}"));
    let birth = birth_years_ago(15);
    let (_, location, _) = post(&member, g("/situations"), &situation("Bellerive", "Nour", &birth)).await;
    let case_url = app.url(&location);
    // The list's counts are kept ahead with every change, and always equal the rows'.
    let list = text(&member, g("/situations")).await.1;
    assert!(list.contains("En cours (1)") && list.contains("Archives (0)") && list.contains("1 situation(s) dont la personne"), "{list}");
    counts_agree(&app, group, (1, 0, 1)).await;
    assert_eq!(post(&member, format!("{case_url}/information"), &[("informed_on", "2026-10-02"), ("means", "courrier")]).await.0, 303);
    counts_agree(&app, group, (1, 0, 0)).await;
    assert!(!text(&member, g("/situations")).await.1.contains("dont la personne"));
    post(
        &member,
        format!("{case_url}/actions"),
        &[("kind", "mediation"), ("started_on", "2026-10-01"), ("result", "partiel"), ("note", "Médiation au collège.")],
    )
    .await;
    let r = member.get(format!("{case_url}/export.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json["identite"]["nom"], "Bellerive");
    assert_eq!(json["actions"][0]["note"], "Médiation au collège.");
    // The same, as a document to hand to the person: ODT, in French, dates dd/mm/yyyy.
    let content = common::odt_content(&member, format!("{case_url}/export.odt")).await;
    assert!(content.contains(">Bellerive<") && content.contains("Médiation au collège.") && content.contains(">01/10/2026<"), "{content}");
    assert!(content.contains(r#"text:outline-level="1""#) && content.contains("<table:table-header-rows>"), "headings and table headers");
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.export".into()), ..Default::default() };
    let exports = app.store.audit_entries(&filter, 10, 0).await.unwrap();
    assert_eq!(exports.len(), 2, "each export is logged");
    assert!(exports.iter().any(|e| e.detail == "odt") && exports.iter().any(|e| e.detail == "json"));

    let mut rectified = vec![
        ("surname", "Belle-Rive"),
        ("first_name", "Nour"),
        ("sex", "F"),
        ("birth_date", birth.as_str()),
        ("school_or_job", "lycee"),
        ("reason", "libre"),
    ];
    let (status, _, page) = post(&member, format!("{case_url}/rectification"), &rectified).await;
    assert_eq!(status, 422);
    assert!(common::marked(&page, "r-reason"));
    rectified.pop();
    rectified.push(("reason", "rectification"));
    assert_eq!(post(&member, format!("{case_url}/rectification"), &rectified).await.0, 303);
    assert!(text(&member, case_url.clone()).await.1.contains("BELLE-RIVE Nour"));
    let (_, _, page) =
        post(&member, g("/situations/recherche"), &[("surname", "belle rive"), ("first_name", "nour"), ("birth_date", &birth)]).await;
    assert!(page.contains(&format!("href=\"{location}\"")), "found under the new name, whatever the hyphen");

    assert_eq!(post(&member, format!("{case_url}/effacement"), &[("reason", "erreur")]).await.0, 422, "confirmed first");
    assert_eq!(post(&member, format!("{case_url}/effacement"), &[("reason", "erreur"), ("confirm", "oui")]).await.0, 303);
    assert_eq!(text(&member, case_url.clone()).await.0, 404);
    counts_agree(&app, group, (0, 0, 0)).await;
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.erase".into()), ..Default::default() };
    assert_eq!(app.store.audit_entries(&filter, 10, 0).await.unwrap()[0].detail, "Donnée inexacte ou enregistrée par erreur");

    // An administrator who gives himself the coordinator's role: refused; another one who holds
    // both roles is no member anyway.
    let admin = app.login(email_for(Role::Administrator)).await;
    let admin_id = user_id(&app, email_for(Role::Administrator)).await;
    let r = admin
        .post(app.url(&format!("/admin/comptes/{admin_id}/roles")))
        .body("role=administrator&role=coordinator")
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Resetting a member's password suspends its access and tells the DPO and the member.
    let (status, _, _) =
        post(&admin, app.url(&format!("/admin/comptes/{partner_id}/mot-de-passe")), &[("password", "Repris-Par-Admin-2026!x")]).await;
    assert_eq!(status, 200);
    assert_eq!(text(&member, g("/situations")).await.0, 303, "the member's sessions ended with the reset");
    let standing = app.store.standing(group, partner_id).await.unwrap().unwrap();
    assert_eq!(standing.accepted, None, "the charter must be accepted again");
    let mails = app.store.due_mail(100).await.unwrap();
    let told: Vec<&str> = mails.iter().filter(|m| m.subject.contains("suspendu")).map(|m| m.recipient.as_str()).collect();
    assert!(told.contains(&email_for(Role::Dpo)) && told.contains(&email_for(Role::Partner)), "{told:?}");
    // Refused attempts are in the journal.
    let reader = app.login(email_for(Role::Reader)).await;
    assert_eq!(text(&reader, g("/situations")).await.0, 403);
    let filter = maillage_store::audit::AuditFilter { operation: Some("case.refused".into()), ..Default::default() };
    let refused = app.store.audit_entries(&filter, 10, 0).await.unwrap();
    assert!(refused.iter().any(|e| e.actor_label == email_for(Role::Reader)), "{refused:?}");
}

/// The collective information is public; the register entry is generated for the DPO; the
/// yearly report counts without naming anyone.
async fn notice_register_and_yearly_report(b: Backend) {
    let app = start(b).await;
    let (group, _, member) = group_with_member(&app, "cve").await;
    post(&member, app.url(&format!("/groupes/{group}/situations")), &situation("Lachaume", "Ambre", "2013-02-03")).await;
    let (status, page) = text(&app.client(), app.url("/information-groupes-de-travail")).await;
    assert_eq!(status, 200, "public, no login");
    assert!(page.contains("CVE d&#39;essai") && page.contains("25<sup>e</sup> anniversaire") && !page.contains("Lachaume"));
    let dpo = app.login(email_for(Role::Dpo)).await;
    let (status, page) = text(&dpo, app.url("/groupes/registre")).await;
    assert_eq!(status, 200);
    assert!(page.contains("SPIP d&#39;essai") && page.contains("XChaCha20-Poly1305") && page.contains("30 situations en 15 minutes"));
    let reader = app.login(email_for(Role::Reader)).await;
    assert_eq!(text(&reader, app.url("/groupes/registre")).await.0, 403);
    let (status, page) = text(&reader, app.url(&format!("/groupes/{group}/bilan"))).await;
    assert_eq!(status, 200);
    let page = page.split("<main").nth(1).unwrap();
    assert!(page.contains("Suivis ouverts</dt><dd>&#60;\u{a0}5") && !page.contains("Lachaume") && !page.contains("LACHAUME"), "{page}");
    assert_eq!(text(&reader, app.url(&format!("/groupes/{group}/bilan?annee=abc"))).await.0, 400);
}

backend_tests!(
    notice_register_and_yearly_report,
    person_rights_and_separation_of_duties,
    rotation_reseals_every_sealed_column,
    meetings_and_conclusions_name_nobody,
    only_members_in_good_standing_read_situations,
    bad_situations_are_refused_whole,
    sealed_archived_and_destroyed_on_their_day,
    many_reads_alert_the_dpo,
);
