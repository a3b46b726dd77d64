//! Lexicon matching: one Aho-Corasick automaton over the phrases of every language, run on
//! folded text (see `text.rs`), with whole-word checks done here because Aho-Corasick knows
//! nothing about words.
//!
//! The phrase lists themselves are data, one file per language. Phrase syntax:
//! - matching is case- and accent-insensitive (`recensione` matches `RECENSIÓNE`);
//! - a phrase matches whole words only, unless it starts or ends with `*`, which lets it sit
//!   inside a longer word on that side (`*bewertung*` matches `Produktbewertungen`); the finding
//!   then covers the whole word;
//! - `Benign` phrases are exceptions: a risky match that lies entirely inside a benign match is
//!   dropped ("review" inside "the review of your case").

mod de;
mod en;
mod es;
mod fr;
mod it;

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use super::language::{Language, LanguageSet};
use super::text::Folded;

/// What a phrase is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    /// Asking for a review, feedback, rating or stars, or rewarding one.
    Review,
    /// Discounts, coupons, sales, gifts, other products, social media, call-to-action wording.
    Promotion,
    /// A price word that is promotion only in context ("discount", "sconto", "Angebote"): a
    /// warning unless `intent.rs` finds promotional intent around it.
    PromoMention,
    /// Paying outside the marketplace's checkout: bank transfer, IBAN, Western Union…
    Payment,
    /// A wallet that is off-platform on Amazon but part of eBay's own checkout (PayPal).
    Wallet,
    /// Moving the conversation or the sale elsewhere: our website, WhatsApp, call us…
    OffPlatform,
    /// An exception that neutralises the risky matches it contains.
    Benign,
    /// A word that makes a nearby number look like a phone number ("tel.", "chiamaci").
    PhoneCue,
    /// A word that makes a nearby number look like a reference ("order", "Sendungsnummer").
    ReferenceCue,
}

impl Category {
    fn is_risky(self) -> bool {
        matches!(
            self,
            Category::Review
                | Category::Promotion
                | Category::PromoMention
                | Category::Payment
                | Category::Wallet
                | Category::OffPlatform
        )
    }
}

/// One phrase of a lexicon.
pub(crate) type Entry = (Category, &'static str);

/// A language's grammar of intent: regex alternations (case-insensitive, matched on the
/// original text as whole words) that `intent.rs` combines per sentence to tell a request
/// from a mention. An empty string means "none in this language".
pub(crate) struct Grammar {
    /// Words about reviews that alone are no finding, only evidence when asked for
    /// ("experience", "comment", "opinion"): they need a request verb and an audience.
    pub(crate) weak: &'static str,
    /// Verbs of giving, posting or changing a review, close before the review word
    /// ("leave", "lasci", "laissez", "déjenos") or, for German, closing the clause.
    pub(crate) request: &'static str,
    /// Request verbs that close a German clause after the review word ("… zu hinterlassen").
    pub(crate) request_after: &'static str,
    /// Conditionals, polite requests and invitations anywhere in the sentence ("would",
    /// "if you", "potrebbe", "wenn Sie", "n'oubliez pas", "le agradeceríamos").
    pub(crate) marker: &'static str,
    /// Links of an exchange ("in return for", "per ogni", "als Dankeschön", "a cambio").
    pub(crate) exchange: &'static str,
    /// Rewards: refunds, gifts, vouchers, money ("refund", "rimborso", "Gutschein").
    pub(crate) incentive: &'static str,
    /// Thanking, right before a review word: "thank you for your feedback" is a mention.
    pub(crate) thanks: &'static str,
    /// Who reads a review: other buyers, the product page, Amazon.
    pub(crate) audience: &'static str,
    /// Invitations to look, browse or buy ("have a look at", "scopra", "entdecken Sie").
    pub(crate) promo_verb: &'static str,
    /// Other products of the seller: ranges, collections, launches, the store.
    pub(crate) promo_range: &'static str,
    /// Price cuts and sales ("on sale", "in saldo", "reduziert", "soldes", "rebajas").
    pub(crate) promo_deal: &'static str,
    /// Time pressure ("this week only", "fino a domenica", "solange der Vorrat reicht").
    pub(crate) urgency: &'static str,
}

pub(crate) fn grammar(lang: Language) -> &'static Grammar {
    match lang {
        Language::En => &en::GRAMMAR,
        Language::It => &it::GRAMMAR,
        Language::De => &de::GRAMMAR,
        Language::Fr => &fr::GRAMMAR,
        Language::Es => &es::GRAMMAR,
    }
}

/// Language-independent patterns, matched on the original text (case-insensitive).
const PATTERNS: &[(Category, &str)] = &[
    // "20% off", "20 % OFF"
    (Category::Promotion, r"(?i)\b\d{1,3}\s?%\s*off\b"),
    // "-20%" as a price cut, not "-20°C"
    (Category::Promotion, r"(?:^|[\s(])-\s?\d{1,2}\s?%"),
    // "10% di sconto", "10 % de réduction", "10% de descuento", "10 % de remise"
    (
        Category::Promotion,
        r"(?i)\b\d{1,3}\s?%\s*(?:di sconto|de r[ée]duction|de remise|de descuento)",
    ),
];

/// A lexicon hit in original byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) category: Category,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

struct Pattern {
    language: Language,
    category: Category,
    open_start: bool,
    open_end: bool,
}

struct Lexicon {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    regexes: Vec<(Category, Regex)>,
}

