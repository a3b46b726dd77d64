//! The demo tenant's policies (also shipped as `events/sla/policy_*.json`). Listed narrowest
//! first, since selection takes the first match.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{NaiveDate, TimeDelta};
use chrono_tz::Europe::Rome;

use super::holidays::easter_sunday;
use super::policy::{
    BusinessHours, ChannelScope, Clock, Escalation, Period, PolicyMatch, ResponseTarget, SlaPolicy,
};
use super::units::{Day, MonthDay, SlaDuration, TimeOfDay};
use crate::domain::{Channel, Risk};

/// Years for which the Italian holidays that move (Easter Monday) are listed as dates.
pub const SEED_HOLIDAY_YEARS: RangeInclusive<i32> = 2025..=2035;

/// Italy's national public holidays: the fixed dates (Law 260/1949 as amended, with
/// 4 October again a national holiday from 2026) and Easter Monday of each of `years`.
pub fn italian_public_holidays(
    years: RangeInclusive<i32>,
) -> (BTreeSet<NaiveDate>, BTreeSet<MonthDay>) {
    let fixed = [
        (1, 1),   // Capodanno
        (1, 6),   // Epifania
        (4, 25),  // Festa della Liberazione
        (5, 1),   // Festa del Lavoro
        (6, 2),   // Festa della Repubblica
        (8, 15),  // Ferragosto
        (10, 4),  // San Francesco d'Assisi
        (11, 1),  // Ognissanti
        (12, 8),  // Immacolata Concezione
        (12, 25), // Natale
        (12, 26), // Santo Stefano
    ];
    let yearly = fixed
        .into_iter()
        .map(|(m, d)| MonthDay::new(m, d).expect("a valid date"))
        .collect();
    let easter_mondays = years
        .map(|y| easter_sunday(y) + TimeDelta::days(1))
        .collect();
    (easter_mondays, yearly)
}

fn hours(h: u64) -> SlaDuration {
    SlaDuration::from_hours(h)
}

fn time(h: u32) -> TimeOfDay {
    TimeOfDay::from_hms(h, 0, 0).expect("a valid hour")
}

