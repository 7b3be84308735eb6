//! Storage of Maillage on SQLite (embedded default) or PostgreSQL.
//!
//! One SQL text per operation serves both backends: the text uses the dialect both accept
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT … DO UPDATE`, RFC 3339 text for times) and the
//! [`on_db!`] and [`on_tx!`] macros run it on whichever pool is configured. Backend-specific
//! lines live only in [`db`] (connection options, write-transaction start, sequence reset after a
//! restore) and in the two migration folders.
//!
//! Every write of business data takes the [`Author`] and appends to the audit log in the same
//! transaction (sessions, the outbox and the digests' timestamps are the system's own records).

#[macro_use]
mod db;
pub mod access_convention;
pub mod account;
pub mod activity;
pub mod alert;
pub mod audit;
pub mod backup;
pub mod community_service;
pub mod decision;
pub mod glossary;
pub mod help_directory;
pub mod indicator;
pub mod mail;
pub mod meeting;
pub mod national_framework;
pub mod observatory;
pub mod organisation;
pub mod place;
pub mod public_page;
pub mod report;
pub mod sealed;
pub mod strategy;
pub mod victim_support;
pub mod video_requests;
pub mod walk;
pub mod working_group;

pub use db::{Backend, Store, StoreError, mask_url};

/// A value sealed by the application's keyring, as stored, with the place it was sealed for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedSample {
    pub key: String,
    pub place: String,
    pub sealed: String,
}

/// Who performs a write, as the audit log records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub user_id: Option<i64>,
    pub label: String,
}

impl Author {
    pub fn user(user_id: i64, email: &str) -> Self {
        Self { user_id: Some(user_id), label: email.to_string() }
    }

    /// The command line, run by whoever has shell access to the server.
    pub fn command_line() -> Self {
        Self { user_id: None, label: "ligne de commande".into() }
    }

    /// Maillage itself (demo loading, scheduled purges).
    pub fn system() -> Self {
        Self { user_id: None, label: "système".into() }
    }
}
