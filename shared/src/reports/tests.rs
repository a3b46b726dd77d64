//! Every report figure against a brute-force computation from the raw happenings: thousands of
//! messages with random timings across DST changes and month ends, several agents, channels
//! and accounts, late answers, "no response needed", automatic replies and resolutions.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::counters::{AggKey, Counters, HISTOGRAM_MINUTES};
use super::facts::{Breach, Handling, TicketFacts};
use super::forecast::{self, AlertState, Crossing};
use super::record::{Arrival, Recorder, hour_of_week};
use super::report::{self, Filter, RateFigures, ReportData};
use super::{ANSWER_WITHIN, local_day};
use crate::domain::{
    AccountId, AgentId, Channel, CustomerId, MessageId, Priority, Risk, SlaState, TenantId, Ticket,
    TicketId, TicketStatus,
};
use crate::sla::{SlaPolicy, seed_policies, working_time_between};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone)]
enum Happening {
    Buyer {
        message: MessageId,
        risk: Option<Risk>,
    },
    Reply(Handling),
    Resolve(AgentId),
}

#[derive(Debug, Clone)]
struct Event {
    at: DateTime<Utc>,
    ticket: usize,
    what: Happening,
}

struct World {
    tickets: Vec<Ticket>,
    events: Vec<Event>,
}

fn agent(i: u64) -> AgentId {
    AgentId::parse(format!("agent-{i}")).unwrap()
}

fn policy_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Amazon => "amazon",
        Channel::Ebay => "ebay",
        Channel::Shopify | Channel::Email => "shopify-it",
    }
}

