//! Indicators, on both backends: a partner's declared figure from draft to validation (returned
//! once with a comment), refused field by field when wrong, never changed once submitted or
//! locked; the figures computed from the records; a reference sheet edited as a new version of
//! the strategy; a reporting campaign's progress and its reminders.
#![cfg(test)]

mod common;

use common::member::text;
use common::{Backend, LANDLORD_AGENT, POLICE_AGENT, city, email_for, libreoffice_reads, odt_content, poppler_reads};
use maillage_core::authz::Role;
use maillage_core::indicator::Period;
use maillage_core::indicator::declaration::State;
use maillage_store::indicator::DeclaredKey;

fn this_year() -> i32 {
    maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).year()
}

async fn indicator_id(app: &common::TestApp, sheet: &str, start: &str) -> i64 {
    let all = maillage_app::indicator::indicators(&app.state).await.unwrap();
    all.iter().find(|i| i.indicator.sheet == sheet && i.indicator.label.starts_with(start)).unwrap().id
}

async fn post(c: &reqwest::Client, url: String, form: &[(&str, String)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn board(c: &reqwest::Client, app: &common::TestApp, year: i32, id: i64) -> serde_json::Value {
    let b: serde_json::Value = c.get(app.url(&format!("/api/v1/indicateurs?annee={year}"))).send().await.unwrap().json().await.unwrap();
    b["indicateurs"].as_array().unwrap().iter().find(|i| i["id"].as_i64() == Some(id)).unwrap()["periodes"][0].clone()
}

async fn a_declared_figure_goes_through_review(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    // "Nombre de familles reçues": declared, broken down by district, a partial breakdown warned.
    let families = indicator_id(app, "1.2", "Nombre de familles").await;
    let url = app.url(&format!("/evaluation/declarations/{families}/2020"));
    let key = DeclaredKey { indicator_id: families, period: Period::Year(2020), organisation_id: city.police };
    let police = app.login(POLICE_AGENT).await;
    let (status, page) = text(&police, url.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nord") && page.contains("Transmettre à la coordination"), "{page}");
    let north = format!("district.{}", city.north);

    // Bad input: nothing is written, every fault is said.
    for (form, said) in [
        (vec![("total", "douze".to_string()), (north.as_str(), "2".into())], "n&#39;est pas un nombre entier"),
        (vec![("total", "-4".to_string())], "nombre entier de 0"),
        (vec![("total", "5".to_string()), (north.as_str(), "7".into())], "fait 7, le total est 5"),
        (vec![("total", "5".to_string()), ("district.999999", "1".into())], "valeur inconnue"),
        (vec![("total", "5".to_string()), ("sex.F", "1".into())], "ne se ventile pas par sexe"),
        (vec![("total", String::new())], "Indiquez le total"),
    ] {
        let mut form = form;
        form.push(("step", "transmettre".into()));
        let (status, _, body) = post(&police, url.clone(), &form).await;
        assert_eq!(status, 422, "{form:?}");
        assert!(body.contains(said), "{said}: {body}");
        assert!(body.contains("Le chiffre n&#39;a pas été enregistré"));
    }
    assert_eq!(app.store.declared_value_at(key).await.unwrap(), None, "nothing was written");

    // A draft, then submitted with a partial breakdown: kept, with a warning.
    let (status, location, _) = post(&police, url.clone(), &[("total", "10".into()), ("step", "brouillon".into())]).await;
    assert_eq!(status, 303);
    assert!(location.contains("fait=brouillon"));
    let v = app.store.declared_value_at(key).await.unwrap().unwrap();
    assert_eq!((v.state, v.total, v.version), (State::Draft, 10, 1));
    let form = vec![
        ("total", "10".to_string()),
        (north.as_str(), "6".into()),
        ("comment", "Familles reçues au PRE.".into()),
        ("version", "1".into()),
        ("step", "transmettre".into()),
    ];
    assert_eq!(post(&police, url.clone(), &form).await.0, 303);
    let v = app.store.declared_value_at(key).await.unwrap().unwrap();
    assert_eq!(v.state, State::Submitted);
    assert_eq!(v.warnings, ["La ventilation par quartier fait 6, le total est 10."]);
    // Submitted: it no longer changes from the partner's side.
    let (status, _, body) =
        post(&police, url.clone(), &[("total", "99".into()), ("version", "2".into()), ("step", "transmettre".into())]).await;
    assert_eq!(status, 409);
    assert!(body.contains("ce chiffre a été transmis"), "{body}");
    assert_eq!(app.store.declared_value_at(key).await.unwrap().unwrap().total, 10);

    // Another partner neither sees nor changes it.
    let landlord = app.login(LANDLORD_AGENT).await;
    let (_, list) = text(&landlord, app.url("/evaluation/declarations?annee=2020")).await;
    assert!(!list.contains("Familles reçues au PRE"));
    let theirs: serde_json::Value = landlord.get(app.url("/api/v1/declarations?annee=2020")).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs["declarations"].as_array().unwrap().len(), 0);

    // The coordinator returns it: a comment is required.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let (_, queue) = text(&coordinator, app.url("/evaluation/declarations?annee=2020")).await;
    assert!(queue.contains("À valider (1)") && queue.contains("fait 6, le total est 10"), "{queue}");
    let review = app.url(&format!("/evaluation/declarations/valeurs/{}", v.id));
    let (status, _, body) = post(&coordinator, review.clone(), &[("version", "2".into()), ("decision", "renvoyer".into())]).await;
    assert_eq!(status, 422);
    assert!(body.contains("Dites au partenaire ce qu&#39;il doit corriger"));
    let returned = [("version", "2".to_string()), ("decision", "renvoyer".into()), ("comment", "Ventilez tout le total.".into())];
    assert_eq!(post(&coordinator, review.clone(), &returned).await.0, 303);
    // A second decision from the same stale page is refused.
    assert_eq!(post(&coordinator, review.clone(), &[("version", "2".into()), ("decision", "valider".into())]).await.0, 409);
    let (_, page) = text(&police, url.clone()).await;
    assert!(page.contains("Ventilez tout le total.") && page.contains("Renvoyé pour correction"));
    let v = app.store.declared_value_at(key).await.unwrap().unwrap();
    let fixed =
        [("total", "10".to_string()), (north.as_str(), "10".into()), ("version", v.version.to_string()), ("step", "transmettre".into())];
    assert_eq!(post(&police, url.clone(), &fixed).await.0, 303);
    let v = app.store.declared_value_at(key).await.unwrap().unwrap();
    assert!(v.warnings.is_empty());
    // Not counted until validated.
    let cell = board(&coordinator, app, 2020, families).await;
    assert_eq!(cell["valeur"], serde_json::Value::Null);
    let validated = [("version", v.version.to_string()), ("decision", "valider".into())];
    assert_eq!(post(&coordinator, review.clone(), &validated).await.0, 303);
    assert_eq!(board(&coordinator, app, 2020, families).await["valeur"], 10);

    // A count of people below 5 leaves the coordination as "< 5".
    let rehoused = indicator_id(app, "5.1", "Nombre de femmes relogées").await;
    let k = DeclaredKey { indicator_id: rehoused, period: Period::Year(2020), organisation_id: city.landlord };
    let draft = maillage_core::indicator::declaration::DeclaredDraft { total: Some(3), ..Default::default() };
    let id = app.store.save_declared_value(&maillage_store::Author::system(), k, None, State::Submitted, &draft, &[]).await.unwrap();
    app.store.review_declared_value(&maillage_store::Author::system(), id, (1, State::Submitted), State::Validated, "").await.unwrap();
    assert_eq!(board(&coordinator, app, 2020, rehoused).await["valeur"], 3);
    let official = app.login(email_for(Role::Reader)).await;
    assert_eq!(board(&official, app, 2020, rehoused).await["valeur"], "<\u{a0}5");
    let (_, page) = text(&official, app.url("/evaluation/indicateurs?annee=2020")).await;
    assert!(page.contains("Non publié (moins de 5)"), "a hidden count is not judged as if it had no target: {page}");

    // A period not begun, or another organisation's part, is refused.
    let next = app.url(&format!("/evaluation/declarations/{families}/{}", this_year() + 1));
    let (status, _, body) = post(&police, next, &[("total", "1".into()), ("step", "brouillon".into())]).await;
    assert_eq!(status, 422);
    assert!(body.contains("pas commencé"), "{body}");
    let r = police
        .post(app.url("/api/v1/declarations"))
        .json(&serde_json::json!({"indicateur": rehoused, "periode": "2021", "total": 2, "ventilation": [{"dimension": "organisation", "part": city.landlord.to_string(), "valeur": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a partner declares for itself only");
    // A draft stays with its organisation.
    assert_eq!(
        post(
            &police,
            app.url(&format!("/evaluation/declarations/{families}/2021")),
            &[("total", "8".into()), ("step", "brouillon".into())]
        )
        .await
        .0,
        303
    );
    let all: serde_json::Value = coordinator.get(app.url("/api/v1/declarations?annee=2021")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all["declarations"].as_array().unwrap().len(), 0, "{all}");
    // A year is adopted once over, and not while a submitted figure waits.
    let waiting = DeclaredKey { indicator_id: families, period: Period::Year(2020), organisation_id: city.other };
    let draft = maillage_core::indicator::declaration::DeclaredDraft { total: Some(50), ..Default::default() };
    let id = app.store.save_declared_value(&maillage_store::Author::system(), waiting, None, State::Submitted, &draft, &[]).await.unwrap();
    let adopt = [("annee", "2020".to_string()), ("adopted_on", "2021-03-01".into()), ("confirm", "oui".into())];
    let (status, _, body) = post(&coordinator, app.url("/evaluation/adoption"), &adopt).await;
    assert_eq!(status, 409);
    assert!(body.contains("1 chiffre(s) transmis pour 2020 attendent"), "{body}");
    app.store.review_declared_value(&maillage_store::Author::system(), id, (1, State::Submitted), State::Returned, "Non.").await.unwrap();
    let this = [
        ("annee", this_year().to_string()),
        ("adopted_on", maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).to_string()),
        ("confirm", "oui".into()),
    ];
    assert_eq!(post(&coordinator, app.url("/evaluation/adoption"), &this).await.0, 422, "the year in progress");

    // The plenary adopts 2020: its figures are locked for everyone.
    let (status, _, _) =
        post(&coordinator, app.url("/evaluation/adoption"), &[("annee", "2020".into()), ("adopted_on", "2021-03-01".into())]).await;
    assert_eq!(status, 422, "the adoption is confirmed");
    assert_eq!(post(&coordinator, app.url("/evaluation/adoption"), &adopt).await.0, 303);
    let v = app.store.declared_value_at(key).await.unwrap().unwrap();
    assert_eq!(v.state, State::Locked);
    assert_eq!(app.store.declared_value_at(waiting).await.unwrap().unwrap().state, State::Returned, "only validated figures are locked");
    let (status, _, body) = post(&police, url.clone(), &[("total", "1".into()), ("step", "brouillon".into())]).await;
    assert_eq!(status, 409);
    assert!(body.contains("verrouillée"), "{body}");
    let other = app.url(&format!("/evaluation/declarations/{families}/2020"));
    let (status, _, _) = post(&landlord, other, &[("total", "1".into()), ("step", "brouillon".into())]).await;
    assert_eq!(status, 409, "a new figure for a locked year is refused too");
    assert_eq!(
        post(&coordinator, review, &[("version", v.version.to_string()), ("decision", "renvoyer".into()), ("comment", "x".into())]).await.0,
        409
    );
    assert_eq!(board(&coordinator, app, 2020, families).await["valeur"], 10, "a locked figure still counts");
    // Nor does an activity of 2020 change any more (its counts are final).
    let activity = serde_json::json!({"kind": "atelier", "title": "Atelier", "started_on": "2020-05-04", "sheets": ["1.1"]});
    let r = police.post(app.url("/api/v1/activites")).json(&activity).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Le bilan 2020 a été adopté en plénière le 01/03/2021"));
    // The API refuses as the form does, structured.
    let r = police
        .post(app.url("/api/v1/declarations"))
        .json(&serde_json::json!({"indicateur": families, "periode": "2021", "total": -1, "ventilation": [{"dimension": "zone", "part": "1", "valeur": 1}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let refusal: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = refusal["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["ventilation[0].dimension", "total"], "{refusal}");
    let ok: serde_json::Value = police
        .post(app.url("/api/v1/declarations"))
        .json(&serde_json::json!({"indicateur": families, "periode": "2021", "total": 4, "action": "transmettre", "version": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["etat"], "submitted", "{ok}");
}

async fn computed_figures_follow_the_records(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let year = this_year();
    let sheets = app.store.sheet_choices().await.unwrap();
    let sheet = sheets.iter().find(|s| s.code == "1.1").unwrap().id;
    let workshops = indicator_id(app, "1.1", "Nombre d'ateliers").await;
    let young = indicator_id(app, "1.1", "Nombre de jeunes âge").await;
    let reports = indicator_id(app, "3.2", "Nombre de signalements").await;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    assert_eq!(board(&coordinator, app, year, workshops).await["valeur"], 0);
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let line = |sex: &str, count| maillage_core::activity::Participants {
        public: "jeunes".into(),
        age_band: "12_15".into(),
        sex: sex.into(),
        count,
    };
    let mut ids = Vec::new();
    for kind in ["atelier", "exposition"] {
        let draft = maillage_core::activity::ActivityDraft {
            kind: kind.into(),
            title: "Action".into(),
            started_on: Some(today),
            sheet_ids: vec![sheet],
            district_id: Some(city.north),
            participants: vec![line("F", 7), line("M", 2)],
            ..Default::default()
        };
        ids.push(app.store.create_activity(&maillage_store::Author::system(), None, Some(city.police), &draft).await.unwrap());
    }
    assert_eq!(board(&coordinator, app, year, workshops).await["valeur"], 1, "only workshops");
    assert_eq!(board(&coordinator, app, year, young).await["valeur"], 18);
    // Counts kept ahead and rows agree, through changes and deletions.
    let by = maillage_store::Author::system();
    let changed = maillage_core::activity::ActivityDraft {
        kind: "intervention_prevention".into(),
        title: "Action".into(),
        started_on: Some(today),
        sheet_ids: vec![sheet, sheets.iter().find(|s| s.code == "5.2").unwrap().id, sheets.iter().find(|s| s.code == "6.1").unwrap().id],
        organisation_ids: vec![city.other, city.police],
        participants: vec![line("F", 3), maillage_core::activity::Participants { public: "familles".into(), ..line("M", 6) }],
        professionals_present: 4,
        ..Default::default()
    };
    app.store.update_activity(&by, ids[1], 1, &changed).await.unwrap();
    let extra = app.store.create_activity(&by, None, None, &changed).await.unwrap();
    app.store.delete_activity(&by, extra, 1).await.unwrap();
    app.store
        .create_activity(
            &by,
            None,
            Some(city.landlord),
            &maillage_core::activity::ActivityDraft { district_id: Some(city.north), ..changed },
        )
        .await
        .unwrap();
    let period = Period::Year(year);
    let mut compared = 0;
    for ind in maillage_app::indicator::indicators(&app.state).await.unwrap() {
        if !ind.indicator.source.code().starts_with("activities.") {
            continue;
        }
        let kept = maillage_app::indicator::figure(&app.state, &ind, period, today).await.unwrap();
        let rows = maillage_app::indicator::figure_from_rows(&app.state, &ind, period, today).await.unwrap();
        assert_eq!(kept, rows, "{} {}", ind.indicator.sheet, ind.indicator.label);
        compared += usize::from(kept.total > 0);
    }
    assert!(compared >= 6, "the comparison saw figures: {compared}");
    let partners = indicator_id(app, "6.1", "Nombre de partenaires").await;
    assert_eq!(board(&coordinator, app, year, partners).await["valeur"], 3, "police, other, landlord: each once");
    city.dumping_in_hall(&app.login(LANDLORD_AGENT).await).await;
    assert_eq!(board(&coordinator, app, year, reports).await["valeur"], 1);
    // The indicator's page breaks the young people down by sex, and hides what is below 5
    // outside the coordination.
    let (status, page) = text(&coordinator, app.url(&format!("/evaluation/indicateurs/{young}?annee={year}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Femmes, filles</th><td data-label=\"jeunes\">13</td>"), "{page}");
    let official = app.login(email_for(Role::Reader)).await;
    let (_, page) = text(&official, app.url(&format!("/evaluation/indicateurs/{young}?annee={year}"))).await;
    assert!(page.contains("Hommes, garçons</th><td data-label=\"jeunes\">&#60;\u{a0}5</td>"), "{page}");
    let (status, page) = text(&official, app.url(&format!("/evaluation/indicateurs?annee={year}"))).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Adoption du bilan"), "the coordinator's forms only");
}

async fn a_reference_sheet_is_a_new_version(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let id = indicator_id(app, "1.1", "Nombre d'ateliers").await;
    let before = app.store.current_strategy().await.unwrap().unwrap().version;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let url = app.url(&format!("/evaluation/indicateurs/{id}/modifier"));
    let (status, page) = text(&coordinator, url.clone()).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"activities.count\" selected"), "{page}");
    let base = |source: &str, targets: &str| {
        vec![
            ("definition", "Ateliers.".to_string()),
            ("level", "output".into()),
            ("unit", "ateliers".into()),
            ("source", source.into()),
            ("kind", "atelier".into()),
            ("breakdown", "district".into()),
            ("frequency", "year".into()),
            ("direction", "increase".into()),
            ("sum_rule", "warning".into()),
            ("targets", targets.into()),
            ("version", before.to_string()),
        ]
    };
    let (status, _, body) = post(&coordinator, url.clone(), &base("reports.created", "2020 ; douze")).await;
    assert_eq!(status, 422);
    assert!(body.contains("Ligne 1 : « période ; nombre » attendu"), "{body}");
    let (status, _, body) = post(&coordinator, url.clone(), &base("working_groups.meetings", "2020 ; 12")).await;
    assert_eq!(status, 422);
    assert!(body.contains("ne ventile pas par") && body.contains("filtre par type d&#39;action"), "{body}");
    assert_eq!(app.store.current_strategy().await.unwrap().unwrap().version, before, "nothing saved");
    let (status, location, _) = post(&coordinator, url.clone(), &base("activities.count", "2020 ; 12\n2021 ; 15")).await;
    assert_eq!(status, 303);
    assert!(location.ends_with(&format!("?enregistre={}", before + 1)));
    let after = maillage_app::indicator::indicator(&app.state, id).await.unwrap().unwrap();
    assert_eq!(after.indicator.target(&Period::Year(2021)), Some(15), "same id, new sheet");
    let (status, _, body) = post(&coordinator, url, &base("activities.count", "2020 ; 1")).await;
    assert_eq!(status, 409, "a form from the previous version");
    assert!(body.contains("2021 ; 15"), "the sheet as it is now: {body}");
    // The version history says what changed.
    let strategy = app.store.current_strategy().await.unwrap().unwrap().id;
    let versions = app.store.strategy_versions(strategy).await.unwrap();
    assert!(versions.iter().any(|v| v.source.contains("fiche indicateur")), "{versions:?}");
}

async fn a_campaign_tracks_and_reminds(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let year = this_year();
    let families = indicator_id(app, "1.2", "Nombre de familles").await;
    let workshops = indicator_id(app, "1.1", "Nombre d'ateliers").await;
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let form = |requests: Vec<String>, deadline: String| {
        let mut f = vec![("title", "Bilan : chiffres des partenaires".to_string()), ("period", year.to_string()), ("deadline", deadline)];
        f.extend(requests.into_iter().map(|r| ("request", r)));
        f
    };
    let (status, _, body) = post(
        &coordinator,
        app.url("/evaluation/campagnes"),
        &form(vec![format!("{workshops}:{}", city.police)], (today - time::Duration::days(1)).to_string()),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("La date limite est passée") && body.contains("Un indicateur calculé ne se demande pas"), "{body}");
    let asked = vec![format!("{families}:{}", city.police), format!("{families}:{}", city.landlord)];
    let (status, location, _) = post(&coordinator, app.url("/evaluation/campagnes"), &form(asked, today.to_string())).await;
    assert_eq!(status, 303);
    let police = app.login(POLICE_AGENT).await;
    let (_, list) = text(&police, app.url("/evaluation/declarations")).await;
    assert!(list.contains("Bilan : chiffres des partenaires"), "the partner sees what is asked: {list}");
    let url = app.url(&format!("/evaluation/declarations/{families}/{year}"));
    assert_eq!(post(&police, url, &[("total", "3".into()), ("step", "transmettre".into())]).await.0, 303);
    let (_, page) = text(&coordinator, app.url(&location)).await;
    assert!(page.contains("Police municipale d&#39;essai</th><td data-label=\"Demandés\">1</td><td data-label=\"Transmis\">1</td><td data-label=\"Complétude\">100 %</td><td data-label=\"Transmis à temps\">1</td>"), "{page}");
    assert!(page.contains("<td data-label=\"Complétude\">0 %</td>"));
    // The deadline is today: the landlord, who owes a figure, is reminded once.
    let before = app.store.due_mail(100).await.unwrap().len();
    assert_eq!(maillage_app::indicator::campaign::remind_due(&app.state, today, "http://maillage.test").await.unwrap(), 1);
    let mail = app.store.due_mail(100).await.unwrap();
    assert_eq!(mail.len(), before + 1);
    let reminder = mail.iter().find(|m| m.recipient == LANDLORD_AGENT).unwrap();
    assert!(reminder.subject.contains("1 chiffre(s) à transmettre") && reminder.body.contains("/evaluation/declarations"));
    assert_eq!(maillage_app::indicator::campaign::remind_due(&app.state, today, "http://maillage.test").await.unwrap(), 0);
}

/// The yearly report: every sheet with its indicators against their targets, exact for the
/// coordination and published for an elected official; its indicators as CSV and ODS.
async fn the_yearly_report_is_written(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let year = this_year();
    let sheets = app.store.sheet_choices().await.unwrap();
    let sheet = sheets.iter().find(|s| s.code == "1.1").unwrap().id;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let line = |sex: &str, count| maillage_core::activity::Participants {
        public: "jeunes".into(),
        age_band: "12_15".into(),
        sex: sex.into(),
        count,
    };
    let draft = maillage_core::activity::ActivityDraft {
        kind: "atelier".into(),
        title: "Atelier".into(),
        started_on: Some(today),
        sheet_ids: vec![sheet],
        participants: vec![line("F", 3)],
        ..Default::default()
    };
    app.store.create_activity(&maillage_store::Author::system(), None, Some(city.police), &draft).await.unwrap();
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let (status, page) = text(&coordinator, app.url(&format!("/evaluation/bilan?annee={year}"))).await;
    assert_eq!(status, 200);
    assert!(page.contains("bilan.odt") && page.contains("Projet de bilan"), "{page}");
    let content = odt_content(&coordinator, app.url(&format!("/evaluation/bilan/bilan.odt?annee={year}"))).await;
    assert!(content.contains(&format!("Bilan {year}")) && content.contains("Fiche 1.1 — Prévenir"), "{content}");
    assert!(content.contains("Nombre d&apos;ateliers (ateliers)") || content.contains("Nombre d'ateliers (ateliers)"), "{content}");
    assert!(content.contains(r#"text:outline-level="3""#) && content.contains("<table:table-header-rows>"));
    assert!(content.contains("participants : 3."), "exact for the coordination");
    // The ODT opens in LibreOffice with its text.
    let odt = coordinator.get(app.url(&format!("/evaluation/bilan/bilan.odt?annee={year}"))).send().await.unwrap().bytes().await.unwrap();
    let read = libreoffice_reads(odt.to_vec(), "odt", "txt:Text").await;
    assert!(
        read.contains(&format!("Bilan {year}")) && read.contains("Fiche 1.1 — Prévenir") && read.contains("participants : 3."),
        "{read}"
    );
    // The PDF: typeset, tagged, and read back by poppler with the same text.
    let r = coordinator.get(app.url(&format!("/evaluation/bilan/bilan.pdf?annee={year}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("bilan-{year}.pdf")));
    let (pdf_text, info) = poppler_reads(r.bytes().await.unwrap().to_vec()).await;
    assert!(info.contains("Tagged:          yes") && info.contains(&format!("Title:           Bilan {year}")), "{info}");
    assert!(pdf_text.contains("Fiche 1.1 — Prévenir") && pdf_text.contains("participants : 3."), "{pdf_text}");
    let official = app.login(email_for(Role::Reader)).await;
    let content = odt_content(&official, app.url(&format!("/evaluation/bilan/bilan.odt?annee={year}"))).await;
    assert!(content.contains("participants : &lt;\u{a0}5."), "published outside the coordination: {content}");
    let r = official.get(app.url(&format!("/evaluation/bilan/bilan.pdf?annee={year}"))).send().await.unwrap();
    let (pdf_text, _) = poppler_reads(r.bytes().await.unwrap().to_vec()).await;
    // pdftotext gives the no-break space back as a space.
    let pdf_text = pdf_text.replace('\u{a0}', " ");
    assert!(pdf_text.contains("participants : < 5.") && !pdf_text.contains("participants : 3."), "published in the PDF too: {pdf_text}");
    let r = official.get(app.url(&format!("/evaluation/bilan/indicateurs.csv?annee={year}&format=point-virgule"))).send().await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}Année;Axe;Fiche;Indicateur"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 40, "one line per indicator and period (the GUSP twice a year)");
    assert!(csv.contains(&format!("{year};1;1.1;Nombre d'ateliers;ateliers;Calculé;{year};1;;")), "{csv}");
    // The Table Schema names every column of the CSV, and every cell is of its column's type.
    let schema: serde_json::Value =
        official.get(app.url("/evaluation/bilan/indicateurs.schema.json")).send().await.unwrap().json().await.unwrap();
    let fields = schema["fields"].as_array().unwrap();
    let missing: Vec<&str> = schema["missingValues"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let header: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().next().unwrap().split(';').collect();
    assert_eq!(fields.iter().map(|f| f["name"].as_str().unwrap()).collect::<Vec<_>>(), header);
    let mut reader = ::csv::ReaderBuilder::new().delimiter(b';').from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        for (cell, field) in record.iter().zip(fields) {
            if field["type"] == "integer" && !missing.contains(&cell) {
                assert!(cell.parse::<i64>().is_ok(), "{} = {cell:?} is not an integer", field["name"]);
            }
        }
    }
    assert!(csv.contains("<\u{a0}5") && missing.contains(&"<\u{a0}5"), "a hidden count is a declared missing value");
    let r = official.get(app.url(&format!("/evaluation/bilan/indicateurs.ods?annee={year}"))).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/vnd.oasis.opendocument.spreadsheet");
    // The ODS opens in LibreOffice, its figures as numbers.
    let read = libreoffice_reads(r.bytes().await.unwrap().to_vec(), "ods", "csv:Text - txt - csv (StarCalc):44,34,76").await;
    assert_eq!(read.lines().count(), 1 + 40, "{read}");
    assert!(read.contains(&format!("{year},1,1.1,Nombre d'ateliers,ateliers,Calculé,{year},1,,")), "{read}");
    assert_eq!(official.get(app.url("/evaluation/bilan/indicateurs.csv?format=tab")).send().await.unwrap().status(), 400);
}

/// Declared figures as a long CSV: every fault of a file named with its line and column and
/// nothing written; a good file written whole; exported, corrected in one place and imported
/// again.
async fn declared_figures_round_trip_as_a_long_csv(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let families = indicator_id(app, "1.2", "Nombre de familles").await;
    let procedures = indicator_id(app, "4.1", "Nombre de procédures").await;
    let workshops = indicator_id(app, "1.1", "Nombre d'ateliers").await;
    let police = app.login(POLICE_AGENT).await;
    let police_code = app.store.organisations().await.unwrap().into_iter().find(|o| o.id == city.police).unwrap().code;
    let key = |indicator_id| DeclaredKey { indicator_id, period: Period::Year(2020), organisation_id: city.police };
    app.store.adopt_year(&maillage_store::Author::system(), 2019, time::macros::date!(2020 - 03 - 01)).await.unwrap();
    let header = "indicateur;libelle;periode;ventilation;partie;organisation;valeur;commentaire";
    let good = format!(
        "\u{feff}{header}\n{families};Familles;2020;;;{police_code};12;Reçues au PRE\n{families};;2020;district;{};;7;\n{families};;2020;Quartier;Sud;;5;\n{procedures};;2020;;;;3;\n",
        city.north
    );
    let import = |body: Vec<u8>| {
        let (c, url) = (police.clone(), app.url("/api/v1/declarations/import?action=transmettre"));
        async move {
            let r = c.post(url).header("content-type", "text/csv").body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let latin1: Vec<u8> = good.trim_start_matches('\u{feff}').chars().map(|c| c as u32 as u8).collect();
    for (body, line, column, said) in [
        (latin1, 2, "", "UTF-8"),
        ("indicateur;periode;valeur;quartier\n".as_bytes().to_vec(), 1, "quartier", "inconnue"),
        ("indicateur;periode;valeur\n1;2020;1\n".as_bytes().to_vec(), 1, "ventilation", "manque"),
        (good.replace(";7;", ";-7;").into_bytes(), 3, "valeur", "nombre entier"),
        (good.replace(";3;", ";trois;").into_bytes(), 5, "valeur", "pas « trois »"),
        (format!("{good}{procedures};;2020;;;;4;\n").into_bytes(), 6, "", "la ligne 5"),
        (good.replace(";7;", ";9;").into_bytes(), 2, "valeur", "fait 14, le total est 12"),
        (good.replace(";Sud;", ";Ouest;").into_bytes(), 4, "partie", "partie inconnue"),
        (good.replace(&format!("{procedures};;2020"), &format!("{procedures};;2019")).into_bytes(), 5, "periode", "verrouill"),
        (good.replace(&format!("{procedures};;2020"), &format!("{workshops};;2020")).into_bytes(), 5, "indicateur", "calculé"),
        (good.replace(&police_code, "bailleur-essai").into_bytes(), 2, "organisation", "pour elle-même"),
        (good.replace(";Reçues au PRE", ";;Reçues").into_bytes(), 2, "", "colonne(s) au lieu de"),
        (format!("{header}\n{families};;2020;district;{};;7;\n", city.north).into_bytes(), 2, "ventilation", "total de ce chiffre manque"),
        (good.replace(";Sud;;5;", ";Sud;;5;Et ici").into_bytes(), 4, "commentaire", "ligne du total"),
        (good.replace(";Reçues au PRE\n", ";\"Reçues au PRE\n").into_bytes(), 2, "", "jamais fermé"),
    ] {
        let (status, body) = import(body).await;
        assert_eq!(status, 422, "{said}: {body}");
        assert_eq!(body["error"], "invalid_lines");
        let lines = body["lines"].as_array().unwrap();
        assert!(
            lines.iter().any(|l| l["ligne"] == line && l["colonne"] == column && l["message"].as_str().unwrap().contains(said)),
            "{said} at line {line}, column {column:?}: {body}"
        );
        assert_eq!(app.store.declared_value_at(key(families)).await.unwrap(), None, "nothing written ({said})");
        assert_eq!(app.store.declared_value_at(key(procedures)).await.unwrap(), None, "nothing written ({said})");
    }

    // A good file, from the page: both figures transmitted, written together.
    let form = reqwest::multipart::Form::new()
        .text("annee", "2020")
        .text("action", "transmettre")
        .part("fichier", reqwest::multipart::Part::bytes(good.clone().into_bytes()).file_name("chiffres.csv"));
    let r = police.post(app.url("/evaluation/declarations/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Fichier importé : 2 chiffre(s) enregistré(s)"));
    let v = app.store.declared_value_at(key(families)).await.unwrap().unwrap();
    assert_eq!((v.state, v.total, v.parts.len(), v.comment.as_str()), (State::Submitted, 12, 2, "Reçues au PRE"));
    assert_eq!(app.store.declared_value_at(key(procedures)).await.unwrap().unwrap().total, 3);

    // The coordinator returns the families; the partner exports, corrects that line, imports.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let review = app.url(&format!("/evaluation/declarations/valeurs/{}", v.id));
    let returned = [("version", v.version.to_string()), ("decision", "renvoyer".into()), ("comment", "Douze ou treize ?".into())];
    assert_eq!(post(&coordinator, review, &returned).await.0, 303);
    let exported = police.get(app.url("/evaluation/declarations/export.csv?annee=2020&format=point-virgule")).send().await.unwrap();
    assert_eq!(exported.headers()["content-type"], "text/csv; charset=utf-8");
    let exported = exported.text().await.unwrap();
    assert!(exported.starts_with(&format!("\u{feff}{header}\n")), "{exported}");
    assert!(exported.contains(&format!("{families};Nombre de familles reçues;2020;;;{police_code};12;Reçues au PRE")), "{exported}");
    assert!(
        exported.contains(&format!("{families};Nombre de familles reçues;2020;district;{};{police_code};7;", city.north)),
        "{exported}"
    );
    let corrected = exported
        .replace(";12;Reçues au PRE", ";13;+1 famille reçue après vérification")
        .replace(&format!("{};{police_code};7;", city.north), &format!("{};{police_code};8;", city.north));
    let (status, body) = import(corrected.into_bytes()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["chiffres"].as_i64(), body["inchanges"].as_i64()), (Some(1), Some(1)), "{body}");
    let v = app.store.declared_value_at(key(families)).await.unwrap().unwrap();
    assert_eq!((v.state, v.total), (State::Submitted, 13));
    assert_eq!(v.comment, "+1 famille reçue après vérification");
    // Exported again (the comment written '+1… so that no spreadsheet takes it for a formula)
    // and imported as it is: nothing changes.
    let again = police.get(app.url("/evaluation/declarations/export.csv?annee=2020")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("'+1 famille"), "{again}");
    let (status, body) = import(again.into_bytes()).await;
    assert_eq!((status, body["chiffres"].as_i64(), body["inchanges"].as_i64()), (200, Some(0), Some(2)), "{body}");
    assert_eq!(app.store.declared_value_at(key(families)).await.unwrap().unwrap().comment, "+1 famille reçue après vérification");
    // The coordinator's export holds what was submitted, never a partner's draft.
    let all = coordinator.get(app.url("/evaluation/declarations/export.csv?annee=2020")).send().await.unwrap().text().await.unwrap();
    assert!(all.starts_with("indicateur,libelle,periode") && all.contains(",13,"), "{all}");
    // A coordinator has no organisation to declare for.
    assert_eq!(coordinator.post(app.url("/api/v1/declarations/import")).body(good).send().await.unwrap().status(), 403);
}

backend_tests!(
    the_yearly_report_is_written,
    a_declared_figure_goes_through_review,
    computed_figures_follow_the_records,
    a_reference_sheet_is_a_new_version,
    a_campaign_tracks_and_reminds,
    declared_figures_round_trip_as_a_long_csv
);
