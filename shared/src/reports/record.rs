//! Happenings on a ticket → its new report item and the counters to add. Called by ingestion
//! (a buyer message, a claim, a reply sent from the channel's own UI), the sender (a delivered
//! reply), and the API (no response needed, resolution); the caller writes the result in the
//! transaction that records the happening itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

use super::counters::{AggKey, Counters};
use super::facts::{Breach, Handling, MessageFact, TicketFacts};
use super::{ANSWER_WITHIN, local_day};
use crate::domain::{AgentId, Channel, MessageId, Risk, SlaState, Ticket};
use crate::sla::{SlaPolicy, auto_reply_stops_clock, working_time_between};

/// What to write for reports with a happening.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportWrite {
    /// The ticket's report item after it (`revision` as read; the store writes `revision + 1`
    /// only if the stored one is still `revision`).
    pub facts: Option<TicketFacts>,
    /// Counters to add, at most one entry per key.
    pub counters: Vec<(AggKey, Counters)>,
    /// Clock cycles that ended after their deadline.
    pub breaches: Vec<Breach>,
}

impl ReportWrite {
    pub fn is_empty(&self) -> bool {
        self.facts.is_none() && self.counters.is_empty() && self.breaches.is_empty()
    }
}

/// The tenant's reporting context: its time zone and SLA policies (for working time).
#[derive(Debug, Clone, Copy)]
pub struct Recorder<'a> {
    pub tz: Tz,
    pub policies: &'a [SlaPolicy],
}

/// What ingestion saw.
#[derive(Debug, Clone)]
pub struct Arrival<'a> {
    pub message: &'a MessageId,
    pub at: DateTime<Utc>,
    /// The buyer wrote it (not a system notice).
    pub from_buyer: bool,
    /// It needs an answer (a buyer message, or a claim / negative feedback notice).
    pub needs_answer: bool,
    pub risk: Option<Risk>,
    /// The ticket is new with this message.
    pub new_ticket: bool,
}

struct Sums(BTreeMap<AggKey, Counters>);

impl Sums {
    fn at(&mut self, key: AggKey) -> &mut Counters {
        self.0.entry(key).or_default()
    }
    fn into_vec(self) -> Vec<(AggKey, Counters)> {
        self.0.into_iter().filter(|(_, c)| !c.is_empty()).collect()
    }
}

pub fn risk_kind(risk: Risk) -> &'static str {
    match risk {
        Risk::AToZClaim => "atoz_claim",
        Risk::Chargeback => "chargeback",
        Risk::EbayItemNotReceived => "ebay_inr",
        Risk::NegativeFeedback => "negative_feedback",
    }
}

/// Local `weekday * 24 + hour` of an instant.
pub fn hour_of_week(at: DateTime<Utc>, tz: Tz) -> u32 {
    let local = at.with_timezone(&tz);
    local.weekday().num_days_from_monday() * 24 + local.hour()
}

