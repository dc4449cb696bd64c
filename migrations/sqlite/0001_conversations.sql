-- Bot conversations and their messages. They become a ticket's history when
-- the user escalates (a later migration links them to tickets).
-- Portable SQL: TEXT ids, BIGINT unix-second timestamps, no SQLite-only functions.

CREATE TABLE conversations (
    id          TEXT PRIMARY KEY,
    locale      TEXT NOT NULL,
    page_url    TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE conversation_messages (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    -- 'user' or 'bot'
    role             TEXT NOT NULL CHECK (role IN ('user', 'bot')),
    content          TEXT NOT NULL,
    page_url         TEXT,
    -- JSON array of sources shown with a bot answer
    sources          TEXT,
    confidence       REAL,
    escalated        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       BIGINT NOT NULL
);

CREATE INDEX conversation_messages_by_conversation
    ON conversation_messages (conversation_id, id);
