//! Redaction of text kept in traces: e-mail addresses and things that look like secrets (API keys,
//! bearer tokens, long random strings) are replaced before anything is stored.

/// Known secret prefixes (vendor API keys and our own).
const SECRET_PREFIXES: &[&str] = &[
    "sk-",
    "sk_",
    "rk_",
    "pk_live",
    "aa_",
    "ghp_",
    "gho_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "AIza",
    "glpat-",
];
/// Shortest run of key-like characters treated as a secret on its own.
const LONG_TOKEN: usize = 32;

fn is_email(token: &str) -> bool {
    let Some((local, domain)) = token.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

fn is_secret(token: &str) -> bool {
    let keyish = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '+' | '='));
    if !keyish || token.len() < 12 {
        return false;
    }
    if SECRET_PREFIXES.iter().any(|p| token.starts_with(p)) {
        return true;
    }
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_alpha = token.chars().any(|c| c.is_ascii_alphabetic());
    token.len() >= LONG_TOKEN && has_digit && has_alpha
}

/// The text with e-mail addresses replaced by `[email]` and secrets by `[secret]`. A word after
/// `Bearer` is always treated as a secret.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_bearer = false;
    for piece in text.split_inclusive(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';')
    }) {
        let (token, sep) = match piece.char_indices().last() {
            Some((i, c))
                if c.is_whitespace()
                    || matches!(c, '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';') =>
            {
                piece.split_at(i)
            }
            _ => (piece, ""),
        };
        let bare = token.trim_end_matches(['.', ':', '!', '?']);
        let tail = &token[bare.len()..];
        if bare.is_empty() {
            out.push_str(piece);
            continue;
        }
        if after_bearer || is_secret(bare) {
            out.push_str("[secret]");
            out.push_str(tail);
        } else if is_email(bare) {
            out.push_str("[email]");
            out.push_str(tail);
        } else {
            out.push_str(token);
        }
        out.push_str(sep);
        after_bearer = bare.eq_ignore_ascii_case("bearer");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_secrets_go_prose_stays() {
        let text = "Mail jane.doe@acme.com (cc: bob@acme.co.uk), key sk-proj-abcdefghijklmnop1234 and \
                    Authorization: Bearer abc.def.ghi; token 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc. Budget is 120000 USD.";
        let out = redact(text);
        assert!(!out.contains("jane.doe") && !out.contains("bob@"), "{out}");
        assert!(
            !out.contains("sk-proj") && !out.contains("abc.def.ghi") && !out.contains("9f8e7d6c"),
            "{out}"
        );
        assert!(out.contains("[email]") && out.contains("[secret]"));
        assert!(out.contains("Budget is 120000 USD."), "{out}");
        assert_eq!(
            redact("Hello there, how are you?"),
            "Hello there, how are you?"
        );
    }
}
