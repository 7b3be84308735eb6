//! One file per command of the binary.

pub mod audit;
pub mod backup;
pub mod demo;
pub mod keys;
pub mod serve;
pub mod strategy;
pub mod user;
