//! Builds the MIME message for a rendered notification. This is the only
//! place where untrusted text meets headers, so it enforces the rules that
//! make header injection impossible: subjects and display names are reduced
//! to one clean line, addresses and Message-IDs with anything odd in them are
//! refused outright.

use std::str::FromStr;

use lettre::Address;
use lettre::Message;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::MailError;
use super::notification::Rendered;
use super::text::single_line;

/// Who receives a rendered notification, and under which Message-ID.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub to: &'a str,
    pub to_name: Option<&'a str>,
    /// Without angle brackets, e.g. `outbox-42.abcd@frontdesk.local`.
    /// Derive it from the outbox row so that a resend keeps the same ID and
    /// receiving servers (and the file outbox) can drop the duplicate.
    pub message_id: &'a str,
    pub rendered: &'a Rendered,
}

/// Builds a `multipart/alternative` message (text, then HTML) from `from`
/// (`"Frontdesk <support@example.test>"` or a bare address) to the envelope's
/// recipient.
pub fn build_message(from: &str, env: &Envelope) -> Result<Message, MailError> {
    let from = parse_mailbox(from)?;
    let to_address = parse_address(env.to)?;
    let to_name = env.to_name.map(single_line).filter(|n| !n.is_empty());
    let to = Mailbox::new(to_name, to_address);
    let message_id = check_message_id(env.message_id)?;
    let subject = single_line(&env.rendered.subject);

    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{message_id}>")))
        // Tells auto-responders (vacation replies…) not to answer.
        .header(AutoSubmitted)
        .multipart(MultiPart::alternative_plain_html(
            env.rendered.text.clone(),
            env.rendered.html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))
}

/// A bare address (`user@example.test`). Anything with whitespace or control
/// characters is refused before parsing: CR/LF is never "cleaned" out of an
/// address, because a silently altered address would mail someone else.
pub fn parse_address(raw: &str) -> Result<Address, MailError> {
    let trimmed = raw.trim_matches(' ');
    if trimmed.is_empty() {
        return Err(MailError::Address("empty address".into()));
    }
    if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(MailError::Address(format!(
            "{:?} contains whitespace or control characters",
            trimmed
        )));
    }
    Address::from_str(trimmed).map_err(|e| MailError::Address(format!("{trimmed:?}: {e}")))
}

/// A sender such as `Frontdesk <support@example.test>` or a bare address.
/// It comes from configuration, but the same rule applies: control
/// characters are refused, not cleaned.
pub fn parse_mailbox(raw: &str) -> Result<Mailbox, MailError> {
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(MailError::Address(format!(
            "{trimmed:?} contains control characters"
        )));
    }
    Mailbox::from_str(trimmed).map_err(|e| MailError::Address(format!("{trimmed:?}: {e}")))
}

