//! `/api/v1/users`: the humans of the tenant. Everyone can see them; only admins manage them.

use domain::text::Email;
use domain::user::{NewUser, Role, User, UserPatch};
use serde::Deserialize;
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, label_filter, list_handler,
    update_handler,
};
use crate::error::ApiError;

/// Filters for listing users.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilters {
    pub role: Option<String>,
    pub active: Option<bool>,
    /// Exact address, case-insensitive.
    pub email: Option<String>,
}

impl ListFilters for UserFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = label_filter::<Role>("role", self.role)?
            .into_iter()
            .collect();
        if let Some(active) = self.active {
            filters.push(Filter::Eq("active", SqlValue::Bool(active)));
        }
        if let Some(email) = self.email {
            let email = Email::parse(&email)
                .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
            filters.push(Filter::Eq(
                "lower(email)",
                SqlValue::text(email.as_str().to_lowercase()),
            ));
        }
        Ok(filters)
    }
}

list_handler!(resource: User, page: UserPage, filters: UserFilters, tag: "users",
    collection: "/api/v1/users", check: require_reader);
get_handler!(resource: User, tag: "users", item: "/api/v1/users/{id}", name: "user", check: require_reader);
create_handler!(resource: User, new: NewUser, into: into_user, tag: "users", collection: "/api/v1/users",
    check: require_admin);
update_handler!(resource: User, patch: UserPatch, tag: "users", item: "/api/v1/users/{id}", name: "user",
    check: require_admin);
delete_handler!(resource: User, tag: "users", item: "/api/v1/users/{id}", name: "user", check: require_admin);
