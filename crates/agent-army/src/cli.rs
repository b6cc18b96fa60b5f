//! Command-line interface.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Agent Army: a self-hosted, multi-tenant AI sales organization platform.
///
/// Runs on embedded defaults (SQLite in the data directory) with no setup; point
/// --database-url at PostgreSQL for production.
#[derive(Debug, Parser)]
#[command(name = "agent-army", version, propagate_version = true)]
pub struct Cli {
    /// TOML configuration file (see docs/configuration.md).
    #[arg(long, global = true, env = "AGENT_ARMY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Directory for the embedded database and other local state.
    #[arg(long, global = true, env = "AGENT_ARMY_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database URL: postgres://user:pass@host/db for PostgreSQL; the embedded SQLite file in the
    /// data directory when absent.
    #[arg(
        long,
        global = true,
        env = "AGENT_ARMY_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage tenants (business units).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Apikey(ApiKeyCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Add files or folders to a tenant's knowledge base (Markdown, text, HTML, PDF, DOCX, CSV).
    Ingest(IngestArgs),
    /// Search a tenant's knowledge base.
    Search(SearchArgs),
    /// Answer a question from a tenant's knowledge base: the sentences of the best passages that
    /// answer it, verbatim, each with its source.
    Ask(SearchArgs),
    /// Load a tenant's price book and discount bands from CSV files.
    Catalog(CatalogArgs),
    /// Qualify conversations given as files (emails, transcripts, notes) against BANT, MEDDICC,
    /// QBS, TAS, Sandler and Voss; no database is opened. Offline unless the configuration gives
    /// the `sales` route a model.
    Qualify(QualifyArgs),
    /// Create three demo tenants (Skyvera, Jigtree, Totogi) with products, price books, knowledge,
    /// accounts, deals, emails and call transcripts; run the agents over them on the offline
    /// engine; print what they found and held for approval. Use a fresh --data-dir: `serve` opens
    /// the result.
    Demo,
}

#[derive(Debug, Args)]
pub struct QualifyArgs {
    /// `text` for people, `json` for one JSON object per file (JSON Lines, in input order).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Frameworks to report, comma-separated: bant, meddicc, qbs, tas, sandler, voss.
    #[arg(
        long,
        default_value = "bant,meddicc,qbs,tas,sandler,voss",
        value_delimiter = ','
    )]
    pub frameworks: Vec<String>,
    /// Competitor names to recognise, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub competitors: Vec<String>,
    /// Emails (.eml), transcripts (.vtt, .srt, .json, speaker-labelled .txt) or notes.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Tenant name or id.
    #[arg(long)]
    pub tenant: String,
    /// Price-book CSV with the columns product,sku,name,region,currency,list_price,unit
    /// (units: per_seat_month, per_seat_year, per_unit, per_month, per_year, one_time).
    /// Entries of the same SKU, region and currency are replaced.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Discount-band CSV with the columns product,region,up_to_percent,approval (approval:
    /// none, manager, director, deal_desk; empty product or region: all). Replaces every band.
    #[arg(long, value_name = "FILE")]
    pub discount_bands: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Tenant name or id.
    #[arg(long)]
    pub tenant: String,
    /// Product (code or id) the documents are about.
    #[arg(long)]
    pub product: Option<String>,
    /// Region code the documents apply to; repeat for several.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// What the documents are: product_doc, pricing, competitor, case_study, policy or playbook.
    #[arg(long, default_value = "product_doc")]
    pub kind: String,
    /// Files, or folders read recursively (files of supported types only).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Tenant name or id.
    #[arg(long)]
    pub tenant: String,
    /// Only documents about this product (code or id).
    #[arg(long)]
    pub product: Option<String>,
    /// Only documents that apply to this region.
    #[arg(long)]
    pub region: Option<String>,
    /// Only documents of this kind.
    #[arg(long)]
    pub kind: Option<String>,
    /// How many hits to show.
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    /// The question or words to look for.
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AGENT_ARMY_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant with the default regions (APAC, EMEA, Americas); prints its id.
    Create {
        /// Short unique name: lower-case letters, digits and '-', for example `skyvera`.
        name: String,
        /// Name shown in the UI; defaults to NAME.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List tenants.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; prints the key alone on the last line (it is shown only once).
    Create {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
        /// Role of the key: admin, manager, rep or viewer.
        #[arg(long)]
        role: String,
        /// Label to recognise the key by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Bind the key to this user (email or id) so it acts as that human; otherwise it is a
        /// service key for machines and agents.
        #[arg(long, value_name = "EMAIL_OR_ID")]
        user: Option<String>,
    },
    /// List a tenant's API keys (never the keys themselves).
    List {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
    },
    /// Revoke an API key.
    Revoke {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
        /// Id of the key.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, rep or viewer.
        #[arg(long)]
        role: String,
        /// Home region code, for example EMEA.
        #[arg(long)]
        region: Option<String>,
    },
    /// List a tenant's users.
    List {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
    },
    /// Set a user's password for the web UI (12 characters or more), read from standard input
    /// (the first line) so it stays out of the shell history; their sessions end.
    Password {
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
}
