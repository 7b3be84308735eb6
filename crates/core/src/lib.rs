//! Domain rules of Maillage, in plain Rust: no HTTP, no SQL.
//!
//! Each module carries one concept of the glossary (`../shared/GLOSSARY.md`) under its code name.

/// A closed list written in files and rows by its code, shown by its French label.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }

            /// The accepted codes, for an error message.
            pub fn codes() -> String {
                Self::ALL.iter().map(|v| format!("« {} »", v.code())).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

pub mod access_convention;
pub mod account;
pub mod activity;
pub mod alert;
pub mod audit;
pub mod authz;
pub mod chart;
pub mod community_service;
pub mod decision;
pub mod document;
pub mod glossary;
pub mod help_directory;
pub mod indicator;
pub mod meeting;
pub mod national_framework;
pub mod observatory;
pub mod organisation;
pub mod place;
pub mod public_page;
pub mod publication;
pub mod report;
pub mod strategy;
pub mod text;
pub mod time_fmt;
pub mod victim_support;
pub mod video_requests;
pub mod walk;
pub mod working_days;
pub mod working_group;
