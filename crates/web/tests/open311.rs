//! Open311 GeoReport v2: every item of the conformance checklist in
//! `shared/reference/open311-georeport-v2.md`, on both backends.
#![cfg(test)]

mod common;

use common::{Backend, City, IN_ESTATE, SOUTH, city};

const KEY_ORG_LABEL: &str = "Logiciel du bailleur";

struct Client {
    city: City,
    key: String,
    http: reqwest::Client,
}

async fn client(b: Backend) -> Client {
    let city = city(b).await;
    let key = city.app.store.create_api_key(&maillage_store::Author::system(), city.landlord, KEY_ORG_LABEL).await.unwrap();
    Client { http: city.app.client(), city, key }
}

impl Client {
    fn url(&self, p: &str) -> String {
        self.city.app.url(&format!("/open311/v2/{p}"))
    }
    async fn get(&self, p: &str) -> reqwest::Response {
        self.http.get(self.url(p)).send().await.unwrap()
    }
    async fn get_json(&self, p: &str) -> (u16, serde_json::Value) {
        let r = self.get(p).await;
        let status = r.status().as_u16();
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json; charset=utf-8"));
        (status, r.json().await.unwrap())
    }
    async fn post(&self, fmt: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.url(&format!("requests.{fmt}"))).form(fields).send().await.unwrap()
    }
    async fn create(&self, code: &str, extra: &[(&str, &str)]) -> String {
        let mut f = vec![
            ("api_key", self.key.as_str()),
            ("service_code", code),
            ("lat", IN_ESTATE.0),
            ("long", IN_ESTATE.1),
            ("description", "Dépôt signalé par le logiciel"),
        ];
        f.extend_from_slice(extra);
        let r = self.post("json", &f).await;
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        v[0]["service_request_id"].as_str().unwrap().to_string()
    }
}

/// Checks that an XML body is well formed, has the declaration and the expected root.
fn xml_root(body: &str) -> String {
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{body}");
    let mut reader = quick_xml::Reader::from_str(body);
    let mut root = None;
    let mut depth = 0i32;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => {
                if depth == 0 {
                    root = Some(String::from_utf8(e.name().as_ref().to_vec()).unwrap());
                }
                depth += 1;
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "balanced");
    root.unwrap()
}

