//! The application over HTTP, on both backends.
#![cfg(test)]

mod common;

use common::{Backend, PASSWORD, email_for, start};
use maillage_core::authz::Role;

async fn text(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn coordinator_sees_the_whole_strategy(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Coordinator)).await;
    let doc = maillage_core::strategy::parse_file("s", common::STRATEGY).unwrap();
    // Pages show each item escaped, with its acronyms marked.
    let g = maillage_core::glossary::Glossary::new(maillage_core::glossary::DEFAULT_TERMS.iter().copied());
    let (status, overview) = text(&c, app.url("/strategie")).await;
    assert_eq!(status, 200);
    for (_, sheet) in doc.sheets() {
        assert!(overview.contains(&format!("/strategie/fiches/{}", sheet.code)));
        let (status, page) = text(&c, app.url(&format!("/strategie/fiches/{}", sheet.code))).await;
        assert_eq!(status, 200);
        for item in sheet.indicators.iter().chain(&sheet.objectives).chain(&sheet.partners).chain(&sheet.target_public) {
            assert!(page.contains(&format!("<li>{}", g.expand(item))), "{item} on sheet {}", sheet.code);
        }
        for p in &sheet.diagnostic {
            assert!(page.contains(&format!("<p>{}</p>", g.expand(p))), "diagnostic of sheet {}", sheet.code);
        }
    }
    let (_, document) = text(&c, app.url("/strategie/document")).await;
    assert!(document.contains("Article 10 : Évaluation"));
    assert!(document.contains("Monsieur Patrice LECLERC"));
    assert!(document.contains("<abbr title=\"Travail d&#39;Intérêt Général\">TIG</abbr>"));
    assert!(document.contains("/strategie/document.pdf") && document.contains("/strategie/document.odt"));
    // The same document as PDF and ODT: every sheet, the charter, the signatories, read back
    // by poppler and by LibreOffice.
    let pdf = c.get(app.url("/strategie/document.pdf")).send().await.unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let (pdf_text, info) = common::poppler_reads(pdf.bytes().await.unwrap().to_vec()).await;
    assert!(info.contains("Tagged:          yes"), "{info}");
    let odt = c.get(app.url("/strategie/document.odt")).send().await.unwrap().bytes().await.unwrap();
    let odt_text = common::libreoffice_reads(odt.to_vec(), "odt", "txt:Text").await;
    // Line breaks and hyphenation aside, the words are all there.
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    let (pdf_text, odt_text) = (words(&pdf_text), words(&odt_text));
    for (_, sheet) in doc.sheets() {
        let heading = format!("Fiche {} : {}", sheet.code, words(&sheet.title));
        assert!(odt_text.contains(&heading), "{heading} in the ODT");
        assert!(pdf_text.contains(&format!("Fiche {} :", sheet.code)), "sheet {} in the PDF", sheet.code);
    }
    for fact in ["Article 10 : Évaluation", "Monsieur Patrice LECLERC"] {
        assert!(odt_text.contains(fact) && pdf_text.contains(fact), "{fact}");
    }
    // Partner lines link to the matching organisation.
    let (_, sheet) = text(&c, app.url("/strategie/fiches/2.1")).await;
    assert!(sheet.contains("SPIP d&#39;essai"));
}

async fn search_ignores_case_and_accents(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Reader)).await;
    let (status, page) = text(&c, app.url("/strategie/recherche?q=ALERTE+reactif")).await;
    assert_eq!(status, 200);
    assert!(page.contains("1 fiche trouvée"), "{page}");
    assert!(page.contains("/strategie/fiches/1.3"));
    let (_, none) = text(&c, app.url("/strategie/recherche?q=zzzzqqq")).await;
    assert!(none.contains("0 fiche trouvée"));
}

