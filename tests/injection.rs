//! What users type cannot become markup or headers: CR/LF in names,
//! summaries, file names, emails and redirect targets never make a header
//! of an email or a response, and `<script>`, quote-breaking attributes in
//! summaries, descriptions, names, replies, chat messages and search
//! queries are shown escaped on the portal, console and help pages.

mod common;

use common::TestApp;
use common::live::{connect, next_of, send};
use common::principals::available;
use common::samples;
use common::who::{Who, file};
use reqwest::multipart::Form;
use serde_json::json;

const SCRIPT: &str = "<script>alert('xss')</script>";
const ATTR: &str = "\"><img src=x onerror=alert(1)>";
const SQUOTE: &str = "' onmouseover='alert(2)' x='";

/// A field value carrying every HTML payload, tagged to find it.
fn html_payload(tag: &str) -> String {
    format!("{tag} {SCRIPT} {ATTR} {SQUOTE}")
}

/// Header injections: a bare CR/LF, then headers that must not appear.
fn header_payload(tag: &str) -> String {
    format!("{tag}\r\nBcc: bcc@evil.test\r\nX-Injected: {tag}\nX-Injected-Lf: 1")
}

/// The tags of a page that carry an event handler attribute, and raw
/// payload markup.
fn unescaped(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for raw in [SCRIPT, ATTR, "<img src=x", "<script>alert"] {
        if html.contains(raw) {
            found.push(format!("raw {raw:?}"));
        }
    }
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start..];
        let end = after.find('>').map_or(after.len(), |e| e + 1);
        let tag = after[..end].to_lowercase();
        // What is outside the tag's quoted attribute values (payload
        // quotes inside values are escaped, so the quotes left delimit).
        let mut outside = String::new();
        let mut quote = None;
        for c in tag.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None => outside.push(c),
            }
        }
        if outside.contains("onerror") || outside.contains("onmouseover") {
            found.push(format!("tag {tag:?}"));
        }
        rest = &after[end.min(after.len()).max(1)..];
    }
    found
}

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.expect("html"))
}

/// The header block of an email, one header per entry (folded lines joined).
fn email_headers(eml: &str) -> Vec<String> {
    let head = eml.split("\r\n\r\n").next().unwrap_or(eml);
    let mut headers: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.push_str(line);
            }
        } else {
            headers.push(line.to_string());
        }
    }
    headers
}

