//! Acceptance corpus for the compliance checker: labelled seller replies in en, it, de, fr and
//! es (`tests/fixtures/compliance/<lang>.json`). Every message must get its expected verdict
//! and exactly its expected set of rules; on failure the test prints every mismatch and a
//! per-language confusion table of expected × actual verdicts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use marketdesk::compliance::{CheckRequest, Outcome, Rule, Verdict, check};
use marketdesk::domain::Channel;
use serde::Deserialize;

const LANGUAGES: [&str; 5] = ["en", "it", "de", "fr", "es"];

/// The words DESIGN §1 says Amazon scans for; the seed set must block on each of them.
const SEED_WORDS: [(&str, &[&str]); 2] = [
    (
        "en",
        &[
            "review",
            "feedback",
            "rating",
            "five stars",
            "external",
            "discount",
            "click here",
        ],
    ),
    (
        "it",
        &[
            "recensione",
            "valutazione",
            "cinque stelle",
            "sconto",
            "clicca qui",
        ],
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    channel: Channel,
    marketplace: Option<String>,
    #[serde(default)]
    language: Option<String>,
    body: String,
    expected_verdict: Outcome,
    expected_rules: BTreeSet<Rule>,
    /// Why a tricky case is labelled the way it is.
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

fn corpus() -> Vec<(&'static str, Case)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compliance");
    LANGUAGES
        .iter()
        .flat_map(|lang| {
            let path = dir.join(format!("{lang}.json"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let cases: Vec<Case> =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            cases.into_iter().map(move |c| (*lang, c))
        })
        .collect()
}

fn run(case: &Case) -> Verdict {
    check(&CheckRequest {
        channel: case.channel,
        marketplace: case.marketplace.clone(),
        language: case.language.clone(),
        body: case.body.clone(),
    })
}

fn outcome_index(o: Outcome) -> usize {
    match o {
        Outcome::Pass => 0,
        Outcome::Warn => 1,
        Outcome::Block => 2,
    }
}

#[test]
fn corpus_messages_get_their_labelled_verdict_and_rules() {
    let corpus = corpus();
    let mut failures = Vec::new();
    // language → [expected][actual] over pass, warn, block
    let mut confusion: BTreeMap<&str, [[usize; 3]; 3]> = BTreeMap::new();
    for (lang, case) in &corpus {
        let verdict = run(case);
        let rules: BTreeSet<Rule> = verdict.findings.iter().map(|f| f.rule).collect();
        confusion.entry(lang).or_default()[outcome_index(case.expected_verdict)]
            [outcome_index(verdict.verdict)] += 1;
        if verdict.verdict != case.expected_verdict || rules != case.expected_rules {
            let found: Vec<String> = verdict
                .findings
                .iter()
                .map(|f| format!("{} {:?}", f.rule, f.excerpt))
                .collect();
            failures.push(format!(
                "[{lang}] {}: expected {:?} {:?}, got {:?} {:?}\n    body: {}\n    findings: {found:?}",
                case.id,
                case.expected_verdict,
                case.expected_rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                verdict.verdict,
                rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                case.body,
            ));
        }
    }
    if !failures.is_empty() {
        let mut report = format!(
            "{} of {} corpus messages mismatched:\n",
            failures.len(),
            corpus.len()
        );
        for f in &failures {
            report.push_str(f);
            report.push('\n');
        }
        report.push_str("\nconfusion (rows: expected, columns: actual; pass / warn / block)\n");
        for (lang, m) in &confusion {
            report.push_str(&format!("{lang}:\n"));
            for (name, row) in ["pass", "warn", "block"].iter().zip(m) {
                report.push_str(&format!(
                    "  {name:>5}: {:>3} {:>3} {:>3}\n",
                    row[0], row[1], row[2]
                ));
            }
        }
        panic!("{report}");
    }
}

#[test]
fn corpus_is_large_and_varied_enough() {
    let corpus = corpus();
    assert!(corpus.len() >= 80, "{} messages", corpus.len());
    for lang in LANGUAGES {
        let n = corpus.iter().filter(|(l, _)| *l == lang).count();
        assert!(n >= 15, "{lang}: {n} messages");
    }
    let ebay = corpus
        .iter()
        .filter(|(_, c)| c.channel == Channel::Ebay)
        .count();
    assert!(ebay >= 8, "{ebay} eBay messages");
    let ids: BTreeSet<&str> = corpus.iter().map(|(_, c)| c.id.as_str()).collect();
    assert_eq!(ids.len(), corpus.len(), "ids are unique");
    for (lang, case) in &corpus {
        let consistent = case.expected_rules.is_empty() == (case.expected_verdict == Outcome::Pass);
        assert!(
            consistent,
            "[{lang}] {}: a pass has no rules and a warn/block has some",
            case.id
        );
    }
    // Every language has compliant and blocked messages.
    for lang in LANGUAGES {
        for outcome in [Outcome::Pass, Outcome::Block] {
            let n = corpus
                .iter()
                .filter(|(l, c)| *l == lang && c.expected_verdict == outcome)
                .count();
            assert!(n >= 5, "{lang}: {n} messages expected to {outcome:?}");
        }
    }
    // Every Amazon rule, and unfilled placeholders, are exercised in every language.
    for lang in LANGUAGES {
        for rule in [
            Rule::AmazonExternalLink,
            Rule::AmazonContactDetails,
            Rule::AmazonOffPlatform,
            Rule::AmazonPromotion,
            Rule::AmazonReviewRequest,
            Rule::AmazonEmoji,
            Rule::AmazonFormatting,
            Rule::TemplateUnfilledPlaceholder,
        ] {
            let covered = corpus
                .iter()
                .any(|(l, c)| *l == lang && c.expected_rules.contains(&rule));
            assert!(covered, "{lang} has no example of {rule}");
        }
    }
}

#[test]
fn seed_set_mirrors_the_design_words() {
    let corpus = corpus();
    for (lang, words) in SEED_WORDS {
        let seeds: Vec<&Case> = corpus
            .iter()
            .filter(|(l, c)| *l == lang && c.id.starts_with("seed-"))
            .map(|(_, c)| c)
            .collect();
        let pass = seeds
            .iter()
            .filter(|c| c.expected_verdict == Outcome::Pass)
            .count();
        let block = seeds
            .iter()
            .filter(|c| c.expected_verdict == Outcome::Block)
            .count();
        assert!(
            pass >= 6 && block >= 6,
            "{lang} seeds: {pass} compliant, {block} blocked"
        );
        for word in words {
            let blocked_on_it = seeds.iter().any(|c| {
                c.expected_verdict == Outcome::Block && c.body.to_lowercase().contains(word)
            });
            assert!(
                blocked_on_it,
                "{lang}: no blocked seed message uses {word:?}"
            );
        }
    }
}

#[test]
fn corpus_findings_respect_the_output_contract() {
    for (lang, case) in corpus() {
        let verdict = run(&case);
        let chars: Vec<char> = case.body.chars().collect();
        let mut previous: Option<(usize, usize, Rule)> = None;
        for f in &verdict.findings {
            assert!(
                f.start < f.end && f.end <= chars.len(),
                "[{lang}] {}: span {f:?}",
                case.id
            );
            let span: String = chars[f.start..f.end].iter().collect();
            let excerpt_ok = f.excerpt == span
                || f.excerpt
                    .strip_suffix('…')
                    .is_some_and(|e| span.starts_with(e));
            assert!(
                excerpt_ok,
                "[{lang}] {}: excerpt {:?} vs span {span:?}",
                case.id, f.excerpt
            );
            assert_eq!(f.severity, f.rule.severity(), "[{lang}] {}", case.id);
            assert!(!f.message.is_empty() && !f.suggestion.is_empty());
            if let Some(p) = previous {
                assert!(
                    (p.0, p.1) <= (f.start, f.end),
                    "[{lang}] {}: findings not sorted",
                    case.id
                );
            }
            previous = Some((f.start, f.end, f.rule));
        }
        for (i, a) in verdict.findings.iter().enumerate() {
            for b in &verdict.findings[i + 1..] {
                let overlap = a.start < b.end && b.start < a.end;
                assert!(
                    !(a.rule == b.rule && overlap),
                    "[{lang}] {}: overlapping {a:?} / {b:?}",
                    case.id
                );
            }
        }
    }
}
