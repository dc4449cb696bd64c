//! Evaluation on a question file: retrieval quality (Recall@1, Recall@3,
//! MRR@10) and escalation precision/recall, overall and per language (the
//! fusion is weighted per language, so a gain in one must not hide a loss
//! in another), plus a sweep of the escalation threshold to calibrate it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::help::bot::{self, AskInput, BotConfig, Escalation, Intent, Mode};
use crate::help::knowledge::Knowledge;
use crate::locale::Locale;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Answerable,
    Escalate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuestion {
    pub question: String,
    #[serde(default)]
    pub relevant: Vec<String>,
    #[serde(default)]
    pub lang: Option<String>,
    pub kind: QuestionKind,
    #[serde(default)]
    pub page_url: Option<String>,
    /// The question asked just before in the same conversation: the bot
    /// must read this one (a follow-up) with that one's topic.
    #[serde(default)]
    pub previous: Option<String>,
    /// The ticket type an escalation should suggest (`bug_report`,
    /// `feature_request`, `settings_help`); absent where none is expected.
    #[serde(default)]
    pub ticket_type: Option<String>,
    /// The kind of request, one of [`REQUEST_KINDS`], on escalations.
    #[serde(default)]
    pub request: Option<String>,
}

/// The kinds of request a question file may name in `request`.
pub const REQUEST_KINDS: &[&str] = &[
    "how_to",
    "malfunction",
    "feature_request",
    "account_action",
    "billing_admin",
    "off_topic",
    "small_talk",
];

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0} has no questions")]
    Empty(String),
    #[error(transparent)]
    Search(#[from] crate::help::search::SearchError),
}

/// Reads a JSON-lines question file, rejecting bad lines with their number.
pub fn load_questions(path: &Path) -> Result<Vec<EvalQuestion>, EvalError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: name.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let invalid = |message: String| EvalError::Invalid {
            path: name.clone(),
            line: i + 1,
            message,
        };
        let q: EvalQuestion = serde_json::from_str(line).map_err(|e| invalid(e.to_string()))?;
        if let Some(l) = &q.lang {
            Locale::parse(l).map_err(|e| invalid(e.to_string()))?;
        }
        if let Some(t) = &q.ticket_type {
            if crate::help::bot::TicketType::parse(t).is_none() {
                return Err(invalid(format!(
                    "unknown ticket type {t:?} (bug_report, feature_request or settings_help)"
                )));
            }
            if q.kind != QuestionKind::Escalate {
                return Err(invalid(
                    "only a question to escalate has a ticket type".into(),
                ));
            }
        }
        if let Some(r) = &q.request
            && !REQUEST_KINDS.contains(&r.as_str())
        {
            return Err(invalid(format!(
                "unknown request kind `{r}` (expected one of {})",
                REQUEST_KINDS.join(", ")
            )));
        }
        if q.previous.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Err(invalid("`previous` is empty".into()));
        }
        if q.kind == QuestionKind::Answerable && q.relevant.is_empty() {
            return Err(invalid(
                "an answerable question needs at least one relevant article".into(),
            ));
        }
        out.push(q);
    }
    if out.is_empty() {
        return Err(EvalError::Empty(name));
    }
    Ok(out)
}

/// What the bot did with one question.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub question: String,
    pub kind: QuestionKind,
    /// 1-based rank of the first relevant article among the results.
    pub rank: Option<usize>,
    pub escalated: bool,
    pub confidence: f32,
    pub top: Option<String>,
    /// Asked as a follow-up of the question file's `previous` question.
    pub follow_up: bool,
    /// The question file's language for it, or else the one the bot detected.
    pub lang: String,
    #[serde(skip)]
    intent: Intent,
    /// The language the bot took the question to be in.
    #[serde(skip)]
    locale: Locale,
    #[serde(skip)]
    nothing_found: bool,
    /// Small talk and requests for clarification are never escalated.
    #[serde(skip)]
    searched: bool,
    /// Whether `confidence` is the fitted decision's.
    #[serde(skip)]
    fitted: bool,
    /// The ticket type the bot suggested, and the one expected.
    pub ticket_type: Option<String>,
    pub expected_ticket_type: Option<String>,
    /// What the fitted decision read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<crate::help::bot::Signals>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Metrics {
    pub answerable: usize,
    pub escalate: usize,
    pub recall_at_1: f64,
    pub recall_at_3: f64,
    pub mrr_at_10: f64,
    pub escalation_precision: f64,
    pub escalation_recall: f64,
    /// Answerable questions answered (not escalated) from a relevant top article.
    pub answered_correctly: f64,
    /// Escalated questions that expect a ticket type, and the share of
    /// them given that type.
    pub typed_escalations: usize,
    pub ticket_type_accuracy: f64,
    /// Answerable follow-ups (questions with a `previous` one).
    pub follow_ups: usize,
    /// Recall@3 over the answerable follow-ups alone (none: no follow-ups).
    pub follow_up_recall_at_3: Option<f64>,
}

