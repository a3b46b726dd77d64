//! Decimal amounts as marketplaces send them (`"103.97"`) to [`Money`] in minor units.

use crate::domain::Money;

/// Digits after the decimal point of an ISO 4217 currency (2 unless listed).
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Parses `amount` exactly; digits beyond the currency's precision are rounded half away from
/// zero (tax breakdowns can carry more precision than the currency has).
pub fn parse_money(amount: &str, currency: &str) -> Result<Money, String> {
    let text = amount.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("'{amount}' is not a decimal amount"));
    }
    let scale = minor_digits(currency) as usize;
    let mut minor: i64 = 0;
    let kept = fraction.chars().chain(std::iter::repeat('0')).take(scale);
    for c in whole.chars().chain(kept) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(c as u8 - b'0')))
            .ok_or_else(|| format!("'{amount}' is too large"))?;
    }
    if fraction.as_bytes().get(scale).is_some_and(|&d| d >= b'5') {
        minor = minor
            .checked_add(1)
            .ok_or_else(|| format!("'{amount}' is too large"))?;
    }
    Ok(Money {
        minor: if negative { -minor } else { minor },
        currency: currency.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minor(amount: &str, currency: &str) -> i64 {
        parse_money(amount, currency).unwrap().minor
    }

    #[test]
    fn amounts_become_minor_units_of_their_currency() {
        assert_eq!(minor("103.97", "GBP"), 10397);
        assert_eq!(minor("29.9", "EUR"), 2990);
        assert_eq!(minor("12", "USD"), 1200);
        assert_eq!(minor("1500", "JPY"), 1500);
        assert_eq!(minor("1.234", "KWD"), 1234);
        assert_eq!(minor("-4.00", "EUR"), -400);
    }

    #[test]
    fn extra_precision_rounds_half_away_from_zero() {
        assert_eq!(minor("0.125", "EUR"), 13);
        assert_eq!(minor("0.124", "EUR"), 12);
        assert_eq!(minor("-0.125", "EUR"), -13);
    }

    #[test]
    fn garbage_is_refused() {
        for bad in ["", ".", "1,50", "abc", "1.2.3", "1e3"] {
            assert!(parse_money(bad, "EUR").is_err(), "{bad}");
        }
    }
}
