//! Working-time arithmetic: how much clock time lies between two instants, and when a given
//! amount of it has elapsed. Calendar clocks count real elapsed time (24 h across a DST switch
//! are 24 real hours). Business clocks count the real time spent inside opening periods, which
//! are local times turned into instants day by day, so a 23- or 25-hour day is what it is.
//!
//! A local time that does not exist (skipped by a spring-forward switch) or exists twice (an
//! autumn switch repeats an hour) resolves to the first instant at which the wall clock shows
//! that time or a later one: a period "starting at 02:30" on a day that jumps from 02:00 to 03:00
//! starts at 03:00, and one "ending at 02:30" on a day that repeats 02:00–03:00 ends the first
//! time the clock shows 02:30.

use std::collections::VecDeque;

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;

use super::error::SlaError;
use super::policy::{BusinessHours, Clock};
use super::units::{Day, SlaDuration, TimeOfDay};

/// How far a business deadline is searched for before the clock is declared to have no working
/// time: ten years, far beyond any SLA target, so only a broken calendar reaches it.
const SEARCH_DAYS: u32 = 3660;

/// The clock's working time in `[a, b)`; zero if `b` is not after `a`.
pub fn working_time_between(clock: &Clock, a: DateTime<Utc>, b: DateTime<Utc>) -> SlaDuration {
    if b <= a {
        return SlaDuration::ZERO;
    }
    match clock {
        Clock::Calendar => seconds(b - a),
        Clock::Business(hours) => {
            let last = local_date(hours.time_zone, b);
            let mut total = TimeDelta::zero();
            for (s, e) in OpenIntervals::new(hours, local_date(hours.time_zone, a), last) {
                if s >= b {
                    break;
                }
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    total += e - s;
                }
            }
            seconds(total)
        }
    }
}

/// The clock's opening stretches within `[a, b)`, in order (one stretch for a calendar clock).
pub fn working_spans(
    clock: &Clock,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if b <= a {
        return Vec::new();
    }
    match clock {
        Clock::Calendar => vec![(a, b)],
        Clock::Business(hours) => {
            let last = local_date(hours.time_zone, b);
            let mut out = Vec::new();
            for (s, e) in OpenIntervals::new(hours, local_date(hours.time_zone, a), last) {
                if s >= b {
                    break;
                }
                let (s, e) = (s.max(a), e.min(b));
                if e > s {
                    out.push((s, e));
                }
            }
            out
        }
    }
}

/// The first instant at which the clock's working time since `start` reaches `target`.
/// A target of zero is due at `start` itself.
pub fn deadline(
    clock: &Clock,
    start: DateTime<Utc>,
    target: SlaDuration,
) -> Result<DateTime<Utc>, SlaError> {
    if target == SlaDuration::ZERO {
        return Ok(start);
    }
    let hours = match clock {
        Clock::Calendar => return Ok(start + target.to_delta()),
        Clock::Business(hours) => hours,
    };
    let first = local_date(hours.time_zone, start);
    let last = first + TimeDelta::days(i64::from(SEARCH_DAYS));
    let mut remaining = target.to_delta();
    for (s, e) in OpenIntervals::new(hours, first, last) {
        if e <= start {
            continue;
        }
        let s = s.max(start);
        if e - s >= remaining {
            return Ok(s + remaining);
        }
        remaining -= e - s;
    }
    Err(SlaError::NoWorkingTime {
        from: start,
        days: SEARCH_DAYS,
    })
}

fn seconds(delta: TimeDelta) -> SlaDuration {
    SlaDuration::from_secs(u64::try_from(delta.num_seconds()).unwrap_or(0))
}

fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The instant of `at` on local `date` in `tz`, by the first-time-shown rule of the module doc.
pub(crate) fn resolve_local(tz: Tz, date: NaiveDate, at: TimeOfDay) -> DateTime<Utc> {
    let naive =
        date.and_time(NaiveTime::MIN) + TimeDelta::seconds(i64::from(at.seconds_from_midnight()));
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(a, b) => a.to_utc().min(b.to_utc()),
        LocalResult::None => end_of_gap(tz, naive),
    }
}