pub fn metrics(outcomes: &[Outcome]) -> Metrics {
    let answerable: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.kind == QuestionKind::Answerable)
        .collect();
    let n = answerable.len().max(1) as f64;
    let within = |k: usize| {
        answerable
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    let mrr = answerable
        .iter()
        .map(|o| match o.rank {
            Some(r) if r <= 10 => 1.0 / r as f64,
            _ => 0.0,
        })
        .sum::<f64>()
        / n;
    let follow_ups: Vec<&&Outcome> = answerable.iter().filter(|o| o.follow_up).collect();
    let follow_up_recall_at_3 = (!follow_ups.is_empty()).then(|| {
        follow_ups
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= 3))
            .count() as f64
            / follow_ups.len() as f64
    });
    let predicted = outcomes.iter().filter(|o| o.escalated).count();
    let actual = outcomes
        .iter()
        .filter(|o| o.kind == QuestionKind::Escalate)
        .count();
    let true_positive = outcomes
        .iter()
        .filter(|o| o.escalated && o.kind == QuestionKind::Escalate)
        .count();
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let typed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.escalated && o.expected_ticket_type.is_some())
        .collect();
    let typed_right = typed
        .iter()
        .filter(|o| o.ticket_type == o.expected_ticket_type)
        .count();
    Metrics {
        answerable: answerable.len(),
        escalate: actual,
        recall_at_1: within(1),
        recall_at_3: within(3),
        mrr_at_10: mrr,
        escalation_precision: ratio(true_positive, predicted),
        escalation_recall: ratio(true_positive, actual),
        answered_correctly: answerable
            .iter()
            .filter(|o| !o.escalated && o.rank == Some(1))
            .count() as f64
            / n,
        typed_escalations: typed.len(),
        ticket_type_accuracy: ratio(typed_right, typed.len()),
        follow_ups: follow_ups.len(),
        follow_up_recall_at_3,
    }
}