fn ticket(i: usize, channel: Channel, account: &str, at: DateTime<Utc>) -> Ticket {
    Ticket {
        id: TicketId::parse(format!("tkt_{i:05}")).unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        channel,
        account: AccountId::parse(account).unwrap(),
        thread: format!("thread-{i}"),
        subject: "Question".into(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        intent: None,
        risk: None,
        customer: CustomerId::parse(format!("cus_{i}")).unwrap(),
        order: None,
        sla: SlaState::default(),
        message_count: 0,
        last_buyer_message_at: None,
        language: None,
        last_agent_reply_at: None,
        suggested_draft: None,
        draft: None,
        sources: Default::default(),
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// Random conversations between `start` and `start + days`.
fn world(seed: u64, tickets: usize, start: DateTime<Utc>, days: i64) -> World {
    let mut rng = Rng(seed);
    let places = [
        (Channel::Amazon, "amz-it"),
        (Channel::Amazon, "amz-de"),
        (Channel::Ebay, "ebay-main"),
        (Channel::Shopify, "shop"),
    ];
    let mut out = World {
        tickets: Vec::new(),
        events: Vec::new(),
    };
    let mut msg = 0u64;
    for i in 0..tickets {
        let (channel, account) = places[rng.below(places.len() as u64) as usize];
        let mut at = start + Duration::seconds(rng.below((days * 86_400) as u64) as i64);
        out.tickets.push(ticket(i, channel, account, at));
        let steps = 1 + rng.below(6);
        let mut push = |at, what| {
            out.events.push(Event {
                at,
                ticket: i,
                what,
            })
        };
        for step in 0..steps {
            msg += 1;
            let message = MessageId::parse(format!("msg_{msg:07}")).unwrap();
            let risk = (rng.chance(4)).then(|| match rng.below(4) {
                0 => Risk::AToZClaim,
                1 => Risk::Chargeback,
                2 => Risk::EbayItemNotReceived,
                _ => Risk::NegativeFeedback,
            });
            let buyer_message = Happening::Buyer {
                message: message.clone(),
                risk,
            };
            push(at, buyer_message);
            // Sometimes a second message before anyone answers.
            if rng.chance(20) {
                at += Duration::seconds(rng.below(6 * 3600) as i64 + 1);
                msg += 1;
                let second = MessageId::parse(format!("msg_{msg:07}")).unwrap();
                push(
                    at,
                    Happening::Buyer {
                        message: second.clone(),
                        risk: None,
                    },
                );
                if rng.chance(30) {
                    at += Duration::seconds(rng.below(3600) as i64 + 1);
                    push(
                        at,
                        Happening::Reply(Handling::NoResponseNeeded {
                            agent: agent(rng.below(4)),
                            message: Some(second),
                        }),
                    );
                }
            }
            // Delays from seconds to days: around the 24 h line, past 48 h, some never.
            let delay = match rng.below(10) {
                0 => rng.below(600),
                1..=5 => rng.below(20 * 3600),
                6 => 23 * 3600 + rng.below(2 * 3600),
                7 => rng.below(47 * 3600),
                8 => 49 * 3600 + rng.below(5 * 86_400),
                _ => u64::MAX,
            };
            if delay == u64::MAX {
                continue;
            }
            at += Duration::seconds(delay as i64 + 1);
            if rng.chance(10) {
                push(at, Happening::Reply(Handling::AutoReply));
                at += Duration::seconds(rng.below(3 * 3600) as i64 + 1);
            }
            let handling = if rng.chance(12) {
                Handling::NoResponseNeeded {
                    agent: agent(rng.below(4)),
                    message: None,
                }
            } else {
                Handling::AgentReply {
                    agent: agent(rng.below(4)),
                }
            };
            push(at, Happening::Reply(handling));
            if rng.chance(25) || step + 1 == steps {
                at += Duration::seconds(rng.below(86_400) as i64 + 1);
                if rng.chance(70) {
                    push(at, Happening::Resolve(agent(rng.below(4))));
                }
            }
            at += Duration::seconds(rng.below(3 * 86_400) as i64 + 60);
        }
    }
    out.events
        .sort_by(|a, b| a.at.cmp(&b.at).then(a.ticket.cmp(&b.ticket)));
    out
}

/// The store as the adapter keeps it: counters added, report items replaced, breaches listed.
#[derive(Default)]
struct Store {
    rows: BTreeMap<AggKey, Counters>,
    facts: HashMap<TicketId, TicketFacts>,
    breaches: Vec<Breach>,
}

fn run(world: &World, tz: Tz, policies: &[SlaPolicy], until: DateTime<Utc>) -> Store {
    let recorder = Recorder { tz, policies };
    let mut store = Store::default();
    let mut started = vec![false; world.tickets.len()];
    for e in world.events.iter().filter(|e| e.at <= until) {
        let mut t = world.tickets[e.ticket].clone();
        let facts = store.facts.get(&t.id).cloned();
        // The SLA engine's view for the ticket: the clock runs from the oldest open message.
        let oldest = facts
            .as_ref()
            .and_then(|f| f.open.first())
            .map(|m| m.arrived_at);
        t.sla = SlaState {
            policy: Some(policy_of(t.channel).into()),
            clock_started_at: oldest,
            due_at: oldest.map(|o| o + ANSWER_WITHIN),
            ..Default::default()
        };
        let write = match &e.what {
            Happening::Buyer { message, risk } => {
                let new_ticket = !started[e.ticket];
                started[e.ticket] = true;
                let clock = oldest.unwrap_or(e.at);
                t.sla.clock_started_at = Some(clock);
                t.sla.due_at = Some(clock + ANSWER_WITHIN);
                recorder.on_arrival(
                    facts.as_ref(),
                    &t,
                    &Arrival {
                        message,
                        at: e.at,
                        from_buyer: risk.is_none(),
                        needs_answer: true,
                        risk: *risk,
                        new_ticket,
                    },
                )
            }
            Happening::Reply(h) => {
                let before = t.sla.clone();
                recorder.on_handled(facts.as_ref(), &t, &before, h, e.at)
            }
            Happening::Resolve(a) => recorder.on_resolved(facts.as_ref(), &t, a, e.at),
        };
        let mut keys: Vec<&AggKey> = write.counters.iter().map(|(k, _)| k).collect();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "one entry per aggregate key in a write");
        for (k, c) in write.counters {
            store.rows.entry(k).or_default().add(&c);
        }
        if let Some(f) = write.facts {
            store.facts.insert(f.ticket.clone(), f);
        }
        store.breaches.extend(write.breaches);
    }
    store
}

/// What happened to one message, straight from the raw happenings.
#[derive(Debug, Clone)]
struct Outcome {
    ticket: usize,
    arrived: DateTime<Utc>,
    ended: Option<(DateTime<Utc>, Handling)>,
}

/// (ticket, start, end, handler, hit)
type Cycle = (usize, DateTime<Utc>, DateTime<Utc>, Option<AgentId>, bool);

struct Truth {
    messages: Vec<Outcome>,
    /// (ticket, earliest answered arrival, reply instant, agent) per ticket's first response.
    first: Vec<(usize, DateTime<Utc>, DateTime<Utc>, AgentId)>,
    cycles: Vec<Cycle>,
    /// (ticket, at, resolver, agent replies since the last resolution)
    resolutions: Vec<(usize, DateTime<Utc>, AgentId, u32)>,
    /// (ticket, at, kind, buyer wrote before)
    claims: Vec<(usize, DateTime<Utc>, &'static str, bool)>,
    conversations: Vec<(usize, DateTime<Utc>)>,
}

fn truth(world: &World, until: DateTime<Utc>) -> Truth {
    let mut t = Truth {
        messages: Vec::new(),
        first: Vec::new(),
        cycles: Vec::new(),
        resolutions: Vec::new(),
        claims: Vec::new(),
        conversations: Vec::new(),
    };
    let mut by_ticket: BTreeMap<usize, Vec<&Event>> = BTreeMap::new();
    for e in world.events.iter().filter(|e| e.at <= until) {
        by_ticket.entry(e.ticket).or_default().push(e);
    }
    for (ticket, events) in by_ticket {
        let channel = world.tickets[ticket].channel;
        let mut open: Vec<(MessageId, usize)> = Vec::new();
        let mut answered_once = false;
        let mut replies = 0u32;
        let mut buyer = false;
        let mut kinds: Vec<&'static str> = Vec::new();
        let mut claim_conversation = false;
        t.conversations.push((ticket, events[0].at));
        for e in events {
            match &e.what {
                Happening::Buyer { message, risk } => {
                    if let Some(r) = risk {
                        let kind = super::record::risk_kind(*r);
                        if !kinds.contains(&kind) {
                            kinds.push(kind);
                            t.claims
                                .push((ticket, e.at, kind, buyer && !claim_conversation));
                            if buyer {
                                claim_conversation = true;
                            }
                        } else if buyer && !claim_conversation {
                            t.claims.push((ticket, e.at, "", true));
                            claim_conversation = true;
                        }
                    } else {
                        buyer = true;
                    }
                    t.messages.push(Outcome {
                        ticket,
                        arrived: e.at,
                        ended: None,
                    });
                    open.push((message.clone(), t.messages.len() - 1));
                }
                Happening::Reply(h) => {
                    if matches!(h, Handling::AutoReply) && channel != Channel::Ebay {
                        continue;
                    }
                    let start = open.first().map(|(_, i)| t.messages[*i].arrived);
                    let ended: Vec<usize> = match h {
                        Handling::NoResponseNeeded {
                            message: Some(m), ..
                        } => open
                            .iter()
                            .filter(|(id, _)| id == m)
                            .map(|(_, i)| *i)
                            .collect(),
                        _ => open.iter().map(|(_, i)| *i).collect(),
                    };
                    open.retain(|(_, i)| !ended.contains(i));
                    for i in &ended {
                        t.messages[*i].ended = Some((e.at, h.clone()));
                    }
                    if let (Some(first), Handling::AgentReply { agent }) = (ended.first(), h)
                        && !answered_once
                    {
                        answered_once = true;
                        t.first
                            .push((ticket, t.messages[*first].arrived, e.at, agent.clone()));
                    }
                    if !ended.is_empty() && open.is_empty() {
                        let start = start.unwrap();
                        t.cycles.push((
                            ticket,
                            start,
                            e.at,
                            h.agent().cloned(),
                            e.at <= start + ANSWER_WITHIN,
                        ));
                    }
                    if matches!(h, Handling::AgentReply { .. }) {
                        replies += 1;
                    }
                }
                Happening::Resolve(a) => {
                    t.resolutions.push((ticket, e.at, a.clone(), replies));
                    replies = 0;
                }
            }
        }
    }
    t
}

fn nearest_rank(mut values: Vec<u32>, p: u64) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let rank = (values.len() as u64 * p).div_ceil(100).max(1);
    Some(values[rank as usize - 1])
}

struct Case<'a> {
    world: &'a World,
    tz: Tz,
    policies: &'a [SlaPolicy],
    now: DateTime<Utc>,
    data: ReportData,
    truth: Truth,
}

impl Case<'_> {
    fn in_place(&self, ticket: usize, f: &Filter) -> bool {
        let t = &self.world.tickets[ticket];
        f.channel.is_none_or(|c| c == t.channel)
            && f.account.as_ref().is_none_or(|a| *a == t.account)
    }
    fn in_days(&self, at: DateTime<Utc>, f: &Filter) -> bool {
        let d = local_day(at, self.tz);
        d >= f.from && d <= f.to
    }

    fn expected_rate(&self, f: &Filter) -> RateFigures {
        let mut e = RateFigures {
            received: 0,
            within_24h: 0,
            agent_replies_within_24h: 0,
            no_response_needed_within_24h: 0,
            auto_replies_within_24h: 0,
            late: 0,
            unanswered_late: 0,
            pending: 0,
            rate_percent: None,
        };
        for m in self
            .truth
            .messages
            .iter()
            .filter(|m| self.in_place(m.ticket, f) && self.in_days(m.arrived, f))
        {
            if let Some(a) = &f.agent {
                match &m.ended {
                    Some((_, h)) if h.agent() == Some(a) => {}
                    _ => continue,
                }
            }
            e.received += 1;
            match &m.ended {
                Some((at, h)) if *at - m.arrived <= ANSWER_WITHIN => {
                    e.within_24h += 1;
                    match h {
                        Handling::AgentReply { .. } => e.agent_replies_within_24h += 1,
                        Handling::NoResponseNeeded { .. } => e.no_response_needed_within_24h += 1,
                        Handling::AutoReply => e.auto_replies_within_24h += 1,
                    }
                }
                Some(_) => e.late += 1,
                None if self.now - m.arrived < ANSWER_WITHIN => e.pending += 1,
                None => {
                    e.late += 1;
                    e.unanswered_late += 1;
                }
            }
        }
        let counted = e.received - e.pending;
        e.rate_percent = (counted > 0).then(|| e.within_24h as f64 * 100.0 / counted as f64);
        e
    }

    fn check(&self, f: &Filter) {
        let ctx = format!("{f:?} in {}", self.tz);
        assert_eq!(
            RateFigures::of(&self.data, f, self.now),
            self.expected_rate(f),
            "rate {ctx}"
        );

        // First response: calendar and working times of each ticket's first answer.
        let firsts: Vec<_> = self
            .truth
            .first
            .iter()
            .filter(|(t, arrived, _, a)| {
                self.in_place(*t, f)
                    && self.in_days(*arrived, f)
                    && f.agent.as_ref().is_none_or(|x| x == a)
            })
            .collect();
        let calendar: Vec<u64> = firsts
            .iter()
            .map(|(_, a, b, _)| (*b - *a).num_seconds() as u64)
            .collect();
        let working: Vec<u64> = firsts
            .iter()
            .map(|(t, a, b, _)| {
                let channel = self.world.tickets[*t].channel;
                let p = self
                    .policies
                    .iter()
                    .find(|p| p.id == policy_of(channel))
                    .unwrap();
                working_time_between(&p.clock, *a, *b).as_secs()
            })
            .collect();
        let got = report::FirstResponse::of(&self.data.total(f));
        let minutes = |v: &[u64]| {
            v.iter()
                .map(|s| ((s / 60) as u32).min(HISTOGRAM_MINUTES))
                .collect::<Vec<_>>()
        };
        for (stats, values) in [(&got.calendar, &calendar), (&got.working, &working)] {
            assert_eq!(stats.count, values.len() as u64, "fr count {ctx}");
            let sum: u64 = values.iter().sum();
            assert_eq!(
                stats.average_seconds,
                (!values.is_empty()).then(|| sum as f64 / values.len() as f64),
                "fr average {ctx}"
            );
            assert_eq!(
                stats.median_minutes,
                nearest_rank(minutes(values), 50),
                "median {ctx}"
            );
            assert_eq!(
                stats.p90_minutes,
                nearest_rank(minutes(values), 90),
                "p90 {ctx}"
            );
        }

        // The distribution: each first response in the bucket its whole minutes fall in.
        let shape = report::distribution(&self.data.total(f));
        for (i, b) in shape.iter().enumerate() {
            let lower = i
                .checked_sub(1)
                .map_or(0, |j| report::DISTRIBUTION_MINUTES[j]);
            let inside = |v: &[u64]| {
                minutes(v)
                    .into_iter()
                    .filter(|m| *m >= lower && b.under_minutes.is_none_or(|u| *m < u))
                    .count() as u64
            };
            assert_eq!(
                (b.calendar, b.working),
                (inside(&calendar), inside(&working)),
                "distribution bucket {i} {ctx}"
            );
        }

        // Day by day: each day's rate is the brute-force rate of that day alone.
        if (f.to - f.from).num_days() < 40 {
            for d in report::daily_rates(&self.data, f, self.now) {
                let one = Filter {
                    from: d.day,
                    to: d.day,
                    ..f.clone()
                };
                assert_eq!(d.figures, self.expected_rate(&one), "day {} {ctx}", d.day);
            }
        }

        // SLA per policy: cycles answered in time, late, and open past their deadline.
        let sla = report::sla_report(&self.data, f, self.now, usize::MAX);
        let mut expected: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for (t, start, _, handler, hit) in &self.truth.cycles {
            if self.in_place(*t, f)
                && self.in_days(*start, f)
                && f.agent.as_ref().is_none_or(|a| handler.as_ref() == Some(a))
            {
                let e = expected
                    .entry(policy_of(self.world.tickets[*t].channel).into())
                    .or_default();
                if *hit {
                    e.0 += 1;
                } else {
                    e.1 += 1;
                }
            }
        }
        if f.agent.is_none() {
            for (t, facts) in self.data.open.iter().map(|x| (x, x)) {
                let _ = facts;
                let i = self
                    .world
                    .tickets
                    .iter()
                    .position(|x| x.id == t.ticket)
                    .unwrap();
                // The oldest open message per the raw happenings.
                let oldest = self
                    .truth
                    .messages
                    .iter()
                    .filter(|m| m.ticket == i && m.ended.is_none())
                    .map(|m| m.arrived)
                    .min();
                if let Some(o) = oldest
                    && self.in_place(i, f)
                    && self.in_days(o, f)
                    && o + ANSWER_WITHIN < self.now
                {
                    expected
                        .entry(policy_of(self.world.tickets[i].channel).into())
                        .or_default()
                        .2 += 1;
                }
            }
        }
        let got_sla: BTreeMap<String, (u64, u64, u64)> = sla
            .policies
            .iter()
            .map(|r| (r.policy.clone(), (r.hit, r.missed, r.open_breached)))
            .collect();
        assert_eq!(got_sla, expected, "sla {ctx}");
        let late: u64 = expected.values().map(|e| e.1 + e.2).sum();
        assert_eq!(sla.breached.len() as u64, late, "breached list {ctx}");

        // Volume by local hour × weekday.
        if f.agent.is_none() {
            let mut cells = vec![0u64; 168];
            for m in self
                .truth
                .messages
                .iter()
                .filter(|m| self.in_place(m.ticket, f) && self.in_days(m.arrived, f))
            {
                cells[hour_of_week(m.arrived, self.tz) as usize] += 1;
            }
            let v = report::volume(&self.data, f);
            assert_eq!(
                v.cells.iter().map(|c| c.messages).collect::<Vec<_>>(),
                cells,
                "volume {ctx}"
            );
        }

        // Resolutions within two exchanges.
        let res: Vec<_> = self
            .truth
            .resolutions
            .iter()
            .filter(|(t, at, a, _)| {
                self.in_place(*t, f)
                    && self.in_days(*at, f)
                    && f.agent.as_ref().is_none_or(|x| x == a)
            })
            .collect();
        let r = report::resolution(&self.data, f);
        assert_eq!(r.resolved, res.len() as u64, "resolved {ctx}");
        assert_eq!(
            r.within_2_exchanges,
            res.iter().filter(|x| x.3 <= 2).count() as u64,
            "within 2 {ctx}"
        );

        // Claims and conversations.
        let c = report::claims(&self.data, f);
        let no_agent = Filter {
            agent: None,
            ..f.clone()
        };
        let claims = self
            .truth
            .claims
            .iter()
            .filter(|(t, at, kind, _)| {
                !kind.is_empty() && self.in_place(*t, &no_agent) && self.in_days(*at, &no_agent)
            })
            .count() as u64;
        assert_eq!(c.claims, claims, "claims {ctx}");
        let ended_in_claim = self
            .truth
            .claims
            .iter()
            .filter(|(t, at, _, conv)| {
                *conv && self.in_place(*t, &no_agent) && self.in_days(*at, &no_agent)
            })
            .count() as u64;
        assert_eq!(
            c.conversations_ending_in_claim, ended_in_claim,
            "claim conversations {ctx}"
        );
        let conversations = self
            .truth
            .conversations
            .iter()
            .filter(|(t, at)| self.in_place(*t, &no_agent) && self.in_days(*at, &no_agent))
            .count() as u64;
        assert_eq!(c.conversations, conversations, "conversations {ctx}");

        // The agents' table.
        if f.agent.is_none() {
            for row in report::agents(&self.data, f) {
                let one = Filter {
                    agent: Some(row.agent.clone()),
                    ..f.clone()
                };
                let e = self.expected_rate(&one);
                assert_eq!(
                    row.answered_within_24h + row.no_response_needed,
                    e.agent_replies_within_24h
                        + self
                            .truth
                            .messages
                            .iter()
                            .filter(|m| {
                                self.in_place(m.ticket, f)
                                    && self.in_days(m.arrived, f)
                                    && matches!(&m.ended, Some((_, Handling::NoResponseNeeded { agent, .. })) if *agent == row.agent)
                            })
                            .count() as u64,
                    "agent {} {ctx}",
                    row.agent
                );
                assert_eq!(row.within_24h_percent, e.rate_percent, "agent rate {ctx}");
            }
        }
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn every_report_figure_matches_a_brute_force_count_of_the_raw_happenings() {
    let policies = seed_policies();
    let start: DateTime<Utc> = "2026-10-05T00:00:00Z".parse().unwrap();
    let now: DateTime<Utc> = "2026-11-06T13:17:00Z".parse().unwrap();
    for (seed, tz) in [
        (0x9E37_79B9_7F4A_7C15, chrono_tz::Europe::Rome),
        (0xD1B5_4A32_D192_ED03, chrono_tz::America::New_York),
        (0x1234_5678_9ABC_DEF1, chrono_tz::Asia::Kolkata),
    ] {
        let world = world(seed, 1200, start, 33);
        assert!(world.events.len() > 4000, "thousands of happenings");
        let store = run(&world, tz, &policies, now);
        let data = ReportData {
            tz: Some(tz),
            rows: store.rows.into_iter().collect(),
            open: store
                .facts
                .into_values()
                .filter(|f| !f.open.is_empty())
                .collect(),
            breaches: store.breaches,
        };
        let case = Case {
            world: &world,
            tz,
            policies: &policies,
            now,
            data,
            truth: truth(&world, now),
        };
        let windows = [
            (day("2026-10-01"), day("2026-11-30")),
            (day("2026-10-07"), day("2026-11-06")),
            (day("2026-10-24"), day("2026-10-26")), // Europe's DST change
            (day("2026-10-31"), day("2026-11-02")), // month end and America's DST change
            (day("2026-11-01"), day("2026-11-06")), // month to date
            (day("2026-11-05"), day("2026-11-06")), // pending messages
        ];
        let mut checked = 0;
        for (from, to) in windows {
            for channel in [
                None,
                Some(Channel::Amazon),
                Some(Channel::Ebay),
                Some(Channel::Shopify),
            ] {
                let filter = Filter {
                    from,
                    to,
                    channel,
                    account: None,
                    agent: None,
                };
                case.check(&filter);
                checked += 1;
            }
            case.check(&Filter {
                from,
                to,
                channel: None,
                account: Some(AccountId::parse("amz-de").unwrap()),
                agent: None,
            });
            for a in 0..4 {
                case.check(&Filter {
                    from,
                    to,
                    channel: None,
                    account: None,
                    agent: Some(agent(a)),
                });
                checked += 1;
            }
        }
        assert!(checked > 40);
        // The figures are not trivially empty.
        let all = Filter {
            from: day("2026-10-01"),
            to: day("2026-11-30"),
            channel: None,
            account: None,
            agent: None,
        };
        let rate = RateFigures::of(&case.data, &all, now);
        assert!(
            rate.pending > 0 && rate.unanswered_late > 0 && rate.no_response_needed_within_24h > 0
        );
        assert!(rate.auto_replies_within_24h > 0 && rate.late > 0);
    }
}

#[test]
fn a_late_answer_moves_the_day_the_message_arrived_not_the_day_of_the_answer() {
    let policies = seed_policies();
    let tz = chrono_tz::Europe::Rome;
    let recorder = Recorder {
        tz,
        policies: &policies,
    };
    let mut t = ticket(
        1,
        Channel::Amazon,
        "amz-it",
        "2026-10-30T23:30:00Z".parse().unwrap(),
    );
    t.sla.policy = Some("amazon".into());
    t.sla.due_at = Some("2026-10-31T23:30:00Z".parse().unwrap());
    let m = MessageId::parse("msg_1").unwrap();
    let arrival = recorder.on_arrival(
        None,
        &t,
        &Arrival {
            message: &m,
            at: "2026-10-30T23:30:00Z".parse().unwrap(),
            from_buyer: true,
            needs_answer: true,
            risk: None,
            new_ticket: true,
        },
    );
    // 00:30 in Rome: the 31st.
    assert_eq!(arrival.counters[0].0.day, day("2026-10-31"));
    let mut before = t.sla.clone();
    before.clock_started_at = Some("2026-10-30T23:30:00Z".parse().unwrap());
    let reply = recorder.on_handled(
        arrival.facts.as_ref(),
        &t,
        &before,
        &Handling::AgentReply { agent: agent(1) },
        "2026-11-06T09:00:00Z".parse().unwrap(),
    );
    let (key, c) = &reply.counters[0];
    assert_eq!(key.day, day("2026-10-31"));
    assert_eq!((c.answered, c.answered_24h, c.first_responses), (1, 0, 1));
    assert_eq!(c.sla_missed["amazon"], 1);
    assert_eq!(reply.breaches.len(), 1);
    assert!(reply.facts.unwrap().open.is_empty());
}

#[test]
fn an_automatic_reply_ends_an_ebay_message_but_not_an_amazon_one() {
    let policies = seed_policies();
    let recorder = Recorder {
        tz: Tz::UTC,
        policies: &policies,
    };
    for (channel, ends) in [
        (Channel::Ebay, true),
        (Channel::Amazon, false),
        (Channel::Shopify, false),
    ] {
        let t = ticket(1, channel, "acct", "2026-11-01T10:00:00Z".parse().unwrap());
        let m = MessageId::parse("msg_1").unwrap();
        let arrival = recorder.on_arrival(
            None,
            &t,
            &Arrival {
                message: &m,
                at: "2026-11-01T10:00:00Z".parse().unwrap(),
                from_buyer: true,
                needs_answer: true,
                risk: None,
                new_ticket: true,
            },
        );
        let auto = recorder.on_handled(
            arrival.facts.as_ref(),
            &t,
            &t.sla,
            &Handling::AutoReply,
            "2026-11-01T10:01:00Z".parse().unwrap(),
        );
        assert_eq!(!auto.counters.is_empty(), ends, "{channel}");
    }
}

#[test]
fn the_forecast_warns_once_per_crossing_and_again_only_after_recovering() {
    let account = AccountId::parse("amz-it").unwrap();
    let now: DateTime<Utc> = "2026-12-10T12:00:00Z".parse().unwrap();
    let key = AggKey {
        day: day("2026-12-05"),
        channel: Channel::Amazon,
        account: account.clone(),
        agent: None,
    };
    let health = |received: u64, within: u64, open_due_soon: usize| {
        let mut facts = TicketFacts::new(
            TicketId::parse("tkt_1").unwrap(),
            Channel::Amazon,
            account.clone(),
        );
        for i in 0..open_due_soon {
            facts.open.push(super::facts::MessageFact {
                message: MessageId::parse(format!("msg_{i}")).unwrap(),
                arrived_at: now - Duration::hours(23),
                policy: Some("amazon".into()),
                due_at: Some(now + Duration::hours(1)),
            });
        }
        let data = ReportData {
            tz: Some(Tz::UTC),
            rows: vec![(
                key.clone(),
                Counters {
                    received: received + open_due_soon as u64,
                    answered: within,
                    answered_24h: within,
                    ..Default::default()
                },
            )],
            open: vec![facts],
            breaches: Vec::new(),
        };
        forecast::account_health(&data, &account, now, 2, 95.0)
    };
    let mut state = AlertState::default();
    let mut fired = Vec::new();
    // 96 % now; 3 due soon would take it to 93.2 %; then 88.9 %; recovered; crosses again.
    for (received, within, due) in [
        (100, 96, 0),
        (100, 96, 3),
        (100, 96, 3),
        (100, 96, 8),
        (100, 96, 8),
        (200, 199, 0),
        (100, 96, 3),
    ] {
        let h = health(received, within, due);
        let (next, crossings) = forecast::crossings(&state, &h);
        state = next;
        fired.push(crossings);
    }
    assert_eq!(
        fired,
        vec![
            vec![],
            vec![Crossing::TenantLine(95.0)],
            vec![],
            vec![Crossing::AmazonLine],
            vec![],
            vec![],
            vec![Crossing::TenantLine(95.0)],
        ]
    );
    let h = health(100, 96, 3);
    let text = forecast::warning(&h, Crossing::TenantLine(95.0), now).body;
    assert_eq!(
        text,
        "3 messages due in 1 h; if missed, December falls from 96.0 % to 93.2 % — under your 95 % line."
    );
}
