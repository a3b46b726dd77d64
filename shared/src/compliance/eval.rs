//! Measuring the checker on a labelled corpus (`marketdesk check --eval corpus.jsonl`).
//!
//! One JSON object per line: `id`, `lang` (the language the message is written in, for the
//! per-language figures), `channel`, `marketplace`, optional `language` (passed to the
//! checker as the caller would), `body`, `expected_verdict` (`pass` / `warn` / `block`),
//! `expected_rules` and an optional `note`. A message labelled `block` is a *violation*; one
//! labelled `pass` or `warn` is *compliant* (a `warn` label marks a watched word that is
//! only mentioned).
//!
//! Figures, per language, per rule and in total:
//! - recall: violations the checker flags (block or warn), over all violations;
//! - block recall: violations it blocks;
//! - precision: blocked messages that are violations, over all blocked messages;
//! - false-block rate: compliant messages it blocks, over all compliant messages.
//!
//! Per rule, a message "has" a rule when the rule is in `expected_rules`; the checker "finds"
//! it when any finding names it; the rule's false blocks are compliant messages where a
//! finding of that rule blocks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use serde::Deserialize;

use super::{CheckRequest, Outcome, Rule, Severity, Verdict, check};
use crate::domain::Channel;

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    pub lang: String,
    pub channel: Channel,
    #[serde(default)]
    pub marketplace: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    pub body: String,
    pub expected_verdict: Outcome,
    pub expected_rules: BTreeSet<Rule>,
    #[serde(default)]
    pub note: Option<String>,
}

impl Case {
    pub fn is_violation(&self) -> bool {
        self.expected_verdict == Outcome::Block
    }

