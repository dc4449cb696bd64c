//! The MiniLM (BERT) forward pass written out over `gemm`, with the weights
//! candle reads from the safetensors file.
//!
//! Why not candle's `BertModel`: on every matrix product candle's CPU
//! backend asks how many cores there are, which without `RAYON_NUM_THREADS`
//! means parsing `/proc/cpuinfo` (48 times per question), and it splits even
//! a 12-token product across threads. For short questions that overhead was
//! a large part of the 12 ms, and under concurrent questions the threads
//! fought over the two cores. Here a question runs on the calling thread
//! only (concurrent questions then use the cores side by side, or share a
//! pass, see `batcher`), texts are never padded, and buffers are reused
//! from layer to layer.

use std::collections::HashMap;

use candle_core::Tensor;
use candle_transformers::models::bert::{Config, HiddenAct};
use gemm::Parallelism;

use super::EmbedError;

/// Whether a forward pass may use several threads: worth it for the long
/// texts of indexing, not for a question (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threads {
    One,
    All,
}

struct Linear {
    /// `[inputs, outputs]`, row-major: the transpose of PyTorch's layout,
    /// made once at load time. gemm reads it in place this way; the other
    /// way round it repacked the whole matrix on every product.
    weight_t: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_output: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

pub struct Encoder {
    /// `[vocabulary, hidden]`.
    word: Vec<f32>,
    /// `[max positions, hidden]`.
    position: Vec<f32>,
    /// The embedding of token type 0 (every token of a single text).
    token_type: Vec<f32>,
    embedding_norm: Norm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    intermediate: usize,
    eps: f32,
}

/// Takes the named tensors out of the file's map, checking their shapes.
struct Weights(HashMap<String, Tensor>);

impl Weights {
    fn take(&mut self, name: &str, shape: &[usize]) -> Result<Vec<f32>, EmbedError> {
        let t = self
            .0
            .remove(name)
            .ok_or_else(|| EmbedError::Config(format!("the weights have no {name}")))?;
        if t.dims() != shape {
            return Err(EmbedError::Config(format!(
                "{name} has shape {:?}, expected {shape:?}",
                t.dims()
            )));
        }
        Ok(t.to_dtype(candle_core::DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()?)
    }

    fn linear(
        &mut self,
        prefix: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Linear, EmbedError> {
        let weight = self.take(&format!("{prefix}.weight"), &[outputs, inputs])?;
        let mut weight_t = vec![0f32; weight.len()];
        for (o, row) in weight.chunks_exact(inputs).enumerate() {
            for (i, w) in row.iter().enumerate() {
                weight_t[i * outputs + o] = *w;
            }
        }
        Ok(Linear {
            weight_t,
            bias: self.take(&format!("{prefix}.bias"), &[outputs])?,
            inputs,
            outputs,
        })
    }

    fn norm(&mut self, prefix: &str, size: usize) -> Result<Norm, EmbedError> {
        Ok(Norm {
            gamma: self.take(&format!("{prefix}.weight"), &[size])?,
            beta: self.take(&format!("{prefix}.bias"), &[size])?,
        })
    }
}

impl Encoder {
    /// Builds the encoder from the tensors of a BERT safetensors file.
    pub fn new(tensors: HashMap<String, Tensor>, config: &Config) -> Result<Encoder, EmbedError> {
        if config.hidden_act != HiddenAct::Gelu {
            return Err(EmbedError::Unsupported(format!(
                "activation {:?} (MiniLM uses gelu)",
                config.hidden_act
            )));
        }
        let h = config.hidden_size;
        let heads = config.num_attention_heads;
        if heads == 0 || !h.is_multiple_of(heads) {
            return Err(EmbedError::Config(format!(
                "{heads} attention heads do not divide the hidden size {h}"
            )));
        }
        let inter = config.intermediate_size;
        let mut w = Weights(tensors);
        // Some exports prefix every name with the model's name.
        let prefix = if w.0.contains_key("bert.embeddings.word_embeddings.weight") {
            "bert."
        } else {
            ""
        };
        let word = w.take(
            &format!("{prefix}embeddings.word_embeddings.weight"),
            &[config.vocab_size, h],
        )?;
        let position = w.take(
            &format!("{prefix}embeddings.position_embeddings.weight"),
            &[config.max_position_embeddings, h],
        )?;
        let mut token_type = w.take(
            &format!("{prefix}embeddings.token_type_embeddings.weight"),
            &[config.type_vocab_size, h],
        )?;
        token_type.truncate(h);
        let embedding_norm = w.norm(&format!("{prefix}embeddings.LayerNorm"), h)?;
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                let p = format!("{prefix}encoder.layer.{i}");
                Ok(Layer {
                    query: w.linear(&format!("{p}.attention.self.query"), h, h)?,
                    key: w.linear(&format!("{p}.attention.self.key"), h, h)?,
                    value: w.linear(&format!("{p}.attention.self.value"), h, h)?,
                    attention_output: w.linear(&format!("{p}.attention.output.dense"), h, h)?,
                    attention_norm: w.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                    intermediate: w.linear(&format!("{p}.intermediate.dense"), h, inter)?,
                    output: w.linear(&format!("{p}.output.dense"), inter, h)?,
                    output_norm: w.norm(&format!("{p}.output.LayerNorm"), h)?,
                })
            })
            .collect::<Result<Vec<_>, EmbedError>>()?;
        Ok(Encoder {
            word,
            position,
            token_type,
            embedding_norm,
            layers,
            hidden: h,
            heads,
            intermediate: inter,
            eps: config.layer_norm_eps as f32,
        })
    }

