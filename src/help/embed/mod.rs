//! Sentence embeddings on the CPU: all-MiniLM-L6-v2 (BERT, 384 dimensions),
//! its weights and configuration read with candle, mean-pooled over the
//! tokens and L2-normalised. The forward pass runs in `encoder` (MiniLM's
//! layers written out over `gemm`, the fastest on short questions) or in
//! candle's own BERT (`candle_bert`) for a configuration `encoder` does
//! not implement.

mod batcher;
pub mod cache;
mod candle_bert;
mod encoder;

use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_transformers::models::bert::Config;
use sha2::{Digest, Sha256};
use tokenizers::Tokenizer;

use batcher::Batcher;
use candle_bert::CandleBert;
use encoder::{Encoder, Threads};

/// Dimension of the embeddings.
pub const DIMENSIONS: usize = 384;
/// The checksum `models/fetch` verifies; other weights are refused.
pub const MODEL_SHA256: &str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// Longest input in tokens. The tokenizer file says 128; the model allows
/// 512 and sentence-transformers uses 256 for it. Sections are chunked to
/// about 220 words, so 256 keeps nearly all of each one.
pub const MAX_TOKENS: usize = 256;
/// Longest question in tokens: real questions are a sentence or two (well
/// under 64 tokens); the cap bounds what one question, however long, costs
/// every other user of the shared passes.
pub const MAX_QUESTION_TOKENS: usize = 128;
/// Texts handed to `embed_batch` at a time by the indexer (stacked, not
/// padded, in one forward pass).
pub const BATCH: usize = 16;

/// The default model folder, relative to the working directory.
pub fn default_model_dir() -> PathBuf {
    PathBuf::from("models/all-MiniLM-L6-v2")
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("model file {0} is missing (run models/fetch)")]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "model weights {path} have SHA-256 {found}, expected {MODEL_SHA256} (run models/fetch)"
    )]
    Checksum { path: PathBuf, found: String },
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("not implemented by the encoder: {0}")]
    Unsupported(String),
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    #[error("model error: {0}")]
    Model(#[from] candle_core::Error),
    #[error("embedding failed: {0}")]
    Failed(String),
}

/// What runs the model's forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// `encoder` where it implements the configuration, candle's BERT otherwise.
    Fastest,
    /// candle's BERT (`candle_transformers`), whatever the configuration.
    Candle,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Fastest => "fastest",
            Engine::Candle => "candle",
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = String;

    fn from_str(s: &str) -> Result<Engine, String> {
        match s.trim() {
            "fastest" => Ok(Engine::Fastest),
            "candle" => Ok(Engine::Candle),
            other => Err(format!("`{other}` is not `fastest` or `candle`")),
        }
    }
}

enum Forward {
    Encoder(Encoder),
    Candle(CandleBert),
}

impl Forward {
    fn embed(&self, texts: &[&[u32]], threads: Threads) -> Result<Vec<Vec<f32>>, EmbedError> {
        match self {
            Forward::Encoder(e) => e.embed(texts, threads),
            // candle picks its own threads (`RAYON_NUM_THREADS`).
            Forward::Candle(c) => c.embed(texts),
        }
    }
}

pub struct Embedder {
    forward: Forward,
    tokenizer: Tokenizer,
    /// Groups questions asked at the same time into shared passes.
    batcher: Batcher,
}

impl Embedder {
    /// Loads the model from `dir` (with `model.safetensors`, `tokenizer.json`
    /// and `config.json`), refusing weights with the wrong checksum.
    pub fn load(dir: &Path) -> Result<Embedder, EmbedError> {
        Embedder::load_with(dir, Engine::Fastest)
    }

    /// `load`, with the forward pass run by `engine`.
    pub fn load_with(dir: &Path, engine: Engine) -> Result<Embedder, EmbedError> {
        let file = |name: &str| {
            let p = dir.join(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(EmbedError::Missing(p))
            }
        };
        let weights_path = file("model.safetensors")?;
        let tokenizer_path = file("tokenizer.json")?;
        let config_path = file("config.json")?;
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| EmbedError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let weights = read(&weights_path)?;
        let found = hex(&Sha256::digest(&weights));
        if found != MODEL_SHA256 {
            return Err(EmbedError::Checksum {
                path: weights_path,
                found,
            });
        }
        let config: Config = serde_json::from_slice(&read(&config_path)?)
            .map_err(|e| EmbedError::Config(e.to_string()))?;
        let tensors = candle_core::safetensors::load_buffer(&weights, &Device::Cpu)?;
        drop(weights);
        let forward = match engine {
            Engine::Candle => Forward::Candle(CandleBert::new(tensors, &config)?),
            // The tensors are shared, not copied, by the clone.
            Engine::Fastest => match Encoder::new(tensors.clone(), &config) {
                Ok(encoder) => Forward::Encoder(encoder),
                Err(EmbedError::Unsupported(what)) => {
                    tracing::info!("the model's {what} runs on candle's BERT, which is slower");
                    Forward::Candle(CandleBert::new(tensors, &config)?)
                }
                Err(e) => return Err(e),
            },
        };
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        // The file enables padding, which would add pad tokens to the mean;
        // every text is encoded on its own, unpadded.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(Embedder {
            forward,
            tokenizer,
            batcher: Batcher::per_core(),
        })
    }

    /// What runs the forward pass: `encoder` or `candle`.
    pub fn runs_on(&self) -> &'static str {
        match self.forward {
            Forward::Encoder(_) => "encoder",
            Forward::Candle(_) => "candle",
        }
    }

    /// The token ids of `text` (with the special tokens), as the model sees them.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The embedding of a question of `client` (who asks: a user or an
    /// address): a forward pass on one thread, shared with the questions
    /// asked at the same moment (see `batcher`), so that concurrent
    /// questions use the cores side by side and read the weights once for
    /// several of them. Only its first `MAX_QUESTION_TOKENS` tokens count.
    pub fn embed(&self, client: &str, text: &str) -> Result<Vec<f32>, EmbedError> {
        let started = std::time::Instant::now();
        let ids = question_ids(self.token_ids(text)?);
        let v = self
            .batcher
            .embed(client, ids, |texts| self.forward.embed(texts, Threads::One));
        crate::metrics::embedding(started.elapsed());
        v
    }

    /// Embeds several texts (indexing) in one pass over every core; none is
    /// padded to the longest.
    pub fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let ids: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.token_ids(t))
            .collect::<Result<_, _>>()?;
        let ids: Vec<&[u32]> = ids.iter().map(Vec::as_slice).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.forward.embed(&ids, Threads::All)
    }
}

/// A question's token ids cut to `MAX_QUESTION_TOKENS`, keeping the final
/// separator token the model expects.
fn question_ids(mut ids: Vec<u32>) -> Vec<u32> {
    if ids.len() > MAX_QUESTION_TOKENS
        && let Some(&last) = ids.last()
    {
        ids.truncate(MAX_QUESTION_TOKENS - 1);
        ids.push(last);
    }
    ids
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_questions_are_cut_keeping_the_separator() {
        let long: Vec<u32> = (0..400).collect();
        let cut = question_ids(long);
        assert_eq!(cut.len(), MAX_QUESTION_TOKENS);
        assert_eq!(cut[MAX_QUESTION_TOKENS - 2], MAX_QUESTION_TOKENS as u32 - 2);
        assert_eq!(cut.last(), Some(&399));
        assert_eq!(question_ids(vec![101, 7, 102]), vec![101, 7, 102]);
    }
}
