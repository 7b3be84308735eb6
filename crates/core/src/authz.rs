//! Every permission decision of Maillage is taken here, by [`authorize`].
//!
//! Reports: what a partner may do depends on its organisation's part in the report
//! ([`Part`]); the coordinator may do everything.
//!
//! | action on a report | in charge (`lead`) | involved | only reported it | none |
//! |---|---|---|---|---|
//! | read it, its photos | yes | yes | yes | no |
//! | comment, add a photo | yes | yes | yes | no |
//! | change its state, redirect, mark duplicate, involve another | yes | yes | no | no |
//! | take or finish its part | yes | yes | no | no |
//!
//! An internal comment and a part need the user to belong to an organisation. Marking a report
//! a duplicate also needs the original to be readable by the same rules.
//!
//! Handlers name the [`Action`] they are about to perform; nothing else in the code compares
//! roles.
//!
//! Working groups: a situation (`case`) is read only by a member of its group in good standing
//! under the charter ([`case_access`]); the administrator manages groups and members without
//! reading situations, the DPO reads the access log and neither.

pub use crate::report::Part;
use crate::working_group::{AccessRefused, MemberStanding, member_access};
use std::fmt;

/// A role a user holds. A user may hold several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Accounts and settings; does not by that read confidential contents.
    Administrator,
    /// The CLSPD coordinator: runs the strategy.
    Coordinator,
    /// A partner professional acting for an organisation.
    Partner,
    /// Elected officials and observers: read only.
    Reader,
    /// Data protection officer: reads the access log, not contents.
    Dpo,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Administrator, Role::Coordinator, Role::Partner, Role::Reader, Role::Dpo];

    /// The name stored in the database and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Coordinator => "coordinator",
            Role::Partner => "partner",
            Role::Reader => "reader",
            Role::Dpo => "dpo",
        }
    }

    /// The French label shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Administrateur",
            Role::Coordinator => "Coordinateur CLSPD",
            Role::Partner => "Partenaire",
            Role::Reader => "Lecteur (élus, observateurs)",
            Role::Dpo => "Délégué à la protection des données",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code.trim())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Parses a comma-separated role list as stored; unknown names are ignored (never granted).
