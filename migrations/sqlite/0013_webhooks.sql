-- Admins' webhook endpoints and the deliveries queued for them. A delivery
-- is written in the transaction of the change it reports (the outbox
-- pattern, as emails are) and sent by a worker with retries.
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    -- Comma-separated event types, e.g. "ticket.created,chat.ended".
    events      TEXT NOT NULL,
    -- Signs every delivery (HMAC-SHA256); shown to the admin once.
    secret      TEXT NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    payload          TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    -- A worker's lease on the delivery (0: nobody's).
    claimed_until    BIGINT NOT NULL DEFAULT 0,
    delivered_at     BIGINT,
    -- Given up after the last attempt.
    failed_at        BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    -- The start of the endpoint's last answer.
    last_response    TEXT,
    last_attempt_at  BIGINT,
    created_at       BIGINT NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (webhook_id, id);
