//! The names of the persons the working groups follow, as the CLSPD's meetings are checked
//! against them (charter art. 5: nothing nominative in the plenary or the restricted
//! formation). Only keyed hashes of the names are read, one per situation and group: the check
//! learns whether a text names a followed person, never who, nor in which group.

use crate::App;
use crate::working_group::open_identity;
use maillage_core::working_group::{folded_name_text, name_candidates, name_text};
use maillage_store::StoreError;
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, thiserror::Error)]
pub enum NameCheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("vérification interrompue : {0}")]
    Interrupted(String),
}

/// Whether one of `texts` names a person a working group follows (or followed, while the
/// situation is kept): a surname and first name next to each other, in either order, whatever
/// the case, accents and hyphens. Without a key file there are no situations, hence no names.
pub async fn names_a_followed_person(app: &App, texts: Vec<String>) -> Result<bool, NameCheckError> {
    let Some(ring) = app.keyring.clone() else { return Ok(false) };
    let rows = app.store.case_name_hashes().await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let groups: BTreeSet<i64> = rows.iter().map(|r| r.0).collect();
    let hashes: HashSet<String> = rows.into_iter().map(|r| r.1).collect();
    // Off the async runtime: a long document is millions of keyed hashes.
    tokio::task::spawn_blocking(move || {
        let hash = ring.lookup_hasher();
        texts.iter().any(|text| {
            name_candidates(text, |surname, first| groups.iter().any(|g| hashes.contains(&hash(&folded_name_text(*g, surname, first)))))
        })
    })
    .await
    .map_err(|e| NameCheckError::Interrupted(e.to_string()))
}

/// The name hash of a situation's person.
pub fn name_hash(ring: &crate::keyring::Keyring, group_id: i64, surname: &str, first_name: &str) -> String {
    ring.lookup_hash(&name_text(group_id, surname, first_name))
}

/// Gives a name hash to the situations written before they existed (at start-up, with the
/// key file). A situation whose identity does not open is left as it is and said in the log
/// by its number only. Gives how many were filled in.
pub async fn fill_name_hashes(app: &App) -> Result<usize, StoreError> {
    let Some(ring) = app.keyring.as_deref() else { return Ok(0) };
    let mut filled = Vec::new();
    for (id, group_id, sealed) in app.store.cases_without_name_hash().await? {
        match open_identity(ring, id, &sealed) {
            Ok(identity) => filled.push((id, name_hash(ring, group_id, &identity.surname, &identity.first_name))),
            Err(e) => tracing::warn!(case = id, error = %e, "a situation's identity does not open: no name hash"),
        }
    }
    app.store.set_case_name_hashes(&filled).await?;
    Ok(filled.len())
}
