-- Switchboard schema version 7 (PostgreSQL), additive: the workflow engine (docs/workflows.md).
-- Definitions, versioned per name: the source as submitted (YAML or JSON), kept verbatim so errors and `show` point
-- at the author's own lines.
CREATE TABLE workflows (
    name       text        NOT NULL,
    version    integer     NOT NULL,
    source     text        NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (name, version)
);

-- One row per run. Every change to a run and its steps happens in one transaction holding this row's lock, so each
-- state transition happens exactly once whichever worker makes it.
CREATE TABLE workflow_runs (
    id              text        NOT NULL PRIMARY KEY,
    workflow        text        NOT NULL,
    version         integer     NOT NULL,
    principal_id    text        NOT NULL,
    principal_roles text        NOT NULL DEFAULT '[]',
    inputs          text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('running', 'compensating', 'completed', 'failed', 'cancelled')),
    error           text        NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    finished_at     timestamptz NULL
);
CREATE INDEX workflow_runs_principal ON workflow_runs (principal_id, created_at);

-- One row per step execution: a declared step, one item of a fan-out (`key` = `step[3]`), or a compensation
-- (`step~compensate`). Its input is written before it runs and its output before any later step starts.
CREATE TABLE workflow_steps (
    run_id      text        NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    key         text        NOT NULL,
    step        text        NOT NULL,
    position    integer     NOT NULL,
    state       text        NOT NULL CHECK (state IN ('pending', 'scheduled', 'running', 'waiting', 'completed', 'failed', 'skipped', 'cancelled')),
    attempt     integer     NOT NULL DEFAULT 0,
    run_at      timestamptz NULL,
    input       text        NULL,
    output      text        NULL,
    error       text        NULL,
    started_at  timestamptz NULL,
    finished_at timestamptz NULL,
    PRIMARY KEY (run_id, key)
);

-- What SSE streams: each run and step state change, in order.
CREATE TABLE workflow_events (
    id     bigserial   NOT NULL PRIMARY KEY,
    run_id text        NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    at     timestamptz NOT NULL,
    step   text        NULL,
    state  text        NOT NULL,
    detail text        NULL
);
CREATE INDEX workflow_events_run ON workflow_events (run_id, id);
