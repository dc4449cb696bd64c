//! Operators' teams: a chat request for a team goes to its members only.
//! One set of rules for the command line and the admins' API.

use crate::accounts::Email;
use crate::store::queue;
use crate::store::users::{self, User};
use crate::store::{Db, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("A team's name is 1 to 100 characters.")]
    BadName,
    #[error("A team named {0} exists already.")]
    Exists(String),
    #[error("There is no team named {0}.")]
    NoTeam(String),
    #[error("No account has the email {0}.")]
    NoUser(String),
    #[error("{0} is not an operator or admin.")]
    NotStaff(String),
    #[error("{0} is not in the team {1}.")]
    NotMember(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn valid_name(name: &str) -> Result<&str, TeamError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(TeamError::BadName);
    }
    Ok(name)
}

pub async fn create(db: &Db, name: &str, now: i64) -> Result<String, TeamError> {
    let name = valid_name(name)?;
    if queue::team_by_name(db, name).await?.is_some() {
        return Err(TeamError::Exists(name.to_string()));
    }
    queue::create_team(db, name, now).await?;
    Ok(name.to_string())
}

async fn team_and_staff(db: &Db, name: &str, email: &Email) -> Result<(String, User), TeamError> {
    let name = valid_name(name)?;
    let team = queue::team_by_name(db, name)
        .await?
        .ok_or_else(|| TeamError::NoTeam(name.to_string()))?;
    let user = users::by_email(db, email)
        .await?
        .ok_or_else(|| TeamError::NoUser(email.to_string()))?;
    if !user.role().is_staff() {
        return Err(TeamError::NotStaff(email.to_string()));
    }
    Ok((team, user))
}

pub async fn add_member(db: &Db, name: &str, email: &Email) -> Result<(), TeamError> {
    let (team, user) = team_and_staff(db, name, email).await?;
    queue::add_team_member(db, &team, &user.id).await?;
    Ok(())
}

pub async fn remove_member(db: &Db, name: &str, email: &Email) -> Result<(), TeamError> {
    let (team, user) = team_and_staff(db, name, email).await?;
    if !queue::remove_team_member(db, &team, &user.id).await? {
        return Err(TeamError::NotMember(user.email, name.trim().to_string()));
    }
    Ok(())
}
