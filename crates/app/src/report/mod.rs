//! The reports' use cases, shared by the pages, the JSON API and Open311: locate, route, check
//! and create a report; change its state; who is told by e-mail. Rules come from
//! `maillage_core::report`; this module loads what they need and calls the store.

pub mod address;
pub mod anonymise;
pub mod export;
pub mod photo;

use crate::App;
use maillage_core::authz::ReportScope;
use maillage_core::place::{Coordinates, Location, Places};
use maillage_core::report::{self, Answers, Part, Question, Source, Transition};
use maillage_core::text::capitalise;
use maillage_core::{time_fmt, working_days};
use maillage_store::mail::OutgoingMail;
use maillage_store::report::category::{Category, lineage};
use maillage_store::report::{NewReport, ReportDetail, StateChange};
use maillage_store::{Author, StoreError};
use std::collections::BTreeMap;

/// What someone submits, from a form, the JSON API or Open311.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub category_id: Option<i64>,
    pub description: String,
    pub address: String,
    pub lat: String,
    pub lon: String,
    pub answers: BTreeMap<String, Vec<String>>,
}

/// Who submits.
#[derive(Clone, Debug)]
pub struct Reporter {
    pub author: Author,
    pub user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub source: Source,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// Field (`category`, `description`, `address`, `place`, or a question code) and message.
    #[error("signalement invalide")]
    Invalid(Vec<(String, String)>),
    #[error("catégorie inconnue")]
    UnknownCategory,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of checking a draft: everything needed to create it.
pub struct Checked {
    pub category: Category,
    pub coordinates: Coordinates,
    pub location: Location,
    pub answers: Answers,
}

/// Checks a draft without writing anything.
pub fn check(places: &Places, categories: &[Category], d: &Draft) -> Result<Checked, SubmitError> {
    // Every fault is said at once: a missing category does not hide the others.
    let category = d.category_id.and_then(|id| categories.iter().find(|c| c.id == id && !c.retired)).cloned();
    let mut errors: Vec<(String, String)> = Vec::new();
    if let Err(list) = report::check_report_text(&d.description, &d.address) {
        errors.extend(list.into_iter().map(|(f, m)| (f.to_string(), m)));
    }
    let placed = match Coordinates::parse(&d.lat, &d.lon) {
        Ok(c) => match places.locate(c) {
            Ok(l) => Some((c, l)),
            Err(e) => {
                errors.push(("place".into(), capitalise(&e.to_string())));
                None
            }
        },
        Err(_) if d.lat.trim().is_empty() && d.lon.trim().is_empty() => {
            errors.push(("place".into(), "Placez le signalement sur la carte ou donnez ses coordonnées.".into()));
            None
        }
        Err(e) => {
            errors.push(("place".into(), capitalise(&e.to_string())));
            None
        }
    };
    let Some(category) = category else {
        if errors.is_empty() {
            return Err(SubmitError::UnknownCategory);
        }
        errors.insert(0, ("category".into(), "Choisissez une catégorie dans la liste.".into()));
        return Err(SubmitError::Invalid(errors));
    };
    let answers = match report::check_answers(&category.questions, &d.answers) {
        Ok(a) => a,
        Err(list) => {
            errors.extend(list);
            Answers::new()
        }
    };
    match placed {
        Some((coordinates, location)) if errors.is_empty() => Ok(Checked { category, coordinates, location, answers }),
        _ => Err(SubmitError::Invalid(errors)),
    }
}

/// Checks, routes and creates a report; queues the e-mail to the organisations in charge.
pub async fn submit(app: &App, who: &Reporter, d: &Draft) -> Result<i64, SubmitError> {
    let (new, mails) = prepare(app, who, d).await?;
    Ok(app.store.create_report(&who.author, &new, mails).await?)
}

/// Checks and routes a draft: the report to write, and the e-mails to queue once it has its
/// number. [`submit`] writes it alone; a walk's finding writes it with its own link.
pub async fn prepare(
    app: &App,
    who: &Reporter,
    d: &Draft,
) -> Result<(NewReport, impl FnOnce(i64) -> Vec<OutgoingMail> + Send + 'static), SubmitError> {
    let catalog = app.catalog().await?;
    let categories = &catalog.categories;
    let checked = check(&app.places(), categories, d)?;
    let routed = report::route(&catalog.rules, &lineage(categories, checked.category.id), &checked.location.area_ids).cloned();
    let now = time_fmt::now();
    let due = u32::try_from(checked.category.target_days).ok().map(|days| working_days::add_working_days(now, days));
    let new = NewReport {
        category_id: checked.category.id,
        description: d.description.trim().to_string(),
        address: d.address.trim().to_string(),
        lat: checked.coordinates.lat,
        lon: checked.coordinates.lon,
        district_id: checked.location.district_id,
        priority_area_id: checked.location.priority_area_id,
        organisation_id: routed.as_ref().map(|r| r.organisation_id),
        also_involve: routed.as_ref().map(|r| r.also_involve.clone()).unwrap_or_default(),
        reporter_user_id: who.user_id,
        reporter_organisation_id: who.organisation_id,
        source: who.source,
        answers: serde_json::to_string(&checked.answers).map_err(StoreError::from)?,
        urgent: checked.category.urgent,
        created_at: now,
        due_at: due,
    };
    let mut recipients: Vec<i64> = new.organisation_id.into_iter().chain(new.also_involve.iter().copied()).collect();
    recipients.dedup();
    let place = app.places().district_name(new.district_id).map(str::to_string);
    let base = app.public_url.clone();
    let cat = checked.category.name.clone();
    let (address, description, due_at) = (new.address.clone(), new.description.clone(), new.due_at);
    let mails = move |id: i64| -> Vec<OutgoingMail> {
        recipients
            .iter()
            .filter_map(|o| catalog.organisations.iter().find(|x| x.id == *o))
            .filter(|o| !o.email.is_empty())
            .map(|o| OutgoingMail {
                report_id: Some(id),
                recipient: o.email.clone(),
                subject: format!("[Maillage] Signalement n° {id} transmis : {cat}"),
                body: format!(
                    "Bonjour,\n\nUn signalement vous est transmis ({}).\n\nCatégorie : {cat}\nQuartier : {}\nAdresse : {}\nÉchéance : {}\n\nDescription :\n{}\n\nPour le suivre : {base}/signalements/{id}\n\n-- \nMaillage, outil partenarial du CLSPD. Ce message ne contient ni photo ni commentaire interne.\n",
                    o.name,
                    place.as_deref().unwrap_or("hors quartier"),
                    if address.is_empty() { "non précisée" } else { &address },
                    due_at.map_or_else(|| "aucune".into(), time_fmt::date_fr),
                    description,
                ),
            })
            .collect()
    };
    Ok((new, mails))
}

/// Is the actor's organisation involved in the report?
pub async fn involved(app: &App, report_id: i64, organisation_id: Option<i64>) -> Result<bool, StoreError> {
    Ok(part_of(app, report_id, organisation_id).await?.is_some())
}

/// The part of an organisation in a report, if it has one.
pub async fn part_of(app: &App, report_id: i64, organisation_id: Option<i64>) -> Result<Option<Part>, StoreError> {
    let Some(org) = organisation_id else { return Ok(None) };
    Ok(app.store.involvements(report_id).await?.into_iter().find(|i| i.organisation_id == org).map(|i| i.part))
}

#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    #[error(transparent)]
    Workflow(#[from] report::WorkflowError),
    #[error("le signalement original n° {0} n'existe pas ou ne vous est pas accessible")]
    UnknownOriginal(i64),
    #[error("l'organisation choisie n'existe pas")]
    UnknownOrganisation,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks and applies a change of state; tells the reporter's organisation (and the new one in
/// charge after a redirection) by e-mail.
pub async fn change_state(
    app: &App,
    by: &Author,
    actor_organisation: Option<i64>,
    r: &ReportDetail,
    t: &Transition,
    note: &str,
) -> Result<(), TransitionError> {
    let to = report::check_transition(r.state, t, r.id)?;
    let catalog = app.catalog().await?;
    let organisations = &catalog.organisations;
    let mut change = StateChange { organisation_id: actor_organisation, note: note.trim().to_string(), ..StateChange::new(r.state, to) };
    match t {
        Transition::CloseWithoutAction(reason) => change.close_reason = Some(*reason),
        Transition::DuplicateOf(original) => {
            if app.store.report(*original).await?.is_none() {
                return Err(TransitionError::UnknownOriginal(*original));
            }
            change.duplicate_of = Some(*original);
        }
        Transition::RedirectTo(org) => {
            if !organisations.iter().any(|o| o.id == *org) {
                return Err(TransitionError::UnknownOrganisation);
            }
            change.redirect_to = Some(*org);
        }
        Transition::To(_) => {}
    }
    let mut mails = Vec::new();
    let link = format!("{}/signalements/{}", app.public_url, r.id);
    if let Some(o) = r.reporter_organisation_id.and_then(|id| organisations.iter().find(|o| o.id == id))
        && !o.email.is_empty()
    {
        mails.push(OutgoingMail {
            report_id: Some(r.id),
            recipient: o.email.clone(),
            subject: format!("[Maillage] Signalement n° {} : {}", r.id, to.label()),
            body: format!(
                "Bonjour,\n\nLe signalement n° {} que votre organisation a fait est maintenant « {} ».\n{}\nPour le suivre : {link}\n\n-- \nMaillage, outil partenarial du CLSPD.\n",
                r.id,
                to.label(),
                if change.note.is_empty() { String::new() } else { format!("\nMotif ou précision : {}\n", change.note) },
            ),
        });
    }
    if let Some(o) = change.redirect_to.and_then(|id| organisations.iter().find(|o| o.id == id))
        && !o.email.is_empty()
    {
        mails.push(OutgoingMail {
            report_id: Some(r.id),
            recipient: o.email.clone(),
            subject: format!("[Maillage] Signalement n° {} réorienté vers vous", r.id),
            body: format!(
                "Bonjour,\n\nLe signalement n° {} est réorienté vers {}.\n\nDescription :\n{}\n\nPour le suivre : {link}\n\n-- \nMaillage, outil partenarial du CLSPD. Ce message ne contient ni photo ni commentaire interne.\n",
                r.id, o.name, r.description
            ),
        });
    }
    app.store.change_report_state(by, r.id, &change, mails).await?;
    Ok(())
}

/// A consultation the audit log records, as the interface promises (who, when, what).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consultation {
    /// A report's page or its JSON.
    Report(i64),
    /// A photo or thumbnail, with its report.
    Photo { photo_id: i64, report_id: i64 },
    /// An export, with its format and the filters that chose the reports.
    Export { format: &'static str, filters: String },
}

/// Records a consultation in the audit log.
pub async fn consulted(app: &App, by: &Author, what: Consultation) -> Result<(), StoreError> {
    match what {
        Consultation::Report(id) => app.store.record_event(by, "report.read", "report", &id.to_string(), "").await,
        Consultation::Photo { photo_id, report_id } => {
            app.store.record_event(by, "report.photo_read", "report", &report_id.to_string(), &format!("photo {photo_id}")).await
        }
        Consultation::Export { format, filters } => {
            let detail = if filters.is_empty() { format!("{format}, sans filtre") } else { format!("{format}, filtres {filters}") };
            app.store.record_event(by, "report.export", "report", "", &detail).await
        }
    }
}

/// Why an organisation could not be involved.
#[derive(Debug, thiserror::Error)]
pub enum InvolveError {
    #[error("l'organisation choisie n'existe pas")]
    UnknownOrganisation,
    #[error("cette organisation est déjà associée au signalement")]
    AlreadyInvolved,
    #[error(transparent)]
    Store(StoreError),
}

/// Asks another organisation to take part in a report, and tells it by e-mail.
pub async fn involve(app: &App, by: &Author, r: &ReportDetail, organisation_id: i64) -> Result<(), InvolveError> {
    let catalog = app.catalog().await.map_err(InvolveError::Store)?;
    let org = catalog.organisations.iter().find(|o| o.id == organisation_id).ok_or(InvolveError::UnknownOrganisation)?;
    let mails = if org.email.is_empty() {
        Vec::new()
    } else {
        vec![OutgoingMail {
            report_id: Some(r.id),
            recipient: org.email.clone(),
            subject: format!("[Maillage] Signalement n° {} : votre organisation est associée", r.id),
            body: format!(
                "Bonjour,\n\n{} est associée au signalement n° {}.\n\nDescription :\n{}\n\nPour le suivre : {}/signalements/{}\n\n-- \nMaillage, outil partenarial du CLSPD. Ce message ne contient ni photo ni commentaire interne.\n",
                org.name, r.id, r.description, app.public_url, r.id
            ),
        }]
    };
    match app.store.involve(by, r.id, org.id, mails).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(InvolveError::AlreadyInvolved),
        Err(e) => Err(InvolveError::Store(e)),
    }
}

/// Open reports of the same category near a point: possible duplicates, nearest first.
pub async fn possible_duplicates(
    app: &App,
    category_id: i64,
    c: Coordinates,
    scope: ReportScope,
) -> Result<Vec<(maillage_store::report::ReportSummary, f64)>, StoreError> {
    let (dlat, dlon) = report::degree_box(c, report::DUPLICATE_RADIUS_M);
    let near = app.store.open_reports_near(category_id, c.lat, c.lon, dlat, dlon, scope).await?;
    let mut out: Vec<_> = near
        .into_iter()
        .map(|r| {
            let d = c.distance_m(Coordinates { lat: r.lat, lon: r.lon });
            (r, d)
        })
        .filter(|(_, d)| *d <= report::DUPLICATE_RADIUS_M)
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(out)
}

/// Why an address look-up gave nothing to choose from; the messages are shown under the field.
#[derive(Debug, thiserror::Error)]
pub enum AddressSearchError {
    #[error("La recherche d'adresse n'est pas activée : placez le point sur la carte ou saisissez ses coordonnées.")]
    Disabled,
    #[error("Saisissez une adresse à chercher (3 à 200 caractères).")]
    BadQuery,
    #[error("Aucune adresse de la commune ne correspond à « {0} ». Placez le point sur la carte.")]
    NothingFound(String),
    #[error("La recherche d'adresse n'a pas abouti ({0}) : placez le point sur la carte ou saisissez ses coordonnées.")]
    Geocoder(#[from] address::GeocoderError),
}

/// Addresses matching a typed text, inside the territory, best first. Only the typed text is
/// sent to the geocoder (never the description), and only when the person asks for it.
pub async fn find_addresses(app: &App, query: &str) -> Result<Vec<address::AddressCandidate>, AddressSearchError> {
    let geocoder = app.geocoder.as_ref().ok_or(AddressSearchError::Disabled)?;
    let query = query.trim();
    if !(3..=200).contains(&query.chars().count()) {
        return Err(AddressSearchError::BadQuery);
    }
    let places = app.places();
    let near = places.extent().and_then(|b| Coordinates::new((b[1] + b[3]) / 2.0, (b[0] + b[2]) / 2.0));
    let mut found = geocoder.search(query, near).await?;
    found.retain(|a| places.locate(a.coordinates).is_ok());
    found.truncate(address::MAX_CANDIDATES);
    if found.is_empty() {
        return Err(AddressSearchError::NothingFound(query.to_string()));
    }
    Ok(found)
}

/// The questions of a category, for forms and Open311.
pub fn questions_of(categories: &[Category], id: i64) -> &[Question] {
    categories.iter().find(|c| c.id == id).map_or(&[], |c| c.questions.as_slice())
}
