-- Switchboard schema version 9 (PostgreSql), additive: the credential that started a run (docs/workflows.md). The public
-- prefix of the API key a caller authenticated with, directly or through a service token; the run's tool calls are
-- refused once that key is revoked or expires. NULL for a run started without one (a JWT caller) and for runs
-- started before this version: nothing to revoke.
ALTER TABLE workflow_runs ADD COLUMN credential text NULL;
