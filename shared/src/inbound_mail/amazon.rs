//! Amazon specifics: the marketplace table, the buyer relay alias, display names and order ids.

use std::sync::LazyLock;

use chrono_tz::{Africa, America, Asia, Australia, Europe, Tz};
use regex::Regex;

use crate::domain::{Marketplace, OrderId};

/// One Amazon marketplace as its e-mail domains reveal it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AmazonMarketplace {
    /// What follows `amazon.` in the domain: `it`, `co.uk`, `com.mx`.
    pub tld: &'static str,
    /// The public marketplace id of the Selling Partner API.
    pub id: &'static str,
    /// ISO 3166-1 alpha-2 (the United Kingdom is `GB`, although Amazon writes `UK` in places).
    pub country: &'static str,
    /// Primary language (BCP 47), used when a message is too short to detect one.
    pub language: &'static str,
    /// ISO 4217 currency, used to read bare `$` or `kr` amounts in notices.
    pub currency: &'static str,
    /// Seller Central's time zone for the marketplace: a date-only deadline ends there.
    pub time_zone: Tz,
    /// Whether dates written with slashes put the month first (`11/06/2026`).
    pub month_first_dates: bool,
}

impl AmazonMarketplace {
    /// The domain type used by orders and compliance checks.
    pub fn to_marketplace(&self) -> Marketplace {
        Marketplace {
            id: self.id.to_string(),
            country: Some(self.country.to_string()),
            language: Some(self.language.to_string()),
        }
    }
}

macro_rules! marketplaces {
    ($($tld:literal, $id:literal, $country:literal, $lang:literal, $cur:literal, $tz:path, $mf:literal;)+) => {
        /// Every marketplace we recognise, keyed by the domain suffix after `amazon.`.
        /// Ids are the public ones from the Selling Partner API documentation.
        pub const MARKETPLACES: &[AmazonMarketplace] = &[
            $(AmazonMarketplace {
                tld: $tld,
                id: $id,
                country: $country,
                language: $lang,
                currency: $cur,
                time_zone: $tz,
                month_first_dates: $mf,
            },)+
        ];
    };
}

marketplaces! {
    "com", "ATVPDKIKX0DER", "US", "en", "USD", America::Los_Angeles, true;
    "ca", "A2EUQ1WTGCTBG2", "CA", "en", "CAD", America::Los_Angeles, true;
    "com.mx", "A1AM78C64UM0Y8", "MX", "es", "MXN", America::Mexico_City, false;
    "com.br", "A2Q3Y263D00KWC", "BR", "pt", "BRL", America::Sao_Paulo, false;
    "co.uk", "A1F83G8C2ARO7P", "GB", "en", "GBP", Europe::London, false;
    "de", "A1PA6795UKMFR9", "DE", "de", "EUR", Europe::Berlin, false;
    "fr", "A13V1IB3VIYZZH", "FR", "fr", "EUR", Europe::Paris, false;
    "it", "APJ6JRA9NG5V4", "IT", "it", "EUR", Europe::Rome, false;
    "es", "A1RKKUPIHCS9HS", "ES", "es", "EUR", Europe::Madrid, false;
    "nl", "A1805IZSGTT6HS", "NL", "nl", "EUR", Europe::Amsterdam, false;
    "se", "A2NODRKZP88ZB9", "SE", "sv", "SEK", Europe::Stockholm, false;
    "pl", "A1C3SOZRARQ6R3", "PL", "pl", "PLN", Europe::Warsaw, false;
    "com.be", "AMEN7PMS3EDWL", "BE", "fr", "EUR", Europe::Brussels, false;
    "ie", "A28R8C7NBKEWEA", "IE", "en", "EUR", Europe::Dublin, false;
    "com.tr", "A33AVAJ2PDY3EV", "TR", "tr", "TRY", Europe::Istanbul, false;
    "ae", "A2VIGQ35RCS4UG", "AE", "en", "AED", Asia::Dubai, false;
    "sa", "A17E79C6D8DWNP", "SA", "ar", "SAR", Asia::Riyadh, false;
    "eg", "ARBP9OOSHTCHU", "EG", "ar", "EGP", Africa::Cairo, false;
    "in", "A21TJRUUN4KGV", "IN", "en", "INR", Asia::Kolkata, false;
    "co.jp", "A1VC38T7YXB528", "JP", "ja", "JPY", Asia::Tokyo, false;
    "com.au", "A39IBJ37TRP1C6", "AU", "en", "AUD", Australia::Sydney, false;
    "sg", "A19VAU5U5O7RUS", "SG", "en", "SGD", Asia::Singapore, false;
}

/// The marketplace whose domain suffix (after `amazon.`) is `tld`.
pub fn marketplace_by_tld(tld: &str) -> Option<&'static AmazonMarketplace> {
    MARKETPLACES
        .iter()
        .find(|m| m.tld.eq_ignore_ascii_case(tld))
}

/// The marketplace with this Selling Partner API id.
pub fn marketplace_by_id(id: &str) -> Option<&'static AmazonMarketplace> {
    MARKETPLACES.iter().find(|m| m.id == id)
}

/// The domain suffix after `amazon.` when `domain` is Amazon's own (`amazon.it`,
/// `marketplace.amazon.co.uk`, `sellercentral.amazon.de`); `None` for any other domain,
/// including look-alikes such as `amazon.it.example.com`.
pub fn amazon_tld(domain: &str) -> Option<&'static str> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    MARKETPLACES
        .iter()
        .find(|m| {
            let suffix = format!("amazon.{}", m.tld);
            domain == suffix || domain.ends_with(&format!(".{suffix}"))
        })
        .map(|m| m.tld)
}

