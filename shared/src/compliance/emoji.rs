//! Emoji: every `Extended_Pictographic` character (faces, objects, ★, ☎, ✔, ❤…) with its
//! variation selector, skin tone and ZWJ continuation, plus flags (regional-indicator pairs,
//! tag sequences) and keycaps (1️⃣).
//!
//! Deliberately not emoji: ©, ® and ™ written as plain text (product names carry them; they
//! count only when followed by U+FE0F, which asks for emoji presentation), and symbols that are
//! not pictographs at all: ✓ (U+2713), arrows like →, •, €, §, °.
//!
//! Adjacent emoji form one finding ("🎉🎉🎉" is one span).

use std::sync::LazyLock;

use regex::Regex;

static EMOJI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[#*0-9]\x{FE0F}?\x{20E3}",
        r"|[\x{1F1E6}-\x{1F1FF}]{1,2}",
        r"|\p{Extended_Pictographic}\x{FE0F}?[\x{1F3FB}-\x{1F3FF}]?",
        r"(?:\x{200D}\p{Extended_Pictographic}\x{FE0F}?[\x{1F3FB}-\x{1F3FF}]?)*",
        r"[\x{E0020}-\x{E007F}]*",
    ))
    .expect("valid regex")
});

/// Text-presentation symbols that are pictographic in Unicode but normal in business text.
const TEXT_SYMBOLS: [&str; 3] = ["\u{00A9}", "\u{00AE}", "\u{2122}"];

/// Spans (byte offsets) of emoji runs in `body`.
pub(crate) fn find(body: &str) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for m in EMOJI.find_iter(body) {
        if TEXT_SYMBOLS.contains(&m.as_str()) {
            continue;
        }
        match runs.last_mut() {
            Some(last) if last.1 == m.start() => last.1 = m.end(),
            _ => runs.push((m.start(), m.end())),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(body: &str) -> Vec<&str> {
        find(body).into_iter().map(|(s, e)| &body[s..e]).collect()
    }

    #[test]
    fn faces_objects_and_stars_are_emoji() {
        assert_eq!(found("Grazie 😊 a presto"), vec!["😊"]);
        assert_eq!(found("★★★★★ please"), vec!["★★★★★"]);
        assert_eq!(found("Call ☎ or ✔ done ❤️"), vec!["☎", "✔", "❤️"]);
    }

    #[test]
    fn sequences_are_one_finding() {
        // family (ZWJ), thumbs up with skin tone, Italian flag, keycap one, Scotland (tags)
        let body = "a 👨‍👩‍👧 b 👍🏽 c 🇮🇹 d 1️⃣ e 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
        assert_eq!(found(body).len(), 5);
        assert_eq!(found(body)[0], "👨‍👩‍👧");
        assert_eq!(found(body)[2], "🇮🇹");
        assert_eq!(found("🎉🎉🎉!"), vec!["🎉🎉🎉"]);
    }

    #[test]
    fn trademark_signs_and_plain_symbols_are_not_emoji() {
        assert!(found("Acme™ Pro® © 2024 ✓ → • € 12,50 ° § 100% #1").is_empty());
        assert_eq!(found("Acme©\u{FE0F}"), vec!["©\u{FE0F}"]);
    }
}
