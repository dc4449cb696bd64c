//! The request classifier: what kind of message a user wrote (a how-to
//! question, a malfunction report, a feature request, a request for staff
//! to act on the account, a billing or administrative request, something
//! off-topic, small talk), read from the sentence embedding the bot has
//! already computed for retrieval plus a few cheap lexical features.
//!
//! The model is a multinomial logistic regression (softmax) trained here,
//! deterministically, on the messages of `training/requests/messages.jsonl`
//! (many products, none of them a help center we evaluate on). No weights
//! are committed: they are trained from the repository's training set and
//! cached next to the embedding cache, keyed by a hash of the training set,
//! the embedding model and the trainer's settings. A prediction is one
//! matrix-vector product (7 × 392).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::help::embed::cache::EmbeddingCache;
use crate::help::embed::{DIMENSIONS, EmbedError, Embedder, MODEL_SHA256};
use crate::tickets::fields::TicketKind;

/// The training set, compiled in so that the server trains on exactly the
/// repository's messages whatever its working directory.
pub const TRAINING_SET: &str = include_str!("../../../training/requests/messages.jsonl");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    HowTo,
    Malfunction,
    FeatureRequest,
    AccountAction,
    BillingAdmin,
    OffTopic,
    SmallTalk,
}

pub const KINDS: usize = 7;

impl RequestKind {
    pub const ALL: [RequestKind; KINDS] = [
        RequestKind::HowTo,
        RequestKind::Malfunction,
        RequestKind::FeatureRequest,
        RequestKind::AccountAction,
        RequestKind::BillingAdmin,
        RequestKind::OffTopic,
        RequestKind::SmallTalk,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            RequestKind::HowTo => "how_to",
            RequestKind::Malfunction => "malfunction",
            RequestKind::FeatureRequest => "feature_request",
            RequestKind::AccountAction => "account_action",
            RequestKind::BillingAdmin => "billing_admin",
            RequestKind::OffTopic => "off_topic",
            RequestKind::SmallTalk => "small_talk",
        }
    }

    /// The ticket type an escalated message of this kind gets. Requests for
    /// staff action and billing or administrative requests are help with
    /// the account and its settings; a how-to question the help center does
    /// not answer is too. Off-topic messages and small talk have none.
    pub fn ticket_type(self) -> Option<TicketKind> {
        match self {
            RequestKind::Malfunction => Some(TicketKind::BugReport),
            RequestKind::FeatureRequest => Some(TicketKind::FeatureRequest),
            RequestKind::HowTo | RequestKind::AccountAction | RequestKind::BillingAdmin => {
                Some(TicketKind::SettingsHelp)
            }
            RequestKind::OffTopic | RequestKind::SmallTalk => None,
        }
    }
}

/// One labelled message of the training set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingMessage {
    pub text: String,
    /// The product (or service) the message was written to.
    pub product: String,
    pub kind: RequestKind,
    pub lang: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("training/requests/messages.jsonl:{line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("embedding the training messages failed: {0}")]
    Embed(#[from] EmbedError),
}

/// Reads the training set, rejecting a bad line with its number.
pub fn training_set() -> Result<Vec<TrainingMessage>, ClassifyError> {
    parse_training(TRAINING_SET)
}

fn parse_training(text: &str) -> Result<Vec<TrainingMessage>, ClassifyError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: TrainingMessage =
            serde_json::from_str(line).map_err(|e| ClassifyError::Invalid {
                line: i + 1,
                message: e.to_string(),
            })?;
        if m.text.trim().is_empty() || m.product.trim().is_empty() {
            return Err(ClassifyError::Invalid {
                line: i + 1,
                message: "empty text or product".into(),
            });
        }
        out.push(m);
    }
    Ok(out)
}

/// The cheap lexical features, in order (also the names `frontdesk ask
/// --json` shows). They carry what an embedding of a short text blurs:
/// numbers (order ids, amounts, error codes), a question's form, a request
/// addressed to the team, a point in time ("since yesterday").
pub const LEXICAL_NAMES: [&str; LEXICAL] = [
    "digits",
    "amount",
    "question_mark",
    "question_word",
    "request_to_team",
    "we_our",
    "point_in_time",
    "length",
];
const LEXICAL: usize = 8;
/// Inputs of the classifier: the embedding, then the lexical features.
pub const FEATURES: usize = DIMENSIONS + LEXICAL;

fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['’', '`'], "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_phrase(words: &[String], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(p.len())
        .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
}

/// The lexical features of `text` (English, French and Romanian words).
pub fn lexical(text: &str) -> [f32; LEXICAL] {
    let words = words_of(text);
    let any = |phrases: &[&str]| phrases.iter().any(|p| has_phrase(&words, p));
    let digits = {
        let mut run = 0;
        let mut longest = 0;
        for c in text.chars() {
            run = if c.is_ascii_digit() { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        longest >= 2
    };
    let amount = text.contains(['€', '$', '£'])
        || words.windows(2).any(|w| {
            let (a, b) = (&w[0], &w[1]);
            let number = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_digit());
            let currency = |s: &str| {
                matches!(
                    s,
                    "eur" | "euro" | "euros" | "usd" | "dollar" | "dollars" | "gbp" | "lei" | "ron"
                )
            };
            (number(a) && currency(b)) || (currency(a) && number(b))
        });
    let question_mark = text.trim_end().ends_with('?');
    let question_word = words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "how"
                | "where"
                | "what"
                | "which"
                | "when"
                | "why"
                | "is"
                | "are"
                | "do"
                | "does"
                | "can"
                | "comment"
                | "où"
                | "quel"
                | "quelle"
                | "est"
                | "cum"
                | "unde"
                | "ce"
                | "care"
                | "pot"
        )
    }) && !any(&["can you", "can someone", "can somebody"]);
    let request_to_team = any(&[
        "please",
        "pls",
        "can you",
        "could you",
        "would you",
        "can someone",
        "could someone",
        "svp",
        "s'il vous plaît",
        "pouvez vous",
        "pourriez vous",
        "merci de",
        "vă rog",
        "va rog",
        "puteți",
    ]);
    let we_our = any(&[
        "we", "our", "us", "notre", "nos", "nous", "noastră", "nostru", "noștri", "avem",
    ]);
    let point_in_time = any(&[
        "since",
        "yesterday",
        "today",
        "this morning",
        "ago",
        "last week",
        "last night",
        "after the",
        "depuis",
        "hier",
        "ce matin",
        "ieri",
        "azi",
        "de la",
        "după",
    ]);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    [
        flag(digits),
        flag(amount),
        flag(question_mark),
        flag(question_word),
        flag(request_to_team),
        flag(we_our),
        flag(point_in_time),
        (words.len() as f32 / 20.0).min(1.5),
    ]
}

/// The classifier's input for a message with embedding `embedding`.
pub fn features(embedding: &[f32], text: &str) -> Vec<f32> {
    let mut x = Vec::with_capacity(FEATURES);
    x.extend_from_slice(embedding);
    x.resize(DIMENSIONS, 0.0);
    x.extend_from_slice(&lexical(text));
    x
}

/// How a softmax regression is trained: full-batch Adam on the mean
/// class-weighted cross-entropy plus an L2 penalty, from zero weights, on
/// standardised inputs. Every step is deterministic.
#[derive(Debug, Clone, Copy)]
pub struct TrainParams {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Weigh classes inversely to their frequency.
    pub balanced: bool,
}

/// The request classifier's settings, chosen by leave-one-product-out
/// cross-validation on the training set (`frontdesk train-requests`).
pub const CLASSIFIER_PARAMS: TrainParams = TrainParams {
    epochs: 200,
    learning_rate: 0.01,
    l2: 0.01,
    balanced: true,
};

