//! `agent-army serve`: migrate, check the database, and serve the HTTP API until SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use server::{AppState, ServerConfig};

use crate::cli::ServeArgs;
use crate::config::Config;

pub async fn run(config: &Config, args: &ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = super::open_store(config).await?;
    if config.database.migrate_on_start {
        store
            .migrate_if_needed()
            .await
            .context("applying migrations")?;
    }
    store.ping().await.context("checking the database")?;
    for warning in store
        .login_warnings()
        .await
        .context("checking the database login")?
    {
        tracing::warn!(
            "{warning}; requests still run as agent_army_app under row-level security, but in \
             production connect as a login that is only a member of agent_army_app \
             (see docs/configuration.md)"
        );
    }
    let listen = args.listen.unwrap_or(config.listen);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    let gateway =
        Arc::new(llm::Gateway::from_config(&config.llm).context("configuring the LLM gateway")?);
    let (otlp, otlp_task) = match config.otlp.exporter_config()? {
        Some(otlp) => {
            tracing::info!(endpoint = %otlp.endpoint, "exporting LLM call spans over OTLP");
            let (exporter, task) = server::traces::otlp::OtlpExporter::spawn(otlp, gateway.clone())
                .map_err(anyhow::Error::msg)
                .context("configuring the OTLP exporter")?;
            (Some(exporter), Some(task))
        }
        None => (None, None),
    };
    let (traces, trace_writer) = server::traces::TraceWriter::spawn(store.clone(), otlp);
    let deps = agents::runner::AgentDeps {
        store: store.clone(),
        gateway: gateway.clone(),
        canary: config
            .prompt_canary
            .as_ref()
            .map(|c| secrecy::ExposeSecret::expose_secret(c).to_owned())
            .filter(|c| !c.is_empty()),
        library: Arc::new(super::knowledge::open_library(config)?),
    };
    match deps.library.embedder_name() {
        Some(model) => tracing::info!(%model, "knowledge search is hybrid (BM25 and vectors)"),
        None => tracing::info!(
            "knowledge search is BM25 only; set [knowledge.embeddings] for hybrid search"
        ),
    }
    let (stop_agents, agents_stopped) = tokio::sync::watch::channel(false);
    let runtime = agents::Runtime::new(
        store.clone(),
        agents::crew::handlers(&deps),
        config.runtime.runtime_config(),
    );
    // Before the first request: an event written with no subscriptions in place would reach no
    // one. Replicas that do not run agents register them too, for the replicas that do.
    store
        .register_subscriptions(&runtime.subscriptions())
        .await
        .context("registering the agents' event subscriptions")?;
    let agent_runtime = if config.runtime.enabled {
        let seeding = store.clone();
        let backfill_library = deps.library.clone();
        Some(tokio::spawn(async move {
            // Every replica queues the next firing of each schedule; dedupe keys keep one.
            if let Err(e) = agents::schedule::seed_all(&seeding).await {
                tracing::warn!(error = %e, "queueing the schedules failed; they start with the next region change");
            }
            tokio::spawn(embed_backlog(seeding, backfill_library));
            let ended = runtime.run(agents_stopped).await;
            if let Err(e) = &ended {
                tracing::error!(error = %e, "the agent runtime stopped; agents are not running");
            }
            ended
        }))
    } else {
        None
    };
    let secrets = config.secrets()?;
    if secrets.is_none() {
        tracing::warn!(
            "integration credentials cannot be stored: set secrets_key (AGENT_ARMY_SECRETS_KEY) to 64 hex digits"
        );
    }
    let state = AppState {
        llm_settings: Arc::default(),
        agents: deps,
        gateway,
        traces,
        store: store.clone(),
        config: Arc::new(ServerConfig {
            body_limit_bytes: config.server.body_limit_bytes,
            secure_cookies: config.server.secure_cookies,
            secrets: secrets.map(Arc::new),
        }),
        metrics: server::metrics_handle(),
    };
    tracing::info!(
        address = %local,
        database = store.backend_name(),
        startup_ms = started.elapsed().as_millis(),
        "agent-army listening on http://{local}"
    );
    let grace = Duration::from_secs(config.server.shutdown_grace_secs);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(server::serve(listener, state, async move {
        let _ = stop_rx.await;
    }));
    tokio::select! {
        () = shutdown_signal() => {}
        ended = &mut serving => {
            // The server stopped on its own: report why.
            ended.context("server task failed")?.context("serving HTTP")?;
            return Ok(());
        }
    }
    tracing::info!("shutting down; finishing in-flight requests and agent jobs");
    let _ = stop_tx.send(());
    let _ = stop_agents.send(true);
    match tokio::time::timeout(grace, &mut serving).await {
        Ok(joined) => joined
            .context("server task failed")?
            .context("serving HTTP")?,
        Err(_) => {
            tracing::warn!("requests still running after {grace:?}; stopping anyway");
            serving.abort();
        }
    }
    if let Some(runtime) = agent_runtime {
        match tokio::time::timeout(grace, runtime).await {
            Ok(_) => {}
            Err(_) => {
                tracing::warn!("agent jobs still running after {grace:?}; their leases will expire")
            }
        }
    }
    // The server and its state are gone, so the trace writer drains what it holds and ends.
    if tokio::time::timeout(Duration::from_secs(5), trace_writer)
        .await
        .is_err()
    {
        tracing::warn!("LLM traces still being written at shutdown");
    }
    // With the writer gone, the exporter sends what it holds and ends.
    if let Some(task) = otlp_task
        && tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .is_err()
    {
        tracing::warn!("LLM call spans still being exported at shutdown");
    }
    if tokio::time::timeout(Duration::from_secs(5), store.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections did not close in time");
    }
    Ok(())
}

/// Embeds chunks stored before the embedding model was configured (or while it was failing).
/// New documents are embedded by the runtime's embedder as they arrive.
async fn embed_backlog(store: store::Store, library: Arc<knowledge::library::Library>) {
    let Some(model) = library.embedder_name() else {
        return;
    };
    let tenants = match store.list_tenants().await {
        Ok(tenants) => tenants,
        Err(e) => {
            tracing::warn!(error = %e, "listing tenants for the embedding backlog failed");
            return;
        }
    };
    for tenant in tenants {
        let report = |done: u64, total: u64| {
            if done == total || done % 1024 < knowledge::library::EMBED_BATCH as u64 {
                tracing::info!(tenant = %tenant.id, done, total, %model, "embedding the knowledge backlog");
            }
        };
        if let Err(e) = library.embed_missing(&store, tenant.id, &report).await {
            tracing::warn!(tenant = %tenant.id, error = %e, "embedding the knowledge backlog failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
