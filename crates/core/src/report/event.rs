//! What is recorded about a report: the organisations' parts, where it came from, and each line
//! of its history as a structured value (the store encodes it in its columns).

use super::{CloseReason, State};

/// The part an organisation has in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// In charge of the report.
    Lead,
    /// Asked to act beside the one in charge.
    Involved,
    /// Only reported it: follows it, does not handle it.
    Reporter,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Lead, Part::Involved, Part::Reporter];

    pub fn code(self) -> &'static str {
        match self {
            Part::Lead => "lead",
            Part::Involved => "involved",
            Part::Reporter => "reporter",
        }
    }

    pub fn from_code(code: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// Where a report was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The form of the web pages.
    Web,
    /// The JSON API.
    Api,
    /// A partner's system through Open311.
    Open311,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Web, Source::Api, Source::Open311];

    pub fn code(self) -> &'static str {
        match self {
            Source::Web => "web",
            Source::Api => "api",
            Source::Open311 => "open311",
        }
    }

    pub fn from_code(code: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One line of a report's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Created {
        state: State,
        source: Source,
    },
    StateChanged {
        to: State,
        close_reason: Option<CloseReason>,
        duplicate_of: Option<i64>,
        redirect_to: Option<i64>,
    },
    /// An organisation was asked to take part.
    Involved {
        organisation_id: i64,
    },
    PartTaken,
    PartDone,
    Comment,
    Photo,
}

impl EventKind {
    /// The code stored in the `kind` column.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::StateChanged { .. } => "state",
            EventKind::Involved { .. } => "involve",
            EventKind::PartTaken => "part_taken",
            EventKind::PartDone => "part_done",
            EventKind::Comment => "comment",
            EventKind::Photo => "photo",
        }
    }

    /// The state a line records, if any.
    pub fn state(self) -> Option<State> {
        match self {
            EventKind::Created { state, .. } | EventKind::StateChanged { to: state, .. } => Some(state),
            _ => None,
        }
    }
}
