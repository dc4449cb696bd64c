-- Operators' internal notes inside a chat: delivered to staff only, and
-- copied to the chat's ticket as internal notes (note_event_id: that copy,
-- so a note is copied once however often the transcript is rewritten).
ALTER TABLE chat_messages ADD COLUMN internal BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE chat_messages ADD COLUMN note_event_id BIGINT;
