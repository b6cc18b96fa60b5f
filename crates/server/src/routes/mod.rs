//! Every HTTP route, grouped by resource, collected into one router with its OpenAPI document.

pub mod accounts;
pub mod activities;
pub mod agent_runs;
pub mod agents;
pub mod apikeys;
pub mod approvals;
pub mod audit;
pub mod battlecards;
pub mod briefing;
pub mod catalog;
pub mod contacts;
pub mod credentials;
pub mod crud;
pub mod dead_letters;
pub mod events;
pub mod guardrails;
pub mod health;
pub mod intelligence;
pub mod knowledge;
pub mod llm;
pub mod openai;
pub mod opportunities;
pub mod outbox;
pub mod outreach;
pub mod passwords;
pub mod personas;
pub mod plans;
pub mod political_map;
pub mod pricing;
pub mod products;
pub mod quotas;
pub mod regions;
pub mod relationships;
pub mod rendering;
pub mod scorecards;
pub mod tasks;
pub mod tenant;
pub mod users;
pub mod versions;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Agent Army API", description = "Multi-tenant AI sales organization platform. \
        Authenticate with `Authorization: Bearer <API key>`; errors are RFC 9457 problem JSON."),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts"), (name = "contacts"), (name = "opportunities"), (name = "activities"),
        (name = "tasks"), (name = "products"), (name = "users"), (name = "apikeys"), (name = "regions"),
        (name = "audit"), (name = "tenant"), (name = "health"), (name = "openai"), (name = "llm"),
        (name = "agents"), (name = "approvals"), (name = "runtime"), (name = "knowledge"), (name = "catalog"), (name = "goals"),
        (name = "integrations"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("API key")
                    .build(),
            ),
        );
    }
}

/// The API router and its OpenAPI document.
pub fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(health::metrics))
        .routes(routes!(tenant::current))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::get, accounts::update, accounts::delete))
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(relationships::list, relationships::create))
        .routes(routes!(
            relationships::get,
            relationships::update,
            relationships::delete
        ))
        .routes(routes!(opportunities::list, opportunities::create))
        .routes(routes!(
            opportunities::get,
            opportunities::update,
            opportunities::delete
        ))
        .routes(routes!(opportunities::move_stage))
        .routes(routes!(opportunities::stage_history))
        .routes(routes!(intelligence::get))
        .routes(routes!(political_map::get))
        .routes(routes!(briefing::get))
        .routes(routes!(pricing::guidance))
        .routes(routes!(pricing::offer))
        .routes(routes!(battlecards::list))
        .routes(routes!(plans::account_plan))
        .routes(routes!(plans::account_plan_history))
        .routes(routes!(plans::refresh_account_plan))
        .routes(routes!(plans::opportunity_plan))
        .routes(routes!(plans::opportunity_plan_history))
        .routes(routes!(plans::refresh_opportunity_plan))
        .routes(routes!(outreach::draft))
        .routes(routes!(quotas::list, quotas::create))
        .routes(routes!(quotas::get, quotas::update, quotas::delete))
        .routes(routes!(quotas::pursuit))
        .routes(routes!(quotas::goals))
        .routes(routes!(personas::get, personas::put, personas::delete))
        .routes(routes!(passwords::put))
        .routes(routes!(scorecards::current))
        .routes(routes!(scorecards::history))
        .routes(routes!(activities::list, activities::create))
        .routes(routes!(activities::import))
        .routes(routes!(
            activities::get,
            activities::update,
            activities::delete
        ))
        .routes(routes!(tasks::list, tasks::create))
        .routes(routes!(tasks::get, tasks::update, tasks::delete))
        .routes(routes!(products::list, products::create))
        .routes(routes!(products::get, products::update, products::delete))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(apikeys::list, apikeys::create))
        .routes(routes!(apikeys::get, apikeys::update, apikeys::revoke))
        .routes(routes!(regions::list, regions::create))
        .routes(routes!(regions::get, regions::update, regions::delete))
        .routes(routes!(audit::list))
        .routes(routes!(openai::chat_completions))
        .routes(routes!(openai::models))
        .routes(routes!(llm::list))
        .routes(routes!(llm::get))
        .routes(routes!(llm::usage))
        .routes(routes!(llm::settings, llm::update_settings))
        .routes(routes!(agents::list))
        .routes(routes!(agents::run))
        .routes(routes!(agent_runs::list))
        .routes(routes!(agent_runs::get))
        .routes(routes!(approvals::list))
        .routes(routes!(approvals::get))
        .routes(routes!(approvals::approve))
        .routes(routes!(approvals::reject))
        .routes(routes!(outbox::list))
        .routes(routes!(dead_letters::list))
        .routes(routes!(dead_letters::replay))
        .routes(routes!(guardrails::get, guardrails::update))
        .routes(routes!(events::stream))
        .routes(routes!(knowledge::list, knowledge::upload))
        .routes(routes!(knowledge::get, knowledge::delete))
        .routes(routes!(knowledge::search))
        .routes(routes!(catalog::list_prices, catalog::put_prices))
        .routes(routes!(catalog::delete_price))
        .routes(routes!(catalog::list_bands, catalog::put_bands))
        .routes(routes!(catalog::quote))
        .routes(routes!(credentials::list))
        .routes(routes!(credentials::put, credentials::delete))
        .split_for_parts()
}
