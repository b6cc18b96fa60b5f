//! Configuration: defaults, then a TOML file, then `AGENT_ARMY_*` environment variables
//! (`AGENT_ARMY_SECTION__KEY` for nested keys), then command-line flags. Validated once at start
//! and passed explicitly. Every option is documented in docs/configuration.md.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::cli::Cli;

/// Top-level keys a configuration file may hold.
const TOP_LEVEL_KEYS: &[&str] = &[
    "data_dir",
    "listen",
    "database_url",
    "database",
    "server",
    "log",
    "llm",
    "otlp",
    "runtime",
    "prompt_canary",
    "knowledge",
    "secrets_key",
];

/// The whole configuration. Unknown top-level keys are refused in the file; the environment may
/// hold other `AGENT_ARMY_*` variables (tests, wrappers), so there they are ignored.
#[derive(Debug, Deserialize)]
pub struct Config {
    /// Directory for the embedded database and local state.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Address `serve` listens on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// PostgreSQL URL; the embedded SQLite database when absent.
    #[serde(default)]
    pub database_url: Option<SecretString>,
    #[serde(default)]
    pub database: DatabaseConfig,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub log: LogConfig,
    /// Model providers and routes (`[llm.providers.NAME]`, `[llm.routes]`).
    #[serde(default)]
    pub llm: llm::GatewayConfig,
    /// Export of LLM call spans to an OTLP collector.
    #[serde(default)]
    pub otlp: OtlpSection,
    /// The agent runtime (`[runtime]`).
    #[serde(default)]
    pub runtime: RuntimeSection,
    /// A marker placed in every agent's instructions, so tests can see instructions leak into
    /// outputs (`AGENT_ARMY_PROMPT_CANARY`). Output that repeats it is blocked.
    #[serde(default)]
    pub prompt_canary: Option<SecretString>,
    /// The key integration credentials are sealed with: 64 hex digits
    /// (`AGENT_ARMY_SECRETS_KEY`). On the embedded database it defaults to a key kept in
    /// `data_dir/secrets.key` (created on first start, readable by its owner only); on
    /// PostgreSQL, where replicas share the data, it must be set for credentials to be stored.
    #[serde(default)]
    pub secrets_key: Option<SecretString>,
    /// The knowledge base (`[knowledge]`): where embeddings come from.
    #[serde(default)]
    pub knowledge: KnowledgeSection,
}

/// `[knowledge]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSection {
    /// The embedding model; without one, search is BM25 only.
    #[serde(default)]
    pub embeddings: Option<EmbeddingsSection>,
    /// Keep vectors in Qdrant instead of in memory.
    #[serde(default)]
    pub qdrant: Option<QdrantSection>,
}

/// `[knowledge.qdrant]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QdrantSection {
    /// REST endpoint, for example `http://qdrant:6333`.
    pub url: String,
    /// Environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// File holding the API key.
    #[serde(default)]
    pub api_key_file: Option<PathBuf>,
    /// Collections are named this plus the tenant id.
    #[serde(default = "default_collection_prefix")]
    pub collection_prefix: String,
}

fn default_collection_prefix() -> String {
    "agent_army_".into()
}

/// A secret from an environment variable or a file, for `section`.
fn secret_from(
    section: &str,
    env: Option<&String>,
    file: Option<&PathBuf>,
) -> anyhow::Result<Option<String>> {
    match (env, file) {
        (Some(var), _) => {
            Ok(Some(std::env::var(var).with_context(|| {
                format!("[{section}] api_key_env: {var} is not set")
            })?))
        }
        (None, Some(path)) => Ok(Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("[{section}] api_key_file: reading {}", path.display()))?
                .trim()
                .to_owned(),
        )),
        (None, None) => Ok(None),
    }
}

/// `[knowledge.embeddings]`: a local model folder, or an OpenAI-compatible endpoint.
#[derive(Debug, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case", deny_unknown_fields)]
pub enum EmbeddingsSection {
    /// A sentence-transformers folder on disk (`config.json`, `tokenizer.json`,
    /// `model.safetensors`), for example all-MiniLM-L6-v2.
    Local { model_dir: PathBuf },
    /// `POST {base_url}/embeddings`.
    Openai {
        base_url: String,
        model: String,
        /// Environment variable holding the API key.
        #[serde(default)]
        api_key_env: Option<String>,
        /// File holding the API key.
        #[serde(default)]
        api_key_file: Option<PathBuf>,
    },
}

