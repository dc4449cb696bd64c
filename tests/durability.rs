//! Crash durability: the real server takes concurrent ticket creations and
//! bot questions, is killed with SIGKILL at a random moment, and started
//! again on the same data folder, round after round. Every ticket it
//! acknowledged (201 with a number) and every bot turn it answered (200
//! with a conversation id) must be in the database after the kill, the
//! database must pass `PRAGMA integrity_check`, and the restarted server
//! must serve the tickets to their requesters.
//!
//! A few rounds run with the suite; `scripts/killtest` runs more
//! (FRONTDESK_KILLTEST_ROUNDS).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::multipart::Form;
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

/// Rounds in the normal suite (each a few seconds).
const DEFAULT_ROUNDS: usize = 3;
/// Concurrent ticket writers and bot askers.
const TICKET_WORKERS: usize = 4;
const BOT_WORKERS: usize = 4;
/// Tickets per writer per round: under the per-user limit of 30 in ten
/// minutes (the limiter is in memory, so each start begins afresh).
const TICKETS_PER_ROUND: usize = 29;

struct Server {
    child: Child,
    base: String,
}

fn start(data: &Path, bind: &str) -> Server {
    let mut cmd = common::frontdesk_command(data);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("server.log"))
        .expect("log file");
    // Many host users and questions from one address: no rate limits.
    let config = data.join("frontdesk.toml");
    std::fs::write(&config, "asks_per_minute = 0\nidentify_per_minute = 0\n").expect("config file");
    cmd.arg("--config")
        .arg(&config)
        .arg("--kb")
        .arg(common::bundled_kb())
        .args(["serve", "--bind", bind])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = cmd.spawn().expect("the frontdesk binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(base) => Server { child, base },
        Err(_) => {
            let _ = child.kill();
            panic!(
                "the server did not start; see {}",
                data.join("server.log").display()
            );
        }
    }
}

/// A random number below `n` (the OS source; the test needs no replay:
/// what matters is killing at many different moments).
fn random_below(n: u64) -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("random");
    u64::from_le_bytes(b) % n
}

#[derive(Clone)]
struct Ticket {
    number: i64,
    summary: String,
    token: String,
}

#[derive(Clone)]
struct Turn {
    conversation: String,
    question: String,
}

/// A visitor token for the host's user `id`, or None when the server is gone.
async fn visitor_token(
    client: &reqwest::Client,
    base: &str,
    secret: &str,
    id: &str,
) -> Option<String> {
    let r = client
        .post(format!("{base}/api/widget/identify"))
        .json(&json!({
            "user_id": id,
            "user_hash": frontdesk::accounts::identity::user_hash(secret, id),
        }))
        .send()
        .await
        .ok()?;
    if r.status() != 200 {
        return None;
    }
    let v: Value = r.json().await.ok()?;
    v["visitor_token"].as_str().map(str::to_string)
}

/// Opens tickets until the server dies, as a new host user every
/// `TICKETS_PER_ROUND` tickets (the per-user limit).
async fn ticket_writer(base: String, secret: String, tag: String) -> (Vec<Ticket>, usize) {
    let client = reqwest::Client::new();
    let (mut acked, mut sent) = (Vec::new(), 0);
    'users: for u in 0.. {
        let Some(token) = visitor_token(&client, &base, &secret, &format!("{tag}-u{u}")).await
        else {
            break;
        };
        for i in 0..TICKETS_PER_ROUND {
            let summary = format!("{tag}-u{u}-{i}");
            let form = Form::new()
                .text("type", "bug_report")
                .text("priority", "normal")
                .text("summary", summary.clone())
                .text(
                    "description",
                    format!("{summary}: written before a kill -9"),
                );
            sent += 1;
            let Ok(r) = client
                .post(format!("{base}/api/tickets"))
                .bearer_auth(&token)
                .multipart(form)
                .send()
                .await
            else {
                break 'users;
            };
            if r.status() != 201 {
                break 'users;
            }
            let Ok(v) = r.json::<Value>().await else {
                break 'users; // the answer was cut: not acknowledged
            };
            if let Some(number) = v["number"].as_i64() {
                acked.push(Ticket {
                    number,
                    summary,
                    token: token.clone(),
                });
            }
        }
    }
    (acked, sent)
}

/// Asks the bot, following up in the same conversation, until the server dies.
async fn asker(base: String, tag: String) -> (Vec<Turn>, usize) {
    let client = reqwest::Client::new();
    let (mut acked, mut sent) = (Vec::new(), 0);
    // A conversation's id and the key its first answer gave.
    let mut conversation: Option<(String, String)> = None;
    let questions = [
        "How do I reset my password?",
        "how do I export my data",
        "and on my phone?",
        "what does it cost",
    ];
    for i in 0.. {
        let question = format!("{} ({tag}-{i})", questions[i % questions.len()]);
        let mut body = json!({ "question": question });
        if let Some((c, key)) = &conversation
            && i % 5 != 0
        {
            body["conversation_id"] = json!(c);
            body["conversation_key"] = json!(key);
        }
        sent += 1;
        let Ok(r) = client
            .post(format!("{base}/api/bot/ask"))
            .json(&body)
            .send()
            .await
        else {
            break;
        };
        if r.status() != 200 {
            break;
        }
        let Ok(v) = r.json::<Value>().await else {
            break;
        };
        let Some(c) = v["conversation_id"].as_str() else {
            break;
        };
        if let Some(key) = v["conversation_key"].as_str() {
            conversation = Some((c.to_string(), key.to_string()));
        }
        acked.push(Turn {
            conversation: c.to_string(),
            question,
        });
    }
    (acked, sent)
}

