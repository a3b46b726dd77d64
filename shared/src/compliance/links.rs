//! Links and e-mail addresses (found with `linkify`, bare domains included) and the hosts each
//! marketplace tolerates.
//!
//! Bare domains are where false positives live ("invoice.pdf", "Grazie.Saluti" after a
//! missing space), so a link without a scheme counts only if its top-level domain is a real,
//! commonly used one.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};

use crate::connectors::carriers::registry;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Url,
    Email,
}

/// A link or e-mail address in the body (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Lowercased host (URL) or domain (e-mail), without port, userinfo or trailing dot.
    pub(crate) host: String,
    /// Lowercased scheme if one was written (`https`, `http`, `ftp`…); `None` for bare domains
    /// and e-mail addresses.
    pub(crate) scheme: Option<String>,
}

/// Top-level domains a bare domain must end in to count as a link.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "shop", "store", "online", "site", "website", "app", "io",
    "co", "me", "eu", "it", "de", "fr", "es", "uk", "at", "ch", "be", "nl", "lu", "pl", "se", "dk",
    "no", "fi", "pt", "ie", "gr", "cz", "sk", "hu", "ro", "us", "ca", "mx", "br", "ar", "au", "nz",
    "jp", "cn", "in", "ru", "tr", "ly", "link", "xyz", "top", "club", "tv", "ws", "to", "gl", "cc",
    "ai",
];

/// Amazon's marketplace domains: `amazon.<tld>` and its subdomains.
const AMAZON_TLDS: &[&str] = &[
    "com", "co.uk", "de", "fr", "it", "es", "nl", "se", "pl", "com.be", "com.tr", "ie", "ca",
    "com.mx", "com.br", "co.jp", "in", "com.au", "sg", "ae", "sa", "eg", "cn",
];

/// eBay's site domains.
const EBAY_TLDS: &[&str] = &[
    "com", "co.uk", "de", "fr", "it", "es", "at", "ch", "be", "nl", "ie", "pl", "ca", "com.au",
    "com.hk", "com.sg", "com.my", "ph",
];

static FINDER: LazyLock<LinkFinder> = LazyLock::new(|| {
    let mut finder = LinkFinder::new();
    finder.url_must_have_scheme(false);
    finder
});

/// All links and e-mail addresses in `body`, in order.
pub(crate) fn find(body: &str) -> Vec<Link> {
    FINDER
        .links(body)
        .filter_map(|l| match l.kind() {
            LinkKind::Email => {
                let addr = l.as_str();
                let addr = addr.strip_prefix("mailto:").unwrap_or(addr);
                let domain = addr.rsplit('@').next().unwrap_or("");
                Some(Link {
                    kind: Kind::Email,
                    start: l.start(),
                    end: l.end(),
                    host: clean_host(domain),
                    scheme: None,
                })
            }
            LinkKind::Url => {
                let (scheme, host) = split_url(l.as_str());
                if scheme.is_none() && !has_bare_tld(&host) {
                    return None;
                }
                Some(Link {
                    kind: Kind::Url,
                    start: l.start(),
                    end: l.end(),
                    host,
                    scheme,
                })
            }
            _ => None,
        })
        .collect()
}

fn split_url(url: &str) -> (Option<String>, String) {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => match url.split_once(':') {
            // mailto:, tel: and friends have no `//`.
            Some((s, r))
                if s.chars().all(|c| c.is_ascii_alphabetic())
                    && !r.starts_with(|c: char| c.is_ascii_digit()) =>
            {
                (Some(s.to_ascii_lowercase()), r)
            }
            _ => (None, url),
        },
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = host_port.split(':').next().unwrap_or("");
    (scheme, clean_host(host))
}

fn clean_host(host: &str) -> String {
    host.trim_end_matches('.').to_lowercase()
}

fn has_bare_tld(host: &str) -> bool {
    host.contains('.')
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| BARE_TLDS.contains(&tld))
}

/// `host` is `domain` or one of its subdomains.
fn within(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

fn within_brand(host: &str, brand: &str, tlds: &[&str]) -> bool {
    tlds.iter()
        .any(|tld| within(host, &format!("{brand}.{tld}")))
}

pub(crate) fn is_amazon_host(host: &str) -> bool {
    within_brand(host, "amazon", AMAZON_TLDS)
}

pub(crate) fn is_ebay_host(host: &str) -> bool {
    within_brand(host, "ebay", EBAY_TLDS)
}

/// An Amazon page for writing a review or seller feedback (`/review/create-review`, `/ryp`,
/// `/feedback`).
pub(crate) fn is_review_page(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest
        .find('/')
        .map_or("", |i| &rest[i..])
        .to_ascii_lowercase();
    ["review", "/ryp", "feedback"]
        .iter()
        .any(|w| path.contains(w))
}

/// `host` belongs to a carrier of the registry (any page).
pub(crate) fn is_carrier_host(host: &str) -> bool {
    registry::carrier_for_host(host).is_some()
}

/// `url` is a carrier's tracking page: registry host AND tracking-path shape.
pub(crate) fn is_tracking_link(url: &str) -> bool {
    registry::tracking_link(url).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(body: &str) -> Vec<(String, Option<String>, String)> {
        find(body)
            .into_iter()
            .map(|l| (body[l.start..l.end].to_owned(), l.scheme, l.host))
            .collect()
    }

    #[test]
    fn bare_domains_count_only_with_a_real_tld() {
        let found =
            urls("See invoice.pdf, Mr.Smith wrote. Grazie.Saluti, or visit myshop.it/sale today.");
        assert_eq!(
            found,
            vec![("myshop.it/sale".into(), None, "myshop.it".into())]
        );
    }

    #[test]
    fn scheme_host_port_and_userinfo_are_separated() {
        let found = urls("http://user@Shop.Example.com:8080/x?y=1 and https://www.dhl.de/track.");
        assert_eq!(found[0].1.as_deref(), Some("http"));
        assert_eq!(found[0].2, "shop.example.com");
        assert_eq!(
            found[1],
            (
                "https://www.dhl.de/track".into(),
                Some("https".into()),
                "www.dhl.de".into()
            )
        );
    }

    #[test]
    fn emails_report_their_domain() {
        let links = find("Write to Info@MyShop.it please");
        assert_eq!(links.len(), 1);
        assert_eq!(
            (links[0].kind, links[0].host.as_str()),
            (Kind::Email, "myshop.it")
        );
    }

    #[test]
    fn amazon_hosts_include_subdomains_but_not_lookalikes() {
        assert!(is_amazon_host("amazon.it"));
        assert!(is_amazon_host("www.amazon.co.uk"));
        assert!(is_amazon_host("track.amazon.de"));
        assert!(!is_amazon_host("amazon.it.evil.com"));
        assert!(!is_amazon_host("myamazon.it"));
        assert!(!is_amazon_host("amazon-deals.it"));
    }

    #[test]
    fn carrier_hosts_are_recognised_with_subdomains() {
        for host in [
            "www.dhl.de",
            "www.poste.it",
            "vas.brt.it",
            "www.royalmail.com",
            "tools.usps.com",
        ] {
            assert!(is_carrier_host(host), "{host}");
        }
        assert!(!is_carrier_host("fakedhl.de"));
        assert!(!is_carrier_host("17track.net"));
    }
}
