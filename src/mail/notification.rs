//! What each notification says: which texts of the language's catalog
//! ([`super::catalog`], `templates/mail/<lang>.toml`) it shows, in which
//! order, with which values; [`super::layout`] turns those into text and
//! HTML. Every interpolated value is cleaned here (one line, no control
//! characters) so that neither the subject nor the bodies can be abused.

use serde::{Deserialize, Serialize};

use super::MailError;
use super::catalog::{Lang, TextError, Texts};
use super::layout::{self, Block, Frame};
use super::text::{multi_line, single_line, truncate};

/// An event worth an email. Serialisable so it can wait in a database outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notification {
    /// To the requester, right after their ticket was created.
    TicketCreated {
        number: i64,
        summary: String,
        url: String,
    },
    /// To the requester; `from`/`to` are status codes (`new`, `in_analysis`,
    /// `assigned`, `feedback`, `resolved`, `closed`).
    StatusChanged {
        number: i64,
        summary: String,
        from: String,
        to: String,
        url: String,
    },
    /// To the requester when someone posts a public reply.
    PublicReply {
        number: i64,
        summary: String,
        author: String,
        body: String,
        url: String,
    },
    /// To the operators of the queue; `priority` is `low`, `normal`, `high`
    /// or `urgent`.
    OperatorNewTicket {
        number: i64,
        summary: String,
        requester: String,
        priority: String,
        url: String,
    },
    /// Account invitation with a one-time link to set a password.
    Invitation { url: String, expires_hours: i64 },
    /// Password reset with a one-time link.
    PasswordReset { url: String, expires_hours: i64 },
    /// A code for an anonymous widget visitor to confirm their address.
    EmailCode { code: String, expires_minutes: i64 },
    /// The transcript of a live chat, sent at the user's request.
    ChatTranscript { transcript: String },
}

/// A notification ready to be put in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line, no control characters.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Summaries longer than this are cut in subjects (the body has them whole).
const SUBJECT_SUMMARY_CHARS: usize = 90;

/// The status codes the catalogs name (`[status]`); others are shown as is.
const STATUSES: [&str; 6] = [
    "new",
    "in_analysis",
    "assigned",
    "feedback",
    "resolved",
    "closed",
];
/// The priority codes the catalogs name (`[priority]`).
const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
/// The statuses that ask something of the requester: their email says what
/// (`status_changed.hint_<status>`).
const STATUSES_WITH_HINT: [&str; 3] = ["feedback", "resolved", "closed"];

/// The label of a ticket status in a language. An unknown code gives
/// "Unknown" (translated); [`render`] shows the raw code instead.
pub fn status_label(code: &str, locale: &str) -> &'static str {
    public_label("status", &STATUSES, code, Lang::parse(locale))
}

/// The label of a ticket priority in a language. An unknown code gives
/// "Unknown" (translated); [`render`] shows the raw code instead.
pub fn priority_label(code: &str, locale: &str) -> &'static str {
    public_label("priority", &PRIORITIES, code, Lang::parse(locale))
}

/// The label in `lang`, else in English; "?" only if both catalogs are
/// broken, which the tests rule out.
fn public_label(group: &str, known: &[&str], code: &str, lang: Lang) -> &'static str {
    [lang, Lang::En]
        .into_iter()
        .find_map(|l| {
            let mut t = Texts::new(l, "").ok()?;
            label_or_unknown(&mut t, group, known, code).ok()
        })
        .unwrap_or("?")
}

fn label_or_unknown(
    t: &mut Texts,
    group: &str,
    known: &[&str],
    code: &str,
) -> Result<&'static str, TextError> {
    match known_label(t, group, known, code)? {
        Some(label) => Ok(label),
        None => t.raw(&format!("{group}.unknown")),
    }
}

