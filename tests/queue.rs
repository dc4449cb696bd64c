//! The operators' queue over real HTTP: availability, offers, declines,
//! freed slots, and race-free accepts.

mod common;

use common::TestApp;
use serde_json::{Value, json};

struct Staff {
    client: reqwest::Client,
    csrf: String,
}

impl Staff {
    async fn login(app: &TestApp, email: &str) -> Staff {
        let (client, csrf) = app.log_in(email, "demo-password").await;
        Staff { client, csrf }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let r = req
            .header("X-CSRF-Token", &self.csrf)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        self.send(self.client.post(app.url(path)).json(&body)).await
    }

    async fn get(&self, app: &TestApp, path: &str) -> (u16, Value) {
        self.send(self.client.get(app.url(path))).await
    }

    async fn availability(&self, app: &TestApp, availability: &str, capacity: i64) {
        let (status, body) = self
            .send(
                self.client
                    .put(app.url("/api/operator/availability"))
                    .json(&json!({ "availability": availability, "capacity": capacity })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn requests_are_offered_declined_reoffered_and_taken() {
    let app = TestApp::spawn_demo("").await;
    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    // End users cannot act as operators.
    let (status, _) = user
        .send(
            user.client
                .put(app.url("/api/operator/availability"))
                .json(&json!({ "availability": "available" })),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(user.get(&app, "/api/queue").await.0, 403);
    let (status, body) = op
        .send(
            op.client
                .put(app.url("/api/operator/availability"))
                .json(&json!({ "availability": "busy" })),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("availability"))
    );

    // Nobody available: the user is told operators are busy.
    let (status, chat) = user.post(&app, "/api/chats", json!({})).await;
    assert_eq!(status, 201, "{chat}");
    assert_eq!(chat["status"], "waiting");
    assert_eq!(chat["operators_available"], false);
    let id = chat["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 32);

    // The operator comes online: the waiting request is offered at once.
    op.availability(&app, "available", 1).await;
    let (_, queue) = op.get(&app, "/api/queue").await;
    let offered = &queue["chats"][0];
    assert_eq!(
        (offered["id"].as_str(), offered["status"].as_str()),
        (Some(id.as_str()), Some("offered"))
    );
    assert_eq!(offered["offered_to_me"], true);
    assert_eq!(offered["user"], "Uma User");
    // Declined, and nobody else is available.
    let (status, _) = op
        .post(&app, &format!("/api/chats/{id}/decline"), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, _) = op
        .post(&app, &format!("/api/chats/{id}/decline"), json!({}))
        .await;
    assert_eq!(status, 409, "not offered to them any more");
    let (_, state) = user.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(state["status"], "waiting");
    // The admin comes online and gets it; accepts.
    admin.availability(&app, "available", 2).await;
    let (_, queue) = admin.get(&app, "/api/queue").await;
    assert_eq!(queue["chats"][0]["offered_to_me"], true);
    let (status, state) = admin
        .post(&app, &format!("/api/chats/{id}/accept"), json!({}))
        .await;
    assert_eq!((status, state["status"].as_str()), (200, Some("active")));
    assert_eq!(state["operator"], "Ada Admin");
    let (_, state) = user.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(state["status"], "active");
    // Another user cannot see it; the operator who did not take it cannot end it.
    let other = Staff {
        client: reqwest::Client::new(),
        csrf: String::new(),
    };
    assert_eq!(other.get(&app, &format!("/api/chats/{id}")).await.0, 401);
    let (status, _) = op
        .post(&app, &format!("/api/chats/{id}/end"), json!({}))
        .await;
    assert_eq!(status, 403);
    let (status, _) = user
        .post(&app, &format!("/api/chats/{id}/end"), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, _) = user
        .post(&app, &format!("/api/chats/{id}/end"), json!({}))
        .await;
    assert_eq!(status, 409);

    // Unassigned tickets are in the queue, most urgent first.
    let form = |p: &'static str| {
        reqwest::multipart::Form::new()
            .text("type", "bug_report")
            .text("priority", p)
            .text("description", format!("{p} problem"))
    };
    for p in ["low", "urgent", "normal"] {
        let (status, _) = user
            .send(user.client.post(app.url("/api/tickets")).multipart(form(p)))
            .await;
        assert_eq!(status, 201);
    }
    let (_, queue) = op.get(&app, "/api/queue").await;
    // (The chats above, ended, got tickets of their own: left out here.)
    let priorities: Vec<&str> = queue["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter(|t| {
            t["summary"]
                .as_str()
                .is_some_and(|s| s.ends_with(" problem"))
        })
        .filter_map(|t| t["priority"].as_str())
        .collect();
    assert_eq!(priorities, ["urgent", "normal", "low"]);
}

#[tokio::test]
async fn two_operators_accepting_the_same_request_exactly_one_wins() {
    let app = TestApp::spawn_demo("").await;
    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    op.availability(&app, "available", 0).await;
    admin.availability(&app, "available", 0).await;
    for round in 0..100 {
        let (status, chat) = user.post(&app, "/api/chats", json!({})).await;
        assert_eq!(status, 201);
        let path = format!("/api/chats/{}/accept", chat["id"].as_str().expect("id"));
        let (a, b) = tokio::join!(
            op.post(&app, &path, json!({})),
            admin.post(&app, &path, json!({}))
        );
        // Exactly one 200 and one 409, and the chat belongs to the one who got
        // the 200: the loser's refusal must not have undone the winner's take.
        let winner = match (a.0, b.0) {
            (200, 409) => "Oscar Operator",
            (409, 200) => "Ada Admin",
            _ => panic!("round {round}: {a:?} {b:?}"),
        };
        let (_, state) = user.get(&app, &path.replace("/accept", "")).await;
        assert_eq!(state["status"], "active", "round {round}: {state}");
        assert_eq!(state["operator"], winner, "round {round}: {state}");
    }
}

#[tokio::test]
async fn chats_are_transferred_and_transcripts_emailed() {
    let app = TestApp::spawn_demo("").await;
    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    op.availability(&app, "available", 2).await;
    let (_, chat) = user.post(&app, "/api/chats", json!({})).await;
    // Nobody was taken lately: no made-up estimate.
    assert!(chat["estimated_wait_secs"].is_null(), "{chat}");
    let id = chat["id"].as_str().expect("id").to_string();
    let (status, _) = op
        .post(&app, &format!("/api/chats/{id}/accept"), json!({}))
        .await;
    assert_eq!(status, 200);
    // Only its operator transfers it; to an operator or a team, not both.
    let (status, _) = admin
        .post(
            &app,
            &format!("/api/chats/{id}/transfer"),
            json!({ "operator": "admin@demo.test" }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = op
        .post(
            &app,
            &format!("/api/chats/{id}/transfer"),
            json!({ "operator": "a@b.c", "team": "x" }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = op
        .post(
            &app,
            &format!("/api/chats/{id}/transfer"),
            json!({ "operator": "nobody@example.com" }),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("operator")));
    let (status, state) = op
        .post(
            &app,
            &format!("/api/chats/{id}/transfer"),
            json!({ "operator": "admin@demo.test" }),
        )
        .await;
    assert_eq!(
        (status, state["operator"].as_str()),
        (200, Some("Ada Admin"))
    );
    // Now the admin's chat: the first operator can no longer end it.
    assert_eq!(
        op.post(&app, &format!("/api/chats/{id}/end"), json!({}))
            .await
            .0,
        403
    );
    let (_, detail) = admin.get(&app, &format!("/api/chats/{id}")).await;
    assert_eq!(detail["context"]["user_email"], "user@demo.test");
    // The transcript (with the transfer notice) is emailed to the user.
    let (status, _) = user
        .post(
            &app,
            &format!("/api/chats/{id}/email-transcript"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202);
    let mail = app
        .wait_for_email("user@demo.test", "Transcript of your chat")
        .await;
    assert!(mail.contains("transferred the chat to Ada Admin"), "{mail}");
    // The admin's own chats list has it.
    let (_, mine) = admin.get(&app, "/api/operator/chats").await;
    assert_eq!(mine[0]["id"], id.as_str());
}

#[tokio::test]
async fn admin_settings_turn_chat_off_and_reserve_chats_to_the_assignee() {
    let app = TestApp::spawn_demo("").await;
    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    let (_, avail) = user.get(&app, "/api/chats/availability").await;
    assert_eq!(
        (
            avail["chat_enabled"].as_bool(),
            avail["operators_available"].as_bool()
        ),
        (Some(true), Some(false))
    );
    op.availability(&app, "available", 3).await;
    let (_, avail) = user.get(&app, "/api/chats/availability").await;
    assert_eq!(avail["operators_available"], true);

    // Settings are for admins, and checked.
    assert_eq!(op.get(&app, "/api/admin/live-settings").await.0, 403);
    let (status, mut settings) = admin.get(&app, "/api/admin/live-settings").await;
    assert_eq!(status, 200);
    assert_eq!(settings["accept_timeout_secs"], 120);
    settings["idle_timeout_secs"] = json!(5);
    let (status, body) = put_settings(&app, &admin, settings.clone()).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("idle_timeout_secs"))
    );
    settings["idle_timeout_secs"] = json!(600);
    settings["chat_enabled"] = json!(false);
    assert_eq!(put_settings(&app, &op, settings.clone()).await.0, 403);
    assert_eq!(put_settings(&app, &admin, settings.clone()).await.0, 200);
    // Live chat off: the widget offers tickets only.
    let (_, avail) = user.get(&app, "/api/chats/availability").await;
    assert_eq!(
        (
            avail["chat_enabled"].as_bool(),
            avail["operators_available"].as_bool()
        ),
        (Some(false), Some(false))
    );
    assert_eq!(user.post(&app, "/api/chats", json!({})).await.0, 409);

    // On again, chats about a ticket reserved to its assigned operator.
    settings["chat_enabled"] = json!(true);
    settings["chat_with"] = json!("assignee");
    assert_eq!(put_settings(&app, &admin, settings.clone()).await.0, 200);
    let form = reqwest::multipart::Form::new()
        .text("type", "bug_report")
        .text("description", "about my ticket");
    let (_, created) = user
        .send(user.client.post(app.url("/api/tickets")).multipart(form))
        .await;
    let n = created["number"].as_i64().expect("number");
    let (status, _) = op
        .post(
            &app,
            &format!("/api/tickets/{n}/status"),
            json!({ "status": "assigned" }),
        )
        .await;
    assert_eq!(status, 200);
    admin.availability(&app, "available", 0).await;
    let (status, chat) = user.post(&app, "/api/chats", json!({ "ticket": n })).await;
    assert_eq!(status, 201, "{chat}");
    let id = chat["id"].as_str().expect("id").to_string();
    assert_eq!(chat["status"], "offered", "offered to the assignee");
    assert_eq!(
        admin
            .post(&app, &format!("/api/chats/{id}/accept"), json!({}))
            .await
            .0,
        409
    );
    assert_eq!(
        op.post(&app, &format!("/api/chats/{id}/accept"), json!({}))
            .await
            .0,
        200
    );
}

async fn put_settings(app: &TestApp, who: &Staff, body: Value) -> (u16, Value) {
    who.send(
        who.client
            .put(app.url("/api/admin/live-settings"))
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn a_teams_requests_go_to_its_members_only() {
    let app = TestApp::spawn_demo("").await;
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--data")
            .arg(app.data.path())
            .args(args)
            .output()
            .expect("frontdesk runs")
    };
    assert!(cli(&["team", "create", "Billing"]).status.success());
    assert!(
        !cli(&["team", "create", "Billing"]).status.success(),
        "names are unique"
    );
    assert!(
        cli(&["team", "add-member", "Billing", "admin@demo.test"])
            .status
            .success()
    );
    let refused = cli(&["team", "add-member", "Billing", "user@demo.test"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not an operator"));

    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    op.availability(&app, "available", 0).await;
    let (status, body) = user
        .post(&app, "/api/chats", json!({ "team": "Sales" }))
        .await;
    assert_eq!((status, body["field"].as_str()), (400, Some("team")));
    let (status, chat) = user
        .post(&app, "/api/chats", json!({ "team": "Billing" }))
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        chat["operators_available"], false,
        "the team's only member is away"
    );
    let id = chat["id"].as_str().expect("id").to_string();
    // An operator outside the team cannot take it, nor even see it.
    assert_eq!(
        op.post(&app, &format!("/api/chats/{id}/accept"), json!({}))
            .await
            .0,
        404
    );
    let (_, queue) = op.get(&app, "/api/queue").await;
    assert!(
        !queue["chats"].to_string().contains(&id),
        "not in their queue: {queue}"
    );
    admin.availability(&app, "available", 0).await;
    let (_, queue) = admin.get(&app, "/api/queue").await;
    let mine = queue["chats"]
        .as_array()
        .expect("chats")
        .iter()
        .find(|c| c["id"] == id.as_str())
        .cloned();
    assert_eq!(mine.map(|c| c["offered_to_me"].clone()), Some(json!(true)));
    assert_eq!(
        admin
            .post(&app, &format!("/api/chats/{id}/accept"), json!({}))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_new_ticket_is_offered_declined_to_the_next_operator_and_accepted() {
    let app = TestApp::spawn_demo("").await;
    let user = Staff::login(&app, "user@demo.test").await;
    let op = Staff::login(&app, "operator@demo.test").await;
    let admin = Staff::login(&app, "admin@demo.test").await;
    op.availability(&app, "available", 5).await;
    admin.availability(&app, "available", 5).await;
    let form = reqwest::multipart::Form::new()
        .text("type", "bug_report")
        .text("priority", "high")
        .text("summary", "Cannot publish")
        .text("description", "The publish button does nothing.");
    let (status, created) = user
        .send(user.client.post(app.url("/api/tickets")).multipart(form))
        .await;
    assert_eq!(status, 201, "{created}");
    let number = created["number"].as_i64().expect("number");
    let offered = |queue: &Value| {
        queue["tickets"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["number"] == number).cloned())
            .map(|t| t["offered_to_me"].clone())
    };
    // Offered to exactly one of the two available operators, at once.
    let (_, q_op) = op.get(&app, "/api/queue").await;
    let (_, q_admin) = admin.get(&app, "/api/queue").await;
    let (first, second) = if offered(&q_op) == Some(json!(true)) {
        (&op, &admin)
    } else {
        (&admin, &op)
    };
    let (_, q_first) = first.get(&app, "/api/queue").await;
    let (_, q_second) = second.get(&app, "/api/queue").await;
    assert_eq!(offered(&q_first), Some(json!(true)), "{q_op} {q_admin}");
    assert_eq!(offered(&q_second), Some(json!(false)));
    // The other cannot take it while it is offered; the user cannot at all.
    let accept = format!("/api/tickets/{number}/accept");
    let decline = format!("/api/tickets/{number}/decline");
    assert_eq!(second.post(&app, &accept, json!({})).await.0, 409);
    assert_eq!(second.post(&app, &decline, json!({})).await.0, 409);
    assert_eq!(user.post(&app, &accept, json!({})).await.0, 403);
    // Declined: it moves to the other operator, who accepts and is assigned.
    assert_eq!(first.post(&app, &decline, json!({})).await.0, 204);
    let (_, q_second) = second.get(&app, "/api/queue").await;
    assert_eq!(offered(&q_second), Some(json!(true)));
    let (status, taken) = second.post(&app, &accept, json!({})).await;
    assert_eq!(status, 200, "{taken}");
    assert_eq!(taken["status"], "assigned");
    let (_, ticket) = user.get(&app, &format!("/api/tickets/{number}")).await;
    assert!(ticket["assignee"].is_string(), "{ticket}");
    // Taken once.
    assert_eq!(first.post(&app, &accept, json!({})).await.0, 409);
    let (_, q) = first.get(&app, "/api/queue").await;
    assert_eq!(offered(&q), None, "no longer in the queue: {q}");
}
