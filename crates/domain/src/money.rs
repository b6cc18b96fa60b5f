//! Money: a decimal amount with an ISO 4217 currency. Never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DomainError, Result};

/// Active ISO 4217 currency codes with their minor-unit exponents.
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYU", 2),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// An ISO 4217 currency code such as `USD`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
    minor_units: u32,
}

impl Currency {
    /// The three-letter code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point this currency allows (2 for USD, 0 for JPY).
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }
}

impl FromStr for Currency {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self> {
        let upper = s.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(code, _)| *code == upper)
            .map(|&(code, minor_units)| Currency { code, minor_units })
            .ok_or_else(|| {
                DomainError::invalid(
                    "currency",
                    format!("{s:?} is not an ISO 4217 currency code"),
                )
            })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The largest amount accepted (10^18), so every backend stores it exactly.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000_000;

/// A decimal amount in one currency. Non-negative, at most the currency's minor units of precision.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Decimal amount as a string, for example `"125000.00"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "125000.00"))]
    amount: Decimal,
    /// ISO 4217 code, for example `"USD"`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "USD"))]
    currency: Currency,
}

impl Money {
    /// Builds money, checking sign, size and precision against the currency.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(DomainError::invalid("amount", "must not be negative"));
        }
        if amount > Decimal::from(MAX_AMOUNT) {
            return Err(DomainError::invalid("amount", "is too large"));
        }
        let normalized = amount.normalize();
        if normalized.scale() > currency.minor_units() {
            return Err(DomainError::invalid(
                "amount",
                format!(
                    "{currency} allows {} digits after the decimal point",
                    currency.minor_units()
                ),
            ));
        }
        let mut amount = normalized;
        amount.rescale(currency.minor_units());
        Ok(Self { amount, currency })
    }

    /// Parses an amount string and a currency code.
    pub fn parse(amount: &str, currency: &str) -> Result<Self> {
        let currency: Currency = currency.parse()?;
        let amount = Decimal::from_str_exact(amount.trim()).map_err(|_| {
            DomainError::invalid("amount", format!("{amount:?} is not a decimal number"))
        })?;
        Self::new(amount, currency)
    }

    /// The amount, scaled to the currency's minor units.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Most significant digits a JSON number may carry to be read exactly: every decimal literal of
/// up to 15 significant digits survives the trip through a binary double and back.
const MAX_EXACT_DIGITS: usize = 15;

/// A decimal written as a JSON string, integer or number, kept as its decimal text. Numbers with a
/// fraction are read back through their shortest round-trip text, never computed with.
struct DecimalText(String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DecimalText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal amount such as \"125000.00\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DecimalText, E> {
                let text = format!("{v}");
                let digits = text
                    .trim_start_matches(['-', '0', '.'])
                    .chars()
                    .filter(char::is_ascii_digit)
                    .count();
                if !v.is_finite() || digits > MAX_EXACT_DIGITS {
                    return Err(E::custom(
                        "send amounts with more than 15 significant digits as strings",
                    ));
                }
                Ok(DecimalText(text))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoneyWire {
    amount: DecimalText,
    currency: String,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Money", 2)?;
        out.serialize_field("amount", &self.amount.to_string())?;
        out.serialize_field("currency", self.currency.code)?;
        out.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = MoneyWire::deserialize(d).map_err(|e| {
            serde::de::Error::custom(format!(
                "money must be {{\"amount\": \"123.45\", \"currency\": \"USD\"}} ({e})"
            ))
        })?;
        Money::parse(&wire.amount.0, &wire.currency).map_err(serde::de::Error::custom)
    }
}

/// An amount as clients send it: a money object, or a bare decimal whose currency is given in a
/// sibling `currency` field.
#[derive(Debug, Clone, PartialEq)]
pub enum AmountInput {
    Money(Money),
    Bare(String),
}

impl AmountInput {
    /// Resolves the amount with an optional separate currency (which must agree with a money
    /// object's own currency).
    pub fn resolve(self, currency: Option<Currency>) -> Result<Money> {
        match (self, currency) {
            (AmountInput::Money(m), Some(c)) if m.currency() != c => Err(DomainError::invalid(
                "currency",
                format!("{c} differs from the amount's currency {}", m.currency()),
            )),
            (AmountInput::Money(m), _) => Ok(m),
            (AmountInput::Bare(text), Some(c)) => Money::parse(&text, c.code()),
            (AmountInput::Bare(_), None) => Err(DomainError::invalid(
                "currency",
                "give the currency, either inside amount or as a currency field",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for AmountInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        if value.is_object() {
            Money::deserialize(value)
                .map(AmountInput::Money)
                .map_err(serde::de::Error::custom)
        } else {
            let text = DecimalText::deserialize(value).map_err(serde::de::Error::custom)?;
            Ok(AmountInput::Bare(text.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_scales_to_minor_units() {
        let m = Money::parse("125000", "usd").unwrap();
        assert_eq!(m.amount().to_string(), "125000.00");
        assert_eq!(m.currency().code(), "USD");
        assert_eq!(
            Money::parse("10.50", "EUR").unwrap().to_string(),
            "10.50 EUR"
        );
    }

    #[test]
    fn rejects_bad_amounts() {
        assert!(Money::parse("-1", "USD").is_err());
        assert!(Money::parse("1.5", "JPY").is_err());
        assert!(Money::parse("1.001", "USD").is_err());
        assert!(Money::parse("1e5", "USD").is_err());
        assert!(Money::parse("NaN", "USD").is_err());
        assert!(Money::parse("1", "XXX").is_err());
        assert!(Money::parse("10000000000000000000", "USD").is_err());
        assert!(Money::parse("1.234", "BHD").is_ok());
    }

    #[test]
    fn json_accepts_strings_and_integers_not_floats() {
        let m: Money = serde_json::from_str(r#"{"amount":"99.90","currency":"GBP"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"99.90","currency":"GBP"}"#
        );
        let m: Money = serde_json::from_str(r#"{"amount":5000,"currency":"GBP"}"#).unwrap();
        assert_eq!(m.amount().to_string(), "5000.00");
        let m: Money = serde_json::from_str(r#"{"amount":0.1,"currency":"GBP"}"#).unwrap();
        assert_eq!(
            m.amount().to_string(),
            "0.10",
            "a JSON number is read as its decimal text"
        );
        assert!(
            serde_json::from_str::<Money>(r#"{"amount":0.30000000000000004,"currency":"GBP"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Money>(r#"{"amount":1.005,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"GBP","x":1}"#).is_err());
    }

    #[test]
    fn bare_amounts_need_a_currency() {
        let bare: AmountInput = serde_json::from_str("125000.5").unwrap();
        assert_eq!(
            bare.clone()
                .resolve(Some("USD".parse().unwrap()))
                .unwrap()
                .to_string(),
            "125000.50 USD"
        );
        assert!(bare.resolve(None).is_err());
        let full: AmountInput = serde_json::from_str(r#"{"amount":"5","currency":"EUR"}"#).unwrap();
        assert!(full.clone().resolve(Some("USD".parse().unwrap())).is_err());
        assert_eq!(full.resolve(None).unwrap().to_string(), "5.00 EUR");
        assert!(serde_json::from_str::<AmountInput>("true").is_err());
    }

    proptest! {
        #[test]
        fn any_cent_amount_round_trips(cents in 0i64..1_000_000_000_000) {
            let text = format!("{}.{:02}", cents / 100, cents % 100);
            let m = Money::parse(&text, "USD").unwrap();
            prop_assert_eq!(m.amount().to_string(), text);
            let back: Money = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
            prop_assert_eq!(back, m);
        }
    }
}