pub fn parse_roles(list: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = list.split(',').filter_map(Role::from_code).collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Formats a role list for storage.
pub fn format_roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

/// Who is acting: a logged-in, enabled user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub organisation_id: Option<i64>,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// What someone wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Read the strategy: overview, axes, sheets, search, print view, export.
    ViewStrategy,
    /// Edit a sheet or the strategy's text.
    EditStrategy,
    /// Import a strategy file (a new strategy or a new version).
    ImportStrategy,
    /// See the list of partner organisations.
    ViewOrganisations,
    /// Create and edit organisations.
    ManageOrganisations,
    /// Create accounts, set roles, disable, reset passwords.
    ManageUsers,
    /// Extend the glossary of acronyms.
    ManageGlossary,
    /// Read the audit log (who did what, when; never contents).
    ReadAuditLog,
    /// Change one's own password, see one's own account.
    ManageOwnAccount,
    /// Report a problem (signalement).
    CreateReport,
    /// List reports and see them on the map; what is listed depends on [`report_scope`].
    ListReports,
    /// Read one report; `involved` says whether the actor's organisation is involved in it.
    ReadReport {
        involved: bool,
    },
    /// Act on a report: change its state, redirect it, mark it a duplicate. `part` is the
    /// actor's organisation's part in it.
    HandleReport {
        part: Option<Part>,
    },
    /// Comment on a report. An internal comment is kept within its author's organisation, so
    /// only someone who belongs to one may write it.
    CommentReport {
        part: Option<Part>,
        internal: bool,
    },
    /// Take or finish one's organisation's part in a report.
    TakeReportPart {
        part: Option<Part>,
    },
    /// Ask another organisation to take part in a report.
    InvolveOrganisation {
        part: Option<Part>,
    },
    /// Add a photo to a report.
    AddReportPhoto {
        part: Option<Part>,
    },
    /// Triage: assign any report to any organisation, see what matches no routing rule.
    TriageReports,
    /// Counts and figures of reports, without their contents.
    ViewReportStatistics,
    /// Export the list of reports (CSV, ODS).
    ExportReports,
    /// Categories, areas, routing rules and Open311 keys.
    ManageReportSettings,
    /// See the working groups: purpose, members, charter and its signatures (no situation).
    ViewWorkingGroups,
    /// Create groups; add, exclude members; record signatures; adopt a new charter version.
    ManageWorkingGroups,
    /// Read a group's relevés de conclusions and dashboard: aggregates only, nothing
    /// nominative by construction (charter art. 5, 6, 10), for the plenary's members too.
    ViewGroupConclusions,
    /// The register entry of the working groups and the DPIA's material (GDPR art. 30).
    ViewProcessingRegister,
    /// Record a reception at a front desk in the anonymous victim-support log (for one's
    /// organisation), and read that organisation's entries.
    RecordVictimReception,
    /// The victim-support log's figures: all desks' for the coordinator, published ones (small
    /// counts hidden) for the others.
    ViewVictimFigures,
    /// The community-service (TIG) host structures, posts, tutors and trainings, and the
    /// placements' figures (small counts hidden outside the coordination). Placements
    /// themselves are read under [`case_access`] in a community-service group.
    ViewCommunityService,
    /// Record host structures, posts, tutors and tutor trainings.
    ManageCommunityService,
    /// The activity journal: record an action carried out (for one's organisation), and list
    /// those [`activity_scope`] lets one see.
    RecordActivity,
    /// Read or change one activity: the coordinator any, a partner its organisation's (`own`).
    ReadActivity {
        own: bool,
    },
    EditActivity {
        own: bool,
    },
    /// The evaluation's live figures: the strategy's and each sheet's, by year (small counts
    /// hidden outside the coordination: [`confidential_figures_masked`]).
    ViewEvaluation,
    /// Change an indicator's reference sheet (a new version of the strategy), open reporting
    /// campaigns, validate or return declared figures, record the plenary's adoption of a year.
    ManageIndicators,
    /// Write the conclusions' dashboard: objectives' statuses, sheets' judgements, decisions.
    ManageConclusions,
    /// Align the strategy's sheets with the national frameworks, import a framework's new
    /// version.
    AlignStrategy,
    /// Enter and submit the figures one's organisation declares; read them back (`own`: the
    /// figure is one's organisation's). The coordinator reads every organisation's.
    DeclareFigures,
    ReadDeclaredValue {
        own: bool,
    },
    /// Work on situations at all: the roles that may be members. Whether this actor may read
    /// a given group's situations is [`case_access`].
    WorkOnCases,
    /// Raise a rapid alert (axis 1), for one's organisation, and list the alerts one raised or
    /// received ([`alert_scope`]).
    RaiseAlert,
    /// Read an alert and follow it (acknowledge, add an action taken to its timeline):
    /// `concerned` says whether the actor's organisation raised it or the actor received it.
    FollowAlert {
        concerned: bool,
    },
    /// Close an alert with its debrief; keep the on-call lists.
    ManageAlerts,
    /// The alerts' figures: by kind, district and month, time to first acknowledgement (small
    /// counts hidden outside the coordination).
    ViewAlertFigures,
    /// Walks (tours de quartier, exploratory walks, GUSP evaluations): list and read them all
    /// (public space, counts only), record one for one's organisation.
    RecordWalk,
    /// Change a walk, add or remove its findings and turn them into reports: the coordinator
    /// any, a partner one its organisation recorded or took part in (`own`).
    EditWalk {
        own: bool,
    },
    /// Keep the observation grids of each kind of walk.
    ManageWalkGrids,
    /// The GUSP synthesis: average ratings by district and half-year, nothing else.
    ViewWalkSynthesis,
    /// Read the CCTV footage register: its individually authorised agents (`agent`), and the
    /// DPO, who controls it without keeping it.
    ViewVideoRegister {
        agent: bool,
    },
    /// Keep the register: cameras, requests, viewings, extractions, destructions. Agents only.
    KeepVideoRegister {
        agent: bool,
    },
    /// Authorise agents individually, or withdraw the authorisation.
    ManageVideoAgents,
    /// Read the Vigik access conventions: parties, buildings, dates (no access code is kept).
    ViewAccessConventions,
    /// Record, change and renew them.
    ManageAccessConventions,
    /// Write the public site: the booklet's sections, news, events, the institutional pages
    /// and the directory of help (residents read them without an account).
    ManagePublicSite,
    /// Read the CLSPD's meetings: bodies, agendas, attendance, minutes (nothing nominative).
    ViewMeetings,
    /// Plan them, record attendance and minutes, and the decisions taken.
    ManageMeetings,
    /// The neighbourhood observatory: counts by area (published outside the coordination),
    /// observations, and the weekly digest's subscription.
    ViewObservatory,
    /// Add a dated observation on an area (the local actors).
    Observe,
    /// Remove an observation: one's own, or any for the coordinator.
    DeleteObservation {
        own: bool,
    },
}

