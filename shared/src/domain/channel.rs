//! Sales channels and their marketplaces.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a conversation comes from and where its replies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Amazon,
    Ebay,
    Shopify,
    /// A store's own mailbox (contact form, direct mail) arriving through SES inbound.
    Email,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Amazon,
        Channel::Ebay,
        Channel::Shopify,
        Channel::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Amazon => "amazon",
            Channel::Ebay => "ebay",
            Channel::Shopify => "shopify",
            Channel::Email => "email",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown channel '{s}' (amazon, ebay, shopify, email)"))
    }
}

/// A marketplace within a channel: Amazon's marketplace id and country, eBay's site id, or a
/// Shopify shop domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Marketplace {
    /// The channel's own identifier: `APJ6JRA9NG5V4` (amazon.it), `EBAY_DE`, `acme.myshopify.com`.
    pub id: String,
    /// ISO 3166 country code where the marketplace has one (`IT`, `DE`, `US`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Primary language of the marketplace (BCP 47, e.g. `it`), used for compliance checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}
