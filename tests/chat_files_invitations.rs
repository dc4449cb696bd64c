//! Live chat beyond text, over real HTTP and WebSockets: files sent in a
//! chat (checked like ticket attachments, delivered, kept on the ticket),
//! reading messages after an id, operators inviting a ticket's user to
//! chat, earlier chats of a ticket, admins' teams and who may read a
//! team's chat.

mod common;

use common::TestApp;
use common::live::{Socket, connect, next_of, send};
use common::samples;
use common::who::{Who, file};
use reqwest::multipart::Form;
use serde_json::{Value, json};

async fn available(app: &TestApp, op: &Who) {
    let r = op
        .auth(op.client.put(app.url("/api/operator/availability")))
        .json(&json!({ "availability": "available" }))
        .send()
        .await
        .expect("availability");
    assert_eq!(r.status(), 200);
}

/// The session cookie of a logged-in `Who`, for a WebSocket handshake.
async fn socket_for(app: &TestApp, email: &str, path: &str) -> Socket {
    let (cookie, _) = common::live::login(app, email).await;
    connect(app, path, Some(&cookie)).await
}

/// The next event about an invitation reaching the given status.
async fn invitation_event(s: &mut Socket, id: &str, status: &str) -> Value {
    loop {
        let v = next_of(s, "invitation").await;
        if v["id"] == id && v["status"] == status {
            return v;
        }
    }
}

fn upload(name: &str, bytes: Vec<u8>, client_id: &str) -> Form {
    Form::new()
        .text("client_id", client_id.to_string())
        .part("file", file(name, bytes))
}

