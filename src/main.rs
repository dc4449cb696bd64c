//! The `frontdesk` command: parse options, set up logging, run a command.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk::config::{Config, Overrides};
use frontdesk::help::bot::{self, AskInput, BotConfig, Mode};
use frontdesk::locale::Locale;
use frontdesk::tools::eval;

#[derive(Parser)]
#[command(
    name = "frontdesk",
    version,
    about = "A chatbot-first support assistant with escalation to human tickets"
)]
struct Cli {
    /// Configuration file (default: ./frontdesk.toml when present).
    #[arg(long, global = true, env = "FRONTDESK_CONFIG")]
    config: Option<PathBuf>,
    /// Folder of Markdown help articles.
    #[arg(long, global = true, env = "FRONTDESK_KB")]
    kb: Option<PathBuf>,
    /// Folder for the database and the search index.
    #[arg(long, global = true, env = "FRONTDESK_DATA")]
    data: Option<PathBuf>,
    /// Confidence (0 to 1) under which the bot escalates.
    #[arg(long, global = true, env = "FRONTDESK_THRESHOLD")]
    threshold: Option<f32>,
    /// Log filter, e.g. `info` or `frontdesk=debug`.
    #[arg(long, global = true, env = "FRONTDESK_LOG")]
    log: Option<String>,
    /// Folder of the embedding model (default: models/all-MiniLM-L6-v2).
    #[arg(long, global = true, env = "FRONTDESK_MODEL_DIR")]
    model_dir: Option<PathBuf>,
    /// Folder of the embedding cache (default: <data>/embeddings).
    #[arg(long, global = true, env = "FRONTDESK_EMBEDDING_CACHE")]
    embedding_cache: Option<PathBuf>,
    /// What runs the embedding model: `fastest` (our MiniLM encoder, or
    /// candle's BERT for what it does not implement) or `candle`.
    #[arg(long, global = true, env = "FRONTDESK_EMBEDDING_ENGINE", value_parser = ["fastest", "candle"])]
    embedding_engine: Option<String>,
    /// The address users reach the server at (links in emails).
    #[arg(long, global = true, env = "FRONTDESK_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the help center, the bot API and the widget (the default).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "FRONTDESK_BIND")]
        bind: Option<String>,
        /// Do not re-index when article files change.
        #[arg(long, env = "FRONTDESK_NO_WATCH")]
        no_watch: bool,
        /// Create the demo accounts (admin@, operator@ and user@demo.test,
        /// password `demo-password`) if they do not exist.
        #[arg(long)]
        demo: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage organisations (groups of end users with support hours).
    Org {
        #[command(subcommand)]
        action: OrgAction,
    },
    /// Manage operators' teams (chat requests for a team go to its members).
    Team {
        #[command(subcommand)]
        action: TeamAction,
    },
    /// Build the search index now (it is also built on start-up when articles changed).
    Index,
    /// Ask the bot a question and print the answer, its sources and confidence.
    Ask {
        question: String,
        /// URL of the product page the question is asked on.
        #[arg(long)]
        page: Option<String>,
        /// Language of the question (detected when absent).
        #[arg(long)]
        lang: Option<String>,
        /// Print the same JSON object as the API.
        #[arg(long)]
        json: bool,
    },
    /// Measure speed and memory on a synthetic knowledge base (use a release build).
    Bench {
        /// Sections of the hybrid (keyword + vector) knowledge base.
        #[arg(long, default_value_t = 10_000)]
        sections: usize,
        /// Sections of the keyword-only knowledge base.
        #[arg(long, default_value_t = 100_000)]
        keyword_sections: usize,
        /// Asks sent over HTTP for each number of concurrent clients.
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Load-test live chat: idle widget connections (server memory), then
    /// many chats sending at a fixed rate (delivery latency, throughput).
    ChatBench {
        #[arg(long, default_value_t = 10_000)]
        idle: usize,
        #[arg(long, default_value_t = 500)]
        chats: usize,
        /// Messages per second over all chats.
        #[arg(long, default_value_t = 2_000)]
        rate: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long)]
        json: bool,
    },
    /// Train the request classifier on training/requests and print its
    /// leave-one-product-out cross-validated accuracy.
    TrainRequests {
        /// Also cross-validate other regularisation strengths.
        #[arg(long)]
        sweep: bool,
        #[arg(long)]
        json: bool,
    },
    /// Fit the escalation decision on a question file (hybrid retrieval)
    /// and print its weights, to paste into src/bot/escalation.rs.
    FitEscalation {
        #[arg(long)]
        questions: PathBuf,
        /// Also ask each answerable question without its relevant articles
        /// (as a question the help center does not answer).
        #[arg(long)]
        without_answers: bool,
        /// Weigh both outcomes equally (default: each question the same).
        #[arg(long)]
        balanced: bool,
    },
    /// Measure retrieval and escalation on a question file (JSON lines).
    Eval {
        #[arg(long)]
        questions: PathBuf,
        /// Only this retrieval mode (default: keyword, vector and hybrid side by side).
        #[arg(long, value_parser = ["keyword", "vector", "hybrid"])]
        mode: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also list every question with its outcome.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account and email it a one-time link to set its password
    /// (the link is printed too).
    Invite {
        email: String,
        /// end_user, operator or admin.
        #[arg(long, default_value = "end_user", value_parser = ["end_user", "operator", "admin"])]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Create the first admin. The password is read from standard input
    /// (one line); without it, a one-time link to set it is printed.
    CreateAdmin {
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum OrgAction {
    /// Create an organisation.
    Create {
        name: String,
        /// Support hours included each month (unused hours carry over).
        #[arg(long, default_value_t = 0.0)]
        monthly_hours: f64,
        /// Members may read and follow each other's tickets.
        #[arg(long)]
        share_tickets: bool,
    },
    /// Put an end user in an organisation.
    AddMember { name: String, email: String },
}

#[derive(Subcommand)]
enum TeamAction {
    /// Create a team.
    Create { name: String },
    /// Add an operator or admin to a team.
    AddMember { name: String, email: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let (bind, watch) = match &cli.command {
        Some(Command::Serve { bind, no_watch, .. }) => (bind.clone(), (*no_watch).then_some(false)),
        _ => (None, None),
    };
    let config = Config::load(
        cli.config.as_deref(),
        Overrides {
            bind,
            data: cli.data,
            kb: cli.kb,
            threshold: cli.threshold,
            watch,
            log: cli.log,
            model_dir: cli.model_dir,
            embedding_cache: cli.embedding_cache,
            embedding_engine: cli.embedding_engine,
            public_url: cli.public_url,
            ..Overrides::default()
        },
    )?;
    init_tracing(
        &config.log,
        matches!(cli.command, None | Some(Command::Serve { .. })),
    );

    match cli.command.unwrap_or(Command::Serve {
        bind: None,
        no_watch: false,
        demo: false,
    }) {
        Command::Serve { demo, .. } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(frontdesk::app::serve(config, demo))
        }
        Command::User { action } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(user_command(&config, action))
        }
        Command::ChatBench {
            idle,
            chats,
            rate,
            seconds,
            json,
        } => {
            anyhow::ensure!(
                chats > 0 && rate > 0 && seconds > 0,
                "chats, rate and seconds must be positive"
            );
            anyhow::ensure!(
                idle <= 50_000 && chats <= 5_000,
                "at most 50,000 idle connections and 5,000 chats"
            );
            let r = frontdesk::tools::chat_bench::run(
                &frontdesk::tools::chat_bench::ChatBenchOptions {
                    idle,
                    chats,
                    rate,
                    seconds,
                },
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "idle widget connections: {}; server memory {:.0} MB before, {:.0} MB with them",
                    r.idle_connections, r.server_rss_mb_before, r.server_rss_mb_with_idle
                );
                println!(
                    "{} chats at {} msg/s: sent {}, delivered {} ({:.0}/s), stored {}; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                    r.chats,
                    r.target_rate,
                    r.sent,
                    r.delivered,
                    r.delivered_per_sec,
                    r.stored,
                    r.latency_p50_ms,
                    r.latency_p99_ms,
                    r.latency_max_ms
                );
            }
            Ok(())
        }
        Command::Team { action } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(team_command(&config, action))
        }
        Command::Org { action } => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(org_command(&config, action))
        }
        Command::Index => {
            // A rebuild from scratch; embeddings still come from the cache.
            let index_dir = config.index_dir();
            if index_dir.exists() {
                std::fs::remove_dir_all(&index_dir).with_context(|| {
                    format!("cannot remove the old index {}", index_dir.display())
                })?;
            }
            let k = frontdesk::app::open_knowledge(&config)?.current();
            println!(
                "indexed {} articles ({} sections) in {} locale(s); {} skipped",
                k.kb.articles.len(),
                k.kb.articles
                    .iter()
                    .map(|a| a.sections.len())
                    .sum::<usize>(),
                k.kb.locales().len(),
                k.kb.problems.len()
            );
            Ok(())
        }
        Command::Ask {
            question,
            page,
            lang,
            json,
        } => {
            let question = question.trim();
            anyhow::ensure!(!question.is_empty(), "the question is empty");
            let locale = lang.as_deref().map(Locale::parse).transpose()?;
            let k = frontdesk::app::open_knowledge(&config)?.current();
            let answer = bot::ask(
                &k,
                &BotConfig {
                    threshold: config.threshold,
                    mode: Mode::Hybrid,
                },
                &AskInput {
                    question,
                    page_url: page.as_deref(),
                    locale,
                    history: &[],
                    client: "cli",
                },
            )?;
            if json {
                let mut value = serde_json::to_value(&answer)?;
                value["conversation_id"] = serde_json::Value::Null;
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("{}\n", answer.answer);
                for s in &answer.sources {
                    let section = if s.section.is_empty() {
                        String::new()
                    } else {
                        format!(" › {}", s.section)
                    };
                    println!(
                        "  source: {}{} ({})  score {:.2}",
                        s.title, section, s.url, s.score
                    );
                }
                println!("\nconfidence: {:.2}", answer.confidence);
                if answer.escalate {
                    let kind = answer
                        .suggested_ticket_type
                        .map(|t| t.label())
                        .unwrap_or("any");
                    println!("escalate: yes (suggested ticket type: {kind})");
                } else {
                    println!("escalate: no");
                }
            }
            Ok(())
        }
        Command::Bench {
            sections,
            keyword_sections,
            requests,
            json,
        } => {
            anyhow::ensure!(
                sections >= 10 && keyword_sections >= 10 && requests >= 16,
                "use at least 10 sections and 16 requests"
            );
            let questions = bench_questions(&config.kb)?;
            let report = frontdesk::tools::bench::run(
                &frontdesk::tools::bench::BenchOptions {
                    sections,
                    keyword_sections,
                    source_kb: config.kb.clone(),
                    model_dir: config.model_dir.clone(),
                    engine: config.embedding_engine,
                    requests,
                },
                questions,
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{report}");
            }
            Ok(())
        }
        Command::TrainRequests { sweep, json } => train_requests(&config, sweep, json),
        Command::FitEscalation {
            questions,
            without_answers,
            balanced,
        } => fit_escalation(&config, &questions, without_answers, balanced),
        Command::Eval {
            questions,
            mode,
            json,
            verbose,
        } => {
            let qs = eval::load_questions(&questions)?;
            let k = frontdesk::app::open_knowledge(&config)?.current();
            let modes: Vec<Mode> = match mode.as_deref() {
                Some("keyword") => vec![Mode::Keyword],
                Some("vector") => vec![Mode::Vector],
                Some(_) => vec![Mode::Hybrid],
                None => Mode::ALL.to_vec(),
            };
            if modes.iter().any(|m| *m != Mode::Keyword) && k.vectors.is_none() {
                anyhow::bail!(
                    "vector and hybrid modes need the embedding model: run models/fetch (or pass --mode keyword)"
                );
            }
            let reports = modes
                .iter()
                .map(|&mode| {
                    eval::evaluate(
                        &k,
                        &BotConfig {
                            threshold: config.threshold,
                            mode,
                        },
                        &qs,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            if json {
                let out = if reports.len() == 1 {
                    serde_json::to_value(&reports[0])?
                } else {
                    serde_json::json!({ "modes": reports })
                };
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                print_reports(&reports, verbose);
            }
            Ok(())
        }
    }
}

/// Reads one figure of a report.
type MetricOf = fn(&eval::Metrics) -> f64;

fn print_reports(reports: &[eval::Report], verbose: bool) {
    if verbose {
        for r in reports {
            println!("== {}", r.mode.name());
            for o in &r.outcomes {
                let rank = o.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
                let mark = match (o.kind, o.escalated, o.rank) {
                    (eval::QuestionKind::Escalate, true, _) => "ok ",
                    (eval::QuestionKind::Answerable, false, Some(1)) => "ok ",
                    _ => "XX ",
                };
                println!(
                    "{mark} rank {rank:>2}  conf {:.2}  {}  {}  -> {}",
                    o.confidence,
                    if o.escalated { "ESC" } else { "   " },
                    o.question,
                    o.top.as_deref().unwrap_or("-")
                );
            }
            println!();
        }
    }
    let Some(first) = reports.first() else {
        return;
    };
    let m = &first.metrics;
    println!(
        "questions: {} answerable, {} to escalate; escalation threshold {:.2}\n",
        m.answerable, m.escalate, first.threshold
    );
    print!("{:<22}", "");
    for r in reports {
        print!("{:>10}", r.mode.name());
    }
    println!();
    let rows: [(&str, MetricOf); 7] = [
        ("Recall@1", |m| m.recall_at_1),
        ("Recall@3", |m| m.recall_at_3),
        ("MRR@10", |m| m.mrr_at_10),
        ("escalation precision", |m| m.escalation_precision),
        ("escalation recall", |m| m.escalation_recall),
        ("answered correctly", |m| m.answered_correctly),
        ("ticket type accuracy", |m| m.ticket_type_accuracy),
    ];
    for (name, get) in rows {
        print!("{name:<22}");
        for r in reports {
            print!("{:>10.3}", get(&r.metrics));
        }
        println!();
    }
    if m.follow_ups > 0 {
        print!("{:<22}", "follow-up Recall@3");
        for r in reports {
            print!("{:>10.3}", r.metrics.follow_up_recall_at_3.unwrap_or(0.0));
        }
        println!("   ({} follow-ups)", m.follow_ups);
    }
    print!("{:<22}", "best threshold (F1)");
    for r in reports {
        print!("{:>10.2}", r.best_threshold);
    }
    println!();
    if first.by_language.len() > 1 {
        for (lang, m) in &first.by_language {
            println!(
                "\n{lang}: {} answerable, {} to escalate",
                m.answerable, m.escalate
            );
            for (name, get) in &rows[..3] {
                print!("{:<22}", format!("{name}, {lang}"));
                for r in reports {
                    let m = r.by_language.get(lang).map_or(0.0, get);
                    print!("{m:>10.3}");
                }
                println!();
            }
        }
    }
}

fn train_requests(config: &Config, sweep: bool, json: bool) -> anyhow::Result<()> {
    use frontdesk::help::bot::classify::{self, CLASSIFIER_PARAMS, TrainParams};
    let semantic = frontdesk::help::indexing::Semantic::load(
        &config.model_dir,
        &config.embedding_cache,
        config.embedding_engine,
    )
    .context("the request classifier needs the embedding model: run models/fetch")?;
    let messages = classify::training_set()?;
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    let embeddings = {
        let mut cache = semantic.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.embed_all(&semantic.embedder, &texts)?
    };
    let mut settings = vec![CLASSIFIER_PARAMS];
    if sweep {
        for l2 in [0.001, 0.003, 0.03, 0.1] {
            settings.push(TrainParams {
                l2,
                ..CLASSIFIER_PARAMS
            });
        }
        for epochs in [100, 400] {
            settings.push(TrainParams {
                epochs,
                ..CLASSIFIER_PARAMS
            });
        }
    }
    let mut reports = Vec::new();
    for p in settings {
        let cv = classify::cross_validate(&messages, &embeddings, p);
        if !json {
            println!(
                "epochs {} learning rate {} l2 {} balanced {}",
                p.epochs, p.learning_rate, p.l2, p.balanced
            );
            println!(
                "leave-one-product-out over {} messages, {} products: micro {:.3}, macro {:.3}, how-to or not {:.3}",
                cv.messages, cv.products, cv.micro_accuracy, cv.macro_accuracy, cv.how_to_or_not
            );
            for (kind, n, right) in &cv.by_kind {
                println!(
                    "  {:<16}{:>5} messages{:>8.3}",
                    kind.name(),
                    n,
                    *right as f64 / (*n).max(1) as f64
                );
            }
            println!();
        }
        reports.push(cv);
    }
    // What the classifier adds to an ask: one classification per message
    // (the embedding is the retrieval's), timed over the training set.
    let classifier = classify::RequestClassifier::train(&messages, &embeddings);
    let mut timings: Vec<f64> = Vec::with_capacity(messages.len());
    for _ in 0..5 {
        for (m, e) in messages.iter().zip(&embeddings) {
            let start = std::time::Instant::now();
            std::hint::black_box(classifier.classify(std::hint::black_box(e), &m.text));
            timings.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    timings.sort_by(f64::total_cmp);
    let at = |q: f64| timings[((timings.len() - 1) as f64 * q) as usize];
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "cross_validation": reports,
                "classify_microseconds": { "p50": at(0.5), "p99": at(0.99) },
            }))?
        );
    } else {
        println!(
            "classification: p50 {:.1} µs, p99 {:.1} µs per message",
            at(0.5),
            at(0.99)
        );
    }
    Ok(())
}