impl KnowledgeSection {
    /// The configured Qdrant client, if vectors live there.
    pub fn qdrant(&self) -> anyhow::Result<Option<knowledge::qdrant::Qdrant>> {
        let Some(section) = &self.qdrant else {
            return Ok(None);
        };
        if !(section.url.starts_with("http://") || section.url.starts_with("https://")) {
            anyhow::bail!("[knowledge.qdrant] url must be an http:// or https:// URL");
        }
        let api_key = secret_from(
            "knowledge.qdrant",
            section.api_key_env.as_ref(),
            section.api_key_file.as_ref(),
        )?;
        let client = knowledge::qdrant::Qdrant::new(knowledge::qdrant::QdrantConfig {
            url: section.url.clone(),
            api_key,
            collection_prefix: section.collection_prefix.clone(),
        })
        .context("configuring the Qdrant client")?;
        Ok(Some(client))
    }

    /// The configured embedding model, loaded (`None`: BM25 only).
    pub fn embedder(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<dyn llm::embeddings::Embedder>>> {
        let Some(section) = &self.embeddings else {
            return Ok(None);
        };
        Ok(Some(match section {
            EmbeddingsSection::Local { model_dir } => std::sync::Arc::new(
                local_embeddings::LocalEmbeddings::load(model_dir)
                    .context("loading the local embedding model ([knowledge.embeddings])")?,
            ),
            EmbeddingsSection::Openai {
                base_url,
                model,
                api_key_env,
                api_key_file,
            } => {
                let key = secret_from(
                    "knowledge.embeddings",
                    api_key_env.as_ref(),
                    api_key_file.as_ref(),
                )?;
                std::sync::Arc::new(
                    llm::embeddings::OpenAiEmbeddings::new(
                        "embeddings",
                        base_url,
                        model,
                        key,
                        llm::providers::http::Timeouts::default(),
                    )
                    .context("configuring the embeddings endpoint")?,
                )
            }
        }))
    }
}

/// `[runtime]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSection {
    /// Run agents in this process (several replicas may all run them on PostgreSQL).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Jobs run at once by this process.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Seconds a claimed job is held; renewed while it runs, and free again this long after a
    /// replica dies.
    #[serde(default = "default_lease")]
    pub lease_secs: u64,
    /// Longest wait, in milliseconds, between looks at the queue when nothing signals new work.
    #[serde(default = "default_poll")]
    pub poll_ms: u64,
    /// Delay before the first retry of a failed job, in milliseconds; doubles each attempt.
    #[serde(default = "default_retry_base")]
    pub retry_base_ms: u64,
    /// Longest a job's handler may run, in seconds.
    #[serde(default = "default_handler_timeout")]
    pub handler_timeout_secs: u64,
}

impl Default for RuntimeSection {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: default_concurrency(),
            lease_secs: default_lease(),
            poll_ms: default_poll(),
            retry_base_ms: default_retry_base(),
            handler_timeout_secs: default_handler_timeout(),
        }
    }
}

impl RuntimeSection {
    /// The runner's settings.
    pub fn runtime_config(&self) -> agents::RuntimeConfig {
        use std::time::Duration;
        agents::RuntimeConfig {
            concurrency: self.concurrency,
            lease: Duration::from_secs(self.lease_secs),
            poll: Duration::from_millis(self.poll_ms),
            retry_base: Duration::from_millis(self.retry_base_ms),
            max_backoff: Duration::from_secs(600),
            handler_timeout: Duration::from_secs(self.handler_timeout_secs),
        }
    }
}

fn default_concurrency() -> usize {
    16
}
fn default_lease() -> u64 {
    60
}
fn default_poll() -> u64 {
    500
}
fn default_retry_base() -> u64 {
    2000
}
fn default_handler_timeout() -> u64 {
    300
}

/// `[otlp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtlpSection {
    /// OTLP/HTTP traces URL, for example `http://127.0.0.1:4318/v1/traces`; a URL with no path
    /// gets `/v1/traces`. Export is off when unset.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// File holding request headers as `name=value` pairs (commas or lines between them, values
    /// percent-encoded); when unset, `OTEL_EXPORTER_OTLP_TRACES_HEADERS` or
    /// `OTEL_EXPORTER_OTLP_HEADERS` from the environment.
    #[serde(default)]
    pub headers_file: Option<PathBuf>,
    /// `service.name` of the exported resource.
    #[serde(default = "default_service_name")]
    pub service_name: String,
    /// Deadline of one export request, in seconds.
    #[serde(default = "default_otlp_timeout")]
    pub timeout_secs: u64,
}

