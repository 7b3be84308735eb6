//! Working groups' use cases: situations sealed by the keyring before they reach the store,
//! found again through a keyed hash, every access recorded in the audit chain, a DPO alert when
//! one account reads many situations in a short time, and the daily destruction (3-year archive,
//! 25th birthday).

pub mod export;
pub mod meeting;
pub mod names;
pub mod report;

use crate::App;
use crate::keyring::{Keyring, KeyringError};
use maillage_core::time_fmt;
use maillage_core::working_group::case::{
    ACCESS_REASONS, ACTION_KINDS, ACTION_RESULTS, DEFERRAL_REASONS, Fault, INFORMING_MEANS, Identity, JUDICIAL_MAX, NOTE_MAX, ORIGINS,
    OUTCOMES, PROGRAMMES, check_choice, check_identity, check_note,
};
use maillage_core::working_group::{destruction_day, lookup_text};
use maillage_store::working_group::case::{
    CaseAction, CaseRecord, Informing, NewAction, NewCase, SealedCase, identity_place, judicial_place, note_place,
};
use maillage_store::{Author, StoreError};
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// Faults of the form, each by its field.
    #[error("formulaire incomplet ou invalide")]
    Invalid(Vec<Fault>),
    /// The person is already followed by the group: these situations.
    #[error("cette personne est déjà suivie par le groupe")]
    AlreadyFollowed(Vec<i64>),
    #[error("aucun fichier de clés n'est configuré : les situations ne peuvent être ni écrites ni lues")]
    NoKeyring,
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error("données illisibles : {0}")]
    Unreadable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn ring(app: &App) -> Result<&Keyring, CaseError> {
    app.keyring.as_deref().ok_or(CaseError::NoKeyring)
}

/// The default text of a group's charter: the strategy's annex « charte » (the seed's), as
/// text with `## ` before each heading.
pub async fn default_charter(app: &App) -> Result<String, StoreError> {
    let doc = app.store.current_strategy().await?;
    let annex = doc.as_ref().and_then(|s| s.doc.annexes.iter().find(|a| a.code == "charte"));
    Ok(annex.map_or_else(String::new, |a| {
        let mut out = a.title.clone();
        for s in &a.sections {
            out.push_str("\n\n## ");
            out.push_str(&s.heading);
            for p in &s.paragraphs {
                out.push_str("\n\n");
                out.push_str(p);
            }
        }
        out
    }))
}

/// A situation as its group's members read it.
#[derive(Clone, Debug)]
pub struct CaseView {
    pub record: CaseRecord,
    pub identity: Identity,
    pub judicial: Option<String>,
}

/// Opens the sealed identity of situation `id`.
pub(crate) fn open_identity(ring: &Keyring, id: i64, sealed: &str) -> Result<Identity, CaseError> {
    serde_json::from_str(&ring.open(sealed, &identity_place(id))?).map_err(|e| CaseError::Unreadable(format!("situation {id} : {e}")))
}

/// Opens a situation's sealed values.
pub fn open_case(app: &App, record: CaseRecord) -> Result<CaseView, CaseError> {
    let ring = ring(app)?;
    let identity = open_identity(ring, record.id, &record.identity)?;
    let judicial = record.judicial.as_deref().map(|j| ring.open(j, &judicial_place(record.id))).transpose()?;
    Ok(CaseView { record, identity, judicial })
}

/// An action with its note opened.
#[derive(Clone, Debug)]
pub struct ActionView {
    pub action: CaseAction,
    pub note: Option<String>,
}

pub async fn actions(app: &App, case_id: i64) -> Result<Vec<ActionView>, CaseError> {
    let ring = ring(app)?;
    app.store
        .case_actions(case_id)
        .await?
        .into_iter()
        .map(|action| {
            let note = action.note.as_deref().map(|n| ring.open(n, &note_place(action.id))).transpose()?;
            Ok(ActionView { action, note })
        })
        .collect()
}

/// The keyed hash a person is found by.
pub fn lookup_hash(app: &App, group_id: i64, surname: &str, first_name: &str, birth: Date) -> Result<String, CaseError> {
    Ok(ring(app)?.lookup_hash(&lookup_text(group_id, surname, first_name, birth)))
}

/// A new situation as a member fills it in.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub identity: Identity,
    pub opened_on: Option<Date>,
    pub origin: String,
    pub programme: String,
    pub referent_id: Option<i64>,
    pub already_in_charge: bool,
    pub in_charge_org_id: Option<i64>,
    pub judicial: String,
}