/// The decision's signals for `q` with its relevant articles left out.
fn without_answer(
    k: &frontdesk::help::knowledge::Knowledge,
    q: &eval::EvalQuestion,
    kinds: bot::classify::KindProbabilities,
) -> anyhow::Result<Option<bot::Signals>> {
    use frontdesk::help::bot::retrieve::{Query, retrieve};
    let asked = q
        .lang
        .as_deref()
        .map(Locale::parse)
        .transpose()?
        .unwrap_or(Locale::En);
    if !k.kb.locales().contains(&asked) {
        return Ok(None);
    }
    let text = bot::intent::strip_greeting(&q.question);
    let query = Query::read(k, asked, text).embedded(k, text, "fit");
    let answers: Vec<usize> =
        k.kb.articles
            .iter()
            .enumerate()
            .filter(|(_, a)| q.relevant.contains(&a.path))
            .map(|(i, _)| i)
            .collect();
    let others = |ai: usize| !answers.contains(&ai);
    let r = retrieve(k, asked, &query, Mode::Hybrid, None, Some(&others))?;
    if r.articles.is_empty() || r.query.is_empty() {
        return Ok(None);
    }
    Ok(Some(bot::Signals::read(
        kinds,
        &r,
        &k.norms(asked),
        text,
        asked,
    )))
}

