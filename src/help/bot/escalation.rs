//! Whether to hand a question to people, and why.
//!
//! With the embedding model, one fitted logistic model takes the decision
//! over features that mean the same on any help center: what kind of
//! message it is (the request classifier's log-odds for people), how well the
//! best sections match it *relative to how this help center's own articles
//! match their own titles* (`knowledge::Norms`, measured here by
//! `measure_norms` when a snapshot is built), how much of it the help center's
//! words cover, whether the retrievers agree, whether it carries
//! specifics the help center cannot know (numbers), and whether a report of
//! a malfunction meets a section that itself describes one (troubleshooting
//! answers the report; a how-to section on the feature does not). Its weights come from
//! `frontdesk fit-escalation` on the public question set; they are listed in
//! `DECISION_FEATURES` / `DECISION_WEIGHTS`.
//!
//! Without the model (keyword retrieval) the older rules stay: a
//! hand-weighted confidence against the threshold, raised by phrase lists.

use serde::Serialize;

use super::classify::{
    KindProbabilities, LEXICAL_NAMES, RequestKind, Softmax, TrainParams, lexical,
};
use super::intent::Intent;
use super::retrieve::{self, Mode, Query, Retrieval, retrieve};
use crate::help::knowledge::{Knowledge, Norms};
use crate::locale::Locale;

/// Cosine similarities of MiniLM between a question and a passage: below
/// the low mark they are unrelated, above the high mark clearly related.
const SIMILARITY_LOW: f32 = 0.25;
const SIMILARITY_HIGH: f32 = 0.65;

/// How much lower the confidence needed is for a question in a language
/// other than English (keyword rules only). The embedding model knows
/// English only, so there the confidence leans on word coverage, and users'
/// words match the help center's less often than their meaning does.
const OTHER_LANGUAGE_OFFSET: f32 = 0.08;

/// The rules' confidence is on its own scale: the default threshold (0.38
/// for the fitted model) stands for 0.42 there, the value they were
/// calibrated at on the public set.
pub const RULES_THRESHOLD_SHIFT: f32 = -0.04;

/// How sure the retrieval is of its best article (hand-weighted). It still
/// ranks alternative retrievals (a follow-up read with or without the
/// previous question, an untranslated English article) and is the
/// decision's confidence without the embedding model.
pub fn confidence(r: &Retrieval) -> f32 {
    let Some(top) = r.top() else {
        return 0.0;
    };
    let lexical = 0.5 * top.coverage + 0.5 * top.section_coverage;
    let semantic =
        ((top.similarity - SIMILARITY_LOW) / (SIMILARITY_HIGH - SIMILARITY_LOW)).clamp(0.0, 1.0);
    let agree = if r.retrievers_agree { 1.0 } else { 0.0 };
    let c = match r.mode {
        Mode::Keyword => lexical,
        Mode::Vector => 0.6 * semantic + 0.4 * lexical,
        Mode::Hybrid => {
            // The embedding model knows English best: elsewhere its
            // similarity says less, and word coverage takes its share.
            let semantic_weight =
                0.35 * retrieve::vector_weight(r.locale) / retrieve::vector_weight(Locale::En);
            semantic_weight * semantic
                + (0.6 - semantic_weight) * lexical
                + 0.25 * r.known_share
                + 0.15 * agree
        }
    };
    (c * 1000.0).round() / 1000.0
}

/// Embeds texts for `measure_norms` (`None` if the model fails).
pub type EmbedTexts<'a> = dyn FnMut(&[&str]) -> Option<Vec<Vec<f32>>> + 'a;

/// Titles asked per language, evenly spread over the articles.
const SAMPLE: usize = 80;
const MIN_SAMPLE: usize = 8;

