//! Where a webhook may point: HTTPS to a public address. Private, loopback,
//! link-local and other non-public addresses are refused (a webhook must
//! not become a way to reach the desk's own network: SSRF), at
//! registration and again when each delivery resolves the name, unless the
//! configuration allows them (a receiver on the same machine or network).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest endpoint URL.
pub const URL_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// Allow private and loopback addresses, and plain `http://` (for a
    /// receiver on the same machine or network).
    pub allow_private: bool,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AddressError {
    #[error("Not a URL: {0}.")]
    NotAUrl(String),
    #[error(
        "A webhook URL starts with https:// (plain http:// only where the configuration allows private addresses)."
    )]
    Scheme,
    #[error("A webhook URL may not carry a user name or password.")]
    Credentials,
    #[error(
        "{0} is a private, loopback or reserved address: webhooks go to public addresses only (see `[webhooks] allow_private` in the configuration)."
    )]
    Private(String),
}

/// Checks an endpoint URL; returns it normalised.
pub fn check_url(raw: &str, policy: Policy) -> Result<url::Url, AddressError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > URL_CHARS {
        return Err(AddressError::NotAUrl(format!(
            "a URL of 1 to {URL_CHARS} characters is needed"
        )));
    }
    let url = url::Url::parse(raw).map_err(|e| AddressError::NotAUrl(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_private => {}
        _ => return Err(AddressError::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AddressError::Credentials);
    }
    let private = match url.host() {
        None => return Err(AddressError::NotAUrl("it has no host".into())),
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => is_local_name(d),
    };
    if private && !policy.allow_private {
        return Err(AddressError::Private(
            url.host_str().unwrap_or_default().to_string(),
        ));
    }
    Ok(url)
}

/// Names that are local by definition, whatever DNS says.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || [".localhost", ".local", ".internal", ".home.arpa", ".lan"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (s[0] & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (s[0] & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        // IPv4-compatible (deprecated) ::a.b.c.d.
        || s[..6] == [0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_private: false,
    };

    #[test]
    fn private_and_loopback_addresses_are_refused() {
        for url in [
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.9/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://localhost:8443/",
            "https://printer.local/",
            "https://db.internal/",
        ] {
            assert!(
                matches!(check_url(url, STRICT), Err(AddressError::Private(_))),
                "{url}"
            );
            assert!(
                check_url(
                    url,
                    Policy {
                        allow_private: true
                    }
                )
                .is_ok(),
                "{url} allowed"
            );
        }
    }

    #[test]
    fn public_https_is_accepted_and_the_rest_explained() {
        assert!(check_url("https://hooks.example.com/frontdesk?x=1", STRICT).is_ok());
        assert!(check_url("https://93.184.216.34/", STRICT).is_ok());
        assert!(check_url("https://[2606:4700::1111]/", STRICT).is_ok());
        assert_eq!(
            check_url("http://hooks.example.com/", STRICT),
            Err(AddressError::Scheme)
        );
        assert_eq!(
            check_url("ftp://x.example/", STRICT),
            Err(AddressError::Scheme)
        );
        assert_eq!(
            check_url("https://u:p@hooks.example.com/", STRICT),
            Err(AddressError::Credentials)
        );
        assert!(matches!(
            check_url("not a url", STRICT),
            Err(AddressError::NotAUrl(_))
        ));
        assert!(matches!(
            check_url("", STRICT),
            Err(AddressError::NotAUrl(_))
        ));
        assert!(
            check_url(
                "http://127.0.0.1:9/",
                Policy {
                    allow_private: true
                }
            )
            .is_ok()
        );
    }
}
