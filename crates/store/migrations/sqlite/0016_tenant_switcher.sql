-- The tenant switcher needs no schema on the embedded database, which reads across tenants
-- directly; PostgreSQL gets a function for the serving role (the other dialect's
-- 0016_tenant_switcher.sql). This migration keeps the two dialects' versions in step.

SELECT 1;