/// What is missing from the database of `data` (the server is dead), and
/// its integrity check's answer.
async fn check_database(data: &Path, tickets: &[Ticket], turns: &[Turn]) -> (Vec<String>, String) {
    let options = SqliteConnectOptions::new()
        .filename(data.join("frontdesk.db"))
        .create_if_missing(false);
    let db = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("open the database");
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&db)
        .await
        .expect("integrity check");
    let mut lost = Vec::new();
    for t in tickets {
        let found: Option<String> =
            sqlx::query_scalar("SELECT summary FROM tickets WHERE number = $1")
                .bind(t.number)
                .fetch_optional(&db)
                .await
                .expect("read a ticket");
        if found.as_deref() != Some(t.summary.as_str()) {
            lost.push(format!(
                "ticket #{} {:?}: found {found:?}",
                t.number, t.summary
            ));
        }
    }
    for turn in turns {
        // The question and, after it, the bot's answer.
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT role, content FROM conversation_messages WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(&turn.conversation)
        .fetch_all(&db)
        .await
        .expect("read a conversation");
        let asked = rows
            .iter()
            .position(|(role, c)| role == "user" && *c == turn.question);
        let answered =
            asked.is_some_and(|i| rows.get(i + 1).is_some_and(|(role, _)| role == "bot"));
        if !answered {
            lost.push(format!(
                "bot turn {:?} in {}",
                turn.question, turn.conversation
            ));
        }
    }
    db.close().await;
    (lost, integrity.join("; "))
}

#[tokio::test]
async fn acknowledged_tickets_and_bot_turns_survive_kill_9() {
    let rounds: usize = std::env::var("FRONTDESK_KILLTEST_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(DEFAULT_ROUNDS);
    let data = tempfile::tempdir().expect("data folder");
    let started = Instant::now();
    let mut server = start(data.path(), "127.0.0.1:0");
    let bind = server.base.trim_start_matches("http://").to_string();
    let secret = std::fs::read_to_string(data.path().join("widget-secret"))
        .expect("the widget secret the server created")
        .trim()
        .to_string();
    let client = reqwest::Client::new();
    let (mut tickets, mut turns) = (Vec::<Ticket>::new(), Vec::<Turn>::new());
    let (mut sent_tickets, mut sent_asks) = (0, 0);

    for round in 0..rounds {
        let mut writers = Vec::new();
        for w in 0..TICKET_WORKERS {
            writers.push(tokio::spawn(ticket_writer(
                server.base.clone(),
                secret.clone(),
                format!("kt-{round}-{w}"),
            )));
        }
        let askers: Vec<_> = (0..BOT_WORKERS)
            .map(|w| tokio::spawn(asker(server.base.clone(), format!("kb-{round}-{w}"))))
            .collect();
        // Kill at a random moment while they write.
        tokio::time::sleep(Duration::from_millis(200 + random_below(1300))).await;
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reaped");
        for w in writers {
            let (acked, sent) = w.await.expect("writer");
            tickets.extend(acked);
            sent_tickets += sent;
        }
        for a in askers {
            let (acked, sent) = a.await.expect("asker");
            turns.extend(acked);
            sent_asks += sent;
        }
        let (lost, integrity) = check_database(data.path(), &tickets, &turns).await;
        assert_eq!(integrity, "ok", "round {round}: integrity check");
        assert!(
            lost.is_empty(),
            "round {round}: lost {} acknowledged writes:\n{}",
            lost.len(),
            lost.join("\n")
        );
        server = start(data.path(), &bind);
    }

    // The restarted server serves every acknowledged ticket to its requester.
    let mut served = 0;
    for t in &tickets {
        let r = client
            .get(format!("{}/api/tickets/{}", server.base, t.number))
            .bearer_auth(&t.token)
            .send()
            .await
            .expect("read back");
        assert_eq!(r.status(), 200, "ticket #{}", t.number);
        let v: Value = r.json().await.expect("json");
        assert_eq!(
            v["ticket"]["summary"],
            t.summary.as_str(),
            "ticket #{}",
            t.number
        );
        served += 1;
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
    println!(
        "durability: {rounds} kill -9 rounds in {:.0} s; tickets: {sent_tickets} sent, {} acknowledged, 0 lost ({served} served after restart); bot turns: {sent_asks} asked, {} acknowledged, 0 lost; integrity_check ok every round",
        started.elapsed().as_secs_f64(),
        tickets.len(),
        turns.len(),
    );
    assert!(
        !tickets.is_empty() && !turns.is_empty(),
        "the rounds acknowledged something"
    );
}
