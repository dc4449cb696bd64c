//! Server-rendered page templates (minijinja), compiled into the binary so
//! the server needs no files beside it.

use std::sync::LazyLock;

use minijinja::Environment;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(environment);

/// Every page template, compiled, with the escaping the pages need.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Pages without a translation table (error pages) fall back to the
    // English defaults written in the templates.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // minijinja also escapes `/`, which makes every URL in the pages read
    // `&#x2f;help&#x2f;…`; the five characters below are what HTML needs.
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == minijinja::AutoEscape::Html
            && !value.is_safe()
            && !value.is_undefined()
            && !value.is_none()
        {
            let text = value.to_string();
            out.write_str(&crate::help::search::html_escape(&text))
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
                })
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    let templates: [(&str, &str); 32] = [
        ("base.html", include_str!("../../templates/base.html")),
        ("error.html", include_str!("../../templates/error.html")),
        (
            "help_index.html",
            include_str!("../../templates/help_index.html"),
        ),
        ("article.html", include_str!("../../templates/article.html")),
        ("search.html", include_str!("../../templates/search.html")),
        (
            "category.html",
            include_str!("../../templates/category.html"),
        ),
        ("console.html", include_str!("../../templates/console.html")),
        (
            "portal/chats.html",
            include_str!("../../templates/portal/chats.html"),
        ),
        // The end-user portal.
        (
            "portal/layout.html",
            include_str!("../../templates/portal/layout.html"),
        ),
        (
            "portal/macros.html",
            include_str!("../../templates/portal/macros.html"),
        ),
        (
            "portal/login.html",
            include_str!("../../templates/portal/login.html"),
        ),
        (
            "portal/forgot.html",
            include_str!("../../templates/portal/forgot.html"),
        ),
        (
            "portal/set_password.html",
            include_str!("../../templates/portal/set_password.html"),
        ),
        (
            "portal/home.html",
            include_str!("../../templates/portal/home.html"),
        ),
        (
            "portal/my_view.html",
            include_str!("../../templates/portal/my_view.html"),
        ),
        (
            "portal/tickets.html",
            include_str!("../../templates/portal/tickets.html"),
        ),
        (
            "portal/new_ticket.html",
            include_str!("../../templates/portal/new_ticket.html"),
        ),
        (
            "portal/ticket.html",
            include_str!("../../templates/portal/ticket.html"),
        ),
        (
            "portal/account.html",
            include_str!("../../templates/portal/account.html"),
        ),
        (
            "portal/admin.html",
            include_str!("../../templates/portal/admin.html"),
        ),
        (
            "portal/reports.html",
            include_str!("../../templates/portal/reports.html"),
        ),
        (
            "portal/gaps.html",
            include_str!("../../templates/portal/gaps.html"),
        ),
        (
            "portal/draft.html",
            include_str!("../../templates/portal/draft.html"),
        ),
        (
            "portal/drafts.html",
            include_str!("../../templates/portal/drafts.html"),
        ),
        (
            "portal/webhooks.html",
            include_str!("../../templates/portal/webhooks.html"),
        ),
        // The demo host product's pages share one layout.
        (
            "demo/layout.html",
            include_str!("../../widget/demo/layout.html"),
        ),
        (
            "demo/index.html",
            include_str!("../../widget/demo/index.html"),
        ),
        (
            "demo/exams.html",
            include_str!("../../widget/demo/exams.html"),
        ),
        (
            "demo/exam-settings.html",
            include_str!("../../widget/demo/exam-settings.html"),
        ),
        (
            "demo/grading.html",
            include_str!("../../widget/demo/grading.html"),
        ),
        (
            "demo/students.html",
            include_str!("../../widget/demo/students.html"),
        ),
        (
            "demo/bookings.html",
            include_str!("../../widget/demo/bookings.html"),
        ),
    ];
    for (name, source) in templates {
        if let Err(e) = env.add_template(name, source) {
            // A broken template is a build defect; the unit test below catches it.
            tracing::error!("template {name} does not compile: {e}");
        }
    }
    env
}