/// Failed logins slow down the account and address pair that fails, for a delay that grows,
/// never its owner elsewhere, and never for longer than the delay; each failure and refusal is
/// in the audit log, without the password.
async fn login_errors_are_identical_and_throttled(b: Backend) {
    let app = common::start_with(b, |s| s.web.client_address_header = Some(maillage_web::HeaderName::from_static("x-real-ip"))).await;
    let c = app.client();
    let attempt = |email: &'static str, pw: &'static str, from: &'static str| {
        let c = c.clone();
        let url = app.url("/connexion");
        async move {
            let r = c.post(url).header("x-real-ip", from).form(&[("email", email), ("password", pw)]).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s1, known) = attempt("lecteur@test.example", "Mauvais-Mot2passe!", "192.0.2.1").await;
    let (s2, unknown) = attempt("personne@test.example", "Mauvais-Mot2passe!", "192.0.2.1").await;
    assert_eq!((s1, s2), (401, 401));
    assert!(known.contains("Adresse e-mail ou mot de passe incorrect.") && unknown.contains("Adresse e-mail ou mot de passe incorrect."));
    for _ in 0..2 {
        attempt("lecteur@test.example", "Mauvais-Mot2passe!", "192.0.2.1").await;
    }
    // Three failures: this pair waits a second, even with the right password...
    let (status, page) = attempt("lecteur@test.example", PASSWORD, "192.0.2.1").await;
    assert_eq!(status, 429, "the pair waits its delay");
    assert!(page.contains("réessayez dans 1 seconde"), "{page}");
    // ...but the owner at another address, and another account at the same one, are not held back.
    assert_eq!(attempt("lecteur@test.example", PASSWORD, "198.51.100.7").await.0, 303);
    assert_eq!(attempt(common::email_for(Role::Coordinator), PASSWORD, "192.0.2.1").await.0, 303);
    // The right password is accepted once the delay is over.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(attempt("lecteur@test.example", PASSWORD, "192.0.2.1").await.0, 303);
    let log = app.store.audit_entries(&maillage_store::audit::AuditFilter::default(), 100, 0).await.unwrap();
    let failed = log.iter().filter(|e| e.operation == "session.login_failed" && e.detail.contains("192.0.2.1")).count();
    let refused = log.iter().filter(|e| e.operation == "session.login_refused").count();
    assert_eq!((failed, refused), (4, 1));
    assert!(log.iter().all(|e| !e.detail.contains("Mauvais-Mot2passe") && !e.detail.contains(PASSWORD)));
}

async fn session_cookie_is_protected_and_renewed(b: Backend) {
    let app = start(b).await;
    let c = app.client();
    let session_cookie = |r: &reqwest::Response| r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    let login = || c.post(app.url("/connexion")).form(&[("email", "lecteur@test.example"), ("password", PASSWORD)]).send();
    let r = login().await.unwrap();
    let cookie = session_cookie(&r);
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    // Logging in again from the same session gets a new session id.
    let again = session_cookie(&login().await.unwrap());
    let id = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(id(&cookie), id(&again));
    let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"));
    let r = c.post(app.url("/deconnexion")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = c.get(app.url("/strategie")).send().await.unwrap();
    assert_eq!(r.status(), 303, "logged out");
}

async fn cross_site_posts_are_refused(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Coordinator)).await;
    let r = c
        .post(app.url("/strategie/fiches/1.1/modifier"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form(&[("title", "Piraté"), ("pilot", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Said in French, inside the user's frame; in the API's JSON under /api.
    let page = r.text().await.unwrap();
    assert!(page.contains("envoyé depuis un autre site") && page.contains("Se déconnecter"), "{page}");
    let r = c
        .post(app.url("/api/v1/strategie/import"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "cross_site");
    let s = app.store.current_strategy().await.unwrap().unwrap();
    assert_eq!(s.version, 1);
    // A post to a page's address that takes none is said so too, not an empty answer.
    let r = c.post(app.url("/strategie")).form(&[("a", "b")]).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().contains("ne reçoit pas ce type de requête"));
}

async fn editing_a_sheet_validates_and_keeps_indicator_ids(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Coordinator)).await;
    let s = app.store.current_strategy().await.unwrap().unwrap();
    let before = app.store.indicators(s.id).await.unwrap();
    let (_, sheet) = s.doc.sheet("1.3").unwrap();
    let mut form: Vec<(&str, String)> = vec![
        ("title", sheet.title.clone()),
        ("pilot", "Coordinateur CLSPD et service médiation".into()),
        ("diagnostic", sheet.diagnostic.join("\n\n")),
        ("objectives", String::new()),
        ("operational_objectives", sheet.operational_objectives.join("\n")),
        ("means", "<script>alert(1)</script>\n- sous-élément".into()),
        ("target_public", sheet.target_public.join("\n")),
        ("partners", sheet.partners.join("\n")),
        ("indicators", sheet.indicators.join("\n")),
    ];
    // Invalid: an empty title and a sub-item first; nothing is saved, the input comes back.
    form[0].1 = "  ".into();
    let bad: Vec<(&str, String)> =
        form.iter().map(|(k, v)| (*k, if *k == "means" { format!("- orphelin\n{v}") } else { v.clone() })).collect();
    let r = c.post(app.url("/strategie/fiches/1.3/modifier")).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("ce champ est obligatoire") && page.contains("sous-élément"));
    assert!(page.contains("Coordinateur CLSPD et service médiation"), "input kept");
    assert_eq!(app.store.current_strategy().await.unwrap().unwrap().version, 1);
    // Valid.
    form[0].1 = sheet.title.clone();
    let r = c.post(app.url("/strategie/fiches/1.3/modifier")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, page) = text(&c, app.url("/strategie/fiches/1.3")).await;
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "text is shown escaped");
    assert!(page.contains("service médiation"));
    let after = app.store.current_strategy().await.unwrap().unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(app.store.indicators(s.id).await.unwrap(), before);
}

