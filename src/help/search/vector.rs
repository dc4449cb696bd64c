//! Exact vector search: every section's embedding in one contiguous f32
//! matrix, scored by dot product. Brute force is fast enough up to tens of
//! thousands of sections; an approximate index could replace `search`
//! behind the same interface later.
//!
//! The scan reads an 8-bit copy of the matrix (a quarter of the memory
//! traffic: at 10,000 sections the f32 matrix is 15 MB, streamed once per
//! question, which under concurrent questions competed with the model's
//! weights for the caches and memory bandwidth), then scores the best rows
//! again exactly, so the similarities returned are the f32 ones.

use crate::help::embed::cache::{self, EmbeddingCache};
use crate::help::embed::{BATCH, DIMENSIONS, EmbedError, Embedder};
use crate::help::kb::{Article, KnowledgeBase, Section};

use super::Hit;

pub struct VectorIndex {
    /// Row-major, `DIMENSIONS` floats per section.
    matrix: Vec<f32>,
    /// The same rows in 8 bits, each scaled by its largest component
    /// (`scales`): what the scan reads.
    codes: Vec<i8>,
    scales: Vec<f32>,
    /// (article, section) of each row, in article then section order.
    rows: Vec<(u32, u32)>,
    /// First row of each article.
    article_start: Vec<usize>,
}

/// What is embedded for a section: its article title and heading give the
/// passage the context a reader would have.
pub fn section_text(article: &Article, section: &Section) -> String {
    match &section.heading {
        Some(h) => format!("{}. {}. {}", article.title, h, section.text),
        None => format!("{}. {}", article.title, section.text),
    }
}

/// How many sections were embedded and how many came from the cache.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildStats {
    pub embedded: usize,
    pub cached: usize,
}

impl VectorIndex {
    /// Embeds every section (reusing cached embeddings) into a matrix.
    pub fn build(
        kb: &KnowledgeBase,
        embedder: &Embedder,
        cache: &mut EmbeddingCache,
    ) -> Result<(VectorIndex, BuildStats), EmbedError> {
        let mut texts = Vec::new();
        let mut rows = Vec::new();
        for (ai, a) in kb.articles.iter().enumerate() {
            for (si, s) in a.sections.iter().enumerate() {
                texts.push(section_text(a, s));
                rows.push((ai as u32, si as u32));
            }
        }
        let keys: Vec<cache::Key> = texts.iter().map(|t| cache::key(t)).collect();
        let mut missing: Vec<usize> = (0..texts.len())
            .filter(|&i| cache.get(&keys[i]).is_none())
            .collect();
        missing.dedup_by_key(|i| keys[*i]);
        let stats = BuildStats {
            embedded: missing.len(),
            cached: texts.len() - missing.len(),
        };
        // Embed in batches of similar length, so padding wastes little.
        missing.sort_by_key(|&i| texts[i].len());
        for chunk in missing.chunks(BATCH * 8) {
            let mut fresh = Vec::with_capacity(chunk.len());
            for batch in chunk.chunks(BATCH) {
                let inputs: Vec<&str> = batch.iter().map(|&i| texts[i].as_str()).collect();
                let vectors = embedder.embed_batch(&inputs)?;
                for (&i, v) in batch.iter().zip(vectors) {
                    fresh.push((keys[i], v));
                }
            }
            if let Err(e) = cache.insert_all(fresh.clone()) {
                tracing::warn!("cannot write the embedding cache: {e}");
                // Keep going without persisting: the vectors are still usable.
            }
        }
        let mut matrix = Vec::with_capacity(texts.len() * DIMENSIONS);
        for k in &keys {
            match cache.get(k) {
                Some(v) if v.len() == DIMENSIONS => matrix.extend_from_slice(v),
                _ => {
                    return Err(EmbedError::Tokenizer(
                        "an embedding is missing after indexing".into(),
                    ));
                }
            }
        }
        Ok((VectorIndex::from_vectors(rows, matrix), stats))
    }

