//! `maillage user create / set-role / disable / enable / reset-password / list`.

use anyhow::Context;
use maillage_core::authz::Role;
use maillage_store::account::NewUser;
use maillage_store::{Author, Store};
use std::path::Path;

#[derive(clap::Subcommand)]
pub enum UserAction {
    /// Creates an account; the password is read from standard input.
    Create {
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// Organisation code.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Replaces an account's roles (comma-separated).
    SetRole {
        email: String,
        roles: String,
    },
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
    /// Sets a new password, read from standard input.
    ResetPassword {
        email: String,
    },
    List,
}

async fn find_user(store: &Store, email: &str) -> anyhow::Result<maillage_store::account::UserRecord> {
    store.user_by_email(email).await?.with_context(|| format!("aucun compte {email}"))
}

fn parse_roles(list: &str) -> anyhow::Result<Vec<Role>> {
    list.split(',')
        .map(|r| Role::from_code(r).with_context(|| format!("rôle inconnu « {r} » (administrator, coordinator, partner, reader, dpo)")))
        .collect()
}

pub async fn run(config_file: Option<&Path>, action: UserAction) -> anyhow::Result<()> {
    let (_, store) = crate::open(config_file).await?;
    let by = Author::command_line();
    match action {
        UserAction::Create { email, name, role, organisation } => {
            let roles = parse_roles(&role)?;
            let organisation_id = match organisation {
                Some(code) => Some(store.organisation_by_code(&code).await?.with_context(|| format!("aucune organisation {code}"))?.id),
                None => None,
            };
            let password = crate::read_password()?;
            maillage_core::account::password::check_policy(&password, &[&email, &name])?;
            let hash = maillage_core::account::password::hash(&password)?;
            let id = store
                .create_user(&by, &NewUser { email: email.clone(), display_name: name, organisation_id, roles, password_hash: hash })
                .await?;
            println!("Compte {email} créé (n° {id}).");
        }
        UserAction::SetRole { email, roles } => {
            let u = find_user(&store, &email).await?;
            store.set_user_roles(&by, u.id, &parse_roles(&roles)?).await?;
            println!("Rôles de {email} : {roles}");
        }
        UserAction::Disable { email } => {
            let u = find_user(&store, &email).await?;
            store.set_user_disabled(&by, u.id, true).await?;
            println!("Compte {email} désactivé ; ses sessions sont closes.");
        }
        UserAction::Enable { email } => {
            let u = find_user(&store, &email).await?;
            store.set_user_disabled(&by, u.id, false).await?;
            println!("Compte {email} réactivé.");
        }
        UserAction::ResetPassword { email } => {
            let u = find_user(&store, &email).await?;
            let password = crate::read_password()?;
            maillage_core::account::password::check_policy(&password, &[&u.email, &u.display_name])?;
            store.set_user_password(&by, u.id, &maillage_core::account::password::hash(&password)?, None).await?;
            println!("Mot de passe de {email} changé.");
        }
        UserAction::List => {
            for u in store.users().await? {
                println!(
                    "{:<40} {:<30} {}{}",
                    u.email,
                    maillage_core::authz::format_roles(&u.roles),
                    u.display_name,
                    if u.disabled { " (désactivé)" } else { "" }
                );
            }
        }
    }
    Ok(())
}
