//! Account and opportunity plans, kept as structured data with a Markdown rendering and updated
//! when new activity arrives. Each refresh rebuilds the plans from what is stored (deals,
//! scorecards, the political map, the account intelligence, the catalog), compares them item by
//! item with the latest version, and appends a version only when something changed, with one
//! reason per change: what the item rests on, and the activity that brought it.
//!
//! Rules over stored data: no model call, the same input gives the same plan.

pub mod account;
pub mod opportunity;

use std::collections::BTreeMap;

use domain::account::Account;
use domain::activity::Activity;
use domain::actor::Actor;
use domain::agent::AgentRole;
use domain::id::{AccountId, ActivityId, OpportunityId, PlanId, TenantId};
use domain::opportunity::Opportunity;
use domain::plan::{PlanChange, PlanChangeKind, PlanKind, PlanVersion};
use domain::product::Product;
use serde::{Deserialize, Serialize};
use store::{Filter, SqlValue, Store};

pub use account::AccountPlan;
pub use opportunity::OpportunityPlan;

/// Most deals of one account a refresh plans.
const MAX_DEALS: usize = 200;

/// One item of a plan list: a stable key, what it says, and why it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub key: String,
    pub text: String,
    pub why: String,
}

impl Item {
    pub(crate) fn new(key: String, text: String, why: String) -> Self {
        Self { key, text, why }
    }
}

/// Text made safe for a Markdown line: no line breaks, and table and markup characters escaped,
/// so customer text cannot add headings, tables or links to a rendered plan.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '|' | '[' | ']' | '<' | '>' | '*' | '_' | '`' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

