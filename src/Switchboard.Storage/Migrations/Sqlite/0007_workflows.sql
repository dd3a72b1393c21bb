-- Switchboard schema version 7 (SQLite), additive: the workflow engine (docs/workflows.md).
-- Definitions, versioned per name: the source as submitted (YAML or JSON), kept verbatim so errors and `show` point
-- at the author's own lines.
CREATE TABLE workflows (
    name       TEXT        NOT NULL,
    version    INTEGER     NOT NULL,
    source     TEXT        NOT NULL,
    created_by TEXT        NOT NULL,
    created_at TEXT        NOT NULL,
    PRIMARY KEY (name, version)
);

-- One row per run. Every change to a run and its steps happens in one transaction holding this row's lock, so each
-- state transition happens exactly once whichever worker makes it.
CREATE TABLE workflow_runs (
    id              TEXT        NOT NULL PRIMARY KEY,
    workflow        TEXT        NOT NULL,
    version         INTEGER     NOT NULL,
    principal_id    TEXT        NOT NULL,
    principal_roles TEXT        NOT NULL DEFAULT '[]',
    inputs          TEXT        NOT NULL,
    state           TEXT        NOT NULL CHECK (state IN ('running', 'compensating', 'completed', 'failed', 'cancelled')),
    error           TEXT        NULL,
    created_at      TEXT        NOT NULL,
    updated_at      TEXT        NOT NULL,
    finished_at     TEXT        NULL
);
CREATE INDEX workflow_runs_principal ON workflow_runs (principal_id, created_at);

-- One row per step execution: a declared step, one item of a fan-out (`key` = `step[3]`), or a compensation
-- (`step~compensate`). Its input is written before it runs and its output before any later step starts.
CREATE TABLE workflow_steps (
    run_id      TEXT        NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    key         TEXT        NOT NULL,
    step        TEXT        NOT NULL,
    position    INTEGER     NOT NULL,
    state       TEXT        NOT NULL CHECK (state IN ('pending', 'scheduled', 'running', 'waiting', 'completed', 'failed', 'skipped', 'cancelled')),
    attempt     INTEGER     NOT NULL DEFAULT 0,
    run_at      TEXT        NULL,
    input       TEXT        NULL,
    output      TEXT        NULL,
    error       TEXT        NULL,
    started_at  TEXT        NULL,
    finished_at TEXT        NULL,
    PRIMARY KEY (run_id, key)
);

-- What SSE streams: each run and step state change, in order.
CREATE TABLE workflow_events (
    id     INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
    run_id TEXT        NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
    at     TEXT        NOT NULL,
    step   TEXT        NULL,
    state  TEXT        NOT NULL,
    detail TEXT        NULL
);
CREATE INDEX workflow_events_run ON workflow_events (run_id, id);
