//! HTTP integration tests: the real server, a temporary data folder, the
//! bundled knowledge base (or a temporary one), and plain HTTP requests.

mod common;

use std::time::Duration;

use common::{TestApp, copy_dir, eventually, top_source};
use serde_json::json;

#[tokio::test]
async fn help_index_lists_categories_in_the_requested_language() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/help").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"));
    for category in ["Tickets", "Live chat", "Account", "Exams", "Grading"] {
        assert!(
            html.contains(category),
            "category {category} missing from /help"
        );
    }
    assert!(html.contains("href=\"/help/en/tickets/create-a-ticket\""));

    let (_, fr) = app.get_text("/help?lang=fr").await;
    assert!(fr.contains("<html lang=\"fr\">") && fr.contains("Centre d&#39;aide"));
    assert!(fr.contains("href=\"/help/fr/tickets/create-a-ticket\""));

    let r = app
        .client
        .get(app.url("/help"))
        .header("Accept-Language", "ro-RO,ro;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("request");
    let ro = r.text().await.expect("body");
    assert!(
        ro.contains("Centru de ajutor"),
        "Accept-Language ro not honoured"
    );

    // An unknown language falls back to English rather than failing.
    let (status, html) = app.get_text("/help?lang=xx").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn article_page_has_linkable_sections_related_articles_and_translations() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/help/en/tickets/ticket-statuses").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Ticket statuses"), "title missing");
    assert!(html.contains("<h2 id=\""), "sections have no anchors");
    assert!(html.contains("Related articles"));
    assert!(
        html.contains("href=\"/help/fr/tickets/ticket-statuses\""),
        "French version not linked"
    );
    assert!(
        html.contains("href=\"/help/ro/tickets/ticket-statuses\""),
        "Romanian version not linked"
    );

    // Every source anchor the bot gives exists on the article page.
    let answer = app.ask_question("what does the orange status mean").await;
    let url = top_source(&answer);
    let (path, anchor) = url.split_once('#').expect("source has an anchor");
    let (status, page) = app.get_text(path).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("id=\"{anchor}\"")),
        "anchor {anchor} not on {path}"
    );
}

#[tokio::test]
async fn unknown_pages_are_friendly_404s() {
    let app = TestApp::spawn().await;
    for path in [
        "/help/en/tickets/no-such-article",
        "/help/xx/tickets/create-a-ticket",
        "/help/en/",
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains("Page not found"),
            "{path} gave no friendly page"
        );
    }
}

#[tokio::test]
async fn search_ranks_highlights_and_tolerates_typos() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/help/search?q=attachment+size+limit").await;
    assert_eq!(status, 200);
    let first = html
        .find("class=\"result-title\"")
        .expect("at least one result");
    assert!(
        html[first..first + 200].contains("/help/en/tickets/attachments"),
        "attachments article is not the first result"
    );
    assert!(html.contains("<b>"), "no highlighted terms in snippets");

    let (status, typo) = app.get_text("/help/search?q=atachment+formats").await;
    assert_eq!(status, 200);
    assert!(
        typo.contains("/help/en/tickets/attachments"),
        "typo not tolerated"
    );

    let (status, empty) = app.get_text("/help/search?q=").await;
    assert_eq!(status, 200);
    assert!(empty.contains("Type a few words"));

    let (status, absurd) = app.get_text("/help/search?q=qwxzv+plorthf").await;
    assert_eq!(status, 200);
    assert!(absurd.contains("No article matches"));
    assert!(absurd.contains("create a ticket"));

    let long = "a".repeat(600);
    let (status, html) = app.get_text(&format!("/help/search?q={long}")).await;
    assert_eq!(status, 400);
    assert!(html.contains("too long"));

    let (status, fr) = app
        .get_text("/help/search?q=mot+de+passe+oubli%C3%A9&lang=fr")
        .await;
    assert_eq!(status, 200);
    assert!(
        fr.contains("/help/fr/account/reset-your-password"),
        "French search failed"
    );
}

#[tokio::test]
async fn bot_answers_from_the_help_center_with_sources() {
    let app = TestApp::spawn().await;
    let answer = app
        .ask_question("which file formats can I attach to a ticket?")
        .await;
    assert_eq!(answer["escalate"], false, "{answer}");
    assert_eq!(answer["kind"], "answer");
    assert!(
        top_source(&answer).starts_with("/help/en/tickets/attachments"),
        "{answer}"
    );
    let text = answer["answer"].as_str().expect("answer text");
    assert!(
        text.contains("pdf") || text.contains("PDF"),
        "answer does not list formats: {text}"
    );
    assert!(answer["confidence"].as_f64().expect("confidence") > 0.5);
    assert!(
        answer["conversation_id"]
            .as_str()
            .is_some_and(|c| c.len() == 32)
    );
    let source = &answer["sources"][0];
    assert!(
        source["title"].is_string() && source["section"].is_string() && source["score"].is_number()
    );
}

