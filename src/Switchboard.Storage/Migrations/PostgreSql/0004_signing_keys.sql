-- Switchboard schema version 4 (PostgreSQL): the secrets that sign Switchboard's own short-lived service tokens,
-- shared by every replica. Rows are only added; a token names the key that signed it.
CREATE TABLE signing_keys (
    id         text        NOT NULL PRIMARY KEY,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL
);
