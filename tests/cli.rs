//! Command-line tests: `ask`, `eval` and `index` on the bundled knowledge
//! base and on a foreign help vault with other conventions.

use std::path::Path;
use std::process::Command;

fn frontdesk(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(data);
    c
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
    let m = &v["metrics"];
    let get = |k: &str| {
        m[k].as_f64()
            .unwrap_or_else(|| panic!("metric {k} missing"))
    };
    assert!(
        get("answerable") >= 60.0 && get("escalate") >= 15.0,
        "question set too small: {m}"
    );
    assert!(get("recall_at_3") >= 0.85, "Recall@3 below target: {m}");
    assert!(
        get("escalation_recall") >= 0.8,
        "escalation recall below target: {m}"
    );
    assert!(get("recall_at_1") <= get("recall_at_3") && get("recall_at_3") <= 1.0);
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

/// A help vault with other conventions: no front matter, wiki links,
/// callouts, a French folder, spaces in names.
fn foreign_vault(dir: &Path) {
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "en/Sync/Set up sync.md",
        "---\naliases: [sync]\npermalink: sync-setup\ncssclasses: wide\n---\nSync keeps your notes the same on every device.\n\n## Connect a phone\n\nTo sync notes to your phone, install the mobile app, open **Settings → Sync** and sign in. See [[Troubleshoot sync#Conflicts|conflicts]].\n\n> [!warning] Keep a backup\n> Sync is not a backup.\n",
    );
    write(
        "en/Sync/Troubleshoot sync.md",
        "# Troubleshoot sync\n\n## Conflicts\n\nWhen the same note changes on two devices, both versions are kept and the newer one wins.\n",
    );
    write(
        "fr/Synchronisation/Configurer la synchronisation.md",
        "---\npermalink: sync-setup\n---\nLa synchronisation garde vos notes identiques sur tous vos appareils.\n\n## Connecter un téléphone\n\nPour synchroniser vos notes sur votre téléphone, installez l'application mobile et connectez-vous dans **Réglages → Synchronisation**.\n",
    );
}

#[test]
fn any_folder_of_markdown_articles_can_be_used() {
    let data = tempfile::tempdir().expect("data");
    let kb = tempfile::tempdir().expect("kb");
    foreign_vault(kb.path());
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
        .arg("--json"));
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