/// Whether `address` is a buyer's anonymised relay alias (`…@marketplace.amazon.<tld>`).
pub fn is_relay_address(address: &str) -> bool {
    relay_tld(address).is_some()
}

/// The marketplace suffix of a relay alias, or `None` when `address` is not one.
fn relay_tld(address: &str) -> Option<&'static str> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    if local.is_empty() {
        return None;
    }
    let rest = domain.to_ascii_lowercase();
    let tld = rest.strip_prefix("marketplace.amazon.")?;
    marketplace_by_tld(tld).map(|m| m.tld)
}

/// The marketplace a relay alias belongs to.
pub fn relay_marketplace(address: &str) -> Option<&'static AmazonMarketplace> {
    relay_tld(address).and_then(marketplace_by_tld)
}

/// Whether `address` belongs to Amazon itself (system notices), not to a buyer's relay alias.
pub fn is_amazon_system_address(address: &str) -> bool {
    match address.trim().rsplit_once('@') {
        Some((_, domain)) => amazon_tld(domain).is_some() && !is_relay_address(address),
        None => false,
    }
}

/// The buyer's name without the suffix Amazon appends to relayed mail ("Giulia R. - Amazon
/// Marketplace", "John via Amazon"); `None` when nothing is left.
pub fn strip_relay_display_name(name: &str) -> Option<String> {
    static SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\s*(?:[-–—|]\s*|\bvia\s+|\bby\s+)(?:amazon(?:\.[a-z]{2,3}){0,2}(?:\s+marketplace)?|marketplace\s+amazon(?:\.[a-z]{2,3}){0,2})\s*$",
        )
        .expect("valid regex")
    });
    let stripped = SUFFIX.replace(name.trim(), "");
    let stripped = stripped.trim().trim_matches('"').trim();
    static ONLY_AMAZON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(?:amazon(?:\.[a-z]{2,3}){0,2}(?:\s+marketplace)?|marketplace(?:\s+amazon)?)$",
        )
        .expect("valid regex")
    });
    if stripped.is_empty() || ONLY_AMAZON.is_match(stripped) {
        None
    } else {
        Some(stripped.to_string())
    }
}

static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d-])(\d{3}-\d{7}-\d{7})(?:$|[^\d-])").expect("valid regex")
});

/// The first Amazon order id (`\d{3}-\d{7}-\d{7}`) in `text`.
pub fn find_order_id(text: &str) -> Option<OrderId> {
    ORDER_ID
        .captures(text)
        .and_then(|c| OrderId::parse(&c[1]).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketplace_table_maps_italy_to_its_public_id() {
        let it = marketplace_by_tld("it").unwrap();
        assert_eq!(it.id, "APJ6JRA9NG5V4");
        assert_eq!(it.country, "IT");
        let m = it.to_marketplace();
        assert_eq!(m.language.as_deref(), Some("it"));
        assert_eq!(marketplace_by_id("A1F83G8C2ARO7P").unwrap().tld, "co.uk");
    }

    #[test]
    fn marketplace_table_has_unique_ids_and_tlds() {
        for (i, a) in MARKETPLACES.iter().enumerate() {
            for b in &MARKETPLACES[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.tld, b.tld);
            }
        }
    }

    #[test]
    fn relay_aliases_are_recognised_per_marketplace_and_look_alikes_are_not() {
        assert_eq!(
            relay_marketplace("abc123@marketplace.amazon.co.uk")
                .unwrap()
                .country,
            "GB"
        );
        assert_eq!(
            relay_marketplace("x@Marketplace.Amazon.COM.MX").unwrap().id,
            "A1AM78C64UM0Y8"
        );
        assert!(!is_relay_address("x@marketplace.amazon.example.com"));
        assert!(!is_relay_address("x@amazon.it"));
        assert!(!is_relay_address("@marketplace.amazon.it"));
        assert!(is_amazon_system_address(
            "atoz-guarantee-no-reply@amazon.de"
        ));
        assert!(is_amazon_system_address(
            "donotreply@sellercentral.amazon.fr"
        ));
        assert!(!is_amazon_system_address("abc@marketplace.amazon.de"));
        assert!(!is_amazon_system_address("seller@amazon.it.example.com"));
    }

    #[test]
    fn relay_display_name_loses_amazon_suffix() {
        assert_eq!(
            strip_relay_display_name("Giulia R. - Amazon Marketplace").as_deref(),
            Some("Giulia R.")
        );
        assert_eq!(
            strip_relay_display_name("John Doe via Amazon").as_deref(),
            Some("John Doe")
        );
        assert_eq!(
            strip_relay_display_name("Klaus – Marketplace Amazon.de").as_deref(),
            Some("Klaus")
        );
        assert_eq!(strip_relay_display_name("Amazon Marketplace"), None);
        assert_eq!(
            strip_relay_display_name("Anna Amazonas").as_deref(),
            Some("Anna Amazonas")
        );
    }

    #[test]
    fn order_ids_are_found_but_longer_digit_runs_are_not() {
        assert_eq!(
            find_order_id("Ordine: 405-1234567-7654321.")
                .unwrap()
                .as_str(),
            "405-1234567-7654321"
        );
        assert_eq!(find_order_id("ref 1405-1234567-7654321"), None);
        assert_eq!(find_order_id("405-1234567-76543210"), None);
    }
}
