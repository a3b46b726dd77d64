//! Contact and payment details that are patterns rather than words: phone numbers, e-mail
//! addresses written to dodge filters ("info [at] shop [dot] it"), and IBANs.
//!
//! Phone numbers are the hard part, because seller replies are full of other numbers: Amazon
//! order ids (`305-1234567-1234567`), eBay order numbers (`12-34567-89012`), tracking numbers,
//! dates, prices. A digit run is a phone number when it has 8–15 digits (E.164 allows 15), is
//! not shaped like one of those, and either
//! - starts with `+` or `00 ` (international format), or is written in groups
//!   (`333 123 4567`, `06.12.34.56.78`, `(555) 123-4567`), unless a reference word ("order",
//!   "Sendungsnummer", "suivi"…) is the nearest cue before it; or
//! - is one unbroken run (`3331234567`) right after a phone word ("tel.", "chiamaci",
//!   "Handy"…) — unbroken runs are otherwise tracking, item or EAN numbers.

use std::sync::LazyLock;

use regex::Regex;

use super::lexicon::{Category, Hit};
use super::text::overlaps;

/// How far before a number (in bytes) a cue word still counts.
const CUE_WINDOW: usize = 40;

static PHONE_CANDIDATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d[\d \t\u{00A0}().\-/]*\d\)?").expect("valid regex"));
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}[./-]\d{1,2}[./-]\d{1,2}$|\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2}\b")
        .expect("valid regex")
});
static NOT_A_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    // Thousands-grouped amounts, Amazon order ids, eBay order numbers.
    Regex::new(r"^\d{1,3}(?:\.\d{3})+$|^\d{3}-\d{7}-\d{7}$|^\d{2}-\d{5}-\d{5}$")
        .expect("valid regex")
});
static OBFUSCATED_EMAIL: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    let at_word = r"(?:at|chiocciola|arroba|arobase|ät|klammeraffe)";
    let dot_word = r"(?:dot|punto|punkt|point)";
    [
        // info [at] shop [dot] it, info(at)shop.it
        Regex::new(&format!(
            r"(?i)\b[\w.+-]+\s*[\[({{]\s*{at_word}\s*[\])}}]\s*[\w-]+(?:\s*(?:\.|[\[({{]\s*{dot_word}\s*[\])}}]|\s{dot_word}\s)\s*[\w-]+)+"
        ))
        .expect("valid regex"),
        // info at shop dot it — plain words need the spelled-out dot too.
        Regex::new(&format!(r"(?i)\b[\w.+-]+\s+{at_word}\s+[\w-]+(?:\s+{dot_word}\s+[\w-]+)+")).expect("valid regex"),
    ]
});
static IBAN_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z]{2}\d{2}").expect("valid regex"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    International,
    Grouped,
    Unbroken,
}

/// Phone numbers in `body`, skipping `masked` spans (links, e-mail addresses). `cues` are the
/// lexicon hits of the message; only phone and reference cues are looked at.
pub(crate) fn phones(body: &str, masked: &[(usize, usize)], cues: &[Hit]) -> Vec<(usize, usize)> {
    PHONE_CANDIDATE
        .find_iter(body)
        .filter_map(|m| trim_parens(body, m.start(), m.end()))
        .filter(|&span| !masked.iter().any(|&k| overlaps(span, k)))
        .filter(|&(s, e)| standalone(body, s, e))
        .filter_map(|(s, e)| shape(&body[s..e]).map(|shape| (s, e, shape)))
        .filter(|&(s, _, shape)| {
            let cue = nearest_cue(cues, s);
            match shape {
                Shape::International | Shape::Grouped => cue != Some(Category::ReferenceCue),
                Shape::Unbroken => cue == Some(Category::PhoneCue),
            }
        })
        .map(|(s, e, _)| (s, e))
        .collect()
}

