//! Intent: whether a sentence *asks* for a review or *promotes*, judged by its structure
//! rather than by single words (issue 15). Per sentence, per language grammar
//! (`lexicon::Grammar`):
//!
//! - `review.star_count` — a star count ("5 stars", "cinque stelle", "★★★★★"): block.
//! - `review.request` — a review word with a request verb at most [`VERB_WINDOW`] words
//!   before it ("leave us a review", "lasci una recensione", "déjenos una valoración"), or
//!   closing a German clause after it ("eine Bewertung zu hinterlassen"): block.
//! - `review.conditional` — a review word in a sentence with a conditional, polite request
//!   or invitation ("would", "if you", "potrebbe", "wenn Sie", "n'oubliez pas"): block.
//! - `review.incentive` — the same, with a reward or an exchange ("… and we will refund £5",
//!   "in return for", "per ogni recensione"): block.
//! - `review.weak_request` — a weak word ("experience", "commento", "Erfahrung") asked for
//!   with a request verb *and* an audience or reward ("share your experience with other
//!   buyers"): block.
//!
//! A review word right after a thank-you ("thank you for your feedback") is a mention:
//! it never blocks on a marker or verb (only a star count or an explicit exchange), and the
//! channel reports it as a warning.
//!
//! - `promotion.invitation` — an invitation verb with other products, a range or a sale
//!   ("have a look at our new autumn range", "visite nuestra tienda"): block.
//! - `promotion.sale` — a sale or price cut with a range or time pressure ("all our garden
//!   furniture is reduced this week only"): block.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

use super::language::{Language, LanguageSet};
use super::lexicon::{self, Category, Hit};

/// How many words may stand between a request verb and the review word it governs.
const VERB_WINDOW: usize = 4;
/// How many words may stand between a thank-you and the review word it thanks for.
const THANKS_WINDOW: usize = 3;

/// What an intent finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Review,
    Promotion,
}

/// One sentence-level finding (original byte offsets), with the pattern that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Intent {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) pattern: &'static str,
    pub(crate) message: &'static str,
}

struct Compiled {
    weak: Option<Regex>,
    request: Option<Regex>,
    request_after: Option<Regex>,
    marker: Option<Regex>,
    exchange: Option<Regex>,
    incentive: Option<Regex>,
    thanks: Option<Regex>,
    audience: Option<Regex>,
    promo_verb: Option<Regex>,
    promo_range: Option<Regex>,
    promo_deal: Option<Regex>,
    urgency: Option<Regex>,
}

fn words(alternation: &str) -> Option<Regex> {
    (!alternation.is_empty()).then(|| {
        RegexBuilder::new(&format!(r"\b(?:{alternation})\b"))
            .case_insensitive(true)
            .build()
            .expect("grammar alternation is a valid regex")
    })
}

static GRAMMARS: LazyLock<Vec<(Language, Compiled)>> = LazyLock::new(|| {
    Language::ALL
        .into_iter()
        .map(|lang| {
            let g = lexicon::grammar(lang);
            (
                lang,
                Compiled {
                    weak: words(g.weak),
                    request: words(g.request),
                    request_after: words(g.request_after),
                    marker: words(g.marker),
                    exchange: words(g.exchange),
                    incentive: words(g.incentive),
                    thanks: words(g.thanks),
                    audience: words(g.audience),
                    promo_verb: words(g.promo_verb),
                    promo_range: words(g.promo_range),
                    promo_deal: words(g.promo_deal),
                    urgency: words(g.urgency),
                },
            )
        })
        .collect()
});

static STAR_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(
        r"\b(?:[1-5]|one|two|three|four|five|uno|una|due|tre|quattro|cinque|ein|eine|einen|zwei|drei|vier|fünf|un|une|deux|trois|quatre|cinq|dos|tres|cuatro|cinco)(?:\s*-\s*|\s+|)(?:stars?|stell[ae]|stelline|stern|sterne|sternen|étoiles?|estrellas?)\b|\b(?:stars?|stelle|sterne|étoiles|estrellas)\s*(?:[1-5]|cinque|fünf|cinq|cinco)\b|[★☆✩✪✫✭✮✯✰]{2,}|\b[1-5]\s*/\s*5\b",
    )
    .case_insensitive(true)
    .build()
    .expect("valid regex")
});

static SENTENCE_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[.!?;…]+(?:\s+|$)|\n+").expect("valid regex"));

/// Sentences of `body` as byte ranges.
fn sentences(body: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for m in SENTENCE_END.find_iter(body) {
        if m.end() > start {
            out.push((start, m.end()));
        }
        start = m.end();
    }
    if start < body.len() {
        out.push((start, body.len()));
    }
    out
}

fn spans(re: &Option<Regex>, text: &str, offset: usize) -> Vec<(usize, usize)> {
    re.as_ref()
        .map(|re| {
            re.find_iter(text)
                .map(|m| (offset + m.start(), offset + m.end()))
                .collect()
        })
        .unwrap_or_default()
}

