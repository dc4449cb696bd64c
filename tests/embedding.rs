//! The embedding model against reference figures computed by an independent
//! implementation (tests/fixtures/minilm-reference.json): token ids exactly,
//! embeddings at cosine similarity above 0.999. Needs the real model files
//! (`models/fetch`, which the test command runs).

use std::path::Path;

use frontdesk::help::embed::{DIMENSIONS, Embedder, Engine, MAX_QUESTION_TOKENS, MAX_TOKENS};
use frontdesk::help::kb::KnowledgeBase;
use frontdesk::help::search::vector::section_text;

fn model_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2")
}

fn model_on(engine: Engine) -> Embedder {
    Embedder::load_with(&model_dir(), engine)
        .unwrap_or_else(|e| panic!("the embedding model must be fetched (models/fetch): {e}"))
}

fn model() -> Embedder {
    model_on(Engine::Fastest)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn cosine(a: &[f32], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * y).sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|y| y.powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

struct Reference {
    text: String,
    token_ids: Vec<u32>,
    embedding: Vec<f64>,
}

fn references() -> Vec<Reference> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm-reference.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    v["sentences"]
        .as_array()
        .expect("sentences")
        .iter()
        .map(|s| Reference {
            text: s["text"].as_str().expect("text").to_string(),
            token_ids: s["token_ids"]
                .as_array()
                .expect("ids")
                .iter()
                .map(|x| x.as_u64().expect("id") as u32)
                .collect(),
            embedding: s["embedding"]
                .as_array()
                .expect("embedding")
                .iter()
                .map(|x| x.as_f64().expect("float"))
                .collect(),
        })
        .collect()
}

#[test]
fn token_ids_match_the_reference_exactly() {
    let m = model();
    for r in references() {
        assert_eq!(
            m.token_ids(&r.text).expect("tokenize"),
            r.token_ids,
            "{}",
            r.text
        );
    }
}

#[test]
fn embeddings_match_the_reference_one_by_one_and_in_a_padded_batch() {
    for engine in [Engine::Fastest, Engine::Candle] {
        matches_the_reference(&model_on(engine));
    }
}

fn matches_the_reference(m: &Embedder) {
    let refs = references();
    for r in &refs {
        let v = m.embed("test", &r.text).expect("embed");
        assert_eq!(v.len(), DIMENSIONS);
        let c = cosine(&v, &r.embedding);
        assert!(c > 0.999, "{}: cosine {c}", r.text);
    }
    // Sentences of different lengths in one batch: padding must not change them.
    let texts: Vec<&str> = refs.iter().map(|r| r.text.as_str()).collect();
    let batch = m.embed_batch(&texts).expect("batch");
    for (v, r) in batch.iter().zip(&refs) {
        let c = cosine(v, &r.embedding);
        assert!(c > 0.999, "batched {}: cosine {c}", r.text);
    }
}

#[test]
fn corrupt_or_missing_weights_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(Embedder::load(dir.path()).is_err());
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
    for f in ["tokenizer.json", "config.json"] {
        std::fs::copy(real.join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::write(dir.path().join("model.safetensors"), b"not weights").expect("write");
    let err = Embedder::load(dir.path())
        .err()
        .expect("corrupt weights refused")
        .to_string();
    assert!(err.contains("SHA-256"), "{err}");
}

/// The encoder against candle's BERT on real texts of every length: each
/// section of the bundled knowledge base (up to 256 tokens) and each
/// question of the public set, one pass for all.
#[test]
fn the_encoder_agrees_with_candles_bert_on_sections_and_questions() {
    let (fast, candle) = (model(), model_on(Engine::Candle));
    let kb = KnowledgeBase::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base"))
        .expect("bundled knowledge base");
    let mut texts: Vec<String> = kb
        .articles
        .iter()
        .flat_map(|a| a.sections.iter().map(move |s| section_text(a, s)))
        .step_by(3)
        .collect();
    let questions = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/questions/starter.jsonl"),
    )
    .expect("questions");
    texts.extend(questions.lines().step_by(2).map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).expect("question line");
        v["question"].as_str().expect("question").to_string()
    }));
    assert!(texts.len() > 100, "{}", texts.len());
    for chunk in texts.chunks(16) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let a = fast.embed_batch(&refs).expect("encoder");
        let b = candle.embed_batch(&refs).expect("candle");
        for ((x, y), text) in a.iter().zip(&b).zip(chunk) {
            let c = dot(x, y);
            assert!(c > 0.9999, "cosine {c} for {text}");
        }
    }
}

#[test]
fn a_configuration_the_encoder_lacks_runs_on_candle() {
    // The same weights declared with another activation: the encoder does
    // not implement it, candle's BERT does.
    let dir = tempfile::tempdir().expect("tempdir");
    for f in ["tokenizer.json", "model.safetensors"] {
        std::fs::copy(model_dir().join(f), dir.path().join(f)).expect("copy");
    }
    let config = std::fs::read_to_string(model_dir().join("config.json")).expect("config");
    let mut config: serde_json::Value = serde_json::from_str(&config).expect("json");
    config["hidden_act"] = "relu".into();
    std::fs::write(dir.path().join("config.json"), config.to_string()).expect("write");
    let relu = Embedder::load(dir.path()).expect("falls back to candle");
    let text = "how do I reopen a resolved ticket";
    let v = relu.embed("test", text).expect("embed");
    assert_eq!(v.len(), DIMENSIONS);
    assert!((dot(&v, &v) - 1.0).abs() < 1e-4);
    // A different activation gives a different (still related) embedding.
    let gelu = model().embed("test", text).expect("embed");
    assert!(dot(&v, &gelu) < 0.999, "{}", dot(&v, &gelu));
}

#[test]
fn a_long_question_costs_no_more_than_its_first_tokens() {
    let m = model();
    let long = "how do I reopen a resolved ticket when the answer did not help ".repeat(10);
    let longer = format!("{long} and what about attachments, exams and grading?");
    let n = m.token_ids(&long).expect("tokens").len();
    assert!(n > MAX_QUESTION_TOKENS && n + 20 < MAX_TOKENS, "{n}");
    // Past the cap, more words change nothing: the pass never sees them.
    assert_eq!(
        m.embed("test", &long).expect("embed"),
        m.embed("test", &longer).expect("embed")
    );
}
