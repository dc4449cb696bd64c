-- Help-center articles drafted from a content gap or from resolved tickets,
-- edited by an admin in the console and published into the knowledge-base
-- folder (published_url set once, when the file is written).
CREATE TABLE article_drafts (
    id             TEXT PRIMARY KEY,
    title          TEXT NOT NULL,
    category       TEXT NOT NULL,
    locale         TEXT NOT NULL,
    -- Comma-separated; a tag holds no comma.
    tags           TEXT NOT NULL,
    body           TEXT NOT NULL,
    author_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    published_url  TEXT,
    published_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE INDEX article_drafts_by_time ON article_drafts (updated_at);

-- The tickets a draft was made from: each step is written in their history.
CREATE TABLE article_draft_tickets (
    draft_id   TEXT NOT NULL REFERENCES article_drafts(id) ON DELETE CASCADE,
    ticket_id  TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    PRIMARY KEY (draft_id, ticket_id)
);
