//! `agent-army demo`: creates three demo tenants (Skyvera, Jigtree, Totogi) with regions,
//! reps, products, price books, discount bands, knowledge documents, accounts, buying
//! committees, deals, emails and call transcripts, all generated here; runs the agents over them
//! on the offline engine through the real runtime (events, jobs, guardrails, approvals); and
//! prints what the Sales agent found, proposed and held for approval, with timings. The database
//! it leaves is an ordinary one that `agent-army serve` opens.

mod conversations;
mod report;
mod scenario;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use domain::account::{Account, NewAccount};
use domain::activity::NewActivity;
use domain::actor::Actor;
use domain::contact::{Contact, NewContact};
use domain::id::{ContactId, TenantId, UserId};
use domain::opportunity::{NewOpportunity, Opportunity};
use domain::product::{NewProduct, Product};
use domain::tenant::TenantSlug;
use domain::user::{NewUser, User};
use serde_json::json;
use store::{Store, WriteCtx};

use self::conversations::{Kind, conversations};
use self::scenario::{AccountSpec, TENANTS, TenantSpec};
use super::knowledge::library_root;
use super::open_store;
use crate::config::Config;

/// Longest the agents get to catch up before the demo gives up waiting.
const AGENT_DEADLINE: Duration = Duration::from_secs(50);

/// What seeding one tenant created.
pub struct Seeded {
    pub tenant: TenantId,
    pub slug: &'static str,
    pub display: &'static str,
    pub accounts: usize,
    pub contacts: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub documents: usize,
    pub prices: usize,
}