impl Default for OtlpSection {
    fn default() -> Self {
        Self {
            endpoint: None,
            headers_file: None,
            service_name: default_service_name(),
            timeout_secs: default_otlp_timeout(),
        }
    }
}

impl OtlpSection {
    /// The exporter settings, or `None` when export is off; reads the headers now.
    pub fn exporter_config(&self) -> anyhow::Result<Option<server::traces::otlp::OtlpConfig>> {
        let Some(endpoint) = self.endpoint.as_deref().filter(|e| !e.trim().is_empty()) else {
            return Ok(None);
        };
        let url = server::traces::otlp::traces_url(endpoint)
            .map_err(anyhow::Error::msg)
            .context("otlp.endpoint")?;
        let text = match &self.headers_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading otlp.headers_file {}", path.display()))?
                .replace(['\n', '\r'], ","),
            None => std::env::var("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
                .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_HEADERS"))
                .unwrap_or_default(),
        };
        let headers = server::traces::otlp::parse_headers(&text).map_err(anyhow::Error::msg)?;
        if self.timeout_secs == 0 {
            bail!("otlp.timeout_secs must be at least 1");
        }
        Ok(Some(server::traces::otlp::OtlpConfig {
            endpoint: url,
            headers,
            service_name: self.service_name.clone(),
            timeout: std::time::Duration::from_secs(self.timeout_secs),
        }))
    }
}

/// `[database]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// PostgreSQL URL of the schema owner, for migrations and the tenant registry; defaults to
    /// `database_url`.
    #[serde(default)]
    pub operator_url: Option<SecretString>,
    /// Pool size (readers on SQLite).
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Apply pending migrations when `serve` starts.
    #[serde(default = "yes")]
    pub migrate_on_start: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            operator_url: None,
            max_connections: default_max_connections(),
            migrate_on_start: true,
        }
    }
}

/// `[server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Largest request body, in bytes.
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Seconds to let in-flight requests finish after a shutdown signal.
    #[serde(default = "default_grace")]
    pub shutdown_grace_secs: u64,
    /// Mark the web UI's cookies `Secure` (sent over HTTPS only; browsers also accept them on
    /// `localhost`). Turn off only to reach the UI over plain HTTP on a trusted network.
    #[serde(default = "yes")]
    pub secure_cookies: bool,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            body_limit_bytes: default_body_limit(),
            shutdown_grace_secs: default_grace(),
            secure_cookies: true,
        }
    }
}

/// `[log]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    #[serde(default = "default_log_format")]
    pub format: String,
    /// A tracing filter such as `info` or `agent_army=debug,info`; `RUST_LOG` overrides it.
    #[serde(default = "default_log_level")]
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: default_log_format(),
            level: default_log_level(),
        }
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_max_connections() -> u32 {
    8
}
fn yes() -> bool {
    true
}
fn default_body_limit() -> usize {
    1024 * 1024
}
fn default_grace() -> u64 {
    30
}
fn default_service_name() -> String {
    "agent-army".into()
}
fn default_otlp_timeout() -> u64 {
    10
}
fn default_log_format() -> String {
    "text".into()
}
fn default_log_level() -> String {
    "info,sqlx=warn".into()
}

