//! Small value types of SLA policies with a readable JSON form: durations (`"4h"`, `"1h30m"`),
//! times of day (`"09:00"`, `"24:00"`), weekdays (`"mon"`) and yearly dates (`"12-25"`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A length of (working or calendar) time, to the second. Written `"24h"`, `"1h30m"`, `"90s"`:
/// no days, because "1 day" of a business clock is easily misread as a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SlaDuration(u64);

impl SlaDuration {
    pub const ZERO: SlaDuration = SlaDuration(0);

    pub const fn from_secs(secs: u64) -> Self {
        SlaDuration(secs)
    }

    pub const fn from_mins(mins: u64) -> Self {
        SlaDuration(mins * 60)
    }

    pub const fn from_hours(hours: u64) -> Self {
        SlaDuration(hours * 3600)
    }

    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// `percent` % of this duration, rounded down to the second.
    pub const fn percent(self, percent: u8) -> Self {
        SlaDuration(self.0 * percent as u64 / 100)
    }

    /// As a chrono delta, for instant arithmetic. Durations beyond chrono's range cannot come
    /// from a validated policy; they saturate rather than panic.
    pub fn to_delta(self) -> chrono::TimeDelta {
        chrono::TimeDelta::try_seconds(i64::try_from(self.0).unwrap_or(i64::MAX))
            .unwrap_or(chrono::TimeDelta::MAX)
    }
}

impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl FromStr for SlaDuration {
    type Err = String;

    /// Parses `[Nh][Nm][Ns]`, units in that order, at least one.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a duration like \"24h\", \"1h30m\" or \"90s\"");
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut last_unit = 0; // index into "hms" + 1 of the previous unit, to enforce order
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let (rank, factor) = match c {
                'h' => (1, 3600),
                'm' => (2, 60),
                's' => (3, 1),
                _ => return Err(bad()),
            };
            if digits.is_empty() || rank <= last_unit {
                return Err(bad());
            }
            let n: u64 = digits.parse().map_err(|_| bad())?;
            total = n
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(bad)?;
            digits.clear();
            last_unit = rank;
        }
        if !digits.is_empty() || last_unit == 0 {
            return Err(bad());
        }
        Ok(SlaDuration(total))
    }
}

/// A local time of day, `00:00` to `24:00` (the end of the day), to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(u32);

impl TimeOfDay {
    pub const MIDNIGHT: TimeOfDay = TimeOfDay(0);
    pub const END_OF_DAY: TimeOfDay = TimeOfDay(86_400);

    /// `None` unless `h:m:s` is a time of day or exactly 24:00:00.
    pub fn from_hms(h: u32, m: u32, s: u32) -> Option<Self> {
        if h > 24 || m >= 60 || s >= 60 {
            return None;
        }
        let secs = h * 3600 + m * 60 + s;
        (secs <= 86_400).then_some(TimeOfDay(secs))
    }

    pub const fn seconds_from_midnight(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

impl FromStr for TimeOfDay {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a time of day like \"09:00\" or \"24:00\"");
        let parts: Vec<&str> = s.split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
            return Err(bad());
        }
        let num = |p: &str| p.parse::<u32>().map_err(|_| bad());
        let h = num(parts[0])?;
        let m = num(parts[1])?;
        let sec = if parts.len() == 3 { num(parts[2])? } else { 0 };
        TimeOfDay::from_hms(h, m, sec).ok_or_else(bad)
    }
}

/// A day of the week as policies write it (`"mon"` … `"sun"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const WEEKDAYS: [Day; 5] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    pub fn of(date: NaiveDate) -> Day {
        match date.weekday() {
            Weekday::Mon => Day::Mon,
            Weekday::Tue => Day::Tue,
            Weekday::Wed => Day::Wed,
            Weekday::Thu => Day::Thu,
            Weekday::Fri => Day::Fri,
            Weekday::Sat => Day::Sat,
            Weekday::Sun => Day::Sun,
        }
    }
}

