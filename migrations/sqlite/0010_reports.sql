-- What the reports read without scanning whole tables: the articles each
-- bot answer cited (one row per article, anchors stripped), and indexes by
-- time and by the conversation a ticket or chat came from.
CREATE TABLE answer_sources (
    message_id  BIGINT NOT NULL REFERENCES conversation_messages(id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    title       TEXT NOT NULL,
    PRIMARY KEY (message_id, url)
);

CREATE INDEX conversation_messages_by_time ON conversation_messages (role, created_at);
CREATE INDEX tickets_by_conversation ON tickets (conversation_id, created_at);
CREATE INDEX chat_requests_by_conversation ON chat_requests (conversation_id, created_at);
