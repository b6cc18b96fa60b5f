//! The account plan: whitespace (the tenant's products the account has no deal for), goals, the
//! stakeholders with a strategy for each, and the relationship strategy that closes the
//! committee's coverage gaps. Built from the account's deals, the catalog and the political map.

use std::fmt::Write as _;

use domain::account::Account;
use domain::catalog::PriceEntry;
use domain::contact::BuyingRole;
use domain::id::{AccountId, ContactId, ProductId};
use domain::opportunity::Opportunity;
use domain::product::Product;
use domain::stage::Stage;
use serde::{Deserialize, Serialize};

use super::{Item, md};
use crate::crew::sales::political_map::{PoliticalMap, Stakeholder};

/// A product the account has no open or won deal for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Whitespace {
    pub product_id: ProductId,
    pub code: String,
    pub product: String,
    /// List price in the account's region, `amount currency / unit`, when the price book has it.
    pub list_price: Option<String>,
}

/// A stakeholder as the plan treats them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStakeholder {
    pub contact_id: ContactId,
    pub name: String,
    pub title: Option<String>,
    pub buying_role: BuyingRole,
    pub influence: f32,
    pub sentiment: Option<f32>,
    pub engaged: bool,
    /// How to work with them.
    pub strategy: String,
}

/// The plan of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountPlan {
    pub account_id: AccountId,
    pub account: String,
    /// Open pipeline and won business, per currency.
    pub summary: Vec<String>,
    pub whitespace: Vec<Whitespace>,
    pub goals: Vec<Item>,
    pub stakeholders: Vec<PlanStakeholder>,
    pub relationship_strategy: Vec<Item>,
}

fn strategy(person: &Stakeholder) -> String {
    let cold = person.sentiment.is_some_and(|s| s < 0.0);
    match person.buying_role {
        BuyingRole::EconomicBuyer if person.activities == 0 => {
            "Economic buyer not yet met: ask the champion for an introduction framed on business outcomes".into()
        }
        BuyingRole::EconomicBuyer => {
            "Keep the economic buyer on outcomes, cost of inaction and the decision date".into()
        }
        BuyingRole::Champion if cold => {
            "Champion sounds doubtful: find out what changed before relying on them".into()
        }
        BuyingRole::Champion => {
            "Test the champion: ask them to arrange a meeting with the economic buyer".into()
        }
        BuyingRole::Blocker => {
            "Blocker: hear their objections first-hand and address them with evidence".into()
        }
        BuyingRole::TechnicalBuyer => {
            "Technical buyer: involve the solution architect and agree validation criteria".into()
        }
        _ if cold => "Negative in recent conversations: acknowledge their concerns".into(),
        _ if person.activities == 0 => "Not yet engaged: include them in the next meeting".into(),
        _ => "Keep informed at each milestone".into(),
    }
}

fn gap_strategy(code: &str) -> &'static str {
    match code {
        "no_economic_buyer" => {
            "Identify who owns the budget and get a first meeting through the champion"
        }
        "economic_buyer_not_engaged" => {
            "Re-engage the economic buyer with a short business review of outcomes so far"
        }
        "single_threaded" => {
            "Widen the relationship: meet at least two more people of the buying committee"
        }
        "no_champion" => {
            "Find a champion: someone with influence who gains personally from the change"
        }
        "champion_untested" => {
            "Test the champion by asking for access or information only a champion would give"
        }
        "blocker_unaddressed" => "Meet the blocker and answer their objections with evidence",
        _ => "Close this coverage gap",
    }
}

