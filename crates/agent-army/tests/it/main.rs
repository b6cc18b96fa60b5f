//! The `agent-army` binary as an operator uses it: bootstrap a tenant and key from the CLI, serve,
//! drive the API, stop with SIGTERM. On SQLite, and on PostgreSQL when
//! `AGENT_ARMY_TEST_DATABASE_URL` is set.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "integration tests fail loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::{Value, json};
use testkit::{Backend, TestDb, both_backends};

mod demo_browser;
mod runtime;

const BIN: &str = env!("CARGO_BIN_EXE_agent-army");

/// A command with a clean environment for our variables and the database chosen by `db`.
fn cli(data_dir: &Path, db: &TestDb) -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("AGENT_ARMY_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--data-dir").arg(data_dir);
    if db.postgres_name().is_some() {
        cmd.arg("--database-url").arg(db.url());
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A served process, killed if the test fails before stopping it.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on a free port and returns the process and its base URL, read from its log.
fn serve(data_dir: &Path, db: &TestDb, config: Option<&Path>) -> (Served, String) {
    let mut command = cli(data_dir, db);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("AGENT_ARMY_LOG__FORMAT", "text")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("serve exited before listening")
            .unwrap();
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Served(child), url)
}

async fn bootstrap_serve_and_stop(backend: Backend) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    run(cli(&data, &db).arg("migrate"));
    let created =
        run(cli(&data, &db).args(["tenant", "create", "skyvera", "--display-name", "Skyvera"]));
    let tenant_id = stdout(&created).trim().to_owned();
    assert!(
        uuid::Uuid::try_parse(&tenant_id).is_ok(),
        "tenant create prints the id: {tenant_id:?}"
    );
    let dup = cli(&data, &db)
        .args(["tenant", "create", "skyvera"])
        .output()
        .unwrap();
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let listed = stdout(&run(cli(&data, &db).args(["tenant", "list"])));
    assert!(listed.contains(&tenant_id) && listed.contains("skyvera"));

    let user = run(cli(&data, &db).args([
        "user",
        "create",
        "--tenant",
        "skyvera",
        "--email",
        "ana@skyvera.com",
        "--name",
        "Ana",
        "--role",
        "rep",
        "--region",
        "EMEA",
    ]));
    let user_id = stdout(&user).trim().to_owned();
    let users = stdout(&run(
        cli(&data, &db).args(["user", "list", "--tenant", &tenant_id])
    ));
    assert!(users.contains("ana@skyvera.com") && users.contains("EMEA"));

    let key_out =
        run(cli(&data, &db).args(["apikey", "create", "--tenant", "skyvera", "--role", "admin"]));
    let admin_key = stdout(&key_out).lines().last().unwrap().trim().to_owned();
    assert!(
        admin_key.starts_with("aa_"),
        "the key is alone on the last line: {admin_key:?}"
    );
    let too_high = cli(&data, &db)
        .args([
            "apikey",
            "create",
            "--tenant",
            "skyvera",
            "--role",
            "admin",
            "--user",
            "ana@skyvera.com",
        ])
        .output()
        .unwrap();
    assert!(!too_high.status.success());
    let personal_out = run(cli(&data, &db).args([
        "apikey",
        "create",
        "--tenant",
        "skyvera",
        "--role",
        "rep",
        "--user",
        "ana@skyvera.com",
        "--name",
        "ana",
    ]));
    let personal = stdout(&personal_out)
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();

    let (mut child, url) = serve(&data, &db, None);
    // On the embedded database the credentials' key is made on first start, for its owner only;
    // on PostgreSQL none is made (replicas must share a configured one).
    let key_file = data.join("secrets.key");
    if db.postgres_name().is_none() {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&key_file).unwrap().len(), 64);
    } else {
        assert!(!key_file.exists());
    }
    let http = testkit::http_client();
    let me: Value = http
        .get(format!("{url}/api/v1/tenant"))
        .bearer_auth(&personal)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["tenant"]["display_name"], "Skyvera");
    assert_eq!(me["actor"]["principal"]["user_id"], user_id.as_str());
    let account = http
        .post(format!("{url}/api/v1/accounts"))
        .bearer_auth(&admin_key)
        .json(&json!({"name": "Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 201);

    // Revoke from the CLI while the server runs: the key stops working at once.
    let keys = stdout(&run(
        cli(&data, &db).args(["apikey", "list", "--tenant", "skyvera"])
    ));
    let ana_key_id = keys
        .lines()
        .find(|l| l.contains("\tana\t"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_owned();
    run(cli(&data, &db).args(["apikey", "revoke", "--tenant", "skyvera", &ana_key_id]));
    let r = http
        .get(format!("{url}/api/v1/tenant"))
        .bearer_auth(&personal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // SIGTERM drains and exits cleanly.
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.0.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
}

async fn ingest_and_search_from_the_console(backend: Backend) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(cli(&data, &db).arg("migrate"));
    run(cli(&data, &db).args(["tenant", "create", "skyvera"]));
    run(cli(&data, &db).args(["tenant", "create", "jigtree"]));
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(docs.join("notes")).unwrap();
    std::fs::write(
        docs.join("guide.md"),
        "# Security\n\nSingle sign-on uses SAML and SCIM.\n",
    )
    .unwrap();
    std::fs::write(docs.join("notes/prices.csv"), "sku,price\nCORE,100 EUR\n").unwrap();
    std::fs::write(docs.join("broken.pdf"), [0u8, 159, 146, 150, 1, 2, 3]).unwrap();
    std::fs::write(docs.join("tool.bin"), [0u8, 1, 2]).unwrap();

    let out = cli(&data, &db)
        .args([
            "ingest", "--tenant", "skyvera", "--region", "EMEA", "--kind", "playbook",
        ])
        .arg(&docs)
        .output()
        .unwrap();
    let (stdout_text, stderr_text) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        !out.status.success(),
        "a bad file fails the batch at the end"
    );
    assert!(
        stdout_text.contains("created") && stdout_text.contains("guide.md"),
        "{stdout_text}"
    );
    assert!(stdout_text.contains("prices.csv"), "{stdout_text}");
    assert!(
        stderr_text.contains("broken.pdf") && stderr_text.contains("not a readable PDF"),
        "{stderr_text}"
    );
    assert!(
        !stdout_text.contains("tool.bin") && !stderr_text.contains("tool.bin"),
        "unsupported files in folders are skipped"
    );

    let again = stdout(&run(cli(&data, &db)
        .args([
            "ingest", "--tenant", "skyvera", "--region", "EMEA", "--kind", "playbook",
        ])
        .arg(docs.join("guide.md"))));
    assert!(again.contains("unchanged"), "{again}");

    let found = stdout(&run(
        cli(&data, &db).args(["search", "--tenant", "skyvera", "single", "sign-on"])
    ));
    assert!(
        found.contains("guide.md") && found.contains("Security"),
        "{found}"
    );
    let other = stdout(&run(
        cli(&data, &db).args(["search", "--tenant", "jigtree", "single", "sign-on"])
    ));
    assert!(other.contains("no matches"), "{other}");
    let elsewhere =
        stdout(&run(cli(&data, &db).args([
            "search", "--tenant", "skyvera", "--region", "APAC", "SAML",
        ])));
    assert!(elsewhere.contains("no matches"), "{elsewhere}");
    // `ask` answers in the document's own words, with the source; nothing shared, no answer;
    // and another tenant's documents answer nothing.
    let answer = stdout(&run(cli(&data, &db).args([
        "ask", "--tenant", "skyvera", "What", "does", "single", "sign-on", "use?",
    ])));
    assert!(
        answer.contains("Single sign-on uses SAML and SCIM. [1]")
            && answer.contains("[1] Security (")
            && answer.contains("guide.md)"),
        "{answer}"
    );
    let none = stdout(&run(
        cli(&data, &db).args(["ask", "--tenant", "skyvera", "weather", "forecast"])
    ));
    assert!(none.contains("no answer"), "{none}");
    let theirs = stdout(&run(
        cli(&data, &db).args(["ask", "--tenant", "jigtree", "single", "sign-on"])
    ));
    assert!(theirs.contains("no answer"), "{theirs}");
    let bad = cli(&data, &db)
        .args(["ingest", "--tenant", "skyvera", "--kind", "poem"])
        .arg(&docs)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--kind"));
}

async fn catalog_from_the_console(backend: Backend) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(cli(&data, &db).arg("migrate"));
    run(cli(&data, &db).args(["tenant", "create", "skyvera"]));
    let bands = dir.path().join("bands.csv");
    std::fs::write(
        &bands,
        "product,region,up_to_percent,approval\n,,10,none\n,EMEA,20,manager\n",
    )
    .unwrap();
    let loaded = stdout(&run(cli(&data, &db)
        .args(["catalog", "--tenant", "skyvera", "--discount-bands"])
        .arg(&bands)));
    assert!(loaded.contains("2 discount bands"), "{loaded}");
    let prices = dir.path().join("prices.csv");
    std::fs::write(
        &prices,
        "product,sku,name,region,currency,list_price,unit\nNOPE,X,X,EMEA,EUR,1,per_unit\n",
    )
    .unwrap();
    let out = cli(&data, &db)
        .args(["catalog", "--tenant", "skyvera", "--prices"])
        .arg(&prices)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("row 1") && err.contains("NOPE"), "{err}");
    let none = cli(&data, &db)
        .args(["catalog", "--tenant", "skyvera"])
        .output()
        .unwrap();
    assert!(!none.status.success());
}

/// `agent-army demo` creates the three tenants, runs the agents to the end and reports what they
/// found and held for approval; `serve` then opens the same database and the scorecards are
/// there. A second run refuses to touch the existing tenants and writes nothing.
async fn demo_seeds_runs_the_agents_and_leaves_a_database_serve_opens(backend: Backend) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let report = stdout(&run(cli(&data, &db).arg("demo")));
    for tenant in ["Skyvera (skyvera)", "Jigtree (jigtree)", "Totogi (totogi)"] {
        assert!(report.contains(tenant), "{report}");
    }
    assert!(report.contains("qualify 12"), "{report}");
    // Per tenant: a reply to each of the four champions' emails and the minutes of eight calls.
    assert_eq!(report.matches("12 send_email").count(), 3, "{report}");
    assert!(
        report.contains("move_stage"),
        "stage moves proposed: {report}"
    );
    assert!(report.contains("budget met"), "{report}");
    assert!(report.contains("budget not_met"), "{report}");
    assert!(!report.contains("stopped waiting"), "{report}");
    let again = cli(&data, &db).arg("demo").output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let key =
        stdout(&run(cli(&data, &db).args([
            "apikey", "create", "--tenant", "skyvera", "--role", "admin",
        ])));
    let key = key.lines().last().unwrap().trim().to_owned();
    let (_served, url) = serve(&data, &db, None);
    let http = testkit::http_client();
    let deals: Value = http
        .get(format!("{url}/api/v1/opportunities"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deals = deals["items"].as_array().unwrap();
    assert_eq!(deals.len(), 4);
    for deal in deals {
        let card = http
            .get(format!(
                "{url}/api/v1/opportunities/{}/scorecard",
                deal["id"].as_str().unwrap()
            ))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(card.status(), 200);
        let card: Value = card.json().await.unwrap();
        assert!(card["version"].as_i64().unwrap() >= 1);
    }
}

/// `user password` with its password on standard input.
fn set_password(data_dir: &Path, db: &TestDb, email: &str, password: &str) -> Output {
    use std::io::Write;
    let mut child = cli(data_dir, db)
        .args(["user", "password", "--tenant", "skyvera", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn passwords_from_the_console(backend: Backend) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    run(cli(dir.path(), &db).args(["tenant", "create", "skyvera"]));
    run(cli(dir.path(), &db).args([
        "user",
        "create",
        "--tenant",
        "skyvera",
        "--email",
        "mara@skyvera.com",
        "--name",
        "Mara",
        "--role",
        "manager",
    ]));
    // The CLI's own database: on SQLite the file in its data directory.
    let mut options = db.connect_options();
    if db.postgres_name().is_none() {
        options.url = format!("sqlite:{}", dir.path().join("agent-army.db").display());
    }
    let store = store::Store::connect(&options).await.unwrap();
    let tenant = store.find_tenant("skyvera").await.unwrap();
    let users: Vec<domain::user::User> = store.list_all(tenant.id, Vec::new(), 10).await.unwrap();
    // Too short, or nobody: a clear error, and no password stored.
    for (email, password, says) in [
        ("mara@skyvera.com", "short", "12 to 1024 characters"),
        (
            "nobody@skyvera.com",
            "correct horse battery staple",
            "no user",
        ),
    ] {
        let out = set_password(dir.path(), &db, email, password);
        assert!(!out.status.success(), "{email}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
    }
    assert_eq!(
        store.password_hash(tenant.id, users[0].id).await.unwrap(),
        None
    );
    let out = set_password(
        dir.path(),
        &db,
        "MARA@skyvera.com",
        "correct horse battery staple",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored = store.password_hash(tenant.id, users[0].id).await.unwrap();
    assert!(stored.is_some_and(|h| h.starts_with("$argon2id$")));
    store.close().await;
}

both_backends!(
    bootstrap_serve_and_stop,
    ingest_and_search_from_the_console,
    catalog_from_the_console,
    demo_seeds_runs_the_agents_and_leaves_a_database_serve_opens,
    passwords_from_the_console
);

/// With `[knowledge.embeddings]` naming the local model, ingest embeds with a progress bar and
/// search is hybrid. Needs the model (`AGENT_ARMY_TEST_MINILM_DIR`, set by scripts/test.sh).
#[tokio::test]
async fn ingest_embeds_with_the_configured_local_model() {
    let Some(model) = std::env::var_os("AGENT_ARMY_TEST_MINILM_DIR") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide the model"
        );
        eprintln!("skipped: AGENT_ARMY_TEST_MINILM_DIR is not set");
        return;
    };
    let db = TestDb::create(&Backend::Sqlite).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("agent-army.toml");
    std::fs::write(
        &config,
        format!(
            "[knowledge.embeddings]\nprovider = \"local\"\nmodel_dir = {:?}\n",
            Path::new(&model).display().to_string()
        ),
    )
    .unwrap();
    let with_config = |cmd: &mut Command| {
        cmd.arg("--config").arg(&config);
    };
    run(cli(&data, &db).arg("migrate"));
    run(cli(&data, &db).args(["tenant", "create", "skyvera"]));
    let doc = dir.path().join("uptime.md");
    std::fs::write(
        &doc,
        "# Reliability\n\nThe service level agreement guarantees 99.95 percent availability.\n",
    )
    .unwrap();
    let mut ingest = cli(&data, &db);
    with_config(&mut ingest);
    let out = stdout(&run(ingest
        .args(["ingest", "--tenant", "skyvera"])
        .arg(&doc)));
    assert!(out.contains("chunks embedded with local/"), "{out}");
    let mut search = cli(&data, &db);
    with_config(&mut search);
    let found = stdout(&run(search.args([
        "search", "--tenant", "skyvera", "what", "if", "the", "system", "goes", "down",
    ])));
    assert!(
        found.contains("hybrid") && found.contains("uptime.md"),
        "{found}"
    );
}

#[test]
fn help_describes_every_command() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "tenant",
        "apikey",
        "user",
        "search",
        "ask",
        "--data-dir",
        "--database-url",
    ] {
        assert!(text.contains(command), "--help lacks {command}");
    }
    for sub in [
        &["serve", "--help"][..],
        &["tenant", "create", "--help"],
        &["apikey", "create", "--help"],
        &["user", "create", "--help"],
        &["ask", "--help"],
    ] {
        let out = Command::new(BIN).args(sub).output().unwrap();
        assert!(out.status.success(), "{sub:?}");
    }
}

#[test]
fn bad_configuration_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["--data-dir"])
        .arg(dir.path())
        .arg("migrate")
        .env("AGENT_ARMY_DATABASE_URL", "mysql://root@localhost/x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("postgres://"), "{err}");

    let config = dir.path().join("agent-army.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:9\"\nlisen = \"typo\"\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lisen"));

    std::fs::write(&config, "[llm.providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[llm.routes]\nsales = [\"elsewhere/model\"]\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown provider"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&config, "[llm.providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[llm.routes]\nsales = [\"local/model\"]\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (otlp, expected) in [
        ("endpoint = \"ftp://collector\"", "http:// or https://"),
        (
            "endpoint = \"http://127.0.0.1:4318\"\nheaders_file = \"/nonexistent/otlp\"",
            "headers_file",
        ),
    ] {
        std::fs::write(&config, format!("[otlp]\n{otlp}\n")).unwrap();
        let out = Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("migrate")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{err}");
    }

    // A secrets key that is not 64 hex digits stops the start, and says which setting.
    let out = Command::new(BIN)
        .args(["--data-dir"])
        .arg(dir.path())
        .arg("migrate")
        .env("AGENT_ARMY_SECRETS_KEY", "not-a-key")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("secrets_key") && !err.contains("not-a-key"),
        "{err}"
    );

    let out = Command::new(BIN)
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["tenant", "create", "Not A Slug!"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a tenant name"));
}