/// The metrics of each language's questions, by language code.
pub fn metrics_by_language(outcomes: &[Outcome]) -> BTreeMap<String, Metrics> {
    let langs: BTreeSet<&str> = outcomes.iter().map(|o| o.lang.as_str()).collect();
    langs
        .into_iter()
        .map(|lang| {
            let of_lang: Vec<Outcome> = outcomes
                .iter()
                .filter(|o| o.lang == lang)
                .cloned()
                .collect();
            (lang.to_string(), metrics(&of_lang))
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    pub threshold: f32,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub threshold: f32,
    pub metrics: Metrics,
    pub by_language: BTreeMap<String, Metrics>,
    pub outcomes: Vec<Outcome>,
    pub sweep: Vec<SweepPoint>,
    /// The threshold with the best escalation F1 on this file.
    pub best_threshold: f32,
    /// How the help center's own articles score (the decision's reference).
    pub norms: Vec<(Locale, crate::help::knowledge::Norms)>,
}

pub fn run_one(
    knowledge: &Knowledge,
    config: &BotConfig,
    q: &EvalQuestion,
) -> Result<Outcome, EvalError> {
    let locale = q.lang.as_deref().and_then(|l| Locale::parse(l).ok());
    // A follow-up is asked in the conversation its previous question
    // started, as the widget does: that question is asked first, then
    // passed as the conversation's history.
    let mut history = Vec::new();
    if let Some(previous) = &q.previous {
        bot::ask(
            knowledge,
            config,
            &AskInput {
                question: previous,
                page_url: q.page_url.as_deref(),
                locale,
                history: &[],
                client: "eval",
            },
        )?;
        history.push(previous.clone());
    }
    let answer = bot::ask(
        knowledge,
        config,
        &AskInput {
            question: &q.question,
            page_url: q.page_url.as_deref(),
            locale,
            history: &history,
            client: "eval",
        },
    )?;
    let rank = answer
        .ranked
        .iter()
        .position(|p| q.relevant.iter().any(|r| r == p))
        .map(|i| i + 1);
    Ok(Outcome {
        question: q.question.clone(),
        kind: q.kind,
        rank,
        escalated: answer.escalate,
        confidence: answer.confidence,
        top: answer.ranked.first().cloned(),
        follow_up: q.previous.is_some(),
        lang: q
            .lang
            .clone()
            .unwrap_or_else(|| answer.locale.code().to_string()),
        intent: answer.intent,
        locale: answer.locale,
        nothing_found: answer.ranked.is_empty(),
        searched: matches!(
            answer.kind,
            bot::AnswerKind::Answer | bot::AnswerKind::Escalation
        ),
        fitted: answer.fitted,
        ticket_type: answer.suggested_ticket_type.map(|t| t.as_str().to_string()),
        expected_ticket_type: q.ticket_type.clone(),
        signals: answer.escalation.and_then(|e| e.signals),
    })
}

pub fn evaluate(
    knowledge: &Knowledge,
    config: &BotConfig,
    questions: &[EvalQuestion],
) -> Result<Report, EvalError> {
    let progress = crate::progress::Progress::new(questions.len() as u64, "asking the questions");
    let outcomes = questions
        .iter()
        .map(|q| {
            progress.inc(1);
            run_one(knowledge, config, q)
        })
        .collect::<Result<Vec<_>, _>>()?;
    drop(progress);
    // The decision is re-taken at other thresholds from what was recorded,
    // rather than by asking again.
    let mut sweep = Vec::new();
    for step in 0..=30 {
        let threshold = 0.30 + step as f32 * 0.02;
        let o: Vec<Outcome> = outcomes
            .iter()
            .map(|o| Outcome {
                escalated: o.searched
                    && Escalation {
                        confidence: o.confidence,
                        fitted: o.fitted,
                        intent: o.intent,
                        locale: o.locale,
                        nothing_found: o.nothing_found,
                    }
                    .decide(threshold),
                ..o.clone()
            })
            .collect();
        let m = metrics(&o);
        let f1 = if m.escalation_precision + m.escalation_recall > 0.0 {
            2.0 * m.escalation_precision * m.escalation_recall
                / (m.escalation_precision + m.escalation_recall)
        } else {
            0.0
        };
        sweep.push(SweepPoint {
            threshold: (threshold * 100.0).round() / 100.0,
            precision: m.escalation_precision,
            recall: m.escalation_recall,
            f1,
        });
    }
    let best_threshold = sweep
        .iter()
        .max_by(|a, b| {
            a.f1.total_cmp(&b.f1)
                .then(b.threshold.total_cmp(&a.threshold))
        })
        .map(|p| p.threshold)
        .unwrap_or(config.threshold);
    Ok(Report {
        mode: config.mode,
        threshold: config.threshold,
        metrics: metrics(&outcomes),
        by_language: metrics_by_language(&outcomes),
        outcomes,
        sweep,
        best_threshold,
        norms: knowledge.norms.clone(),
    })
}

/// `eval`: evaluates the question file in one retrieval mode (`keyword`,
/// `vector` or `hybrid`) or, without `mode`, in all of them side by side,
/// and prints the report (as JSON with `json`, every question with
/// `verbose`).
pub fn command(
    config: &crate::config::Config,
    questions: &Path,
    mode: Option<&str>,
    json: bool,
    verbose: bool,
) -> anyhow::Result<()> {
    let qs = load_questions(questions)?;
    let k = crate::app::open_knowledge(config)?.current();
    let modes: Vec<Mode> = match mode {
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
            evaluate(
                &k,
                &BotConfig {
                    threshold: config.threshold,
                    mode,
                    ..BotConfig::default()
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
        print!(
            "{}",
            Table {
                reports: &reports,
                verbose
            }
        );
    }
    Ok(())
}

/// Reads one figure of a report.
type MetricOf = fn(&Metrics) -> f64;

/// The text report: one column per mode, then per language when there are
/// several; with `verbose`, every question's outcome first.
pub struct Table<'a> {
    pub reports: &'a [Report],
    pub verbose: bool,
}

impl std::fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reports = self.reports;
        if self.verbose {
            for r in reports {
                writeln!(f, "== {}", r.mode.name())?;
                for o in &r.outcomes {
                    let rank = o.rank.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
                    let mark = match (o.kind, o.escalated, o.rank) {
                        (QuestionKind::Escalate, true, _) => "ok ",
                        (QuestionKind::Answerable, false, Some(1)) => "ok ",
                        _ => "XX ",
                    };
                    writeln!(
                        f,
                        "{mark} rank {rank:>2}  conf {:.2}  {}  {}  -> {}",
                        o.confidence,
                        if o.escalated { "ESC" } else { "   " },
                        o.question,
                        o.top.as_deref().unwrap_or("-")
                    )?;
                }
                writeln!(f)?;
            }
        }
        let Some(first) = reports.first() else {
            return Ok(());
        };
        let m = &first.metrics;
        writeln!(
            f,
            "questions: {} answerable, {} to escalate; escalation threshold {:.2}\n",
            m.answerable, m.escalate, first.threshold
        )?;
        write!(f, "{:<22}", "")?;
        for r in reports {
            write!(f, "{:>10}", r.mode.name())?;
        }
        writeln!(f)?;
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
            write!(f, "{name:<22}")?;
            for r in reports {
                write!(f, "{:>10.3}", get(&r.metrics))?;
            }
            writeln!(f)?;
        }
        if m.follow_ups > 0 {
            write!(f, "{:<22}", "follow-up Recall@3")?;
            for r in reports {
                write!(
                    f,
                    "{:>10.3}",
                    r.metrics.follow_up_recall_at_3.unwrap_or(0.0)
                )?;
            }
            writeln!(f, "   ({} follow-ups)", m.follow_ups)?;
        }
        write!(f, "{:<22}", "best threshold (F1)")?;
        for r in reports {
            write!(f, "{:>10.2}", r.best_threshold)?;
        }
        writeln!(f)?;
        if first.by_language.len() > 1 {
            for (lang, m) in &first.by_language {
                writeln!(
                    f,
                    "\n{lang}: {} answerable, {} to escalate",
                    m.answerable, m.escalate
                )?;
                for (name, get) in &rows[..3] {
                    write!(f, "{:<22}", format!("{name}, {lang}"))?;
                    for r in reports {
                        let m = r.by_language.get(lang).map_or(0.0, get);
                        write!(f, "{m:>10.3}")?;
                    }
                    writeln!(f)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(kind: QuestionKind, rank: Option<usize>, escalated: bool) -> Outcome {
        Outcome {
            question: String::new(),
            kind,
            rank,
            escalated,
            confidence: 0.0,
            top: None,
            follow_up: false,
            lang: "en".into(),
            intent: Intent::default(),
            locale: Locale::En,
            nothing_found: false,
            searched: true,
            fitted: false,
            ticket_type: None,
            expected_ticket_type: None,
            signals: None,
        }
    }

    #[test]
    fn metrics_are_computed_over_the_right_questions() {
        use QuestionKind::*;
        let outcomes = vec![
            o(Answerable, Some(1), false),
            o(Answerable, Some(2), false),
            o(Answerable, Some(4), true),
            o(Answerable, None, false),
            o(Escalate, None, true),
            o(Escalate, None, false),
        ];
        let m = metrics(&outcomes);
        assert_eq!(m.answerable, 4);
        assert_eq!(m.escalate, 2);
        assert!((m.recall_at_1 - 0.25).abs() < 1e-9);
        assert!((m.recall_at_3 - 0.5).abs() < 1e-9);
        assert!((m.mrr_at_10 - (1.0 + 0.5 + 0.25) / 4.0).abs() < 1e-9);
        assert!((m.escalation_precision - 0.5).abs() < 1e-9);
        assert!((m.escalation_recall - 0.5).abs() < 1e-9);
        assert!((m.answered_correctly - 0.25).abs() < 1e-9);
    }

    #[test]
    fn ticket_types_are_scored_on_escalations_that_expect_one() {
        use QuestionKind::*;
        let typed = |escalated, got: Option<&str>, want: Option<&str>| Outcome {
            ticket_type: got.map(str::to_string),
            expected_ticket_type: want.map(str::to_string),
            ..o(Escalate, None, escalated)
        };
        let outcomes = vec![
            typed(true, Some("bug_report"), Some("bug_report")),
            typed(true, Some("settings_help"), Some("bug_report")),
            // Not escalated: counts for recall, not for the type.
            typed(false, None, Some("feature_request")),
            // Off-topic: no type expected.
            typed(true, None, None),
        ];
        let m = metrics(&outcomes);
        assert_eq!(m.typed_escalations, 2);
        assert!((m.ticket_type_accuracy - 0.5).abs() < 1e-9);
    }

    #[test]
    fn follow_ups_have_their_own_recall() {
        use QuestionKind::*;
        let follow = |rank| Outcome {
            follow_up: true,
            ..o(Answerable, rank, false)
        };
        let m = metrics(&[o(Answerable, Some(1), false), o(Answerable, None, false)]);
        assert_eq!((m.follow_ups, m.follow_up_recall_at_3), (0, None));
        let m = metrics(&[
            o(Answerable, None, false),
            follow(Some(2)),
            follow(Some(5)),
            follow(None),
            o(Escalate, None, true),
        ]);
        assert_eq!(m.follow_ups, 3);
        let r = m.follow_up_recall_at_3.expect("follow-ups measured");
        assert!((r - 1.0 / 3.0).abs() < 1e-9, "{r}");
        assert!((m.recall_at_3 - 0.25).abs() < 1e-9);
    }

    #[test]
    fn metrics_are_split_by_language() {
        use QuestionKind::*;
        let fr = |rank| Outcome {
            lang: "fr".into(),
            ..o(Answerable, rank, false)
        };
        let outcomes = vec![
            o(Answerable, Some(1), false),
            fr(Some(3)),
            fr(None),
            o(Escalate, None, true),
        ];
        let by = metrics_by_language(&outcomes);
        assert_eq!(by.keys().collect::<Vec<_>>(), ["en", "fr"]);
        let (en, fr) = (&by["en"], &by["fr"]);
        assert_eq!((en.answerable, en.escalate), (1, 1));
        assert!((en.recall_at_1 - 1.0).abs() < 1e-9);
        assert_eq!((fr.answerable, fr.escalate), (2, 0));
        assert!((fr.recall_at_3 - 0.5).abs() < 1e-9);
        assert!(fr.recall_at_1.abs() < 1e-9);
    }

    #[test]
    fn the_text_table_has_a_column_per_mode_and_the_outcomes_when_verbose() {
        use QuestionKind::*;
        let asked = |question: &str, lang: &str, rank: Option<usize>| Outcome {
            question: question.into(),
            lang: lang.into(),
            top: Some("en/tickets/reopen.md".into()),
            ..o(Answerable, rank, false)
        };
        let refund = |escalated| Outcome {
            question: "refund me".into(),
            ..o(Escalate, None, escalated)
        };
        let report = |mode, best_threshold, outcomes: Vec<Outcome>| Report {
            mode,
            threshold: 0.38,
            metrics: metrics(&outcomes),
            by_language: metrics_by_language(&outcomes),
            outcomes,
            sweep: Vec::new(),
            best_threshold,
            norms: Vec::new(),
        };
        let reports = [
            report(
                Mode::Keyword,
                0.3,
                vec![
                    asked("reopen a ticket", "en", Some(2)),
                    asked("rouvrir un ticket", "fr", Some(1)),
                    refund(true),
                ],
            ),
            report(
                Mode::Hybrid,
                0.45,
                vec![
                    asked("reopen a ticket", "en", Some(1)),
                    asked("rouvrir un ticket", "fr", Some(1)),
                    refund(false),
                ],
            ),
        ];
        let text = Table {
            reports: &reports,
            verbose: true,
        }
        .to_string();
        let lines: Vec<&str> = text.lines().collect();
        for want in [
            "== keyword",
            "XX  rank  2  conf 0.00       reopen a ticket  -> en/tickets/reopen.md",
            "ok  rank  -  conf 0.00  ESC  refund me  -> -",
            "== hybrid",
            "XX  rank  -  conf 0.00       refund me  -> -",
            "questions: 2 answerable, 1 to escalate; escalation threshold 0.38",
            "                         keyword    hybrid",
            "Recall@1                   0.500     1.000",
            "Recall@3                   1.000     1.000",
            "MRR@10                     0.750     1.000",
            "best threshold (F1)         0.30      0.45",
            "en: 1 answerable, 1 to escalate",
            "Recall@1, en               0.000     1.000",
            "fr: 1 answerable, 0 to escalate",
            "Recall@1, fr               1.000     1.000",
        ] {
            assert!(lines.contains(&want), "{want:?} missing from:\n{text}");
        }
        // The figures in their order, under the header's blank line.
        let names: Vec<&str> = lines
            .iter()
            .skip_while(|l| !l.starts_with("questions:"))
            .skip(3)
            .take(8)
            .map(|l| l.get(..22).unwrap_or(l).trim_end())
            .collect();
        assert_eq!(
            names,
            [
                "Recall@1",
                "Recall@3",
                "MRR@10",
                "escalation precision",
                "escalation recall",
                "answered correctly",
                "ticket type accuracy",
                "best threshold (F1)",
            ]
        );
        assert!(!text.contains("follow-up"), "no follow-ups: {text}");
        let short = Table {
            reports: &reports,
            verbose: false,
        }
        .to_string();
        assert!(short.starts_with("questions: "), "{short}");
        assert!(
            Table {
                reports: &[],
                verbose: true
            }
            .to_string()
            .is_empty()
        );
    }

    #[test]
    fn question_files_are_validated_with_line_numbers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("q.jsonl");
        std::fs::write(&p, "{\"question\":\"a\",\"relevant\":[\"en/x.md\"],\"kind\":\"answerable\"}\n{\"question\":\"b\",\"kind\":\"maybe\"}\n").expect("write");
        let err = load_questions(&p).expect_err("bad kind");
        assert!(err.to_string().contains(":2:"), "{err}");
        std::fs::write(
            &p,
            "{\"question\":\"a\",\"relevant\":[],\"kind\":\"answerable\"}\n",
        )
        .expect("write");
        assert!(load_questions(&p).is_err());
        std::fs::write(
            &p,
            "{\"question\":\"a\",\"kind\":\"escalate\",\"ticket_type\":\"refund\"}\n",
        )
        .expect("write");
        assert!(load_questions(&p).is_err(), "unknown ticket type");
        for bad in [
            "{\"question\":\"a\",\"kind\":\"escalate\",\"request\":\"rant\"}",
            "{\"question\":\"a\",\"kind\":\"escalate\",\"ticket_type\":\"question\"}",
            "{\"question\":\"a\",\"relevant\":[\"en/x.md\"],\"kind\":\"answerable\",\"previous\":\" \"}",
        ] {
            std::fs::write(&p, format!("{bad}\n")).expect("write");
            assert!(load_questions(&p).is_err(), "{bad}");
        }
        std::fs::write(
            &p,
            "{\"question\":\"and the size?\",\"relevant\":[\"en/x.md\"],\"kind\":\"answerable\",\"previous\":\"how do I attach a file\"}\n{\"question\":\"b\",\"kind\":\"escalate\",\"ticket_type\":\"bug_report\",\"request\":\"malfunction\"}\n",
        )
        .expect("write");
        let qs = load_questions(&p).expect("valid");
        assert_eq!(qs[0].previous.as_deref(), Some("how do I attach a file"));
        assert_eq!(qs[1].ticket_type, Some("bug_report".to_string()));
        std::fs::write(&p, "\n").expect("write");
        assert!(matches!(load_questions(&p), Err(EvalError::Empty(_))));
    }
}
