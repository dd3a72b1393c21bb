-- Switchboard schema version 4 (SQLite): the secrets that sign Switchboard's own short-lived service tokens,
-- shared by every replica. Rows are only added; a token names the key that signed it.
CREATE TABLE signing_keys (
    id         TEXT NOT NULL PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
