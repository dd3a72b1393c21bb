-- Switchboard schema version 6 (PostgreSQL), one release's additive changes: servers registered at run time, and the tool definitions first seen on
-- each remote server (rug-pull protection, docs/federation.md). A counter moves in the same transaction as any change
-- to either table, whoever makes it (a replica, the CLI); each replica reads it about once a second and, when it moved,
-- mounts, unmounts or re-pins what changed. Not part of exports: it is a signal, not data.
CREATE TABLE registry_version (
    id      integer NOT NULL PRIMARY KEY CHECK (id = 1),
    version bigint  NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 0);

-- One row per tool of a remote server: the approved definition's hash (SHA-256 of its name, description, schemas
-- and annotations, bound to the upstream's address), and the hash of a changed definition awaiting approval.
CREATE TABLE tool_pins (
    server        text        NOT NULL,
    tool          text        NOT NULL,
    hash          text        NOT NULL,
    pending_hash  text        NULL,
    first_seen_at timestamptz NOT NULL,
    changed_at    timestamptz NULL,
    PRIMARY KEY (server, tool)
);

CREATE FUNCTION registry_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER servers_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON servers
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();
CREATE TRIGGER tool_pins_registry_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tool_pins
    FOR EACH STATEMENT EXECUTE FUNCTION registry_version_bump();

-- Also in version 6 (PostgreSQL): the durable job queue behind `switchboard worker` and MCP tasks.
-- One row per job; the database is the source of truth. Workers claim ready rows with FOR UPDATE SKIP LOCKED, hold
-- them under a lease (lease_token + lease_expires_at) that a heartbeat renews, and finish them with an UPDATE fenced
-- by that token, so each state change happens exactly once whatever crashes (docs/queue.md).
CREATE TABLE jobs (
    id               text        NOT NULL PRIMARY KEY,
    kind             text        NOT NULL,
    principal_id     text        NOT NULL,
    principal_roles  text        NOT NULL DEFAULT '[]',
    payload          text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('queued', 'running', 'input_required', 'completed', 'failed', 'cancelled', 'dead')),
    priority         integer     NOT NULL DEFAULT 0,
    run_at           timestamptz NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    max_attempts     integer     NOT NULL,
    lease_owner      text        NULL,
    lease_token      text        NULL,
    lease_expires_at timestamptz NULL,
    idempotency_key  text        NULL,
    cancel_requested boolean     NOT NULL DEFAULT false,
    input_requests   text        NULL,
    input_responses  text        NULL,
    result           text        NULL,
    error            text        NULL,
    last_error       text        NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    finished_at      timestamptz NULL,
    expires_at       timestamptz NULL
);

-- The claim's scan: ready rows by priority then due time; leased rows by expiry (taken over when a worker died).
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'running';
-- Retention sweeps finished rows by expiry.
CREATE INDEX jobs_expires ON jobs (expires_at) WHERE expires_at IS NOT NULL;
-- One job per principal and idempotency key: a retried enqueue returns the first job.
CREATE UNIQUE INDEX jobs_idempotency ON jobs (principal_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
