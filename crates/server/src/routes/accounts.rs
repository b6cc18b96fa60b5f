//! `/api/v1/accounts`: customer accounts and the email domains that match people to them.

use domain::account::{Account, AccountPatch, NewAccount};
use domain::region::RegionCode;
use domain::text::{DomainName, Email};
use serde::Deserialize;
use store::{Filter, SqlValue};

use super::crud::{
    ListFilters, contains_filter, create_handler, delete_handler, get_handler, id_filter,
    list_handler, update_handler,
};
use crate::error::ApiError;

/// Filters for listing accounts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountFilters {
    /// Name contains this text (case-insensitive).
    pub name: Option<String>,
    /// Owns this email domain.
    pub domain: Option<String>,
    /// Matches this email address by its domain or a parent domain (`jane@eu.acme.com` matches
    /// an account owning `acme.com`).
    pub email: Option<String>,
    /// Region code.
    pub region: Option<String>,
    /// Owner user id.
    pub owner_id: Option<String>,
}

/// A domain and its parents down to two labels: `eu.acme.com`, `acme.com`.
fn domain_and_parents(domain: &str) -> Vec<SqlValue> {
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len().saturating_sub(1))
        .map(|i| SqlValue::text(labels[i..].join(".")))
        .collect()
}

fn invalid(e: domain::DomainError) -> ApiError {
    ApiError::bad_request("invalid_query", e.to_string())
}

impl ListFilters for AccountFilters {
    fn into_filters(self) -> Result<Vec<Filter>, ApiError> {
        let link = |values| Filter::Linked {
            table: "account_domains",
            owner_column: "account_id",
            value_column: "domain",
            values,
        };
        let mut filters: Vec<Filter> = contains_filter("name_folded", self.name)
            .into_iter()
            .collect();
        if let Some(domain) = self.domain {
            let domain = DomainName::parse(&domain).map_err(invalid)?;
            filters.push(link(vec![SqlValue::text(domain)]));
        }
        if let Some(email) = self.email {
            let email = Email::parse(&email).map_err(invalid)?;
            filters.push(link(domain_and_parents(email.domain())));
        }
        if let Some(region) = self.region {
            filters.push(Filter::Eq(
                "region",
                SqlValue::text(RegionCode::parse(&region).map_err(invalid)?),
            ));
        }
        filters.extend(id_filter("owner_id", self.owner_id)?);
        Ok(filters)
    }
}

list_handler!(resource: Account, page: AccountPage, filters: AccountFilters, tag: "accounts",
    collection: "/api/v1/accounts", check: require_reader);
get_handler!(resource: Account, tag: "accounts", item: "/api/v1/accounts/{id}", name: "account", check: require_reader);
create_handler!(resource: Account, new: NewAccount, into: into_account, tag: "accounts",
    collection: "/api/v1/accounts", check: require_writer);
update_handler!(resource: Account, patch: AccountPatch, tag: "accounts", item: "/api/v1/accounts/{id}",
    name: "account", check: require_writer);
delete_handler!(resource: Account, tag: "accounts", item: "/api/v1/accounts/{id}", name: "account",
    check: require_writer);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_stop_at_two_labels() {
        assert_eq!(
            domain_and_parents("mail.eu.acme.com"),
            vec![
                SqlValue::text("mail.eu.acme.com"),
                SqlValue::text("eu.acme.com"),
                SqlValue::text("acme.com")
            ]
        );
        assert_eq!(
            domain_and_parents("acme.com"),
            vec![SqlValue::text("acme.com")]
        );
    }
}
