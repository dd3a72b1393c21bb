-- Switchboard schema version 6: reserved for another branch's migration (session 4). This placeholder keeps the
-- numbering gap-free on the 'tasks' branch only; at merge the other branch's 0006 replaces it.
SELECT 1;
