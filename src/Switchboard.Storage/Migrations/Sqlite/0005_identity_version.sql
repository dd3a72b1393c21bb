-- Switchboard schema version 5 (SQLite): one counter that every change to who may do what moves.
-- Triggers bump it in the same transaction as any change to principals, roles, grants or API keys (but not an API
-- key's last_used_at), whoever makes it: the gateway, the CLI, an import. Each replica reads it about once a second
-- and, when it moved, drops its cached keys and reloads the roles. Not part of exports: it is a signal, not data.
CREATE TABLE identity_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE TRIGGER principals_insert_identity_version AFTER INSERT ON principals
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER principals_update_identity_version AFTER UPDATE ON principals
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER principals_delete_identity_version AFTER DELETE ON principals
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER roles_insert_identity_version AFTER INSERT ON roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER roles_update_identity_version AFTER UPDATE ON roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER roles_delete_identity_version AFTER DELETE ON roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER principal_roles_insert_identity_version AFTER INSERT ON principal_roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER principal_roles_update_identity_version AFTER UPDATE ON principal_roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER principal_roles_delete_identity_version AFTER DELETE ON principal_roles
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER api_keys_insert_identity_version AFTER INSERT ON api_keys
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_update_identity_version
AFTER UPDATE OF id, principal_id, name, prefix, hash, created_at, expires_at, revoked_at ON api_keys
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_delete_identity_version AFTER DELETE ON api_keys
BEGIN UPDATE identity_version SET version = version + 1 WHERE id = 1; END;
