//! The carriers registry: one data file (`registry.json`) naming each carrier sellers on the
//! US, UK, IT, DE, FR and ES marketplaces use, the countries it serves, its tracking hosts,
//! the shape of its tracking URLs, and its public tracking page. Shared by the compliance
//! checker (a carrier link is allowed only on a carrier host AND with a tracking path), the
//! tracking links of templates and the ticket view ([`super::Carrier::tracking_url`]).
//! Pure: the file is compiled in and parsed once.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

const DATA: &str = include_str!("registry.json");

/// One carrier of the registry.
#[derive(Debug)]
pub struct CarrierEntry {
    /// Stable lowercase code (`royal_mail`), the same as [`super::Carrier::code`].
    pub code: String,
    /// Display name (`Royal Mail`).
    pub name: String,
    /// ISO 3166-1 alpha-2 countries it delivers in for sellers (`GB`).
    pub countries: Vec<String>,
    /// Registrable domains of its tracking site; subdomains included.
    pub hosts: Vec<String>,
    /// Tracking-page shapes, matched case-insensitively against everything after the host.
    paths: Vec<Regex>,
    /// Public tracking page, `{n}` standing for the normalised number.
    url: String,
    /// Marketplace spellings, folded to lowercase letters and digits.
    names: Vec<String>,
    /// The AfterShip courier slug (`royal-mail`): how the aggregator names this carrier.
    pub aftership: Option<String>,
}

#[derive(Deserialize)]
struct File {
    carriers: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    code: String,
    name: String,
    countries: Vec<String>,
    hosts: Vec<String>,
    paths: Vec<String>,
    url: String,
    names: Vec<String>,
    #[serde(default)]
    aftership: Option<String>,
}

static REGISTRY: LazyLock<Vec<CarrierEntry>> = LazyLock::new(|| {
    let file: File = serde_json::from_str(DATA).expect("registry.json is valid");
    file.carriers
        .into_iter()
        .map(|r| CarrierEntry {
            paths: r
                .paths
                .iter()
                .map(|p| {
                    RegexBuilder::new(p)
                        .case_insensitive(true)
                        .build()
                        .expect("registry path pattern is a valid regex")
                })
                .collect(),
            names: r.names.iter().map(|n| name_key(n)).collect(),
            code: r.code,
            name: r.name,
            countries: r.countries,
            hosts: r.hosts,
            url: r.url,
            aftership: r.aftership,
        })
        .collect()
});

/// Lowercase letters and digits only: how names and codes are compared.
pub(crate) fn name_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every carrier of the registry, in file order.
pub fn carriers() -> &'static [CarrierEntry] {
    &REGISTRY
}

/// The carrier with this code (`seur`) or marketplace name (`SEUR`, `Royal Mail`).
pub fn find(name_or_code: &str) -> Option<&'static CarrierEntry> {
    let key = name_key(name_or_code);
    if key.is_empty() {
        return None;
    }
    REGISTRY
        .iter()
        .find(|c| name_key(&c.code) == key || c.names.contains(&key))
}

/// The carriers delivering in `country` (ISO alpha-2, any case).
pub fn serving(country: &str) -> impl Iterator<Item = &'static CarrierEntry> {
    let country = country.to_ascii_uppercase();
    REGISTRY
        .iter()
        .filter(move |c| c.countries.contains(&country))
}

/// The carrier whose tracking page `url` is: host on a carrier's domain and path of a tracking
/// page. `None` for anything else, including a carrier's home or marketing pages.
pub fn tracking_link(url: &str) -> Option<&'static CarrierEntry> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = host
        .split(':')
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let entry = carrier_for_host(&host)?;
    entry
        .paths
        .iter()
        .any(|p| p.is_match(tail))
        .then_some(entry)
}

/// The carrier owning `host` (lowercase), whatever the page.
pub fn carrier_for_host(host: &str) -> Option<&'static CarrierEntry> {
    REGISTRY
        .iter()
        .find(|c| c.hosts.iter().any(|d| within(host, d)))
}

fn within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

impl CarrierEntry {
    /// The public tracking page for an already normalised number.
    pub fn tracking_url(&self, normalised: &str) -> String {
        self.url.replace("{n}", normalised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_complete_and_its_own_page_is_a_tracking_link() {
        let mut codes = std::collections::BTreeSet::new();
        for c in carriers() {
            assert!(codes.insert(c.code.clone()), "duplicate {}", c.code);
            assert!(!c.hosts.is_empty() && !c.paths.is_empty() && !c.countries.is_empty());
            let url = c.tracking_url("AB123456789GB");
            assert!(url.starts_with("https://"), "{url}");
            assert_eq!(
                tracking_link(&url).map(|e| e.code.as_str()),
                Some(c.code.as_str()),
                "{url}"
            );
            assert_eq!(
                find(&c.code).map(|e| e.code.as_str()),
                Some(c.code.as_str())
            );
        }
    }

    #[test]
    fn the_major_carriers_of_each_marketplace_country_are_registered() {
        for (country, wanted) in [
            (
                "US",
                &["ups", "usps", "fedex", "dhl", "amazon_logistics"][..],
            ),
            (
                "GB",
                &[
                    "royal_mail",
                    "parcelforce",
                    "evri",
                    "dpd",
                    "ups",
                    "dhl",
                    "yodel",
                ],
            ),
            ("IT", &["poste_italiane", "brt", "sda", "gls", "dhl", "ups"]),
            ("DE", &["dhl", "hermes", "dpd", "gls", "ups"]),
            (
                "FR",
                &[
                    "colissimo",
                    "chronopost",
                    "mondial_relay",
                    "dpd",
                    "gls",
                    "ups",
                ],
            ),
            (
                "ES",
                &["correos", "seur", "mrw", "gls", "correos_express", "ups"],
            ),
        ] {
            let codes: Vec<&str> = serving(country).map(|c| c.code.as_str()).collect();
            for code in wanted {
                assert!(codes.contains(code), "{country} lacks {code}");
            }
        }
    }

    #[test]
    fn host_and_path_shape_must_both_match() {
        for url in [
            "https://www.seur.com/livetracking/?segOnlineIdentificador=12345678901234",
            "https://www.mrw.es/seguimiento_envios/MRW_resultados_consultas.asp?x=1",
            "https://track.dpd.co.uk/parcels/15501234567890",
            "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT=XY123",
            "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition=12345678",
            "https://www.parcelforce.com/track-trace?trackNumber=CP123456789GB",
            "https://www.evri.com/track/parcel/H01HYA0012345678",
            "https://www.poste.it/cerca/index.html#/risultati-spedizioni/RR123456785IT",
            "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=0034",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
        ] {
            assert!(tracking_link(url).is_some(), "{url}");
        }
        for url in [
            "https://www.dhl.de/de/privatkunden.html",
            "https://www.seur.com/",
            "https://www.ups.com/us/en/shipping/rates",
            "https://fakedhl.de/track/1",
            "https://dhl.de.example.com/track/1",
            "https://www.17track.net/en/track?nums=1",
        ] {
            assert!(tracking_link(url).is_none(), "{url}");
        }
    }

    #[test]
    fn marketplace_names_find_their_carrier() {
        for (name, code) in [
            ("SEUR", "seur"),
            ("Royal Mail", "royal_mail"),
            ("Hermes", "hermes"),
            ("Evri", "evri"),
            ("Mondial Relay", "mondial_relay"),
            ("Correos Express", "correos_express"),
        ] {
            assert_eq!(find(name).map(|c| c.code.as_str()), Some(code), "{name}");
        }
        assert!(find("").is_none() && find("Pony Express").is_none());
    }
}
