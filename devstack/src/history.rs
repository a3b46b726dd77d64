//! Thirty days of past activity for the demo tenant, written through the same store calls and
//! report recorder as live traffic (ingestion's `record_inbound`, the sender's and the API's
//! `write_ticket`), so every report and the account-health forecast show meaningful figures on
//! first start: buyer messages at realistic hours on every channel, replies by several agents
//! (most within hours, some late), "no response needed", eBay automatic replies, a few claims,
//! resolutions, and a handful of messages still awaiting an answer.

use chrono::{DateTime, Duration, Timelike, Utc};
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::domain::*;
use marketdesk::reports::record::Arrival;
use marketdesk::reports::{
    AggKey, Counters, Handling, Recorder, ReportWrite, TicketFacts, local_day, tenant_time_zone,
};
use marketdesk::sla::seed_policies;
use marketdesk::store::{InboundWrite, ReportStore, SeenKey, ThreadKey, TicketStore, TicketWrite};

type Error = Box<dyn std::error::Error + Send + Sync>;

const AGENTS: [&str; 3] = ["giulia", "marco", "sofia"];
const PLACES: [(Channel, &str); 3] = [
    (Channel::Amazon, "acct_amazon_it"),
    (Channel::Ebay, "acct_ebay_it"),
    (Channel::Shopify, "acct_shopify"),
];
const SUBJECTS: [&str; 5] = [
    "Dov'è il mio ordine?",
    "Reso articolo danneggiato",
    "Domanda sul prodotto",
    "Richiesta fattura",
    "Annullamento ordine",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What was seeded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct HistorySummary {
    pub tickets: usize,
    pub replies: usize,
    pub still_open: usize,
    /// The tickets written, oldest first (what a test reads back).
    #[serde(skip)]
    pub ticket_ids: Vec<TicketId>,
}

/// Seeds `days` of history ending at `now` (deterministic for a `seed`).
pub async fn seed_history(
    store: &DynamoStore,
    tenant: &TenantId,
    now: DateTime<Utc>,
    days: i64,
    seed: u64,
) -> Result<HistorySummary, Error> {
    let policies = seed_policies();
    let tz = tenant_time_zone(&policies);
    let recorder = Recorder {
        tz,
        policies: &policies,
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut summary = HistorySummary::default();
    let start = now - Duration::days(days);
    let mut n = 0u64;
    for day in 0..days {
        let base = start + Duration::days(day);
        let count = 6 + rng.below(6);
        for _ in 0..count {
            n += 1;
            // Daytime-heavy arrivals in the tenant's zone.
            let hour = [8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 20, 22, 2][rng.below(13) as usize];
            let local = base.with_timezone(&tz);
            let at = local
                .with_hour(hour)
                .and_then(|d| d.with_minute(rng.below(60) as u32))
                .map_or(base, |d| d.with_timezone(&Utc));
            if at >= now - Duration::minutes(5) {
                continue;
            }
            let (channel, account) = PLACES[rng.below(3) as usize];
            let risk = (rng.below(40) == 0).then_some(match channel {
                Channel::Amazon => Risk::AToZClaim,
                Channel::Ebay => Risk::EbayItemNotReceived,
                Channel::Shopify | Channel::Email => Risk::Chargeback,
            });
            seed_ticket(
                store,
                &recorder,
                tenant,
                channel,
                account,
                at,
                risk,
                now,
                &mut rng,
                n,
                &mut summary,
            )
            .await?;
        }
        // Orders of the day, for the claim rate.
        let orders = 25 + rng.below(15);
        let write = ReportWrite {
            facts: None,
            counters: PLACES
                .iter()
                .map(|(channel, account)| {
                    (
                        AggKey {
                            day: local_day(base, tz),
                            channel: *channel,
                            account: AccountId::parse(*account).expect("static id"),
                            agent: None,
                        },
                        Counters {
                            orders: orders / 3,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            breaches: Vec::new(),
        };
        store.record_report(tenant, &write).await?;
    }
    // One A-to-z claim still running, whatever the dice said: the claims screen has a clock.
    if days > 0 {
        seed_ticket(
            store,
            &recorder,
            tenant,
            Channel::Amazon,
            PLACES[0].1,
            now - Duration::hours(6),
            Some(Risk::AToZClaim),
            now,
            &mut rng,
            n + 1,
            &mut summary,
        )
        .await?;
    }
    Ok(summary)
}

/// The claim record a claim notice of the history would have opened: answered and decided
/// once Amazon's time is past, open while it runs.
async fn seed_claim(
    store: &DynamoStore,
    ticket: &Ticket,
    kind: marketdesk::claims::ClaimKind,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    use marketdesk::claims::{ClaimOutcome, ClaimStatus, NoticeFacts};
    let at = ticket.created_at;
    let mut claim = marketdesk::claims::open(
        &NoticeFacts {
            tenant: ticket.tenant.clone(),
            account: ticket.account.clone(),
            kind,
            order_id: None,
            marketplace_id: Some("APJ6JRA9NG5V4".into()),
            ticket: ticket.id.clone(),
            reason: Some("Articolo non ricevuto".into()),
            amount: Some(Money {
                minor: 4990,
                currency: "EUR".into(),
            }),
            respond_by: None,
            reference: format!("demo-history-claim:{}", ticket.id),
            sent_at: at,
        },
        at,
    );
    if claim.respond_by < now {
        let agent = AgentId::parse(AGENTS[0])?;
        let note = Some("Tracking con la prova di consegna inviato in Seller Central".into());
        claim.change(
            ClaimStatus::Responded,
            None,
            note,
            &agent,
            at + Duration::hours(5),
        )?;
        let outcome = Some(ClaimOutcome::Denied);
        claim.change(
            ClaimStatus::Closed,
            outcome,
            None,
            &agent,
            at + Duration::days(4),
        )?;
    }
    marketdesk::store::ClaimStore::save_claim(store, &claim, None).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn seed_ticket(
    store: &DynamoStore,
    recorder: &Recorder<'_>,
    tenant: &TenantId,
    channel: Channel,
    account: &str,
    at: DateTime<Utc>,
    risk: Option<Risk>,
    now: DateTime<Utc>,
    rng: &mut Rng,
    n: u64,
    summary: &mut HistorySummary,
) -> Result<(), Error> {
    let policy = match (channel, risk) {
        (_, Some(_)) => "risk",
        (Channel::Amazon, _) => "amazon",
        (Channel::Ebay, _) => "ebay",
        _ => "shopify-it",
    };
    let due = if risk.is_some() {
        Duration::hours(1)
    } else {
        Duration::hours(24)
    };
    let mut ticket = Ticket {
        id: TicketId::generate(at),
        tenant: tenant.clone(),
        channel,
        account: AccountId::parse(account)?,
        thread: format!("demo-history:{n}"),
        subject: SUBJECTS[rng.below(SUBJECTS.len() as u64) as usize].into(),
        status: TicketStatus::Open,
        priority: if risk.is_some() {
            Priority::Urgent
        } else {
            Priority::Normal
        },
        assignee: None,
        tags: Default::default(),
        intent: None,
        risk,
        customer: CustomerId::generate(at),
        order: None,
        sla: SlaState {
            policy: Some(policy.into()),
            clock_started_at: Some(at),
            due_at: Some(at + due),
            ..Default::default()
        },
        message_count: 1,
        last_buyer_message_at: Some(at),
        language: Some("it".into()),
        last_agent_reply_at: None,
        suggested_draft: None,
        draft: None,
        sources: Default::default(),
        created_at: at,
        updated_at: at,
        version: 1,
    };
    let message = Message {
        id: MessageId::generate(at),
        ticket: ticket.id.clone(),
        direction: Direction::Inbound,
        author: if risk.is_some() {
            AuthorKind::System
        } else {
            AuthorKind::Buyer
        },
        author_name: Some("Cliente".into()),
        subject: Some(ticket.subject.clone()),
        body: "Buongiorno, avrei bisogno di un aiuto con il mio ordine.".into(),
        language: Some("it".into()),
        attachments: Vec::new(),
        external: ExternalRefs::default(),
        sent_at: at,
        received_at: at + Duration::seconds(60),
        delivery: None,
    };
    let arrival = recorder.on_arrival(
        None,
        &ticket,
        &Arrival {
            message: &message.id,
            at,
            from_buyer: risk.is_none(),
            needs_answer: true,
            risk,
            new_ticket: true,
        },
    );
    let mut facts: Option<TicketFacts> = arrival.facts.clone();
    store
        .record_inbound(&InboundWrite {
            seen: SeenKey {
                source: "demo-history".into(),
                external_id: n.to_string(),
            },
            ticket: ticket.clone(),
            expected_version: None,
            message,
            auto_reply: None,
            thread: Some(ThreadKey {
                channel,
                external: ticket.thread.clone(),
            }),
            links: Vec::new(),
            events: vec![TicketEvent {
                id: EventId::generate(at),
                ticket: ticket.id.clone(),
                at,
                actor: AuthorKind::System,
                kind: TicketEventKind::Created,
            }],
            new_customer: None,
            new_identities: Vec::new(),
            order: None,
            report: arrival,
        })
        .await?;
    summary.tickets += 1;
    summary.ticket_ids.push(ticket.id.clone());
    // Amazon's claims only: the history's other risks are eBay cases and Shopify disputes.
    if let Some(kind) = risk
        .filter(|_| channel == Channel::Amazon)
        .and_then(marketdesk::claims::ClaimKind::of_risk)
    {
        seed_claim(store, &ticket, kind, now).await?;
    }
    let bump = |f: &mut Option<TicketFacts>, w: &ReportWrite| {
        if let Some(next) = &w.facts {
            let mut next = next.clone();
            next.revision += 1;
            *f = Some(next);
        }
    };
    if let Some(f) = facts.as_mut() {
        f.revision += 1;
    }

    // How it went: mostly answered within hours, some late, some never, some not needing one.
    let agent = AgentId::parse(AGENTS[rng.below(3) as usize])?;
    let roll = rng.below(100);
    let delay = match roll {
        0..=54 => Duration::minutes(10 + rng.below(5 * 60) as i64),
        55..=74 => Duration::minutes(5 * 60 + rng.below(15 * 60) as i64),
        75..=84 => Duration::minutes(24 * 60 + rng.below(30 * 60) as i64),
        _ => Duration::minutes(30 + rng.below(8 * 60) as i64),
    };
    let handled_at = at + delay;
    if roll < 96 && channel == Channel::Ebay && rng.below(4) == 0 {
        // An eBay automatic acknowledgement within minutes: it counts there.
        let auto_at = at + Duration::minutes(2);
        if auto_at < now {
            let w = recorder.on_handled(
                facts.as_ref(),
                &ticket,
                &ticket.sla,
                &Handling::AutoReply,
                auto_at,
            );
            let mut after = ticket.clone();
            after.sla = SlaState {
                policy: ticket.sla.policy.clone(),
                ..Default::default()
            };
            after.updated_at = auto_at;
            bump(&mut facts, &w);
            ticket = store
                .write_ticket(&TicketWrite {
                    ticket: after,
                    messages: vec![reply(
                        &ticket,
                        auto_at,
                        AuthorKind::Automation { rule: "ack".into() },
                    )],
                    events: Vec::new(),
                    notes: Vec::new(),
                    audit: Vec::new(),
                    report: w,
                })
                .await?;
        }
    }
    if handled_at >= now || roll >= 96 {
        summary.still_open += usize::from(facts.as_ref().is_some_and(|f| !f.open.is_empty()));
        return Ok(());
    }
    let (handling, messages) = if roll >= 85 && risk.is_none() {
        (
            Handling::NoResponseNeeded {
                agent: agent.clone(),
                message: None,
            },
            Vec::new(),
        )
    } else {
        summary.replies += 1;
        (
            Handling::AgentReply {
                agent: agent.clone(),
            },
            vec![reply(
                &ticket,
                handled_at,
                AuthorKind::Agent {
                    agent: agent.clone(),
                },
            )],
        )
    };
    let w = recorder.on_handled(facts.as_ref(), &ticket, &ticket.sla, &handling, handled_at);
    bump(&mut facts, &w);
    let mut after = ticket.clone();
    after.sla = SlaState {
        policy: ticket.sla.policy.clone(),
        first_response_at: (!messages.is_empty()).then_some(handled_at),
        ..Default::default()
    };
    if !messages.is_empty() {
        after.last_agent_reply_at = Some(handled_at);
    }
    after.updated_at = handled_at;
    ticket = store
        .write_ticket(&TicketWrite {
            ticket: after,
            messages,
            events: Vec::new(),
            notes: Vec::new(),
            audit: Vec::new(),
            report: w,
        })
        .await?;

    // Most are resolved within a day of the answer.
    let resolved_at = handled_at + Duration::minutes(30 + rng.below(20 * 60) as i64);
    if resolved_at < now && rng.below(10) < 8 {
        let w = recorder.on_resolved(facts.as_ref(), &ticket, &agent, resolved_at);
        let mut after = ticket.clone();
        after.status = TicketStatus::Resolved;
        after.updated_at = resolved_at;
        store
            .write_ticket(&TicketWrite {
                ticket: after,
                messages: Vec::new(),
                events: Vec::new(),
                notes: Vec::new(),
                audit: Vec::new(),
                report: w,
            })
            .await?;
    }
    Ok(())
}

fn reply(ticket: &Ticket, at: DateTime<Utc>, author: AuthorKind) -> Message {
    Message {
        id: MessageId::generate(at),
        ticket: ticket.id.clone(),
        direction: Direction::Outbound,
        author,
        author_name: None,
        subject: None,
        body: "Buongiorno, grazie per il messaggio: abbiamo verificato e le scriviamo gli aggiornamenti. Cordiali saluti".into(),
        language: Some("it".into()),
        attachments: Vec::new(),
        external: ExternalRefs::default(),
        sent_at: at,
        received_at: at,
        delivery: Some(DeliveryState::Delivered { at }),
    }
}
