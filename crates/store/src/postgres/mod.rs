//! The PostgreSQL backend, for production. Two pools:
//! - the application pool switches every connection to the `agent_army_app` role, which owns
//!   nothing and cannot bypass row-level security, and sets `app.tenant_id` with
//!   `set_config(..., true)` at the start of every transaction, so nothing carries over between
//!   pooled uses;
//! - the operator pool connects as the configured (owner) role, for migrations and the tenant
//!   registry.

use std::time::Duration;

use domain::id::TenantId;
use rust_decimal::Decimal;
use sqlx::Executor;
use sqlx::postgres::{PgPool, PgPoolOptions};
use uuid::Uuid;

use crate::context::{Idempotency, StoredResponse, WriteCtx};
use crate::error::{Error, Result};
use crate::query::{Filter, ListQuery, Order, Page, like_pattern};
use crate::resource::{Reference, Resource};
use crate::value::SqlValue;

pub(crate) type Db = sqlx::Postgres;
type DbRow = sqlx::postgres::PgRow;

const FOR_UPDATE: &str = " FOR UPDATE";
/// Replicas claiming at once each take different rows.
const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
/// A new random id in SQL.
const NEW_ID_EXPR: &str = "gen_random_uuid()";
/// The channel replicas listen on for new jobs.
pub const JOBS_CHANNEL: &str = "agent_army_jobs";

/// Wakes every listening replica when the transaction commits (PostgreSQL folds repeats within a
/// transaction into one notification).
async fn notify_jobs(conn: &mut Conn) -> Result<()> {
    sqlx::query("SELECT pg_notify('agent_army_jobs', '')")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The UTC day of a timestamp.
const DAY_EXPR: &str = "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')";

/// The role the server acts as; created by the first migration.
pub const APP_ROLE: &str = "agent_army_app";

/// A PostgreSQL database.
pub struct Backend {
    app: PgPool,
    operator: PgPool,
}

impl Backend {
    /// Prepares both pools; connections open on first use (after migrations created the role).
    pub(crate) fn open(url: &str, operator_url: &str, max_connections: u32) -> Result<Self> {
        let app = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("SET ROLE agent_army_app").await?;
                    conn.execute("SET statement_timeout = '30s'").await?;
                    // Tenants differ wildly in size, so a generic plan tuned to the average tenant
                    // or parent object is wrong for the small ones; plan with the real values.
                    conn.execute("SET plan_cache_mode = force_custom_plan")
                        .await?;
                    Ok(())
                })
            })
            .connect_lazy(url)?;
        let operator = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy(operator_url)?;
        Ok(Self { app, operator })
    }

    /// Applies pending migrations as the operator (schema owner).
    pub(crate) async fn migrate(&self) -> Result<()> {
        crate::migrations::migrator(crate::migrations::Dialect::Postgres)
            .run(&self.operator)
            .await?;
        Ok(())
    }

    /// Whether every embedded migration is applied. Readable by the serving login (the first
    /// migration grants it), so a server that owns nothing can start on a migrated database.
    pub(crate) async fn is_migrated(&self) -> bool {
        let applied: Result<Vec<i64>, sqlx::Error> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.app)
        .await;
        applied.is_ok_and(|done| crate::migrations::versions().all(|v| done.contains(&v)))
    }

    /// Ways the serving login is stronger than it should be: a superuser, a role that bypasses
    /// row-level security, or the owner of the tables. Each is still walled by `SET ROLE`, but a
    /// production server should connect as a login that is only a member of `agent_army_app`.
    pub(crate) async fn login_warnings(&self) -> Result<Vec<String>> {
        let row = sqlx::query(
            "SELECT session_user::text AS login, r.rolsuper, r.rolbypassrls, \
             (SELECT count(*) FROM pg_tables t WHERE t.schemaname = 'public' AND t.tableowner = session_user) AS owned \
             FROM pg_roles r WHERE r.rolname = session_user",
        )
        .fetch_one(&self.app)
        .await?;
        let login: String = sqlx::Row::try_get(&row, "login")?;
        let mut warnings = Vec::new();
        if sqlx::Row::try_get::<bool, _>(&row, "rolsuper")? {
            warnings.push(format!("the database login {login:?} is a superuser"));
        }
        if sqlx::Row::try_get::<bool, _>(&row, "rolbypassrls")? {
            warnings.push(format!(
                "the database login {login:?} can bypass row-level security"
            ));
        }
        if sqlx::Row::try_get::<i64, _>(&row, "owned")? > 0 {
            warnings.push(format!("the database login {login:?} owns the tables"));
        }
        Ok(warnings)
    }

    /// Checks the database answers as the application role, and that this role is subject to
    /// row-level security.
    pub(crate) async fn ping(&self) -> Result<()> {
        let row = sqlx::query(
            "SELECT current_user::text AS role, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&self.app)
        .await?;
        let role: String = sqlx::Row::try_get(&row, "role")?;
        let is_super: bool = sqlx::Row::try_get(&row, "rolsuper")?;
        let bypasses: bool = sqlx::Row::try_get(&row, "rolbypassrls")?;
        if role != APP_ROLE || is_super || bypasses {
            return Err(Error::Internal(format!(
                "the application connection runs as {role:?} (superuser: {is_super}, bypassrls: {bypasses}); \
                 it must be {APP_ROLE:?} without either"
            )));
        }
        Ok(())
    }

    /// Closes both pools.
    pub(crate) async fn close(&self) {
        self.app.close().await;
        self.operator.close().await;
    }

    /// A transaction scoped to the tenant: `app.tenant_id` lives only as long as it.
    async fn begin_read(&self, tenant: TenantId) -> Result<ReadConn> {
        let mut tx = self.app.begin().await?;
        set_tenant(&mut tx, tenant).await?;
        Ok(tx)
    }

    async fn begin_write(&self, tenant: TenantId) -> Result<sqlx::Transaction<'static, Db>> {
        self.begin_read(tenant).await
    }

    async fn begin_platform_write(
        &self,
        tenant: TenantId,
    ) -> Result<sqlx::Transaction<'static, Db>> {
        let mut tx = self.operator.begin().await?;
        set_tenant(&mut tx, tenant).await?;
        Ok(tx)
    }

    /// Listens on the jobs channel and signals `ready` on every notification, and once after
    /// each reconnection (notifications sent while disconnected are lost).
    pub(crate) async fn listen_for_jobs(
        &self,
        ready: std::sync::Arc<tokio::sync::Notify>,
    ) -> Result<tokio::task::JoinHandle<()>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.app).await?;
        listener.listen(JOBS_CHANNEL).await?;
        Ok(tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => ready.notify_one(),
                    // The connection dropped; the next call reconnects. Look for work in case a
                    // notification was missed.
                    Ok(None) => ready.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listening for jobs failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        ready.notify_one();
                    }
                }
            }
        }))
    }

    /// A transaction on the job queue, which belongs to no tenant (no `app.tenant_id`).
    async fn begin_queue(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.app.begin().await?)
    }

    fn platform_pool(&self) -> &PgPool {
        &self.operator
    }

    /// The id of the tenant with this short name (sign-in names a business unit by it), through
    /// the one function the serving role may call on the registry.
    pub(crate) async fn tenant_id_by_name(&self, name: &str) -> Result<Option<TenantId>> {
        let row = sqlx::query("SELECT app_tenant_id_by_name($1) AS id")
            .bind(name.trim().to_ascii_lowercase())
            .fetch_one(&self.app)
            .await?;
        Ok(col_id_opt(&row, "id", TenantId::from_uuid)?)
    }
}

