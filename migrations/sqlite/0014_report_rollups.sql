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

-- Answers and escalations per day counted from the index alone.
CREATE INDEX conversation_messages_by_time_outcome ON conversation_messages (role, created_at, escalated);
DROP INDEX conversation_messages_by_time;