#[tokio::test]
async fn bot_escalates_what_the_help_center_does_not_cover() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "I was charged twice for my subscription this month, I want a refund",
            Some("settings_help"),
        ),
        // Off-topic: handed over, but no ticket type fits it.
        ("what's the weather going to be in Paris tomorrow?", None),
        (
            "The export button gives me an error 500 since this morning",
            Some("bug_report"),
        ),
        (
            "Please add a dark mode to the widget, my eyes hurt",
            Some("feature_request"),
        ),
    ];
    for (question, ticket_type) in cases {
        let answer = app.ask_question(question).await;
        assert_eq!(answer["escalate"], true, "{question}: {answer}");
        assert_eq!(answer["kind"], "escalation");
        assert!(
            answer["answer"]
                .as_str()
                .is_some_and(|a| a.contains("ticket")),
            "{answer}"
        );
        assert_eq!(
            answer["suggested_ticket_type"].as_str(),
            ticket_type,
            "{question}"
        );
    }
}

#[tokio::test]
async fn greetings_and_thanks_get_a_short_reply_without_search() {
    let app = TestApp::spawn().await;
    for (text, fragment) in [
        ("Hello!", "Hi!"),
        ("thanks a lot", "welcome"),
        ("Bonjour", "Bonjour"),
    ] {
        let answer = app.ask_question(text).await;
        assert_eq!(answer["kind"], "small_talk", "{text}");
        assert_eq!(answer["escalate"], false);
        assert_eq!(answer["sources"], json!([]));
        assert!(
            answer["answer"]
                .as_str()
                .is_some_and(|a| a.contains(fragment)),
            "{text}: {answer}"
        );
    }
}

#[tokio::test]
async fn the_page_the_user_is_on_boosts_its_articles_and_drives_suggestions() {
    let app = TestApp::spawn().await;
    let r = app
        .get("/api/bot/suggestions?page_url=http%3A%2F%2Flocalhost%2Fdemo%2Fexams%2F42%2Fsettings")
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    let urls: Vec<&str> = body["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .filter_map(|a| a["url"].as_str())
        .collect();
    assert_eq!(
        urls.first(),
        Some(&"/help/en/exam-platform/exams/exam-settings"),
        "{body}"
    );

    let r = app
        .get("/api/bot/suggestions?page_url=%2Fsomewhere%2Felse")
        .await;
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["articles"], json!([]));

    // A vague question is read in the light of the page.
    let question = "how do I change this?";
    let (_, on_settings) = app
        .ask(json!({ "question": question, "page_url": "https://examly.test/exams/42/settings" }))
        .await;
    let (_, on_bookings) = app
        .ask(json!({ "question": question, "page_url": "https://examly.test/bookings/7" }))
        .await;
    assert_ne!(
        top_source(&on_settings),
        top_source(&on_bookings),
        "page context ignored"
    );
}

