//! The `bento-console` command line: `serve` (the default), `migrate`, `user create`.

use std::io::Read;

use anyhow::Context;
use clap::{Parser, Subcommand};

use super::{accounts, config::Config, db, Application};
use crate::domain::{Email, NewPassword, OrganizationName, PersonName};

#[derive(Debug, Parser)]
#[command(name = "bento-console", version, about = "Self-hosted console for API tokens and model deployments.")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console (the default when no command is given).
    Serve,
    /// Create the database if needed, apply migrations, and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input (one line).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// Name of the organization; required (and created) when the database has none yet.
        #[arg(long)]
        organization: Option<String>,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(cli.config).await?.run_until_stopped().await,
        Command::Migrate => {
            db::connect_and_migrate(&cli.config.database_url).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::User { command: UserCommand::Create { email, name, admin, organization } } => {
            let email = Email::parse(&email)?;
            let name = PersonName::parse(&name)?;
            let organization = organization.as_deref().map(OrganizationName::parse).transpose()?;
            let password = read_password()?;
            let pool = db::connect_and_migrate(&cli.config.database_url).await?;
            let user = accounts::create_user(&pool, accounts::NewUser { email, name, password, is_admin: admin }, organization).await?;
            println!("Created user {} in organization {:?}.", user.email, user.organization_name);
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<NewPassword> {
    let mut input = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut input)
        .context("could not read the password from standard input")?;
    let password = input.lines().next().unwrap_or_default();
    Ok(NewPassword::parse(password, password)?)
}
