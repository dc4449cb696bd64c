//! Reports narrowed by language, page, channel, team and operator, with
//! figures known from what the test did; operators see only their own
//! figures; the open backlog day by day; bad filters refused by name.

mod common;

use common::TestApp;
use common::who::Who;
use reqwest::multipart::Form;
use serde_json::{Value, json};

async fn ticket(app: &TestApp, who: &Who, summary: &str, source: &str) -> i64 {
    let form = Form::new()
        .text("type", "settings_help")
        .text("priority", "normal")
        .text("summary", summary.to_string())
        .text("description", "For the reports.")
        .text("source", source.to_string());
    let (status, v) = who.multipart(app, "/api/tickets", form).await;
    assert_eq!(status, 201, "{v}");
    v["number"].as_i64().expect("number")
}

async fn desk(app: &TestApp, who: &Who, query: &str) -> Value {
    let (status, v) = who
        .get(app, &format!("/api/reports/desk?days=7{query}"))
        .await;
    assert_eq!(status, 200, "{query}: {v}");
    v
}

#[tokio::test]
async fn reports_narrow_by_filter_and_operators_see_their_own() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let user = Who::login(&app, "user@demo.test").await;

    let mine = ticket(&app, &user, "Assigned to Oscar", "widget").await;
    ticket(&app, &user, "Nobody's yet", "portal").await;
    ticket(&app, &user, "Another from the portal", "portal").await;
    let (status, v) = admin
        .post(
            &app,
            &format!("/api/tickets/{mine}/status"),
            json!({ "status": "assigned", "assignee": "operator@demo.test" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");

    let all = desk(&app, &admin, "").await;
    assert_eq!(all["opened"], 3);
    assert_eq!(desk(&app, &admin, "&channel=portal").await["opened"], 2);
    assert_eq!(desk(&app, &admin, "&channel=widget").await["opened"], 1);
    assert_eq!(desk(&app, &admin, "&channel=chat").await["opened"], 0);
    assert_eq!(desk(&app, &admin, "&locale=en").await["opened"], 3);
    assert_eq!(desk(&app, &admin, "&locale=fr").await["opened"], 0);
    let oscar = desk(&app, &admin, "&operator=operator@demo.test").await;
    assert_eq!(oscar["opened"], 1);
    // The operator asks for everything, and gets their own figures.
    let own = desk(&app, &op, "&operator=admin@demo.test").await;
    assert_eq!(own["opened"], 1);
    let (status, _) = op.get(&app, "/api/reports/bot?days=7").await;
    assert_eq!(status, 403, "the bot's figures are the admins'");
    let (status, _) = user.get(&app, "/api/reports/desk?days=7").await;
    assert_eq!(status, 403);

    // The backlog, day by day: all three are open today.
    let days = all["backlog_per_day"].as_array().expect("days");
    assert_eq!(days.len(), 7);
    assert_eq!(days.last().map(|d| d["open"].clone()), Some(json!(3)));
    let open_now: i64 = all["backlog"]
        .as_array()
        .expect("backlog")
        .iter()
        .map(|c| c["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(open_now, 3);
    assert_eq!(
        desk(&app, &admin, "&channel=portal").await["backlog_per_day"][6]["open"],
        2
    );

    // The bot, by language and by page.
    for (question, locale, page) in [
        (
            "How do I attach a file to a ticket?",
            "en",
            "/exams/12/settings",
        ),
        (
            "Comment joindre un fichier à un ticket ?",
            "fr",
            "/exams/12/settings",
        ),
        ("How do I reopen a ticket?", "en", "/grading"),
    ] {
        let (status, v) = app
            .ask(json!({ "question": question, "locale": locale, "page_url": format!("https://examly.example{page}") }))
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let bot = |q: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let (status, v) = admin.get(app, &format!("/api/reports/bot?days=7{q}")).await;
            assert_eq!(status, 200, "{q}: {v}");
            v["questions"].as_i64().expect("questions")
        }
    };
    assert_eq!(bot("").await, 3);
    assert_eq!(bot("&locale=fr").await, 1);
    assert_eq!(bot("&locale=en").await, 2);
    assert_eq!(bot("&page=/exams").await, 2);
    assert_eq!(bot("&page=/grading").await, 1);
    assert_eq!(
        bot("&page=/exams%25").await,
        0,
        "a % is a character, not a wildcard"
    );

    // Bad filters are refused by name.
    for (q, field) in [
        ("&locale=xx", "locale"),
        ("&channel=fax", "channel"),
        ("&team=Nobody", "team"),
        ("&operator=nobody@example.com", "operator"),
        ("&operator=user@demo.test", "operator"),
        ("&page=exams", "page"),
    ] {
        let (status, v) = admin
            .get(&app, &format!("/api/reports/desk?days=7{q}"))
            .await;
        let (bot_status, _) = admin
            .get(&app, &format!("/api/reports/bot?days=7{q}"))
            .await;
        assert_eq!(
            (status, v["field"].as_str()),
            (400, Some(field)),
            "{q}: {v}"
        );
        assert_eq!(bot_status, 400, "{q}");
    }
    let (status, _) = admin.get(&app, "/api/reports/desk?days=7&colour=red").await;
    assert_eq!(status, 400);

    // The pages: the operator's own desk, no bot; the admin's filters kept
    // in the links and the CSV.
    let r = op
        .client
        .get(app.url("/console/reports?days=7"))
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Your own figures"));
    assert!(!page.contains("data-testid=\"report-bot\""));
    assert!(
        page.contains("data-testid=\"figure-opened\">1<"),
        "one ticket is Oscar's"
    );
    let r = op
        .client
        .get(app.url("/console/reports/summary.csv?days=7"))
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 400, "the bot's tables are the admins'");
    let r = admin
        .client
        .get(app.url("/console/reports?days=7&channel=portal"))
        .send()
        .await
        .expect("page");
    let page = r.text().await.expect("page");
    assert!(page.contains("data-testid=\"figure-opened\">2<"));
    assert!(page.contains("href=\"/console/reports/backlog.csv?days=7&amp;channel=portal\""));
    let csv = admin
        .client
        .get(app.url("/console/reports/backlog.csv?days=7&channel=portal"))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let last = csv.lines().last().expect("a row");
    assert!(last.ends_with(",2"), "{csv}");
}
