//! What each notification says, in English, French or Romanian. Produces the
//! subject and the body blocks; [`super::layout`] turns those into text and
//! HTML. Every interpolated value is cleaned here (one line, no control
//! characters) so that neither the subject nor the bodies can be abused.

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Fr,
    Ro,
}

impl Lang {
    /// `"fr"`, `"FR"`, `"fr-CA"` and `"fr_FR"` are French; anything that is
    /// not French or Romanian falls back to English.
    fn parse(locale: &str) -> Lang {
        let primary = locale
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Lang::Fr,
            "ro" => Lang::Ro,
            _ => Lang::En,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ro => "ro",
        }
    }
}

/// The label of a ticket status in a language. An unknown code gives
/// "Unknown" (translated); [`render`] shows the raw code instead.
pub fn status_label(code: &str, locale: &str) -> &'static str {
    known_status(code, Lang::parse(locale)).unwrap_or(match Lang::parse(locale) {
        Lang::En => "Unknown",
        Lang::Fr => "Inconnu",
        Lang::Ro => "Necunoscut",
    })
}

/// The label of a ticket priority in a language. An unknown code gives
/// "Unknown" (translated); [`render`] shows the raw code instead.
pub fn priority_label(code: &str, locale: &str) -> &'static str {
    known_priority(code, Lang::parse(locale)).unwrap_or(match Lang::parse(locale) {
        Lang::En => "Unknown",
        Lang::Fr => "Inconnue",
        Lang::Ro => "Necunoscută",
    })
}

fn known_status(code: &str, lang: Lang) -> Option<&'static str> {
    let [en, fr, ro] = match code {
        "new" => ["New", "Nouveau", "Nou"],
        "in_analysis" => ["In analysis", "En analyse", "În analiză"],
        "assigned" => ["Assigned", "Assigné", "Atribuit"],
        "feedback" => ["Feedback", "En attente de retour", "Așteaptă feedback"],
        "resolved" => ["Resolved", "Résolu", "Rezolvat"],
        "closed" => ["Closed", "Fermé", "Închis"],
        _ => return None,
    };
    Some(pick(lang, en, fr, ro))
}

fn known_priority(code: &str, lang: Lang) -> Option<&'static str> {
    let [en, fr, ro] = match code {
        "low" => ["Low", "Basse", "Scăzută"],
        "normal" => ["Normal", "Normale", "Normală"],
        "high" => ["High", "Haute", "Ridicată"],
        "urgent" => ["Urgent", "Urgente", "Urgentă"],
        _ => return None,
    };
    Some(pick(lang, en, fr, ro))
}

fn pick(lang: Lang, en: &'static str, fr: &'static str, ro: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
        Lang::Ro => ro,
    }
}

/// "72 hours" / "72 heures" / "72 de ore", with each language's plural rules.
fn hours(lang: Lang, n: i64) -> String {
    counted(
        lang,
        n,
        ["hour", "hours"],
        ["heure", "heures"],
        ["oră", "ore"],
    )
}

/// "15 minutes" / "15 minutes" / "15 minute" ("30 de minute").
fn minutes(lang: Lang, n: i64) -> String {
    counted(
        lang,
        n,
        ["minute", "minutes"],
        ["minute", "minutes"],
        ["minut", "minute"],
    )
}

fn counted(lang: Lang, n: i64, en: [&str; 2], fr: [&str; 2], ro: [&str; 2]) -> String {
    match lang {
        Lang::En => format!("{n} {}", if n == 1 { en[0] } else { en[1] }),
        // French treats 0 and 1 as singular.
        Lang::Fr => format!("{n} {}", if n.abs() <= 1 { fr[0] } else { fr[1] }),
        // Romanian: 1 is singular; 0 and numbers ending in 01–19 take the
        // plural directly ("15 ore"); others take "de" ("24 de ore").
        Lang::Ro => {
            let rest = n.abs() % 100;
            if n == 1 {
                format!("1 {}", ro[0])
            } else if n == 0 || (1..=19).contains(&rest) {
                format!("{n} {}", ro[1])
            } else {
                format!("{n} de {}", ro[1])
            }
        }
    }
}

