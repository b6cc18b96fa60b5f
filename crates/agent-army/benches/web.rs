//! Server time to render the web UI's busiest pages for a large tenant: the dashboard (every
//! filter off, then filtered by region, product and period) and the deal room of a demo deal
//! (with its scorecard, plans, minutes and account timeline), plus the deals list.
//!
//! Set-up: `agent-army demo` on a fresh database (three tenants whose deals went through the
//! agents on the offline engine), then Skyvera is grown to 5,000 opportunities and 100,000
//! activities over 1,000 more accounts, straight through the store. A rep's browser session is
//! stored, the real release binary serves (`agent-army serve`, as a web replica with
//! `[runtime] enabled = false`, so the 100,000 seeded activities' queued agent work does not run
//! in the same process while it is measured), and each page is requested one
//! at a time over a keep-alive loopback connection; the figure is the time from sending the
//! request to the last byte of the page.
//!
//! SQLite always; PostgreSQL too when `AGENT_ARMY_TEST_DATABASE_URL` is set.
//!
//! Run: `cargo bench -p agent-army --bench web` (options: `-- --requests 300`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness fails loudly"
)]

use std::time::{Duration, Instant};

use domain::account::{Account, NewAccount};
use domain::activity::{Activity, NewActivity};
use domain::actor::Actor;
use domain::opportunity::{NewOpportunity, Opportunity};
use domain::product::Product;
use domain::region::Region;
use domain::user::User;
use serde_json::json;
use store::{Store, WriteCtx};
use testkit::{Backend, TestDb};

mod common;

use common::{cli, start};

const OPPORTUNITIES: usize = 5_000;
const ACTIVITIES: usize = 100_000;
const NEW_ACCOUNTS: usize = 1_000;

fn requests() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--requests")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

const STAGES: [&str; 8] = [
    "prospecting",
    "qualification",
    "discovery",
    "solution",
    "proposal",
    "negotiation",
    "closed_won",
    "closed_lost",
];

const BODIES: [&str; 4] = [
    "Thanks for the call today. As discussed, the finance team still reconciles carrier invoices \
     by hand and loses about twenty hours a week; the CFO wants that down before the audit.",
    "Quick note after the demo: they liked the audit trail, asked about data residency in \
     Germany and want the SOC 2 report before the security review next Thursday.",
    "Left a voicemail for the procurement lead about the redlines; legal expects to finish the \
     contract review by the end of the month.",
    "Steering committee moved to next week. Champion says budget of 180,000 euros is approved \
     for the second half, pending the business case.",
];

/// Grows the tenant to `OPPORTUNITIES` deals and `ACTIVITIES` activities.
async fn grow(store: &Store, tenant: domain::id::TenantId) -> Duration {
    let started = Instant::now();
    let w = WriteCtx::new(tenant, Actor::operator(), None);
    let now = store::now();
    let users: Vec<User> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let regions: Vec<Region> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let products: Vec<Product> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let deals: Vec<Opportunity> = store
        .list_all(tenant, Vec::new(), OPPORTUNITIES)
        .await
        .unwrap();
    let activities: Vec<Activity> = store
        .list_all(tenant, Vec::new(), ACTIVITIES)
        .await
        .unwrap();
    let deals_to_add = OPPORTUNITIES - deals.len();
    let mut activities_left = ACTIVITIES - activities.len();
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut added = Vec::new();
    for a in 0..NEW_ACCOUNTS {
        let account: Account = serde_json::from_value::<NewAccount>(json!({
            "name": format!("Bench Account {a:04}"),
            "domains": [format!("bench{a:04}.example")],
        }))
        .unwrap()
        .into_account(now)
        .unwrap();
        store.create(&w, account.clone(), None).await.unwrap();
        for d in 0..deals_to_add.div_ceil(NEW_ACCOUNTS) {
            let n = added.len();
            if n == deals_to_add {
                break;
            }
            let user = &users[n % users.len()];
            let close = today
                .checked_add(jiff::Span::new().days((n % 270) as i64 - 60))
                .unwrap();
            let deal: Opportunity = serde_json::from_value::<NewOpportunity>(json!({
                "account_id": account.id,
                "name": format!("Bench deal {a}-{d}"),
                "amount": {"amount": format!("{}", 20_000 + (n * 7_919) % 480_000), "currency": "EUR"},
                "close_date": close.to_string(),
                "owner_id": user.id,
                "region": regions[n % regions.len()].code,
                "product_ids": [products[n % products.len()].id],
                "stage": STAGES[n % 6],
            }))
            .unwrap()
            .into_opportunity(now)
            .unwrap();
            let mut deal = deal;
            // Some closed ones too, as a real tenant has.
            if n % 10 == 9 {
                deal.stage = if n % 20 == 19 {
                    domain::stage::Stage::ClosedWon
                } else {
                    domain::stage::Stage::ClosedLost
                };
            }
            store.create(&w, deal.clone(), None).await.unwrap();
            added.push((account.id, deal.id));
        }
    }
    let per_deal = activities_left.div_ceil(added.len());
    for (i, (account, deal)) in added.iter().enumerate() {
        for k in 0..per_deal {
            if activities_left == 0 {
                break;
            }
            activities_left -= 1;
            let at = now
                .checked_sub(jiff::SignedDuration::from_hours(
                    ((i + k * 37) % 4_000) as i64,
                ))
                .unwrap();
            let activity = serde_json::from_value::<NewActivity>(json!({
                "kind": if k % 3 == 0 { "email" } else { "note" },
                "subject": format!("Follow-up {k}"),
                "body": BODIES[(i + k) % BODIES.len()],
                "occurred_at": at,
                "account_id": account,
                "opportunity_id": deal,
            }))
            .unwrap()
            .into_activity(now)
            .unwrap();
            store.create(&w, activity, None).await.unwrap();
        }
    }
    started.elapsed()
}

