//! The activity journal, on both backends: an activity recorded with its sheets, district,
//! organisations and participants; each partner sees and changes its organisation's only; bad
//! input is refused field by field with nothing written; a stale change keeps what was typed;
//! the JSON API over the same checks.
#![cfg(test)]

mod common;

use common::member::text;
use common::{Backend, LANDLORD_AGENT, POLICE_AGENT, city, email_for, small_png};
use maillage_core::authz::Role;

fn today() -> String {
    maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).to_string()
}

/// A complete form: two sheets, a district, an organisation, two participant lines and two
/// blank ones.
fn form(sheets: [i64; 2], district: i64, org: i64) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "atelier".into()),
        ("title", "Atelier sur le harcèlement".into()),
        ("started_on", today()),
        ("ended_on", String::new()),
        ("sheet", sheets[0].to_string()),
        ("sheet", sheets[1].to_string()),
        ("district_id", district.to_string()),
        ("organisation", org.to_string()),
        ("public", "jeunes".into()),
        ("age_band", "12_15".into()),
        ("sex", "F".into()),
        ("count", "12".into()),
        ("public", "jeunes".into()),
        ("age_band", "12_15".into()),
        ("sex", "M".into()),
        ("count", "9".into()),
        ("public", String::new()),
        ("age_band", String::new()),
        ("sex", String::new()),
        ("count", String::new()),
        ("professionals_present", "3".into()),
        ("note", "Deux séances au collège.".into()),
    ]
}

