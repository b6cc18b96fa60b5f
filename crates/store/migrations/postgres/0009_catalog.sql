-- The product catalog: price-book entries (a SKU's list price per region and currency) and
-- discount bands (how far a discount may go and who approves it). Kept in step with the other
-- dialect's 0009_catalog.sql.

CREATE TABLE catalog_prices (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    product_id uuid NOT NULL,
    sku        text NOT NULL,
    name       text NOT NULL,
    region     text NOT NULL,
    currency   text NOT NULL,
    list_price text NOT NULL,
    unit       text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sku, region, currency),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

CREATE TABLE catalog_discount_bands (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL,
    product_id    uuid,
    region        text,
    up_to_percent text NOT NULL,
    approval      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['catalog_prices', 'catalog_discount_bands'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())'
            ' WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON catalog_prices, catalog_discount_bands TO agent_army_app;