/// A softmax regression over `dims` inputs and `classes` classes, its
/// standardisation folded into the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Softmax {
    pub classes: usize,
    pub dims: usize,
    /// `classes` rows of `dims` weights.
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Softmax {
    /// Trains on `rows` (each `dims` long) labelled `labels` (< `classes`).
    pub fn train(rows: &[Vec<f32>], labels: &[usize], classes: usize, p: TrainParams) -> Softmax {
        let n = rows.len();
        let dims = rows.first().map_or(0, Vec::len);
        if n == 0 || dims == 0 || classes == 0 {
            return Softmax {
                classes,
                dims,
                weights: vec![0.0; classes * dims],
                bias: vec![0.0; classes],
            };
        }
        // Standardise each input, so one learning rate and one penalty fit all.
        let mut mean = vec![0.0f64; dims];
        for r in rows {
            for (m, v) in mean.iter_mut().zip(r) {
                *m += f64::from(*v);
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = vec![0.0f64; dims];
        for r in rows {
            for ((s, v), m) in var.iter_mut().zip(r).zip(&mean) {
                *s += (f64::from(*v) - m).powi(2);
            }
        }
        let scale: Vec<f32> = var
            .iter()
            .map(|s| {
                let sd = (s / n as f64).sqrt();
                if sd > 1e-6 { (1.0 / sd) as f32 } else { 0.0 }
            })
            .collect();
        let mean: Vec<f32> = mean.iter().map(|m| *m as f32).collect();
        let x: Vec<f32> = rows
            .iter()
            .flat_map(|r| {
                r.iter()
                    .zip(&mean)
                    .zip(&scale)
                    .map(|((v, m), s)| (v - m) * s)
                    .collect::<Vec<f32>>()
            })
            .collect();

        let mut counts = vec![0usize; classes];
        for &l in labels {
            if let Some(c) = counts.get_mut(l) {
                *c += 1;
            }
        }
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| {
                if !p.balanced {
                    1.0
                } else if c == 0 {
                    0.0
                } else {
                    n as f32 / (classes as f32 * c as f32)
                }
            })
            .collect();

        let width = dims + 1; // weights then bias, per class
        let mut theta = vec![0.0f32; classes * width];
        let mut m1 = vec![0.0f32; theta.len()];
        let mut m2 = vec![0.0f32; theta.len()];
        let mut grad = vec![0.0f32; theta.len()];
        let mut logits = vec![0.0f32; classes];
        let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        for epoch in 1..=p.epochs {
            grad.iter_mut().for_each(|g| *g = 0.0);
            for (i, &label) in labels.iter().enumerate() {
                let xi = &x[i * dims..(i + 1) * dims];
                for (k, l) in logits.iter_mut().enumerate() {
                    let row = &theta[k * width..k * width + dims];
                    *l = dot(row, xi) + theta[k * width + dims];
                }
                softmax_in_place(&mut logits);
                let w = class_weight.get(label).copied().unwrap_or(0.0) / n as f32;
                for (k, prob) in logits.iter().enumerate() {
                    let target = if k == label { 1.0 } else { 0.0 };
                    let d = w * (prob - target);
                    let g = &mut grad[k * width..(k + 1) * width];
                    for (gj, xj) in g[..dims].iter_mut().zip(xi) {
                        *gj += d * xj;
                    }
                    g[dims] += d;
                }
            }
            for k in 0..classes {
                for j in 0..dims {
                    grad[k * width + j] += p.l2 * theta[k * width + j];
                }
            }
            let t = epoch as i32;
            let correction1 = 1.0 - beta1.powi(t);
            let correction2 = 1.0 - beta2.powi(t);
            for (((th, g), a), b) in theta
                .iter_mut()
                .zip(&grad)
                .zip(m1.iter_mut())
                .zip(m2.iter_mut())
            {
                *a = beta1 * *a + (1.0 - beta1) * g;
                *b = beta2 * *b + (1.0 - beta2) * g * g;
                let step = (*a / correction1) / ((*b / correction2).sqrt() + eps);
                *th -= p.learning_rate * step;
            }
        }

        // Fold the standardisation in: w·((x − m)·s) + b = (w·s)·x + (b − Σ w·s·m).
        let mut weights = vec![0.0f32; classes * dims];
        let mut bias = vec![0.0f32; classes];
        for k in 0..classes {
            let mut b = theta[k * width + dims];
            for j in 0..dims {
                let w = theta[k * width + j] * scale[j];
                weights[k * dims + j] = w;
                b -= w * mean[j];
            }
            bias[k] = b;
        }
        Softmax {
            classes,
            dims,
            weights,
            bias,
        }
    }

    /// The class probabilities of one input.
    pub fn probabilities(&self, x: &[f32]) -> Vec<f32> {
        let mut out: Vec<f32> = (0..self.classes)
            .map(|k| {
                let row = &self.weights[k * self.dims..(k + 1) * self.dims];
                dot(row, x) + self.bias[k]
            })
            .collect();
        softmax_in_place(&mut out);
        out
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&(self.classes as u32).to_le_bytes());
        b.extend_from_slice(&(self.dims as u32).to_le_bytes());
        for v in self.weights.iter().chain(&self.bias) {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b
    }

    fn from_bytes(b: &[u8]) -> Option<Softmax> {
        let rest = b.strip_prefix(MAGIC.as_slice())?;
        let u32_at = |i: usize| -> Option<usize> {
            let s = rest.get(i..i + 4)?;
            Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        };
        let classes = u32_at(0)?;
        let dims = u32_at(4)?;
        let body = rest.get(8..)?;
        if body.len() != 4 * classes.checked_mul(dims)?.checked_add(classes)? {
            return None;
        }
        let values: Vec<f32> = body
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let (weights, bias) = values.split_at(classes * dims);
        Some(Softmax {
            classes,
            dims,
            weights: weights.to_vec(),
            bias: bias.to_vec(),
        })
    }
}

const MAGIC: &[u8; 8] = b"FDREQ01\n";

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn softmax_in_place(v: &mut [f32]) {
    let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
}

/// The probability of each kind, in `RequestKind::ALL` order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct KindProbabilities(pub [f32; KINDS]);

impl KindProbabilities {
    pub fn of(&self, kind: RequestKind) -> f32 {
        self.0[kind.index()]
    }

    pub fn most_likely(&self) -> RequestKind {
        let mut best = RequestKind::HowTo;
        for k in RequestKind::ALL {
            if self.of(k) > self.of(best) {
                best = k;
            }
        }
        best
    }
}

/// The trained request classifier.
#[derive(Debug, Clone)]
pub struct RequestClassifier {
    model: Softmax,
}

impl RequestClassifier {
    /// Trains on labelled messages whose embeddings are `embeddings`.
    pub fn train(messages: &[TrainingMessage], embeddings: &[Vec<f32>]) -> RequestClassifier {
        let rows: Vec<Vec<f32>> = messages
            .iter()
            .zip(embeddings)
            .map(|(m, e)| features(e, &m.text))
            .collect();
        let labels: Vec<usize> = messages.iter().map(|m| m.kind.index()).collect();
        RequestClassifier {
            model: Softmax::train(&rows, &labels, KINDS, CLASSIFIER_PARAMS),
        }
    }

    /// The kinds' probabilities for a message (its embedding and its text).
    pub fn classify(&self, embedding: &[f32], text: &str) -> KindProbabilities {
        let p = self.model.probabilities(&features(embedding, text));
        let mut out = [0.0; KINDS];
        for (o, v) in out.iter_mut().zip(p) {
            *o = v;
        }
        KindProbabilities(out)
    }

    /// The classifier trained on the repository's training set: read from
    /// the cache folder when it was trained before on the same set with the
    /// same model and settings, else trained and stored there.
    pub fn load_or_train(
        embedder: &Embedder,
        cache: &mut EmbeddingCache,
    ) -> Result<RequestClassifier, ClassifyError> {
        let path = cache.dir().map(weights_path);
        if let Some(model) = path
            .as_deref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| Softmax::from_bytes(&b))
            .filter(|m| m.classes == KINDS && m.dims == FEATURES)
        {
            return Ok(RequestClassifier { model });
        }
        let messages = training_set()?;
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        let embeddings = cache.embed_all(embedder, &texts)?;
        let classifier = RequestClassifier::train(&messages, &embeddings);
        if let Some(p) = path {
            // Written whole then renamed: a reader never sees half a file.
            let tmp = p.with_extension("tmp");
            let written = std::fs::write(&tmp, classifier.model.to_bytes())
                .and_then(|()| std::fs::rename(&tmp, &p));
            if let Err(e) = written {
                tracing::warn!("cannot store the request classifier: {e}");
            }
        }
        Ok(classifier)
    }
}

