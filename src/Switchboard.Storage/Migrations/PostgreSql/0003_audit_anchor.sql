-- Switchboard schema version 3 (PostgreSQL): the audit prune anchor.
-- Retention deletes the oldest audit events; this one row remembers the last deleted event's seq and hash, so the
-- first remaining event still links to something and `audit verify` can check the chain from there.
CREATE TABLE audit_anchor (
    id           integer     NOT NULL PRIMARY KEY CHECK (id = 1),
    seq          bigint      NOT NULL,
    hash         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    pruned_at    timestamptz NOT NULL,
    pruned_count bigint      NOT NULL
);
