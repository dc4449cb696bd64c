//! `frontdesk reports-bench`: how long the admins' report pages take on a
//! big desk. Seeds a fresh database (100,000 tickets and 1,000,000 bot
//! questions by default, over 90 days), starts the real server on it and
//! times the pages and their JSON over HTTP, logged in as an admin.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::help::bot::BotConfig;
use crate::help::indexing::KnowledgeHandle;
use crate::store::{self, bench_seed};

pub struct ReportsBenchOptions {
    pub tickets: i64,
    pub questions: i64,
    pub chats: i64,
    /// Timed requests per page (after one warm-up).
    pub rounds: usize,
}

#[derive(Debug, Serialize)]
pub struct PageTime {
    pub path: String,
    pub p50_ms: f64,
    pub max_ms: f64,
    pub bytes: usize,
}

#[derive(Debug, Serialize)]
pub struct ReportsBenchReport {
    pub machine: String,
    pub load_before: String,
    pub load_after: String,
    pub tickets: i64,
    pub questions: i64,
    pub chats: i64,
    pub seed_s: f64,
    pub database_mb: f64,
    pub pages: Vec<PageTime>,
}

impl std::fmt::Display for ReportsBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "machine: {}", self.machine)?;
        writeln!(
            f,
            "load average before / after: {} / {}",
            self.load_before, self.load_after
        )?;
        writeln!(
            f,
            "{} tickets, {} bot questions, {} chats over 90 days: seeded in {:.1} s, database {:.0} MB",
            self.tickets, self.questions, self.chats, self.seed_s, self.database_mb
        )?;
        writeln!(
            f,
            "{:<40} {:>9} {:>9} {:>9}",
            "page", "p50 ms", "max ms", "bytes"
        )?;
        for p in &self.pages {
            writeln!(
                f,
                "{:<40} {:>9.1} {:>9.1} {:>9}",
                p.path, p.p50_ms, p.max_ms, p.bytes
            )?;
        }
        Ok(())
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The session cookie of a log-in (the `name=value` part).
async fn log_in(client: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let r = client
        .post(format!("{base}/api/session"))
        .header("Content-Type", "application/json")
        .body(r#"{"email":"admin@demo.test","password":"demo-password"}"#)
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "log-in answered {}", r.status());
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .next()
        .map(str::to_string)
        .context("no session cookie")
}

async fn time_page(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    path: &str,
    rounds: usize,
) -> anyhow::Result<PageTime> {
    let mut samples: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    for round in 0..=rounds {
        let t = Instant::now();
        let r = client
            .get(format!("{base}{path}"))
            .header("Cookie", cookie)
            .send()
            .await?;
        let status = r.status();
        let body = r.bytes().await?;
        let took = t.elapsed();
        anyhow::ensure!(status.is_success(), "{path} answered {status}");
        bytes = body.len();
        // The first request warms the page cache of the database.
        if round > 0 {
            samples.push(took);
        }
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(PageTime {
        path: path.to_string(),
        p50_ms: ms(samples[samples.len() / 2]),
        max_ms: ms(*samples.last().unwrap_or(&Duration::ZERO)),
        bytes,
    })
}

pub fn run(
    config: &crate::config::Config,
    o: &ReportsBenchOptions,
) -> anyhow::Result<ReportsBenchReport> {
    let work = tempfile::tempdir()?;
    let load_before = load_average();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // Keyword retrieval: the reports do not ask the bot, and the content
    // gaps then group by words (no model needed for the benchmark).
    let knowledge = Arc::new(KnowledgeHandle::open(
        &config.kb,
        &work.path().join("index"),
        None,
    )?);
    let (seed_s, pages) = runtime.block_on(async {
        let db_path = work.path().join("frontdesk.db");
        let db = store::open(&db_path).await?;
        crate::accounts::demo::ensure(&db).await?;
        let operator = store::users::by_email(
            &db,
            &crate::accounts::Email::parse("operator@demo.test")
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        )
        .await?
        .context("the demo operator")?;
        eprintln!(
            "seeding {} tickets, {} bot questions and {} chats…",
            o.tickets, o.questions, o.chats
        );
        let t = Instant::now();
        bench_seed::seed(
            &db,
            &bench_seed::Volume {
                tickets: o.tickets,
                questions: o.questions,
                chats: o.chats,
                users: 1000,
                operator_id: operator.id,
                now: store::now(),
            },
        )
        .await?;
        let seed_s = t.elapsed().as_secs_f64();
        let mut cfg = config.clone();
        cfg.data = work.path().to_path_buf();
        let state = crate::app::build_state(&cfg, knowledge, db, BotConfig::default()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let app = crate::http::router(state)
                .into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let cookie = log_in(&client, &base).await?;
        eprintln!("timing the report pages…");
        let mut pages = Vec::new();
        for path in [
            "/console/reports?days=7",
            "/console/reports?days=30",
            "/console/reports?days=90",
            "/api/reports/bot?days=90",
            "/api/reports/desk?days=90",
            "/console/reports/gaps?days=90",
        ] {
            pages.push(time_page(&client, &base, &cookie, path, o.rounds).await?);
        }
        server.abort();
        anyhow::Ok((seed_s, pages))
    })?;
    let database_mb = std::fs::metadata(work.path().join("frontdesk.db"))
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    Ok(ReportsBenchReport {
        machine: crate::tools::bench::machine(),
        load_before,
        load_after: load_average(),
        tickets: o.tickets,
        questions: o.questions,
        chats: o.chats,
        seed_s,
        database_mb,
        pages,
    })
}

pub fn command(
    config: &crate::config::Config,
    o: &ReportsBenchOptions,
    json: bool,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        o.tickets >= 1 && o.questions >= 2 && o.chats >= 1 && o.rounds >= 1,
        "use at least 1 ticket, 2 questions, 1 chat and 1 round"
    );
    anyhow::ensure!(
        o.tickets <= 10_000_000 && o.questions <= 20_000_000 && o.chats <= 10_000_000,
        "at most 10,000,000 tickets, 20,000,000 questions and 10,000,000 chats"
    );
    anyhow::ensure!(
        Path::new(&config.kb).is_dir(),
        "the knowledge base {} is not a folder",
        config.kb.display()
    );
    let report = run(config, o)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}
