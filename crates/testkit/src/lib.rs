//! Test support: [`spawn_app`] starts the real server on `127.0.0.1:0` over a fresh temporary
//! SQLite database, or a fresh PostgreSQL database when `AGENT_ARMY_TEST_DATABASE_URL` is set, and
//! hands back its URL, an HTTP client and direct database access for assertions.
//!
//! Dev-dependency only.

// Test support: a failed set-up step should stop the test with its message.
#![expect(
    clippy::expect_used,
    reason = "test support fails the test on set-up errors"
)]

pub mod browser;
mod db;
pub mod fake_collector;
pub mod fake_provider;
pub mod fake_qdrant;

use std::io::Write;
use std::sync::{Arc, Once};

use domain::id::{ApiKeyId, TenantId, UserId};
use domain::tenant::TenantSlug;
use domain::user::Role;
use reqwest::{Method, RequestBuilder};
use server::{AppState, ServerConfig};
use store::{Store, WriteCtx};

pub use db::{TENANT_TABLES, TestDb};
pub use fake_collector::{FakeCollector, span_attribute};
pub use fake_provider::{FakeProvider, FakeReply};
pub use fake_qdrant::FakeQdrant;

/// Environment variable naming a PostgreSQL server for the PostgreSQL suite: a URL of a role that
/// may create databases, for example `postgres://agent_army:agent_army@127.0.0.1:5432/postgres`.
pub const TEST_DATABASE_URL_ENV: &str = "AGENT_ARMY_TEST_DATABASE_URL";

/// Optional `user:password` of a PostgreSQL login that owns nothing and is a member of
/// `agent_army_app`; when set, test servers connect as it (and migrate as the owner).
pub const TEST_SERVER_LOGIN_ENV: &str = "AGENT_ARMY_TEST_SERVER_LOGIN";

/// Which backend a test runs against.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    /// PostgreSQL when `AGENT_ARMY_TEST_DATABASE_URL` is set; `None` (and a note on stderr, once)
    /// otherwise.
    pub fn postgres() -> Option<Self> {
        match std::env::var(TEST_DATABASE_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => Some(Self::Postgres { admin_url: url }),
            _ => {
                static NOTE: Once = Once::new();
                NOTE.call_once(|| {
                    // Written to the real stderr, past the test harness's capture, so a plain
                    // `cargo test` run says the PostgreSQL suite did not run.
                    let _ = writeln!(
                        std::io::stderr(),
                        "note: PostgreSQL suite skipped ({TEST_DATABASE_URL_ENV} is not set)"
                    );
                });
                None
            }
        }
    }
}

/// Runs each named async test function once per backend: `mod sqlite` always, `mod postgres`
/// when `AGENT_ARMY_TEST_DATABASE_URL` is set. Each function takes a [`Backend`].
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(backend) = $crate::Backend::postgres() {
                        super::$name(backend).await;
                    }
                }
            )+
        }
    };
}

/// An HTTP client for tests and benches (installs the TLS crypto provider first).
pub fn http_client() -> reqwest::Client {
    llm::ensure_tls_provider();
    reqwest::Client::new()
}

/// A running server and what a test needs to drive it.
pub struct TestApp {
    /// Base URL, for example `http://127.0.0.1:41234`.
    pub url: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db: TestDb,
    /// The server's trace writer, to wait for traces before reading them.
    pub traces: server::traces::TraceWriter,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Stops the agent runtime, when the app runs one.
    stop_agents: Option<tokio::sync::watch::Sender<bool>>,
}

/// What a test server runs besides the API.
#[derive(Default)]
pub struct AppOptions {
    pub config: ServerConfig,
    pub gateway: Option<llm::Gateway>,
    pub otlp: Option<server::traces::otlp::OtlpConfig>,
    /// Run the agent runtime (the crew's handlers and the executor) with test timings.
    pub agents: bool,
    /// `AGENT_ARMY_PROMPT_CANARY` for the agents.
    pub canary: Option<String>,
    /// The knowledge base's embedding model (BM25 only when `None`).
    pub embedder: Option<Arc<dyn llm::embeddings::Embedder>>,
    /// Keep vectors in this Qdrant instead of in memory.
    pub qdrant: Option<knowledge::qdrant::Qdrant>,
}

