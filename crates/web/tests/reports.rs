//! Reports: routing, visibility per organisation, workflow, duplicates, overdue figures,
//! exports, photos, anonymisation and e-mail, on both backends, through the real router.
#![cfg(test)]

mod common;

use common::decoded;

use common::{Backend, City, IN_ESTATE, LANDLORD_AGENT, OTHER_AGENT, OUTSIDE, POLICE_AGENT, SOUTH, SmtpServer, city, email_for, marked};
use maillage_core::authz::{ReportScope, Role};
use maillage_core::report::State;
use maillage_store::Author;
use maillage_store::report::{ReportFilter, ReportSort};

/// The text appears in the page with its markup escaped (askama writes `&#60;` or `&lt;`).
fn escaped_in(page: &str, text: &str) -> bool {
    let a = text.replace('<', "&lt;").replace('>', "&gt;");
    let b = text.replace('<', "&#60;").replace('>', "&#62;");
    page.contains(&a) || page.contains(&b)
}

async fn count(city: &City) -> usize {
    city.app.store.reports(&ReportFilter::new(ReportScope::All), ReportSort::NewestFirst, 1000, 0).await.unwrap().len()
}

async fn routing_and_visibility(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let r = city.app.store.report(id).await.unwrap().unwrap();
    assert_eq!(r.organisation_id, Some(city.landlord), "routed to the landlord whose estate holds the point");
    assert_eq!(r.district_id, Some(city.north));
    assert_eq!(r.state, State::Transmitted);
    assert!(r.due_at.is_some());
    let parts = city.app.store.involvements(id).await.unwrap();
    assert!(
        parts.iter().any(|p| p.organisation_id == city.police && p.part == maillage_core::report::Part::Involved),
        "the rule also involves the police"
    );

    // The police sees it, in its list and on its page; another organisation does not.
    let police = city.app.login(POLICE_AGENT).await;
    assert_eq!(police.get(city.app.url(&format!("/signalements/{id}"))).send().await.unwrap().status(), 200);
    let list = police.get(city.app.url("/signalements")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("href=\"/signalements/{id}\"")));
    let other = city.app.login(OTHER_AGENT).await;
    let refused = other.get(city.app.url(&format!("/signalements/{id}"))).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    // The refusal says why in plain French, once, inside the user's own menu.
    let page = refused.text().await.unwrap();
    assert!(page.contains("ne concerne pas votre organisation") && !page.contains("rôle"), "{page}");
    assert_eq!(page.matches("ne concerne pas votre organisation").count(), 1, "the message once");
    assert!(page.contains("Se déconnecter") || page.contains("deconnexion"), "the menu of a logged-in user");
    let list = other.get(city.app.url("/signalements")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&format!("href=\"/signalements/{id}\"")));
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    assert_eq!(coord.get(city.app.url(&format!("/signalements/{id}"))).send().await.unwrap().status(), 200);

    // The same category outside the estate matches no rule: the coordinator triages it.
    let cat = city.category("depot-sauvage").await.to_string();
    let r = city
        .post_report(
            &other,
            &[
                ("categorie", &cat),
                ("description", "Gravats"),
                ("lat", SOUTH.0),
                ("lon", SOUTH.1),
                ("q_nature", "gravats"),
                ("confirmer", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let triage = coord.get(city.app.url("/signalements?a_trier=1")).send().await.unwrap().text().await.unwrap();
    assert!(triage.contains("à trier"));
    assert_eq!(count(&city).await, 2);
    // A vehicle anywhere goes to the police.
    let cat = city.category("stationnement-genant").await.to_string();
    city.post_report(
        &other,
        &[("categorie", &cat), ("description", "Voiture sur le trottoir"), ("lat", SOUTH.0), ("lon", SOUTH.1), ("confirmer", "1")],
    )
    .await;
    let mut f = ReportFilter::new(ReportScope::Organisation(city.police));
    f.category_ids = vec![cat.parse().unwrap()];
    assert_eq!(city.app.store.reports(&f, ReportSort::NewestFirst, 10, 0).await.unwrap().len(), 1);
}

async fn workflow(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let police = city.app.login(POLICE_AGENT).await;
    let url = |p: &str| city.app.url(&format!("/signalements/{id}{p}"));
    // The police takes its part: the report is now handled.
    assert_eq!(police.post(url("/part")).form(&[("x", "")]).send().await.unwrap().status(), 303);
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().state, State::InProgress);
    let parts = city.app.store.involvements(id).await.unwrap();
    assert!(parts.iter().any(|p| p.organisation_id == city.police && p.taken_at.is_some()));
    // Closing without a reason is refused and changes nothing.
    let r = police.post(url("/etat")).form(&[("etat", "closed_without_action")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("motif"));
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().state, State::InProgress);
    // A duplicate of itself, of a report that does not exist, a redirection to nowhere: refused.
    for form in [
        [("etat", "duplicate"), ("original", &id.to_string()[..])],
        [("etat", "duplicate"), ("original", "999999")],
        [("etat", "redirected"), ("organisation", "999999")],
    ] {
        let r = police.post(url("/etat")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{form:?}");
    }
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().state, State::InProgress);
    // Resolved, then reopened.
    assert_eq!(police.post(url("/etat")).form(&[("etat", "resolved"), ("note", "Enlevé ce matin")]).send().await.unwrap().status(), 303);
    let r = city.app.store.report(id).await.unwrap().unwrap();
    assert_eq!((r.state, r.closed_at.is_some(), r.status_notes.as_str()), (State::Resolved, true, "Enlevé ce matin"));
    assert_eq!(
        police.post(url("/etat")).form(&[("etat", "in_progress")]).send().await.unwrap().status(),
        422,
        "a closed report can only be reopened"
    );
    assert_eq!(police.post(url("/etat")).form(&[("etat", "transmitted")]).send().await.unwrap().status(), 303);
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().closed_at, None);
    // Redirected to the other organisation, which becomes in charge.
    assert_eq!(
        police.post(url("/etat")).form(&[("etat", "redirected"), ("organisation", &city.other.to_string())]).send().await.unwrap().status(),
        303
    );
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().organisation_id, Some(city.other));
    // Comments: internal ones stay within the organisation.
    police.post(url("/commentaires")).form(&[("texte", "Note interne police"), ("interne", "1")]).send().await.unwrap();
    police.post(url("/commentaires")).form(&[("texte", "Passage prévu <b>jeudi</b>")]).send().await.unwrap();
    let seen_by_landlord = landlord.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(!seen_by_landlord.contains("Note interne police"));
    assert!(escaped_in(&seen_by_landlord, "Passage prévu <b>jeudi</b>"), "text is shown escaped");
    let seen_by_police = police.get(url("")).send().await.unwrap().text().await.unwrap();
    assert!(seen_by_police.contains("Note interne police"));
    // The history names people as they are known, never by their e-mail address, and comes
    // before the forms that add to it.
    assert!(seen_by_landlord.contains("Paul Agent (Police municipale d") && !seen_by_landlord.contains(POLICE_AGENT), "{seen_by_landlord}");
    let (history, act) = (seen_by_police.find("<h2>Historique</h2>").unwrap(), seen_by_police.find("<h2>Agir</h2>").unwrap());
    assert!(history < act);
    // The history keeps every change with its author.
    let events = city.app.store.report_events(id, Some(city.police)).await.unwrap();
    let states: Vec<_> = events.iter().filter_map(|e| e.kind.state()).collect();
    assert_eq!(states, [State::Transmitted, State::InProgress, State::Resolved, State::Transmitted, State::Redirected]);
    assert!(events.iter().all(|e| !e.author_name.is_empty()));
}