impl Config {
    /// Loads the file (if any) and the environment, applies the global flags and validates.
    pub fn load(cli: &Cli) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        if let Some(path) = &cli.config {
            let file = config::File::from(path.as_path()).format(config::FileFormat::Toml);
            check_file_keys(path, file.clone())?;
            builder = builder.add_source(file);
        }
        let env = config::Environment::with_prefix("AGENT_ARMY")
            .prefix_separator("_")
            .separator("__")
            .ignore_empty(true);
        let raw = builder
            .add_source(env)
            .build()
            .context("reading configuration")?;
        let mut config: Config = raw.try_deserialize().context("invalid configuration")?;
        if let Some(dir) = &cli.data_dir {
            config.data_dir.clone_from(dir);
        }
        if let Some(url) = &cli.database_url {
            config.database_url = Some(SecretString::from(url.clone()));
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.database_url {
            let url = url.expose_secret();
            if !(url.is_empty()
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
            {
                bail!(
                    "database_url must be a postgres:// URL (leave it unset for the embedded SQLite database)"
                );
            }
        }
        if self.database.max_connections == 0 {
            bail!("database.max_connections must be at least 1");
        }
        if self.server.body_limit_bytes < 1024 {
            bail!("server.body_limit_bytes must be at least 1024");
        }
        if self.runtime.concurrency == 0 || self.runtime.concurrency > 1024 {
            bail!("runtime.concurrency must be 1 to 1024");
        }
        if self.runtime.lease_secs < 2 {
            bail!("runtime.lease_secs must be at least 2");
        }
        if self.runtime.poll_ms == 0 || self.runtime.handler_timeout_secs == 0 {
            bail!("runtime.poll_ms and runtime.handler_timeout_secs must be at least 1");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format must be text or json");
        }
        if let Some(key) = &self.secrets_key {
            server::secrets::SecretBox::from_hex(key.expose_secret())
                .context("invalid secrets_key")?;
        }
        llm::Gateway::from_config(&self.llm).context("invalid [llm] configuration")?;
        self.otlp
            .exporter_config()
            .context("invalid [otlp] configuration")?;
        self.knowledge
            .qdrant()
            .context("invalid [knowledge.qdrant] configuration")?;
        Ok(())
    }

    /// The PostgreSQL URL, if one is configured.
    fn postgres_url(&self) -> Option<&str> {
        self.database_url
            .as_ref()
            .map(ExposeSecret::expose_secret)
            .filter(|u| !u.is_empty())
    }

    /// The box integration credentials are sealed with: the configured key; on the embedded
    /// database, else, the key kept in `data_dir/secrets.key` (made on first use, mode 0600);
    /// `None` on PostgreSQL without a key (credentials cannot be stored then).
    pub fn secrets(&self) -> anyhow::Result<Option<server::secrets::SecretBox>> {
        if let Some(key) = self.secrets_key.as_ref().map(ExposeSecret::expose_secret) {
            return server::secrets::SecretBox::from_hex(key)
                .map(Some)
                .context("invalid secrets_key");
        }
        if self.postgres_url().is_some() {
            return Ok(None);
        }
        ensure_dir(&self.data_dir)?;
        let path = self.data_dir.join("secrets.key");
        let hex = match std::fs::read_to_string(&path) {
            Ok(hex) => hex,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let hex = server::secrets::SecretBox::generate_hex()
                    .context("generating the secrets key")?;
                write_private(&path, &hex)?;
                hex
            }
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", path.display()));
            }
        };
        server::secrets::SecretBox::from_hex(&hex)
            .map(Some)
            .with_context(|| format!("{} does not hold a secrets key", path.display()))
    }

    /// Path of the embedded database file.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("agent-army.db")
    }

    /// Store options for this configuration, creating the data directory for SQLite.
    pub fn store_options(&self) -> anyhow::Result<store::ConnectOptions> {
        let url = match self.postgres_url() {
            Some(url) => url.to_owned(),
            None => {
                ensure_dir(&self.data_dir)?;
                format!("sqlite:{}", self.sqlite_path().display())
            }
        };
        Ok(store::ConnectOptions {
            url,
            operator_url: self
                .database
                .operator_url
                .as_ref()
                .map(|u| u.expose_secret().to_owned()),
            max_connections: self.database.max_connections,
        })
    }
}

fn check_file_keys(
    path: &Path,
    file: config::File<config::FileSourceFile, config::FileFormat>,
) -> anyhow::Result<()> {
    let table = config::Config::builder()
        .add_source(file)
        .build()
        .and_then(|c| c.try_deserialize::<std::collections::HashMap<String, config::Value>>())
        .with_context(|| format!("reading configuration file {}", path.display()))?;
    if let Some(unknown) = table.keys().find(|k| !TOP_LEVEL_KEYS.contains(&k.as_str())) {
        bail!(
            "{}: unknown key {unknown:?} (known: {})",
            path.display(),
            TOP_LEVEL_KEYS.join(", ")
        );
    }
    Ok(())
}

/// Writes a new file only its owner may read, failing if it exists.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

fn ensure_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))
}
