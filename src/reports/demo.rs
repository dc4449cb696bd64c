//! The demo's past activity (`serve --demo`, once, on an empty desk):
//! two weeks of questions to the bot, some voted on, three needs the help
//! center does not meet (so the content-gap report has something to say),
//! tickets from two of them and a rated live chat, so that every report
//! shows real figures on a fresh clone.

use crate::accounts::Email;
use crate::help::bot::{self, AskInput, BotConfig};
use crate::help::knowledge::Knowledge;
use crate::reports::feedback::{self, Ballot};
use crate::store::conversations::{self, NewBotMessage, NewConversation};
use crate::store::users::{self, User};
use crate::store::{Db, StoreError, queue};
use crate::tickets::workflow::{Desk, TicketInput};
use crate::tickets::{Priority, Source, TicketKind};

/// How-to questions the demo help center answers.
const ANSWERED: [&str; 10] = [
    "How do I let students take the exam twice?",
    "How do I publish an exam?",
    "How do I attach a screenshot to a ticket?",
    "How can I reset my password?",
    "How do I add students to my organisation?",
    "Where do I change the duration of an exam?",
    "How do I reopen a ticket?",
    "What do the ticket colours mean?",
    "How do I book an exam slot?",
    "Can I reuse an exam from last term?",
];

/// Three needs the help center does not meet, three ways each.
const GAPS: [[&str; 3]; 3] = [
    [
        "Can I export the grades to Excel?",
        "Is there a way to download all grades as a spreadsheet?",
        "export grades to a csv file",
    ],
    [
        "Is there a dark mode?",
        "Please add a dark theme to the app",
        "a dark mode would be great for my eyes",
    ],
    [
        "I was charged twice this month",
        "You billed me twice for the same subscription",
        "double payment on my card, please refund one",
    ],
];

const DAY: i64 = 86_400;

async fn demo_user(db: &Db, email: &str) -> Result<Option<User>, StoreError> {
    match Email::parse(email) {
        Ok(e) => users::by_email(db, &e).await,
        Err(_) => Ok(None),
    }
}

/// Asks the bot `question` as `user`, `days_ago` days back, in a
/// conversation of its own; returns (conversation, bot message, escalated).
async fn asked(
    db: &Db,
    knowledge: &Knowledge,
    config: &BotConfig,
    user: &User,
    question: &str,
    at: i64,
) -> Result<(String, i64, bool), StoreError> {
    let answer = bot::ask(
        knowledge,
        config,
        &AskInput {
            question,
            page_url: None,
            locale: None,
            history: &[],
            client: "demo",
        },
    )
    .map_err(|e| StoreError::Encode(format!("the demo's question {question:?}: {e}")))?;
    let conversation = crate::ids::random_id();
    let key_hash = crate::ids::sha256_hex(&crate::ids::random_id());
    let sources =
        serde_json::to_string(&answer.sources).map_err(|e| StoreError::Encode(e.to_string()))?;
    let articles = bot::cited_articles(&answer.sources);
    let id = conversations::append_turn_at(
        db,
        &conversation,
        Some(&NewConversation {
            locale: answer.locale.code(),
            page_url: None,
            key_hash: &key_hash,
            user_id: Some(&user.id),
        }),
        question,
        None,
        &NewBotMessage {
            content: &answer.answer,
            sources_json: &sources,
            confidence: answer.confidence,
            escalated: answer.escalate,
            ticket_type: answer
                .escalate
                .then_some(answer.suggested_ticket_type)
                .flatten(),
            articles: &articles,
            event: None,
        },
        at,
    )
    .await?;
    Ok((conversation, id, answer.escalate))
}

/// Seeds the activity once: nothing when any question was asked before.
pub async fn seed(
    db: &Db,
    desk: &Desk,
    knowledge: &Knowledge,
    config: &BotConfig,
    now: i64,
) -> Result<bool, StoreError> {
    if conversations::any(db).await? {
        return Ok(false);
    }
    let (Some(user), Some(operator)) = (
        demo_user(db, "user@demo.test").await?,
        demo_user(db, "operator@demo.test").await?,
    ) else {
        return Ok(false);
    };
    for (i, q) in ANSWERED.iter().enumerate() {
        let at = now - (i as i64 % 14) * DAY - 3600;
        let (conversation, id, escalated) = asked(db, knowledge, config, &user, q, at).await?;
        if !escalated && i % 3 != 2 {
            let ballot = Ballot {
                helpful: i % 4 != 3,
                comment: None,
            };
            vote(db, &user, &conversation, id, ballot, now).await?;
        }
    }
    for (t, topic) in GAPS.iter().enumerate() {
        for (i, q) in topic.iter().enumerate() {
            let at = now - ((t * 3 + i) as i64 % 14) * DAY - 7200;
            let (conversation, id, escalated) = asked(db, knowledge, config, &user, q, at).await?;
            if !escalated {
                let ballot = Ballot {
                    helpful: false,
                    comment: (i == 0).then_some("This is not what I asked."),
                };
                vote(db, &user, &conversation, id, ballot, now).await?;
            }
            // The first asker of two of the needs opened a ticket.
            if i == 0 && t < 2 {
                let input = TicketInput {
                    kind: TicketKind::FeatureRequest,
                    priority: Priority::Normal,
                    summary: crate::tickets::title::title_from(q),
                    description: (*q).to_string(),
                    category: None,
                    reproducibility: None,
                    impact: None,
                    steps: None,
                    additional_info: None,
                    conversation_id: Some(conversation.clone()),
                    page_url: None,
                    source: Source::Widget,
                };
                desk.open_ticket(&user, &input, &[])
                    .await
                    .map_err(|e| StoreError::Encode(format!("the demo's ticket: {e}")))?;
            }
        }
    }
    // A live chat yesterday, taken after 40 seconds and rated 5.
    let started = now - DAY;
    let chat = queue::create_request(
        db,
        &queue::NewRequest {
            user_id: &user.id,
            team_id: None,
            only_operator: None,
            ticket_id: None,
            conversation_id: None,
            priority: Priority::Normal,
            now: started,
        },
    )
    .await?;
    queue::take(db, &chat.id, &operator.id, started + 40).await?;
    queue::end(db, &chat.id, "user", started + 600).await?;
    if let Some(chat) = queue::request(db, &chat.id).await? {
        feedback::on_chat(db, &user, &chat, 5, Some("Quick and kind."), now)
            .await
            .map_err(|e| StoreError::Encode(e.to_string()))?;
    }
    Ok(true)
}

async fn vote(
    db: &Db,
    user: &User,
    conversation: &str,
    message: i64,
    ballot: Ballot<'_>,
    now: i64,
) -> Result<(), StoreError> {
    feedback::on_answer(db, Some(&user.id), None, conversation, message, ballot, now)
        .await
        .map_err(|e| StoreError::Encode(e.to_string()))
}
