//! Identity verification for the widget: the host product's server signs
//! what it asserts about its user with the widget secret, so a visitor
//! cannot claim to be someone else by editing the page.
//!
//! Two forms, both checked strictly (one canonical spelling each):
//! - a JWT (HS256) with `sub`, `exp` and optionally `email` and `name`, as
//!   Intercom's identity verification does: every claim is signed;
//! - the older `user_hash` = hex HMAC-SHA256 of the user id alone, which
//!   vouches for the id and nothing else, so it binds no email.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Longest host user id accepted.
pub const MAX_ID_CHARS: usize = 200;
/// Longest token accepted (a few claims fit in well under 1 KiB).
const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew tolerated between the host's server and ours.
const LEEWAY_SECS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("no widget secret is configured on this server")]
    NoSecret,
    #[error("{0}")]
    Malformed(&'static str),
    #[error("the signature does not match")]
    BadSignature,
    #[error("the identity token has expired")]
    Expired,
}

/// A host user, as the host's server signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    pub id: String,
    /// Signed by the host (JWT form only).
    pub email: Option<super::email::Email>,
    pub name: Option<String>,
}

/// The claims of a host's identity token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// Expiry, in seconds since 1970 (required: a token must not live forever).
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

fn mac(secret: &str) -> Result<Hmac<Sha256>, IdentityError> {
    if secret.is_empty() {
        return Err(IdentityError::NoSecret);
    }
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| IdentityError::NoSecret)
}

/// The hex HMAC-SHA256 of `user_id` under `secret`, as the host computes it.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(user_id.as_bytes());
            crate::ids::hex(&mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; this arm is unreachable in practice.
        Err(_) => String::new(),
    }
}

/// A host user id in its one canonical form: 1 to 200 characters, no
/// surrounding white space and no control characters (no trimming: "a "
/// and "a" are not the same id, so neither is quietly taken for the other).
pub fn check_id(id: &str) -> Result<(), IdentityError> {
    let n = id.chars().count();
    if n == 0 || n > MAX_ID_CHARS {
        return Err(IdentityError::Malformed(
            "The user id must be 1 to 200 characters.",
        ));
    }
    if id.trim() != id || id.chars().any(char::is_control) {
        return Err(IdentityError::Malformed(
            "The user id must not start or end with spaces or contain control characters.",
        ));
    }
    Ok(())
}

/// Checks `given` = HMAC of `user_id`, in constant time. Only the canonical
/// spelling is accepted: 64 lowercase hexadecimal digits.
pub fn verify_hash(secret: &str, user_id: &str, given: &str) -> Result<HostUser, IdentityError> {
    check_id(user_id)?;
    let mut mac = mac(secret)?;
    let bytes = decode_lower_hex(given).ok_or(IdentityError::Malformed(
        "user_hash must be 64 lowercase hexadecimal characters.",
    ))?;
    mac.update(user_id.as_bytes());
    mac.verify_slice(&bytes)
        .map_err(|_| IdentityError::BadSignature)?;
    Ok(HostUser {
        id: user_id.to_string(),
        email: None,
        name: None,
    })
}