/// Where the trained classifier is kept: the hash covers what it is
/// trained from, so a changed training set or model retrains it.
fn weights_path(dir: &Path) -> PathBuf {
    let mut h = Sha256::new();
    h.update(MODEL_SHA256.as_bytes());
    h.update([0]);
    h.update(TRAINING_SET.as_bytes());
    h.update([0]);
    let p = CLASSIFIER_PARAMS;
    h.update(
        format!(
            "softmax-adam v1 {} {} {} {} {:?}",
            p.epochs, p.learning_rate, p.l2, p.balanced, LEXICAL_NAMES
        )
        .as_bytes(),
    );
    let digest = h.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("requests-{hex}.bin"))
}

/// Leave-one-product-out cross-validation: for each product, a classifier
/// trained on the other products' messages labels this product's.
#[derive(Debug, Clone, Serialize)]
pub struct CrossValidation {
    pub messages: usize,
    pub products: usize,
    /// Share of messages labelled right.
    pub micro_accuracy: f64,
    /// Mean of the per-kind recalls.
    pub macro_accuracy: f64,
    /// Per kind: (messages, labelled right).
    pub by_kind: Vec<(RequestKind, usize, usize)>,
    /// Share right of the decision that matters most: how-to or not.
    pub how_to_or_not: f64,
}

