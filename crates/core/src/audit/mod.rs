//! The audit log's hash chain (privacy rules §5): append-only entries, each carrying the hash of
//! the one before, so that altering or removing an entry is detected by [`verify_chain`].

pub mod anchor;

use sha2::{Digest, Sha256};

/// Hash that precedes the very first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Retention bounds, in days (CNIL délibération 2021-122: 6 months to 1 year, up to 3 years
/// where an internal-control purpose is documented).
pub const RETENTION_MIN_DAYS: u32 = 183;
pub const RETENTION_DEFAULT_DAYS: u32 = 365;
pub const RETENTION_MAX_DAYS: u32 = 1095;

/// One entry as written: who, when, which operation, which record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub actor_id: Option<i64>,
    /// The actor's e-mail at the time (or "système", "ligne de commande").
    pub actor_label: String,
    /// A dotted operation name, e.g. `strategy.import`, `user.create`, `session.login`.
    pub operation: String,
    pub record_type: String,
    pub record_id: String,
    /// Short factual detail; never confidential contents.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Every operation the log records, with its French name (the journal's filter offers them).
pub const OPERATIONS: &[(&str, &str)] = &[
    ("session.login", "Connexion"),
    ("session.login_failed", "Connexion refusée (mot de passe ou compte)"),
    ("session.login_refused", "Connexion différée (trop de tentatives)"),
    ("user.create", "Création d'un compte"),
    ("user.set_roles", "Changement des rôles d'un compte"),
    ("user.set_password", "Changement de mot de passe"),
    ("user.disable", "Désactivation d'un compte"),
    ("user.enable", "Réactivation d'un compte"),
    ("user.digest", "Récapitulatif quotidien (abonnement)"),
    ("organisation.create", "Création d'une organisation"),
    ("organisation.update", "Modification d'une organisation"),
    ("strategy.create", "Import d'une stratégie"),
    ("strategy.new_version", "Nouvelle version de la stratégie"),
    ("strategy.export", "Export de la stratégie"),
    ("glossary.set", "Sigle ajouté ou modifié"),
    ("glossary.delete", "Sigle supprimé"),
    ("report.create", "Signalement créé"),
    ("report.read", "Consultation d'un signalement"),
    ("report.photo_read", "Consultation d'une photo"),
    ("report.export", "Export de signalements"),
    ("report.state", "Changement d'état d'un signalement"),
    ("report.comment", "Commentaire"),
    ("report.involve", "Organisation associée à un signalement"),
    ("report.part", "Part d'une organisation"),
    ("report.photo", "Photo ajoutée"),
    ("report.anonymise", "Anonymisation de signalements clos"),
    ("category.save", "Catégorie enregistrée"),
    ("area.add", "Zones importées"),
    ("area.delete", "Zone supprimée"),
    ("routing_rule.add", "Règle d'orientation ajoutée"),
    ("routing_rule.delete", "Règle d'orientation supprimée"),
    ("routing_rule.raise", "Règle d'orientation remontée"),
    ("api_key.create", "Clé Open311 créée"),
    ("api_key.revoke", "Clé Open311 révoquée"),
    ("audit.purge", "Purge du journal"),
    ("user.second_factor_start", "Double authentification : activation commencée"),
    ("user.second_factor_on", "Double authentification activée"),
    ("user.second_factor_off", "Double authentification retirée"),
    ("user.recovery_code_used", "Code de secours utilisé"),
    ("session.second_factor_failed", "Code de double authentification refusé"),
    ("session.second_factor_refused", "Code de double authentification différé (trop de tentatives)"),
    ("working_group.create", "Groupe de travail créé"),
    ("working_group.member_add", "Membre ajouté à un groupe"),
    ("working_group.member_exclude", "Membre exclu d'un groupe"),
    ("working_group.member_suspended", "Accès d'un membre suspendu (compte modifié par l'administration)"),
    ("charter.version", "Nouvelle version de la charte"),
    ("charter.signature", "Signature de la charte par une institution"),
    ("charter.acceptance", "Acceptation de la charte par un membre"),
    ("case.create", "Situation créée"),
    ("case.list", "Liste des situations consultée"),
    ("case.lookup", "Recherche d'une personne"),
    ("case.read", "Consultation d'une situation"),
    ("case.archive_read", "Consultation d'une situation archivée"),
    ("case.refused", "Accès à une situation refusé"),
    ("case.read_alert", "Alerte : lectures nombreuses"),
    ("case.action", "Action ajoutée à une situation"),
    ("case.informing", "Information de la personne"),
    ("case.close", "Fin d'un suivi"),
    ("case.export", "Export des données d'une personne"),
    ("case.rectify", "Rectification à la demande de la personne"),
    ("case.erase", "Effacement à la demande de la personne"),
    ("case.destroy", "Destruction en fin de conservation"),
    ("meeting.create", "Réunion de groupe créée"),
    ("meeting.read", "Consultation d'une réunion de groupe"),
    ("meeting.attendance", "Présents à une réunion"),
    ("meeting.invited", "Personne qualifiée invitée"),
    ("meeting.decision", "Décision de réunion"),
    ("keys.rotate", "Rotation des clés de chiffrement"),
    ("victim_reception.create", "Accueil d'une victime enregistré (anonyme)"),
    ("host_structure.create", "Structure d'accueil TIG créée"),
    ("host_post.create", "Poste TIG créé"),
    ("host_post.close", "Poste TIG fermé"),
    ("host_post.tutor", "Tuteur d'un poste TIG changé"),
    ("tutor_training.create", "Formation de tuteurs enregistrée"),
    ("placement.create", "Mesure (TIG, réparation) enregistrée"),
    ("placement.list", "Liste des mesures consultée"),
    ("placement.read", "Consultation d'une mesure"),
    ("placement.update", "Mesure modifiée"),
    ("placement.destroy", "Mesure détruite en fin de conservation"),
    ("alert.raise", "Alerte lancée"),
    ("alert.acknowledge", "Réception d'une alerte confirmée"),
    ("alert.action", "Action ajoutée à une alerte"),
    ("alert.close", "Alerte close avec son bilan"),
    ("on_call.add", "Ligne d'astreinte ajoutée"),
    ("on_call.remove", "Ligne d'astreinte retirée"),
];

