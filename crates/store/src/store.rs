//! [`Store`]: the one handle the rest of the platform uses. It picks the backend from the
//! database URL and offers tenant-scoped operations; backends stay private.

use std::path::PathBuf;
use std::sync::Arc;

use domain::apikey::ApiKey;
use domain::event::Event;
use domain::id::{ApiKeyId, OpportunityId, TenantId};
use domain::opportunity::Opportunity;
use domain::region::{Region, default_regions};
use domain::stage::{StageChange, StageMove};
use domain::tenant::{Tenant, TenantSlug};
use jiff::Timestamp;
use uuid::Uuid;

use crate::context::{Idempotency, StoredResponse, WriteCtx};
use crate::error::{Error, Result};
use crate::query::{ListQuery, Page};
use crate::resource::Resource;
use crate::{postgres, sqlite};

/// Where the database is and how to reach it.
#[derive(Clone)]
pub struct ConnectOptions {
    /// `sqlite:PATH` for the embedded database or `postgres://...` for PostgreSQL.
    pub url: String,
    /// PostgreSQL only: the schema owner's URL for migrations and the tenant registry; `url`
    /// when absent.
    pub operator_url: Option<String>,
    /// Most connections (readers on SQLite) in the pool.
    pub max_connections: u32,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &redact_url(&self.url))
            .field(
                "operator_url",
                &self.operator_url.as_deref().map(redact_url),
            )
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

/// A URL with its password replaced by `***`, for logs and messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// The result of a create: the new object, or the first response to an idempotent retry.
#[derive(Debug, Clone)]
pub enum Created<R> {
    New(R),
    Replayed(StoredResponse),
}

#[derive(Clone)]
enum Backend {
    Sqlite(Arc<sqlite::Backend>),
    Postgres(Arc<postgres::Backend>),
}

/// Tenant-scoped storage over SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Signalled after every write that may have enqueued jobs (and, on PostgreSQL, on every
    /// notification from other replicas once [`Store::listen_for_jobs`] runs).
    jobs_ready: Arc<tokio::sync::Notify>,
}

macro_rules! on_backend {
    ($self:expr, $b:ident => $body:expr) => {
        match &$self.backend {
            Backend::Sqlite($b) => $body,
            Backend::Postgres($b) => $body,
        }
    };
}

impl Store {
    /// Opens the database named by the URL. Does not migrate.
    pub async fn connect(options: &ConnectOptions) -> Result<Self> {
        let url = options.url.trim();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let operator = options.operator_url.as_deref().unwrap_or(url);
            Backend::Postgres(Arc::new(postgres::Backend::open(
                url,
                operator,
                options.max_connections,
            )?))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = PathBuf::from(path);
            Backend::Sqlite(Arc::new(
                sqlite::Backend::open(&path, options.max_connections).await?,
            ))
        } else {
            return Err(Error::Unavailable(format!(
                "unsupported database URL {:?}: use sqlite:PATH or postgres://...",
                redact_url(url)
            )));
        };
        Ok(Self {
            backend,
            jobs_ready: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// The signal that new jobs may be due.
    pub fn jobs_signal(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.jobs_ready)
    }

    fn wrote(&self) {
        self.jobs_ready.notify_one();
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        on_backend!(self, b => b.migrate().await)
    }

    /// Applies pending migrations unless every one is already applied (which a serving login
    /// that owns nothing can check but not do).
    pub async fn migrate_if_needed(&self) -> Result<()> {
        if on_backend!(self, b => b.is_migrated().await) {
            return Ok(());
        }
        self.migrate().await
    }

    /// On PostgreSQL, the ways the serving login has more rights than it needs (see
    /// docs/configuration.md); empty when it owns nothing and bypasses nothing.
    pub async fn login_warnings(&self) -> Result<Vec<String>> {
        on_backend!(self, b => b.login_warnings().await)
    }

    /// Checks the database answers (and, on PostgreSQL, that row-level security applies).
    pub async fn ping(&self) -> Result<()> {
        on_backend!(self, b => b.ping().await)
    }

    /// Closes every connection.
    pub async fn close(&self) {
        on_backend!(self, b => b.close().await)
    }

    /// Creates a tenant with the default regions (APAC, EMEA, Americas).
    pub async fn create_tenant(
        &self,
        name: TenantSlug,
        display_name: Option<&str>,
    ) -> Result<Tenant> {
        let now = now();
        let tenant = Tenant::new(name, display_name, now)?;
        let regions: Vec<Region> = default_regions()?
            .into_iter()
            .map(|r| r.into_region(now))
            .collect::<domain::Result<_>>()?;
        on_backend!(self, b => b.create_tenant(&tenant, &regions).await)?;
        self.wrote();
        Ok(tenant)
    }

    /// Every tenant (operator use only: CLI and start-up).
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        on_backend!(self, b => b.list_tenants().await)
    }

