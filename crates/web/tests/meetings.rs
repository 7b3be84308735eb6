//! The CLSPD's meetings (issue 13), as the coordinator and partners meet them: a body is named,
//! a meeting planned with its agenda serving the strategy's sheets (one in the past refused), a
//! stale change comes back as typed; once held, its attendance and minutes are recorded under
//! charter art. 5's reminder, three decisions taken there reach the conclusions' dashboard, and
//! the minutes download as ODT and PDF; a cancelled meeting takes no decision.
#![cfg(test)]

mod common;

use common::member::{post, text};
use common::{Backend, LANDLORD_AGENT, POLICE_AGENT, SmtpServer, city, email_for};
use icalendar::{Component, EventLike};
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
    let (status, _, _) =
        post(&coordinator, app.url("/reunions/instances"), &[("kind", "pleniere"), ("name", "seance  pleniere du clspd")]).await;
    assert_eq!(status, 422, "the same name but for case, accents and spaces");
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
    let mut nine = plan(&start, &first);
    nine.push(("point_9", "Un point de trop".into()));
    assert_eq!(coordinator.post(new.clone()).form(&nine).send().await.unwrap().status(), 422, "past the form's last line");
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
    // Nor decisions.
    let (status, _, page) =
        post(&coordinator, app.url(&format!("/reunions/{id}/decisions")), &[("sheet", &first), ("text", "Trop tôt"), ("owner", "Ville")])
            .await;
    assert_eq!(status, 422);
    assert!(page.contains("pas encore eu lieu"), "{page}");

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
    // Counted for the indicators: the meetings held, the professionals present.
    let year = time_fmt::paris_date(time_fmt::now()).year();
    let mut ind = maillage_app::indicator::indicators(&app.state).await.unwrap().into_iter().next().unwrap();
    ind.indicator.breakdowns.clear();
    let today = time_fmt::paris_date(time_fmt::now());
    for (source, expected) in
        [(maillage_core::indicator::Source::CouncilMeetings, 1), (maillage_core::indicator::Source::MeetingProfessionals, 14)]
    {
        ind.indicator.source = source;
        let f =
            maillage_app::indicator::figure(&app.state, &ind, maillage_core::indicator::period::Period::Year(year), today).await.unwrap();
        assert_eq!(f.total, expected, "{source:?}");
    }

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
    let before = (time_fmt::paris_date(time_fmt::now()) - time::Duration::days(30)).to_string();
    let (status, _, page) = post(
        &coordinator,
        format!("{url}/decisions"),
        &[("sheet", &first), ("text", "En retard d'emblée"), ("owner", "Ville"), ("due_on", &before)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("L&#39;échéance vient après la réunion"), "{page}");
    let off = sheets.iter().map(|s| s.code.clone()).find(|c| *c != first && *c != second).unwrap();
    let (status, _, page) =
        post(&coordinator, format!("{url}/decisions"), &[("sheet", &off), ("text", "Hors ordre du jour"), ("owner", "Ville")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("Choisissez une fiche de l&#39;ordre du jour"), "{page}");
    let decisions = maillage_app::meeting::decisions(&app.state, &m).await.unwrap();
    assert_eq!(decisions.len(), 3);
    // On the conclusions' dashboard: counted for their sheet, and linked to their meeting.
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

/// The iCalendar object of a received message: its `text/calendar` part, decoded.
fn calendar_of(message: &str) -> (String, String, icalendar::Calendar) {
    let message = message.replace("\r\n", "\n");
    let part = message.split("Content-Type: text/calendar").nth(1).expect("a text/calendar part");
    let (headers, rest) = part.split_once("\n\n").unwrap();
    let body = rest.split("\n--").next().unwrap();
    let text = if headers.contains("base64") {
        let joined: String = body.lines().collect();
        String::from_utf8(base64_decode(&joined)).unwrap()
    } else if headers.contains("quoted-printable") {
        String::from_utf8(quoted_printable::decode(body, quoted_printable::ParseMode::Robust).unwrap()).unwrap()
    } else {
        body.to_string()
    };
    let calendar = text.parse().unwrap();
    (format!("Content-Type: text/calendar{headers}"), text, calendar)
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| acc | (u32::from(value(*c)) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    out
}

/// The invitation reaches a real SMTP server with a calendar a library reads; a reply is
/// recorded; a change and a cancellation follow with the same UID and a higher SEQUENCE.
async fn invitations_reach_calendars_and_follow_the_meeting(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let smtp = SmtpServer::start(&app.db.dir);
    let mailer = smtp.mailer();
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let code = app.store.sheet_choices().await.unwrap()[0].code.clone();
    assert_eq!(post(&coordinator, app.url("/reunions/instances"), &[("kind", "pleniere"), ("name", "Séance plénière")]).await.0, 303);
    let body_id = app.store.bodies().await.unwrap()[0].id.to_string();
    let start = time_fmt::local_field(time_fmt::now() + time::Duration::days(30));
    let plan = vec![
        ("body_id", body_id.clone()),
        ("starts_at", start.clone()),
        ("place", "Salle du conseil".to_string()),
        ("point_1", "Bilan de la stratégie".to_string()),
        ("fiche_1", code.clone()),
    ];
    let r = coordinator.post(app.url("/reunions/nouvelle")).form(&plan).send().await.unwrap();
    let id: i64 = r.headers()["location"].to_str().unwrap().trim_start_matches("/reunions/").split('?').next().unwrap().parse().unwrap();
    let url = app.url(&format!("/reunions/{id}"));

    // An account whose address the mail server refuses.
    let hash = maillage_core::account::password::hash(common::PASSWORD).unwrap();
    let refused = maillage_store::account::NewUser {
        email: "refuse@police.example".into(),
        display_name: "Adresse refusée".into(),
        organisation_id: Some(city.police),
        roles: vec![Role::Partner],
        password_hash: hash,
    };
    app.store.create_user(&maillage_store::Author::system(), &refused).await.unwrap();

    // Two organisations invited: their partners' accounts, by e-mail with the calendar object.
    let invite = [("organisation", city.police.to_string()), ("organisation", city.landlord.to_string())];
    let r = coordinator.post(format!("{url}/invitations")).form(&invite).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().contains("fait=invitations-3"));
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 2, "the refused address is not sent");
    let page = text(&coordinator, url.clone()).await.1;
    assert!(
        page.contains("Courriel refusé par le serveur") && page.contains("Adresse inconnue"),
        "recorded against the invitation: {page}"
    );
    let messages = smtp.messages();
    let police = messages.iter().find(|m| m.contains(&format!("To: {POLICE_AGENT}"))).expect("the police's invitation");
    assert!(police.contains("Subject: Invitation"), "{police}");
    let (headers, ics, calendar) = calendar_of(police);
    assert!(headers.contains("method=REQUEST"), "{headers}");
    assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
    let event = calendar.components.iter().find_map(|c| c.as_event()).unwrap();
    let uid = event.get_uid().unwrap().to_string();
    assert!(uid.starts_with(&format!("reunion-{id}@")), "{uid}");
    assert_eq!(
        (event.get_sequence(), event.get_summary(), event.get_location()),
        (Some(0), Some("Séance plénière"), Some("Salle du conseil"))
    );
    assert!(
        ics.contains(&format!("ATTENDEE:mailto:{POLICE_AGENT}")) && ics.contains("ORGANIZER:mailto:coordination@test.example"),
        "{ics}"
    );
    assert!(event.get_start().is_some() && event.get_end().is_some());
    // Again: nobody is invited twice.
    let r = coordinator.post(format!("{url}/invitations")).form(&invite).send().await.unwrap();
    assert!(r.headers()["location"].to_str().unwrap().contains("fait=invitations-0"));
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 0);

    // The invited reply; someone not invited cannot.
    let agent = app.login(POLICE_AGENT).await;
    assert!(text(&agent, url.clone()).await.1.contains("Vous êtes invité(e)"));
    assert_eq!(post(&agent, format!("{url}/reponse"), &[("reponse", "oui")]).await.0, 303);
    assert!(text(&coordinator, url.clone()).await.1.contains(r#"<td data-label="Réponse">Vient</td>"#));
    assert_eq!(post(&app.login(email_for(Role::Reader)).await, format!("{url}/reponse"), &[("reponse", "oui")]).await.0, 403);
    assert_eq!(post(&agent, format!("{url}/reponse"), &[("reponse", "peut-etre")]).await.0, 400);

    // A change reaches them as an update: same UID, next SEQUENCE.
    let m = app.store.council_meeting(id).await.unwrap().unwrap();
    let mut moved = plan.clone();
    moved.iter_mut().find(|f| f.0 == "place").unwrap().1 = "Hôtel de ville".into();
    moved.push(("version", m.version.to_string()));
    assert_eq!(coordinator.post(format!("{url}/modification")).form(&moved).send().await.unwrap().status(), 303);
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 2);
    let messages = smtp.messages();
    let update = messages
        .iter()
        .filter(|m| m.contains(&format!("To: {LANDLORD_AGENT}")))
        .find(|m| calendar_of(m).1.contains("SEQUENCE:1"))
        .expect("the landlord's update");
    let (_, _, calendar) = calendar_of(update);
    let event = calendar.components.iter().find_map(|c| c.as_event()).unwrap();
    assert_eq!((event.get_uid(), event.get_sequence(), event.get_location()), (Some(uid.as_str()), Some(1), Some("Hôtel de ville")));

    // A cancellation: METHOD:CANCEL, the event cancelled, the sequence raised again.
    let version = app.store.council_meeting(id).await.unwrap().unwrap().version.to_string();
    assert_eq!(post(&coordinator, format!("{url}/annulation"), &[("version", &version)]).await.0, 303);
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 2);
    let messages = smtp.messages();
    let cancels: Vec<&String> = messages.iter().filter(|m| m.contains("method=CANCEL")).collect();
    assert_eq!(cancels.len(), 2);
    let (_, _, calendar) = calendar_of(cancels[0]);
    assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
    let event = calendar.components.iter().find_map(|c| c.as_event()).unwrap();
    assert_eq!((event.get_uid(), event.get_sequence()), (Some(uid.as_str()), Some(2)));
    assert_eq!(event.property_value("STATUS"), Some("CANCELLED"));
    // Nobody is invited to a cancelled meeting, nor to one past.
    let r = coordinator.post(format!("{url}/invitations")).form(&invite).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let past = MeetingDraft {
        body_id: Some(body_id.parse().unwrap()),
        starts_at: Some(time_fmt::now() - time::Duration::days(2)),
        ends_at: None,
        place: "Salle".into(),
        agenda: vec![AgendaItem { title: "Point".into(), sheet_code: None }],
    };
    let past_id = app.store.create_council_meeting(&maillage_store::Author::system(), &past).await.unwrap();
    let r = coordinator.post(app.url(&format!("/reunions/{past_id}/invitations"))).form(&invite).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("La réunion est passée"));
    assert_eq!(mailer.send_due(&app.store).await.unwrap(), 0);
}

