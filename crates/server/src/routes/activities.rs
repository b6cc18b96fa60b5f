//! `/api/v1/activities`: emails, chats, meetings, calls and notes.

use domain::activity::{Activity, ActivityKind, ActivityPatch, NewActivity};
use serde::Deserialize;
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, id_filter, label_filter,
    list_handler, time_query, update_handler,
};
use crate::error::ApiError;

/// Filters for listing activities.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityFilters {
    pub account_id: Option<String>,
    pub opportunity_id: Option<String>,
    pub kind: Option<String>,
    /// Occurred at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Occurred before this RFC 3339 time.
    pub until: Option<String>,
    /// Only activities whose text showed signs of a prompt injection (`true`) or none (`false`).
    pub injection_suspected: Option<bool>,
}

fn time_param(name: &'static str, raw: &str) -> Result<SqlValue, ApiError> {
    time_query(name, raw).map(|t| SqlValue::Time(Some(t)))
}

impl ListFilters for ActivityFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let mut filters: Vec<Filter> = id_filter("account_id", self.account_id)?
            .into_iter()
            .collect();
        filters.extend(id_filter("opportunity_id", self.opportunity_id)?);
        filters.extend(label_filter::<ActivityKind>("kind", self.kind)?);
        if let Some(since) = self.since {
            filters.push(Filter::AtLeast("occurred_at", time_param("since", &since)?));
        }
        if let Some(until) = self.until {
            filters.push(Filter::Before("occurred_at", time_param("until", &until)?));
        }
        if let Some(flag) = self.injection_suspected {
            filters.push(Filter::Eq("injection_suspected", SqlValue::Bool(flag)));
        }
        Ok(filters)
    }
}

list_handler!(resource: Activity, page: ActivityPage, filters: ActivityFilters, tag: "activities",
    collection: "/api/v1/activities", check: require_reader);
get_handler!(resource: Activity, tag: "activities", item: "/api/v1/activities/{id}", name: "activity",
    check: require_reader);
create_handler!(resource: Activity, new: NewActivity, into: into_activity, tag: "activities",
    collection: "/api/v1/activities", check: require_writer);
update_handler!(resource: Activity, patch: ActivityPatch, tag: "activities", item: "/api/v1/activities/{id}",
    name: "activity", check: require_writer);
delete_handler!(resource: Activity, tag: "activities", item: "/api/v1/activities/{id}", name: "activity",
    check: require_writer);
