//! A tenant's guardrail policy: per action kind, whether an agent's proposal runs, waits for a
//! human, or is forbidden, with thresholds. Hard rules (closing, signatures, payments, unknown
//! recipients, composed links) sit above any policy and cannot be loosened here.

use std::collections::BTreeMap;

use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::action::ActionKind;
use crate::error::{DomainError, Result};
use crate::labels::labels;

labels! {
    /// What the policy says about an action kind.
    pub enum PolicyMode {
        Execute = "execute",
        RequireApproval = "require_approval",
        Forbid = "forbid",
    }
}

/// A tenant's policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailPolicy {
    /// Per action kind; kinds not named use [`default_mode`].
    pub modes: BTreeMap<String, PolicyMode>,
    /// Discounts up to this percentage, with nothing else given away, may run without approval
    /// when `offer_discount` is `execute`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub auto_discount_max_percent: Decimal,
    pub version: i64,
    pub updated_at: Option<Timestamp>,
}

impl Default for GuardrailPolicy {
    fn default() -> Self {
        Self {
            modes: BTreeMap::new(),
            auto_discount_max_percent: Decimal::ZERO,
            version: 0,
            updated_at: None,
        }
    }
}

/// The mode of a kind when the tenant's policy does not name it: internal bookkeeping runs,
/// anything that leaves the company or changes a deal waits for a human, and what only humans may
/// do is forbidden.
pub fn default_mode(kind: ActionKind) -> PolicyMode {
    match kind {
        ActionKind::CreateTask | ActionKind::Handoff => PolicyMode::Execute,
        ActionKind::SendEmail
        | ActionKind::PostChat
        | ActionKind::MoveStage
        | ActionKind::AddContact
        | ActionKind::OfferDiscount => PolicyMode::RequireApproval,
        ActionKind::SignContract | ActionKind::MoveMoney => PolicyMode::Forbid,
    }
}

impl GuardrailPolicy {
    /// The mode for a kind.
    pub fn mode(&self, kind: ActionKind) -> PolicyMode {
        self.modes
            .get(kind.as_str())
            .copied()
            .unwrap_or_else(|| default_mode(kind))
    }
}

/// A change to the policy; `modes` entries replace those kinds' modes.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GuardrailPolicyPatch {
    #[serde(default)]
    pub modes: Option<BTreeMap<String, PolicyMode>>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub auto_discount_max_percent: Option<Decimal>,
}

impl GuardrailPolicyPatch {
    /// Applies the patch. Kinds only a human may do cannot be set to anything but `forbid`.
    pub fn apply(self, policy: &mut GuardrailPolicy) -> Result<()> {
        if let Some(modes) = self.modes {
            for (kind, mode) in &modes {
                let kind: ActionKind = kind.parse().map_err(|_| {
                    DomainError::invalid("modes", format!("{kind:?} is not an action kind"))
                })?;
                if matches!(kind, ActionKind::SignContract | ActionKind::MoveMoney)
                    && *mode != PolicyMode::Forbid
                {
                    return Err(DomainError::invalid(
                        "modes",
                        format!(
                            "{kind} stays forbidden: only humans sign contracts and move money"
                        ),
                    ));
                }
            }
            policy.modes.extend(modes);
        }
        if let Some(percent) = self.auto_discount_max_percent {
            if percent.is_sign_negative() || percent > Decimal::from(100) {
                return Err(DomainError::invalid(
                    "auto_discount_max_percent",
                    "must be 0 to 100",
                ));
            }
            policy.auto_discount_max_percent = percent;
        }
        Ok(())
    }
}
