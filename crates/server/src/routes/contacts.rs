//! `/api/v1/contacts`: people at customer accounts, with persona level and buying role.

use domain::contact::{BuyingRole, Contact, ContactPatch, NewContact, PersonaLevel};
use domain::text::Email;
use serde::Deserialize;
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, contains_filter, create_handler, delete_handler, get_handler, id_filter,
    label_filter, list_handler, update_handler,
};
use crate::error::ApiError;

/// Filters for listing contacts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactFilters {
    pub account_id: Option<String>,
    /// Exact address, case-insensitive.
    pub email: Option<String>,
    /// Name contains this text (case-insensitive).
    pub name: Option<String>,
    pub buying_role: Option<String>,
    pub persona_level: Option<String>,
}

impl ListFilters for ContactFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("account_id", self.account_id)?
            .into_iter()
            .collect();
        if let Some(email) = self.email {
            let email = Email::parse(&email)
                .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
            filters.push(Filter::Eq(
                "lower(email)",
                SqlValue::text(email.as_str().to_lowercase()),
            ));
        }
        filters.extend(contains_filter("name_folded", self.name));
        filters.extend(label_filter::<BuyingRole>("buying_role", self.buying_role)?);
        filters.extend(label_filter::<PersonaLevel>(
            "persona_level",
            self.persona_level,
        )?);
        Ok(filters)
    }
}

list_handler!(resource: Contact, page: ContactPage, filters: ContactFilters, tag: "contacts",
    collection: "/api/v1/contacts", check: require_reader);
get_handler!(resource: Contact, tag: "contacts", item: "/api/v1/contacts/{id}", name: "contact", check: require_reader);
create_handler!(resource: Contact, new: NewContact, into: into_contact, tag: "contacts",
    collection: "/api/v1/contacts", check: require_writer);
update_handler!(resource: Contact, patch: ContactPatch, tag: "contacts", item: "/api/v1/contacts/{id}",
    name: "contact", check: require_writer);
delete_handler!(resource: Contact, tag: "contacts", item: "/api/v1/contacts/{id}", name: "contact",
    check: require_writer);
