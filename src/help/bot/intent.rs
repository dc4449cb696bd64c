//! What kind of message this is, before any search: small talk, a request
//! only people can handle (billing), a malfunction report or a feature
//! request, and which ticket type fits it.

use crate::locale::Locale;

/// The ticket types are the tickets' own vocabulary.
pub use crate::tickets::fields::TicketKind as TicketType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    Greeting,
    Thanks,
    Goodbye,
}

/// Signals read from the wording of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Intent {
    /// Money matters (refunds, double charges, invoices): for people, however close an article looks.
    pub billing: bool,
    /// The user reports something broken rather than asking how to do something.
    pub malfunction: bool,
    /// The user asks for something the product does not do.
    pub feature_request: bool,
    /// The user asks the team to act on their account or data ("can you
    /// move my seats", "please delete my account"): only people can.
    pub staff_action: bool,
    /// Phrased as a how/what/where question.
    pub how_question: bool,
}

impl Intent {
    pub fn read(text: &str) -> Intent {
        let t = normalise(text);
        Intent {
            billing: contains_any(&t, BILLING),
            malfunction: contains_any(&t, MALFUNCTION) || stopped_doing(&t),
            feature_request: contains_any(&t, FEATURE),
            staff_action: asks_staff_to_act(&t),
            how_question: starts_with_any(&t, HOW_QUESTION),
        }
    }

    /// The ticket type to suggest when this message is escalated. Billing
    /// has no type of its own: it is help with the account's settings.
    pub fn ticket_type(&self) -> Option<TicketType> {
        if self.feature_request {
            Some(TicketType::FeatureRequest)
        } else if self.malfunction {
            Some(TicketType::BugReport)
        } else {
            Some(TicketType::SettingsHelp)
        }
    }
}

/// Recognises a message that is only a greeting, thanks or goodbye.
pub fn small_talk(text: &str) -> Option<SmallTalk> {
    let t = normalise(text);
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.is_empty() || words.len() > 6 {
        return None;
    }
    let only = |set: &[&str]| {
        let joined = words.join(" ");
        set.iter().any(|p| joined.contains(p))
            && words
                .iter()
                .all(|w| SMALL_TALK_WORDS.contains(w) || set.contains(w))
    };
    if only(THANKS) {
        Some(SmallTalk::Thanks)
    } else if only(GOODBYE) {
        Some(SmallTalk::Goodbye)
    } else if only(GREETINGS) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

/// Removes a leading greeting ("Hi, how do I…" → "how do I…").
pub fn strip_greeting(text: &str) -> &str {
    let trimmed = text.trim_start();
    let lower = trimmed.to_lowercase();
    for g in GREETINGS {
        if lower.starts_with(g) {
            let rest = &trimmed[g.len().min(trimmed.len())..];
            if rest.starts_with(|c: char| !c.is_alphanumeric()) {
                let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
                if !rest.is_empty() {
                    return rest;
                }
            }
        }
    }
    trimmed
}

pub fn small_talk_reply(kind: SmallTalk, locale: Locale) -> &'static str {
    match (kind, locale) {
        (SmallTalk::Greeting, Locale::Fr) => {
            "Bonjour ! Posez-moi votre question, je cherche la réponse dans le centre d'aide."
        }
        (SmallTalk::Greeting, Locale::Ro) => {
            "Bună! Puneți-mi întrebarea și caut răspunsul în centrul de ajutor."
        }
        (SmallTalk::Greeting, _) => {
            "Hi! Ask me anything about the product and I'll look it up in the help center."
        }
        (SmallTalk::Thanks, Locale::Fr) => "Avec plaisir ! Autre chose ?",
        (SmallTalk::Thanks, Locale::Ro) => "Cu plăcere! Vă mai pot ajuta cu ceva?",
        (SmallTalk::Thanks, _) => "You're welcome! Anything else I can help with?",
        (SmallTalk::Goodbye, Locale::Fr) => "Au revoir, bonne journée !",
        (SmallTalk::Goodbye, Locale::Ro) => "La revedere, o zi bună!",
        (SmallTalk::Goodbye, _) => "Goodbye, have a good day!",
    }
}

fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace(['’', '`'], "'");
    let mut out = String::with_capacity(lower.len() + 2);
    out.push(' ');
    for c in lower.chars() {
        out.push(if c.is_alphanumeric() || c == '\'' {
            c
        } else {
            ' '
        });
    }
    out.push(' ');
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn contains_any(text: &str, phrases: &[&str]) -> bool {
    let padded = format!(" {text} ");
    phrases.iter().any(|p| padded.contains(&format!(" {p} ")))
}

fn starts_with_any(text: &str, phrases: &[&str]) -> bool {
    phrases
        .iter()
        .any(|p| text == *p || text.starts_with(&format!("{p} ")))
}

const SMALL_TALK_WORDS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "there",
    "good",
    "morning",
    "afternoon",
    "evening",
    "bonjour",
    "salut",
    "bonsoir",
    "buna",
    "bună",
    "ziua",
    "seara",
    "thanks",
    "thank",
    "you",
    "so",
    "much",
    "a",
    "lot",
    "ok",
    "okay",
    "great",
    "perfect",
    "cool",
    "merci",
    "beaucoup",
    "mulțumesc",
    "multumesc",
    "mersi",
    "bye",
    "goodbye",
    "au",
    "revoir",
    "la",
    "revedere",
    "team",
    "all",
    "again",
    "very",
    "that",
    "helps",
    "helped",
    "it",
    "worked",
    "super",
    "awesome",
    "cheers",
    "thx",
    "ty",
];
const GREETINGS: &[&str] = &[
    "good morning",
    "good afternoon",
    "good evening",
    "hello",
    "hey",
    "hi",
    "bonjour",
    "bonsoir",
    "salut",
    "bună ziua",
    "buna ziua",
    "bună",
    "buna",
];
const THANKS: &[&str] = &[
    "thanks",
    "thank you",
    "thx",
    "ty",
    "cheers",
    "merci",
    "mulțumesc",
    "multumesc",
    "mersi",
];
const GOODBYE: &[&str] = &["bye", "goodbye", "au revoir", "la revedere"];

const BILLING: &[&str] = &[
    "refund",
    "refunded",
    "refunds",
    "charged",
    "charge me",
    "double charge",
    "overcharged",
    "invoice",
    "invoices",
    "my bill",
    "billed",
    "credit card",
    "my payment",
    "payment failed",
    "cancel my subscription",
    "my subscription",
    "money back",
    "rembourser",
    "remboursement",
    "remboursé",
    "facturé",
    "facture",
    "débité",
    "prélevé",
    "rambursare",
    "rambursat",
    "factura",
    "facturat",
    "taxat",
    "plata",
    "plată",
    "abonamentul meu",
];
const MALFUNCTION: &[&str] = &[
    "error",
    "errors",
    "crash",
    "crashes",
    "crashed",
    "crashing",
    "broken",
    "bug",
    "buggy",
    "doesn't work",
    "does not work",
    "don't work",
    "isn't working",
    "not working",
    "stopped working",
    "no longer works",
    "no longer working",
    "what's wrong",
    "whats wrong",
    "what is wrong",
    "won't load",
    "wont load",
    "doesn't load",
    "fails",
    "failed",
    "failing",
    "freezes",
    "frozen",
    "stuck",
    "blank page",
    "white screen",
    "500",
    "404",
    "glitch",
    "erreur",
    "plante",
    "bloqué",
    "ne marche pas",
    "se ferme",
    "ne s'ouvre plus",
    "se închide",
    "ne fonctionne pas",
    "ne fonctionne plus",
    "ne marche plus",
    "ne s'affiche plus",
    "n'apparaît plus",
    "eroare",
    "nu merge",
    "nu funcționează",
    "nu mai merge",
    "nu mai funcționează",
    "nu mai functioneaza",
    "nu functioneaza",
    "blocat",
    "se blochează",
];
/// "it stopped syncing", "my highlights stopped showing up": something that
/// used to happen no longer does.
fn stopped_doing(text: &str) -> bool {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w[0] == "stopped" && w[1].len() > 4 && w[1].ends_with("ing"))
}