/// Measures the norms of every language of the help center. Needs the
/// section vectors and the model (else there is nothing to measure).
pub fn measure_norms(knowledge: &Knowledge, embed: &mut EmbedTexts<'_>) -> Vec<(Locale, Norms)> {
    let mut out = Vec::new();
    for locale in knowledge.kb.locales() {
        let articles: Vec<usize> = (0..knowledge.kb.articles.len())
            .filter(|&i| knowledge.kb.articles[i].locale == locale)
            .collect();
        if articles.len() < MIN_SAMPLE {
            continue;
        }
        let step = (articles.len() as f64 / SAMPLE as f64).max(1.0);
        let sample: Vec<usize> = (0..SAMPLE.min(articles.len()))
            .map(|i| articles[((i as f64 * step) as usize).min(articles.len() - 1)])
            .collect();
        let titles: Vec<&str> = sample
            .iter()
            .map(|&i| knowledge.kb.articles[i].title.as_str())
            .collect();
        let Some(vectors) = embed(&titles) else {
            continue;
        };
        let mut with = (Vec::new(), Vec::new());
        let mut without = (Vec::new(), Vec::new());
        for ((&own, title), v) in sample.iter().zip(&titles).zip(vectors) {
            let mut q = Query::read(knowledge, locale, title);
            if q.is_empty() {
                continue;
            }
            q.vector = Some(v);
            let others = |ai: usize| ai != own;
            for (only, into) in [
                (None, &mut with),
                (Some(&others as &dyn Fn(usize) -> bool), &mut without),
            ] {
                if let Ok(r) = retrieve(knowledge, locale, &q, Mode::Hybrid, None, only)
                    && let Some(top) = r.top()
                {
                    into.0.push(top.similarity);
                    into.1.push(0.5 * (top.coverage + top.section_coverage));
                }
            }
        }
        if with.0.len() < MIN_SAMPLE || without.0.len() < MIN_SAMPLE {
            continue;
        }
        out.push((
            locale,
            Norms {
                samples: with.0.len(),
                answered_similarity: median(&mut with.0),
                unanswered_similarity: median(&mut without.0),
                answered_coverage: median(&mut with.1),
                unanswered_coverage: median(&mut without.1),
            },
        ));
    }
    out
}

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
    }
}

/// The signals the fitted decision reads, shown by `frontdesk ask --json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Signals {
    /// The request classifier's probability of each kind.
    #[serde(serialize_with = "serialize_kinds")]
    pub kinds: KindProbabilities,
    /// Best cosine similarity, raw and placed on the help center's norms.
    pub similarity: f32,
    pub similarity_placed: f32,
    /// Best article's word coverage of the question (a share: the same on
    /// any help center; titles cover themselves in every help center, so
    /// there is nothing to place it on).
    pub coverage: f32,
    /// Share of the question made of words the help center uses.
    pub known_share: f32,
    pub retrievers_agree: bool,
    /// The best article has the question's rarest word (`Retrieval`).
    pub rarest_covered: bool,
    /// Similarity of the best article less the second's, placed.
    pub margin: f32,
    /// The message carries numbers (ids, amounts, codes, dates).
    pub digits: bool,
    /// Asked in a language the embedding model does not know well.
    pub other_language: bool,
    /// The request classifier's reading of the best section (its title,
    /// heading and text): a troubleshooting section reads as a malfunction.
    #[serde(serialize_with = "serialize_kinds")]
    pub answer_kinds: KindProbabilities,
}

fn serialize_kinds<S: serde::Serializer>(k: &KindProbabilities, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(RequestKind::ALL.len()))?;
    for kind in RequestKind::ALL {
        m.serialize_entry(kind.name(), &((k.of(kind) * 1000.0).round() / 1000.0))?;
    }
    m.end()
}

/// The fitted decision's inputs, in the order of `DECISION_WEIGHTS`.
pub const DECISION_INPUTS: usize = 9;
pub const DECISION_FEATURES: [&str; DECISION_INPUTS] = [
    "for_people_log_odds",
    "similarity_placed",
    "coverage",
    "known_share",
    "retrievers_agree",
    "margin",
    "digits",
    "other_language",
    "problem_described",
];

