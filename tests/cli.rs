//! Command-line tests: `ask`, `eval` and `index` on the bundled knowledge
//! base and on a foreign help vault with other conventions.

use std::path::Path;
use std::process::Command;

mod common;

/// `frontdesk --data DATA` in the crate root, with the tests' shared embedding cache.
fn frontdesk(data: &Path) -> Command {
    common::frontdesk_command(data)
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("the frontdesk binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn ask_json_prints_the_api_object() {
    let data = tempfile::tempdir().expect("data");
    let (ok, out, err) =
        run(frontdesk(data.path()).args(["ask", "how do I reopen a resolved ticket", "--json"]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    for key in [
        "answer",
        "sources",
        "confidence",
        "escalate",
        "suggested_ticket_type",
        "conversation_id",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["escalate"], false);
    assert!(
        v["sources"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/help/en/tickets/reopen-a-ticket")),
        "{v}"
    );
}

#[test]
fn ask_json_explains_the_decision_with_its_signals() {
    let data = tempfile::tempdir().expect("data");
    let ask = |q: &str| {
        let (ok, out, err) = run(frontdesk(data.path()).args(["ask", q, "--json"]));
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("JSON output")
    };
    // A refund of a specific charge goes to people, typed as settings help,
    // whatever article looks close.
    let v = ask("you charged my card 49.99 twice on 3 May, please refund one of them");
    assert_eq!(v["escalate"], true, "{v}");
    assert_eq!(v["suggested_ticket_type"], "settings_help", "{v}");
    let e = &v["escalation"];
    assert_eq!(e["reason"], "billing_admin", "{e}");
    assert_eq!(e["model"], "fitted", "{e}");
    let signals = &e["signals"];
    for key in [
        "similarity",
        "similarity_placed",
        "coverage",
        "known_share",
        "retrievers_agree",
        "margin",
        "digits",
        "other_language",
        "answer_kinds",
    ] {
        assert!(signals.get(key).is_some(), "missing {key} in {signals}");
    }
    assert!(
        signals["kinds"]["billing_admin"].as_f64().unwrap_or(0.0) > 0.5,
        "{signals}"
    );
    // A report of something broken is a bug report.
    let v = ask("since this morning every export fails with error 500");
    assert_eq!(v["escalate"], true, "{v}");
    assert_eq!(v["suggested_ticket_type"], "bug_report", "{v}");
    assert_eq!(v["escalation"]["reason"], "malfunction", "{v}");
    // An answered question says so too.
    let v = ask("how do I reopen a resolved ticket");
    assert_eq!(v["escalate"], false, "{v}");
    assert_eq!(v["escalation"]["reason"], "answered", "{v}");
}

#[test]
fn candles_bert_can_run_the_model_and_answers_alike() {
    let data = tempfile::tempdir().expect("data");
    let question = "my students cannot see the exam I made";
    let top = |engine: &str| {
        let (ok, out, err) = run(frontdesk(data.path()).args([
            "--embedding-engine",
            engine,
            "ask",
            question,
            "--json",
        ]));
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
        (v["sources"][0]["url"].clone(), v["confidence"].clone())
    };
    let fastest = top("fastest");
    assert!(fastest.0.is_string(), "{fastest:?}");
    assert_eq!(top("candle"), fastest);
    let (ok, _, err) =
        run(frontdesk(data.path()).args(["--embedding-engine", "onnx", "ask", "hi"]));
    assert!(!ok);
    assert!(err.contains("onnx"), "{err}");
}

#[test]
fn ask_prints_answer_sources_and_confidence_and_honours_page_and_lang() {
    let data = tempfile::tempdir().expect("data");
    let (ok, out, err) =
        run(frontdesk(data.path()).args(["ask", "comment créer un ticket", "--lang", "fr"]));
    assert!(ok, "{err}");
    assert!(
        out.contains("source:") && out.contains("/help/fr/tickets/create-a-ticket"),
        "{out}"
    );
    assert!(out.contains("confidence:"));

    let (ok, _, err) = run(frontdesk(data.path()).args(["ask", "hi", "--lang", "klingon"]));
    assert!(!ok);
    assert!(err.contains("unknown locale"), "{err}");
}

#[test]
fn eval_on_the_public_question_set_meets_the_targets() {
    let data = tempfile::tempdir().expect("data");
    let (ok, out, err) = run(frontdesk(data.path()).args([
        "eval",
        "--questions",
        "tests/questions/starter.jsonl",
        "--json",
    ]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    let modes = v["modes"].as_array().expect("one report per mode");
    let metric = |mode: &str, k: &str| -> f64 {
        let report = modes
            .iter()
            .find(|r| r["mode"] == mode)
            .unwrap_or_else(|| panic!("no {mode} report"));
        report["metrics"][k]
            .as_f64()
            .unwrap_or_else(|| panic!("metric {k} missing"))
    };
    assert!(
        metric("hybrid", "answerable") >= 60.0 && metric("hybrid", "escalate") >= 15.0,
        "question set too small"
    );
    // The first slice's targets hold with keywords alone...
    assert!(
        metric("keyword", "recall_at_3") >= 0.85,
        "keyword Recall@3 below target"
    );
    // ...and hybrid retrieval does better than either retriever alone.
    assert!(
        metric("hybrid", "recall_at_3") >= 0.92,
        "hybrid Recall@3 below target"
    );
    assert!(
        metric("hybrid", "escalation_recall") >= 0.85,
        "hybrid escalation recall below target"
    );
    assert!(
        metric("hybrid", "escalation_precision") >= 0.85,
        "hybrid escalation precision below target"
    );
    assert!(
        metric("hybrid", "ticket_type_accuracy") >= 0.80,
        "hybrid ticket type accuracy below target"
    );
    // A follow-up that names only a new aspect is read with the topic of
    // the question before it.
    assert!(
        metric("hybrid", "follow_ups") >= 30.0,
        "too few follow-up pairs"
    );
    assert!(
        metric("hybrid", "follow_up_recall_at_3") >= 0.85,
        "follow-up Recall@3 below target"
    );
    for other in ["keyword", "vector"] {
        for k in ["recall_at_3", "mrr_at_10"] {
            assert!(
                metric("hybrid", k) > metric(other, k),
                "hybrid does not beat {other} on {k}"
            );
        }
    }
    // In each language the fusion does at least as well as the better of
    // its two inputs.
    let by_language = |mode: &str| {
        modes
            .iter()
            .find(|r| r["mode"] == mode)
            .and_then(|r| r["by_language"].as_object())
            .unwrap_or_else(|| panic!("no {mode} figures by language"))
            .clone()
    };
    let hybrid = by_language("hybrid");
    assert!(
        ["en", "fr", "ro"].iter().all(|l| hybrid.contains_key(*l)),
        "{hybrid:?}"
    );
    for (lang, figures) in &hybrid {
        for k in ["recall_at_3", "mrr_at_10"] {
            let best_input = ["keyword", "vector"]
                .iter()
                .map(|m| by_language(m)[lang][k].as_f64().unwrap_or(1.0))
                .fold(0.0, f64::max);
            let fused = figures[k].as_f64().unwrap_or(0.0);
            assert!(
                fused >= best_input,
                "{lang} {k}: hybrid {fused} below its better input {best_input}"
            );
        }
    }
}

#[test]
fn eval_rejects_a_malformed_question_file_with_its_line() {
    let data = tempfile::tempdir().expect("data");
    let q = data.path().join("q.jsonl");
    std::fs::write(
        &q,
        "{\"question\": \"ok\", \"relevant\": [\"en/x.md\"], \"kind\": \"answerable\"}\nnot json\n",
    )
    .expect("write");
    let (ok, _, err) = run(frontdesk(data.path())
        .arg("eval")
        .arg("--questions")
        .arg(&q));
    assert!(!ok);
    assert!(err.contains("q.jsonl:2"), "{err}");
}

#[test]
fn any_folder_of_markdown_articles_can_be_used() {
    let data = tempfile::tempdir().expect("data");
    let kb = tempfile::tempdir().expect("kb");
    common::foreign_vault(kb.path());
    let (ok, out, err) = run(frontdesk(data.path())
        .arg("--kb")
        .arg(kb.path())
        .arg("index"));
    assert!(ok, "{err}");
    assert!(out.contains("indexed 3 articles"), "{out}");

    let (ok, out, err) = run(frontdesk(data.path()).arg("--kb").arg(kb.path()).args([
        "ask",
        "how do i get my notes on my phone",
        "--json",
    ]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["sources"][0]["url"], "/help/en/sync/set-up-sync#connect-a-phone",
        "{v}"
    );
    assert_eq!(v["escalate"], false);

    let (ok, out, _) = run(frontdesk(data.path()).arg("--kb").arg(kb.path()).args([
        "ask",
        "synchroniser mes notes sur mon téléphone",
        "--json",
    ]));
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v["sources"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/help/fr/synchronisation/")),
        "{v}"
    );

    let q = data.path().join("q.jsonl");
    std::fs::write(&q, "{\"question\": \"two devices changed the same note\", \"relevant\": [\"en/Sync/Troubleshoot sync.md\"], \"kind\": \"answerable\"}\n").expect("write");
    let (ok, out, err) = run(frontdesk(data.path())
        .arg("--kb")
        .arg(kb.path())
        .arg("eval")
        .arg("--questions")
        .arg(&q)
        .args(["--json", "--mode", "hybrid"]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["metrics"]["recall_at_1"], 1.0, "{v}");
}

#[test]
fn a_missing_knowledge_base_folder_is_a_clear_error() {
    let data = tempfile::tempdir().expect("data");
    let (ok, _, err) = run(frontdesk(data.path()).args(["--kb", "/nonexistent/help", "index"]));
    assert!(!ok);
    assert!(err.contains("/nonexistent/help"), "{err}");
}

#[test]
fn bench_measures_every_figure_on_a_small_base() {
    let data = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run(frontdesk(data.path()).args([
        "bench",
        "--sections",
        "30",
        "--keyword-sections",
        "40",
        "--requests",
        "32",
        "--json",
    ]));
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    // Five sections an article; the chunker may split a long one.
    let sections = r["sections"].as_u64().unwrap_or(0);
    let keyword_sections = r["keyword_sections"].as_u64().unwrap_or(0);
    assert!((30..=33).contains(&sections), "{r}");
    assert!((40..=44).contains(&keyword_sections), "{r}");
    for figure in [
        "index_cold_sections_per_s",
        "index_cached_sections_per_s",
        "warm_restart_s",
        "query_embedding_ms_p50",
        "http_hybrid_asks_per_s_2_clients",
        "http_hybrid_asks_per_s_16_clients",
        "http_hybrid_cpu_ms_per_ask_16_clients",
        "http_keyword_asks_per_s_16_clients",
        "peak_memory_mb",
    ] {
        assert!(r[figure].as_f64().unwrap_or(0.0) > 0.0, "{figure}: {r}");
    }
    let noisy = &r["noisy_neighbour"];
    for latency in [
        &r["ask_keyword"],
        &r["ask_hybrid"],
        &r["ask_keyword_large"],
        &noisy["alone"],
        &noisy["with_abusers"],
    ] {
        let p50 = latency["p50_ms"].as_f64().unwrap_or(0.0);
        let p99 = latency["p99_ms"].as_f64().unwrap_or(0.0);
        assert!(p50 > 0.0 && p99 >= p50, "{latency}: {r}");
    }
    // The noisy-neighbour figure: the abusive clients were refused.
    assert!(noisy["p95_ratio"].as_f64().unwrap_or(0.0) > 0.0, "{r}");
    assert!(noisy["abusive_refused"].as_u64().unwrap_or(0) > 0, "{r}");
    // Too small a run is refused with a message.
    let (ok, _, err) = run(frontdesk(data.path()).args(["bench", "--requests", "3"]));
    assert!(!ok);
    assert!(err.contains("at least"), "{err}");
}

#[test]
fn chat_bench_delivers_and_stores_every_message() {
    let data = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run(frontdesk(data.path()).args([
        "chat-bench",
        "--idle",
        "50",
        "--chats",
        "5",
        "--rate",
        "50",
        "--seconds",
        "1",
        "--json",
    ]));
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    let sent = r["sent"].as_u64().expect("sent");
    assert!(sent >= 25, "{r}");
    assert_eq!(r["delivered"].as_u64(), Some(sent), "{r}");
    assert_eq!(r["stored"].as_u64(), Some(sent), "{r}");
    assert!(r["server_rss_mb_with_idle"].as_f64().unwrap_or(0.0) > 0.0);
    // Bad options are refused with a message, not a panic.
    let (ok, _, err) = run(frontdesk(data.path()).args(["chat-bench", "--chats", "0"]));
    assert!(!ok);
    assert!(err.contains("must be positive"), "{err}");
}

#[test]
fn user_invite_links_point_to_the_public_url() {
    let data = tempfile::tempdir().expect("tempdir");
    let (ok, out, err) = run(frontdesk(data.path()).args([
        "--public-url",
        "https://support.example.com",
        "user",
        "invite",
        "new.person@example.com",
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("https://support.example.com/"), "{out}");
    assert!(!out.contains("127.0.0.1"), "{out}");
    // From the environment too; without any, a warning says what to set.
    let (ok, out, _) = run(frontdesk(data.path())
        .env("FRONTDESK_PUBLIC_URL", "https://help.example.org")
        .args(["user", "invite", "second@example.com"]));
    assert!(ok);
    assert!(out.contains("https://help.example.org/"), "{out}");
    let (ok, _, err) = run(frontdesk(data.path()).args(["user", "invite", "third@example.com"]));
    assert!(ok);
    assert!(err.contains("public_url is not set"), "{err}");
}
