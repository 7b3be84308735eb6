//! A member of a working group logged in with its second factor, and small request helpers,
//! shared by the working groups' and community service's tests.

use super::{PASSWORD, TestApp, email_for};
use maillage_core::authz::Role;
use maillage_store::Author;

pub async fn text(c: &reqwest::Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub async fn post(c: &reqwest::Client, url: String, form: &[(&str, &str)]) -> (u16, String, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status().as_u16(), location, r.text().await.unwrap())
}

pub const SECRET: &str = "JBSWY3DPEHPK3PXPMFRGGZDFMZTWQ2LK";

/// Recovery codes of the accounts enrolled by the tests: a time step serves once, so a second
/// login within the same 30 seconds takes one of these, as a person would.
pub static RECOVERY: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

pub async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_by_email(email).await.unwrap().unwrap().id
}

/// Enrols the account with a second factor and logs in with password and code.
pub async fn login_with_code(app: &TestApp, email: &str) -> reqwest::Client {
    use maillage_app::account::second_factor::{code_at, enrol_confirmed, is_on};
    let id = user_id(app, email).await;
    if !is_on(&app.state, id).await.unwrap() {
        let codes = enrol_confirmed(&app.state, &Author::system(), id, email, SECRET).await.unwrap();
        RECOVERY.lock().unwrap().extend(codes.into_iter().map(|c| (format!("{}{email}", app.base), c)));
    }
    let c = app.client();
    let r = c.post(app.url("/connexion")).form(&[("email", email), ("password", PASSWORD), ("suite", "/groupes")]).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/connexion/code");
    let sealed = app.store.second_factor(id).await.unwrap().unwrap().sealed_secret;
    // A step never used before: each login takes the next one.
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    let code = code_at(&app.state, id, email, &sealed, now + 30).unwrap();
    let r = c.post(app.url("/connexion/code")).form(&[("code", code.as_str())]).send().await.unwrap();
    if r.status() == 303 {
        return c;
    }
    let key = format!("{}{email}", app.base);
    let recovery = {
        let mut codes = RECOVERY.lock().unwrap();
        let i = codes.iter().position(|(k, _)| *k == key).expect("a recovery code left");
        codes.remove(i).1
    };
    let r = c.post(app.url("/connexion/code")).form(&[("code", recovery.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303, "recovery code of {email}");
    c
}

/// A group made through the pages by the administrator; returns its id.
pub async fn new_group(app: &TestApp, admin: &reqwest::Client, kind: &str) -> i64 {
    // One group of each kind per test: the name says which.
    let name = if kind == "cve" { "CVE d'essai".to_string() } else { format!("Groupe d'essai ({kind})") };
    let (status, location, body) = post(
        admin,
        app.url("/groupes/nouveau"),
        &[
            ("kind", kind),
            ("name", name.as_str()),
            ("purpose", "Repérer les mineurs exposés à la délinquance."),
            ("legal_basis", "Article L.132-5 du code de la sécurité intérieure."),
            ("sheets", "1.1"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// A group made by the administrator, with the partner account as a member in good standing
/// (its institution signed, it accepted) logged in with its second factor.
pub async fn group_with_member(app: &TestApp, kind: &str) -> (i64, i64, reqwest::Client) {
    let by = Author::system();
    let admin = app.login(email_for(Role::Administrator)).await;
    let group = new_group(app, &admin, kind).await;
    let partner_id = user_id(app, email_for(Role::Partner)).await;
    let org = app.store.user(partner_id).await.unwrap().unwrap().organisation_id.unwrap();
    app.store.add_member(&by, group, partner_id, "Éducatrice").await.unwrap();
    app.store.record_signature(&by, group, 1, org, "La directrice", time::macros::date!(2026 - 01 - 05)).await.unwrap();
    app.store.accept_charter(&by, group, partner_id, 1).await.unwrap();
    (group, partner_id, login_with_code(app, email_for(Role::Partner)).await)
}
