//! What the charter and the GDPR ask to be written down about the working groups, generated
//! from what is configured and recorded rather than kept by hand: the charter's yearly
//! application report (art. 10) and the register entry with the DPIA's material (GDPR art. 30,
//! privacy rules §5). Counts and labels only.

use super::CaseError;
use crate::App;
use maillage_core::publication;
use maillage_core::text::number_fr;
use maillage_core::working_group::{AGE_LIMIT, ARCHIVE_YEARS};
use maillage_store::working_group::Group;

fn n(v: usize) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The charter's application over one year, for one group (art. 10).
#[derive(Clone, Debug)]
pub struct YearlyReport {
    pub year: i32,
    pub meetings: String,
    pub attendances: String,
    pub members: String,
    pub institutions_signed: Vec<String>,
    pub charter_version: i64,
    pub exclusions: String,
    pub situations_examined: String,
    pub situations_opened: String,
    pub situations_closed: String,
    pub informed: String,
}

pub async fn yearly_report(app: &App, group: &Group, year: i32) -> Result<YearlyReport, CaseError> {
    let (mut meetings, mut attendances, mut examined, mut destroyed) = (0, 0, Vec::new(), 0);
    for m in app.store.meetings(group.id).await?.into_iter().filter(|m| m.held_on.year() == year) {
        meetings += 1;
        attendances += app.store.attendance(m.id).await?.len();
        for d in app.store.decisions(m.id).await? {
            match d.case_id {
                Some(c) => examined.push(c),
                None => destroyed += 1,
            }
        }
    }
    examined.sort_unstable();
    examined.dedup();
    let members = app.store.members(group.id).await?;
    let in_year = |at: &Option<String>| at.as_deref().is_some_and(|a| a.starts_with(&year.to_string()));
    let rows = app.store.figure_rows(group.id).await?;
    let opened: Vec<_> = rows.iter().filter(|r| r.opened_on.year() == year).collect();
    Ok(YearlyReport {
        year,
        meetings: number_fr(meetings),
        attendances: number_fr(n(attendances)),
        members: number_fr(n(members.iter().filter(|m| m.excluded_at.is_none()).count())),
        institutions_signed: app
            .store
            .signatures(group.id)
            .await?
            .into_iter()
            .filter(|s| s.version == group.charter_version)
            .map(|s| s.organisation_name)
            .collect(),
        charter_version: group.charter_version,
        exclusions: number_fr(n(members.iter().filter(|m| in_year(&m.excluded_at)).count())),
        situations_examined: publication::count(n(examined.len() + destroyed)),
        situations_opened: publication::count(n(opened.len())),
        situations_closed: publication::count(n(rows.iter().filter(|r| r.ended_on.is_some_and(|e| e.year() == year)).count())),
        informed: publication::count(n(opened.iter().filter(|r| r.informed).count())),
    })
}

/// One line of the register of processing activities (GDPR art. 30) for the working groups.
#[derive(Clone, Debug)]
pub struct Register {
    pub groups: Vec<(String, &'static str, String)>,
    pub data: &'static [&'static str],
    pub recipients: Vec<String>,
    pub retention: Vec<String>,
    pub measures: Vec<String>,
    pub read_alert: i64,
}

/// The register entry and the DPIA's material, from the groups recorded and the rules enforced.
pub async fn register(app: &App) -> Result<Register, CaseError> {
    let mut recipients = Vec::new();
    let mut groups = Vec::new();
    for g in app.store.groups().await? {
        for s in app.store.signatures(g.id).await? {
            if !recipients.contains(&s.organisation_name) {
                recipients.push(s.organisation_name);
            }
        }
        groups.push((g.name.clone(), g.kind.label(), g.purpose.clone()));
    }
    recipients.sort();
    Ok(Register {
        groups,
        data: &[
            "Identité de la personne suivie et, pour un mineur, de ses représentants légaux : nom, prénom, sexe, date de naissance, adresse, téléphone, adresse électronique",
            "Scolarité ou situation professionnelle (liste fermée)",
            "Suivi : date de début, origine (liste), auteur du signalement et son institution, groupe, dispositif (liste), référent, institution en charge",
            "Actions menées, datées, avec leur résultat (listes) et une note brève",
            "Mesures judiciaires, seulement si nécessaire (champ distinct)",
            "Information de la personne : date et moyen, ou motif du report (listes)",
            "Décisions des réunions du groupe (liste), chef de file, date de suivi",
            "Aucune donnée sensible n'est demandée (santé, origine, religion, vie sexuelle)",
        ],
        recipients,
        retention: vec![
            "Données actives : le temps du suivi.".into(),
            format!("Archive intermédiaire : {ARCHIVE_YEARS} ans après la fin du suivi, consultée seulement pour un motif choisi dans une liste et enregistré."),
            format!("Jamais au-delà du {AGE_LIMIT}e anniversaire de la personne ; destruction automatique, enregistrée (le fait, pas le contenu)."),
            "Journal des accès : conservé selon le réglage audit_retention_days (183 à 1 095 jours), chaîné et ancré hors de la base.".into(),
        ],
        measures: vec![
            "Accès réservé aux membres du groupe : institution signataire de la version en vigueur de la charte, acceptation individuelle, exclusion immédiate".into(),
            "Double authentification (TOTP, RFC 6238) obligatoire pour lire une situation".into(),
            "Chiffrement des données nominatives (XChaCha20-Poly1305), clés hors de la base et de ses sauvegardes, rotation des clés".into(),
            "Recherche d'une personne par empreinte à clé (HMAC-SHA-256), propre à chaque groupe : aucun nom en clair".into(),
            "Journal de chaque lecture, recherche, export, refus, chaîné par empreintes ; l'utilisateur en est informé".into(),
            "Alerte du délégué à la protection des données quand un compte lit de nombreuses situations en peu de temps".into(),
            "Séparation des rôles : l'administrateur et le délégué ne peuvent pas être membres ; une réinitialisation par l'administrateur suspend l'accès et est signalée".into(),
            "Aucune donnée nominative par courriel ; relevés de conclusions et tableaux de bord agrégés, effectifs inférieurs à 5 masqués".into(),
        ],
        read_alert: app.read_alert_threshold,
    })
}
