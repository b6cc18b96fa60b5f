// Agent runs, proposed actions, approvals, the outbox and guardrail policies. Included by each
// backend module.

const RUN_COLUMNS: &str = "id, role, skill, trigger, trigger_event_id, activity_id, account_id, \
     opportunity_id, sender, dedupe_key, status, input, output, answered_by, fallback_reason, error, \
     injection_suspected, started_at, finished_at";
const ACTION_COLUMNS: &str = "id, run_id, role, kind, payload, decision, reasons, approval_id, status, \
     error, executed_at, created_at";
const APPROVAL_COLUMNS: &str = "id, action_id, run_id, role, kind, payload, reasons, status, requested_by, edited, \
     decided_by, decided_at, note, executed_at, requested_at, version";
const OUTBOX_COLUMNS: &str = "id, channel, action_id, run_id, approval_id, account_id, recipients, \
     subject, body, created_at";

fn run_from_row(row: &DbRow) -> Result<domain::agent_run::AgentRun, sqlx::Error> {
    use domain::id::{AccountId, ActivityId, AgentRunId, OpportunityId};
    Ok(domain::agent_run::AgentRun {
        id: col_id(row, "id", AgentRunId::from_uuid)?,
        role: col_parsed(row, "role")?,
        skill: col(row, "skill")?,
        trigger: col_parsed(row, "trigger")?,
        trigger_event_id: col(row, "trigger_event_id")?,
        activity_id: col_id_opt(row, "activity_id", ActivityId::from_uuid)?,
        account_id: col_id_opt(row, "account_id", AccountId::from_uuid)?,
        opportunity_id: col_id_opt(row, "opportunity_id", OpportunityId::from_uuid)?,
        sender: col(row, "sender")?,
        dedupe_key: col(row, "dedupe_key")?,
        status: col_parsed(row, "status")?,
        input: col_json(row, "input")?,
        output: col_json(row, "output")?,
        answered_by: col(row, "answered_by")?,
        fallback_reason: col(row, "fallback_reason")?,
        error: col(row, "error")?,
        injection_suspected: col(row, "injection_suspected")?,
        started_at: col_time(row, "started_at")?,
        finished_at: col_time(row, "finished_at")?,
        actions: Vec::new(),
    })
}

fn action_from_row(row: &DbRow) -> Result<domain::action::ProposedAction, sqlx::Error> {
    use domain::id::{ActionId, AgentRunId, ApprovalId};
    Ok(domain::action::ProposedAction {
        id: col_id(row, "id", ActionId::from_uuid)?,
        run_id: col_id(row, "run_id", AgentRunId::from_uuid)?,
        role: col_parsed(row, "role")?,
        kind: col_parsed(row, "kind")?,
        payload: col_json(row, "payload")?,
        decision: col_parsed(row, "decision")?,
        reasons: col_json(row, "reasons")?,
        approval_id: col_id_opt(row, "approval_id", ApprovalId::from_uuid)?,
        status: col_parsed(row, "status")?,
        error: col(row, "error")?,
        executed_at: col_time_opt(row, "executed_at")?,
        created_at: col_time(row, "created_at")?,
    })
}

fn approval_from_row(row: &DbRow) -> Result<domain::approval::Approval, sqlx::Error> {
    use domain::id::{ActionId, AgentRunId, ApprovalId, UserId};
    Ok(domain::approval::Approval {
        id: col_id(row, "id", ApprovalId::from_uuid)?,
        action_id: col_id(row, "action_id", ActionId::from_uuid)?,
        run_id: col_id(row, "run_id", AgentRunId::from_uuid)?,
        role: col_parsed(row, "role")?,
        kind: col_parsed(row, "kind")?,
        payload: col_json(row, "payload")?,
        reasons: col_json(row, "reasons")?,
        status: col_parsed(row, "status")?,
        requested_by: col_id_opt(row, "requested_by", UserId::from_uuid)?,
        edited: col(row, "edited")?,
        decided_by: col_id_opt(row, "decided_by", UserId::from_uuid)?,
        decided_at: col_time_opt(row, "decided_at")?,
        note: col(row, "note")?,
        executed_at: col_time_opt(row, "executed_at")?,
        requested_at: col_time(row, "requested_at")?,
        version: col(row, "version")?,
    })
}

