//! The help center's pages: categories, articles and search, rendered on
//! the server so they work without JavaScript.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::PageError;
use super::templates;
use crate::help::browse;
use crate::help::kb::render;
use crate::help::knowledge::Knowledge;
use crate::locale::{DEFAULT_LOCALE, Locale};

/// Longest search query accepted on the search page.
const MAX_QUERY_CHARS: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/help", get(index))
        .route("/help/", get(index))
        .route("/help/search", get(search))
        .route("/help/{locale}/{*path}", get(article))
}

#[derive(Deserialize)]
struct LangParam {
    lang: Option<String>,
}

#[derive(Serialize)]
struct LocaleLink {
    code: &'static str,
    name: &'static str,
    url: String,
}

/// The page's language: `?lang=`, then `Accept-Language`, then English.
/// An unknown `?lang=` falls back too: a help page should always show.
fn page_locale(k: &Knowledge, lang: Option<&str>, headers: &HeaderMap) -> Locale {
    let available = k.kb.locales();
    lang.and_then(|l| Locale::parse(l).ok())
        .filter(|l| available.contains(l))
        .or_else(|| super::accepted_locale(headers, &available))
        .unwrap_or(DEFAULT_LOCALE)
}

fn locale_links(k: &Knowledge, url_for: impl Fn(Locale) -> String) -> Vec<LocaleLink> {
    let locales = k.kb.locales();
    if locales.len() < 2 {
        return Vec::new();
    }
    locales
        .into_iter()
        .map(|l| LocaleLink {
            code: l.code(),
            name: l.native_name(),
            url: url_for(l),
        })
        .collect()
}

async fn index(
    State(state): State<AppState>,
    Query(p): Query<LangParam>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let k = state.knowledge.current();
    let locale = page_locale(&k, p.lang.as_deref(), &headers);
    let t = ui(locale);
    let html = templates::render(
        "help_index.html",
        context! {
            lang => locale.code(),
            title => t.help_center,
            t => t,
            categories => k.kb.category_tree(locale),
            locales => locale_links(&k, |l| format!("/help?lang={l}")),
        },
    )
    .map_err(|e| PageError::Internal(format!("{e:#}")))?;
    Ok(Html(html))
}