/// "can you move …", "please delete my …", "pouvez-vous supprimer …":
/// a request addressed to the team, with a verb of account administration.
fn asks_staff_to_act(text: &str) -> bool {
    const ASKS: &[&str] = &[
        "can you",
        "could you",
        "would you",
        "please",
        "pouvez vous",
        "pourriez vous",
        "vous pouvez",
        "merci de",
        "puteți",
        "puteti",
        "vă rog",
        "va rog",
    ];
    const ACTS: &[&str] = &[
        "delete",
        "remove",
        "move",
        "transfer",
        "reset",
        "cancel",
        "close",
        "merge",
        "unlock",
        "restore",
        "correct",
        "change",
        "make me",
        "give me",
        "upgrade",
        "downgrade",
        "supprimer",
        "supprimez",
        "transférer",
        "annuler",
        "fermer",
        "réinitialiser",
        "déplacer",
        "șterge",
        "ștergeți",
        "stergeti",
        "mutați",
        "mutati",
        "anulați",
        "anulati",
        "resetați",
    ];
    let padded = format!(" {text} ");
    ASKS.iter().any(|a| {
        padded.match_indices(&format!(" {a} ")).any(|(i, m)| {
            // The action follows the request within a few words.
            let after: Vec<&str> = padded[i + m.len()..].split_whitespace().take(4).collect();
            let after = format!(" {} ", after.join(" "));
            ACTS.iter().any(|v| after.contains(&format!(" {v} ")))
        })
    })
}

const FEATURE: &[&str] = &[
    "please add",
    "could you add",
    "can you add",
    "would be nice",
    "would be great",
    "would love",
    "it would help",
    "feature request",
    "i wish",
    "i suggest",
    "suggestion",
    "you should add",
    "add support for",
    "add an option",
    "add a way",
    "pourriez-vous ajouter",
    "ce serait bien",
    "ajoutez",
    "vă rog adăugați",
    "ar fi util",
    "ar fi bine",
    "adăugați",
];
const HOW_QUESTION: &[&str] = &[
    "how",
    "what",
    "where",
    "when",
    "which",
    "who",
    "can i",
    "could i",
    "is there",
    "is it possible",
    "do i",
    "does",
    "should i",
    "comment",
    "où",
    "quand",
    "quel",
    "quelle",
    "est ce que",
    "est ce qu'il",
    "puis je",
    "cum",
    "unde",
    "când",
    "cand",
    "ce",
    "care",
    "pot",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_talk_table() {
        let cases = [
            ("Hi!", Some(SmallTalk::Greeting)),
            ("hello there", Some(SmallTalk::Greeting)),
            ("Bonjour", Some(SmallTalk::Greeting)),
            ("thanks, that helps", Some(SmallTalk::Thanks)),
            ("Merci beaucoup", Some(SmallTalk::Thanks)),
            ("mulțumesc", Some(SmallTalk::Thanks)),
            ("bye", Some(SmallTalk::Goodbye)),
            ("hi how do I attach a file", None),
            ("thanks but where is the export button", None),
        ];
        for (text, expected) in cases {
            assert_eq!(small_talk(text), expected, "{text}");
        }
    }

    #[test]
    fn strips_leading_greetings_only() {
        assert_eq!(
            strip_greeting("Hi, how do I reset it?"),
            "how do I reset it?"
        );
        assert_eq!(strip_greeting("history of tickets"), "history of tickets");
        assert_eq!(strip_greeting("Hello"), "Hello");
    }

    #[test]
    fn intents_and_ticket_types() {
        let bill = Intent::read("I was charged twice this month");
        assert!(bill.billing);
        assert_eq!(bill.ticket_type(), Some(TicketType::SettingsHelp));
        let bug = Intent::read("The export button gives me an error 500");
        assert!(bug.malfunction && !bug.how_question);
        assert_eq!(bug.ticket_type(), Some(TicketType::BugReport));
        let feat = Intent::read("Please add a dark mode to the widget");
        assert_eq!(feat.ticket_type(), Some(TicketType::FeatureRequest));
        assert!(Intent::read("please delete all the personal data you hold about me").staff_action);
        assert!(Intent::read("can you move the seats over to my new account").staff_action);
        assert!(!Intent::read("can you tell me how to move a note").staff_action);
        assert!(Intent::read("my highlights stopped showing up, what's wrong?").malfunction);
        assert!(Intent::read("the calendar stopped syncing last week").malfunction);
        assert!(Intent::read("la synchronisation ne fonctionne plus").malfunction);
        assert!(!Intent::read("how do I stop sharing a note").malfunction);
        assert!(!Intent::read("I stopped my subscription").malfunction);
        let how = Intent::read("How do I change my email?");
        assert!(how.how_question);
        assert_eq!(how.ticket_type(), Some(TicketType::SettingsHelp));
    }
}