fn word_count(text: &str) -> usize {
    text.split(|c: char| c.is_whitespace() || c == '\'' || c == '’')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// English "review" as a verb ("so we can review them") is not a review word; as a noun it
/// follows a determiner or an adjective.
fn is_review_verb(body: &str, hit: &Hit) -> bool {
    let word = &body[hit.start..hit.end];
    if !word.eq_ignore_ascii_case("review") {
        return false;
    }
    let before = body[..hit.start].trim_end();
    let prev = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '-'))
        .next()
        .unwrap_or("")
        .to_lowercase();
    !matches!(
        prev.as_str(),
        "a" | "an"
            | "the"
            | "your"
            | "our"
            | "my"
            | "this"
            | "that"
            | "positive"
            | "honest"
            | "good"
            | "great"
            | "nice"
            | "quick"
            | "short"
            | "brief"
            | "fair"
            | "product"
            | "customer"
            | "amazon"
            | "seller"
            | "negative"
            | "bad"
            | "glowing"
            | "kind"
            | "detailed"
            | "little"
            | "written"
            | "star"
            | "5-star"
            | "five-star"
            | "1-star"
            | "one-star"
            | "favourable"
            | "favorable"
            | "genuine"
            | "new"
            | "updated"
    )
}

/// The review hits of the lexicon that really are review words (see [`is_review_verb`]).
pub(crate) fn review_words<'a>(body: &'a str, hits: &'a [Hit]) -> impl Iterator<Item = &'a Hit> {
    hits.iter()
        .filter(move |h| h.category == Category::Review && !is_review_verb(body, h))
}

/// Sentence-level review requests and promotions in `body`. `hits` are the lexicon hits
/// (benign exceptions already applied).
pub(crate) fn find(body: &str, hits: &[Hit], languages: LanguageSet) -> Vec<Intent> {
    let mut out = Vec::new();
    let reviews: Vec<&Hit> = review_words(body, hits).collect();
    for (s, e) in sentences(body) {
        let text = &body[s..e];
        let stars: Vec<(usize, usize)> = STAR_COUNT
            .find_iter(text)
            .map(|m| (s + m.start(), s + m.end()))
            .collect();
        let mut words: Vec<(usize, usize, bool)> = reviews
            .iter()
            .filter(|h| s <= h.start && h.end <= e)
            .map(|h| (h.start, h.end, false))
            .collect();
        for (lang, g) in GRAMMARS.iter() {
            if !languages.contains(*lang) {
                continue;
            }
            for w in spans(&g.weak, text, s) {
                if !words.iter().any(|x| x.0 < w.1 && w.0 < x.1) {
                    words.push((w.0, w.1, true));
                }
            }
        }
        if let Some(&first) = stars.first() {
            let end = stars.last().map_or(first.1, |l| l.1);
            out.push(Intent {
                kind: Kind::Review,
                start: first.0,
                end,
                pattern: "review.star_count",
                message: "Asks for or refers to a star rating (pattern review.star_count).",
            });
        }
        for &(ws, we, weak) in &words {
            if let Some(intent) = review_intent(body, (s, e), (ws, we), weak, languages) {
                out.push(intent);
            }
        }
        if let Some(intent) = promotion_intent(body, (s, e), languages) {
            out.push(intent);
        }
    }
    out
}

fn review_intent(
    body: &str,
    (s, e): (usize, usize),
    (ws, we): (usize, usize),
    weak: bool,
    languages: LanguageSet,
) -> Option<Intent> {
    let text = &body[s..e];
    let mut thanked = false;
    let mut verb: Option<(usize, usize)> = None;
    let mut marker: Option<(usize, usize)> = None;
    let mut exchange: Option<(usize, usize)> = None;
    let mut incentive = false;
    let mut audience = false;
    for (lang, g) in GRAMMARS.iter() {
        if !languages.contains(*lang) {
            continue;
        }
        thanked |= spans(&g.thanks, text, s)
            .iter()
            .any(|&(_, te)| te <= ws && word_count(&body[te..ws]) <= THANKS_WINDOW);
        let before = spans(&g.request, text, s).into_iter().find(|&(vs, ve)| {
            (ve <= ws && word_count(&body[ve..ws]) <= VERB_WINDOW) || (vs < we && ws < ve)
        });
        let after = spans(&g.request_after, text, s)
            .into_iter()
            .find(|&(vs, _)| vs >= we && word_count(&body[we..vs]) <= VERB_WINDOW + 2);
        verb = verb.or(before).or(after);
        marker = marker.or(spans(&g.marker, text, s).into_iter().next());
        exchange = exchange.or(spans(&g.exchange, text, s).into_iter().next());
        incentive |= !spans(&g.incentive, text, s).is_empty();
        audience |= !spans(&g.audience, text, s).is_empty();
    }
    let span =
        |cue: Option<(usize, usize)>| cue.map_or((ws, we), |(cs, ce)| (cs.min(ws), ce.max(we)));
    let intent = |(start, end): (usize, usize), pattern, message| Intent {
        kind: Kind::Review,
        start,
        end,
        pattern,
        message,
    };
    let rewarded = incentive || !thanked;
    if (exchange.is_some() && rewarded)
        || (incentive && !thanked && (verb.is_some() || marker.is_some()))
    {
        return Some(intent(
            span(exchange.or(verb).or(marker)),
            "review.incentive",
            "Offers something in return for a review (pattern review.incentive).",
        ));
    }
    if thanked {
        return None;
    }
    if weak {
        return ((verb.is_some() || marker.is_some()) && (audience || incentive)).then(|| {
            intent(
                span(verb),
                "review.weak_request",
                "Asks the buyer to share their experience publicly (pattern review.weak_request).",
            )
        });
    }
    if verb.is_some() {
        return Some(intent(
            span(verb),
            "review.request",
            "Asks for a review, feedback or rating (pattern review.request).",
        ));
    }
    marker.map(|m| {
        intent(
            span(Some(m)),
            "review.conditional",
            "Invites a review with a conditional or polite request (pattern review.conditional).",
        )
    })
}

