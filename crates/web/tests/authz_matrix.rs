//! Every route, for every role and for an anonymous visitor. The table below is the
//! specification; a route the application serves that is missing here fails the test.
#![cfg(test)]

mod common;

use common::{Backend, email_for, start};
use maillage_core::authz::Role;
use maillage_web::route_specs;

/// Who may use a route: `None` means public.
fn allowed(method: &str, path: &str) -> Option<&'static [Role]> {
    use Role::*;
    const ALL: &[Role] = &[Administrator, Coordinator, Partner, Reader, Dpo];
    const COORD: &[Role] = &[Coordinator];
    const ADMIN: &[Role] = &[Administrator];
    const ORGS: &[Role] = &[Administrator, Coordinator];
    const LOG: &[Role] = &[Administrator, Dpo];
    const REPORTS: &[Role] = &[Coordinator, Partner];
    const FIGURES: &[Role] = &[Coordinator, Partner, Reader];
    const GROUPS: &[Role] = &[Administrator, Coordinator, Partner, Dpo];
    // Situations: the roles that may be members; which member reads is `case_access`.
    const MEMBERS: &[Role] = &[Coordinator, Partner];
    match (method, path) {
        ("GET", "/" | "/sante" | "/static/style.css") => None,
        ("GET" | "POST", "/connexion" | "/connexion/code") | ("POST", "/deconnexion") => None,
        ("GET", "/compte") | ("POST", "/compte/mot-de-passe" | "/compte/recapitulatif") => Some(ALL),
        ("POST", p) if p.starts_with("/compte/double-authentification") => Some(ALL),
        ("GET", p) if p.starts_with("/strategie/fiches/") && p.ends_with("/modifier") => Some(COORD),
        ("POST", "/strategie/fiches/{code}/modifier") => Some(COORD),
        ("GET" | "POST", "/strategie/import") | ("POST", "/api/v1/strategie/import") => Some(COORD),
        ("GET", p) if p.starts_with("/strategie") || p.starts_with("/api/v1/strategie") => Some(ALL),
        ("GET", "/organisations" | "/organisations/{id}") => Some(ALL),
        ("GET" | "POST", "/organisations/nouvelle") | ("POST", "/organisations/{id}") => Some(ORGS),
        ("GET" | "POST", p) if p.starts_with("/admin/") => Some(ADMIN),
        ("GET", "/journal") => Some(LOG),
        ("GET", "/information-groupes-de-travail") => None,
        // The public site: read without an account, written by the coordinator.
        (
            "GET",
            "/aide"
            | "/livret"
            | "/actualites"
            | "/actualites/{slug}"
            | "/actualites.atom"
            | "/evenements.ics"
            | "/chiffres"
            | "/accessibilite"
            | "/accessibilite/schema-pluriannuel"
            | "/donnees-personnelles"
            | "/mentions-legales",
        ) => None,
        ("GET" | "POST", p) if p.starts_with("/site-public") => Some(COORD),
        // The CLSPD's meetings: read by partners and elected officials, kept by the coordinator.
        (
            "GET",
            "/reunions" | "/reunions/{id}" | "/reunions/{id}/releve.odt" | "/reunions/{id}/releve.pdf" | "/reunions/{id}/documents/{doc}",
        )
        | ("POST", "/reunions/{id}/reponse") => Some(FIGURES),
        ("GET" | "POST", p) if p.starts_with("/reunions") => Some(COORD),
        ("GET" | "POST", "/accueil-victimes") => Some(REPORTS),
        ("GET", "/accueil-victimes/chiffres") => Some(FIGURES),
        ("GET", p) if p.starts_with("/travaux-interet-general") => Some(FIGURES),
        ("POST", p) if p.starts_with("/travaux-interet-general") => Some(COORD),
        // Indicators: the coordinator manages reference sheets, campaigns, reviews and the
        // plenary's adoption; a partner declares its organisation's figures.
        ("GET" | "POST", "/evaluation/indicateurs/{id}/modifier" | "/evaluation/campagnes")
        | ("GET", "/evaluation/campagnes/{id}")
        | ("POST", "/evaluation/adoption" | "/evaluation/declarations/valeurs/{id}") => Some(COORD),
        (
            "POST",
            "/evaluation/conclusions/fiches/{code}"
            | "/evaluation/conclusions/fiches/{code}/decisions"
            | "/evaluation/conclusions/decisions/{id}",
        ) => Some(COORD),
        ("POST", "/evaluation/cadre-national/alignement" | "/evaluation/cadre-national/import") => Some(COORD),
        ("GET", "/api/v1/cadre-national") => Some(FIGURES),
        ("GET" | "POST", "/evaluation/declarations/{indicator}/{period}")
        | ("POST", "/api/v1/declarations" | "/evaluation/declarations/import" | "/api/v1/declarations/import") => Some(&[Partner]),
        ("GET", "/evaluation/declarations" | "/evaluation/declarations/export.csv" | "/api/v1/declarations") => Some(REPORTS),
        ("GET", "/api/v1/indicateurs") => Some(FIGURES),
        ("GET", p) if p.starts_with("/evaluation") => Some(FIGURES),
        // A partner reads and changes its organisation's activities only: `ReadActivity { own }`.
        (_, p) if p.starts_with("/activites") || p.starts_with("/api/v1/activites") => Some(REPORTS),
        ("GET", "/groupes/registre") => Some(&[Administrator, Coordinator, Dpo]),
        ("GET", "/groupes/{id}/reunions/{meeting}/releve" | "/groupes/{id}/tableau-de-bord" | "/groupes/{id}/bilan") => Some(ALL),
        (_, p)
            if p.starts_with("/groupes/{id}/situations")
                || p.starts_with("/groupes/{id}/reunions")
                || p.starts_with("/groupes/{id}/mesures")
                || p == "/groupes/{id}/acceptation" =>
        {
            Some(MEMBERS)
        }
        ("GET", "/groupes" | "/groupes/{id}" | "/groupes/{id}/charte") => Some(GROUPS),
        (_, p) if p.starts_with("/groupes") => Some(ORGS),
        (_, p) if p.starts_with("/open311/") => None,
        // The acknowledgement link works without an account: its token is the permission.
        (_, "/alertes/accuse/{token}") => None,
        ("GET", "/alertes/chiffres") => Some(FIGURES),
        (_, "/alertes/astreintes" | "/alertes/astreintes/{id}/suppression" | "/alertes/{id}/cloture") => Some(COORD),
        (_, p) if p.starts_with("/alertes") || p.starts_with("/api/v1/alertes") => Some(REPORTS),
        // The CCTV register: its agents are named one by one (none in this matrix), so a
        // coordinator or a partner is refused like anyone else; the DPO reads it.
        (_, "/videoprotection/agents" | "/videoprotection/agents/{id}/retrait") => Some(ADMIN),
        ("GET", "/videoprotection" | "/videoprotection/demandes/{id}") => Some(&[Dpo]),
        (_, p) if p.starts_with("/videoprotection") => Some(&[]),
        // Vigik conventions: the coordinator keeps them, partners and elected officials read.
        ("GET", "/conventions-vigik" | "/conventions-vigik/{id}") => Some(FIGURES),
        (_, p) if p.starts_with("/conventions-vigik") => Some(COORD),
        // The observatory: read by the coordination, partners and elected officials; local
        // actors (coordination, partners) add and remove observations.
        ("POST", "/observatoire/secteurs/{id}/observations" | "/observatoire/observations/{id}/suppression") => Some(REPORTS),
        (_, p) if p.starts_with("/observatoire") => Some(FIGURES),
        // Walks: every partner reads them all; changing one is `EditWalk { own }`.
        ("GET", "/marches/gusp") => Some(FIGURES),
        (_, "/marches/grilles" | "/marches/grilles/{id}/retrait") => Some(COORD),
        (_, p) if p.starts_with("/marches") || p.starts_with("/api/v1/marches") => Some(REPORTS),
        ("GET", "/signalements/statistiques" | "/api/v1/signalements/statistiques") => Some(FIGURES),
        (_, p) if p.starts_with("/api/v1/signalements") => Some(REPORTS),
        ("GET", "/signalements/export.csv" | "/signalements/export.ods") => Some(COORD),
        (_, "/signalements/nouveau") | ("GET", "/signalements/carte.svg") => Some(REPORTS),
        (_, p) if p.starts_with("/signalements") => Some(REPORTS),
        _ => panic!("route {method} {path} is not in the authorization matrix: add it"),
    }
}

