//! Random identifiers and secrets: 128 bits from the OS, hex-encoded.
//! Secrets that grant access (links, codes, widget tokens) are stored only
//! as their SHA-256, so a copy of the database grants nothing.

use sha2::{Digest, Sha256};

/// 128 random bits as 32 hex characters.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS random source failing is not something to go on from.
    if getrandom::fill(&mut bytes).is_err() {
        panic!("the operating system's random source is unavailable");
    }
    hex(&bytes)
}

/// A six-digit code, uniformly drawn.
pub fn six_digit_code() -> String {
    loop {
        let mut b = [0u8; 4];
        if getrandom::fill(&mut b).is_err() {
            panic!("the operating system's random source is unavailable");
        }
        let n = u32::from_le_bytes(b);
        // Rejection sampling avoids the modulo bias.
        if n < u32::MAX - (u32::MAX % 1_000_000) {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Whether `s` looks like one of our ids (so it is worth a database look-up).
pub fn is_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_128_bit_hex_and_distinct() {
        let a = random_id();
        assert!(is_id(&a));
        assert_ne!(a, random_id());
        assert!(!is_id("../../etc"));
        let c = six_digit_code();
        assert_eq!(c.len(), 6);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
