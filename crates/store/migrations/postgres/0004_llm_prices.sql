-- Per-tenant model prices (PostgreSQL). Kept in step with migrations/sqlite/0004_llm_prices.sql.
ALTER TABLE llm_settings ADD COLUMN prices jsonb NOT NULL DEFAULT '{}'::jsonb;
