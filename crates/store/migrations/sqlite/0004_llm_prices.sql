-- Per-tenant model prices (SQLite). Kept in step with migrations/postgres/0004_llm_prices.sql.
ALTER TABLE llm_settings ADD COLUMN prices text NOT NULL DEFAULT '{}';
