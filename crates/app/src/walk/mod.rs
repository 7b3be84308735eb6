//! Walks' use cases, shared by the pages and the JSON API: record or change a walk, add a
//! finding placed in the territory, give it a photo, turn it into a report routed as any other,
//! the walk's report (ODT and PDF) and the GUSP synthesis of a district.

use crate::App;
use crate::evaluation::ExportError;
use crate::report::photo::{AddPhotoError, forget, keep};
use crate::report::{Draft, Reporter, SubmitError};
use maillage_core::document::{Block, Document};
use maillage_core::place::Coordinates;
use maillage_core::text::number_fr;
use maillage_core::time_fmt;
use maillage_core::walk::{
    AGE_BANDS, FindingDraft, Known, RATINGS, SEXES, Synthesis, WalkDraft, WalkKind, check_finding, check_walk, half_label, kind_label,
    label, rating_label, severity_label, synthesis,
};
use maillage_store::walk::{Finding, NewFinding, NewWalk, WalkItem, WalkRecord};
use maillage_store::{Author, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// Each fault under its field, said in French.
    #[error("saisie invalide")]
    Invalid(Vec<(&'static str, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Today in Paris: a walk's date is a local date.
fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

/// The grid's items a walk of `kind` may rate (retired ones too when the walk already rated
/// them, so that changing an older walk keeps its ratings).
async fn items_for(app: &App, kind: &str, rated: &[i64]) -> Result<Vec<i64>, StoreError> {
    Ok(app.store.walk_items(Some(kind), true).await?.into_iter().filter(|i| !i.retired || rated.contains(&i.id)).map(|i| i.id).collect())
}

/// Every fault the rules find in a draft (`rated_before`: items an older walk rated, kept even
/// if retired since).
pub async fn faults(app: &App, d: &WalkDraft, rated_before: &[i64]) -> Result<Vec<(&'static str, String)>, StoreError> {
    let catalog = app.catalog().await?;
    let organisations: Vec<i64> = catalog.organisations.iter().map(|o| o.id).collect();
    let districts: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    let items = items_for(app, &d.kind, rated_before).await?;
    Ok(check_walk(d, today(), &Known { district_ids: &districts, organisation_ids: &organisations, item_ids: &items }))
}

/// Checks and records a walk for the author's organisation.
pub async fn record(app: &App, by: &Author, organisation_id: Option<i64>, user_id: Option<i64>, d: WalkDraft) -> Result<i64, WalkError> {
    let f = faults(app, &d, &[]).await?;
    if !f.is_empty() {
        return Err(WalkError::Invalid(f));
    }
    Ok(app.store.create_walk(by, &NewWalk { draft: d, organisation_id, recorded_by: user_id }).await?)
}

/// Checks and rewrites a walk read at `version`; its kind does not change.
pub async fn update(app: &App, by: &Author, r: &WalkRecord, version: i64, mut d: WalkDraft) -> Result<(), WalkError> {
    d.kind.clone_from(&r.walk.kind);
    let rated: Vec<i64> = r.ratings.iter().map(|x| x.item_id).collect();
    let f = faults(app, &d, &rated).await?;
    if !f.is_empty() {
        return Err(WalkError::Invalid(f));
    }
    Ok(app.store.update_walk(by, r.walk.id, version, &d).await?)
}

/// Deletes a walk, then its findings' photos.
pub async fn delete(app: &App, by: &Author, id: i64) -> Result<(), StoreError> {
    let files = app.store.delete_walk(by, id).await?;
    forget(app, &files.iter().map(String::as_str).collect::<Vec<_>>()).await;
    Ok(())
}

/// Checks and adds a finding: its text, and a point inside the territory (`point` field).
pub async fn add_finding(app: &App, by: &Author, r: &WalkRecord, d: &FindingDraft, lat: &str, lon: &str) -> Result<i64, WalkError> {
    let items = items_for(app, &r.walk.kind, &[]).await?;
    let mut faults = check_finding(d, &items);
    let located = if lat.trim().is_empty() && lon.trim().is_empty() {
        faults
            .push(("point", "Placez le constat sur la carte ou donnez ses coordonnées : un constat sans lieu ne peut être suivi.".into()));
        None
    } else {
        match Coordinates::parse(lat, lon).and_then(|c| app.places().locate(c).map(|l| (c, l))) {
            Ok(found) => Some(found),
            Err(e) => {
                faults.push(("point", maillage_core::text::capitalise(&e.to_string())));
                None
            }
        }
    };
    let Some((c, location)) = located.filter(|_| faults.is_empty()) else {
        return Err(WalkError::Invalid(faults));
    };
    let f = NewFinding {
        walk_id: r.walk.id,
        item_id: d.item_id,
        description: d.description.clone(),
        place: d.place.clone(),
        lat: c.lat,
        lon: c.lon,
        district_id: location.district_id,
        severity: d.severity.clone(),
    };
    app.store.add_walk_finding(by, &f).await.map_err(|e| match e {
        StoreError::Conflict(m) => WalkError::Invalid(vec![("finding", maillage_core::text::capitalise(&m))]),
        e => e.into(),
    })
}

/// Removes a finding not yet reported, then its photo's files.
pub async fn delete_finding(app: &App, by: &Author, f: &Finding) -> Result<(), StoreError> {
    let files = app.store.delete_walk_finding(by, f).await?;
    forget(app, &files.iter().map(String::as_str).collect::<Vec<_>>()).await;
    Ok(())
}

/// Gives a finding its photo (replacing the one it had), cleaned as a report's is; the caption
/// is its text alternative.
pub async fn set_photo(app: &App, by: &Author, f: &Finding, caption: &str, bytes: Vec<u8>) -> Result<(), WalkError> {
    if let Some(m) = crate::activity::photo::caption_fault(caption) {
        return Err(WalkError::Invalid(vec![("photo", maillage_core::text::capitalise(&m))]));
    }
    let kept = match keep(app, bytes).await {
        Ok(k) => k,
        Err(AddPhotoError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(WalkError::Invalid(vec![("photo", maillage_core::text::capitalise(&e.to_string()))])),
    };
    match app.store.set_walk_finding_photo(by, f, Some((&kept.file_name, &kept.thumbnail_name)), caption).await {
        Ok(old) => {
            forget(app, &old.iter().map(String::as_str).collect::<Vec<_>>()).await;
            Ok(())
        }
        Err(e) => {
            forget(app, &[&kept.file_name, &kept.thumbnail_name]).await;
            Err(e.into())
        }
    }
}

pub async fn remove_photo(app: &App, by: &Author, f: &Finding) -> Result<(), StoreError> {
    let old = app.store.set_walk_finding_photo(by, f, None, "").await?;
    forget(app, &old.iter().map(String::as_str).collect::<Vec<_>>()).await;
    Ok(())
}

/// The report a finding becomes, as a draft: its description says where it comes from.
pub fn report_draft(
    w: &WalkRecord,
    f: &Finding,
    category_id: Option<i64>,
    answers: std::collections::BTreeMap<String, Vec<String>>,
) -> Draft {
    Draft {
        category_id,
        description: format!(
            "{}\n\nConstat de la marche n° {} ({}, le {}).",
            f.description.trim(),
            w.walk.id,
            kind_label(&w.walk.kind),
            time_fmt::day_fr(w.walk.walked_on)
        ),
        address: f.place.clone(),
        lat: f.lat.to_string(),
        lon: f.lon.to_string(),
        answers,
    }
}

/// Turns a finding into a report, checked and routed as any other, linked in the same
/// transaction.
pub async fn report_finding(app: &App, who: &Reporter, f: &Finding, d: &Draft) -> Result<i64, SubmitError> {
    let (new, mails) = crate::report::prepare(app, who, d).await?;
    Ok(app.store.report_walk_finding(&who.author, f, &new, mails).await?)
}

/// The category a finding's report starts from: its grid item's.
pub fn default_category(items: &[WalkItem], f: &Finding) -> Option<i64> {
    f.item_id.and_then(|id| items.iter().find(|i| i.id == id)).and_then(|i| i.category_id)
}

/// What happened to a finding, as the walk's page and report say it.
pub fn finding_state(f: &Finding) -> String {
    match (f.report_id, f.report_state) {
        (Some(id), Some(s)) => format!("signalement n° {id} : {}", s.label()),
        (Some(id), None) => format!("signalement n° {id}"),
        (None, _) => "pas de signalement".into(),
    }
}

/// The walk's report: what was walked, by whom (organisations and counts), the grid and each
/// finding with its state.
pub fn document(w: &WalkRecord) -> Document {
    let kind = kind_label(&w.walk.kind);
    let title = format!("{kind} du {} — compte rendu", time_fmt::day_fr(w.walk.walked_on));
    let mut blocks = vec![Block::heading(1, title.clone())];
    let mut facts = vec![format!("Date : {}", time_fmt::day_fr(w.walk.walked_on))];
    if let Some(d) = &w.walk.district {
        facts.push(format!("Quartier : {d}"));
    }
    if !w.walk.route.is_empty() {
        facts.push(format!("Parcours : {}", w.walk.route));
    }
    if let Some(o) = &w.walk.organisation {
        facts.push(format!("Saisie par : {o}"));
    }
    if !w.organisations.is_empty() {
        facts.push(format!("Organisations présentes : {}", w.organisations.iter().map(|o| o.1.as_str()).collect::<Vec<_>>().join(", ")));
    }
    facts.push(format!("Participants : {}", number_fr(w.walk.participants_total)));
    blocks.push(Block::List { items: facts });
    if !w.headcount.is_empty() {
        blocks.push(Block::Table {
            caption: "Participants par âge et sexe".into(),
            header: vec!["Âge".into(), "Sexe".into(), "Nombre".into()],
            rows: w
                .headcount
                .iter()
                .map(|h| vec![label(AGE_BANDS, &h.age_band).into(), label(SEXES, &h.sex).into(), number_fr(h.count)])
                .collect(),
        });
    }
    if !w.ratings.is_empty() {
        blocks.push(Block::heading(2, "Grille d'observation"));
        blocks.push(Block::paragraph(format!(
            "Notes de 1 à 4 : {}.",
            RATINGS.iter().map(|(v, l)| format!("{v} {}", l.to_lowercase())).collect::<Vec<_>>().join(", ")
        )));
        blocks.push(Block::Table {
            caption: "Notes de la grille".into(),
            header: vec!["Élément".into(), "Note".into(), "Commentaire".into()],
            rows: w
                .ratings
                .iter()
                .map(|r| vec![r.label.clone(), format!("{} ({})", r.rating, rating_label(r.rating)), r.comment.clone()])
                .collect(),
        });
    }
    blocks.push(Block::heading(2, "Constats"));
    if w.findings.is_empty() {
        blocks.push(Block::paragraph("Aucun constat."));
    } else {
        blocks.push(Block::Table {
            caption: format!("{} constats et leur suite", w.findings.len()),
            header: vec!["N°".into(), "Élément".into(), "Constat".into(), "Lieu".into(), "Gravité".into(), "Suite".into()],
            rows: w
                .findings
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    vec![
                        (i + 1).to_string(),
                        f.item.clone().unwrap_or_else(|| "autre".into()),
                        f.description.clone(),
                        [f.place.as_str(), f.district.as_deref().unwrap_or("")]
                            .iter()
                            .filter(|s| !s.is_empty())
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", "),
                        severity_label(&f.severity).to_string(),
                        finding_state(f),
                    ]
                })
                .collect(),
        });
    }
    if !w.walk.note.is_empty() {
        blocks.push(Block::heading(2, "Observations"));
        blocks.push(Block::paragraph(w.walk.note.clone()));
    }
    Document { title, blocks }
}

pub async fn odt(w: &WalkRecord) -> Result<Vec<u8>, ExportError> {
    let doc = document(w);
    Ok(tokio::task::spawn_blocking(move || maillage_office::odt::write(&doc)).await??)
}

pub async fn pdf(app: &App, w: &WalkRecord) -> Result<std::sync::Arc<Vec<u8>>, ExportError> {
    let author = w.walk.organisation.clone().unwrap_or_else(|| "CLSPD".into());
    crate::printed::pdf(app, document(w), author).await
}

/// A district's GUSP synthesis (the whole city when `None`), with its items' labels.
pub async fn gusp(app: &App, district_id: Option<i64>) -> Result<(Synthesis, Vec<(i64, String)>), StoreError> {
    let s = synthesis(&app.store.gusp_ratings(district_id).await?);
    let items = app.store.walk_items(Some(WalkKind::Gusp.code()), true).await?;
    let labels =
        s.items.iter().map(|(id, _)| (*id, items.iter().find(|i| i.id == *id).map_or_else(String::new, |i| i.label.clone()))).collect();
    Ok((s, labels))
}

/// The periods' headings of a synthesis.
pub fn period_labels(s: &Synthesis) -> Vec<String> {
    s.periods.iter().map(|p| half_label(*p)).collect()
}
