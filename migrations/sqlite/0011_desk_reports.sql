-- The desk's reports read tickets and chat requests by when they came.
CREATE INDEX tickets_by_created ON tickets (created_at);
CREATE INDEX chat_requests_by_created ON chat_requests (created_at);
CREATE INDEX ticket_events_by_kind_time ON ticket_events (kind, created_at);
