-- Test-only: "the next release's" migration for the rolling-upgrade test (RollingRestartTests). Never part of the
-- product: scripts/test-deploy.sh copies it, numbered one past the product's latest migration, into a private copy of
-- the tree and publishes that as the next release. It is an expand step, as docs/storage.md asks of every migration:
-- a new table, and a nullable column on the busiest table, which the current release ignores.
CREATE TABLE upgrade_probe (id TEXT NOT NULL PRIMARY KEY, note TEXT NULL);
ALTER TABLE audit_events ADD COLUMN region TEXT NULL;
