//! Drafting a help article from a resolved ticket or a content gap: the
//! draft keeps the question and the staff's public answer, loses the
//! personal data and the internal notes; published, it is a file in the
//! knowledge-base folder, a page of the help center and a source the bot
//! cites at once; each step is in the tickets' history.

mod common;

use common::TestApp;
use common::who::Who;
use reqwest::multipart::Form;
use serde_json::{Value, json};

/// The bundled knowledge base copied, so that publishing does not write
/// into the repository.
fn own_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    common::copy_dir(&common::bundled_kb(), dir.path());
    dir
}

async fn reply(app: &TestApp, who: &Who, number: i64, body: &str, internal: bool) {
    let mut form = Form::new().text("body", body.to_string());
    if internal {
        form = form.text("internal", "true");
    }
    let (status, v) = who
        .multipart(app, &format!("/api/tickets/{number}/replies"), form)
        .await;
    assert!(status == 201 || status == 200, "{status} {v}");
}

async fn put(app: &TestApp, who: &Who, path: &str, body: Value) -> (u16, Value) {
    let r = who
        .auth(who.client.put(app.url(path)))
        .json(&body)
        .send()
        .await
        .expect("PUT");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_resolved_tickets_answer_is_published_and_cited_by_the_bot() {
    let kb = own_kb();
    let app = TestApp::spawn_with(kb.path(), Some("demo_activity = false"), true).await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let admin = Who::login(&app, "admin@demo.test").await;

    let form = Form::new()
        .text("type", "settings_help")
        .text("priority", "normal")
        .text("summary", "The zorblat export doubles the totals")
        .text(
            "description",
            "Hi, this is Uma User (user@demo.test). Since Tuesday the zorblat export of exam 48213 doubles every total. Call me on +40 722 123 456.",
        );
    let (status, v) = user.multipart(&app, "/api/tickets", form).await;
    assert_eq!(status, 201, "{v}");
    let number = v["number"].as_i64().expect("number");

    reply(
        &app,
        &op,
        number,
        "Hi Uma,\n\nDoubled totals in the zorblat export come from exporting before the grades are recalculated: open Grading, choose Recalculate totals, then export again. I fixed exam 48213 for you and wrote to user@demo.test.\n\nBest regards,\nOscar Operator\nSupport team",
        false,
    )
    .await;
    reply(
        &app,
        &op,
        number,
        "Internal: she is on the legacy Quokka plan.",
        true,
    )
    .await;

    // Not resolved yet: nothing to draft from.
    let (status, v) = admin
        .post(&app, "/api/drafts", json!({ "ticket": number }))
        .await;
    assert_eq!(status, 409, "{v}");
    let (status, v) = op.status(&app, number, "resolved").await;
    assert_eq!(status, 200, "{v}");

    // Only admins draft; bad requests are refused by field.
    let (status, _) = op
        .post(&app, "/api/drafts", json!({ "ticket": number }))
        .await;
    assert_eq!(status, 403);
    let (status, v) = admin
        .post(&app, "/api/drafts", json!({ "ticket": 999_999 }))
        .await;
    assert_eq!((status, v["field"].as_str()), (400, Some("ticket")), "{v}");
    let (status, v) = admin.post(&app, "/api/drafts", json!({})).await;
    assert_eq!(status, 400, "{v}");
    let (status, v) = admin
        .post(
            &app,
            "/api/drafts",
            json!({ "ticket": number, "colour": "red" }),
        )
        .await;
    assert_eq!(status, 400, "{v}");

    let (status, draft) = admin
        .post(&app, "/api/drafts", json!({ "ticket": number }))
        .await;
    assert_eq!(status, 201, "{draft}");
    let body = draft["body"].as_str().expect("body");
    assert!(body.contains("> "), "the question is quoted: {body}");
    assert!(body.contains("zorblat export"), "{body}");
    assert!(
        body.contains("open Grading, choose Recalculate totals"),
        "{body}"
    );
    for personal in [
        "Uma",
        "Oscar",
        "user@demo.test",
        "48213",
        "722",
        "Best regards",
        "Support team",
        "Quokka",
    ] {
        assert!(!body.contains(personal), "{personal:?} is left in: {body}");
        assert!(
            !draft["markdown"].as_str().unwrap_or("").contains(personal),
            "{personal:?} in the file"
        );
    }
    assert!(
        body.contains("[email]") && body.contains("[number]"),
        "{body}"
    );
    assert_eq!(draft["title"], "The zorblat export doubles the totals");
    assert_eq!(draft["locale"], "en");
    assert_eq!(draft["tickets"], json!([number]));
    assert!(draft["published_url"].is_null());
    let id = draft["id"].as_str().expect("id").to_string();

    // The admin edits it; a bad edit changes nothing.
    let edit = json!({
        "title": "Fix doubled totals in the zorblat export",
        "category": "Grading",
        "locale": "en",
        "tags": ["zorblat", "export", "totals"],
        "body": body,
    });
    let (status, v) = put(
        &app,
        &admin,
        &format!("/api/drafts/{id}"),
        json!({ "title": "", "category": "Grading", "locale": "en", "body": "x" }),
    )
    .await;
    assert_eq!((status, v["field"].as_str()), (400, Some("title")), "{v}");
    let (status, v) = put(&app, &admin, &format!("/api/drafts/{id}"), edit.clone()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["path"],
        "en/grading/fix-doubled-totals-in-the-zorblat-export.md"
    );
    let (status, v) = admin.get(&app, &format!("/api/drafts/{id}")).await;
    assert_eq!(
        (status, v["tags"].clone()),
        (200, json!(["zorblat", "export", "totals"]))
    );
    let (status, _) = admin.get(&app, "/api/drafts/no-such-draft").await;
    assert_eq!(status, 404);

    // Published: a file in the folder, a page, and the bot's source.
    let (status, done) = admin
        .post(&app, &format!("/api/drafts/{id}/publish"), edit.clone())
        .await;
    assert_eq!(status, 200, "{done}");
    let url = done["published_url"].as_str().expect("url").to_string();
    assert_eq!(
        url,
        "/help/en/grading/fix-doubled-totals-in-the-zorblat-export"
    );
    let file = kb
        .path()
        .join("en/grading/fix-doubled-totals-in-the-zorblat-export.md");
    let written = std::fs::read_to_string(&file).expect("the article file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "readable like its neighbours: {mode:o}"
        );
    }
    assert!(written.starts_with("---\n"), "{written}");
    assert!(written.contains("title: Fix doubled totals in the zorblat export"));
    assert!(written.contains("category: Grading"));
    assert!(!written.contains("Uma") && !written.contains("Quokka"));
    let (status, page) = app.get_text(&url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Fix doubled totals in the zorblat export"));
    let answer = app
        .ask_question("my zorblat export doubles the totals, how do I fix it?")
        .await;
    assert_eq!(
        common::top_source(&answer).split('#').next(),
        Some(url.as_str()),
        "{answer}"
    );

    // Once only; the same title again is refused, the file kept.
    let (status, v) = admin
        .post(&app, &format!("/api/drafts/{id}/publish"), edit.clone())
        .await;
    assert_eq!(status, 409, "{v}");
    let (status, _) = put(&app, &admin, &format!("/api/drafts/{id}"), edit.clone()).await;
    assert_eq!(status, 409);
    let (_, second) = admin
        .post(&app, "/api/drafts", json!({ "ticket": number }))
        .await;
    let second_id = second["id"].as_str().expect("id");
    let (status, v) = admin
        .post(&app, &format!("/api/drafts/{second_id}/publish"), edit)
        .await;
    assert_eq!(status, 409, "{v}");
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), written);

    // Every step is in the ticket's history (for staff).
    let (_, t) = op.get(&app, &format!("/api/tickets/{number}")).await;
    let history = t.to_string();
    assert!(
        history.contains("Drafted a help-center article from this ticket"),
        "{history}"
    );
    assert!(
        history.contains(&format!(
            "Published the help-center article “Fix doubled totals in the zorblat export” at {url}"
        )),
        "{history}"
    );
    let (_, t) = user.get(&app, &format!("/api/tickets/{number}")).await;
    assert!(
        !t.to_string().contains("help-center article"),
        "notes are internal"
    );
}

