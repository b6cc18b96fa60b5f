-- Hardening: the SECURITY DEFINER function sign-in calls searches only the schema and the
-- session's temporary schema last, so a caller's temporary objects can never shadow the tenant
-- registry inside it. Kept in step with the other dialect's 0016_definer_search_path.sql.

ALTER FUNCTION app_tenant_id_by_name(text) SET search_path = public, pg_temp;
