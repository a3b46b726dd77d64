//! Holidays for business clocks: Easter (for the holidays that move with it) and import of
//! holiday calendars in iCalendar form (RFC 5545), as public-holiday feeds and calendar apps
//! export them: all-day `VEVENT`s (`DTSTART;VALUE=DATE`), possibly spanning several days
//! (`DTEND` is exclusive, or `DURATION:P3D`), possibly repeating every year
//! (`RRULE:FREQ=YEARLY`, with or without `COUNT`/`UNTIL`). The `icalendar` crate reads the
//! text (line unfolding, parameters); this module decides what each event closes.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeDelta};
use icalendar::parser::{Component, Property, read_calendar, unfold};
use serde::Serialize;

use super::error::SlaError;
use super::policy::BusinessHours;
use super::units::MonthDay;

/// Longest event taken as a holiday; a longer "all-day" event is more likely a season marker.
const MAX_EVENT_DAYS: i64 = 366;
/// Most years a bounded yearly rule is expanded to.
const MAX_YEARS: u32 = 200;

/// Easter Sunday of a Gregorian `year` (the anonymous Gregorian algorithm of Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
        .expect("the algorithm yields a day in March or April")
}

/// What an iCalendar holiday feed closes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HolidayImport {
    pub dates: BTreeSet<NaiveDate>,
    /// From endless yearly rules.
    pub yearly: BTreeSet<MonthDay>,
    /// Events that could not be taken as whole closed days, with the reason, so nothing is
    /// dropped silently.
    pub skipped: Vec<SkippedEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedEvent {
    /// The event's SUMMARY, or its UID when it has none.
    pub event: String,
    pub reason: String,
}

impl BusinessHours {
    /// Adds imported holidays to this clock's own.
    pub fn add_holidays(&mut self, import: &HolidayImport) {
        self.holidays.extend(import.dates.iter().copied());
        self.yearly_holidays.extend(import.yearly.iter().copied());
    }
}

/// Reads the holidays of an iCalendar text. Fails only on text that is not iCalendar; events it
/// cannot use are listed in `skipped`.
pub fn import_ics(text: &str) -> Result<HolidayImport, SlaError> {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if !text.starts_with("BEGIN:VCALENDAR") {
        return Err(SlaError::Ics(
            "the text does not start with BEGIN:VCALENDAR".into(),
        ));
    }
    let unfolded = unfold(text);
    let calendar = read_calendar(&unfolded).map_err(SlaError::Ics)?;
    let mut import = HolidayImport::default();
    for event in calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
    {
        if let Err(reason) = import_event(event, &mut import) {
            let label = prop(event, "SUMMARY")
                .or_else(|| prop(event, "UID"))
                .map(|p| p.val.clone().unescape_text().as_str().to_string())
                .unwrap_or_else(|| "(unnamed event)".into());
            import.skipped.push(SkippedEvent {
                event: label,
                reason,
            });
        }
    }
    Ok(import)
}

fn prop<'c>(event: &'c Component<'_>, name: &str) -> Option<&'c Property<'c>> {
    event
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn import_event(event: &Component<'_>, import: &mut HolidayImport) -> Result<(), String> {
    if prop(event, "STATUS").is_some_and(|s| s.val.as_str().eq_ignore_ascii_case("CANCELLED")) {
        return Err("cancelled".into());
    }
    if prop(event, "RDATE").is_some() {
        return Err("RDATE is not supported".into());
    }
    let start = date_of(prop(event, "DTSTART").ok_or("no DTSTART")?)?;
    let days = span_days(event, start)?;
    let span: Vec<NaiveDate> = (0..days).map(|i| start + TimeDelta::days(i)).collect();
    let Some(rule) = prop(event, "RRULE") else {
        import.dates.extend(span);
        return Ok(());
    };
    let years = yearly_repetitions(rule.val.as_str(), start)?;
    let excluded = excluded_dates(event)?;
    match years {
        None if !excluded.is_empty() => Err("EXDATE on an endless yearly rule".into()),
        None => {
            import.yearly.extend(span.iter().map(|d| MonthDay::of(*d)));
            Ok(())
        }
        Some(count) => {
            for year in 0..count {
                for d in &span {
                    // A 29 February occurrence does not exist in common years (RFC 5545).
                    let Some(occurrence) = d.with_year(d.year() + year as i32) else {
                        continue;
                    };
                    if !excluded.contains(&occurrence) {
                        import.dates.insert(occurrence);
                    }
                }
            }
            Ok(())
        }
    }
}

