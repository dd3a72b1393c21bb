-- Switchboard schema version 6 (SQLite), one release's additive changes: servers registered at run time, and the tool definitions first seen on
-- each remote server (rug-pull protection, docs/federation.md). A counter moves in the same transaction as any change
-- to either table, whoever makes it (a replica, the CLI); each replica reads it about once a second and, when it moved,
-- mounts, unmounts or re-pins what changed. Not part of exports: it is a signal, not data.
CREATE TABLE registry_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

-- One row per tool of a remote server: the approved definition's hash (SHA-256 of its name, description, schemas
-- and annotations, bound to the upstream's address), and the hash of a changed definition awaiting approval.
CREATE TABLE tool_pins (
    server        TEXT NOT NULL,
    tool          TEXT NOT NULL,
    hash          TEXT NOT NULL,
    pending_hash  TEXT NULL,
    first_seen_at TEXT NOT NULL,
    changed_at    TEXT NULL,
    PRIMARY KEY (server, tool)
);

CREATE TRIGGER servers_insert_registry_version AFTER INSERT ON servers
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER servers_update_registry_version AFTER UPDATE ON servers
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER servers_delete_registry_version AFTER DELETE ON servers
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER tool_pins_insert_registry_version AFTER INSERT ON tool_pins
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tool_pins_update_registry_version AFTER UPDATE ON tool_pins
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER tool_pins_delete_registry_version AFTER DELETE ON tool_pins
BEGIN UPDATE registry_version SET version = version + 1 WHERE id = 1; END;

-- Also in version 6 (SQLite): the durable job queue behind `switchboard worker` and MCP tasks.
-- One row per job; the database is the source of truth. One process claims ready rows under the write lock, holds
-- them under a lease (lease_token + lease_expires_at) that a heartbeat renews, and finish them with an UPDATE fenced
-- by that token, so each state change happens exactly once whatever crashes (docs/queue.md).
CREATE TABLE jobs (
    id               TEXT        NOT NULL PRIMARY KEY,
    kind             TEXT        NOT NULL,
    principal_id     TEXT        NOT NULL,
    principal_roles  TEXT        NOT NULL DEFAULT '[]',
    payload          TEXT        NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('queued', 'running', 'input_required', 'completed', 'failed', 'cancelled', 'dead')),
    priority         INTEGER     NOT NULL DEFAULT 0,
    run_at           TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL DEFAULT 0,
    max_attempts     INTEGER     NOT NULL,
    lease_owner      TEXT        NULL,
    lease_token      TEXT        NULL,
    lease_expires_at TEXT        NULL,
    idempotency_key  TEXT        NULL,
    cancel_requested INTEGER     NOT NULL DEFAULT 0,
    input_requests   TEXT        NULL,
    input_responses  TEXT        NULL,
    result           TEXT        NULL,
    error            TEXT        NULL,
    last_error       TEXT        NULL,
    created_at       TEXT        NOT NULL,
    updated_at       TEXT        NOT NULL,
    finished_at      TEXT        NULL,
    expires_at       TEXT        NULL
);

-- The claim's scan: ready rows by priority then due time; leased rows by expiry (taken over when a worker died).
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';
-- Retention sweeps finished rows by expiry.
CREATE INDEX jobs_expires ON jobs (expires_at) WHERE expires_at IS NOT NULL;
-- One job per principal and idempotency key: a retried enqueue returns the first job.
CREATE UNIQUE INDEX jobs_idempotency ON jobs (principal_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