async fn article(
    State(state): State<AppState>,
    Path((locale, path)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    let k = state.knowledge.current();
    let locale = Locale::parse(&locale).map_err(|_| PageError::NotFound)?;
    let Some(article) = k.kb.by_url(locale, &path) else {
        return category_page(&k, locale, &path);
    };
    let t = ui(locale);
    let body = render::article_html(&k.kb, article);
    let toc: Vec<_> = article
        .sections
        .iter()
        .filter_map(|s| {
            s.heading
                .as_ref()
                .map(|h| context! { heading => h, anchor => s.anchor })
        })
        .fold(Vec::new(), |mut acc, s| {
            // Long sections are split into passages that share a heading.
            if !acc.contains(&s) {
                acc.push(s);
            }
            acc
        });
    let translations: Vec<_> = k
        .kb
        .translations(article)
        .map(|tr| context! { url => tr.url(), code => tr.locale.code(), name => tr.locale.native_name() })
        .collect();
    let related: Vec<_> =
        k.kb.related(article, 5)
            .into_iter()
            .map(|r| context! { url => r.url(), title => r.title })
            .collect();
    let html = templates::render(
        "article.html",
        context! {
            lang => locale.code(),
            title => article.title,
            t => t,
            article => context! {
                title => article.title,
                summary => article.summary,
                category => article.category,
                category_url => format!("/help/{}/{}", locale.code(), article.category_slug),
                url => article.url(),
            },
            body => body,
            toc => toc,
            translations => translations,
            related => related,
            locales => locale_links(&k, |l| format!("/help?lang={l}")),
        },
    )
    .map_err(|e| PageError::Internal(format!("{e:#}")))?;
    Ok(Html(html))
}

/// A category's own page: its articles with their summaries, and the
/// categories inside it (`/help/{locale}/{category slug}`).
fn category_page(k: &Knowledge, locale: Locale, slug: &str) -> Result<Html<String>, PageError> {
    let (node, above) = k.kb.category(locale, slug).ok_or(PageError::NotFound)?;
    let t = ui(locale);
    let url = |slug: &str| format!("/help/{}/{slug}", locale.code());
    let above: Vec<_> = above
        .iter()
        .map(|(name, slug)| context! { name => name, url => url(slug) })
        .collect();
    let children: Vec<_> = node
        .children
        .iter()
        .map(|c| context! { name => c.name, url => url(&c.slug), count => count_articles(c) })
        .collect();
    let count = count_articles(&node);
    let html = templates::render(
        "category.html",
        context! {
            lang => locale.code(),
            title => node.name,
            t => t,
            above => above,
            articles => node.articles,
            children => children,
            count_text => plural(t.in_category_one, t.in_category_many, count),
            locales => locale_links(k, |l| format!("/help?lang={l}")),
        },
    )
    .map_err(|e| PageError::Internal(format!("{e:#}")))?;
    Ok(Html(html))
}

fn count_articles(node: &crate::help::kb::CategoryNode) -> usize {
    node.articles.len() + node.children.iter().map(count_articles).sum::<usize>()
}

/// "1 article" / "2 articles" (or "… found"), in the page's language.
fn plural(one: &str, many: &str, n: usize) -> String {
    if n == 1 { one } else { many }.replace("{n}", &n.to_string())
}

#[derive(Deserialize)]
struct SearchParams {
    q: Option<String>,
    lang: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    super::security::ClientIp(ip): super::security::ClientIp,
    Query(p): Query<SearchParams>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let k = state.knowledge.current();
    let locale = page_locale(&k, p.lang.as_deref(), &headers);
    let t = ui(locale);
    let query = p.q.unwrap_or_default().trim().to_string();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(PageError::BadRequest(format!(
            "Your search is too long ({} characters). Please use at most {MAX_QUERY_CHARS} characters.",
            query.chars().count()
        )));
    }
    let found = if query.is_empty() {
        browse::Found::default()
    } else {
        let k2 = k.clone();
        let q = query.clone();
        let client = format!("ip:{ip}");
        tokio::task::spawn_blocking(move || browse::search(&k2, locale, &q, &client)).await??
    };
    let title = if query.is_empty() {
        t.search_title.to_string()
    } else {
        format!("{} “{}”", t.results_for, query)
    };
    let count_text = plural(t.count_one, t.count_many, found.hits.len());
    let no_results_text = t.no_results.replace("{q}", &query);
    let html = templates::render(
        "search.html",
        context! {
            lang => locale.code(),
            title => title,
            t => t,
            query => query,
            results => found.hits,
            count_text => count_text,
            respelled => found.respelled,
            no_results_text => no_results_text,
            locales => locale_links(&k, |l| format!("/help/search?lang={l}")),
        },
    )
    .map_err(|e| PageError::Internal(format!("{e:#}")))?;
    Ok(Html(html))
}

/// The interface strings of the help center in one language.
#[derive(Serialize, Clone, Copy)]
struct Ui {
    help_center: &'static str,
    skip: &'static str,
    search: &'static str,
    search_label: &'static str,
    search_placeholder: &'static str,
    language: &'static str,
    lead: &'static str,
    categories: &'static str,
    empty: &'static str,
    on_this_page: &'static str,
    also_in: &'static str,
    related: &'static str,
    search_title: &'static str,
    search_hint: &'static str,
    results_for: &'static str,
    count_one: &'static str,
    count_many: &'static str,
    in_category_one: &'static str,
    in_category_many: &'static str,
    subcategories: &'static str,
    showing_for: &'static str,
    submit_request: &'static str,
    no_results: &'static str,
    tip_words: &'static str,
    tip_browse: &'static str,
    tip_ticket: &'static str,
    footer: &'static str,
}

