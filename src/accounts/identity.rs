//! Identity verification for the widget: the host product's server signs
//! its user id with the widget secret (HMAC-SHA256, hex), so a visitor
//! cannot claim to be someone else by editing the page.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The hex HMAC-SHA256 of `user_id` under `secret`, as the host computes it.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            super::token::hex(&mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; this arm is unreachable in practice.
        Err(_) => String::new(),
    }
}

/// Whether `given` is the right hash of `user_id`, compared in constant time.
pub fn verify(secret: &str, user_id: &str, given: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    let Some(given) = decode_hex(given.trim()) else {
        return false;
    };
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            mac.verify_slice(&given).is_ok()
        }
        Err(_) => false,
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_hashes() {
        let h = user_hash("s3cret", "user-42");
        assert_eq!(h.len(), 64);
        assert!(verify("s3cret", "user-42", &h));
        assert!(verify("s3cret", "user-42", &h.to_uppercase()));
        assert!(!verify("s3cret", "user-43", &h));
        assert!(!verify("other", "user-42", &h));
        assert!(!verify("", "user-42", &user_hash("", "user-42")));
        assert!(!verify("s3cret", "user-42", "zz"));
        assert!(!verify("s3cret", "user-42", ""));
    }
}