/// Which reports an actor may list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportScope {
    All,
    /// Only those that involve this organisation.
    Organisation(i64),
    None,
}

/// The reports an actor sees: the coordinator all of them, a partner those of its organisation.
pub fn report_scope(actor: &Actor) -> ReportScope {
    if actor.has(Role::Coordinator) {
        ReportScope::All
    } else if actor.has(Role::Partner) {
        actor.organisation_id.map_or(ReportScope::None, ReportScope::Organisation)
    } else {
        ReportScope::None
    }
}

/// The activities an actor sees, in the reports' terms: the coordinator all of them, a partner
/// those its organisation recorded.
pub fn activity_scope(actor: &Actor) -> ReportScope {
    report_scope(actor)
}

/// The alerts an actor lists: the coordinator all of them; a partner those its organisation
/// raised and those sent to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertScope {
    All,
    Concerning { user_id: i64, organisation_id: i64 },
    None,
}

pub fn alert_scope(actor: &Actor) -> AlertScope {
    if actor.has(Role::Coordinator) {
        AlertScope::All
    } else if actor.has(Role::Partner) {
        AlertScope::Concerning { user_id: actor.user_id, organisation_id: actor.organisation_id.unwrap_or(0) }
    } else {
        AlertScope::None
    }
}

/// The outcome of a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Nobody is logged in: the visitor should log in first.
    NeedsLogin,
    /// Logged in, but this action is not theirs.
    Deny,
}

