//! The outgoing-message compliance checker (DESIGN §1, §5). Pure: text in, verdict out.
//!
//! [`check`] runs every reply, template and automatic draft against the rules of the channel
//! it goes to. Its JSON is a public contract, printed as-is by `POST /v1/compliance/check` and
//! `marketdesk check`:
//!
//! ```json
//! {
//!   "verdict": "block",
//!   "language": "it",
//!   "findings": [
//!     { "rule": "amazon.review_request", "severity": "block", "start": 0, "end": 22,
//!       "excerpt": "Ci lasci cinque stelle",
//!       "message": "Asks for a review, feedback or rating (pattern review.request).",
//!       "suggestion": "Remove any mention of reviews, feedback, ratings or stars. …" }
//!   ]
//! }
//! ```
//!
//! (for `{"channel": "amazon", "marketplace": "amazon.it", "body": "Ci lasci cinque stelle"}`)
//!
//! - `verdict` is `block` if any finding blocks, `warn` if any warns, else `pass`. A `block`
//!   makes the API answer 422 and keeps the reply out of the outbound queue; a `warn` never
//!   does (the agent sees the finding and its suggestion and may send).
//! - `severity` is per finding: one rule can block (a review *request*: "ci lasci cinque
//!   stelle") or warn (a review word merely *mentioned*: "grazie per il suo feedback", which
//!   Amazon's filter may still hold). `message` names the pattern that fired
//!   (`pattern review.request`, `review.mention`, `promotion.invitation`…); `suggestion` says
//!   what to remove or how to reword. How requests are told from mentions: `intent.rs`.
//! - `start`/`end` are a half-open range in **Unicode scalar values (chars) of `body`** — the
//!   indices of Rust's `chars()`, Python's `str` and JavaScript's `Array.from(body)`; not
//!   UTF-16 code units (an emoji counts 1 here, 2 in a JS string index).
//! - `excerpt` is `body[start..end]`, cut to 120 chars with a trailing `…` when longer.
//! - Findings are sorted by `start` (then `end`, then rule id); two findings of the same rule
//!   never overlap (overlapping matches are merged into one span).
//! - `rule` ids are stable (see [`Rule`]); `message` and `suggestion` are English prose for
//!   the agent and may be reworded between versions.
//!
//! Channels: Amazon gets all `amazon.*` rules (§1); eBay gets `ebay.off_platform_contact` and
//! `ebay.off_platform_payment`; Shopify and the store's e-mail are the seller's own channels,
//! so no marketplace rule applies there. `template.unfilled_placeholder` applies everywhere.
//! How the language is chosen and which lexicons are scanned: see `language.rs`.

mod channels;
mod contact;
mod emoji;
pub mod eval;
mod formatting;
mod intent;
mod language;
pub use language::confident_language;
mod lexicon;
mod links;
mod placeholders;
mod rules;
pub(crate) mod text;

use serde::{Deserialize, Serialize};

use crate::domain::Channel;

pub use rules::Rule;

use channels::{Raw, Scan};
use text::{Folded, char_offset};

/// Longest excerpt, in chars, before it is cut with "…".
const EXCERPT_MAX_CHARS: usize = 120;

/// What to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRequest {
    pub channel: Channel,
    /// The marketplace the reply goes to: `it`, `amazon.it`, `www.amazon.co.uk`, `EBAY_DE`, or
    /// an Amazon marketplace id (`APJ6JRA9NG5V4`). Sets the language when `language` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    /// The reply's language (`it`, `de-DE`); detected from the body when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub body: String,
}

/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Warn,
    Block,
}

/// How bad one finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warn,
    Block,
}

/// One problem in the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// First char of the span (Unicode scalar values, 0-based).
    pub start: usize,
    /// One past the last char of the span.
    pub end: usize,
    pub excerpt: String,
    pub message: String,
    pub suggestion: String,
}

/// The checker's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub verdict: Outcome,
    /// The language the message was checked in: the given one, else the marketplace's, else
    /// the detected one (ISO 639-1, e.g. `it`).
    pub language: String,
    pub findings: Vec<Finding>,
}