pub fn seed_policies() -> Vec<SlaPolicy> {
    let (holidays, yearly_holidays) = italian_public_holidays(SEED_HOLIDAY_YEARS);
    vec![
        SlaPolicy {
            id: "risk".into(),
            name: "Account risk: A-to-z claims, chargebacks, item not received, negative feedback"
                .into(),
            channel: ChannelScope::Any,
            matches: PolicyMatch {
                risks: vec![
                    Risk::AToZClaim,
                    Risk::Chargeback,
                    Risk::EbayItemNotReceived,
                    Risk::NegativeFeedback,
                ],
                ..PolicyMatch::default()
            },
            clock: Clock::Calendar,
            first_response: ResponseTarget {
                due: hours(1),
                internal_due: None,
            },
            next_response: ResponseTarget {
                due: hours(1),
                internal_due: None,
            },
            warn_at_percent: vec![50, 80],
            escalation: Escalation {
                fallback_assignee: None,
                bump_priority: true,
            },
        },
        SlaPolicy {
            id: "amazon".into(),
            name: "Amazon buyer messages: 24 h around the clock, 12 h internal".into(),
            channel: ChannelScope::Only(Channel::Amazon),
            matches: PolicyMatch::default(),
            clock: Clock::Calendar,
            first_response: ResponseTarget {
                due: hours(24),
                internal_due: Some(hours(12)),
            },
            next_response: ResponseTarget {
                due: hours(24),
                internal_due: Some(hours(12)),
            },
            warn_at_percent: vec![50, 80],
            escalation: Escalation {
                fallback_assignee: None,
                bump_priority: true,
            },
        },
        SlaPolicy {
            id: "ebay".into(),
            name: "eBay messages: 24 h around the clock".into(),
            channel: ChannelScope::Only(Channel::Ebay),
            matches: PolicyMatch::default(),
            clock: Clock::Calendar,
            first_response: ResponseTarget {
                due: hours(24),
                internal_due: None,
            },
            next_response: ResponseTarget {
                due: hours(24),
                internal_due: None,
            },
            warn_at_percent: vec![50, 80],
            escalation: Escalation::default(),
        },
        SlaPolicy {
            id: "shopify-it".into(),
            name: "Shopify store: 4 working hours, Mon-Fri 09:00-18:00 Italian time".into(),
            channel: ChannelScope::Only(Channel::Shopify),
            matches: PolicyMatch::default(),
            clock: Clock::Business(BusinessHours {
                time_zone: Rome,
                periods: vec![Period {
                    days: Day::WEEKDAYS.to_vec(),
                    start: time(9),
                    end: time(18),
                }],
                holidays,
                yearly_holidays,
            }),
            first_response: ResponseTarget {
                due: hours(4),
                internal_due: None,
            },
            next_response: ResponseTarget {
                due: hours(4),
                internal_due: None,
            },
            warn_at_percent: vec![50, 80],
            escalation: Escalation::default(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sla::holidays::import_ics;
    use crate::sla::policy::{PolicyContext, select_policy, validate_policies};

    const FILES: [(&str, &str); 4] = [
        ("risk", include_str!("../../../events/sla/policy_risk.json")),
        (
            "amazon",
            include_str!("../../../events/sla/policy_amazon.json"),
        ),
        ("ebay", include_str!("../../../events/sla/policy_ebay.json")),
        (
            "shopify-it",
            include_str!("../../../events/sla/policy_shopify_it.json"),
        ),
    ];

    #[test]
    fn seed_policies_are_valid_and_the_risk_policy_comes_first() {
        let seeds = seed_policies();
        validate_policies(&seeds).unwrap();
        let ids: Vec<_> = seeds.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["risk", "amazon", "ebay", "shopify-it"]);
        let no_tags = BTreeSet::new();
        for channel in Channel::ALL {
            let ctx = |risk| PolicyContext {
                channel,
                risk,
                lifetime_value_minor: 0,
                tags: &no_tags,
            };
            let risky = select_policy(&seeds, &ctx(Some(Risk::Chargeback))).unwrap();
            assert_eq!(risky.id, "risk");
        }
        let pick = |channel| {
            let ctx = PolicyContext {
                channel,
                risk: None,
                lifetime_value_minor: 0,
                tags: &no_tags,
            };
            select_policy(&seeds, &ctx).map(|p| p.id.clone())
        };
        assert_eq!(pick(Channel::Amazon).as_deref(), Some("amazon"));
        assert_eq!(pick(Channel::Ebay).as_deref(), Some("ebay"));
        assert_eq!(pick(Channel::Shopify).as_deref(), Some("shopify-it"));
    }

    #[test]
    fn the_shipped_policy_files_are_the_seed_policies() {
        let seeds = seed_policies();
        for (id, json) in FILES {
            let from_file = SlaPolicy::from_json(json).unwrap();
            let seed = seeds.iter().find(|p| p.id == id).unwrap();
            assert_eq!(&from_file, seed, "events/sla file for {id}");
        }
    }

    #[test]
    fn italian_holidays_include_easter_monday_and_san_francesco() {
        let (dates, yearly) = italian_public_holidays(2026..=2027);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            dates,
            [d("2026-04-06"), d("2027-03-29")].into_iter().collect()
        );
        assert_eq!(yearly.len(), 11);
        assert!(yearly.contains(&"10-04".parse().unwrap()));
        assert!(yearly.contains(&"06-02".parse().unwrap()));
    }

    #[test]
    fn the_shipped_italian_holiday_calendar_matches_the_seed() {
        let import = import_ics(include_str!("../../../events/sla/holidays_it.ics")).unwrap();
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
        let (dates, yearly) = italian_public_holidays(SEED_HOLIDAY_YEARS);
        assert_eq!(import.dates, dates);
        assert_eq!(import.yearly, yearly);
    }
}
