-- The ticket type the bot suggested when it escalated: a chat that follows
-- the escalation opens its ticket with it (NULL: no escalation, or older).
ALTER TABLE conversation_messages ADD COLUMN ticket_type TEXT;
