//! Accounts: the password policy and its hashing. Roles and what they may do live in
//! [`crate::authz`], the one place where permissions are decided.

pub mod password;