/// Recipients are stored together as `{"to": [...], "cc": [...], "bcc": [...]}`.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Recipients {
    to: Vec<String>,
    cc: Vec<String>,
    bcc: Vec<String>,
}

fn outbox_from_row(row: &DbRow) -> Result<domain::outbox::OutboxEntry, sqlx::Error> {
    use domain::id::{AccountId, ActionId, AgentRunId, ApprovalId, OutboxId};
    let recipients: Recipients = col_json(row, "recipients")?;
    Ok(domain::outbox::OutboxEntry {
        id: col_id(row, "id", OutboxId::from_uuid)?,
        channel: col_parsed(row, "channel")?,
        action_id: col_id(row, "action_id", ActionId::from_uuid)?,
        run_id: col_id(row, "run_id", AgentRunId::from_uuid)?,
        approval_id: col_id_opt(row, "approval_id", ApprovalId::from_uuid)?,
        account_id: col_id_opt(row, "account_id", AccountId::from_uuid)?,
        to: recipients.to,
        cc: recipients.cc,
        bcc: recipients.bcc,
        subject: col(row, "subject")?,
        body: col(row, "body")?,
        created_at: col_time(row, "created_at")?,
    })
}

async fn insert_action(conn: &mut Conn, tenant: TenantId, a: &domain::action::ProposedAction) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO agent_actions (tenant_id, ");
    q.push(ACTION_COLUMNS).push(") VALUES (");
    push_list(&mut q, [
        SqlValue::Uuid(Some(tenant.as_uuid())),
        SqlValue::Uuid(Some(a.id.as_uuid())),
        SqlValue::Uuid(Some(a.run_id.as_uuid())),
        SqlValue::text(a.role),
        SqlValue::text(a.kind),
        SqlValue::json(&a.payload),
        SqlValue::text(a.decision),
        SqlValue::json(&a.reasons),
        SqlValue::Uuid(a.approval_id.map(|i| i.as_uuid())),
        SqlValue::text(a.status),
        SqlValue::Text(a.error.clone()),
        SqlValue::Time(a.executed_at),
        SqlValue::Time(Some(a.created_at)),
    ]);
    q.push(")");
    q.build().execute(&mut *conn).await?;
    Ok(())
}