    /// Builds an index from ready vectors (benchmarks and tests).
    /// `rows` must be sorted by article, then section.
    pub fn from_vectors(rows: Vec<(u32, u32)>, matrix: Vec<f32>) -> VectorIndex {
        let articles = rows.last().map(|r| r.0 as usize + 1).unwrap_or(0);
        let mut article_start = vec![usize::MAX; articles];
        for (row, &(a, _)) in rows.iter().enumerate().rev() {
            article_start[a as usize] = row;
        }
        let mut codes = Vec::with_capacity(matrix.len());
        let mut scales = Vec::with_capacity(rows.len());
        for row in matrix.chunks_exact(DIMENSIONS) {
            let largest = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            codes.extend(
                row.iter()
                    .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8),
            );
            scales.push(scale);
        }
        VectorIndex {
            matrix,
            codes,
            scales,
            rows,
            article_start,
        }
    }

    /// Similarity of one section to `query`, if the section is indexed.
    pub fn similarity(&self, article: usize, section: usize, query: &[f32]) -> Option<f32> {
        self.vector(article, section).map(|v| dot(v, query))
    }

    /// The embedding of one section, if the section is indexed.
    pub fn vector(&self, article: usize, section: usize) -> Option<&[f32]> {
        let row = self.article_start.get(article)?.checked_add(section)?;
        match self.rows.get(row) {
            Some(&(a, s)) if a as usize == article && s as usize == section => {
                Some(&self.matrix[row * DIMENSIONS..(row + 1) * DIMENSIONS])
            }
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The `limit` rows most similar to `query` among the articles `keep` accepts.
    pub fn search(&self, query: &[f32], keep: &dyn Fn(usize) -> bool, limit: usize) -> Vec<Hit> {
        // The 8-bit scores are within about 1e-4 of the exact ones; taking
        // twice the rows asked for before rescoring leaves a wide margin.
        let wanted = limit.saturating_mul(2).max(limit + 8);
        let mut best: Vec<(f32, usize)> = Vec::with_capacity(wanted + 1);
        let mut floor = f32::NEG_INFINITY;
        let dot_codes = dot_codes_for_this_cpu();
        for (row, &(article, _)) in self.rows.iter().enumerate() {
            if !keep(article as usize) {
                continue;
            }
            let codes = &self.codes[row * DIMENSIONS..(row + 1) * DIMENSIONS];
            let score = self.scales[row] * dot_codes(query, codes);
            if best.len() < wanted || score > floor {
                let pos = best.partition_point(|h| h.0 >= score);
                best.insert(pos, (score, row));
                best.truncate(wanted);
                if best.len() == wanted {
                    floor = best[wanted - 1].0;
                }
            }
        }
        let mut hits: Vec<Hit> = best
            .into_iter()
            .map(|(_, row)| {
                let (article, section) = self.rows[row];
                Hit {
                    article: article as usize,
                    section: section as usize,
                    score: dot(
                        &self.matrix[row * DIMENSIONS..(row + 1) * DIMENSIONS],
                        query,
                    ),
                }
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then((a.article, a.section).cmp(&(b.article, b.section)))
        });
        hits.truncate(limit);
        hits
    }
}

/// `dot` against a row of 8-bit codes (to be multiplied by the row's scale).
type DotCodes = fn(&[f32], &[i8]) -> f32;

/// The fastest `dot_codes` this CPU runs. The build targets baseline
/// x86-64 (SSE2, no FMA), where converting the codes to floats costs more
/// than the products; with AVX2 the same loop is about three times faster,
/// and the scan was the second largest cost of a hybrid ask after the model.
fn dot_codes_for_this_cpu() -> DotCodes {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        return |a, codes| {
            // SAFETY: AVX2 and FMA were detected on this CPU just above.
            unsafe { dot_codes_avx2(a, codes) }
        };
    }
    dot_codes
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_codes_avx2(a: &[f32], codes: &[i8]) -> f32 {
    dot_codes(a, codes)
}

#[inline(always)]
fn dot_codes(a: &[f32], codes: &[i8]) -> f32 {
    let mut acc = [0.0f32; 8];
    for (a, c) in a.chunks_exact(8).zip(codes.chunks_exact(8)) {
        for j in 0..8 {
            acc[j] += a[j] * f32::from(c[j]);
        }
    }
    acc.iter().sum()
}

/// Dot product with eight independent accumulators, which the compiler
/// turns into SIMD (a single running sum cannot be reordered).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8;
    for i in 0..chunks {
        for j in 0..8 {
            acc[j] += a[i * 8 + j] * b[i * 8 + j];
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for i in chunks * 8..a.len() {
        sum += a[i] * b[i];
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_rows_in_order_and_filters() {
        let mut matrix = vec![0.0f32; 3 * DIMENSIONS];
        matrix[0] = 1.0; // row 0 along axis 0
        matrix[DIMENSIONS + 1] = 1.0; // row 1 along axis 1
        matrix[2 * DIMENSIONS] = 0.6; // row 2 between both
        matrix[2 * DIMENSIONS + 1] = 0.8;
        let index = VectorIndex::from_vectors(vec![(0, 0), (1, 0), (2, 0)], matrix);
        let mut q = vec![0.0f32; DIMENSIONS];
        q[1] = 1.0;
        let hits = index.search(&q, &|_| true, 2);
        assert_eq!(
            hits.iter().map(|h| h.article).collect::<Vec<_>>(),
            vec![1, 2]
        );
        let hits = index.search(&q, &|a| a != 1, 5);
        assert_eq!(
            hits.iter().map(|h| h.article).collect::<Vec<_>>(),
            vec![2, 0]
        );
        assert_eq!(index.similarity(2, 0, &q), Some(0.8));
        assert_eq!(index.similarity(2, 1, &q), None);
        assert_eq!(index.similarity(9, 0, &q), None);
    }

    #[test]
    fn the_eight_bit_scan_keeps_the_exact_order_and_scores() {
        // 300 rows at slightly different angles to the query.
        let rows: Vec<(u32, u32)> = (0..300).map(|i| (i, 0)).collect();
        let mut matrix = Vec::new();
        for i in 0..300 {
            let v: Vec<f32> = (0..DIMENSIONS)
                .map(|d| ((i * 7 + d * 13) as f32 * 0.37).sin())
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            matrix.extend(v.iter().map(|x| x / norm));
        }
        let query: Vec<f32> = matrix[5 * DIMENSIONS..6 * DIMENSIONS].to_vec();
        let index = VectorIndex::from_vectors(rows, matrix.clone());
        let mut exact: Vec<(f32, usize)> = (0..300)
            .map(|r| {
                (
                    dot(&matrix[r * DIMENSIONS..(r + 1) * DIMENSIONS], &query),
                    r,
                )
            })
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0));
        let hits = index.search(&query, &|_| true, 20);
        assert_eq!(
            hits.iter().map(|h| h.article).collect::<Vec<_>>(),
            exact.iter().take(20).map(|e| e.1).collect::<Vec<_>>()
        );
        assert_eq!(hits[0].score, exact[0].0);
    }

    #[test]
    fn every_dot_codes_matches_the_naive_sum() {
        let a: Vec<f32> = (0..DIMENSIONS).map(|i| (i as f32).sin()).collect();
        let codes: Vec<i8> = (0..DIMENSIONS)
            .map(|i| ((i * 37) % 255) as u8 as i8)
            .collect();
        let naive: f32 = a.iter().zip(&codes).map(|(x, &c)| x * f32::from(c)).sum();
        assert!((dot_codes(&a, &codes) - naive).abs() < 1e-2);
        assert!((dot_codes_for_this_cpu()(&a, &codes) - naive).abs() < 1e-2);
    }

    #[test]
    fn dot_matches_the_naive_sum() {
        let a: Vec<f32> = (0..DIMENSIONS).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..DIMENSIONS).map(|i| (i as f32).cos()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