/// The hidden fields of the first "Draft an article" form of a page.
fn first_form(page: &str) -> Vec<(String, String)> {
    let start = page
        .find("action=\"/console/drafts\"")
        .expect("a draft form");
    let end = start + page[start..].find("</form>").expect("form end");
    let mut fields = Vec::new();
    let mut rest = &page[start..end];
    while let Some(i) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[i + 27..];
        let name = &rest[..rest.find('"').expect("name")];
        let v = rest.find("value=\"").expect("value") + 7;
        let value = &rest[v..v + rest[v..].find('"').expect("value end")];
        fields.push((name.to_string(), unescape(value)));
    }
    fields
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_content_gap_is_drafted_and_published_with_the_console_forms() {
    let kb = own_kb();
    let app = TestApp::spawn_with(kb.path(), Some("demo_activity = true"), true).await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let r = admin
        .client
        .get(app.url("/console/reports/gaps?days=30"))
        .send()
        .await
        .expect("gaps");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    let fields = first_form(&page);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let questions = get("questions");
    assert!(!questions.trim().is_empty(), "{fields:?}");

    let cookie_client = admin.client.clone();
    let csrf = admin.csrf.clone().expect("token");
    let mut forged_fields: Vec<(String, String)> = fields
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    forged_fields.push(("csrf".into(), "0".repeat(32)));
    let forged = cookie_client
        .post(app.url("/console/drafts"))
        .form(&forged_fields)
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), 400, "a wrong token, no draft");
    let mut with_token: Vec<(String, String)> = fields
        .iter()
        .filter(|(n, _)| n != "csrf")
        .cloned()
        .collect();
    with_token.push(("csrf".into(), csrf.clone()));
    let made = cookie_client
        .post(app.url("/console/drafts"))
        .form(&with_token)
        .send()
        .await
        .expect("draft");
    assert_eq!(made.status(), 200, "followed to the editor");
    let editor_url = made.url().path().to_string();
    assert!(editor_url.starts_with("/console/drafts/"), "{editor_url}");
    let editor = made.text().await.expect("editor");
    let first_question = questions.lines().next().expect("a question");
    assert!(
        editor.contains(&first_question.replace('\'', "&#x27;")),
        "the gap's question is in the draft"
    );
    assert!(
        editor.contains("Write the answer here."),
        "no ticket answered it"
    );

    // Publishing without an answer is refused, and what was typed is kept.
    let typed_title = "Exporting grades: what people ask";
    let body_without = format!("> {first_question}\n\n## Answer\n\nWrite the answer here.");
    let r = cookie_client
        .post(app.url(&editor_url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", typed_title),
            ("category", "Grading"),
            ("locale", "en"),
            ("tags", "grades, export"),
            ("body", body_without.as_str()),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("publish");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("write the answer before publishing"),
        "{page}"
    );
    assert!(page.contains(typed_title), "the typed title is kept");

    let body = format!(
        "> {first_question}\n\n## Answer\n\nThe plonkberry report lists every grade: open Grading, then Plonkberry report."
    );
    let r = cookie_client
        .post(app.url(&editor_url))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", typed_title),
            ("category", "Grading"),
            ("locale", "en"),
            ("tags", "grades, export"),
            ("body", body.as_str()),
            ("action", "publish"),
        ])
        .send()
        .await
        .expect("publish");
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("data-testid=\"published\""), "{page}");
    let url = "/help/en/grading/exporting-grades-what-people-ask";
    assert!(page.contains(url), "{page}");
    assert!(
        kb.path()
            .join("en/grading/exporting-grades-what-people-ask.md")
            .is_file()
    );
    let answer = app
        .ask_question("where is the plonkberry report of grades?")
        .await;
    assert_eq!(
        common::top_source(&answer).split('#').next(),
        Some(url),
        "{answer}"
    );

    let (_, list) = admin.get(&app, "/api/drafts").await;
    assert_eq!(list[0]["published_url"], url, "{list}");
    let r = cookie_client
        .get(app.url("/console/drafts"))
        .send()
        .await
        .expect("list");
    assert!(r.text().await.expect("page").contains(typed_title));
}