async fn insert_approval(conn: &mut Conn, tenant: TenantId, a: &domain::approval::Approval) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO approvals (tenant_id, ");
    q.push(APPROVAL_COLUMNS).push(") VALUES (");
    push_list(&mut q, [
        SqlValue::Uuid(Some(tenant.as_uuid())),
        SqlValue::Uuid(Some(a.id.as_uuid())),
        SqlValue::Uuid(Some(a.action_id.as_uuid())),
        SqlValue::Uuid(Some(a.run_id.as_uuid())),
        SqlValue::text(a.role),
        SqlValue::text(a.kind),
        SqlValue::json(&a.payload),
        SqlValue::json(&a.reasons),
        SqlValue::text(a.status),
        SqlValue::Uuid(a.requested_by.map(|u| u.as_uuid())),
        SqlValue::Bool(a.edited),
        SqlValue::Uuid(a.decided_by.map(|i| i.as_uuid())),
        SqlValue::Time(a.decided_at),
        SqlValue::Text(a.note.clone()),
        SqlValue::Time(a.executed_at),
        SqlValue::Time(Some(a.requested_at)),
        SqlValue::Int(a.version),
    ]);
    q.push(")");
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// A table read by id: its name in messages, its columns and how to decode a row.
struct ById<T> {
    name: &'static str,
    table: &'static str,
    columns: &'static str,
    decode: fn(&DbRow) -> Result<T, sqlx::Error>,
}

const RUNS: ById<domain::agent_run::AgentRun> =
    ById { name: "agent run", table: "agent_runs", columns: RUN_COLUMNS, decode: run_from_row };
const ACTIONS: ById<domain::action::ProposedAction> =
    ById { name: "action", table: "agent_actions", columns: ACTION_COLUMNS, decode: action_from_row };
const APPROVALS: ById<domain::approval::Approval> =
    ById { name: "approval", table: "approvals", columns: APPROVAL_COLUMNS, decode: approval_from_row };
const EVENTS: ById<domain::event::Event> =
    ById { name: "event", table: "events", columns: EVENT_COLUMNS, decode: domain::event::Event::from_row };

async fn fetch_one_by_id<T>(conn: &mut Conn, tenant: TenantId, by: &ById<T>, id: Uuid, lock: bool) -> Result<T> {
    let ById { name, table, columns, decode } = *by;
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
    q.push(columns).push(" FROM ").push(table).push(" WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND id = ");
    bind(&mut q, SqlValue::Uuid(Some(id)));
    if lock {
        q.push(FOR_UPDATE);
    }
    let row = q.build().fetch_optional(&mut *conn).await?;
    let row = row.ok_or_else(|| Error::NotFound { resource: name, id: id.to_string() })?;
    Ok(decode(&row)?)
}

async fn actions_of_runs(conn: &mut Conn, tenant: TenantId, runs: &[Uuid]) -> Result<Vec<domain::action::ProposedAction>> {
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
    q.push(ACTION_COLUMNS).push(" FROM agent_actions WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND run_id IN (");
    push_list(&mut q, runs.iter().map(|id| SqlValue::Uuid(Some(*id))));
    q.push(") ORDER BY id");
    let rows = q.build().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(action_from_row).collect::<Result<_, _>>()?)
}

async fn set_action_state(
    conn: &mut Conn,
    tenant: TenantId,
    id: domain::id::ActionId,
    status: domain::action::ActionStatus,
    error: Option<&str>,
    executed_at: Option<jiff::Timestamp>,
) -> Result<()> {
    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE agent_actions SET status = ");
    bind(&mut q, SqlValue::text(status));
    q.push(", error = ");
    bind(&mut q, SqlValue::Text(error.map(str::to_owned)));
    q.push(", executed_at = ");
    bind(&mut q, SqlValue::Time(executed_at));
    q.push(" WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND id = ");
    bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
    q.build().execute(&mut *conn).await?;
    Ok(())
}