/// Checks and creates a situation in `group_id`, sealed; refuses a person the group already
/// follows (found by the keyed hash, not by names).
pub async fn create_case(app: &App, by: &Author, reporter: (i64, Option<i64>), group_id: i64, d: &Draft) -> Result<i64, CaseError> {
    let ring = ring(app)?;
    let today = time_fmt::paris_date(time_fmt::now());
    let mut faults = check_identity(&d.identity, today);
    match d.opened_on {
        None => faults.push(("opened_on", "La date de début du suivi est obligatoire.".into())),
        Some(o) if o > today => faults.push(("opened_on", "La date de début du suivi ne peut pas être dans le futur.".into())),
        Some(o) if d.identity.birth().is_some_and(|b| o < b) => {
            faults.push(("opened_on", "La date de début du suivi ne peut pas précéder la naissance.".into()));
        }
        Some(_) => {}
    }
    check_choice("origin", ORIGINS, &d.origin, "l'origine du suivi", &mut faults);
    check_choice("programme", PROGRAMMES, &d.programme, "le dispositif", &mut faults);
    if !d.already_in_charge && d.in_charge_org_id.is_none() {
        faults.push((
            "in_charge_org_id",
            "Si aucune institution ne suit déjà la personne, désignez l'acteur qui la prend en charge (charte, article 4).".into(),
        ));
    }
    check_note("judicial", &d.judicial, JUDICIAL_MAX, &mut faults);
    if !faults.is_empty() {
        return Err(CaseError::Invalid(faults));
    }
    let (Some(birth), Some(opened_on)) = (d.identity.birth(), d.opened_on) else {
        return Err(CaseError::Invalid(vec![("birth_date", "La date de naissance est obligatoire.".into())]));
    };
    let hash = ring.lookup_hash(&lookup_text(group_id, &d.identity.surname, &d.identity.first_name, birth));
    let existing = app.store.cases_by_lookup(group_id, &hash).await?;
    if !existing.is_empty() {
        return Err(CaseError::AlreadyFollowed(existing));
    }
    let identity = serde_json::to_string(&d.identity).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    let judicial = d.judicial.trim();
    let new = NewCase {
        group_id,
        lookup_hash: hash,
        name_hashes: names::name_hashes(ring, group_id, &d.identity),
        opened_on,
        origin: d.origin.clone(),
        reported_by_id: Some(reporter.0),
        reported_by_org_id: reporter.1,
        programme: d.programme.clone(),
        referent_id: d.referent_id,
        already_in_charge: d.already_in_charge,
        in_charge_org_id: d.in_charge_org_id,
    };
    Ok(app
        .store
        .create_case(by, &new, |id| SealedCase {
            identity: ring.seal(&identity, &identity_place(id)),
            judicial: (!judicial.is_empty()).then(|| ring.seal(judicial, &judicial_place(id))),
        })
        .await?)
}

/// A dated action as a member fills it in.
#[derive(Clone, Debug, Default)]
pub struct ActionDraft {
    pub kind: String,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub result: String,
    pub note: String,
}

pub async fn add_action(app: &App, by: &Author, case: &CaseRecord, d: &ActionDraft) -> Result<i64, CaseError> {
    let ring = ring(app)?;
    let mut faults = Vec::new();
    check_choice("kind", ACTION_KINDS, &d.kind, "l'action", &mut faults);
    check_choice("result", ACTION_RESULTS, &d.result, "le résultat", &mut faults);
    let today = time_fmt::paris_date(time_fmt::now());
    match d.started_on {
        None => faults.push(("started_on", "La date de début de l'action est obligatoire.".into())),
        Some(s) if s > today => faults.push(("started_on", "La date de début ne peut pas être dans le futur.".into())),
        Some(s) if s < case.opened_on => faults.push(("started_on", "L'action ne peut pas précéder le début du suivi.".into())),
        Some(s) if d.ended_on.is_some_and(|e| e < s) => faults.push(("ended_on", "La fin ne peut pas précéder le début.".into())),
        Some(_) => {}
    }
    check_note("note", &d.note, NOTE_MAX, &mut faults);
    if case.archived() {
        faults.push(("kind", "Cette situation est close : on n'y ajoute plus d'action.".into()));
    }
    let Some(started_on) = d.started_on.filter(|_| faults.is_empty()) else {
        return Err(CaseError::Invalid(faults));
    };
    let note = d.note.trim().to_string();
    let new = NewAction { kind: d.kind.clone(), started_on, ended_on: d.ended_on, result: d.result.clone() };
    Ok(app.store.add_case_action(by, case.id, &new, |id| (!note.is_empty()).then(|| ring.seal(&note, &note_place(id)))).await?)
}