    /// The mean-pooled, L2-normalised embeddings of tokenised texts, in
    /// one pass: their tokens are stacked into one matrix (every layer but
    /// attention treats tokens one by one), so the weights are read once for
    /// all of them and nothing is padded; attention stays within each text.
    pub fn embed(&self, texts: &[&[u32]], threads: Threads) -> Result<Vec<Vec<f32>>, EmbedError> {
        let h = self.hidden;
        let max_tokens = self.position.len() / h;
        if let Some(bad) = texts.iter().find(|t| t.is_empty() || t.len() > max_tokens) {
            return Err(EmbedError::Tokenizer(format!(
                "{} tokens: expected between 1 and {max_tokens}",
                bad.len()
            )));
        }
        let parallelism = match threads {
            Threads::One => Parallelism::None,
            Threads::All => Parallelism::Rayon(0),
        };
        // Where each text's rows start, and one past the last row.
        let mut starts = Vec::with_capacity(texts.len() + 1);
        let mut n = 0;
        for t in texts {
            starts.push(n);
            n += t.len();
        }
        starts.push(n);

        let mut x = vec![0f32; n * h];
        for (text, &start) in texts.iter().zip(&starts) {
            for (i, &id) in text.iter().enumerate() {
                let word = self
                    .word
                    .get(id as usize * h..(id as usize + 1) * h)
                    .ok_or_else(|| EmbedError::Tokenizer(format!("token id {id} out of range")))?;
                let position = &self.position[i * h..(i + 1) * h];
                let row = &mut x[(start + i) * h..(start + i + 1) * h];
                for (j, out) in row.iter_mut().enumerate() {
                    *out = word[j] + position[j] + self.token_type[j];
                }
            }
        }
        layer_norm(&mut x, h, &self.embedding_norm, self.eps);

        let longest = texts.iter().map(|t| t.len()).max().unwrap_or(0);
        let mut q = vec![0f32; n * h];
        let mut k = vec![0f32; n * h];
        let mut v = vec![0f32; n * h];
        let mut context = vec![0f32; n * h];
        let mut scores = vec![0f32; longest * longest];
        let mut up = vec![0f32; n * self.intermediate];
        let mut next = vec![0f32; n * h];
        for layer in &self.layers {
            layer.query.apply(&x, n, &mut q, parallelism);
            layer.key.apply(&x, n, &mut k, parallelism);
            layer.value.apply(&x, n, &mut v, parallelism);
            for w in starts.windows(2) {
                let rows = w[0] * h..w[1] * h;
                self.attention(
                    &q[rows.clone()],
                    &k[rows.clone()],
                    &v[rows.clone()],
                    w[1] - w[0],
                    &mut scores,
                    &mut context[rows],
                    parallelism,
                );
            }
            layer
                .attention_output
                .apply(&context, n, &mut next, parallelism);
            add_and_norm(&mut next, &x, h, &layer.attention_norm, self.eps);
            std::mem::swap(&mut x, &mut next);

            layer.intermediate.apply(&x, n, &mut up, parallelism);
            up.iter_mut().for_each(|u| *u = gelu(*u));
            layer.output.apply(&up, n, &mut next, parallelism);
            add_and_norm(&mut next, &x, h, &layer.output_norm, self.eps);
            std::mem::swap(&mut x, &mut next);
        }

        // Mean over each text's tokens (none is padding), then unit length.
        Ok(starts
            .windows(2)
            .map(|w| {
                let mut pooled = vec![0f32; h];
                for row in x[w[0] * h..w[1] * h].chunks_exact(h) {
                    pooled.iter_mut().zip(row).for_each(|(p, r)| *p += r);
                }
                let norm = pooled.iter().map(|p| p * p).sum::<f32>().sqrt().max(1e-12);
                pooled.iter_mut().for_each(|p| *p /= norm);
                pooled
            })
            .collect())
    }