async fn bad_input_writes_nothing(b: Backend) {
    let city = city(b).await;
    let c = city.app.login(LANDLORD_AGENT).await;
    let cat = city.category("depot-sauvage").await.to_string();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("categorie", &cat), ("description", "x"), ("lat", OUTSIDE.0), ("lon", OUTSIDE.1), ("q_nature", "gravats")],
            "hors du territoire",
        ),
        (vec![("categorie", &cat), ("description", "x"), ("lat", "123"), ("lon", "2.3"), ("q_nature", "gravats")], "hors limites"),
        (vec![("categorie", &cat), ("description", "x"), ("lat", "abc"), ("lon", "2.3"), ("q_nature", "gravats")], "nombres"),
        (vec![("categorie", "999999"), ("description", "x"), ("lat", IN_ESTATE.0), ("lon", IN_ESTATE.1)], "catégorie"),
        (vec![("categorie", &cat), ("description", "x"), ("lat", IN_ESTATE.0), ("lon", IN_ESTATE.1)], "obligatoire"),
        (
            vec![("categorie", &cat), ("description", "x"), ("lat", IN_ESTATE.0), ("lon", IN_ESTATE.1), ("q_nature", "piano")],
            "choix inconnu",
        ),
        (vec![("categorie", &cat), ("description", ""), ("lat", IN_ESTATE.0), ("lon", IN_ESTATE.1), ("q_nature", "gravats")], "Décrivez"),
    ];
    for (fields, message) in cases {
        let r = city.post_report(&c, &fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{message} in the page for {fields:?}");
    }
    assert_eq!(count(&city).await, 0);
    // HTML is kept as text and shown escaped.
    let id = {
        let r = city
            .post_report(
                &c,
                &[
                    ("categorie", &cat),
                    ("description", "<script>alert(1)</script>"),
                    ("lat", IN_ESTATE.0),
                    ("lon", IN_ESTATE.1),
                    ("q_nature", "gravats"),
                    ("confirmer", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        city.app.store.reports(&ReportFilter::new(ReportScope::All), ReportSort::NewestFirst, 1, 0).await.unwrap()[0].id
    };
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().description, "<script>alert(1)</script>");
    let page = c.get(city.app.url(&format!("/signalements/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<script>alert"), "escaped");
    assert!(escaped_in(&page, "<script>alert(1)</script>"));
}

async fn duplicates_are_offered_and_the_map_places_points(b: Backend) {
    let city = city(b).await;
    let c = city.app.login(LANDLORD_AGENT).await;
    let first = city.dumping_in_hall(&c).await;
    let cat = city.category("depot-sauvage").await.to_string();
    let near = [
        ("categorie", &cat[..]),
        ("description", "Encore des encombrants"),
        ("lat", "48.9406"),
        ("lon", "2.3106"),
        ("q_nature", "encombrants"),
    ];
    let r = city.post_report(&c, &near).await;
    assert_eq!(r.status(), 200, "not created yet: possible duplicates are shown first");
    let page = r.text().await.unwrap();
    assert!(page.contains("Signalements proches") && page.contains(&format!("/signalements/{first}")));
    assert_eq!(count(&city).await, 1);
    let mut confirmed = near.to_vec();
    confirmed.push(("confirmer", "1"));
    assert_eq!(city.post_report(&c, &confirmed).await.status(), 303);
    assert_eq!(count(&city).await, 2);
    // A click on the map (pixel coordinates) fills the place in; nothing is created.
    let r = city.post_report(&c, &[("categorie", &cat), ("carte.x", "320"), ("carte.y", "240")]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("name=\"lat\" value=\"48.9"), "latitude filled from the click");
    assert_eq!(count(&city).await, 2);
    let map = c.get(city.app.url("/signalements/carte")).send().await.unwrap().text().await.unwrap();
    assert_eq!(map.matches("<circle").count(), 2);
    assert!(map.contains("Nord") && map.contains("Sud"));
    // Counts are grouped by thousands with a narrow no-break space, as French readers write them.
    assert!(map.contains("les 2\u{202f}000 plus récents"), "{map}");
}

async fn statistics_overdue_and_exports(b: Backend) {
    let city = city(b).await;
    let s = &city.app.store;
    let cat = city.category("depot-sauvage").await;
    let by = Author::system();
    let ago = |days: i64| maillage_core::time_fmt::now() - time::Duration::days(days);
    // Open past its deadline; resolved on time in 48 hours; resolved late.
    let base = maillage_store::report::NewReport {
        category_id: cat,
        description: "Dépôt".into(),
        lat: 48.94,
        lon: 2.31,
        district_id: Some(city.north),
        organisation_id: Some(city.landlord),
        source: maillage_core::report::Source::Web,
        answers: "{}".into(),
        address: String::new(),
        priority_area_id: None,
        also_involve: Vec::new(),
        reporter_user_id: None,
        reporter_organisation_id: None,
        urgent: false,
        created_at: ago(0),
        due_at: None,
    };
    let late_open = s
        .create_report(&by, &maillage_store::report::NewReport { created_at: ago(30), due_at: Some(ago(25)), ..base.clone() }, |_| vec![])
        .await
        .unwrap();
    let on_time = s
        .create_report(&by, &maillage_store::report::NewReport { created_at: ago(10), due_at: Some(ago(5)), ..base.clone() }, |_| vec![])
        .await
        .unwrap();
    let late_closed = s
        .create_report(&by, &maillage_store::report::NewReport { created_at: ago(20), due_at: Some(ago(18)), ..base.clone() }, |_| vec![])
        .await
        .unwrap();
    let close = |_id: i64, at: time::OffsetDateTime| maillage_store::report::StateChange {
        at: Some(at),
        ..maillage_store::report::StateChange::new(State::Transmitted, State::Resolved)
    };
    s.change_report_state(&by, on_time, &close(on_time, ago(8)), vec![]).await.unwrap();
    s.change_report_state(&by, late_closed, &close(late_closed, ago(12)), vec![]).await.unwrap();
    let f = ReportFilter::new(ReportScope::All);
    let maillage_core::report::Statistics { rows, total } =
        s.report_statistics(&f, maillage_store::report::StatGroup::District).await.unwrap();
    assert_eq!((total.total, total.median_days), (3, Some(5.0)));
    let months = s.report_statistics(&f, maillage_store::report::StatGroup::Month).await.unwrap().rows;
    assert_eq!(months.iter().map(|m| m.total).sum::<i64>(), 3);
    assert!(months.iter().all(|m| m.key.is_some_and(|k| k > 202_000 && k % 100 >= 1 && k % 100 <= 12)));
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!((row.total, row.open, row.resolved, row.overdue), (3, 1, 2, 2));
    assert_eq!(row.median_days, Some((2.0 + 8.0) / 2.0));
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    let list = coord.get(city.app.url("/signalements?retard=1")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&format!("/signalements/{late_open}\"")) && list.contains(&format!("/signalements/{late_closed}\"")));
    assert!(!list.contains(&format!("/signalements/{on_time}\"")));
    // Late today and closed late are said differently.
    assert_eq!(list.matches("tag late\">en retard").count(), 1, "only the open one is late today");
    assert_eq!(list.matches("clos après l&#39;échéance").count() + list.matches("clos après l'échéance").count(), 1);
    let page = coord.get(city.app.url("/signalements/statistiques?groupe=quartier")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("67\u{202f}%") && page.contains("<th scope=\"row\">Nord</th>"), "a narrow no-break space before %");
    // A reader (elected official) sees the figures, not the list.
    let reader = city.app.login(email_for(Role::Reader)).await;
    assert_eq!(reader.get(city.app.url("/signalements/statistiques")).send().await.unwrap().status(), 200);
    assert_eq!(reader.get(city.app.url("/signalements")).send().await.unwrap().status(), 403);
    // Exports: UTF-8 CSV, and the semicolon variant with a byte-order mark and French dates.
    let csv = coord.get(city.app.url("/signalements/export.csv")).send().await.unwrap().bytes().await.unwrap();
    let text = String::from_utf8(csv.to_vec()).unwrap();
    assert!(text.starts_with("Numéro,Créé le,Catégorie"));
    assert_eq!(text.lines().count(), 4);
    let fr = coord.get(city.app.url("/signalements/export.csv?format=point-virgule&retard=1")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&fr[..3], b"\xef\xbb\xbf");
    let fr = String::from_utf8(fr[3..].to_vec()).unwrap();
    assert!(fr.starts_with("Numéro;Créé le;Catégorie"));
    assert_eq!(fr.lines().count(), 3);
    assert!(fr.contains("48,940000") && fr.contains(";oui;"));
    let ods = coord.get(city.app.url("/signalements/export.ods")).send().await.unwrap();
    assert_eq!(ods.headers()["content-type"], "application/vnd.oasis.opendocument.spreadsheet");
    let ods = ods.bytes().await.unwrap();
    assert_eq!(&ods[..2], b"PK");
    assert!(ods.windows(46).any(|w| w == b"application/vnd.oasis.opendocument.spreadsheet"), "ODS mimetype entry");
    let date_fr = fr.lines().nth(1).unwrap().split(';').nth(1).unwrap().to_string();
    assert!(date_fr.len() == 16 && &date_fr[2..3] == "/" && &date_fr[5..6] == "/", "{date_fr}");
    // LibreOffice opens the ODS and shows its dates French (dd/mm/yyyy hh:mm), numbers whole.
    let read = common::libreoffice_reads(ods.to_vec(), "ods", "csv:Text - txt - csv (StarCalc):59,34,76").await;
    assert_eq!(read.lines().count(), 4, "{read}");
    let first = read.lines().nth(1).unwrap();
    let date = first.split(';').nth(1).unwrap();
    assert!(date.len() == 16 && &date[2..3] == "/" && &date[5..6] == "/" && &date[13..14] == ":", "{read}");
    assert!(first.split(';').next().unwrap().parse::<u64>().is_ok(), "the report's number as a whole number: {read}");
}

/// A JPEG carrying an EXIF block with a GPS tag, built by hand: the marker must not survive.
fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 128]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg).unwrap();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude 48.9405 Appareil-Exemple";
    let len = (payload.len() + 2) as u16;
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(len.to_be_bytes());
    out.extend(payload);
    out.extend(&plain[2..]);
    out
}

