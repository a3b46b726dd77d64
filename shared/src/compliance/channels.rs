//! Which detections count as which rule on each channel.
//!
//! Amazon: every rule of DESIGN §1. eBay: contact details, outside links and invitations to
//! deal off eBay (`ebay.off_platform_contact`), payment routes outside eBay checkout
//! (`ebay.off_platform_payment`); PayPal is part of eBay checkout and so not flagged there,
//! unlike "PayPal friends and family" or a paypal.me link. Shopify and the store's own e-mail
//! are the seller's own channels: no marketplace rules apply (only unfilled placeholders, which
//! `check` applies everywhere).

use super::contact;
use super::emoji;
use super::formatting::{self, Kind as Format};
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
    pub(crate) message: &'static str,
}

impl Raw {
    fn new(rule: Rule, (start, end): (usize, usize), message: &'static str) -> Self {
        Raw {
            rule,
            start,
            end,
            message,
        }
    }
}

/// Everything the detectors found in one body, shared by the channel rules.
pub(crate) struct Scan<'a> {
    pub(crate) body: &'a str,
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
                let allowed =
                    links::is_amazon_host(&link.host) || links::is_carrier_host(&link.host);
                if !allowed {
                    out.push(Raw::new(
                        Rule::AmazonExternalLink,
                        span,
                        "Link to a site that is neither Amazon nor a carrier's tracking page.",
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
    for hit in scan.phrases() {
        let span = (hit.start, hit.end);
        let raw = match hit.category {
            Category::Review => Raw::new(
                Rule::AmazonReviewRequest,
                span,
                "Review, feedback, rating or stars wording.",
            ),
            Category::Promotion => Raw::new(Rule::AmazonPromotion, span, "Promotional wording."),
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
                if !(links::is_ebay_host(&link.host) || links::is_carrier_host(&link.host)) =>
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
            }
            _ => merged.push(r),
        }
    }
    merged
}
