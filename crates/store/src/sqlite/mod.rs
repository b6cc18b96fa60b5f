//! The SQLite backend, the embedded default: one database file in WAL mode, one writer connection
//! (writers queue in the pool rather than spin on locks) and a pool of readers. SQLite has no
//! row-level security, so tenant scoping rests on every statement's `tenant_id` filter.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use domain::id::TenantId;
use rust_decimal::Decimal;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use uuid::Uuid;

use crate::context::{Idempotency, StoredResponse, WriteCtx};
use crate::error::{Error, Result};
use crate::query::{Filter, ListQuery, Order, Page, like_pattern};
use crate::resource::{Reference, Resource};
use crate::value::SqlValue;

pub(crate) type Db = sqlx::Sqlite;
type DbRow = sqlx::sqlite::SqliteRow;

/// The UTC day of a stored timestamp (fixed-width text, so its first ten characters).
const DAY_EXPR: &str = "substr(started_at, 1, 10)";

/// The single writer connection already holds the write lock for the whole transaction.
const FOR_UPDATE: &str = "";
/// Claims run on the single writer, so no other claim can see the same rows.
const SKIP_LOCKED: &str = "";
/// A new random 16-byte id in SQL.
const NEW_ID_EXPR: &str = "randomblob(16)";

/// Wake-ups are in-process on SQLite (the store signals after each write).
async fn notify_jobs(_conn: &mut Conn) -> Result<()> {
    Ok(())
}

/// An open SQLite database.
pub struct Backend {
    writer: SqlitePool,
    readers: SqlitePool,
}

impl Backend {
    /// Opens (creating if needed) the database file.
    pub(crate) async fn open(path: &Path, max_readers: u32) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(max_readers.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { writer, readers })
    }

    /// Applies pending migrations.
    pub(crate) async fn migrate(&self) -> Result<()> {
        crate::migrations::migrator(crate::migrations::Dialect::Sqlite)
            .run(&self.writer)
            .await?;
        Ok(())
    }

    /// SQLite migrations are cheap to check: always run the migrator.
    pub(crate) async fn is_migrated(&self) -> bool {
        false
    }

    /// SQLite has no logins.
    pub(crate) async fn login_warnings(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }

    /// Checks the database answers.
    pub(crate) async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    /// Closes both pools, waiting for connections to finish.
    pub(crate) async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    /// A reader connection. Reads run in autocommit mode: each statement sees one consistent
    /// snapshot, and skipping BEGIN/COMMIT saves two round trips per request.
    async fn begin_read(&self, _tenant: TenantId) -> Result<ReadConn> {
        Ok(self.readers.acquire().await?)
    }

    async fn begin_write(&self, _tenant: TenantId) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn begin_platform_write(
        &self,
        tenant: TenantId,
    ) -> Result<sqlx::Transaction<'static, Db>> {
        self.begin_write(tenant).await
    }

    /// A transaction on the job queue, which belongs to no tenant.
    async fn begin_queue(&self) -> Result<sqlx::Transaction<'static, Db>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    fn platform_pool(&self) -> &SqlitePool {
        &self.readers
    }

    /// The id of the tenant with this short name (sign-in names a business unit by it).
    pub(crate) async fn tenant_id_by_name(&self, name: &str) -> Result<Option<TenantId>> {
        let row = sqlx::query("SELECT id FROM tenants WHERE name = ?")
            .bind(name.trim().to_ascii_lowercase())
            .fetch_optional(&self.readers)
            .await?;
        Ok(row
            .map(|r| col_id(&r, "id", TenantId::from_uuid))
            .transpose()?)
    }
}

type ReadConn = sqlx::pool::PoolConnection<Db>;

/// Returns a reader connection to the pool.
async fn end_read(conn: ReadConn) -> Result<()> {
    drop(conn);
    Ok(())
}

/// Timestamps are stored as fixed-width RFC 3339 text in UTC with microseconds, so text order is
/// time order.
fn time_text(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
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
        SqlValue::Time(v) => q.push_bind(v.map(time_text)),
        SqlValue::Date(v) => q.push_bind(v.map(|d| d.to_sqlx())),
        SqlValue::Decimal(v) => q.push_bind(v.to_string()),
        SqlValue::Bytes(v) => q.push_bind(v),
    };
}

fn read_decimal(row: &DbRow, column: &str) -> Result<Decimal, sqlx::Error> {
    let text: String = sqlx::Row::try_get(row, column)?;
    Decimal::from_str(&text).map_err(|e| decode_error(column, e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_text_is_fixed_width() {
        let a: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let b: jiff::Timestamp = "2026-01-02T03:04:05.5Z".parse().unwrap();
        assert_eq!(time_text(a), "2026-01-02T03:04:05.000000Z");
        assert!(time_text(a) < time_text(b));
    }
}