impl Recorder<'_> {
    fn key(&self, facts: &TicketFacts, at: DateTime<Utc>, agent: Option<&AgentId>) -> AggKey {
        AggKey {
            day: local_day(at, self.tz),
            channel: facts.channel,
            account: facts.account.clone(),
            agent: agent.cloned(),
        }
    }

    fn facts_of(&self, facts: Option<&TicketFacts>, ticket: &Ticket) -> TicketFacts {
        facts.cloned().unwrap_or_else(|| {
            let mut f = TicketFacts::new(ticket.id.clone(), ticket.channel, ticket.account.clone());
            f.time_zone = Some(self.tz);
            f
        })
    }

    /// A recorder for a ticket's later facts, in the time zone its facts were begun in.
    pub fn for_ticket<'p>(facts: Option<&TicketFacts>, policies: &'p [SlaPolicy]) -> Recorder<'p> {
        Recorder {
            tz: facts
                .and_then(|f| f.time_zone)
                .unwrap_or_else(|| super::tenant_time_zone(policies)),
            policies,
        }
    }

    /// An inbound message on `ticket` (as it is after the message, SLA included).
    pub fn on_arrival(
        &self,
        facts: Option<&TicketFacts>,
        ticket: &Ticket,
        arrival: &Arrival<'_>,
    ) -> ReportWrite {
        if !arrival.needs_answer {
            return ReportWrite::default();
        }
        let mut f = self.facts_of(facts, ticket);
        let mut sums = Sums(BTreeMap::new());
        let day = self.key(&f, arrival.at, None);
        {
            let c = sums.at(day);
            c.received += 1;
            *c.volume
                .entry(hour_of_week(arrival.at, self.tz))
                .or_default() += 1;
            if arrival.new_ticket {
                c.conversations += 1;
            }
            if let Some(risk) = arrival.risk {
                let kind = risk_kind(risk).to_owned();
                if !f.claims.contains(&kind) {
                    *c.claims.entry(kind.clone()).or_default() += 1;
                    f.claims.push(kind);
                }
                if f.buyer_wrote && !f.claim_conversation_counted {
                    c.claim_conversations += 1;
                    f.claim_conversation_counted = true;
                }
            }
        }
        if arrival.from_buyer {
            f.buyer_wrote = true;
        }
        if !f.open.iter().any(|o| &o.message == arrival.message) {
            f.open.push(MessageFact {
                message: arrival.message.clone(),
                arrived_at: arrival.at,
                policy: ticket.sla.policy.clone(),
                due_at: ticket.sla.due_at,
            });
            f.open.sort_by_key(|o| o.arrived_at);
        }
        ReportWrite {
            facts: Some(f),
            counters: sums.into_vec(),
            breaches: Vec::new(),
        }
    }

    /// `handling` at `at` on `ticket`, whose SLA state before it was `before`.
    pub fn on_handled(
        &self,
        facts: Option<&TicketFacts>,
        ticket: &Ticket,
        before: &SlaState,
        handling: &Handling,
        at: DateTime<Utc>,
    ) -> ReportWrite {
        let mut f = self.facts_of(facts, ticket);
        let counts = match handling {
            Handling::AutoReply => auto_reply_stops_clock(f.channel),
            _ => true,
        };
        if !counts {
            return ReportWrite::default();
        }
        let (ended, kept): (Vec<MessageFact>, Vec<MessageFact>) =
            f.open.drain(..).partition(|o| match handling {
                Handling::NoResponseNeeded {
                    message: Some(m), ..
                } => &o.message == m,
                Handling::NoResponseNeeded { message: None, .. } => true,
                _ => o.arrived_at <= at,
            });
        f.open = kept;
        let agent = handling.agent();
        let mut sums = Sums(BTreeMap::new());
        for fact in &ended {
            let c = sums.at(self.key(&f, fact.arrived_at, agent));
            let in_time = at - fact.arrived_at <= ANSWER_WITHIN;
            let (n, n24) = match handling {
                Handling::AgentReply { .. } => (&mut c.answered, &mut c.answered_24h),
                Handling::NoResponseNeeded { .. } => {
                    (&mut c.no_response_needed, &mut c.no_response_needed_24h)
                }
                Handling::AutoReply => (&mut c.auto_replied, &mut c.auto_replied_24h),
            };
            *n += 1;
            *n24 += u64::from(in_time);
        }
        let mut breaches = Vec::new();
        if let Some(first) = ended.first() {
            if matches!(handling, Handling::AgentReply { .. }) && !f.first_response_recorded {
                let calendar = u64::try_from((at - first.arrived_at).num_seconds()).unwrap_or(0);
                let working = self.working_seconds(first, at);
                let c = sums.at(self.key(&f, first.arrived_at, agent));
                c.first_responses += 1;
                c.first_response_calendar_seconds += calendar;
                c.first_response_working_seconds += working;
                *c.calendar_minutes
                    .entry(Counters::minute_bucket(calendar))
                    .or_default() += 1;
                *c.working_minutes
                    .entry(Counters::minute_bucket(working))
                    .or_default() += 1;
                f.first_response_recorded = true;
            }
            if f.open.is_empty() {
                // The clock cycle ends: judged against the deadline the SLA engine kept for it.
                let policy = before.policy.clone().or_else(|| first.policy.clone());
                let due = before.clock_started_at.and(before.due_at).or(first.due_at);
                if let (Some(policy), Some(due)) = (policy, due) {
                    let c = sums.at(self.key(&f, first.arrived_at, agent));
                    if at <= due {
                        *c.sla_hit.entry(policy).or_default() += 1;
                    } else {
                        *c.sla_missed.entry(policy.clone()).or_default() += 1;
                        breaches.push(Breach {
                            ticket: f.ticket.clone(),
                            channel: f.channel,
                            account: f.account.clone(),
                            policy,
                            day: local_day(first.arrived_at, self.tz),
                            started_at: first.arrived_at,
                            due_at: due,
                            ended_at: Some(at),
                            handled_by: agent.cloned(),
                        });
                    }
                }
            }
        }
        if matches!(handling, Handling::AgentReply { .. }) {
            f.exchanges += 1;
        }
        let changed = facts != Some(&f);
        ReportWrite {
            facts: changed.then_some(f),
            counters: sums.into_vec(),
            breaches,
        }
    }

    /// The ticket resolved by `agent` at `at`.
    pub fn on_resolved(
        &self,
        facts: Option<&TicketFacts>,
        ticket: &Ticket,
        agent: &AgentId,
        at: DateTime<Utc>,
    ) -> ReportWrite {
        let mut f = self.facts_of(facts, ticket);
        let mut sums = Sums(BTreeMap::new());
        let c = sums.at(self.key(&f, at, Some(agent)));
        c.resolved += 1;
        c.resolved_within_2 += u64::from(f.exchanges <= 2);
        f.exchanges = 0;
        ReportWrite {
            facts: Some(f),
            counters: sums.into_vec(),
            breaches: Vec::new(),
        }
    }

    /// An order seen for the first time.
    pub fn on_new_order(
        &self,
        channel: Channel,
        account: &crate::domain::AccountId,
        purchased_at: DateTime<Utc>,
    ) -> ReportWrite {
        let key = AggKey {
            day: local_day(purchased_at, self.tz),
            channel,
            account: account.clone(),
            agent: None,
        };
        ReportWrite {
            facts: None,
            counters: vec![(
                key,
                Counters {
                    orders: 1,
                    ..Default::default()
                },
            )],
            breaches: Vec::new(),
        }
    }

    fn working_seconds(&self, fact: &MessageFact, at: DateTime<Utc>) -> u64 {
        match fact
            .policy
            .as_deref()
            .and_then(|id| self.policies.iter().find(|p| p.id == id))
        {
            Some(policy) => working_time_between(&policy.clock, fact.arrived_at, at).as_secs(),
            None => u64::try_from((at - fact.arrived_at).num_seconds()).unwrap_or(0),
        }
    }
}