#[tokio::test]
async fn follow_up_questions_use_the_earlier_turns() {
    let app = TestApp::spawn().await;
    let first = app.ask_question("how do I reset my password").await;
    assert!(
        top_source(&first).contains("reset-your-password"),
        "{first}"
    );
    let id = first["conversation_id"].as_str().expect("id").to_string();
    let key = first["conversation_key"].as_str().expect("key").to_string();
    let (status, follow) = app
        .ask(json!({ "question": "and what if the link expired?", "conversation_id": id, "conversation_key": key }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(follow["conversation_id"], id.as_str());
    assert!(
        follow.get("conversation_key").is_none(),
        "the key is given once"
    );
    assert!(
        top_source(&follow).contains("reset-your-password"),
        "{follow}"
    );

    // The conversation is stored: two questions, two answers.
    let r = app
        .client
        .get(app.url(&format!("/api/bot/conversations/{id}")))
        .header("X-Conversation-Key", &key)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.expect("json");
    let roles: Vec<&str> = body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["user", "bot", "user", "bot"]);
}

#[tokio::test]
async fn bot_answers_french_and_romanian_questions_from_their_articles() {
    let app = TestApp::spawn().await;
    let fr = app
        .ask_question("J'ai oublié mon mot de passe, comment faire ?")
        .await;
    assert_eq!(fr["locale"], "fr");
    assert!(
        top_source(&fr).starts_with("/help/fr/account/reset-your-password"),
        "{fr}"
    );
    let (_, ro) = app
        .ask(json!({ "question": "ce înseamnă culoarea mov a tichetului?", "locale": "ro" }))
        .await;
    assert!(
        top_source(&ro).starts_with("/help/ro/tickets/ticket-statuses"),
        "{ro}"
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_never_a_500() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({ "question": "" }), "empty_question"),
        (json!({ "question": "   \n " }), "empty_question"),
        (
            json!({ "question": "x".repeat(100 * 1024) }),
            "question_too_long",
        ),
        (
            json!({ "question": "hi", "locale": "xx" }),
            "unknown_locale",
        ),
        (
            json!({ "question": "hi", "page_url": "ftp://host/file" }),
            "invalid_page_url",
        ),
        (
            json!({ "question": "hi", "conversation_id": "../../etc" }),
            "invalid_conversation_id",
        ),
        (json!({ "question": 42 }), "invalid_request"),
        (json!({ "page_url": "/x" }), "invalid_request"),
        (
            json!({ "question": "hi", "surprise": true }),
            "invalid_request",
        ),
    ];
    for (body, code) in cases {
        let (status, reply) = app.ask(body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["error"], code, "{reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    let r = app
        .client
        .post(app.url("/api/bot/ask"))
        .header("content-type", "application/json")
        .body("{\"question\": \"unterminated")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["error"], "invalid_json");

    let r = app
        .client
        .post(app.url("/api/bot/ask"))
        .body("question=hi")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 415);

    let huge = format!("{{\"question\": \"{}\"}}", "y".repeat(1024 * 1024));
    // A fresh client: the server closes a connection whose body it refused.
    let r = reqwest::Client::new()
        .post(app.url("/api/bot/ask"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 413);

    let r = app.get("/api/bot/suggestions").await;
    assert_eq!(r.status().as_u16(), 400);
    let r = app
        .get("/api/bot/suggestions?page_url=%2Fx&locale=zz")
        .await;
    assert_eq!(r.status().as_u16(), 400);
    let r = app.get("/api/bot/conversations/not-a-uuid").await;
    assert_eq!(r.status().as_u16(), 404);

    // The server is still healthy after all that.
    let r = app.get("/healthz").await;
    assert_eq!(r.status().as_u16(), 200);
    let health: serde_json::Value = r.json().await.expect("json");
    assert_eq!(health["retrieval"], "hybrid");
    assert_eq!(health["embedding_engine"], "encoder");
}

#[tokio::test]
async fn an_unknown_conversation_id_starts_a_new_conversation() {
    let app = TestApp::spawn().await;
    let stale = "6f1c2b9e8f574c1e9a552d7d7a1c0b11";
    let (status, answer) = app
        .ask(json!({ "question": "how do I create a ticket", "conversation_id": stale }))
        .await;
    assert_eq!(status, 200);
    assert_ne!(answer["conversation_id"], stale);
}

#[tokio::test]
async fn articles_are_reindexed_while_serving_and_broken_ones_are_skipped() {
    let kb = tempfile::tempdir().expect("kb folder");
    copy_dir(&common::bundled_kb(), kb.path());
    let app = TestApp::spawn_with_kb(kb.path()).await;

    let question = "how do I feed the office hamster?";
    let before = app.ask_question(question).await;
    assert_eq!(before["escalate"], true, "{before}");

    std::fs::write(
        kb.path().join("en/account/hamster.md"),
        "---\ntitle: Feed the office hamster\ncategory: Account\ntags: [hamster]\nlocale: en\n---\nThe office hamster eats once a day.\n\n## Feed the hamster\n\nTo feed the office hamster, give it two seeds from the blue jar every morning.\n",
    )
    .expect("write article");
    std::fs::write(
        kb.path().join("en/account/broken.md"),
        "---\ntitle: [unclosed\n---\nText\n",
    )
    .expect("write broken");

    let found = eventually(Duration::from_secs(30), || async {
        let a = app.ask_question(question).await;
        top_source(&a).starts_with("/help/en/account/hamster")
    })
    .await;
    assert!(found, "the new article was not indexed while serving");

    let (status, html) = app.get_text("/help/en/account/hamster").await;
    assert_eq!(status, 200);
    assert!(html.contains("two seeds"));

    let health: serde_json::Value = app.get("/healthz").await.json().await.expect("json");
    let problems = health["problems"].as_array().expect("problems").clone();
    assert!(
        // The YAML parser stops at the closing `---` (line 3) of the unclosed list on line 2.
        problems.iter().any(|p| p
            .as_str()
            .is_some_and(|p| p.starts_with("en/account/broken.md:2:")
                || p.starts_with("en/account/broken.md:3:"))),
        "broken article not reported with path and line: {health}"
    );

    std::fs::remove_file(kb.path().join("en/account/hamster.md")).expect("remove");
    let gone = eventually(Duration::from_secs(30), || async {
        app.get_text("/help/en/account/hamster").await.0 == 404
    })
    .await;
    assert!(gone, "a removed article is still served");
}

#[tokio::test]
async fn widget_assets_and_demo_pages_are_served() {
    let app = TestApp::spawn().await;
    let r = app.get("/widget.js").await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/javascript")
    );
    let r = app.get("/widget.css").await;
    assert_eq!(r.status().as_u16(), 200);
    for page in [
        "/demo",
        "/demo/exams",
        "/demo/exams/42/settings",
        "/demo/exams/7/grading",
        "/demo/students",
        "/demo/bookings",
    ] {
        let (status, html) = app.get_text(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            html.contains("/widget.js"),
            "{page} does not embed the widget"
        );
    }
    assert_eq!(app.get_text("/demo/exams/abc/settings").await.0, 404);
}

