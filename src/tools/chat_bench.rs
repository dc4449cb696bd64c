//! `frontdesk chat-bench`: the live-chat load test. It starts the server as
//! a separate process (so its memory is measured alone and each side has
//! its own file descriptors), opens idle widget connections of signed-in
//! visitors and measures
//! the server's memory, then runs many live chats at once, sending
//! messages at a fixed rate, and measures how long each takes to reach the
//! operator's connection and whether every one was stored.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::accounts::Email;
use crate::accounts::Role;
use crate::progress::Progress;
use crate::store::users::{self, NewUser};
use crate::store::{self, queue};
use crate::tickets::Priority;

pub struct ChatBenchOptions {
    pub idle: usize,
    pub chats: usize,
    /// Messages per second, over all chats.
    pub rate: usize,
    pub seconds: u64,
}

#[derive(Debug, Serialize)]
pub struct ChatBenchReport {
    pub idle_connections: usize,
    pub server_rss_mb_before: f64,
    pub server_rss_mb_with_idle: f64,
    pub chats: usize,
    pub target_rate: usize,
    pub sent: u64,
    pub delivered: u64,
    pub stored: i64,
    pub delivered_per_sec: f64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn start_server(data: &std::path::Path, kb: &std::path::Path) -> anyhow::Result<(Server, String)> {
    let exe = std::env::current_exe().context("cannot find the frontdesk binary")?;
    let mut child = Command::new(exe)
        .arg("--data")
        .arg(data)
        .arg("--kb")
        .arg(kb)
        // Keyword retrieval only: the bot is not what is measured here.
        .arg("--model-dir")
        .arg(data.join("no-model"))
        .args([
            "--log",
            "error",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-watch",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the server")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let server = Server(child);
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("listening on ") {
            return Ok((server, url.trim().replacen("http://", "ws://", 1)));
        }
    }
    anyhow::bail!("the server did not start")
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> anyhow::Result<Socket> {
    let (s, _) = tokio_tungstenite::connect_async(url).await?;
    Ok(s)
}

async fn hello(s: &mut Socket, token: &str) -> anyhow::Result<()> {
    s.send(Message::Text(
        json!({ "type": "hello", "token": token })
            .to_string()
            .into(),
    ))
    .await?;
    loop {
        match s.next().await {
            Some(Ok(Message::Text(t))) if t.as_str().contains("welcome") => return Ok(()),
            Some(Ok(Message::Text(t))) => anyhow::bail!("hello refused: {t}"),
            Some(Ok(_)) => continue,
            _ => anyhow::bail!("connection closed during hello"),
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn run(opts: &ChatBenchOptions) -> anyhow::Result<ChatBenchReport> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(opts))
}

async fn run_async(opts: &ChatBenchOptions) -> anyhow::Result<ChatBenchReport> {
    let work = tempfile::tempdir()?;
    let kb = work.path().join("kb");
    std::fs::create_dir_all(kb.join("en/general"))?;
    std::fs::write(
        kb.join("en/general/hello.md"),
        "---\ntitle: Hello\ncategory: General\n---\nA tiny help center for the load test.\n",
    )?;
    let data = work.path().join("data");
    std::fs::create_dir_all(&data)?;
    let (server, base) = start_server(&data, &kb)?;
    let pid = server.0.id();
    let db = store::open(&data.join("frontdesk.db")).await?;
    let now = store::now();

    // People: one operator (no capacity limit) and a user per chat.
    let mut conn = db.acquire().await?;
    let op = users::create(
        &mut conn,
        &NewUser {
            role: Role::Operator,
            ..NewUser::end_user(
                &Email::parse("bench-operator@example.test")?,
                "Operator",
                None,
            )
        },
    )
    .await?;
    drop(conn);
    queue::set_presence(&db, &op.id, queue::Availability::Available, Some(0), now).await?;
    let op_token = users::create_visitor_token(&db, &op.id, 86_400).await?;
    let mut chats = Vec::with_capacity(opts.chats);
    let progress = Progress::new(opts.chats as u64, "opening chats");
    for i in 0..opts.chats {
        progress.inc(1);
        let mut conn = db.acquire().await?;
        let email = Email::parse(&format!("bench-user-{i}@example.test"))?;
        let u = users::create(&mut conn, &NewUser::end_user(&email, "", None)).await?;
        drop(conn);
        let token = users::create_visitor_token(&db, &u.id, 86_400).await?;
        let r = queue::create_request(
            &db,
            &queue::NewRequest {
                user_id: &u.id,
                team_id: None,
                only_operator: None,
                ticket_id: None,
                conversation_id: None,
                priority: Priority::Normal,
                now,
            },
        )
        .await?;
        queue::take(&db, &r.id, &op.id, now).await?;
        chats.push((r.id, token));
    }
    drop(progress);

    // Idle widget connections of signed-in visitors: each says hello with
    // its own token, so the server follows its user topic (invitations)
    // as it does for every known widget.
    let mut tokens = Vec::with_capacity(opts.idle);
    let mut tx = db.begin().await?;
    for i in 0..opts.idle {
        let email = Email::parse(&format!("bench-visitor-{i}@example.test"))?;
        let u = users::create(&mut tx, &NewUser::end_user(&email, "", None)).await?;
        tokens.push(users::create_visitor_token_in(&mut tx, &u.id, 86_400).await?);
    }
    tx.commit().await?;
    let rss_before = rss_mb(pid);
    let mut idle = Vec::with_capacity(opts.idle);
    let progress = Progress::new(tokens.len() as u64, "connecting idle widgets");
    for token in &tokens {
        progress.inc(1);
        let mut s = connect(&format!("{base}/ws/widget")).await?;
        hello(&mut s, token).await?;
        idle.push(s);
    }
    drop(progress);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_idle = rss_mb(pid);

    // The operator follows every chat over a few connections.
    let start = Instant::now();
    let delivered = Arc::new(AtomicU64::new(0));
    let last_delivery_us = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<f64>::new()));
    let per_conn = 50usize;
    let mut readers = Vec::new();
    for group in chats.chunks(per_conn) {
        let mut s = connect(&format!("{base}/ws/widget")).await?;
        hello(&mut s, &op_token).await?;
        for (id, _) in group {
            s.send(Message::Text(
                json!({ "type": "subscribe", "chat_id": id })
                    .to_string()
                    .into(),
            ))
            .await?;
        }
        let delivered = delivered.clone();
        let latencies = latencies.clone();
        let last_delivery_us = last_delivery_us.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = s.next().await {
                let Message::Text(t) = frame else { continue };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str()) else {
                    continue;
                };
                if v["type"] != "message" {
                    continue;
                }
                let sent_us = v["text"]
                    .as_str()
                    .and_then(|t| t.strip_prefix("t="))
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(sent_us) = sent_us {
                    let now_us = start.elapsed().as_micros() as u64;
                    if let Ok(mut l) = latencies.lock() {
                        l.push(now_us.saturating_sub(sent_us) as f64 / 1000.0);
                    }
                    delivered.fetch_add(1, Ordering::Relaxed);
                    last_delivery_us.fetch_max(now_us, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every user connects first; then all send at once, at the target
    // rate spread over the chats.
    let mut sockets = Vec::with_capacity(chats.len());
    for (id, token) in &chats {
        let mut s = connect(&format!("{base}/ws/widget")).await?;
        hello(&mut s, token).await?;
        sockets.push((id.clone(), s));
    }
    let sent = Arc::new(AtomicU64::new(0));
    let per_chat_interval = Duration::from_secs_f64(opts.chats as f64 / opts.rate.max(1) as f64);
    let send_start_us = start.elapsed().as_micros() as u64;
    let deadline = Instant::now() + Duration::from_secs(opts.seconds);
    let mut senders = Vec::new();
    let n = sockets.len().max(1);
    for (i, (id, s)) in sockets.into_iter().enumerate() {
        let sent = sent.clone();
        let phase = per_chat_interval.mul_f64(i as f64 / n as f64);
        senders.push(tokio::spawn(async move {
            tokio::time::sleep(phase).await;
            let mut tick = tokio::time::interval(per_chat_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut seq = 0u64;
            let (mut sink, mut stream) = s.split();
            // Acks and echoes are read and dropped so the socket never stalls.
            let drain = tokio::spawn(async move { while let Some(Ok(_)) = stream.next().await {} });
            while Instant::now() < deadline {
                tick.tick().await;
                seq += 1;
                let text = format!("t={}", start.elapsed().as_micros());
                let msg = json!({ "type": "message", "chat_id": id, "client_id": format!("b{seq}"), "text": text });
                if sink.send(Message::Text(msg.to_string().into())).await.is_err() {
                    break;
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _ = sink.close().await;
            drain.abort();
        }));
    }
    // The sending phase has a fixed length: its bar counts seconds.
    let progress = Progress::new(opts.seconds, "sending (seconds)");
    let sending_since = Instant::now();
    let all = futures_util::future::join_all(senders);
    tokio::pin!(all);
    loop {
        tokio::select! {
            _ = &mut all => break,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                progress.set(sending_since.elapsed().as_secs().min(opts.seconds));
            }
        }
    }
    drop(progress);
    // Let the last messages arrive.
    let total_sent = sent.load(Ordering::Relaxed);
    let wait_until = Instant::now() + Duration::from_secs(10);
    while delivered.load(Ordering::Relaxed) < total_sent && Instant::now() < wait_until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for r in readers {
        r.abort();
    }
    drop(idle);
    let (stored,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(&db)
        .await?;
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort_by(|a, b| a.total_cmp(b));
    drop(server);
    let delivered = delivered.load(Ordering::Relaxed);
    let span_s = (last_delivery_us
        .load(Ordering::Relaxed)
        .saturating_sub(send_start_us)) as f64
        / 1e6;
    Ok(ChatBenchReport {
        idle_connections: opts.idle,
        server_rss_mb_before: rss_before,
        server_rss_mb_with_idle: rss_idle,
        chats: opts.chats,
        target_rate: opts.rate,
        sent: total_sent,
        delivered,
        stored,
        delivered_per_sec: delivered as f64 / span_s.max(0.001),
        latency_p50_ms: percentile(&l, 0.5),
        latency_p99_ms: percentile(&l, 0.99),
        latency_max_ms: l.last().copied().unwrap_or(0.0),
    })
}

/// `chat-bench`: checks the sizes, runs the test and prints the report (as
/// JSON with `json`).
pub fn command(opts: &ChatBenchOptions, json: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.chats > 0 && opts.rate > 0 && opts.seconds > 0,
        "chats, rate and seconds must be positive"
    );
    anyhow::ensure!(
        opts.idle <= 50_000 && opts.chats <= 5_000,
        "at most 50,000 idle connections and 5,000 chats"
    );
    let r = run(opts)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print!("{r}");
    }
    Ok(())
}

/// The text report: memory with idle connections, then delivery.
impl std::fmt::Display for ChatBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "idle widget connections: {}; server memory {:.0} MB before, {:.0} MB with them",
            self.idle_connections, self.server_rss_mb_before, self.server_rss_mb_with_idle
        )?;
        writeln!(
            f,
            "{} chats at {} msg/s: sent {}, delivered {} ({:.0}/s), stored {}; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            self.chats,
            self.target_rate,
            self.sent,
            self.delivered,
            self.delivered_per_sec,
            self.stored,
            self.latency_p50_ms,
            self.latency_p99_ms,
            self.latency_max_ms
        )
    }
}
