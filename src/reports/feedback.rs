//! Feedback at the point of use: "Did this answer your question?" on a
//! bot answer, "Was this article helpful?" on an article, and a rating of
//! 1 to 5 after a live chat. One vote per voter and subject; voting again
//! changes it.

use crate::help::kb::KnowledgeBase;
use crate::store::conversations;
use crate::store::feedback::{self as store, Kind, NewVote};
use crate::store::queue::ChatRequest;
use crate::store::users::User;
use crate::store::{Db, StoreError};
use crate::webhooks::events::{self, EventKind};

/// Longest comment, in characters.
pub const COMMENT_CHARS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("A comment is at most {COMMENT_CHARS} characters.")]
    BadComment,
    #[error("A rating is a whole number from 1 to 5.")]
    BadRating,
    #[error("A visitor id is 16 to 64 letters, digits, dashes or underscores.")]
    BadVisitor,
    #[error("This bot conversation does not exist or is not yours.")]
    NotYourConversation,
    #[error("That message is not one of the bot's answers in this conversation.")]
    NotAnAnswer,
    #[error("There is no such article in the help center.")]
    NoArticle,
    #[error("Only the person who asked for the chat rates it.")]
    NotYourChat,
    #[error("A chat is rated once it has ended.")]
    ChatNotEnded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A comment trimmed, empty ones dropped.
fn comment(text: Option<&str>) -> Result<Option<String>, FeedbackError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        Some(t)
            if t.chars().count() > COMMENT_CHARS
                || t.chars().any(|c| c.is_control() && c != '\n') =>
        {
            Err(FeedbackError::BadComment)
        }
        other => Ok(other.map(String::from)),
    }
}

/// A yes or no, with an optional comment.
#[derive(Debug, Clone, Copy)]
pub struct Ballot<'a> {
    pub helpful: bool,
    pub comment: Option<&'a str>,
}

/// Who votes on an article: the signed-in user, else an anonymous
/// visitor by the random id their browser keeps (stored as a digest).
pub enum Voter<'a> {
    User(&'a User),
    Visitor(&'a str),
}

impl Voter<'_> {
    fn key(&self) -> Result<String, FeedbackError> {
        match self {
            Voter::User(u) => Ok(u.id.clone()),
            Voter::Visitor(id) => {
                let ok = (16..=64).contains(&id.len())
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if ok {
                    Ok(format!("anon:{}", crate::ids::sha256_hex(id)))
                } else {
                    Err(FeedbackError::BadVisitor)
                }
            }
        }
    }
}

/// Stores the vote and queues its `feedback.created` webhook event, in
/// one transaction.
async fn save(db: &Db, v: &NewVote<'_>) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    store::upsert_in(&mut tx, v).await?;
    events::emit(
        &mut tx,
        EventKind::FeedbackCreated,
        serde_json::json!({
            "on": v.kind.as_str(),
            "subject": v.subject,
            "helpful": v.helpful,
            "rating": v.rating,
            "comment": v.comment,
        }),
        v.now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A vote on a bot answer by the conversation's owner (signed in as
/// `caller`, or holding its `key`): one per answer.
pub async fn on_answer(
    db: &Db,
    caller: Option<&str>,
    key: Option<&str>,
    conversation_id: &str,
    message_id: i64,
    ballot: Ballot<'_>,
    now: i64,
) -> Result<(), FeedbackError> {
    let text = comment(ballot.comment)?;
    if !crate::ids::is_id(conversation_id) {
        return Err(FeedbackError::NotYourConversation);
    }
    match conversations::owner(db, conversation_id).await? {
        Some(o) if o.is(caller, key) => {}
        _ => return Err(FeedbackError::NotYourConversation),
    }
    if !conversations::is_bot_message(db, conversation_id, message_id).await? {
        return Err(FeedbackError::NotAnAnswer);
    }
    save(
        db,
        &NewVote {
            kind: Kind::Answer,
            subject: &message_id.to_string(),
            voter: conversation_id,
            helpful: Some(ballot.helpful),
            rating: None,
            comment: text.as_deref(),
            now,
        },
    )
    .await?;
    Ok(())
}

/// A vote on an article, given by its URL (a section's anchor is the
/// article's too); returns the article's URL the vote counts for.
pub async fn on_article(
    db: &Db,
    kb: &KnowledgeBase,
    url: &str,
    voter: Voter<'_>,
    ballot: Ballot<'_>,
    now: i64,
) -> Result<String, FeedbackError> {
    let text = comment(ballot.comment)?;
    let voter = voter.key()?;
    let card = kb.card(url).ok_or(FeedbackError::NoArticle)?;
    let article = card.url.split('#').next().unwrap_or_default().to_string();
    save(
        db,
        &NewVote {
            kind: Kind::Article,
            subject: &article,
            voter: &voter,
            helpful: Some(ballot.helpful),
            rating: None,
            comment: text.as_deref(),
            now,
        },
    )
    .await?;
    Ok(article)
}

/// The user's rating of a chat of theirs that has ended (1 to 5).
pub async fn on_chat(
    db: &Db,
    user: &User,
    chat: &ChatRequest,
    rating: i64,
    text: Option<&str>,
    now: i64,
) -> Result<(), FeedbackError> {
    let text = comment(text)?;
    if !(1..=5).contains(&rating) {
        return Err(FeedbackError::BadRating);
    }
    if chat.user_id != user.id {
        return Err(FeedbackError::NotYourChat);
    }
    if !matches!(chat.status.as_str(), "ended" | "cancelled") {
        return Err(FeedbackError::ChatNotEnded);
    }
    save(
        db,
        &NewVote {
            kind: Kind::Chat,
            subject: &chat.id,
            voter: &user.id,
            helpful: None,
            rating: Some(rating),
            comment: text.as_deref(),
            now,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_trimmed_bounded_and_optional() {
        assert_eq!(comment(None).ok(), Some(None));
        assert_eq!(comment(Some("  ")).ok(), Some(None));
        assert_eq!(
            comment(Some(" too vague \n")).ok(),
            Some(Some("too vague".into()))
        );
        assert!(matches!(
            comment(Some(&"x".repeat(1001))),
            Err(FeedbackError::BadComment)
        ));
        assert!(matches!(
            comment(Some("a\u{0}b")),
            Err(FeedbackError::BadComment)
        ));
    }

    #[test]
    fn visitors_vote_by_a_digest_of_their_own_random_id() {
        let key = Voter::Visitor("0123456789abcdef-_").key().ok();
        assert!(
            key.as_deref()
                .is_some_and(|k| k.starts_with("anon:") && !k.contains("0123456789abcdef"))
        );
        for bad in ["short", "has spaces in it too", &"x".repeat(65)] {
            assert!(
                matches!(Voter::Visitor(bad).key(), Err(FeedbackError::BadVisitor)),
                "{bad}"
            );
        }
    }
}
