//! Property-based: every route, fed random and extreme values in its path, its query and its
//! form, as the coordinator, a partner and the administrator, never answers a server error.
//! Values come from proptest strategies (dates out of range, huge and negative numbers,
//! formulas, control characters, long and random text); each case is one request.
#![cfg(test)]

mod common;

use common::{Backend, LANDLORD_AGENT, city, email_for};
use maillage_core::authz::Role;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// Parameter names the routes read, in queries and forms.
const NAMES: &[&str] = &[
    "page",
    "page_size",
    "du",
    "au",
    "etat",
    "categorie",
    "quartier",
    "organisation",
    "groupe",
    "format",
    "retard",
    "a_trier",
    "tri",
    "q",
    "suite",
    "lat",
    "lon",
    "x",
    "y",
    "description",
    "adresse",
    "q_nature",
    "q_volume",
    "confirmer",
    "chercher",
    "choix",
    "texte",
    "interne",
    "motif",
    "original",
    "note",
    "terminee",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "status",
    "service_code",
    "service_request_id",
    "api_key",
    "long",
    "email",
    "password",
    "code",
    "name",
    "kind",
    "parent",
    "target_days",
    "questions",
    "label",
    "term",
    "expansion",
    "recapitulatif",
    "current",
    "new",
    "confirm",
    "role",
    "roles",
    "display_name",
    "disabled",
    "also",
    "area",
    "category",
    "position",
    // The rapid alert's forms.
    "district",
    "place",
    "date",
    "heure",
    "estimated_count",
    "facts",
    "action",
    "what_happened",
    "who_acted",
    "families_contacted",
    "young_people_identified",
    "working_group_id",
    "user",
    "level",
    "kinds",
    "days",
    "starts",
    "ends",
    "phone",
    // Walks and their findings.
    "walked_on",
    "district_id",
    "route",
    "n_12_15_F",
    "note_1",
    "commentaire_1",
    "item_id",
    "severity",
    "carte.x",
    "carte.y",
    "carte_petite.x",
    "type",
    "annee",
    "retablir",
    // The CCTV register.
    "site_kind",
    "site",
    "authorisation",
    "authorised_on",
    "retention_days",
    "camera_id",
    "requester",
    "service",
    "procedure",
    "reason",
    "recipient",
    "judicial",
    "destroy_by",
    "user_id",
    // Vigik conventions.
    "reference",
    "holder",
    "other_parties",
    "buildings",
    "signed_on",
    "starts_on",
    "ends_on",
    "notice_days",
    "version",
    // The public site.
    "indicateur",
    "title",
    "summary",
    "body",
    "starts_at",
    "ends_at",
    "published",
    "sms",
    "url",
    "address",
    "hours",
    "accessibility",
    "phone_note",
    // The CLSPD's meetings.
    "reponse",
    "point_1",
    "fiche_1",
    "point_9",
    "body_id",
    "minutes",
    "titre",
    "fichier",
    "professionals",
    "sheet",
    "text",
    "owner",
    "due_on",
];

/// Values that broke, or could break, a parser: out-of-range dates, numbers past 64 bits, a
/// formula, control characters, an address elsewhere. The sweep sends each alone; the random
/// cases draw from them most of the time.
const EXTREMES: &[&str] = &[
    "",
    "-9999-01-01",
    "99999-12-31",
    "9999-12-31T00:00:00Z",
    "-0001-01-01T00:00:00+14:00",
    "2024-02-30",
    "4611686018427387904",
    "18446744073709551617",
    "-9223372036854775808",
    "-1",
    "0",
    "NaN",
    "1e309",
    "=1+1",
    "\u{0}\u{7}\u{1b}[31m",
    "/\t//exemple.invalid",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(EXTREMES).prop_map(str::to_string),
        1 => Just("x".repeat(5000)),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| n.to_string()),
        1 => "\\PC{0,40}",
    ]
}

/// The names Open311 reads: its routes get these most of the time.
const OPEN311: &[&str] = &[
    "page",
    "page_size",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "status",
    "service_code",
    "service_request_id",
    "lat",
    "long",
    "description",
    "address_string",
    "attribute[nature][]",
    "attribute[volume]",
    "media_url",
];

fn params(names: &'static [&'static str]) -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![4 => prop::sample::select(names), 1 => prop::sample::select(NAMES)].prop_map(str::to_string);
    prop::collection::vec((name, value()), 0..12)
}

/// The parameters the GET pages and the JSON API read.
const GET_NAMES: &[&str] = &[
    "page",
    "du",
    "au",
    "etat",
    "categorie",
    "quartier",
    "organisation",
    "groupe",
    "format",
    "retard",
    "a_trier",
    "tri",
    "q",
    "suite",
    "lat",
    "lon",
    "x",
    "y",
    "chercher",
    "choix",
    "cree",
    "ok",
    "recap",
    "auteur",
    "operation",
    "annee",
    "type",
    "fait",
];

