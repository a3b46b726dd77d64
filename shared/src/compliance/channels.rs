//! Which detections count as which rule on each channel.
//!
//! Amazon: every rule of DESIGN §1. eBay: contact details, outside links and invitations to
//! deal off eBay (`ebay.off_platform_contact`), payment routes outside eBay checkout
//! (`ebay.off_platform_payment`); PayPal is part of eBay checkout and so not flagged there,
//! unlike "PayPal friends and family" or a paypal.me link. Shopify and the store's own e-mail
//! are the seller's own channels: no marketplace rules apply (only unfilled placeholders, which
//! `check` applies everywhere).

use super::Severity;
use super::contact;
use super::emoji;
use super::formatting::{self, Kind as Format};
use super::intent::{self, Intent, Kind as IntentKind};
use super::language::LanguageSet;
use super::lexicon::{Category, Hit};
use super::links::{self, Kind as LinkKind, Link};
use super::rules::Rule;
use super::text::overlaps;

/// A finding before offsets are converted and duplicates merged (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) rule: Rule,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) severity: Severity,
    pub(crate) message: &'static str,
    pub(crate) suggestion: &'static str,
}

impl Raw {
    /// A finding with its rule's usual severity and advice.
    pub(crate) fn new(rule: Rule, (start, end): (usize, usize), message: &'static str) -> Self {
        Raw {
            rule,
            start,
            end,
            severity: rule.severity(),
            message,
            suggestion: rule.suggestion(),
        }
    }

    fn warn(
        rule: Rule,
        span: (usize, usize),
        message: &'static str,
        suggestion: &'static str,
    ) -> Self {
        Raw {
            severity: Severity::Warn,
            suggestion,
            ..Raw::new(rule, span, message)
        }
    }

    fn from_intent(rule: Rule, intent: &Intent) -> Self {
        Raw::new(rule, (intent.start, intent.end), intent.message)
    }
}

/// Advice for a review word that is only mentioned.
const REVIEW_MENTION: &str = "Amazon's filter scans this word and may hold the message for review, \
     even when nothing is asked. Reword it: \"thank you for letting us know\" instead of \"thank \
     you for your feedback\", \"the comment on the product page\" instead of \"the review\", \
     \"assessment\" instead of \"rating\".";

/// Advice for a price word without promotional intent.
const PROMO_MENTION: &str = "A price word on its own is allowed, but Amazon's filter may read it as \
     promotion. Say what happens to this order (\"we have refunded 5 € of the price\") rather \
     than naming a discount or an offer.";

/// Everything the detectors found in one body, shared by the channel rules.
pub(crate) struct Scan<'a> {
    pub(crate) body: &'a str,
    pub(crate) languages: LanguageSet,
    pub(crate) links: Vec<Link>,
    pub(crate) lexicon: Vec<Hit>,
}

impl Scan<'_> {
    fn link_spans(&self) -> Vec<(usize, usize)> {
        self.links.iter().map(|l| (l.start, l.end)).collect()
    }

    /// Risky lexicon hits, minus words that are only part of a link's path (a shop's
    /// `/sale` page is reported as the link itself). Review words stay even there: an
    /// `amazon…/review/create-review` link is a review request.
    fn phrases(&self) -> impl Iterator<Item = &Hit> {
        let spans = self.link_spans();
        self.lexicon.iter().filter(move |h| {
            h.category == Category::Review || !spans.iter().any(|&l| l.0 <= h.start && h.end <= l.1)
        })
    }

    fn phones(&self) -> Vec<(usize, usize)> {
        contact::phones(self.body, &self.link_spans(), &self.lexicon)
    }
}