async fn discovery_services_and_definitions(b: Backend) {
    let c = client(b).await;
    // 1. discovery in both formats
    let (s, d) = c.get_json("discovery.json").await;
    assert_eq!(s, 200);
    assert!(d["changeset"].is_string() && d["contact"].is_string() && d["key_service"].is_string());
    let e = &d["endpoints"][0];
    assert_eq!(e["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(e["url"].as_str().unwrap().ends_with("/open311/v2") && e["type"] == "production");
    assert_eq!(e["formats"], serde_json::json!(["text/xml", "application/json"]));
    let r = c.get("discovery.xml").await;
    assert_eq!(r.headers()["content-type"], "text/xml; charset=utf-8");
    let body = r.text().await.unwrap();
    assert_eq!(xml_root(&body), "discovery");
    assert!(body.contains("<endpoints><endpoint><specification>"));
    // 2, 3. services: a JSON array; XML services/service; required fields and a valid type
    let (_, services) = c.get_json("services.json").await;
    let list = services.as_array().unwrap();
    assert!(list.len() >= 10);
    for sv in list {
        assert!(sv["service_code"].is_string() && sv["service_name"].is_string());
        assert!(sv["metadata"].is_boolean());
        assert!(["realtime", "batch", "blackbox"].contains(&sv["type"].as_str().unwrap()));
    }
    let xml = c.get("services.xml").await.text().await.unwrap();
    assert_eq!(xml_root(&xml), "services");
    assert!(xml.contains("<service><service_code>"));
    // 4. definitions: unique positive order, valid datatypes, values for lists; all six covered
    let mut datatypes = std::collections::BTreeSet::new();
    for sv in list.iter().filter(|s| s["metadata"] == true) {
        let code = sv["service_code"].as_str().unwrap();
        let (s, def) = c.get_json(&format!("services/{code}.json")).await;
        assert_eq!(s, 200);
        assert_eq!(def["service_code"], code);
        let attrs = def["attributes"].as_array().unwrap();
        let orders: std::collections::BTreeSet<i64> = attrs.iter().map(|a| a["order"].as_f64().unwrap() as i64).collect();
        assert_eq!(orders.len(), attrs.len());
        assert!(orders.iter().all(|o| *o > 0));
        for a in attrs {
            let dt = a["datatype"].as_str().unwrap();
            assert!(["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"].contains(&dt));
            assert!(a["variable"].is_boolean() && a["required"].is_boolean() && a["code"].is_string() && a["description"].is_string());
            if dt.ends_with("valuelist") {
                assert!(!a["values"].as_array().unwrap().is_empty());
                assert!(a["values"][0]["key"].is_string() && a["values"][0]["name"].is_string());
            }
            datatypes.insert(dt.to_string());
        }
        let xml = c.get(&format!("services/{code}.xml")).await.text().await.unwrap();
        assert_eq!(xml_root(&xml), "service_definition");
    }
    assert_eq!(datatypes.len(), 6, "{datatypes:?}");
    // 5. unknown service, request and token: 404 with an error body in the asked format
    let (s, err) = c.get_json("services/inconnu.json").await;
    assert_eq!(s, 404);
    assert_eq!(err[0]["code"], 404);
    assert!(err[0]["description"].is_string());
    let r = c.get("services/inconnu.xml").await;
    assert_eq!(r.status(), 404);
    assert_eq!(xml_root(&r.text().await.unwrap()), "errors");
    let (s, _) = c.get_json(&format!("requests/999999.json?api_key={}", c.key)).await;
    assert_eq!(s, 404);
    let (s, _) = c.get_json("tokens/abc.json").await;
    assert_eq!(s, 404);
}

async fn posting_requests(b: Backend) {
    let c = client(b).await;
    let key = c.key.as_str();
    let at = |fields: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![("lat", IN_ESTATE.0), ("long", IN_ESTATE.1)];
        f.extend_from_slice(fields);
        f
    };
    // 6. the error cases, each with its status, and nothing written
    let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
        (at(&[("service_code", "autre")]), 403),
        (vec![("api_key", "mlg_faux"), ("service_code", "autre"), ("lat", IN_ESTATE.0), ("long", IN_ESTATE.1)], 403),
        (vec![("api_key", key), ("lat", IN_ESTATE.0), ("long", IN_ESTATE.1)], 400),
        (vec![("api_key", key), ("service_code", "inconnu"), ("lat", IN_ESTATE.0), ("long", IN_ESTATE.1)], 404),
        (vec![("api_key", key), ("service_code", "autre")], 400),
        (vec![("api_key", key), ("service_code", "autre"), ("address_string", "1 rue de la Paix")], 400),
        (vec![("api_key", key), ("service_code", "depot-sauvage"), ("lat", IN_ESTATE.0), ("long", IN_ESTATE.1)], 400),
        (vec![("api_key", key), ("service_code", "autre"), ("lat", "48.8566"), ("long", "2.3522")], 400),
        (vec![("api_key", key), ("service_code", "autre"), ("lat", "nord"), ("long", "2.3")], 400),
    ];
    for (fields, status) in &cases {
        let r = c.post("json", fields).await;
        assert_eq!(r.status().as_u16(), *status, "{fields:?}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v[0]["code"], *status);
    }
    let long = "é".repeat(4001);
    let r = c
        .post("xml", &[("api_key", key), ("service_code", "autre"), ("lat", IN_ESTATE.0), ("long", IN_ESTATE.1), ("description", &long)])
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(xml_root(&r.text().await.unwrap()), "errors");
    assert!(
        c.city
            .app
            .store
            .reports(
                &maillage_store::report::ReportFilter::new(maillage_core::authz::ReportScope::All),
                maillage_store::report::ReportSort::NewestFirst,
                10,
                0
            )
            .await
            .unwrap()
            .is_empty()
    );

    // 7. a valid post with accented text and attributes (one and several values)
    let text = "Dépôt d'encombrants près de l'entrée — à enlever";
    let r = c
        .post(
            "json",
            &[
                ("api_key", key),
                ("service_code", "depot-sauvage"),
                ("lat", IN_ESTATE.0),
                ("long", IN_ESTATE.1),
                ("description", text),
                ("attribute[nature][]", "encombrants"),
                ("attribute[nature][]", "gravats"),
                ("attribute[volume]", "2,5"),
                ("email", "habitant@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_string();
    let (s, one) = c.get_json(&format!("requests/{id}.json?api_key={key}")).await;
    assert_eq!(s, 200);
    let req = &one.as_array().unwrap()[0];
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!((req["status"].as_str(), req["description"].as_str()), (Some("open"), Some(text)));
    assert_eq!(req["agency_responsible"], "Bailleur d'essai", "routed like a report made on the pages");
    // 10. dates are W3C with a zone; lat and long are numbers
    for field in ["requested_datetime", "updated_datetime", "expected_datetime"] {
        let d = req[field].as_str().unwrap();
        assert!(time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).is_ok() && d.ends_with('Z'), "{field} {d}");
    }
    assert!(req["lat"].is_number() && req["long"].is_number());
    let stored = c.city.app.store.report(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.answers, r#"{"nature":"encombrants,gravats","volume":"2.5"}"#);
    assert_eq!(stored.source, maillage_core::report::Source::Open311);
    let xml = c.get(&format!("requests/{id}.xml?api_key={key}")).await.text().await.unwrap();
    assert_eq!(xml_root(&xml), "service_requests");
    assert!(xml.contains("<request><service_request_id>"));
    assert!(xml.contains("d&apos;encombrants") || xml.contains("d'encombrants"), "the text, escaped or not");
    // The key reads only what involves its organisation.
    let other = c.city.app.store.create_api_key(&maillage_store::Author::system(), c.city.other, "autre").await.unwrap();
    let (s, _) = c.get_json(&format!("requests/{id}.json?api_key={other}")).await;
    assert_eq!(s, 404);
}

async fn listing_requests(b: Backend) {
    let c = client(b).await;
    let key = c.key.clone();
    let a = c.create("autre", &[]).await;
    let d = c.create("depot-sauvage", &[("attribute[nature]", "gravats")]).await;
    let v = c.create("stationnement-genant", &[("lat", SOUTH.0), ("long", SOUTH.1)]).await;
    // Close one, as a partner would on the pages.
    let by = maillage_store::Author::system();
    let a_id: i64 = a.parse().unwrap();
    let from = c.city.app.store.report(a_id).await.unwrap().unwrap().state;
    let change = maillage_store::report::StateChange::new(from, maillage_core::report::State::Resolved);
    c.city.app.store.change_report_state(&by, a_id, &change, vec![]).await.unwrap();
    let ids = |v: &serde_json::Value| -> Vec<String> {
        let mut out: Vec<String> = v.as_array().unwrap().iter().map(|r| r["service_request_id"].as_str().unwrap().to_string()).collect();
        out.sort();
        out
    };
    let sorted = |mut x: Vec<String>| {
        x.sort();
        x
    };
    let (s, all) = c.get_json(&format!("requests.json?api_key={key}")).await;
    assert_eq!(s, 200);
    assert_eq!(ids(&all), sorted(vec![a.clone(), d.clone(), v.clone()]));
    // 8. an empty status is the same as none
    let (_, empty) = c.get_json(&format!("requests.json?api_key={key}&status=")).await;
    assert_eq!(ids(&empty), ids(&all));
    // 9. filters combine; a list of ids overrides them; a span over 90 days is refused
    let (_, open) = c.get_json(&format!("requests.json?api_key={key}&status=open")).await;
    assert_eq!(ids(&open), sorted(vec![d.clone(), v.clone()]));
    let (_, both) = c.get_json(&format!("requests.json?api_key={key}&status=open,closed&service_code=autre,depot-sauvage")).await;
    assert_eq!(ids(&both), sorted(vec![a.clone(), d.clone()]));
    let (_, closed_autre) = c.get_json(&format!("requests.json?api_key={key}&status=closed&service_code=autre")).await;
    assert_eq!(ids(&closed_autre), vec![a.clone()]);
    let (_, by_id) =
        c.get_json(&format!("requests.json?api_key={key}&service_request_id={a},{v}&status=open&service_code=depot-sauvage")).await;
    assert_eq!(ids(&by_id), sorted(vec![a.clone(), v.clone()]));
    let (s, err) = c.get_json(&format!("requests.json?api_key={key}&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")).await;
    assert_eq!((s, err[0]["code"].as_i64()), (400, Some(400)));
    // 10. dates must carry a zone
    let (s, _) = c.get_json(&format!("requests.json?api_key={key}&start_date=2026-01-01T00:00:00")).await;
    assert_eq!(s, 400);
    let (s, in_range) = c
        .get_json(&format!("requests.json?api_key={key}&start_date=2020-01-01T00:00:00%2B01:00&end_date=2020-02-01T00:00:00%2B01:00"))
        .await;
    assert_eq!((s, in_range.as_array().unwrap().len()), (200, 0));
    let (s, _) = c.get_json(&format!("requests.json?api_key={key}&status=ouvert")).await;
    assert_eq!(s, 400);
    // Extensions: paging and changes since a date.
    let (_, p1) = c.get_json(&format!("requests.json?api_key={key}&page_size=2&page=1")).await;
    let (_, p2) = c.get_json(&format!("requests.json?api_key={key}&page_size=2&page=2")).await;
    assert_eq!((p1.as_array().unwrap().len(), p2.as_array().unwrap().len()), (2, 1));
    let (s, _) = c.get_json(&format!("requests.json?api_key={key}&page_size=5000")).await;
    assert_eq!(s, 400);
    let (_, since) = c.get_json(&format!("requests.json?api_key={key}&updated_after=2000-01-01T00:00:00Z")).await;
    assert_eq!(since.as_array().unwrap().len(), 3);
    let (_, none) = c.get_json(&format!("requests.json?api_key={key}&updated_after=2999-01-01T00:00:00Z")).await;
    assert!(none.as_array().unwrap().is_empty());
    // Reading requires a key.
    let (s, _) = c.get_json("requests.json").await;
    assert_eq!(s, 403);
    let xml = c.get(&format!("requests.xml?api_key={key}")).await.text().await.unwrap();
    assert_eq!(xml_root(&xml), "service_requests");
}

backend_tests!(discovery_services_and_definitions, posting_requests, listing_requests);