fn ui(locale: Locale) -> Ui {
    match locale {
        Locale::Fr => Ui {
            help_center: "Centre d'aide",
            skip: "Aller au contenu",
            search: "Rechercher",
            search_label: "Rechercher dans le centre d'aide",
            search_placeholder: "Rechercher un article…",
            language: "Langue",
            lead: "Parcourez les catégories ci-dessous ou recherchez une réponse.",
            categories: "Catégories",
            empty: "Aucun article dans cette langue pour l'instant.",
            on_this_page: "Sur cette page",
            also_in: "Aussi disponible en",
            related: "Articles liés",
            search_title: "Rechercher",
            search_hint: "Tapez quelques mots sur ce que vous voulez faire, par exemple « joindre un fichier ».",
            results_for: "Résultats pour",
            count_one: "1 article trouvé",
            count_many: "{n} articles trouvés",
            in_category_one: "1 article",
            in_category_many: "{n} articles",
            subcategories: "Sous-catégories",
            showing_for: "Résultats affichés pour",
            submit_request: "Envoyer une demande",
            no_results: "Aucun article ne correspond à « {q} ».",
            tip_words: "Vérifiez l'orthographe, ou essayez des mots plus généraux.",
            tip_browse: "Parcourez les catégories du centre d'aide :",
            tip_ticket: "Toujours bloqué ? Posez la question au bot en bas de la page, ou créez un ticket.",
            footer: "Vous ne trouvez pas ? Demandez au bot en bas à droite, ou créez un ticket.",
        },
        Locale::Ro => Ui {
            help_center: "Centru de ajutor",
            skip: "Salt la conținut",
            search: "Caută",
            search_label: "Caută în centrul de ajutor",
            search_placeholder: "Caută un articol…",
            language: "Limbă",
            lead: "Răsfoiți categoriile de mai jos sau căutați un răspuns.",
            categories: "Categorii",
            empty: "Încă nu există articole în această limbă.",
            on_this_page: "Pe această pagină",
            also_in: "Disponibil și în",
            related: "Articole similare",
            search_title: "Căutare",
            search_hint: "Scrieți câteva cuvinte despre ce doriți să faceți, de exemplu „atașez un fișier”.",
            results_for: "Rezultate pentru",
            count_one: "1 articol găsit",
            count_many: "{n} articole găsite",
            in_category_one: "1 articol",
            in_category_many: "{n} articole",
            subcategories: "Subcategorii",
            showing_for: "Se afișează rezultatele pentru",
            submit_request: "Trimiteți o solicitare",
            no_results: "Niciun articol nu corespunde cu „{q}”.",
            tip_words: "Verificați ortografia sau folosiți cuvinte mai generale.",
            tip_browse: "Răsfoiți categoriile centrului de ajutor:",
            tip_ticket: "Tot nu ați găsit? Întrebați botul din colțul paginii sau creați un tichet.",
            footer: "Nu găsiți ce căutați? Întrebați botul din colț sau creați un tichet.",
        },
        _ => Ui {
            help_center: "Help center",
            skip: "Skip to content",
            search: "Search",
            search_label: "Search the help center",
            search_placeholder: "Search articles…",
            language: "Language",
            lead: "Browse the categories below or search for an answer.",
            categories: "Categories",
            empty: "There are no articles in this language yet.",
            on_this_page: "On this page",
            also_in: "Also available in",
            related: "Related articles",
            search_title: "Search the help center",
            search_hint: "Type a few words about what you want to do, for example “attach a file” or “reset my password”.",
            results_for: "Results for",
            count_one: "1 article found",
            count_many: "{n} articles found",
            in_category_one: "1 article",
            in_category_many: "{n} articles",
            subcategories: "Subcategories",
            showing_for: "Showing results for",
            submit_request: "Submit a request",
            no_results: "No article matches “{q}”.",
            tip_words: "Check the spelling, or use fewer or more general words.",
            tip_browse: "Browse the categories of the help center:",
            tip_ticket: "Still stuck? Ask the bot in the corner of the page, or create a ticket and our team will help you.",
            footer: "Can't find what you need? Ask the bot in the corner, or create a ticket.",
        },
    }
}