/// Sends a document to a meeting as its form does; gives the status and the page.
async fn upload(c: &reqwest::Client, url: &str, title: &str, file: &str, bytes: Vec<u8>) -> (u16, String) {
    let form = reqwest::multipart::Form::new()
        .text("titre", title.to_string())
        .part("fichier", reqwest::multipart::Part::bytes(bytes).file_name(file.to_string()));
    let r = c.post(format!("{url}/documents")).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// An office document of one paragraph.
fn odt(text: &str) -> Vec<u8> {
    let doc = maillage_core::document::Document { title: "Document".into(), blocks: vec![maillage_core::document::Block::paragraph(text)] };
    maillage_office::odt::write(&doc).unwrap()
}

/// Charter art. 5: a person a working group follows is named in no document, minutes or
/// decision of the CLSPD's meetings. The check finds the name whatever its order, case and
/// accents, in the body or the title, refuses without saying who, keeps nothing, and records
/// the refusal; documents without names are attached, read by partners, and removed.
async fn no_followed_name_reaches_a_meeting(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let reader = app.login(email_for(Role::Reader)).await;
    let (group, partner_id, member) = common::member::group_with_member(app, "cve").await;
    let org = app.store.user(partner_id).await.unwrap().unwrap().organisation_id;
    let today = time_fmt::paris_date(time_fmt::now());
    let draft = maillage_app::working_group::Draft {
        identity: maillage_core::working_group::case::Identity {
            surname: "Dupont-Martin".into(),
            first_name: "Émilie".into(),
            sex: "F".into(),
            birth_date: (today - time::Duration::days(15 * 365)).to_string(),
            school_or_job: "college".into(),
            representatives: vec![maillage_core::working_group::case::Representative {
                surname: "Benali".into(),
                first_name: "Karim".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        opened_on: Some(today),
        origin: "education".into(),
        programme: "cve".into(),
        already_in_charge: true,
        ..Default::default()
    };
    let by = maillage_store::Author::system();
    maillage_app::working_group::create_case(&app.state, &by, (partner_id, org), group, &draft).await.unwrap();

    let body_id = app.store.create_body(&by, maillage_core::meeting::BodyKind::Plenary, "Séance plénière").await.unwrap();
    let sheet = app.store.sheet_choices().await.unwrap()[0].code.clone();
    let held = MeetingDraft {
        body_id: Some(body_id),
        starts_at: Some(time_fmt::now() - time::Duration::hours(2)),
        ends_at: None,
        place: "Salle du conseil".into(),
        agenda: vec![AgendaItem { title: "Bilan".into(), sheet_code: Some(sheet.clone()) }],
    };
    let id = app.store.create_council_meeting(&by, &held).await.unwrap();
    let url = app.url(&format!("/reunions/{id}"));
    let refusals =
        || common::raw_sql(b, &app.db.url, "SELECT CAST(COUNT(*) AS TEXT) FROM audit_log WHERE operation = 'meeting.name_refused'");
    let files = || std::fs::read_dir(app.db.dir.join("documents")).map_or(0, Iterator::count);

    // A followed person's name (or a representative's), in the body or the title, in either
    // order, hidden behind look-alike letters: refused, nothing kept.
    for (title, text) in [
        ("Bilan de la cellule", "Situations évoquées : DUPONT MARTIN Emilie, exclue du collège."),
        ("Bilan de la cellule", "Présente : émilie dupont-martin."),
        ("Suivi d'Émilie Dupont-Martin", "Rien de nominatif ici."),
        ("Bilan de la cellule", "Le père, M. Karim BENALI, est reçu."),
        ("Bilan de la cellule", "Présente : \u{415}milie Dup\u{43e}nt-Martin."),
    ] {
        let (status, page) = upload(&coordinator, &url, title, "bilan.odt", odt(text)).await;
        assert_eq!(status, 422, "{text}");
        assert!(page.contains("le nom d&#39;une personne suivie par un groupe de travail"), "{page}");
        assert!(!page.contains("Dupont-Martin") || title.contains("Dupont"), "the page does not say who: {page}");
        assert!(page.contains(&format!("value=\"{}\"", title.replace('\'', "&#39;"))), "the title comes back as typed");
    }
    assert!(app.store.meeting_documents(id).await.unwrap().is_empty());
    assert_eq!(files(), 0, "no file kept");
    assert_eq!(refusals().await.as_deref(), Some("5"), "each refusal in the audit chain");

    // Another Émilie, or the surname alone, is no followed person.
    let clean = odt("Présentation du bilan par Émilie Durand ; la famille Dupont-Martin n'est pas citée avec un prénom.");
    let (status, page) = upload(&coordinator, &url, "Bilan 2021 de la stratégie", "bilan.odt", clean.clone()).await;
    assert_eq!(status, 303, "{page}");
    // A PDF the application wrote (its own minutes) is read the same way.
    let pdf = coordinator.get(format!("{url}/releve.pdf")).send().await.unwrap().bytes().await.unwrap().to_vec();
    assert_eq!(upload(&coordinator, &url, "Relevé provisoire", "releve.pdf", pdf).await.0, 303);
    // A file whose text cannot be read is not kept.
    let (status, page) = upload(&coordinator, &url, "Notes", "notes.txt", b"Emilie Dupont-Martin".to_vec()).await;
    assert_eq!(status, 422);
    assert!(page.contains("seuls les PDF et les documents OpenDocument"), "{page}");
    let (status, page) = upload(&coordinator, &url, "Scan", "scan.pdf", b"%PDF-1.7\n%%EOF".to_vec()).await;
    assert_eq!(status, 422);
    assert!(page.contains("Document refusé : le PDF est illisible"), "{page}");
    assert_eq!(upload(&member, &url, "Bilan", "bilan.odt", clean.clone()).await.0, 403, "only the coordinator attaches");
    assert_eq!(files(), 2);

    // Listed, and read by those who read the meetings, as sent.
    let docs = app.store.meeting_documents(id).await.unwrap();
    assert_eq!(docs.iter().map(|d| d.kind.code()).collect::<Vec<_>>(), ["odt", "pdf"]);
    let page = text(&reader, url.clone()).await.1;
    assert!(page.contains(&format!("href=\"/reunions/{id}/documents/{}\">Bilan 2021 de la stratégie</a>", docs[0].id)), "{page}");
    assert!(!page.contains("Joindre le document"), "the reader does not attach");
    let r = reader.get(format!("{url}/documents/{}", docs[0].id)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.text");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.bytes().await.unwrap().to_vec(), clean);
    let other = app.store.create_council_meeting(&by, &held).await.unwrap();
    let r = reader.get(app.url(&format!("/reunions/{other}/documents/{}", docs[0].id))).send().await.unwrap();
    assert_eq!(r.status(), 404, "a document is read through its own meeting");

    // Minutes and decisions are checked as the documents are.
    let version = app.store.council_meeting(id).await.unwrap().unwrap().version.to_string();
    let (status, _, page) = post(
        &coordinator,
        format!("{url}/releve"),
        &[("minutes", "La situation de Mme DUPONT-MARTIN Émilie est évoquée."), ("professionals", "9"), ("version", &version)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Le relevé de conclusions : il semble contenir le nom") && page.contains("Mme DUPONT-MARTIN"),
        "as typed: {page}"
    );
    assert_eq!(app.store.council_meeting(id).await.unwrap().unwrap().minutes, "", "nothing recorded");
    let (status, _, page) =
        post(&coordinator, format!("{url}/decisions"), &[("sheet", &sheet), ("text", "Orienter Émilie Dupont-Martin"), ("owner", "Ville")])
            .await;
    assert_eq!(status, 422);
    assert!(page.contains("La décision : il semble contenir le nom"), "{page}");
    assert_eq!(refusals().await.as_deref(), Some("7"));

    // Situations written before the check existed get their name hashes at start-up.
    common::raw_sql(b, &app.db.url, "UPDATE cases SET name_hashes = NULL").await;
    assert_eq!(maillage_app::working_group::names::fill_name_hashes(&app.state).await.unwrap(), 1);
    assert_eq!(upload(&coordinator, &url, "Bilan", "bilan.odt", odt("Karim Benali")).await.0, 422);

    // Asked name after name, the check would tell who is followed: at the tenth refusal in a
    // day the DPO is told, and the account's texts are no longer checked, hence refused.
    for _ in 0..2 {
        assert_eq!(upload(&coordinator, &url, "Bilan", "bilan.odt", odt("Émilie Dupont-Martin")).await.0, 422);
    }
    let dpo_mail =
        "SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE recipient = 'dpo@test.example' AND subject LIKE '%noms de personnes suivies%'";
    assert_eq!(common::raw_sql(b, &app.db.url, dpo_mail).await.as_deref(), Some("1"));
    let (status, page) = upload(&coordinator, &url, "Budget", "budget.odt", odt("Budget de l'année.")).await;
    assert_eq!(status, 422);
    assert!(page.contains("la vérification est suspendue pour votre compte"), "{page}");
    assert_eq!(refusals().await.as_deref(), Some("10"), "a text not checked is not a refusal for a name");

    // Removed by the coordinator: its row and its file.
    assert_eq!(post(&member, format!("{url}/documents/{}/suppression", docs[0].id), &[]).await.0, 403);
    assert_eq!(post(&coordinator, format!("{url}/documents/{}/suppression", docs[0].id), &[]).await.0, 303);
    assert_eq!(app.store.meeting_documents(id).await.unwrap().len(), 1);
    assert_eq!(files(), 1);
    assert_eq!(reader.get(format!("{url}/documents/{}", docs[0].id)).send().await.unwrap().status(), 404);
}

backend_tests!(
    a_plenary_is_planned_held_and_its_decisions_followed,
    invitations_reach_calendars_and_follow_the_meeting,
    no_followed_name_reaches_a_meeting
);
