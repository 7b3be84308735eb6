//! The demo's Vigik conventions: the landlord's estate with the national and municipal police
//! and the city (renewed once, in force), a co-ownership signed with its syndic whose notice
//! period has opened (to renew), and an older one that expired.

use maillage_app::App;
use maillage_core::access_convention::ConventionDraft;
use maillage_core::time_fmt;
use maillage_store::Author;
use time::Duration;

/// Whether the conventions were loaded (a database without any convention only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.access_conventions().await?.is_empty() {
        return Ok(false);
    }
    let Some(coordination) = s.user_by_email("coordination@demo.maillage.fr").await? else {
        return Ok(false);
    };
    let by = Author::user(coordination.id, &coordination.email);
    let catalog = app.catalog().await?;
    let org = |code: &str| catalog.organisations.iter().find(|o| o.code == code).map(|o| o.id);
    let parties: Vec<i64> =
        ["commissariat", "police-municipale", "habitat-exemple", "ville-prevention"].iter().filter_map(|c| org(c)).collect();
    let districts: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    let today = time_fmt::paris_date(time_fmt::now());
    let fail = |e| anyhow::anyhow!("{e:?}");
    let date = |y, m, d| time::Date::from_calendar_date(y, m, d).ok();
    let estate = ConventionDraft {
        reference: "Convention Vigik n° 2019-01 (démo)".into(),
        holder: "bailleur".into(),
        organisation_ids: parties.clone(),
        other_parties: String::new(),
        buildings: "Résidence de l'Exemple, bâtiment A, entrées 1 et 2\nRésidence de l'Exemple, bâtiment B\nRésidence de l'Exemple, bâtiment C et parking souterrain".into(),
        district_id: districts.first().copied(),
        signed_on: date(2019, time::Month::March, 14),
        starts_on: date(2019, time::Month::April, 1),
        ends_on: date(2022, time::Month::March, 31),
        notice_days: 90,
        note: "Accès des patrouilles aux halls et au parking ; liste des badges tenue par le bailleur.".into(),
    };
    let id = maillage_app::access_convention::save(app, &by, None, &estate, today).await.map_err(fail)?;
    if let Some(c) = s.access_convention(id).await? {
        maillage_app::access_convention::renew(app, &by, id, c.version, c.ends_on, date(2027, time::Month::March, 31))
            .await
            .map_err(fail)?;
    }
    let co_ownership = ConventionDraft {
        reference: "Convention Vigik copropriété Les Tilleuls (démo)".into(),
        holder: "copropriete".into(),
        organisation_ids: parties.iter().copied().filter(|p| Some(*p) != org("habitat-exemple")).collect(),
        other_parties: "Syndic de la copropriété Les Tilleuls (fictif)".into(),
        buildings: "Copropriété Les Tilleuls, 3 rue Fictive\nCopropriété Les Tilleuls, 5 rue Fictive".into(),
        district_id: districts.get(1).or(districts.first()).copied(),
        signed_on: Some(today - Duration::days(3 * 365)),
        starts_on: Some(today - Duration::days(3 * 365 - 10)),
        ends_on: Some(today + Duration::days(45)),
        notice_days: 90,
        note: String::new(),
    };
    maillage_app::access_convention::save(app, &by, None, &co_ownership, today).await.map_err(fail)?;
    let expired = ConventionDraft {
        reference: "Convention Vigik n° 2016-04 (démo)".into(),
        holder: "bailleur".into(),
        organisation_ids: parties.into_iter().take(3).collect(),
        other_parties: String::new(),
        buildings: "Cité Fictive, tours 1 à 3".into(),
        district_id: districts.first().copied(),
        signed_on: date(2016, time::Month::June, 1),
        starts_on: date(2016, time::Month::June, 1),
        ends_on: date(2019, time::Month::May, 31),
        notice_days: 60,
        note: "Tours démolies dans le cadre du renouvellement urbain : non renouvelée.".into(),
    };
    maillage_app::access_convention::save(app, &by, None, &expired, today).await.map_err(fail)?;
    Ok(true)
}
