//! Email addresses as the desk accepts them: parsed once at the edge,
//! lower-cased once, and passed on as [`Email`] so no later code trims,
//! lower-cases or checks an address again.

use std::fmt;

/// Where accounts without a mailbox live: `.invalid` is reserved (RFC
/// 2606), refused by [`Email::parse`], and never mailed.
pub const NO_MAILBOX_DOMAIN: &str = "identity.invalid";

/// Whether a stored address can receive mail (not a placeholder under a
/// reserved `.invalid` domain).
pub fn has_mailbox(address: &str) -> bool {
    !(address.ends_with(".invalid") || address.ends_with(".invalid."))
}

/// A checked, lower-cased email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

/// Why a text is not an address the desk accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Please enter an email address.")]
    Empty,
    #[error("This email address is too long.")]
    TooLong,
    #[error("This is not an email address (it has no @).")]
    NoAt,
    #[error("This is not a valid email address.")]
    Invalid,
    #[error("This email address cannot receive mail.")]
    NoMailbox,
}

impl Email {
    /// Deliberately simple: one `@`, a dotted domain, no spaces or control
    /// characters (which would also allow header injection).
    pub fn parse(raw: &str) -> Result<Email, EmailError> {
        let e = raw.trim().to_lowercase();
        if e.is_empty() {
            return Err(EmailError::Empty);
        }
        if e.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let Some((local, domain)) = e.split_once('@') else {
            return Err(EmailError::NoAt);
        };
        let bad_char =
            |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\@".contains(c);
        if local.is_empty()
            || domain.is_empty()
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || local.chars().any(bad_char)
            || domain.chars().any(bad_char)
        {
            return Err(EmailError::Invalid);
        }
        // Reserved for accounts that have no mailbox (see `no_mailbox`).
        if domain == "invalid" || domain.ends_with(".invalid") {
            return Err(EmailError::NoMailbox);
        }
        Ok(Email(e))
    }

    /// The placeholder address of a host user with no signed email: unique
    /// per host id, unreachable by construction.
    pub fn no_mailbox(host_id: &str) -> Email {
        let digest = crate::ids::sha256_hex(host_id);
        Email(format!("host-{}@{NO_MAILBOX_DOMAIN}", &digest[..32]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether mail sent to it can arrive.
    pub fn has_mailbox(&self) -> bool {
        has_mailbox(&self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Email {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for Email {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Ana@Example.COM ").map(|e| e.to_string()),
            Ok("ana@example.com".to_string())
        );
        for (bad, why) in [
            ("", EmailError::Empty),
            ("ana", EmailError::NoAt),
            ("ana@", EmailError::Invalid),
            ("@x.com", EmailError::Invalid),
            ("ana@localhost", EmailError::Invalid),
            ("a b@x.com", EmailError::Invalid),
            ("a@x.com\r\nBcc: e@x.com", EmailError::Invalid),
            ("a@@x.com", EmailError::Invalid),
            ("a@host.invalid", EmailError::NoMailbox),
        ] {
            assert_eq!(Email::parse(bad), Err(why), "{bad:?}");
        }
        assert_eq!(
            Email::parse(&format!("{}@x.com", "a".repeat(260))),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn no_mailbox_addresses_are_refused_as_input_and_never_mailed() {
        let e = Email::no_mailbox("host user 7");
        assert_ne!(e, Email::no_mailbox("host user 8"));
        assert!(e.as_str().ends_with("@identity.invalid"), "{e}");
        assert!(!e.has_mailbox());
        assert_eq!(Email::parse(e.as_str()), Err(EmailError::NoMailbox));
        assert!(Email::parse("ana@example.com").is_ok_and(|e| e.has_mailbox()));
    }
}