#[tokio::test]
async fn cr_lf_in_what_users_type_never_makes_a_header() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let mut calls = 0;

    // A name, a summary and a reply carrying headers; all end in emails.
    let r = user
        .auth(user.client.put(app.url("/api/account")))
        .json(&json!({ "name": header_payload("name"), "locale": "en", "notify_status": true, "notify_replies": true }))
        .send()
        .await
        .expect("put");
    calls += 1;
    assert!(matches!(r.status().as_u16(), 200 | 400), "{}", r.status());
    let form = Form::new()
        .text("type", "bug_report")
        .text("priority", "normal")
        .text("summary", header_payload("summary"))
        .text("description", header_payload("description"));
    let (status, body) = user.multipart(&app, "/api/tickets", form).await;
    calls += 1;
    assert_eq!(status, 201, "{body}");
    let n = body["number"].as_i64().expect("number");
    let reply = Form::new().text("body", header_payload("reply"));
    let (status, _) = op
        .multipart(&app, &format!("/api/tickets/{n}/replies"), reply)
        .await;
    calls += 1;
    assert_eq!(status, 201);
    let (status, _) = op.status(&app, n, "resolved").await;
    calls += 1;
    assert_eq!(status, 200);

    // Emails with CR/LF are refused where they are addresses.
    for (who, path, body) in [
        (
            &admin,
            "/api/invitations",
            json!({ "email": header_payload("x@example.com"), "name": header_payload("invitee") }),
        ),
        (
            &admin,
            "/api/invitations",
            json!({ "email": "invitee@example.com", "name": header_payload("invitee") }),
        ),
        (
            &Who {
                client: reqwest::Client::new(),
                csrf: None,
                bearer: None,
            },
            "/api/widget/email-code",
            json!({ "email": header_payload("y@example.com") }),
        ),
        (
            &Who {
                client: reqwest::Client::new(),
                csrf: None,
                bearer: None,
            },
            "/api/password/forgot",
            json!({ "email": header_payload("user@demo.test") }),
        ),
    ] {
        let (status, answer) = who.post(&app, path, body.clone()).await;
        calls += 1;
        assert!(status < 500, "{path} {body}: {status} {answer}");
        if body["email"].as_str().is_some_and(|e| e.contains('\r')) {
            assert!(
                matches!(status, 400 | 202),
                "{path} took {body}: {status} {answer}"
            );
        }
    }

    // Every email written: one From/To/Subject each, nothing injected.
    app.wait_for_email("user@demo.test", "Resolved").await;
    app.wait_for_email("invitee@example.com", "token=").await;
    let outbox = app.outbox();
    assert!(outbox.len() >= 3, "{outbox:?}");
    for eml in &outbox {
        let headers = email_headers(eml);
        for h in &headers {
            let lower = h.to_lowercase();
            assert!(
                !lower.starts_with("bcc:") && !lower.starts_with("x-injected"),
                "an injected header {h:?} in\n{eml}"
            );
        }
        for name in ["to:", "from:", "subject:"] {
            let count = headers
                .iter()
                .filter(|h| h.to_lowercase().starts_with(name))
                .count();
            assert_eq!(count, 1, "{name} {count} times in\n{eml}");
        }
    }

    // File names with quotes, semicolons, CR/LF: the download's
    // Content-Disposition stays one well-formed header.
    let names = [
        "evil\r\nX-Injected: 1.png".to_string(),
        "quote\"; filename=evil.exe; x=\"y.png".to_string(),
        "back\\slash;\ttab.png".to_string(),
        header_payload("file") + ".png",
    ];
    let mut taken = 0;
    for name in &names {
        let form = Form::new()
            .text("body", "a file")
            .part("files", file(name, samples::sample("png")));
        let (status, answer) = user
            .multipart(&app, &format!("/api/tickets/{n}/replies"), form)
            .await;
        calls += 1;
        println!("file name {name:?}: {status} {answer}");
        assert!(matches!(status, 201 | 400), "{status} {answer}");
        taken += usize::from(status == 201);
    }
    // The same, with the name only in RFC 5987 form (reqwest would encode it).
    let boundary = "XBOUNDARYX";
    let mut raw = Vec::new();
    raw.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nraw\r\n")
            .as_bytes(),
    );
    raw.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename*=UTF-8''raw%0D%0AX-Injected%3A%202%22.png\r\nContent-Type: image/png\r\n\r\n").as_bytes());
    raw.extend_from_slice(&samples::sample("png"));
    raw.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = user
        .auth(
            user.client
                .post(app.url(&format!("/api/tickets/{n}/replies"))),
        )
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(raw)
        .send()
        .await
        .expect("raw multipart");
    calls += 1;
    let status = r.status().as_u16();
    println!(
        "file name in filename* only: {status} {}",
        r.text().await.unwrap_or_default()
    );
    assert!(matches!(status, 201 | 400));
    taken += usize::from(status == 201);
    assert!(taken >= 2, "most odd names are stored, cleaned: {taken}");
    let (_, ticket) = user.get(&app, &format!("/api/tickets/{n}")).await;
    let attachments = ticket["attachments"].as_array().expect("attachments");
    assert!(!attachments.is_empty(), "{ticket}");
    for a in attachments {
        let stored = a["file_name"].as_str().expect("name");
        assert!(!stored.contains(['\r', '\n']), "stored name {stored:?}");
        let url = a["url"].as_str().expect("url");
        let r = user
            .auth(user.client.get(app.url(url)))
            .send()
            .await
            .expect("download");
        calls += 1;
        assert_eq!(r.status(), 200, "{url}");
        assert!(r.headers().get("x-injected").is_none());
        let cd = r
            .headers()
            .get_all("content-disposition")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
            .collect::<Vec<_>>();
        assert_eq!(cd.len(), 1, "{cd:?}");
        let cd = &cd[0];
        let quoted = cd
            .split_once("filename=\"")
            .and_then(|(_, rest)| rest.split_once("\"; filename*=UTF-8''"))
            .map(|(q, _)| q)
            .unwrap_or_else(|| panic!("a filename and filename* in {cd:?}"));
        assert!(!quoted.contains(['"', '\\', '\r', '\n']), "{cd:?}");
        // The quoted name is one quoted string; the encoded one only
        // attribute characters: no parameter can start inside either.
        let encoded = cd.split_once("filename*=UTF-8''").map_or("", |(_, e)| e);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{cd:?}"
        );
    }

    // Redirect targets with CR/LF: no header, no server error.
    let nofollow = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let (_, login) = page(&nofollow, &app, "/portal/login").await;
    let i = login.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = login[i..i + 32].to_string();
    let r = nofollow
        .post(app.url("/portal/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "user@demo.test"),
            ("password", common::who::PW),
            ("next", "/portal\r\nSet-Cookie: injected=1"),
        ])
        .send()
        .await
        .expect("log in");
    calls += 1;
    assert!(
        r.status().as_u16() < 500,
        "log in with a CR/LF next: {}",
        r.status()
    );
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .all(|c| !c.as_bytes().starts_with(b"injected"))
    );
    for next in [
        "/portal%0D%0ASet-Cookie:%20injected=1",
        "/portal%0ASet-Cookie:%20injected=1",
    ] {
        let r = nofollow
            .get(app.url(&format!("/portal/login?next={next}")))
            .send()
            .await
            .expect("login page");
        calls += 1;
        assert!(
            r.status().as_u16() < 500,
            "GET /portal/login?next={next}: {}",
            r.status()
        );
        assert!(
            r.headers()
                .get_all("set-cookie")
                .iter()
                .all(|c| !c.as_bytes().starts_with(b"injected"))
        );
    }
    println!(
        "injection: {calls} header-injection attempts, {} emails checked, 0 injected headers",
        outbox.len()
    );
}