/// Accepts `id@domain` or `<id@domain>` made of visible ASCII without angle
/// brackets or spaces, and returns it without brackets.
fn check_message_id(raw: &str) -> Result<&str, MailError> {
    let id = raw.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id);
    let valid = !id.is_empty()
        && id.len() <= 200
        && id.contains('@')
        && id
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\'));
    if valid {
        Ok(id)
    } else {
        Err(MailError::Build(format!("invalid Message-ID {raw:?}")))
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Debug, Clone, Copy)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::notification::{Notification, render};

    const FROM: &str = "Frontdesk <support@example.test>";

    fn rendered(summary: &str) -> Rendered {
        render(
            &Notification::TicketCreated {
                number: 1001,
                summary: summary.into(),
                url: "https://help.example.test/requests/1001".into(),
            },
            "en",
            "Frontdesk",
        )
        .expect("renders")
    }

    fn header_block(message: &Message) -> String {
        let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
        raw.split("\r\n\r\n").next().unwrap_or_default().to_owned()
    }

    fn envelope<'a>(to: &'a str, name: Option<&'a str>, r: &'a Rendered) -> Envelope<'a> {
        Envelope {
            to,
            to_name: name,
            message_id: "outbox-42.abcd@frontdesk.local",
            rendered: r,
        }
    }

    #[test]
    fn builds_multipart_alternative_with_message_id() {
        let r = rendered("Printer jammed");
        let message = build_message(FROM, &envelope("dana@example.test", Some("Dana"), &r));
        let Ok(message) = message else {
            panic!("build failed: {message:?}");
        };
        let raw = String::from_utf8_lossy(&message.formatted()).into_owned();
        let headers = header_block(&message);
        assert!(
            headers.contains("Message-ID: <outbox-42.abcd@frontdesk.local>"),
            "{headers}"
        );
        assert!(
            headers.contains("From: Frontdesk <support@example.test>"),
            "{headers}"
        );
        assert!(
            headers.contains("To: Dana <dana@example.test>"),
            "{headers}"
        );
        assert!(headers.contains("Subject: [Frontdesk] Request #1001 received: Printer jammed"));
        assert!(headers.contains("Auto-Submitted: auto-generated"));
        assert!(headers.contains("Date: "));
        assert!(headers.contains("Content-Type: multipart/alternative"));
        assert!(raw.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(raw.contains("Content-Type: text/html; charset=utf-8"));
        let envelope = message.envelope();
        assert_eq!(envelope.to().len(), 1);
        assert_eq!(envelope.to()[0].to_string(), "dana@example.test");
    }

    #[test]
    fn injected_headers_in_subject_or_name_stay_text() {
        let mut r = rendered("x");
        // Even if a caller bypassed `render`, the subject is cleaned here.
        r.subject = "Hi\r\nBcc: evil@x\r\nX-Evil: 1".into();
        let name = "Dana\r\nBcc: evil2@x";
        let message = build_message(FROM, &envelope("dana@example.test", Some(name), &r));
        let Ok(message) = message else {
            panic!("build failed: {message:?}");
        };
        let headers = header_block(&message);
        for line in headers.lines() {
            let lower = line.to_ascii_lowercase();
            assert!(!lower.starts_with("bcc:"), "{headers}");
            assert!(!lower.starts_with("x-evil:"), "{headers}");
        }
        assert!(
            message
                .envelope()
                .to()
                .iter()
                .all(|a| a.to_string() == "dana@example.test")
        );
    }

    #[test]
    fn summary_with_injection_creates_no_header() {
        let r = rendered("Help\r\nBcc: evil@x");
        let message = build_message(FROM, &envelope("dana@example.test", None, &r));
        let Ok(message) = message else {
            panic!("build failed: {message:?}");
        };
        let headers = header_block(&message);
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:"))
        );
        assert_eq!(message.envelope().to().len(), 1);
    }

    #[test]
    fn bad_addresses_are_refused() {
        let r = rendered("x");
        for bad in [
            "dana@example.test\r\nBcc: evil@x",
            "dana@example.test\n",
            "\rdana@example.test",
            "dana@exa\u{0}mple.test",
            "dana @example.test",
            "not-an-address",
            "",
            "Dana <dana@example.test>",
        ] {
            let result = build_message(FROM, &envelope(bad, None, &r));
            match result {
                Err(e @ MailError::Address(_)) => assert!(!e.is_retryable()),
                other => panic!("{bad:?} should be refused, got {other:?}"),
            }
        }
        assert!(matches!(
            build_message(
                "Frontdesk <support@example.test>\r\nBcc: x@y",
                &envelope("a@b.test", None, &r)
            ),
            Err(MailError::Address(_))
        ));
    }

    #[test]
    fn message_ids_are_checked() {
        let r = rendered("x");
        for bad in ["", "no-at-sign", "a b@c", "a@b\r\nX: y", "<a@b", "a<b>@c"] {
            let env = Envelope {
                message_id: bad,
                ..envelope("a@b.test", None, &r)
            };
            assert!(
                matches!(build_message(FROM, &env), Err(MailError::Build(_))),
                "{bad:?}"
            );
        }
        let env = Envelope {
            message_id: "<already@bracketed>",
            ..envelope("a@b.test", None, &r)
        };
        let Ok(message) = build_message(FROM, &env) else {
            panic!("bracketed id refused");
        };
        assert!(header_block(&message).contains("Message-ID: <already@bracketed>\r\n"));
    }

    #[test]
    fn non_ascii_subject_and_name_are_encoded() {
        let r = render(
            &Notification::Invitation {
                url: "https://x.test/i".into(),
                expires_hours: 72,
            },
            "ro",
            "Frontdesk",
        )
        .expect("renders");
        let message = build_message(
            FROM,
            &envelope("ana@example.test", Some("Ană Ștefănescu"), &r),
        );
        let Ok(message) = message else {
            panic!("build failed: {message:?}");
        };
        let headers = header_block(&message);
        assert!(headers.is_ascii(), "{headers}");
        assert!(headers.contains("=?utf-8?"), "{headers}");
    }
}