/// The French wording of an operation, for the journal; an operation not listed shows its code.
pub fn operation_label(operation: &str) -> &str {
    OPERATIONS.iter().find(|(code, _)| *code == operation).map_or(operation, |(_, label)| label)
}

/// The French name of a kind of record, for the journal.
pub fn record_label(record_type: &str) -> &str {
    match record_type {
        "report" => "signalement",
        "user" => "compte",
        "organisation" => "organisation",
        "strategy" => "stratégie",
        "category" => "catégorie",
        "area" => "zone",
        "routing_rule" => "règle d'orientation",
        "api_key" => "clé Open311",
        "glossary" => "sigle",
        "audit" | "audit_log" => "journal",
        "glossary_term" => "sigle",
        "report_category" => "catégorie",
        "working_group" => "groupe de travail",
        "case" => "situation",
        "meeting" => "réunion de groupe",
        "council_meeting" => "réunion du CLSPD",
        "victim_reception" => "accueil de victime",
        "host_structure" => "structure d'accueil TIG",
        "host_post" => "poste TIG",
        "tutor_training" => "formation de tuteurs",
        "placement" => "mesure TIG ou de réparation",
        "alert" => "alerte",
        "on_call" => "astreinte",
        other => other,
    }
}

/// The hash of an entry: SHA-256 over its fields and the previous hash, unit-separated.
pub fn entry_hash(e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    let actor = e.actor_id.map(|a| a.to_string()).unwrap_or_default();
    for part in [
        e.seq.to_string().as_str(),
        e.at.as_str(),
        actor.as_str(),
        e.actor_label.as_str(),
        e.operation.as_str(),
        e.record_type.as_str(),
        e.record_id.as_str(),
        e.detail.as_str(),
        e.prev_hash.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the chain starts (moved forward by purges) and where it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBounds {
    /// Sequence number of the last purged entry (0 when nothing was purged).
    pub anchor_seq: i64,
    /// Hash of the last purged entry ([`GENESIS_HASH`] when nothing was purged).
    pub anchor_hash: String,
    pub head_seq: i64,
    pub head_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entrée {seq} : empreinte incorrecte (entrée modifiée)")]
    Altered { seq: i64 },
    #[error("entrée {seq} : ne suit pas l'entrée précédente (entrée supprimée ou insérée)")]
    Broken { seq: i64 },
    #[error("entrées manquantes : attendu {expected}, trouvé {found}")]
    Missing { expected: i64, found: i64 },
    #[error("fin du journal incohérente : la tête indique {head}, la dernière entrée est {last}")]
    Truncated { head: i64, last: i64 },
}

/// Checks a chain one entry at a time, so that a log of any length is verified in batches
/// without holding it in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev: String,
    count: u64,
}

impl ChainVerifier {
    pub fn new(bounds: &ChainBounds) -> Self {
        ChainVerifier { expected_seq: bounds.anchor_seq + 1, prev: bounds.anchor_hash.clone(), count: 0 }
    }

    /// The next entry in sequence order.
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainError> {
        if e.seq != self.expected_seq {
            return Err(ChainError::Missing { expected: self.expected_seq, found: e.seq });
        }
        if e.prev_hash != self.prev {
            return Err(ChainError::Broken { seq: e.seq });
        }
        if entry_hash(e) != e.hash {
            return Err(ChainError::Altered { seq: e.seq });
        }
        self.prev.clone_from(&e.hash);
        self.expected_seq += 1;
        self.count += 1;
        Ok(())
    }

    /// After the last entry: the chain must end where the head says. Returns how many were checked.
    pub fn finish(self, bounds: &ChainBounds) -> Result<u64, ChainError> {
        let last = self.expected_seq - 1;
        if last != bounds.head_seq || self.prev != bounds.head_hash {
            return Err(ChainError::Truncated { head: bounds.head_seq, last });
        }
        Ok(self.count)
    }
}

/// Checks entries given in sequence order. Returns how many were checked.
pub fn verify_chain<I>(bounds: &ChainBounds, entries: I) -> Result<u64, ChainError>
where
    I: IntoIterator<Item = AuditEntry>,
{
    let mut v = ChainVerifier::new(bounds);
    for e in entries {
        v.check(&e)?;
    }
    v.finish(bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> (ChainBounds, Vec<AuditEntry>) {
        let mut prev = GENESIS_HASH.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let mut e = AuditEntry {
                seq,
                at: format!("2026-11-26T10:00:{seq:02}Z"),
                actor_id: Some(1),
                actor_label: "coordination@example.org".into(),
                operation: "strategy.update".into(),
                record_type: "action_sheet".into(),
                record_id: "1.2".into(),
                detail: String::new(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = entry_hash(&e);
            prev = e.hash.clone();
            out.push(e);
        }
        let bounds = ChainBounds { anchor_seq: 0, anchor_hash: GENESIS_HASH.into(), head_seq: n, head_hash: prev };
        (bounds, out)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (b, e) = chain(5);
        assert_eq!(verify_chain(&b, e), Ok(5));
    }

    #[test]
    fn an_altered_entry_is_detected() {
        let (b, mut e) = chain(5);
        e[2].actor_label = "someone.else@example.org".into();
        assert_eq!(verify_chain(&b, e), Err(ChainError::Altered { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_detected() {
        let (b, mut e) = chain(5);
        e.remove(1);
        assert_eq!(verify_chain(&b, e), Err(ChainError::Missing { expected: 2, found: 3 }));
    }

    #[test]
    fn a_removed_last_entry_is_detected() {
        let (b, mut e) = chain(5);
        e.pop();
        assert_eq!(verify_chain(&b, e), Err(ChainError::Truncated { head: 5, last: 4 }));
    }

    #[test]
    fn a_purged_prefix_verifies_from_its_anchor() {
        let (mut b, e) = chain(5);
        b.anchor_seq = 2;
        b.anchor_hash = e[1].hash.clone();
        assert_eq!(verify_chain(&b, e.into_iter().skip(2)), Ok(3));
    }
}
