//! Amazon: Login with Amazon (LWA) access tokens and the Selling Partner API Orders 2026-01-01
//! (`searchOrders`, `getOrder`), Reports 2021-06-30 (the seller feedback report), Solicitations
//! (the review request), the Messaging API's seller-initiated actions on an order (`messaging`),
//! and ORDER_CHANGE notifications from SQS. Buyer messages have no
//! API; they arrive by e-mail (`inbound_mail`).

use std::fmt;
use std::str::FromStr;

mod lwa;
mod mapping;
pub mod messaging;
pub mod model;
pub mod notifications;
mod orders;
pub mod reports;
pub mod solicitations;

pub use lwa::{LwaClient, LwaCredentials};
pub use mapping::{carrier_code, to_domain_order};
pub use messaging::SpApiMessaging;
pub use orders::{SearchOrdersQuery, SearchWindow, SpApiConfig, SpApiOrders};
pub use reports::{ReportsConfig, SpApiReports};
pub use solicitations::{ReviewSolicitor, Solicited, SpApiSolicitations};

/// An SP-API region; each has its own endpoint and covers a set of marketplaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    NorthAmerica,
    Europe,
    FarEast,
}

/// Marketplace id → (country, region), from Amazon's marketplace id table.
const MARKETPLACES: &[(&str, &str, Region)] = &[
    ("ATVPDKIKX0DER", "US", Region::NorthAmerica),
    ("A2EUQ1WTGCTBG2", "CA", Region::NorthAmerica),
    ("A1AM78C64UM0Y8", "MX", Region::NorthAmerica),
    ("A2Q3Y263D00KWC", "BR", Region::NorthAmerica),
    ("A28R8C7NBKEWEA", "IE", Region::Europe),
    ("A1RKKUPIHCS9HS", "ES", Region::Europe),
    ("A1F83G8C2ARO7P", "GB", Region::Europe),
    ("A13V1IB3VIYZZH", "FR", Region::Europe),
    ("AMEN7PMS3EDWL", "BE", Region::Europe),
    ("A1805IZSGTT6HS", "NL", Region::Europe),
    ("A1PA6795UKMFR9", "DE", Region::Europe),
    ("APJ6JRA9NG5V4", "IT", Region::Europe),
    ("A2NODRKZP88ZB9", "SE", Region::Europe),
    ("AE08WJ6YKNBMC", "ZA", Region::Europe),
    ("A1C3SOZRARQ6R3", "PL", Region::Europe),
    ("ARBP9OOSHTCHU", "EG", Region::Europe),
    ("A33AVAJ2PDY3EV", "TR", Region::Europe),
    ("A17E79C6D8DWNP", "SA", Region::Europe),
    ("A2VIGQ35RCS4UG", "AE", Region::Europe),
    ("A21TJRUUN4KGV", "IN", Region::Europe),
    ("A19VAU5U5O7RUS", "SG", Region::FarEast),
    ("A39IBJ37TRP1C6", "AU", Region::FarEast),
    ("A1VC38T7YXB528", "JP", Region::FarEast),
];

impl Region {
    /// The production endpoint.
    pub fn endpoint(self) -> &'static str {
        match self {
            Region::NorthAmerica => "https://sellingpartnerapi-na.amazon.com",
            Region::Europe => "https://sellingpartnerapi-eu.amazon.com",
            Region::FarEast => "https://sellingpartnerapi-fe.amazon.com",
        }
    }

    /// Amazon's own static sandbox.
    pub fn sandbox_endpoint(self) -> &'static str {
        match self {
            Region::NorthAmerica => "https://sandbox.sellingpartnerapi-na.amazon.com",
            Region::Europe => "https://sandbox.sellingpartnerapi-eu.amazon.com",
            Region::FarEast => "https://sandbox.sellingpartnerapi-fe.amazon.com",
        }
    }

    /// The region serving a marketplace id, if it is a known one.
    pub fn for_marketplace(marketplace_id: &str) -> Option<Region> {
        MARKETPLACES
            .iter()
            .find(|(id, _, _)| *id == marketplace_id)
            .map(|(_, _, r)| *r)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Region::NorthAmerica => "na",
            Region::Europe => "eu",
            Region::FarEast => "fe",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = String;

    /// `na`, `eu` or `fe`, as `ChannelAccount::region` stores it.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "na" => Ok(Region::NorthAmerica),
            "eu" => Ok(Region::Europe),
            "fe" => Ok(Region::FarEast),
            _ => Err(format!("unknown SP-API region '{s}' (na, eu, fe)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketplaces_map_to_their_regional_endpoint() {
        let host = |id| Region::for_marketplace(id).map(Region::endpoint);
        assert_eq!(
            host("APJ6JRA9NG5V4"),
            Some("https://sellingpartnerapi-eu.amazon.com")
        );
        assert_eq!(
            host("A1F83G8C2ARO7P"),
            Some("https://sellingpartnerapi-eu.amazon.com")
        );
        assert_eq!(
            host("ATVPDKIKX0DER"),
            Some("https://sellingpartnerapi-na.amazon.com")
        );
        assert_eq!(
            host("A1VC38T7YXB528"),
            Some("https://sellingpartnerapi-fe.amazon.com")
        );
        assert_eq!(host("NOPE"), None);
        assert_eq!("EU".parse::<Region>(), Ok(Region::Europe));
        assert!("us".parse::<Region>().is_err());
    }
}