/// `None` for a code the catalogs do not name.
fn known_label(
    t: &mut Texts,
    group: &str,
    known: &[&str],
    code: &str,
) -> Result<Option<&'static str>, TextError> {
    if known.contains(&code) {
        t.raw(&format!("{group}.{code}")).map(Some)
    } else {
        Ok(None)
    }
}

/// Label for display in an email: the translation, or the cleaned raw code.
fn label_text(t: &mut Texts, group: &str, known: &[&str], code: &str) -> Result<String, TextError> {
    Ok(match known_label(t, group, known, code.trim())? {
        Some(label) => label.to_owned(),
        None => single_line(code),
    })
}

/// Renders a notification in `locale` (`en`, `fr`, `ro`; anything else is
/// English) for the product called `product`.
///
/// If the language's catalog cannot write it, the email goes out in
/// English; if English cannot either, the error is for the caller (the
/// worker gives up on the message). Neither happens with the catalogs the
/// tests check.
pub fn render(n: &Notification, locale: &str, product: &str) -> Result<Rendered, MailError> {
    with_fallback(Lang::parse(locale), |lang| {
        render_in(n, lang, product).map(|(rendered, _)| rendered)
    })
}

/// `attempt` in `lang`, else in English, else the error for the caller.
fn with_fallback<T>(
    lang: Lang,
    attempt: impl Fn(Lang) -> Result<T, TextError>,
) -> Result<T, MailError> {
    match attempt(lang) {
        Err(e) if lang != Lang::En => {
            tracing::error!("email not written in {}, sent in English: {e}", lang.code());
            attempt(Lang::En)
        }
        result => result,
    }
    .map_err(|e| MailError::Build(e.to_string()))
}

/// Renders in exactly `lang`, with no fallback; also gives the catalog keys
/// it used.
fn render_in(
    n: &Notification,
    lang: Lang,
    product: &str,
) -> Result<(Rendered, Vec<String>), TextError> {
    let product = match single_line(product) {
        p if p.is_empty() => "Frontdesk".to_owned(),
        p => p,
    };
    let mut t = Texts::new(lang, &product)?;
    let (subject, blocks) = compose(n, &mut t)?;
    let subject = single_line(&subject);
    let (greeting, signature) = (t.text("frame.greeting")?, t.text("frame.signature")?);
    let (footer, link_fallback) = (t.text("frame.footer")?, t.text("frame.link_fallback")?);
    let frame = Frame {
        lang: lang.code(),
        subject: &subject,
        greeting: &greeting,
        signature: &signature,
        footer: &footer,
        link_fallback: &link_fallback,
    };
    let text = layout::to_text(&frame, &blocks);
    let html = layout::to_html(&frame, &blocks).map_err(|e| TextError::Layout(format!("{e:#}")))?;
    Ok((
        Rendered {
            subject,
            text,
            html,
        },
        t.used,
    ))
}