/// The agent runtime's settings in tests: short leases and quick retries.
pub fn test_runtime_config() -> agents::RuntimeConfig {
    agents::RuntimeConfig {
        concurrency: 4,
        lease: std::time::Duration::from_secs(5),
        poll: std::time::Duration::from_millis(50),
        retry_base: std::time::Duration::from_millis(50),
        max_backoff: std::time::Duration::from_millis(500),
        handler_timeout: std::time::Duration::from_secs(10),
    }
}

/// A tenant created for a test, with an admin service key.
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub id: TenantId,
    pub name: String,
    pub admin_key: String,
}

/// Starts the real server over a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, ServerConfig::default()).await
}

/// Like [`spawn_app`], with server settings.
pub async fn spawn_app_with(backend: Backend, config: ServerConfig) -> TestApp {
    spawn_app_with_options(
        backend,
        AppOptions {
            config,
            ..AppOptions::default()
        },
    )
    .await
}

/// Like [`spawn_app`], with a gateway (for example routed to a fake provider).
pub async fn spawn_app_with_gateway(backend: Backend, gateway: llm::Gateway) -> TestApp {
    spawn_app_with_options(
        backend,
        AppOptions {
            gateway: Some(gateway),
            ..AppOptions::default()
        },
    )
    .await
}

/// Like [`spawn_app_with_gateway`], exporting LLM call spans over OTLP.
pub async fn spawn_app_with_otlp(
    backend: Backend,
    gateway: llm::Gateway,
    otlp: server::traces::otlp::OtlpConfig,
) -> TestApp {
    spawn_app_with_options(
        backend,
        AppOptions {
            gateway: Some(gateway),
            otlp: Some(otlp),
            ..AppOptions::default()
        },
    )
    .await
}