/// Renders a notification in `locale` (`en`, `fr`, `ro`; anything else is
/// English) for the product called `product`.
pub fn render(n: &Notification, locale: &str, product: &str) -> Rendered {
    let lang = Lang::parse(locale);
    let product = match single_line(product) {
        p if p.is_empty() => "Frontdesk".to_owned(),
        p => p,
    };
    let (subject, blocks) = compose(n, lang, &product);
    let subject = single_line(&subject);
    let (greeting, signature, footer, link_fallback) = match lang {
        Lang::En => (
            "Hello,".to_owned(),
            format!("The {product} team"),
            format!("This email was sent automatically by {product}."),
            "If the button does not work, copy this link into your browser:",
        ),
        Lang::Fr => (
            "Bonjour,".to_owned(),
            format!("L’équipe {product}"),
            format!("Cet e-mail a été envoyé automatiquement par {product}."),
            "Si le bouton ne fonctionne pas, copiez ce lien dans votre navigateur\u{a0}:",
        ),
        Lang::Ro => (
            "Bună ziua,".to_owned(),
            format!("Echipa {product}"),
            format!("Acest e-mail a fost trimis automat de {product}."),
            "Dacă butonul nu funcționează, copiați acest link în browser:",
        ),
    };
    let frame = Frame {
        lang: lang.code(),
        subject: &subject,
        greeting: &greeting,
        signature: &signature,
        footer: &footer,
        link_fallback,
    };
    Rendered {
        text: layout::to_text(&frame, &blocks),
        html: layout::to_html(&frame, &blocks),
        subject,
    }
}

/// Status label for display: the translation, or the cleaned raw code.
fn status_text(code: &str, lang: Lang) -> String {
    known_status(code.trim(), lang)
        .map(str::to_owned)
        .unwrap_or_else(|| single_line(code))
}

fn priority_text(code: &str, lang: Lang) -> String {
    known_priority(code.trim(), lang)
        .map(str::to_owned)
        .unwrap_or_else(|| single_line(code))
}

