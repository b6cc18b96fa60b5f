//! The opportunity stage machine.
//!
//! Prospecting → Qualification → Discovery → Solution → Proposal → Negotiation → Closed Won /
//! Closed Lost. Allowed moves:
//! - forward to any later open stage;
//! - back to an earlier open stage, with a reason;
//! - Closed Lost from any open stage, with a loss reason;
//! - Closed Won only from Negotiation;
//! - closing (won or lost) only by a human: closing decisions never belong to an agent;
//! - out of a closed stage (reopening) only by an admin, with a reason, to an open stage.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::actor::Actor;
use crate::id::{OpportunityId, StageChangeId};
use crate::labels::labels;
use crate::text;

labels! {
    /// Where an opportunity stands.
    pub enum Stage {
        Prospecting = "prospecting",
        Qualification = "qualification",
        Discovery = "discovery",
        Solution = "solution",
        Proposal = "proposal",
        Negotiation = "negotiation",
        ClosedWon = "closed_won",
        ClosedLost = "closed_lost",
    }
}

impl Stage {
    /// Whether the deal is still being worked.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::ClosedWon | Stage::ClosedLost)
    }

    /// Position along the open path (closed stages rank after Negotiation).
    pub fn rank(self) -> u8 {
        match self {
            Stage::Prospecting => 0,
            Stage::Qualification => 1,
            Stage::Discovery => 2,
            Stage::Solution => 3,
            Stage::Proposal => 4,
            Stage::Negotiation => 5,
            Stage::ClosedWon | Stage::ClosedLost => 6,
        }
    }
}

/// Why a stage move was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("the opportunity is already in {0}")]
    SameStage(Stage),
    #[error("moving back from {from} to {to} needs a reason")]
    ReasonRequired { from: Stage, to: Stage },
    #[error("closing as lost needs a loss reason")]
    LossReasonRequired,
    #[error("closed_won is only reachable from negotiation, not from {0}")]
    WonOnlyFromNegotiation(Stage),
    #[error("only a human user can close a deal as won")]
    WonRequiresHuman,
    #[error("only a human user can close a deal as lost")]
    LostRequiresHuman,
    #[error("only an admin can reopen a closed deal")]
    ReopenRequiresAdmin,
    #[error("reopening a closed deal needs a reason")]
    ReopenReasonRequired,
    #[error("a closed deal must be reopened to an open stage before it can close again")]
    ClosedToClosed,
}

impl TransitionError {
    /// Whether the move was refused because of who asked, rather than what was asked.
    pub fn is_permission(&self) -> bool {
        matches!(
            self,
            Self::WonRequiresHuman | Self::LostRequiresHuman | Self::ReopenRequiresAdmin
        )
    }
}

/// A requested stage move.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StageMove {
    pub stage: Stage,
    /// Why: required when moving back, closing as lost, or reopening.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Checks a move against the stage machine and who is asking. Returns the cleaned reason.
pub fn check_move(
    from: Stage,
    request: &StageMove,
    actor: &Actor,
) -> crate::Result<Option<String>> {
    let to = request.stage;
    let reason = text::optional_line("reason", request.reason.as_deref())?;
    let has_reason = reason.is_some();
    if from == to {
        return Err(TransitionError::SameStage(to).into());
    }
    let verdict = match (from.is_open(), to) {
        (false, _) if !to.is_open() => Err(TransitionError::ClosedToClosed),
        (false, _) if !actor.role.is_admin() => Err(TransitionError::ReopenRequiresAdmin),
        (false, _) if !has_reason => Err(TransitionError::ReopenReasonRequired),
        (false, _) => Ok(()),
        (true, Stage::ClosedWon) if from != Stage::Negotiation => {
            Err(TransitionError::WonOnlyFromNegotiation(from))
        }
        (true, Stage::ClosedWon) if !actor.is_human() => Err(TransitionError::WonRequiresHuman),
        (true, Stage::ClosedLost) if !has_reason => Err(TransitionError::LossReasonRequired),
        (true, Stage::ClosedLost) if !actor.is_human() => Err(TransitionError::LostRequiresHuman),
        (true, _) if to.rank() < from.rank() && !has_reason => {
            Err(TransitionError::ReasonRequired { from, to })
        }
        (true, _) => Ok(()),
    };
    verdict?;
    Ok(reason)
}