async fn reimport_keeps_ids_and_retires_what_disappears(b: Backend) {
    let app = start(b).await;
    let s = app.store.current_strategy().await.unwrap().unwrap();
    let before = app.store.indicators(s.id).await.unwrap();
    let mut doc = s.doc.clone();
    let sheet = doc.sheet_mut("3.2").unwrap();
    let dropped = sheet.indicators.remove(0);
    sheet.indicators.push("Nombre de véhicules épaves enlevés".into());
    doc.align_indicators();
    let out = app.store.save_strategy(&maillage_store::Author::system(), &doc, "test").await.unwrap();
    assert_eq!((out.version, out.created), (2, false));
    let after = app.store.indicators(s.id).await.unwrap();
    for i in &before {
        let same = after.iter().find(|a| a.id == i.id).unwrap();
        assert_eq!(same.retired, i.label == dropped, "{}", i.label);
    }
    assert_eq!(after.len(), before.len() + 1);
    let reloaded = app.store.current_strategy().await.unwrap().unwrap();
    assert_eq!(reloaded.doc, doc);
    assert_eq!(app.store.strategy_versions(s.id).await.unwrap().len(), 2);
}

async fn malformed_imports_change_nothing(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Coordinator)).await;
    let broken = common::STRATEGY.replace("code = \"2.1\"", "code = \"9.1\"");
    let r = c.post(app.url("/api/v1/strategie/import")).body(broken).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(body["message"].as_str().unwrap().contains("ligne 256"), "{body}");
    let part = reqwest::multipart::Part::bytes(b"format = 1\n[strategy]\ntitre = 3".to_vec()).file_name("mauvais.toml");
    let r = c.post(app.url("/strategie/import")).multipart(reqwest::multipart::Form::new().part("fichier", part)).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("mauvais.toml, ligne"));
    assert_eq!(app.store.current_strategy().await.unwrap().unwrap().version, 1);
    // A good file through the form makes version 2.
    let part = reqwest::multipart::Part::bytes(common::STRATEGY.as_bytes().to_vec()).file_name("bon.toml");
    let r = c.post(app.url("/strategie/import")).multipart(reqwest::multipart::Form::new().part("fichier", part)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.store.current_strategy().await.unwrap().unwrap().version, 2);
    // Oversized bodies are refused from their announced length, before they are read. A raw
    // request: an HTTP client writing the body would race the early answer.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /api/v1/strategie/import HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n\r\n",
        app.base.trim_start_matches("http://"),
        11 * 1024 * 1024
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = [0u8; 12];
    tokio::time::timeout(std::time::Duration::from_secs(10), tcp.read_exact(&mut answer))
        .await
        .expect("an answer without the body")
        .unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
    assert_eq!(app.store.current_strategy().await.unwrap().unwrap().version, 2);
}

async fn audit_chain_detects_tampering(b: Backend) {
    let app = start(b).await;
    let c = app.login(email_for(Role::Coordinator)).await;
    text(&c, app.url("/strategie/export")).await;
    let checked = app.store.audit_verify(&mut |_| {}).await.unwrap().unwrap();
    assert!(checked >= 9, "{checked}");
    let dpo = app.login(email_for(Role::Dpo)).await;
    let (status, log) = text(&dpo, app.url("/journal")).await;
    assert_eq!(status, 200);
    assert!(log.contains("Export de la stratégie") && log.contains("Connexion"), "operations in French");
    // Purge keeps the chain verifiable.
    let removed = app.store.audit_purge(&maillage_store::Author::system(), "9999-01-01T00:00:00Z").await.unwrap();
    assert!(removed >= 9);
    assert!(app.store.audit_verify(&mut |_| {}).await.unwrap().is_ok());
    app.store.record_event(&maillage_store::Author::system(), "test.event", "none", "1", "original").await.unwrap();
    // Alter an entry behind the application's back.
    let bounds = app.store.audit_bounds().await.unwrap();
    tamper(&app.db.url, bounds.head_seq).await;
    let result = app.store.audit_verify(&mut |_| {}).await.unwrap();
    assert_eq!(result, Err(maillage_core::audit::ChainError::Altered { seq: bounds.head_seq }));
}