impl Verdict {
    /// True if the reply must not be sent (the API answers 422).
    pub fn is_blocked(&self) -> bool {
        self.verdict == Outcome::Block
    }
}

/// Checks one outgoing message against the rules of its channel.
pub fn check(request: &CheckRequest) -> Verdict {
    let body = request.body.as_str();
    let resolved = language::resolve(
        request.language.as_deref(),
        request.marketplace.as_deref(),
        body,
    );

    let mut raw: Vec<Raw> = placeholders::find(body)
        .into_iter()
        .map(|span| {
            Raw::new(
                Rule::TemplateUnfilledPlaceholder,
                span,
                "Unfilled template placeholder.",
            )
        })
        .collect();
    // The marketplaces' own message rules; a store's and a mailbox's replies have none.
    let rules: Option<fn(&Scan<'_>) -> Vec<Raw>> = match request.channel {
        Channel::Amazon => Some(channels::amazon),
        Channel::Ebay => Some(channels::ebay),
        Channel::Shopify | Channel::Email => None,
    };
    if let Some(rules) = rules {
        let folded = Folded::new(body);
        let scan = Scan {
            body,
            languages: resolved.scan,
            links: links::find(body),
            lexicon: lexicon::scan(body, &folded, resolved.scan),
        };
        raw.extend(rules(&scan));
    }

    let mut findings: Vec<Finding> = channels::merge(raw)
        .into_iter()
        .map(|r| finding(body, r))
        .collect();
    findings.sort_by_key(|f| (f.start, f.end, f.rule));
    let verdict = findings.iter().map(|f| match f.severity {
        Severity::Warn => Outcome::Warn,
        Severity::Block => Outcome::Block,
    });
    Verdict {
        verdict: verdict.max().unwrap_or(Outcome::Pass),
        language: resolved.code,
        findings,
    }
}

