-- Switchboard schema version 8 (PostgreSql), additive: the lineage of runs a Von Neumann agent starts as copies of itself
-- (docs/agents.md). All NULL for a run nobody else started. A copy's row is written with its lineage in the
-- transaction that creates it, so a copy never runs without knowing its depth and its share of the tree's bounds.
ALTER TABLE workflow_runs ADD COLUMN parent_run_id text NULL;   -- the run that started this one
ALTER TABLE workflow_runs ADD COLUMN root_run_id   text NULL;   -- the tree's first run
ALTER TABLE workflow_runs ADD COLUMN depth         integer NULL;   -- 1 for the root's children, 2 for theirs, ...
ALTER TABLE workflow_runs ADD COLUMN allotment     text NULL;   -- JSON: this copy's share of the tree's budget and copies
CREATE INDEX workflow_runs_root ON workflow_runs (root_run_id);
CREATE INDEX workflow_runs_parent ON workflow_runs (parent_run_id);
