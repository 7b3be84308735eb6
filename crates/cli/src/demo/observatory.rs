//! The demo's neighbourhood observatory: the local actors' observations of these last weeks on
//! two districts (Le Port, Le Village) and a priority area, and the coordinator subscribed to the first district's
//! weekly digest.

use maillage_app::App;
use maillage_core::observatory::ObservationDraft;
use maillage_core::time_fmt;
use maillage_store::Author;
use time::Duration;

/// Whether the observations were loaded (a database without any subscription only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.observatory_subscriptions().await?.is_empty() {
        return Ok(false);
    }
    let (Some(coordination), Some(police), Some(landlord)) = (
        s.user_by_email("coordination@demo.maillage.fr").await?,
        s.user_by_email("police@demo.maillage.fr").await?,
        s.user_by_email("bailleur@demo.maillage.fr").await?,
    ) else {
        return Ok(false);
    };
    let places = app.places();
    let district = |name: &str| places.districts.iter().find(|d| d.1 == name).or(places.districts.first()).map(|d| d.0);
    let (Some(first), Some(second), Some(qpv)) = (district("Le Port"), district("Le Village"), places.priority_areas.first().map(|d| d.0))
    else {
        return Ok(false);
    };
    let today = time_fmt::paris_date(time_fmt::now());
    let fail = |e| anyhow::anyhow!("{e:?}");
    for (who, area, days_ago, text) in [
        (&police, first, 12, "Rodéos de deux-roues le soir sur le parking du stade, signalés aussi par les riverains."),
        (&landlord, qpv, 9, "Halls du bâtiment C occupés en soirée ; porte d'accès réparée la semaine passée."),
        (&police, first, 4, "Calme depuis la présence des médiateurs en fin de journée."),
        (&landlord, second, 2, "Dépôts d'encombrants récurrents le lundi matin rue fictive des Tilleuls."),
    ] {
        let d = ObservationDraft { area_id: Some(area), observed_on: Some(today - Duration::days(days_ago)), text: text.into() };
        let by = Author::user(who.id, &who.email);
        maillage_app::observatory::observe(app, &by, who.organisation_id, &d, today).await.map_err(fail)?;
    }
    s.set_observatory_subscription(coordination.id, first, true).await?;
    Ok(true)
}