/// `naive` is skipped by a forward switch: the answer is the switch instant, i.e. the instant of
/// the first local time after the gap that exists. Found by doubling then bisecting on whole
/// seconds, which is exact because zone transitions fall on whole seconds.
fn end_of_gap(tz: Tz, naive: NaiveDateTime) -> DateTime<Utc> {
    let exists = |t: NaiveDateTime| !matches!(tz.from_local_datetime(&t), LocalResult::None);
    let (mut lo, mut step) = (naive, 1);
    let mut hi = naive + TimeDelta::seconds(step);
    while !exists(hi) {
        lo = hi;
        step *= 2;
        hi = naive + TimeDelta::seconds(step);
    }
    while hi - lo > TimeDelta::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if exists(mid) { hi = mid } else { lo = mid }
    }
    match tz.from_local_datetime(&hi) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(a, b) => a.to_utc().min(b.to_utc()),
        // Unreachable: `hi` was tested to exist. Fall back to reading it as UTC shifted by the
        // offset in force just after it, which is what the answer would be.
        LocalResult::None => Utc.from_utc_datetime(&hi),
    }
}

/// The opening periods of local dates `from..=to` (starting one day earlier, whose night periods
/// may run into `from`) as instants, in order, overlapping ones merged.
struct OpenIntervals<'a> {
    hours: &'a BusinessHours,
    next_date: NaiveDate,
    last_date: NaiveDate,
    queue: VecDeque<(DateTime<Utc>, DateTime<Utc>)>,
    pending: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

impl<'a> OpenIntervals<'a> {
    fn new(hours: &'a BusinessHours, from: NaiveDate, to: NaiveDate) -> Self {
        OpenIntervals {
            hours,
            next_date: from.pred_opt().unwrap_or(from),
            last_date: to,
            queue: VecDeque::new(),
            pending: None,
        }
    }

    fn push_day(&mut self, date: NaiveDate) {
        if self.hours.is_holiday(date) {
            return;
        }
        let tz = self.hours.time_zone;
        let day = Day::of(date);
        let mut today: Vec<_> = self
            .hours
            .periods
            .iter()
            .filter(|p| p.days.contains(&day))
            .map(|p| {
                let start = resolve_local(tz, date, p.start);
                let end = if p.crosses_midnight() {
                    resolve_local(tz, date.succ_opt().unwrap_or(date), p.end)
                } else {
                    resolve_local(tz, date, p.end)
                };
                (start, end)
            })
            // A period can vanish entirely inside a skipped hour.
            .filter(|(s, e)| e > s)
            .collect();
        today.sort();
        self.queue.extend(today);
    }
}

