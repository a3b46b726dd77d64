//! Which language a message is checked in.
//!
//! Order of precedence for the reported language: the caller's `language`, else the
//! marketplace's language, else whatlang's guess among the supported languages, else English.
//! The lexicons scanned are wider than the reported language, because a seller on amazon.de
//! may answer a French buyer in French: English always, the reported language, and the
//! detected language when whatlang is confident; when nothing pins the language and
//! detection is unsure, all five.

use whatlang::{Detector, Lang};

/// A language with a compliance lexicon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Language {
    En,
    It,
    De,
    Fr,
    Es,
}

impl Language {
    pub(crate) const ALL: [Language; 5] = [
        Language::En,
        Language::It,
        Language::De,
        Language::Fr,
        Language::Es,
    ];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::It => "it",
            Language::De => "de",
            Language::Fr => "fr",
            Language::Es => "es",
        }
    }

    fn from_code(code: &str) -> Option<Language> {
        match code {
            "en" | "eng" => Some(Language::En),
            "it" | "ita" => Some(Language::It),
            "de" | "deu" | "ger" => Some(Language::De),
            "fr" | "fra" | "fre" => Some(Language::Fr),
            "es" | "spa" => Some(Language::Es),
            _ => None,
        }
    }

    fn from_whatlang(lang: Lang) -> Option<Language> {
        match lang {
            Lang::Eng => Some(Language::En),
            Lang::Ita => Some(Language::It),
            Lang::Deu => Some(Language::De),
            Lang::Fra => Some(Language::Fr),
            Lang::Spa => Some(Language::Es),
            _ => None,
        }
    }

    /// Bit for [`LanguageSet`].
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A small set of languages whose lexicons are scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct LanguageSet(u8);

impl LanguageSet {
    pub(crate) fn all() -> Self {
        Language::ALL
            .into_iter()
            .fold(LanguageSet::default(), LanguageSet::with)
    }

    pub(crate) fn with(self, lang: Language) -> Self {
        LanguageSet(self.0 | lang.bit())
    }

    pub(crate) fn contains(self, lang: Language) -> bool {
        self.0 & lang.bit() != 0
    }
}

/// The outcome of language resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// Reported in the verdict: an ISO 639-1 code (or the caller's own code, normalised, if it
    /// names a language without a lexicon).
    pub(crate) code: String,
    /// Lexicons to scan.
    pub(crate) scan: LanguageSet,
}

pub(crate) fn resolve(given: Option<&str>, marketplace: Option<&str>, body: &str) -> Resolved {
    let detected = detect(body);
    let confident = detected.filter(|d| d.reliable).map(|d| d.language);
    let base = LanguageSet::default().with(Language::En);
    let with_detected = |set: LanguageSet| confident.map_or(set, |l| set.with(l));

    if let Some(code) = given.map(normalise_code).filter(|c| !c.is_empty()) {
        let scan = Language::from_code(&code).map_or(base, |l| base.with(l));
        return Resolved {
            code,
            scan: with_detected(scan),
        };
    }
    if let Some(lang) = marketplace.and_then(marketplace_language) {
        return Resolved {
            code: lang.code().to_owned(),
            scan: with_detected(base.with(lang)),
        };
    }
    match detected {
        Some(d) if d.reliable => Resolved {
            code: d.language.code().to_owned(),
            scan: base.with(d.language),
        },
        Some(d) => Resolved {
            code: d.language.code().to_owned(),
            scan: LanguageSet::all(),
        },
        None => Resolved {
            code: Language::En.code().to_owned(),
            scan: LanguageSet::all(),
        },
    }
}

/// `it-IT`, `it_IT`, `IT`, `ita` → `it` / `ita` (primary subtag, lowercase); three-letter codes
/// of supported languages become their two-letter code.
fn normalise_code(raw: &str) -> String {
    let primary = raw
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Language::from_code(&primary).map_or(primary, |l| l.code().to_owned())
}

#[derive(Debug, Clone, Copy)]
struct Detection {
    language: Language,
    reliable: bool,
}

fn detect(body: &str) -> Option<Detection> {
    // Only the languages we have lexicons for: a guess outside them would not change which
    // lexicons are scanned, and the restriction makes short messages noticeably more accurate.
    let detector =
        Detector::with_allowlist(vec![Lang::Eng, Lang::Ita, Lang::Deu, Lang::Fra, Lang::Spa]);
    let info = detector.detect(body)?;
    Some(Detection {
        language: Language::from_whatlang(info.lang())?,
        reliable: info.is_reliable(),
    })
}