fn concrete(path: &str) -> String {
    path.replace("{file}", "services.json")
        .replace("{number}", "1")
        .replace("{code}", "1.1")
        .replace("{slug}", "inconnue")
        .replace("{id}", "999999")
        .replace("{version}", "1")
        .replace("{case}", "999999")
        .replace("{user}", "999999")
        .replace("{meeting}", "999999")
        .replace("{placement}", "999999")
        .replace("{indicator}", "999999")
        .replace("{period}", "2020")
        .replace("{photo}", "999999")
        .replace("{finding}", "999999")
        .replace("{doc}", "999999")
        .replace("{token}", &"0".repeat(48))
}

async fn send(c: &reqwest::Client, method: &str, url: String, path: &str) -> (u16, String) {
    let r = if method == "GET" {
        c.get(url).send().await.unwrap()
    } else if path == "/strategie/import"
        || path.ends_with("/photos")
        || path == "/reunions/{id}/documents"
        || path == "/admin/signalements/zones"
        || path == "/evaluation/declarations/import"
        || path == "/evaluation/cadre-national/import"
    {
        let part = reqwest::multipart::Part::bytes(Vec::new()).file_name("vide.toml");
        c.post(url).multipart(reqwest::multipart::Form::new().part("fichier", part)).send().await.unwrap()
    } else {
        c.post(url).header("content-type", "application/x-www-form-urlencoded").body("").send().await.unwrap()
    };
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn matrix(b: Backend) {
    let app = start(b).await;
    let specs = route_specs();
    assert!(specs.len() >= 30);
    let mut roles: Vec<Option<Role>> = vec![None];
    roles.extend(Role::ALL.iter().copied().map(Some));
    for role in roles {
        for spec in &specs {
            // Log out is not exercised here: it would end the session for the routes after it.
            if spec.path == "/deconnexion" || spec.path == "/connexion" && spec.method == "POST" {
                continue;
            }
            let c = match role {
                Some(r) => app.login(email_for(r)).await,
                None => app.client(),
            };
            let (status, body) = send(&c, spec.method, app.url(&concrete(spec.path)), spec.path).await;
            // A partner asking for a report number it cannot read (here one that does not
            // exist) is told so, the same way whether it exists or not: the route is open to it,
            // the record is not.
            let record_refused = status == 403
                && (body.contains("existe pas ou ne concerne pas votre organisation")
                    || body.contains("a pas été enregistrée par votre organisation"));
            let who = role.map_or("anonyme", maillage_core::authz::Role::code);
            match (allowed(spec.method, spec.path), role) {
                // Open311 is public (its own API keys, 403 and 404 are part of its protocol).
                (None, _) if spec.path.starts_with("/open311/") => {
                    assert!(status != 303 && status != 401 && status < 500, "{who} {} {} → {status}", spec.method, spec.path);
                }
                // A token that was never sent: refused as unknown, to anyone.
                (None, _) if spec.path == "/alertes/accuse/{token}" => assert_eq!(status, 404, "{who} {}", spec.method),
                // A public page that does not exist: the same 404 for everyone.
                (None, _) if spec.path == "/actualites/{slug}" => assert_eq!(status, 404, "{who} {}", spec.method),
                (None, _) => assert!(status < 400 || status == 401, "{who} {} {} → {status}", spec.method, spec.path),
                (Some(_), None) => {
                    let expected = if spec.path.starts_with("/api/") { 401 } else { 303 };
                    assert_eq!(status, expected, "{who} {} {}", spec.method, spec.path);
                }
                (Some(ok), Some(r)) if ok.contains(&r) => {
                    assert!(
                        status != 401 && (status != 403 || record_refused) && status < 500,
                        "{who} {} {} → {status}",
                        spec.method,
                        spec.path
                    );
                }
                (Some(_), Some(_)) => assert_eq!(status, 403, "{who} {} {}", spec.method, spec.path),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_postgres() {
    matrix(Backend::Postgres).await;
}
