//! The demo's evaluation: fictitious targets (a later version of the strategy, said so), the
//! partners' declared figures of 2019-2021 validated, this year's at every stage of their
//! workflow, a reporting campaign open for this year, and 2019's report adopted (its figures
//! locked). The 2020 report is ready to open.

use maillage_core::indicator::declaration::{DeclaredDraft, Part, State};
use maillage_core::indicator::{Dimension, Period, PeriodValue, Source};
use maillage_store::indicator::DeclaredKey;
use maillage_store::{Author, Store};

/// Who declares each declared indicator in the demo: (sheet, start of the wording, organisations).
const DECLARERS: &[(&str, &str, &[&str])] = &[
    ("1.2", "Nombre de familles", &["ville-prevention", "ase"]),
    ("1.3", "Nombres de jeunes repérés", &["commissariat", "mediation"]),
    ("3.1", "Suivis des évaluations GUSP", &["habitat-exemple"]),
    ("3.1", "Nombre d'interventions", &["police-municipale", "mediation"]),
    ("3.2", "Bilan des interventions", &["police-municipale", "commissariat"]),
    ("4.1", "Nombre de procédures", &["aide-victimes"]),
    ("5.1", "Nombre d'affaires", &["parquet"]),
    ("5.1", "Nombre de femmes relogées", &["habitat-exemple"]),
    ("5.1", "Les outils", &["ville-prevention"]),
];

fn declarers(sheet: &str, label: &str) -> &'static [&'static str] {
    DECLARERS.iter().find(|(s, l, _)| *s == sheet && label.starts_with(l)).map_or(&[], |d| d.2)
}

/// A figure and its breakdown, made up from a seed so that every run gives the same demo.
fn draft(ind: &maillage_core::indicator::Indicator, organisation_id: i64, districts: &[i64], seed: i64) -> DeclaredDraft {
    let total = 6 + (seed * 7) % 23;
    let mut parts = Vec::new();
    for d in &ind.breakdowns {
        let codes: Vec<String> = match d {
            Dimension::AgeBand => vec!["12_15".into(), "16_17".into(), "18_25".into()],
            Dimension::Sex => vec!["F".into(), "M".into()],
            Dimension::District => districts.iter().take(3).map(ToString::to_string).collect(),
            Dimension::Organisation => vec![organisation_id.to_string()],
            Dimension::PriorityArea => Vec::new(),
        };
        let n = codes.len() as i64;
        for (k, code) in codes.iter().enumerate() {
            // The last part takes the rest, so that each breakdown makes the total.
            let value = if k as i64 == n - 1 { total - (total / n) * (n - 1) } else { total / n };
            parts.push(Part { dimension: *d, part: code.clone(), value });
        }
    }
    DeclaredDraft { total: Some(total), parts, comment: "Chiffre fictif de démonstration.".into() }
}

pub async fn load(store: &Store) -> anyhow::Result<()> {
    let by = Author::system();
    let Some(strategy) = store.current_strategy().await? else { return Ok(()) };
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    // Fictitious targets, as a version of their own: the seed sets none.
    let mut doc = strategy.doc.clone();
    for (n, i) in doc.indicators.iter_mut().enumerate() {
        if i.direction == maillage_core::indicator::Direction::None || i.frequency != maillage_core::indicator::Frequency::Year {
            continue;
        }
        let base: i64 = match i.source {
            Source::ActivitiesParticipants => 30,
            Source::ActivitiesProfessionals => 3,
            Source::Declared => 10,
            _ => 1,
        };
        i.targets = (2019..=2021)
            .map(|y| PeriodValue { period: Period::Year(y), value: base + (y - 2019) as i64 * base / 2 + (n as i64 % 2) })
            .collect();
    }
    store.save_strategy(&by, &doc, "démo : cibles fictives").await?;

    let records = store.indicators(strategy.id).await?;
    let districts: Vec<i64> =
        store.areas().await?.into_iter().filter(|a| a.kind == maillage_core::place::AreaKind::District).map(|a| a.id).collect();
    let mut seed = 1;
    let mut this_year: Vec<(i64, DeclaredKey, DeclaredDraft)> = Vec::new();
    for ind in doc.indicators.iter().filter(|i| i.source == Source::Declared) {
        let Some(record) = records.iter().find(|r| r.sheet_code == ind.sheet && r.label == ind.label && !r.retired) else { continue };
        for code in declarers(&ind.sheet, &ind.label) {
            let Some(org) = store.organisation_by_code(code).await? else { continue };
            for year in (2019..=2021).chain(std::iter::once(today.year())) {
                for period in Period::ending_in(ind.frequency, year) {
                    if period.days().0 > today {
                        continue;
                    }
                    seed += 1;
                    let key = DeclaredKey { indicator_id: record.id, period, organisation_id: org.id };
                    let d = draft(ind, org.id, &districts, seed);
                    if year == today.year() {
                        this_year.push((seed, key, d));
                        continue;
                    }
                    let id = store.save_declared_value(&by, key, None, State::Submitted, &d, &[]).await?;
                    store.review_declared_value(&by, id, (1, State::Submitted), State::Validated, "").await?;
                }
            }
        }
    }
    // This year: some validated, some waiting, one returned, some drafts.
    for (n, (seed, key, d)) in this_year.into_iter().enumerate() {
        match n % 4 {
            0 => {
                let id = store.save_declared_value(&by, key, None, State::Submitted, &d, &[]).await?;
                store.review_declared_value(&by, id, (1, State::Submitted), State::Validated, "").await?;
            }
            1 => {
                store.save_declared_value(&by, key, None, State::Submitted, &d, &[]).await?;
            }
            2 if seed % 2 == 0 => {
                let id = store.save_declared_value(&by, key, None, State::Submitted, &d, &[]).await?;
                let comment = "Le total semble compter deux fois les mêmes personnes : pouvez-vous vérifier ?";
                store.review_declared_value(&by, id, (1, State::Submitted), State::Returned, comment).await?;
            }
            _ => {
                store.save_declared_value(&by, key, None, State::Draft, &d, &[]).await?;
            }
        }
    }
    // A campaign open for this year, asking every declared indicator of its declarers.
    let mut requests = Vec::new();
    for ind in doc.indicators.iter().filter(|i| i.source == Source::Declared && i.frequency == maillage_core::indicator::Frequency::Year) {
        let Some(record) = records.iter().find(|r| r.sheet_code == ind.sheet && r.label == ind.label) else { continue };
        for code in declarers(&ind.sheet, &ind.label) {
            if let Some(org) = store.organisation_by_code(code).await? {
                requests.push((record.id, org.id));
            }
        }
    }
    let deadline = today + time::Duration::days(21);
    store
        .create_campaign(
            &by,
            &format!("Bilan {} : chiffres des partenaires (démo)", today.year()),
            Period::Year(today.year()),
            deadline,
            &requests,
        )
        .await?;
    let adopted_on = time::Date::from_calendar_date(2020, time::Month::March, 12)?;
    store.adopt_year(&by, 2019, adopted_on).await?;
    conclusions(store, &by).await?;
    national_alignment(store, &by, &doc.code).await
}