/// The one place where permissions are decided.
pub fn authorize(actor: Option<&Actor>, action: Action) -> Decision {
    let Some(actor) = actor else {
        return Decision::NeedsLogin;
    };
    use Role::*;
    let allowed: &[Role] = match action {
        Action::ViewStrategy | Action::ViewOrganisations | Action::ManageOwnAccount => &[Administrator, Coordinator, Partner, Reader, Dpo],
        Action::EditStrategy | Action::ImportStrategy => &[Coordinator],
        Action::ManageOrganisations => &[Administrator, Coordinator],
        Action::ManageUsers | Action::ManageGlossary => &[Administrator],
        Action::ReadAuditLog => &[Administrator, Dpo],
        Action::CreateReport | Action::ListReports => &[Coordinator, Partner],
        Action::CommentReport { internal: true, .. } | Action::TakeReportPart { .. } if actor.organisation_id.is_none() => {
            return Decision::Deny;
        }
        Action::ReadReport { involved } => {
            if involved {
                &[Coordinator, Partner]
            } else {
                &[Coordinator]
            }
        }
        // Any part, the reporter's too: it follows what it reported.
        Action::CommentReport { part, .. } | Action::AddReportPhoto { part } => {
            if part.is_some() {
                &[Coordinator, Partner]
            } else {
                &[Coordinator]
            }
        }
        // Acting on the report is for those who handle it, not for who only reported it.
        Action::HandleReport { part } | Action::InvolveOrganisation { part } | Action::TakeReportPart { part } => match part {
            Some(Part::Lead | Part::Involved) => &[Coordinator, Partner],
            Some(Part::Reporter) | None => &[Coordinator],
        },
        Action::TriageReports | Action::ExportReports => &[Coordinator],
        Action::ViewReportStatistics => &[Coordinator, Partner, Reader],
        Action::ManageReportSettings => &[Administrator],
        Action::ViewWorkingGroups => &[Administrator, Coordinator, Partner, Dpo],
        Action::ManageWorkingGroups => &[Administrator, Coordinator],
        Action::WorkOnCases => &[Coordinator, Partner],
        Action::ViewGroupConclusions => &[Administrator, Coordinator, Partner, Reader, Dpo],
        Action::ViewProcessingRegister => &[Administrator, Coordinator, Dpo],
        Action::RecordVictimReception if actor.organisation_id.is_none() => return Decision::Deny,
        Action::RecordVictimReception => &[Coordinator, Partner],
        Action::ViewVictimFigures => &[Coordinator, Partner, Reader],
        Action::ViewCommunityService => &[Coordinator, Partner, Reader],
        Action::ManageCommunityService => &[Coordinator],
        Action::ViewEvaluation => &[Coordinator, Partner, Reader],
        Action::ManageIndicators | Action::ManageConclusions | Action::AlignStrategy => &[Coordinator],
        // A figure is declared on behalf of an organisation: a partner without one has none.
        Action::DeclareFigures if actor.organisation_id.is_none() => return Decision::Deny,
        Action::DeclareFigures => &[Partner],
        Action::ReadDeclaredValue { own: true } => &[Coordinator, Partner],
        Action::ReadDeclaredValue { own: false } => &[Coordinator],
        Action::RecordActivity if actor.organisation_id.is_none() && !actor.has(Coordinator) => return Decision::Deny,
        Action::RecordActivity => &[Coordinator, Partner],
        Action::ReadActivity { own: true } | Action::EditActivity { own: true } => &[Coordinator, Partner],
        Action::ReadActivity { own: false } | Action::EditActivity { own: false } => &[Coordinator],
        // An alert is raised for an organisation: the one that answers for it afterwards.
        Action::RaiseAlert if actor.organisation_id.is_none() && !actor.has(Coordinator) => return Decision::Deny,
        Action::RaiseAlert | Action::FollowAlert { concerned: true } => &[Coordinator, Partner],
        Action::FollowAlert { concerned: false } | Action::ManageAlerts => &[Coordinator],
        Action::ViewAlertFigures => &[Coordinator, Partner, Reader],
        // A walk is recorded for an organisation, as an activity is.
        Action::RecordWalk if actor.organisation_id.is_none() && !actor.has(Coordinator) => return Decision::Deny,
        Action::RecordWalk | Action::EditWalk { own: true } => &[Coordinator, Partner],
        Action::EditWalk { own: false } | Action::ManageWalkGrids => &[Coordinator],
        Action::ViewWalkSynthesis => &[Coordinator, Partner, Reader],
        Action::ViewVideoRegister { agent: true } => &[Coordinator, Partner, Dpo],
        Action::ViewVideoRegister { agent: false } => &[Dpo],
        // An agent is one of the roles that may be; the account's roles may change after.
        Action::KeepVideoRegister { agent: true } if may_be_member(&actor.roles) => &[Coordinator, Partner],
        Action::KeepVideoRegister { .. } => return Decision::Deny,
        Action::ManageVideoAgents => &[Administrator],
        Action::ViewAccessConventions => &[Coordinator, Partner, Reader],
        Action::ManageAccessConventions | Action::ManagePublicSite | Action::ManageMeetings => &[Coordinator],
        Action::ViewMeetings => &[Coordinator, Partner, Reader],
        Action::ViewObservatory => &[Coordinator, Partner, Reader],
        Action::Observe | Action::DeleteObservation { own: true } => &[Coordinator, Partner],
        Action::DeleteObservation { own: false } => &[Coordinator],
    };
    if actor.roles.iter().any(|r| allowed.contains(r)) { Decision::Allow } else { Decision::Deny }
}