/// Fitted by `frontdesk fit-escalation --balanced --questions
/// tests/questions/starter.jsonl` (L2-regularised logistic regression, the
/// escalation the positive class, both outcomes weighted equally: a message
/// for people deflected by a wrong article costs as much as a needless
/// ticket). Refit and paste its output when the features change.
pub const DECISION_WEIGHTS: [f32; DECISION_INPUTS] = [
    0.586, -1.035, -4.415, 0.212, 0.105, -0.019, 3.559, -0.662, -3.098,
];
pub const DECISION_BIAS: f32 = -0.111;

/// How the decision is fitted: a two-class softmax (a logistic
/// regression) on standardised features (`fit-escalation --balanced`
/// weighs both outcomes equally).
pub const DECISION_PARAMS: TrainParams = TrainParams {
    epochs: 400,
    learning_rate: 0.05,
    l2: 0.01,
    balanced: false,
};

/// Fits the decision on (features, should escalate) samples; returns the
/// weights and bias of the escalation's log-odds.
pub fn fit_decision(
    samples: &[([f32; DECISION_INPUTS], bool)],
    params: TrainParams,
) -> ([f32; DECISION_INPUTS], f32) {
    let rows: Vec<Vec<f32>> = samples.iter().map(|(x, _)| x.to_vec()).collect();
    let labels: Vec<usize> = samples.iter().map(|(_, y)| usize::from(*y)).collect();
    let model = Softmax::train(&rows, &labels, 2, params);
    let mut w = [0.0; DECISION_INPUTS];
    for (j, wj) in w.iter_mut().enumerate() {
        *wj = model.weights[DECISION_INPUTS + j] - model.weights[j];
    }
    (w, model.bias[1] - model.bias[0])
}

impl Signals {
    pub fn read(
        kinds: KindProbabilities,
        r: &Retrieval,
        norms: &Norms,
        answer_kinds: KindProbabilities,
        text: &str,
        asked: Locale,
    ) -> Signals {
        let top = r.top();
        let similarity = top.map_or(0.0, |t| t.similarity);
        let second = r.articles.get(1).map_or(0.0, |t| t.similarity);
        let coverage = top.map_or(0.0, |t| 0.5 * (t.coverage + t.section_coverage));
        let spread = (norms.answered_similarity - norms.unanswered_similarity).max(0.05);
        let digits_at = LEXICAL_NAMES.iter().position(|n| *n == "digits");
        Signals {
            kinds,
            similarity,
            similarity_placed: Norms::place(
                similarity,
                norms.unanswered_similarity,
                norms.answered_similarity,
            ),
            coverage,
            known_share: r.known_share,
            retrievers_agree: r.retrievers_agree,
            rarest_covered: r.rarest_covered,
            margin: ((similarity - second) / spread).clamp(-3.0, 3.0),
            digits: digits_at.is_some_and(|i| lexical(text)[i] > 0.5),
            other_language: asked != Locale::En,
            answer_kinds,
        }
    }

    /// Both the message and the best section describe a malfunction: the
    /// help center's troubleshooting for it, which answers a report of that
    /// state (a how-to section does not answer a report that it fails).
    pub fn problem_described(&self) -> f32 {
        self.kinds.of(RequestKind::Malfunction) * self.answer_kinds.of(RequestKind::Malfunction)
    }

    /// The probability that the message is for people whatever the help
    /// center says: one input for all such kinds, so that the decision
    /// learns it from all of them together (a question set has few of each).
    pub fn for_people(&self) -> f32 {
        1.0 - self.kinds.of(RequestKind::HowTo) - self.kinds.of(RequestKind::SmallTalk)
    }

    /// `for_people` as log-odds, bounded. A probability squeezes the
    /// classifier's confident calls together near 0 and 1, where a linear
    /// decision cannot tell "sure" from "very sure"; log-odds keep them
    /// apart, and the decision fitted on one help center transferred
    /// better to the others with them (README, *Quality*).
    pub fn for_people_log_odds(&self) -> f32 {
        let p = self.for_people().clamp(1e-3, 1.0 - 1e-3);
        (p / (1.0 - p)).ln()
    }

