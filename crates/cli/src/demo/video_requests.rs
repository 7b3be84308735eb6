//! The demo's CCTV register: the coordinator and the municipal police authorised as agents, two
//! cameras of the landlord's car park and common areas, and two requests of these last days, one
//! with an extraction already destroyed and one kept for a judicial procedure.

use maillage_app::App;
use maillage_core::time_fmt;
use maillage_core::video_requests::{CameraDraft, ExtractionDraft, RequestDraft};
use maillage_store::Author;

/// Whether the register was loaded (a database without any camera only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.cameras().await?.is_empty() {
        return Ok(false);
    }
    let (Some(coordination), Some(police)) =
        (s.user_by_email("coordination@demo.maillage.fr").await?, s.user_by_email("police@demo.maillage.fr").await?)
    else {
        return Ok(false);
    };
    let landlord = app.catalog().await?.organisations.iter().find(|o| o.code == "habitat-exemple").map(|o| o.id);
    let admin = Author::system();
    s.grant_video_agent(&admin, coordination.id).await?;
    s.grant_video_agent(&admin, police.id).await?;
    let agent = Author::user(police.id, &police.email);
    let today = time_fmt::paris_date(time_fmt::now());
    let fail = |e| anyhow::anyhow!("{e:?}");
    let mut cameras = Vec::new();
    for (name, kind, site, days) in [
        ("Parking C, rampe d'accès", "parking", "Parking souterrain du bâtiment C, rampe d'accès", 15),
        ("Hall B, entrée", "parties_communes", "Résidence de l'Exemple, hall B, au-dessus de la porte", 10),
    ] {
        let d = CameraDraft {
            name: name.into(),
            site_kind: kind.into(),
            site: site.into(),
            organisation_id: landlord,
            authorisation: "Arrêté préfectoral n° 2024-DEMO-017".into(),
            authorised_on: time::Date::from_calendar_date(2024, time::Month::September, 2).ok(),
            retention_days: days,
        };
        cameras.push(maillage_app::video_requests::add_camera(app, &agent, &d, today).await.map_err(fail)?);
    }
    let now = time_fmt::now();
    for (camera, procedure, reason, days_ago, judicial) in [
        (cameras[0], "PV 2026/DEMO/0412", "Dégradations de véhicules dans le parking", 3, false),
        (cameras[1], "PV 2026/DEMO/0430", "Agression dans le hall", 1, true),
    ] {
        let d = RequestDraft {
            camera_id: Some(camera),
            requester: "Capitaine Fictif".into(),
            service: "Commissariat, brigade de sûreté urbaine".into(),
            procedure: procedure.into(),
            reason: reason.into(),
            from: Some(now - time::Duration::days(days_ago) - time::Duration::hours(4)),
            to: Some(now - time::Duration::days(days_ago)),
        };
        let id = maillage_app::video_requests::request(app, &agent, &d).await.map_err(fail)?;
        s.add_footage_viewing(&agent, id).await?;
        let Some((r, _, _)) = s.footage_request(id).await? else { continue };
        let e = ExtractionDraft { recipient: "OPJ de la brigade de sûreté urbaine".into(), judicial, destroy_by: None };
        let extraction = maillage_app::video_requests::extract(app, &agent, &r, &e, today).await.map_err(fail)?;
        if !judicial {
            s.destroy_extraction(&agent, extraction, today).await?;
        }
    }
    Ok(true)
}
