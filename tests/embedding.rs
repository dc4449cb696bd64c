//! The embedding model against reference figures computed by an independent
//! implementation (tests/fixtures/minilm-reference.json): token ids exactly,
//! embeddings at cosine similarity above 0.999. Needs the real model files
//! (`models/fetch`, which the test command runs).

use std::path::Path;

use frontdesk::embed::{DIMENSIONS, Embedder};

fn model() -> Embedder {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2");
    Embedder::load(&dir)
        .unwrap_or_else(|e| panic!("the embedding model must be fetched (models/fetch): {e}"))
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
    let m = model();
    let refs = references();
    for r in &refs {
        let v = m.embed(&r.text).expect("embed");
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