    /// The tenant with this id or name (operator use only).
    pub async fn find_tenant(&self, name_or_id: &str) -> Result<Tenant> {
        on_backend!(self, b => b.find_tenant(name_or_id).await)
    }

    /// The current tenant's record.
    pub async fn tenant(&self, tenant: TenantId) -> Result<Tenant> {
        on_backend!(self, b => b.tenant(tenant).await)
    }

    /// Stores a new object with its `created` event. With an idempotency key seen before, nothing
    /// is written and the first response is returned instead.
    pub async fn create<R: Resource>(
        &self,
        w: &WriteCtx,
        rec: R,
        idem: Option<&Idempotency>,
    ) -> Result<Created<R>> {
        let replay = on_backend!(self, b => b.create(w, &rec, idem).await)?;
        self.wrote();
        Ok(match replay {
            Some(stored) => Created::Replayed(stored),
            None => Created::New(rec),
        })
    }

    /// One object of the tenant.
    pub async fn get<R: Resource>(&self, tenant: TenantId, id: Uuid) -> Result<R> {
        on_backend!(self, b => b.get(tenant, id).await)
    }

    /// One page of the tenant's objects.
    pub async fn list<R: Resource>(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<R>> {
        on_backend!(self, b => b.list(tenant, query).await)
    }

    /// The tenant's objects matching `filters`, page by page, stopping once at least `max` are
    /// read (use `usize::MAX` for all).
    pub async fn list_all<R: Resource>(
        &self,
        tenant: TenantId,
        filters: Vec<crate::query::Filter>,
        max: usize,
    ) -> Result<Vec<R>> {
        let mut query = ListQuery {
            filters,
            limit: crate::query::MAX_LIMIT,
            ..ListQuery::default()
        };
        let mut rows = Vec::new();
        loop {
            let page = self.list::<R>(tenant, &query).await?;
            rows.extend(page.items);
            match page.next_cursor {
                Some(cursor) if rows.len() < max => query.after = Some(cursor),
                _ => return Ok(rows),
            }
        }
    }

    /// Changes one object through `apply`, if its version is still `expected_version` (when given).
    pub async fn update<R, F>(
        &self,
        w: &WriteCtx,
        id: Uuid,
        expected_version: Option<i64>,
        apply: F,
    ) -> Result<R>
    where
        R: Resource,
        F: FnOnce(&mut R) -> domain::Result<()> + Send,
    {
        let updated = on_backend!(self, b => b.update(w, id, expected_version, apply).await)?;
        self.wrote();
        Ok(updated)
    }

    /// Deletes one object, if its version is still `expected_version` (when given).
    pub async fn delete<R: Resource>(
        &self,
        w: &WriteCtx,
        id: Uuid,
        expected_version: Option<i64>,
    ) -> Result<()> {
        on_backend!(self, b => b.delete::<R>(w, id, expected_version).await)?;
        self.wrote();
        Ok(())
    }

    /// The live API key of the tenant with this hash, if any; records its use.
    pub async fn authenticate(&self, tenant: TenantId, hash: &[u8]) -> Result<Option<ApiKey>> {
        on_backend!(self, b => b.authenticate(tenant, hash, now()).await)
    }

    /// Revokes an API key.
    pub async fn revoke_api_key(&self, w: &WriteCtx, id: ApiKeyId) -> Result<ApiKey> {
        let key = on_backend!(self, b => b.revoke_api_key(w, id).await)?;
        self.wrote();
        Ok(key)
    }

    /// Moves an opportunity through the stage machine.
    pub async fn move_stage(
        &self,
        w: &WriteCtx,
        id: OpportunityId,
        request: &StageMove,
        expected_version: Option<i64>,
    ) -> Result<(Opportunity, StageChange)> {
        let moved = on_backend!(self, b => b.move_stage(w, id, request, expected_version).await)?;
        self.wrote();
        Ok(moved)
    }

    /// An opportunity's stage changes, oldest first.
    pub async fn stage_history(
        &self,
        tenant: TenantId,
        id: OpportunityId,
    ) -> Result<Vec<StageChange>> {
        on_backend!(self, b => b.stage_history(tenant, id).await)
    }

    /// Appends LLM call traces for the tenant.
    pub async fn record_llm_calls(
        &self,
        tenant: TenantId,
        calls: &[domain::llm_call::LlmCall],
    ) -> Result<()> {
        on_backend!(self, b => b.record_llm_calls(tenant, calls).await)
    }

    /// The tenant's LLM usage over `[since, until)`, grouped.
    pub async fn llm_usage(
        &self,
        tenant: TenantId,
        group: crate::usage::UsageGroup,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> Result<Vec<crate::usage::UsageRow>> {
        on_backend!(self, b => b.llm_usage(tenant, group, since, until).await)
    }

    /// The tenant's LLM settings.
    pub async fn llm_settings(
        &self,
        tenant: TenantId,
    ) -> Result<domain::llm_settings::LlmSettings> {
        on_backend!(self, b => b.llm_settings(tenant).await)
    }

    /// Changes the tenant's LLM settings, if still at `expected_version` (when given).
    pub async fn update_llm_settings<F>(
        &self,
        w: &WriteCtx,
        expected_version: Option<i64>,
        apply: F,
    ) -> Result<domain::llm_settings::LlmSettings>
    where
        F: FnOnce(&mut domain::llm_settings::LlmSettings) -> domain::Result<()> + Send,
    {
        let settings =
            on_backend!(self, b => b.update_llm_settings(w, expected_version, apply).await)?;
        self.wrote();
        Ok(settings)
    }

    /// Tokens and cost (millionths of a US dollar) the tenant's LLM calls used since `since`.
    pub async fn llm_spend_since(&self, tenant: TenantId, since: Timestamp) -> Result<(i64, i64)> {
        on_backend!(self, b => b.llm_spend_since(tenant, since).await)
    }

    /// Replaces the event subscriptions (event kind, subscriber) with these.
    pub async fn register_subscriptions(&self, subscriptions: &[(String, String)]) -> Result<()> {
        on_backend!(self, b => b.register_subscriptions(subscriptions).await)
    }

    /// Enqueues a job for the tenant; `false` when a job with its dedupe key is already queued.
    pub async fn enqueue_job(&self, tenant: TenantId, job: &crate::jobs::NewJob) -> Result<bool> {
        let made = on_backend!(self, b => b.enqueue_job(tenant, job).await)?;
        self.wrote();
        Ok(made)
    }

    /// Leases up to `limit` due jobs (of any tenant) to `owner` for `lease`.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        lease: std::time::Duration,
        limit: i64,
    ) -> Result<Vec<crate::jobs::Job>> {
        let now = now();
        let until = lease_end(now, lease);
        on_backend!(self, b => b.claim_jobs(owner, now, until, limit).await)
    }

    /// Extends every lease `owner` holds by `lease` from now.
    pub async fn renew_leases(&self, owner: &str, lease: std::time::Duration) -> Result<u64> {
        let until = lease_end(now(), lease);
        on_backend!(self, b => b.renew_leases(owner, until).await)
    }

    /// Removes a finished job; `false` if `owner` lost its lease meanwhile.
    pub async fn complete_job(&self, id: domain::id::JobId, owner: &str) -> Result<bool> {
        on_backend!(self, b => b.complete_job(id, owner).await)
    }

    /// Releases a failed job to run again at `run_at`.
    pub async fn retry_job(
        &self,
        id: domain::id::JobId,
        owner: &str,
        run_at: Timestamp,
    ) -> Result<bool> {
        on_backend!(self, b => b.retry_job(id, owner, run_at).await)
    }

    /// Moves a job whose last attempt failed to its tenant's dead letters.
    pub async fn bury_job(&self, job: &crate::jobs::Job, owner: &str, error: &str) -> Result<bool> {
        on_backend!(self, b => b.bury_job(job, owner, error).await)
    }

    /// One page of the tenant's dead letters.
    pub async fn list_dead_letters(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::job::DeadLetter>> {
        on_backend!(self, b => b.list_dead_letters(tenant, query).await)
    }

    /// Enqueues a dead letter's job again and marks it replayed.
    pub async fn replay_dead_letter(
        &self,
        w: &WriteCtx,
        id: domain::id::JobId,
    ) -> Result<domain::job::DeadLetter> {
        let letter = on_backend!(self, b => b.replay_dead_letter(w, id).await)?;
        self.wrote();
        Ok(letter)
    }

    /// Jobs still to run other than schedule firings (which always wait for their next time),
    /// across tenants: zero when the agents have caught up with every event.
    pub async fn pending_work(&self) -> Result<i64> {
        on_backend!(self, b => b.pending_work().await)
    }

    /// Jobs queued and jobs leased, across tenants.
    pub async fn job_counts(&self) -> Result<(i64, i64)> {
        on_backend!(self, b => b.job_counts().await)
    }

    /// On PostgreSQL, starts a task that listens for other replicas' new jobs and signals
    /// [`Store::jobs_signal`]; on SQLite (one process) there is nothing to listen to.
    pub async fn listen_for_jobs(&self) -> Result<Option<tokio::task::JoinHandle<()>>> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(b) => b
                .listen_for_jobs(Arc::clone(&self.jobs_ready))
                .await
                .map(Some),
        }
    }

