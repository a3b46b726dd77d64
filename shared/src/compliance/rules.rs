//! The rule ids of the public contract, their severity and the advice shown to the agent.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Severity;

/// A compliance rule. The serialized ids (`amazon.review_request`…) are a public contract:
/// the API, the CLI and frontends key on them. Add rules; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    /// A link to anything but an Amazon page (https only) or a carrier tracking page.
    #[serde(rename = "amazon.external_link")]
    AmazonExternalLink,
    /// An e-mail address or phone number.
    #[serde(rename = "amazon.contact_details")]
    AmazonContactDetails,
    /// Paying, refunding or continuing the conversation or the sale outside Amazon.
    #[serde(rename = "amazon.off_platform")]
    AmazonOffPlatform,
    /// Discounts, coupons, sales, gifts, other products, social media, calls to action.
    #[serde(rename = "amazon.promotion")]
    AmazonPromotion,
    /// Any review, feedback, rating or stars solicitation, or an incentive for one.
    #[serde(rename = "amazon.review_request")]
    AmazonReviewRequest,
    /// Emoji of any kind.
    #[serde(rename = "amazon.emoji")]
    AmazonEmoji,
    /// Capitals, exclamation runs, HTML, markdown, bullet walls (a warning).
    #[serde(rename = "amazon.formatting")]
    AmazonFormatting,
    /// An e-mail address, phone number or link outside eBay, or an invitation to leave eBay.
    #[serde(rename = "ebay.off_platform_contact")]
    EbayOffPlatformContact,
    /// A payment or refund route outside eBay checkout.
    #[serde(rename = "ebay.off_platform_payment")]
    EbayOffPlatformPayment,
    /// A template placeholder that was not filled (every channel).
    #[serde(rename = "template.unfilled_placeholder")]
    TemplateUnfilledPlaceholder,
}

impl Rule {
    pub const ALL: [Rule; 10] = [
        Rule::AmazonExternalLink,
        Rule::AmazonContactDetails,
        Rule::AmazonOffPlatform,
        Rule::AmazonPromotion,
        Rule::AmazonReviewRequest,
        Rule::AmazonEmoji,
        Rule::AmazonFormatting,
        Rule::EbayOffPlatformContact,
        Rule::EbayOffPlatformPayment,
        Rule::TemplateUnfilledPlaceholder,
    ];

    /// The stable id, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::AmazonExternalLink => "amazon.external_link",
            Rule::AmazonContactDetails => "amazon.contact_details",
            Rule::AmazonOffPlatform => "amazon.off_platform",
            Rule::AmazonPromotion => "amazon.promotion",
            Rule::AmazonReviewRequest => "amazon.review_request",
            Rule::AmazonEmoji => "amazon.emoji",
            Rule::AmazonFormatting => "amazon.formatting",
            Rule::EbayOffPlatformContact => "ebay.off_platform_contact",
            Rule::EbayOffPlatformPayment => "ebay.off_platform_payment",
            Rule::TemplateUnfilledPlaceholder => "template.unfilled_placeholder",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::AmazonFormatting => Severity::Warn,
            _ => Severity::Block,
        }
    }

    /// What to do about a finding of this rule.
    pub(crate) fn suggestion(self) -> &'static str {
        match self {
            Rule::AmazonExternalLink => {
                "Remove the link. Amazon allows only https links to Amazon pages and links to carrier \
                 tracking pages; otherwise give the carrier and tracking number as text."
            }
            Rule::AmazonContactDetails => {
                "Remove it. Buyer and seller talk only through Amazon's Buyer-Seller Messaging; \
                 e-mail addresses and phone numbers are not allowed."
            }
            Rule::AmazonOffPlatform => {
                "Remove it. Payment, refunds and the sale stay on Amazon (refund from the order \
                 page); do not send buyers to other sites, apps or payment methods."
            }
            Rule::AmazonPromotion => {
                "Remove the promotional wording. Messages must be about this order only: no \
                 discounts, coupons, gifts, other products, social media or calls to action."
            }
            Rule::AmazonReviewRequest => {
                "Remove any mention of reviews, feedback, ratings or stars. To ask for a review, \
                 use the Request a Review button on the order page in Seller Central (one neutral \
                 request per order, 5 to 30 days after delivery). To thank the buyer for their \
                 comments, write \"thank you for letting us know\"."
            }
            Rule::AmazonEmoji => "Remove the emoji; Amazon does not allow emoji in buyer messages.",
            Rule::AmazonFormatting => {
                "Write plain, sentence-case text: no capitals for emphasis, at most one \
                 exclamation mark, no HTML or markdown, a few sentences rather than a bullet list."
            }
            Rule::EbayOffPlatformContact => {
                "Remove it. eBay does not allow sharing e-mail addresses, phone numbers or links \
                 outside eBay, or inviting the buyer to deal outside eBay; keep the conversation \
                 in eBay messages."
            }
            Rule::EbayOffPlatformPayment => {
                "Remove it. Payments and refunds go through eBay checkout only; offering another \
                 payment route breaks eBay's off-platform trading policy."
            }
            Rule::TemplateUnfilledPlaceholder => {
                "Fill the placeholder from the order or remove it before sending."
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Rule::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown compliance rule '{s}'"))
    }
}
