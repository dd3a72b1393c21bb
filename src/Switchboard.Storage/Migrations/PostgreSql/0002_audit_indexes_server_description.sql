-- Switchboard schema version 2 (PostgreSQL): audit queries by time and actor; an operator note per server.
CREATE INDEX ix_audit_events_occurred_at ON audit_events (occurred_at);
CREATE INDEX ix_audit_events_actor ON audit_events (actor, seq);
ALTER TABLE servers ADD COLUMN description text NULL;
