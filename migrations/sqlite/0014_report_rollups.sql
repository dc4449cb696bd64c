-- The reports of a big desk read days, not answers: the articles cited per
-- day, kept with each answer (and filled here from the answers so far).
CREATE TABLE article_citations_daily (
    day    BIGINT NOT NULL,
    url    TEXT NOT NULL,
    title  TEXT NOT NULL,
    cited  BIGINT NOT NULL,
    PRIMARY KEY (day, url)
);

INSERT INTO article_citations_daily (day, url, title, cited)
SELECT m.created_at / 86400, s.url, MIN(s.title), COUNT(*)
FROM answer_sources s JOIN conversation_messages m ON m.id = s.message_id
GROUP BY m.created_at / 86400, s.url;

-- The bot's answers and escalations per day and language, kept with each
-- answer (and filled here from the answers so far).
CREATE TABLE answers_daily (
    day        BIGINT NOT NULL,
    locale     TEXT NOT NULL,
    questions  BIGINT NOT NULL,
    escalated  BIGINT NOT NULL,
    PRIMARY KEY (day, locale)
);

INSERT INTO answers_daily (day, locale, questions, escalated)
SELECT m.created_at / 86400, c.locale, COUNT(*), SUM(CASE WHEN m.escalated THEN 1 ELSE 0 END)
FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.role = 'bot'
GROUP BY m.created_at / 86400, c.locale;

-- Answers and escalations per day counted from the index alone (a page
-- filter reads the answers themselves).
CREATE INDEX conversation_messages_by_time_outcome ON conversation_messages (role, created_at, escalated);
DROP INDEX conversation_messages_by_time;

-- The desk's figures scan the period's tickets: this index holds every
-- column they read, so the wide rows (descriptions) are never loaded.
CREATE INDEX tickets_report ON tickets (created_at, kind, priority, status, source, assignee_id, requester_id, conversation_id, first_response_at, resolved_at, response_due_at);