async fn photos_are_cleaned(b: Backend) {
    let city = city(b).await;
    let c = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&c).await;
    let upload = |bytes: Vec<u8>, name: &str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        c.post(city.app.url(&format!("/signalements/{id}/photos"))).multipart(reqwest::multipart::Form::new().part("photo", part)).send()
    };
    let original = jpeg_with_exif();
    assert!(original.windows(4).any(|w| w == b"Exif"));
    assert_eq!(upload(original, "hall.jpg").await.unwrap().status(), 303);
    let photos = city.app.store.photos(id).await.unwrap();
    assert_eq!(photos.len(), 1);
    let stored = std::fs::read(city.app.db.dir.join("photos").join(&photos[0].file_name)).unwrap();
    assert!(!stored.windows(4).any(|w| w == b"Exif") && !stored.windows(3).any(|w| w == b"GPS"), "metadata stripped");
    assert_eq!((photos[0].width, photos[0].height), (64, 48));
    let thumb = c.get(city.app.url(&format!("/signalements/vignettes/{}", photos[0].id))).send().await.unwrap();
    assert_eq!(thumb.status(), 200, "{}", thumb.text().await.unwrap());
    let thumb = c.get(city.app.url(&format!("/signalements/vignettes/{}", photos[0].id))).send().await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    // Another organisation cannot fetch it.
    let other = city.app.login(OTHER_AGENT).await;
    assert_eq!(other.get(city.app.url(&format!("/signalements/photos/{}", photos[0].id))).send().await.unwrap().status(), 403);
    // Not an image (whatever its name), too large: refused, nothing stored.
    let r = upload(b"%PDF-1.4 not a picture".to_vec(), "photo.jpg").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas une image JPEG"));
    let mut big = jpeg_with_exif();
    big.resize(9 * 1024 * 1024, 0);
    let r = upload(big, "grande.jpg").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("dépasse"));
    assert_eq!(city.app.store.photos(id).await.unwrap().len(), 1);
}

async fn closed_reports_are_anonymised(b: Backend) {
    let city = city(b).await;
    let c = city.app.login(LANDLORD_AGENT).await;
    let closed = city.dumping_in_hall(&c).await;
    let open = city.dumping_in_hall(&c).await;
    let part = reqwest::multipart::Part::bytes(jpeg_with_exif()).file_name("p.jpg");
    c.post(city.app.url(&format!("/signalements/{closed}/photos")))
        .multipart(reqwest::multipart::Form::new().part("photo", part))
        .send()
        .await
        .unwrap();
    c.post(city.app.url(&format!("/signalements/{closed}/commentaires"))).form(&[("texte", "Vu avec le gardien")]).send().await.unwrap();
    c.post(city.app.url(&format!("/signalements/{closed}/etat"))).form(&[("etat", "resolved")]).send().await.unwrap();
    let s = &city.app.store;
    let tomorrow = maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() + time::Duration::days(1));
    let maillage_store::report::Anonymised { reports: n, photo_files: files } =
        s.anonymise_closed_reports(&Author::system(), &tomorrow).await.unwrap();
    assert_eq!((n, files.len()), (1, 2), "one report, its photo and thumbnail");
    let r = s.report(closed).await.unwrap().unwrap();
    assert_eq!((r.description.as_str(), r.address.as_str(), r.answers.as_str()), ("", "", "{}"));
    assert!(r.anonymised_at.is_some());
    assert_eq!((r.lat, r.category_id), (IN_ESTATE.0.parse().unwrap(), city.category("depot-sauvage").await), "place and category stay");
    assert!(s.photos(closed).await.unwrap().is_empty());
    assert!(s.report_events(closed, Some(city.landlord)).await.unwrap().iter().all(|e| e.body.is_empty()));
    assert_eq!(s.report(open).await.unwrap().unwrap().description, "Encombrants dans le hall B");
    let again = s.anonymise_closed_reports(&Author::system(), &tomorrow).await.unwrap().reports;
    assert_eq!(again, 0);
    // No message about the anonymised report is left in the outbox (the landlord's and the
    // police's notifications held its description); those about the open one stay.
    let about = |id: i64| common::raw_sql(b, &city.app.db.url, format!("SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE report_id = {id}"));
    assert_eq!(about(closed).await.as_deref(), Some("0"));
    assert_ne!(about(open).await.as_deref(), Some("0"));
    let elsewhere = common::raw_sql(
        b,
        &city.app.db.url,
        format!("SELECT CAST(COUNT(*) AS TEXT) FROM outbox WHERE body LIKE '%Encombrants dans le hall B%' AND report_id <> {open}"),
    )
    .await;
    assert_eq!(elsewhere.as_deref(), Some("0"), "only the open report's notifications hold its text");
    // Sent mail is purged after its retention.
    common::raw_sql(b, &city.app.db.url, "UPDATE outbox SET sent_at = '2020-01-01T00:00:00Z'").await;
    assert!(s.purge_mail(&tomorrow).await.unwrap() >= 1);
    assert_eq!(s.outbox_counts().await.unwrap(), maillage_store::mail::OutboxCounts::default());
    // A backlog larger than one batch (years of history on a first run) is done entirely.
    let cat = city.category("autre").await;
    let old = maillage_core::time_fmt::from_storage("2020-01-01T00:00:00Z").unwrap();
    let rows: Vec<maillage_store::report::bulk::BulkReport> = (0..1_234)
        .map(|i| maillage_store::report::bulk::BulkReport {
            id: 10_000 + i,
            category_id: cat,
            state: State::Resolved,
            description: "Ancien".into(),
            address: String::new(),
            lat: 48.94,
            lon: 2.31,
            district_id: None,
            organisation_id: None,
            reporter_organisation_id: None,
            source: maillage_core::report::Source::Web,
            created_at: old,
            updated_at: old,
            due_at: None,
            closed_at: Some(old),
            resolution_hours: None,
            events: Vec::new(),
        })
        .collect();
    let load = s.bulk_start().await.unwrap();
    let indexes = load.index_count();
    assert!(indexes >= 10, "the reports' secondary indexes are set aside: {indexes}");
    s.bulk_insert_reports(&rows).await.unwrap();
    s.bulk_done(load).await.unwrap();
    // Built again: a second load finds them all.
    let again = s.bulk_start().await.unwrap();
    assert_eq!(again.index_count(), indexes);
    s.bulk_done(again).await.unwrap();
    let n = s.anonymise_closed_reports(&Author::system(), &tomorrow).await.unwrap().reports;
    assert_eq!(n, 1_234);
    assert_eq!(s.report(11_233).await.unwrap().unwrap().description, "");
}

async fn notifications_reach_a_real_smtp_server(b: Backend) {
    let city = city(b).await;
    let smtp = SmtpServer::start(&city.app.db.dir);
    let mailer = maillage_app::mail::Mailer::new(&maillage_app::mail::MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{}", smtp.port),
        from: "Maillage <maillage@test.example>".into(),
    })
    .unwrap();
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let police = city.app.login(POLICE_AGENT).await;
    police
        .post(city.app.url(&format!("/signalements/{id}/commentaires")))
        .form(&[("texte", "Secret interne"), ("interne", "1")])
        .send()
        .await
        .unwrap();
    police.post(city.app.url(&format!("/signalements/{id}/etat"))).form(&[("etat", "resolved")]).send().await.unwrap();
    assert_eq!(mailer.send_due(&city.app.store).await.unwrap(), 3);
    assert_eq!(mailer.send_due(&city.app.store).await.unwrap(), 0, "each mail goes once");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 3);
    let to = |addr: &str| messages.iter().filter(|m| m.contains(&format!("To: {addr}"))).map(|m| decoded(m)).collect::<Vec<_>>();
    // Routed: the landlord in charge and the police involved; the state change: the reporter's
    // organisation (the landlord).
    assert_eq!(to("pm@police.example").len(), 1);
    let landlord_mail = to("agence@bailleur.example");
    assert_eq!(landlord_mail.len(), 2);
    assert!(landlord_mail.iter().any(|m| m.contains("Encombrants dans le hall B") && m.contains(&format!("/signalements/{id}"))));
    assert!(landlord_mail.iter().any(|m| m.contains("maintenant « résolu »")));
    assert!(messages.iter().all(|m| !decoded(m).contains("Secret interne")), "internal comments never leave");
    assert_eq!(city.app.store.outbox_counts().await.unwrap(), maillage_store::mail::OutboxCounts { waiting: 0, sent: 3, given_up: 0 });
}

async fn mail_waits_while_the_server_is_down(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    city.dumping_in_hall(&landlord).await;
    // Nothing listens on this port: the mail stays queued for a later attempt.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mailer = maillage_app::mail::Mailer::new(&maillage_app::mail::MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "m@test.example".into(),
    })
    .unwrap();
    assert_eq!(mailer.send_due(&city.app.store).await.unwrap(), 0);
    assert_eq!(city.app.store.outbox_counts().await.unwrap(), maillage_store::mail::OutboxCounts { waiting: 2, sent: 0, given_up: 0 });
    assert!(city.app.store.due_mail(10).await.unwrap().is_empty(), "retried later, not at once");
}