    /// Records a finished agent run with its actions, approvals and execution jobs, in one
    /// transaction; `false` (nothing written) when the run's dedupe key was recorded before.
    pub async fn record_agent_run(
        &self,
        w: &WriteCtx,
        run: &domain::agent_run::AgentRun,
        approvals: &[domain::approval::Approval],
        jobs: &[crate::jobs::NewJob],
    ) -> Result<bool> {
        let made = on_backend!(self, b => b.record_agent_run(w, run, approvals, jobs).await)?;
        self.wrote();
        Ok(made)
    }

    /// The payloads of approvals still pending for runs started by this outside sender.
    pub async fn pending_from_sender(
        &self,
        tenant: TenantId,
        sender: &str,
    ) -> Result<Vec<domain::action::Action>> {
        on_backend!(self, b => b.pending_from_sender(tenant, sender).await)
    }

    /// Whether the tenant recorded a run with this dedupe key.
    pub async fn agent_run_exists(&self, tenant: TenantId, dedupe_key: &str) -> Result<bool> {
        on_backend!(self, b => b.agent_run_exists(tenant, dedupe_key).await)
    }

    /// One agent run with its actions.
    pub async fn agent_run(
        &self,
        tenant: TenantId,
        id: domain::id::AgentRunId,
    ) -> Result<domain::agent_run::AgentRun> {
        on_backend!(self, b => b.agent_run(tenant, id).await)
    }