/// Records how the person was informed, or why informing is deferred.
pub async fn set_informing(
    app: &App,
    by: &Author,
    case: &CaseRecord,
    on: Option<Date>,
    means: &str,
    deferred: &str,
) -> Result<(), CaseError> {
    let mut faults = Vec::new();
    if !deferred.is_empty() && (on.is_some() || !means.is_empty()) {
        faults.push(("deferred", "Indiquez soit l'information faite (date et moyen), soit le motif du report, pas les deux.".into()));
    }
    let informing = if deferred.is_empty() {
        check_choice("means", INFORMING_MEANS, means, "le moyen d'information", &mut faults);
        match on {
            Some(on) if on <= time_fmt::paris_date(time_fmt::now()) && on >= case.opened_on => {
                Informing::Informed { on, means: means.to_string() }
            }
            _ => {
                faults.push(("informed_on", "La date d'information est obligatoire, entre le début du suivi et aujourd'hui.".into()));
                Informing::Deferred { reason: String::new() }
            }
        }
    } else {
        check_choice("deferred", DEFERRAL_REASONS, deferred, "le motif du report", &mut faults);
        Informing::Deferred { reason: deferred.to_string() }
    };
    if !faults.is_empty() {
        return Err(CaseError::Invalid(faults));
    }
    Ok(app.store.set_informing(by, case.id, &informing).await?)
}

pub async fn close_case(app: &App, by: &Author, case: &CaseRecord, ended_on: Option<Date>, outcome: &str) -> Result<(), CaseError> {
    let mut faults = Vec::new();
    check_choice("outcome", OUTCOMES, outcome, "l'issue du suivi", &mut faults);
    let today = time_fmt::paris_date(time_fmt::now());
    match ended_on {
        Some(e) if e > today => faults.push(("ended_on", "La date de fin ne peut pas être dans le futur.".into())),
        Some(e) if e < case.opened_on => faults.push(("ended_on", "La fin ne peut pas précéder le début du suivi.".into())),
        None => faults.push(("ended_on", "La date de fin est obligatoire.".into())),
        Some(_) => {}
    }
    match ended_on {
        Some(e) if faults.is_empty() => Ok(app.store.close_case(by, case.id, e, outcome).await?),
        _ => Err(CaseError::Invalid(faults)),
    }
}

