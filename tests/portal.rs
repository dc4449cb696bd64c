//! The end-user portal as a browser without JavaScript uses it: forms with
//! CSRF tokens, redirects, and the pages' content.

mod common;

use common::{TestApp, samples};
use reqwest::multipart::{Form, Part};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .expect("client")
}

/// The value of the first hidden `csrf` field of a page.
fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[i..i + 32].to_string()
}

async fn text(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let url = r.url().path().to_string();
    (status, url, r.text().await.expect("body"))
}

async fn logged_in(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let b = browser();
    let (_, _, page) = text(
        b.get(app.url("/portal/login"))
            .send()
            .await
            .expect("login page"),
    )
    .await;
    let csrf = csrf_of(&page);
    let (status, url, page) = text(
        b.post(app.url("/portal/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", "demo-password"),
                ("next", "/portal"),
            ])
            .send()
            .await
            .expect("log in"),
    )
    .await;
    assert_eq!((status, url.as_str()), (200, "/portal"), "{page}");
    let csrf = csrf_of(&page);
    (b, csrf)
}

#[tokio::test]
async fn portal_login_open_a_ticket_follow_it_and_log_out() {
    let app = TestApp::spawn_demo("").await;
    // Pages need a log-in.
    let (status, url, _) = text(
        browser()
            .get(app.url("/portal/tickets"))
            .send()
            .await
            .expect("get"),
    )
    .await;
    assert_eq!((status, url.as_str()), (200, "/portal/login"));
    // A wrong password keeps the email and says what is wrong.
    let b = browser();
    let (_, _, page) = text(b.get(app.url("/portal/login")).send().await.expect("page")).await;
    let csrf = csrf_of(&page);
    let (status, _, page) = text(
        b.post(app.url("/portal/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "user@demo.test"),
                ("password", "nope"),
            ])
            .send()
            .await
            .expect("login"),
    )
    .await;
    assert_eq!(status, 401);
    assert!(page.contains("Wrong email or password") && page.contains("user@demo.test"));
    // A form without the right token is refused.
    let (status, _, _) = text(
        b.post(app.url("/portal/login"))
            .form(&[
                ("csrf", "0".repeat(32).as_str()),
                ("email", "user@demo.test"),
                ("password", "demo-password"),
            ])
            .send()
            .await
            .expect("login"),
    )
    .await;
    assert_eq!(status, 400);

    let (b, csrf) = logged_in(&app, "user@demo.test").await;
    let (_, _, home) = text(b.get(app.url("/portal")).send().await.expect("home")).await;
    assert!(home.contains("Hello Uma User"));
    assert!(home.contains("This is your first log-in"));

    // The form's required fields: a missing summary is explained, the rest kept.
    let (_, _, form_page) = text(
        b.get(app.url("/portal/tickets/new"))
            .send()
            .await
            .expect("new"),
    )
    .await;
    for label in ["Type", "Priority", "Summary", "Description"] {
        assert!(
            form_page.contains(&format!("{label} <span class=\"req\"")),
            "{label} is marked required"
        );
    }
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("source", "portal")
        .text("type", "bug_report")
        .text("priority", "urgent")
        .text("description", "The grade export shows an empty file.");
    let (status, _, page) = text(
        b.post(app.url("/portal/tickets"))
            .multipart(form)
            .send()
            .await
            .expect("post"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("Please give the request a short title."),
        "{page}"
    );
    assert!(page.contains("The grade export shows an empty file."));

    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("source", "portal")
        .text("type", "bug_report")
        .text("priority", "urgent")
        .text("summary", "Grade export is empty")
        .text("description", "The grade export shows an empty file.")
        .text("reproducibility", "always")
        .text("impact", "everyone")
        .text("steps", "1. Open Grading\n2. Export")
        .text("additional_info", "Also contact: maria@example.com")
        .part(
            "files",
            Part::bytes(samples::sample("png")).file_name("export.png"),
        );
    let (status, url, page) = text(
        b.post(app.url("/portal/tickets"))
            .multipart(form)
            .send()
            .await
            .expect("post"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(url.starts_with("/portal/tickets/100"), "{url}");
    assert!(page.contains("is created"));
    assert!(page.contains("data-status=\"new\""));
    assert!(page.contains("status-new"));
    assert!(page.contains("export.png"));
    assert!(page.contains("1 hour"), "urgent target shown");
    let number: String = url.rsplit('/').next().unwrap_or("").to_string();

    // All tickets: filters by status and text, and the quick search by number.
    let (_, _, list) = text(
        b.get(app.url("/portal/tickets?status=new&q=export"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(list.contains("Grade export is empty"));
    let (_, _, list) = text(
        b.get(app.url("/portal/tickets?status=closed"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert!(!list.contains("Grade export is empty"));
    let (status, _, _) = text(
        b.get(app.url("/portal/tickets?status=bogus"))
            .send()
            .await
            .expect("list"),
    )
    .await;
    assert_eq!(status, 400);
    let (_, url, _) = text(
        b.get(app.url(&format!("/portal/goto?number=%23{number}")))
            .send()
            .await
            .expect("goto"),
    )
    .await;
    assert_eq!(url, format!("/portal/tickets/{number}"));
    let (_, _, view) = text(
        b.get(app.url("/portal/my-view"))
            .send()
            .await
            .expect("view"),
    )
    .await;
    assert!(view.contains("Grade export is empty"));

    // Reply from the portal.
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("body", "It happens in Firefox too.");
    let (status, _, page) = text(
        b.post(app.url(&format!("/portal/tickets/{number}/reply")))
            .multipart(form)
            .send()
            .await
            .expect("reply"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("It happens in Firefox too."));

    // My account: preferences.
    let (status, _, page) = text(
        b.post(app.url("/portal/account"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", "Uma U."),
                ("locale", "fr"),
                ("notify_replies", "true"),
            ])
            .send()
            .await
            .expect("account"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"Uma U.\"") && page.contains("<option value=\"fr\" selected"));

    // Log out ends the session.
    let (_, url, _) = text(
        b.post(app.url("/portal/logout"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .expect("logout"),
    )
    .await;
    assert_eq!(url, "/portal/login");
    let (_, url, _) = text(b.get(app.url("/portal")).send().await.expect("home")).await;
    assert_eq!(url, "/portal/login");
}

#[tokio::test]
async fn invitation_link_sets_the_password_once_and_operators_see_actions() {
    let app = TestApp::spawn_demo("").await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(app.data.path())
        .args(["user", "invite", "invitee@example.com", "--name", "Ivy"])
        .output()
        .expect("frontdesk user invite");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let i = printed.find("/account/password?token=").expect("a link");
    let path = printed[i..]
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let b = browser();
    let (_, _, page) = text(b.get(app.url(&path)).send().await.expect("page")).await;
    assert!(page.contains("Choose your password"));
    let token = path.rsplit('=').next().unwrap_or("").to_string();
    let csrf = csrf_of(&page);
    let (_, url, _) = text(
        b.post(app.url("/account/password"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("token", token.as_str()),
                ("password", "a-good-password-1"),
            ])
            .send()
            .await
            .expect("set"),
    )
    .await;
    assert_eq!(url, "/portal/login");
    let (_, _, page) = text(b.get(app.url(&path)).send().await.expect("again")).await;
    assert!(page.contains("expired or was already used"));

    // The operator's ticket page offers only the moves the workflow allows.
    let (user, csrf) = logged_in(&app, "user@demo.test").await;
    let form = Form::new()
        .text("csrf", csrf)
        .text("source", "portal")
        .text("type", "settings_help")
        .text("summary", "Time zone")
        .text("description", "How do I set the exam time zone?");
    let (_, url, _) = text(
        user.post(app.url("/portal/tickets"))
            .multipart(form)
            .send()
            .await
            .expect("post"),
    )
    .await;
    let (op, op_csrf) = logged_in(&app, "operator@demo.test").await;
    let (_, _, page) = text(op.get(app.url(&url)).send().await.expect("ticket")).await;
    assert!(page.contains("Mark as read (In analysis)") && page.contains("Resolve"));
    assert!(
        !page.contains("Ask the user for feedback"),
        "feedback needs an assignee first"
    );
    assert!(!page.contains(">Reopen<"));
    let (_, _, page) = text(
        op.post(app.url(&format!("{url}/status")))
            .form(&[("csrf", op_csrf.as_str()), ("status", "assigned")])
            .send()
            .await
            .expect("assign"),
    )
    .await;
    assert!(page.contains("status-assigned") && page.contains("Oscar Operator"));
    assert!(page.contains("Ask the user for feedback"));
    // The requester's page shows no operator buttons.
    let (_, _, page) = text(user.get(app.url(&url)).send().await.expect("ticket")).await;
    assert!(!page.contains("Resolve") && !page.contains("Internal note"));
}

#[tokio::test]
async fn admins_invite_people_from_the_portal_and_others_cannot() {
    let app = TestApp::spawn_demo("").await;
    let (user, csrf) = logged_in(&app, "user@demo.test").await;
    let (status, _, _) = text(
        user.get(app.url("/portal/admin"))
            .send()
            .await
            .expect("page"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = text(
        user.post(app.url("/portal/admin/invite"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "x@example.com"),
                ("role", "admin"),
            ])
            .send()
            .await
            .expect("invite"),
    )
    .await;
    assert_eq!(status, 400);

    let (admin, csrf) = logged_in(&app, "admin@demo.test").await;
    let (_, _, page) = text(admin.get(app.url("/portal")).send().await.expect("home")).await;
    assert!(page.contains("href=\"/portal/admin\""), "admins see People");
    let (status, _, page) = text(
        admin
            .post(app.url("/portal/admin/invite"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "New.Op@Example.com"),
                ("name", "Nora"),
                ("role", "operator"),
            ])
            .send()
            .await
            .expect("invite"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Invitation sent to new.op@example.com."),
        "{page}"
    );
    assert!(
        page.contains("<td data-label=\"Email\">new.op@example.com</td><td data-label=\"Name\">Nora</td><td data-label=\"Role\">operator</td><td data-label=\"Last log-in\">never</td>")
    );
    app.wait_for_email("new.op@example.com", "token=").await;
    // Twice: a clear error, the form keeps what was typed.
    let (status, _, page) = text(
        admin
            .post(app.url("/portal/admin/invite"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "new.op@example.com"),
                ("name", "Nora"),
                ("role", "operator"),
            ])
            .send()
            .await
            .expect("invite"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        page.contains("already has an account") && page.contains("value=\"new.op@example.com\"")
    );
}

#[tokio::test]
async fn error_messages_come_from_the_server_not_from_the_link() {
    let app = TestApp::spawn_demo("").await;
    let (b, csrf) = logged_in(&app, "user@demo.test").await;
    let form = Form::new()
        .text("csrf", csrf.clone())
        .text("type", "bug_report")
        .text("priority", "normal")
        .text("summary", "Flash test")
        .text("description", "Details");
    let (status, url, _) = text(
        b.post(app.url("/portal/tickets"))
            .multipart(form)
            .send()
            .await
            .expect("create"),
    )
    .await;
    assert_eq!(status, 200);
    let ticket = url.clone();
    // A link carrying text of its own choosing shows none of it.
    let (_, _, page) = text(
        b.get(app.url(&format!(
            "{ticket}?error=Your+account+is+locked.+Call+%2B1-555-0100"
        )))
        .send()
        .await
        .expect("page"),
    )
    .await;
    assert!(!page.contains("Call +1-555-0100"), "{page}");
    assert!(!page.contains("Your account is locked"));
    // A real error (an empty reply) is shown once, on the page it leads to.
    let (_, _, page) = text(
        b.post(app.url(&format!("{ticket}/reply")))
            .multipart(Form::new().text("csrf", csrf.clone()).text("body", ""))
            .send()
            .await
            .expect("reply"),
    )
    .await;
    assert!(
        page.contains("Please write a message or attach a file."),
        "{page}"
    );
    let (_, _, again) = text(b.get(app.url(&ticket)).send().await.expect("page")).await;
    assert!(!again.contains("Please write a message or attach a file."));
}
