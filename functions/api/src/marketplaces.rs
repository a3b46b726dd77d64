//! The marketplaces a request may name: a value no marketplace has is refused, not guessed at.

use marketdesk::inbound_mail::MARKETPLACES;

/// eBay's `MarketplaceIdEnum` (Sell APIs).
pub const EBAY_MARKETPLACES: [&str; 24] = [
    "EBAY_AT",
    "EBAY_AU",
    "EBAY_BE",
    "EBAY_CA",
    "EBAY_CH",
    "EBAY_CN",
    "EBAY_CZ",
    "EBAY_DE",
    "EBAY_DK",
    "EBAY_ES",
    "EBAY_FI",
    "EBAY_FR",
    "EBAY_FR_BE",
    "EBAY_GB",
    "EBAY_GR",
    "EBAY_HK",
    "EBAY_IE",
    "EBAY_IT",
    "EBAY_MOTORS_US",
    "EBAY_NL",
    "EBAY_NL_BE",
    "EBAY_PL",
    "EBAY_SG",
    "EBAY_US",
];

/// What follows `ebay.` in eBay's public sites.
const EBAY_DOMAINS: [&str; 14] = [
    "com", "co.uk", "de", "it", "fr", "es", "at", "ch", "com.au", "ca", "ie", "nl", "be", "pl",
];

/// An eBay marketplace id, exactly as eBay writes it (`EBAY_IT`).
pub fn is_ebay_marketplace(id: &str) -> bool {
    EBAY_MARKETPLACES.contains(&id)
}

/// A marketplace named as a domain (`amazon.it`, `www.ebay.co.uk`), an eBay marketplace id
/// (`EBAY_DE`), an Amazon marketplace id (`APJ6JRA9NG5V4`) or the country code of one of them
/// (`it`, `uk`), case-insensitively.
pub fn is_known_marketplace(raw: &str) -> bool {
    let lower = raw.trim().to_ascii_lowercase();
    let m = lower.strip_prefix("https://").unwrap_or(&lower);
    let m = m.strip_prefix("www.").unwrap_or(m).trim_end_matches('/');
    if MARKETPLACES.iter().any(|mp| mp.id.eq_ignore_ascii_case(m)) {
        return true;
    }
    if EBAY_MARKETPLACES
        .iter()
        .any(|id| id.eq_ignore_ascii_case(m))
    {
        return true;
    }
    if let Some(tld) = m.strip_prefix("amazon.") {
        return MARKETPLACES.iter().any(|mp| mp.tld == tld);
    }
    if let Some(tld) = m.strip_prefix("ebay.") {
        return EBAY_DOMAINS.contains(&tld);
    }
    let country = |code: &str| {
        MARKETPLACES
            .iter()
            .any(|mp| mp.country.eq_ignore_ascii_case(code))
            || EBAY_MARKETPLACES.iter().any(|id| {
                id.rsplit('_')
                    .next()
                    .is_some_and(|c| c.eq_ignore_ascii_case(code))
            })
    };
    m.len() == 2 && (country(m) || m == "uk")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form_is_known_and_look_alikes_are_not() {
        for known in [
            "amazon.it",
            "www.amazon.co.uk",
            "https://www.amazon.de/",
            "APJ6JRA9NG5V4",
            "a1pa6795ukmfr9",
            "EBAY_DE",
            "ebay_fr_be",
            "ebay.co.uk",
            "it",
            "UK",
        ] {
            assert!(is_known_marketplace(known), "{known}");
        }
        for unknown in [
            "amazon.xx",
            "amazon.it.example.com",
            "EBAY_XX",
            "EBAY_",
            "ebay.example",
            "zz",
            "Narnia",
            "",
        ] {
            assert!(!is_known_marketplace(unknown), "{unknown}");
        }
        assert!(is_ebay_marketplace("EBAY_IT"));
        assert!(!is_ebay_marketplace("EBAY_ZZ"));
    }
}
