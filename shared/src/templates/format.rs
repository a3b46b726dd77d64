//! How values read in a buyer's language: dates, amounts, shipment states and carrier names.
//! Only what templates need, for the five languages the checker knows; anything else reads as
//! English.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::connectors::money::minor_digits;
use crate::domain::{Money, ShipmentStatus};

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_IT: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// A calendar date in the buyer's time zone, month spelt out (`27 November 2026`,
/// `27 novembre 2026`): numeric dates are ambiguous across marketplaces (11/12 vs 12/11).
pub(crate) fn date(at: DateTime<Utc>, tz: Tz, language: &str) -> String {
    let local = at.with_timezone(&tz);
    let (day, month, year) = (local.day(), local.month0() as usize, local.year());
    match language {
        "it" => format!("{day} {} {year}", MONTHS_IT[month]),
        "de" => format!("{day}. {} {year}", MONTHS_DE[month]),
        "fr" => format!("{day} {} {year}", MONTHS_FR[month]),
        "es" => format!("{day} de {} de {year}", MONTHS_ES[month]),
        _ => format!("{day} {} {year}", MONTHS_EN[month]),
    }
}

/// A date and a 24-hour time in the buyer's time zone (`27 November 2026, 14:05`).
pub(crate) fn date_time(at: DateTime<Utc>, tz: Tz, language: &str) -> String {
    let time = at.with_timezone(&tz).format("%H:%M");
    let joiner = match language {
        "it" => ", ore ",
        "de" => ", ",
        "fr" => " à ",
        "es" => ", a las ",
        _ => ", ",
    };
    format!("{}{joiner}{time}", date(at, tz, language))
}

/// An amount as the buyer writes it: `€12.50` / `£1,234.00` in English, `12,50 €` /
/// `1.234,00 €` in Italian, German and Spanish, `1 234,00 €` in French.
pub(crate) fn money(amount: &Money, language: &str) -> String {
    let digits = minor_digits(&amount.currency);
    let scale = 10_i64.pow(digits);
    let negative = amount.minor < 0;
    let abs = amount.minor.unsigned_abs();
    let (whole, fraction) = (abs / scale as u64, abs % scale as u64);
    let (group, decimal) = match language {
        "it" | "de" | "es" => ('.', ','),
        "fr" => ('\u{202f}', ','),
        _ => (',', '.'),
    };
    let mut number = grouped(whole, group);
    if digits > 0 {
        number.push(decimal);
        number.push_str(&format!("{fraction:0width$}", width = digits as usize));
    }
    let sign = if negative { "-" } else { "" };
    let symbol = match amount.currency.as_str() {
        "EUR" => "€",
        "GBP" => "£",
        "USD" => "$",
        other => other,
    };
    let symbol_first = !matches!(language, "it" | "de" | "fr" | "es");
    if symbol_first && symbol.chars().count() == 1 {
        format!("{sign}{symbol}{number}")
    } else if symbol_first {
        format!("{sign}{symbol} {number}")
    } else {
        format!("{sign}{number} {symbol}")
    }
}

