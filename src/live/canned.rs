//! Canned responses: saved replies an operator inserts with `/` in the
//! chat composer, shared within a team (or with everyone), with
//! placeholders filled in for the chat at hand.

use crate::accounts::Role;
use crate::store::canned::{self, CannedRow, NewCanned};
use crate::store::queue::{self, ChatRequest};
use crate::store::tickets as ticket_store;
use crate::store::users::{self, User};
use crate::store::{Db, StoreError};

/// Longest shortcut, in characters.
pub const SHORTCUT_CHARS: usize = 32;
/// Longest reply, in characters (a chat message's limit).
pub const TEXT_CHARS: usize = 4000;
/// What a reply may contain between `{{` and `}}`.
pub const PLACEHOLDERS: [&str; 4] = [
    "user.name",
    "user.first_name",
    "operator.name",
    "ticket.number",
];

#[derive(Debug, thiserror::Error)]
pub enum CannedError {
    #[error(
        "A shortcut is 1 to {SHORTCUT_CHARS} lowercase letters, digits or dashes, such as refund-policy."
    )]
    BadShortcut,
    #[error("A reply is 1 to {TEXT_CHARS} characters.")]
    BadText,
    #[error(
        "{{{{{0}}}}} is not a placeholder; use one of {{{{user.name}}}}, {{{{user.first_name}}}}, {{{{operator.name}}}}, {{{{ticket.number}}}}."
    )]
    UnknownPlaceholder(String),
    #[error("There is no team named {0}.")]
    NoTeam(String),
    #[error("You are not in the team {0}: only its members and admins manage its replies.")]
    NotYourTeam(String),
    #[error("The shortcut /{0} is taken in that team already.")]
    Exists(String),
    #[error("There is no such saved reply.")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A saved reply as operators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canned {
    pub id: String,
    pub shortcut: String,
    pub text: String,
    /// The team sharing it; None: everyone.
    pub team: Option<String>,
}

impl From<CannedRow> for Canned {
    fn from(r: CannedRow) -> Self {
        Canned {
            id: r.id,
            shortcut: r.shortcut,
            text: r.body,
            team: r.team,
        }
    }
}

/// What the placeholders stand for in one chat.
pub struct Placeholders<'a> {
    pub user_name: &'a str,
    pub operator_name: &'a str,
    pub ticket_number: Option<i64>,
}

fn shortcut(s: &str) -> Result<String, CannedError> {
    let s = s.trim().trim_start_matches('/');
    let ok = !s.is_empty()
        && s.chars().count() <= SHORTCUT_CHARS
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(CannedError::BadShortcut)
    }
}

/// A reply's text in pieces: plain text, and the placeholders' names
/// (between `{{` and `}}`, spaces allowed); an unclosed `{{` is text.
enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(Piece::Text(&rest[..start]));
        out.push(Piece::Name(after[..end].trim()));
        rest = &after[end + 2..];
    }
    out.push(Piece::Text(rest));
    out
}

/// The placeholders a text names, in order.
fn placeholders(text: &str) -> Vec<&str> {
    pieces(text)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Name(n) => Some(n),
            Piece::Text(_) => None,
        })
        .collect()
}

fn text(s: &str) -> Result<String, CannedError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > TEXT_CHARS {
        return Err(CannedError::BadText);
    }
    if let Some(bad) = placeholders(s)
        .into_iter()
        .find(|p| !PLACEHOLDERS.contains(p))
    {
        return Err(CannedError::UnknownPlaceholder(bad.to_string()));
    }
    Ok(s.to_string())
}

/// Fills in the placeholders; a ticket number not known yet reads
/// "your ticket" rather than a hole in the sentence.
pub fn expand(text: &str, p: &Placeholders) -> String {
    let first = p.user_name.split_whitespace().next().unwrap_or(p.user_name);
    let mut out = String::with_capacity(text.len());
    for piece in pieces(text) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Name("user.name") => out.push_str(p.user_name),
            Piece::Name("user.first_name") => out.push_str(first),
            Piece::Name("operator.name") => out.push_str(p.operator_name),
            Piece::Name("ticket.number") => match p.ticket_number {
                Some(n) => out.push_str(&format!("#{n}")),
                None => out.push_str("your ticket"),
            },
            Piece::Name(other) => {
                out.push_str("{{");
                out.push_str(other);
                out.push_str("}}");
            }
        }
    }
    out
}

/// The replies `me` may use, by shortcut.
pub async fn list(db: &Db, me: &User) -> Result<Vec<Canned>, CannedError> {
    let all = me.role() == Role::Admin;
    Ok(canned::visible_to(db, &me.id, all)
        .await?
        .into_iter()
        .map(Canned::from)
        .collect())
}