/// The reason given to open an archived situation, rectify or erase (privacy rules §3, §4):
/// chosen in [`ACCESS_REASONS`], so that the journal holds its label and never a free text.
pub fn check_reason(field: &'static str, code: &str) -> Result<&'static str, CaseError> {
    ACCESS_REASONS.iter().find(|(c, _)| *c == code).map(|(_, label)| *label).ok_or_else(|| {
        CaseError::Invalid(vec![(field, "Choisissez le motif dans la liste : il est enregistré dans le journal des accès.".into())])
    })
}

/// Reads of situations by one account within this many minutes…
pub const READ_ALERT_MINUTES: i64 = 15;

/// Records an access to a situation (read, list, search, archive opening) in the audit chain,
/// and alerts the DPO, once, when the account's reads over [`READ_ALERT_MINUTES`] reach
/// `app.read_alert_threshold`. The alert names the account, never a situation.
pub async fn record_access(
    app: &App,
    by: &Author,
    operation: &str,
    record_type: &str,
    record_id: i64,
    detail: &str,
) -> Result<(), StoreError> {
    app.store.record_event(by, operation, record_type, &record_id.to_string(), detail).await?;
    let Some(user_id) = by.user_id else { return Ok(()) };
    if !matches!(operation, "case.read" | "placement.read") || app.read_alert_threshold <= 0 {
        return Ok(());
    }
    let since = time_fmt::to_storage(time_fmt::now() - time::Duration::minutes(READ_ALERT_MINUTES));
    let n = app.store.count_operations_since(user_id, operation, &since).await?;
    if n == app.read_alert_threshold {
        app.store
            .record_event(
                &Author::system(),
                "case.read_alert",
                "user",
                &user_id.to_string(),
                &format!("{n} lectures en {READ_ALERT_MINUTES} min"),
            )
            .await?;
        let body = format!(
            "Bonjour,\n\nLe compte {} a consulté {n} situations de groupes de travail en moins de {READ_ALERT_MINUTES} minutes.\n\
             Le détail est dans le journal des accès : {}/journal?operation={operation}\n\nMaillage",
            by.label, app.public_url
        );
        mail_dpos(app, "Maillage : lectures nombreuses de situations", &body).await?;
    }
    Ok(())
}

/// Destroys every situation whose day has come on `today` (3 years after its end, or the
/// person's 25th birthday if sooner); returns how many. Run daily, and at start.
pub async fn destroy_due(app: &App, today: Date) -> Result<usize, CaseError> {
    let ring = ring(app)?;
    let mut destroyed = 0;
    for row in app.store.retention_rows().await? {
        let identity = open_identity(ring, row.id, &row.identity)?;
        let due = identity.birth().and_then(|b| destruction_day(b, row.ended_on));
        // A birth date that cannot be read keeps nothing: the row is destroyed.
        if due.is_none_or(|d| d <= today) {
            app.store.destroy_case(&Author::system(), row.id).await?;
            destroyed += 1;
        }
    }
    Ok(destroyed)
}

/// Rectifies the identity of a situation at the person's request, with a reason: checked as
/// at creation, sealed again, found again by its new look-up hash.
pub async fn rectify(app: &App, by: &Author, record: &CaseRecord, identity: &Identity, reason: &str) -> Result<(), CaseError> {
    let ring = ring(app)?;
    let today = time_fmt::paris_date(time_fmt::now());
    let mut faults = check_identity(identity, today);
    let reason = match check_reason("r-reason", reason) {
        Ok(r) => Some(r),
        Err(_) => {
            faults.push(("r-reason", "Choisissez le motif de la rectification dans la liste.".into()));
            None
        }
    };
    let (Some(birth), Some(reason)) = (identity.birth(), reason.filter(|_| faults.is_empty())) else {
        return Err(CaseError::Invalid(faults));
    };
    let sealed = ring.seal(&serde_json::to_string(identity).map_err(|e| CaseError::Unreadable(e.to_string()))?, &identity_place(record.id));
    let hash = ring.lookup_hash(&lookup_text(record.group_id, &identity.surname, &identity.first_name, birth));
    let name = names::name_hashes(ring, record.group_id, identity);
    Ok(app.store.rectify_case(by, record.id, &sealed, (&hash, &name), reason).await?)
}

/// Erases a situation at the person's request (or when it should never have been recorded),
/// with a reason.
pub async fn erase(app: &App, by: &Author, record: &CaseRecord, reason: &str) -> Result<(), CaseError> {
    let reason = check_reason("e-reason", reason)?;
    Ok(app.store.erase_case(by, record.id, reason).await?)
}

/// Queues `subject` and `body` to every active DPO account.
pub(crate) async fn mail_dpos(app: &App, subject: &str, body: &str) -> Result<(), StoreError> {
    for dpo in app.store.users().await?.into_iter().filter(|u| !u.disabled && u.roles.contains(&maillage_core::authz::Role::Dpo)) {
        let mail = maillage_store::mail::OutgoingMail { recipient: dpo.email, subject: subject.into(), body: body.into(), report_id: None };
        app.store.queue_mail(&mail).await?;
    }
    Ok(())
}

/// After the administrator reset an account's password or removed its second factor: if the
/// account is on a working group's list, its access is suspended until it accepts the charter
/// again, and the DPO and the account's owner are told by e-mail (no name of anyone followed).
/// An administrator cannot thereby slip into a member's place unnoticed.
pub async fn after_account_takeover_risk(app: &App, by: &Author, user_id: i64, what: &str) -> Result<(), StoreError> {
    if app.store.suspend_memberships(by, user_id).await? == 0 {
        return Ok(());
    }
    let Some(user) = app.store.user(user_id).await? else { return Ok(()) };
    let mut recipients: Vec<String> = app
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.roles.contains(&maillage_core::authz::Role::Dpo))
        .map(|u| u.email)
        .collect();
    recipients.push(user.email.clone());
    for recipient in recipients {
        app.store
            .queue_mail(&maillage_store::mail::OutgoingMail {
                recipient,
                subject: "Maillage : accès aux groupes de travail suspendu".into(),
                body: format!(
                    "Bonjour,\n\n{what} du compte {} a été fait par {}. Ce compte figure sur la liste d'au moins un groupe de travail : \
                     son accès aux situations est suspendu jusqu'à ce que son titulaire accepte de nouveau la charte.\n\
                     Si ce n'est pas vous qui l'avez demandé, prévenez le délégué à la protection des données.\n\n{}/journal\n\nMaillage",
                    user.email, by.label, app.public_url
                ),
                report_id: None,
            })
            .await?;
    }
    Ok(())
}
