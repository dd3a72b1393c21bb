-- Switchboard schema version 6 (SQLite): servers registered at run time, and the tool definitions first seen on
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