/// A DATE value (`20261225`); date-times are refused: a holiday closes whole days.
fn date_of(p: &Property<'_>) -> Result<NaiveDate, String> {
    let is_date_param = p.params.iter().any(|x| {
        x.key.as_str().eq_ignore_ascii_case("VALUE")
            && x.val
                .as_ref()
                .is_some_and(|v| v.as_str().eq_ignore_ascii_case("DATE"))
    });
    let value = p.val.as_str().trim();
    if !is_date_param && value.len() != 8 {
        return Err(format!(
            "{} {value} is a time, not an all-day date",
            p.name.as_str()
        ));
    }
    parse_date(value).ok_or_else(|| format!("{} '{value}' is not a date", p.name.as_str()))
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

fn span_days(event: &Component<'_>, start: NaiveDate) -> Result<i64, String> {
    let days = if let Some(end) = prop(event, "DTEND") {
        // Exclusive end; an end not after the start still closes the start day.
        (date_of(end)? - start).num_days().max(1)
    } else if let Some(duration) = prop(event, "DURATION") {
        parse_day_duration(duration.val.as_str())?
    } else {
        1
    };
    if days > MAX_EVENT_DAYS {
        return Err(format!("lasts {days} days, longer than {MAX_EVENT_DAYS}"));
    }
    Ok(days)
}

/// `P3D`, `P1W`: the only durations an all-day event can have.
fn parse_day_duration(value: &str) -> Result<i64, String> {
    let bad = || format!("DURATION {value} is not a whole number of days or weeks");
    let body = value.strip_prefix('P').ok_or_else(bad)?;
    let (n, unit) = body.split_at(body.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    match unit {
        "D" if n > 0 => Ok(n),
        "W" if n > 0 => Ok(n * 7),
        _ => Err(bad()),
    }
}

/// `None` for an endless yearly rule, `Some(n)` for one that occurs in `n` years.
fn yearly_repetitions(rule: &str, start: NaiveDate) -> Result<Option<u32>, String> {
    let unsupported = |what: &str| Err(format!("RRULE {rule}: {what} is not supported"));
    let mut yearly = false;
    let mut count = None;
    let mut until = None;
    for part in rule.split(';').filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("RRULE {rule} is malformed"))?;
        match key.to_ascii_uppercase().as_str() {
            "FREQ" => yearly = value.eq_ignore_ascii_case("YEARLY"),
            "INTERVAL" if value == "1" => {}
            "BYMONTH" if value.parse() == Ok(start.month()) => {}
            "BYMONTHDAY" if value.parse() == Ok(start.day()) => {}
            "WKST" => {}
            "COUNT" => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| format!("RRULE COUNT {value} is not a number"))?;
                count = Some(n.min(MAX_YEARS));
            }
            "UNTIL" => {
                let day = value.get(..8).and_then(parse_date);
                let day = day.ok_or_else(|| format!("RRULE UNTIL {value} is not a date"))?;
                let years = (day.year() - start.year()).max(-1) + 1;
                // The last year counts only if its occurrence is not after UNTIL.
                let last_fits = start.with_year(day.year()).is_none_or(|d| d <= day);
                let years = if last_fits { years } else { years - 1 };
                until = Some((years.max(0) as u32).min(MAX_YEARS));
            }
            other => return unsupported(other),
        }
    }
    if !yearly {
        return unsupported("a frequency other than YEARLY");
    }
    Ok(count.or(until))
}