#[tokio::test]
async fn cross_origin_hosts_may_call_the_bot_api() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/bot/ask"))
        .header("Origin", "https://product.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_foreign_help_vault_renders_wiki_links_and_callouts() {
    let kb = tempfile::tempdir().expect("kb folder");
    common::foreign_vault(kb.path());
    let app = TestApp::spawn_with_kb(kb.path()).await;
    let (status, html) = app.get_text("/help/en/sync/set-up-sync").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "<a href=\"/help/en/sync/troubleshoot-sync#conflicts\" rel=\"noopener\">conflicts</a>"
        ),
        "wiki link not rendered as a link: {html}"
    );
    assert!(
        html.contains("<blockquote>") && html.contains("<strong>Keep a backup</strong>"),
        "callout not rendered"
    );
    assert!(
        !html.contains("[[") && !html.contains("[!warning]"),
        "raw wiki syntax leaked"
    );
    // The French translation is linked through the shared permalink.
    assert!(html.contains("href=\"/help/fr/synchronisation/configurer-la-synchronisation\""));
}

#[tokio::test]
async fn without_the_model_the_server_answers_by_keyword_and_says_so() {
    for (what, broken) in [("missing", false), ("corrupt", true)] {
        let model = tempfile::tempdir().expect("model folder");
        if broken {
            let real =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
            for f in ["tokenizer.json", "config.json"] {
                std::fs::copy(real.join(f), model.path().join(f)).expect("copy");
            }
            std::fs::write(model.path().join("model.safetensors"), b"not weights").expect("write");
        }
        let config = format!("model_dir = {:?}\n", model.path().display().to_string());
        let app = TestApp::spawn_keyword_only(&config).await;
        let health: serde_json::Value = app.get("/healthz").await.json().await.expect("json");
        assert_eq!(health["retrieval"], "keyword", "{what}: {health}");
        assert_eq!(
            health["embedding_engine"],
            serde_json::Value::Null,
            "{what}"
        );
        // The bot still answers from the help center.
        let answer = app.ask_question("how do I reopen a resolved ticket").await;
        assert!(
            answer["sources"][0]["url"]
                .as_str()
                .is_some_and(|u| u.contains("reopen-a-ticket")),
            "{what}: {answer}"
        );
        // One warning, which says how to fetch the model.
        let log = std::fs::read_to_string(app.data.path().join("server.log")).expect("log");
        let warnings: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("semantic retrieval is off"))
            .collect();
        assert_eq!(warnings.len(), 1, "{what}: {log}");
        assert!(warnings[0].contains("models/fetch"), "{what}: {log}");
        let reason = if broken { "SHA-256" } else { "missing" };
        assert!(warnings[0].contains(reason), "{what}: {log}");
    }
}

