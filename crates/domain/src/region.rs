//! Regions of a tenant (APAC, EMEA, Americas by default), each with a time zone, a currency and a
//! locale.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};
use crate::id::RegionId;
use crate::money::Currency;
use crate::text::{self, string_newtype_serde};

/// A region code such as `EMEA`: 2 to 16 upper-case letters, digits, `_` or `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    /// Parses a code, upper-casing it.
    pub fn parse(s: &str) -> Result<Self> {
        let code = s.trim().to_ascii_uppercase();
        let ok = (2..=16).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(DomainError::invalid(
                "region",
                format!("{s:?} is not a region code (2-16 letters, digits, _ or -)"),
            ));
        }
        Ok(Self(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name that the time-zone database knows, such as `Europe/London`.
#[derive(Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Parses a zone name, checking it exists.
    pub fn parse(s: &str) -> Result<Self> {
        let name = s.trim();
        if name.is_empty() || name.len() > 64 || jiff::tz::TimeZone::get(name).is_err() {
            return Err(DomainError::invalid(
                "time_zone",
                format!("{s:?} is not an IANA time zone"),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The zone name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A BCP 47 language tag such as `en-GB` (language, then optional subtags).
#[derive(Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// Parses a language tag.
    pub fn parse(s: &str) -> Result<Self> {
        let tag = s.trim();
        let mut parts = tag.split('-');
        let lang_ok = parts.next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic())
        });
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !lang_ok || !rest_ok || tag.len() > 35 {
            return Err(DomainError::invalid(
                "locale",
                format!("{s:?} is not a BCP 47 language tag"),
            ));
        }
        Ok(Self(tag.to_owned()))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype_serde!(RegionCode);
string_newtype_serde!(TimeZoneName);
string_newtype_serde!(Locale);

/// A region of a tenant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub id: RegionId,
    pub code: RegionCode,
    pub name: String,
    pub time_zone: TimeZoneName,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "EUR"))]
    pub currency: Currency,
    pub locale: Locale,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Input for creating a region.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRegion {
    pub code: RegionCode,
    pub name: String,
    pub time_zone: TimeZoneName,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "EUR"))]
    pub currency: Currency,
    pub locale: Locale,
}

impl NewRegion {
    /// Validates the input into a region.
    pub fn into_region(self, now: Timestamp) -> Result<Region> {
        Ok(Region {
            id: RegionId::generate(),
            code: self.code,
            name: text::line("name", &self.name)?,
            time_zone: self.time_zone,
            currency: self.currency,
            locale: self.locale,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A partial update of a region; the code cannot change.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegionPatch {
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub time_zone: Option<TimeZoneName>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub currency: Option<Currency>,
    #[serde(default, deserialize_with = "crate::patch::some")]
    pub locale: Option<Locale>,
}

impl RegionPatch {
    /// Applies the patch.
    pub fn apply(self, region: &mut Region) -> Result<()> {
        if let Some(name) = self.name {
            region.name = text::line("name", &name)?;
        }
        if let Some(tz) = self.time_zone {
            region.time_zone = tz;
        }
        if let Some(currency) = self.currency {
            region.currency = currency;
        }
        if let Some(locale) = self.locale {
            region.locale = locale;
        }
        Ok(())
    }
}

/// The regions every new tenant starts with: APAC, EMEA and Americas.
pub fn default_regions() -> Result<Vec<NewRegion>> {
    let make =
        |code: &str, name: &str, tz: &str, currency: &str, locale: &str| -> Result<NewRegion> {
            Ok(NewRegion {
                code: RegionCode::parse(code)?,
                name: name.to_owned(),
                time_zone: TimeZoneName::parse(tz)?,
                currency: currency.parse()?,
                locale: Locale::parse(locale)?,
            })
        };
    Ok(vec![
        make("APAC", "Asia Pacific", "Asia/Singapore", "USD", "en-SG")?,
        make(
            "EMEA",
            "Europe, Middle East and Africa",
            "Europe/London",
            "EUR",
            "en-GB",
        )?,
        make("AMERICAS", "Americas", "America/New_York", "USD", "en-US")?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let regions = default_regions().unwrap();
        let codes: Vec<_> = regions.iter().map(|r| r.code.as_str().to_owned()).collect();
        assert_eq!(codes, ["APAC", "EMEA", "AMERICAS"]);
    }

    #[test]
    fn validates_parts() {
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(Locale::parse("en_US").is_err());
        assert!(Locale::parse("ja-JP").is_ok());
        assert!(RegionCode::parse("emea").is_ok());
        assert!(RegionCode::parse("E").is_err());
        assert!(RegionCode::parse("EM EA").is_err());
    }
}