/// Drops an unbalanced leading `(` or trailing `)` picked up by the candidate pattern.
fn trim_parens(body: &str, mut s: usize, mut e: usize) -> Option<(usize, usize)> {
    let text = &body[s..e];
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    if closes > opens && text.ends_with(')') {
        e -= 1;
    } else if opens > closes && text.starts_with('(') {
        s += 1;
    }
    (s < e).then_some((s, e))
}

/// Not glued to a word or to another number ("ID-12345678", "ABC12345678", "1.5/12345678").
fn standalone(body: &str, s: usize, e: usize) -> bool {
    let mut before = body[..s].chars().rev();
    let prev_ok = match before.next() {
        None => true,
        Some(c) if c.is_alphanumeric() || "_@#&=".contains(c) => false,
        Some(c) if ".,/-".contains(c) => before.next().is_none_or(|p| !p.is_alphanumeric()),
        Some(_) => true,
    };
    let next_ok = body[e..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric() && !"%€$£@".contains(c));
    prev_ok && next_ok
}

fn shape(candidate: &str) -> Option<Shape> {
    let digits = candidate.chars().filter(char::is_ascii_digit).count();
    if !(8..=15).contains(&digits) || DATE.is_match(candidate) || NOT_A_PHONE.is_match(candidate) {
        return None;
    }
    // Separators between groups are short (" ", "-", ") ", " - "); longer gaps join two
    // unrelated numbers.
    let longest_gap = candidate
        .split(|c: char| c.is_ascii_digit())
        .skip(1)
        .map(|gap| gap.chars().count())
        .max()
        .unwrap_or(0);
    if longest_gap > 3 {
        return None;
    }
    let unbroken = candidate.chars().all(|c| c.is_ascii_digit());
    // An unbroken "00…" run is as likely a tracking number as a dialling prefix.
    if candidate.starts_with('+') || (candidate.starts_with("00") && !unbroken) {
        Some(Shape::International)
    } else if unbroken {
        Some(Shape::Unbroken)
    } else {
        Some(Shape::Grouped)
    }
}

/// The category of the cue word closest before `pos`, within [`CUE_WINDOW`].
fn nearest_cue(cues: &[Hit], pos: usize) -> Option<Category> {
    cues.iter()
        .filter(|h| matches!(h.category, Category::PhoneCue | Category::ReferenceCue))
        .filter(|h| h.end <= pos && pos - h.end <= CUE_WINDOW)
        .max_by_key(|h| (h.end, h.category == Category::PhoneCue))
        .map(|h| h.category)
}

/// E-mail addresses spelled out to dodge filters.
pub(crate) fn obfuscated_emails(body: &str) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = OBFUSCATED_EMAIL
        .iter()
        .flat_map(|re| re.find_iter(body).map(|m| (m.start(), m.end())))
        .collect();
    spans.sort_unstable();
    spans
}