fn grouped(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// The shipment's state as a phrase that fits "…is currently: [SHIPMENT_STATUS]". `None` for
/// [`ShipmentStatus::Unknown`]: telling a buyer "unknown" helps nobody, so the agent fills it.
pub(crate) fn shipment_status(status: ShipmentStatus, language: &str) -> Option<&'static str> {
    use ShipmentStatus::*;
    let phrase = match (language, status) {
        (_, Unknown) => return None,
        ("it", LabelCreated) => "in preparazione per la spedizione",
        ("it", InTransit) => "in transito",
        ("it", OutForDelivery) => "in consegna",
        ("it", Delivered) => "consegnato",
        ("it", Exception) => "fermo presso il corriere",
        ("de", LabelCreated) => "versandbereit",
        ("de", InTransit) => "unterwegs",
        ("de", OutForDelivery) => "in Zustellung",
        ("de", Delivered) => "zugestellt",
        ("de", Exception) => "beim Zusteller aufgehalten",
        ("fr", LabelCreated) => "prêt à être expédié",
        ("fr", InTransit) => "en transit",
        ("fr", OutForDelivery) => "en cours de livraison",
        ("fr", Delivered) => "livré",
        ("fr", Exception) => "retenu par le transporteur",
        ("es", LabelCreated) => "preparado para el envío",
        ("es", InTransit) => "en tránsito",
        ("es", OutForDelivery) => "en reparto",
        ("es", Delivered) => "entregado",
        ("es", Exception) => "retenido por el transportista",
        (_, LabelCreated) => "ready for dispatch",
        (_, InTransit) => "in transit",
        (_, OutForDelivery) => "out for delivery",
        (_, Delivered) => "delivered",
        (_, Exception) => "held up by the carrier",
    };
    Some(phrase)
}

/// The carrier's name as buyers know it, from the code stored on the shipment.
pub(crate) fn carrier(code: &str) -> String {
    let known = match code {
        "ups" => "UPS",
        "usps" => "USPS",
        "fedex" => "FedEx",
        "dhl" => "DHL",
        "amazon_logistics" => "Amazon Logistics",
        "poste_italiane" => "Poste Italiane",
        "brt" => "BRT",
        "gls" => "GLS",
        "royal_mail" => "Royal Mail",
        "correos" => "Correos",
        "colissimo" => "Colissimo",
        // An unknown carrier's code is its lowercased name: short ones are acronyms (SDA, TNT).
        other if other.len() <= 4 => return other.to_ascii_uppercase(),
        other => {
            return other
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(" ");
        }
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Rome;

    use super::*;

    fn eur(minor: i64) -> Money {
        Money {
            minor,
            currency: "EUR".into(),
        }
    }

    #[test]
    fn dates_are_local_and_spelt_out_per_language() {
        // 23:30 UTC is already the next day in Rome.
        let at = DateTime::parse_from_rfc3339("2026-11-26T23:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(date(at, Rome, "en"), "27 November 2026");
        assert_eq!(date(at, Rome, "it"), "27 novembre 2026");
        assert_eq!(date(at, Rome, "de"), "27. November 2026");
        assert_eq!(date(at, Rome, "es"), "27 de noviembre de 2026");
        assert_eq!(date(at, Tz::UTC, "en"), "26 November 2026");
        assert_eq!(date_time(at, Rome, "it"), "27 novembre 2026, ore 00:30");
    }

    #[test]
    fn amounts_follow_the_language_and_the_currency_precision() {
        assert_eq!(money(&eur(123_450), "en"), "€1,234.50");
        assert_eq!(money(&eur(123_450), "it"), "1.234,50 €");
        assert_eq!(money(&eur(123_450), "fr"), "1\u{202f}234,50 €");
        assert_eq!(money(&eur(-1_250), "de"), "-12,50 €");
        let yen = Money {
            minor: 1500,
            currency: "JPY".into(),
        };
        assert_eq!(money(&yen, "en"), "JPY 1,500");
        let pounds = Money {
            minor: 5,
            currency: "GBP".into(),
        };
        assert_eq!(money(&pounds, "en"), "£0.05");
    }

    #[test]
    fn unknown_status_has_no_phrase_and_carriers_get_their_names() {
        assert_eq!(shipment_status(ShipmentStatus::Unknown, "it"), None);
        assert_eq!(
            shipment_status(ShipmentStatus::InTransit, "it"),
            Some("in transito")
        );
        assert_eq!(
            shipment_status(ShipmentStatus::Delivered, "nl"),
            Some("delivered")
        );
        assert_eq!(carrier("poste_italiane"), "Poste Italiane");
        assert_eq!(carrier("sda"), "SDA");
        assert_eq!(carrier("hermes_uk"), "Hermes Uk");
    }
}