    /// Multi-head self-attention of `n` tokens (no mask: nothing is padding).
    #[expect(clippy::too_many_arguments, reason = "buffers reused across layers")]
    fn attention(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        n: usize,
        scores: &mut [f32],
        context: &mut [f32],
        parallelism: Parallelism,
    ) {
        let h = self.hidden;
        let d = h / self.heads;
        let scale = 1.0 / (d as f32).sqrt();
        for head in 0..self.heads {
            let o = head * d;
            // scores = Q_head · K_headᵀ, both n × d with row stride h.
            let scores = &mut scores[..n * n];
            matmul(
                (n, n, d),
                Mat::new(&q[o..], h, 1),
                Mat::new(&k[o..], 1, h),
                MatMut::new(scores, n, 1),
                false,
                parallelism,
            );
            for row in scores.chunks_exact_mut(n) {
                softmax(row, scale);
            }
            // context_head = scores · V_head.
            matmul(
                (n, d, n),
                Mat::new(scores, n, 1),
                Mat::new(&v[o..], h, 1),
                MatMut::new(&mut context[o..], h, 1),
                false,
                parallelism,
            );
        }
    }
}

impl Linear {
    /// `out = x · Wᵀ + b` for `n` rows of `x`.
    fn apply(&self, x: &[f32], n: usize, out: &mut [f32], parallelism: Parallelism) {
        for row in out[..n * self.outputs].chunks_exact_mut(self.outputs) {
            row.copy_from_slice(&self.bias);
        }
        matmul(
            (n, self.outputs, self.inputs),
            Mat::new(x, self.inputs, 1),
            Mat::new(&self.weight_t, self.outputs, 1),
            MatMut::new(out, self.outputs, 1),
            true,
            parallelism,
        );
    }
}

/// A matrix read from a slice with a row stride and a column stride.
struct Mat<'a> {
    data: &'a [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Mat<'a> {
    fn new(data: &'a [f32], row_stride: usize, col_stride: usize) -> Mat<'a> {
        Mat {
            data,
            row_stride,
            col_stride,
        }
    }

    /// Whether a `rows × cols` matrix with these strides lies inside the slice.
    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0
            || cols == 0
            || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.data.len()
    }
}

struct MatMut<'a> {
    data: &'a mut [f32],
    row_stride: usize,
    col_stride: usize,
}

impl<'a> MatMut<'a> {
    fn new(data: &'a mut [f32], row_stride: usize, col_stride: usize) -> MatMut<'a> {
        MatMut {
            data,
            row_stride,
            col_stride,
        }
    }
}

/// `dst (m × n) = [dst +] lhs (m × k) · rhs (k × n)`.
fn matmul(
    (m, n, k): (usize, usize, usize),
    lhs: Mat<'_>,
    rhs: Mat<'_>,
    dst: MatMut<'_>,
    accumulate: bool,
    parallelism: Parallelism,
) {
    let dst_fits =
        m == 0 || n == 0 || (m - 1) * dst.row_stride + (n - 1) * dst.col_stride < dst.data.len();
    // Checked always, not only in debug builds: the call below trusts them.
    assert!(
        lhs.fits(m, k) && rhs.fits(k, n) && dst_fits,
        "matrix product out of bounds"
    );
    // SAFETY: the assertion above keeps every element gemm reads or writes
    // inside its slice; `dst` is borrowed mutably, so it overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.data.as_mut_ptr(),
            dst.col_stride as isize,
            dst.row_stride as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

fn layer_norm(x: &mut [f32], h: usize, norm: &Norm, eps: f32) {
    for row in x.chunks_exact_mut(h) {
        let mean = row.iter().sum::<f32>() / h as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for (j, v) in row.iter_mut().enumerate() {
            *v = (*v - mean) * inv * norm.gamma[j] + norm.beta[j];
        }
    }
}

/// `out = norm(out + residual)`.
fn add_and_norm(out: &mut [f32], residual: &[f32], h: usize, norm: &Norm, eps: f32) {
    out.iter_mut().zip(residual).for_each(|(o, r)| *o += r);
    layer_norm(out, h, norm, eps);
}

fn softmax(row: &mut [f32], scale: f32) {
    let max = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut sum = 0.0;
    for v in row.iter_mut() {
        *v = ((*v - max) * scale).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// GELU as BERT defines it, with the error function.
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// The error function to within 1.5e-7 (Abramowitz and Stegun 7.1.26):
/// far below f32 noise here, and several times cheaper than libm's.
fn erf(x: f32) -> f32 {
    let sign = x.signum();
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_7 + t * (-1.453_152 + t * 1.061_405_4))));
    sign * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_is_close_to_known_values() {
        let known = [
            (0.0, 0.0),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (2.0, 0.995_322_3),
            (-1.0, -0.842_700_8),
        ];
        for (x, e) in known {
            assert!((erf(x) - e).abs() < 1e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn matmul_reads_strided_operands() {
        // lhs 2×3 row-major; rhs is the transpose of a 2×3 row-major matrix.
        let lhs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let w = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let mut out = [10.0, 20.0, 30.0, 40.0];
        matmul(
            (2, 2, 3),
            Mat::new(&lhs, 3, 1),
            Mat::new(&w, 1, 3),
            MatMut::new(&mut out, 2, 1),
            true,
            Parallelism::None,
        );
        assert_eq!(out, [14.0, 22.0, 40.0, 45.0]);
    }
}
