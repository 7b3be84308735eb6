//! Accounts: the second factor.

pub mod second_factor;