fn entries(lang: Language) -> &'static [Entry] {
    match lang {
        Language::En => en::ENTRIES,
        Language::It => it::ENTRIES,
        Language::De => de::ENTRIES,
        Language::Fr => fr::ENTRIES,
        Language::Es => es::ENTRIES,
    }
}

static LEXICON: LazyLock<Lexicon> = LazyLock::new(|| {
    let mut needles = Vec::new();
    let mut patterns = Vec::new();
    for lang in Language::ALL {
        for &(category, phrase) in entries(lang) {
            let open_start = phrase.starts_with('*');
            let open_end = phrase.ends_with('*');
            needles.push(Folded::fold(phrase.trim_matches('*')));
            patterns.push(Pattern {
                language: lang,
                category,
                open_start,
                open_end,
            });
        }
    }
    let automaton = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&needles)
        .expect("lexicon phrases build an automaton");
    let regexes = PATTERNS
        .iter()
        .map(|&(c, p)| (c, Regex::new(p).expect("lexicon pattern is a valid regex")))
        .collect();
    Lexicon {
        automaton,
        patterns,
        regexes,
    }
});

/// Every risky phrase and cue of the given languages in `body`, benign exceptions applied,
/// sorted by start. Offsets are original bytes.
pub(crate) fn scan(body: &str, folded: &Folded, languages: LanguageSet) -> Vec<Hit> {
    let lex = &*LEXICON;
    let text = folded.as_str();
    let mut hits = Vec::new();
    let mut benign = Vec::new();
    for m in lex.automaton.find_overlapping_iter(text) {
        let p = &lex.patterns[m.pattern().as_usize()];
        if !languages.contains(p.language) {
            continue;
        }
        let (mut s, mut e) = (m.start(), m.end());
        if p.open_start {
            s = folded.word_start(s);
        } else if !folded.boundary_before(s) {
            continue;
        }
        if p.open_end {
            e = folded.word_end(e);
        } else if !folded.boundary_after(e) {
            continue;
        }
        let (start, end) = folded.original_span(s, e);
        let hit = Hit {
            category: p.category,
            start,
            end,
        };
        if p.category == Category::Benign {
            benign.push(hit);
        } else {
            hits.push(hit);
        }
    }
    for (category, re) in &lex.regexes {
        hits.extend(re.find_iter(body).map(|m| {
            // The optional leading separator is context, not part of the finding.
            let lead =
                m.as_str().len() - m.as_str().trim_start_matches(['(', ' ', '\t', '\n']).len();
            Hit {
                category: *category,
                start: m.start() + lead,
                end: m.end(),
            }
        }));
    }
    hits.retain(|h| {
        !(h.category.is_risky() && benign.iter().any(|b| b.start <= h.start && h.end <= b.end))
    });
    hits.sort_by_key(|h| (h.start, h.end));
    hits.dedup_by(|a, b| a.category == b.category && a.start == b.start && a.end == b.end);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn risky(body: &str, lang: Language) -> Vec<(Category, String)> {
        let folded = Folded::new(body);
        scan(
            body,
            &folded,
            LanguageSet::default().with(Language::En).with(lang),
        )
        .into_iter()
        .filter(|h| h.category.is_risky())
        .map(|h| (h.category, body[h.start..h.end].to_owned()))
        .collect()
    }

    #[test]
    fn every_phrase_is_non_empty_after_folding() {
        for lang in Language::ALL {
            for (_, phrase) in entries(lang) {
                assert!(
                    !Folded::fold(phrase.trim_matches('*')).is_empty(),
                    "{lang:?}: {phrase:?}"
                );
            }
        }
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(risky("the wholesale price", Language::En).is_empty());
        assert!(risky("lo scontrino è allegato", Language::It).is_empty());
        assert_eq!(
            risky("uno sconto del 10", Language::It),
            vec![(Category::PromoMention, "sconto".into())]
        );
    }

    #[test]
    fn matching_ignores_case_and_accents_but_reports_original_text() {
        assert_eq!(
            risky("Déjenos una RESENA, por favor", Language::Es),
            vec![(Category::Review, "RESENA".into())]
        );
        assert_eq!(
            risky("Un commentaire CINQ ÉTOILES ?", Language::Fr),
            vec![(Category::Review, "CINQ ÉTOILES".into())]
        );
    }

    #[test]
    fn open_ended_phrases_cover_the_whole_compound_word() {
        assert_eq!(
            risky(
                "Über eine Produktbewertung würden wir uns freuen",
                Language::De
            ),
            vec![(Category::Review, "Produktbewertung".into())]
        );
    }

    #[test]
    fn benign_phrases_neutralise_what_they_contain_only() {
        assert!(risky("We finished the review of your case today.", Language::En).is_empty());
        assert!(risky("Our review of the photos is done.", Language::En).is_empty());
        // Handling phrasings only: "post a review of the kettle" keeps its review words.
        assert_eq!(
            risky("Please leave a review of your purchase.", Language::En),
            vec![
                (Category::Review, "leave a review".into()),
                (Category::Review, "review".into())
            ]
        );
        assert_eq!(
            risky("Post a review of the kettle.", Language::En),
            vec![(Category::Review, "review".into())]
        );
    }

    #[test]
    fn languages_outside_the_set_are_not_scanned() {
        assert!(risky("uno sconto del 10", Language::De).is_empty());
    }

    #[test]
    fn percent_off_is_promotion_but_a_plain_percentage_is_not() {
        assert_eq!(
            risky("Get 20% OFF today", Language::En),
            vec![(Category::Promotion, "20% OFF".into())]
        );
        assert!(risky("It is 100% cotton and -5°C rated", Language::En).is_empty());
    }
}
