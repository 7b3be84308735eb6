//! Everything held on the person of a situation, for a data subject's access request (privacy
//! rules §4): identity, follow-up, actions, decisions, with their labels. One gathering, two
//! forms: JSON (machine-readable, dates ISO 8601) and an ODT document (to hand to the person,
//! dates dd/mm/yyyy). Either export is recorded in the audit chain by the caller, like any read.

use super::{CaseError, CaseView, actions, meeting};
use crate::App;
use maillage_core::document::{Block, Document};
use maillage_core::time_fmt::{self, parse_iso_date};
use maillage_core::working_group::case::{
    ACTION_KINDS, ACTION_RESULTS, DECISION_KINDS, DEFERRAL_REASONS, INFORMING_MEANS, ORIGINS, OUTCOMES, PROGRAMMES, SCHOOL_OR_JOB, SEXES,
    label,
};
use serde::Serialize;
use time::Date;

pub const FORMAT: &str = "maillage-situation-1";

#[derive(Clone, Debug, Serialize)]
pub struct PersonExport {
    pub format: &'static str,
    #[serde(rename = "exporte_le")]
    pub exported_at: String,
    #[serde(rename = "situation")]
    pub case_id: i64,
    #[serde(rename = "identite")]
    pub identity: IdentityExport,
    #[serde(rename = "suivi")]
    pub follow_up: FollowUpExport,
    pub actions: Vec<ActionExport>,
    pub decisions: Vec<DecisionExport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdentityExport {
    #[serde(rename = "nom")]
    pub surname: String,
    #[serde(rename = "prenom")]
    pub first_name: String,
    #[serde(rename = "sexe")]
    pub sex: String,
    #[serde(rename = "date_de_naissance")]
    pub birth_date: String,
    #[serde(rename = "adresse")]
    pub address: String,
    #[serde(rename = "telephone")]
    pub phone: String,
    #[serde(rename = "courriel")]
    pub email: String,
    #[serde(rename = "scolarite_ou_situation_professionnelle")]
    pub school_or_job: String,
    #[serde(rename = "representants_legaux")]
    pub representatives: Vec<RepresentativeExport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RepresentativeExport {
    #[serde(rename = "nom")]
    pub surname: String,
    #[serde(rename = "prenom")]
    pub first_name: String,
    #[serde(rename = "adresse")]
    pub address: String,
    #[serde(rename = "telephone")]
    pub phone: String,
    #[serde(rename = "courriel")]
    pub email: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FollowUpExport {
    #[serde(rename = "debut")]
    pub opened_on: String,
    #[serde(rename = "origine")]
    pub origin: String,
    #[serde(rename = "signalee_par")]
    pub reported_by: Option<String>,
    #[serde(rename = "institution_signalante")]
    pub reported_by_org: Option<String>,
    #[serde(rename = "dispositif")]
    pub programme: String,
    pub referent: Option<String>,
    #[serde(rename = "deja_pris_en_charge")]
    pub already_in_charge: bool,
    #[serde(rename = "institution_en_charge")]
    pub in_charge_org: Option<String>,
    #[serde(rename = "mesures_judiciaires")]
    pub judicial: Option<String>,
    pub information: InformingExport,
    #[serde(rename = "fin")]
    pub ended_on: Option<String>,
    #[serde(rename = "issue")]
    pub outcome: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InformingExport {
    #[serde(rename = "le")]
    pub on: Option<String>,
    #[serde(rename = "moyen")]
    pub means: Option<String>,
    #[serde(rename = "differee")]
    pub deferred: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionExport {
    pub action: String,
    #[serde(rename = "debut")]
    pub started_on: String,
    #[serde(rename = "fin")]
    pub ended_on: Option<String>,
    #[serde(rename = "resultat")]
    pub result: String,
    pub note: Option<String>,
    #[serde(rename = "par")]
    pub author: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DecisionExport {
    #[serde(rename = "reunion")]
    pub meeting_on: Option<String>,
    pub decision: String,
    #[serde(rename = "precision")]
    pub text: Option<String>,
    #[serde(rename = "chef_de_file")]
    pub lead: Option<String>,
    #[serde(rename = "suivi_le")]
    pub follow_up_on: Option<String>,
}

fn iso(d: Date) -> String {
    d.to_string()
}

pub async fn export_case(app: &App, view: &CaseView) -> Result<PersonExport, CaseError> {
    let r = &view.record;
    let actions = actions(app, r.id)
        .await?
        .into_iter()
        .map(|a| ActionExport {
            action: label(ACTION_KINDS, &a.action.kind).to_string(),
            started_on: iso(a.action.started_on),
            ended_on: a.action.ended_on.map(iso),
            result: label(ACTION_RESULTS, &a.action.result).to_string(),
            note: a.note,
            author: a.action.author,
        })
        .collect();
    // Two queries: the group's meeting days, and this situation's decisions.
    let days: std::collections::HashMap<i64, Date> = app.store.meetings(r.group_id).await?.into_iter().map(|m| (m.id, m.held_on)).collect();
    let decisions = meeting::open_decisions(app, app.store.decisions_of_case(r.id).await?)?
        .into_iter()
        .map(|d| DecisionExport {
            meeting_on: days.get(&d.decision.meeting_id).copied().map(iso),
            decision: label(DECISION_KINDS, &d.decision.kind).to_string(),
            text: d.text,
            lead: d.decision.lead,
            follow_up_on: d.decision.follow_up_on.map(iso),
        })
        .collect();
    let id = &view.identity;
    Ok(PersonExport {
        format: FORMAT,
        exported_at: time_fmt::to_storage(time_fmt::now()),
        case_id: r.id,
        identity: IdentityExport {
            surname: id.surname.clone(),
            first_name: id.first_name.clone(),
            sex: label(SEXES, &id.sex).to_string(),
            birth_date: id.birth_date.clone(),
            address: id.address.clone(),
            phone: id.phone.clone(),
            email: id.email.clone(),
            school_or_job: label(SCHOOL_OR_JOB, &id.school_or_job).to_string(),
            representatives: id
                .representatives
                .iter()
                .map(|p| RepresentativeExport {
                    surname: p.surname.clone(),
                    first_name: p.first_name.clone(),
                    address: p.address.clone(),
                    phone: p.phone.clone(),
                    email: p.email.clone(),
                })
                .collect(),
        },
        follow_up: FollowUpExport {
            opened_on: iso(r.opened_on),
            origin: label(ORIGINS, &r.origin).to_string(),
            reported_by: r.reported_by.clone(),
            reported_by_org: r.reported_by_org.clone(),
            programme: label(PROGRAMMES, &r.programme).to_string(),
            referent: r.referent.clone(),
            already_in_charge: r.already_in_charge,
            in_charge_org: r.in_charge_org.clone(),
            judicial: view.judicial.clone(),
            information: InformingExport {
                on: r.informed_on.map(iso),
                means: r.informing_means.as_deref().map(|m| label(INFORMING_MEANS, m).to_string()),
                deferred: r.informing_deferred.as_deref().map(|m| label(DEFERRAL_REASONS, m).to_string()),
            },
            ended_on: r.ended_on.map(iso),
            outcome: r.outcome.as_deref().map(|o| label(OUTCOMES, o).to_string()),
        },
        actions,
        decisions,
    })
}

/// An ISO day as French readers write it; anything else as it is.
fn day(s: &str) -> String {
    parse_iso_date(s).map_or_else(|| s.to_string(), time_fmt::day_fr)
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.trim().is_empty()).map_or_else(|| "—".to_string(), ToString::to_string)
}

/// (label, value) lines as a two-column table.
fn facts(caption: &str, lines: Vec<(&str, String)>) -> Block {
    Block::Table {
        caption: caption.to_string(),
        header: vec!["Donnée".into(), "Valeur".into()],
        rows: lines.into_iter().map(|(l, v)| vec![l.to_string(), v]).collect(),
    }
}

impl PersonExport {
    /// The document as an ODT file.
    pub fn odt(&self) -> Result<Vec<u8>, maillage_office::OfficeError> {
        maillage_office::odt::write(&self.document())
    }

    /// The export as a document to hand to the person: the same data, in French, dates
    /// dd/mm/yyyy, each part under its heading.
    pub fn document(&self) -> Document {
        let title = format!("Données détenues sur la personne — situation n° {}", self.case_id);
        let exported = time::OffsetDateTime::parse(&self.exported_at, &time::format_description::well_known::Rfc3339)
            .map_or_else(|_| self.exported_at.clone(), |t| time_fmt::day_fr(time_fmt::paris_date(t)));
        let id = &self.identity;
        let f = &self.follow_up;
        let mut blocks = vec![
            Block::heading(1, title.clone()),
            Block::paragraph(format!(
                "Document établi le {exported} en réponse à une demande d'accès (RGPD, article 15). Il rassemble toutes les données que le \
                 groupe de travail du CLSPD détient sur la personne. Cet export est enregistré dans le journal des accès."
            )),
            Block::heading(2, "Identité"),
            facts(
                "Identité de la personne",
                vec![
                    ("Nom", id.surname.clone()),
                    ("Prénom", id.first_name.clone()),
                    ("Sexe", id.sex.clone()),
                    ("Date de naissance", day(&id.birth_date)),
                    ("Adresse", or_dash(Some(&id.address))),
                    ("Téléphone", or_dash(Some(&id.phone))),
                    ("Courriel", or_dash(Some(&id.email))),
                    ("Scolarité ou situation professionnelle", id.school_or_job.clone()),
                ],
            ),
        ];
        if !id.representatives.is_empty() {
            blocks.push(Block::Table {
                caption: "Représentants légaux".into(),
                header: ["Nom", "Prénom", "Adresse", "Téléphone", "Courriel"].map(String::from).to_vec(),
                rows: id
                    .representatives
                    .iter()
                    .map(|p| {
                        vec![
                            p.surname.clone(),
                            p.first_name.clone(),
                            or_dash(Some(&p.address)),
                            or_dash(Some(&p.phone)),
                            or_dash(Some(&p.email)),
                        ]
                    })
                    .collect(),
            });
        }
        let informing = match (&f.information.on, &f.information.means, &f.information.deferred) {
            (Some(on), means, _) => format!("le {} ({})", day(on), or_dash(means.as_deref())),
            (None, _, Some(why)) => format!("différée : {why}"),
            _ => "pas encore".into(),
        };
        blocks.push(Block::heading(2, "Suivi"));
        blocks.push(facts(
            "Suivi de la situation",
            vec![
                ("Début du suivi", day(&f.opened_on)),
                ("Origine", f.origin.clone()),
                ("Signalée par", or_dash(f.reported_by.as_deref())),
                ("Institution qui a signalé", or_dash(f.reported_by_org.as_deref())),
                ("Dispositif", f.programme.clone()),
                ("Référent", or_dash(f.referent.as_deref())),
                ("Déjà prise en charge par une institution", if f.already_in_charge { "oui" } else { "non" }.into()),
                ("Institution désignée", or_dash(f.in_charge_org.as_deref())),
                ("Mesures judiciaires", or_dash(f.judicial.as_deref())),
                ("Information de la personne", informing),
                ("Fin du suivi", f.ended_on.as_deref().map_or_else(|| "en cours".to_string(), day)),
                ("Issue", or_dash(f.outcome.as_deref())),
            ],
        ));
        blocks.push(Block::heading(2, "Actions"));
        if self.actions.is_empty() {
            blocks.push(Block::paragraph("Aucune action enregistrée."));
        } else {
            blocks.push(Block::Table {
                caption: "Actions menées".into(),
                header: ["Action", "Début", "Fin", "Résultat", "Note", "Par"].map(String::from).to_vec(),
                rows: self
                    .actions
                    .iter()
                    .map(|a| {
                        vec![
                            a.action.clone(),
                            day(&a.started_on),
                            a.ended_on.as_deref().map_or_else(|| "—".into(), day),
                            a.result.clone(),
                            or_dash(a.note.as_deref()),
                            or_dash(a.author.as_deref()),
                        ]
                    })
                    .collect(),
            });
        }
        blocks.push(Block::heading(2, "Décisions des réunions du groupe"));
        if self.decisions.is_empty() {
            blocks.push(Block::paragraph("Aucune décision enregistrée."));
        } else {
            blocks.push(Block::Table {
                caption: "Décisions".into(),
                header: ["Réunion du", "Décision", "Précision", "Chef de file", "Suivi le"].map(String::from).to_vec(),
                rows: self
                    .decisions
                    .iter()
                    .map(|d| {
                        vec![
                            d.meeting_on.as_deref().map_or_else(|| "—".into(), day),
                            d.decision.clone(),
                            or_dash(d.text.as_deref()),
                            or_dash(d.lead.as_deref()),
                            d.follow_up_on.as_deref().map_or_else(|| "—".into(), day),
                        ]
                    })
                    .collect(),
            });
        }
        blocks.push(Block::heading(2, "Vos droits"));
        blocks.push(Block::paragraph(
            "Vous pouvez demander la rectification des données inexactes et, dans les cas prévus par la loi, leur effacement, auprès de la \
             coordination du CLSPD ou du délégué à la protection des données de la commune. Vous pouvez aussi saisir la CNIL (www.cnil.fr).",
        ));
        Document { title, blocks }
    }
}
