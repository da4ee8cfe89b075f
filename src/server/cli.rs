//! The `bento-console` command line: `serve` (the default), `migrate`, `user create`, `deployment …`.

use std::io::Read;

use anyhow::Context;
use clap::{Parser, Subcommand};

use super::{
    accounts,
    caches::Caches,
    config::Config,
    db,
    deployments::{self, NewDeployment},
    members, Application, Settings,
};
use crate::domain::{Email, NewPassword, OrganizationName, PersonName, Role};

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
    /// Manage deployments.
    Deployment {
        #[command(subcommand)]
        command: DeploymentCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeploymentCommand {
    /// Register a deployment: a running Bento service this console fronts.
    Create {
        /// DNS label: lowercase letters, digits and hyphens.
        #[arg(long)]
        name: String,
        /// Where the service listens, e.g. http://127.0.0.1:3001.
        #[arg(long)]
        upstream: String,
        /// Endpoint access type: private, protected or public.
        #[arg(long, default_value = "protected")]
        access: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List deployments: name, access type, upstream and external URL, tab-separated.
    List,
    /// Delete a deployment; tokens lose their access to it.
    Delete {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a member. The password is read from standard input (one line).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, developer or endpoint_user.
        #[arg(long, default_value = "developer", conflicts_with = "admin")]
        role: String,
        /// The same as --role admin.
        #[arg(long)]
        admin: bool,
        /// Name of the organization; required (and created) when the database has none yet.
        #[arg(long)]
        organization: Option<String>,
    },
    /// List members: email, name, role, tab-separated.
    List,
    /// Change a member's role (the last admin cannot be demoted).
    SetRole {
        #[arg(long)]
        email: String,
        /// admin, developer or endpoint_user.
        #[arg(long)]
        role: String,
    },
    /// Remove a member: their sessions end and their personal tokens are deleted.
    Remove {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(cli.config).await?.run_until_stopped().await,
        Command::Migrate => {
            db::connect_and_migrate_with(&cli.config.database()).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::User { command } => run_user(command, &cli.config).await,
        Command::Deployment { command } => run_deployment(command, &cli.config).await,
    }
}

async fn run_user(command: UserCommand, config: &Config) -> anyhow::Result<()> {
    if let UserCommand::Create { email, name, role, admin, organization } = command {
        let email = Email::parse(&email)?;
        let name = PersonName::parse(&name)?;
        let role = if admin { Role::Admin } else { Role::parse(&role)? };
        let organization = organization.as_deref().map(OrganizationName::parse).transpose()?;
        let password = read_password()?;
        let pool = db::connect_and_migrate_with(&config.database()).await?;
        let user =
            accounts::create_user(&pool, accounts::NewUser { email, name, password, role }, organization).await?;
        println!("Created user {} ({}) in organization {:?}.", user.email, role.label(), user.organization_name);
        return Ok(());
    }
    let pool = db::connect_and_migrate_with(&config.database()).await?;
    let actor = accounts::command_line_actor(&pool).await?;
    // On PostgreSQL a change is also published to the running servers (see `caches`).
    let caches = Caches::new(pool.engine());
    match command {
        UserCommand::Create { .. } => unreachable!("handled above"),
        UserCommand::List => {
            for member in members::list(&pool, &actor).await?.0 {
                println!("{}\t{}\t{}", member.email, member.name, member.role.as_str());
            }
        }
        UserCommand::SetRole { email, role } => {
            let member = members::find_by_email(&pool, &actor, &Email::parse(&email)?).await?;
            let changed = members::set_role(&pool, &caches, &actor, member.id, Role::parse(&role)?).await?;
            println!("{} is now {}.", changed.email, changed.role.label());
        }
        UserCommand::Remove { email } => {
            let member = members::find_by_email(&pool, &actor, &Email::parse(&email)?).await?;
            members::remove(&pool, &caches, &actor, member.id).await?;
            println!("Removed {}.", member.email);
        }
    }
    Ok(())
}

async fn run_deployment(command: DeploymentCommand, config: &Config) -> anyhow::Result<()> {
    let pool = db::connect_and_migrate_with(&config.database()).await?;
    let actor = accounts::command_line_actor(&pool).await?;
    let settings = Settings::new(config, config.addr);
    // This process's own caches. On PostgreSQL a change is also published to the running
    // servers; on SQLite their entries lapse within seconds (see `caches`).
    let caches = Caches::new(pool.engine());
    match command {
        DeploymentCommand::Create { name, upstream, access, description } => {
            let new = NewDeployment::parse(&name, &description, &upstream, Some(&access))?;
            let created = deployments::create(&pool, &settings, &caches, &actor, new).await?;
            println!("Created deployment {} ({}).", created.name, created.access.label());
            if let Some(url) = created.external_url {
                println!("External URL: {url}");
            }
        }
        DeploymentCommand::List => {
            for d in deployments::list(&pool, &settings, &actor).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    d.name,
                    d.access.as_str(),
                    d.upstream_url,
                    d.external_url.unwrap_or_default()
                );
            }
        }
        DeploymentCommand::Delete { name } => {
            let deployment = deployments::find_by_name(&pool, &settings, &actor, &name).await?;
            deployments::delete(&pool, &caches, &actor, deployment.id).await?;
            println!("Deleted deployment {}.", deployment.name);
        }
    }
    Ok(())
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
