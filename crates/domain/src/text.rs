//! Validated text inputs: names, free text, emails and domain names. Control characters and
//! invisible format characters (zero-width, bidi overrides, tag characters) are refused or
//! stripped here so that later matching sees what a human sees.

use crate::error::{DomainError, Result};

/// Longest single-line field (names, titles, subjects).
pub const MAX_LINE: usize = 300;
/// Longest multi-line field (notes, bodies, transcripts), in bytes.
pub const MAX_BODY: usize = 512 * 1024;

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{E0000}'..='\u{E007F}')
}

/// Removes invisible format characters (zero-width, bidi controls, Unicode tag characters).
pub fn strip_invisible(s: &str) -> String {
    s.chars().filter(|c| !is_invisible(*c)).collect()
}

/// A trimmed, non-empty, single-line string of at most [`MAX_LINE`] characters.
pub fn line(field: &'static str, s: &str) -> Result<String> {
    let cleaned = strip_invisible(s);
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_LINE {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {MAX_LINE} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "must be a single line without control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Like [`line`], but an empty value means "none".
pub fn optional_line(field: &'static str, s: Option<&str>) -> Result<Option<String>> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => line(field, v).map(Some),
    }
}

/// Multi-line text up to [`MAX_BODY`] bytes; tabs and newlines allowed, other controls refused.
pub fn body(field: &'static str, s: &str) -> Result<String> {
    if s.len() > MAX_BODY {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {MAX_BODY} bytes"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(s.to_owned())
}

/// A lower-case ASCII DNS name such as `acme.com` (internationalised names in punycode).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DomainName(String);

impl DomainName {
    /// Parses and normalises a domain name.
    pub fn parse(s: &str) -> Result<Self> {
        let name = strip_invisible(s)
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let bad = |reason: &str| DomainError::invalid("domain", format!("{s:?} {reason}"));
        if name.is_empty() || name.len() > 253 {
            return Err(bad("must be 1 to 253 characters"));
        }
        if !name.is_ascii() {
            return Err(bad(
                "must be ASCII (write internationalised names in punycode)",
            ));
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return Err(bad("must have at least two labels, like acme.com"));
        }
        for label in &labels {
            let ok_len = (1..=63).contains(&label.len());
            let ok_chars = label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ok_len || !ok_chars || label.starts_with('-') || label.ends_with('-') {
                return Err(bad("is not a valid domain name"));
            }
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad("is not a valid domain name"));
        }
        Ok(Self(name))
    }

    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address with a lower-cased domain part.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses an `local@domain` address (no display name).
    pub fn parse(s: &str) -> Result<Self> {
        let cleaned = strip_invisible(s);
        let trimmed = cleaned.trim();
        let bad = |reason: &str| DomainError::invalid("email", format!("{s:?} {reason}"));
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return Err(bad("is not an email address"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(bad("has an invalid local part"));
        }
        let local_ok = local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("has an invalid local part"));
        }
        let domain = DomainName::parse(domain).map_err(|_| bad("has an invalid domain"))?;
        Ok(Self(format!("{local}@{}", domain.as_str())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part, used to match addresses to accounts.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// For a newtype over `String` with a `parse` constructor: `Display`, `Debug`, serde as a plain
/// string (deserializing through `parse`), and an OpenAPI string schema.
macro_rules! string_newtype_serde {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                $ty::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <String as utoipa::PartialSchema>::schema()
            }
        }
        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $ty {}
    };
}

pub(crate) use string_newtype_serde;

string_newtype_serde!(DomainName);
string_newtype_serde!(Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_bounded() {
        assert_eq!(line("name", "  Acme \u{200B}Corp ").unwrap(), "Acme Corp");
        assert!(line("name", "   ").is_err());
        assert!(line("name", "a\nb").is_err());
        assert!(line("name", &"x".repeat(MAX_LINE + 1)).is_err());
        assert_eq!(
            line("name", "Robert'); DROP TABLE accounts;--")
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn domains_normalise_and_reject_junk() {
        assert_eq!(DomainName::parse("ACME.com.").unwrap().as_str(), "acme.com");
        assert_eq!(
            DomainName::parse("xn--bcher-kva.ch").unwrap().as_str(),
            "xn--bcher-kva.ch"
        );
        for bad in [
            "",
            "acme",
            "-acme.com",
            "acme..com",
            "bücher.ch",
            "a b.com",
            "1.2.3.4",
        ] {
            assert!(DomainName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_parse_with_domain() {
        let e = Email::parse(" Jane.Doe@Acme.COM ").unwrap();
        assert_eq!(e.as_str(), "Jane.Doe@acme.com");
        assert_eq!(e.domain(), "acme.com");
        for bad in [
            "jane",
            "@acme.com",
            "jane@",
            "ja ne@acme.com",
            "jane@@acme.com",
            "a..b@x.io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