async fn settings_upload_areas_and_refuse_bad_files(b: Backend) {
    let city = city(b).await;
    let admin = city.app.login(email_for(Role::Administrator)).await;
    let send = |kind: &str, body: &str| {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part("fichier", reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name("zones.geojson"));
        admin.post(city.app.url("/admin/signalements/zones")).multipart(form).send()
    };
    let before = city.app.store.areas().await.unwrap().len();
    let r = send("priority_area", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"nom\":\"QPV essai\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[2.30,48.93],[2.31,48.93],[2.31,48.94],[2.30,48.93]]]}}]}").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("QPV essai"));
    for (kind, body, message) in [
        ("district", "{ pas du json", "GeoJSON illisible"),
        ("district", "{\"type\":\"Point\",\"coordinates\":[2,48]}", "aucun polygone"),
        ("coverage", "{\"type\":\"Polygon\",\"coordinates\":[[[2,48],[3,48],[3,49],[2,48]]]}", "organisation"),
        ("lune", "{}", "représentent"),
    ] {
        let r = send(kind, body).await.unwrap();
        assert_eq!(r.status(), 422, "{kind} {body}");
        assert!(r.text().await.unwrap().contains(message), "{message}");
    }
    assert_eq!(city.app.store.areas().await.unwrap().len(), before + 1);
    // Rules naming organisations that do not exist are refused.
    let rules = city.app.store.routing_rules().await.unwrap().len();
    let r = admin.post(city.app.url("/admin/signalements/regles")).form(&[("organisation", "999999")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let r = admin
        .post(city.app.url("/admin/signalements/regles"))
        .form(&[("organisation", &city.police.to_string()[..]), ("also", "999999")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(city.app.store.routing_rules().await.unwrap().len(), rules);
    // A category with a malformed question is refused; a good one is saved.
    let r = admin
        .post(city.app.url("/admin/signalements/categories/nouvelle"))
        .form(&[("code", "essai"), ("name", "Essai"), ("target_days", "3"), ("questions", "a | A | couleur")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = admin
        .post(city.app.url("/admin/signalements/categories/nouvelle"))
        .form(&[("code", "essai"), ("name", "Essai"), ("target_days", "3"), ("questions", "etage | Étage | number | obligatoire")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(city.category("essai").await > 0);
    // Names and keys: control characters, duplicate or separator-holding choice keys, an
    // e-mail list instead of one address are refused, and nothing is written.
    let before = city.app.store.categories().await.unwrap().len();
    for (name, questions) in [
        ("Essai\u{1b}[31m", ""),
        ("Essai", "type | Type | one_choice | obligatoire | a=A; a=B"),
        ("Essai", "type | Type | one_choice | obligatoire | a,b=A"),
        ("Essai", "type | Type | one_choice | obligatoire | =Vide"),
        ("Essai", &format!("{} | Type | short_text", "q".repeat(41))),
    ] {
        let r = admin
            .post(city.app.url("/admin/signalements/categories/nouvelle"))
            .form(&[("code", "essai-2"), ("name", name), ("target_days", "3"), ("questions", questions)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{name:?} {questions:?}");
    }
    assert_eq!(city.app.store.categories().await.unwrap().len(), before);
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    for (email, name) in [("a@x.fr,b@y.fr", "Deux adresses"), ("ok@x.fr", "Nom\u{0}nul")] {
        let r = coord
            .post(city.app.url("/organisations/nouvelle"))
            .form(&[("code", "deux"), ("name", name), ("kind", "association"), ("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{email} {name:?}");
    }
    assert!(city.app.store.organisation_by_code("deux").await.unwrap().is_none());
    // A choice repeated a thousand times is one answer.
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let cat = city.category("depot-sauvage").await.to_string();
    let mut form: Vec<(&str, &str)> =
        vec![("categorie", &cat), ("description", "Encombrants"), ("lat", IN_ESTATE.0), ("lon", IN_ESTATE.1), ("confirmer", "1")];
    form.extend(std::iter::repeat_n(("q_nature", "encombrants"), 1000));
    let id = common::created_report(city.post_report(&landlord, &form).await).await;
    let stored = city.app.store.report(id).await.unwrap().unwrap().answers;
    assert_eq!(stored, r#"{"nature":"encombrants"}"#);
}

async fn json_api_goes_through_the_same_checks(b: Backend) {
    let city = city(b).await;
    let c = city.app.login(LANDLORD_AGENT).await;
    let url = city.app.url("/api/v1/signalements");
    let ok = serde_json::json!({
        "category": "depot-sauvage", "description": "Encombrants <b>hall</b>", "lat": 48.9405, "lon": 2.3105,
        "answers": { "nature": ["encombrants", "gravats"], "volume": 3 }
    });
    let r = c.post(&url).json(&ok).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().organisation_id, Some(city.landlord));
    let bad = serde_json::json!({ "category": "depot-sauvage", "description": "", "lat": 48.8566, "lon": 2.3522, "answers": { "nature": "piano" } });
    let r = c.post(&url).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_fields");
    let fields: Vec<&str> = v["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["description", "place", "nature"]);
    let r = c
        .post(&url)
        .json(&serde_json::json!({ "category": "licorne", "description": "x", "lat": 48.94, "lon": 2.31 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c.post(&url).header("content-type", "application/json").body("{\"category\": ").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "bad_request");
    let r = c
        .post(&url)
        .json(&serde_json::json!({ "category": "autre", "description": "x", "lat": 48.94, "lon": 2.31, "colour": "red" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "unknown fields are refused");
    assert_eq!(count(&city).await, 1);
    let list: serde_json::Value = c.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["reports"][0]["id"], id);
    assert_eq!(list["reports"][0]["description"], "Encombrants <b>hall</b>");
    let one: serde_json::Value = c.get(format!("{url}/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(one["history"][0]["kind"], "created");
    let stats: serde_json::Value = c.get(format!("{url}/statistiques?groupe=quartier")).send().await.unwrap().json().await.unwrap();
    assert_eq!(stats["rows"][0]["label"], "Nord");
    assert_eq!(stats["rows"][0]["total"], 1);
    let other = city.app.login(OTHER_AGENT).await;
    assert_eq!(other.get(format!("{url}/{id}")).send().await.unwrap().status(), 403);
}

async fn daily_digest_lists_what_changed(b: Backend) {
    let city = city(b).await;
    let police = city.app.login(POLICE_AGENT).await;
    assert_eq!(police.post(city.app.url("/compte/recapitulatif")).form(&[("recapitulatif", "1")]).send().await.unwrap().status(), 303);
    assert!(
        police
            .get(city.app.url("/compte"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("id=\"recapitulatif\" name=\"recapitulatif\" value=\"1\" checked")
    );
    let url = city.app.public_url();
    // Nothing changed yet: no mail, but the day is counted.
    assert_eq!(maillage_app::mail::digest::queue_digests(&city.app.store, &url).await.unwrap(), 0);
    let s = &city.app.store;
    s.queue_digest(
        s.user_by_email(POLICE_AGENT).await.unwrap().unwrap().id,
        maillage_core::time_fmt::from_storage("2000-01-01T00:00:00Z").unwrap(),
        None,
    )
    .await
    .unwrap();
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    police
        .post(city.app.url(&format!("/signalements/{id}/commentaires")))
        .form(&[("texte", "Commentaire à ne pas envoyer"), ("interne", "1")])
        .send()
        .await
        .unwrap();
    let before = s.outbox_counts().await.unwrap().waiting;
    assert_eq!(maillage_app::mail::digest::queue_digests(s, &url).await.unwrap(), 1);
    assert_eq!(maillage_app::mail::digest::queue_digests(s, &url).await.unwrap(), 0, "one a day");
    let mail = s.due_mail(100).await.unwrap().into_iter().find(|m| m.recipient == POLICE_AGENT).unwrap();
    assert!(mail.body.contains(&format!("n° {id} Dépôt sauvage")) && !mail.body.contains("Commentaire à ne pas envoyer"));
    assert_eq!(s.outbox_counts().await.unwrap().waiting, before + 1);
}

/// The address look-up, against a real addok (the national address API's engine): the form
/// offers the addresses of the commune found for the typed text, a click places the point there,
/// and the report is created at that place. Addresses outside the territory are not offered.
async fn address_lookup_places_the_point(backend: Backend) {
    let dir = std::env::temp_dir().join(format!("maillage-addok-{}-{backend:?}", std::process::id()));
    let addok = common::AddokServer::start(&dir);
    let geocoder = maillage_app::report::address::Geocoder::new(&addok.url).unwrap();
    let city = common::city_with(backend, |c| c.app.geocoder = Some(geocoder)).await;
    let agent = city.app.login(LANDLORD_AGENT).await;
    let form = agent.get(city.app.url("/signalements/nouveau")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Chercher cette adresse"), "the button is shown when a geocoder is configured");

    let cat = city.category("depot-sauvage").await.to_string();
    let r = city.post_report(&agent, &[("categorie", &cat), ("adresse", "12 avenue gabriel peri"), ("action", "adresse")]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let label = "12 Avenue Gabriel Péri 92230 Gennevilliers";
    let needle = format!("value=\"48.9368;2.302;{label}\"");
    assert!(page.contains(&needle), "the address found is offered: {page}");

    // Found by addok, but in Paris: outside the territory, so not offered.
    let r = city.post_report(&agent, &[("categorie", &cat), ("adresse", "12 rue de rivoli"), ("action", "adresse")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Aucune adresse de la commune ne correspond") && !page.contains("Rivoli 75001"), "{page}");

    let r = city.post_report(&agent, &[("categorie", &cat), ("adresse", " "), ("action", "adresse")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Saisissez une adresse à chercher"));

    // A click on the address places the point and keeps the label as the address.
    let choice = format!("48.9368;2.302;{label}");
    let page = city
        .post_report(&agent, &[("categorie", &cat), ("adresse", "12 avenue gabriel peri"), ("adresse_choisie", &choice)])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"lat\" value=\"48.9368\"") && page.contains("name=\"lon\" value=\"2.302\""), "{page}");
    assert!(page.contains(&format!("name=\"adresse\" value=\"{label}\"")));

    let r = city
        .post_report(
            &agent,
            &[
                ("categorie", &cat),
                ("description", "Encombrants devant l'entrée"),
                ("adresse", label),
                ("lat", "48.9368"),
                ("lon", "2.302"),
                ("q_nature", "encombrants"),
                ("confirmer", "1"),
            ],
        )
        .await;
    let id = common::created_report(r).await;
    let report = city.app.store.report(id).await.unwrap().unwrap();
    assert_eq!((report.address.as_str(), report.district_id), (label, Some(city.north)));
    drop(addok);
    let _ = std::fs::remove_dir_all(&dir);

    // A geocoder that does not answer: a clear message, and the form as it was.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let down = maillage_app::report::address::Geocoder::new(&format!("http://{closed}/search/")).unwrap();
    let city = common::city_with(backend, |c| c.app.geocoder = Some(down)).await;
    let agent = city.app.login(LANDLORD_AGENT).await;
    let r = city.post_report(&agent, &[("categorie", &cat), ("adresse", "12 avenue gabriel peri"), ("action", "adresse")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("La recherche d&#39;adresse n&#39;a pas abouti"), "{page}");
    assert!(page.contains("Aucune adresse à proposer") && !page.contains("n&#39;a pas été enregistré"));
    assert!(page.contains("value=\"12 avenue gabriel peri\""));
}

/// Off by default: no button, and the action is refused with a message.
async fn address_lookup_is_off_by_default(backend: Backend) {
    let city = city(backend).await;
    let agent = city.app.login(LANDLORD_AGENT).await;
    let form = agent.get(city.app.url("/signalements/nouveau")).send().await.unwrap().text().await.unwrap();
    assert!(!form.contains("Chercher cette adresse"));
    let cat = city.category("depot-sauvage").await.to_string();
    let r = city.post_report(&agent, &[("categorie", &cat), ("adresse", "12 avenue gabriel peri"), ("action", "adresse")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas activée"));
}

/// Statistics read counts kept ahead for the whole months of a period and the rows for the
/// rest: for every grouping and kind of period, after loads, closings, reopenings,
/// redirections and the removal of a district, they equal the figures read from the rows alone.
async fn statistics_from_counts_match_the_rows(backend: Backend) {
    use maillage_store::report::{StatGroup, StateChange};
    let city = city(backend).await;
    let s = &city.app.store;
    let by = Author::system();
    let cats = s.categories().await.unwrap();
    let leaves: Vec<i64> = cats.iter().filter(|c| c.parent_id.is_some()).map(|c| c.id).take(4).collect();
    let districts: Vec<Option<i64>> = {
        let mut d: Vec<Option<i64>> =
            s.areas().await.unwrap().iter().filter(|a| a.kind == maillage_core::place::AreaKind::District).map(|a| Some(a.id)).collect();
        d.push(None);
        d
    };
    let orgs = [Some(city.landlord), Some(city.police), None];
    let states =
        [State::New, State::InProgress, State::Resolved, State::Resolved, State::ClosedWithoutAction, State::Duplicate, State::Redirected];
    let mut seed = 17u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let at = |day: u64, hour: u64| {
        time::OffsetDateTime::from_unix_timestamp(1_704_067_200).unwrap()
            + time::Duration::days(day as i64)
            + time::Duration::hours(hour as i64)
    };
    // 2024-01-01 + up to 15 months, hours chosen to fall near midnight (month edges in Paris).
    let rows: Vec<maillage_store::report::bulk::BulkReport> = (0..600u64)
        .map(|i| {
            let day = next(456);
            let created = at(day, [0, 1, 22, 23, 12][next(5) as usize]);
            let state = states[next(states.len() as u64) as usize];
            let closed = !state.class().is_open();
            let hours = next(24 * 20);
            maillage_store::report::bulk::BulkReport {
                id: 50_000 + i as i64,
                category_id: leaves[next(leaves.len() as u64) as usize],
                state,
                description: "Historique".into(),
                address: String::new(),
                lat: 48.92,
                lon: 2.29,
                district_id: districts[next(districts.len() as u64) as usize],
                organisation_id: orgs[next(3) as usize],
                reporter_organisation_id: None,
                source: maillage_core::report::Source::Web,
                created_at: created,
                updated_at: created,
                due_at: (next(5) > 0).then(|| at(day + 3 + next(10), 0)),
                closed_at: closed.then(|| at(day, hours)),
                resolution_hours: (state == State::Resolved).then_some(hours as i64),
                events: Vec::new(),
            }
        })
        .collect();
    s.bulk_insert_reports(&rows[..300]).await.unwrap();
    let load = s.bulk_start().await.unwrap();
    s.bulk_insert_reports(&rows[300..]).await.unwrap();
    s.bulk_done(load).await.unwrap();
    // Reports made, closed, reopened and redirected through the use cases.
    let agent = city.app.login(LANDLORD_AGENT).await;
    let fresh = city.dumping_in_hall(&agent).await;
    let change = |from: State, to: State, at: Option<time::OffsetDateTime>| StateChange { at, ..StateChange::new(from, to) };
    s.change_report_state(&by, fresh, &change(State::Transmitted, State::Resolved, None), vec![]).await.unwrap();
    s.change_report_state(&by, 50_002, &change(rows[2].state, State::InProgress, Some(at(400, 5))), vec![]).await.unwrap();
    s.change_report_state(&by, 50_002, &change(State::InProgress, State::Resolved, Some(at(410, 5))), vec![]).await.unwrap();
    for r in rows.iter().filter(|r| r.closed_at.is_some() && r.id != 50_002).take(40) {
        s.change_report_state(&by, r.id, &change(r.state, State::InProgress, Some(at(420, 1))), vec![]).await.unwrap();
    }
    for r in rows.iter().filter(|r| r.state == State::New).take(10) {
        let redirect = StateChange { redirect_to: Some(city.other), ..change(State::New, State::Redirected, Some(at(421, 1))) };
        s.change_report_state(&by, r.id, &redirect, vec![]).await.unwrap();
        s.change_report_state(&by, r.id, &change(State::Redirected, State::ClosedWithoutAction, Some(at(422, 1))), vec![]).await.unwrap();
    }
    let compare = |label: &'static str| async move {
        let t = |s: &str| maillage_core::time_fmt::from_storage(s);
        let periods: [(Option<time::OffsetDateTime>, Option<time::OffsetDateTime>); 7] = [
            (None, None),
            (Some(at(40, 13)), None),
            (Some(at(40, 13)), Some(at(300, 7))),
            (None, Some(at(300, 7))),
            (t("2024-01-31T23:00:00Z"), t("2024-12-31T23:00:00Z")),
            (Some(at(100, 2)), Some(at(110, 2))),
            (Some(at(500, 0)), Some(at(20, 0))),
        ];
        for group in StatGroup::ALL {
            for (from, before) in &periods {
                let mut f = ReportFilter::new(ReportScope::All);
                f.created_from = *from;
                f.created_before = *before;
                let counted = s.report_statistics(&f, group).await.unwrap();
                let read = s.report_statistics_from_rows(&f, group).await.unwrap();
                assert_eq!(counted, read, "{label}: {group:?} from {from:?} before {before:?}");
            }
        }
    };
    compare("after loads and changes").await;
    let maillage_core::report::Statistics { rows: all, total } =
        s.report_statistics(&ReportFilter::new(ReportScope::All), StatGroup::Month).await.unwrap();
    assert_eq!(total.total, 601);
    assert!(all.len() >= 15 && total.resolved > 0 && total.not_resolved > 0 && total.open > 40 && total.median_days.is_some());
    // The list of open reports (read as "not closed") holds exactly the open ones.
    let mut open = ReportFilter::new(ReportScope::All);
    open.states = maillage_core::report::State::open();
    let listed = s.reports(&open, ReportSort::NewestFirst, 10_000, 0).await.unwrap();
    assert_eq!(listed.len() as i64, total.open);
    assert!(listed.iter().all(|r| r.state.class().is_open()));
    assert!(listed.windows(2).all(|w| w[0].created_at >= w[1].created_at));
    let north = city.north;
    s.delete_area(&by, north).await.unwrap();
    compare("after a district is removed").await;
}

/// A value the domain does not know, written by hand or by another version, is an error that
/// names the table, the row and the value: never read as a default.
async fn unknown_stored_values_are_errors(backend: Backend) {
    let city = city(backend).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let raw = |sql: String| {
        let url = city.app.db.url.clone();
        async move {
            use sqlx::Connection;
            match backend {
                Backend::Sqlite => {
                    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
                }
                Backend::Postgres => {
                    let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
                }
            }
        }
    };
    let s = &city.app.store;
    raw(format!("UPDATE reports SET state = 'teleported' WHERE id = {id}")).await;
    let e = s.report(id).await.unwrap_err().to_string();
    assert!(e.contains("reports") && e.contains(&format!("ligne {id}")) && e.contains("teleported"), "{e}");
    let e = s.reports(&ReportFilter::new(ReportScope::All), ReportSort::NewestFirst, 10, 0).await.unwrap_err().to_string();
    assert!(e.contains("teleported"), "{e}");
    raw(format!("UPDATE reports SET state = 'transmitted' WHERE id = {id}")).await;
    raw(format!("UPDATE report_events SET detail = 'org:x' WHERE report_id = {id}")).await;
    let e = s.report_events(id, None).await.unwrap_err().to_string();
    assert!(e.contains("report_events") && e.contains("org:x"), "{e}");
    raw(format!("UPDATE report_involvements SET part = 'owner' WHERE report_id = {id}")).await;
    let e = s.involvements(id).await.unwrap_err().to_string();
    assert!(e.contains("report_involvements") && e.contains("owner"), "{e}");
    raw(format!("UPDATE users SET roles = 'coordinator,root' WHERE email = '{LANDLORD_AGENT}'")).await;
    let e = s.user_by_email(LANDLORD_AGENT).await.unwrap_err().to_string();
    assert!(e.contains("users") && e.contains("root"), "{e}");
    raw(format!("UPDATE reports SET created_at = 'hier' WHERE id = {id}")).await;
    let e = s.report(id).await.unwrap_err().to_string();
    assert!(e.contains("created_at") && e.contains("hier"), "{e}");
}

/// What a spreadsheet would run as a formula is neutralised in both CSV variants; nothing a
/// logged-in reader sees is kept by a cache.
async fn exports_are_safe_and_nothing_private_is_cached(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    // A filter that cannot be read refuses the export instead of exporting everything.
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    for query in ["recherche=%00", "etat=bogus", "quartier=abc", "du=99999-01-01"] {
        for path in ["/signalements/export.csv", "/signalements/export.ods"] {
            assert_eq!(coord.get(city.app.url(&format!("{path}?{query}"))).send().await.unwrap().status(), 400, "{path}?{query}");
        }
    }
    let cat = city.category("depot-sauvage").await.to_string();
    let r = city
        .post_report(
            &landlord,
            &[
                ("categorie", &cat),
                ("description", "=HYPERLINK(\"http://exemple.invalid\";\"clic\")"),
                ("adresse", "@SOMME(A1:A2)"),
                ("lat", IN_ESTATE.0),
                ("lon", IN_ESTATE.1),
                ("q_nature", "encombrants"),
                ("confirmer", "1"),
            ],
        )
        .await;
    let id = common::created_report(r).await;
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    for variant in ["", "?format=point-virgule"] {
        let r = coord.get(city.app.url(&format!("/signalements/export.csv{variant}"))).send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store");
        let text = r.text().await.unwrap();
        assert!(text.contains("'=HYPERLINK") && text.contains("'@SOMME"), "{variant}: {text}");
        assert!(!text.contains(",=") && !text.contains(";=") && !text.contains("\"=") && !text.contains(",@"), "{variant}: {text}");
    }
    for path in [
        "/signalements".to_string(),
        format!("/signalements/{id}"),
        "/signalements/carte.svg".into(),
        "/signalements/statistiques".into(),
        "/api/v1/signalements".into(),
        "/signalements/export.ods".into(),
        "/compte".into(),
    ] {
        let r = coord.get(city.app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let css = coord.get(city.app.url("/static/style.css")).send().await.unwrap();
    assert!(css.headers()["cache-control"].to_str().unwrap().starts_with("public"));
}

/// An organisation that only reported a report follows it (reads, comments) but does not
/// handle it; a duplicate's original must be readable, and a number it cannot read gets the
/// same answer as one that does not exist.
async fn what_each_part_may_do(b: Backend) {
    let city = city(b).await;
    let other = city.app.login(OTHER_AGENT).await;
    // Reported by the other organisation, routed to the landlord with the police involved.
    let id = city.dumping_in_hall(&other).await;
    let url = |p: &str| city.app.url(&format!("/signalements/{id}{p}"));
    let parts = city.app.store.involvements(id).await.unwrap();
    assert!(parts.iter().any(|p| p.organisation_id == city.other && p.part == maillage_core::report::Part::Reporter));
    assert_eq!(other.get(url("")).send().await.unwrap().status(), 200);
    assert_eq!(other.post(url("/commentaires")).form(&[("texte", "Toujours là ce matin")]).send().await.unwrap().status(), 303);
    for (path, form) in [
        ("/etat", vec![("etat", "closed_without_action"), ("motif", "not_found")]),
        ("/etat", vec![("etat", "resolved")]),
        ("/etat", vec![("etat", "redirected"), ("organisation", "1")]),
        ("/organisations", vec![("organisation", "1")]),
        ("/part", vec![("x", "")]),
    ] {
        assert_eq!(other.post(url(path)).form(&form).send().await.unwrap().status(), 403, "{path} {form:?}");
    }
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().state, State::Transmitted, "nothing changed");
    // The landlord, in charge, may; but not mark it a duplicate of a report it cannot read.
    let police = city.app.login(POLICE_AGENT).await;
    let cat = city.category("depot-sauvage").await.to_string();
    let south = city
        .post_report(
            &other,
            &[
                ("categorie", &cat),
                ("description", "Gravats"),
                ("lat", SOUTH.0),
                ("lon", SOUTH.1),
                ("q_nature", "gravats"),
                ("confirmer", "1"),
            ],
        )
        .await;
    let hidden = common::created_report(south).await;
    assert_eq!(police.get(city.app.url(&format!("/signalements/{hidden}"))).send().await.unwrap().status(), 403);
    // A number that does not exist is answered as one of another organisation: which numbers
    // exist is not told, on the page, the API, the actions or the photos.
    for path in [
        format!("/signalements/{hidden}"),
        format!("/api/v1/signalements/{hidden}"),
        "/signalements/photos/{hidden}".replace("{hidden}", &hidden.to_string()),
    ] {
        let (exists, missing) = (path.clone(), path.replace(&hidden.to_string(), "999999"));
        let a = police.get(city.app.url(&exists)).send().await.unwrap();
        let b = police.get(city.app.url(&missing)).send().await.unwrap();
        assert_eq!(a.status(), b.status(), "{path}");
    }
    let a = police.post(city.app.url(&format!("/signalements/{hidden}/commentaires"))).form(&[("texte", "x")]).send().await.unwrap();
    let b = police.post(city.app.url("/signalements/999999/commentaires")).form(&[("texte", "x")]).send().await.unwrap();
    assert_eq!((a.status(), b.status()), (reqwest::StatusCode::FORBIDDEN, reqwest::StatusCode::FORBIDDEN));
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let mut answers = Vec::new();
    for original in [hidden.to_string(), "999999".to_string()] {
        let r = landlord.post(url("/etat")).form(&[("etat", "duplicate"), ("original", &original)]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        answers.push(page.contains("existe pas ou ne vous est pas accessible"));
    }
    assert_eq!(answers, [true, true], "the same answer for a report not readable and one that does not exist");
    assert_eq!(landlord.post(url("/etat")).form(&[("etat", "planned")]).send().await.unwrap().status(), 303);
}

/// Consultations are traced, as the footer promises: reading a report (page or API), a photo,
/// an export; the journal says it in French.
async fn consultations_are_in_the_journal(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let part = reqwest::multipart::Part::bytes(jpeg_with_exif()).file_name("p.jpg");
    let url = |p: &str| city.app.url(&format!("/signalements/{id}{p}"));
    landlord.post(url("/photos")).multipart(reqwest::multipart::Form::new().part("photo", part)).send().await.unwrap();
    let photo = city.app.store.photos(id).await.unwrap()[0].id;
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    for path in [
        format!("/signalements/{id}"),
        format!("/api/v1/signalements/{id}"),
        format!("/signalements/photos/{photo}"),
        "/signalements/export.csv?categorie=".into(),
        format!("/signalements/export.ods?quartier={}", city.north),
    ] {
        assert_eq!(coord.get(city.app.url(&path)).send().await.unwrap().status(), 200, "{path}");
    }
    let log = city.app.store.audit_entries(&maillage_store::audit::AuditFilter::default(), 50, 0).await.unwrap();
    let by_coordinator = |op: &str| log.iter().filter(|e| e.operation == op && e.actor_label == email_for(Role::Coordinator)).count();
    assert_eq!(by_coordinator("report.read"), 2, "the page and the API");
    assert_eq!(by_coordinator("report.photo_read"), 1);
    assert_eq!(by_coordinator("report.export"), 2);
    assert!(log.iter().any(|e| e.operation == "report.export" && e.detail.contains(&format!("quartier={}", city.north))), "which filter");
    let admin = city.app.login(email_for(Role::Administrator)).await;
    let journal = admin.get(city.app.url("/journal")).send().await.unwrap().text().await.unwrap();
    assert!(journal.contains("Consultation d&#39;un signalement") || journal.contains("Consultation d'un signalement"), "{journal}");
    assert!(journal.contains("Export de signalements") && journal.contains(&format!("signalement {id}")));
}

/// Out-of-range dates, page numbers and positions get a clear answer (a message on the page,
/// 400 from the APIs), never a crash; a link to a report followed while logged out comes back
/// to that report after login.
async fn bad_numbers_and_dates_get_clear_answers(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    for path in ["/signalements?du=-9999-01-01", "/signalements/carte?au=99999-12-31", "/signalements/statistiques?du=-9999-01-01"] {
        let r = coord.get(city.app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains("illisible"), "{path}");
    }
    let r = coord.get(city.app.url("/signalements?page=4611686018427387904")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Numéro de page invalide"));
    assert_eq!(coord.get(city.app.url("/api/v1/signalements?du=-9999-01-01")).send().await.unwrap().status(), 400);
    for path in ["/signalements/export.csv?du=-9999-01-01", "/signalements/export.ods?au=-1-01-01"] {
        assert!(coord.get(city.app.url(path)).send().await.unwrap().status().as_u16() < 500, "{path}");
    }
    let key = city.app.store.create_api_key(&Author::system(), city.landlord, "essai").await.unwrap();
    for query in ["page=4611686018427387904", "start_date=9999-12-31T00:00:00Z", "end_date=-0001-01-01T00:00:00Z", "page_size=-1"] {
        let r = coord.get(city.app.url(&format!("/open311/v2/requests.json?api_key={key}&{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        assert!(r.json::<serde_json::Value>().await.unwrap()[0]["description"].is_string(), "{query}");
    }
    // What axum itself refuses (a form without its content type) is said in French, in the
    // API's JSON for the API; an unknown API address answers in JSON; a NUL in a comment is refused.
    let r = coord.post(city.app.url(&format!("/signalements/{id}/part"))).body("terminee=1").send().await.unwrap();
    assert!(r.status().is_client_error());
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("pas pu être lu"), "in French, as a page");
    let r = coord.post(city.app.url("/api/v1/signalements")).header("content-type", "application/json").body("{").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "bad_request");
    let r = coord.get(city.app.url("/api/v1/inconnu")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap()["error"].clone()), (404, "not_found".into()));
    let r = coord.post(city.app.url(&format!("/signalements/{id}/commentaires"))).form(&[("texte", "a\u{0}b")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // A GeoJSON position with one number is refused, nothing written.
    let admin = city.app.login(email_for(Role::Administrator)).await;
    let areas = city.app.store.areas().await.unwrap().len();
    let bad = r#"{"type":"Polygon","coordinates":[[[2.3],[2.31,48.9],[2.32,48.91],[2.3,48.9]]]}"#;
    let part = reqwest::multipart::Part::bytes(bad.as_bytes().to_vec()).file_name("zones.geojson");
    let form = reqwest::multipart::Form::new().text("kind", "district").part("fichier", part);
    let r = admin.post(city.app.url("/admin/signalements/zones")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(city.app.store.areas().await.unwrap().len(), areas);
    // Logged out, a link to the report leads there after login.
    let visitor = city.app.client();
    let r = visitor.get(city.app.url(&format!("/signalements/{id}"))).send().await.unwrap();
    let to_login = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(to_login, format!("/connexion?suite=%2Fsignalements%2F{id}"));
    let r = visitor
        .post(city.app.url("/connexion"))
        .form(&[("email", LANDLORD_AGENT), ("password", common::PASSWORD), ("suite", &format!("/signalements/{id}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], &format!("/signalements/{id}"));
}

/// The state form chooses nothing in advance and offers only what the workflow allows: saving it
/// to add a note never moves the report.
async fn the_state_form_never_moves_a_report_by_default(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let id = city.dumping_in_hall(&landlord).await;
    let url = |p: &str| city.app.url(&format!("/signalements/{id}{p}"));
    assert_eq!(landlord.post(url("/etat")).form(&[("etat", "planned")]).send().await.unwrap().status(), 303);
    let page = landlord.get(url("")).send().await.unwrap().text().await.unwrap();
    let form = &page[page.find("name=\"etat\"").unwrap()..];
    let select = &form[..form.find("</select>").unwrap()];
    assert!(select.contains("<option value=\"\" selected>"), "{select}");
    assert_eq!(select.matches("selected").count(), 1, "only the empty choice is selected: {select}");
    assert!(!select.contains("value=\"planned\"") && !select.contains("value=\"new\""), "not the state it is in, never back to new");
    // A note alone is kept as a comment; the report stays planned.
    let r = landlord.post(url("/etat")).form(&[("etat", ""), ("note", "Passage prévu jeudi")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let report = city.app.store.report(id).await.unwrap().unwrap();
    assert_eq!(report.state, State::Planned);
    let events = city.app.store.report_events(id, None).await.unwrap();
    assert!(events.iter().any(|e| e.kind == maillage_core::report::EventKind::Comment && e.body == "Passage prévu jeudi"));
    // Nothing chosen and nothing written: refused, unchanged.
    assert_eq!(landlord.post(url("/etat")).form(&[("etat", "")]).send().await.unwrap().status(), 422);
    assert_eq!(city.app.store.report(id).await.unwrap().unwrap().state, State::Planned);
    // A refused comment comes back with its text, its box ticked, and the field marked.
    let long = format!("Passage {}", "très ".repeat(1000));
    let r = landlord.post(url("/commentaires")).form(&[("texte", long.as_str()), ("interne", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let area = &page[page.find("id=\"texte\"").unwrap()..];
    let area = &area[..area.find("</textarea>").unwrap()];
    assert!(area.contains("aria-invalid=\"true\"") && area.contains("texte-error") && area.contains("Passage très très"), "{area}");
    assert!(page.contains("id=\"interne\" name=\"interne\" value=\"1\" checked"), "the box stays ticked");
    assert!(page.contains("id=\"texte-error\">Le commentaire doit compter"), "the message beside the field");
    // A state refused keeps its note.
    let r = landlord.post(url("/etat")).form(&[("etat", "closed_without_action"), ("note", "Propriétaire prévenu")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(">Propriétaire prévenu</textarea>"), "the note is kept");
    assert!(
        marked(&page, "motif") && page.contains("value=\"closed_without_action\" selected"),
        "the missing reason is marked, the choice kept"
    );
    // Every other form of the page marks its own field and keeps what was chosen.
    let r = landlord.post(url("/etat")).form(&[("etat", "redirected"), ("organisation", "x")]).send().await.unwrap();
    assert!(marked(&r.text().await.unwrap(), "organisation-redirect"));
    let r = landlord.post(url("/etat")).form(&[("etat", "duplicate"), ("original", "999999")]).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(marked(&page, "original") && page.contains("value=\"999999\""), "the number typed is kept");
    let r = landlord.post(url("/organisations")).form(&[("organisation", &city.landlord.to_string())]).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(marked(&page, "organisation-add") && page.contains(&format!("value=\"{}\" selected", city.landlord)), "{page}");
    let part = reqwest::multipart::Part::bytes(b"not a picture".to_vec()).file_name("x.jpg");
    let r = landlord.post(url("/photos")).multipart(reqwest::multipart::Form::new().part("photo", part)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(marked(&r.text().await.unwrap(), "photo"));
    // The address of a form, reloaded or revisited after a refusal, leads to its page.
    for form in ["/etat", "/commentaires", "/photos"] {
        let r = landlord.get(url(form)).send().await.unwrap();
        assert_eq!(
            (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
            (303, format!("/signalements/{id}").as_str()),
            "{form}"
        );
    }
}

/// Reports are found by number and by words of their text (any case, any accents), among
/// those the user may read only; an anonymised report is no longer found by its former text.
async fn search_by_number_and_words(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let hall = city.dumping_in_hall(&landlord).await;
    let cat = city.category("depot-sauvage").await.to_string();
    let r = city
        .post_report(
            &landlord,
            &[
                ("categorie", &cat),
                ("description", "Dégradation de la porte"),
                ("adresse", "3 rue de l'École"),
                ("lat", IN_ESTATE.0),
                ("lon", IN_ESTATE.1),
                ("q_nature", "encombrants"),
                ("confirmer", "1"),
            ],
        )
        .await;
    let door = common::created_report(r).await;
    let found = |c: &reqwest::Client, search: &str| {
        let url = city.app.url(&format!("/signalements?recherche={}", maillage_web::layout::url_encode(search)));
        let c = c.clone();
        async move {
            let page = c.get(url).send().await.unwrap().text().await.unwrap();
            [hall, door].into_iter().filter(|id| page.contains(&format!("href=\"/signalements/{id}\""))).collect::<Vec<_>>()
        }
    };
    assert_eq!(found(&landlord, "ENCOMBRANTS hall").await, [hall]);
    assert_eq!(found(&landlord, "degradation ECOLE").await, [door], "accents and case do not matter");
    assert_eq!(found(&landlord, &format!("n° {door}")).await, [door]);
    assert_eq!(found(&landlord, "porte hall").await, Vec::<i64>::new(), "every word must be found");
    assert_eq!(found(&landlord, "100%").await, Vec::<i64>::new(), "wildcards are taken as written");
    // The JSON API reads the same filter.
    let api: serde_json::Value =
        landlord.get(city.app.url("/api/v1/signalements?recherche=degradation")).send().await.unwrap().json().await.unwrap();
    assert!(api.to_string().contains(&format!("\"id\":{door}")), "{api}");
    // Another organisation finds nothing of them, by number or by word.
    let other = city.app.login(OTHER_AGENT).await;
    assert!(found(&other, "encombrants").await.is_empty() && found(&other, &hall.to_string()).await.is_empty());
    // A search too long is said so, and ignored.
    let page =
        landlord.get(city.app.url(&format!("/signalements?recherche={}", "a".repeat(300)))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Recherche ignorée"));
    // Anonymised, a report keeps its number but no longer its words.
    landlord.post(city.app.url(&format!("/signalements/{hall}/etat"))).form(&[("etat", "resolved")]).send().await.unwrap();
    let tomorrow = maillage_core::time_fmt::to_storage(maillage_core::time_fmt::now() + time::Duration::days(1));
    city.app.store.anonymise_closed_reports(&Author::system(), &tomorrow).await.unwrap();
    assert!(found(&landlord, "encombrants").await.is_empty());
    assert_eq!(found(&landlord, &hall.to_string()).await, [hall]);
}

/// Each role lands on its own work: the coordinator on what needs action, a partner on its
/// organisation's open reports, an elected official on figures with small counts hidden (on
/// the statistics page and in the API too), the administrator on accounts, the DPO on the log.
async fn each_role_starts_on_its_work(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let hall = city.dumping_in_hall(&landlord).await;
    let autre = city.category("autre").await.to_string();
    let r = city
        .post_report(
            &landlord,
            &[("categorie", &autre), ("description", "Banc arraché"), ("lat", SOUTH.0), ("lon", SOUTH.1), ("confirmer", "1")],
        )
        .await;
    let loose = common::created_report(r).await;
    let home = |c: reqwest::Client| {
        let url = city.app.url("/");
        async move {
            let r = c.get(url).send().await.unwrap();
            let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (r.status().as_u16(), to, r.text().await.unwrap())
        }
    };
    let (status, _, page) = home(city.app.login(email_for(Role::Coordinator)).await).await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>À faire</h1>") && page.contains(&format!("href=\"/signalements/{loose}\"")), "{page}");
    assert!(page.contains("<span class=\"figure\">1</span> à trier"), "{page}");
    assert!(page.contains("<span class=\"figure\">2</span> reçus depuis lundi"), "{page}");
    let (_, _, page) = home(landlord.clone()).await;
    assert!(page.contains("Signalements de Bailleur d") && page.contains(&format!("href=\"/signalements/{hall}\"")), "{page}");
    let (_, _, page) = home(city.app.login(POLICE_AGENT).await).await;
    assert!(page.contains(&format!("href=\"/signalements/{hall}\"")) && !page.contains(&format!("href=\"/signalements/{loose}\"")));
    // Two reports: below the threshold, hidden everywhere the elected official reads figures.
    let reader = city.app.login(email_for(Role::Reader)).await;
    let (_, _, page) = home(reader.clone()).await;
    assert!(page.contains("Chiffres clés") && page.contains("&#60;\u{a0}5") && !page.contains(">2<") && !page.contains(">Nord<"), "{page}");
    let stats = reader.get(city.app.url("/signalements/statistiques?groupe=quartier")).send().await.unwrap().text().await.unwrap();
    assert!(stats.contains("&#60;\u{a0}5") && !stats.contains(">2<") && !stats.contains(">Nord<"), "{stats}");
    let api: serde_json::Value =
        reader.get(city.app.url("/api/v1/signalements/statistiques?groupe=quartier")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["masked_below"].as_i64(), Some(5), "{api}");
    // Two lines of one report each: merged into one small line, and the total small too; no
    // line names a district of so few reports.
    assert_eq!(api["rows"].as_array().map(Vec::len), Some(0), "{api}");
    assert_eq!((&api["others"]["total"], &api["total"]["total"]), (&serde_json::Value::Null, &serde_json::Value::Null), "{api}");
    // Published figures take whole years and no other filter: a search would single out a report.
    for query in [format!("recherche=%23{hall}"), "etat=new".into(), "du=2026-01-01".into(), "quartier=1".into()] {
        let r = reader.get(city.app.url(&format!("/api/v1/signalements/statistiques?{query}"))).send().await.unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let page = reader.get(city.app.url(&format!("/signalements/statistiques?{query}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Les filtres sont réservés"), "{query}");
    }
    // Who handles reports sees them as they are.
    let coord = city.app.login(email_for(Role::Coordinator)).await;
    let api: serde_json::Value =
        coord.get(city.app.url("/api/v1/signalements/statistiques?groupe=quartier")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["total"]["total"].as_i64(), Some(2));
    let (status, to, _) = home(city.app.login(email_for(Role::Dpo)).await).await;
    assert_eq!((status, to.as_deref()), (303, Some("/journal")));
    let (status, to, _) = home(city.app.login(email_for(Role::Administrator)).await).await;
    assert_eq!((status, to.as_deref()), (303, Some("/admin/comptes")));
    // Logging in with no target leads to the start page.
    let r = city
        .app
        .client()
        .post(city.app.url("/connexion"))
        .form(&[("email", LANDLORD_AGENT), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
}

/// The report form says every fault at once, each beside its field; the JSON API says its
/// refusals in French, without the names of internal types.
async fn the_report_form_says_every_fault_beside_its_field(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    let r = city.post_report(&landlord, &[("categorie", ""), ("description", ""), ("lat", "abc"), ("lon", "2.3")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for field in ["categorie", "description", "lat", "lon"] {
        let described = if field == "lat" || field == "lon" { "lieu-error" } else { &format!("{field}-error") };
        let at = page.find(&format!("id=\"{field}\"")).unwrap_or_else(|| panic!("{field}"));
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(tag.contains("aria-invalid=\"true\"") && tag.contains(described), "{field}: {tag}");
        assert!(page.contains(&format!("id=\"{described}\"")), "{field}");
    }
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<title>Erreur : "), "the title says it first");
    let api = |body: &'static str, content_type: &'static str| {
        let c = landlord.clone();
        let url = city.app.url("/api/v1/signalements");
        async move {
            c.post(url).header("content-type", content_type).body(body).send().await.unwrap().json::<serde_json::Value>().await.unwrap()
        }
    };
    for answer in [api("{", "application/json").await, api(r#"{"description":5}"#, "application/json").await, api("{}", "text/plain").await]
    {
        let message = answer["message"].as_str().unwrap();
        assert!(!message.contains("ReportInput") && !message.contains("Failed") && !message.contains("Expected"), "{message}");
    }
}

backend_tests!(
    the_report_form_says_every_fault_beside_its_field,
    each_role_starts_on_its_work,
    search_by_number_and_words,
    the_state_form_never_moves_a_report_by_default,
    bad_numbers_and_dates_get_clear_answers,
    consultations_are_in_the_journal,
    what_each_part_may_do,
    exports_are_safe_and_nothing_private_is_cached,
    unknown_stored_values_are_errors,
    statistics_from_counts_match_the_rows,
    address_lookup_places_the_point,
    address_lookup_is_off_by_default,
    daily_digest_lists_what_changed,
    json_api_goes_through_the_same_checks,
    routing_and_visibility,
    workflow,
    bad_input_writes_nothing,
    duplicates_are_offered_and_the_map_places_points,
    statistics_overdue_and_exports,
    photos_are_cleaned,
    closed_reports_are_anonymised,
    notifications_reach_a_real_smtp_server,
    mail_waits_while_the_server_is_down,
    settings_upload_areas_and_refuse_bad_files,
);