fn fit_escalation(
    config: &Config,
    questions: &std::path::Path,
    without_answers: bool,
    balanced: bool,
) -> anyhow::Result<()> {
    use frontdesk::help::bot::escalation::{DECISION_FEATURES, DECISION_PARAMS, fit_decision};
    let qs = eval::load_questions(questions)?;
    let k = frontdesk::app::open_knowledge(config)?.current();
    anyhow::ensure!(
        k.classifier.is_some(),
        "fitting the decision needs the embedding model: run models/fetch"
    );
    let mut samples = Vec::new();
    for q in &qs {
        let answer = bot::ask(
            &k,
            &BotConfig {
                threshold: config.threshold,
                mode: Mode::Hybrid,
            },
            &AskInput {
                question: &q.question,
                page_url: q.page_url.as_deref(),
                locale: q.lang.as_deref().map(Locale::parse).transpose()?,
                history: &[],
                client: "fit",
            },
        )?;
        if let Some(signals) = answer.escalation.and_then(|e| e.signals) {
            samples.push((signals.features(), q.kind == eval::QuestionKind::Escalate));
            // The same question asked of the help center without the
            // articles that answer it: a question on its topics that it
            // does not answer, which is what the model must recognise (a
            // question set has few of them).
            if without_answers
                && q.kind == eval::QuestionKind::Answerable
                && let Some(missing) = without_answer(&k, q, signals.kinds)?
            {
                samples.push((missing.features(), true));
            }
        }
    }
    let params = bot::classify::TrainParams {
        balanced,
        ..DECISION_PARAMS
    };
    let (weights, bias) = fit_decision(&samples, params);
    println!("// {} samples from {}", samples.len(), questions.display());
    println!("// features: {}", DECISION_FEATURES.join(", "));
    let listed: Vec<String> = weights.iter().map(|w| format!("{w:.3}")).collect();
    println!(
        "pub const DECISION_WEIGHTS: [f32; {}] = [{}];",
        weights.len(),
        listed.join(", ")
    );
    println!("pub const DECISION_BIAS: f32 = {bias:.3};");
    Ok(())
}