/// IBANs with a valid ISO 13616 check digit, written compact or in groups of four.
pub(crate) fn ibans(body: &str) -> Vec<(usize, usize)> {
    let mut found: Vec<(usize, usize)> = Vec::new();
    for m in IBAN_START.find_iter(body) {
        if found.last().is_some_and(|&(_, e)| m.start() < e) {
            continue;
        }
        // Alphanumerics from the start, single spaces allowed between them, each with the
        // byte offset just past it.
        let mut compact = String::new();
        let mut ends = Vec::new();
        let mut prev_space = false;
        for (i, c) in body[m.start()..].char_indices() {
            if c.is_ascii_alphanumeric() {
                compact.push(c.to_ascii_uppercase());
                ends.push(m.start() + i + 1);
                prev_space = false;
            } else if c == ' ' && !prev_space {
                prev_space = true;
            } else {
                break;
            }
            if compact.len() == 34 {
                break;
            }
        }
        // The longest prefix that ends on a word boundary and checks out.
        let hit = (15..=compact.len()).rev().find(|&len| {
            let end = ends[len - 1];
            body[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
                && iban_checksum_ok(&compact[..len])
        });
        if let Some(len) = hit {
            found.push((m.start(), ends[len - 1]));
        }
    }
    found
}

fn iban_checksum_ok(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(category: Category, body: &str, word: &str) -> Hit {
        let start = body.find(word).unwrap();
        Hit {
            category,
            start,
            end: start + word.len(),
        }
    }

    fn found<'a>(body: &'a str, cues: &[Hit]) -> Vec<&'a str> {
        phones(body, &[], cues)
            .into_iter()
            .map(|(s, e)| &body[s..e])
            .collect()
    }

    #[test]
    fn international_and_grouped_numbers_are_phones() {
        for (body, number) in [
            ("Chiamaci al +39 333 123 4567.", "+39 333 123 4567"),
            ("Ruf an: 0049 30 12345678", "0049 30 12345678"),
            ("Appelez le 06.12.34.56.78 svp", "06.12.34.56.78"),
            ("Call (555) 123-4567 now", "(555) 123-4567"),
            ("Llame al 912 345 678", "912 345 678"),
            ("Ring 020 7946 0958", "020 7946 0958"),
            ("+442079460958", "+442079460958"),
        ] {
            assert_eq!(found(body, &[]), vec![number], "{body}");
        }
    }

    #[test]
    fn order_ids_dates_amounts_and_short_numbers_are_not_phones() {
        for body in [
            "Il tuo ordine 305-1234567-1234567 è partito",
            "eBay order 12-34567-89012 shipped",
            "Delivered on 12.05.2024 at 10:30",
            "Consegna prevista 2024-05-12",
            "Amount € 12,50 refunded, total 1.234.567 points",
            "Size 30 x 20 x 10 cm, item 1234567",
        ] {
            assert!(found(body, &[]).is_empty(), "{body}");
        }
    }

    #[test]
    fn unbroken_runs_need_a_phone_word_and_grouped_runs_yield_to_a_reference_word() {
        let body = "Tel. 3331234567";
        assert_eq!(
            found(body, &[cue(Category::PhoneCue, body, "Tel")]),
            vec!["3331234567"]
        );
        assert!(found("Tracking 003404341610", &[]).is_empty());
        let body = "Sendungsnummer 0034 0434 1610";
        assert!(found(body, &[cue(Category::ReferenceCue, body, "Sendungsnummer")]).is_empty());
    }

    #[test]
    fn numbers_glued_to_words_are_not_phones() {
        assert!(found("Ref ABC12345678 and ID-12345678", &[]).is_empty());
    }

    #[test]
    fn masked_spans_are_skipped() {
        let body = "https://www.dhl.de/x?piececode=0034 0434 1610";
        assert!(phones(body, &[(0, body.len())], &[]).is_empty());
    }

    #[test]
    fn obfuscated_emails_need_an_explicit_at_form() {
        let body = "Scrivi a info [at] negozio [punto] it oppure sales(at)shop.de";
        let spans: Vec<&str> = obfuscated_emails(body)
            .into_iter()
            .map(|(s, e)| &body[s..e])
            .collect();
        assert_eq!(
            spans,
            vec!["info [at] negozio [punto] it", "sales(at)shop.de"]
        );
        assert!(obfuscated_emails("It will arrive at home. Thanks").is_empty());
        assert_eq!(obfuscated_emails("write to mario at shop dot com").len(), 1);
    }

    #[test]
    fn ibans_are_found_only_with_a_valid_check_digit() {
        let body = "IBAN: IT60 X054 2811 1010 0000 0123 456 intestato a Rossi";
        let spans = ibans(body);
        assert_eq!(spans.len(), 1);
        assert_eq!(
            &body[spans[0].0..spans[0].1],
            "IT60 X054 2811 1010 0000 0123 456"
        );
        assert_eq!(ibans("DE89370400440532013000.").len(), 1);
        assert!(ibans("IT61 X054 2811 1010 0000 0123 456").is_empty());
        assert!(ibans("Tracking RR123456789IT").is_empty());
    }
}
