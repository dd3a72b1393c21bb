-- Switchboard schema version 1 (SQLite): identity, audit trail and registered servers.
-- Timestamps are UTC text 'yyyy-MM-ddTHH:mm:ss.ffffffZ' so they sort as they compare; JSON is stored as text.
CREATE TABLE principals (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    display_name TEXT    NULL,
    created_at   TEXT    NOT NULL,
    disabled_at  TEXT    NULL
);

CREATE TABLE roles (
    name        TEXT    NOT NULL PRIMARY KEY,
    description TEXT    NULL,
    permissions TEXT    NOT NULL,
    built_in    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);

CREATE TABLE principal_roles (
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    role_name    TEXT NOT NULL REFERENCES roles (name) ON DELETE CASCADE,
    PRIMARY KEY (principal_id, role_name)
);

CREATE TABLE api_keys (
    id           TEXT NOT NULL PRIMARY KEY,
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NULL,
    revoked_at   TEXT NULL,
    last_used_at TEXT NULL
);
CREATE INDEX ix_api_keys_principal_id ON api_keys (principal_id);

CREATE TABLE audit_events (
    seq         INTEGER NOT NULL PRIMARY KEY,
    occurred_at TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NULL,
    outcome     TEXT    NOT NULL,
    details     TEXT    NULL,
    prev_hash   TEXT    NULL,
    hash        TEXT    NOT NULL
);

CREATE TABLE servers (
    name       TEXT    NOT NULL PRIMARY KEY,
    transport  TEXT    NOT NULL,
    endpoint   TEXT    NOT NULL,
    settings   TEXT    NULL,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);
