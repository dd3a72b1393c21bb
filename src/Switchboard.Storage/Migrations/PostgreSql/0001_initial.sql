-- Switchboard schema version 1 (PostgreSQL): identity, audit trail and registered servers.
-- JSON is stored as text, not jsonb, so values survive export/import between engines byte for byte.
CREATE TABLE principals (
    id           text        NOT NULL PRIMARY KEY,
    name         text        NOT NULL UNIQUE,
    kind         text        NOT NULL,
    display_name text        NULL,
    created_at   timestamptz NOT NULL,
    disabled_at  timestamptz NULL
);

CREATE TABLE roles (
    name        text        NOT NULL PRIMARY KEY,
    description text        NULL,
    permissions text        NOT NULL,
    built_in    boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL
);

CREATE TABLE principal_roles (
    principal_id text NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    role_name    text NOT NULL REFERENCES roles (name) ON DELETE CASCADE,
    PRIMARY KEY (principal_id, role_name)
);

CREATE TABLE api_keys (
    id           text        NOT NULL PRIMARY KEY,
    principal_id text        NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    prefix       text        NOT NULL UNIQUE,
    hash         text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NULL,
    revoked_at   timestamptz NULL,
    last_used_at timestamptz NULL
);
CREATE INDEX ix_api_keys_principal_id ON api_keys (principal_id);

CREATE TABLE audit_events (
    seq         bigint      NOT NULL PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    target      text        NULL,
    outcome     text        NOT NULL,
    details     text        NULL,
    prev_hash   text        NULL,
    hash        text        NOT NULL
);

CREATE TABLE servers (
    name       text        NOT NULL PRIMARY KEY,
    transport  text        NOT NULL,
    endpoint   text        NOT NULL,
    settings   text        NULL,
    enabled    boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