/// A date that comes back every year (`"12-25"`); `"02-29"` applies to leap years only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    month: u32,
    day: u32,
}

impl MonthDay {
    /// `None` unless the pair is a date in some year.
    pub fn new(month: u32, day: u32) -> Option<Self> {
        // 2024 is a leap year, so every valid month-day exists in it.
        NaiveDate::from_ymd_opt(2024, month, day).map(|_| MonthDay { month, day })
    }

    pub fn of(date: NaiveDate) -> Self {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl FromStr for MonthDay {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not a yearly date like \"12-25\" (MM-DD)");
        let (m, d) = s.split_once('-').ok_or_else(bad)?;
        if m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let m = m.parse().map_err(|_| bad())?;
        let d = d.parse().map_err(|_| bad())?;
        MonthDay::new(m, d).ok_or_else(bad)
    }
}

/// Serde through `Display`/`FromStr`, so the JSON form is the readable one above.
macro_rules! serde_as_string {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_string!(SlaDuration, TimeOfDay, MonthDay);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_hours_minutes_seconds_in_order() {
        assert_eq!("24h".parse(), Ok(SlaDuration::from_hours(24)));
        assert_eq!("1h30m".parse(), Ok(SlaDuration::from_mins(90)));
        assert_eq!("2h0m5s".parse(), Ok(SlaDuration::from_secs(7205)));
        assert_eq!("90s".parse(), Ok(SlaDuration::from_secs(90)));
        for bad in [
            "", "h", "24", "30m1h", "1h1h", "1d", "-1h", "1.5h", " 1h", "1H",
        ] {
            assert!(bad.parse::<SlaDuration>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn durations_print_in_their_canonical_form() {
        assert_eq!(SlaDuration::from_hours(24).to_string(), "24h");
        assert_eq!(SlaDuration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(SlaDuration::from_secs(3601).to_string(), "1h1s");
        assert_eq!(SlaDuration::ZERO.to_string(), "0s");
        assert_eq!(
            serde_json::to_string(&SlaDuration::from_mins(45)).unwrap(),
            "\"45m\""
        );
        let back: SlaDuration = serde_json::from_str("\"36h\"").unwrap();
        assert_eq!(back, SlaDuration::from_hours(36));
    }

    #[test]
    fn percent_rounds_down_to_the_second() {
        assert_eq!(
            SlaDuration::from_hours(4).percent(80),
            SlaDuration::from_secs(11_520)
        );
        assert_eq!(
            SlaDuration::from_secs(7).percent(50),
            SlaDuration::from_secs(3)
        );
    }

    #[test]
    fn times_of_day_accept_end_of_day_and_seconds() {
        assert_eq!(
            "09:00"
                .parse::<TimeOfDay>()
                .unwrap()
                .seconds_from_midnight(),
            32_400
        );
        assert_eq!("24:00".parse::<TimeOfDay>(), Ok(TimeOfDay::END_OF_DAY));
        assert_eq!(
            "17:30:15".parse::<TimeOfDay>().unwrap().to_string(),
            "17:30:15"
        );
        assert_eq!(TimeOfDay::from_hms(9, 0, 0).unwrap().to_string(), "09:00");
        for bad in ["24:01", "9:00", "12:60", "12", "aa:bb", "12:00:60", "25:00"] {
            assert!(bad.parse::<TimeOfDay>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn month_days_accept_leap_day_and_reject_impossible_dates() {
        assert_eq!("12-25".parse::<MonthDay>().unwrap().to_string(), "12-25");
        assert!("02-29".parse::<MonthDay>().is_ok());
        for bad in ["02-30", "13-01", "1-01", "12/25", "00-10"] {
            assert!(bad.parse::<MonthDay>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn days_serialize_lowercase_and_match_chrono_weekdays() {
        assert_eq!(serde_json::to_string(&Day::Mon).unwrap(), "\"mon\"");
        let thursday = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
        assert_eq!(Day::of(thursday), Day::Thu);
    }
}