#[tokio::test]
async fn markup_in_what_users_type_is_shown_escaped() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let r = user
        .auth(user.client.put(app.url("/api/account")))
        .json(&json!({ "name": html_payload("name"), "locale": "en", "notify_status": true, "notify_replies": true }))
        .send()
        .await
        .expect("put");
    assert!(matches!(r.status().as_u16(), 200 | 400));

    let form = Form::new()
        .text("type", "bug_report")
        .text("priority", "normal")
        .text("summary", html_payload("summary"))
        .text(
            "description",
            html_payload("description")
                + "\n\n[link](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a>",
        )
        .text("category", html_payload("category"))
        .text("steps", html_payload("steps"))
        .part(
            "files",
            file(&(html_payload("file") + ".png"), samples::sample("png")),
        );
    let (status, body) = user.multipart(&app, "/api/tickets", form).await;
    assert_eq!(status, 201, "{body}");
    let n = body["number"].as_i64().expect("number");
    for who in [&user, &op] {
        let (status, _) = who
            .multipart(
                &app,
                &format!("/api/tickets/{n}/replies"),
                Form::new().text("body", html_payload("reply")),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, _) = op
        .multipart(
            &app,
            &format!("/api/tickets/{n}/replies"),
            Form::new()
                .text("body", html_payload("note"))
                .text("internal", "true"),
        )
        .await;
    assert_eq!(status, 201);

    // A chat about the ticket with a message carrying markup.
    available(&app, &op).await;
    let (status, chat) = user.post(&app, "/api/chats", json!({ "ticket": n })).await;
    assert_eq!(status, 201, "{chat}");
    let chat = chat["id"].as_str().expect("id").to_string();
    let (status, _) = op
        .post(&app, &format!("/api/chats/{chat}/accept"), json!({}))
        .await;
    assert_eq!(status, 200);
    let (cookie, _) = common::live::login(&app, "user@demo.test").await;
    let mut s = connect(&app, "/ws/widget", Some(&cookie)).await;
    send(&mut s, json!({ "type": "subscribe", "chat_id": chat })).await;
    next_of(&mut s, "subscribed").await;
    send(&mut s, json!({ "type": "message", "chat_id": chat, "client_id": "x-1", "text": html_payload("chat") })).await;
    next_of(&mut s, "ack").await;
    let (status, _) = op
        .post(&app, &format!("/api/chats/{chat}/end"), json!({}))
        .await;
    assert_eq!(status, 204);
    // The transcript reaches the ticket.
    let in_ticket = common::eventually(std::time::Duration::from_secs(10), || async {
        let (_, t) = op.get(&app, &format!("/api/tickets/{n}")).await;
        t.to_string().contains("chat <script>")
    })
    .await;
    assert!(in_ticket, "the chat's transcript is on the ticket");

    // The pages, as the user and as the operator.
    let mut pages = 0;
    let mut problems = Vec::new();
    let mut seen_payload = 0;
    let mut check = |what: String, status: u16, html: &str| {
        pages += 1;
        if status >= 500 {
            problems.push(format!("{what}: {status}"));
        }
        // The payloads' tags are on the page, escaped (so the check reads them).
        seen_payload += html.matches("&lt;script&gt;").count();
        for p in unescaped(html) {
            problems.push(format!("{what}: {p}"));
        }
    };
    let user_pages = [
        format!("/portal/tickets/{n}"),
        "/portal/tickets".into(),
        "/portal".into(),
        "/portal/chats".into(),
        "/portal/account".into(),
        "/portal/my-view".into(),
    ];
    for path in &user_pages {
        let (status, html) = page(&user.client, &app, path).await;
        check(format!("user {path}"), status, &html);
    }
    for path in [
        format!("/portal/tickets/{n}"),
        "/portal/tickets".into(),
        format!("/portal/tickets?q={}", urlencode(&html_payload("q"))),
        "/portal/my-view".into(),
        "/console".into(),
        "/portal/admin".into(),
    ] {
        let (status, html) = page(&op.client, &app, &path).await;
        check(format!("operator {path}"), status, &html);
    }
    // Help pages: search queries and paths echo what was typed.
    let anon = reqwest::Client::new();
    for path in [
        format!("/help/search?q={}", urlencode(&html_payload("search"))),
        format!(
            "/help/search?q={}&locale={}",
            urlencode(&html_payload("search")),
            urlencode(ATTR)
        ),
        format!("/help/en/{}", urlencode(&html_payload("path"))),
        format!(
            "/portal/login?next={}",
            urlencode(&format!("/portal{ATTR}"))
        ),
    ] {
        let (status, html) = page(&anon, &app, &path).await;
        check(format!("anonymous {path}"), status, &html);
    }
    // Forms shown again with an error keep what was typed, escaped.
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let (_, login) = page(&b, &app, "/portal/login").await;
    let i = login.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = login[i..i + 32].to_string();
    let r = b
        .post(app.url("/portal/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", &html_payload("email")),
            ("password", "x"),
            ("next", &html_payload("next")),
        ])
        .send()
        .await
        .expect("log in");
    let status = r.status().as_u16();
    check(
        "login form again".into(),
        status,
        &r.text().await.expect("html"),
    );
    let portal = portal_session(&app, "user@demo.test").await;
    let (_, new_page) = page(&portal.0, &app, "/portal/tickets/new").await;
    let i = new_page.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = new_page[i..i + 32].to_string();
    let form = Form::new()
        .text("csrf", csrf)
        .text("type", "bug_report")
        .text("priority", "normal")
        .text("summary", "")
        .text("description", html_payload("again"))
        .text("category", html_payload("again-category"));
    let r = portal
        .0
        .post(app.url("/portal/tickets"))
        .multipart(form)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    let html = r.text().await.expect("html");
    assert!(
        html.contains("again"),
        "the form is shown again with what was typed"
    );
    check("new ticket form again".into(), status, &html);

    println!(
        "injection: {pages} pages checked, {} payloads seen escaped, {} unescaped",
        seen_payload,
        problems.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check saw the payloads (escaped) on the ticket pages at least.
    assert!(
        seen_payload >= 8,
        "only {seen_payload} escaped payloads seen"
    );
}

async fn portal_session(app: &TestApp, email: &str) -> (reqwest::Client,) {
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let (_, login) = page(&b, app, "/portal/login").await;
    let i = login.find("name=\"csrf\" value=\"").expect("csrf") + 19;
    let csrf = login[i..i + 32].to_string();
    let r = b
        .post(app.url("/portal/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", common::who::PW),
        ])
        .send()
        .await
        .expect("log in");
    assert_eq!(r.status(), 200);
    (b,)
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
