//! Server-rendered page templates (minijinja), compiled into the binary so
//! the server needs no files beside it.

use std::sync::LazyLock;

use minijinja::Environment;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
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
    let templates: [(&str, &str); 26] = [
        ("base.html", include_str!("../../templates/base.html")),
        ("error.html", include_str!("../../templates/error.html")),
        (
            "help_index.html",
            include_str!("../../templates/help_index.html"),
        ),
        ("article.html", include_str!("../../templates/article.html")),
        ("search.html", include_str!("../../templates/search.html")),
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
});

pub fn render(name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
    ENV.get_template(name)?.render(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_but_slashes_are_kept() {
        let html = render(
            "error.html",
            minijinja::context! { title => "<b>a/b</b>", message => "x & \"y\"", lang => "en" },
        )
        .expect("render");
        assert!(html.contains("&lt;b&gt;a/b&lt;/b&gt;"), "{html}");
        assert!(html.contains("x &amp; &quot;y&quot;"), "{html}");
    }

    #[test]
    fn every_template_compiles_and_renders_with_an_empty_context() {
        for name in [
            "error.html",
            "help_index.html",
            "article.html",
            "search.html",
        ] {
            let ctx = minijinja::context! { title => "t", message => "m", lang => "en" };
            render(name, ctx).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }
}
