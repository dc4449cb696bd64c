//! Bulk activity for `frontdesk reports-bench`: tickets, bot questions,
//! votes and chats spread over the last 90 days, written by the database
//! itself (recursive CTEs), so that millions of rows take seconds.

use super::{Db, StoreError};

/// What to write.
pub struct Volume {
    pub tickets: i64,
    pub questions: i64,
    pub chats: i64,
    /// Requesters the tickets are spread over.
    pub users: i64,
    pub operator_id: String,
    pub now: i64,
}

const SPAN: i64 = 90 * 86_400;

/// Seeds the volume in one transaction. Deterministic: row `i` gets the
/// same values on every run.
pub async fn seed(db: &Db, v: &Volume) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let start = v.now - SPAN;
    let steps = [
        // Requesters.
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1) \
         INSERT INTO users (id, email, name, role, created_at) \
         SELECT printf('bench-user-%d', i), printf('bench-%d@bench.test', i), printf('Bench User %d', i), 'end_user', $2 FROM n",
        // Conversations: two questions each.
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ($3 + 1) / 2) \
         INSERT INTO conversations (id, locale, created_at, updated_at) \
         SELECT printf('bench-conv-%d', i), 'en', $2 + (i * 2 * $4) / $3, $2 + (i * 2 * $4) / $3 FROM n",
        // Each question and its answer; one in ten escalated.
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $3) \
         INSERT INTO conversation_messages (conversation_id, role, content, created_at) \
         SELECT printf('bench-conv-%d', i / 2), 'user', printf('How do I change setting number %d?', i % 997), $2 + (i * $4) / $3 FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $3) \
         INSERT INTO conversation_messages (conversation_id, role, content, confidence, escalated, ticket_type, created_at) \
         SELECT printf('bench-conv-%d', i / 2), 'bot', 'An answer.', (i % 100) / 100.0, i % 10 = 0, \
         CASE WHEN i % 10 = 0 THEN 'settings_help' END, $2 + (i * $4) / $3 + 1 FROM n",
        // The articles the answers cite (every answer that did not escalate).
        "INSERT INTO answer_sources (message_id, url, title) \
         SELECT id, printf('/help/en/bench/article-%d', id % 300), printf('Article %d', id % 300) \
         FROM conversation_messages WHERE role = 'bot' AND NOT escalated AND conversation_id LIKE 'bench-conv-%'",
        "INSERT INTO answers_daily (day, locale, questions, escalated) \
         SELECT m.created_at / 86400, c.locale, COUNT(*), SUM(CASE WHEN m.escalated THEN 1 ELSE 0 END) \
         FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.role = 'bot' AND m.conversation_id LIKE 'bench-conv-%' \
         GROUP BY m.created_at / 86400, c.locale \
         ON CONFLICT (day, locale) DO UPDATE SET questions = answers_daily.questions + excluded.questions, \
         escalated = answers_daily.escalated + excluded.escalated",
        "INSERT INTO article_citations_daily (day, url, title, cited) \
         SELECT m.created_at / 86400, s.url, MIN(s.title), COUNT(*) FROM answer_sources s \
         JOIN conversation_messages m ON m.id = s.message_id WHERE s.url LIKE '/help/en/bench/%' \
         GROUP BY m.created_at / 86400, s.url",
        // One answer in twenty voted on, a third of those down.
        "INSERT INTO feedback (kind, subject, voter, helpful, comment, created_at, updated_at) \
         SELECT 'answer', CAST(id AS TEXT), conversation_id, id % 3 <> 0, CASE WHEN id % 3 = 0 THEN 'not it' END, created_at, created_at \
         FROM conversation_messages WHERE role = 'bot' AND id % 20 = 0 AND conversation_id LIKE 'bench-conv-%'",
    ];
    for sql in steps {
        sqlx::query(sql)
            .bind(v.users.max(1))
            .bind(start)
            .bind(v.questions.max(1))
            .bind(SPAN)
            .execute(&mut *tx)
            .await?;
    }
    // Tickets: a fifth from a conversation, most answered, half resolved.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1) \
         INSERT INTO tickets (id, number, requester_id, kind, priority, status, summary, description, \
           assignee_id, conversation_id, source, response_due_at, first_response_at, resolved_at, created_at, updated_at) \
         SELECT printf('bench-ticket-%d', i), 100000 + i, printf('bench-user-%d', i % $2), \
           CASE i % 3 WHEN 0 THEN 'bug_report' WHEN 1 THEN 'feature_request' ELSE 'settings_help' END, \
           CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'normal' WHEN 2 THEN 'high' ELSE 'urgent' END, \
           CASE i % 6 WHEN 0 THEN 'new' WHEN 1 THEN 'in_analysis' WHEN 2 THEN 'assigned' WHEN 3 THEN 'feedback' WHEN 4 THEN 'resolved' ELSE 'closed' END, \
           printf('Bench ticket %d', i), 'A ticket of the benchmark.', \
           CASE WHEN i % 6 = 0 THEN NULL ELSE $5 END, \
           CASE WHEN i % 5 = 0 THEN printf('bench-conv-%d', i % (($3 + 1) / 2)) END, \
           CASE i % 2 WHEN 0 THEN 'widget' ELSE 'portal' END, \
           $4 + (i * $6) / $1 + 14400, \
           CASE WHEN i % 6 = 0 THEN NULL ELSE $4 + (i * $6) / $1 + (i % 97) * 300 END, \
           CASE WHEN i % 6 >= 4 THEN $4 + (i * $6) / $1 + (i % 89) * 3600 END, \
           $4 + (i * $6) / $1, $4 + (i * $6) / $1 FROM n",
    )
    .bind(v.tickets.max(1))
    .bind(v.users.max(1))
    .bind(v.questions.max(1))
    .bind(start)
    .bind(&v.operator_id)
    .bind(SPAN)
    .execute(&mut *tx)
    .await?;
    // Status history: every resolved ticket's change, one in fifty reopened.
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, actor_id, kind, public, field, old_value, new_value, created_at) \
         SELECT id, $1, 'status', TRUE, 'status', 'assigned', 'resolved', resolved_at FROM tickets \
         WHERE resolved_at IS NOT NULL AND id LIKE 'bench-ticket-%'",
    )
    .bind(&v.operator_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO ticket_events (ticket_id, actor_id, kind, public, field, old_value, new_value, created_at) \
         SELECT id, requester_id, 'status', TRUE, 'status', 'resolved', 'new', resolved_at + 3600 FROM tickets \
         WHERE resolved_at IS NOT NULL AND number % 50 = 0 AND id LIKE 'bench-ticket-%'",
    )
    .execute(&mut *tx)
    .await?;
    // Chats: most taken by the operator, some left waiting; a third rated.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1) \
         INSERT INTO chat_requests (id, user_id, priority, status, operator_id, accepted_at, ended_at, end_reason, created_at) \
         SELECT printf('bench-chat-%d', i), printf('bench-user-%d', i % $2), 'normal', \
           CASE WHEN i % 8 = 0 THEN 'cancelled' ELSE 'ended' END, \
           CASE WHEN i % 8 = 0 THEN NULL ELSE $3 END, \
           CASE WHEN i % 8 = 0 THEN NULL ELSE $4 + (i * $5) / $1 + (i % 120) END, \
           $4 + (i * $5) / $1 + 900, 'user', $4 + (i * $5) / $1 FROM n",
    )
    .bind(v.chats.max(1))
    .bind(v.users.max(1))
    .bind(&v.operator_id)
    .bind(start)
    .bind(SPAN)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO feedback (kind, subject, voter, rating, created_at, updated_at) \
         SELECT 'chat', id, user_id, 1 + (ended_at % 5), ended_at, ended_at FROM chat_requests \
         WHERE status = 'ended' AND id LIKE 'bench-chat-%' AND ended_at % 3 = 0",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(db).await?;
    Ok(())
}