/// A lower-case address for a person at a domain: "Katrin Vogel" → katrin.vogel@domain.
fn address(name: &str, domain: &str) -> String {
    let local: Vec<String> = name
        .split_whitespace()
        .map(|part| {
            part.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|p| !p.is_empty())
        .collect();
    format!("{}@{domain}", local.join("."))
}

/// Builds a domain input from JSON (the same validation the API applies).
fn input<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> anyhow::Result<T> {
    serde_json::from_value(value).context("building demo input")
}

async fn seed_knowledge(
    store: &Store,
    w: &WriteCtx,
    spec: &TenantSpec,
    products: &[Product],
) -> anyhow::Result<usize> {
    use domain::knowledge::DocumentKind;
    use knowledge::ingest::{Scope, prepare};
    let mut documents = 0;
    for (product, sheet) in products.iter().zip(&spec.products) {
        let scope = Scope {
            kind: DocumentKind::ProductDoc,
            product_id: Some(product.id),
            regions: Vec::new(),
        };
        let source = format!("{}.md", sheet.code.to_ascii_lowercase());
        let (document, chunks) = prepare(&source, sheet.sheet.as_bytes(), &scope, w.now)?;
        store.put_document(w, &document, &chunks).await?;
        documents += 1;
    }
    for competitor in &spec.competitors {
        let scope = Scope {
            kind: DocumentKind::Competitor,
            product_id: None,
            regions: Vec::new(),
        };
        let source = format!("competitors/{}.md", competitor.name.to_ascii_lowercase());
        let (document, chunks) = prepare(&source, competitor.brief.as_bytes(), &scope, w.now)?;
        store.put_document(w, &document, &chunks).await?;
        documents += 1;
    }
    Ok(documents)
}

async fn seed_catalog(store: &Store, w: &WriteCtx, spec: &TenantSpec) -> anyhow::Result<usize> {
    use domain::catalog::{NewDiscountBand, NewPriceEntry};
    let mut rows = Vec::new();
    for product in &spec.products {
        for (region, currency) in [("APAC", "USD"), ("EMEA", "EUR"), ("AMERICAS", "USD")] {
            let cents = u64::from(product.list_usd) * 100;
            let cents = if currency == "EUR" {
                cents * 92 / 100
            } else {
                cents
            };
            rows.push(NewPriceEntry {
                product: product.code.to_owned(),
                sku: format!("{}-{region}", product.code),
                name: Some(format!("{} ({region})", product.name)),
                region: region.to_owned(),
                currency: currency.to_owned(),
                list_price: format!("{}.{:02}", cents / 100, cents % 100),
                unit: product.unit.to_owned(),
            });
        }
    }
    let (stored, _) = knowledge::catalog::load_prices(store, w, rows).await?;
    let bands = [
        ("10", "none"),
        ("20", "manager"),
        ("30", "director"),
        ("40", "deal_desk"),
    ]
    .into_iter()
    .map(|(up_to, approval)| NewDiscountBand {
        product: None,
        region: None,
        up_to_percent: up_to.to_owned(),
        approval: approval.to_owned(),
    })
    .collect();
    knowledge::catalog::load_discount_bands(store, w, bands).await?;
    Ok(stored.len())
}

/// One account: the account, its committee, its deal and the deal's conversations.
async fn seed_account(
    store: &Store,
    w: &WriteCtx,
    spec: &TenantSpec,
    account_spec: &AccountSpec,
    products: &[Product],
    reps: &[(UserId, &scenario::RepSpec)],
    today: jiff::civil::Date,
) -> anyhow::Result<(usize, usize)> {
    let (rep_id, rep) = reps
        .iter()
        .find(|(_, r)| r.region == account_spec.region)
        .copied()
        .context("every demo region has a rep")?;
    let account: NewAccount = input(json!({
        "name": account_spec.name, "domains": [account_spec.domain],
        "industry": account_spec.industry, "region": account_spec.region, "owner_id": rep_id,
    }))?;
    let account: Account = account.into_account(w.now)?;
    store.create(w, account.clone(), None).await?;
    let mut contacts: Vec<(ContactId, String, String)> = Vec::new();
    for person in &account_spec.contacts {
        let email = address(person.name, account_spec.domain);
        let contact: NewContact = input(json!({
            "account_id": account.id, "name": person.name, "email": email, "title": person.title,
            "persona_level": person.persona, "buying_role": person.role,
        }))?;
        let contact: Contact = contact.into_contact(w.now)?;
        store.create(w, contact.clone(), None).await?;
        contacts.push((contact.id, person.name.to_owned(), email));
    }
    let product = &products[account_spec.product.min(products.len() - 1)];
    let close = today.saturating_add(jiff::Span::new().days(120));
    let opportunity: NewOpportunity = input(json!({
        "account_id": account.id, "name": account_spec.deal,
        "amount": {"amount": format!("{}000", account_spec.thousands), "currency": account_spec.currency},
        "close_date": close.to_string(), "owner_id": rep_id, "region": account_spec.region,
        "product_ids": [product.id], "stage": account_spec.stage,
    }))?;
    let opportunity: Opportunity = opportunity.into_opportunity(w.now)?;
    store.create(w, opportunity.clone(), None).await?;
    let all = conversations(spec, account_spec, rep, today);
    let count = all.len();
    for conversation in all {
        let at = jiff::Timestamp::now()
            .checked_sub(jiff::Span::new().hours(24 * conversation.days_ago))
            .context("a demo date is out of range")?;
        let (champion_id, champion_name, champion_email) = &contacts[0];
        let participants = match conversation.kind {
            Kind::Email => json!([
                {"role": "from", "contact_id": champion_id, "email": champion_email, "name": champion_name},
                {"role": "to", "user_id": rep_id, "email": rep.email, "name": rep.name},
            ]),
            Kind::Meeting => {
                let mut people = vec![
                    json!({"role": "organizer", "user_id": rep_id, "email": rep.email, "name": rep.name}),
                ];
                people.extend(contacts.iter().map(|(id, name, email)| {
                    json!({"role": "attendee", "contact_id": id, "email": email, "name": name})
                }));
                serde_json::Value::Array(people)
            }
        };
        let kind = match conversation.kind {
            Kind::Email => "email",
            Kind::Meeting => "meeting",
        };
        let activity: NewActivity = input(json!({
            "kind": kind, "subject": conversation.subject, "body": conversation.body,
            "occurred_at": at, "account_id": account.id, "opportunity_id": opportunity.id,
            "participants": participants,
        }))?;
        store
            .create(w, activity.into_activity(w.now)?, None)
            .await?;
    }
    Ok((contacts.len(), count))
}

/// How each region's rep writes, for their persona: tone and one example message.
fn persona_style(region: &str) -> (&'static str, &'static str) {
    match region {
        "APAC" => (
            "formal",
            "Dear Mr Tan,\n\nThank you for your time on Tuesday. As agreed, I attach the summary of \
             the pilot results and will call your office on Friday to confirm the next steps.\n\n\
             Best regards,",
        ),
        "AMERICAS" => (
            "direct",
            "Hi Sam,\n\nQuick one: can we lock 30 minutes Thursday for the security review?\n\nBest,",
        ),
        _ => (
            "friendly",
            "Hi Katrin,\n\nLovely to catch up today. I'll send the rollout plan by Friday so your team \
             can have a look before our next call.\n\nKind regards,",
        ),
    }
}

/// Each rep's persona (the name, signature and style drafts follow) and a quota for the half
/// year around the deals' close dates: a fifth more than their deals, in the currency of their
/// first deal.
async fn seed_goals(
    store: &Store,
    w: &WriteCtx,
    spec: &TenantSpec,
    reps: &[(UserId, &scenario::RepSpec)],
    today: jiff::civil::Date,
) -> anyhow::Result<()> {
    for (rep_id, rep) in reps {
        let (tone, example) = persona_style(rep.region);
        let persona: domain::persona::PersonaInput = input(json!({
            "display_name": rep.name,
            "signature": format!("Account Executive, {}\n{}", spec.display, rep.email),
            "tone": tone, "examples": [format!("{example}\n{}", rep.name)],
        }))?;
        store
            .create(w, persona.into_persona(*rep_id, w.now)?, None)
            .await?;
        let deals: Vec<&AccountSpec> = spec
            .accounts
            .iter()
            .filter(|a| a.region == rep.region)
            .collect();
        let Some(currency) = deals.first().map(|a| a.currency) else {
            continue;
        };
        let thousands: u64 = deals
            .iter()
            .filter(|a| a.currency == currency)
            .map(|a| u64::from(a.thousands))
            .sum();
        let quota: domain::quota::NewQuota = input(json!({
            "user_id": rep_id,
            "period_start": today.saturating_sub(jiff::Span::new().days(30)).to_string(),
            "period_end": today.saturating_add(jiff::Span::new().days(150)).to_string(),
            "target": {"amount": (thousands * 1200).to_string(), "currency": currency},
        }))?;
        store.create(w, quota.into_quota(w.now)?, None).await?;
    }
    Ok(())
}

async fn seed_tenant(
    store: &Store,
    spec: &'static TenantSpec,
    today: jiff::civil::Date,
) -> anyhow::Result<Seeded> {
    let slug = TenantSlug::parse(spec.slug)?;
    let tenant = store.create_tenant(slug, Some(spec.display)).await?;
    let w = WriteCtx::new(tenant.id, Actor::operator(), None);
    let mut reps = Vec::new();
    for rep in &spec.reps {
        let user: NewUser = input(json!({
            "email": rep.email, "name": rep.name, "role": "rep", "home_region": rep.region,
        }))?;
        let user: User = user.into_user(w.now)?;
        store.create(&w, user.clone(), None).await?;
        reps.push((user.id, rep));
    }
    let mut products = Vec::new();
    for product in &spec.products {
        let new: NewProduct = input(json!({
            "code": product.code, "name": product.name, "description": product.description,
        }))?;
        let product: Product = new.into_product(w.now)?;
        store.create(&w, product.clone(), None).await?;
        products.push(product);
    }
    let prices = seed_catalog(store, &w, spec).await?;
    let documents = seed_knowledge(store, &w, spec, &products).await?;
    let (mut contacts, mut activities) = (0, 0);
    for account in &spec.accounts {
        let (c, a) = seed_account(store, &w, spec, account, &products, &reps, today).await?;
        contacts += c;
        activities += a;
    }
    seed_goals(store, &w, spec, &reps, today).await?;
    Ok(Seeded {
        tenant: tenant.id,
        slug: spec.slug,
        display: spec.display,
        accounts: spec.accounts.len(),
        contacts,
        opportunities: spec.accounts.len(),
        activities,
        documents,
        prices,
    })
}

/// Runs the agents until every event has been handled (or the deadline passes).
async fn run_agents(store: &Store, runtime: agents::Runtime) -> anyhow::Result<(Duration, bool)> {
    let started = Instant::now();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(runtime.run(stopped));
    let mut caught_up = false;
    while started.elapsed() < AGENT_DEADLINE {
        if store.pending_work().await? == 0 {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(true);
    running
        .await
        .context("the agent runtime panicked")?
        .context("the agent runtime failed")?;
    Ok((elapsed, caught_up))
}

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = open_store(config).await?;
    store
        .migrate_if_needed()
        .await
        .context("migrating the database")?;
    for spec in &TENANTS {
        if store.find_tenant(spec.slug).await.is_ok() {
            bail!(
                "tenant {:?} already exists in this database; run the demo with a fresh --data-dir \
                 (or --database-url)",
                spec.slug
            );
        }
    }
    let library = Arc::new(knowledge::library::Library::new(Some(library_root(config))));
    let deps = agents::runner::AgentDeps {
        store: store.clone(),
        // The demo runs on the offline engine whatever the configuration says.
        gateway: Arc::new(llm::Gateway::offline()),
        canary: None,
        library: library.clone(),
    };
    let runtime = agents::Runtime::new(
        store.clone(),
        agents::crew::handlers(&deps),
        agents::RuntimeConfig {
            // One job at a time: each deal's activities are qualified in the order they
            // happened, so the scorecards and stage proposals come out the same on every run.
            concurrency: 1,
            poll: Duration::from_millis(50),
            retry_base: Duration::from_millis(200),
            ..agents::RuntimeConfig::default()
        },
    );
    // Subscriptions first: events written before them would reach no agent.
    store
        .register_subscriptions(&runtime.subscriptions())
        .await
        .context("registering the agents' subscriptions")?;
    let today = jiff::Zoned::now().date();
    let mut seeded = Vec::new();
    for spec in &TENANTS {
        seeded.push(
            seed_tenant(&store, spec, today)
                .await
                .with_context(|| format!("creating the {} demo tenant", spec.display))?,
        );
    }
    for tenant in &seeded {
        library
            .catch_up(&store, tenant.tenant)
            .await
            .with_context(|| format!("indexing the {} knowledge base", tenant.display))?;
    }
    let seed_time = started.elapsed();
    let (agent_time, caught_up) = run_agents(&store, runtime).await?;
    let report = report::gather(&store, &seeded).await?;
    report::print(
        &mut std::io::stdout().lock(),
        &report,
        &report::Timings {
            seed: seed_time,
            agents: agent_time,
            total: started.elapsed(),
            caught_up,
        },
        store.backend_name(),
        &config.data_dir,
    )?;
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_plain_ascii() {
        assert_eq!(
            address("Katrin Vogel", "nordlicht-mobile.de"),
            "katrin.vogel@nordlicht-mobile.de"
        );
        assert_eq!(address("Jose  Reyes", "x.ph"), "jose.reyes@x.ph");
    }
}