/// Starts a test server with these options.
pub async fn spawn_app_with_options(backend: Backend, options: AppOptions) -> TestApp {
    let AppOptions {
        config,
        gateway,
        otlp,
        agents: run_agents,
        canary,
        embedder,
        qdrant,
    } = options;
    let gateway = gateway.unwrap_or_else(llm::Gateway::offline);
    let mut config = config;
    if config.secrets.is_none() {
        let key = server::secrets::SecretBox::generate_hex().expect("random source");
        config.secrets = Some(Arc::new(
            server::secrets::SecretBox::from_hex(&key).expect("a fresh key"),
        ));
    }
    let db = TestDb::create(&backend)
        .await
        .expect("creating the test database");
    let store = Store::connect(&db.connect_options())
        .await
        .expect("connecting to the test database");
    store.migrate().await.expect("migrating the test database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a port");
    let url = format!("http://{}", listener.local_addr().expect("bound address"));
    let gateway = Arc::new(gateway);
    let exporter = otlp.map(|config| {
        server::traces::otlp::OtlpExporter::spawn(config, gateway.clone())
            .expect("starting the OTLP exporter")
            .0
    });
    let (traces, _writer) = server::traces::TraceWriter::spawn(store.clone(), exporter);
    let deps = agents::runner::AgentDeps {
        store: store.clone(),
        gateway: gateway.clone(),
        canary,
        library: Arc::new({
            let library = knowledge::library::Library::with_embedder(None, embedder);
            match qdrant {
                Some(qdrant) => library.with_qdrant(qdrant),
                None => library,
            }
        }),
    };
    let stop_agents = if run_agents {
        let runtime = agents::Runtime::new(
            store.clone(),
            agents::crew::handlers(&deps),
            test_runtime_config(),
        );
        store
            .register_subscriptions(&runtime.subscriptions())
            .await
            .expect("registering the crew's subscriptions");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(runtime.run(stopped));
        Some(stop)
    } else {
        None
    };
    let state = AppState {
        llm_settings: Arc::default(),
        agents: deps,
        gateway,
        traces: traces.clone(),
        store: store.clone(),
        config: Arc::new(config),
        metrics: server::metrics_handle(),
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    TestApp {
        url,
        client: http_client(),
        store,
        db,
        traces,
        shutdown: Some(tx),
        stop_agents,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(stop) = self.stop_agents.take() {
            let _ = stop.send(true);
        }
    }
}

impl TestApp {
    /// Creates a tenant and an admin service key for it.
    pub async fn tenant(&self, name: &str) -> TestTenant {
        let slug = TenantSlug::parse(name).expect("valid tenant name");
        let tenant = self
            .store
            .create_tenant(slug, None)
            .await
            .expect("creating tenant");
        let admin_key = self.key(tenant.id, Role::Admin, None).await;
        TestTenant {
            id: tenant.id,
            name: name.to_owned(),
            admin_key,
        }
    }

    /// Creates an API key of a role, bound to a user when given, and returns the secret. The key
    /// is used once, so its first-use bookkeeping (`last_used_at`) is not mistaken for a change
    /// made by the request under test.
    pub async fn key(&self, tenant: TenantId, role: Role, user: Option<UserId>) -> String {
        self.key_with_id(tenant, role, user).await.1
    }

    /// Like [`TestApp::key`], also returning the key's id.
    pub async fn key_with_id(
        &self,
        tenant: TenantId,
        role: Role,
        user: Option<UserId>,
    ) -> (ApiKeyId, String) {
        let generated = server::auth::generate_key(tenant).expect("random source");
        let record = domain::apikey::NewApiKey {
            name: format!("test {role}"),
            role,
            user_id: user,
        }
        .into_key(generated.prefix, generated.hash, store::now())
        .expect("valid key");
        let id = record.id;
        let w = WriteCtx::new(tenant, domain::actor::Actor::operator(), None);
        self.store
            .create(&w, record, None)
            .await
            .expect("storing key");
        let warm = self
            .get(&generated.secret, "/api/v1/tenant")
            .send()
            .await
            .expect("request");
        assert_eq!(warm.status(), 200, "a fresh key must work");
        (id, generated.secret)
    }

    /// A request to `path` with the key as bearer token.
    pub fn request(&self, method: Method, key: &str, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(key)
    }

    pub fn get(&self, key: &str, path: &str) -> RequestBuilder {
        self.request(Method::GET, key, path)
    }

    pub fn post(&self, key: &str, path: &str, body: &serde_json::Value) -> RequestBuilder {
        self.request(Method::POST, key, path).json(body)
    }

    pub fn patch(&self, key: &str, path: &str, body: &serde_json::Value) -> RequestBuilder {
        self.request(Method::PATCH, key, path).json(body)
    }

    pub fn delete(&self, key: &str, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, key, path)
    }

    /// GETs `path` and returns the JSON body, failing the test unless the answer is 200.
    pub async fn get_json(&self, key: &str, path: &str) -> serde_json::Value {
        let response = self.get(key, path).send().await.expect("request");
        let status = response.status();
        let json: serde_json::Value = response.json().await.expect("JSON body");
        assert_eq!(status, 200, "GET {path}: {json}");
        json
    }

    /// Creates an object and returns its JSON, failing the test unless the answer is 201.
    pub async fn create(
        &self,
        key: &str,
        collection: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let response = self
            .post(key, collection, &body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let json: serde_json::Value = response.json().await.expect("JSON body");
        assert_eq!(status, 201, "creating in {collection}: {json}");
        json
    }

    /// Every row of every table visible to these tenants, as text: compare two snapshots to prove
    /// a request changed nothing.
    pub async fn snapshot(&self, tenants: &[TenantId]) -> String {
        self.db
            .snapshot(tenants)
            .await
            .expect("snapshotting the database")
    }
}

/// Reads a JSON body and asserts it is a problem document with this status and code.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    let got = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(got, status, "unexpected status, body {body}");
    assert_eq!(content_type, "application/problem+json", "body {body}");
    assert_eq!(body["status"], status, "body {body}");
    assert_eq!(body["code"], code, "body {body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "{body}"
    );
    assert!(
        body["request_id"].is_string(),
        "problem without request id: {body}"
    );
    body
}
