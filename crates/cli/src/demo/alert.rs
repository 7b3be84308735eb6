//! The demo's rapid alerts: on-call lines for the police station, the municipal police at night
//! and the mediation service (relayed by the coordination), three years of past alerts closed
//! with their debriefs (2019-2021, for the figures), and one alert open today, raised by the
//! mediator, whose messages wait in the outbox. The phone numbers are in the range reserved for
//! fiction (06 39 98).

use maillage_app::App;
use maillage_core::alert::{ALL_DAYS, AlertDraft, Debrief, KINDS, OnCall};
use maillage_core::time_fmt;
use maillage_store::Author;
use maillage_store::alert::NewAlert;
use time::{Duration, Time};

const PLACES: &[&str] = &["Parvis de la gare", "Square des Agnettes", "Entrée du collège", "Dalle du Luth", "Parking du centre commercial"];

/// Whether the alerts were loaded (a database without any on-call line or alert only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.on_call_entries().await?.is_empty() || !s.alerts(maillage_core::authz::AlertScope::All, 1).await?.is_empty() {
        return Ok(false);
    }
    let by = Author::system();
    let user = |email: &'static str| async move { s.user_by_email(email).await.map(|u| u.map(|u| (u.id, u.organisation_id))) };
    let line = |user_id, level, starts: Time, ends: Time, phone: &str| OnCall {
        user_id,
        kinds: vec![],
        district_id: None,
        days: ALL_DAYS,
        starts,
        ends,
        level,
        phone: phone.into(),
    };
    let all_day = Time::MIDNIGHT;
    let (Some((station, _)), Some((municipal, _)), Some((mediator, mediation)), Some((coordination, _))) = (
        user("commissariat@demo.maillage.fr").await?,
        user("police@demo.maillage.fr").await?,
        user("mediateur@demo.maillage.fr").await?,
        user("coordination@demo.maillage.fr").await?,
    ) else {
        return Ok(false);
    };
    for o in [
        line(station, 1, all_day, all_day, "+33639980001"),
        line(municipal, 1, Time::from_hms(18, 0, 0)?, Time::from_hms(6, 0, 0)?, "+33639980002"),
        line(mediator, 1, all_day, all_day, ""),
        line(coordination, 2, all_day, all_day, ""),
    ] {
        maillage_app::alert::add_on_call(app, &by, &o).await?;
    }
    let districts: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    // The strategy's three years: a few alerts a year, each closed the same evening.
    for (year, count) in [(2019, 7), (2020, 11), (2021, 8)] {
        for i in 0..count {
            let day = time::Date::from_ordinal_date(year, 20 + (i * 31) % 330)?;
            let raised = time_fmt::paris_day_start(day) + Duration::hours(17 + (i % 5) as i64);
            let a = NewAlert {
                kind: KINDS[(i as usize * 3) % 4].0.into(),
                district_id: districts.get(i as usize % districts.len().max(1)).copied(),
                point: None,
                place: PLACES[i as usize % PLACES.len()].into(),
                occurred_at: raised - Duration::minutes(5),
                estimated_count: Some(10 + (i as i64 * 7) % 30),
                facts: "Groupes de jeunes de deux quartiers, tension montante.".into(),
                raised_by: Some(mediator),
                organisation_id: mediation,
            };
            let debrief = Debrief {
                what_happened: "Groupes dispersés après l'arrivée de la police ; médiateurs présents le lendemain à la sortie du collège."
                    .into(),
                who_acted: "Police nationale, service médiation".into(),
                families_contacted: i % 3 != 0,
                young_people_identified: 2 + (i as i64 % 6),
                working_group_id: None,
            };
            let acknowledged = raised + Duration::minutes(3 + (i as i64 * 5) % 12);
            s.record_past_alert(&by, &a, raised, Some(acknowledged), raised + Duration::hours(3), &debrief).await?;
        }
    }
    // One alert open today, raised by the mediator: its messages wait in the outbox.
    let draft = AlertDraft {
        kind: "menace_rixe".into(),
        district_id: districts.first().copied(),
        point: None,
        place: "Dalle du Luth".into(),
        occurred_at: Some(time_fmt::now() - Duration::minutes(10)),
        estimated_count: Some(15),
        facts: "Rassemblement annoncé sur les réseaux sociaux entre jeunes de deux quartiers.".into(),
    };
    let raiser = Author::user(mediator, "mediateur@demo.maillage.fr");
    maillage_app::alert::raise(app, &raiser, Some(mediator), mediation, &draft).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(true)
}
