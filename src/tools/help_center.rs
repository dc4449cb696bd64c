//! The help center from the command line: `index` rebuilds the search
//! index, `ask` asks the bot one question and prints its answer.

use anyhow::Context;

use crate::config::Config;
use crate::help::bot::{self, AskInput, BotConfig, Mode};
use crate::locale::Locale;

/// `index`: the index from scratch (embeddings still come from the cache).
pub fn index(config: &Config) -> anyhow::Result<()> {
    let index_dir = config.index_dir();
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir)
            .with_context(|| format!("cannot remove the old index {}", index_dir.display()))?;
    }
    let k = crate::app::open_knowledge(config)?.current();
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

/// `ask`: the answer, its sources and confidence, or with `json` the same
/// object as the API (without a conversation).
pub fn ask(
    config: &Config,
    question: &str,
    page: Option<&str>,
    lang: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let question = question.trim();
    anyhow::ensure!(!question.is_empty(), "the question is empty");
    let locale = lang.map(Locale::parse).transpose()?;
    let k = crate::app::open_knowledge(config)?.current();
    let answer = bot::ask(
        &k,
        &BotConfig {
            threshold: config.threshold,
            mode: Mode::Hybrid,
            ..BotConfig::default()
        },
        &AskInput {
            question,
            page_url: page,
            locale,
            history: &[],
            client: "cli",
        },
    )?;
    if json {
        let mut value = serde_json::to_value(&answer)?;
        value["conversation_id"] = serde_json::Value::Null;
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
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
    Ok(())
}
