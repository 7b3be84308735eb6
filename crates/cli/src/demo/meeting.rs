//! The demo's CLSPD meetings: the plenary, the restricted formation and a territorial group; a
//! plenary held last month with its attendance, minutes and two decisions, and a restricted
//! formation planned next month.

use maillage_app::App;
use maillage_core::decision::DecisionDraft;
use maillage_core::meeting::{AgendaItem, BodyKind, MeetingDraft};
use maillage_core::time_fmt;
use maillage_store::Author;
use time::Duration;

/// Whether the meetings were loaded (a database without any body only).
pub async fn load(app: &App) -> anyhow::Result<bool> {
    let s = &app.store;
    if !s.bodies().await?.is_empty() {
        return Ok(false);
    }
    let Some(coordination) = s.user_by_email("coordination@demo.maillage.fr").await? else {
        return Ok(false);
    };
    let by = Author::user(coordination.id, &coordination.email);
    let plenary = s.create_body(&by, BodyKind::Plenary, "Séance plénière du CLSPD").await?;
    let restricted = s.create_body(&by, BodyKind::Restricted, "Formation restreinte du CLSPD").await?;
    s.create_body(&by, BodyKind::Territorial, "Groupe territorial Le Luth (démo)").await?;
    let codes: Vec<String> = s.sheet_choices().await?.into_iter().map(|c| c.code).collect();
    let sheet = |i: usize| codes.get(i).cloned();
    let at = |days: i64, hour: &str| {
        time_fmt::local_instant(&format!("{}T{hour}", time_fmt::paris_date(time_fmt::now() + Duration::days(days))))
    };

    let held = MeetingDraft {
        body_id: Some(plenary),
        starts_at: at(-30, "18:00"),
        ends_at: at(-30, "20:00"),
        place: "Salle du conseil municipal".into(),
        agenda: vec![
            AgendaItem { title: "Bilan de la stratégie territoriale".into(), sheet_code: None },
            AgendaItem { title: "Prévention des rixes entre groupes de jeunes".into(), sheet_code: sheet(0) },
            AgendaItem { title: "Violences faites aux femmes : parcours d'accompagnement".into(), sheet_code: sheet(8) },
        ],
    };
    let id = s.create_council_meeting(&by, &held).await?;
    let catalog = app.catalog().await?;
    let present: Vec<i64> = catalog.organisations.iter().take(5).map(|o| o.id).collect();
    let version = s.council_meeting(id).await?.map_or(1, |m| m.version);
    s.record_council_meeting(
        &by,
        id,
        version,
        "Le bilan annuel est présenté par la coordination et adopté.\nLes partenaires constatent la baisse des rixes signalées et demandent d'étendre l'alerte rapide aux bailleurs.\nLe parcours d'accompagnement des femmes victimes est présenté ; un point d'étape est prévu au prochain CLSPD.",
        23,
        &present,
    )
    .await?;
    let meeting = s.council_meeting(id).await?.ok_or_else(|| anyhow::anyhow!("réunion de démonstration introuvable"))?;
    let due = time_fmt::paris_date(time_fmt::now()) + Duration::days(120);
    let decisions = [
        (sheet(0), "Étendre l'alerte rapide aux gardiens des bailleurs", "Coordination CLSPD et bailleurs"),
        (sheet(8), "Présenter un point d'étape du parcours d'accompagnement", "Groupe des situations complexes"),
    ];
    for (code, text, owner) in decisions {
        let Some(code) = code else { continue };
        let draft = DecisionDraft { text: text.into(), owner: owner.into(), due_on: Some(due) };
        maillage_app::meeting::decide(app, &by, &meeting, &code, &draft).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }

    // The yearly report presented at the plenary, attached as the coordinator would (and
    // checked for followed persons' names like any document).
    let year = time_fmt::paris_date(meeting.starts_at).year() - 1;
    let report = maillage_app::evaluation_report::odt(app, year, true).await?;
    maillage_app::meeting::document::add(app, &by, &meeting, &format!("Rapport d'évaluation {year} présenté en séance"), report)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let planned = MeetingDraft {
        body_id: Some(restricted),
        starts_at: at(35, "09:30"),
        ends_at: at(35, "11:30"),
        place: "Hôtel de ville, salle des commissions".into(),
        agenda: vec![
            AgendaItem { title: "Suivi des décisions de la plénière".into(), sheet_code: None },
            AgendaItem { title: "Tranquillité des halls d'immeubles".into(), sheet_code: sheet(4) },
        ],
    };
    s.create_council_meeting(&by, &planned).await?;
    Ok(true)
}
