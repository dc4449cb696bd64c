//! The fitting commands: `train-requests` (the request classifier's
//! cross-validated accuracy, and what a classification costs) and
//! `fit-escalation` (the escalation decision's weights, printed as Rust to
//! paste into `help::bot::escalation`).

use std::path::Path;

use anyhow::Context;

use crate::config::Config;
use crate::help::bot::{self, AskInput, BotConfig, Mode};
use crate::help::knowledge::Knowledge;
use crate::locale::Locale;
use crate::tools::eval;

/// `train-requests`: trains on `training/requests` and prints the
/// leave-one-product-out accuracy, for other settings too with `sweep`.
pub fn train_requests(config: &Config, sweep: bool, json: bool) -> anyhow::Result<()> {
    use crate::help::bot::classify::{self, CLASSIFIER_PARAMS, TrainParams};
    let semantic = crate::help::indexing::Semantic::load(
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
    k: &Knowledge,
    q: &eval::EvalQuestion,
    kinds: bot::classify::KindProbabilities,
) -> anyhow::Result<Option<bot::Signals>> {
    use crate::help::bot::retrieve::{Query, retrieve};
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
        bot::answer_kinds(k, &r),
        text,
        asked,
    )))
}

/// `fit-escalation`: fits the decision on the signals of each question of
/// the file (hybrid retrieval) and prints the weights as Rust constants.
pub fn fit_escalation(
    config: &Config,
    questions: &Path,
    without_answers: bool,
    balanced: bool,
) -> anyhow::Result<()> {
    use crate::help::bot::escalation::{DECISION_FEATURES, DECISION_PARAMS, fit_decision};
    let qs = eval::load_questions(questions)?;
    let k = crate::app::open_knowledge(config)?.current();
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
                ..BotConfig::default()
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