/// Open311's resources: its `{file}` segments are these most of the time.
fn open311_segment() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(vec!["requests.json", "requests.xml", "services.json", "discovery.json"]).prop_map(str::to_string), 1 => segment()]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("1.1".to_string()),
        Just("requests.json".to_string()),
        Just("requests.xml".to_string()),
        Just("services.json".to_string()),
        Just("999999999999999999999".to_string()),
        Just("-1".to_string()),
        Just("nouvelle".to_string()),
        "[a-z0-9%.]{0,12}",
    ]
}

async fn no_server_error(b: Backend) {
    let city = city(b).await;
    let landlord = city.app.login(LANDLORD_AGENT).await;
    city.dumping_in_hall(&landlord).await;
    // Open311 answers nothing without a key: every Open311 case carries a real one.
    let key = city.app.store.create_api_key(&maillage_store::Author::system(), city.landlord, "essai").await.unwrap();
    let clients = [city.app.login(email_for(Role::Coordinator)).await, landlord, city.app.login(email_for(Role::Administrator)).await];
    let specs: Vec<_> = maillage_web::route_specs()
        .into_iter()
        .filter(|s| s.path != "/deconnexion" && !(s.path == "/connexion" && s.method == "POST"))
        .collect();
    let cases = std::env::var("MAILLAGE_TEST_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    // First a sweep: each extreme value alone in each parameter the GET routes read, so that
    // no other faulty parameter stops the request before it is parsed.
    for spec in specs.iter().filter(|s| s.method == "GET") {
        let (names, files): (&[&str], &[&str]) =
            if spec.path.starts_with("/open311/") { (OPEN311, &["requests.json", "requests.xml", "1.json"]) } else { (GET_NAMES, &["1"]) };
        for file in files {
            let path = spec
                .path
                .replace("{file}", file)
                .replace("{id}", "1")
                .replace("{code}", "1.1")
                .replace("{number}", "1")
                .replace("{version}", "1");
            for name in names {
                for v in EXTREMES.iter().filter(|v| !v.is_empty()) {
                    let mut query = form_urlencoded::Serializer::new(String::new());
                    query.append_pair(name, v);
                    if spec.path.starts_with("/open311/") {
                        query.append_pair("api_key", &key);
                    }
                    let status = clients[0].get(format!("{}{path}?{}", city.app.base, query.finish())).send().await.unwrap().status();
                    assert!(status.as_u16() < 500, "GET {path}?{name}={v:?} → {status}");
                }
            }
        }
    }
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    // Every route gets its share of the cases.
    for case in 0..cases {
        let spec = &specs[case as usize % specs.len()];
        let names = if spec.path.starts_with("/open311/") { OPEN311 } else { NAMES };
        let segments = if spec.path.starts_with("/open311/") { open311_segment().boxed() } else { segment().boxed() };
        let strategy = (0..clients.len(), prop::collection::vec(segments, 3), params(names));
        let (client, segments, mut params) = strategy.new_tree(&mut runner).unwrap().current();
        if spec.path.starts_with("/open311/") {
            params.push(("api_key".into(), key.clone()));
        }
        let mut path = spec.path.to_string();
        for s in &segments {
            if let (Some(a), Some(z)) = (path.find('{'), path.find('}')) {
                path.replace_range(a..=z, &form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>());
            }
        }
        let c = &clients[client];
        let request = if spec.method == "GET" {
            let query: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
            c.get(format!("{}{path}?{query}", city.app.base))
        } else if path.ends_with("/photos") || path.ends_with("/zones") || path.ends_with("/import") || path.ends_with("/documents") {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in &params {
                form = form.text(k.clone(), v.clone());
            }
            c.post(format!("{}{path}", city.app.base)).multipart(form)
        } else {
            c.post(format!("{}{path}", city.app.base)).form(&params)
        };
        match request.send().await {
            Ok(r) => assert!(r.status().as_u16() < 500, "case {case}: {} {path} {params:?} → {}", spec.method, r.status()),
            // The server refused before reading the whole body (403, 413) and closed: the client
            // was still writing. Not an answer of the server's; it must still be up.
            Err(e) if e.is_request() || e.is_body() => {
                assert_eq!(clients[0].get(city.app.url("/sante")).send().await.unwrap().status(), 200, "case {case}: {e}");
            }
            Err(e) => panic!("case {case}: {} {path}: {e}", spec.method),
        }
    }
    // The server is still up and answering.
    assert_eq!(clients[0].get(city.app.url("/sante")).send().await.unwrap().status(), 200);
}

backend_tests!(no_server_error);
