//! `/api/v1/opportunities/{id}/pricing-guidance` and `/api/v1/opportunities/{id}/discount-offers`:
//! the Sales agent's pricing guidance on a deal (list prices, opening, concession plan with
//! approvers, walk-away, calibrated questions) as JSON or Markdown, and discount offers, which
//! run as the `propose_discount` skill so that the guardrails judge the whole package against
//! the discount bands and a human approves when they say so.

use agents::crew::sales::pricing::{
    DiscountRequest, Equivalence, OfferError, OfferRequest, ProposeDiscount, pricing_guidance,
    propose_offer,
};
use agents::runner::{RunOutcome, run_skill};
use agents::skill::{Trigger, Typed};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::action::Action;
use domain::actor::Principal;
use domain::agent_run::{AgentRun, RunTrigger};
use domain::id::OpportunityId;
use domain::opportunity::Opportunity;
use serde::Deserialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, IdempotencyKey, path_id};
use crate::routes::rendering::Rendering;
use crate::state::AppState;

/// How to render the guidance.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GuidanceQuery {
    /// `json` (default) or `markdown`.
    pub format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/opportunities/{id}/pricing-guidance", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id"), GuidanceQuery),
    responses((status = 200, description = "The guidance: `products` (price-book lines or why \
        unpriced), `bands` (per approver, the highest discount), `opening`, `concessions` (each \
        package as one effective percent, its band verdict and what to ask in return), \
        `walk_away`, `signals`, `questions` (calibrated), `label`, `notes`; or the same as \
        `text/markdown`. Guidance is never an offer."),
        (status = 400, body = Problem), (status = 404, body = Problem)),
    security(("api_key" = [])))]
pub async fn guidance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<GuidanceQuery>,
) -> Result<Response, ApiError> {
    auth.require_reader()?;
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    let rendering = Rendering::parse(query.format.as_deref())?;
    let guidance = pricing_guidance(&state.store, auth.tenant, id).await?;
    Ok(rendering.respond(&guidance, || guidance.to_markdown()))
}

#[utoipa::path(post, path = "/api/v1/opportunities/{id}/discount-offers", tag = "opportunities",
    params(("id" = String, Path, description = "Opportunity id")),
    request_body(content = Object, description = "The offer, everything given away together: \
        `percent` (0 to 100), `free_months`, `waived_fees` and `credits` (decimal amounts in the \
        deal's currency), `extra_payment_days` (beyond net 30), `note` (at most 2,000 \
        characters); all optional, unknown fields refused"),
    responses((status = 201, body = AgentRun, description = "The `propose_discount` run with its \
        `offer_discount` action, the guardrails' decision (`executed`, `pending_approval` or \
        `forbidden`) and reasons; the discount bands judge the whole package as one percent of \
        the deal value"),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "An Idempotency-Key seen before"),
        (status = 422, body = Problem)),
    security(("api_key" = [])))]
pub async fn offer(
    State(state): State<AppState>,
    auth: Auth,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<String>,
    body: ApiJson<OfferRequest>,
) -> Result<Response, ApiError> {
    auth.require_writer()?;
    let id = OpportunityId::from_uuid(path_id("opportunity", &id)?);
    let deal: Opportunity = state.store.get(auth.tenant, id.as_uuid()).await?;
    let bands = state.store.discount_bands(auth.tenant).await?;
    // Checked before anything is recorded: an invalid offer stores nothing.
    let proposal = propose_offer(&deal, &bands, &body.value, &Equivalence::default()).map_err(
        |OfferError::Invalid { field, detail }| {
            ApiError::unprocessable("invalid_input", format!("{field}: {detail}")).with_field(field)
        },
    )?;
    let Action::OfferDiscount(proposed) = proposal.action else {
        return Err(ApiError::internal("propose_offer returned another action"));
    };
    // The note the approver reads: the requester's, and what the package is worth.
    let input = DiscountRequest {
        opportunity_id: id,
        offer: OfferRequest {
            note: proposed.note,
            ..body.value
        },
    };
    let input = serde_json::to_value(&input)
        .map_err(|e| ApiError::internal(format!("serializing the offer: {e}")))?;
    let trigger = Trigger {
        kind: RunTrigger::Manual,
        event_id: None,
        activity_id: None,
        account_id: Some(deal.account_id),
        opportunity_id: Some(id),
        dedupe_key: match key {
            Some(key) => format!("discount-offer:{}:{key}", auth.key.id),
            None => format!("discount-offer:{}", uuid::Uuid::now_v7()),
        },
        input,
        requested_by: match auth.actor.principal {
            Principal::User { user_id } => Some(user_id),
            _ => None,
        },
        sender: None,
    };
    match run_skill(&state.agents, auth.tenant, &Typed(ProposeDiscount), trigger).await {
        Ok(RunOutcome::Recorded(run)) => Ok((StatusCode::CREATED, Json(*run)).into_response()),
        Ok(RunOutcome::AlreadyRan) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_ran",
            "Already ran",
            "an offer with this Idempotency-Key exists; find it in /api/v1/agent-runs",
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