#[tokio::test]
async fn the_bot_report_counts_what_users_asked_voted_and_escalated() {
    use common::live::{api, login};
    use reqwest::Method as M;
    use std::collections::BTreeMap;
    let app = TestApp::spawn_demo("votes_per_minute = 0").await;
    let admin = login(&app, "admin@demo.test").await;
    let user = login(&app, "user@demo.test").await;
    let (status, before) = api(
        &app,
        &admin,
        M::GET,
        "/api/reports/bot?days=7",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{before}");

    // Five questions, each in its own conversation: a vote Yes on the
    // second, a No on the fourth, a ticket after the fifth.
    let questions = [
        "How do I attach a screenshot to a ticket?",
        "How do I reset my password?",
        "I was charged twice for my subscription this month, I want a refund",
        "How do I let students take the exam twice?",
        "Which file formats can I attach to a ticket?",
    ];
    let mut answers = Vec::new();
    for q in questions {
        answers.push(app.ask_question(q).await);
    }
    let vote = |a: &serde_json::Value, helpful: bool, comment: Option<&str>| {
        let body = json!({ "conversation_id": a["conversation_id"], "conversation_key": a["conversation_key"], "message_id": a["message_id"], "helpful": helpful, "comment": comment });
        let url = app.url("/api/bot/feedback");
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("vote")
                .status()
                .as_u16()
        }
    };
    assert_eq!(vote(&answers[1], true, None).await, 204);
    assert_eq!(
        vote(&answers[3], false, Some("It does not say how")).await,
        204
    );
    let form = reqwest::multipart::Form::new()
        .text("type", "settings_help")
        .text("priority", "normal")
        .text("description", "The formats list does not have HEIC.")
        .text(
            "conversation_id",
            answers[4]["conversation_id"]
                .as_str()
                .expect("id")
                .to_string(),
        )
        .text(
            "conversation_key",
            answers[4]["conversation_key"]
                .as_str()
                .expect("key")
                .to_string(),
        );
    let r = reqwest::Client::new()
        .post(app.url("/api/tickets"))
        .header("Cookie", &user.0)
        .header("X-CSRF-Token", &user.1)
        .multipart(form)
        .send()
        .await
        .expect("ticket");
    assert_eq!(r.status().as_u16(), 201);

    // The expected figures, from what the bot said.
    let escalated: Vec<bool> = answers.iter().map(|a| a["escalate"] == true).collect();
    assert!(
        escalated[2] && escalated.iter().filter(|e| !**e).count() >= 3,
        "{escalated:?}"
    );
    let answered = |i: usize| !escalated[i];
    let expect_escalated = escalated.iter().filter(|e| **e).count() as i64;
    let expect_followed = i64::from(answered(4));
    let expect_down = i64::from(answered(3));
    let expect_resolved = (0..5).filter(|&i| answered(i) && i != 3 && i != 4).count() as i64;
    let mut cited: BTreeMap<String, i64> = BTreeMap::new();
    for a in &answers {
        let mut seen = std::collections::BTreeSet::new();
        for s in a["sources"].as_array().into_iter().flatten() {
            let url = s["url"]
                .as_str()
                .unwrap_or_default()
                .split('#')
                .next()
                .unwrap_or_default()
                .to_string();
            if seen.insert(url.clone()) {
                *cited.entry(url).or_default() += 1;
            }
        }
    }

    let (status, after) = api(
        &app,
        &admin,
        M::GET,
        "/api/reports/bot?days=7",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{after}");
    let delta = |k: &str| after[k].as_i64().unwrap_or(-1) - before[k].as_i64().unwrap_or(-1);
    assert_eq!(delta("questions"), 5, "{after}");
    assert_eq!(delta("escalated"), expect_escalated);
    assert_eq!(delta("answered"), 5 - expect_escalated);
    assert_eq!(delta("followed_by_person"), expect_followed);
    assert_eq!(delta("voted_down"), expect_down);
    assert_eq!(delta("resolved"), expect_resolved);
    assert_eq!(
        (delta("helpful_votes"), delta("unhelpful_votes")),
        (i64::from(answered(1)), i64::from(answered(3)))
    );
    if before["questions"] == 0 {
        let q = after["questions"].as_f64().unwrap_or(1.0);
        assert_eq!(
            after["resolution_rate"].as_f64(),
            Some((expect_resolved as f64 / q * 1000.0).round() / 1000.0)
        );
    }
    let per_day: i64 = after["per_day"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["questions"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        per_day,
        after["questions"].as_i64().unwrap_or(-1),
        "the days add up"
    );
    assert_eq!(after["per_day"].as_array().map(Vec::len), Some(7));
    let count_of = |report: &serde_json::Value, url: &str| {
        report["top_articles"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["url"] == url)
            .and_then(|a| a["cited"].as_i64())
            .unwrap_or(0)
    };
    let (top, n) = cited
        .iter()
        .max_by_key(|(_, n)| **n)
        .expect("the answers cite articles");
    assert_eq!(
        count_of(&after, top) - count_of(&before, top),
        *n,
        "{top}: {after}"
    );
    if answered(3) {
        let down = &after["voted_down_answers"][0];
        assert_eq!(
            (down["question"].as_str(), down["comment"].as_str()),
            (Some(questions[3]), Some("It does not say how"))
        );
    }

    // The period is checked; the report is for admins.
    for (q, field) in [
        ("days=8", "days"),
        ("from=2026-11-01", "from"),
        ("from=2026-11-31&to=2026-12-01", "from"),
        ("weeks=2", "days"),
    ] {
        let (status, e) = api(
            &app,
            &admin,
            M::GET,
            &format!("/api/reports/bot?{q}"),
            serde_json::Value::Null,
        )
        .await;
        assert_eq!(
            (status, e["field"].as_str()),
            (400, Some(field)),
            "{q}: {e}"
        );
    }
    let (status, _) = api(
        &app,
        &user,
        M::GET,
        "/api/reports/bot",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.get("/api/reports/bot").await.status().as_u16(), 401);

    // The page and its CSV say the same.
    let page = |path: &str, who: &(String, String)| {
        let url = app.url(path);
        let cookie = who.0.clone();
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .expect("page");
            (r.status().as_u16(), r.text().await.expect("text"))
        }
    };
    let (status, html) = page("/console/reports?days=7", &admin).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "data-testid=\"figure-questions\">{}<",
            after["questions"]
        )),
        "{html}"
    );
    assert!(html.contains("<svg class=\"chart\""));
    let (status, csv) = page("/console/reports/summary.csv?days=7", &admin).await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("figure,value\r\n")
            && csv.contains(&format!("questions,{}\r\n", after["questions"])),
        "{csv}"
    );
    assert_eq!(page("/console/reports/nothing.csv", &admin).await.0, 404);
    assert_eq!(page("/console/reports?days=8", &admin).await.0, 400);
    assert_eq!(page("/console/reports", &user).await.0, 400);
}

