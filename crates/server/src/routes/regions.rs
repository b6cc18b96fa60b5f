//! `/api/v1/regions`: the tenant's regions (APAC, EMEA, Americas by default), each with a time
//! zone, currency and locale. Admins configure them.

use domain::region::{NewRegion, Region, RegionPatch};
use serde::Deserialize;
use store::Filter;

use super::crud::{
    ListFilters, create_handler, delete_handler, get_handler, list_handler, update_handler,
};
use crate::error::ApiError;

/// Regions have no filters; the list is short.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionFilters {}

impl ListFilters for RegionFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        Ok(Vec::new())
    }
}

list_handler!(resource: Region, page: RegionPage, filters: RegionFilters, tag: "regions",
    collection: "/api/v1/regions", check: require_reader);
get_handler!(resource: Region, tag: "regions", item: "/api/v1/regions/{id}", name: "region", check: require_reader);
create_handler!(resource: Region, new: NewRegion, into: into_region, tag: "regions",
    collection: "/api/v1/regions", check: require_admin);
update_handler!(resource: Region, patch: RegionPatch, tag: "regions", item: "/api/v1/regions/{id}",
    name: "region", check: require_admin);
delete_handler!(resource: Region, tag: "regions", item: "/api/v1/regions/{id}", name: "region",
    check: require_admin);
