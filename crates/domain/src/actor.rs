//! Who is acting: a human user, a service API key (machines and agents), or the operator's CLI.

use serde::Serialize;

use crate::id::{ApiKeyId, UserId};
use crate::user::Role;

/// The principal behind a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    /// A human user, signed in or using a personal API key.
    User { user_id: UserId },
    /// A service API key, used by machines and agents; never counts as a human.
    Service { api_key_id: ApiKeyId },
    /// The operator on the server's console (`agent-army` CLI).
    Operator,
    /// An agent of the crew executing an action the guardrails released; never a human.
    Agent { role: crate::agent::AgentRole },
}

/// A principal with the role it holds in the current tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub principal: Principal,
    pub role: Role,
    /// The API key that authenticated the request, if any.
    pub api_key_id: Option<ApiKeyId>,
}

impl Actor {
    /// The operator at the console, acting as an admin.
    pub fn operator() -> Self {
        Self {
            principal: Principal::Operator,
            role: Role::Admin,
            api_key_id: None,
        }
    }

    /// A person signed in to the web UI, with their own role.
    pub fn user(user_id: crate::id::UserId, role: Role) -> Self {
        Self {
            principal: Principal::User { user_id },
            role,
            api_key_id: None,
        }
    }

    /// An agent acting for itself, with a rep's rights (it writes CRM objects, nothing more).
    pub fn agent(role: crate::agent::AgentRole) -> Self {
        Self {
            principal: Principal::Agent { role },
            role: Role::Rep,
            api_key_id: None,
        }
    }

    /// Whether a human stands behind this action (a user, or the operator at the console).
    pub fn is_human(&self) -> bool {
        matches!(self.principal, Principal::User { .. } | Principal::Operator)
    }

    /// Storage spelling of the principal kind.
    pub fn kind_str(&self) -> &'static str {
        match self.principal {
            Principal::User { .. } => "user",
            Principal::Service { .. } => "service",
            Principal::Operator => "operator",
            Principal::Agent { .. } => "agent",
        }
    }

    /// The principal's id, if it has one.
    pub fn principal_id(&self) -> Option<uuid::Uuid> {
        match self.principal {
            Principal::User { user_id } => Some(user_id.as_uuid()),
            Principal::Service { api_key_id } => Some(api_key_id.as_uuid()),
            Principal::Operator | Principal::Agent { .. } => None,
        }
    }
}
