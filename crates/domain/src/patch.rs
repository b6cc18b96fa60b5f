//! Helpers for partial updates (JSON merge-patch style): an absent field leaves a value alone,
//! `null` clears it, a value sets it.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field into `Some(value)` where `value` may be `None` for JSON `null`.
/// Use with `#[serde(default)]` so an absent field stays `None`.
pub fn nullable<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Deserializes a present field into `Some(value)`, refusing JSON `null`: for fields that cannot be
/// cleared. Use with `#[serde(default)]` so an absent field stays `None`.
pub fn some<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(d).map(Some)
}
