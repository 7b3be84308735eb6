//! The anonymous victim reception log, on both backends: lists only, one desk's entries for
//! that desk, figures for the coordinator in full and for the others published.
#![cfg(test)]

mod common;

use common::{Backend, email_for, start};
use maillage_core::authz::Role;

async fn receptions_are_anonymous_and_counted(b: Backend) {
    let app = start(b).await;
    let desk = app.login(email_for(Role::Partner)).await;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).to_string();
    let entry = |orientation: &'static str| {
        vec![
            ("received_on", today.clone()),
            ("fact_kind", "violences_conjugales".to_string()),
            ("age_band", "26_40".to_string()),
            ("sex", "F".to_string()),
            ("orientation", orientation.to_string()),
        ]
    };
    for bad in [("orientation", "prison"), ("received_on", "2099-01-01"), ("sex", "")] {
        let mut form = entry("mjd");
        form.retain(|(k, _)| *k != bad.0);
        form.push((bad.0, bad.1.to_string()));
        let r = desk.post(app.url("/accueil-victimes")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad:?}");
        assert!(common::marked(&r.text().await.unwrap(), bad.0));
    }
    for _ in 0..6 {
        let r = desk.post(app.url("/accueil-victimes")).form(&entry("aide_victimes")).send().await.unwrap();
        assert_eq!(r.status(), 303);
    }
    let r = desk.post(app.url("/accueil-victimes")).form(&entry("mjd")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = desk.get(app.url("/accueil-victimes")).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("<td data-label=\"Date\">").count(), 7);
    // The coordinator sees every count; an elected official sees them published.
    let coordinator = app.login(email_for(Role::Coordinator)).await;
    let page = coordinator.get(app.url("/accueil-victimes/chiffres")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<strong>7</strong>") && page.contains("<td>1</td>"), "exact counts inside the coordination");
    let reader = app.login(email_for(Role::Reader)).await;
    let page = reader.get(app.url("/accueil-victimes/chiffres")).send().await.unwrap().text().await.unwrap();
    assert!(
        !page.contains("<td>1</td>") && page.contains("non publié"),
        "the lone small count and the one that would give it away are hidden"
    );
    assert_eq!(reader.get(app.url("/accueil-victimes")).send().await.unwrap().status(), 403, "no desk");
    let partner = app.login(email_for(Role::Partner)).await;
    let page = partner.get(app.url("/accueil-victimes/chiffres")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<td>1</td>") && page.contains("non publié"), "a desk sees the others' figures as published");
    let r = reader.get(app.url("/accueil-victimes/chiffres?annee=1999")).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

backend_tests!(receptions_are_anonymous_and_counted);
