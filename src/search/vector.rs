//! Exact vector search: every section's embedding in one contiguous f32
//! matrix, scored by dot product. Brute force is fast enough up to tens of
//! thousands of sections; an approximate index could replace `search`
//! behind the same interface later.

use crate::embed::cache::{self, EmbeddingCache};
use crate::embed::{BATCH, DIMENSIONS, EmbedError, Embedder};
use crate::kb::{Article, KnowledgeBase, Section};

use super::Hit;

pub struct VectorIndex {
    /// Row-major, `DIMENSIONS` floats per section.
    matrix: Vec<f32>,
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
        VectorIndex {
            matrix,
            rows,
            article_start,
        }
    }

    /// Similarity of one section to `query`, if the section is indexed.
    pub fn similarity(&self, article: usize, section: usize, query: &[f32]) -> Option<f32> {
        let row = self.article_start.get(article)?.checked_add(section)?;
        match self.rows.get(row) {
            Some(&(a, s)) if a as usize == article && s as usize == section => Some(dot(
                &self.matrix[row * DIMENSIONS..(row + 1) * DIMENSIONS],
                query,
            )),
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
        let mut best: Vec<Hit> = Vec::with_capacity(limit + 1);
        let mut floor = f32::NEG_INFINITY;
        for (row, &(article, section)) in self.rows.iter().enumerate() {
            if !keep(article as usize) {
                continue;
            }
            let v = &self.matrix[row * DIMENSIONS..(row + 1) * DIMENSIONS];
            let score = dot(v, query);
            if best.len() < limit || score > floor {
                let pos = best.partition_point(|h| h.score >= score);
                best.insert(
                    pos,
                    Hit {
                        article: article as usize,
                        section: section as usize,
                        score,
                    },
                );
                best.truncate(limit);
                if best.len() == limit {
                    floor = best[limit - 1].score;
                }
            }
        }
        best
    }
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
    fn dot_matches_the_naive_sum() {
        let a: Vec<f32> = (0..DIMENSIONS).map(|i| (i as f32).sin()).collect();
        let b: Vec<f32> = (0..DIMENSIONS).map(|i| (i as f32).cos()).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }
}