    pub fn features(&self) -> [f32; DECISION_INPUTS] {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        [
            self.for_people_log_odds(),
            self.similarity_placed,
            self.coverage,
            self.known_share,
            flag(self.retrievers_agree),
            self.margin,
            flag(self.digits),
            flag(self.other_language),
            self.problem_described(),
        ]
    }

    /// The fitted probability that the bot's answer will do (1 − the
    /// escalation's probability).
    pub fn answer_probability(&self) -> f32 {
        let z: f32 = self
            .features()
            .iter()
            .zip(DECISION_WEIGHTS)
            .map(|(x, w)| x * w)
            .sum::<f32>()
            + DECISION_BIAS;
        let p_escalate = 1.0 / (1.0 + (-z).exp());
        1.0 - p_escalate
    }

    /// Why a message is escalated, and which ticket type it gets.
    pub fn reason(&self) -> (Reason, Option<super::TicketType>) {
        let kind = self.kinds.most_likely();
        let reason = match kind {
            RequestKind::Malfunction => Reason::Malfunction,
            RequestKind::FeatureRequest => Reason::FeatureRequest,
            RequestKind::AccountAction => Reason::AccountAction,
            RequestKind::BillingAdmin => Reason::BillingAdmin,
            RequestKind::OffTopic => Reason::OffTopic,
            RequestKind::HowTo | RequestKind::SmallTalk => Reason::NotCovered,
        };
        let ticket = match kind {
            RequestKind::SmallTalk => RequestKind::HowTo.ticket_type(),
            k => k.ticket_type(),
        };
        (reason, ticket)
    }
}

/// Why the bot escalated, or that it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Answered,
    NothingFound,
    Malfunction,
    FeatureRequest,
    AccountAction,
    BillingAdmin,
    OffTopic,
    /// A how-to question the help center does not seem to answer.
    NotCovered,
}

/// The decision as `frontdesk ask --json` explains it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Explanation {
    pub reason: Reason,
    /// `fitted` (the model above) or `rules` (keyword retrieval only).
    pub model: &'static str,
    /// The confidence the answer needed.
    pub threshold: f32,
    /// What the fitted decision read (absent for the rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals: Option<Signals>,
}

/// What the escalation decision looks at, so that it can be taken again
/// at another threshold (`frontdesk eval` sweeps it) without asking again.
#[derive(Debug, Clone, Copy)]
pub struct Escalation {
    /// The fitted answer probability, or the rules' confidence.
    pub confidence: f32,
    /// Whether `confidence` is the fitted model's.
    pub fitted: bool,
    /// What the wording says (for the rules).
    pub intent: Intent,
    /// The language the question was asked in.
    pub locale: Locale,
    /// No article came back at all.
    pub nothing_found: bool,
}

impl Escalation {
    /// The confidence the answer needs under the rules, for a base
    /// `threshold`: lower in languages the embedding model does not know,
    /// raised for messages that are for people whatever article looks close.
    pub fn needed(&self, threshold: f32) -> f32 {
        if self.fitted {
            return threshold;
        }
        let mut needed = threshold - RULES_THRESHOLD_SHIFT;
        if self.locale != Locale::En {
            needed -= OTHER_LANGUAGE_OFFSET;
        }
        let intent = &self.intent;
        if intent.malfunction && !intent.how_question {
            needed += 0.15;
        }
        if intent.staff_action {
            needed += 0.3;
        }
        if intent.feature_request && !intent.how_question {
            needed = needed.max(0.95);
        }
        needed
    }

