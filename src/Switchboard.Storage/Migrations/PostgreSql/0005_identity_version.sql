-- Switchboard schema version 5 (PostgreSQL): one counter that every change to who may do what moves.
-- Triggers bump it in the same transaction as any change to principals, roles, grants or API keys (but not an API
-- key's last_used_at), whoever makes it: the gateway, the CLI, an import. Each replica reads it about once a second
-- and, when it moved, drops its cached keys and reloads the roles. Not part of exports: it is a signal, not data.
CREATE TABLE identity_version (
    id      integer NOT NULL PRIMARY KEY CHECK (id = 1),
    version bigint  NOT NULL
);
INSERT INTO identity_version (id, version) VALUES (1, 0);

CREATE FUNCTION identity_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

-- Statement-level: one bump per statement however many rows it touches.
CREATE TRIGGER principals_identity_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON principals
    FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER roles_identity_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roles
    FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER principal_roles_identity_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON principal_roles
    FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
CREATE TRIGGER api_keys_identity_version
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, principal_id, name, prefix, hash, created_at, expires_at, revoked_at ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION identity_version_bump();
