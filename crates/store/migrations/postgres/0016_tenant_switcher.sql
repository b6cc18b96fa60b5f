-- The tenant switcher: a person signed in to one business unit may belong to others (a user
-- with the same email and a password there). The serving role sees one tenant at a time, so
-- this function (owned by the schema owner) answers only that question: which business units
-- have an active user with this email who can sign in. Row-level security is forced even on
-- the owner, so it looks inside each tenant in turn with that tenant set, and puts the
-- caller's setting back. Kept in step with the other dialect's 0016_tenant_switcher.sql.

CREATE FUNCTION app_tenants_of_email(address text)
    RETURNS TABLE (id uuid, name text, display_name text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    previous text := current_setting('app.tenant_id', true);
    t record;
BEGIN
    FOR t IN SELECT tenants.id, tenants.name, tenants.display_name FROM tenants ORDER BY tenants.name LOOP
        PERFORM set_config('app.tenant_id', t.id::text, true);
        IF EXISTS (
            SELECT 1 FROM users u
            JOIN user_passwords p ON p.tenant_id = u.tenant_id AND p.user_id = u.id
            WHERE u.tenant_id = t.id AND lower(u.email) = lower(address) AND u.active
        ) THEN
            id := t.id;
            name := t.name;
            display_name := t.display_name;
            RETURN NEXT;
        END IF;
    END LOOP;
    PERFORM set_config('app.tenant_id', coalesce(previous, ''), true);
END
$$;
REVOKE ALL ON FUNCTION app_tenants_of_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_tenants_of_email(text) TO agent_army_app;