/// The chain shortened at its end (entries deleted, head moved back), or cut at its start as a
/// purge would without one being recorded, passes the links' check but not the anchors'.
async fn anchors_catch_a_shortened_chain(b: Backend) {
    use maillage_core::audit::anchor::{AnchorError, AnchorKind};
    let app = start(b).await;
    let by = maillage_store::Author::system();
    for n in 0..5 {
        app.store.record_event(&by, "test.event", "none", &n.to_string(), "").await.unwrap();
    }
    let anchors = maillage_app::audit::AnchorFile { path: app.db.dir.join("ancrages.log") };
    assert_eq!(anchors.check(&app.store).await.unwrap(), Ok(0), "no file yet: nothing to compare");
    let written = anchors.write(&app.store, AnchorKind::Head).await.unwrap();
    assert_eq!(anchors.check(&app.store).await.unwrap(), Ok(1));
    app.store.record_event(&by, "test.event", "none", "après", "").await.unwrap();
    assert_eq!(anchors.check(&app.store).await.unwrap(), Ok(1), "the chain grew: still consistent");
    // Delete the last three entries and move the head back: the links still verify…
    let head = written.head_seq;
    let raw = |sql: String| common::raw_sql(b, &app.db.url, sql);
    let kept: String = raw(format!("SELECT hash FROM audit_log WHERE seq = {}", head - 2)).await.unwrap();
    raw(format!("DELETE FROM audit_log WHERE seq > {}", head - 2)).await;
    raw(format!("UPDATE audit_head SET seq = {}, hash = '{kept}' WHERE id = 1", head - 2)).await;
    assert!(app.store.audit_verify(&mut |_| {}).await.unwrap().is_ok(), "the links alone do not see it");
    // …but not the anchors.
    let found = anchors.check(&app.store).await.unwrap();
    assert!(matches!(found, Err(AnchorError::Truncated { anchored, .. }) if anchored == head), "{found:?}");
    // A start moved forward with no purge anchored is caught too.
    let b2 = start(b).await;
    for n in 0..5 {
        b2.store.record_event(&by, "test.event", "none", &n.to_string(), "").await.unwrap();
    }
    let anchors = maillage_app::audit::AnchorFile { path: b2.db.dir.join("ancrages.log") };
    anchors.write(&b2.store, AnchorKind::Head).await.unwrap();
    let first: String = common::raw_sql(b, &b2.db.url, "SELECT hash FROM audit_log WHERE seq = 3").await.unwrap();
    common::raw_sql(b, &b2.db.url, "DELETE FROM audit_log WHERE seq <= 3").await;
    common::raw_sql(b, &b2.db.url, format!("UPDATE audit_head SET anchor_seq = 3, anchor_hash = '{first}' WHERE id = 1")).await;
    assert!(b2.store.audit_verify(&mut |_| {}).await.unwrap().is_ok(), "a faked purge passes the links' check");
    let found = anchors.check(&b2.store).await.unwrap();
    assert!(matches!(found, Err(AnchorError::UnrecordedPurge { first: 3, .. })), "{found:?}");
    // A real purge, anchored, is accepted.
    b2.store.audit_purge(&by, "9999-01-01T00:00:00Z").await.unwrap();
    anchors.write(&b2.store, AnchorKind::Purge).await.unwrap();
    assert!(anchors.check(&b2.store).await.unwrap().is_ok());
}

/// A panic in a handler is answered in the format of the API that was called, never as plain
/// text, and the server goes on.
#[tokio::test]
async fn panics_are_answered_in_the_api_format() {
    async fn boom() -> &'static str {
        panic!("essai")
    }
    let router = axum::Router::new()
        .route("/api/v1/essai", axum::routing::get(boom))
        .route("/open311/v2/essai.xml", axum::routing::get(boom))
        .route("/open311/v2/essai.json", axum::routing::get(boom))
        .route("/page", axum::routing::get(boom))
        .layer(axum::middleware::from_fn(maillage_web::error::panics_in_format));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(maillage_web::serve(listener, router, maillage_web::Timeouts::default()));
    maillage_app::report::address::install_tls_provider();
    let get = |p: &'static str| reqwest::get(format!("{base}{p}"));
    let r = get("/api/v1/essai").await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap().to_string()), (500, "application/json".into()));
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "internal");
    let r = get("/open311/v2/essai.xml").await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().await.unwrap().contains("<errors><error><code>500</code>"));
    let r = get("/open311/v2/essai.json").await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()[0]["code"], 500);
    let r = get("/page").await.unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().await.unwrap().contains("<html"));
}