pub fn render(name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
    ENV.get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use minijinja::{UndefinedBehavior, Value, context};

    use super::*;
    use crate::help::kb::{ArticleLink, CategoryNode};
    use crate::store::conversations::Message;
    use crate::store::tickets::Ticket;
    use crate::tickets::{Priority, Source, Status, TicketKind};

    #[test]
    fn values_are_escaped_but_slashes_are_kept() {
        let html = render(
            "error.html",
            context! { title => "<b>a/b</b>", message => "x & \"y\"", lang => "en" },
        )
        .expect("render");
        assert!(html.contains("&lt;b&gt;a/b&lt;/b&gt;"), "{html}");
        assert!(html.contains("x &amp; &quot;y&quot;"), "{html}");
    }

    /// The pages' environment, except that a variable the context lacks is
    /// an error instead of empty: a template reading a name its handler
    /// does not give fails here.
    fn strict() -> Environment<'static> {
        let mut env = environment();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env
    }

    /// Every page template in the repository, named as `environment` names
    /// it: `templates/` (any depth) as is, `widget/demo/` under `demo/`.
    /// `templates/mail/` is the emails' (embedded and tested by `mail`).
    fn template_files() -> BTreeSet<String> {
        fn walk(dir: &Path, prefix: &str, out: &mut BTreeSet<String>) {
            let entries = std::fs::read_dir(dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
            for entry in entries {
                let path = entry.expect("a directory entry").path();
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                if path.is_dir() && !(prefix.is_empty() && name == "mail") {
                    walk(&path, &format!("{prefix}{name}/"), out);
                } else if name.ends_with(".html") {
                    out.insert(format!("{prefix}{name}"));
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut names = BTreeSet::new();
        walk(&root.join("templates"), "", &mut names);
        walk(&root.join("widget/demo"), "demo/", &mut names);
        names
    }

    /// One rendering of a template with a context shaped like its handler's.
    struct Sample {
        template: &'static str,
        /// Rendered through this source instead (a file of macros renders
        /// nothing by itself).
        via: Option<&'static str>,
        ctx: Value,
        /// Text the rendering must contain: proof the data was used.
        shows: Vec<&'static str>,
        /// Text it must not contain: a branch the data does not take.
        hides: Vec<&'static str>,
    }

    fn sample(template: &'static str, ctx: Value, shows: &[&'static str]) -> Sample {
        Sample {
            template,
            via: None,
            ctx,
            shows: shows.to_vec(),
            hides: Vec::new(),
        }
    }

    impl Sample {
        fn hides(mut self, hides: &[&'static str]) -> Sample {
            self.hides = hides.to_vec();
            self
        }

        fn via(mut self, source: &'static str) -> Sample {
            self.via = Some(source);
            self
        }
    }

    /// The help pages' interface strings (`http::help::Ui`), in Romanian so
    /// that the English defaults written in the templates cannot pass for
    /// them.
    fn ui() -> Value {
        context! {
            help_center => "Centru de ajutor",
            skip => "Salt la conținut",
            search => "Caută",
            search_label => "Caută în centrul de ajutor",
            search_placeholder => "Caută un articol…",
            language => "Limbă",
            lead => "Răsfoiți categoriile de mai jos.",
            categories => "Categorii",
            empty => "Încă nu există articole în această limbă.",
            on_this_page => "Pe această pagină",
            also_in => "Disponibil și în",
            related => "Articole similare",
            search_title => "Căutare",
            search_hint => "Scrieți câteva cuvinte.",
            results_for => "Rezultate pentru",
            count_one => "1 articol găsit",
            count_many => "{n} articole găsite",
            in_category_one => "1 articol",
            in_category_many => "{n} articole",
            subcategories => "Subcategorii",
            showing_for => "Se afișează rezultatele pentru",
            submit_request => "Trimiteți o solicitare",
            no_results => "Niciun articol nu corespunde cu „{q}”.",
            tip_words => "Verificați ortografia.",
            tip_browse => "Răsfoiți categoriile centrului de ajutor:",
            tip_ticket => "Întrebați botul sau creați un tichet.",
            footer => "Nu găsiți ce căutați?",
        }
    }

    /// The language links of a help center in several languages.
    fn locales() -> Value {
        Value::from_serialize([
            context! { code => "en", name => "English", url => "/help?lang=en" },
            context! { code => "ro", name => "Română", url => "/help?lang=ro" },
        ])
    }

    /// What `http::help` gives every help page.
    fn help_page(title: &'static str, extra: Value) -> Value {
        context! { lang => "ro", title => title, t => ui(), locales => locales(), ..extra }
    }

    /// The signed-in user as `http::portal::page` shows them (`MeView`).
    fn me(staff: bool, admin: bool) -> Value {
        context! {
            admin => admin,
            staff => staff,
            name => if staff { "Oscar Operator" } else { "Uma User" },
            email => if staff { "operator@demo.test" } else { "user@demo.test" },
            locale => "ro",
            notify_status => true,
            notify_replies => false,
        }
    }

    /// What `http::portal::page` adds to every portal page. Notices and
    /// errors are absent from most handlers' contexts, which the lenient
    /// environment reads as none; here they are none unless `extra` says.
    fn portal_page(me: Value, nav: &'static str, extra: Value) -> Value {
        context! {
            ..extra,
            ..context! {
                me => me,
                csrf => "c5rf7ok3nc5rf7ok3nc5rf7ok3nc5rf7",
                nav => nav,
                notice => (),
                error => (),
            }
        }
    }

    /// A ticket row (`http::portal::Row`).
    fn row(number: i64, summary: &'static str, status: &'static str, label: &'static str) -> Value {
        context! {
            number => number,
            summary => summary,
            type => "bug_report",
            type_label => "Bug report",
            priority => "high",
            priority_label => "High",
            status => status,
            status_label => label,
            updated => "2026-11-23 14:05 UTC",
            updated_iso => "2026-11-23T14:05:00Z",
        }
    }

    /// Options of a select (`http::portal::Opt`).
    fn opts(all: &[(&'static str, &'static str)]) -> Value {
        Value::from_serialize(
            all.iter()
                .map(|(code, label)| context! { code => code, label => label, target => "" })
                .collect::<Vec<_>>(),
        )
    }

    fn ticket(status: Status, staff_view: bool) -> Ticket {
        Ticket {
            id: "0".repeat(32),
            number: 1042,
            requester_id: "1".repeat(32),
            organisation_id: None,
            kind: TicketKind::BugReport,
            priority: Priority::High,
            status,
            summary: "Grade export is empty".into(),
            description: "The export has no rows.".into(),
            category: staff_view.then(|| "Exports".into()),
            reproducibility: None,
            impact: None,
            steps: staff_view.then(|| "1. Open Grading".into()),
            additional_info: None,
            assignee_id: None,
            conversation_id: None,
            page_url: staff_view.then(|| "https://examly.test/exams/42/grading".into()),
            source: Source::Portal,
            response_due_at: 1_795_000_000,
            first_response_at: staff_view.then_some(1_794_990_000),
            resolved_at: None,
            closes_at: staff_view.then_some(1_795_600_000),
            created_at: 1_794_980_000,
            updated_at: 1_794_990_000,
        }
    }

    fn bot_turn(id: i64, role: &str, content: &str) -> Message {
        Message {
            id,
            role: role.into(),
            content: content.into(),
            page_url: None,
            sources: None,
            confidence: None,
            escalated: role == "bot",
            ticket_type: None,
            created_at: 1_794_970_000 + id,
        }
    }

    /// What `http::portal::show` gives the ticket page.
    fn ticket_page(t: &Ticket, staff: bool) -> Value {
        let events = if staff {
            vec![
                context! {
                    kind => "created", public => true, actor => "Uma User",
                    when => "2026-11-20 09:00 UTC", text => "opened the ticket",
                    body => "The export has no rows.", files => Vec::<Value>::new(),
                },
                context! {
                    kind => "reply", public => true, actor => "Uma User",
                    when => "2026-11-20 09:30 UTC", text => "", body => "Here is a screenshot.",
                    files => vec![context! { file_name => "export.png", url => "/api/attachments/ab12", size => "12 KiB", image => true, kind => "PNG" }, context! { file_name => "log.txt", url => "/api/attachments/cd34", size => "1 KiB", image => false, kind => "TXT" }],
                },
                context! {
                    kind => "note", public => false, actor => "Oscar Operator",
                    when => "2026-11-20 10:00 UTC", text => "", body => "The disk is full.",
                    files => Vec::<Value>::new(),
                },
                context! {
                    kind => "status", public => true, actor => "Oscar Operator",
                    when => "2026-11-20 11:00 UTC",
                    text => "changed the status from Assigned to Resolved", body => (),
                    files => Vec::<Value>::new(),
                },
            ]
        } else {
            vec![context! {
                kind => "status", public => true, actor => "Frontdesk",
                when => "2026-11-30 00:00 UTC",
                text => "changed the status from Resolved to Closed", body => (),
                files => Vec::<Value>::new(),
            }]
        };
        let conversation = if staff {
            vec![
                bot_turn(1, "user", "why is my export empty"),
                bot_turn(2, "bot", "I could not find an answer."),
            ]
        } else {
            Vec::new()
        };
        let actions = if staff {
            vec![
                context! { status => "assigned", label => "Reopen" },
                context! { status => "closed", label => "Close" },
            ]
        } else {
            Vec::new()
        };
        context! {
            title => format!("#{} {}", t.number, t.summary),
            t => t,
            status_label => t.status.label(),
            type_label => t.kind.label(),
            priority_label => t.priority.label(),
            source_label => t.source.label(),
            reproducibility_label => staff.then_some("Always"),
            impact_label => Option::<&str>::None,
            response_target => "4 hours",
            due => "2026-11-20 13:00 UTC",
            created => "2026-11-20 09:00 UTC",
            closes => staff.then_some("2026-11-27 11:00 UTC"),
            requester => "Uma User",
            assignee => staff.then_some("Oscar Operator"),
            events => events,
            conversation => conversation,
            staff => staff,
            actions => actions,
            priorities => opts(&[("low", "Low"), ("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")]),
        }
    }

    /// What `http::portal::new_ticket_page` gives the form; `v` holds the
    /// values typed so far (every field the form shows, as after a refused
    /// post; the template reads each of them).
    fn new_ticket_page(v: Value, field_error: Option<&str>, message: Option<&str>) -> Value {
        context! {
            title => "Open a ticket",
            v => v,
            kinds => opts(&[("bug_report", "Bug report"), ("feature_request", "Feature request"), ("settings_help", "Help with settings")]),
            priorities => Value::from_serialize([
                context! { code => "normal", label => "Normal", target => "1 business day" },
                context! { code => "urgent", label => "Urgent", target => "1 hour" },
            ]),
            reproducibility => opts(&[("always", "Always"), ("sometimes", "Sometimes")]),
            impacts => opts(&[("one_user", "One user"), ("everyone", "Everyone")]),
            categories => ["Exports", "Grading"],
            max_files => 10,
            max_mb => 20,
            accepted => "gif, jpeg, png, pdf",
            field_error => field_error,
            error_message => message,
            error => message,
        }
    }

    fn demo(nav: &'static str) -> Value {
        context! { nav => nav }
    }

    fn samples() -> Vec<Sample> {
        let tree = vec![CategoryNode {
            name: "Tichete".into(),
            slug: "tickets".into(),
            articles: vec![ArticleLink {
                title: "Redeschideți un tichet".into(),
                url: "/help/ro/tickets/reopen-a-ticket".into(),
                summary: "Când o rezolvare nu ajută.".into(),
            }],
            children: vec![CategoryNode {
                name: "Atașamente".into(),
                slug: "tickets/attachments".into(),
                articles: vec![ArticleLink {
                    title: "Formate acceptate".into(),
                    url: "/help/ro/tickets/attachments".into(),
                    summary: String::new(),
                }],
                children: Vec::new(),
            }],
        }];
        let staff_ticket = ticket(Status::Resolved, true);
        let closed_ticket = ticket(Status::Closed, false);
        let typed = context! {
            type => "feature_request", priority => "urgent", summary => "Export to CSV",
            description => "A CSV export would help.", category => "Exports",
            reproducibility => "sometimes", impact => "everyone", steps => "1. Open Grading",
            additional_info => "Also ask Maria",
        };
        // The form opened without a prefill: `http::portal::new_ticket`
        // gives type, summary and description as none and leaves out the
        // rest, which the pages' environment reads as empty.
        let untouched = context! {
            type => (), summary => (), description => (), priority => "", category => "",
            reproducibility => "", impact => "", steps => "", additional_info => "",
        };
        vec![
            // The help center.
            sample(
                "base.html",
                help_page("Acasă", context! { query => "factură" }),
                &[
                    "<html lang=\"ro\">",
                    "<title>Acasă · Centru de ajutor</title>",
                    "Salt la conținut",
                    "value=\"factură\"",
                    "<a href=\"/help?lang=ro\" hreflang=\"ro\" lang=\"ro\" aria-current=\"true\">Română</a>",
                    "Nu găsiți ce căutați?",
                ],
            ),
            // `http::error` gives no translation table and no languages,
            // which the pages' environment reads as empty: so here.
            sample(
                "error.html",
                context! {
                    title => "Page not found", message => "It may have moved.", lang => "en",
                    t => context! {}, locales => Vec::<Value>::new(),
                },
                &[
                    "<h1>Page not found</h1>",
                    "<p>It may have moved.</p>",
                    "Page not found · Help center",
                    "Search the help center",
                ],
            )
            .hides(&["hreflang"]),
            sample(
                "help_index.html",
                help_page("Centru de ajutor", context! { categories => tree }),
                &[
                    "Răsfoiți categoriile de mai jos.",
                    "<h2 id=\"cat-tickets\"><a href=\"/help/ro/tickets\">Tichete</a></h2>",
                    "<h3 id=\"cat-tickets-attachments\"><a href=\"/help/ro/tickets/attachments\">Atașamente</a></h3>",
                    "<a class=\"request-link\" href=\"/portal/tickets/new\" data-frontdesk-ticket data-testid=\"submit-request\">Trimiteți o solicitare</a>",
                    "<a href=\"/help/ro/tickets/reopen-a-ticket\">Redeschideți un tichet</a><p>Când o rezolvare nu ajută.</p>",
                    "<a href=\"/help/ro/tickets/attachments\">Formate acceptate</a></li>",
                ],
            )
            .hides(&["Încă nu există articole"]),
            sample(
                "help_index.html",
                help_page("Centru de ajutor", context! { categories => Vec::<Value>::new() }),
                &["Încă nu există articole în această limbă."],
            ),
            sample(
                "article.html",
                help_page(
                    "Redeschideți un tichet",
                    context! {
                        article => context! {
                            title => "Redeschideți un tichet",
                            summary => "Când o rezolvare nu ajută.",
                            category => "Tichete",
                            category_url => "/help/ro/tickets",
                            url => "/help/ro/tickets/reopen-a-ticket",
                        },
                        body => "<p>Apăsați <strong>Redeschide</strong>.</p>",
                        toc => [
                            context! { heading => "Pași", anchor => "pasi" },
                            context! { heading => "După", anchor => "dupa" },
                        ],
                        translations => [context! { url => "/help/en/tickets/reopen-a-ticket", code => "en", name => "English" }],
                        related => [context! { url => "/help/ro/tickets/ticket-statuses", title => "Stările unui tichet" }],
                    },
                ),
                &[
                    "<li><a href=\"/help/ro/tickets\">Tichete</a></li>",
                    "<h1>Redeschideți un tichet</h1>",
                    "<p class=\"lead\">Când o rezolvare nu ajută.</p>",
                    "<p>Apăsați <strong>Redeschide</strong>.</p>",
                    "<h2 class=\"toc-title\">Pe această pagină</h2>",
                    "<a href=\"#dupa\">După</a>",
                    "Disponibil și în:",
                    "<a href=\"/help/en/tickets/reopen-a-ticket\" hreflang=\"en\" lang=\"en\">English</a>",
                    "<h2 id=\"related-title\">Articole similare</h2>",
                    "<a href=\"/help/ro/tickets/ticket-statuses\">Stările unui tichet</a>",
                ],
            ),
            sample(
                "search.html",
                help_page(
                    "Căutare",
                    context! {
                        query => "", results => Vec::<Value>::new(),
                        count_text => "0 articole găsite", respelled => (),
                        no_results_text => "Niciun articol nu corespunde cu „”.",
                    },
                ),
                &["<h1>Căutare</h1>", "Scrieți câteva cuvinte."],
            )
            .hides(&["Niciun articol"]),
            sample(
                "search.html",
                help_page(
                    "Rezultate pentru „atașament”",
                    context! {
                        query => "atașament",
                        results => [context! {
                            title => "Formate acceptate", section => "Limite",
                            url => "/help/ro/tickets/attachments#limite",
                            snippet => "Un <b>atașament</b> de cel mult 20 MiB.",
                            category => "Tichete",
                        }],
                        count_text => "1 articol găsit",
                        respelled => "atașament",
                        no_results_text => "Niciun articol nu corespunde cu „atașament”.",
                    },
                ),
                &[
                    "1 articol găsit",
                    "Se afișează rezultatele pentru <a href=\"/help/search?lang=ro&amp;q=ata%C8%99ament\"><em>atașament</em></a>",
                    "<a class=\"result-title\" href=\"/help/ro/tickets/attachments#limite\">Formate acceptate › Limite</a>",
                    "Un <b>atașament</b> de cel mult 20 MiB.",
                    "<p class=\"meta\">Tichete</p>",
                ],
            )
            .hides(&["Niciun articol"]),
            sample(
                "search.html",
                help_page(
                    "Rezultate pentru „qwxz”",
                    context! {
                        query => "qwxz", results => Vec::<Value>::new(),
                        count_text => "0 articole găsite", respelled => (),
                        no_results_text => "Niciun articol nu corespunde cu „qwxz”.",
                    },
                ),
                &[
                    "Niciun articol nu corespunde cu „qwxz”.",
                    "<a href=\"/portal/tickets/new\" data-frontdesk-ticket data-testid=\"no-results-request\">Trimiteți o solicitare</a>",
                    "Verificați ortografia.",
                    "Întrebați botul sau creați un tichet.",
                ],
            ),
            sample(
                "category.html",
                help_page(
                    "Atașamente",
                    context! {
                        above => [context! { name => "Tichete", url => "/help/ro/tickets" }],
                        articles => [context! { title => "Formate acceptate", url => "/help/ro/tickets/attachments/formats", summary => "Ce fișiere puteți atașa." }],
                        children => Vec::<Value>::new(),
                        count_text => "1 articol",
                    },
                ),
                &[
                    "<li><a href=\"/help/ro/tickets\">Tichete</a></li>",
                    "<li aria-current=\"page\">Atașamente</li>",
                    "<h1>Atașamente</h1>",
                    "<p class=\"count\" data-testid=\"category-count\">1 articol</p>",
                    "<a href=\"/help/ro/tickets/attachments/formats\">Formate acceptate</a><p>Ce fișiere puteți atașa.</p>",
                ],
            )
            .hides(&["Subcategorii"]),
            sample(
                "category.html",
                help_page(
                    "Tichete",
                    context! {
                        above => Vec::<Value>::new(),
                        articles => Vec::<Value>::new(),
                        children => [context! { name => "Atașamente", url => "/help/ro/tickets/attachments", count => 3 }],
                        count_text => "3 articole",
                    },
                ),
                &[
                    "<h2 id=\"subcategories-title\">Subcategorii</h2>",
                    "<a href=\"/help/ro/tickets/attachments\">Atașamente</a> <span class=\"count\">(3)</span>",
                ],
            ),
            // The operators' console.
            sample(
                "console.html",
                context! { csrf => "c5rf7ok3nc5rf7ok3nc5rf7ok3nc5rf7", me => "Ada Admin", admin => true },
                &[
                    "<meta name=\"csrf-token\" content=\"c5rf7ok3nc5rf7ok3nc5rf7ok3nc5rf7\">",
                    "<span class=\"who\">Ada Admin</span>",
                    "data-testid=\"admin-settings\"",
                ],
            ),
            sample(
                "console.html",
                context! { csrf => "c5rf7ok3nc5rf7ok3nc5rf7ok3nc5rf7", me => "Oscar Operator", admin => false },
                &["<span class=\"who\">Oscar Operator</span>"],
            )
            .hides(&["admin-settings"]),
            // The portal.
            sample(
                "portal/layout.html",
                portal_page(
                    me(true, true),
                    "admin",
                    context! { title => "People", notice => "Saved.", error => "That failed." },
                ),
                &[
                    "<title>People · Support portal</title>",
                    "<a href=\"/console\">Console</a>",
                    "<a href=\"/portal/admin\" aria-current=\"page\">People</a>",
                    "Log out (Oscar Operator)",
                    "<p class=\"notice\" role=\"status\">Saved.</p>",
                    "<p class=\"form-error\" role=\"alert\">That failed.</p>",
                ],
            ),
            sample(
                "portal/macros.html",
                context! {
                    rows => [row(1042, "Grade export is empty", "feedback", "Feedback")],
                    empty => Vec::<Value>::new(),
                },
                &[
                    "<span class=\"status status-new\" data-status=\"new\">New</span>",
                    "<a href=\"/portal/tickets/1042\">Grade export is empty</a>",
                    "<td data-label=\"Priority\" class=\"priority-high\">High</td>",
                    "data-status=\"feedback\">Feedback</span>",
                    "<time datetime=\"2026-11-23T14:05:00Z\">2026-11-23 14:05 UTC</time>",
                    "No tickets here.",
                ],
            )
            .via(
                "{% import \"portal/macros.html\" as m %}{{ m.badge(\"new\", \"New\") }}\
                 {{ m.ticket_table(rows) }}{{ m.ticket_table(empty) }}",
            ),
            sample(
                "portal/login.html",
                portal_page(
                    Value::from(()),
                    "login",
                    context! { title => "Log in", next => "/portal/tickets/1042", notice => "You are logged out.", email => "" },
                ),
                &[
                    "<input type=\"hidden\" name=\"next\" value=\"/portal/tickets/1042\">",
                    "You are logged out.",
                ],
            )
            .hides(&["Log out (", "form-error"]),
            sample(
                "portal/login.html",
                portal_page(
                    Value::from(()),
                    "login",
                    context! { title => "Log in", next => "", error => "Wrong email or password.", email => "uma@example.com" },
                ),
                &[
                    "value=\"uma@example.com\"",
                    "<p class=\"form-error\" role=\"alert\">Wrong email or password.</p>",
                ],
            ),
            sample(
                "portal/forgot.html",
                portal_page(Value::from(()), "login", context! { title => "Forgot your password?" }),
                &[
                    "<title>Forgot your password? · Support portal</title>",
                    "name=\"csrf\" value=\"c5rf7ok3nc5rf7ok3nc5rf7ok3nc5rf7\"",
                ],
            ),
            sample(
                "portal/set_password.html",
                portal_page(
                    Value::from(()),
                    "login",
                    context! { title => "Choose your password", token => "70ken70ken70ken70ken70ken70ken70", valid => true, error => "Please choose a password of at least 10 characters." },
                ),
                &[
                    "<input type=\"hidden\" name=\"token\" value=\"70ken70ken70ken70ken70ken70ken70\">",
                    "Please choose a password of at least 10 characters.",
                ],
            )
            .hides(&["expired"]),
            sample(
                "portal/set_password.html",
                portal_page(
                    Value::from(()),
                    "login",
                    context! { title => "Choose your password", token => "70ken70ken70ken70ken70ken70ken70", valid => false },
                ),
                &["This link has expired or was already used."],
            )
            .hides(&["name=\"token\""]),
            sample(
                "portal/home.html",
                portal_page(
                    me(false, false),
                    "home",
                    context! {
                        title => "Home",
                        last_login => "2026-11-22 08:00 UTC",
                        counts => [
                            context! { status => "new", label => "New", count => 2 },
                            context! { status => "feedback", label => "Feedback", count => 7 },
                        ],
                        recent => [row(1042, "Grade export is empty", "new", "New")],
                        hours => context! {
                            organisation => "Acme",
                            allowance => "10h00",
                            balance => "8h30",
                            months => [context! { month => "2026-11", carried_in => "0h00", allowance => "10h00", used => "1h30", balance => "8h30" }],
                        },
                    },
                ),
                &[
                    "<h1>Hello Uma User</h1>",
                    "Your last log-in: <time>2026-11-22 08:00 UTC</time>.",
                    "<a href=\"/portal/tickets?status=feedback\"><span class=\"status status-feedback\" data-status=\"feedback\">Feedback</span> <strong>7</strong></a>",
                    "<a href=\"/portal/tickets/1042\">Grade export is empty</a>",
                    "Support hours: Acme",
                    "Balance this month: <strong>8h30</strong> (allowance 10h00 a month",
                    "<td data-label=\"Month\">2026-11</td><td data-label=\"Carried in\">0h00</td><td data-label=\"Allowance\">10h00</td><td data-label=\"Used\">1h30</td><td data-label=\"Balance\">8h30</td>",
                    "<a href=\"/portal\" aria-current=\"page\">Home</a>",
                ],
            )
            .hides(&["first log-in", "href=\"/console\""]),
            sample(
                "portal/home.html",
                portal_page(
                    me(false, false),
                    "home",
                    context! {
                        title => "Home", last_login => (), counts => Vec::<Value>::new(),
                        recent => Vec::<Value>::new(), hours => (),
                    },
                ),
                &["This is your first log-in.", "No tickets here."],
            )
            .hides(&["Support hours"]),
            sample(
                "portal/my_view.html",
                portal_page(
                    me(false, false),
                    "my_view",
                    context! {
                        title => "My view",
                        groups => [
                            context! { status => "new", label => "New", tickets => [row(1042, "Grade export is empty", "new", "New")] },
                            context! { status => "closed", label => "Closed", tickets => Vec::<Value>::new() },
                        ],
                    },
                ),
                &[
                    "<section class=\"group\" aria-labelledby=\"g-closed\">",
                    "Closed</span> <span class=\"muted\">0</span>",
                    "New</span> <span class=\"muted\">1</span>",
                    "<a href=\"/portal/tickets/1042\">Grade export is empty</a>",
                    "<a href=\"/portal/my-view\" aria-current=\"page\">My view</a>",
                ],
            ),
            sample(
                "portal/tickets.html",
                portal_page(
                    me(false, false),
                    "tickets",
                    context! {
                        title => "All tickets",
                        tickets => [row(1042, "Grade export is empty", "new", "New")],
                        statuses => opts(&[("new", "New"), ("feedback", "Feedback")]),
                        kinds => opts(&[("bug_report", "Bug report"), ("settings_help", "Help with settings")]),
                        priorities => opts(&[("normal", "Normal"), ("high", "High")]),
                        sorts => opts(&[("updated", "Recently updated"), ("number", "Number")]),
                        f => context! { status => "feedback", type => "settings_help", priority => "high", q => "export", sort => "number" },
                    },
                ),
                &[
                    "<option value=\"feedback\" selected>Feedback</option>",
                    "<option value=\"settings_help\" selected>Help with settings</option>",
                    "<option value=\"high\" selected>High</option>",
                    "<option value=\"number\" selected>Number</option>",
                    "<input type=\"search\" name=\"q\" value=\"export\"",
                    "<a href=\"/portal/tickets/1042\">Grade export is empty</a>",
                ],
            ),
            sample(
                "portal/new_ticket.html",
                portal_page(
                    me(false, false),
                    "new",
                    new_ticket_page(typed, Some("summary"), Some("Please give the request a short title.")),
                ),
                &[
                    "Up to 10 files of 20 MiB each (gif, jpeg, png, pdf).",
                    "<option value=\"feature_request\" selected>Feature request</option>",
                    "<option value=\"urgent\" selected>Urgent (answer within 1 hour)</option>",
                    "value=\"Export to CSV\">",
                    "<p class=\"field-error\" id=\"summary-error\">Please give the request a short title.</p>",
                    "required>A CSV export would help.</textarea>",
                    "value=\"Exports\" list=\"categories\"",
                    "<option value=\"Grading\">",
                    "<option value=\"sometimes\" selected>Sometimes</option>",
                    "<option value=\"everyone\" selected>Everyone</option>",
                    "rows=\"4\">1. Open Grading</textarea>",
                    "rows=\"3\">Also ask Maria</textarea>",
                ],
            ),
            sample(
                "portal/new_ticket.html",
                portal_page(me(false, false), "new", new_ticket_page(untouched, None, None)),
                &[
                    "<option value=\"normal\" selected>Normal (answer within 1 business day)</option>",
                    "name=\"summary\" maxlength=\"200\" required value=\"\">",
                    "rows=\"6\" required></textarea>",
                ],
            )
            .hides(&["field-error", "form-error"]),
            sample(
                "portal/ticket.html",
                portal_page(me(true, false), "tickets", ticket_page(&staff_ticket, true)),
                &[
                    "<article class=\"ticket\" data-number=\"1042\">",
                    "#1042 Grade export is empty <span class=\"status status-resolved\" data-status=\"resolved\">Resolved</span>",
                    "<dd class=\"priority-high\">High</dd>",
                    "<dd>4 hours — answered</dd>",
                    "<dd>Oscar Operator</dd>",
                    "<dt>Category</dt><dd>Exports</dd>",
                    "<dt>Reproducibility</dt><dd>Always</dd>",
                    "<dt>Page</dt><dd>https://examly.test/exams/42/grading</dd>",
                    "<time>2026-11-27 11:00 UTC</time> unless reopened",
                    "<p class=\"pre\">1. Open Grading</p>",
                    "(2 messages)",
                    "<strong>You:</strong> <span class=\"pre\">why is my export empty</span>",
                    "<strong>Bot:</strong> <span class=\"pre\">I could not find an answer.</span>",
                    "<li class=\"event event-note internal\">",
                    "· <em>internal note</em>",
                    "<p class=\"pre\">The disk is full.</p>",
                    "<a href=\"/api/attachments/ab12\">export.png</a> <span class=\"muted\">(12 KiB)</span>",
                    "changed the status from Assigned to Resolved",
                    "Internal note (operators only)",
                    "<input type=\"hidden\" name=\"status\" value=\"assigned\">",
                    "<button type=\"submit\">Reopen</button>",
                    "<option value=\"high\" selected>High</option>",
                    "href=\"/console?invite=1042\"",
                ],
            )
            .hides(&["Impact", "read-only"]),
            sample(
                "portal/ticket.html",
                portal_page(me(false, false), "tickets", ticket_page(&closed_ticket, false)),
                &[
                    "<dd>4 hours — due by <time>2026-11-20 13:00 UTC</time></dd>",
                    "<dt>Assigned to</dt><dd>—</dd>",
                    "<strong>Frontdesk</strong>",
                    "This ticket is closed and read-only.",
                ],
            )
            .hides(&[
                "Conversation with the bot",
                "<dt>Category</dt>",
                "Closes",
                "id=\"reply-h\"",
                "Internal note",
            ]),
            sample(
                "portal/account.html",
                portal_page(
                    me(false, false),
                    "account",
                    context! {
                        title => "My account",
                        locales => [
                            context! { code => "en", name => "English" },
                            context! { code => "ro", name => "Română" },
                        ],
                        notice => "Saved.",
                    },
                ),
                &[
                    "Email: <strong>user@demo.test</strong>",
                    "name=\"name\" maxlength=\"200\" value=\"Uma User\"",
                    "<option value=\"ro\" selected>Română</option>",
                    "name=\"notify_status\" value=\"true\" checked>",
                    "Saved.",
                ],
            )
            .hides(&["name=\"notify_replies\" value=\"true\" checked"]),
            sample(
                "portal/admin.html",
                portal_page(
                    me(true, true),
                    "admin",
                    context! {
                        title => "People",
                        people => [
                            context! { email => "new.op@example.com", name => "Nora", role => "operator", last_login => () },
                            context! { email => "user@demo.test", name => "Uma User", role => "end_user", last_login => "2026-11-22 08:00 UTC" },
                        ],
                        error => "new.op@example.com already has an account",
                        email => "new.op@example.com",
                        name => "Nora",
                    },
                ),
                &[
                    "<td data-label=\"Email\">new.op@example.com</td><td data-label=\"Name\">Nora</td><td data-label=\"Role\">operator</td><td data-label=\"Last log-in\">never</td>",
                    "<td data-label=\"Role\">end_user</td><td data-label=\"Last log-in\">2026-11-22 08:00 UTC</td>",
                    "name=\"email\" type=\"email\" required value=\"new.op@example.com\"",
                    "new.op@example.com already has an account",
                ],
            ),
            sample(
                "portal/reports.html",
                portal_page(
                    me(true, true),
                    "reports",
                    context! {
                        title => "Reports",
                        days => 30,
                        period => "days=30",
                        chart => "<svg class=\"chart\"></svg>",
                        r => context! {
                            from => "2026-11-02", to => "2026-12-01",
                            questions => 5, answered => 4, escalated => 1, followed_by_person => 1,
                            voted_down => 1, resolved => 2, resolution_rate => 0.4, escalation_rate => 0.2,
                            helpful_votes => 1, unhelpful_votes => 1,
                            per_day => [context! { date => "2026-12-01", questions => 5, escalated => 1 }],
                            top_articles => [context! { url => "/help/en/tickets/attachments", title => "Add attachments to a ticket", cited => 3 }],
                            voted_down_answers => [context! { created_at => 0, question => "How do I let students take the exam twice?", answer => "Open Settings.", comment => () }],
                        },
                        backlog_chart => "<svg class=\"chart backlog\"></svg>",
                        f => context! { locale => "fr", channel => "widget", team => (), operator => "operator@demo.test", page => "/exams", query => "locale=fr&channel=widget" },
                        locales => [context! { code => "en", name => "English" }, context! { code => "fr", name => "Français" }],
                        channels => [context! { code => "widget", name => "Widget" }, context! { code => "portal", name => "Portal" }],
                        teams => ["Billing"],
                        operators => [context! { email => "operator@demo.test", name => "Oscar Operator" }],
                        d => context! {
                            from => "2026-11-02", to => "2026-12-01",
                            backlog_per_day => [context! { date => "2026-12-01", open => 7 }],
                            opened => 3,
                            by_type => [context! { code => "bug_report", label => "Bug report", count => 2 }],
                            by_priority => [context! { code => "high", label => "High", count => 1 }],
                            backlog => [context! { code => "new", label => "New", count => 1 }],
                            first_response => context! { count => 2, median => "12 min", p90 => "3.5 h" },
                            resolution => context! { count => 0, median => "–", p90 => "–" },
                            chat_wait => context! { count => 1, median => "45 s", p90 => "45 s" },
                            answered_in_time => 1, overdue => 1, within_target => 0.5, reopened => 0,
                            chat_requests => 1, chats_abandoned => 0, chat_ratings => 1, csat => 4.0,
                            chats_per_operator => [context! { operator => "Oscar Operator", chats => 1 }],
                        },
                    },
                ),
                &[
                    "data-testid=\"figure-resolution\">40 %",
                    "data-testid=\"figure-escalation\">20 %",
                    "<a href=\"/help/en/tickets/attachments\">Add attachments to a ticket</a></td><td>3</td>",
                    "href=\"/console/reports/articles.csv?days=30\"",
                    "href=\"/console/reports?days=30&amp;locale=fr&amp;channel=widget\" aria-current=\"page\"",
                    "<svg class=\"chart\"></svg>",
                    "data-testid=\"figure-within-target\">50 %",
                    "data-testid=\"figure-csat\">4.0 / 5",
                    "<td>First response to a ticket</td><td>2</td><td>12 min</td><td>3.5 h</td>",
                    "<td>Oscar Operator</td><td>1</td>",
                    "href=\"/console/reports?days=7&amp;locale=fr&amp;channel=widget\"",
                    "<option value=\"fr\" selected>Français</option>",
                    "<option value=\"widget\" selected>Widget</option>",
                    "<option value=\"operator@demo.test\" selected>Oscar Operator</option>",
                    "name=\"page\" value=\"/exams\"",
                    "<svg class=\"chart backlog\"></svg>",
                    "<td>2026-12-01</td><td>7</td>",
                    "href=\"/console/reports/backlog.csv?days=30\"",
                    "data-testid=\"gaps-link\"",
                ],
            )
            .hides(&["Your own figures"]),
            sample(
                "portal/reports.html",
                portal_page(
                    me(true, false),
                    "reports",
                    context! {
                        title => "Reports", days => 7, period => "days=7&operator=operator%40demo.test",
                        chart => (), r => (), backlog_chart => "<svg></svg>",
                        f => context! { query => "operator=operator%40demo.test" },
                        locales => Vec::<String>::new(), channels => Vec::<String>::new(),
                        teams => Vec::<String>::new(), operators => Vec::<String>::new(),
                        d => context! {
                            from => "2026-11-26", to => "2026-12-02", backlog_per_day => Vec::<String>::new(),
                            opened => 1, by_type => Vec::<String>::new(), by_priority => Vec::<String>::new(),
                            backlog => Vec::<String>::new(),
                            first_response => context! { count => 0, median => "–", p90 => "–" },
                            resolution => context! { count => 0, median => "–", p90 => "–" },
                            chat_wait => context! { count => 0, median => "–", p90 => "–" },
                            answered_in_time => 0, overdue => 0, within_target => (), reopened => 0,
                            chat_requests => 0, chats_abandoned => 0, chat_ratings => 0, csat => (),
                            chats_per_operator => Vec::<String>::new(),
                        },
                    },
                ),
                &[
                    "Your own figures",
                    "data-testid=\"report-desk\"",
                    "href=\"/console/reports/tickets.csv?days=7&amp;operator=operator%40demo.test\"",
                ],
            )
            .hides(&["data-testid=\"report-bot\"", "data-testid=\"gaps-link\"", "name=\"operator\""]),
            sample(
                "portal/gaps.html",
                portal_page(
                    me(true, true),
                    "reports",
                    context! {
                        title => "What to write next",
                        days => 30,
                        from => "2026-11-02",
                        to => "2026-12-01",
                        gaps => [context! {
                            label => "Can I export the grades to Excel?",
                            words => ["export", "grades"],
                            questions => 4, people => 3, escalated => 2, voted_down => 1,
                            examples => ["Can I export the grades to Excel?", "grades as csv"],
                            articles_tried => [context! { url => "/help/en/grading/grades", title => "Grades", cited => 2 }],
                            tickets => [1004],
                        }],
                    },
                ),
                &[
                    "<h2 class=\"gap-title\">Can I export the grades to Excel?</h2>",
                    "<strong data-testid=\"gap-people\">3</strong> people · 4 questions",
                    "export, grades",
                    "<a href=\"/portal/tickets/1004\">#1004</a>",
                    "<a href=\"/help/en/grading/grades\">Grades</a>",
                    "name=\"questions\" value=\"Can I export the grades to Excel?\ngrades as csv\"",
                    "name=\"tickets\" value=\"1004\"",
                    "name=\"articles\" value=\"/help/en/grading/grades\"",
                    "name=\"tags\" value=\"export,grades\"",
                ],
            ),
            sample(
                "portal/draft.html",
                portal_page(
                    me(true, true),
                    "reports",
                    context! {
                        title => "Draft: Export the grades",
                        notice => "Draft saved.",
                        d => context! {
                            id => "d1", title => "Export the grades", category => "Grading",
                            locale => "fr", tags => ["export", "grades"],
                            body => "As people asked it:\n\n> export grades?",
                            markdown => "---\ntitle: Export the grades\n---\n", path => "fr/grading/export-the-grades.md",
                            tickets => [1004, 1007], published_url => (), published_at => (),
                        },
                        categories => ["Grading", "Tickets"],
                        locales => [context! { code => "en", name => "English" }, context! { code => "fr", name => "Français" }],
                    },
                ),
                &[
                    "<h1>Draft: Export the grades</h1>",
                    "Draft saved.",
                    "<a href=\"/portal/tickets/1007\">#1007</a>",
                    "value=\"Export the grades\"",
                    "<option value=\"fr\" selected>Français</option>",
                    "value=\"export, grades\"",
                    "<option value=\"Tickets\">",
                    "&gt; export grades?</textarea>",
                    "fr/grading/export-the-grades.md",
                    "action=\"/console/drafts/d1\"",
                ],
            )
            .hides(&["data-testid=\"published\""]),
            sample(
                "portal/draft.html",
                portal_page(
                    me(true, true),
                    "reports",
                    context! {
                        title => "Draft: Export the grades",
                        published => "2026-12-03 10:00 UTC",
                        d => context! {
                            id => "d1", title => "Export the grades", category => "Grading",
                            locale => "en", tags => Vec::<String>::new(), body => "b",
                            markdown => "---\ntitle: Export the grades\n---\nb\n", path => "en/grading/export-the-grades.md",
                            tickets => Vec::<i64>::new(), published_url => "/help/en/grading/export-the-grades", published_at => 1,
                        },
                        categories => Vec::<String>::new(), locales => Vec::<String>::new(),
                    },
                ),
                &[
                    "Published 2026-12-03 10:00 UTC: <a href=\"/help/en/grading/export-the-grades\">",
                    "<code>en/grading/export-the-grades.md</code>",
                    "title: Export the grades",
                ],
            )
            .hides(&["<textarea", "data-testid=\"publish\""]),
            sample(
                "portal/webhooks.html",
                portal_page(
                    me(true, true),
                    "webhooks",
                    context! {
                        title => "Webhooks",
                        secret => "whsec_0123", secret_url => "https://hooks.example.com/a",
                        url => "", notice => (),
                        hooks => [context! {
                            id => "h1", url => "https://hooks.example.com/a",
                            events => ["ticket.created", "chat.ended"], created => "2026-12-03 10:00 UTC",
                            deliveries => [
                                context! { event => "ticket.created", state => "delivered", attempts => 1, status => 200,
                                    error => (), response => "ok", created => "2026-12-03 10:01 UTC", next => () },
                                context! { event => "chat.ended", state => "pending", attempts => 2, status => 503,
                                    error => "the endpoint answered 503", response => (), created => "2026-12-03 10:02 UTC", next => "2026-12-03 10:04 UTC" },
                            ],
                        }],
                        events => [
                            context! { name => "ticket.created", label => "a ticket is opened", checked => true },
                            context! { name => "chat.ended", label => "a chat ends", checked => false },
                        ],
                    },
                ),
                &[
                    "<code>whsec_0123</code>",
                    "The signing secret of https://hooks.example.com/a",
                    "<h2 id=\"hook-h1\" class=\"webhook-url\">https://hooks.example.com/a</h2>",
                    "ticket.created, chat.ended",
                    "action=\"/console/webhooks/h1/test\"",
                    "<span class=\"delivery-pending\">pending</span> (next try 2026-12-03 10:04 UTC)",
                    "503 <span class=\"muted\">the endpoint answered 503</span>",
                    "<pre>ok</pre>",
                    "value=\"ticket.created\" checked",
                    "value=\"chat.ended\"> <code>chat.ended</code>",
                ],
            ),
            sample(
                "portal/drafts.html",
                portal_page(
                    me(true, true),
                    "reports",
                    context! {
                        title => "Article drafts",
                        drafts => [
                            context! { id => "d1", title => "Export the grades", category => "Grading", locale => "en",
                                tickets => [1004], published_url => (), changed => "2026-12-03 10:00 UTC" },
                            context! { id => "d2", title => "Dark mode", category => "Account", locale => "fr",
                                tickets => Vec::<i64>::new(), published_url => "/help/fr/account/dark-mode", changed => "2026-12-02 09:00 UTC" },
                        ],
                    },
                ),
                &[
                    "<a href=\"/console/drafts/d1\">Export the grades</a>",
                    "<a href=\"/portal/tickets/1004\">#1004</a>",
                    "a content gap",
                    "<a href=\"/help/fr/account/dark-mode\">published</a>",
                    ">draft<",
                ],
            )
            .hides(&["data-testid=\"no-drafts\""]),
            sample(
                "portal/chats.html",
                portal_page(
                    me(false, false),
                    "chats",
                    context! {
                        title => "My chats",
                        chats => [
                            context! {
                                started => "2026-11-20 09:40 UTC", status => "ended",
                                operator => "Oscar Operator", ticket => 1042,
                                transcript => "Uma User: hello",
                            },
                            context! {
                                started => "2026-11-21 10:00 UTC", status => "cancelled",
                                operator => (), ticket => (), transcript => "",
                            },
                        ],
                    },
                ),
                &[
                    "2026-11-20 09:40 UTC with Oscar Operator <span class=\"muted\">(ended)</span>",
                    "<a href=\"/portal/tickets/1042\">ticket #1042</a>",
                    "<p class=\"pre\">Uma User: hello</p>",
                    "2026-11-21 10:00 UTC <span class=\"muted\">(cancelled)</span>",
                ],
            )
            .hides(&["You have not chatted"]),
            sample(
                "portal/chats.html",
                portal_page(
                    me(false, false),
                    "chats",
                    context! { title => "My chats", chats => Vec::<Value>::new() },
                ),
                &["You have not chatted with our team yet."],
            ),
            // The demo host product (`http::assets::demo_page`).
            sample(
                "demo/layout.html",
                demo("students"),
                &["<a href=\"/demo/students\" aria-current=\"page\">Students</a>"],
            ),
            sample(
                "demo/index.html",
                demo("dashboard"),
                &[
                    "<title>Dashboard · Examly</title>",
                    "<a href=\"/demo\" aria-current=\"page\">Dashboard</a>",
                ],
            ),
            sample(
                "demo/exams.html",
                demo("exams"),
                &["<a href=\"/demo/exams\" aria-current=\"page\">Exams</a>"],
            ),
            sample(
                "demo/exam-settings.html",
                demo("exams"),
                &["<a href=\"/demo/exams\" aria-current=\"page\">Exams</a>"],
            ),
            sample(
                "demo/grading.html",
                demo("grading"),
                &["<a href=\"/demo/exams/42/grading\" aria-current=\"page\">Grading</a>"],
            ),
            sample(
                "demo/students.html",
                demo("students"),
                &["<a href=\"/demo/students\" aria-current=\"page\">Students</a>"],
            ),
            sample(
                "demo/bookings.html",
                demo("bookings"),
                &["<a href=\"/demo/bookings\" aria-current=\"page\">Bookings</a>"],
            ),
        ]
    }

    #[test]
    fn every_template_file_is_compiled_in() {
        let compiled: BTreeSet<String> = environment()
            .templates()
            .map(|(name, _)| name.to_string())
            .collect();
        // A file left out of `environment` cannot be rendered; one that is
        // there but missing here failed to compile.
        assert_eq!(compiled, template_files());
    }

    #[test]
    fn every_template_renders_its_sample_data_with_strict_undefined() {
        let env = strict();
        let samples = samples();
        let mut failures = Vec::new();
        for name in template_files() {
            if !samples.iter().any(|s| s.template == name) {
                failures.push(format!("{name}: no sample (add one to `samples`)"));
            }
        }
        for s in &samples {
            let rendered = match s.via {
                Some(source) => env.render_str(source, &s.ctx),
                None => env.get_template(s.template).and_then(|t| t.render(&s.ctx)),
            };
            let html = match rendered {
                Ok(html) => html,
                Err(e) => {
                    failures.push(format!("{}: {e:#}", s.template));
                    continue;
                }
            };
            for want in &s.shows {
                if !html.contains(want) {
                    failures.push(format!("{}: does not show {want:?}", s.template));
                }
            }
            for unwanted in &s.hides {
                if html.contains(unwanted) {
                    failures.push(format!("{}: shows {unwanted:?}", s.template));
                }
            }
            // A none printed as such: a value the template should have
            // tested first (no sample value contains the word).
            if html.contains("None") || html.contains("none") {
                failures.push(format!("{}: prints a none", s.template));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }
}
