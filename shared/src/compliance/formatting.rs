//! Heavy formatting, which Amazon discourages in buyer messages: shouting in capitals, rows of
//! exclamation marks, HTML tags, markdown bold and headers, and walls of bullet points.
//!
//! Thresholds are chosen so that normal replies never trip them: carrier names and acronyms
//! in capitals ("DHL", "BRT", "IBAN", "POSTE ITALIANE") stay below the capitals threshold, a
//! single "!" per sentence is fine, and numbered return steps are not bullets.

use std::sync::LazyLock;

use regex::Regex;

/// What kind of formatting a span is, for the finding's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Capitals,
    Exclamations,
    Html,
    Markdown,
    Bullets,
}

/// A run of capitals is shouting from this many words and letters on…
const CAPS_RUN_WORDS: usize = 3;
const CAPS_RUN_LETTERS: usize = 12;
/// …or a single capitalised word from this many letters ("ATTENZIONE", "IMMEDIATELY").
const CAPS_WORD_LETTERS: usize = 10;
/// More "!" than this in one message is a warning even when they are not adjacent.
const MAX_EXCLAMATIONS: usize = 3;
/// This many consecutive bullet lines make a wall.
const BULLET_WALL_LINES: usize = 6;

static CAPS_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\p{Lu}{2,}\b(?:[ \t]+\b\p{Lu}{2,}\b)*").expect("valid regex"));
static EXCLAMATION_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[!¡]{2,}|[!?¡¿]{3,}").expect("valid regex"));
static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>\n]*)?/?>").expect("valid regex")
});
static MARKDOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)\*\*[^*\n]+\*\*|__[^_\n]+__|^[ \t]*#{1,6}[ \t]+\S.*$").expect("valid regex")
});
static BULLET_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[ \t]*[-*•·–][ \t]+\S").expect("valid regex"));

/// Formatting problems in `body` (byte offsets), unsorted.
pub(crate) fn find(body: &str) -> Vec<(usize, usize, Kind)> {
    let mut out = Vec::new();
    for m in CAPS_RUN.find_iter(body) {
        let words: Vec<usize> = m
            .as_str()
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().count())
            .collect();
        let letters: usize = words.iter().sum();
        let shouting = (words.len() >= CAPS_RUN_WORDS && letters >= CAPS_RUN_LETTERS)
            || words.iter().any(|&n| n >= CAPS_WORD_LETTERS);
        if shouting {
            out.push((m.start(), m.end(), Kind::Capitals));
        }
    }
    out.extend(
        EXCLAMATION_RUN
            .find_iter(body)
            .map(|m| (m.start(), m.end(), Kind::Exclamations)),
    );
    if let Some((i, c)) = body.match_indices('!').nth(MAX_EXCLAMATIONS) {
        out.push((i, i + c.len(), Kind::Exclamations));
    }
    out.extend(
        HTML_TAG
            .find_iter(body)
            .map(|m| (m.start(), m.end(), Kind::Html)),
    );
    out.extend(
        MARKDOWN
            .find_iter(body)
            .map(|m| (m.start(), m.end(), Kind::Markdown)),
    );
    out.extend(
        bullet_walls(body)
            .into_iter()
            .map(|(s, e)| (s, e, Kind::Bullets)),
    );
    out
}

fn bullet_walls(body: &str) -> Vec<(usize, usize)> {
    let mut walls = Vec::new();
    let mut run: Option<(usize, usize, usize)> = None; // (start, end, lines)
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if BULLET_LINE.is_match(content) {
            let end = offset + content.len();
            run = Some(match run {
                Some((s, _, n)) => (s, end, n + 1),
                None => (offset, end, 1),
            });
        } else if !content.trim().is_empty() {
            walls.extend(
                run.take()
                    .filter(|r| r.2 >= BULLET_WALL_LINES)
                    .map(|r| (r.0, r.1)),
            );
        }
        offset += line.len();
    }
    walls.extend(run.filter(|r| r.2 >= BULLET_WALL_LINES).map(|r| (r.0, r.1)));
    walls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(body: &str) -> Vec<(Kind, &str)> {
        let mut found = find(body);
        found.sort_by_key(|f| f.0);
        found
            .into_iter()
            .map(|(s, e, k)| (k, &body[s..e]))
            .collect()
    }

    #[test]
    fn shouting_is_flagged_but_carrier_names_and_acronyms_are_not() {
        assert_eq!(
            kinds("Hello. PLEASE READ THIS CAREFULLY before returning."),
            vec![(Kind::Capitals, "PLEASE READ THIS CAREFULLY")]
        );
        assert_eq!(
            kinds("ATTENZIONE: leggere"),
            vec![(Kind::Capitals, "ATTENZIONE")]
        );
        assert!(
            kinds("Shipped with POSTE ITALIANE, DHL or BRT; send the IBAN? no. USB-C, HDMI.")
                .is_empty()
        );
    }

    #[test]
    fn exclamation_runs_and_many_exclamations_are_flagged_one_is_not() {
        assert!(kinds("¡Hola! Gracias por su mensaje!").is_empty());
        assert_eq!(kinds("Thanks!!"), vec![(Kind::Exclamations, "!!")]);
        assert_eq!(
            kinds("Hi! Yes! Sure! Done! Bye"),
            vec![(Kind::Exclamations, "!")]
        );
    }

    #[test]
    fn html_and_markdown_are_flagged() {
        assert_eq!(kinds("<b>Hi</b>").len(), 2);
        assert_eq!(
            kinds("It is **very** important"),
            vec![(Kind::Markdown, "**very**")]
        );
        assert_eq!(
            kinds("## Return steps\nok"),
            vec![(Kind::Markdown, "## Return steps")]
        );
        assert!(kinds("5 < 6 and 7 > 3, order #123, 2*3*4").is_empty());
    }

    #[test]
    fn six_bullet_lines_are_a_wall_but_numbered_steps_are_not() {
        let wall = "Features:\n- a\n- b\n- c\n- d\n- e\n- f\nThanks";
        assert_eq!(
            kinds(wall),
            vec![(Kind::Bullets, "- a\n- b\n- c\n- d\n- e\n- f")]
        );
        let short = "- a\n- b\n- c\n- d\n- e\n";
        assert!(kinds(short).is_empty());
        let steps = "1. Go to Your Orders\n2. Pick the order\n3. Return\n4. Print\n5. Pack\n6. Ship\n7. Done";
        assert!(kinds(steps).is_empty());
    }
}