/// English questions of the public question set, or article titles when
/// the set is not there (another knowledge base).
fn bench_questions(kb: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let set = std::path::Path::new("tests/questions/starter.jsonl");
    if set.is_file() {
        let qs: Vec<String> = eval::load_questions(set)?
            .into_iter()
            .filter(|q| q.lang.as_deref().is_none_or(|l| l == "en"))
            .map(|q| q.question)
            .collect();
        if !qs.is_empty() {
            return Ok(qs);
        }
    }
    let kb = frontdesk::help::kb::KnowledgeBase::load(kb)?;
    Ok(kb.articles.iter().map(|a| a.title.clone()).collect())
}

fn init_tracing(filter: &str, serving: bool) {
    use tracing_subscriber::EnvFilter;
    // Commands other than `serve` print results on stdout; keep logs quiet there.
    let default = if serving {
        filter.to_string()
    } else {
        format!("warn,{}", filter.replace("info", "warn"))
    };
    let filter = EnvFilter::try_new(&default).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn user_command(config: &Config, action: UserAction) -> anyhow::Result<()> {
    use frontdesk::accounts::{Role, invite, password};
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))?;
    let db = frontdesk::store::open(&config.database_path()).await?;
    let public_url = &config.desk.public_url;
    if *public_url == format!("http://{}", config.bind) {
        // The links go by email to people on other machines.
        eprintln!(
            "warning: public_url is not set, so links point to {public_url}; set it in frontdesk.toml, \
             FRONTDESK_PUBLIC_URL or --public-url (the same as the server's)"
        );
    }
    match action {
        UserAction::Invite { email, role, name } => {
            let email = frontdesk::accounts::Email::parse(&email)?;
            let role = Role::parse(&role).context("unknown role")?;
            let (user, link) = invite::invite(&db, public_url, &email, &name, role).await?;
            println!(
                "invited {} ({}); the invitation email is queued",
                user.email,
                role.as_str()
            );
            println!(
                "one-time link (valid {} hours): {link}",
                invite::LINK_VALID_SECS / 3600
            );
        }
        UserAction::CreateAdmin {
            email,
            name,
            password_stdin,
        } => {
            let email = frontdesk::accounts::Email::parse(&email)?;
            if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from standard input")?;
                let pw = line.trim_end_matches(['\r', '\n']);
                password::check_new(pw).map_err(anyhow::Error::msg)?;
                let (user, _) = invite::invite(&db, public_url, &email, &name, Role::Admin).await?;
                let hash = password::hash(pw).map_err(|e| anyhow::anyhow!("{e}"))?;
                frontdesk::store::users::set_password(&db, &user.id, &hash).await?;
                println!("created admin {}", user.email);
            } else {
                let (user, link) =
                    invite::invite(&db, public_url, &email, &name, Role::Admin).await?;
                println!("created admin {}; set the password at: {link}", user.email);
            }
        }
    }
    Ok(())
}

