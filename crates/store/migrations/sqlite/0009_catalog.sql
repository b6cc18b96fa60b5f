-- The product catalog: price-book entries (a SKU's list price per region and currency) and
-- discount bands (how far a discount may go and who approves it). Kept in step with the other
-- dialect's 0009_catalog.sql.

CREATE TABLE catalog_prices (
    tenant_id  blob NOT NULL REFERENCES tenants (id),
    id         blob NOT NULL,
    product_id blob NOT NULL,
    sku        text NOT NULL,
    name       text NOT NULL,
    region     text NOT NULL,
    currency   text NOT NULL,
    list_price text NOT NULL,
    unit       text NOT NULL,
    updated_at text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, sku, region, currency),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
) STRICT;

CREATE TABLE catalog_discount_bands (
    tenant_id     blob NOT NULL REFERENCES tenants (id),
    id            blob NOT NULL,
    product_id    blob,
    region        text,
    up_to_percent text NOT NULL,
    approval      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
) STRICT;
