-- Feedback where it is given: a bot answer (helpful or not), a help-center
-- article (helpful or not), an ended live chat (rated 1 to 5). One vote per
-- voter and subject, changeable; a comment is optional.
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('answer', 'article', 'chat')),
    -- A bot message's id, an article's URL, a chat's id.
    subject     TEXT NOT NULL,
    -- A user id, a conversation id (answers), or 'anon:' and a digest of
    -- an anonymous visitor's own random id.
    voter       TEXT NOT NULL,
    helpful     BOOLEAN,
    rating      BIGINT CHECK (rating BETWEEN 1 AND 5),
    comment     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (kind, subject, voter),
    CHECK ((kind = 'chat') = (rating IS NOT NULL)),
    CHECK ((kind = 'chat') = (helpful IS NULL))
);

CREATE INDEX feedback_by_time ON feedback (kind, updated_at);
