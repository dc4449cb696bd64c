-- Files in live chats, chats started by an operator from a ticket, new
-- tickets offered to operators, and overdue tickets offered to another one.

-- A chat message may now be a file: kind 'file', the cleaned file name as
-- its body, and the stored file (content-addressed, like ticket
-- attachments). A CHECK cannot be altered in place, so the table is rebuilt
-- with its rows and ids (the AUTOINCREMENT counter follows the copied ids).
CREATE TABLE chat_messages_v2 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id     TEXT NOT NULL REFERENCES chat_requests(id) ON DELETE CASCADE,
    sender_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'system', 'file')),
    body        TEXT NOT NULL,
    client_id   TEXT,
    created_at  BIGINT NOT NULL,
    file_sha256        TEXT,
    file_content_type  TEXT,
    file_size          BIGINT,
    UNIQUE (chat_id, sender_id, client_id),
    CHECK ((kind = 'file') = (file_sha256 IS NOT NULL))
);

INSERT INTO chat_messages_v2 (id, chat_id, sender_id, kind, body, client_id, created_at)
    SELECT id, chat_id, sender_id, kind, body, client_id, created_at FROM chat_messages;

DROP TABLE chat_messages;
ALTER TABLE chat_messages_v2 RENAME TO chat_messages;
CREATE INDEX chat_messages_by_chat ON chat_messages (chat_id, id);

-- An operator asks a ticket's user to chat; the user's widget shows it
-- until they accept or decline, or it expires (2 minutes).
CREATE TABLE chat_invitations (
    id           TEXT PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    operator_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'cancelled')),
    -- The chat that began when the user accepted.
    chat_id      TEXT REFERENCES chat_requests(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    answered_at  BIGINT
);

CREATE INDEX chat_invitations_by_user ON chat_invitations (user_id, status);
CREATE INDEX chat_invitations_by_status ON chat_invitations (status, created_at);

-- When an assigned ticket's response target passes without an answer, offer
-- it to another available operator (off by default: flagged only).
ALTER TABLE live_settings ADD COLUMN reoffer_overdue BOOLEAN NOT NULL DEFAULT FALSE;

-- When an overdue ticket was offered to another operator (once per ticket).
ALTER TABLE tickets ADD COLUMN reoffered_at BIGINT;

-- A new ticket is offered to one available operator at a time, who accepts
-- (and is assigned) or declines (it goes to the next); like chat requests.
CREATE TABLE ticket_offers (
    ticket_id   TEXT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    offered_to  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    offered_at  BIGINT NOT NULL
);

CREATE INDEX ticket_offers_by_operator ON ticket_offers (offered_to);

CREATE TABLE ticket_declines (
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    operator_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, operator_id)
);
