//! `POST /api/v1/opportunities/{id}/outreach`: the Sales agent drafts an email or chat to one
//! contact of the deal, for its stage and the contact's persona level, in the region's
//! conventions and the rep's persona. The draft is a proposed action: it goes through the
//! guardrails and waits in the approvals inbox unless the tenant's policy says otherwise.

use agents::crew::sales::outreach::{
    DraftOutreach, OutreachError, OutreachRequest, outreach_input,
};
use agents::skill::{Trigger, Typed};
use axum::extract::{Path, State};
use axum::response::Response;
use domain::agent_run::RunTrigger;
use domain::id::OpportunityId;
use domain::user::Role;

use super::agents::{requester, run_manual};
use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, IdempotencyKey, path_id};
use crate::state::AppState;

/// The request body, as documented (`agents::crew::sales::outreach::OutreachRequest`).
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "read by OpenAPI only: the handler parses OutreachRequest"
)]
pub struct OutreachBody {
    /// The contact to write to (on the deal's account).
    contact_id: String,
    /// `email` (default) or `chat`.
    channel: Option<String>,
    /// `introduction`, `follow_up`, `meeting_request`, `proposal_follow_up`, `re_engage` or
    /// `check_in`; by default from the stage and the account's activity.
    purpose: Option<String>,
    /// The rep to write as; the deal's owner, else the account's, by default.
    rep_id: Option<String>,
    /// The chat space (chat only); a direct message to the contact by default.
    chat_space: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/outreach", tag = "opportunities",
    request_body = OutreachBody,
    params(("id" = String, Path, description = "Opportunity id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retry-safe key: one draft per key")),
    responses((status = 201, body = domain::agent_run::AgentRun,
        description = "The run, with the draft as a proposed send_email or post_chat and the guardrails' decision"),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn draft(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
    body: ApiJson<OutreachRequest>,
) -> Result<Response, ApiError> {
    auth.require_writer()?;
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    // Writing as a named rep: that rep, or a manager, never a service key.
    if let Some(rep) = body.value.rep_id {
        let me = requester(&auth);
        let manager = matches!(auth.actor.role, Role::Admin | Role::Manager);
        if me != Some(rep) && !(me.is_some() && manager) {
            return Err(ApiError::forbidden(
                "only the rep themselves or a manager may draft in a named rep's persona",
            ));
        }
    }
    let input = outreach_input(&state.store, auth.tenant, id, &body.value)
        .await
        .map_err(|e| match e {
            OutreachError::Store(e) => e.into(),
            OutreachError::Invalid { field, detail } => {
                ApiError::unprocessable("invalid_input", format!("{field}: {detail}"))
                    .with_field(field)
            }
        })?;
    let dedupe_key = match key {
        Some(key) => format!("outreach:{}:{key}", auth.key.id),
        None => format!("outreach:{}", uuid::Uuid::now_v7()),
    };
    let trigger = Trigger {
        kind: RunTrigger::Manual,
        event_id: None,
        activity_id: None,
        account_id: Some(input.account_id),
        opportunity_id: Some(input.opportunity_id),
        dedupe_key,
        input: serde_json::to_value(&input).map_err(|e| ApiError::internal(e.to_string()))?,
        requested_by: requester(&auth),
        sender: None,
    };
    run_manual(&state, &auth, &Typed(DraftOutreach), trigger).await
}