/// Admins manage every reply; operators their teams' and everyone's.
async fn may_manage(
    db: &Db,
    me: &User,
    team_id: Option<&str>,
    team: &str,
) -> Result<(), CannedError> {
    match team_id {
        Some(id) if me.role() != Role::Admin && !queue::is_team_member(db, id, &me.id).await? => {
            Err(CannedError::NotYourTeam(team.to_string()))
        }
        _ => Ok(()),
    }
}

pub async fn create(
    db: &Db,
    me: &User,
    team: Option<&str>,
    new_shortcut: &str,
    new_text: &str,
    now: i64,
) -> Result<Canned, CannedError> {
    let shortcut = shortcut(new_shortcut)?;
    let text = text(new_text)?;
    let team = team.map(str::trim).filter(|t| !t.is_empty());
    let team_id = match team {
        Some(name) => Some(
            queue::team_by_name(db, name)
                .await?
                .ok_or_else(|| CannedError::NoTeam(name.to_string()))?,
        ),
        None => None,
    };
    may_manage(db, me, team_id.as_deref(), team.unwrap_or("")).await?;
    let id = crate::ids::random_id();
    let stored = canned::insert(
        db,
        &NewCanned {
            id: &id,
            team_id: team_id.as_deref(),
            shortcut: &shortcut,
            body: &text,
            created_by: &me.id,
            now,
        },
    )
    .await;
    match stored {
        Err(e) if users::is_unique_violation(&e) => Err(CannedError::Exists(shortcut)),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(Canned {
            id,
            shortcut,
            text,
            team: team.map(String::from),
        }),
    }
}

async fn managed(db: &Db, me: &User, id: &str) -> Result<CannedRow, CannedError> {
    if !crate::ids::is_id(id) {
        return Err(CannedError::NotFound);
    }
    let row = canned::by_id(db, id).await?.ok_or(CannedError::NotFound)?;
    may_manage(
        db,
        me,
        row.team_id.as_deref(),
        row.team.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(row)
}

pub async fn update(
    db: &Db,
    me: &User,
    id: &str,
    new_shortcut: &str,
    new_text: &str,
    now: i64,
) -> Result<Canned, CannedError> {
    let row = managed(db, me, id).await?;
    let shortcut = shortcut(new_shortcut)?;
    let text = text(new_text)?;
    match canned::update(db, &row.id, &shortcut, &text, now).await {
        Err(e) if users::is_unique_violation(&e) => Err(CannedError::Exists(shortcut)),
        Err(e) => Err(e.into()),
        Ok(false) => Err(CannedError::NotFound),
        Ok(true) => Ok(Canned {
            id: row.id,
            shortcut,
            text,
            team: row.team,
        }),
    }
}

pub async fn delete(db: &Db, me: &User, id: &str) -> Result<(), CannedError> {
    let row = managed(db, me, id).await?;
    if canned::delete(db, &row.id).await? {
        Ok(())
    } else {
        Err(CannedError::NotFound)
    }
}

/// The replies `me` may use in `chat`, placeholders filled in for it.
pub async fn for_chat(db: &Db, me: &User, chat: &ChatRequest) -> Result<Vec<Canned>, CannedError> {
    let user_name = users::by_id(db, &chat.user_id)
        .await?
        .map(|u| u.display_name().to_string())
        .unwrap_or_default();
    let ticket_number = match &chat.ticket_id {
        Some(t) => ticket_store::by_id(db, t).await?.map(|t| t.number),
        None => None,
    };
    let p = Placeholders {
        user_name: &user_name,
        operator_name: me.display_name(),
        ticket_number,
    };
    Ok(list(db, me)
        .await?
        .into_iter()
        .map(|c| Canned {
            text: expand(&c.text, &p),
            ..c
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_and_a_missing_ticket_reads_naturally() {
        let p = Placeholders {
            user_name: "Uma User",
            operator_name: "Oscar",
            ticket_number: None,
        };
        assert_eq!(
            expand(
                "Hi {{user.first_name}}, {{ operator.name }} here: about {{ticket.number}}, {{user.name}}.",
                &p
            ),
            "Hi Uma, Oscar here: about your ticket, Uma User."
        );
        let p = Placeholders {
            ticket_number: Some(1004),
            ..p
        };
        assert_eq!(expand("see {{ticket.number}} {{", &p), "see #1004 {{");
    }

    #[test]
    fn shortcuts_and_texts_are_checked() {
        assert_eq!(
            shortcut(" /refund-policy ").ok().as_deref(),
            Some("refund-policy")
        );
        for bad in ["", "/", "Refund", "two words", "é", &"a".repeat(33)] {
            assert!(
                matches!(shortcut(bad), Err(CannedError::BadShortcut)),
                "{bad}"
            );
        }
        assert!(text("Hello {{user.name}}").is_ok());
        assert!(matches!(text("  "), Err(CannedError::BadText)));
        assert!(matches!(
            text("Hello {{user.email}}"),
            Err(CannedError::UnknownPlaceholder(p)) if p == "user.email"
        ));
    }
}
