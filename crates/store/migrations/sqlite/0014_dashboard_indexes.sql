-- Indexes the dashboard's counts read: what the agents ran, proposed and had approved since a
-- moment, grouped by role, from the index alone. Kept in step with the other dialect's
-- 0014_dashboard_indexes.sql.

CREATE INDEX agent_runs_started ON agent_runs (tenant_id, started_at, role, skill, status);
CREATE INDEX agent_actions_created ON agent_actions (tenant_id, created_at, role, decision);
CREATE INDEX approvals_requested ON approvals (tenant_id, requested_at, role, status, edited);