/// A recorded stage change: who moved the deal, from where to where, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StageChange {
    pub id: StageChangeId,
    pub opportunity_id: OpportunityId,
    pub from_stage: Stage,
    pub to_stage: Stage,
    pub reason: Option<String>,
    /// `user`, `service` or `operator`.
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub changed_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Principal;
    use crate::id::{ApiKeyId, UserId};
    use crate::user::Role;
    use proptest::prelude::*;

    fn human(role: Role) -> Actor {
        Actor {
            principal: Principal::User {
                user_id: UserId::generate(),
            },
            role,
            api_key_id: None,
        }
    }

    fn service(role: Role) -> Actor {
        let id = ApiKeyId::generate();
        Actor {
            principal: Principal::Service { api_key_id: id },
            role,
            api_key_id: Some(id),
        }
    }

    fn mv(stage: Stage, reason: Option<&str>) -> StageMove {
        StageMove {
            stage,
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn forward_moves_need_nothing() {
        let rep = service(Role::Rep);
        assert!(check_move(Stage::Prospecting, &mv(Stage::Proposal, None), &rep).is_ok());
        assert!(check_move(Stage::Solution, &mv(Stage::Negotiation, None), &rep).is_ok());
    }

    #[test]
    fn backward_moves_need_a_reason() {
        let rep = human(Role::Rep);
        assert_eq!(
            check_move(Stage::Proposal, &mv(Stage::Discovery, None), &rep),
            Err(TransitionError::ReasonRequired {
                from: Stage::Proposal,
                to: Stage::Discovery
            }
            .into())
        );
        assert!(
            check_move(
                Stage::Proposal,
                &mv(Stage::Discovery, Some("new stakeholder")),
                &rep
            )
            .is_ok()
        );
        assert!(check_move(Stage::Proposal, &mv(Stage::Discovery, Some("   ")), &rep).is_err());
    }

    #[test]
    fn closed_won_only_from_negotiation_by_a_human() {
        assert!(
            check_move(
                Stage::Negotiation,
                &mv(Stage::ClosedWon, None),
                &human(Role::Rep)
            )
            .is_ok()
        );
        assert_eq!(
            check_move(
                Stage::Negotiation,
                &mv(Stage::ClosedWon, None),
                &service(Role::Admin)
            ),
            Err(TransitionError::WonRequiresHuman.into())
        );
        assert_eq!(
            check_move(
                Stage::Proposal,
                &mv(Stage::ClosedWon, None),
                &human(Role::Admin)
            ),
            Err(TransitionError::WonOnlyFromNegotiation(Stage::Proposal).into())
        );
    }

    #[test]
    fn closed_lost_needs_a_reason_and_a_human_from_any_open_stage() {
        let rep = human(Role::Rep);
        for &from in Stage::ALL.iter().filter(|s| s.is_open()) {
            assert!(check_move(from, &mv(Stage::ClosedLost, None), &rep).is_err());
            assert!(check_move(from, &mv(Stage::ClosedLost, Some("budget cut")), &rep).is_ok());
            assert_eq!(
                check_move(
                    from,
                    &mv(Stage::ClosedLost, Some("budget cut")),
                    &service(Role::Admin)
                ),
                Err(TransitionError::LostRequiresHuman.into())
            );
        }
    }

    #[test]
    fn reopening_is_admin_only_with_reason() {
        let req = mv(Stage::Negotiation, Some("customer came back"));
        assert_eq!(
            check_move(Stage::ClosedLost, &req, &human(Role::Manager)),
            Err(TransitionError::ReopenRequiresAdmin.into())
        );
        assert!(check_move(Stage::ClosedLost, &req, &human(Role::Admin)).is_ok());
        assert!(
            check_move(
                Stage::ClosedWon,
                &mv(Stage::Proposal, None),
                &human(Role::Admin)
            )
            .is_err()
        );
        assert_eq!(
            check_move(
                Stage::ClosedWon,
                &mv(Stage::ClosedLost, Some("x")),
                &human(Role::Admin)
            ),
            Err(TransitionError::ClosedToClosed.into())
        );
    }

    fn any_stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn services_never_close_and_non_admins_never_reopen(
            from in any_stage(), to in any_stage(), reason in proptest::option::of("[a-z ]{0,12}")
        ) {
            let req = StageMove { stage: to, reason };
            for role in [Role::Admin, Role::Manager, Role::Rep] {
                let ok = check_move(from, &req, &service(role)).is_ok();
                if !to.is_open() { prop_assert!(!ok); }
                if !from.is_open() && role != Role::Admin { prop_assert!(!ok); }
                if from == to { prop_assert!(!ok); }
            }
        }
    }
}
