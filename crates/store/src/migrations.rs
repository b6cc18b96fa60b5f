//! Embedded migrations. Each version carries its SQLite and its PostgreSQL script, so the two
//! backends stay in step by construction; a test checks the folders hold exactly these files.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

/// Which script of a migration to run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

struct Embedded {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Embedded] = &[
    Embedded {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Embedded {
        version: 2,
        name: "llm_calls",
        sqlite: include_str!("../migrations/sqlite/0002_llm_calls.sql"),
        postgres: include_str!("../migrations/postgres/0002_llm_calls.sql"),
    },
    Embedded {
        version: 3,
        name: "llm_settings",
        sqlite: include_str!("../migrations/sqlite/0003_llm_settings.sql"),
        postgres: include_str!("../migrations/postgres/0003_llm_settings.sql"),
    },
    Embedded {
        version: 4,
        name: "llm_prices",
        sqlite: include_str!("../migrations/sqlite/0004_llm_prices.sql"),
        postgres: include_str!("../migrations/postgres/0004_llm_prices.sql"),
    },
    Embedded {
        version: 5,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0005_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0005_jobs.sql"),
    },
    Embedded {
        version: 6,
        name: "agents",
        sqlite: include_str!("../migrations/sqlite/0006_agents.sql"),
        postgres: include_str!("../migrations/postgres/0006_agents.sql"),
    },
    Embedded {
        version: 7,
        name: "knowledge",
        sqlite: include_str!("../migrations/sqlite/0007_knowledge.sql"),
        postgres: include_str!("../migrations/postgres/0007_knowledge.sql"),
    },
    Embedded {
        version: 8,
        name: "knowledge_vectors",
        sqlite: include_str!("../migrations/sqlite/0008_knowledge_vectors.sql"),
        postgres: include_str!("../migrations/postgres/0008_knowledge_vectors.sql"),
    },
    Embedded {
        version: 9,
        name: "catalog",
        sqlite: include_str!("../migrations/sqlite/0009_catalog.sql"),
        postgres: include_str!("../migrations/postgres/0009_catalog.sql"),
    },
    Embedded {
        version: 10,
        name: "qualification",
        sqlite: include_str!("../migrations/sqlite/0010_qualification.sql"),
        postgres: include_str!("../migrations/postgres/0010_qualification.sql"),
    },
    Embedded {
        version: 11,
        name: "plans",
        sqlite: include_str!("../migrations/sqlite/0011_plans.sql"),
        postgres: include_str!("../migrations/postgres/0011_plans.sql"),
    },
    Embedded {
        version: 12,
        name: "goals",
        sqlite: include_str!("../migrations/sqlite/0012_goals.sql"),
        postgres: include_str!("../migrations/postgres/0012_goals.sql"),
    },
    Embedded {
        version: 13,
        name: "web_sessions",
        sqlite: include_str!("../migrations/sqlite/0013_web_sessions.sql"),
        postgres: include_str!("../migrations/postgres/0013_web_sessions.sql"),
    },
    Embedded {
        version: 14,
        name: "dashboard_indexes",
        sqlite: include_str!("../migrations/sqlite/0014_dashboard_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0014_dashboard_indexes.sql"),
    },
    Embedded {
        version: 15,
        name: "integration_credentials",
        sqlite: include_str!("../migrations/sqlite/0015_integration_credentials.sql"),
        postgres: include_str!("../migrations/postgres/0015_integration_credentials.sql"),
    },
    Embedded {
        version: 16,
        name: "definer_search_path",
        sqlite: include_str!("../migrations/sqlite/0016_definer_search_path.sql"),
        postgres: include_str!("../migrations/postgres/0016_definer_search_path.sql"),
    },
];

/// Every embedded migration version, in order.
pub(crate) fn versions() -> impl Iterator<Item = i64> {
    MIGRATIONS.iter().map(|m| m.version)
}

/// A migrator holding every embedded migration for one dialect.
pub(crate) fn migrator(dialect: Dialect) -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|m| {
            let sql = match dialect {
                Dialect::Sqlite => m.sqlite,
                Dialect::Postgres => m.postgres,
            };
            Migration::new(
                m.version,
                Cow::Borrowed(m.name),
                MigrationType::Simple,
                AssertSqlSafe(sql).into_sql_str(),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dialect: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(dialect);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_backends_have_the_same_versions_and_all_are_embedded() {
        let expected: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(files("sqlite"), expected);
        assert_eq!(files("postgres"), expected);
        for m in MIGRATIONS {
            let count = |sql: &str| sql.matches("CREATE TABLE").count();
            assert_eq!(
                count(m.sqlite),
                count(m.postgres),
                "migration {} creates different tables",
                m.version
            );
        }
    }
}
