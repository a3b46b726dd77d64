//! Keyword conditions: whole words or phrases in subject and body, matched ignoring case,
//! accents and whitespace runs, with the compliance checker's folding (so `Rückerstattung`,
//! `RUCKERSTATTUNG` and `rückerstattung` are one word in every language).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::compliance::text::Folded;

/// Keyword lists of a rule; each list that is non-empty must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordSet {
    /// At least one of these occurs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<String>,
    /// Every one of these occurs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all_of: Vec<String>,
    /// None of these occurs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none_of: Vec<String>,
}

impl KeywordSet {
    pub fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.all_of.is_empty() && self.none_of.is_empty()
    }

    /// Every keyword, in list order (`any_of`, `all_of`, `none_of`).
    fn all(&self) -> impl Iterator<Item = &String> {
        self.any_of.iter().chain(&self.all_of).chain(&self.none_of)
    }

    /// Whether the lists hold for a message. Subject and body are searched separately, so a
    /// phrase never matches across the two.
    pub fn matches(&self, subject: &str, body: &str) -> bool {
        if self.is_empty() {
            return true;
        }
        let patterns: Vec<String> = self.all().map(|k| Folded::fold(k)).collect();
        let Ok(matcher) = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
        else {
            // Validated keywords always build; an unbuildable set matches nothing rather than
            // everything.
            return false;
        };
        let mut found = vec![false; patterns.len()];
        for text in [subject, body] {
            mark_whole_words(&matcher, &Folded::new(text), &mut found);
        }
        let (any, rest) = found.split_at(self.any_of.len());
        let (all, none) = rest.split_at(self.all_of.len());
        (any.is_empty() || any.iter().any(|f| *f))
            && all.iter().all(|f| *f)
            && none.iter().all(|f| !*f)
    }
}

/// Marks every pattern that occurs in `text` as a whole word (no letter or digit touching it).
fn mark_whole_words(matcher: &AhoCorasick, text: &Folded, found: &mut [bool]) {
    // Overlapping search: "box" inside "boxes" must not hide the whole word "box" after it.
    for m in matcher.find_overlapping_iter(text.as_str()) {
        if text.boundary_before(m.start()) && text.boundary_after(m.end()) {
            found[m.pattern().as_usize()] = true;
        }
    }
}
