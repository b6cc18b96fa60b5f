//! `agent-army catalog`: loads a tenant's price book and discount bands from CSV files. Each file
//! is checked whole before anything is stored; a bad row names its line.

use anyhow::{Context, bail};
use domain::catalog::{NewDiscountBand, NewPriceEntry};
use knowledge::catalog::{load_discount_bands, load_prices, parse_csv};
use store::WriteCtx;

use super::{find_tenant, open_store};
use crate::cli::CatalogArgs;
use crate::config::Config;

pub async fn load(config: &Config, args: &CatalogArgs) -> anyhow::Result<()> {
    if args.prices.is_none() && args.discount_bands.is_none() {
        bail!("give --prices FILE, --discount-bands FILE or both");
    }
    let store = open_store(config).await?;
    let tenant = find_tenant(&store, &args.tenant).await?;
    let w = WriteCtx::new(tenant.id, domain::actor::Actor::operator(), None);
    if let Some(path) = &args.prices {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let rows: Vec<NewPriceEntry> = parse_csv(&text)
            .with_context(|| format!("{} (the header is line 1)", path.display()))?;
        let (entries, created) = load_prices(&store, &w, rows)
            .await
            .with_context(|| format!("loading {}", path.display()))?;
        println!(
            "{}: {} price entries ({created} new, {} updated)",
            path.display(),
            entries.len(),
            entries.len() - created
        );
    }
    if let Some(path) = &args.discount_bands {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let rows: Vec<NewDiscountBand> = parse_csv(&text)
            .with_context(|| format!("{} (the header is line 1)", path.display()))?;
        let bands = load_discount_bands(&store, &w, rows)
            .await
            .with_context(|| format!("loading {}", path.display()))?;
        println!("{}: {} discount bands", path.display(), bands.len());
    }
    Ok(())
}
