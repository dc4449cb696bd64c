//! What a report is narrowed to, from outside input: a language, a page
//! (a path the address contains), a ticket channel, a team (by name), an operator (by
//! email). Checked and resolved here; an operator who is not an admin
//! only ever sees their own figures.

use crate::accounts::{Email, Role};
use crate::locale::Locale;
use crate::store::reports::Scope as StoreScope;
use crate::store::users::User;
use crate::store::{Db, StoreError, queue, users};
use crate::tickets::Source;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub locale: Option<Locale>,
    pub page: Option<String>,
    pub channel: Option<Source>,
    /// The team's id and name.
    pub team: Option<(String, String)>,
    /// The operator's id and email.
    pub operator: Option<(String, String)>,
}

/// The filters as given (query parameters).
#[derive(Debug, Clone, Default)]
pub struct Asked<'a> {
    pub locale: Option<&'a str>,
    pub page: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub team: Option<&'a str>,
    pub operator: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("{0}")]
    Locale(String),
    #[error("A page is an address path starting with / (at most 500 characters).")]
    Page,
    #[error("{0} is not a channel; use one of {list}.", list = Source::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    Channel(String),
    #[error("There is no team named {0}.")]
    Team(String),
    #[error("{0} is not an operator of this desk.")]
    Operator(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScopeError {
    /// The query parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            ScopeError::Locale(_) => "locale",
            ScopeError::Page => "page",
            ScopeError::Channel(_) => "channel",
            ScopeError::Team(_) => "team",
            ScopeError::Operator(_) | ScopeError::Store(_) => "operator",
        }
    }
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl Scope {
    /// Checks the filters; `viewer` is not an admin: their own figures only.
    pub async fn resolve(db: &Db, asked: &Asked<'_>, viewer: &User) -> Result<Scope, ScopeError> {
        let locale = match given(asked.locale) {
            Some(l) => Some(Locale::parse(l).map_err(|e| ScopeError::Locale(e.to_string()))?),
            None => None,
        };
        let page = match given(asked.page) {
            Some(p)
                if p.starts_with('/')
                    && p.chars().count() <= 500
                    && !p.chars().any(char::is_control) =>
            {
                Some(p.to_string())
            }
            Some(_) => return Err(ScopeError::Page),
            None => None,
        };
        let channel = match given(asked.channel) {
            Some(c) => Some(
                Source::parse(c)
                    .ok_or_else(|| ScopeError::Channel(c.chars().take(40).collect()))?,
            ),
            None => None,
        };
        let team = match given(asked.team) {
            Some(name) => {
                let id = queue::team_by_name(db, name)
                    .await?
                    .ok_or_else(|| ScopeError::Team(name.chars().take(80).collect()))?;
                Some((id, name.to_string()))
            }
            None => None,
        };
        let operator = if viewer.role() != Role::Admin {
            Some((viewer.id.clone(), viewer.email.clone()))
        } else {
            match given(asked.operator) {
                Some(raw) => {
                    let unknown = || ScopeError::Operator(raw.chars().take(80).collect());
                    let email = Email::parse(raw).map_err(|_| unknown())?;
                    let u = users::by_email(db, &email)
                        .await?
                        .filter(|u| u.role().is_staff())
                        .ok_or_else(unknown)?;
                    Some((u.id, u.email))
                }
                None => None,
            }
        };
        Ok(Scope {
            locale,
            page,
            channel,
            team,
            operator,
        })
    }

    pub fn store(&self) -> StoreScope<'_> {
        StoreScope {
            locale: self.locale.map(Locale::code),
            page: self.page.as_deref(),
            channel: self.channel.map(Source::as_str),
            team: self.team.as_ref().map(|t| t.0.as_str()),
            operator: self.operator.as_ref().map(|o| o.0.as_str()),
        }
    }

    /// The filters as query parameters (for links and CSV downloads).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        if let Some(l) = self.locale {
            parts.push(format!("locale={}", l.code()));
        }
        if let Some(p) = &self.page {
            parts.push(format!("page={}", enc(p)));
        }
        if let Some(c) = self.channel {
            parts.push(format!("channel={}", c.as_str()));
        }
        if let Some((_, name)) = &self.team {
            parts.push(format!("team={}", enc(name)));
        }
        if let Some((_, email)) = &self.operator {
            parts.push(format!("operator={}", enc(email)));
        }
        parts.join("&")
    }
}
