//! Backend-neutral values to bind into SQL; each backend binds them with its own types.

use jiff::Timestamp;
use jiff::civil::Date;
use rust_decimal::Decimal;
use uuid::Uuid;

/// A value for one SQL parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Json(serde_json::Value),
    Time(Option<Timestamp>),
    Date(Option<Date>),
    Decimal(Decimal),
    Bytes(Vec<u8>),
}

impl SqlValue {
    /// Text of any displayable value.
    pub fn text(v: impl ToString) -> Self {
        Self::Text(Some(v.to_string()))
    }

    /// Optional text of any displayable value.
    pub fn opt_text<T: ToString>(v: Option<T>) -> Self {
        Self::Text(v.map(|v| v.to_string()))
    }

    /// Text folded for case-insensitive search (Unicode lower case, computed here so both backends
    /// agree; SQLite's `lower()` folds ASCII only).
    pub fn folded(v: &str) -> Self {
        Self::Text(Some(v.to_lowercase()))
    }

    /// JSON of any serializable value.
    pub fn json<T: serde::Serialize>(v: &T) -> Self {
        Self::Json(serde_json::to_value(v).unwrap_or(serde_json::Value::Null))
    }
}