async fn org_command(config: &Config, action: OrgAction) -> anyhow::Result<()> {
    use frontdesk::store::{organisations, users};
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))?;
    let db = frontdesk::store::open(&config.database_path()).await?;
    match action {
        OrgAction::Create {
            name,
            monthly_hours,
            share_tickets,
        } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.chars().count() <= 200,
                "the name must be 1 to 200 characters"
            );
            anyhow::ensure!(
                (0.0..=744.0).contains(&monthly_hours),
                "monthly hours must be between 0 and 744"
            );
            anyhow::ensure!(
                organisations::by_name(&db, name).await?.is_none(),
                "an organisation named {name} exists already"
            );
            let mut conn = db.acquire().await?;
            let minutes = (monthly_hours * 60.0).round() as i64;
            organisations::create(
                &mut conn,
                name,
                minutes,
                share_tickets,
                frontdesk::store::now(),
            )
            .await?;
            println!("created organisation {name} ({monthly_hours} support hours a month)");
        }
        OrgAction::AddMember { name, email } => {
            let org = organisations::by_name(&db, name.trim())
                .await?
                .with_context(|| format!("no organisation named {name}"))?;
            let email = frontdesk::accounts::Email::parse(&email)?;
            let user = users::by_email(&db, &email)
                .await?
                .with_context(|| format!("no account with the email {email}"))?;
            users::set_organisation(&db, &user.id, Some(&org.id)).await?;
            println!("{email} is now a member of {}", org.name);
        }
    }
    Ok(())
}

async fn team_command(config: &Config, action: TeamAction) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data)
        .with_context(|| format!("cannot create the data folder {}", config.data.display()))?;
    let db = frontdesk::store::open(&config.database_path()).await?;
    match action {
        TeamAction::Create { name } => {
            let name = frontdesk::live::teams::create(&db, &name, frontdesk::store::now()).await?;
            println!("created team {name}");
        }
        TeamAction::AddMember { name, email } => {
            let email = frontdesk::accounts::Email::parse(&email)?;
            frontdesk::live::teams::add_member(&db, &name, &email).await?;
            println!("{email} is now in the team {}", name.trim());
        }
    }
    Ok(())
}
