//! The content-gap report, what to write next: the questions the bot did
//! not settle (escalated, answered with low confidence, or voted down),
//! grouped by meaning, each group labelled by its most central question
//! and its most distinctive words, with the articles the bot tried and
//! the tickets the questions became. Ordered by how many people asked.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::period::Period;
use crate::help::embed::Embedder;
use crate::store::reports::{self as store, CitedArticle, GapQuestion};
use crate::store::{Db, StoreError};

/// The newest unsettled questions grouped at most (the grouping is
/// quadratic in them).
pub const MAX_QUESTIONS: i64 = 500;
/// Groups shown at most.
pub const MAX_GAPS: usize = 20;
/// Two groups join when their questions' mean cosine similarity reaches
/// this: paraphrases of one need score well above it with sentence
/// embeddings, different needs of one product well below.
pub const SAME_NEED: f32 = 0.5;
/// An answer this little above the escalation threshold counts as unsure.
pub const LOW_CONFIDENCE_MARGIN: f32 = 0.05;

#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// The question closest to all the others of the group.
    pub label: String,
    /// Words frequent in the group and rare in the other unsettled
    /// questions (none for a lone question).
    pub words: Vec<String>,
    pub questions: usize,
    /// Conversations (people) that asked.
    pub people: usize,
    pub escalated: usize,
    pub voted_down: usize,
    /// A few of the group's questions, the central one first.
    pub examples: Vec<String>,
    pub articles_tried: Vec<CitedArticle>,
    pub tickets: Vec<i64>,
}

/// Groups of indexes of `vectors` (unit length), by average linkage:
/// the closest two groups join while their mean similarity is at least
/// `threshold`.
pub fn group(vectors: &[Vec<f32>], threshold: f32) -> Vec<Vec<usize>> {
    let n = vectors.len();
    let mut sim: Vec<Vec<f32>> = (0..n)
        .map(|i| (0..n).map(|j| dot(&vectors[i], &vectors[j])).collect())
        .collect();
    let mut members: Vec<Option<Vec<usize>>> = (0..n).map(|i| Some(vec![i])).collect();
    loop {
        let mut best: Option<(usize, usize, f32)> = None;
        for i in 0..n {
            if members[i].is_none() {
                continue;
            }
            for j in i + 1..n {
                if members[j].is_some() && best.is_none_or(|(_, _, s)| sim[i][j] > s) {
                    best = Some((i, j, sim[i][j]));
                }
            }
        }
        let Some((i, j, _)) = best.filter(|b| b.2 >= threshold) else {
            break;
        };
        let (a, b) = (
            members[i].as_ref().map_or(0, Vec::len) as f32,
            members[j].as_ref().map_or(0, Vec::len) as f32,
        );
        // Lance–Williams for average linkage: the joined group's mean
        // similarity to every other group.
        for k in 0..n {
            if k != i && k != j && members[k].is_some() {
                let joined = (a * sim[i][k] + b * sim[j][k]) / (a + b);
                sim[i][k] = joined;
                sim[k][i] = joined;
            }
        }
        let moved = members[j].take().unwrap_or_default();
        if let Some(m) = members[i].as_mut() {
            m.extend(moved);
        }
    }
    members.into_iter().flatten().collect()
}

/// Lower-case words of three letters or more.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect()
}

