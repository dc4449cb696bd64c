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

    /// splitmix64: a reproducible stream from a printed seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    fn decode(h: &str) -> Vec<u8> {
        decode_hex(h).unwrap_or_default()
    }

    /// 10,000 forgeries of four kinds for random ids, none accepted, and
    /// every right hash accepted.
    #[test]
    fn ten_thousand_forged_hashes_are_all_refused() {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).unwrap_or_default();
        let seed = u64::from_le_bytes(seed);
        let mut rng = Rng(seed);
        let secret = super::super::token::hex(&rng.bytes(32));
        let (mut forged, mut accepted, mut valid) = (0, Vec::new(), 0);
        for i in 0..10_000 {
            let id = format!("user-{}", rng.next());
            let right = user_hash(&secret, &id);
            if i % 10 == 0 {
                assert!(
                    verify(&secret, &id, &right),
                    "seed {seed}: the right hash of {id}"
                );
                valid += 1;
            }
            let forgery = match i % 5 {
                // A random 256-bit hash.
                0 => super::super::token::hex(&rng.bytes(32)),
                // The right hash of another id (one character changed, or
                // a longer or unrelated one).
                1 => {
                    let other = match rng.below(3) {
                        0 => format!("{id}0"),
                        1 => id.replacen("user-", "user_", 1),
                        _ => format!("user-{}", rng.next()),
                    };
                    user_hash(&secret, &other)
                }
                // The right hash, truncated to an even number of digits or
                // lengthened.
                2 => {
                    if rng.below(4) == 0 {
                        format!("{right}{:02x}", rng.next() as u8)
                    } else {
                        right[..2 * rng.below(32)].to_string()
                    }
                }
                // The right hash with one bit flipped.
                3 => {
                    let mut b = decode(&right);
                    let bit = rng.below(256);
                    b[bit / 8] ^= 1 << (bit % 8);
                    super::super::token::hex(&b)
                }
                // The right hash under another secret.
                _ => user_hash(&format!("{secret}x"), &id),
            };
            forged += 1;
            if verify(&secret, &id, &forgery) {
                accepted.push((i % 5, id, forgery));
            }
        }
        println!(
            "identity: {forged} forged hashes, {} accepted; {valid} right ones accepted",
            accepted.len()
        );
        assert!(
            accepted.is_empty(),
            "seed {seed}: accepted forgeries {accepted:?}"
        );
    }
}
