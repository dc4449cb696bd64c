//! candle's own BERT (`candle_transformers::models::bert::BertModel`), run
//! over padded batches with an attention mask. It runs any configuration
//! candle knows (other activations than MiniLM's GELU, for one), where
//! `encoder` refuses what it does not implement; and the tests hold
//! `encoder` to it on real texts. It is slower on short questions (see the
//! README's Performance section), so `encoder` runs the model when it can.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};

use super::EmbedError;

pub struct CandleBert {
    model: BertModel,
}

impl CandleBert {
    pub fn new(
        tensors: HashMap<String, Tensor>,
        config: &Config,
    ) -> Result<CandleBert, EmbedError> {
        let tensors = tensors
            .into_iter()
            .map(|(name, t)| Ok((name, t.to_dtype(DType::F32)?)))
            .collect::<Result<HashMap<_, _>, candle_core::Error>>()?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
        Ok(CandleBert {
            model: BertModel::load(vb, config)?,
        })
    }

    /// The mean-pooled, L2-normalised embeddings of tokenised texts, padded
    /// to the longest of them; the mask keeps the padding out of attention
    /// and out of the mean.
    pub fn embed(&self, texts: &[&[u32]]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let longest = texts.iter().map(|t| t.len()).max().unwrap_or(0);
        if longest == 0 || texts.iter().any(|t| t.is_empty()) {
            return Err(EmbedError::Tokenizer("an empty text has no tokens".into()));
        }
        let mut ids = vec![0u32; texts.len() * longest];
        let mut mask = vec![0f32; texts.len() * longest];
        for (i, text) in texts.iter().enumerate() {
            ids[i * longest..i * longest + text.len()].copy_from_slice(text);
            mask[i * longest..i * longest + text.len()].fill(1.0);
        }
        let shape = (texts.len(), longest);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let out = self.model.forward(&ids, &ids.zeros_like()?, Some(&mask))?;
        let mask = mask.unsqueeze(2)?;
        let mean = out
            .broadcast_mul(&mask)?
            .sum(1)?
            .broadcast_div(&mask.sum(1)?)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f32::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2()?)
    }
}
