//! Opportunities: a deal with an account, its amount, close date, owner, region, products and
//! stage. The stage changes only through [`Opportunity::move_stage`].

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::error::{DomainError, Result};
use crate::id::{AccountId, OpportunityId, ProductId, StageChangeId, UserId};
use crate::money::{AmountInput, Currency, Money};
use crate::region::RegionCode;
use crate::stage::{self, Stage, StageChange, StageMove};
use crate::text;
use crate::time::check_date;

/// Most products one opportunity may list.
pub const MAX_PRODUCTS: usize = 100;

/// A sales opportunity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Opportunity {
    pub id: OpportunityId,
    pub account_id: AccountId,
    pub name: String,
    pub amount: Money,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub close_date: Date,
    pub owner_id: Option<UserId>,
    pub region: Option<RegionCode>,
    pub product_ids: Vec<ProductId>,
    pub stage: Stage,
    /// Reason given when the deal was closed lost.
    pub loss_reason: Option<String>,
    pub stage_changed_at: Timestamp,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn checked_products(mut ids: Vec<ProductId>) -> Result<Vec<ProductId>> {
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_PRODUCTS {
        return Err(DomainError::invalid(
            "product_ids",
            format!("at most {MAX_PRODUCTS} products"),
        ));
    }
    Ok(ids)
}

impl Opportunity {
    /// Moves the deal through the stage machine, returning the record of the change.
    pub fn move_stage(
        &mut self,
        request: &StageMove,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<StageChange> {
        let reason = stage::check_move(self.stage, request, actor)?;
        let change = StageChange {
            id: StageChangeId::generate(),
            opportunity_id: self.id,
            from_stage: self.stage,
            to_stage: request.stage,
            reason: reason.clone(),
            actor_kind: actor.kind_str().to_owned(),
            actor_id: actor.principal_id(),
            changed_at: now,
        };
        self.loss_reason = if request.stage == Stage::ClosedLost {
            reason
        } else {
            None
        };
        self.stage = request.stage;
        self.stage_changed_at = now;
        Ok(change)
    }
}

/// Input for creating an opportunity.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOpportunity {
    pub account_id: AccountId,
    pub name: String,
    /// A money object, or a bare decimal with `currency` beside it.
    #[cfg_attr(feature = "openapi", schema(value_type = Money))]
    pub amount: AmountInput,
    /// ISO 4217 code, when `amount` is a bare decimal.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "USD"))]
    pub currency: Option<Currency>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub close_date: Date,
    #[serde(default)]
    pub owner_id: Option<UserId>,
    #[serde(default)]
    pub region: Option<RegionCode>,
    #[serde(default)]
    pub product_ids: Vec<ProductId>,
    /// Starting stage; an open stage, `prospecting` when absent.
    #[serde(default)]
    pub stage: Option<Stage>,
}

impl NewOpportunity {
    /// Validates the input into an opportunity.
    pub fn into_opportunity(self, now: Timestamp) -> Result<Opportunity> {
        let stage = self.stage.unwrap_or(Stage::Prospecting);
        if !stage.is_open() {
            return Err(DomainError::invalid(
                "stage",
                "a new opportunity starts in an open stage; close it with a stage move",
            ));
        }
        Ok(Opportunity {
            id: OpportunityId::generate(),
            account_id: self.account_id,
            name: text::line("name", &self.name)?,
            amount: self.amount.resolve(self.currency)?,
            close_date: check_date("close_date", self.close_date)?,
            owner_id: self.owner_id,
            region: self.region,
            product_ids: checked_products(self.product_ids)?,
            stage,
            loss_reason: None,
            stage_changed_at: now,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of an opportunity. The stage is not here: use a stage move.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpportunityPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    /// A money object, or a bare decimal in the current (or given) currency.
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Money>))]
    pub amount: Option<AmountInput>,
    /// Changes the currency; with a bare `amount`, the currency of that amount.
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub currency: Option<Currency>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub close_date: Option<Date>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub owner_id: Option<Option<UserId>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub region: Option<Option<RegionCode>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub product_ids: Option<Vec<ProductId>>,
}

impl OpportunityPatch {
    /// Applies the patch.
    pub fn apply(self, opp: &mut Opportunity) -> Result<()> {
        if let Some(name) = self.name {
            opp.name = text::line("name", &name)?;
        }
        match (self.amount, self.currency) {
            (Some(amount), currency) => {
                let currency = currency.or(match amount {
                    AmountInput::Bare(_) => Some(opp.amount.currency()),
                    AmountInput::Money(_) => None,
                });
                opp.amount = amount.resolve(currency)?;
            }
            (None, Some(currency)) => opp.amount = Money::new(opp.amount.amount(), currency)?,
            (None, None) => {}
        }
        if let Some(date) = self.close_date {
            opp.close_date = check_date("close_date", date)?;
        }
        if let Some(owner) = self.owner_id {
            opp.owner_id = owner;
        }
        if let Some(region) = self.region {
            opp.region = region;
        }
        if let Some(products) = self.product_ids {
            opp.product_ids = checked_products(products)?;
        }
        Ok(())
    }
}