    /// One page of agent runs, each with its actions.
    pub async fn list_agent_runs(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::agent_run::AgentRun>> {
        on_backend!(self, b => b.list_agent_runs(tenant, query).await)
    }

    /// One proposed action.
    pub async fn agent_action(
        &self,
        tenant: TenantId,
        id: domain::id::ActionId,
    ) -> Result<domain::action::ProposedAction> {
        on_backend!(self, b => b.agent_action(tenant, id).await)
    }

    /// One approval.
    pub async fn approval(
        &self,
        tenant: TenantId,
        id: domain::id::ApprovalId,
    ) -> Result<domain::approval::Approval> {
        on_backend!(self, b => b.approval(tenant, id).await)
    }

    /// One page of approvals.
    pub async fn list_approvals(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::approval::Approval>> {
        on_backend!(self, b => b.list_approvals(tenant, query).await)
    }

    /// Decides a pending approval; `decide` sets the outcome and returns the execution job.
    pub async fn decide_approval<F>(
        &self,
        w: &WriteCtx,
        id: domain::id::ApprovalId,
        expected_version: Option<i64>,
        decide: F,
    ) -> Result<domain::approval::Approval>
    where
        F: FnOnce(&mut domain::approval::Approval) -> Result<Option<crate::jobs::NewJob>> + Send,
    {
        let approval =
            on_backend!(self, b => b.decide_approval(w, id, expected_version, decide).await)?;
        self.wrote();
        Ok(approval)
    }

    /// Puts a message in the outbox and marks its action done, exactly once: `None` when the
    /// action was not waiting to run.
    pub async fn release_message(
        &self,
        w: &WriteCtx,
        entry: &domain::outbox::OutboxEntry,
    ) -> Result<Option<domain::outbox::OutboxEntry>> {
        let released = on_backend!(self, b => b.release_message(w, entry).await)?;
        self.wrote();
        Ok(released)
    }

    /// Marks an action carried out (or failed, with the error).
    pub async fn finish_action(
        &self,
        w: &WriteCtx,
        id: domain::id::ActionId,
        error: Option<&str>,
    ) -> Result<()> {
        on_backend!(self, b => b.finish_action(w, id, error).await)
    }

    /// One page of the outbox.
    pub async fn list_outbox(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::outbox::OutboxEntry>> {
        on_backend!(self, b => b.list_outbox(tenant, query).await)
    }

    /// The tenant's guardrail policy.
    pub async fn guardrail_policy(
        &self,
        tenant: TenantId,
    ) -> Result<domain::guardrail_policy::GuardrailPolicy> {
        on_backend!(self, b => b.guardrail_policy(tenant).await)
    }

    /// Changes the tenant's guardrail policy, if still at `expected_version` (when given).
    pub async fn update_guardrail_policy<F>(
        &self,
        w: &WriteCtx,
        expected_version: Option<i64>,
        apply: F,
    ) -> Result<domain::guardrail_policy::GuardrailPolicy>
    where
        F: FnOnce(&mut domain::guardrail_policy::GuardrailPolicy) -> domain::Result<()> + Send,
    {
        on_backend!(self, b => b.update_guardrail_policy(w, expected_version, apply).await)
    }

    /// Stores a knowledge-base document and its chunks (nothing when unchanged).
    pub async fn put_document(
        &self,
        w: &WriteCtx,
        document: &domain::knowledge::Document,
        chunks: &[domain::knowledge::DocumentChunk],
    ) -> Result<crate::knowledge::PutDocument> {
        let outcome = on_backend!(self, b => b.put_document(w, document, chunks).await)?;
        self.wrote();
        Ok(outcome)
    }

    /// Removes a knowledge-base document and its chunks.
    pub async fn delete_document(
        &self,
        w: &WriteCtx,
        id: domain::id::DocumentId,
    ) -> Result<domain::knowledge::Document> {
        let document = on_backend!(self, b => b.delete_document(w, id).await)?;
        self.wrote();
        Ok(document)
    }

    /// One live knowledge-base document.
    pub async fn document(
        &self,
        tenant: TenantId,
        id: domain::id::DocumentId,
    ) -> Result<domain::knowledge::Document> {
        on_backend!(self, b => b.document(tenant, id).await)
    }

    /// One page of live knowledge-base documents.
    pub async fn list_documents(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::knowledge::Document>> {
        on_backend!(self, b => b.list_documents(tenant, query).await)
    }

    /// Stores price-book entries (replacing those of the same SKU, region and currency), all or
    /// nothing; returns them as stored and how many were new.
    pub async fn put_prices(
        &self,
        w: &WriteCtx,
        entries: &[domain::catalog::PriceEntry],
    ) -> Result<(Vec<domain::catalog::PriceEntry>, usize)> {
        let stored = on_backend!(self, b => b.put_prices(w, entries).await)?;
        self.wrote();
        Ok(stored)
    }

    /// One page of the price book.
    pub async fn list_prices(
        &self,
        tenant: TenantId,
        query: &ListQuery,
    ) -> Result<Page<domain::catalog::PriceEntry>> {
        on_backend!(self, b => b.list_prices(tenant, query).await)
    }

    /// Removes a price-book entry.
    pub async fn delete_price(&self, w: &WriteCtx, id: domain::id::PriceEntryId) -> Result<()> {
        on_backend!(self, b => b.delete_price(w, id).await)?;
        self.wrote();
        Ok(())
    }

    /// Replaces the tenant's discount bands, all or nothing.
    pub async fn replace_discount_bands(
        &self,
        w: &WriteCtx,
        bands: &[domain::catalog::DiscountBand],
    ) -> Result<()> {
        on_backend!(self, b => b.replace_discount_bands(w, bands).await)?;
        self.wrote();
        Ok(())
    }

    /// The tenant's discount bands, smallest ceiling first.
    pub async fn discount_bands(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<domain::catalog::DiscountBand>> {
        on_backend!(self, b => b.discount_bands(tenant).await)
    }

    /// Appends a version of an opportunity's qualification scorecard; it must follow the latest
    /// version (`Conflict` otherwise). `Ok(false)` when the activity already has its version.
    pub async fn append_scorecard(
        &self,
        w: &WriteCtx,
        card: &domain::qualification::ScorecardVersion,
    ) -> Result<bool> {
        let appended = on_backend!(self, b => b.append_scorecard(w, card).await)?;
        self.wrote();
        Ok(appended)
    }

    /// An opportunity's scorecard versions, newest first: at most `limit`, below
    /// `before_version` when given.
    pub async fn scorecard_history(
        &self,
        tenant: TenantId,
        opportunity: domain::id::OpportunityId,
        before_version: Option<i64>,
        limit: u32,
    ) -> Result<Vec<domain::qualification::ScorecardVersion>> {
        on_backend!(self, b => b.scorecard_history(tenant, opportunity, before_version, limit).await)
    }

    /// Appends a version of an account's or opportunity's plan; it must follow the plan's latest
    /// version (`Conflict` otherwise).
    pub async fn append_plan(&self, w: &WriteCtx, plan: &domain::plan::PlanVersion) -> Result<()> {
        on_backend!(self, b => b.append_plan(w, plan).await)?;
        self.wrote();
        Ok(())
    }

    /// A plan's versions, newest first: at most `limit`, below `before_version` when given.
    /// `subject` is the account (account plans) or the opportunity (opportunity plans).
    pub async fn plan_history(
        &self,
        tenant: TenantId,
        kind: domain::plan::PlanKind,
        subject: uuid::Uuid,
        before_version: Option<i64>,
        limit: u32,
    ) -> Result<Vec<domain::plan::PlanVersion>> {
        on_backend!(self, b => b.plan_history(tenant, kind, subject, before_version, limit).await)
    }

    /// The latest version of each of these subjects' plans of a kind (subjects without a plan
    /// are left out), in one query.
    pub async fn latest_plans(
        &self,
        tenant: TenantId,
        kind: domain::plan::PlanKind,
        subjects: &[uuid::Uuid],
    ) -> Result<Vec<domain::plan::PlanVersion>> {
        // In chunks, well inside both databases' limits on bound parameters.
        let mut plans = Vec::new();
        for chunk in subjects.chunks(1000) {
            plans.extend(on_backend!(self, b => b.latest_plans(tenant, kind, chunk).await)?);
        }
        Ok(plans)
    }

    /// The id of the tenant with this short name, as sign-in needs it (works for the serving
    /// role, which cannot read the tenant registry).
    pub async fn tenant_id_by_name(&self, name: &str) -> Result<Option<TenantId>> {
        on_backend!(self, b => b.tenant_id_by_name(name).await)
    }

    /// Sets a user's password hash (an argon2 PHC string); their sessions end.
    pub async fn set_password(
        &self,
        w: &WriteCtx,
        user: domain::id::UserId,
        hash: &str,
    ) -> Result<()> {
        on_backend!(self, b => b.set_password(w, user, hash).await)?;
        self.wrote();
        Ok(())
    }

    /// A user's password hash, if they have one.
    pub async fn password_hash(
        &self,
        tenant: TenantId,
        user: domain::id::UserId,
    ) -> Result<Option<String>> {
        on_backend!(self, b => b.password_hash(tenant, user).await)
    }

    /// Stores a new browser session.
    pub async fn create_session(
        &self,
        w: &WriteCtx,
        session: &domain::session::WebSession,
    ) -> Result<()> {
        on_backend!(self, b => b.create_session(w, session).await)
    }

    /// The unexpired session whose cookie hashes to `token_hash`.
    pub async fn session(
        &self,
        tenant: TenantId,
        token_hash: &[u8],
    ) -> Result<Option<domain::session::WebSession>> {
        on_backend!(self, b => b.session(tenant, token_hash).await)
    }

    /// Ends a session, and the tenant's expired ones.
    pub async fn delete_session(&self, w: &WriteCtx, token_hash: &[u8]) -> Result<()> {
        on_backend!(self, b => b.delete_session(w, token_hash).await)
    }

    /// The facts pipeline figures need of the tenant's deals matching `filters` (the
    /// opportunity list's filters), in one narrow query; at most 50,000.
    pub async fn deal_facts(
        &self,
        tenant: TenantId,
        filters: Vec<crate::query::Filter>,
    ) -> Result<Vec<crate::dashboard::DealFacts>> {
        on_backend!(self, b => b.deal_facts(tenant, filters).await)
    }

    /// The facts of the tenant's open deals and of those won since `won_since`, at most
    /// 50,000 (the oldest); the flag is `false` when more were left out.
    pub async fn pipeline_facts(
        &self,
        tenant: TenantId,
        won_since: Timestamp,
    ) -> Result<(Vec<crate::dashboard::DealFacts>, bool)> {
        on_backend!(self, b => b.pipeline_facts(tenant, won_since).await)
    }

    /// How many approvals wait for a human.
    pub async fn pending_approvals(&self, tenant: TenantId) -> Result<i64> {
        on_backend!(self, b => b.pending_approvals(tenant).await)
    }

    /// Runs, proposed actions and approvals since `since`, counted by role.
    pub async fn agent_activity(
        &self,
        tenant: TenantId,
        since: Timestamp,
    ) -> Result<crate::dashboard::AgentActivity> {
        on_backend!(self, b => b.agent_activity(tenant, since).await)
    }

    /// Stores (or replaces) an integration's sealed secret (sealed by the caller).
    pub async fn put_credential(
        &self,
        w: &WriteCtx,
        integration: domain::credential::Integration,
        account: Option<&str>,
        sealed: &[u8],
        fingerprint: &str,
    ) -> Result<domain::credential::CredentialInfo> {
        let info = on_backend!(self, b => b.put_credential(w, integration, account, sealed, fingerprint).await)?;
        self.wrote();
        Ok(info)
    }

    /// What may be read of the tenant's integration credentials: never the secrets.
    pub async fn list_credentials(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<domain::credential::CredentialInfo>> {
        on_backend!(self, b => b.list_credentials(tenant).await)
    }

    /// An integration's sealed secret, for its client to open with the secrets key.
    pub async fn sealed_credential(
        &self,
        tenant: TenantId,
        integration: domain::credential::Integration,
    ) -> Result<Option<Vec<u8>>> {
        on_backend!(self, b => b.sealed_credential(tenant, integration).await)
    }

    /// Removes an integration's credential (`NotFound` when it has none).
    pub async fn delete_credential(
        &self,
        w: &WriteCtx,
        integration: domain::credential::Integration,
    ) -> Result<()> {
        on_backend!(self, b => b.delete_credential(w, integration).await)?;
        self.wrote();
        Ok(())
    }

    /// Every live document of the tenant.
    pub async fn list_all_documents(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<domain::knowledge::Document>> {
        let mut query = ListQuery {
            limit: crate::query::MAX_LIMIT,
            ..ListQuery::default()
        };
        let mut documents = Vec::new();
        loop {
            let page = self.list_documents(tenant, &query).await?;
            documents.extend(page.items);
            match page.next_cursor {
                Some(cursor) => query.after = Some(cursor),
                None => return Ok(documents),
            }
        }
    }

    /// A document's chunks, in order.
    pub async fn document_chunks(
        &self,
        tenant: TenantId,
        id: domain::id::DocumentId,
    ) -> Result<Vec<domain::knowledge::DocumentChunk>> {
        on_backend!(self, b => b.document_chunks(tenant, id).await)
    }

    /// Stores chunk vectors for `model` (skipping chunks that are gone or done); returns how
    /// many were stored. Indexes see them through the document's new generation.
    pub async fn put_vectors(
        &self,
        tenant: TenantId,
        document: domain::id::DocumentId,
        model: &str,
        vectors: &[(domain::id::ChunkId, Vec<f32>)],
    ) -> Result<usize> {
        on_backend!(self, b => b.put_vectors(tenant, document, model, vectors).await)
    }

    /// The chunks of a document that have no vector for `model`, in order.
    pub async fn chunks_without_vectors(
        &self,
        tenant: TenantId,
        document: domain::id::DocumentId,
        model: &str,
    ) -> Result<Vec<domain::knowledge::DocumentChunk>> {
        on_backend!(self, b => b.chunks_without_vectors(tenant, document, model).await)
    }

    /// Documents with chunks lacking a vector for `model`, with how many are missing.
    pub async fn documents_without_vectors(
        &self,
        tenant: TenantId,
        model: &str,
    ) -> Result<Vec<(domain::id::DocumentId, i64)>> {
        on_backend!(self, b => b.documents_without_vectors(tenant, model).await)
    }

    /// The stored vectors for `model` of one document, or of the whole tenant.
    pub async fn vectors(
        &self,
        tenant: TenantId,
        document: Option<domain::id::DocumentId>,
        model: &str,
    ) -> Result<Vec<crate::knowledge::StoredVector>> {
        on_backend!(self, b => b.vectors(tenant, document, model).await)
    }

    /// The tenant's knowledge generation and the documents changed after `since`.
    pub async fn knowledge_changes(
        &self,
        tenant: TenantId,
        since: i64,
    ) -> Result<(i64, Vec<domain::knowledge::DocumentChange>)> {
        on_backend!(self, b => b.knowledge_changes(tenant, since).await)
    }

    /// One event of the tenant's log.
    pub async fn event(&self, tenant: TenantId, id: Uuid) -> Result<Event> {
        on_backend!(self, b => b.event(tenant, id).await)
    }

    /// One page of the tenant's event log (the audit trail).
    pub async fn list_events(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<Event>> {
        on_backend!(self, b => b.list_events(tenant, query).await)
    }
}

fn lease_end(now: Timestamp, lease: std::time::Duration) -> Timestamp {
    jiff::SignedDuration::try_from(lease)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(now)
}

/// The current time at the precision both backends store (microseconds).
pub fn now() -> Timestamp {
    let t = Timestamp::now();
    t.round(jiff::Unit::Microsecond).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("sqlite:/tmp/x.db"), "sqlite:/tmp/x.db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }
}