/// The subject (before final cleaning) and the body blocks.
fn compose(n: &Notification, lang: Lang, p: &str) -> (String, Vec<Block>) {
    use Block::{Action, Code, Details, Note, Para, Quote};
    match n {
        Notification::TicketCreated {
            number,
            summary,
            url,
        } => {
            let (s, url) = (single_line(summary), single_line(url));
            let short = truncate(&s, SUBJECT_SUMMARY_CHARS);
            match lang {
                Lang::En => (
                    format!("[{p}] Request #{number} received: {short}"),
                    vec![
                        Para(format!("We received your request #{number} “{s}”.")),
                        Para(
                            "Our team will get back to you as soon as possible. You can follow \
                             its progress and add information at any time:"
                                .into(),
                        ),
                        Action {
                            label: format!("View request #{number}"),
                            url,
                        },
                    ],
                ),
                Lang::Fr => (
                    format!("[{p}] Demande #{number} reçue\u{a0}: {short}"),
                    vec![
                        Para(format!(
                            "Nous avons bien reçu votre demande #{number} «\u{a0}{s}\u{a0}»."
                        )),
                        Para(
                            "Notre équipe vous répondra dans les meilleurs délais. Vous pouvez \
                             suivre son avancement et ajouter des informations à tout \
                             moment\u{a0}:"
                                .into(),
                        ),
                        Action {
                            label: format!("Voir la demande #{number}"),
                            url,
                        },
                    ],
                ),
                Lang::Ro => (
                    format!("[{p}] Solicitarea #{number} a fost înregistrată: {short}"),
                    vec![
                        Para(format!(
                            "Am primit solicitarea dumneavoastră #{number} „{s}”."
                        )),
                        Para(
                            "Echipa noastră vă va răspunde cât mai curând posibil. Puteți urmări \
                             stadiul solicitării și puteți adăuga informații oricând:"
                                .into(),
                        ),
                        Action {
                            label: format!("Vezi solicitarea #{number}"),
                            url,
                        },
                    ],
                ),
            }
        }

        Notification::StatusChanged {
            number,
            summary,
            from,
            to,
            url,
        } => {
            let (s, url) = (single_line(summary), single_line(url));
            let (from_l, to_l) = (status_text(from, lang), status_text(to, lang));
            let mut blocks = match lang {
                Lang::En => vec![Para(format!(
                    "Your request #{number} “{s}” is now {to_l} (previously: {from_l})."
                ))],
                Lang::Fr => vec![Para(format!(
                    "Votre demande #{number} «\u{a0}{s}\u{a0}» est maintenant au statut \
                     «\u{a0}{to_l}\u{a0}» (auparavant\u{a0}: {from_l})."
                ))],
                Lang::Ro => vec![Para(format!(
                    "Solicitarea dumneavoastră #{number} „{s}” are acum starea „{to_l}” \
                     (anterior: {from_l})."
                ))],
            };
            // A few statuses ask something of the requester: say what.
            let hint = match (to.trim(), lang) {
                ("feedback", Lang::En) => Some(
                    "We need more information from you to continue. Please reply on the \
                     request page.",
                ),
                ("feedback", Lang::Fr) => Some(
                    "Nous avons besoin d’informations complémentaires pour continuer. Merci de \
                     répondre depuis la page de la demande.",
                ),
                ("feedback", Lang::Ro) => Some(
                    "Avem nevoie de informații suplimentare pentru a continua. Vă rugăm să \
                     răspundeți din pagina solicitării.",
                ),
                ("resolved", Lang::En) => {
                    Some("If the problem persists, let us know by replying on the request page.")
                }
                ("resolved", Lang::Fr) => Some(
                    "Si le problème persiste, faites-le-nous savoir en répondant depuis la page \
                     de la demande.",
                ),
                ("resolved", Lang::Ro) => {
                    Some("Dacă problema persistă, anunțați-ne răspunzând din pagina solicitării.")
                }
                ("closed", Lang::En) => Some(
                    "This request is now closed. If you need help again, feel free to submit \
                     a new request.",
                ),
                ("closed", Lang::Fr) => Some(
                    "Cette demande est désormais close. Si vous avez de nouveau besoin d’aide, \
                     n’hésitez pas à créer une nouvelle demande.",
                ),
                ("closed", Lang::Ro) => Some(
                    "Această solicitare a fost închisă. Dacă aveți din nou nevoie de ajutor, \
                     puteți trimite o solicitare nouă.",
                ),
                _ => None,
            };
            blocks.extend(hint.map(|h| Para(h.to_owned())));
            let (subject, label) = match lang {
                Lang::En => (
                    format!("[{p}] Your request #{number} is now {to_l}"),
                    format!("View request #{number}"),
                ),
                Lang::Fr => (
                    format!("[{p}] Votre demande #{number} est maintenant «\u{a0}{to_l}\u{a0}»"),
                    format!("Voir la demande #{number}"),
                ),
                Lang::Ro => (
                    format!("[{p}] Solicitarea dumneavoastră #{number} are acum starea „{to_l}”"),
                    format!("Vezi solicitarea #{number}"),
                ),
            };
            blocks.push(Action { label, url });
            (subject, blocks)
        }

        Notification::PublicReply {
            number,
            summary,
            author,
            body,
            url,
        } => {
            let (s, url, body) = (single_line(summary), single_line(url), multi_line(body));
            let a = match single_line(author) {
                a if a.is_empty() => {
                    pick(lang, "Our team", "Notre équipe", "Echipa noastră").into()
                }
                a => a,
            };
            let (subject, intro, after, label) = match lang {
                Lang::En => (
                    format!("[{p}] {a} replied to your request #{number}"),
                    format!("{a} replied to your request #{number} “{s}”:"),
                    "To answer, use the link below.",
                    format!("View request #{number} and reply"),
                ),
                Lang::Fr => (
                    format!("[{p}] {a} a répondu à votre demande #{number}"),
                    format!("{a} a répondu à votre demande #{number} «\u{a0}{s}\u{a0}»\u{a0}:"),
                    "Pour répondre, utilisez le lien ci-dessous.",
                    format!("Voir la demande #{number} et répondre"),
                ),
                Lang::Ro => (
                    format!("[{p}] {a} a răspuns la solicitarea dumneavoastră #{number}"),
                    format!("{a} a răspuns la solicitarea dumneavoastră #{number} „{s}”:"),
                    "Pentru a răspunde, folosiți linkul de mai jos.",
                    format!("Vezi solicitarea #{number} și răspunde"),
                ),
            };
            (
                subject,
                vec![
                    Para(intro),
                    Quote(body),
                    Para(after.into()),
                    Action { label, url },
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
            let (s, url, who) = (
                single_line(summary),
                single_line(url),
                single_line(requester),
            );
            let prio = priority_text(priority, lang);
            let short = truncate(&s, SUBJECT_SUMMARY_CHARS);
            let (subject, intro, labels, action) = match lang {
                Lang::En => (
                    format!("[{p}] New request #{number} ({prio}): {short}"),
                    "A new request has arrived in your queue.",
                    ["Request:", "Summary:", "Requester:", "Priority:"],
                    format!("Open request #{number}"),
                ),
                Lang::Fr => (
                    format!("[{p}] Nouvelle demande #{number} ({prio})\u{a0}: {short}"),
                    "Une nouvelle demande est arrivée dans votre file d’attente.",
                    [
                        "Demande\u{a0}:",
                        "Objet\u{a0}:",
                        "Demandeur\u{a0}:",
                        "Priorité\u{a0}:",
                    ],
                    format!("Ouvrir la demande #{number}"),
                ),
                Lang::Ro => (
                    format!("[{p}] Solicitare nouă #{number} ({prio}): {short}"),
                    "O solicitare nouă a sosit în coada dumneavoastră.",
                    ["Solicitare:", "Subiect:", "Solicitant:", "Prioritate:"],
                    format!("Deschide solicitarea #{number}"),
                ),
            };
            let values = [format!("#{number}"), s, who, prio];
            let rows = labels
                .iter()
                .zip(values)
                .map(|(l, v)| ((*l).to_owned(), v))
                .collect();
            (
                subject,
                vec![
                    Para(intro.into()),
                    Details(rows),
                    Action { label: action, url },
                ],
            )
        }

        Notification::Invitation { url, expires_hours } => {
            let (url, h) = (single_line(url), hours(lang, *expires_hours));
            match lang {
                Lang::En => (
                    format!("You have been invited to {p}"),
                    vec![
                        Para(format!(
                            "You have been invited to {p}. To activate your account, set your \
                             password using the link below."
                        )),
                        Action {
                            label: "Set my password".into(),
                            url,
                        },
                        Note(format!(
                            "This link expires in {h} and works once. If you were not \
                             expecting this invitation, you can ignore this email."
                        )),
                    ],
                ),
                Lang::Fr => (
                    format!("Vous êtes invité(e) à rejoindre {p}"),
                    vec![
                        Para(format!(
                            "Vous avez été invité(e) à rejoindre {p}. Pour activer votre compte, \
                             définissez votre mot de passe à l’aide du lien ci-dessous."
                        )),
                        Action {
                            label: "Définir mon mot de passe".into(),
                            url,
                        },
                        Note(format!(
                            "Ce lien expire dans {h} et ne peut être utilisé qu’une seule fois. \
                             Si vous n’attendiez pas cette invitation, vous pouvez ignorer cet \
                             e-mail."
                        )),
                    ],
                ),
                Lang::Ro => (
                    format!("Ați primit o invitație în {p}"),
                    vec![
                        Para(format!(
                            "Ați primit o invitație pentru a vă crea un cont în {p}. Pentru a vă \
                             activa contul, setați-vă parola folosind linkul de mai jos."
                        )),
                        Action {
                            label: "Setează parola".into(),
                            url,
                        },
                        Note(format!(
                            "Acest link expiră în {h} și poate fi folosit o singură dată. Dacă \
                             nu vă așteptați la această invitație, puteți ignora acest e-mail."
                        )),
                    ],
                ),
            }
        }

        Notification::PasswordReset { url, expires_hours } => {
            let (url, h) = (single_line(url), hours(lang, *expires_hours));
            match lang {
                Lang::En => (
                    format!("[{p}] Reset your password"),
                    vec![
                        Para(format!(
                            "We received a request to reset the password of your {p} account. \
                             Choose a new password using the link below."
                        )),
                        Action {
                            label: "Choose a new password".into(),
                            url,
                        },
                        Note(format!(
                            "This link expires in {h} and works once. If you did not ask for \
                             this, ignore this email: your password stays unchanged."
                        )),
                    ],
                ),
                Lang::Fr => (
                    format!("[{p}] Réinitialisation de votre mot de passe"),
                    vec![
                        Para(format!(
                            "Nous avons reçu une demande de réinitialisation du mot de passe de \
                             votre compte {p}. Choisissez un nouveau mot de passe à l’aide du \
                             lien ci-dessous."
                        )),
                        Action {
                            label: "Choisir un nouveau mot de passe".into(),
                            url,
                        },
                        Note(format!(
                            "Ce lien expire dans {h} et ne peut être utilisé qu’une seule fois. \
                             Si vous n’êtes pas à l’origine de cette demande, ignorez cet \
                             e-mail\u{a0}: votre mot de passe reste inchangé."
                        )),
                    ],
                ),
                Lang::Ro => (
                    format!("[{p}] Resetarea parolei"),
                    vec![
                        Para(format!(
                            "Am primit o cerere de resetare a parolei pentru contul \
                             dumneavoastră {p}. Alegeți o parolă nouă folosind linkul de mai jos."
                        )),
                        Action {
                            label: "Alege o parolă nouă".into(),
                            url,
                        },
                        Note(format!(
                            "Acest link expiră în {h} și poate fi folosit o singură dată. Dacă \
                             nu ați solicitat resetarea, ignorați acest e-mail: parola \
                             dumneavoastră rămâne neschimbată."
                        )),
                    ],
                ),
            }
        }

        Notification::ChatTranscript { transcript } => match lang {
            Lang::En => (
                format!("[{p}] Transcript of your chat"),
                vec![
                    Para("Here is the transcript of your chat with our team:".into()),
                    Quote(transcript.clone()),
                ],
            ),
            Lang::Fr => (
                format!("[{p}] Transcription de votre discussion"),
                vec![
                    Para(
                        "Voici la transcription de votre discussion avec notre équipe\u{a0}:"
                            .into(),
                    ),
                    Quote(transcript.clone()),
                ],
            ),
            Lang::Ro => (
                format!("[{p}] Transcrierea discuției dumneavoastră"),
                vec![
                    Para("Iată transcrierea discuției dumneavoastră cu echipa noastră:".into()),
                    Quote(transcript.clone()),
                ],
            ),
        },
        Notification::EmailCode {
            code,
            expires_minutes,
        } => {
            let (code, m) = (single_line(code), minutes(lang, *expires_minutes));
            match lang {
                Lang::En => (
                    format!("{code} is your {p} confirmation code"),
                    vec![
                        Para("Use this code to confirm your email address:".into()),
                        Code(code),
                        Note(format!(
                            "It expires in {m}. If you did not request it, you can ignore this \
                             email."
                        )),
                    ],
                ),
                Lang::Fr => (
                    format!("{code} est votre code de confirmation {p}"),
                    vec![
                        Para("Voici votre code pour confirmer votre adresse e-mail\u{a0}:".into()),
                        Code(code),
                        Note(format!(
                            "Il expire dans {m}. Si vous n’avez pas demandé ce code, vous pouvez \
                             ignorer cet e-mail."
                        )),
                    ],
                ),
                Lang::Ro => (
                    format!("{code} este codul dumneavoastră de confirmare {p}"),
                    vec![
                        Para("Folosiți acest cod pentru a vă confirma adresa de e-mail:".into()),
                        Code(code),
                        Note(format!(
                            "Codul expiră în {m}. Dacă nu ați solicitat acest cod, puteți ignora \
                             acest e-mail."
                        )),
                    ],
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://help.example.test/requests/1001";

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
}
