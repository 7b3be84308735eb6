//! The names of the persons the working groups follow (and of their legal representatives), as
//! the CLSPD's meetings are checked against them (charter art. 5: nothing nominative in the
//! plenary or the restricted formation). Only keyed hashes of the names are read, a few per
//! situation and group: the check learns whether a text names a followed person, never who,
//! nor in which group.
//!
//! The check itself could be asked, name after name, whether someone is followed: each refusal
//! goes into the audit chain, and past [`REFUSALS_PER_DAY`] in a day an account's texts are no
//! longer checked (so refused) until the next day, and the DPO is told by e-mail.

use crate::App;
use crate::working_group::open_identity;
use maillage_core::time_fmt;
use maillage_core::working_group::case::Identity;
use maillage_core::working_group::{evasion_variant, folded_name_text, name_candidates, name_text};
use maillage_store::{Author, StoreError};
use std::collections::{BTreeSet, HashSet};
use tokio::sync::Semaphore;

/// The most characters one text may hold to be checked (a report of several hundred pages);
/// a longer one is refused as too long to be checked.
pub const MAX_CHECKED_CHARS: usize = 2_000_000;
/// Refusals for a name an account may meet in a day before its texts are no longer checked.
pub const REFUSALS_PER_DAY: i64 = 10;
/// The audit operation of a refusal.
pub const REFUSED: &str = "meeting.name_refused";

/// Checks, and the readings of documents before them, run one at a time: a long document
/// keeps one core busy, never both.
pub(crate) static CHECKS: Semaphore = Semaphore::const_new(1);

#[derive(Debug, thiserror::Error)]
pub enum NameCheckError {
    /// Said to the person.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("vérification interrompue : {0}")]
    Interrupted(String),
}

/// Whether one of `texts` names a person a working group follows (or followed, while the
/// situation is kept) or one of their representatives: a surname and first name next to each
/// other, in either order, whatever the case, accents and hyphens, and also as someone hiding
/// the name would write it ([`evasion_variant`]). Without a key file there are no situations,
/// hence no names.
pub async fn names_a_followed_person(app: &App, texts: Vec<String>) -> Result<bool, NameCheckError> {
    if texts.iter().any(|t| t.chars().count() > MAX_CHECKED_CHARS) {
        return Err(NameCheckError::Refused(format!(
            "le texte est trop long pour être vérifié (plus de {} caractères) : découpez-le",
            MAX_CHECKED_CHARS
        )));
    }
    let Some(ring) = app.keyring.clone() else { return Ok(false) };
    let rows = app.store.case_name_hashes().await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let groups: BTreeSet<i64> = rows.iter().map(|r| r.0).collect();
    let hashes: HashSet<String> = rows.into_iter().map(|r| r.1).collect();
    let turn = CHECKS.acquire().await.map_err(|e| NameCheckError::Interrupted(e.to_string()))?;
    // Off the async runtime: a long document is millions of keyed hashes. The turn goes with
    // the check: a request given up does not free it while the check runs.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let hash = ring.lookup_hasher();
        let names = |text: &str| {
            name_candidates(text, |surname, first| groups.iter().any(|g| hashes.contains(&hash(&folded_name_text(*g, surname, first)))))
        };
        texts.iter().any(|text| {
            let variant = evasion_variant(text);
            names(text) || (variant != *text && names(&variant))
        })
    })
    .await
    .map_err(|e| NameCheckError::Interrupted(e.to_string()))
}

/// Refuses `texts` written by `by` for meeting `meeting_id` (`what`: the document, the minutes,
/// a decision) if they name a followed person: the refusal goes into the audit chain, without
/// the name; an account past [`REFUSALS_PER_DAY`] refusals today is not checked any more.
/// Gives the reason to say, if refused.
pub async fn refuse_followed_names(
    app: &App,
    by: &Author,
    meeting_id: i64,
    what: &str,
    texts: Vec<String>,
) -> Result<Option<String>, NameCheckError> {
    let since = time_fmt::to_storage(time_fmt::now() - time::Duration::days(1));
    let refused_today = match by.user_id {
        Some(u) => app.store.count_operations_since(u, REFUSED, &since).await?,
        None => 0,
    };
    if refused_today >= REFUSALS_PER_DAY {
        app.store.record_event(by, "meeting.name_check_suspended", "council_meeting", &meeting_id.to_string(), what).await?;
        return Ok(Some(format!(
            "{REFUSALS_PER_DAY} textes ont été refusés aujourd'hui pour des noms de personnes suivies : la vérification est \
             suspendue pour votre compte pendant 24 heures, et le délégué à la protection des données en est informé"
        )));
    }
    match names_a_followed_person(app, texts).await {
        Ok(false) => return Ok(None),
        Ok(true) => {}
        Err(NameCheckError::Refused(m)) => return Ok(Some(m)),
        Err(e) => return Err(e),
    }
    app.store.record_event(by, REFUSED, "council_meeting", &meeting_id.to_string(), what).await?;
    if refused_today + 1 == REFUSALS_PER_DAY {
        let body = format!(
            "Bonjour,\n\nLe compte {} a vu {REFUSALS_PER_DAY} textes refusés en 24 heures parce qu'ils semblaient \
             nommer des personnes suivies par les groupes de travail (documents, relevés ou décisions des réunions \
             du CLSPD). Ses textes ne sont plus vérifiés, donc plus acceptés, pendant 24 heures.\n\
             Le détail est dans le journal des accès : {}/journal?operation={REFUSED}\n\nMaillage",
            by.label, app.public_url
        );
        crate::working_group::mail_dpos(app, "Maillage : textes de réunion refusés pour des noms de personnes suivies", &body).await?;
    }
    Ok(Some(crate::meeting::document::NAMES_A_FOLLOWED_PERSON.into()))
}

/// The name hashes of a situation: its person's and each representative's, separated by spaces.
pub fn name_hashes(ring: &crate::keyring::Keyring, group_id: i64, identity: &Identity) -> String {
    std::iter::once((identity.surname.as_str(), identity.first_name.as_str()))
        .chain(identity.representatives.iter().map(|r| (r.surname.as_str(), r.first_name.as_str())))
        .filter(|(s, f)| !s.trim().is_empty() && !f.trim().is_empty())
        .map(|(s, f)| ring.lookup_hash(&name_text(group_id, s, f)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Gives name hashes to the situations written before they existed (at start-up, with the
/// key file). A situation whose identity does not open is left as it is and said in the log
/// by its number only. Gives how many were filled in.
pub async fn fill_name_hashes(app: &App) -> Result<usize, StoreError> {
    let Some(ring) = app.keyring.as_deref() else { return Ok(0) };
    let mut filled = Vec::new();
    for (id, group_id, sealed) in app.store.cases_without_name_hashes().await? {
        match open_identity(ring, id, &sealed) {
            Ok(identity) => filled.push((id, name_hashes(ring, group_id, &identity))),
            Err(e) => tracing::warn!(case = id, error = %e, "a situation's identity does not open: no name hash"),
        }
    }
    app.store.set_case_name_hashes(&filled).await?;
    Ok(filled.len())
}
