-- Sign-in security (the widget identity fix and ending sessions).

-- Each session's user in its own column, so that a password change or a
-- reset can end every session of the account.
ALTER TABLE sessions ADD COLUMN user_id TEXT;
UPDATE sessions SET user_id = json_extract(data, '$.user_id');
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Until now a host's signed user id could be linked to an existing portal
-- account by an unsigned email. Such links (accounts with a password that
-- also carry a host id) are undone, and their widget tokens revoked: the
-- host user confirms the email with a code once to be linked again.
DELETE FROM visitor_tokens WHERE user_id IN (
    SELECT id FROM users WHERE external_id IS NOT NULL AND password_hash IS NOT NULL
);
UPDATE users SET external_id = NULL
 WHERE external_id IS NOT NULL AND password_hash IS NOT NULL;

-- A bot conversation belongs to the browser that started it: it gets a
-- secret key (only its hash is kept), needed with the id to read or continue
-- it. Older conversations have none: only their user and staff read them.
ALTER TABLE conversations ADD COLUMN key_hash TEXT;