/// Whether `actor` may read and write a group's situations: a role that may be a member
/// ([`Action::WorkOnCases`]: never the administrator or the DPO as such), on the group's list,
/// in good standing under the charter's `current` version ([`member_access`]).
pub fn case_access(actor: &Actor, standing: Option<&MemberStanding>, current: i64) -> Result<(), AccessRefused> {
    if authorize(Some(actor), Action::WorkOnCases) != Decision::Allow || !may_be_member(&actor.roles) {
        return Err(AccessRefused::NotMember);
    }
    member_access(standing.ok_or(AccessRefused::NotMember)?, current)
}

/// Whether an account holding `roles` may be on a working group's list: a coordinator or a
/// partner, and neither the administrator (who manages accounts, and could otherwise open a
/// way in for himself) nor the DPO (who controls the reads): separation of duties.
pub fn may_be_member(roles: &[Role]) -> bool {
    roles.iter().any(|r| matches!(r, Role::Coordinator | Role::Partner))
        && !roles.iter().any(|r| matches!(r, Role::Administrator | Role::Dpo))
}

/// Whether an account holding `role` must belong to an organisation: a partner acts for one
/// (without it, it would read no report and its figures would be nobody's).
pub fn needs_organisation(role: Role) -> bool {
    role == Role::Partner
}

/// Where a user lands after login: the work their permissions call for first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartPage {
    /// The coordinator: reports to triage, overdue, this week's counts.
    Triage,
    /// A partner: its organisation's open reports.
    OrganisationReports,
    /// Elected officials and observers: headline figures, small counts hidden.
    Figures,
    /// The administrator: accounts.
    Accounts,
    /// The data protection officer: the access log.
    AccessLog,
    /// Anyone else: the strategy.
    Strategy,
}

/// The start page of `actor`: the first, in this order, that its permissions allow.
pub fn start_page(actor: &Actor) -> StartPage {
    let can = |a| authorize(Some(actor), a) == Decision::Allow;
    if can(Action::TriageReports) {
        StartPage::Triage
    } else if can(Action::ListReports) && actor.organisation_id.is_some() {
        StartPage::OrganisationReports
    } else if can(Action::ViewReportStatistics) {
        StartPage::Figures
    } else if can(Action::ManageUsers) {
        StartPage::Accounts
    } else if can(Action::ReadAuditLog) {
        StartPage::AccessLog
    } else {
        StartPage::Strategy
    }
}

/// Whether figures shown to `actor` are published ones (small counts hidden, few filters):
/// yes for whoever reads no report (elected officials, observers, an account without an
/// organisation), for whom figures leave the group (privacy rules §7).
/// Whether the figures of confidential work (victim reception, community service) and the
/// evaluation's breakdowns reach this actor as published, small counts hidden: everyone but
/// the coordination, which handles them (privacy rules §7: what leaves the coordination).
/// A partner is "outside the group" there even when it reads reports (privacy rules §7).
pub fn confidential_figures_masked(actor: &Actor) -> bool {
    !actor.roles.contains(&Role::Coordinator)
}

pub fn figures_masked(actor: &Actor) -> bool {
    report_scope(actor) == ReportScope::None
}

