//! Temporary databases for tests: a SQLite file in a temporary directory, or a fresh PostgreSQL
//! database named `aa_test_<uuid>` (`.ci/run` drops leftovers before each run).

use domain::id::TenantId;
use sqlx::{Connection, Executor, Row};

use crate::Backend;

/// Tenant-owned tables, each with a `tenant_id` column.
pub const TENANT_TABLES: &[&str] = &[
    "regions",
    "users",
    "api_keys",
    "products",
    "accounts",
    "account_domains",
    "contacts",
    "contact_relationships",
    "opportunities",
    "opportunity_products",
    "stage_changes",
    "activities",
    "tasks",
    "events",
    "idempotency_keys",
    "llm_calls",
    "llm_settings",
    "agent_runs",
    "agent_actions",
    "approvals",
    "outbox",
    "guardrail_policies",
    "dead_letters",
    "knowledge_state",
    "knowledge_documents",
    "knowledge_chunks",
    "knowledge_vectors",
    "catalog_prices",
    "catalog_discount_bands",
    "qualification_scorecards",
    "plans",
    "quotas",
    "rep_personas",
    "user_passwords",
    "web_sessions",
    "integration_credentials",
];

/// Tables shared by tenants (no row-level security) whose rows still name a tenant; snapshots
/// include each tenant's rows.
pub const SHARED_TABLES_WITH_TENANT: &[&str] = &["jobs"];

/// A database that lives as long as the test.
pub enum TestDb {
    Sqlite {
        dir: tempfile::TempDir,
    },
    /// `url` is the owner's; `server_url` the serving login's (the owner's when no separate login
    /// is configured).
    Postgres {
        url: String,
        server_url: String,
        name: String,
    },
}

impl TestDb {
    /// Creates an empty database for `backend`.
    pub async fn create(backend: &Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => Ok(Self::Sqlite {
                dir: tempfile::tempdir()?,
            }),
            Backend::Postgres { admin_url } => {
                let name = format!("aa_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = sqlx::PgConnection::connect(admin_url).await?;
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await?;
                conn.close().await?;
                let url = replace_db_name(admin_url, &name);
                let server_url = match std::env::var(crate::TEST_SERVER_LOGIN_ENV) {
                    Ok(login) if login.contains(':') => replace_login(&url, &login),
                    _ => url.clone(),
                };
                Ok(Self::Postgres {
                    url,
                    server_url,
                    name,
                })
            }
        }
    }

    /// How the store reaches this database.
    pub fn connect_options(&self) -> store::ConnectOptions {
        match self {
            Self::Sqlite { .. } => store::ConnectOptions {
                url: self.url(),
                operator_url: None,
                max_connections: 4,
            },
            Self::Postgres {
                url, server_url, ..
            } => store::ConnectOptions {
                url: server_url.clone(),
                operator_url: Some(url.clone()),
                max_connections: 4,
            },
        }
    }

    /// The URL the server connects with: on PostgreSQL the serving login when
    /// `AGENT_ARMY_TEST_SERVER_LOGIN` names one, else the owner.
    pub fn server_url(&self) -> String {
        match self {
            Self::Postgres { server_url, .. } => server_url.clone(),
            Self::Sqlite { .. } => self.url(),
        }
    }

    /// The database URL (`sqlite:PATH` or `postgres://…`).
    pub fn url(&self) -> String {
        match self {
            Self::Sqlite { dir } => {
                format!("sqlite:{}", dir.path().join("agent-army.db").display())
            }
            Self::Postgres { url, .. } => url.clone(),
        }
    }

    /// The PostgreSQL database name, if any.
    pub fn postgres_name(&self) -> Option<&str> {
        match self {
            Self::Postgres { name, .. } => Some(name),
            Self::Sqlite { .. } => None,
        }
    }

    /// Every row of the tenants registry and of each tenant table for these tenants, as text.
    pub async fn snapshot(&self, tenants: &[TenantId]) -> anyhow::Result<String> {
        let mut out = String::new();
        match self {
            Self::Sqlite { dir } => {
                let path = dir.path().join("agent-army.db");
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display())).await?;
                let mut dump = async |table: &str,
                                      tenant: Option<TenantId>,
                                      out: &mut String|
                       -> anyhow::Result<()> {
                    let columns: Vec<String> =
                        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA table_info({table})")))
                            .fetch_all(&mut conn)
                            .await?
                            .iter()
                            .map(|r| r.get::<String, _>("name"))
                            .collect();
                    let row_text = columns
                        .iter()
                        .map(|c| format!("quote({c})"))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    let filter = if tenant.is_some() {
                        " WHERE tenant_id = ?1"
                    } else {
                        ""
                    };
                    let sql =
                        format!("SELECT {row_text} AS row_text FROM {table}{filter} ORDER BY 1");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(tenant.map(|t| t.as_uuid()))
                        .fetch_all(&mut conn)
                        .await?;
                    match tenant {
                        Some(t) => out.push_str(&format!("## {t} {table}\n")),
                        None => out.push_str(&format!("## {table}\n")),
                    }
                    for row in rows {
                        out.push_str(&row.get::<String, _>("row_text"));
                        out.push('\n');
                    }
                    Ok(())
                };
                dump("tenants", None, &mut out).await?;
                for tenant in tenants {
                    for table in TENANT_TABLES.iter().chain(SHARED_TABLES_WITH_TENANT) {
                        dump(table, Some(*tenant), &mut out).await?;
                    }
                }
                conn.close().await?;
            }
            Self::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let tenants_rows =
                    sqlx::query("SELECT t::text AS row_text FROM tenants t ORDER BY 1")
                        .fetch_all(&mut conn)
                        .await?;
                out.push_str("## tenants\n");
                for row in tenants_rows {
                    out.push_str(&row.get::<String, _>("row_text"));
                    out.push('\n');
                }
                for tenant in tenants {
                    let mut tx = conn.begin().await?;
                    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                        .bind(tenant.to_string())
                        .execute(&mut *tx)
                        .await?;
                    for table in TENANT_TABLES.iter().chain(SHARED_TABLES_WITH_TENANT) {
                        let sql = format!(
                            "SELECT t::text AS row_text FROM {table} t WHERE tenant_id = $1 ORDER BY 1"
                        );
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(tenant.as_uuid())
                            .fetch_all(&mut *tx)
                            .await?;
                        out.push_str(&format!("## {tenant} {table}\n"));
                        for row in rows {
                            out.push_str(&row.get::<String, _>("row_text"));
                            out.push('\n');
                        }
                    }
                    tx.commit().await?;
                }
                conn.close().await?;
            }
        }
        Ok(out)
    }
}

/// `postgres://old:pw@h/db` with the login replaced by `user:password`.
fn replace_login(url: &str, login: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, host))) => format!("{scheme}://{login}@{host}"),
        _ => url.to_owned(),
    }
}

/// `postgres://u:p@h:5432/old?x` with the database name replaced.
fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_and_path = &base[scheme_end..];
    let prefix = match host_and_path.find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_db_name("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(
            replace_db_name("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            replace_login("postgres://a:b@h:1/db", "s:p"),
            "postgres://s:p@h:1/db"
        );
    }
}
