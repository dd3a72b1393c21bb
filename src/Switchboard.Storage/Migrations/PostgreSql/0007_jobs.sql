-- Switchboard schema version 7 (PostgreSQL): the durable job queue behind `switchboard worker` and MCP tasks.
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