/// Organisations are listed as French readers sort, accents and case aside.
async fn organisations_sort_as_in_french(b: Backend) {
    let app = start(b).await;
    let by = maillage_store::Author::system();
    for (code, name) in [("ville", "Ville de Gennevilliers"), ("en", "Éducation nationale"), ("bailleur", "bailleur social")] {
        app.store.create_organisation(&by, &common::organisation(code, name, "association")).await.unwrap();
    }
    let names: Vec<String> = app.store.organisations().await.unwrap().into_iter().map(|o| o.name).collect();
    assert_eq!(names, ["bailleur social", "Éducation nationale", "SPIP d'essai", "Ville de Gennevilliers"]);
}

async fn tamper(url: &str, seq: i64) {
    use sqlx::Connection;
    let sql = "UPDATE audit_log SET detail = 'modifié' WHERE seq = $1";
    if url.starts_with("sqlite") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).bind(seq).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).bind(seq).execute(&mut c).await.unwrap();
    }
}

async fn disabled_accounts_lose_their_sessions(b: Backend) {
    let app = start(b).await;
    let reader = app.login(email_for(Role::Reader)).await;
    assert_eq!(text(&reader, app.url("/strategie")).await.0, 200);
    let admin = app.login(email_for(Role::Administrator)).await;
    let id = app.store.user_by_email(email_for(Role::Reader)).await.unwrap().unwrap().id;
    let r = admin.post(app.url(&format!("/admin/comptes/{id}/etat"))).form(&[("disabled", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(text(&reader, app.url("/strategie")).await.0, 303, "session ended");
    // A weak password is refused when creating an account, and nothing is created.
    let r = admin
        .post(app.url("/admin/comptes"))
        .form(&[("email", "nouveau@test.example"), ("display_name", "Nouveau"), ("role", "reader"), ("password", "Motdepasse123!")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(app.store.user_by_email("nouveau@test.example").await.unwrap().is_none());
}

/// The account forms keep what was typed (never a password) and mark each field in error
/// beside it.
async fn account_forms_mark_their_fields(b: Backend) {
    let app = start(b).await;
    let admin = app.login(email_for(Role::Administrator)).await;
    let form = [("email", "a@x,b@y"), ("display_name", "Nadia Nouvelle"), ("role", "reader"), ("password", "Motdepasse123!")];
    let r = admin.post(app.url("/admin/comptes")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(common::marked(&page, "email") && common::marked(&page, "password"), "{page}");
    assert!(!common::marked(&page, "display_name") && page.contains("value=\"Nadia Nouvelle\""), "a good field is kept, unmarked");
    assert!(page.contains("value=\"reader\" selected") && !page.contains("Motdepasse123!"), "the role is kept, the password is not");
    // A partner acts for an organisation: one without is refused, the organisation marked.
    let form = [("email", "p@x.example"), ("display_name", "Paul Partenaire"), ("role", "partner"), ("password", "Vq7#kLp2!xZr-long")];
    let r = admin.post(app.url("/admin/comptes")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(common::marked(&r.text().await.unwrap(), "organisation_id"));
    // Roles: an unknown code or none at all is refused and changes nothing.
    let target = app.store.user_by_email(email_for(Role::Reader)).await.unwrap().unwrap();
    for body in ["role=superuser", "", "role=reader&role=superuser"] {
        let r = admin
            .post(app.url(&format!("/admin/comptes/{}/roles", target.id)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{body:?}");
    }
    assert_eq!(app.store.user(target.id).await.unwrap().unwrap().roles, target.roles);
    let id = app.store.user_by_email(email_for(Role::Reader)).await.unwrap().unwrap().id;
    let r = admin.post(app.url(&format!("/admin/comptes/{id}/mot-de-passe"))).form(&[("password", "court")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(common::marked(&r.text().await.unwrap(), &format!("p-{id}")));
    let reader = app.login(email_for(Role::Reader)).await;
    let r = reader
        .post(app.url("/compte/mot-de-passe"))
        .form(&[("current", "faux"), ("new", "Autre-Mot2passe-Solide!"), ("confirm", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(common::marked(&page, "current") && common::marked(&page, "confirm") && !common::marked(&page, "new"), "{page}");
    // The new password must differ from the current one.
    let same = [("current", common::PASSWORD), ("new", common::PASSWORD), ("confirm", common::PASSWORD)];
    let r = reader.post(app.url("/compte/mot-de-passe")).form(&same).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(common::marked(&r.text().await.unwrap(), "new"));
    assert!(!page.contains("Autre-Mot2passe-Solide!"));
}

/// The second factor, from enrolment to login: the secret is sealed, a code is asked after the
/// password, a code serves once, recovery codes serve once, wrong codes are throttled, the
/// administrator can remove it, and the application refuses to start without the right key.
async fn second_factor_from_enrolment_to_login(b: Backend) {
    use maillage_app::account::second_factor::code_at;
    let app = start(b).await;
    let email = email_for(Role::Reader);
    let id = app.store.user_by_email(email).await.unwrap().unwrap().id;
    let reader = app.login(email).await;
    let page = text(&reader, app.url("/compte")).await.1;
    assert!(page.contains("Activer la double authentification"));
    let r = reader.post(app.url("/compte/double-authentification")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("Code QR"), "a QR code drawn on the server");
    let secret = page.split("<code class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let sealed = app.store.second_factor(id).await.unwrap().unwrap().sealed_secret;
    assert!(sealed.starts_with("k1:") && !sealed.contains(&secret), "stored sealed, never in clear");
    // A wrong first code: the page again, the field marked.
    let r = reader.post(app.url("/compte/double-authentification/confirmer")).form(&[("code", "000000")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(common::marked(&r.text().await.unwrap(), "code"));
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    let code = |t: u64| code_at(&app.state, id, email, &sealed, t).unwrap();
    let before = app.login(email).await;
    let r = reader.post(app.url("/compte/double-authentification/confirmer")).form(&[("code", code(now))]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(text(&before, app.url("/strategie")).await.0, 303, "a session opened with the password alone ends");
    assert_eq!(text(&reader, app.url("/strategie")).await.0, 200, "the one that confirmed stays");
    let page = r.text().await.unwrap();
    let recovery: Vec<String> = page.split("<li><code>").skip(1).map(|c| c.split('<').next().unwrap().to_string()).collect();
    assert_eq!(recovery.len(), 10);
    // Logging in now asks for a code after the password; the password alone opens nothing.
    let password_only = |c: reqwest::Client| async {
        let r = c
            .post(app.url("/connexion"))
            .form(&[("email", email), ("password", common::PASSWORD), ("suite", "/strategie")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/connexion/code");
        c
    };
    let c = password_only(app.client()).await;
    assert_eq!(text(&c, app.url("/strategie")).await.0, 303, "not logged in yet");
    let r = c.post(app.url("/connexion/code")).form(&[("code", "123456")]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let next = code(now + 30);
    let r = c.post(app.url("/connexion/code")).form(&[("code", next.as_str())]).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/strategie"));
    assert_eq!(text(&c, app.url("/strategie")).await.0, 200);
    // The same code again is refused; a recovery code serves once.
    let again = password_only(app.client()).await;
    assert_eq!(again.post(app.url("/connexion/code")).form(&[("code", next.as_str())]).send().await.unwrap().status(), 401);
    assert_eq!(again.post(app.url("/connexion/code")).form(&[("code", recovery[0].to_uppercase())]).send().await.unwrap().status(), 303);
    let third = password_only(app.client()).await;
    assert_eq!(third.post(app.url("/connexion/code")).form(&[("code", recovery[0].as_str())]).send().await.unwrap().status(), 401);
    // Wrong codes are throttled, and the attempts are in the audit log.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(third.post(app.url("/connexion/code")).form(&[("code", "999999")]).send().await.unwrap().status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let filter = maillage_store::audit::AuditFilter { operation: Some("session.second_factor".into()), ..Default::default() };
    let log = app.store.audit_entries(&filter, 100, 0).await.unwrap();
    assert!(log.len() >= 5, "{log:?}");
    // Turning it off asks for a code, throttled and recorded as at login.
    let off = app.url("/compte/double-authentification/desactiver");
    let mut throttled = false;
    for _ in 0..5 {
        let r = c.post(off.clone()).form(&[("code", "999999")]).send().await.unwrap();
        assert_eq!(r.status(), 422);
        let page = r.text().await.unwrap();
        assert!(common::marked(&page, "code-off"), "{page}");
        throttled |= page.contains("Trop de codes erronés");
    }
    assert!(throttled, "wrong codes wait, as at login");
    let refused = app.store.audit_entries(&filter, 100, 0).await.unwrap().len();
    assert!(refused >= log.len() + 5, "each wrong code recorded");
    assert!(app.store.second_factor(id).await.unwrap().unwrap().confirmed, "still on");
    // The administrator removes it (a lost phone): every session of the account ends.
    let admin = app.login(email_for(Role::Administrator)).await;
    assert!(text(&admin, app.url("/admin/comptes")).await.1.contains("Retirer la double authentification"));
    assert_eq!(admin.post(app.url(&format!("/admin/comptes/{id}/double-authentification"))).send().await.unwrap().status(), 303);
    assert_eq!(text(&c, app.url("/strategie")).await.0, 303, "sessions ended");
    // Removing what is not there writes nothing and ends nothing.
    let other = app.store.user_by_email(email_for(Role::Coordinator)).await.unwrap().unwrap().id;
    let coord = app.login(email_for(Role::Coordinator)).await;
    assert_eq!(admin.post(app.url(&format!("/admin/comptes/{other}/double-authentification"))).send().await.unwrap().status(), 409);
    assert_eq!(text(&coord, app.url("/strategie")).await.0, 200);
    // The password alone opens again; enrolled again, the secret is sealed again. Started then
    // with no key file, or another one, the application refuses, naming the key.
    let reader = app.login(email).await;
    assert_eq!(reader.post(app.url("/compte/double-authentification")).send().await.unwrap().status(), 200);
    let no_key = maillage_app::App::new(app.store.clone(), &maillage_app::AppConfig::default()).await.err().unwrap().to_string();
    assert!(no_key.contains("« k1 »"), "{no_key}");
    let other = app.db.dir.join("autre.key");
    maillage_app::keyring::Keyring::create(&other).unwrap();
    let config = maillage_app::AppConfig { key_file: Some(other), ..Default::default() };
    let wrong = maillage_app::App::new(app.store.clone(), &config).await.err().unwrap().to_string();
    assert!(wrong.contains("n'ouvre pas"), "{wrong}");
}

/// A password changed by its owner ends the account's other sessions (not the owner's own);
/// one reset by the administrator ends them all. Session ids are stored hashed.
async fn password_changes_end_other_sessions(b: Backend) {
    let app = start(b).await;
    let email = email_for(Role::Reader);
    let (here, elsewhere) = (app.login(email).await, app.login(email).await);
    let id = app.store.user_by_email(email).await.unwrap().unwrap().id;
    assert_eq!(app.store.session_count(id).await.unwrap(), 2);
    let new_password = "Autre-Mot2passe-Solide!";
    let r = here
        .post(app.url("/compte/mot-de-passe"))
        .form(&[("current", common::PASSWORD), ("new", new_password), ("confirm", new_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(text(&here, app.url("/strategie")).await.0, 200, "the session that changed it stays open");
    assert_eq!(text(&elsewhere, app.url("/strategie")).await.0, 303, "the other one is closed");
    let admin = app.login(email_for(Role::Administrator)).await;
    let r = admin
        .post(app.url(&format!("/admin/comptes/{id}/mot-de-passe")))
        .form(&[("password", "Troisieme-Mot2passe!")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(text(&here, app.url("/strategie")).await.0, 303, "a reset by the administrator closes every session");
    assert_eq!(app.store.session_count(id).await.unwrap(), 0);
    // What the browser holds is not what the database keeps.
    let r = app
        .client()
        .post(app.url("/connexion"))
        .form(&[("email", email_for(Role::Coordinator)), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let stored = common::raw_sql(b, &app.db.url, &format!("SELECT id FROM sessions WHERE id = '{value}'")).await;
    assert_eq!(stored, None, "the raw session id is not in the database");
    let any = common::raw_sql(b, &app.db.url, "SELECT id FROM sessions LIMIT 1").await.unwrap();
    assert_eq!(any.len(), 64, "a SHA-256, in hexadecimal");
}

/// A client that never finishes its headers, or sends a body too slowly, is cut off; the
/// server keeps answering the others.
async fn slow_clients_are_cut_off(b: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let timeouts =
        maillage_web::Timeouts { header_read: std::time::Duration::from_millis(500), request: std::time::Duration::from_millis(800) };
    let app = common::start_with(b, |s| s.web.timeouts = timeouts).await;
    let host = app.base.trim_start_matches("http://").to_string();
    // Headers that never end.
    let mut slow = tokio::net::TcpStream::connect(&host).await.unwrap();
    slow.write_all(b"GET /sante HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    // Without the timeout the server would hold the connection open past the 5 s given here.
    assert!(read.is_ok(), "the connection is closed by the server");
    // A body announced but not sent: the request times out.
    let mut stalled = tokio::net::TcpStream::connect(&host).await.unwrap();
    stalled
        .write_all(
            b"POST /connexion HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), stalled.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the stalled request ends");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&answer));
    // Meanwhile the others are served.
    assert_eq!(app.client().get(app.url("/sante")).send().await.unwrap().status(), 200);
}

async fn backup_export_restores_on_this_backend(b: Backend) {
    let app = start(b).await;
    // An activity, whose counts kept ahead are not exported but counted again at restore.
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let sheet = app.store.sheet_choices().await.unwrap()[0].id;
    let activity = maillage_core::activity::ActivityDraft {
        kind: "atelier".into(),
        title: "Atelier".into(),
        started_on: Some(today),
        sheet_ids: vec![sheet],
        participants: vec![maillage_core::activity::Participants {
            public: "jeunes".into(),
            age_band: "12_15".into(),
            sex: "F".into(),
            count: 9,
        }],
        ..Default::default()
    };
    app.store.create_activity(&maillage_store::Author::system(), None, None, &activity).await.unwrap();
    let counted = app.store.activity_figures(today.year(), Some(sheet)).await.unwrap();
    assert_eq!(counted.participants, 9);
    let mut out = Vec::new();
    let n = app.store.export(&mut out, &mut |_, _| {}).await.unwrap();
    assert!(n > 50);
    // Restore into a fresh database of each backend (SQLite → PostgreSQL is the migration path).
    for target in [Backend::Sqlite, Backend::Postgres] {
        let db = common::database(target).await;
        let fresh = maillage_store::Store::connect(&db.url).await.unwrap();
        let restored = fresh.restore(&mut std::io::Cursor::new(&out), &mut |_, _| {}).await.unwrap();
        assert_eq!(restored, n);
        let s = fresh.current_strategy().await.unwrap().unwrap();
        assert_eq!(s.doc, app.store.current_strategy().await.unwrap().unwrap().doc);
        assert!(fresh.audit_verify(&mut |_| {}).await.unwrap().is_ok());
        assert_eq!(fresh.activity_figures(today.year(), Some(sheet)).await.unwrap(), counted, "counted again at restore");
        // Ids continue after the restored ones.
        let id = fresh
            .create_organisation(&maillage_store::Author::system(), &common::organisation("apres", "Après restauration", "other"))
            .await
            .unwrap();
        assert!(id > 1);
        // A second restore into a non-empty base is refused.
        assert!(fresh.restore(&mut std::io::Cursor::new(&out), &mut |_, _| {}).await.is_err());
    }
}

backend_tests!(
    coordinator_sees_the_whole_strategy,
    search_ignores_case_and_accents,
    login_errors_are_identical_and_throttled,
    session_cookie_is_protected_and_renewed,
    cross_site_posts_are_refused,
    account_forms_mark_their_fields,
    second_factor_from_enrolment_to_login,
    editing_a_sheet_validates_and_keeps_indicator_ids,
    reimport_keeps_ids_and_retires_what_disappears,
    malformed_imports_change_nothing,
    audit_chain_detects_tampering,
    disabled_accounts_lose_their_sessions,
    password_changes_end_other_sessions,
    anchors_catch_a_shortened_chain,
    organisations_sort_as_in_french,
    slow_clients_are_cut_off,
    backup_export_restores_on_this_backend,
);

#[tokio::test]
async fn both_backends_have_the_same_schema() {
    let a = maillage_store::Store::connect(&common::database(Backend::Sqlite).await.url).await.unwrap();
    let b = maillage_store::Store::connect(&common::database(Backend::Postgres).await.url).await.unwrap();
    let sa = a.schema().await.unwrap();
    assert_eq!(sa, b.schema().await.unwrap());
    assert!(sa.len() >= 11);
    // Every table is backed up, or said not to be and why.
    use maillage_store::backup::{NOT_BACKED_UP, TABLES};
    for (table, _) in &sa {
        assert!(
            TABLES.contains(&table.as_str()) || NOT_BACKED_UP.iter().any(|(t, _)| t == table),
            "table {table} is neither in backup::TABLES nor in backup::NOT_BACKED_UP"
        );
    }
    for table in TABLES.iter().chain(NOT_BACKED_UP.iter().map(|(t, _)| t)) {
        assert!(sa.iter().any(|(t, _)| t == table), "backup lists {table}, which the schema does not have");
    }
}
