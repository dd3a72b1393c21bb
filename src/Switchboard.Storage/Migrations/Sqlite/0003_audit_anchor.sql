-- Switchboard schema version 3 (SQLite): the audit prune anchor.
-- Retention deletes the oldest audit events; this one row remembers the last deleted event's seq and hash, so the
-- first remaining event still links to something and `audit verify` can check the chain from there.
CREATE TABLE audit_anchor (
    id           INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq          INTEGER NOT NULL,
    hash         TEXT    NOT NULL,
    occurred_at  TEXT    NOT NULL,
    pruned_at    TEXT    NOT NULL,
    pruned_count INTEGER NOT NULL
);