type ReadConn = sqlx::Transaction<'static, Db>;

/// Ends a read transaction.
async fn end_read(tx: ReadConn) -> Result<()> {
    tx.commit().await?;
    Ok(())
}

/// Scopes the transaction to one tenant; `true` makes the setting end with the transaction.
async fn set_tenant(tx: &mut sqlx::Transaction<'static, Db>, tenant: TenantId) -> Result<()> {
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn bind(q: &mut sqlx::QueryBuilder<Db>, value: SqlValue) {
    use jiff_sqlx::ToSqlx;
    match value {
        SqlValue::Uuid(v) => q.push_bind(v),
        SqlValue::Text(v) => q.push_bind(v),
        SqlValue::Int(v) => q.push_bind(v),
        SqlValue::OptInt(v) => q.push_bind(v),
        SqlValue::Bool(v) => q.push_bind(v),
        SqlValue::Json(v) => q.push_bind(sqlx::types::Json(v)),
        SqlValue::Time(v) => q.push_bind(v.map(|t| t.to_sqlx())),
        SqlValue::Date(v) => q.push_bind(v.map(|d| d.to_sqlx())),
        SqlValue::Decimal(v) => q.push_bind(v),
        SqlValue::Bytes(v) => q.push_bind(v),
    };
}

fn read_decimal(row: &DbRow, column: &str) -> Result<Decimal, sqlx::Error> {
    sqlx::Row::try_get(row, column)
}

include!("../sql/rows.rs");
include!("../sql/crud.rs");
include!("../sql/special.rs");
include!("../sql/jobs.rs");
include!("../sql/agents.rs");
include!("../sql/knowledge.rs");
include!("../sql/catalog.rs");
include!("../sql/qualification.rs");
include!("../sql/plans.rs");
include!("../sql/web.rs");
include!("../sql/dashboard.rs");
include!("../sql/credentials.rs");
