-- Saved replies ("canned responses") operators insert with "/" in the chat
-- composer: a team's (its members use them) or everyone's (team_id NULL).
CREATE TABLE canned_responses (
    id          TEXT PRIMARY KEY,
    team_id     TEXT REFERENCES teams(id) ON DELETE CASCADE,
    shortcut    TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- One shortcut per team, and one among the replies for everyone.
CREATE UNIQUE INDEX canned_responses_shortcut ON canned_responses (COALESCE(team_id, ''), shortcut);