#[tokio::test]
async fn the_desk_report_counts_tickets_responses_and_chats() {
    use common::live::{active_chat, api, login};
    use reqwest::Method as M;
    use serde_json::Value;
    let app = TestApp::spawn_demo("votes_per_minute = 0").await;
    let admin = login(&app, "admin@demo.test").await;
    let report = || async {
        api(
            &app,
            &admin,
            M::GET,
            "/api/reports/desk?days=7",
            Value::Null,
        )
        .await
    };
    let (status, before) = report().await;
    assert_eq!(status, 200, "{before}");

    // Three tickets; the operator answers and resolves the first, which
    // its requester reopens.
    let (user, op, chat) = active_chat(&app).await;
    let mut numbers = Vec::new();
    for (kind, priority) in [
        ("bug_report", "high"),
        ("feature_request", "low"),
        ("bug_report", "normal"),
    ] {
        let form = reqwest::multipart::Form::new()
            .text("type", kind)
            .text("priority", priority)
            .text("description", format!("A {kind} of {priority} priority."));
        let r = reqwest::Client::new()
            .post(app.url("/api/tickets"))
            .header("Cookie", &user.0)
            .header("X-CSRF-Token", &user.1)
            .multipart(form)
            .send()
            .await
            .expect("ticket");
        assert_eq!(r.status().as_u16(), 201);
        numbers.push(
            r.json::<Value>().await.expect("json")["number"]
                .as_i64()
                .expect("number"),
        );
    }
    let reply = reqwest::multipart::Form::new().text("body", "Fixed on our side.");
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/tickets/{}/replies", numbers[0])))
        .header("Cookie", &op.0)
        .header("X-CSRF-Token", &op.1)
        .multipart(reply)
        .send()
        .await
        .expect("reply");
    assert!(r.status().is_success(), "{}", r.status());
    let status_of = |who: &(String, String), status: &str| {
        let path = format!("/api/tickets/{}/status", numbers[0]);
        let body = json!({ "status": status });
        let (app, who) = (&app, who.clone());
        async move { api(app, &who, M::POST, &path, body).await.0 }
    };
    assert_eq!(status_of(&op, "resolved").await, 200);
    assert_eq!(
        status_of(&user, "new").await,
        200,
        "the requester reopens it"
    );

    // The live chat ends and is rated; a second request is left waiting.
    assert_eq!(
        api(
            &app,
            &user,
            M::POST,
            &format!("/api/chats/{chat}/end"),
            json!({})
        )
        .await
        .0,
        204
    );
    assert_eq!(
        api(
            &app,
            &user,
            M::POST,
            &format!("/api/chats/{chat}/rating"),
            json!({ "rating": 4 })
        )
        .await
        .0,
        204
    );
    let (status, _) = api(
        &app,
        &op,
        M::PUT,
        "/api/operator/availability",
        json!({ "availability": "away" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, left) = api(&app, &user, M::POST, "/api/chats", json!({})).await;
    assert_eq!(status, 201, "{left}");
    let left = left["id"].as_str().expect("id").to_string();
    assert_eq!(
        api(
            &app,
            &user,
            M::POST,
            &format!("/api/chats/{left}/end"),
            json!({})
        )
        .await
        .0,
        204
    );

    let (status, after) = report().await;
    assert_eq!(status, 200, "{after}");
    let count = |r: &Value, list: &str, code: &str| {
        r[list]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["code"] == code)
            .and_then(|c| c["count"].as_i64())
            .unwrap_or(-1)
    };
    let delta = |list: &str, code: &str| count(&after, list, code) - count(&before, list, code);
    assert_eq!(
        (
            delta("by_type", "feature_request"),
            delta("by_priority", "high"),
            delta("by_priority", "low")
        ),
        (1, 1, 1),
        "{after}"
    );
    let n = |r: &Value, k: &str| r[k].as_i64().unwrap_or(-1);
    let nested = |r: &Value, k: &str| r[k]["count"].as_i64().unwrap_or(-1);
    assert_eq!(
        nested(&after, "first_response") - nested(&before, "first_response"),
        1
    );
    assert_eq!(n(&after, "reopened") - n(&before, "reopened"), 1);
    assert_eq!(n(&after, "chat_requests") - n(&before, "chat_requests"), 2);
    assert_eq!(
        n(&after, "chats_abandoned") - n(&before, "chats_abandoned"),
        1
    );
    assert_eq!(n(&after, "chat_ratings") - n(&before, "chat_ratings"), 1);
    assert_eq!(
        nested(&after, "chat_wait") - nested(&before, "chat_wait"),
        1
    );
    let oscar = |r: &Value| {
        r["chats_per_operator"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o["operator"] == "Oscar Operator")
            .and_then(|o| o["chats"].as_i64())
            .unwrap_or(0)
    };
    assert_eq!(oscar(&after) - oscar(&before), 1);
    if n(&before, "chat_ratings") == 0 {
        assert_eq!(after["csat"].as_f64(), Some(4.0));
    }
    if nested(&before, "first_response") == 0 {
        // One measured response: the median and the 90th percentile are it,
        // a few seconds at most here, and well within the target.
        let secs = after["first_response"]["median_secs"]
            .as_i64()
            .expect("a median");
        assert!((0..=30).contains(&secs), "{after}");
        assert_eq!(after["first_response"]["p90_secs"].as_i64(), Some(secs));
        assert_eq!(n(&after, "answered_in_time"), 1);
    }
    // The reopened ticket is open again: in the backlog as New.
    assert!(count(&after, "backlog", "new") >= 3, "{after}");

    // An operator gets their own figures (tests/report_filters.rs), an end
    // user none; the page shows the same as the JSON.
    let (status, _) = api(&app, &op, M::GET, "/api/reports/desk", Value::Null).await;
    assert_eq!(status, 200);
    let (status, _) = api(&app, &user, M::GET, "/api/reports/desk", Value::Null).await;
    assert_eq!(status, 403);
    let html = reqwest::Client::new()
        .get(app.url("/console/reports?days=7"))
        .header("Cookie", &admin.0)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains(&format!(
            "data-testid=\"figure-opened\">{}<",
            after["opened"]
        )),
        "{html}"
    );
    let csv = reqwest::Client::new()
        .get(app.url("/console/reports/chats.csv?days=7"))
        .header("Cookie", &admin.0)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    assert!(
        csv.starts_with("operator,chats\r\n") && csv.contains("Oscar Operator,"),
        "{csv}"
    );
}