/// Stores a browser session for the user and returns the cookie's value.
async fn session(store: &Store, tenant: domain::id::TenantId, user: &User) -> String {
    let token = server::web::session::new_token(tenant).unwrap();
    let now = store::now();
    let session = domain::session::WebSession {
        id: domain::id::SessionId::generate(),
        user_id: user.id,
        token_hash: server::web::session::token_hash(&token),
        csrf_token: server::web::session::random_hex(32).unwrap(),
        created_at: now,
        expires_at: now
            .checked_add(jiff::SignedDuration::from_hours(12))
            .unwrap(),
    };
    let w = WriteCtx::new(tenant, Actor::user(user.id, user.role), None);
    store.create_session(&w, &session).await.unwrap();
    token
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank]
}

async fn measure(client: &reqwest::Client, url: &str, cookie: &str, n: usize) -> (f64, f64, usize) {
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for i in 0..n + 10 {
        let started = Instant::now();
        let response = client
            .get(url)
            .header("cookie", format!("aa_session={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let body = response.bytes().await.unwrap();
        let took = started.elapsed();
        size = body.len();
        // The first ten warm the caches and the connection.
        if i >= 10 {
            times.push(took);
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        size,
    )
}

async fn bench(name: &str, backend: Backend, n: usize) {
    let db = TestDb::create(&backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = cli(&data, &db).arg("demo").output().unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let options = match db.postgres_name() {
        Some(_) => db.connect_options(),
        None => store::ConnectOptions {
            url: format!("sqlite:{}", data.join("agent-army.db").display()),
            operator_url: None,
            max_connections: 4,
        },
    };
    let store = Store::connect(&options).await.unwrap();
    let tenant = store.find_tenant("skyvera").await.unwrap().id;
    let demo_deals: Vec<Opportunity> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let hero = demo_deals
        .iter()
        .find(|d| d.stage.is_open())
        .expect("an open demo deal")
        .id;
    let seeding = grow(&store, tenant).await;
    let users: Vec<User> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let cookie = session(&store, tenant, &users[0]).await;
    let regions: Vec<Region> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    let products: Vec<Product> = store.list_all(tenant, Vec::new(), 100).await.unwrap();
    // The dashboard's one read of every deal, against reading the deals whole.
    let mut narrow = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let facts = store.deal_facts(tenant, Vec::new()).await.unwrap();
        narrow.push(started.elapsed());
        assert_eq!(facts.len(), OPPORTUNITIES);
        let started = Instant::now();
        let rows: Vec<Opportunity> = store
            .list_all(tenant, Vec::new(), OPPORTUNITIES)
            .await
            .unwrap();
        whole.push(started.elapsed());
        assert_eq!(rows.len(), OPPORTUNITIES);
    }
    narrow.sort();
    whole.sort();
    let reads = format!(
        "reading {OPPORTUNITIES} deals in process: facts only p50 {:.1} ms, whole rows p50 {:.1} ms",
        percentile(&narrow, 50.0).as_secs_f64() * 1000.0,
        percentile(&whole, 50.0).as_secs_f64() * 1000.0
    );
    store.close().await;

    // A web replica: the seeded activities' events are left queued rather than worked through by
    // agents in the same process while it is measured.
    let config = dir.path().join("web-replica.toml");
    std::fs::write(&config, "[runtime]\nenabled = false\n").unwrap();
    let mut served = start(&data, &db, Some(&config)).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let pages = [
        ("dashboard", "/dashboard".to_owned()),
        (
            "dashboard, one region, product and quarter",
            format!(
                "/dashboard?region={}&product={}&period=this_quarter",
                regions[0].code.as_str(),
                products[0].id
            ),
        ),
        ("deal room", format!("/deals/{hero}")),
        (
            "deal room's political map (SVG)",
            format!("/deals/{hero}/map.svg"),
        ),
        ("deals list (first page)", "/deals".to_owned()),
    ];
    println!(
        "{name}: {OPPORTUNITIES} opportunities, {ACTIVITIES} activities in the tenant (seeded in {:.0} s); {n} requests per page",
        seeding.as_secs_f64()
    );
    println!("  {reads}");
    for (label, path) in pages {
        let (p50, p99, size) = measure(&client, &format!("{}{path}", served.url), &cookie, n).await;
        println!("  {label:<45} p50 {p50:>7.2} ms   p99 {p99:>7.2} ms   {size} bytes");
    }
    served.child.kill().unwrap();
    served.child.wait().unwrap();
}

#[tokio::main]
async fn main() {
    llm::ensure_tls_provider();
    let n = requests();
    bench("SQLite", Backend::Sqlite, n).await;
    if let Some(postgres) = Backend::postgres() {
        bench("PostgreSQL", postgres, n).await;
    }
}
