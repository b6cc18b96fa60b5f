//! `/api/v1/agents`: the crew's roles and skills, and running a skill on demand.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::action::ActionKind;
use domain::actor::Principal;
use domain::agent::AgentRole;
use domain::agent_run::{AgentRun, RunTrigger};
use serde::Serialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, IdempotencyKey};
use crate::state::AppState;

/// A skill as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SkillInfo {
    pub name: String,
    pub description: String,
    /// The actions it may propose.
    pub allowed_actions: Vec<ActionKind>,
    /// Event kinds that start it.
    pub triggers: Vec<String>,
    #[schema(value_type = Object)]
    pub input_schema: serde_json::Value,
    #[schema(value_type = Object)]
    pub output_schema: serde_json::Value,
}

/// A role and its skills.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleInfo {
    pub role: AgentRole,
    pub title: String,
    pub skills: Vec<SkillInfo>,
}

/// The crew.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Crew {
    pub items: Vec<RoleInfo>,
}

#[utoipa::path(get, path = "/api/v1/agents", tag = "agents",
    responses((status = 200, body = Crew)), security(("api_key" = [])))]
pub async fn list(auth: Auth) -> Result<Json<Crew>, ApiError> {
    auth.require_reader()?;
    let skills = agents::crew::skills();
    let items = AgentRole::ALL
        .iter()
        .map(|role| RoleInfo {
            role: *role,
            title: role.title().to_owned(),
            skills: skills
                .iter()
                .filter(|s| s.role() == *role)
                .map(|s| SkillInfo {
                    name: s.name().to_owned(),
                    description: s.description().to_owned(),
                    allowed_actions: s.allowed_actions().to_vec(),
                    triggers: s.triggers().iter().map(|t| (*t).to_owned()).collect(),
                    input_schema: s.input_schema(),
                    output_schema: s.output_schema(),
                })
                .collect(),
        })
        .collect();
    Ok(Json(Crew { items }))
}

#[utoipa::path(post, path = "/api/v1/agents/{role}/skills/{skill}", tag = "agents",
    params(("role" = String, Path, description = "Agent role, for example `sales`"),
        ("skill" = String, Path, description = "Skill name, for example `triage_email`")),
    request_body(content = Object, description = "The skill's input (see its input_schema)"),
    responses((status = 201, body = AgentRun, description = "The run, with its proposed actions and their guardrail decisions"),
        (status = 200, body = Problem, description = "An Idempotency-Key seen before: the run already exists"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn run(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    Path((role, skill)): Path<(String, String)>,
    body: ApiJson<serde_json::Value>,
) -> Result<Response, ApiError> {
    auth.require_writer()?;
    let role: AgentRole = role
        .parse()
        .map_err(|_| ApiError::not_found(format!("no agent role {role:?}")))?;
    let skill = agents::crew::skill(role, &skill)
        .ok_or_else(|| ApiError::not_found(format!("{role} has no skill {skill:?}")))?;
    if !skill.manual() {
        return Err(ApiError::unprocessable(
            "skill_not_manual",
            format!(
                "{} builds its input on the server (who signs, which deal, which rep): use its own \
                 endpoint (see docs/api.md)",
                skill.name()
            ),
        ));
    }
    let input = body.value;
    skill
        .check_input(&input)
        .map_err(|e| ApiError::unprocessable("invalid_input", e))?;
    let id_of = |field: &str| {
        input
            .get(field)
            .and_then(|v| v.as_str())
            .and_then(|s| uuid::Uuid::try_parse(s).ok())
    };
    let requested_by = requester(&auth);
    let dedupe_key = match key {
        Some(key) => format!("manual:{}:{key}", auth.key.id),
        None => format!("manual:{}", uuid::Uuid::now_v7()),
    };
    let trigger = agents::skill::Trigger {
        kind: RunTrigger::Manual,
        event_id: None,
        activity_id: id_of("activity_id").map(domain::id::ActivityId::from_uuid),
        account_id: id_of("account_id").map(domain::id::AccountId::from_uuid),
        opportunity_id: id_of("opportunity_id").map(domain::id::OpportunityId::from_uuid),
        dedupe_key,
        input: input.clone(),
        requested_by,
        sender: None,
    };
    // References in the input must be the tenant's own.
    if let Some(account) = trigger.account_id {
        let _: domain::account::Account = state.store.get(auth.tenant, account.as_uuid()).await?;
    }
    if let Some(opportunity) = trigger.opportunity_id {
        let _: domain::opportunity::Opportunity =
            state.store.get(auth.tenant, opportunity.as_uuid()).await?;
    }
    run_manual(&state, &auth, skill.as_ref(), trigger).await
}

/// Runs a skill a person asked for and answers with the recorded run (201): its proposed
/// actions and the guardrails' decision on each.
pub(crate) async fn run_manual(
    state: &AppState,
    auth: &Auth,
    skill: &dyn agents::skill::Skill,
    trigger: agents::skill::Trigger,
) -> Result<Response, ApiError> {
    match agents::runner::run_skill(&state.agents, auth.tenant, skill, trigger).await {
        Ok(agents::runner::RunOutcome::Recorded(run)) if run.error.is_some() => Err(
            ApiError::unprocessable("invalid_input", run.error.clone().unwrap_or_default()),
        ),
        Ok(agents::runner::RunOutcome::Recorded(run)) => {
            Ok((StatusCode::CREATED, Json(*run)).into_response())
        }
        Ok(agents::runner::RunOutcome::AlreadyRan) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_ran",
            "Already ran",
            "a run with this Idempotency-Key exists; find it in /api/v1/agent-runs",
        )),
        Err(agents::HandlerError::Permanent(e)) => Err(ApiError::unprocessable("invalid_input", e)),
        Err(agents::HandlerError::Transient(e)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            e,
        )),
    }
}

/// The person behind a request, when it is one (a personal key).
pub(crate) fn requester(auth: &Auth) -> Option<domain::id::UserId> {
    match auth.actor.principal {
        Principal::User { user_id } => Some(user_id),
        _ => None,
    }
}