/// The language of `text` when the detector is confident of it (one of en, it, de, fr, es).
pub fn confident_language(text: &str) -> Option<&'static str> {
    detect(text)
        .filter(|d| d.reliable)
        .map(|d| d.language.code())
}

/// The language buyers of a marketplace write in. Accepts a country code (`it`), a domain
/// (`amazon.co.uk`, `www.ebay.de`), an eBay marketplace id (`EBAY_IT`, `EBAY_FR_BE`) or an
/// Amazon marketplace id (`APJ6JRA9NG5V4`).
pub(crate) fn marketplace_language(raw: &str) -> Option<Language> {
    let m = raw.trim().to_ascii_lowercase();
    let m = m.strip_prefix("https://").unwrap_or(&m);
    let m = m.strip_prefix("www.").unwrap_or(m).trim_end_matches('/');

    if let Some(lang) = amazon_marketplace_id(m) {
        return Some(lang);
    }
    if let Some(rest) = m.strip_prefix("ebay_") {
        // EBAY_FR_BE / EBAY_NL_BE name the language first; EBAY_IT names the country.
        let parts: Vec<&str> = rest.split('_').collect();
        return match parts.as_slice() {
            [lang, _country] if *lang != "motors" => Language::from_code(lang),
            [.., country] => country_language(country),
            [] => None,
        };
    }
    let tld = ["amazon.", "ebay."]
        .iter()
        .find_map(|p| m.strip_prefix(p))
        .unwrap_or(m);
    country_language(tld)
}

fn country_language(tld: &str) -> Option<Language> {
    let country = tld.rsplit('.').next().unwrap_or(tld);
    match country {
        "it" => Some(Language::It),
        "de" | "at" | "ch" => Some(Language::De),
        "fr" | "be" => Some(Language::Fr),
        "es" | "mx" => Some(Language::Es),
        "uk" | "gb" | "com" | "us" | "ca" | "ie" | "au" | "in" | "sg" => Some(Language::En),
        _ => None,
    }
}

fn amazon_marketplace_id(id: &str) -> Option<Language> {
    match id {
        "apj6jra9ng5v4" => Some(Language::It),
        "a1pa6795ukmfr9" => Some(Language::De),
        "a13v1ib3viyzzh" => Some(Language::Fr),
        "a1rkkupihcs9hs" | "a1am78c64um0y8" => Some(Language::Es),
        "a1f83g8c2aro7p" | "atvpdkikx0der" | "a2euq1wtgctbg2" | "a28r8c7nbkewea"
        | "a39ibj37trp1c6" => Some(Language::En),
        "amen7pms3edwl" => Some(Language::Fr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_language_wins_over_marketplace_and_is_normalised() {
        let r = resolve(Some("it-IT"), Some("amazon.de"), "Hello");
        assert_eq!(r.code, "it");
        assert!(r.scan.contains(Language::It) && r.scan.contains(Language::En));
        assert!(!r.scan.contains(Language::De));
    }

    #[test]
    fn unsupported_given_language_is_reported_and_english_is_scanned() {
        let r = resolve(Some("nl"), None, "Hallo");
        assert_eq!(r.code, "nl");
        assert!(r.scan.contains(Language::En));
    }

    #[test]
    fn marketplace_forms_map_to_their_language() {
        for (m, lang) in [
            ("it", Language::It),
            ("amazon.it", Language::It),
            ("www.amazon.co.uk", Language::En),
            ("amazon.com.mx", Language::Es),
            ("EBAY_DE", Language::De),
            ("EBAY_FR_BE", Language::Fr),
            ("EBAY_MOTORS_US", Language::En),
            ("APJ6JRA9NG5V4", Language::It),
            ("ebay.fr", Language::Fr),
        ] {
            assert_eq!(marketplace_language(m), Some(lang), "{m}");
        }
        assert_eq!(marketplace_language("amazon.co.jp"), None);
    }

    #[test]
    fn confident_detection_adds_its_lexicon_to_the_marketplace_language() {
        let body = "Bonjour, votre colis a été remis au transporteur ce matin et vous \
                    devriez le recevoir demain. Nous restons à votre disposition.";
        let r = resolve(None, Some("amazon.de"), body);
        assert_eq!(r.code, "de");
        assert!(r.scan.contains(Language::Fr));
    }

    #[test]
    fn without_hints_the_detected_language_is_reported() {
        let body = "Gentile cliente, il suo ordine è stato spedito oggi con corriere espresso \
                    e arriverà entro due giorni lavorativi. Cordiali saluti.";
        assert_eq!(resolve(None, None, body).code, "it");
        assert_eq!(resolve(None, None, "").code, "en");
    }
}
