//! Server-rendered page templates (minijinja), compiled into the binary so
//! the server needs no files beside it.

use std::sync::LazyLock;

use minijinja::Environment;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Pages without a translation table (error pages) fall back to the
    // English defaults written in the templates.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    let templates: [(&str, &str); 5] = [
        ("base.html", include_str!("../../templates/base.html")),
        ("error.html", include_str!("../../templates/error.html")),
        (
            "help_index.html",
            include_str!("../../templates/help_index.html"),
        ),
        ("article.html", include_str!("../../templates/article.html")),
        ("search.html", include_str!("../../templates/search.html")),
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
