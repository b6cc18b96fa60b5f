-- Nothing to do on the embedded database, which has no database functions; PostgreSQL hardens
-- its sign-in function here (the other dialect's 0016_definer_search_path.sql). This migration
-- keeps the two dialects' versions in step.

SELECT 1;
