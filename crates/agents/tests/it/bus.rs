use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agents::{Handler, HandlerError, Runtime, RuntimeConfig};
use async_trait::async_trait;
use domain::account::NewAccount;
use domain::actor::Actor;
use domain::tenant::TenantSlug;
use store::jobs::Job;
use store::{ListQuery, Store, WriteCtx};
use testkit::{Backend, TestDb, both_backends};
use tokio::sync::watch;

/// Records the dedupe keys it sees; fails the first `fail_first` attempts of every job.
struct Recorder {
    name: &'static str,
    seen: Mutex<HashMap<String, u32>>,
    fail_first: u32,
    permanent: bool,
}

impl Recorder {
    fn new(name: &'static str, fail_first: u32, permanent: bool) -> Arc<Self> {
        Arc::new(Self {
            name,
            seen: Mutex::default(),
            fail_first,
            permanent,
        })
    }

    fn attempts(&self) -> HashMap<String, u32> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl Handler for Recorder {
    fn name(&self) -> &str {
        self.name
    }

    fn event_kinds(&self) -> Vec<String> {
        vec!["account.created".into()]
    }

    async fn handle(&self, job: &Job) -> Result<(), HandlerError> {
        let attempt = {
            let mut seen = self.seen.lock().unwrap();
            let n = seen.entry(job.dedupe_key.clone()).or_default();
            *n += 1;
            *n
        };
        if attempt <= self.fail_first {
            let message = format!("attempt {attempt} fails");
            return Err(if self.permanent {
                HandlerError::Permanent(message)
            } else {
                HandlerError::Transient(message)
            });
        }
        Ok(())
    }
}

async fn store(backend: &Backend) -> (TestDb, Store) {
    let db = TestDb::create(backend).await.unwrap();
    let store = Store::connect(&db.connect_options()).await.unwrap();
    store.migrate().await.unwrap();
    (db, store)
}

fn config() -> RuntimeConfig {
    RuntimeConfig {
        concurrency: 4,
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(50),
        retry_base: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        handler_timeout: Duration::from_secs(5),
    }
}

async fn create_accounts(store: &Store, tenant: domain::id::TenantId, n: usize) {
    let w = WriteCtx::new(tenant, Actor::operator(), None);
    for i in 0..n {
        let account = NewAccount {
            name: format!("Account {i}"),
            domains: Vec::new(),
            industry: None,
            region: None,
            owner_id: None,
        }
        .into_account(w.now)
        .unwrap();
        store.create(&w, account, None).await.unwrap();
    }
}

/// Waits until `done` holds or ten seconds pass.
async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn every_event_reaches_every_subscriber_once(backend: Backend) {
    let (_db, store) = store(&backend).await;
    let a = Recorder::new("a", 0, false);
    let b = Recorder::new("b", 1, false);
    let runtime = Runtime::new(store.clone(), vec![a.clone(), b.clone()], config());
    // The runtime registers them too when it starts; events written before would reach no one.
    store
        .register_subscriptions(&runtime.subscriptions())
        .await
        .unwrap();
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(runtime.run(stopped));
    let tenant = store
        .create_tenant(TenantSlug::parse("skyvera").unwrap(), None)
        .await
        .unwrap();
    create_accounts(&store, tenant.id, 20).await;
    eventually(|| {
        a.attempts().len() == 20 && b.attempts().values().filter(|n| **n == 2).count() == 20
    })
    .await;
    assert_eq!(a.attempts().len(), 20);
    assert!(a.attempts().values().all(|n| *n == 1), "{:?}", a.attempts());
    assert!(
        b.attempts().values().all(|n| *n == 2),
        "one failure, one retry each: {:?}",
        b.attempts()
    );
    assert!(a.attempts().keys().all(|k| k.ends_with(":a")));
    let _ = stop.send(true);
    running.await.unwrap().unwrap();
    assert_eq!(
        store.job_counts().await.unwrap(),
        (0, 0),
        "every job finished before the runtime stopped"
    );
}

async fn failures_become_dead_letters_that_replay(backend: Backend) {
    let (_db, store) = store(&backend).await;
    let flaky = Recorder::new("flaky", 1, true);
    let runtime = Runtime::new(store.clone(), vec![flaky.clone()], config());
    store
        .register_subscriptions(&runtime.subscriptions())
        .await
        .unwrap();
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(runtime.run(stopped));
    let tenant = store
        .create_tenant(TenantSlug::parse("skyvera").unwrap(), None)
        .await
        .unwrap();
    let other = store
        .create_tenant(TenantSlug::parse("jigtree").unwrap(), None)
        .await
        .unwrap();
    create_accounts(&store, tenant.id, 1).await;
    let mut letters = Vec::new();
    for _ in 0..200 {
        letters = store
            .list_dead_letters(tenant.id, &ListQuery::default())
            .await
            .unwrap()
            .items;
        if !letters.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(letters.len(), 1, "a permanent failure is buried at once");
    assert_eq!(letters[0].attempts, 1);
    assert_eq!(letters[0].last_error, "attempt 1 fails");
    assert!(letters[0].replayed_at.is_none());
    assert!(
        store
            .list_dead_letters(other.id, &ListQuery::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "another tenant sees none"
    );
    let w = WriteCtx::new(tenant.id, Actor::operator(), None);
    let replayed = store.replay_dead_letter(&w, letters[0].id).await.unwrap();
    assert!(replayed.replayed_at.is_some());
    eventually(|| flaky.attempts().values().any(|n| *n == 2)).await;
    assert_eq!(
        flaky.attempts().values().copied().collect::<Vec<_>>(),
        [2],
        "the replay ran the same job again"
    );
    assert!(matches!(
        store.replay_dead_letter(&w, letters[0].id).await,
        Err(store::Error::Conflict(_))
    ));
    let w_other = WriteCtx::new(other.id, Actor::operator(), None);
    assert!(matches!(
        store.replay_dead_letter(&w_other, letters[0].id).await,
        Err(store::Error::NotFound { .. })
    ));
    let _ = stop.send(true);
    running.await.unwrap().unwrap();
}

both_backends!(
    every_event_reaches_every_subscriber_once,
    failures_become_dead_letters_that_replay,
);
