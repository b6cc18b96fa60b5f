//! Paging through a history of versions (scorecards, plans): newest first, `limit` per page, the
//! next page below `before_version`.

use serde::Deserialize;

use crate::error::ApiError;

/// Most versions one page lists.
const MAX_LIMIT: u32 = 200;

/// Paging through a history.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionsQuery {
    /// Versions per page (1–200, default 50).
    pub limit: Option<u32>,
    /// Versions older than this one (the previous page's `next_before_version`).
    pub before_version: Option<i64>,
}

impl VersionsQuery {
    /// The page size, checked: `400` outside 1–200.
    pub fn limit(&self) -> Result<u32, ApiError> {
        let limit = self.limit.unwrap_or(50);
        if (1..=MAX_LIMIT).contains(&limit) {
            Ok(limit)
        } else {
            Err(ApiError::bad_request(
                "invalid_query",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )
            .with_field("limit"))
        }
    }
}

/// One page from `limit + 1` versions read newest first: the page, and the version to pass as
/// `before_version` for the next one (none on the last page).
pub fn page<T>(
    mut items: Vec<T>,
    limit: u32,
    version: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<i64>) {
    if items.len() > limit as usize {
        items.truncate(limit as usize);
        let next = items.last().map(version);
        (items, next)
    } else {
        (items, None)
    }
}