#[test]
fn environment_variables_configure_the_same_things() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["tenant", "create", "envtenant"])
        .env("AGENT_ARMY_DATA_DIR", dir.path())
        .env_remove("AGENT_ARMY_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("agent-army.db").exists());
}

/// A short WebVTT call with a budget, a timeline and a pain.
fn sample_call(dir: &Path) -> std::path::PathBuf {
    let call = dir.join("call.vtt");
    std::fs::write(
        &call,
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Rep>What budget have you set aside?\n\n\
         00:00:05.000 --> 00:00:09.000\n<v Jane Doe>We have 200k EUR approved, and our CFO signs off.\n\n\
         00:00:10.000 --> 00:00:14.000\n<v Jane Doe>We need it live by the end of Q3; outages cost us 4 hours a week.\n",
    )
    .unwrap();
    call
}

/// `agent-army qualify` on a configured model: one structured call per file answers (a recorded
/// reply), quotes are placed at their offsets in the file (found again when the model changed
/// their case), and a quote that is not in the file is dropped.
#[tokio::test]
async fn qualify_uses_the_configured_model_and_keeps_only_verbatim_quotes() {
    let fake = testkit::FakeProvider::start().await;
    fake.script([testkit::FakeReply::Text(
        include_str!("../data/qualify_model_reply.json").to_owned(),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let call = sample_call(dir.path());
    let config = dir.path().join("agent-army.toml");
    std::fs::write(
        &config,
        format!(
            "[llm.providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\n\n[llm.routes]\nsales = [\"fake/model\"]\n",
            fake.base_url
        ),
    )
    .unwrap();
    let args = (config.clone(), call.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .arg("--config")
            .arg(&args.0)
            .args(["qualify", "--format", "json"])
            .arg(&args.1)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_slice(&out.stdout).unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one structured call per file");
    let prompt = requests[0].to_string();
    assert!(
        prompt.contains("untrusted_data"),
        "the conversation is fenced"
    );
    assert!(prompt.contains("200k EUR approved"));
    let bant = &line["frameworks"]["bant"];
    // The model's statuses, not the offline extractor's.
    assert_eq!(bant["authority"]["status"], "partial");
    assert_eq!(bant["authority"]["confidence"], 0.62);
    let text = std::fs::read_to_string(&call).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let timeline = &bant["timeline"]["evidence"][0];
    assert_eq!(timeline["quote"], "We need it live by the end of Q3");
    let (start, end) = (
        timeline["start"].as_u64().unwrap() as usize,
        timeline["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        chars[start..end].iter().collect::<String>(),
        "We need it live by the end of Q3"
    );
    let process = &line["frameworks"]["meddicc"]["decision_process"];
    assert_eq!(
        process["evidence"].as_array().unwrap().len(),
        0,
        "invented quote dropped"
    );
    assert!(process["confidence"].as_f64().unwrap() <= 0.3);
    for (_, elements) in line["frameworks"].as_object().unwrap() {
        for (_, e) in elements.as_object().unwrap() {
            for ev in e["evidence"].as_array().unwrap() {
                let (start, end) = (
                    ev["start"].as_u64().unwrap() as usize,
                    ev["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(
                    chars[start..end].iter().collect::<String>(),
                    ev["quote"].as_str().unwrap()
                );
            }
        }
    }
}

/// `agent-army qualify`: JSON Lines in input order, every element in the contract's shape with
/// verbatim evidence at its character offsets, error objects for unreadable files, no database.
#[test]
fn qualify_reports_every_framework_with_verbatim_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let call = sample_call(dir.path());
    let chat = dir.path().join("smalltalk.txt");
    std::fs::write(
        &chat,
        "Ana: How was the weekend?\nBen: Lovely, we went hiking in the hills.\n",
    )
    .unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"utterances\": [").unwrap();
    let out = Command::new(BIN)
        .env(
            "AGENT_ARMY_DATABASE_URL",
            "postgres://nobody@127.0.0.1:1/none",
        )
        .args(["qualify", "--format", "json"])
        .args([&call, &broken, &chat])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["source"], call.display().to_string());
    assert!(lines[1]["error"].is_string(), "{}", lines[1]);
    let text = std::fs::read_to_string(&call).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let frameworks = lines[0]["frameworks"].as_object().unwrap();
    let names: Vec<&str> = frameworks.keys().map(String::as_str).collect();
    for framework in ["bant", "meddicc", "qbs", "tas", "sandler", "voss"] {
        assert!(names.contains(&framework), "{framework} missing");
    }
    for element in [
        "metrics",
        "economic_buyer",
        "decision_criteria",
        "decision_process",
        "paper_process",
        "identify_pain",
        "champion",
        "competition",
    ] {
        assert!(frameworks["meddicc"].get(element).is_some(), "{element}");
    }
    for (_, elements) in frameworks {
        for (_, e) in elements.as_object().unwrap() {
            let status = e["status"].as_str().unwrap();
            assert!(["met", "partial", "not_met", "unknown"].contains(&status));
            let confidence = e["confidence"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&confidence));
            for ev in e["evidence"].as_array().unwrap() {
                let (start, end) = (
                    ev["start"].as_u64().unwrap() as usize,
                    ev["end"].as_u64().unwrap() as usize,
                );
                let quoted: String = chars[start..end].iter().collect();
                assert_eq!(quoted, ev["quote"].as_str().unwrap());
            }
        }
    }
    let bant = &frameworks["bant"];
    assert_eq!(bant["budget"]["status"], "met");
    assert!(
        bant["budget"]["evidence"][0]["quote"]
            .as_str()
            .unwrap()
            .contains("200k EUR approved")
    );
    assert_eq!(bant["timeline"]["status"], "met");
    for element in ["budget", "authority", "need", "timeline"] {
        assert_eq!(
            lines[2]["frameworks"]["bant"][element]["status"], "unknown",
            "small talk: {element}"
        );
    }
    let only: Value = serde_json::from_slice(
        &Command::new(BIN)
            .args(["qualify", "--format", "json", "--frameworks", "bant"])
            .arg(&call)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(only["frameworks"].as_object().unwrap().len(), 1);
    let bad = Command::new(BIN)
        .args(["qualify", "--frameworks", "spin"])
        .arg(&call)
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown framework"));
}