/// Builds the plan of an account.
pub fn build(
    account: &Account,
    deals: &[Opportunity],
    products: &[Product],
    prices: &[PriceEntry],
    map: &PoliticalMap,
) -> AccountPlan {
    let mut totals: Vec<(String, String, rust_decimal::Decimal)> = Vec::new();
    for deal in deals {
        let bucket = match deal.stage {
            Stage::ClosedWon => "won",
            Stage::ClosedLost => continue,
            _ => "open pipeline",
        };
        let currency = deal.amount.currency().to_string();
        match totals
            .iter_mut()
            .find(|(b, c, _)| b == bucket && *c == currency)
        {
            Some((_, _, sum)) => *sum += deal.amount.amount(),
            None => totals.push((bucket.to_owned(), currency, deal.amount.amount())),
        }
    }
    let summary = totals
        .iter()
        .map(|(bucket, currency, sum)| format!("{bucket}: {sum} {currency}"))
        .collect();
    let sold: Vec<ProductId> = deals
        .iter()
        .filter(|d| d.stage != Stage::ClosedLost)
        .flat_map(|d| d.product_ids.iter().copied())
        .collect();
    let whitespace: Vec<Whitespace> = products
        .iter()
        .filter(|p| p.active && !sold.contains(&p.id))
        .map(|p| Whitespace {
            product_id: p.id,
            code: p.code.clone(),
            product: p.name.clone(),
            list_price: prices
                .iter()
                .find(|e| e.product_id == p.id && Some(&e.region) == account.region.as_ref())
                .map(|e| format!("{} {} / {}", e.list_price, e.currency, e.unit)),
        })
        .collect();
    let mut goals: Vec<Item> = deals
        .iter()
        .filter(|d| d.stage.is_open())
        .map(|d| {
            Item::new(
                format!("close:{}", d.id),
                format!("Close {} ({}) by {}", d.name, d.amount, d.close_date),
                format!("an open deal in {}", d.stage),
            )
        })
        .collect();
    for w in whitespace.iter().take(2) {
        goals.push(Item::new(
            format!("expand:{}", w.code),
            format!("Open a conversation on {}", w.product),
            format!(
                "no open or won deal on {} includes {}",
                account.name, w.product
            ),
        ));
    }
    let stakeholders = map
        .stakeholders
        .iter()
        .map(|s| PlanStakeholder {
            contact_id: s.contact_id,
            name: s.name.clone(),
            title: s.title.clone(),
            buying_role: s.buying_role,
            influence: s.influence,
            sentiment: s.sentiment,
            engaged: s.activities > 0,
            strategy: strategy(s),
        })
        .collect();
    let relationship_strategy = map
        .gaps
        .iter()
        .map(|g| {
            Item::new(
                format!(
                    "gap:{}:{}",
                    g.code,
                    super::opportunity::short_key(&g.detail)
                ),
                gap_strategy(g.code).to_owned(),
                g.detail.clone(),
            )
        })
        .collect();
    AccountPlan {
        account_id: account.id,
        account: account.name.clone(),
        summary,
        whitespace,
        goals,
        stakeholders,
        relationship_strategy,
    }
}

impl AccountPlan {
    /// Every item as `(section, key, text, why)`, for comparing versions.
    pub fn items(&self) -> Vec<(&'static str, String, String, String)> {
        let mut out = Vec::new();
        for w in &self.whitespace {
            out.push((
                "whitespace",
                w.code.clone(),
                w.product.clone(),
                format!("no open or won deal on the account includes {}", w.product),
            ));
        }
        for (section, items) in [
            ("goals", &self.goals),
            ("relationship_strategy", &self.relationship_strategy),
        ] {
            for item in items {
                out.push((
                    section,
                    item.key.clone(),
                    item.text.clone(),
                    item.why.clone(),
                ));
            }
        }
        for s in &self.stakeholders {
            out.push((
                "stakeholders",
                s.contact_id.to_string(),
                format!("{} ({}): {}", s.name, s.buying_role, s.strategy),
                format!(
                    "{} in the buying committee, {}",
                    s.buying_role,
                    if s.engaged {
                        "engaged"
                    } else {
                        "not yet engaged"
                    }
                ),
            ));
        }
        out
    }

    /// The plan as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Account plan: {}\n\n", md(&self.account));
        for line in &self.summary {
            let _ = writeln!(out, "- {}", md(line));
        }
        out.push_str("\n## Whitespace\n\n");
        if self.whitespace.is_empty() {
            out.push_str("- every active product is in a deal\n");
        }
        for w in &self.whitespace {
            let price = w
                .list_price
                .as_deref()
                .unwrap_or("no list price in the region");
            let _ = writeln!(out, "- {} ({}): {}", md(&w.product), md(&w.code), md(price));
        }
        out.push_str("\n## Goals\n\n");
        for g in &self.goals {
            let _ = writeln!(out, "- {} ({})", md(&g.text), md(&g.why));
        }
        out.push_str("\n## Stakeholders\n\n| Name | Role | Influence | Engaged | Strategy |\n|---|---|---|---|---|\n");
        for s in &self.stakeholders {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {} | {} |",
                md(&s.name),
                s.buying_role,
                s.influence,
                if s.engaged { "yes" } else { "no" },
                md(&s.strategy)
            );
        }
        out.push_str("\n## Relationship strategy\n\n");
        if self.relationship_strategy.is_empty() {
            out.push_str("- no coverage gaps\n");
        }
        for r in &self.relationship_strategy {
            let _ = writeln!(out, "- {} ({})", md(&r.text), md(&r.why));
        }
        out
    }
}