/// Marks an action's approval executed, when it has one.
async fn set_approval_executed(conn: &mut Conn, tenant: TenantId, approval: Option<domain::id::ApprovalId>, at: jiff::Timestamp) -> Result<()> {
    let Some(approval) = approval else { return Ok(()) };
    let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE approvals SET executed_at = ");
    bind(&mut q, SqlValue::Time(Some(at)));
    q.push(" WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    q.push(" AND id = ");
    bind(&mut q, SqlValue::Uuid(Some(approval.as_uuid())));
    q.build().execute(&mut *conn).await?;
    Ok(())
}

impl Backend {
    /// Records a finished run with its actions, approvals and the jobs that carry them out, in
    /// one transaction. `false` (and nothing written) when a run with the same dedupe key exists.
    pub(crate) async fn record_agent_run(
        &self,
        w: &WriteCtx,
        run: &domain::agent_run::AgentRun,
        approvals: &[domain::approval::Approval],
        jobs: &[crate::jobs::NewJob],
    ) -> Result<bool> {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO agent_runs (tenant_id, ");
        q.push(RUN_COLUMNS).push(") VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(run.id.as_uuid())),
            SqlValue::text(run.role),
            SqlValue::text(&run.skill),
            SqlValue::text(run.trigger),
            SqlValue::Uuid(run.trigger_event_id),
            SqlValue::Uuid(run.activity_id.map(|i| i.as_uuid())),
            SqlValue::Uuid(run.account_id.map(|i| i.as_uuid())),
            SqlValue::Uuid(run.opportunity_id.map(|i| i.as_uuid())),
            SqlValue::Text(run.sender.clone()),
            SqlValue::text(&run.dedupe_key),
            SqlValue::text(run.status),
            SqlValue::Json(run.input.clone()),
            SqlValue::json(&run.output),
            SqlValue::Text(run.answered_by.clone()),
            SqlValue::Text(run.fallback_reason.clone()),
            SqlValue::Text(run.error.clone()),
            SqlValue::Bool(run.injection_suspected),
            SqlValue::Time(Some(run.started_at)),
            SqlValue::Time(Some(run.finished_at)),
        ]);
        q.push(") ON CONFLICT (tenant_id, dedupe_key) DO NOTHING");
        if q.build().execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        for action in &run.actions {
            insert_action(&mut tx, w.tenant, action).await?;
        }
        for approval in approvals {
            insert_approval(&mut tx, w.tenant, approval).await?;
        }
        for job in jobs {
            insert_job(&mut tx, w.tenant, job).await?;
        }
        let event = domain::event::NewEvent::of(
            domain::event::ResourceKind::AgentRun,
            domain::event::EventAction::Created,
            run.id.as_uuid(),
            run,
        );
        append_event(&mut tx, w, event).await?;
        for approval in approvals {
            let event = domain::event::NewEvent::of(
                domain::event::ResourceKind::Approval,
                domain::event::EventAction::Created,
                approval.id.as_uuid(),
                approval,
            );
            append_event(&mut tx, w, event).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The payloads of approvals still pending for runs started by this sender.
    pub(crate) async fn pending_from_sender(&self, tenant: TenantId, sender: &str) -> Result<Vec<domain::action::Action>> {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT a.payload FROM approvals a JOIN agent_runs r ON r.tenant_id = a.tenant_id AND r.id = a.run_id \
             WHERE a.tenant_id = ",
        );
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND r.tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND a.status = 'pending' AND r.sender = ");
        bind(&mut q, SqlValue::text(sender));
        q.push(" LIMIT 1000");
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        Ok(rows.iter().map(|r| col_json(r, "payload")).collect::<Result<_, _>>()?)
    }

    /// Whether the tenant has a run with this dedupe key.
    pub(crate) async fn agent_run_exists(&self, tenant: TenantId, dedupe_key: &str) -> Result<bool> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT 1 FROM agent_runs WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
        q.push(" AND dedupe_key = ");
        bind(&mut q, SqlValue::text(dedupe_key));
        let mut conn = self.begin_read(tenant).await?;
        let found = q.build().fetch_optional(&mut *conn).await?.is_some();
        end_read(conn).await?;
        Ok(found)
    }

    /// One run with its actions.
    pub(crate) async fn agent_run(&self, tenant: TenantId, id: domain::id::AgentRunId) -> Result<domain::agent_run::AgentRun> {
        let mut conn = self.begin_read(tenant).await?;
        let mut run = fetch_one_by_id(&mut conn, tenant, &RUNS, id.as_uuid(), false).await?;
        run.actions = actions_of_runs(&mut conn, tenant, &[id.as_uuid()]).await?;
        end_read(conn).await?;
        Ok(run)
    }

    /// One page of runs, each with its actions.
    pub(crate) async fn list_agent_runs(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::agent_run::AgentRun>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(RUN_COLUMNS).push(" FROM agent_runs");
        push_where(&mut q, tenant, query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        let mut runs = rows.iter().map(run_from_row).collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<Uuid> = runs.iter().map(|r| r.id.as_uuid()).collect();
        let mut actions = actions_of_runs(&mut conn, tenant, &ids).await?;
        end_read(conn).await?;
        for run in &mut runs {
            let (mine, rest): (Vec<_>, Vec<_>) = actions.into_iter().partition(|a| a.run_id == run.id);
            run.actions = mine;
            actions = rest;
        }
        Ok(Page::from_overfetch(runs, query.limit, |r| r.id.as_uuid()))
    }

    /// One proposed action.
    pub(crate) async fn agent_action(&self, tenant: TenantId, id: domain::id::ActionId) -> Result<domain::action::ProposedAction> {
        let mut conn = self.begin_read(tenant).await?;
        let action = fetch_one_by_id(&mut conn, tenant, &ACTIONS, id.as_uuid(), false).await?;
        end_read(conn).await?;
        Ok(action)
    }

    /// One approval.
    pub(crate) async fn approval(&self, tenant: TenantId, id: domain::id::ApprovalId) -> Result<domain::approval::Approval> {
        let mut conn = self.begin_read(tenant).await?;
        let approval = fetch_one_by_id(&mut conn, tenant, &APPROVALS, id.as_uuid(), false).await?;
        end_read(conn).await?;
        Ok(approval)
    }

    /// One page of approvals.
    pub(crate) async fn list_approvals(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::approval::Approval>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(APPROVAL_COLUMNS).push(" FROM approvals");
        push_where(&mut q, tenant, query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let items = rows.iter().map(approval_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |a| a.id.as_uuid()))
    }

    /// Decides a pending approval through `decide`, which may change it and returns the job that
    /// executes the action (for an approval). The action's status follows.
    pub(crate) async fn decide_approval<F>(
        &self,
        w: &WriteCtx,
        id: domain::id::ApprovalId,
        expected_version: Option<i64>,
        decide: F,
    ) -> Result<domain::approval::Approval>
    where
        F: FnOnce(&mut domain::approval::Approval) -> Result<Option<crate::jobs::NewJob>> + Send,
    {
        use domain::approval::ApprovalStatus;
        let mut tx = self.begin_write(w.tenant).await?;
        let mut approval = fetch_one_by_id(&mut tx, w.tenant, &APPROVALS, id.as_uuid(), true).await?;
        if let Some(want) = expected_version
            && want != approval.version
        {
            return Err(Error::VersionMismatch { resource: "approval", id: id.to_string(), current: approval.version });
        }
        if approval.status != ApprovalStatus::Pending {
            return Err(Error::Conflict(format!("this approval was already {}", approval.status)));
        }
        let job = decide(&mut approval)?;
        approval.version += 1;
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE approvals SET status = ");
        bind(&mut q, SqlValue::text(approval.status));
        q.push(", payload = ");
        bind(&mut q, SqlValue::json(&approval.payload));
        q.push(", edited = ");
        bind(&mut q, SqlValue::Bool(approval.edited));
        q.push(", decided_by = ");
        bind(&mut q, SqlValue::Uuid(approval.decided_by.map(|u| u.as_uuid())));
        q.push(", decided_at = ");
        bind(&mut q, SqlValue::Time(approval.decided_at));
        q.push(", note = ");
        bind(&mut q, SqlValue::Text(approval.note.clone()));
        q.push(", version = ");
        bind(&mut q, SqlValue::Int(approval.version));
        q.push(" WHERE tenant_id = ");
        bind(&mut q, SqlValue::Uuid(Some(w.tenant.as_uuid())));
        q.push(" AND id = ");
        bind(&mut q, SqlValue::Uuid(Some(id.as_uuid())));
        q.build().execute(&mut *tx).await?;
        let status = match approval.status {
            ApprovalStatus::Approved => domain::action::ActionStatus::Queued,
            ApprovalStatus::Rejected => domain::action::ActionStatus::Rejected,
            ApprovalStatus::Pending => domain::action::ActionStatus::AwaitingApproval,
        };
        set_action_state(&mut tx, w.tenant, approval.action_id, status, None, None).await?;
        if let Some(job) = job {
            insert_job(&mut tx, w.tenant, &job).await?;
        }
        let action = match approval.status {
            ApprovalStatus::Approved => domain::event::EventAction::Approved,
            _ => domain::event::EventAction::Rejected,
        };
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Approval, action, id.as_uuid(), &approval);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(approval)
    }

    /// Puts an outbound message in the outbox and marks its action done, once: `None` when the
    /// action was no longer queued (already sent, or never released).
    pub(crate) async fn release_message(
        &self,
        w: &WriteCtx,
        entry: &domain::outbox::OutboxEntry,
    ) -> Result<Option<domain::outbox::OutboxEntry>> {
        let mut tx = self.begin_write(w.tenant).await?;
        let action = fetch_one_by_id(&mut tx, w.tenant, &ACTIONS, entry.action_id.as_uuid(), true).await?;
        if action.status != domain::action::ActionStatus::Queued {
            return Ok(None);
        }
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO outbox (tenant_id, ");
        q.push(OUTBOX_COLUMNS).push(") VALUES (");
        let recipients = Recipients { to: entry.to.clone(), cc: entry.cc.clone(), bcc: entry.bcc.clone() };
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::Uuid(Some(entry.id.as_uuid())),
            SqlValue::text(entry.channel),
            SqlValue::Uuid(Some(entry.action_id.as_uuid())),
            SqlValue::Uuid(Some(entry.run_id.as_uuid())),
            SqlValue::Uuid(entry.approval_id.map(|i| i.as_uuid())),
            SqlValue::Uuid(entry.account_id.map(|i| i.as_uuid())),
            SqlValue::json(&recipients),
            SqlValue::Text(entry.subject.clone()),
            SqlValue::text(&entry.body),
            SqlValue::Time(Some(entry.created_at)),
        ]);
        q.push(")");
        q.build().execute(&mut *tx).await?;
        set_action_state(&mut tx, w.tenant, entry.action_id, domain::action::ActionStatus::Done, None, Some(w.now)).await?;
        set_approval_executed(&mut tx, w.tenant, action.approval_id, w.now).await?;
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::Outbox, domain::event::EventAction::Created, entry.id.as_uuid(), entry);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(Some(entry.clone()))
    }

    /// Records the end of an action the executor carried out through other writes (a task, a
    /// stage move, a contact, a handoff), or its failure.
    pub(crate) async fn finish_action(
        &self,
        w: &WriteCtx,
        id: domain::id::ActionId,
        error: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.begin_write(w.tenant).await?;
        let action = fetch_one_by_id(&mut tx, w.tenant, &ACTIONS, id.as_uuid(), true).await?;
        if action.status != domain::action::ActionStatus::Queued {
            return Ok(());
        }
        let status = if error.is_some() { domain::action::ActionStatus::Failed } else { domain::action::ActionStatus::Done };
        set_action_state(&mut tx, w.tenant, id, status, error, error.is_none().then_some(w.now)).await?;
        if error.is_none() {
            set_approval_executed(&mut tx, w.tenant, action.approval_id, w.now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One page of the outbox.
    pub(crate) async fn list_outbox(&self, tenant: TenantId, query: &ListQuery) -> Result<Page<domain::outbox::OutboxEntry>> {
        let mut q = sqlx::QueryBuilder::<Db>::new("SELECT ");
        q.push(OUTBOX_COLUMNS).push(" FROM outbox");
        push_where(&mut q, tenant, query);
        let mut conn = self.begin_read(tenant).await?;
        let rows = q.build().fetch_all(&mut *conn).await?;
        end_read(conn).await?;
        let items = rows.iter().map(outbox_from_row).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_overfetch(items, query.limit, |e| e.id.as_uuid()))
    }

    /// The tenant's guardrail policy (defaults when never set).
    pub(crate) async fn guardrail_policy(&self, tenant: TenantId) -> Result<domain::guardrail_policy::GuardrailPolicy> {
        let mut conn = self.begin_read(tenant).await?;
        let policy = fetch_policy(&mut conn, tenant, false).await?;
        end_read(conn).await?;
        Ok(policy)
    }

    /// Changes the tenant's guardrail policy through `apply`, if still at `expected_version`.
    pub(crate) async fn update_guardrail_policy<F>(
        &self,
        w: &WriteCtx,
        expected_version: Option<i64>,
        apply: F,
    ) -> Result<domain::guardrail_policy::GuardrailPolicy>
    where
        F: FnOnce(&mut domain::guardrail_policy::GuardrailPolicy) -> domain::Result<()> + Send,
    {
        let mut tx = self.begin_write(w.tenant).await?;
        let mut policy = fetch_policy(&mut tx, w.tenant, true).await?;
        if let Some(want) = expected_version
            && want != policy.version
        {
            return Err(Error::VersionMismatch { resource: "guardrail policy", id: w.tenant.to_string(), current: policy.version });
        }
        apply(&mut policy)?;
        policy.version += 1;
        policy.updated_at = Some(w.now);
        let stored = StoredPolicy { modes: policy.modes.clone(), auto_discount_max_percent: policy.auto_discount_max_percent };
        let mut q = sqlx::QueryBuilder::<Db>::new("INSERT INTO guardrail_policies (tenant_id, policy, version, updated_at) VALUES (");
        push_list(&mut q, [
            SqlValue::Uuid(Some(w.tenant.as_uuid())),
            SqlValue::json(&stored),
            SqlValue::Int(policy.version),
            SqlValue::Time(policy.updated_at),
        ]);
        q.push(") ON CONFLICT (tenant_id) DO UPDATE SET policy = excluded.policy, version = excluded.version, \
                updated_at = excluded.updated_at");
        q.build().execute(&mut *tx).await?;
        let event = domain::event::NewEvent::of(domain::event::ResourceKind::GuardrailPolicy, domain::event::EventAction::Updated, w.tenant.as_uuid(), &policy);
        append_event(&mut tx, w, event).await?;
        tx.commit().await?;
        Ok(policy)
    }

    /// One event of the tenant's log.
    pub(crate) async fn event(&self, tenant: TenantId, id: Uuid) -> Result<domain::event::Event> {
        let mut conn = self.begin_read(tenant).await?;
        let event = fetch_one_by_id(&mut conn, tenant, &EVENTS, id, false).await?;
        end_read(conn).await?;
        Ok(event)
    }
}

/// The stored form of a policy (version and time have their own columns).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPolicy {
    modes: std::collections::BTreeMap<String, domain::guardrail_policy::PolicyMode>,
    auto_discount_max_percent: rust_decimal::Decimal,
}

async fn fetch_policy(conn: &mut Conn, tenant: TenantId, lock: bool) -> Result<domain::guardrail_policy::GuardrailPolicy> {
    let mut q = sqlx::QueryBuilder::<Db>::new("SELECT policy, version, updated_at FROM guardrail_policies WHERE tenant_id = ");
    bind(&mut q, SqlValue::Uuid(Some(tenant.as_uuid())));
    if lock {
        q.push(FOR_UPDATE);
    }
    let Some(row) = q.build().fetch_optional(&mut *conn).await? else {
        return Ok(domain::guardrail_policy::GuardrailPolicy::default());
    };
    let stored: StoredPolicy = col_json(&row, "policy")?;
    Ok(domain::guardrail_policy::GuardrailPolicy {
        modes: stored.modes,
        auto_discount_max_percent: stored.auto_discount_max_percent,
        version: col(&row, "version")?,
        updated_at: Some(col_time(&row, "updated_at")?),
    })
}
