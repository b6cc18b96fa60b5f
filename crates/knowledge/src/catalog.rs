//! Loading the product catalog: price-book rows and discount bands from CSV or JSON rows,
//! checked whole (every row valid, every product and region the tenant's own) before anything is
//! stored. The API and `agent-army catalog` share this.

use domain::catalog::{DiscountBand, NewDiscountBand, NewPriceEntry, PriceEntry, check_bands};
use domain::id::{ProductId, TenantId};
use domain::product::Product;
use domain::region::{Region, RegionCode};
use store::{Filter, SqlValue, Store, WriteCtx};

/// Most rows accepted in one load.
pub const MAX_ROWS: usize = 10_000;

/// Why a catalog load was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A row (1-based, the CSV header not counted) is invalid.
    #[error("row {row}: {detail}")]
    Row {
        row: usize,
        field: String,
        detail: String,
    },
    /// The load as a whole is invalid (empty, too long, unreadable CSV, inconsistent bands).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::Error),
}

fn row_error(row: usize, e: domain::DomainError) -> CatalogError {
    let field = match &e {
        domain::DomainError::Invalid { field, .. } => (*field).to_owned(),
        domain::DomainError::Transition(_) => String::new(),
    };
    CatalogError::Row {
        row,
        field,
        detail: e.to_string(),
    }
}

/// Parses CSV with a header row into rows of `T` (columns named as `T`'s fields).
pub fn parse_csv<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>, CatalogError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.deserialize::<T>().enumerate() {
        let row = record.map_err(|e| CatalogError::Row {
            row: i + 1,
            field: String::new(),
            detail: e.to_string(),
        })?;
        rows.push(row);
        if rows.len() > MAX_ROWS {
            return Err(CatalogError::Invalid(format!(
                "at most {MAX_ROWS} rows per load"
            )));
        }
    }
    Ok(rows)
}

/// Resolves product ids and codes, and checks regions, against the tenant's own.
struct Resolver<'a> {
    store: &'a Store,
    products: Vec<Product>,
    regions: Vec<RegionCode>,
}

impl<'a> Resolver<'a> {
    async fn load(store: &'a Store, tenant: TenantId) -> Result<Self, CatalogError> {
        let products = store
            .list_all::<Product>(tenant, Vec::new(), usize::MAX)
            .await?;
        let regions = store
            .list_all::<Region>(tenant, Vec::new(), usize::MAX)
            .await?
            .into_iter()
            .map(|r| r.code)
            .collect();
        Ok(Self {
            store,
            products,
            regions,
        })
    }

    fn product(&self, row: usize, raw: &str) -> Result<ProductId, CatalogError> {
        let raw = raw.trim();
        self.products
            .iter()
            .find(|p| p.id.to_string() == raw || p.code.eq_ignore_ascii_case(raw))
            .map(|p| p.id)
            .ok_or_else(|| CatalogError::Row {
                row,
                field: "product".into(),
                detail: format!("no product with id or code {raw:?}"),
            })
    }

    fn region(&self, row: usize, code: &RegionCode) -> Result<(), CatalogError> {
        if self.regions.contains(code) {
            Ok(())
        } else {
            Err(CatalogError::Row {
                row,
                field: "region".into(),
                detail: format!(
                    "region {} is not one of the tenant's regions",
                    code.as_str()
                ),
            })
        }
    }
}