fn with(form: &[(&'static str, String)], field: &str, value: &str) -> Vec<(&'static str, String)> {
    let mut done = false;
    form.iter()
        .map(|(k, v)| {
            if *k == field && !done {
                done = true;
                (*k, value.to_string())
            } else {
                (*k, v.clone())
            }
        })
        .collect()
}

async fn send(c: &reqwest::Client, url: String, form: &[(&'static str, String)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn recorded_with_participants_and_scoped(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let sheets = app.store.sheet_choices().await.unwrap();
    let two = [sheets[0].id, sheets[3].id];
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    assert_eq!(text(&coordinator, app.url("/activites/nouvelle")).await.0, 200);
    let (status, location, body) = send(&coordinator, app.url("/activites"), &form(two, city.north, city.police)).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.ends_with("?fait=enregistree"), "{location}");
    let (status, page) = text(&coordinator, app.url(&location)).await;
    assert_eq!(status, 200);
    assert!(page.contains("L&#39;action est enregistrée.") && page.contains("Atelier sur le harcèlement"));
    assert!(page.contains("<dt>Participants</dt><dd>21</dd>") && page.contains("12 à 15 ans") && page.contains("Femmes, filles"), "{page}");
    assert!(page.contains(&format!("{} — {}", sheets[3].code, sheets[3].title)));
    let list = text(&coordinator, app.url("/activites")).await.1;
    assert!(list.contains("1 action(s) en") && list.contains("21 participant(s)"), "{list}");
    let filtered = text(&coordinator, app.url(&format!("/activites?fiche={}", sheets[1].code))).await.1;
    assert!(filtered.contains("0 action(s) en"), "another sheet holds none");
    assert_eq!(text(&coordinator, app.url("/activites?fiche=9.9")).await.0, 400);

    // A partner records its own; each organisation sees and changes its own only.
    let landlord = app.login(LANDLORD_AGENT).await;
    let (status, own, _) = send(&landlord, app.url("/activites"), &form(two, city.north, city.police)).await;
    assert_eq!(status, 303);
    let list = text(&landlord, app.url("/activites")).await.1;
    assert!(list.contains("1 action(s) en") && list.contains("Bailleur d&#39;essai"), "{list}");
    let coordinators = location.split('?').next().unwrap().to_string();
    assert_eq!(text(&landlord, app.url(&coordinators)).await.0, 403, "another organisation's activity");
    let police = app.login(POLICE_AGENT).await;
    let (status, refused) = text(&police, app.url(own.split('?').next().unwrap())).await;
    assert_eq!(status, 403);
    let (status, missing) = text(&police, app.url("/activites/999999")).await;
    assert_eq!(status, 403, "a number that does not exist is told like another organisation's");
    let said = |page: &str| page.contains("a pas été enregistrée par votre organisation");
    assert!(said(&refused) && said(&missing));
    assert_eq!(text(&coordinator, app.url("/activites/999999")).await.0, 404, "the coordination reads all: 404 is no hint");
    assert!(text(&police, app.url("/activites")).await.1.contains("0 action(s) en"));
    let mut changed = with(&form(two, city.north, city.police), "title", "Détourné");
    changed.push(("version", "1".into()));
    assert_eq!(send(&police, app.url(own.split('?').next().unwrap()), &changed).await.0, 403);
    assert_eq!(
        text(&coordinator, app.url("/activites")).await.1.matches("<td data-label=\"Date\">").count(),
        2,
        "the coordinator sees all"
    );
    // Readers, the administrator and the DPO keep out of the journal.
    for role in [Role::Reader, Role::Administrator, Role::Dpo] {
        assert_eq!(text(&app.login(email_for(role)).await, app.url("/activites")).await.0, 403, "{role:?}");
    }
}

async fn bad_input_is_refused_field_by_field(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let sheets = app.store.sheet_choices().await.unwrap();
    let good = form([sheets[0].id, sheets[1].id], city.north, city.police);
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let tomorrow = (maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()) + time::Duration::days(1)).to_string();
    let long_note = "é".repeat(1001);
    let cases: Vec<(&str, &str, &str, bool)> = vec![
        ("kind", "inconnu", "type d&#39;action", true),
        ("title", "  ", "intitulé", true),
        ("started_on", &tomorrow, "dans le futur", true),
        ("started_on", "2026-02-31", "Date illisible", true),
        ("started_on", "9999-01-01", "Année hors des limites", true),
        ("started_on", "1999-12-31", "depuis 2000", true),
        ("title", "Atelier\u{2028}caché", "intitulé", true),
        ("district_id", "999999", "quartier", true),
        ("sheet", "999999", "fiches dans la liste", false),
        ("organisation", "abc", "Choisissez dans la liste", false),
        ("count", "douze", "un nombre entier est attendu", false),
        ("count", "0", "de 1 à", false),
        ("sex", "M", "figurent déjà sur une autre ligne", false),
        ("professionals_present", "-3", "professionnels présents", true),
        ("note", &long_note, "1000 caractères", true),
    ];
    for (field, value, said, has_input) in cases {
        let (status, _, page) = send(&coordinator, app.url("/activites"), &with(&good, field, value)).await;
        assert_eq!(status, 422, "{field} = {value}");
        assert!(page.contains(said), "{field} = {value}: «{said}» not said");
        let id = match field {
            "sheet" => "sheet_ids",
            "organisation" => "organisation_ids",
            "count" | "sex" => "participants",
            f => f,
        };
        if has_input {
            assert!(common::marked(&page, id), "{field} marked");
        } else {
            assert!(page.contains(&format!("id=\"{id}-error\"")), "{field}: its fieldset says it");
        }
        assert!(field == "note" || page.contains("Deux séances au collège."), "what was typed stays");
        assert!(page.contains("Atelier sur le harcèlement") || field == "title");
    }
    // No sheet at all.
    let none: Vec<_> = good.iter().filter(|(k, _)| *k != "sheet").cloned().collect();
    let (status, _, page) = send(&coordinator, app.url("/activites"), &none).await;
    assert!(status == 422 && page.contains("au moins une fiche"));
    let (count, _) = app.store.activity_totals(&Default::default()).await.unwrap();
    assert_eq!(count, 0, "nothing written");

    // A stale change keeps what was typed; the right version changes it.
    let (_, location, _) = send(&coordinator, app.url("/activites"), &good).await;
    let url = app.url(location.split('?').next().unwrap());
    let mut first = with(&good, "title", "Atelier renommé");
    first.push(("version", "1".into()));
    assert_eq!(send(&coordinator, url.clone(), &first).await.0, 303);
    let mut stale = with(&good, "title", "Changement tardif");
    stale.push(("version", "1".into()));
    let (status, _, page) = send(&coordinator, url.clone(), &stale).await;
    assert_eq!(status, 409);
    assert!(page.contains("Changement tardif") && page.contains("a changé entre-temps"));
    assert!(page.contains(r#"name="version" value="2""#), "the form now carries the current version");
    let page = text(&coordinator, url.clone()).await.1;
    assert!(page.contains("Atelier renommé") && !page.contains("Changement tardif"));
    // Saving again from that page replaces the activity knowingly.
    let mut again = with(&good, "title", "Changement tardif");
    again.push(("version", "2".into()));
    assert_eq!(send(&coordinator, url.clone(), &again).await.0, 303);
    assert!(text(&coordinator, url.clone()).await.1.contains("Changement tardif"));
    // Deleted when recorded by mistake: confirmed first, then gone with its counts.
    let year = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).year();
    assert_eq!(app.store.activity_figures(year, None).await.unwrap().activities, 1);
    let (status, _, page) = send(&coordinator, format!("{url}/suppression"), &[("version", "3".into())]).await;
    assert!(status == 422 && common::marked(&page, "confirm"), "confirmed first");
    let (status, _, _) = send(&coordinator, format!("{url}/suppression"), &[("version", "2".into()), ("confirm", "oui".into())]).await;
    assert_eq!(status, 409, "a stale version deletes nothing");
    let (status, location, _) =
        send(&coordinator, format!("{url}/suppression"), &[("version", "3".into()), ("confirm", "oui".into())]).await;
    assert_eq!((status, location.as_str()), (303, "/activites?fait=supprimee"));
    assert_eq!(text(&coordinator, url.clone()).await.0, 404);
    let after = app.store.activity_figures(year, None).await.unwrap();
    assert_eq!((after.activities, after.participants), (0, 0), "its counts went with it");
    let filter = maillage_store::audit::AuditFilter { operation: Some("activity.delete".into()), ..Default::default() };
    assert_eq!(app.store.audit_entries(&filter, 10, 0).await.unwrap()[0].detail, "atelier");
    let filter = maillage_store::audit::AuditFilter { operation: Some("activity.update".into()), ..Default::default() };
    assert_eq!(app.store.audit_entries(&filter, 10, 0).await.unwrap().len(), 2, "each change is in the journal");
}

async fn the_api_uses_the_same_rules(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let sheets = app.store.sheet_choices().await.unwrap();
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let body = serde_json::json!({
        "kind": "article_presse",
        "title": "Article sur les marches exploratoires",
        "started_on": today(),
        "sheets": [sheets[0].code],
        "participants": [{"public": "habitants", "age_band": "26_plus", "sex": "F", "count": 14}],
    });
    let r = coordinator.post(app.url("/api/v1/activites")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let made: serde_json::Value = r.json().await.unwrap();
    assert_eq!(made["participants_total"], 14);
    let mut bad = body.clone();
    bad["sheets"] = serde_json::json!(["9.9"]);
    bad["participants"][0]["count"] = serde_json::json!(-2);
    let r = coordinator.post(app.url("/api/v1/activites")).json(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let refusal: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = refusal["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["sheets", "participants"], "every fault at once, under the API's names: {refusal}");
    let r = coordinator.post(app.url("/api/v1/activites")).json(&serde_json::json!({"kind": 3})).send().await.unwrap();
    assert_eq!(r.status(), 400, "a body of the wrong shape");
    // The refusal names the field, wherever it is.
    let mut odd = body.clone();
    odd["participants"][0]["zz"] = serde_json::json!(1);
    let r = coordinator.post(app.url("/api/v1/activites")).json(&odd).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let said = r.text().await.unwrap();
    assert!(said.contains("« participants[0].zz » n'existe pas"), "an unknown key of a line is refused by name: {said}");
    let mut odd = body.clone();
    odd["extra"] = serde_json::json!(1);
    let said = coordinator.post(app.url("/api/v1/activites")).json(&odd).send().await.unwrap().text().await.unwrap();
    assert!(said.contains("« extra » n'existe pas"), "{said}");
    let mut odd = body.clone();
    odd["participants"][0]["count"] = serde_json::json!("14");
    let r = coordinator.post(app.url("/api/v1/activites")).json(&odd).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("« participants[0].count » n'a pas le type attendu"));
    let mut odd = body.clone();
    odd.as_object_mut().unwrap().remove("title");
    let r = coordinator.post(app.url("/api/v1/activites")).json(&odd).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("« title » manque"));
    let mut odd = body.clone();
    odd["started_on"] = serde_json::json!("01/12/2026");
    let refusal: serde_json::Value = coordinator.post(app.url("/api/v1/activites")).json(&odd).send().await.unwrap().json().await.unwrap();
    assert!(refusal["fields"][0]["message"].as_str().unwrap().contains("aaaa-mm-jj"), "{refusal}");
    let list: serde_json::Value = coordinator.get(app.url("/api/v1/activites")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["activities"].as_array().unwrap().len(), 1);
    assert_eq!((list["total"].as_i64(), list["per_page"].as_i64()), (Some(1), Some(50)));
    // The API filters by sheet as the page does.
    let other = &sheets[1].code;
    let list: serde_json::Value =
        coordinator.get(app.url(&format!("/api/v1/activites?fiche={other}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"].as_i64(), Some(0));
    assert_eq!(coordinator.get(app.url("/api/v1/activites?fiche=9.9")).send().await.unwrap().status(), 400);
}

/// A small PNG picture.
async fn upload(c: &reqwest::Client, url: String, bytes: Vec<u8>, caption: &str) -> (u16, String, String) {
    let form = reqwest::multipart::Form::new()
        .part("photo", reqwest::multipart::Part::bytes(bytes).file_name("photo.png"))
        .text("legende", caption.to_string());
    let r = c.post(url).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, r.text().await.unwrap())
}

async fn photos_are_cleaned_captioned_and_scoped(b: Backend) {
    let city = city(b).await;
    let app = &city.app;
    let sheets = app.store.sheet_choices().await.unwrap();
    let landlord = app.login(LANDLORD_AGENT).await;
    let (status, location, _) = send(&landlord, app.url("/activites"), &form([sheets[0].id, sheets[3].id], city.north, city.police)).await;
    assert_eq!(status, 303);
    let page = location.split('?').next().unwrap().to_string();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let url = app.url(&format!("{page}/photos"));

    // Refused, each with its reason, nothing kept: no caption, not a picture, a control
    // character in the caption, an empty file.
    for (bytes, caption, said) in [
        (small_png(), "", "décrivez la photo"),
        (b"%PDF-1.4 feuille d'emargement".to_vec(), "Feuille", "n&#39;est pas une image"),
        (small_png(), "Atelier\u{7}", "caractères invisibles"),
        (Vec::new(), "Atelier", "vide"),
    ] {
        let (status, _, body) = upload(&landlord, url.clone(), bytes, caption).await;
        assert_eq!(status, 422, "{said}");
        assert!(body.contains(said), "{said}: {body}");
        if !caption.contains('\u{7}') {
            assert!(body.contains(&format!("value=\"{caption}\"")), "the caption is kept: {body}");
        }
    }
    assert!(app.store.activity_photos(id).await.unwrap().is_empty());
    assert!(
        !app.db.dir.join("photos").exists() || std::fs::read_dir(app.db.dir.join("photos")).unwrap().count() == 0,
        "no file left behind"
    );

    let (status, location, _) = upload(&landlord, url.clone(), small_png(), "Les élèves devant l'exposition").await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?fait=photo#photos"), "{location}");
    let photos = app.store.activity_photos(id).await.unwrap();
    assert_eq!((photos.len(), photos[0].width, photos[0].height), (1, 40, 30));
    let (_, shown) = text(&landlord, app.url(&location)).await;
    assert!(shown.contains("La photo est ajoutée.") && shown.contains("Les élèves devant l&#39;exposition"), "{shown}");
    let full = landlord.get(app.url(&format!("/activites/photos/{}", photos[0].id))).send().await.unwrap();
    assert_eq!((full.status().as_u16(), full.headers()["content-type"].to_str().unwrap()), (200, "image/jpeg"));
    let bytes = full.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "encoded again as JPEG");
    assert_eq!(landlord.get(app.url(&format!("/activites/photos/{}/vignette", photos[0].id))).send().await.unwrap().status(), 200);

    // Another organisation neither sees nor removes it; the coordination sees it.
    let police = app.login(POLICE_AGENT).await;
    assert_eq!(police.get(app.url(&format!("/activites/photos/{}", photos[0].id))).send().await.unwrap().status(), 403);
    assert_eq!(police.post(app.url(&format!("/activites/photos/{}/suppression", photos[0].id))).send().await.unwrap().status(), 403);
    assert_eq!(upload(&police, url.clone(), small_png(), "Intrus").await.0, 403);
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    assert_eq!(coordinator.get(app.url(&format!("/activites/photos/{}", photos[0].id))).send().await.unwrap().status(), 200);
    assert_eq!(coordinator.get(app.url("/activites/photos/999999")).send().await.unwrap().status(), 404);

    // Removed: its row and its files.
    let files = app.db.dir.join("photos");
    assert_eq!(std::fs::read_dir(&files).unwrap().count(), 2, "the photo and its thumbnail");
    let r = landlord.post(app.url(&format!("/activites/photos/{}/suppression", photos[0].id))).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.store.activity_photos(id).await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(&files).unwrap().count(), 0);

    // Deleting the activity takes its photos, rows and files.
    assert_eq!(upload(&landlord, url.clone(), small_png(), "Affiche de l'atelier").await.0, 303);
    let version = app.store.activity(id).await.unwrap().unwrap().activity.version;
    let (status, _, _) =
        send(&landlord, app.url(&format!("{page}/suppression")), &[("confirm", "oui".into()), ("version", version.to_string())]).await;
    assert_eq!(status, 303);
    assert_eq!(std::fs::read_dir(&files).unwrap().count(), 0);
}

backend_tests!(
    recorded_with_participants_and_scoped,
    bad_input_is_refused_field_by_field,
    the_api_uses_the_same_rules,
    photos_are_cleaned_captioned_and_scoped
);