    pub fn run(&self) -> Verdict {
        check(&CheckRequest {
            channel: self.channel,
            marketplace: self.marketplace.clone(),
            language: self.language.clone(),
            body: self.body.clone(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct CorpusError {
    pub line: usize,
    pub reason: String,
}

/// Parses a JSONL corpus; blank lines are skipped.
pub fn parse_corpus(text: &str) -> Result<Vec<Case>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| CorpusError {
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}

/// Counts behind one line of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub messages: usize,
    pub violations: usize,
    pub flagged_violations: usize,
    pub blocked_violations: usize,
    pub compliant: usize,
    pub blocked_compliant: usize,
    /// Per rule: messages where the checker found the rule.
    pub found: usize,
    /// Per rule: messages labelled with the rule where the checker found it.
    pub found_expected: usize,
}

fn ratio(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

impl Tally {
    pub fn recall(&self) -> Option<f64> {
        ratio(self.flagged_violations, self.violations)
    }
    pub fn block_recall(&self) -> Option<f64> {
        ratio(self.blocked_violations, self.violations)
    }
    pub fn precision(&self) -> Option<f64> {
        ratio(
            self.blocked_violations,
            self.blocked_violations + self.blocked_compliant,
        )
    }
    pub fn false_block_rate(&self) -> Option<f64> {
        ratio(self.blocked_compliant, self.compliant)
    }
}

/// The evaluation of a corpus.
#[derive(Debug, Default)]
pub struct Report {
    pub total: Tally,
    pub by_language: BTreeMap<String, Tally>,
    pub by_rule: BTreeMap<Rule, Tally>,
    /// Ids whose outcome is wrong: a missed violation or a blocked compliant message.
    pub errors: Vec<String>,
    /// Violations that were only warned about (counted as recalled, listed for review).
    pub warned: Vec<String>,
}

/// Runs every case and tallies the outcome.
pub fn evaluate(cases: &[Case]) -> Report {
    let mut report = Report::default();
    for case in cases {
        let verdict = case.run();
        let flagged = verdict.verdict != Outcome::Pass;
        let blocked = verdict.verdict == Outcome::Block;
        let found: BTreeSet<Rule> = verdict.findings.iter().map(|f| f.rule).collect();
        let blocking: BTreeSet<Rule> = verdict
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Block)
            .map(|f| f.rule)
            .collect();
        let add = |t: &mut Tally| {
            t.messages += 1;
            if case.is_violation() {
                t.violations += 1;
                t.flagged_violations += usize::from(flagged);
                t.blocked_violations += usize::from(blocked);
            } else {
                t.compliant += 1;
                t.blocked_compliant += usize::from(blocked);
            }
        };
        add(&mut report.total);
        add(report.by_language.entry(case.lang.clone()).or_default());
        for rule in Rule::ALL {
            let expected = case.expected_rules.contains(&rule);
            let is_found = found.contains(&rule);
            if !(expected || is_found) {
                continue;
            }
            let t = report.by_rule.entry(rule).or_default();
            t.messages += 1;
            t.found += usize::from(is_found);
            t.found_expected += usize::from(is_found && expected);
            if expected && case.is_violation() {
                t.violations += 1;
                t.flagged_violations += usize::from(is_found);
                t.blocked_violations += usize::from(blocking.contains(&rule));
            }
            if !case.is_violation() && blocking.contains(&rule) {
                t.blocked_compliant += 1;
            }
        }
        let rules: Vec<String> = verdict
            .findings
            .iter()
            .map(|f| format!("{}:{:?}:{:?}", f.rule, f.severity, f.excerpt))
            .collect();
        if case.is_violation() && flagged && !blocked {
            report
                .warned
                .push(format!("[{}] {} {}", case.lang, case.id, rules.join(" ")));
        }
        if (case.is_violation() && !flagged) || (!case.is_violation() && blocked) {
            report.errors.push(format!(
                "[{}] {} expected {:?}, got {:?} {}",
                case.lang,
                case.id,
                case.expected_verdict,
                verdict.verdict,
                rules.join(" ")
            ));
        }
    }
    let compliant = report.total.compliant;
    for t in report.by_rule.values_mut() {
        t.compliant = compliant;
    }
    report
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "    -".to_owned(), |v| format!("{:5.1}", v * 100.0))
}

impl Report {
    /// True when every language meets the acceptance gate: recall ≥ `min_recall` and
    /// false-block rate ≤ `max_false_block`.
    pub fn meets(&self, min_recall: f64, max_false_block: f64) -> bool {
        self.by_language.values().all(|t| {
            t.recall().is_none_or(|r| r >= min_recall)
                && t.false_block_rate().is_none_or(|f| f <= max_false_block)
        })
    }

    /// The table `marketdesk check --eval` prints.
    pub fn render(&self, name: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{name}: {} messages, {} violations, {} compliant",
            self.total.messages, self.total.violations, self.total.compliant
        );
        let _ = writeln!(
            out,
            "  {:<28} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6}",
            "language", "msgs", "viol", "recall", "blockR", "prec", "fblock"
        );
        let line = |out: &mut String, label: &str, t: &Tally| {
            let _ = writeln!(
                out,
                "  {label:<28} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6}",
                t.messages,
                t.violations,
                pct(t.recall()),
                pct(t.block_recall()),
                pct(t.precision()),
                pct(t.false_block_rate())
            );
        };
        for (lang, t) in &self.by_language {
            line(&mut out, lang, t);
        }
        line(&mut out, "total", &self.total);
        let _ = writeln!(
            out,
            "  {:<28} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6}",
            "rule", "found", "label", "recall", "blockR", "prec", "fblock"
        );
        for (rule, t) in &self.by_rule {
            let labelled = t.violations;
            let _ = writeln!(
                out,
                "  {:<28} {:>5} {:>5} {:>6} {:>6} {:>6} {:>6}",
                rule.as_str(),
                t.found,
                labelled,
                pct(t.recall()),
                pct(t.block_recall()),
                pct(ratio(t.found_expected, t.found)),
                pct(t.false_block_rate())
            );
        }
        let _ = writeln!(
            out,
            "  (percentages; recall = violations flagged block or warn, blockR = blocked, prec = \
             blocks that are violations (per rule: findings on labelled messages), fblock = \
             compliant messages blocked)"
        );
        for e in &self.errors {
            let _ = writeln!(out, "  miss: {e}");
        }
        for w in &self.warned {
            let _ = writeln!(out, "  warned only: {w}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, body: &str, verdict: Outcome, rules: &[Rule]) -> Case {
        Case {
            id: id.into(),
            lang: "en".into(),
            channel: Channel::Amazon,
            marketplace: Some("amazon.co.uk".into()),
            language: None,
            body: body.into(),
            expected_verdict: verdict,
            expected_rules: rules.iter().copied().collect(),
            note: None,
        }
    }

    #[test]
    fn tallies_count_missed_violations_and_blocked_compliant_messages() {
        let cases = [
            case(
                "a",
                "Please leave us a five-star review.",
                Outcome::Block,
                &[Rule::AmazonReviewRequest],
            ),
            case(
                "b",
                "Your parcel left today.",
                Outcome::Block,
                &[Rule::AmazonPromotion],
            ),
            case("c", "Your parcel left today.", Outcome::Pass, &[]),
            case("d", "Leave us a review please.", Outcome::Pass, &[]),
        ];
        let r = evaluate(&cases);
        assert_eq!((r.total.violations, r.total.flagged_violations), (2, 1));
        assert_eq!((r.total.compliant, r.total.blocked_compliant), (2, 1));
        assert_eq!(r.total.recall(), Some(0.5));
        assert_eq!(r.total.false_block_rate(), Some(0.5));
        assert_eq!(r.errors.len(), 2);
        assert!(!r.meets(0.97, 0.01));
        let review = r.by_rule[&Rule::AmazonReviewRequest];
        assert_eq!((review.found, review.found_expected), (2, 1));
        assert!(r.render("t").contains("amazon.review_request"));
    }

    #[test]
    fn corpus_lines_are_parsed_and_errors_name_the_line() {
        let ok = r#"{"id":"x","lang":"it","channel":"amazon","marketplace":"it","body":"Ciao","expected_verdict":"pass","expected_rules":[]}"#;
        assert_eq!(parse_corpus(&format!("{ok}\n\n{ok}\n")).unwrap().len(), 2);
        let err = parse_corpus(&format!("{ok}\n{{\"id\":1}}")).unwrap_err();
        assert_eq!(err.line, 2);
    }
}