/// The tenant's product named by `raw`, an id or a code (any case); `None` when there is none.
pub async fn find_product(
    store: &Store,
    tenant: TenantId,
    raw: &str,
) -> Result<Option<Product>, store::Error> {
    let raw = raw.trim();
    if let Ok(id) = raw.parse::<ProductId>() {
        return match store.get::<Product>(tenant, id.as_uuid()).await {
            Ok(product) => Ok(Some(product)),
            Err(store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        };
    }
    let filters = vec![Filter::Eq("code", SqlValue::text(raw.to_ascii_uppercase()))];
    Ok(store
        .list_all::<Product>(tenant, filters, 1)
        .await?
        .into_iter()
        .next())
}

/// Validates price rows and stores them (replacing entries of the same SKU, region and
/// currency). Returns the stored entries and how many were new.
pub async fn load_prices(
    store: &Store,
    w: &WriteCtx,
    rows: Vec<NewPriceEntry>,
) -> Result<(Vec<PriceEntry>, usize), CatalogError> {
    if rows.is_empty() {
        return Err(CatalogError::Invalid("no price rows given".into()));
    }
    if rows.len() > MAX_ROWS {
        return Err(CatalogError::Invalid(format!(
            "at most {MAX_ROWS} rows per load"
        )));
    }
    let resolver = Resolver::load(store, w.tenant).await?;
    let mut entries = Vec::with_capacity(rows.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in rows.into_iter().enumerate() {
        let row = i + 1;
        let product = resolver.product(row, &raw.product)?;
        let entry = raw
            .into_entry(product, w.now)
            .map_err(|e| row_error(row, e))?;
        resolver.region(row, &entry.region)?;
        let key = (entry.sku.clone(), entry.region.clone(), entry.currency);
        if !seen.insert(key) {
            return Err(CatalogError::Row {
                row,
                field: "sku".into(),
                detail: format!(
                    "{} in {} {} appears twice",
                    entry.sku,
                    entry.region.as_str(),
                    entry.currency.code()
                ),
            });
        }
        entries.push(entry);
    }
    Ok(resolver.store.put_prices(w, &entries).await?)
}

/// Validates discount bands and makes them the tenant's whole set.
pub async fn load_discount_bands(
    store: &Store,
    w: &WriteCtx,
    rows: Vec<NewDiscountBand>,
) -> Result<Vec<DiscountBand>, CatalogError> {
    if rows.len() > MAX_ROWS {
        return Err(CatalogError::Invalid(format!(
            "at most {MAX_ROWS} rows per load"
        )));
    }
    let resolver = Resolver::load(store, w.tenant).await?;
    let mut bands = Vec::with_capacity(rows.len());
    for (i, raw) in rows.into_iter().enumerate() {
        let row = i + 1;
        let product = match raw.product.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Some(resolver.product(row, p)?),
            _ => None,
        };
        let band = raw.into_band(product).map_err(|e| row_error(row, e))?;
        if let Some(region) = &band.region {
            resolver.region(row, region)?;
        }
        bands.push(band);
    }
    check_bands(&bands).map_err(|e| CatalogError::Invalid(e.to_string()))?;
    store.replace_discount_bands(w, &bands).await?;
    Ok(sorted_bands(bands))
}

/// Bands in reading order: scope, then ceiling.
pub fn sorted_bands(mut bands: Vec<DiscountBand>) -> Vec<DiscountBand> {
    bands.sort_by(|a, b| {
        (a.product_id, &a.region, a.up_to_percent).cmp(&(b.product_id, &b.region, b.up_to_percent))
    });
    bands
}

/// The price-book entries for a SKU in a region: one per currency, or only `currency`'s.
pub async fn find_prices(
    store: &Store,
    tenant: TenantId,
    sku: &str,
    region: &RegionCode,
    currency: Option<&str>,
) -> Result<Vec<PriceEntry>, store::Error> {
    let mut filters = vec![
        Filter::Eq("sku", SqlValue::text(sku.trim().to_ascii_uppercase())),
        Filter::Eq("region", SqlValue::text(region.as_str())),
    ];
    if let Some(currency) = currency {
        filters.push(Filter::Eq(
            "currency",
            SqlValue::text(currency.trim().to_ascii_uppercase()),
        ));
    }
    let query = store::ListQuery {
        filters,
        limit: store::MAX_LIMIT,
        ..store::ListQuery::default()
    };
    Ok(store.list_prices(tenant, &query).await?.items)
}