pub fn cross_validate(
    messages: &[TrainingMessage],
    embeddings: &[Vec<f32>],
    params: TrainParams,
) -> CrossValidation {
    let mut products: Vec<&str> = messages.iter().map(|m| m.product.as_str()).collect();
    products.sort_unstable();
    products.dedup();
    let rows: Vec<Vec<f32>> = messages
        .iter()
        .zip(embeddings)
        .map(|(m, e)| features(e, &m.text))
        .collect();
    let mut predicted = vec![RequestKind::HowTo; messages.len()];
    for product in &products {
        let (train, test): (Vec<usize>, Vec<usize>) =
            (0..messages.len()).partition(|&i| messages[i].product != *product);
        let x: Vec<Vec<f32>> = train.iter().map(|&i| rows[i].clone()).collect();
        let y: Vec<usize> = train.iter().map(|&i| messages[i].kind.index()).collect();
        let model = Softmax::train(&x, &y, KINDS, params);
        for i in test {
            let p = model.probabilities(&rows[i]);
            let mut best = 0;
            for (k, v) in p.iter().enumerate() {
                if *v > p[best] {
                    best = k;
                }
            }
            predicted[i] = RequestKind::ALL[best];
        }
    }
    let right = |i: usize| predicted[i] == messages[i].kind;
    let by_kind: Vec<(RequestKind, usize, usize)> = RequestKind::ALL
        .iter()
        .map(|&k| {
            let of: Vec<usize> = (0..messages.len())
                .filter(|&i| messages[i].kind == k)
                .collect();
            (k, of.len(), of.iter().filter(|&&i| right(i)).count())
        })
        .collect();
    let n = messages.len().max(1) as f64;
    let present: Vec<&(RequestKind, usize, usize)> =
        by_kind.iter().filter(|(_, n, _)| *n > 0).collect();
    CrossValidation {
        messages: messages.len(),
        products: products.len(),
        micro_accuracy: (0..messages.len()).filter(|&i| right(i)).count() as f64 / n,
        macro_accuracy: present
            .iter()
            .map(|(_, n, r)| *r as f64 / *n as f64)
            .sum::<f64>()
            / present.len().max(1) as f64,
        by_kind,
        how_to_or_not: (0..messages.len())
            .filter(|&i| {
                (predicted[i] == RequestKind::HowTo) == (messages[i].kind == RequestKind::HowTo)
            })
            .count() as f64
            / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_training_set_is_valid_and_large_enough() {
        let set = training_set().expect("valid training set");
        assert!(set.len() >= 600, "{} messages", set.len());
        let mut products: Vec<&str> = set.iter().map(|m| m.product.as_str()).collect();
        products.sort_unstable();
        products.dedup();
        assert!(products.len() >= 20);
        for kind in RequestKind::ALL {
            assert!(
                set.iter().filter(|m| m.kind == kind).count() >= 20,
                "{kind:?}"
            );
        }
        for lang in ["en", "fr", "ro"] {
            assert!(
                set.iter().filter(|m| m.lang == lang).count() >= 50,
                "{lang}"
            );
        }
        // The help centers we evaluate on are not in it.
        for m in &set {
            let t = m.text.to_lowercase();
            assert!(
                !t.contains("obsidian") && !t.contains("arduino"),
                "{}",
                m.text
            );
        }
    }

    #[test]
    fn a_bad_training_line_is_reported_with_its_number() {
        let err = parse_training(
            "{\"text\":\"a\",\"product\":\"p\",\"kind\":\"how_to\",\"lang\":\"en\"}\n{\"text\":\"b\",\"product\":\"p\",\"kind\":\"nope\",\"lang\":\"en\"}\n",
        )
        .expect_err("bad kind");
        assert!(err.to_string().contains(":2:"), "{err}");
    }

    #[test]
    fn lexical_features_read_numbers_requests_and_time() {
        let f = lexical("Please refund the 49.99 € you charged me since yesterday");
        let named = |n: &str| f[LEXICAL_NAMES.iter().position(|x| *x == n).expect("name")];
        assert_eq!(named("digits"), 1.0);
        assert_eq!(named("amount"), 1.0);
        assert_eq!(named("request_to_team"), 1.0);
        assert_eq!(named("point_in_time"), 1.0);
        assert_eq!(named("question_word"), 0.0);
        let g = lexical("how do I download my invoice?");
        assert_eq!(g[2], 1.0);
        assert_eq!(g[3], 1.0);
        assert_eq!(g[0], 0.0);
        assert_eq!(lexical("can you unlock my account")[3], 0.0);
    }

    #[test]
    fn softmax_training_separates_classes_deterministically_and_round_trips() {
        // Three clusters in two dimensions.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..30 {
            let t = i as f32 / 30.0;
            rows.push(vec![1.0 + t, 0.1 * t]);
            labels.push(0);
            rows.push(vec![-1.0 - t, 0.2 * t]);
            labels.push(1);
            rows.push(vec![0.1 * t, 2.0 + t]);
            labels.push(2);
        }
        let p = TrainParams {
            epochs: 200,
            learning_rate: 0.05,
            l2: 0.001,
            balanced: true,
        };
        let a = Softmax::train(&rows, &labels, 3, p);
        let b = Softmax::train(&rows, &labels, 3, p);
        assert_eq!(a, b, "training is deterministic");
        for (r, &l) in rows.iter().zip(&labels) {
            let probs = a.probabilities(r);
            let best = (0..3)
                .max_by(|&i, &j| probs[i].total_cmp(&probs[j]))
                .expect("three classes");
            assert_eq!(best, l);
            assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
        let back = Softmax::from_bytes(&a.to_bytes()).expect("round trip");
        assert_eq!(back, a);
        assert!(Softmax::from_bytes(b"FDREQ01\n\x01\x00\x00\x00").is_none());
        assert!(Softmax::from_bytes(b"garbage").is_none());
    }

    #[test]
    fn ticket_types_follow_the_kind() {
        assert_eq!(
            RequestKind::Malfunction.ticket_type(),
            Some(TicketKind::BugReport)
        );
        assert_eq!(
            RequestKind::FeatureRequest.ticket_type(),
            Some(TicketKind::FeatureRequest)
        );
        assert_eq!(
            RequestKind::BillingAdmin.ticket_type(),
            Some(TicketKind::SettingsHelp)
        );
        assert_eq!(RequestKind::OffTopic.ticket_type(), None);
    }
}