type Items = Vec<(&'static str, String, String, String)>;

/// Items with unique keys: a key seen before in the same section gets `#2`, `#3`…, in order, so
/// two items that happen to share a key compare with their own counterparts.
fn unique(items: &Items) -> Items {
    let mut seen: BTreeMap<(&'static str, String), usize> = BTreeMap::new();
    items
        .iter()
        .map(|(section, key, text, why)| {
            let n = seen.entry((*section, key.clone())).or_default();
            *n += 1;
            let key = if *n == 1 {
                key.clone()
            } else {
                format!("{key}#{n}")
            };
            (*section, key, text.clone(), why.clone())
        })
        .collect()
}

/// The changes from one version's items to the next, each with its reason.
pub fn diff(before: Option<&Items>, after: &Items, cause: &str) -> Vec<PlanChange> {
    let before = before.map(unique);
    let after = &unique(after);
    let before = before.as_ref();
    let key = |(section, key, _, _): &(&'static str, String, String, String)| {
        (section.to_string(), key.clone())
    };
    let old: BTreeMap<(String, String), &(&'static str, String, String, String)> = before
        .map(|b| b.iter().map(|i| (key(i), i)).collect())
        .unwrap_or_default();
    let new: BTreeMap<(String, String), &(&'static str, String, String, String)> =
        after.iter().map(|i| (key(i), i)).collect();
    let mut changes = Vec::new();
    for item in after {
        let k = key(item);
        let (section, item_key, text, why) = item;
        match old.get(&k) {
            None => changes.push(PlanChange {
                section: (*section).to_owned(),
                item: item_key.clone(),
                change: PlanChangeKind::Added,
                from: None,
                to: Some(text.clone()),
                reason: format!("{why} ({cause})"),
            }),
            Some(was) if was.2 != *text => changes.push(PlanChange {
                section: (*section).to_owned(),
                item: item_key.clone(),
                change: PlanChangeKind::Changed,
                from: Some(was.2.clone()),
                to: Some(text.clone()),
                reason: format!("{why} ({cause})"),
            }),
            Some(_) => {}
        }
    }
    for (k, item) in &old {
        if !new.contains_key(k) {
            changes.push(PlanChange {
                section: item.0.to_owned(),
                item: item.1.clone(),
                change: PlanChangeKind::Removed,
                from: Some(item.2.clone()),
                to: None,
                reason: format!("no longer holds: {} ({cause})", item.3),
            });
        }
    }
    changes
}

/// What brought a refresh, in words.
fn cause(activity: Option<&Activity>) -> String {
    match activity {
        Some(a) => format!(
            "after the {} {}of {}",
            a.kind,
            a.subject
                .as_deref()
                .map(|s| format!("\"{}\" ", s.chars().take(80).collect::<String>()))
                .unwrap_or_default(),
            a.occurred_at.to_zoned(jiff::tz::TimeZone::UTC).date()
        ),
        None => "on a refresh".to_owned(),
    }
}

/// The latest stored plan of a subject (an account or an opportunity), decoded; `None` when it
/// has none, or only one in a shape this version cannot read.
pub async fn latest<P: serde::de::DeserializeOwned>(
    store: &Store,
    tenant: TenantId,
    kind: PlanKind,
    subject: uuid::Uuid,
) -> Result<Option<P>, store::Error> {
    Ok(store
        .plan_history(tenant, kind, subject, None, 1)
        .await?
        .into_iter()
        .next()
        .and_then(|v| serde_json::from_value::<P>(v.plan).ok()))
}

/// Appends the next version of a plan when its items changed; returns whether it did.
#[expect(clippy::too_many_arguments, reason = "one version's fields")]
async fn append_if_changed<P: Serialize + serde::de::DeserializeOwned>(
    store: &Store,
    tenant: TenantId,
    kind: PlanKind,
    account: AccountId,
    opportunity: Option<OpportunityId>,
    activity: Option<&Activity>,
    plan: &P,
    items: fn(&P) -> Items,
) -> Result<bool, store::Error> {
    let subject = opportunity.map_or_else(|| account.as_uuid(), |o| o.as_uuid());
    // Two refreshes racing: the loser re-reads and compares again.
    for _ in 0..3 {
        let latest = store
            .plan_history(tenant, kind, subject, None, 1)
            .await?
            .into_iter()
            .next();
        let before: Option<Items> = latest
            .as_ref()
            .and_then(|l| serde_json::from_value::<P>(l.plan.clone()).ok())
            .map(|p| items(&p));
        let changes = diff(before.as_ref(), &items(plan), &cause(activity));
        if latest.is_some() && changes.is_empty() {
            return Ok(false);
        }
        let version = PlanVersion {
            id: PlanId::generate(),
            kind,
            account_id: account,
            opportunity_id: opportunity,
            version: latest.as_ref().map_or(1, |l| l.version + 1),
            activity_id: activity.map(|a| a.id),
            plan: serde_json::to_value(plan)
                .map_err(|e| store::Error::Internal(format!("encoding a plan: {e}")))?,
            changes,
            created_at: store::now(),
        };
        let w = store::WriteCtx::new(tenant, Actor::agent(AgentRole::Sales), None);
        match store.append_plan(&w, &version).await {
            Ok(()) => return Ok(true),
            Err(store::Error::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(store::Error::Conflict(format!(
        "the {kind} plan of {subject} kept changing under a refresh"
    )))
}

/// Rebuilds an account's plan and the plans of its open deals (or only `only` among them), and
/// stores a version of each that changed. `activity` is the activity that brought the refresh.
pub async fn refresh(
    store: &Store,
    tenant: TenantId,
    account_id: AccountId,
    only: Option<OpportunityId>,
    activity: Option<ActivityId>,
) -> Result<(), store::Error> {
    let account: Account = store.get(tenant, account_id.as_uuid()).await?;
    let activity: Option<Activity> = match activity {
        Some(id) => match store.get(tenant, id.as_uuid()).await {
            Ok(a) => Some(a),
            Err(store::Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let now = store::now();
    let (contacts, relationships) =
        super::political_map::committee(store, tenant, account_id).await?;
    let activities = super::intelligence::account_activities(store, tenant, account_id).await?;
    let competitors = super::qualify::competitor_names(store, tenant).await?;
    let map = super::political_map::build(account_id, &contacts, &relationships, &activities, now);
    let intel = super::intelligence::analyze(account_id, &activities, &competitors, now);
    let deals: Vec<Opportunity> = store
        .list_all(
            tenant,
            vec![Filter::Eq(
                "account_id",
                SqlValue::Uuid(Some(account_id.as_uuid())),
            )],
            MAX_DEALS,
        )
        .await?;
    let products: Vec<Product> = store.list_all(tenant, Vec::new(), MAX_DEALS).await?;
    let prices = match &account.region {
        Some(region) => {
            let query = store::ListQuery {
                filters: vec![Filter::Eq("region", SqlValue::text(region.as_str()))],
                limit: store::MAX_LIMIT,
                ..store::ListQuery::default()
            };
            store.list_prices(tenant, &query).await?.items
        }
        None => Vec::new(),
    };
    let plan = account::build(&account, &deals, &products, &prices, &map);
    append_if_changed(
        store,
        tenant,
        PlanKind::Account,
        account_id,
        None,
        activity.as_ref(),
        &plan,
        AccountPlan::items,
    )
    .await?;
    for deal in deals
        .iter()
        .filter(|d| only.is_none_or(|o| o == d.id))
        .filter(|d| d.stage.is_open() || only == Some(d.id))
    {
        let card = store
            .scorecard_history(tenant, deal.id, None, 1)
            .await?
            .into_iter()
            .next()
            .map(|v| v.scorecard);
        let plan = opportunity::build(deal, card.as_ref(), &map, &intel, now);
        append_if_changed(
            store,
            tenant,
            PlanKind::Opportunity,
            account_id,
            Some(deal.id),
            activity.as_ref(),
            &plan,
            OpportunityPlan::items,
        )
        .await?;
    }
    Ok(())
}

/// Renders a stored plan version as Markdown: the plan, then what changed and why.
pub fn to_markdown(version: &PlanVersion) -> Option<String> {
    let mut out = match version.kind {
        PlanKind::Account => serde_json::from_value::<AccountPlan>(version.plan.clone())
            .ok()?
            .to_markdown(),
        PlanKind::Opportunity => serde_json::from_value::<OpportunityPlan>(version.plan.clone())
            .ok()?
            .to_markdown(),
    };
    out.push_str(&format!("\n## Changes in version {}\n\n", version.version));
    if version.changes.is_empty() {
        out.push_str("- none\n");
    }
    for change in &version.changes {
        let what = match (&change.from, &change.to) {
            (Some(from), Some(to)) => format!("{} → {}", md(from), md(to)),
            (None, Some(to)) => md(to),
            (Some(from), None) => md(from),
            (None, None) => String::new(),
        };
        out.push_str(&format!(
            "- {} {} `{}`: {} — {}\n",
            change.change,
            change.section,
            md(&change.item),
            what,
            md(&change.reason)
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        section: &'static str,
        key: &str,
        text: &str,
    ) -> (&'static str, String, String, String) {
        (section, key.into(), text.into(), format!("because {key}"))
    }

    #[test]
    fn a_diff_names_each_added_changed_and_removed_item_with_its_reason() {
        let before = vec![
            item("risks", "gap:no_champion", "No champion"),
            item("risks", "dark", "Quiet"),
        ];
        let after = vec![
            item("risks", "gap:no_champion", "No champion yet"),
            item("next_steps", "step:budget", "Confirm the budget"),
        ];
        let changes = diff(Some(&before), &after, "after the email of 2026-12-01");
        let kinds: Vec<(String, PlanChangeKind)> =
            changes.iter().map(|c| (c.item.clone(), c.change)).collect();
        assert_eq!(
            kinds,
            [
                ("gap:no_champion".to_owned(), PlanChangeKind::Changed),
                ("step:budget".to_owned(), PlanChangeKind::Added),
                ("dark".to_owned(), PlanChangeKind::Removed),
            ]
        );
        assert_eq!(changes[0].from.as_deref(), Some("No champion"));
        assert_eq!(
            changes[1].reason,
            "because step:budget (after the email of 2026-12-01)"
        );
        assert!(
            changes[2]
                .reason
                .starts_with("no longer holds: because dark")
        );
        assert!(diff(Some(&after), &after, "x").is_empty());
        assert_eq!(diff(None, &after, "x").len(), 2);
    }

    #[test]
    fn items_sharing_a_key_are_compared_in_order_not_reported_changed() {
        let twice = vec![
            item("risks", "gap:blocker", "Ann blocks"),
            item("risks", "gap:blocker", "Bob blocks"),
        ];
        assert!(diff(Some(&twice), &twice, "x").is_empty());
        let once = vec![item("risks", "gap:blocker", "Ann blocks")];
        let changes = diff(Some(&twice), &once, "x");
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].change, PlanChangeKind::Removed);
        assert_eq!(changes[0].item, "gap:blocker#2");
    }

    #[test]
    fn markdown_text_cannot_add_structure() {
        assert_eq!(
            md("a | b\n# c [x](http://e.io)"),
            "a \\| b \\# c \\[x\\](http://e.io)"
        );
    }
}