pub(crate) fn amazon(scan: &Scan) -> Vec<Raw> {
    let mut out = Vec::new();
    for link in &scan.links {
        let span = (link.start, link.end);
        match link.kind {
            LinkKind::Email if !links::is_amazon_host(&link.host) => {
                out.push(Raw::new(
                    Rule::AmazonContactDetails,
                    span,
                    "E-mail address in the message.",
                ));
            }
            LinkKind::Email => {}
            LinkKind::Url => {
                let url = &scan.body[link.start..link.end];
                let allowed = links::is_amazon_host(&link.host) || links::is_tracking_link(url);
                if !allowed && links::is_carrier_host(&link.host) {
                    out.push(Raw::new(
                        Rule::AmazonExternalLink,
                        span,
                        "Carrier site, but not a tracking page: only tracking links are allowed.",
                    ));
                } else if !allowed {
                    out.push(Raw::new(
                        Rule::AmazonExternalLink,
                        span,
                        "Link to a site that is neither Amazon nor a carrier's tracking page.",
                    ));
                } else if links::is_amazon_host(&link.host) && links::is_review_page(url) {
                    out.push(Raw::new(
                        Rule::AmazonReviewRequest,
                        span,
                        "Link to Amazon's review or feedback form (pattern review.link).",
                    ));
                } else if link.scheme.as_deref().is_some_and(|s| s != "https") {
                    out.push(Raw::new(
                        Rule::AmazonExternalLink,
                        span,
                        "Link without https: only https links are allowed, even to Amazon and carriers.",
                    ));
                }
            }
        }
    }
    for span in scan.phones() {
        out.push(Raw::new(
            Rule::AmazonContactDetails,
            span,
            "Phone number in the message.",
        ));
    }
    for span in contact::obfuscated_emails(scan.body) {
        out.push(Raw::new(
            Rule::AmazonContactDetails,
            span,
            "E-mail address spelled out to get past filters.",
        ));
    }
    for span in contact::ibans(scan.body) {
        out.push(Raw::new(
            Rule::AmazonOffPlatform,
            span,
            "Bank account number (IBAN) for a payment outside Amazon.",
        ));
    }
    let intents = intent::find(scan.body, &scan.lexicon, scan.languages);
    let covered = |kind: IntentKind, span: (usize, usize)| {
        intents
            .iter()
            .any(|i| i.kind == kind && overlaps((i.start, i.end), span))
    };
    for i in &intents {
        let rule = match i.kind {
            IntentKind::Review => Rule::AmazonReviewRequest,
            IntentKind::Promotion => Rule::AmazonPromotion,
        };
        out.push(Raw::from_intent(rule, i));
    }
    let review_words: Vec<(usize, usize)> = intent::review_words(scan.body, &scan.lexicon)
        .map(|h| (h.start, h.end))
        .collect();
    for hit in scan.phrases() {
        let span = (hit.start, hit.end);
        let raw = match hit.category {
            Category::Review if !review_words.contains(&span) => continue,
            Category::Review if covered(IntentKind::Review, span) => continue,
            Category::Review => Raw::warn(
                Rule::AmazonReviewRequest,
                span,
                "Review, feedback or rating word mentioned, not asked for (pattern review.mention).",
                REVIEW_MENTION,
            ),
            Category::Promotion => Raw::new(
                Rule::AmazonPromotion,
                span,
                "Promotional wording (pattern promotion.phrase).",
            ),
            Category::PromoMention if covered(IntentKind::Promotion, span) => continue,
            Category::PromoMention => Raw::warn(
                Rule::AmazonPromotion,
                span,
                "Price or offer word without promotional intent (pattern promotion.mention).",
                PROMO_MENTION,
            ),
            Category::Payment | Category::Wallet => Raw::new(
                Rule::AmazonOffPlatform,
                span,
                "Payment or refund outside Amazon.",
            ),
            Category::OffPlatform => Raw::new(
                Rule::AmazonOffPlatform,
                span,
                "Invites the buyer to continue outside Amazon.",
            ),
            Category::Benign | Category::PhoneCue | Category::ReferenceCue => continue,
        };
        out.push(raw);
    }
    for span in emoji::find(scan.body) {
        out.push(Raw::new(Rule::AmazonEmoji, span, "Emoji in the message."));
    }
    for (s, e, kind) in formatting::find(scan.body) {
        let message = match kind {
            Format::Capitals => "Capital letters used for emphasis.",
            Format::Exclamations => "Too many exclamation marks.",
            Format::Html => "HTML tag in a plain-text message.",
            Format::Markdown => "Markdown formatting in a plain-text message.",
            Format::Bullets => "A long list of bullet points.",
        };
        out.push(Raw::new(Rule::AmazonFormatting, (s, e), message));
    }
    out
}

pub(crate) fn ebay(scan: &Scan) -> Vec<Raw> {
    let contact = Rule::EbayOffPlatformContact;
    let payment = Rule::EbayOffPlatformPayment;
    let mut out = Vec::new();
    for link in &scan.links {
        let span = (link.start, link.end);
        match link.kind {
            LinkKind::Email if !links::is_ebay_host(&link.host) => {
                out.push(Raw::new(contact, span, "E-mail address in the message."));
            }
            LinkKind::Email => {}
            LinkKind::Url
                if !(links::is_ebay_host(&link.host)
                    || links::is_tracking_link(&scan.body[link.start..link.end])) =>
            {
                out.push(Raw::new(
                    contact,
                    span,
                    "Link to a site that is neither eBay nor a carrier's tracking page.",
                ));
            }
            LinkKind::Url => {}
        }
    }
    for span in scan.phones() {
        out.push(Raw::new(contact, span, "Phone number in the message."));
    }
    for span in contact::obfuscated_emails(scan.body) {
        out.push(Raw::new(
            contact,
            span,
            "E-mail address spelled out to get past filters.",
        ));
    }
    for span in contact::ibans(scan.body) {
        out.push(Raw::new(
            payment,
            span,
            "Bank account number (IBAN) for a payment outside eBay.",
        ));
    }
    for hit in scan.phrases() {
        let span = (hit.start, hit.end);
        match hit.category {
            Category::Payment => out.push(Raw::new(
                payment,
                span,
                "Payment or refund outside eBay checkout.",
            )),
            Category::OffPlatform => out.push(Raw::new(
                contact,
                span,
                "Invites the buyer to continue outside eBay.",
            )),
            _ => {}
        }
    }
    out
}

/// Drops raw findings of a rule that overlap an earlier one of the same rule, widening the
/// earlier one to cover both.
pub(crate) fn merge(mut raw: Vec<Raw>) -> Vec<Raw> {
    raw.sort_by_key(|r| (r.rule, r.start, r.end));
    let mut merged: Vec<Raw> = Vec::with_capacity(raw.len());
    for r in raw {
        match merged.last_mut() {
            Some(last)
                if last.rule == r.rule && overlaps((last.start, last.end), (r.start, r.end)) =>
            {
                last.end = last.end.max(r.end);
                if r.severity > last.severity {
                    last.severity = r.severity;
                    last.message = r.message;
                    last.suggestion = r.suggestion;
                }
            }
            _ => merged.push(r),
        }
    }
    merged
}