/// The report write of an inbound message planned by ingestion: a buyer message (or a claim
/// notice) opens a fact; a reply the seller sent from the channel's own UI answers like an
/// agent's. `before` is the ticket as read, `ticket` as it is after the message.
pub fn inbound_write(
    inbound: &crate::ingest::inbound::Inbound,
    ctx: &crate::store::InboundContext,
    ticket: &Ticket,
    message: &crate::domain::Message,
    policies: &[SlaPolicy],
) -> ReportWrite {
    use crate::ingest::inbound::Origin;
    let recorder = Recorder {
        tz: super::tenant_time_zone(policies),
        policies,
    };
    let before = ctx.ticket.as_ref();
    match inbound.origin {
        Origin::SellerElsewhere => {
            let crate::domain::AuthorKind::Agent { agent } = &message.author else {
                return ReportWrite::default();
            };
            let sla = before.map(|t| t.sla.clone()).unwrap_or_default();
            recorder.on_handled(
                ctx.report.as_ref(),
                ticket,
                &sla,
                &Handling::AgentReply {
                    agent: agent.clone(),
                },
                inbound.sent_at,
            )
        }
        Origin::Buyer | Origin::System => recorder.on_arrival(
            ctx.report.as_ref(),
            ticket,
            &Arrival {
                message: &message.id,
                at: inbound.sent_at,
                from_buyer: inbound.origin == Origin::Buyer,
                needs_answer: inbound.origin == Origin::Buyer || inbound.risk.is_some(),
                risk: inbound.risk,
                new_ticket: before.is_none(),
            },
        ),
    }
}
