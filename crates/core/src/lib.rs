//! Domain rules of Maillage, in plain Rust: no HTTP, no SQL.
//!
//! Each module carries one concept of the glossary (`../shared/GLOSSARY.md`) under its code name.

pub mod account;
pub mod activity;
pub mod audit;
pub mod authz;
pub mod community_service;
pub mod glossary;
pub mod indicator;
pub mod organisation;
pub mod place;
pub mod publication;
pub mod report;
pub mod strategy;
pub mod text;
pub mod time_fmt;
pub mod victim_support;
pub mod working_days;
pub mod working_group;