/// A text as a unit vector of hashed word counts: the grouping's stand-in
/// when the embedding model is not there.
pub fn bag_of_words(text: &str) -> Vec<f32> {
    const DIMS: usize = 512;
    let mut v = vec![0.0f32; DIMS];
    for w in words(text) {
        let h = crate::ids::sha256_hex(&w);
        let slot = usize::from_str_radix(&h[..8], 16).unwrap_or(0) % DIMS;
        v[slot] += 1.0;
    }
    unit(v)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// A group before the database fills in its articles and tickets.
pub struct Grouped {
    pub members: Vec<usize>,
    pub central: usize,
    pub words: Vec<String>,
}

/// Groups the questions (vectors in the same order) and labels each group.
pub fn label_groups(texts: &[String], vectors: Vec<Vec<f32>>) -> Vec<Grouped> {
    let vectors: Vec<Vec<f32>> = vectors.into_iter().map(unit).collect();
    // How many questions use each word, for what is distinctive.
    let per_text: Vec<HashSet<String>> = texts
        .iter()
        .map(|t| words(t).into_iter().collect())
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for set in &per_text {
        for w in set {
            *df.entry(w.as_str()).or_default() += 1;
        }
    }
    let total = texts.len().max(1) as f32;
    group(&vectors, SAME_NEED)
        .into_iter()
        .map(|members| {
            let central = members
                .iter()
                .copied()
                .max_by(|&a, &b| {
                    let mean = |i: usize| {
                        members
                            .iter()
                            .map(|&j| dot(&vectors[i], &vectors[j]))
                            .sum::<f32>()
                    };
                    mean(a).total_cmp(&mean(b)).then(b.cmp(&a))
                })
                .unwrap_or(0);
            let mut in_group: HashMap<&str, usize> = HashMap::new();
            for &m in &members {
                for w in &per_text[m] {
                    *in_group.entry(w.as_str()).or_default() += 1;
                }
            }
            // A lone question is its own label: its words say nothing more.
            let mut scored: Vec<(&str, f32)> = in_group
                .into_iter()
                .filter(|(_, n)| members.len() > 1 && *n * 2 >= members.len())
                .map(|(w, n)| {
                    let idf = (total / df.get(w).copied().unwrap_or(1) as f32).ln();
                    (w, n as f32 / members.len() as f32 * idf)
                })
                .filter(|(_, s)| *s > 0.0)
                .collect();
            scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            Grouped {
                words: scored
                    .into_iter()
                    .take(3)
                    .map(|(w, _)| w.to_string())
                    .collect(),
                members,
                central,
            }
        })
        .collect()
}

/// The report. Questions are embedded with the bot's model (words stand
/// in without it); embedding and grouping run off the async threads.
pub async fn report(
    db: &Db,
    period: Period,
    threshold: f32,
    embedder: Option<Arc<Embedder>>,
) -> Result<Vec<Gap>, StoreError> {
    let rows: Vec<GapQuestion> = store::gap_questions(
        db,
        period.from,
        period.to,
        threshold + LOW_CONFIDENCE_MARGIN,
        MAX_QUESTIONS,
    )
    .await?
    .into_iter()
    .filter(|r| r.question.as_deref().is_some_and(|q| !q.trim().is_empty()))
    .collect();
    let texts: Vec<String> = rows
        .iter()
        .map(|r| r.question.clone().unwrap_or_default())
        .collect();
    let grouped = {
        let texts = texts.clone();
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            // In batches, as the index is embedded.
            let vectors = embedder
                .and_then(|e| {
                    let mut all = Vec::with_capacity(refs.len());
                    for batch in refs.chunks(32) {
                        all.extend(e.embed_batch(batch).ok()?);
                    }
                    Some(all)
                })
                .filter(|v| v.len() == texts.len())
                .unwrap_or_else(|| texts.iter().map(|t| bag_of_words(t)).collect());
            label_groups(&texts, vectors)
        })
        .await
        .map_err(|e| StoreError::Encode(format!("grouping the questions: {e}")))?
    };
    let mut gaps = Vec::new();
    for g in grouped {
        let people: HashSet<&str> = g
            .members
            .iter()
            .map(|&i| rows[i].conversation_id.as_str())
            .collect();
        let mut examples = vec![texts[g.central].clone()];
        for &i in &g.members {
            if examples.len() >= 3 {
                break;
            }
            if !examples.contains(&texts[i]) {
                examples.push(texts[i].clone());
            }
        }
        let ids: Vec<i64> = g.members.iter().map(|&i| rows[i].message_id).collect();
        let conversations: Vec<String> = people.iter().map(|c| c.to_string()).collect();
        gaps.push(Gap {
            label: texts[g.central].clone(),
            words: g.words,
            questions: g.members.len(),
            people: people.len(),
            escalated: g.members.iter().filter(|&&i| rows[i].escalated).count(),
            voted_down: g.members.iter().filter(|&&i| rows[i].voted_down).count(),
            examples,
            articles_tried: store::articles_of(db, &ids, 3).await?,
            tickets: store::tickets_of(db, &conversations).await?,
        });
    }
    gaps.sort_by(|a, b| {
        b.people
            .cmp(&a.people)
            .then(b.questions.cmp(&a.questions))
            .then(a.label.cmp(&b.label))
    });
    gaps.truncate(MAX_GAPS);
    Ok(gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_vectors_group_and_far_ones_do_not() {
        let v = |x: f32, y: f32| unit(vec![x, y, 0.0]);
        let groups = group(
            &[
                v(1.0, 0.05),
                v(1.0, 0.0),
                v(0.0, 1.0),
                v(0.05, 1.0),
                v(-1.0, 0.1),
            ],
            0.8,
        );
        let mut sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [1, 2, 2]);
        assert!(groups.iter().any(|g| g.contains(&0) && g.contains(&1)));
    }

    #[test]
    fn a_group_is_labelled_by_its_central_question_and_distinctive_words() {
        let texts: Vec<String> = [
            "export grades to a spreadsheet",
            "can I export the grades",
            "export grades as csv please",
            "is there a dark mode",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let vectors = texts.iter().map(|t| bag_of_words(t)).collect();
        let groups = label_groups(&texts, vectors);
        let big = groups
            .iter()
            .find(|g| g.members.len() == 3)
            .expect("the export group");
        assert!(
            big.words.starts_with(&["export".to_string()])
                || big.words.starts_with(&["grades".to_string()]),
            "{:?}",
            big.words
        );
        assert!(big.members.contains(&big.central));
    }
}
