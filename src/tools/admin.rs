//! The administration commands: `user` (accounts), `org` (organisations)
//! and `team` (operators' teams). The rules are the library's
//! (`accounts::invite`, `accounts::password`, `live::teams`); what is here
//! is opening the database and what the command line prints.

use std::future::Future;

use anyhow::Context;

use crate::accounts::{Email, Role, invite, password};
use crate::config::Config;
use crate::store::{self, Db, organisations, users};

/// Runs one command on a single-threaded runtime (it only waits on the
/// database).
fn block_on(command: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(command)
}

/// The database, created with its folder on first use.
async fn open(config: &Config) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))?;
    Ok(store::open(&config.database_path()).await?)
}

/// The database and the address links in emails start with, warning when
/// that address was never set.
async fn open_for_links(config: &Config) -> anyhow::Result<(Db, &str)> {
    let db = open(config).await?;
    let public_url = &config.desk.public_url;
    if *public_url == format!("http://{}", config.bind) {
        // The links go by email to people on other machines.
        eprintln!(
            "warning: public_url is not set, so links point to {public_url}; set it in frontdesk.toml, \
             FRONTDESK_PUBLIC_URL or --public-url (the same as the server's)"
        );
    }
    Ok((db, public_url))
}

/// `user invite`: creates the account and queues its invitation email;
/// prints the one-time link too.
pub fn user_invite(config: &Config, email: &str, role: &str, name: &str) -> anyhow::Result<()> {
    block_on(async {
        let (db, public_url) = open_for_links(config).await?;
        let role = Role::parse(role).context("unknown role")?;
        let email = Email::parse(email)?;
        let (user, link) = invite::invite(&db, public_url, &email, name, role).await?;
        println!(
            "invited {} ({}); the invitation email is queued",
            user.email,
            role.as_str()
        );
        println!(
            "one-time link (valid {} hours): {link}",
            invite::LINK_VALID_SECS / 3600
        );
        Ok(())
    })
}

/// `user create-admin`: with `password_stdin`, the password is the first
/// line of standard input; without, a one-time link to set it is printed.
pub fn user_create_admin(
    config: &Config,
    email: &str,
    name: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    block_on(async {
        let (db, public_url) = open_for_links(config).await?;
        let email = Email::parse(email)?;
        if password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let pw = line.trim_end_matches(['\r', '\n']);
            // Checked before the account exists, so a refused password
            // leaves nothing behind.
            password::check_new(pw).map_err(anyhow::Error::msg)?;
            let (user, _) = invite::invite(&db, public_url, &email, name, Role::Admin).await?;
            let hash = password::hash(pw).map_err(|e| anyhow::anyhow!("{e}"))?;
            users::set_password(&db, &user.id, &hash).await?;
            println!("created admin {}", user.email);
        } else {
            let (user, link) = invite::invite(&db, public_url, &email, name, Role::Admin).await?;
            println!("created admin {}; set the password at: {link}", user.email);
        }
        Ok(())
    })
}

/// `org create`. No other part of the crate creates organisations, so
/// their rules (name, hours) are here.
pub fn org_create(
    config: &Config,
    name: &str,
    monthly_hours: f64,
    share_tickets: bool,
) -> anyhow::Result<()> {
    block_on(async {
        let db = open(config).await?;
        let name = name.trim();
        anyhow::ensure!(
            !name.is_empty() && name.chars().count() <= 200,
            "the name must be 1 to 200 characters"
        );
        // 744 hours: the longest month.
        anyhow::ensure!(
            (0.0..=744.0).contains(&monthly_hours),
            "monthly hours must be between 0 and 744"
        );
        anyhow::ensure!(
            organisations::by_name(&db, name).await?.is_none(),
            "an organisation named {name} exists already"
        );
        let mut conn = db.acquire().await?;
        let minutes = (monthly_hours * 60.0).round() as i64;
        organisations::create(&mut conn, name, minutes, share_tickets, store::now()).await?;
        println!("created organisation {name} ({monthly_hours} support hours a month)");
        Ok(())
    })
}

/// `org add-member`: puts the account with `email` in the organisation.
pub fn org_add_member(config: &Config, name: &str, email: &str) -> anyhow::Result<()> {
    block_on(async {
        let db = open(config).await?;
        let org = organisations::by_name(&db, name.trim())
            .await?
            .with_context(|| format!("no organisation named {name}"))?;
        let email = Email::parse(email)?;
        let user = users::by_email(&db, &email)
            .await?
            .with_context(|| format!("no account with the email {email}"))?;
        users::set_organisation(&db, &user.id, Some(&org.id)).await?;
        println!("{email} is now a member of {}", org.name);
        Ok(())
    })
}

/// `team create`.
pub fn team_create(config: &Config, name: &str) -> anyhow::Result<()> {
    block_on(async {
        let db = open(config).await?;
        let name = crate::live::teams::create(&db, name, store::now()).await?;
        println!("created team {name}");
        Ok(())
    })
}

/// `team add-member`: an operator or admin joins the team.
pub fn team_add_member(config: &Config, name: &str, email: &str) -> anyhow::Result<()> {
    block_on(async {
        let db = open(config).await?;
        // Not an address: no account has it either (the same refusal).
        let address = Email::parse(email)
            .map_err(|_| crate::live::teams::TeamError::NoUser(email.trim().to_string()))?;
        crate::live::teams::add_member(&db, name, &address).await?;
        println!("{} is now in the team {}", email.trim(), name.trim());
        Ok(())
    })
}