/// The reports statistics are computed on: those the actor reads, or, for those allowed
/// figures without reading reports (elected officials), all of them, published.
pub fn statistics_scope(actor: &Actor) -> ReportScope {
    match report_scope(actor) {
        ReportScope::None if authorize(Some(actor), Action::ListReports) != Decision::Allow => ReportScope::All,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(roles: &[Role]) -> Actor {
        Actor { user_id: 1, organisation_id: None, roles: roles.to_vec() }
    }

    #[test]
    fn anonymous_needs_login_for_everything() {
        assert_eq!(authorize(None, Action::ViewStrategy), Decision::NeedsLogin);
    }

    #[test]
    fn dpo_reads_the_log_but_does_not_edit() {
        let dpo = actor(&[Role::Dpo]);
        assert_eq!(authorize(Some(&dpo), Action::ReadAuditLog), Decision::Allow);
        assert_eq!(authorize(Some(&dpo), Action::EditStrategy), Decision::Deny);
        assert_eq!(authorize(Some(&dpo), Action::ManageUsers), Decision::Deny);
    }

    #[test]
    fn administrator_manages_accounts_not_the_strategy() {
        let admin = actor(&[Role::Administrator]);
        assert_eq!(authorize(Some(&admin), Action::ManageUsers), Decision::Allow);
        assert_eq!(authorize(Some(&admin), Action::EditStrategy), Decision::Deny);
    }

    #[test]
    fn a_user_without_roles_is_denied() {
        assert_eq!(authorize(Some(&actor(&[])), Action::ViewStrategy), Decision::Deny);
    }

    #[test]
    fn partners_see_only_reports_of_their_organisation() {
        let partner = Actor { user_id: 2, organisation_id: Some(7), roles: vec![Role::Partner] };
        assert_eq!(report_scope(&partner), ReportScope::Organisation(7));
        assert_eq!(authorize(Some(&partner), Action::ReadReport { involved: false }), Decision::Deny);
        assert_eq!(authorize(Some(&partner), Action::HandleReport { part: Some(Part::Involved) }), Decision::Allow);
        let lone = Actor { organisation_id: None, ..partner };
        assert_eq!(report_scope(&lone), ReportScope::None);
        assert_eq!(report_scope(&actor(&[Role::Coordinator])), ReportScope::All);
        assert_eq!(report_scope(&actor(&[Role::Reader])), ReportScope::None);
        assert_eq!(authorize(Some(&actor(&[Role::Reader])), Action::ViewReportStatistics), Decision::Allow);
        assert_eq!(authorize(Some(&actor(&[Role::Dpo])), Action::ListReports), Decision::Deny);
    }

    #[test]
    fn internal_comments_and_parts_need_an_organisation() {
        let coordinator = actor(&[Role::Coordinator]);
        let with_org = Actor { organisation_id: Some(3), ..coordinator.clone() };
        for part in [None, Some(Part::Lead), Some(Part::Reporter)] {
            assert_eq!(authorize(Some(&coordinator), Action::CommentReport { part, internal: false }), Decision::Allow);
            assert_eq!(authorize(Some(&coordinator), Action::CommentReport { part, internal: true }), Decision::Deny);
            assert_eq!(authorize(Some(&with_org), Action::CommentReport { part, internal: true }), Decision::Allow);
            assert_eq!(authorize(Some(&coordinator), Action::TakeReportPart { part }), Decision::Deny);
            assert_eq!(authorize(Some(&with_org), Action::TakeReportPart { part }), Decision::Allow);
        }
        let partner = Actor { user_id: 2, organisation_id: Some(7), roles: vec![Role::Partner] };
        for action in [
            Action::CommentReport { part: None, internal: true },
            Action::TakeReportPart { part: None },
            Action::InvolveOrganisation { part: None },
            Action::AddReportPhoto { part: None },
        ] {
            assert_eq!(authorize(Some(&partner), action), Decision::Deny, "{action:?}");
        }
        assert_eq!(authorize(Some(&partner), Action::AddReportPhoto { part: Some(Part::Lead) }), Decision::Allow);
    }

    #[test]
    fn an_organisation_that_only_reported_follows_but_does_not_handle() {
        let partner = Actor { user_id: 2, organisation_id: Some(7), roles: vec![Role::Partner] };
        let reporter = Some(Part::Reporter);
        assert_eq!(authorize(Some(&partner), Action::ReadReport { involved: true }), Decision::Allow);
        assert_eq!(authorize(Some(&partner), Action::CommentReport { part: reporter, internal: false }), Decision::Allow);
        assert_eq!(authorize(Some(&partner), Action::AddReportPhoto { part: reporter }), Decision::Allow);
        for action in [
            Action::HandleReport { part: reporter },
            Action::InvolveOrganisation { part: reporter },
            Action::TakeReportPart { part: reporter },
        ] {
            assert_eq!(authorize(Some(&partner), action), Decision::Deny, "{action:?}");
        }
        for part in [Part::Lead, Part::Involved] {
            assert_eq!(authorize(Some(&partner), Action::HandleReport { part: Some(part) }), Decision::Allow);
        }
    }

    #[test]
    fn only_members_in_good_standing_read_situations() {
        let partner = Actor { user_id: 2, organisation_id: Some(7), roles: vec![Role::Partner] };
        let ok = MemberStanding { institution_signed: Some(1), accepted: Some(1), excluded: false, second_factor: true };
        assert_eq!(case_access(&partner, Some(&ok), 1), Ok(()));
        assert_eq!(case_access(&partner, None, 1), Err(AccessRefused::NotMember));
        assert_eq!(case_access(&partner, Some(&MemberStanding { second_factor: false, ..ok }), 1), Err(AccessRefused::NoSecondFactor));
        for role in [Role::Administrator, Role::Dpo, Role::Reader] {
            let other = Actor { roles: vec![role], ..partner.clone() };
            assert_eq!(case_access(&other, Some(&ok), 1), Err(AccessRefused::NotMember), "{role:?}");
        }
        assert!(!may_be_member(&[Role::Administrator, Role::Dpo]));
        assert!(may_be_member(&[Role::Reader, Role::Partner]));
        assert!(!may_be_member(&[Role::Administrator, Role::Coordinator]), "an administrator who gave himself a role");
        let both = Actor { roles: vec![Role::Coordinator, Role::Administrator], ..partner.clone() };
        assert_eq!(case_access(&both, Some(&ok), 1), Err(AccessRefused::NotMember));
        assert_eq!(authorize(Some(&actor(&[Role::Administrator])), Action::ManageWorkingGroups), Decision::Allow);
        assert_eq!(authorize(Some(&actor(&[Role::Reader])), Action::ViewWorkingGroups), Decision::Deny);
    }

    #[test]
    fn roles_round_trip_and_ignore_unknown_names() {
        assert_eq!(parse_roles("reader,coordinator,root,reader"), vec![Role::Coordinator, Role::Reader]);
        assert_eq!(format_roles(&[Role::Coordinator, Role::Reader]), "coordinator,reader");
    }

    #[test]
    fn each_role_starts_on_its_own_work() {
        let with_org = |roles: &[Role]| Actor { organisation_id: Some(3), ..actor(roles) };
        assert_eq!(start_page(&actor(&[Role::Coordinator])), StartPage::Triage);
        assert_eq!(start_page(&with_org(&[Role::Partner])), StartPage::OrganisationReports);
        assert_eq!(start_page(&actor(&[Role::Reader])), StartPage::Figures);
        assert_eq!(start_page(&actor(&[Role::Dpo])), StartPage::AccessLog);
        assert_eq!(start_page(&actor(&[Role::Administrator])), StartPage::Accounts);
        assert_eq!(start_page(&with_org(&[Role::Partner, Role::Coordinator])), StartPage::Triage);
        // A partner without an organisation has no reports of its own: its figures.
        assert_eq!(start_page(&actor(&[Role::Partner])), StartPage::Figures);
        assert_eq!(start_page(&actor(&[])), StartPage::Strategy);
    }

    #[test]
    fn a_partner_without_organisation_sees_no_figures_of_others() {
        let lone = actor(&[Role::Partner]);
        assert_eq!(statistics_scope(&lone), ReportScope::None);
        assert!(figures_masked(&lone));
        assert_eq!(statistics_scope(&actor(&[Role::Reader])), ReportScope::All);
        assert!(figures_masked(&actor(&[Role::Reader])));
        assert!(!figures_masked(&actor(&[Role::Coordinator])));
    }
}