#[tokio::test]
async fn files_in_a_chat_are_checked_delivered_and_kept_on_the_ticket() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    available(&app, &op).await;
    let number = user.open_ticket(&app, "Export fails").await;
    let (status, chat) = user
        .post(&app, "/api/chats", json!({ "ticket": number }))
        .await;
    assert_eq!(status, 201, "{chat}");
    let id = chat["id"].as_str().expect("id").to_string();
    let (status, _) = op
        .post(&app, &format!("/api/chats/{id}/accept"), json!({}))
        .await;
    assert_eq!(status, 200);
    let mut op_socket = socket_for(&app, "operator@demo.test", "/ws/console").await;
    send(
        &mut op_socket,
        json!({ "type": "subscribe", "chat_id": id }),
    )
    .await;
    next_of(&mut op_socket, "subscribed").await;

    // A screenshot: stored, acknowledged with its id, delivered live.
    let png = samples::sample("png");
    let path = format!("/api/chats/{id}/files");
    let (status, sent) = user
        .multipart(&app, &path, upload("screen shot.png", png.clone(), "f-1"))
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["kind"], "file");
    assert_eq!(sent["text"], "screen shot.png");
    let live = next_of(&mut op_socket, "message").await;
    assert_eq!(live["id"], sent["id"]);
    assert_eq!(live["file"]["content_type"], "image/png");
    // The same upload again (a lost answer): the same message, not two.
    let (status, again) = user
        .multipart(&app, &path, upload("screen shot.png", png.clone(), "f-1"))
        .await;
    assert_eq!(status, 201);
    assert_eq!(again["id"], sent["id"]);

    // Refused like ticket attachments, and nothing is stored for them.
    for (name, bytes, code) in [
        ("invoice.pdf", samples::exe_disguised_as_pdf(), 400),
        (
            "page.html",
            b"<html><script>1</script></html>".to_vec(),
            400,
        ),
        (
            "vector.svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            400,
        ),
        // Markup named .txt, a zip bomb named .docx, any ZIP named .xlsx.
        (
            "notes.txt",
            b"<html><script>1</script></html>".to_vec(),
            400,
        ),
        ("report.docx", samples::zip_bomb_docx(10), 400),
        ("sheet.xlsx", samples::zip(&[("a.txt", b"a")]), 400),
    ] {
        let (status, body) = user
            .multipart(&app, &path, upload(name, bytes, "f-bad"))
            .await;
        assert_eq!(status, code, "{name}: {body}");
    }
    let (status, body) = user
        .multipart(
            &app,
            &path,
            Form::new().part("file", file("a.png", png.clone())),
        )
        .await;
    assert_eq!(status, 400, "client_id is required: {body}");
    let (status, body) = user
        .multipart(&app, &path, Form::new().text("client_id", "f-2"))
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("file")));

    // Messages after an id, over HTTP.
    let (status, all) = op
        .get(&app, &format!("/api/chats/{id}/messages?after=0"))
        .await;
    assert_eq!(status, 200);
    let files: Vec<&Value> = all
        .as_array()
        .expect("list")
        .iter()
        .filter(|m| m["kind"] == "file")
        .collect();
    assert_eq!(files.len(), 1, "{all}");
    let last = all.as_array().and_then(|a| a.last()).expect("one")["id"]
        .as_i64()
        .expect("id");
    let (_, none) = op
        .get(&app, &format!("/api/chats/{id}/messages?after={last}"))
        .await;
    assert_eq!(none, json!([]));
    let (status, _) = op
        .get(&app, &format!("/api/chats/{id}/messages?after=soon"))
        .await;
    assert_eq!(status, 400);

    // Downloads: the participants get the bytes; nobody else gets anything.
    let url = sent["file"]["url"].as_str().expect("url").to_string();
    let r = op
        .auth(op.client.get(app.url(&url)))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), png);
    let r = reqwest::get(app.url(&url)).await.expect("anonymous");
    assert_eq!(r.status(), 401);
    let admin = Who::login(&app, "admin@demo.test").await;
    let stranger = common::who::invited_user(&app, &admin, "stranger@example.com").await;
    let (status, _) = stranger.get(&app, &url).await;
    assert_eq!(status, 404);
    let (status, _) = stranger
        .multipart(&app, &path, upload("x.png", png.clone(), "s-1"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = stranger
        .get(&app, &format!("/api/chats/{id}/messages"))
        .await;
    assert_eq!(status, 404);

    // The ticket shows the transcript with the file, and has the file.
    let (status, ticket) = user.get(&app, &format!("/api/tickets/{number}")).await;
    assert_eq!(status, 200);
    let text = ticket.to_string();
    assert!(text.contains("sent a file: screen shot.png"), "{text}");
    let attachments = ticket["attachments"].as_array().expect("attachments");
    assert!(
        attachments
            .iter()
            .any(|a| a["name"] == "screen shot.png" || a["file_name"] == "screen shot.png"),
        "{attachments:?}"
    );

    // After the end, no more files.
    let (status, _) = user
        .post(&app, &format!("/api/chats/{id}/end"), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, _) = user
        .multipart(&app, &path, upload("late.png", png, "f-9"))
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn an_operator_invites_a_tickets_user_to_chat() {
    let app = TestApp::spawn_demo("").await;
    let user = Who::login(&app, "user@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    available(&app, &op).await;
    let number = user.open_ticket(&app, "Sync stopped").await;
    let other = user.open_ticket(&app, "Invoice address wrong").await;

    // An earlier chat about the ticket, ended.
    let (_, first) = user
        .post(&app, "/api/chats", json!({ "ticket": number }))
        .await;
    let first = first["id"].as_str().expect("id").to_string();
    op.post(&app, &format!("/api/chats/{first}/accept"), json!({}))
        .await;
    let mut user_socket = socket_for(&app, "user@demo.test", "/ws/widget").await;
    send(
        &mut user_socket,
        json!({ "type": "subscribe", "chat_id": first }),
    )
    .await;
    next_of(&mut user_socket, "subscribed").await;
    send(
        &mut user_socket,
        json!({ "type": "message", "chat_id": first, "client_id": "u-1", "text": "It stopped on Monday" }),
    )
    .await;
    next_of(&mut user_socket, "ack").await;
    let (status, _) = op
        .post(&app, &format!("/api/chats/{first}/end"), json!({}))
        .await;
    assert_eq!(status, 204);

    // The operator invites; the user's widget hears of it at once.
    let mut op_socket = socket_for(&app, "operator@demo.test", "/ws/console").await;
    let path = format!("/api/tickets/{number}/chat-invitations");
    let (status, inv) = op.post(&app, &path, json!({})).await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["ticket"], number);
    let told = next_of(&mut user_socket, "invitation").await;
    assert_eq!(told["id"], inv["id"]);
    assert_eq!(told["operator"], "Oscar Operator");
    let inv_id = inv["id"].as_str().expect("id").to_string();
    // One at a time per ticket; users cannot invite; others cannot see it.
    let (status, _) = op.post(&app, &path, json!({})).await;
    assert_eq!(status, 409);
    let (status, _) = user.post(&app, &path, json!({})).await;
    assert_eq!(status, 403);
    let (status, mine) = user.get(&app, "/api/chat-invitations").await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    // The operator finds what they sent (the console after a reload); the
    // user sent nothing, the operator has nothing to answer.
    let (status, sent) = op.get(&app, "/api/chat-invitations?sent=true").await;
    assert_eq!(status, 200);
    assert_eq!(sent[0]["id"], inv["id"], "{sent}");
    assert_eq!(sent[0]["ticket"], number);
    assert_eq!(sent.as_array().map(Vec::len), Some(1));
    let (_, sent) = user.get(&app, "/api/chat-invitations?sent=true").await;
    assert_eq!(sent, json!([]));
    let (_, waiting) = op.get(&app, "/api/chat-invitations").await;
    assert_eq!(waiting, json!([]));
    let (status, bad) = op.get(&app, "/api/chat-invitations?sent=maybe").await;
    assert_eq!(status, 400, "{bad}");
    let (status, _) = op
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403, "only the user accepts");

    // The user accepts: a chat with that operator, about that ticket.
    let (status, accepted) = user
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    let chat = accepted["chat_id"].as_str().expect("chat").to_string();
    let heard = invitation_event(&mut op_socket, &inv_id, "accepted").await;
    assert_eq!(heard["chat_id"].as_str(), Some(chat.as_str()));
    let (status, again) = user
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 409, "answered once: {again}");
    let (_, sent) = op.get(&app, "/api/chat-invitations?sent=true").await;
    assert_eq!(sent, json!([]), "answered: no longer waiting");
    let (status, state) = op.get(&app, &format!("/api/chats/{chat}")).await;
    assert_eq!(status, 200);
    assert_eq!(state["status"], "active");
    assert_eq!(state["operator"], "Oscar Operator");
    assert_eq!(state["context"]["ticket_number"], number);
    // The operator sees the user's other tickets, not this one.
    let others: Vec<i64> = state["context"]["other_tickets"]
        .as_array()
        .expect("other tickets")
        .iter()
        .filter_map(|t| t["number"].as_i64())
        .collect();
    assert_eq!(others, [other]);
    // Opening it shows the ticket's earlier chat.
    let earlier = state["context"]["earlier_chats"]
        .as_array()
        .expect("earlier");
    assert_eq!(earlier.len(), 1);
    assert!(earlier[0].to_string().contains("It stopped on Monday"));
    let (_, msgs) = user.get(&app, &format!("/api/chats/{chat}/messages")).await;
    assert!(
        msgs.to_string().contains("Oscar Operator joined the chat."),
        "{msgs}"
    );
    op.post(&app, &format!("/api/chats/{chat}/end"), json!({}))
        .await;

    // Declined: the operator is told. Withdrawn: only by its operator.
    let (_, inv) = op.post(&app, &path, json!({})).await;
    let inv_id = inv["id"].as_str().expect("id").to_string();
    let (status, declined) = user
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/decline"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, declined["status"].as_str()),
        (200, Some("declined"))
    );
    invitation_event(&mut op_socket, &inv_id, "declined").await;
    let (_, inv) = op.post(&app, &path, json!({})).await;
    let inv_id = inv["id"].as_str().expect("id").to_string();
    let (status, _) = user
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, 403);
    let (status, cancelled) = op
        .post(
            &app,
            &format!("/api/chat-invitations/{inv_id}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    let (_, mine) = user.get(&app, "/api/chat-invitations").await;
    assert_eq!(mine, json!([]));
    let (status, _) = user.get(&app, "/api/chat-invitations/not-an-id").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn admins_manage_teams_and_only_members_read_a_teams_chat() {
    let app = TestApp::spawn_demo("").await;
    let admin = Who::login(&app, "admin@demo.test").await;
    let op = Who::login(&app, "operator@demo.test").await;
    let user = Who::login(&app, "user@demo.test").await;

    let (status, team) = admin
        .post(&app, "/api/admin/teams", json!({ "name": " Billing " }))
        .await;
    assert_eq!((status, team["name"].as_str()), (201, Some("Billing")));
    let (status, _) = admin
        .post(&app, "/api/admin/teams", json!({ "name": "Billing" }))
        .await;
    assert_eq!(status, 409);
    let (status, body) = admin
        .post(&app, "/api/admin/teams", json!({ "name": "" }))
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("name")));
    let (status, _) = op
        .post(&app, "/api/admin/teams", json!({ "name": "Mine" }))
        .await;
    assert_eq!(status, 403);

    // A chat for the team: an operator outside it cannot read it.
    let (status, chat) = user
        .post(&app, "/api/chats", json!({ "team": "Billing" }))
        .await;
    assert_eq!(status, 201, "{chat}");
    let id = chat["id"].as_str().expect("id").to_string();
    let (status, _) = op.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) = op.get(&app, &format!("/api/chats/{id}/messages")).await;
    assert_eq!(status, 404);

    let member = |email: &str| format!("/api/admin/teams/Billing/members/{email}");
    let put = |who: &Who, path: String| who.auth(who.client.put(app.url(&path))).send();
    let r = put(&admin, member("operator@demo.test"))
        .await
        .expect("put");
    assert_eq!(r.status(), 204);
    let r = put(&admin, member("user@demo.test")).await.expect("put");
    assert_eq!(r.status(), 400, "end users are not team members");
    let r = put(&op, member("operator@demo.test")).await.expect("put");
    assert_eq!(r.status(), 403);
    let (status, teams) = admin.get(&app, "/api/admin/teams").await;
    assert_eq!(status, 200);
    assert_eq!(
        teams,
        json!([{ "name": "Billing", "members": ["operator@demo.test"] }])
    );
    let (status, _) = op.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(status, 200, "a member reads it");

    let delete = |path: String| admin.auth(admin.client.delete(app.url(&path))).send();
    assert_eq!(
        delete(member("operator@demo.test"))
            .await
            .expect("delete")
            .status(),
        204
    );
    assert_eq!(
        delete(member("operator@demo.test"))
            .await
            .expect("delete")
            .status(),
        404
    );
    let (status, _) = op.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(status, 404);
}
