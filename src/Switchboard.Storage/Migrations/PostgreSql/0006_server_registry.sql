-- Switchboard schema version 6 (PostgreSQL): servers registered at run time, and the tool definitions first seen on
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