fn promotion_intent(body: &str, (s, e): (usize, usize), languages: LanguageSet) -> Option<Intent> {
    let text = &body[s..e];
    let (mut verb, mut range, mut deal, mut urgency) = (None, None, None, None);
    for (lang, g) in GRAMMARS.iter() {
        if !languages.contains(*lang) {
            continue;
        }
        verb = verb.or(spans(&g.promo_verb, text, s).into_iter().next());
        range = range.or(spans(&g.promo_range, text, s).into_iter().next());
        deal = deal.or(spans(&g.promo_deal, text, s).into_iter().next());
        urgency = urgency.or(spans(&g.urgency, text, s).into_iter().next());
    }
    let join = |a: (usize, usize), b: (usize, usize)| (a.0.min(b.0), a.1.max(b.1));
    let (span, pattern, message) = match (verb, range.or(deal), deal, range.or(urgency)) {
        (Some(v), Some(o), _, _) => (
            join(v, o),
            "promotion.invitation",
            "Invites the buyer to other products, a range or a sale (pattern promotion.invitation).",
        ),
        (_, _, Some(d), Some(c)) if d != c => (
            join(d, c),
            "promotion.sale",
            "Advertises a sale or price cut (pattern promotion.sale).",
        ),
        _ => return None,
    };
    Some(Intent {
        kind: Kind::Promotion,
        start: span.0,
        end: span.1,
        pattern,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::text::Folded;

    fn patterns(body: &str) -> Vec<&'static str> {
        let langs = LanguageSet::all();
        let hits = lexicon::scan(body, &Folded::new(body), langs);
        find(body, &hits, langs)
            .into_iter()
            .map(|i| i.pattern)
            .collect()
    }

    #[test]
    fn a_review_word_asked_for_blocks_and_a_mention_does_not() {
        assert_eq!(
            patterns("If you are happy, please leave us a review."),
            ["review.request"]
        );
        assert_eq!(
            patterns("A short review would help us enormously."),
            ["review.conditional"]
        );
        assert!(patterns("Thank you for your feedback about the size.").is_empty());
        assert!(patterns("The review you read refers to the older model.").is_empty());
        assert!(patterns("Please send the photos so we can review them.").is_empty());
    }

    #[test]
    fn rewards_for_reviews_are_incentives() {
        assert_eq!(
            patterns("Post a review and we will refund £5."),
            ["review.incentive"]
        );
        assert_eq!(
            patterns("Lasci una recensione e le rimborseremo 5 euro."),
            ["review.incentive"]
        );
    }

    #[test]
    fn star_counts_block_in_every_language() {
        for body in [
            "Give us 5 stars",
            "cinque stelle",
            "fünf Sterne",
            "cinq étoiles",
            "cinco estrellas",
            "★★★★★",
        ] {
            assert!(patterns(body).contains(&"review.star_count"), "{body}");
        }
    }

    #[test]
    fn promotion_needs_an_invitation_or_a_sale_in_context() {
        assert_eq!(
            patterns("Have a look at our new autumn range of throws."),
            ["promotion.invitation"]
        );
        assert_eq!(
            patterns("Nur diese Woche: alles aus unserem Sortiment ist reduziert."),
            ["promotion.sale"]
        );
        assert!(patterns("We will send you a replacement tomorrow.").is_empty());
        assert!(patterns("The sale price was applied by Amazon at checkout.").is_empty());
    }

    #[test]
    fn sentences_split_on_terminal_punctuation_and_lines() {
        assert_eq!(
            sentences("A. B? C\nD"),
            vec![(0, 3), (3, 6), (6, 8), (8, 9)]
        );
    }
}