    /// Whether to hand the question to people.
    pub fn decide(&self, threshold: f32) -> bool {
        if self.nothing_found {
            return true;
        }
        if self.fitted {
            return self.confidence < threshold;
        }
        // Money matters always are, under the rules.
        self.intent.billing || self.confidence < self.needed(threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(confidence: f32, locale: Locale) -> Escalation {
        Escalation {
            confidence,
            fitted: false,
            intent: Intent::default(),
            locale,
            nothing_found: false,
        }
    }

    #[test]
    fn the_rules_bar_depends_on_the_language_and_the_intent() {
        let t = crate::help::bot::DEFAULT_THRESHOLD;
        assert!(rules(0.40, Locale::En).decide(t));
        assert!(!rules(0.40, Locale::Fr).decide(t), "lower bar in French");
        assert!(rules(0.30, Locale::Fr).decide(t));
        let broken = Escalation {
            intent: Intent::read("the export gives me an error 500"),
            ..rules(0.5, Locale::En)
        };
        assert!(broken.decide(t), "a malfunction report needs more");
        let billing = Escalation {
            intent: Intent::read("I was charged twice"),
            ..rules(1.0, Locale::En)
        };
        assert!(billing.decide(t), "money matters always go to people");
        let nothing = Escalation {
            nothing_found: true,
            ..rules(1.0, Locale::En)
        };
        assert!(nothing.decide(t));
    }

    #[test]
    fn the_fitted_decision_is_its_probability_against_the_threshold() {
        let fitted = |confidence| Escalation {
            fitted: true,
            intent: Intent::read("I was charged twice"),
            ..rules(confidence, Locale::Fr)
        };
        // The phrase lists and the language offsets play no part.
        assert!(!fitted(0.6).decide(0.5));
        assert!(fitted(0.4).decide(0.5));
    }

    #[test]
    fn scores_are_placed_between_the_help_centers_levels() {
        assert!((Norms::place(0.5, 0.5, 0.8)).abs() < 1e-6);
        assert!((Norms::place(0.8, 0.5, 0.8) - 1.0).abs() < 1e-6);
        assert!(Norms::place(0.2, 0.5, 0.8) < 0.0);
        // A degenerate spread does not blow up.
        assert!(Norms::place(0.9, 0.5, 0.5).is_finite());
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn a_malfunction_report_meeting_troubleshooting_needs_no_person_as_much() {
        let mut broken = [0.02; 7];
        broken[RequestKind::Malfunction.index()] = 0.88;
        let mut how_to = [0.02; 7];
        how_to[RequestKind::HowTo.index()] = 0.88;
        let s = |answer: [f32; 7]| Signals {
            kinds: KindProbabilities(broken),
            similarity: 0.6,
            similarity_placed: 0.5,
            coverage: 0.6,
            known_share: 1.0,
            retrievers_agree: true,
            rarest_covered: true,
            margin: 0.5,
            digits: false,
            other_language: false,
            answer_kinds: KindProbabilities(answer),
        };
        let troubleshooting = s(broken);
        let feature_page = s(how_to);
        assert!(troubleshooting.problem_described() > 0.7);
        assert!(feature_page.problem_described() < 0.05);
        assert!(
            troubleshooting.answer_probability() > feature_page.answer_probability(),
            "the fitted decision leans on the troubleshooting section"
        );
    }

    #[test]
    fn the_reason_and_ticket_type_follow_the_most_likely_kind() {
        let mut p = [0.05; 7];
        p[RequestKind::BillingAdmin.index()] = 0.7;
        let s = Signals {
            kinds: KindProbabilities(p),
            similarity: 0.5,
            similarity_placed: 0.0,
            coverage: 0.5,
            known_share: 1.0,
            retrievers_agree: true,
            rarest_covered: true,
            margin: 0.0,
            digits: false,
            other_language: false,
            answer_kinds: KindProbabilities([0.0; 7]),
        };
        assert_eq!(
            s.reason(),
            (
                Reason::BillingAdmin,
                Some(super::super::TicketType::SettingsHelp)
            )
        );
        let mut p = [0.05; 7];
        p[RequestKind::HowTo.index()] = 0.7;
        let s = Signals {
            kinds: KindProbabilities(p),
            ..s
        };
        assert_eq!(s.reason().0, Reason::NotCovered);
    }
}
