-- Accounts, sessions, tickets, attachments and the email outbox.
-- Portable SQL as in 0001: TEXT ids (random, 128 bits, hex), BIGINT unix
-- seconds, BOOLEAN, no SQLite-only functions in the queries.

CREATE TABLE organisations (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    -- Monthly support allowance, in minutes (0: no allowance).
    monthly_minutes        BIGINT NOT NULL DEFAULT 0 CHECK (monthly_minutes >= 0),
    -- Whether members may read each other's tickets.
    members_share_tickets  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at             BIGINT NOT NULL
);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    -- Stored lower-cased; the login name.
    email              TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL DEFAULT '',
    role               TEXT NOT NULL CHECK (role IN ('end_user', 'operator', 'admin')),
    -- NULL until the invitation is accepted (or for widget-only users).
    password_hash      TEXT,
    locale             TEXT NOT NULL DEFAULT 'en',
    organisation_id    TEXT REFERENCES organisations(id) ON DELETE SET NULL,
    -- The host product's user id, for widget identity verification.
    external_id        TEXT UNIQUE,
    notify_status      BOOLEAN NOT NULL DEFAULT TRUE,
    notify_replies     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         BIGINT NOT NULL,
    last_login_at      BIGINT,
    previous_login_at  BIGINT
);

-- Invitation and password-reset links. Only a hash of the token is kept, so
-- a leaked database grants nothing.
CREATE TABLE one_time_tokens (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    created_at  BIGINT NOT NULL
);

-- Six-digit codes confirming an anonymous widget visitor's email.
CREATE TABLE email_codes (
    id          TEXT PRIMARY KEY,
    email       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    created_at  BIGINT NOT NULL
);

CREATE INDEX email_codes_by_email ON email_codes (email, created_at);

-- A widget browser recognised after identity verification or an email code.
CREATE TABLE visitor_tokens (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- tower-sessions records, as JSON.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    data         TEXT NOT NULL,
    expiry_date  BIGINT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expiry_date);

-- Human-friendly ticket numbers come from one counter row, incremented with
-- a single UPDATE … RETURNING, atomic on both SQLite and PostgreSQL.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);

INSERT INTO counters (name, value) VALUES ('ticket_number', 1000);

CREATE TABLE tickets (
    id                  TEXT PRIMARY KEY,
    number              BIGINT NOT NULL UNIQUE,
    requester_id        TEXT NOT NULL REFERENCES users(id),
    organisation_id     TEXT REFERENCES organisations(id) ON DELETE SET NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('bug_report', 'feature_request', 'settings_help')),
    priority            TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status              TEXT NOT NULL CHECK (status IN ('new', 'in_analysis', 'assigned', 'feedback', 'resolved', 'closed')),
    summary             TEXT NOT NULL,
    description         TEXT NOT NULL,
    category            TEXT,
    reproducibility     TEXT CHECK (reproducibility IN ('always', 'sometimes', 'once', 'not_tried')),
    impact              TEXT CHECK (impact IN ('one_user', 'several_users', 'everyone', 'cosmetic')),
    steps               TEXT,
    additional_info     TEXT,
    assignee_id         TEXT REFERENCES users(id) ON DELETE SET NULL,
    conversation_id     TEXT REFERENCES conversations(id) ON DELETE SET NULL,
    page_url            TEXT,
    source              TEXT NOT NULL CHECK (source IN ('widget', 'portal', 'api', 'chat')),
    -- When the first operator answer is due (from the priority's target).
    response_due_at     BIGINT NOT NULL,
    first_response_at   BIGINT,
    resolved_at         BIGINT,
    -- When a resolved ticket is closed automatically.
    closes_at           BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE INDEX tickets_by_requester ON tickets (requester_id, updated_at);
CREATE INDEX tickets_by_queue ON tickets (status, response_due_at);
CREATE INDEX tickets_by_closing ON tickets (closes_at);

-- The ticket's history: replies, internal notes and every change, with who
-- (NULL: the system) and when.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('created', 'reply', 'note', 'status', 'priority', 'assignee', 'field', 'time', 'transcript')),
    -- Only public events are shown to the requester.
    public      BOOLEAN NOT NULL,
    body        TEXT,
    field       TEXT,
    old_value   TEXT,
    new_value   TEXT,
    created_at  BIGINT NOT NULL
);

CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    event_id      BIGINT REFERENCES ticket_events(id) ON DELETE SET NULL,
    uploader_id   TEXT REFERENCES users(id) ON DELETE SET NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE INDEX attachments_by_ticket ON attachments (ticket_id);

-- Time operators spent on a ticket, charged to the organisation's allowance.
CREATE TABLE time_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    operator_id  TEXT REFERENCES users(id) ON DELETE SET NULL,
    minutes      BIGINT NOT NULL CHECK (minutes > 0),
    -- 'YYYY-MM', the month the time is charged to.
    month        TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE INDEX time_entries_by_month ON time_entries (month);

-- Notifications to send, written in the same transaction as the change that
-- causes them; a background worker sends and marks them.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient        TEXT NOT NULL,
    recipient_name   TEXT,
    locale           TEXT NOT NULL,
    payload          TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    -- A worker's claim, so two workers never send the same message.
    claimed_until    BIGINT NOT NULL DEFAULT 0,
    sent_at          BIGINT,
    failed_at        BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);

CREATE INDEX outbox_pending ON outbox (sent_at, failed_at, next_attempt_at);

ALTER TABLE conversations ADD COLUMN user_id TEXT REFERENCES users(id) ON DELETE SET NULL;