fn excluded_dates(event: &Component<'_>) -> Result<BTreeSet<NaiveDate>, String> {
    let mut out = BTreeSet::new();
    for p in event
        .properties
        .iter()
        .filter(|p| p.name.as_str().eq_ignore_ascii_case("EXDATE"))
    {
        for value in p.val.as_str().split(',') {
            let value = value.trim();
            out.insert(parse_date(value).ok_or_else(|| format!("EXDATE {value} is not a date"))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn md(s: &str) -> MonthDay {
        s.parse().unwrap()
    }

    fn ics(events: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//marketdesk//test//EN\r\n{events}END:VCALENDAR\r\n"
        )
    }

    #[test]
    fn easter_falls_on_the_published_dates() {
        for (year, date) in [
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2030, "2030-04-21"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), d(date), "{year}");
        }
    }

    #[test]
    fn all_day_and_multi_day_events_close_every_day_they_cover() {
        let text = ics(concat!(
            "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Natale\r\nDTSTART;VALUE=DATE:20261225\r\n",
            "DTEND;VALUE=DATE:20261226\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Chiusura estiva\r\nDTSTART;VALUE=DATE:20260810\r\n",
            "DTEND;VALUE=DATE:20260813\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:3\r\nSUMMARY:Inventario\r\nDTSTART;VALUE=DATE:20270104\r\n",
            "DURATION:P2D\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:4\r\nSUMMARY:Ponte\r\nDTSTART:20261207\r\nEND:VEVENT\r\n",
        ));
        let import = import_ics(&text).unwrap();
        let expected: BTreeSet<_> = [
            "2026-12-25",
            "2026-08-10",
            "2026-08-11",
            "2026-08-12",
            "2027-01-04",
            "2027-01-05",
            "2026-12-07",
        ]
        .into_iter()
        .map(d)
        .collect();
        assert_eq!(import.dates, expected);
        assert!(import.yearly.is_empty());
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    }

    #[test]
    fn yearly_rules_become_yearly_holidays_or_dates_when_bounded() {
        let text = ics(concat!(
            "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Capodanno\r\nDTSTART;VALUE=DATE:20250101\r\n",
            "RRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Natale e Santo Stefano\r\nDTSTART;VALUE=DATE:20251225\r\n",
            "DTEND;VALUE=DATE:20251227\r\nRRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Patrono\r\nDTSTART;VALUE=DATE:20260629\r\n",
            "RRULE:FREQ=YEARLY;COUNT=3\r\nEXDATE;VALUE=DATE:20270629\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:d\r\nSUMMARY:Fiera\r\nDTSTART;VALUE=DATE:20260915\r\n",
            "RRULE:FREQ=YEARLY;UNTIL=20280914\r\nEND:VEVENT\r\n",
        ));
        let import = import_ics(&text).unwrap();
        assert_eq!(
            import.yearly,
            [md("01-01"), md("12-25"), md("12-26")]
                .into_iter()
                .collect()
        );
        let expected: BTreeSet<_> = ["2026-06-29", "2028-06-29", "2026-09-15", "2027-09-15"]
            .into_iter()
            .map(d)
            .collect();
        assert_eq!(import.dates, expected);
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
    }

    #[test]
    fn events_that_are_not_whole_closed_days_are_reported_not_dropped() {
        let text = ics(concat!(
            "BEGIN:VEVENT\r\nUID:t\r\nSUMMARY:Riunione\r\nDTSTART:20261210T140000Z\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:w\r\nSUMMARY:Ogni lunedì\r\nDTSTART;VALUE=DATE:20260105\r\n",
            "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Annullato\r\nSTATUS:CANCELLED\r\n",
            "DTSTART;VALUE=DATE:20261211\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:no-summary\r\nDTSTART;VALUE=DATE:20261212\r\nRDATE;VALUE=DATE:20271212\r\n",
            "END:VEVENT\r\n",
        ));
        let import = import_ics(&text).unwrap();
        assert!(import.dates.is_empty() && import.yearly.is_empty());
        let names: Vec<_> = import.skipped.iter().map(|s| s.event.as_str()).collect();
        assert_eq!(
            names,
            ["Riunione", "Ogni lunedì", "Annullato", "no-summary"]
        );
        assert!(
            import.skipped[0].reason.contains("not an all-day date"),
            "{:?}",
            import.skipped
        );
        assert!(
            import.skipped[1].reason.contains("YEARLY"),
            "{:?}",
            import.skipped
        );
    }

    #[test]
    fn folded_lines_and_bare_newlines_are_read() {
        let text = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:f\nSUMMARY:Festa della \n Repubblica\nDTSTART;VALUE=DATE:2026\r\n 0602\nEND:VEVENT\nEND:VCALENDAR\n";
        let import = import_ics(text).unwrap();
        assert_eq!(import.dates, [d("2026-06-02")].into_iter().collect());
    }

    #[test]
    fn text_that_is_not_icalendar_is_an_error() {
        assert!(matches!(import_ics("hello"), Err(SlaError::Ics(_))));
        assert!(matches!(
            import_ics("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"),
            Err(SlaError::Ics(_))
        ));
    }

    #[test]
    fn imported_holidays_close_a_business_clock() {
        let text = ics(
            "BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20250101\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n",
        );
        let mut hours = BusinessHours {
            time_zone: chrono_tz::Europe::Rome,
            periods: vec![],
            holidays: BTreeSet::new(),
            yearly_holidays: BTreeSet::new(),
        };
        hours.add_holidays(&import_ics(&text).unwrap());
        assert!(hours.is_holiday(d("2031-01-01")));
        assert!(!hours.is_holiday(d("2031-01-02")));
    }
}