fn finding(body: &str, raw: Raw) -> Finding {
    let text = &body[raw.start..raw.end];
    let excerpt = if text.chars().count() > EXCERPT_MAX_CHARS {
        let mut cut: String = text.chars().take(EXCERPT_MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_owned()
    };
    Finding {
        rule: raw.rule,
        severity: raw.severity,
        start: char_offset(body, raw.start),
        end: char_offset(body, raw.end),
        excerpt,
        message: raw.message.to_owned(),
        suggestion: raw.suggestion.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amazon(marketplace: &str, body: &str) -> Verdict {
        check(&CheckRequest {
            channel: Channel::Amazon,
            marketplace: Some(marketplace.into()),
            language: None,
            body: body.into(),
        })
    }

    fn rules(v: &Verdict) -> Vec<&'static str> {
        v.findings.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn verdict_json_is_the_documented_contract() {
        let v = amazon("it", "Ci lasci cinque stelle 😊");
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["verdict"], "block");
        assert_eq!(json["language"], "it");
        let f = &json["findings"][0];
        assert_eq!(f["rule"], "amazon.review_request");
        assert_eq!(f["severity"], "block");
        assert_eq!(
            (f["start"].as_u64(), f["end"].as_u64()),
            (Some(0), Some(22))
        );
        assert_eq!(f["excerpt"], "Ci lasci cinque stelle");
        assert!(
            f["message"].is_string()
                && f["suggestion"]
                    .as_str()
                    .unwrap()
                    .contains("Request a Review")
        );
        let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "end",
                "excerpt",
                "message",
                "rule",
                "severity",
                "start",
                "suggestion"
            ]
        );
        let back: Verdict = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn request_json_accepts_missing_optionals() {
        let r: CheckRequest = serde_json::from_str(r#"{"channel":"amazon","body":"Hi"}"#).unwrap();
        assert_eq!((r.marketplace, r.language), (None, None));
    }

    #[test]
    fn offsets_are_chars_not_bytes() {
        let body = "Già spedito 😀 — è 🙂";
        let v = amazon("it", body);
        let chars: Vec<char> = body.chars().collect();
        for f in &v.findings {
            let span: String = chars[f.start..f.end].iter().collect();
            assert_eq!(span, f.excerpt);
        }
        assert_eq!(rules(&v), ["amazon.emoji", "amazon.emoji"]);
        assert_eq!(v.findings[0].start, 12);
    }

    #[test]
    fn compliant_reply_passes() {
        let v = amazon(
            "amazon.it",
            "Buongiorno, il suo ordine 305-1234567-1234567 è stato spedito con BRT. Può seguirlo qui: \
             https://vas.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz=123456789012. \
             Importo rimborsato: € 12,50. Cordiali saluti",
        );
        assert_eq!(v.verdict, Outcome::Pass, "{:#?}", v.findings);
    }

    #[test]
    fn warning_only_gives_warn() {
        let v = amazon("en", "Your parcel left today!!");
        assert_eq!(
            (v.verdict, rules(&v)),
            (Outcome::Warn, vec!["amazon.formatting"])
        );
    }

    #[test]
    fn overlapping_matches_of_one_rule_become_one_finding() {
        let v = amazon("en", "Please leave positive feedback");
        assert_eq!(v.findings.len(), 1);
        assert_eq!(v.findings[0].excerpt, "leave positive feedback");
        assert_eq!(v.findings[0].severity, Severity::Block);
    }

    #[test]
    fn findings_are_sorted_by_start() {
        let v = amazon(
            "en",
            "Use coupon SAVE10 😀 and visit myshop.com or call +44 20 7946 0958",
        );
        let starts: Vec<usize> = v.findings.iter().map(|f| f.start).collect();
        let mut sorted = starts.clone();
        sorted.sort_unstable();
        assert_eq!(starts, sorted);
        assert_eq!(
            rules(&v),
            [
                "amazon.promotion",
                "amazon.emoji",
                "amazon.external_link",
                "amazon.contact_details"
            ]
        );
    }

    #[test]
    fn http_links_are_flagged_even_to_amazon_but_bare_mentions_are_not() {
        let v = amazon(
            "en",
            "Order on Amazon.co.uk, details at http://www.amazon.co.uk/gp/css/order-history",
        );
        assert_eq!(rules(&v), ["amazon.external_link"]);
        assert!(v.findings[0].message.contains("https"));
    }

    #[test]
    fn amazon_review_link_is_a_review_request_and_lookalike_domains_are_external() {
        let v = amazon(
            "en",
            "Write it here: https://www.amazon.co.uk/review/create-review?asin=B0ABCDEF12",
        );
        assert_eq!(v.verdict, Outcome::Block);
        assert!(rules(&v).iter().all(|r| *r == "amazon.review_request"));
        let v = amazon(
            "en",
            "Deals at https://amazon.co.uk.deals-now.com/x, orders on www.amazon.it",
        );
        assert_eq!(rules(&v), ["amazon.external_link"]);
        assert_eq!(
            v.findings[0].excerpt,
            "https://amazon.co.uk.deals-now.com/x"
        );
    }

    #[test]
    fn business_english_around_review_and_contact_passes() {
        for body in [
            "Please review the attached invoice.",
            "We will review your order and get back to you.",
            "Please contact us directly through Amazon messages.",
            "The ISBN is 978-3-16-148410-0 and the SN: 2023-0045-7789.",
        ] {
            let v = amazon("en", body);
            assert_eq!(v.verdict, Outcome::Pass, "{body}: {:?}", v.findings);
        }
        assert_eq!(
            rules(&amazon("en", "Please review your purchase.")),
            ["amazon.review_request"]
        );
    }

    #[test]
    fn shopify_and_email_only_check_placeholders() {
        for channel in [Channel::Shopify, Channel::Email] {
            let v = check(&CheckRequest {
                channel,
                marketplace: None,
                language: None,
                body: "Leave us a 5-star review 😀, use coupon X at myshop.com, {{order_id}}"
                    .into(),
            });
            assert_eq!(rules(&v), ["template.unfilled_placeholder"], "{channel}");
            assert!(v.is_blocked());
        }
    }

    #[test]
    fn ebay_allows_paypal_checkout_but_not_friends_and_family() {
        let ebay = |body: &str| {
            check(&CheckRequest {
                channel: Channel::Ebay,
                marketplace: None,
                language: None,
                body: body.into(),
            })
        };
        assert_eq!(
            ebay("Your refund went back to your PayPal account.").verdict,
            Outcome::Pass
        );
        assert_eq!(
            rules(&ebay("Send it via PayPal friends and family to save fees.")),
            ["ebay.off_platform_payment"]
        );
    }

    #[test]
    fn a_mentioned_review_word_warns_with_a_rewording_and_a_request_blocks() {
        let v = amazon("en", "Thank you for your feedback about the size.");
        assert_eq!(v.verdict, Outcome::Warn);
        assert_eq!(v.findings[0].severity, Severity::Warn);
        assert!(v.findings[0].message.contains("review.mention"));
        assert!(
            v.findings[0]
                .suggestion
                .contains("thank you for letting us know")
        );
        assert!(!v.is_blocked());
        for (market, body) in [
            ("en", "Post a review and we will refund £5."),
            (
                "it",
                "Se il prodotto le è piaciuto, ci farebbe piacere una sua recensione.",
            ),
            (
                "de",
                "Wenn Sie zufrieden sind, würden wir uns über eine Bewertung freuen.",
            ),
            ("fr", "Pourriez-vous nous laisser un avis ?"),
            ("es", "¿Podría dejarnos una valoración?"),
        ] {
            let v = amazon(market, body);
            assert!(v.is_blocked(), "{body}: {:?}", v.findings);
            assert!(
                v.findings
                    .iter()
                    .all(|f| f.message.contains("pattern review."))
            );
        }
    }

    #[test]
    fn promotion_without_trigger_words_blocks_in_every_language() {
        for (market, body) in [
            (
                "en",
                "While you wait, have a look at our new autumn range of throws.",
            ),
            (
                "it",
                "Ha visto la nostra nuova linea di borracce? La trova nel nostro negozio.",
            ),
            (
                "de",
                "Besuchen Sie unseren Shop auf Amazon für weitere Produkte.",
            ),
            ("fr", "Découvrez notre nouvelle gamme de bougies."),
            (
                "es",
                "Visite nuestra tienda en Amazon para ver el resto de nuestros productos.",
            ),
        ] {
            let v = amazon(market, body);
            assert!(v.is_blocked(), "{body}: {:?}", v.findings);
            assert!(rules(&v).contains(&"amazon.promotion"), "{body}");
        }
        let v = amazon(
            "en",
            "We have applied a discount of £3 to this order as a partial refund.",
        );
        assert!(!v.is_blocked(), "{:?}", v.findings);
    }

    #[test]
    fn obfuscated_contacts_are_caught_in_each_languages_spelling() {
        for (market, body) in [
            ("en", "Mail support [at] shop [dot] co [dot] uk"),
            ("it", "Scriva a info chiocciola casaverde punto it"),
            ("de", "Schreiben Sie an service(at)holzwerk(punkt)de"),
            ("fr", "Écrivez à contact arobase maisonlin point fr"),
            ("es", "Escríbanos a ventas arroba hogarsol punto es"),
        ] {
            assert_eq!(
                rules(&amazon(market, body)),
                ["amazon.contact_details"],
                "{body}"
            );
        }
    }

    #[test]
    fn carrier_links_need_a_tracking_path_not_just_the_host() {
        let ok = amazon(
            "es",
            "Siga su envío: https://www.seur.com/livetracking/?segOnlineIdentificador=123",
        );
        assert_eq!(ok.verdict, Outcome::Pass, "{:?}", ok.findings);
        let v = amazon(
            "es",
            "Horarios: https://www.seur.com/es/empresa/quienes-somos",
        );
        assert_eq!(rules(&v), ["amazon.external_link"]);
        assert!(v.findings[0].message.contains("not a tracking page"));
    }

    #[test]
    fn rule_ids_round_trip_through_strings_and_json() {
        for rule in Rule::ALL {
            assert_eq!(rule.as_str().parse::<Rule>().unwrap(), rule);
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
        }
    }
}
