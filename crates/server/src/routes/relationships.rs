//! `/api/v1/contact-relationships`: directed edges between contacts (reports to, influences,
//! allies with, opposes) that make up a buying committee's political map.

use domain::contact::{
    ContactRelationship, ContactRelationshipPatch, NewContactRelationship, RelationshipKind,
};
use serde::Deserialize;
use store::Filter;

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, id_filter, label_filter,
    list_handler, update_handler,
};
use crate::error::ApiError;

/// Filters for listing relationships.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelationshipFilters {
    pub from_contact_id: Option<String>,
    pub to_contact_id: Option<String>,
    pub kind: Option<String>,
}

impl ListFilters for RelationshipFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("from_contact_id", self.from_contact_id)?
            .into_iter()
            .collect();
        filters.extend(id_filter("to_contact_id", self.to_contact_id)?);
        filters.extend(label_filter::<RelationshipKind>("kind", self.kind)?);
        Ok(filters)
    }
}

list_handler!(resource: ContactRelationship, page: ContactRelationshipPage, filters: RelationshipFilters,
    tag: "contacts", collection: "/api/v1/contact-relationships", check: require_reader);
get_handler!(resource: ContactRelationship, tag: "contacts", item: "/api/v1/contact-relationships/{id}",
    name: "contact relationship", check: require_reader);
create_handler!(resource: ContactRelationship, new: NewContactRelationship, into: into_relationship,
    tag: "contacts", collection: "/api/v1/contact-relationships", check: require_writer);
update_handler!(
    resource: ContactRelationship,
    patch: ContactRelationshipPatch,
    tag: "contacts",
    item: "/api/v1/contact-relationships/{id}",
    name: "contact relationship",
    check: require_writer
);
delete_handler!(resource: ContactRelationship, tag: "contacts", item: "/api/v1/contact-relationships/{id}",
    name: "contact relationship", check: require_writer);
