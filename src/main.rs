//! The `frontdesk` command: parse options, set up logging, run a command.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk::bot::{self, AskInput, BotConfig};
use frontdesk::config::{Config, Overrides};
use frontdesk::eval;
use frontdesk::locale::Locale;

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
    /// Measure retrieval and escalation on a question file (JSON lines).
    Eval {
        #[arg(long)]
        questions: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also list every question with its outcome.
        #[arg(long)]
        verbose: bool,
    },
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
        Some(Command::Serve { bind, no_watch }) => (bind.clone(), (*no_watch).then_some(false)),
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
        },
    )?;
    init_tracing(
        &config.log,
        matches!(cli.command, None | Some(Command::Serve { .. })),
    );

    match cli.command.unwrap_or(Command::Serve {
        bind: None,
        no_watch: false,
    }) {
        Command::Serve { .. } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(frontdesk::app::serve(config))
        }
        Command::Index => {
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
                },
                &AskInput {
                    question,
                    page_url: page.as_deref(),
                    locale,
                    history: &[],
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
        Command::Eval {
            questions,
            json,
            verbose,
        } => {
            let qs = eval::load_questions(&questions)?;
            let k = frontdesk::app::open_knowledge(&config)?.current();
            let report = eval::evaluate(
                &k,
                &BotConfig {
                    threshold: config.threshold,
                },
                &qs,
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_report(&report, verbose);
            }
            Ok(())
        }
    }
}

fn print_report(r: &eval::Report, verbose: bool) {
    let m = &r.metrics;
    if verbose {
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
    println!(
        "questions: {} answerable, {} to escalate (threshold {:.2})",
        m.answerable, m.escalate, r.threshold
    );
    println!("Recall@1              {:.3}", m.recall_at_1);
    println!("Recall@3              {:.3}", m.recall_at_3);
    println!("MRR@10                {:.3}", m.mrr_at_10);
    println!("escalation precision  {:.3}", m.escalation_precision);
    println!("escalation recall     {:.3}", m.escalation_recall);
    println!("answered correctly    {:.3}", m.answered_correctly);
    println!(
        "best threshold by escalation F1 on this file: {:.2}",
        r.best_threshold
    );
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
