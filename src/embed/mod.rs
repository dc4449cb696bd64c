//! Sentence embeddings on the CPU: all-MiniLM-L6-v2 (BERT, 384 dimensions)
//! run with candle, mean-pooled over the attention mask and L2-normalised.

pub mod cache;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::Tokenizer;

/// Dimension of the embeddings.
pub const DIMENSIONS: usize = 384;
/// The checksum `models/fetch` verifies; other weights are refused.
pub const MODEL_SHA256: &str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db";
/// Longest input in tokens. The tokenizer file says 128; the model allows
/// 512 and sentence-transformers uses 256 for it. Sections are chunked to
/// about 220 words, so 256 keeps nearly all of each one.
pub const MAX_TOKENS: usize = 256;
/// Texts embedded per forward pass.
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
    #[error("tokenizer error: {0}")]
    Tokenizer(String),
    #[error("model error: {0}")]
    Model(#[from] candle_core::Error),
}

pub struct Embedder {
    model: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl Embedder {
    /// Loads the model from `dir` (with `model.safetensors`, `tokenizer.json`
    /// and `config.json`), refusing weights with the wrong checksum.
    pub fn load(dir: &Path) -> Result<Embedder, EmbedError> {
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
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)?;
        let model = BertModel::load(vb, &config)?;
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        // The file enables padding, which would pad single inputs with
        // unmasked pad tokens and skew the mean; batches are padded by hand.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: MAX_TOKENS,
                ..Default::default()
            }))
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(Embedder {
            model,
            tokenizer,
            device,
        })
    }

    /// The token ids of `text` (with the special tokens), as the model sees them.
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let enc = self
            .tokenizer
            .encode(text, true)
            .map_err(|e| EmbedError::Tokenizer(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    pub fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let mut v = self.embed_batch(&[text])?;
        v.pop()
            .ok_or_else(|| EmbedError::Tokenizer("no output".into()))
    }

    /// Embeds several texts in one forward pass, padded to the longest and
    /// masked so that padding changes nothing.
    pub fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.token_ids(t))
            .collect::<Result<_, _>>()?;
        let len = encodings.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let n = encodings.len();
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            ids.extend(e.iter().copied());
            ids.extend(std::iter::repeat_n(0u32, len - e.len()));
            mask.extend(std::iter::repeat_n(1u32, e.len()));
            mask.extend(std::iter::repeat_n(0u32, len - e.len()));
        }
        let ids = Tensor::from_vec(ids, (n, len), &self.device)?;
        let mask = Tensor::from_vec(mask, (n, len), &self.device)?;
        let types = ids.zeros_like()?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?;
        // Mean over the real tokens only.
        let mask_f = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask_f)?.sum(1)?;
        let counts = mask_f.sum(1)?;
        let mean = summed.broadcast_div(&counts)?;
        let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?;
        let normalised = mean.broadcast_div(&norms)?;
        Ok(normalised.to_vec2::<f32>()?)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
