//! Email addresses as the desk accepts them.

/// An email address normalised for storage and comparison, or why it is
/// not one. Deliberately simple: one `@`, a dotted domain, no spaces or
/// control characters (which would also allow header injection).
pub fn normalise_email(raw: &str) -> Result<String, &'static str> {
    let e = raw.trim().to_lowercase();
    if e.is_empty() {
        return Err("Please enter an email address.");
    }
    if e.len() > 254 {
        return Err("This email address is too long.");
    }
    let Some((local, domain)) = e.split_once('@') else {
        return Err("This is not an email address (it has no @).");
    };
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\@".contains(c);
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || local.chars().any(bad_char)
        || domain.chars().any(bad_char)
    {
        return Err("This is not a valid email address.");
    }
    // Reserved for accounts that have no mailbox (see `host_link`).
    if domain == "invalid" || domain.ends_with(".invalid") {
        return Err("This email address cannot receive mail.");
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalise_email(" Ana@Example.COM "),
            Ok("ana@example.com".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.com",
            "ana@localhost",
            "a b@x.com",
            "a@x.com\r\nBcc: e@x.com",
            "a@@x.com",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
    }
}