/// The subject (before final cleaning) and the body blocks. Each arm names
/// its catalog section's keys in reading order.
fn compose(n: &Notification, t: &mut Texts) -> Result<(String, Vec<Block>), TextError> {
    use Block::{Action, Code, Details, Note, Para, Quote};
    Ok(match n {
        Notification::TicketCreated {
            number,
            summary,
            url,
        } => {
            let s = single_line(summary);
            let short = truncate(&s, SUBJECT_SUMMARY_CHARS);
            t.set("number", number.to_string());
            t.set("summary", s);
            (
                t.text_with("ticket_created.subject", &[("summary", &short)])?,
                vec![
                    Para(t.text("ticket_created.received")?),
                    Para(t.text("ticket_created.follow_up")?),
                    Action {
                        label: t.text("ticket_created.button")?,
                        url: single_line(url),
                    },
                ],
            )
        }

        Notification::StatusChanged {
            number,
            summary,
            from,
            to,
            url,
        } => {
            let status = label_text(t, "status", &STATUSES, to)?;
            let previous = label_text(t, "status", &STATUSES, from)?;
            t.set("number", number.to_string());
            t.set("summary", single_line(summary));
            t.set("status", status);
            t.set("previous", previous);
            let mut blocks = vec![Para(t.text("status_changed.changed")?)];
            let to = to.trim();
            if STATUSES_WITH_HINT.contains(&to) {
                blocks.push(Para(t.text(&format!("status_changed.hint_{to}"))?));
            }
            blocks.push(Action {
                label: t.text("status_changed.button")?,
                url: single_line(url),
            });
            (t.text("status_changed.subject")?, blocks)
        }

        Notification::PublicReply {
            number,
            summary,
            author,
            body,
            url,
        } => {
            let author = match single_line(author) {
                a if a.is_empty() => t.text("public_reply.unnamed_author")?,
                a => a,
            };
            t.set("number", number.to_string());
            t.set("summary", single_line(summary));
            t.set("author", author);
            (
                t.text("public_reply.subject")?,
                vec![
                    Para(t.text("public_reply.replied")?),
                    Quote(multi_line(body)),
                    Para(t.text("public_reply.how_to_answer")?),
                    Action {
                        label: t.text("public_reply.button")?,
                        url: single_line(url),
                    },
                ],
            )
        }

        Notification::OperatorNewTicket {
            number,
            summary,
            requester,
            priority,
            url,
        } => {
            let (s, who) = (single_line(summary), single_line(requester));
            let prio = label_text(t, "priority", &PRIORITIES, priority)?;
            let short = truncate(&s, SUBJECT_SUMMARY_CHARS);
            t.set("number", number.to_string());
            t.set("summary", s.clone());
            t.set("requester", who.clone());
            t.set("priority", prio.clone());
            let rows = vec![
                (
                    t.text("operator_new_ticket.label_request")?,
                    format!("#{number}"),
                ),
                (t.text("operator_new_ticket.label_summary")?, s),
                (t.text("operator_new_ticket.label_requester")?, who),
                (t.text("operator_new_ticket.label_priority")?, prio),
            ];
            (
                t.text_with("operator_new_ticket.subject", &[("summary", &short)])?,
                vec![
                    Para(t.text("operator_new_ticket.arrived")?),
                    Details(rows),
                    Action {
                        label: t.text("operator_new_ticket.button")?,
                        url: single_line(url),
                    },
                ],
            )
        }

        Notification::Invitation { url, expires_hours } => {
            let duration = t.count("hours", *expires_hours)?;
            t.set("duration", duration);
            (
                t.text("invitation.subject")?,
                vec![
                    Para(t.text("invitation.invited")?),
                    Action {
                        label: t.text("invitation.button")?,
                        url: single_line(url),
                    },
                    Note(t.text("invitation.expiry")?),
                ],
            )
        }

        Notification::PasswordReset { url, expires_hours } => {
            let duration = t.count("hours", *expires_hours)?;
            t.set("duration", duration);
            (
                t.text("password_reset.subject")?,
                vec![
                    Para(t.text("password_reset.requested")?),
                    Action {
                        label: t.text("password_reset.button")?,
                        url: single_line(url),
                    },
                    Note(t.text("password_reset.expiry")?),
                ],
            )
        }

        Notification::ChatTranscript { transcript } => (
            t.text("chat_transcript.subject")?,
            vec![
                Para(t.text("chat_transcript.intro")?),
                Quote(transcript.clone()),
            ],
        ),

        Notification::EmailCode {
            code,
            expires_minutes,
        } => {
            let code = single_line(code);
            let duration = t.count("minutes", *expires_minutes)?;
            t.set("code", code.clone());
            t.set("duration", duration);
            (
                t.text("email_code.subject")?,
                vec![
                    Para(t.text("email_code.use_code")?),
                    Code(code),
                    Note(t.text("email_code.expiry")?),
                ],
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::mail::catalog::catalog;

    const URL: &str = "https://help.example.test/requests/1001";

    /// The tests below compare renderings; a failure to render is a failure.
    fn render(n: &Notification, locale: &str, product: &str) -> Rendered {
        super::render(n, locale, product).expect("renders")
    }

    fn counted(lang: Lang, unit: &str, n: i64) -> String {
        Texts::new(lang, "Frontdesk")
            .and_then(|mut t| t.count(unit, n))
            .expect("counts")
    }

    fn hours(lang: Lang, n: i64) -> String {
        counted(lang, "hours", n)
    }

    fn minutes(lang: Lang, n: i64) -> String {
        counted(lang, "minutes", n)
    }

    fn samples() -> Vec<Notification> {
        vec![
            Notification::TicketCreated {
                number: 1001,
                summary: "Printer on floor 2 is jammed".into(),
                url: URL.into(),
            },
            Notification::StatusChanged {
                number: 1001,
                summary: "Printer on floor 2 is jammed".into(),
                from: "new".into(),
                to: "in_analysis".into(),
                url: URL.into(),
            },
            Notification::StatusChanged {
                number: 1001,
                summary: "Printer".into(),
                from: "in_analysis".into(),
                to: "feedback".into(),
                url: URL.into(),
            },
            Notification::StatusChanged {
                number: 1001,
                summary: "Printer".into(),
                from: "assigned".into(),
                to: "resolved".into(),
                url: URL.into(),
            },
            Notification::StatusChanged {
                number: 1001,
                summary: "Printer".into(),
                from: "resolved".into(),
                to: "closed".into(),
                url: URL.into(),
            },
            Notification::PublicReply {
                number: 1001,
                summary: "Printer on floor 2 is jammed".into(),
                author: "Alex".into(),
                body: "Hi,\nplease try turning it off and on again.\n\nAlex".into(),
                url: URL.into(),
            },
            Notification::OperatorNewTicket {
                number: 1001,
                summary: "Printer on floor 2 is jammed".into(),
                requester: "Dana Visitor <dana@example.test>".into(),
                priority: "high".into(),
                url: URL.into(),
            },
            Notification::Invitation {
                url: "https://help.example.test/invite/abc".into(),
                expires_hours: 72,
            },
            Notification::PasswordReset {
                url: "https://help.example.test/reset/abc".into(),
                expires_hours: 1,
            },
            Notification::EmailCode {
                code: "493817".into(),
                expires_minutes: 15,
            },
            Notification::ChatTranscript {
                transcript: "[10:00] Uma: hello\n[10:01] Oscar: <hi>".into(),
            },
        ]
    }

    fn number_of(n: &Notification) -> Option<i64> {
        match n {
            Notification::TicketCreated { number, .. }
            | Notification::StatusChanged { number, .. }
            | Notification::PublicReply { number, .. }
            | Notification::OperatorNewTicket { number, .. } => Some(*number),
            _ => None,
        }
    }

    #[test]
    fn every_notification_renders_cleanly_in_every_language() {
        for n in samples() {
            for locale in ["en", "fr", "ro"] {
                let r = render(&n, locale, "Frontdesk");
                let ctx = format!("{n:?} in {locale}");
                assert!(!r.subject.is_empty(), "{ctx}");
                assert!(!r.subject.contains(['\r', '\n']), "{ctx}: {}", r.subject);
                assert!(r.subject.len() < 200, "{ctx}: {}", r.subject);
                for part in [&r.subject, &r.text, &r.html] {
                    // No leftover placeholder of any templating style.
                    assert!(!part.contains('{') && !part.contains('}'), "{ctx}: {part}");
                    assert!(!part.contains("%s") && !part.contains("$"), "{ctx}: {part}");
                }
                assert!(r.text.contains("Frontdesk"), "{ctx}");
                assert!(r.html.starts_with("<!DOCTYPE html>"), "{ctx}");
                assert!(
                    r.html.contains(&format!("<html lang=\"{locale}\">")),
                    "{ctx}"
                );
                if let Some(number) = number_of(&n) {
                    let tag = format!("#{number}");
                    assert!(r.subject.contains(&tag), "{ctx}: {}", r.subject);
                    assert!(r.text.contains(URL), "{ctx}");
                    assert!(r.html.contains(&format!("href=\"{URL}\"")), "{ctx}");
                }
                if let Notification::EmailCode { code, .. } = &n {
                    assert!(r.text.contains(code.as_str()) && r.html.contains(code.as_str()));
                }
            }
        }
    }

    #[test]
    fn languages_differ_and_unknown_ones_fall_back_to_english() {
        for n in samples() {
            let en = render(&n, "en", "Frontdesk");
            assert_ne!(en, render(&n, "fr", "Frontdesk"));
            assert_ne!(en, render(&n, "ro", "Frontdesk"));
            assert_eq!(en, render(&n, "de", "Frontdesk"));
            assert_eq!(en, render(&n, "", "Frontdesk"));
            assert_eq!(
                render(&n, "fr", "Frontdesk"),
                render(&n, "fr-CA", "Frontdesk")
            );
        }
    }

    #[test]
    fn english_texts_read_like_a_support_product() {
        let all: Vec<Rendered> = samples()
            .iter()
            .map(|n| render(n, "en", "Frontdesk"))
            .collect();
        assert!(
            all[0]
                .text
                .contains("We received your request #1001 “Printer on floor 2")
        );
        assert_eq!(
            all[1].subject,
            "[Frontdesk] Your request #1001 is now In analysis"
        );
        assert!(all[1].text.contains("is now In analysis (previously: New)"));
        assert!(all[2].text.contains("We need more information"));
        assert_eq!(
            all[5].subject,
            "[Frontdesk] Alex replied to your request #1001"
        );
        assert!(
            all[5]
                .text
                .contains("> please try turning it off and on again.\n>\n> Alex")
        );
        assert!(all[6].subject.contains("New request #1001 (High)"));
        assert!(
            all[6]
                .text
                .contains("Requester: Dana Visitor <dana@example.test>")
        );
        assert_eq!(all[7].subject, "You have been invited to Frontdesk");
        assert!(all[7].text.contains("You have been invited to Frontdesk."));
        assert!(all[7].text.contains("set your password"));
        assert!(
            all[7]
                .text
                .contains("This link expires in 72 hours and works once.")
        );
        assert!(all[8].text.contains("expires in 1 hour and works once"));
        assert_eq!(all[9].subject, "493817 is your Frontdesk confirmation code");
        assert!(all[9].text.contains("It expires in 15 minutes."));
    }

    #[test]
    fn french_and_romanian_use_their_own_words_and_plurals() {
        let s = samples();
        let fr: Vec<Rendered> = s.iter().map(|n| render(n, "fr", "Frontdesk")).collect();
        let ro: Vec<Rendered> = s.iter().map(|n| render(n, "ro", "Frontdesk")).collect();
        assert!(
            fr[0]
                .text
                .contains("Nous avons bien reçu votre demande #1001")
        );
        assert!(fr[1].text.contains("«\u{a0}En analyse\u{a0}»"));
        assert!(fr[7].text.contains("72 heures"));
        assert!(fr[8].text.contains("1 heure "));
        assert!(fr[6].text.contains("Priorité\u{a0}: Haute"));
        assert!(
            ro[0]
                .text
                .contains("Am primit solicitarea dumneavoastră #1001")
        );
        assert!(ro[1].text.contains("„În analiză”"));
        assert!(ro[7].text.contains("72 de ore"));
        assert!(ro[8].text.contains("1 oră"));
        assert!(ro[9].text.contains("15 minute."));
        assert!(ro[5].subject.contains("Alex a răspuns"));
    }

    #[test]
    fn romanian_and_french_plurals() {
        assert_eq!(hours(Lang::Ro, 2), "2 ore");
        assert_eq!(hours(Lang::Ro, 19), "19 ore");
        assert_eq!(hours(Lang::Ro, 20), "20 de ore");
        assert_eq!(hours(Lang::Ro, 101), "101 ore");
        assert_eq!(minutes(Lang::Ro, 30), "30 de minute");
        assert_eq!(minutes(Lang::Ro, 1), "1 minut");
        assert_eq!(hours(Lang::Fr, 0), "0 heure");
        assert_eq!(hours(Lang::En, 0), "0 hours");
    }

    #[test]
    fn labels() {
        assert_eq!(status_label("in_analysis", "en"), "In analysis");
        assert_eq!(status_label("feedback", "fr"), "En attente de retour");
        assert_eq!(status_label("closed", "ro"), "Închis");
        assert_eq!(status_label("resolved", "xx"), "Resolved");
        assert_eq!(status_label("bogus", "fr"), "Inconnu");
        assert_eq!(priority_label("urgent", "ro"), "Urgentă");
        assert_eq!(priority_label("low", "fr"), "Basse");
        // An unknown code is shown as itself, not as "Unknown".
        let r = render(
            &Notification::StatusChanged {
                number: 7,
                summary: "x".into(),
                from: "new".into(),
                to: "on_hold".into(),
                url: URL.into(),
            },
            "en",
            "Frontdesk",
        );
        assert!(r.subject.ends_with("is now on_hold"));
    }

    #[test]
    fn html_escapes_everything_interpolated_and_keeps_line_breaks() {
        let n = Notification::PublicReply {
            number: 1001,
            summary: "<b>bold</b> & \"quoted\"".into(),
            author: "<img src=x onerror=alert(1)>".into(),
            body: "<script>alert('x')</script>\r\nsecond line".into(),
            url: "https://help.example.test/r/1001?a=1&b=2".into(),
        };
        for locale in ["en", "fr", "ro"] {
            let r = render(&n, locale, "Front<desk>");
            assert!(!r.html.contains("<script>"), "{}", r.html);
            assert!(
                r.html
                    .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>\nsecond line")
            );
            assert!(!r.html.contains("<img"));
            assert!(!r.html.contains("<b>bold"));
            assert!(
                r.html
                    .contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;")
            );
            assert!(r.html.contains("Front&lt;desk&gt;"));
            assert!(
                r.html
                    .contains("href=\"https://help.example.test/r/1001?a=1&amp;b=2\"")
            );
            // The text part is plain text: no escaping there.
            assert!(
                r.text
                    .contains("> <script>alert('x')</script>\n> second line")
            );
        }
    }

    #[test]
    fn injected_line_breaks_never_reach_the_subject() {
        let n = Notification::TicketCreated {
            number: 1001,
            summary: "Hello\r\nBcc: evil@x\r\n\r\nbody".into(),
            url: URL.into(),
        };
        for locale in ["en", "fr", "ro"] {
            let r = render(&n, locale, "Front\r\ndesk");
            assert!(!r.subject.contains(['\r', '\n']), "{}", r.subject);
            assert!(r.subject.contains("Hello Bcc: evil@x body"));
            assert!(r.subject.starts_with("[Front desk]"));
        }
    }

    #[test]
    fn long_summaries_are_cut_in_subjects_only() {
        let summary = "word ".repeat(60);
        let n = Notification::TicketCreated {
            number: 5,
            summary: summary.clone(),
            url: URL.into(),
        };
        let r = render(&n, "en", "Frontdesk");
        assert!(r.subject.ends_with('…') && r.subject.chars().count() < 140);
        assert!(r.text.contains(summary.trim()));
    }

    #[test]
    fn serialises_with_a_kind_tag() {
        let n = Notification::EmailCode {
            code: "123456".into(),
            expires_minutes: 10,
        };
        let json = serde_json::to_value(&n).ok();
        assert_eq!(
            json,
            Some(
                serde_json::json!({"kind": "email_code", "code": "123456", "expires_minutes": 10})
            )
        );
        let back: Option<Notification> = json.and_then(|j| serde_json::from_value(j).ok());
        assert_eq!(back, Some(n));
    }

    /// The samples, plus what reaches every text: every status (new and
    /// old), every priority, a reply without author, counts in every plural
    /// form of every language.
    fn every_text() -> Vec<Notification> {
        let mut all = samples();
        for code in STATUSES {
            all.push(Notification::StatusChanged {
                number: 2,
                summary: "s".into(),
                from: code.into(),
                to: code.into(),
                url: URL.into(),
            });
        }
        for code in PRIORITIES {
            all.push(Notification::OperatorNewTicket {
                number: 3,
                summary: "s".into(),
                requester: "r".into(),
                priority: code.into(),
                url: URL.into(),
            });
        }
        all.push(Notification::PublicReply {
            number: 4,
            summary: "s".into(),
            author: " ".into(),
            body: "b".into(),
            url: URL.into(),
        });
        for n in [0, 1, 2, 20] {
            all.push(Notification::Invitation {
                url: URL.into(),
                expires_hours: n,
            });
            all.push(Notification::PasswordReset {
                url: URL.into(),
                expires_hours: n,
            });
            all.push(Notification::EmailCode {
                code: "123456".into(),
                expires_minutes: n,
            });
        }
        all
    }

    #[test]
    fn every_kind_renders_in_every_language_and_every_text_is_used() {
        for lang in Lang::ALL {
            let file = format!("templates/mail/{}.toml", lang.code());
            let mut used = BTreeSet::new();
            for n in every_text() {
                // No fallback here: a missing or broken text fails.
                let (r, keys) = render_in(&n, lang, "Frontdesk")
                    .unwrap_or_else(|e| panic!("{n:?} in {}: {e}", lang.code()));
                let ctx = format!("{n:?} in {}", lang.code());
                assert!(!r.subject.trim().is_empty(), "{ctx}");
                assert!(
                    !r.text.trim().is_empty() && !r.html.trim().is_empty(),
                    "{ctx}"
                );
                for part in [&r.subject, &r.text, &r.html] {
                    assert!(!part.contains(['{', '}']), "{ctx}: {part}");
                }
                used.extend(keys);
            }
            // `status_label` and `priority_label` of an unknown code.
            let mut t = Texts::new(lang, "").expect("catalog");
            for (group, known) in [("status", &STATUSES[..]), ("priority", &PRIORITIES[..])] {
                label_or_unknown(&mut t, group, known, "bogus").expect("unknown label");
            }
            used.extend(t.used);
            // A text present in one language but not another is unused
            // there (or missing in the other, which fails above).
            let present: BTreeSet<String> = catalog(lang)
                .expect("catalog")
                .keys()
                .map(str::to_owned)
                .collect();
            let unused: Vec<&String> = present.difference(&used).collect();
            assert!(unused.is_empty(), "{file}: texts no email uses: {unused:?}");
        }
    }

    #[test]
    fn every_file_in_templates_mail_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/mail");
        let present: BTreeSet<String> = std::fs::read_dir(dir)
            .expect("templates/mail")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        let mut embedded: BTreeSet<String> = Lang::ALL
            .iter()
            .map(|l| format!("{}.toml", l.code()))
            .collect();
        embedded.insert("layout.html".into());
        assert_eq!(
            present, embedded,
            "a file the emails do not use, or a missing one"
        );
    }

    #[test]
    fn a_language_that_fails_falls_back_to_english_then_to_an_error() {
        let broken = |lang: Lang| match lang {
            Lang::En => Ok("english"),
            _ => Err(TextError::Missing("fr", "x".into())),
        };
        assert_eq!(with_fallback(Lang::Fr, broken).ok(), Some("english"));
        let all_broken = |_: Lang| Err::<(), _>(TextError::Missing("en", "x".into()));
        assert!(matches!(
            with_fallback(Lang::Ro, all_broken),
            Err(MailError::Build(m)) if m.contains("`x`")
        ));
    }
}