fn decode_lower_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Signs `claims` as an HS256 JWT, as a host's server does (used by the
/// demo page and the tests; any JWT library gives the same result).
pub fn sign_token(secret: &str, claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing_input}.{signature}")
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Verifies a host's identity token at time `now` (seconds since 1970):
/// HS256 only (never `none`, never another algorithm), the signature in
/// constant time, then the claims.
pub fn verify_token(secret: &str, token: &str, now: i64) -> Result<HostUser, IdentityError> {
    let mut mac = mac(secret)?;
    let malformed = IdentityError::Malformed(
        "The identity token is not a well-formed JWT (header.payload.signature, base64url).",
    );
    if token.len() > MAX_TOKEN_BYTES {
        return Err(IdentityError::Malformed("The identity token is too long."));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed);
    };
    let header_bytes = URL_SAFE_NO_PAD.decode(h).map_err(|_| malformed.clone())?;
    let header: Header = serde_json::from_slice(&header_bytes).map_err(|_| malformed.clone())?;
    if header.alg != "HS256" {
        return Err(IdentityError::Malformed(
            "The identity token must be signed with HS256.",
        ));
    }
    if header.typ.as_deref().is_some_and(|t| t != "JWT") || header.crit.is_some() {
        return Err(IdentityError::Malformed(
            "The identity token's header is not supported.",
        ));
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| malformed.clone())?;
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(p.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| IdentityError::BadSignature)?;
    // Only signed bytes are parsed from here on.
    let payload = URL_SAFE_NO_PAD.decode(p).map_err(|_| malformed.clone())?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| {
        IdentityError::Malformed(
            "The identity token's claims must include `sub` (a string) and `exp` (seconds since 1970).",
        )
    })?;
    if claims.exp + LEEWAY_SECS <= now {
        return Err(IdentityError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
        return Err(IdentityError::Malformed(
            "The identity token is not valid yet (nbf).",
        ));
    }
    check_id(&claims.sub)?;
    let email = match claims.email.as_deref() {
        Some(e) => Some(super::email::Email::parse(e).map_err(|_| {
            IdentityError::Malformed("The identity token's email is not a valid address.")
        })?),
        None => None,
    };
    let name = claims
        .name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty() && !n.chars().any(char::is_control));
    Ok(HostUser {
        id: claims.sub,
        email,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn claims(sub: &str, email: Option<&str>) -> Claims {
        Claims {
            sub: sub.into(),
            exp: NOW + 600,
            email: email.map(str::to_string),
            name: Some("Ana".into()),
            nbf: None,
        }
    }

    #[test]
    fn good_and_bad_hashes() {
        let h = user_hash("s3cret", "user-42");
        assert_eq!(h.len(), 64);
        assert!(verify_hash("s3cret", "user-42", &h).is_ok());
        assert_eq!(
            verify_hash("s3cret", "user-43", &h),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(
            verify_hash("other", "user-42", &h),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(
            verify_hash("", "user-42", &user_hash("", "user-42")),
            Err(IdentityError::NoSecret)
        );
        assert!(matches!(
            verify_hash("s3cret", "user-42", "zz"),
            Err(IdentityError::Malformed(_))
        ));
        assert!(verify_hash("s3cret", "user-42", "").is_err());
    }

    #[test]
    fn only_the_canonical_spelling_is_accepted() {
        let h = user_hash("s3cret", "user-42");
        for other in [
            h.to_uppercase(),
            format!("{h} "),
            format!(" {h}"),
            format!("{h}\n"),
            h[..62].to_string(),
            format!("{h}00"),
        ] {
            assert!(
                matches!(
                    verify_hash("s3cret", "user-42", &other),
                    Err(IdentityError::Malformed(_))
                ),
                "{other:?} must be refused"
            );
        }
        // The id is not trimmed either: "user-42 " is another (refused) id.
        for id in ["user-42 ", " user-42", "user-\n42", ""] {
            assert!(
                matches!(
                    verify_hash("s3cret", id, &user_hash("s3cret", id)),
                    Err(IdentityError::Malformed(_))
                ),
                "{id:?} must be refused"
            );
        }
        let long = "x".repeat(201);
        assert!(verify_hash("s3cret", &long, &user_hash("s3cret", &long)).is_err());
    }

    #[test]
    fn a_signed_token_gives_its_claims() {
        let t = sign_token("s3cret", &claims("host-1", Some("Ana@Example.COM")));
        let u = verify_token("s3cret", &t, NOW).expect("valid");
        assert_eq!(u.id, "host-1");
        assert_eq!(
            u.email.as_ref().map(|e| e.as_str()),
            Some("ana@example.com")
        );
        assert_eq!(u.name.as_deref(), Some("Ana"));
        let no_email = sign_token("s3cret", &claims("host-2", None));
        assert_eq!(
            verify_token("s3cret", &no_email, NOW).expect("valid").email,
            None
        );
    }

    #[test]
    fn forged_expired_and_odd_tokens_are_refused() {
        let good = sign_token("s3cret", &claims("host-1", Some("ana@example.com")));
        assert_eq!(
            verify_token("other", &good, NOW),
            Err(IdentityError::BadSignature)
        );
        assert_eq!(verify_token("", &good, NOW), Err(IdentityError::NoSecret));
        // The claims changed after signing (another email).
        let parts: Vec<&str> = good.split('.').collect();
        let evil = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&claims("host-1", Some("victim@example.com"))).expect("json"),
        );
        let tampered = format!("{}.{}.{}", parts[0], evil, parts[2]);
        assert_eq!(
            verify_token("s3cret", &tampered, NOW),
            Err(IdentityError::BadSignature)
        );
        // alg "none" with an empty signature.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert!(matches!(
            verify_token("s3cret", &none, NOW),
            Err(IdentityError::Malformed(_))
        ));
        // Expired (past the leeway).
        let mut old = claims("host-1", None);
        old.exp = NOW - LEEWAY_SECS;
        assert_eq!(
            verify_token("s3cret", &sign_token("s3cret", &old), NOW),
            Err(IdentityError::Expired)
        );
        for junk in ["", "a.b", "a.b.c.d", "%%%.%%%.%%%", &"a".repeat(5000)] {
            assert!(verify_token("s3cret", junk, NOW).is_err(), "{junk:?}");
        }
        // A signed token whose claims lack `exp`.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"host-1"}"#);
        let mut mac = mac("s3cret").expect("mac");
        mac.update(format!("{header}.{payload}").as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert!(matches!(
            verify_token("s3cret", &format!("{header}.{payload}.{sig}"), NOW),
            Err(IdentityError::Malformed(_))
        ));
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
        decode_lower_hex(h).unwrap_or_default()
    }

    fn verify(secret: &str, id: &str, hash: &str) -> bool {
        verify_hash(secret, id, hash).is_ok()
    }

    /// 10,000 forgeries of four kinds for random ids, none accepted, and
    /// every right hash accepted.
    #[test]
    fn ten_thousand_forged_hashes_are_all_refused() {
        let mut seed = [0u8; 8];
        getrandom::fill(&mut seed).unwrap_or_default();
        let seed = u64::from_le_bytes(seed);
        let mut rng = Rng(seed);
        let secret = crate::ids::hex(&rng.bytes(32));
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
                0 => crate::ids::hex(&rng.bytes(32)),
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
                    crate::ids::hex(&b)
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