/// The sheets aligned with the national strategy 2020-2024, as a coordinator might read them;
/// sheet 6.1 (radicalisation, which has its own national plan) serves none of its axes.
async fn national_alignment(store: &Store, by: &Author, strategy_code: &str) -> anyhow::Result<()> {
    use maillage_core::national_framework::Link;
    const LINKS: [(&str, i32, Option<i32>); 13] = [
        ("1.1", 1, None),
        ("1.1", 1, Some(1)),
        ("1.2", 1, None),
        ("1.2", 1, Some(1)),
        ("1.3", 1, None),
        ("2.1", 1, None),
        ("3.1", 3, None),
        ("3.1", 4, None),
        ("3.2", 4, None),
        ("3.3", 3, None),
        ("4.1", 2, None),
        ("5.1", 2, None),
        ("5.2", 2, None),
    ];
    let links: Vec<Link> = LINKS.iter().map(|&(sheet, axis, measure)| Link { sheet: sheet.into(), axis, measure }).collect();
    store.save_national_alignment(by, strategy_code, "snpd-2020-2024", &links).await?;
    Ok(())
}

/// The 2020 conclusions: objectives' statuses, a judgement for each sheet of axes 1 to 3, and
/// decisions (one done, one overdue, one to come). All fictitious.
async fn conclusions(store: &Store, by: &Author) -> anyhow::Result<()> {
    use maillage_core::decision::{DecisionDraft, JudgementDraft, ObjectiveStatus, Rag};
    let Some(strategy) = store.current_strategy().await? else { return Ok(()) };
    const STATUSES: [ObjectiveStatus; 4] =
        [ObjectiveStatus::Done, ObjectiveStatus::InProgress, ObjectiveStatus::InProgress, ObjectiveStatus::NotStarted];
    const RAGS: [Rag; 3] = [Rag::Green, Rag::Amber, Rag::Red];
    for (n, (axis, sheet)) in strategy.doc.sheets().enumerate() {
        let statuses: Vec<(String, ObjectiveStatus)> =
            sheet.operational_objectives.iter().enumerate().map(|(i, o)| (o.clone(), STATUSES[(i + n) % STATUSES.len()])).collect();
        if axis.number > 3 {
            continue;
        }
        let rag = RAGS[n % RAGS.len()];
        let judgement = JudgementDraft {
            rag: Some(rag),
            analysis: format!("Appréciation fictive de la démonstration pour la fiche {} : {}.", sheet.code, rag.label().to_lowercase()),
            recommendations: "Poursuivre l'action et préciser les chiffres attendus des partenaires (démo).".into(),
        };
        store.save_conclusions(by, &sheet.code, 2020, 0, &statuses, &judgement).await?;
        if n < 3 {
            let due = |y, m, d| time::Date::from_calendar_date(y, m, d);
            let decisions = [
                (
                    "Réunir les partenaires de la fiche pour le bilan (démo)",
                    "Coordination CLSPD",
                    Some(due(2021, time::Month::January, 29)?),
                    true,
                ),
                (
                    "Préciser les chiffres attendus de chaque partenaire (démo)",
                    "Pilote de la fiche",
                    Some(due(2021, time::Month::March, 31)?),
                    false,
                ),
                ("Présenter l'action en séance plénière (démo)", "Coordination CLSPD", None, false),
            ];
            for (text, owner, due_on, done) in decisions {
                let id = store
                    .create_sheet_decision(by, &sheet.code, 2020, &DecisionDraft { text: text.into(), owner: owner.into(), due_on })
                    .await?;
                if done {
                    store.set_sheet_decision_done(by, id, due_on).await?;
                }
            }
        }
    }
    Ok(())
}
