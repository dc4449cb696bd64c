-- The operators' side: teams, availability and the queue of chat requests.

CREATE TABLE teams (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id  TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

-- One row per operator who ever set an availability.
CREATE TABLE operator_presence (
    user_id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    availability      TEXT NOT NULL CHECK (availability IN ('available', 'away', 'offline')),
    -- Most live chats at once; 0 means unlimited.
    capacity          INTEGER NOT NULL DEFAULT 5 CHECK (capacity >= 0),
    -- When they last got a chat: ties go to whoever has been idle longest.
    last_assigned_at  BIGINT NOT NULL DEFAULT 0,
    updated_at        BIGINT NOT NULL
);

-- A user's request to chat with a person, from waiting to ended.
CREATE TABLE chat_requests (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- NULL: any operator may take it.
    team_id          TEXT REFERENCES teams(id) ON DELETE SET NULL,
    -- Set when only one operator may take it (the ticket's assignee).
    only_operator    TEXT REFERENCES users(id) ON DELETE SET NULL,
    ticket_id        TEXT REFERENCES tickets(id) ON DELETE SET NULL,
    conversation_id  TEXT REFERENCES conversations(id) ON DELETE SET NULL,
    priority         TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status           TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'active', 'ended', 'cancelled')),
    offered_to       TEXT REFERENCES users(id) ON DELETE SET NULL,
    offered_at       BIGINT,
    operator_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    accepted_at      BIGINT,
    ended_at         BIGINT,
    -- Why it ended: 'user', 'operator' or 'idle'.
    end_reason       TEXT,
    -- The ticket event holding the transcript, rewritten as messages come.
    transcript_event_id  BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE INDEX chat_requests_by_status ON chat_requests (status, created_at);
CREATE INDEX chat_requests_by_operator ON chat_requests (operator_id, status);

-- Operators who declined (or let time out) an offer are not offered it again.
CREATE TABLE chat_declines (
    request_id   TEXT NOT NULL REFERENCES chat_requests(id) ON DELETE CASCADE,
    operator_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (request_id, operator_id)
);

-- Messages of live chats. The id is assigned by the server and increases, so
-- a client that reconnects asks for what came after the last id it saw.
CREATE TABLE chat_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     TEXT NOT NULL REFERENCES chat_requests(id) ON DELETE CASCADE,
    sender_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'system')),
    body        TEXT NOT NULL,
    -- The sender's own id for the message: a resend after a lost ack is
    -- recognised instead of stored twice.
    client_id   TEXT,
    created_at  BIGINT NOT NULL,
    UNIQUE (chat_id, sender_id, client_id)
);

CREATE INDEX chat_messages_by_chat ON chat_messages (chat_id, id);

-- Read receipts: the last message each participant has seen.
CREATE TABLE chat_reads (
    chat_id       TEXT NOT NULL REFERENCES chat_requests(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_id  BIGINT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Admin settings of live chat, one row.
CREATE TABLE live_settings (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    chat_enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    -- 'team': any operator of the ticket's team; 'assignee': only the
    -- operator assigned to the user's ticket.
    chat_with             TEXT NOT NULL DEFAULT 'team' CHECK (chat_with IN ('team', 'assignee')),
    accept_timeout_secs   BIGINT NOT NULL DEFAULT 120,
    idle_timeout_secs     BIGINT NOT NULL DEFAULT 300,
    auto_ticket_secs      BIGINT NOT NULL DEFAULT 120,
    offline_after_secs    BIGINT NOT NULL DEFAULT 120,
    default_capacity      BIGINT NOT NULL DEFAULT 5
);

INSERT INTO live_settings (id) VALUES (1);
