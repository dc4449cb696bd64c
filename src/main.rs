//! The `frontdesk` command: parse options, set up logging, run a command
//! (each is one call into the library: `app::serve` or a `tools` module).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk::config::{Config, Overrides};
use frontdesk::tools::chat_bench::{self, ChatBenchOptions};
use frontdesk::tools::{admin, bench, eval, fitting, help_center, reports_bench};

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
    /// The token `GET /metrics` asks for; setting it turns the metrics on.
    #[arg(
        long,
        global = true,
        env = "FRONTDESK_METRICS_TOKEN",
        hide_env_values = true
    )]
    metrics_token: Option<String>,
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
    /// Time the admins' report pages on a big desk: seeds a fresh database
    /// (tickets, bot questions, chats over 90 days) and requests the pages
    /// over HTTP as an admin.
    ReportsBench {
        #[arg(long, default_value_t = 100_000)]
        tickets: i64,
        #[arg(long, default_value_t = 1_000_000)]
        questions: i64,
        #[arg(long, default_value_t = 20_000)]
        chats: i64,
        /// Timed requests per page, after one warm-up.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
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
            metrics_token: cli.metrics_token,
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
        Command::User { action } => match action {
            UserAction::Invite { email, role, name } => {
                admin::user_invite(&config, &email, &role, &name)
            }
            UserAction::CreateAdmin {
                email,
                name,
                password_stdin,
            } => admin::user_create_admin(&config, &email, &name, password_stdin),
        },
        Command::Org { action } => match action {
            OrgAction::Create {
                name,
                monthly_hours,
                share_tickets,
            } => admin::org_create(&config, &name, monthly_hours, share_tickets),
            OrgAction::AddMember { name, email } => admin::org_add_member(&config, &name, &email),
        },
        Command::Team { action } => match action {
            TeamAction::Create { name } => admin::team_create(&config, &name),
            TeamAction::AddMember { name, email } => admin::team_add_member(&config, &name, &email),
        },
        Command::Index => help_center::index(&config),
        Command::Ask {
            question,
            page,
            lang,
            json,
        } => help_center::ask(&config, &question, page.as_deref(), lang.as_deref(), json),
        Command::Bench {
            sections,
            keyword_sections,
            requests,
            json,
        } => bench::command(&config, sections, keyword_sections, requests, json),
        Command::ChatBench {
            idle,
            chats,
            rate,
            seconds,
            json,
        } => chat_bench::command(
            &ChatBenchOptions {
                idle,
                chats,
                rate,
                seconds,
            },
            json,
        ),
        Command::ReportsBench {
            tickets,
            questions,
            chats,
            rounds,
            json,
        } => reports_bench::command(
            &config,
            &reports_bench::ReportsBenchOptions {
                tickets,
                questions,
                chats,
                rounds,
            },
            json,
        ),
        Command::TrainRequests { sweep, json } => fitting::train_requests(&config, sweep, json),
        Command::FitEscalation {
            questions,
            without_answers,
            balanced,
        } => fitting::fit_escalation(&config, &questions, without_answers, balanced),
        Command::Eval {
            questions,
            mode,
            json,
            verbose,
        } => eval::command(&config, &questions, mode.as_deref(), json, verbose),
    }
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