impl Iterator for OpenIntervals<'_> {
    type Item = (DateTime<Utc>, DateTime<Utc>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(next) = self.queue.pop_front() else {
                if self.next_date > self.last_date {
                    return self.pending.take();
                }
                let date = self.next_date;
                self.push_day(date);
                self.next_date = date.succ_opt()?;
                continue;
            };
            // Every period of a later date starts no earlier than this one, so an interval
            // that starts after the pending one ends can close it.
            match &mut self.pending {
                Some(p) if next.0 <= p.1 => p.1 = p.1.max(next.1),
                Some(_) => return self.pending.replace(next),
                None => self.pending = Some(next),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeSet;

    use chrono::Datelike;
    use chrono_tz::Europe::Rome;

    use super::*;
    use crate::sla::policy::Period;
    use crate::sla::units::MonthDay;

    pub(crate) fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn period(days: &[Day], start: &str, end: &str) -> Period {
        Period {
            days: days.to_vec(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
        }
    }

    pub(crate) fn business(periods: Vec<Period>, holidays: &[&str], yearly: &[&str]) -> Clock {
        Clock::Business(BusinessHours {
            time_zone: Rome,
            periods,
            holidays: holidays.iter().map(|d| date(d)).collect(),
            yearly_holidays: yearly
                .iter()
                .map(|d| d.parse::<MonthDay>().unwrap())
                .collect(),
        })
    }

    fn always_open() -> Clock {
        business(vec![period(&Day::ALL, "00:00", "24:00")], &[], &[])
    }

    pub(crate) fn office_rome() -> Clock {
        business(
            vec![period(&Day::WEEKDAYS, "09:00", "18:00")],
            &[],
            &["12-25", "12-26"],
        )
    }

    fn night_desk() -> Clock {
        business(vec![period(&Day::ALL, "22:00", "02:00")], &[], &[])
    }

    fn hours(h: u64) -> SlaDuration {
        SlaDuration::from_hours(h)
    }

    fn local(t: DateTime<Utc>) -> String {
        t.with_timezone(&Rome).to_rfc3339()
    }

    #[test]
    fn calendar_clock_counts_24_real_hours_across_the_spring_switch() {
        // Saturday 23:30 in Rome, the night clocks jump from 02:00 to 03:00.
        let start = utc("2026-03-28T23:30:00+01:00");
        assert_eq!(start, utc("2026-03-28T22:30:00Z"));
        let due = deadline(&Clock::Calendar, start, hours(24)).unwrap();
        assert_eq!(due, utc("2026-03-29T22:30:00Z"));
        // On the wall clock that is 25 hours later.
        assert_eq!(local(due), "2026-03-30T00:30:00+02:00");
        assert_eq!(
            deadline(&Clock::Calendar, start, hours(12)).unwrap(),
            utc("2026-03-29T10:30:00Z")
        );
        assert_eq!(
            working_time_between(&Clock::Calendar, start, due),
            hours(24)
        );
    }

    #[test]
    fn calendar_clock_counts_24_real_hours_across_the_autumn_switch() {
        let start = utc("2026-10-24T23:30:00+02:00");
        let due = deadline(&Clock::Calendar, start, hours(24)).unwrap();
        assert_eq!(due, utc("2026-10-25T21:30:00Z"));
        assert_eq!(local(due), "2026-10-25T22:30:00+01:00");
    }

    #[test]
    fn an_always_open_business_clock_agrees_with_the_calendar_clock_across_switches() {
        for (start, due) in [
            ("2026-03-28T22:30:00Z", "2026-03-29T22:30:00Z"),
            ("2026-10-24T21:30:00Z", "2026-10-25T21:30:00Z"),
        ] {
            assert_eq!(
                deadline(&always_open(), utc(start), hours(24)).unwrap(),
                utc(due)
            );
            assert_eq!(
                working_time_between(&always_open(), utc(start), utc(due)),
                hours(24)
            );
        }
        // The local days of the switches are 23 and 25 hours long.
        let day = |d: &str, n: &str| {
            working_time_between(&always_open(), utc(d), utc(n)).as_secs() / 3600
        };
        assert_eq!(
            day("2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"),
            23
        );
        assert_eq!(
            day("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
            25
        );
    }

    #[test]
    fn periods_spanning_the_skipped_and_repeated_hours_last_their_real_length() {
        let clock = business(vec![period(&Day::ALL, "01:00", "04:00")], &[], &[]);
        // 28 March: 01:00–04:00 CET = 00:00–03:00Z; 29 March: 01:00 CET – 04:00 CEST = 2 h.
        assert_eq!(
            working_time_between(
                &clock,
                utc("2026-03-28T00:00:00Z"),
                utc("2026-03-29T12:00:00Z")
            ),
            hours(5)
        );
        assert_eq!(
            deadline(&clock, utc("2026-03-29T00:30:00Z"), hours(1)).unwrap(),
            utc("2026-03-29T01:30:00Z")
        );
        // 25 October: 01:00 CEST – 04:00 CET = 4 real hours.
        assert_eq!(
            working_time_between(
                &clock,
                utc("2026-10-24T12:00:00Z"),
                utc("2026-10-25T12:00:00Z")
            ),
            hours(4)
        );
        assert_eq!(
            deadline(&clock, utc("2026-10-24T23:00:00Z"), hours(4)).unwrap(),
            utc("2026-10-25T03:00:00Z")
        );
    }

    #[test]
    fn a_period_starting_in_the_skipped_hour_starts_when_the_clock_jumps() {
        let clock = business(vec![period(&Day::ALL, "02:30", "05:00")], &[], &[]);
        // 29 March: opens at the switch, 03:00 CEST = 01:00Z, closes 05:00 CEST = 03:00Z.
        let t = resolve_local(Rome, date("2026-03-29"), "02:30".parse().unwrap());
        assert_eq!(t, utc("2026-03-29T01:00:00Z"));
        assert_eq!(
            working_time_between(
                &clock,
                utc("2026-03-28T12:00:00Z"),
                utc("2026-03-29T12:00:00Z")
            ),
            hours(2)
        );
        // 25 October: opens the first time the clock shows 02:30 (CEST), closes 05:00 CET.
        let t = resolve_local(Rome, date("2026-10-25"), "02:30".parse().unwrap());
        assert_eq!(t, utc("2026-10-25T00:30:00Z"));
        assert_eq!(
            working_time_between(
                &clock,
                utc("2026-10-24T12:00:00Z"),
                utc("2026-10-25T12:00:00Z")
            ),
            SlaDuration::from_mins(210)
        );
    }

    #[test]
    fn the_skipped_hour_resolves_to_the_switch_instant_to_the_second() {
        for (time, expected) in [
            ("02:00", "2026-03-29T01:00:00Z"),
            ("02:59:59", "2026-03-29T01:00:00Z"),
            ("03:00", "2026-03-29T01:00:00Z"),
            ("01:59:59", "2026-03-29T00:59:59Z"),
        ] {
            let t = resolve_local(Rome, date("2026-03-29"), time.parse().unwrap());
            assert_eq!(t, utc(expected), "{time}");
        }
        let t = resolve_local(Rome, date("2026-10-25"), "02:00".parse().unwrap());
        assert_eq!(t, utc("2026-10-25T00:00:00Z"));
        let t = resolve_local(Rome, date("2026-10-25"), TimeOfDay::END_OF_DAY);
        assert_eq!(t, utc("2026-10-25T23:00:00Z"));
    }

    #[test]
    fn a_message_on_a_holiday_eve_waits_for_the_next_working_day() {
        // Thursday 24 December 17:00; 25 and 26 December are holidays, then the weekend.
        let start = utc("2026-12-24T17:00:00+01:00");
        let due = deadline(&office_rome(), start, hours(4)).unwrap();
        // 1 h on the 24th, then 3 h from Monday 28 December 09:00.
        assert_eq!(due, utc("2026-12-28T11:00:00Z"));
        assert_eq!(local(due), "2026-12-28T12:00:00+01:00");
        assert_eq!(working_time_between(&office_rome(), start, due), hours(4));
        // Nothing counts over the holidays and the weekend.
        assert_eq!(
            working_time_between(
                &office_rome(),
                utc("2026-12-24T17:00:00Z"),
                utc("2026-12-28T08:00:00Z")
            ),
            SlaDuration::ZERO
        );
    }

    #[test]
    fn a_deadline_that_lands_on_closing_time_is_closing_time() {
        let start = utc("2026-06-08T09:00:00+02:00"); // Monday
        let due = deadline(&office_rome(), start, hours(9)).unwrap();
        assert_eq!(due, utc("2026-06-08T16:00:00Z"));
        // One second more rolls over to Tuesday's opening.
        let due = deadline(&office_rome(), start, SlaDuration::from_secs(9 * 3600 + 1)).unwrap();
        assert_eq!(due, utc("2026-06-09T07:00:01Z"));
    }

    #[test]
    fn a_message_outside_hours_starts_counting_at_the_next_opening() {
        let saturday = utc("2026-06-06T11:00:00+02:00");
        let due = deadline(&office_rome(), saturday, SlaDuration::from_mins(90)).unwrap();
        assert_eq!(due, utc("2026-06-08T08:30:00Z"));
        assert_eq!(
            deadline(&office_rome(), saturday, SlaDuration::ZERO).unwrap(),
            saturday
        );
    }

    #[test]
    fn night_periods_run_past_midnight() {
        // Wednesday 01:00 in Rome: one hour left tonight, two more from 22:00.
        let start = utc("2026-06-03T01:00:00+02:00");
        assert_eq!(
            deadline(&night_desk(), start, hours(3)).unwrap(),
            utc("2026-06-03T22:00:00Z")
        );
        // At noon nothing counts until 22:00.
        let noon = utc("2026-06-03T12:00:00+02:00");
        assert_eq!(
            deadline(&night_desk(), noon, hours(1)).unwrap(),
            utc("2026-06-03T21:00:00Z")
        );
        assert_eq!(
            working_time_between(
                &night_desk(),
                utc("2026-06-03T00:00:00Z"),
                utc("2026-06-04T00:00:00Z")
            ),
            hours(4)
        );
    }

    #[test]
    fn a_night_period_ending_in_the_skipped_hour_ends_at_the_switch() {
        // Saturday 28 March 22:00 CET until "02:00", which on the 29th does not exist.
        assert_eq!(
            working_time_between(
                &night_desk(),
                utc("2026-03-28T20:00:00Z"),
                utc("2026-03-29T12:00:00Z")
            ),
            hours(4)
        );
    }

    #[test]
    fn a_holiday_cancels_the_periods_that_start_on_it() {
        let friday_night = |holidays: &[&str]| {
            let clock = business(vec![period(&[Day::Fri], "22:00", "02:00")], holidays, &[]);
            working_time_between(
                &clock,
                utc("2026-06-01T00:00:00Z"),
                utc("2026-06-08T00:00:00Z"),
            )
        };
        assert_eq!(friday_night(&[]), hours(4));
        assert_eq!(friday_night(&["2026-06-05"]), SlaDuration::ZERO);
        // The Friday shift runs into a Saturday holiday.
        assert_eq!(friday_night(&["2026-06-06"]), hours(4));
    }

    #[test]
    fn overlapping_periods_count_once() {
        let clock = business(
            vec![
                period(&[Day::Mon], "09:00", "13:00"),
                period(&[Day::Mon], "12:00", "14:00"),
                period(&[Day::Sun], "22:00", "03:00"),
                period(&[Day::Mon], "00:00", "01:00"),
            ],
            &[],
            &[],
        );
        let two_weeks = working_time_between(
            &clock,
            utc("2026-06-01T00:00:00+02:00"),
            utc("2026-06-15T00:00:00+02:00"),
        );
        // Per week from Monday 00:00: 00:00–03:00 (Sunday's night shift absorbs Monday
        // 00:00–01:00), 09:00–14:00, Sunday 22:00–24:00.
        assert_eq!(two_weeks, hours(20));
        let start = utc("2026-06-08T12:30:00+02:00");
        assert_eq!(
            deadline(&clock, start, SlaDuration::from_mins(90)).unwrap(),
            utc("2026-06-08T12:00:00Z")
        );
    }

    #[test]
    fn a_clock_without_working_time_has_no_deadline() {
        let never = business(vec![], &[], &[]);
        let err = deadline(&never, utc("2026-06-01T00:00:00Z"), hours(1)).unwrap_err();
        assert!(matches!(
            err,
            SlaError::NoWorkingTime {
                days: SEARCH_DAYS,
                ..
            }
        ));
        assert_eq!(
            working_time_between(
                &never,
                utc("2026-06-01T00:00:00Z"),
                utc("2026-07-01T00:00:00Z")
            ),
            SlaDuration::ZERO
        );
    }

    #[test]
    fn reversed_ranges_hold_no_working_time() {
        let (a, b) = (utc("2026-06-08T10:00:00Z"), utc("2026-06-08T12:00:00Z"));
        assert_eq!(
            working_time_between(&Clock::Calendar, b, a),
            SlaDuration::ZERO
        );
        assert_eq!(
            working_time_between(&office_rome(), b, a),
            SlaDuration::ZERO
        );
        assert_eq!(working_time_between(&office_rome(), a, b), hours(2));
    }

    /// SplitMix64: a small deterministic generator, so property checks reproduce exactly.
    pub(crate) struct Rng(u64);

    impl Rng {
        pub(crate) fn new(seed: u64) -> Self {
            Rng(seed)
        }

        pub(crate) fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        pub(crate) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn clocks_under_test() -> Vec<(&'static str, Clock)> {
        vec![
            ("calendar", Clock::Calendar),
            ("always open", always_open()),
            ("office", office_rome()),
            ("night desk", night_desk()),
            (
                "split shifts",
                business(
                    vec![
                        period(&Day::WEEKDAYS, "08:30", "12:30"),
                        period(&Day::WEEKDAYS, "14:00", "18:00:30"),
                        period(&[Day::Sat], "23:00", "02:30"),
                        period(&[Day::Sun], "01:30", "03:30"),
                    ],
                    &["2026-04-06", "2027-03-29", "2026-10-26"],
                    &["01-01", "12-25", "12-26", "08-15"],
                ),
            ),
        ]
    }

    #[test]
    fn property_working_time_up_to_the_deadline_is_the_target_and_no_earlier_instant_suffices() {
        let mut rng = Rng::new(0x5EED);
        let base = utc("2025-12-20T00:00:00Z");
        for (name, clock) in clocks_under_test() {
            for _ in 0..300 {
                // Any second of 2026 and early 2027, any target from 1 s to 60 h.
                let start = base + TimeDelta::seconds(rng.below(420 * 86_400) as i64);
                let target = SlaDuration::from_secs(1 + rng.below(60 * 3600));
                let due = deadline(&clock, start, target).unwrap();
                assert_eq!(
                    working_time_between(&clock, start, due),
                    target,
                    "{name} from {start}"
                );
                let just_before = due - TimeDelta::seconds(1);
                assert!(
                    working_time_between(&clock, start, just_before) < target,
                    "{name}: {start} + {target} reached before {due}"
                );
            }
        }
    }

    #[test]
    fn property_working_time_adds_up_over_adjacent_ranges() {
        let mut rng = Rng::new(42);
        let base = utc("2026-01-01T00:00:00Z");
        for (name, clock) in clocks_under_test() {
            for _ in 0..200 {
                let mut t: Vec<_> = (0..3)
                    .map(|_| base + TimeDelta::seconds(rng.below(400 * 86_400) as i64))
                    .collect();
                t.sort();
                let whole = working_time_between(&clock, t[0], t[2]).as_secs();
                let parts = working_time_between(&clock, t[0], t[1]).as_secs()
                    + working_time_between(&clock, t[1], t[2]).as_secs();
                assert_eq!(whole, parts, "{name} {t:?}");
            }
        }
    }

    #[test]
    fn property_an_always_open_business_clock_is_a_calendar_clock() {
        let mut rng = Rng::new(7);
        let base = utc("2026-01-01T00:00:00Z");
        for _ in 0..300 {
            let start = base + TimeDelta::seconds(rng.below(730 * 86_400) as i64);
            let target = SlaDuration::from_secs(rng.below(72 * 3600));
            assert_eq!(
                deadline(&always_open(), start, target).unwrap(),
                deadline(&Clock::Calendar, start, target).unwrap()
            );
        }
    }

    #[test]
    fn property_the_office_week_holds_45_working_hours_unless_a_holiday_falls_in_it() {
        // Every Monday 00:00 local of 2026–2027; holiday weeks lose 9 h per weekday holiday.
        let mut monday = date("2026-01-05");
        let mut weeks = BTreeSet::new();
        while monday.year() < 2028 {
            let from = resolve_local(Rome, monday, TimeOfDay::MIDNIGHT);
            let to = resolve_local(Rome, monday + TimeDelta::days(7), TimeOfDay::MIDNIGHT);
            let closed = (0..5)
                .filter(|i| {
                    let d = monday + TimeDelta::days(*i);
                    MonthDay::of(d) == "12-25".parse().unwrap()
                        || MonthDay::of(d) == "12-26".parse().unwrap()
                })
                .count() as u64;
            assert_eq!(
                working_time_between(&office_rome(), from, to),
                hours(45 - 9 * closed),
                "{monday}"
            );
            weeks.insert(monday);
            monday += TimeDelta::days(7);
        }
        assert_eq!(weeks.len(), 104);
    }
}
