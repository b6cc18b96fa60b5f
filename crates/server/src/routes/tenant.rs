//! `/api/v1/tenant`: the caller's own tenant, and who the caller is.

use axum::Json;
use axum::extract::State;
use domain::actor::Actor;
use domain::tenant::Tenant;
use serde::Serialize;

use crate::auth::Auth;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// The tenant and the caller as the server sees them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    pub tenant: Tenant,
    /// Role, principal kind and key in use.
    #[schema(value_type = Object)]
    pub actor: Actor,
}

#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenant",
    responses((status = 200, body = WhoAmI), (status = 401, body = Problem)),
    security(("api_key" = [])))]
pub async fn current(State(state): State<AppState>, auth: Auth) -> Result<Json<WhoAmI>, ApiError> {
    let tenant = state.store.tenant(auth.tenant).await?;
    Ok(Json(WhoAmI {
        tenant,
        actor: auth.actor,
    }))
}