#[tokio::test]
async fn content_gaps_group_paraphrases_of_three_needs() {
    use common::live::{api, login};
    use reqwest::Method as M;
    let app = TestApp::spawn_demo("votes_per_minute = 0\nasks_per_minute = 0").await;
    let admin = login(&app, "admin@demo.test").await;
    let topics: [[&str; 4]; 3] = [
        [
            "Can I export the grades to Excel?",
            "Is there a way to download all grades as a spreadsheet?",
            "How do I get the grades of an exam as a CSV file?",
            "export grades to excel please",
        ],
        [
            "Is there a dark mode?",
            "Please add a dark theme to the app",
            "Can the interface be dark for working at night?",
            "a dark mode would be great for my eyes",
        ],
        [
            "I was charged twice this month",
            "There are two identical charges on my card",
            "You billed me twice for the same subscription",
            "double payment on my credit card, please refund one",
        ],
    ];
    for q in topics.iter().flatten() {
        let a = app.ask_question(q).await;
        if a["escalate"] != true {
            // Answered: the asker says it did not help, which makes it a gap.
            let body = json!({ "conversation_id": a["conversation_id"], "conversation_key": a["conversation_key"], "message_id": a["message_id"], "helpful": false });
            let r = reqwest::Client::new()
                .post(app.url("/api/bot/feedback"))
                .json(&body)
                .send()
                .await
                .expect("vote");
            assert_eq!(r.status().as_u16(), 204);
        }
    }
    let (status, gaps) = api(
        &app,
        &admin,
        M::GET,
        "/api/reports/gaps?days=7",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 200, "{gaps}");
    let gaps = gaps.as_array().expect("a list").clone();
    let summary: Vec<(String, i64)> = gaps
        .iter()
        .map(|g| {
            (
                g["label"].as_str().unwrap_or("").to_string(),
                g["questions"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    for topic in &topics {
        let found = gaps
            .iter()
            .find(|g| topic.contains(&g["label"].as_str().unwrap_or("")))
            .unwrap_or_else(|| panic!("no group for {:?}: {summary:?}", topic[0]));
        assert_eq!(
            (found["questions"].as_i64(), found["people"].as_i64()),
            (Some(4), Some(4)),
            "{:?}: {summary:?}",
            topic[0]
        );
        assert!(
            found["words"].as_array().is_some_and(|w| !w.is_empty()),
            "{found}"
        );
    }
    assert_eq!(gaps.len(), 3, "{summary:?}");
    let (status, _) = api(
        &app,
        &admin,
        M::GET,
        "/api/reports/gaps?days=3",
        serde_json::Value::Null,
    )
    .await;
    assert_eq!(status, 400);
    let html = reqwest::Client::new()
        .get(app.url("/console/reports/gaps?days=7"))
        .header("Cookie", &admin.0)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    assert_eq!(html.matches("data-testid=\"gap\"").count(), 3, "{html}");
}

#[tokio::test]
async fn the_demo_seeds_two_weeks_of_activity_once() {
    use common::live::login;
    let mut app = TestApp::spawn_demo("demo_activity = true").await;
    let admin = login(&app, "admin@demo.test").await;
    async fn get(app: &TestApp, admin: &(String, String), path: &str) -> serde_json::Value {
        common::live::api(
            app,
            admin,
            reqwest::Method::GET,
            path,
            serde_json::Value::Null,
        )
        .await
        .1
    }
    let bot = get(&app, &admin, "/api/reports/bot?days=30").await;
    assert_eq!(bot["questions"], 19, "{bot}");
    let active_days = bot["per_day"]
        .as_array()
        .expect("days")
        .iter()
        .filter(|d| d["questions"] != 0)
        .count();
    assert!(active_days >= 10, "spread over the days: {bot}");
    assert!(
        bot["helpful_votes"].as_i64() > Some(0) && bot["unhelpful_votes"].as_i64() > Some(0),
        "{bot}"
    );
    let gaps = get(&app, &admin, "/api/reports/gaps?days=30").await;
    let three = gaps
        .as_array()
        .expect("gaps")
        .iter()
        .filter(|g| g["questions"].as_i64() >= Some(3))
        .count();
    assert!(three >= 3, "three needs of three questions each: {gaps}");
    assert!(
        gaps.as_array()
            .expect("gaps")
            .iter()
            .any(|g| !g["tickets"].as_array().is_some_and(Vec::is_empty)),
        "{gaps}"
    );
    let desk = get(&app, &admin, "/api/reports/desk?days=30").await;
    assert_eq!(
        (desk["chat_ratings"].as_i64(), desk["csat"].as_f64()),
        (Some(1), Some(5.0)),
        "{desk}"
    );
    assert_eq!(desk["chat_wait"]["median_secs"], 40);
    // A restart seeds nothing more.
    app.restart().await;
    let admin = login(&app, "admin@demo.test").await;
    assert_eq!(
        get(&app, &admin, "/api/reports/bot?days=30").await["questions"],
        19
    );
}
