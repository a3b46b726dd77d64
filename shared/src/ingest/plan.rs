//! The pure heart of ingestion: an [`Inbound`] and what the store knows about it become one
//! [`InboundWrite`] — the message, the ticket after it (threaded, triaged, reopened, with its SLA
//! deadlines), the customer links and the audit events.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::inbound::{Inbound, Origin};
use super::triage;
use crate::automation::{self, Rule, RuleInput};
use crate::compliance;
use crate::domain::{
    AgentId, AuthorKind, Customer, CustomerId, DeliveryState, Direction, EventId,
    FulfillmentChannel, Identity, Intent, Message, MessageId, SuggestedDraft, Ticket, TicketEvent,
    TicketEventKind, TicketId, TicketStatus,
};
use crate::sla::{ClockEvent, ClockEventKind, PolicyContext, SlaPolicy, select_policy};
use crate::store::{InboundContext, InboundWrite};

/// Plans the write for `inbound` given what the store returned for its lookups and the
/// tenant's automation `rules`. `now` is when marketdesk received it.
pub fn plan(
    inbound: &Inbound,
    ctx: &InboundContext,
    policies: &[SlaPolicy],
    rules: &[Rule],
    now: DateTime<Utc>,
) -> InboundWrite {
    let before = ctx.ticket.as_ref();
    let (customer, new_customer, new_identities, duplicates) = link_customer(inbound, ctx, now);
    let ticket_id = before.map_or_else(|| TicketId::generate(now), |t| t.id.clone());
    let mut events = Vec::new();
    let event = |kind: TicketEventKind, actor: AuthorKind| TicketEvent {
        id: EventId::generate(now),
        ticket: ticket_id.clone(),
        at: now,
        actor,
        kind,
    };

    let text = format!("{}\n{}", inbound.subject, inbound.body);
    // Only the buyer's own words are triaged: a reply the seller sent elsewhere, an
    // auto-reply or a bounce says nothing about what the buyer wants.
    let intent = match (inbound.risk, inbound.origin) {
        (Some(risk), _) => triage::intent_of_risk(risk),
        (None, Origin::Buyer) => triage::intent_of(&text),
        (None, _) => Intent::Other,
    };
    let needs_answer = inbound.origin == Origin::Buyer || inbound.risk.is_some();

    let mut ticket = match before {
        Some(t) => t.clone(),
        None => {
            events.push(event(TicketEventKind::Created, AuthorKind::System));
            Ticket {
                id: ticket_id.clone(),
                tenant: inbound.tenant.clone(),
                channel: inbound.channel,
                account: inbound.account.clone(),
                thread: inbound.primary.external.clone(),
                subject: placeholder_subject(inbound),
                status: TicketStatus::Open,
                priority: triage::priority_of(inbound.risk, intent),
                assignee: None,
                tags: BTreeSet::new(),
                intent: None,
                risk: None,
                customer: customer.clone(),
                order: None,
                sla: Default::default(),
                message_count: 0,
                last_buyer_message_at: None,
                last_agent_reply_at: None,
                sources: Default::default(),
                suggested_draft: None,
                draft: None,
                language: None,
                created_at: now,
                updated_at: now,
                version: 0,
            }
        }
    };
    ticket.message_count += 1;
    ticket.updated_at = now;

    // Every field below depends on the set of the thread's messages, not on the order they
    // were delivered in (decision 0008): the subject is the earliest buyer message's, the
    // intent the earliest recognised one (a later "thanks" does not erase it, a claim or
    // negative feedback outranks it), the riskiest risk wins, the priority is the highest any
    // message called for.
    // Two messages of the same second are told apart by their text, never by arrival.
    let earlier = |at: Option<DateTime<Utc>>, mine: &str, theirs: &str| {
        at.is_none_or(|at| inbound.sent_at < at || (inbound.sent_at == at && mine < theirs))
    };
    if needs_answer && earlier(ticket.sources.subject_at, &inbound.subject, &ticket.subject) {
        ticket.subject = inbound.subject.clone();
        ticket.sources.subject_at = Some(inbound.sent_at);
    }
    if let Some(risk) = inbound.risk {
        if ticket.risk.is_none_or(|r| risk.band() < r.band()) {
            ticket.risk = Some(risk);
        }
        ticket.tags.insert(format!("risk:{}", risk.as_str()));
    }
    if let Some(risk) = ticket.risk {
        // A risk decides the intent for good: no buyer message's intent counts any more.
        ticket.intent = Some(triage::intent_of_risk(risk));
        ticket.sources.intent_at = None;
    } else if inbound.origin == Origin::Buyer {
        let name = |i: Option<Intent>| format!("{i:?}");
        if intent != Intent::Other
            && earlier(
                ticket.sources.intent_at,
                &name(Some(intent)),
                &name(ticket.intent),
            )
        {
            ticket.intent = Some(intent);
            ticket.sources.intent_at = Some(inbound.sent_at);
        }
        ticket.intent.get_or_insert(Intent::Other);
    }
    let priority = ticket
        .priority
        .max(triage::priority_of(ticket.risk, intent));
    if before.is_some() && priority != ticket.priority {
        events.push(event(
            TicketEventKind::PriorityChanged {
                from: ticket.priority,
                to: priority,
            },
            AuthorKind::System,
        ));
    }
    ticket.priority = priority;

    if ticket.order.is_none() {
        // A notice (feedback, claim) names its order even when the order is not stored yet.
        ticket.order = ctx.order.as_ref().map(|o| o.reference()).or_else(|| {
            inbound.order.as_ref().map(|order| crate::domain::OrderRef {
                channel: inbound.channel,
                order: order.clone(),
            })
        });
    }
    if let Some(order) = &ctx.order {
        ticket.tags.insert(
            match order.fulfillment {
                FulfillmentChannel::Marketplace => "fba",
                FulfillmentChannel::Merchant => "fbm",
            }
            .to_owned(),
        );
    }

    if inbound.origin == Origin::Buyer
        && let Some(language) = inbound
            .language
            .clone()
            .or_else(|| compliance::confident_language(&inbound.body).map(str::to_owned))
        && ticket.sources.language_at.is_none_or(|at| {
            inbound.sent_at > at
                || (inbound.sent_at == at
                    && ticket
                        .language
                        .as_deref()
                        .is_none_or(|l| language.as_str() < l))
        })
    {
        ticket.language = Some(language);
        ticket.sources.language_at = Some(inbound.sent_at);
    }
    let was_paused = ticket.sla.paused_at;
    if needs_answer {
        ticket.last_buyer_message_at = Some(
            ticket
                .last_buyer_message_at
                .map_or(inbound.sent_at, |t| t.max(inbound.sent_at)),
        );
        match ticket.status {
            TicketStatus::Resolved => {
                events.push(event(TicketEventKind::Reopened, AuthorKind::Buyer));
                ticket.status = TicketStatus::Open;
            }
            TicketStatus::Pending => {
                events.push(event(
                    TicketEventKind::StatusChanged {
                        from: TicketStatus::Pending,
                        to: TicketStatus::Open,
                        reason: Some("buyer replied".into()),
                    },
                    AuthorKind::Buyer,
                ));
                ticket.status = TicketStatus::Open;
            }
            TicketStatus::Open => {}
        }
    }
    if inbound.origin == Origin::SellerElsewhere {
        ticket.last_agent_reply_at = Some(
            ticket
                .last_agent_reply_at
                .map_or(inbound.sent_at, |t| t.max(inbound.sent_at)),
        );
    }
    for (other, identity) in duplicates {
        events.push(event(
            TicketEventKind::PossibleDuplicateCustomer {
                other,
                identity: identity.kind,
            },
            AuthorKind::System,
        ));
    }

    // Rules act on what needs an answer: the buyer's own words, or a claim/feedback notice
    // (routing a claim to the right agent is what rules are for). Never on a reply the seller
    // sent elsewhere — tagging or routing on our own words would misfile the ticket — nor on
    // bounces and auto-replies, whose text is not the buyer's. They run before the SLA step,
    // so a policy selected by tag sees the rules' tags.
    if needs_answer && !rules.is_empty() {
        let input = RuleInput {
            channel: ticket.channel,
            subject: &inbound.subject,
            body: &inbound.body,
            language: inbound.language.as_deref(),
            intent: ticket.intent,
            priority: ticket.priority,
            risk: ticket.risk,
            fulfillment: ctx.order.as_ref().map(|o| o.fulfillment),
            repeat_customer: repeat_customer(ctx, &ticket),
            tags: &ticket.tags,
            assignee: ticket.assignee.as_ref(),
            suggested_template: ticket.suggested_draft.as_ref().map(|d| d.template.as_str()),
        };
        let outcome = automation::apply(rules, &input);
        ticket.tags.extend(outcome.tags_added);
        if let Some(priority) = outcome.priority {
            ticket.priority = priority;
        }
        if let Some(agent) = outcome.assignee {
            ticket.assignee = Some(agent);
        }
        if let Some((rule, template)) = outcome.suggested_template {
            ticket.suggested_draft = Some(SuggestedDraft {
                template,
                rule,
                at: now,
            });
        }
        for matched in outcome
            .matched
            .into_iter()
            .filter(|m| !m.actions.is_empty())
        {
            events.push(event(
                TicketEventKind::RuleApplied {
                    rule_id: matched.rule_id,
                    actions: matched.actions,
                },
                AuthorKind::System,
            ));
        }
    }

    ticket.sla = sla_state(before, &ticket, inbound, ctx, policies, was_paused, now);

    let message = Message {
        id: MessageId::generate(inbound.sent_at),
        ticket: ticket.id.clone(),
        direction: match inbound.origin {
            Origin::SellerElsewhere => Direction::Outbound,
            Origin::Buyer | Origin::System => Direction::Inbound,
        },
        author: match inbound.origin {
            Origin::Buyer => AuthorKind::Buyer,
            Origin::SellerElsewhere => AuthorKind::Agent {
                agent: AgentId::parse(format!("{}-seller-ui", inbound.channel.as_str()))
                    .expect("a channel name is a valid agent id"),
            },
            Origin::System => AuthorKind::System,
        },
        author_name: inbound.sender_name.clone(),
        subject: Some(inbound.subject.clone()),
        body: inbound.body.clone(),
        language: inbound.language.clone(),
        attachments: inbound.attachments.clone(),
        external: inbound.external.clone(),
        sent_at: inbound.sent_at,
        received_at: now,
        delivery: match inbound.origin {
            Origin::SellerElsewhere => Some(DeliveryState::Delivered {
                at: inbound.sent_at,
            }),
            _ => None,
        },
    };

    let mut links = inbound.links.clone();
    if before.is_some()
        && !links.contains(&inbound.primary)
        && ctx.thread.as_ref() != Some(&inbound.primary)
    {
        // A message found through a weaker key (a quoted Message-ID) also claims its own
        // thread key, so the next one finds the ticket directly.
        links.push(inbound.primary.clone());
    }
    let report = crate::reports::record::inbound_write(inbound, ctx, &ticket, &message, policies);
    InboundWrite {
        report,
        seen: inbound.seen.clone(),
        expected_version: before.map(|t| t.version),
        ticket,
        message,
        auto_reply: None,
        thread: before.is_none().then(|| inbound.primary.clone()),
        links,
        events,
        new_customer,
        new_identities,
        order: ctx.order.clone().filter(|_| ctx.order_is_fresh),
    }
}

/// The customer was known before this conversation began: before its order was bought, or
/// before the ticket was opened. A customer the poller created from this very order (after
/// its purchase) is not a repeat one.
fn repeat_customer(ctx: &InboundContext, ticket: &Ticket) -> bool {
    let Some(since) = ctx.customer_since else {
        return false;
    };
    let began = ctx
        .order
        .as_ref()
        .map_or(ticket.created_at, |o| o.purchased_at.min(ticket.created_at));
    since < began
}

/// The subject of a ticket opened by something other than a buyer's message or a notice that
/// needs an answer (a reply the seller sent elsewhere, an auto-reply, a bounce): never the
/// seller's own words, and the same whichever of them came first. The first buyer message
/// that joins gives the ticket its real subject.
fn placeholder_subject(inbound: &Inbound) -> String {
    let needs_answer = inbound.origin == Origin::Buyer || inbound.risk.is_some();
    if needs_answer {
        return inbound.subject.clone();
    }
    match inbound.sender.as_ref().map(|i| i.value.as_str()) {
        Some(name) => format!("Conversation with {name}"),
        None => format!("Conversation on {}", inbound.channel.as_str()),
    }
}

type Linked = (
    CustomerId,
    Option<Customer>,
    Vec<(Identity, CustomerId)>,
    Vec<(CustomerId, Identity)>,
);

/// The ticket's customer, and identity links to add. The sender's own identity decides; an
/// existing ticket keeps its customer. An identity that already belongs to another customer is
/// not moved: the possible duplicate is recorded for an agent to merge.
fn link_customer(inbound: &Inbound, ctx: &InboundContext, now: DateTime<Utc>) -> Linked {
    let mut identities: Vec<Identity> = inbound.sender.iter().cloned().collect();
    identities.extend(inbound.other_identities.iter().cloned());
    // Only identities whose owner was looked up are linked: an unchecked one could belong to
    // someone else (a fresh order's are checked on the retry its conflict causes).
    if let Some(order) = ctx
        .order
        .as_ref()
        .filter(|_| ctx.order_identities_known || ctx.order_is_fresh)
    {
        identities.extend(order.buyer_identities.iter().cloned());
    }
    let owner = |i: &Identity| {
        ctx.customers
            .iter()
            .find(|(known, _)| known == i)
            .map(|(_, c)| c.clone())
    };
    let chosen = ctx
        .ticket
        .as_ref()
        .map(|t| t.customer.clone())
        .or_else(|| identities.iter().find_map(owner));
    let Some(customer) = chosen else {
        let id = CustomerId::generate(now);
        let mut unique = Vec::new();
        for i in identities {
            if !unique.contains(&i) {
                unique.push(i);
            }
        }
        let new = Customer {
            id: id.clone(),
            display_name: inbound
                .sender_name
                .clone()
                .or_else(|| ctx.order.as_ref().and_then(|o| o.buyer_name.clone())),
            identities: unique,
            merged_from: Vec::new(),
            lifetime_value_minor: 0,
            created_at: now,
            version: 1,
        };
        return (id, Some(new), Vec::new(), Vec::new());
    };
    let mut new_links = Vec::new();
    let mut duplicates = Vec::new();
    for identity in identities {
        match owner(&identity) {
            None => {
                if !new_links.iter().any(|(i, _)| *i == identity) {
                    new_links.push((identity, customer.clone()));
                }
            }
            Some(other) if other != customer => {
                if !duplicates.iter().any(|(c, _)| *c == other) {
                    duplicates.push((other, identity));
                }
            }
            Some(_) => {}
        }
    }
    (customer, None, new_links, duplicates)
}

/// The ticket's SLA fields after this message: the one place ingestion computes deadlines.
fn sla_state(
    before: Option<&Ticket>,
    ticket: &Ticket,
    inbound: &Inbound,
    ctx: &InboundContext,
    policies: &[SlaPolicy],
    was_paused: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> crate::domain::SlaState {
    let value = ctx.lifetime_value_minor;
    let Some(policy) = select_policy(policies, &PolicyContext::of_ticket(ticket, value)) else {
        return Default::default();
    };
    let at = |at, kind| ClockEvent { at, kind };
    let mut events = Vec::new();
    match inbound.origin {
        Origin::Buyer => events.push(at(inbound.sent_at, ClockEventKind::BuyerMessage)),
        Origin::SellerElsewhere => events.push(at(inbound.sent_at, ClockEventKind::AgentReply)),
        // A claim or negative feedback must be answered although no buyer wrote.
        Origin::System if inbound.risk.is_some() => {
            events.push(at(inbound.sent_at, ClockEventKind::BuyerMessage));
        }
        Origin::System => {}
    }
    // The buyer answered a ticket pending on them: the paused clock runs again from their
    // message (or from the pause, for a message written before it that arrives late).
    if let Some(paused) = was_paused.filter(|_| ticket.status == TicketStatus::Open)
        && !events.is_empty()
        && inbound.origin != Origin::SellerElsewhere
    {
        events.push(at(inbound.sent_at.max(paused), ClockEventKind::Resumed));
    }
    rebuild_sla_with(before, ticket, policy, &events, now)
}

/// The SLA state of `ticket` after `event`, under `policy`: shared by ingestion (a buyer
/// message, a reply sent elsewhere) and the sender (a delivered reply). The ticket item keeps
/// the clock's compact history (`SlaState::history`, decision 0008), so the event is added
/// to it and the clock evaluated again; escalations already acted on for a deadline still in
/// force are carried over.
pub(crate) fn rebuild_sla(
    before: Option<&Ticket>,
    ticket: &Ticket,
    policy: &SlaPolicy,
    event: Option<ClockEvent>,
    now: DateTime<Utc>,
) -> crate::domain::SlaState {
    rebuild_sla_with(before, ticket, policy, event.as_slice(), now)
}

/// [`rebuild_sla`] with any number of events (a status change, a message and the resume it
/// causes).
pub fn rebuild_sla_with(
    before: Option<&Ticket>,
    ticket: &Ticket,
    policy: &SlaPolicy,
    events: &[ClockEvent],
    now: DateTime<Utc>,
) -> crate::domain::SlaState {
    let prior = before.map(|t| (&t.sla, t.created_at));
    match crate::sla::advance(policy, ticket.channel, prior, events, now) {
        Ok(mut state) => {
            if let Some(t) = before {
                crate::escalation::carry_escalated(&t.sla, &mut state);
            }
            state
        }
        Err(err) => {
            tracing::warn!(policy = %policy.id, error = %err, "SLA policy could not be evaluated");
            ticket.sla.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::{
        AccountId, Channel, CustomerId, ExternalRefs, Identity, IdentityKind, Priority, Risk,
        TenantId, TicketStatus,
    };
    use crate::store::{SeenKey, ThreadKey};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn inbound(origin: Origin, sent: &str, body: &str) -> Inbound {
        let primary = ThreadKey {
            channel: Channel::Ebay,
            external: "conv:c1".into(),
        };
        Inbound {
            tenant: TenantId::parse("acme").unwrap(),
            account: AccountId::parse("acct_ebay_it").unwrap(),
            channel: Channel::Ebay,
            seen: SeenKey {
                source: "ebay-msg".into(),
                external_id: format!("m-{sent}"),
            },
            origin,
            kind: "channel_message",
            sender: Some(Identity::new(IdentityKind::EbayUser, "mario")),
            other_identities: vec![],
            sender_name: Some("mario".into()),
            lookup: vec![primary.clone()],
            primary,
            links: vec![],
            subject: "Domanda".into(),
            body: body.into(),
            language: None,
            attachments: vec![],
            external: ExternalRefs::default(),
            sent_at: at(sent),
            order: None,
            listing: None,
            risk: None,
        }
    }

    fn policies() -> Vec<SlaPolicy> {
        crate::sla::seed_policies()
    }

    /// Plans `messages` one after another, each on the ticket the previous one wrote.
    fn replay(messages: &[Inbound]) -> Vec<InboundWrite> {
        let mut ctx = InboundContext::default();
        let mut writes = Vec::new();
        for m in messages {
            let write = plan(m, &ctx, &policies(), &[], m.sent_at + Duration::minutes(1));
            let mut ticket = write.ticket.clone();
            ticket.version = write.expected_version.map_or(1, |v| v + 1);
            ctx.ticket = Some(ticket);
            ctx.customers = vec![(
                Identity::new(IdentityKind::EbayUser, "mario"),
                write.ticket.customer.clone(),
            )];
            writes.push(write);
        }
        writes
    }

    #[test]
    fn a_first_buyer_message_opens_a_ticket_with_a_new_customer_and_a_24h_clock() {
        let w = &replay(&[inbound(
            Origin::Buyer,
            "2026-11-20T10:00:00Z",
            "Dov'è il pacco?",
        )])[0];
        assert_eq!(w.expected_version, None);
        assert_eq!(w.ticket.status, TicketStatus::Open);
        assert_eq!(w.ticket.intent, Some(Intent::WhereIsMyOrder));
        assert_eq!(w.ticket.sla.due_at, Some(at("2026-11-21T10:00:00Z")));
        let customer = w.new_customer.as_ref().expect("a new customer");
        assert_eq!(customer.id, w.ticket.customer);
        assert_eq!(
            w.thread.as_ref().map(|t| t.external.as_str()),
            Some("conv:c1")
        );
        assert!(matches!(w.events[0].kind, TicketEventKind::Created));
    }

    #[test]
    fn the_ticket_keeps_the_language_the_buyer_last_wrote_in_given_or_detected() {
        let mut given = inbound(Origin::Buyer, "2026-11-20T09:00:00Z", "Hi");
        given.language = Some("de".into());
        let ours = inbound(
            Origin::SellerElsewhere,
            "2026-11-20T09:30:00Z",
            "Good morning, your parcel left yesterday and arrives on Friday. Kind regards",
        );
        let vague = inbound(Origin::Buyer, "2026-11-20T11:00:00Z", "ok");
        let italian = inbound(
            Origin::Buyer,
            "2026-11-20T12:00:00Z",
            "Buongiorno, il pacco non è ancora arrivato e vorrei sapere quando arriverà.",
        );
        let writes = replay(&[given, ours, vague, italian]);
        let languages: Vec<_> = writes
            .iter()
            .map(|w| w.ticket.language.as_deref())
            .collect();
        // Our own words and a message too short to tell change nothing.
        assert_eq!(languages, [Some("de"), Some("de"), Some("de"), Some("it")]);
    }

    #[test]
    fn a_follow_up_joins_the_ticket_without_moving_its_deadline() {
        let writes = replay(&[
            inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "Dov'è il pacco?"),
            inbound(Origin::Buyer, "2026-11-20T18:00:00Z", "Novità?"),
        ]);
        let second = &writes[1];
        assert_eq!(second.expected_version, Some(1));
        assert_eq!(second.ticket.message_count, 2);
        assert!(second.new_customer.is_none() && second.thread.is_none());
        assert_eq!(second.ticket.sla.due_at, Some(at("2026-11-21T10:00:00Z")));
        assert_eq!(
            second.ticket.intent,
            Some(Intent::WhereIsMyOrder),
            "a vaguer follow-up keeps the intent"
        );
    }

    #[test]
    fn a_reply_sent_from_the_channel_stops_the_clock_and_the_next_question_restarts_it() {
        let writes = replay(&[
            inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "Dov'è il pacco?"),
            inbound(
                Origin::SellerElsewhere,
                "2026-11-20T12:00:00Z",
                "Spedito ieri.",
            ),
            inbound(
                Origin::Buyer,
                "2026-11-21T09:00:00Z",
                "Non è ancora arrivato.",
            ),
        ]);
        assert_eq!(writes[1].message.direction, Direction::Outbound);
        assert_eq!(
            writes[1].ticket.sla.due_at, None,
            "answered: nothing is owed"
        );
        assert_eq!(
            writes[1].ticket.sla.first_response_at,
            Some(at("2026-11-20T12:00:00Z"))
        );
        assert_eq!(
            writes[2].ticket.sla.due_at,
            Some(at("2026-11-22T09:00:00Z"))
        );
    }

    #[test]
    fn a_buyer_writing_on_a_resolved_ticket_reopens_it() {
        let first = replay(&[inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "Grazie")]);
        let mut ctx = InboundContext::default();
        let mut resolved = first[0].ticket.clone();
        resolved.version = 3;
        resolved.status = TicketStatus::Resolved;
        resolved.sla = Default::default();
        ctx.ticket = Some(resolved);
        let again = inbound(
            Origin::Buyer,
            "2026-11-25T10:00:00Z",
            "Il pacco è arrivato rotto",
        );
        let w = plan(&again, &ctx, &policies(), &[], at("2026-11-25T10:01:00Z"));
        assert_eq!(w.ticket.status, TicketStatus::Open);
        assert_eq!(w.expected_version, Some(3));
        assert!(w.events.iter().any(|e| e.kind == TicketEventKind::Reopened));
        assert_eq!(w.ticket.intent, Some(Intent::DamagedOrDefective));
        assert_eq!(w.ticket.priority, Priority::High);
    }

    #[test]
    fn a_risk_notice_makes_the_ticket_urgent_and_starts_a_clock_although_no_buyer_wrote() {
        let mut notice = inbound(Origin::System, "2026-11-20T10:00:00Z", "Feedback negativo");
        notice.risk = Some(Risk::NegativeFeedback);
        notice.sender = None;
        let w = plan(
            &notice,
            &InboundContext::default(),
            &policies(),
            &[],
            at("2026-11-20T10:01:00Z"),
        );
        assert_eq!(w.ticket.priority, Priority::Urgent);
        assert_eq!(w.ticket.intent, Some(Intent::Feedback));
        assert!(w.ticket.tags.contains("risk:negative_feedback"));
        // The seed's risk policy answers within the hour.
        assert_eq!(w.ticket.sla.due_at, Some(at("2026-11-20T11:00:00Z")));
    }

    #[test]
    fn an_identity_owned_by_another_customer_is_recorded_not_merged() {
        let mut m = inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "Ciao");
        m.other_identities = vec![Identity::new(IdentityKind::Phone, "+39 347 000 1122")];
        let ctx = InboundContext {
            customers: vec![
                (
                    Identity::new(IdentityKind::EbayUser, "mario"),
                    CustomerId::parse("cus_a").unwrap(),
                ),
                (
                    Identity::new(IdentityKind::Phone, "+393470001122"),
                    CustomerId::parse("cus_b").unwrap(),
                ),
            ],
            ..Default::default()
        };
        let w = plan(&m, &ctx, &policies(), &[], at("2026-11-20T10:01:00Z"));
        assert_eq!(
            w.ticket.customer.as_str(),
            "cus_a",
            "the sender's identity decides"
        );
        assert!(w.new_customer.is_none() && w.new_identities.is_empty());
        assert!(w.events.iter().any(|e| matches!(
            &e.kind,
            TicketEventKind::PossibleDuplicateCustomer { other, identity: IdentityKind::Phone }
                if other.as_str() == "cus_b"
        )));
    }

    fn routing_rule() -> Rule {
        let spec: automation::RuleSpec = serde_json::from_value(serde_json::json!({
            "name": "Damaged goods to Giulia",
            "position": 1,
            "conditions": {"keywords": {"any_of": ["rotto", "danneggiato"]}},
            "actions": {"add_tags": ["damage"], "assign_to": "giulia",
                "set_priority": "urgent", "suggest_template": "damaged_item"}
        }))
        .unwrap();
        Rule::from_spec(
            crate::domain::RuleId::parse("rule_damage").unwrap(),
            TenantId::parse("acme").unwrap(),
            automation::validate(&spec).unwrap(),
            1,
            at("2026-11-01T00:00:00Z"),
            AgentId::parse("admin").unwrap(),
        )
    }

    #[test]
    fn a_matching_rule_tags_routes_prioritises_and_suggests_a_draft_with_its_reason_recorded() {
        let m = inbound(
            Origin::Buyer,
            "2026-11-20T10:00:00Z",
            "Il vaso è arrivato ROTTO",
        );
        let now = at("2026-11-20T10:01:00Z");
        let w = plan(
            &m,
            &InboundContext::default(),
            &policies(),
            &[routing_rule()],
            now,
        );
        assert!(w.ticket.tags.contains("damage"));
        assert_eq!(
            w.ticket.assignee.as_ref().map(|a| a.as_str()),
            Some("giulia")
        );
        assert_eq!(w.ticket.priority, Priority::Urgent);
        let draft = w
            .ticket
            .suggested_draft
            .as_ref()
            .expect("a suggested draft");
        assert_eq!(draft.template, "damaged_item");
        assert_eq!(draft.rule.as_str(), "rule_damage");
        let applied: Vec<_> = w
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                TicketEventKind::RuleApplied { rule_id, actions } => Some((rule_id, actions)),
                _ => None,
            })
            .collect();
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].0.as_str(), "rule_damage");
        assert_eq!(applied[0].1.len(), 4);
        // Nothing is sent: the plan has exactly the buyer's message.
        assert_eq!(w.message.author, AuthorKind::Buyer);
    }

    #[test]
    fn rules_ignore_replies_the_seller_sent_elsewhere_and_system_mail() {
        for origin in [Origin::SellerElsewhere, Origin::System] {
            let m = inbound(
                origin,
                "2026-11-20T10:00:00Z",
                "Ci scusi, il vaso è arrivato rotto",
            );
            let w = plan(
                &m,
                &InboundContext::default(),
                &policies(),
                &[routing_rule()],
                at("2026-11-20T10:01:00Z"),
            );
            assert!(!w.ticket.tags.contains("damage"), "{origin:?}");
            assert!(w.ticket.assignee.is_none(), "{origin:?}");
            assert!(
                !w.events
                    .iter()
                    .any(|e| matches!(e.kind, TicketEventKind::RuleApplied { .. })),
                "{origin:?}"
            );
        }
    }

    #[test]
    fn a_customer_known_before_the_conversation_is_a_repeat_customer() {
        let mut ticket = replay(&[inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "x")])[0]
            .ticket
            .clone();
        ticket.created_at = at("2026-11-20T10:01:00Z");
        let mut ctx = InboundContext::default();
        assert!(
            !repeat_customer(&ctx, &ticket),
            "an unknown customer is new"
        );
        ctx.customer_since = Some(at("2026-10-01T00:00:00Z"));
        assert!(repeat_customer(&ctx, &ticket));
        ctx.customer_since = Some(ticket.created_at);
        assert!(!repeat_customer(&ctx, &ticket), "created with this ticket");
    }

    /// SplitMix64: deterministic, so a failing generated history reproduces from its seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }

        fn shuffle<T>(&mut self, items: &mut [T]) {
            for i in (1..items.len()).rev() {
                items.swap(i, self.below(i as u64 + 1) as usize);
            }
        }
    }

    const BUYER_TEXTS: &[&str] = &[
        "Dov'è il pacco? Non è ancora arrivato.",
        "Il vaso è arrivato rotto, cosa posso fare?",
        "Hallo, wann kommt meine Bestellung?",
        "Bonjour, je voudrais annuler ma commande.",
        "Hola, quiero devolver el artículo.",
        "Thanks, have a nice day",
        "ok",
        "Any news? I am still waiting.",
    ];

    /// A generated thread in channel time order: buyer messages, replies the seller sent from
    /// the channel, automatic replies and notices (some of them claims), with gaps from a
    /// minute to two days and now and then two messages in the same second.
    fn generated_thread(rng: &mut Rng, channel: Channel) -> Vec<Inbound> {
        let mut t = at("2026-11-20T08:00:00Z");
        let count = 1 + rng.below(9) as usize;
        let mut out = Vec::new();
        for i in 0..count {
            t += match rng.below(10) {
                0 => Duration::zero(),
                1..=5 => Duration::minutes(1 + rng.below(180) as i64),
                _ => Duration::minutes(1 + rng.below(48 * 60) as i64),
            };
            let (origin, risk, body) = match rng.below(20) {
                0..=9 => (
                    Origin::Buyer,
                    None,
                    BUYER_TEXTS[rng.below(BUYER_TEXTS.len() as u64) as usize],
                ),
                10..=15 => (
                    Origin::SellerElsewhere,
                    None,
                    "Gentile cliente, il pacco è partito ieri.",
                ),
                16 | 17 => (Origin::System, None, "Risposta automatica: siamo chiusi."),
                18 => (
                    Origin::System,
                    Some(Risk::NegativeFeedback),
                    "Feedback negativo",
                ),
                _ => (
                    Origin::System,
                    Some(Risk::AToZClaim),
                    "A-to-z Guarantee claim",
                ),
            };
            let mut m = inbound(origin, &t.to_rfc3339(), body);
            m.channel = channel;
            m.primary.channel = channel;
            m.lookup = vec![m.primary.clone()];
            m.seen.external_id = format!("m{i}");
            m.subject = match origin {
                Origin::SellerElsewhere => format!("Re: {body}"),
                _ => format!("Messaggio {i}"),
            };
            m.risk = risk;
            if risk.is_some() {
                m.kind = "a_to_z_claim";
                m.sender = None;
            }
            out.push(m);
        }
        out
    }

    /// Plans `delivered` the way the store applies them: a message whose seen record exists is
    /// a duplicate and changes nothing; everything is processed at `now` (one import).
    fn ingest(delivered: &[Inbound], now: DateTime<Utc>) -> Ticket {
        let mut ctx = InboundContext::default();
        let mut seen = BTreeSet::new();
        for m in delivered {
            if !seen.insert(m.seen.external_id.clone()) {
                continue;
            }
            let write = plan(m, &ctx, &policies(), &[], now);
            let mut ticket = write.ticket.clone();
            ticket.version = write.expected_version.map_or(1, |v| v + 1);
            ctx.customers = vec![(
                Identity::new(IdentityKind::EbayUser, "mario"),
                ticket.customer.clone(),
            )];
            ctx.ticket = Some(ticket);
        }
        ctx.ticket.expect("at least one message")
    }

    /// What a seller sees of a ticket; ids and write bookkeeping aside.
    fn visible(t: &Ticket) -> serde_json::Value {
        serde_json::json!({
            "subject": t.subject, "status": t.status, "priority": t.priority,
            "intent": t.intent, "risk": t.risk, "tags": t.tags, "sla": t.sla,
            "messages": t.message_count, "last_buyer": t.last_buyer_message_at,
            "last_reply": t.last_agent_reply_at, "language": t.language, "sources": t.sources,
        })
    }

    #[test]
    fn a_thread_applied_in_any_delivery_order_with_duplicates_ends_as_in_channel_time_order() {
        for seed in 0..400u64 {
            let mut rng = Rng(seed);
            let channel = [Channel::Ebay, Channel::Amazon, Channel::Shopify][seed as usize % 3];
            let thread = generated_thread(&mut rng, channel);
            let now = thread.last().unwrap().sent_at + Duration::hours(rng.below(72) as i64);
            let in_order = ingest(&thread, now);
            for _ in 0..4 {
                let mut delivered = thread.clone();
                // Some messages arrive twice (a redelivery, a re-listed page).
                for _ in 0..rng.below(3) {
                    let again = delivered[rng.below(delivered.len() as u64) as usize].clone();
                    delivered.push(again);
                }
                rng.shuffle(&mut delivered);
                let shuffled = ingest(&delivered, now);
                assert_eq!(
                    visible(&shuffled),
                    visible(&in_order),
                    "seed {seed}: delivered {:?}",
                    delivered
                        .iter()
                        .map(|m| (m.seen.external_id.as_str(), m.origin, m.sent_at))
                        .collect::<Vec<_>>()
                );
                let policy = |t: &Ticket| {
                    policies()
                        .into_iter()
                        .find(|p| Some(&p.id) == t.sla.policy.as_ref())
                };
                if let Some(p) = policy(&in_order) {
                    assert_eq!(
                        crate::escalation::schedules(&shuffled, &p).unwrap(),
                        crate::escalation::schedules(&in_order, &p)
                            .unwrap()
                            .into_iter()
                            .map(|mut s| {
                                s.trigger.ticket = shuffled.id.clone();
                                s.name = crate::escalation::schedule_name(
                                    &shuffled.tenant,
                                    &shuffled.id,
                                    s.trigger.due_at,
                                    &s.trigger.threshold,
                                );
                                s
                            })
                            .collect::<Vec<_>>(),
                        "seed {seed}: the same alerts are scheduled"
                    );
                }
            }
        }
    }

    #[test]
    fn the_clock_of_a_generated_thread_is_the_one_its_whole_history_implies() {
        for seed in 0..400u64 {
            let mut rng = Rng(seed);
            let thread = generated_thread(&mut rng, Channel::Ebay);
            let now = thread.last().unwrap().sent_at + Duration::hours(1);
            let ticket = ingest(&thread, now);
            let policy = policies()
                .into_iter()
                .find(|p| Some(&p.id) == ticket.sla.policy.as_ref())
                .unwrap();
            // Every event, none compacted away, evaluated at once.
            let mut events: Vec<ClockEvent> = thread
                .iter()
                .filter_map(|m| {
                    let kind = match (m.origin, m.risk) {
                        (Origin::Buyer, _) | (Origin::System, Some(_)) => {
                            ClockEventKind::BuyerMessage
                        }
                        (Origin::SellerElsewhere, _) => ClockEventKind::AgentReply,
                        (Origin::System, None) => return None,
                    };
                    Some(ClockEvent {
                        at: m.sent_at,
                        kind,
                    })
                })
                .collect();
            events.sort_by_key(|e| (e.at, e.kind != ClockEventKind::BuyerMessage));
            let clock = crate::sla::evaluate(&policy, Channel::Ebay, &events).unwrap();
            let expected = clock.to_sla_state(now);
            assert_eq!(ticket.sla.due_at, expected.due_at, "seed {seed}");
            assert_eq!(
                ticket.sla.clock_started_at, expected.clock_started_at,
                "seed {seed}"
            );
            assert_eq!(
                ticket.sla.first_response_at, expected.first_response_at,
                "seed {seed}"
            );
            assert_eq!(ticket.sla.breached, expected.breached, "seed {seed}");
        }
    }

    #[test]
    fn an_imported_history_whose_reply_arrives_first_is_answered_and_keeps_the_buyers_subject() {
        let question = inbound(Origin::Buyer, "2026-11-20T10:00:00Z", "Dov'è il pacco?");
        let mut answer = inbound(
            Origin::SellerElsewhere,
            "2026-11-20T23:00:00Z",
            "Spedito ieri con BRT.",
        );
        answer.subject = "Spedito ieri con BRT.".into();
        answer.seen.external_id = "reply".into();
        let now = at("2026-11-25T09:00:00Z");
        let t = ingest(&[answer.clone(), question.clone()], now);
        assert_eq!(
            t.subject, "Domanda",
            "the buyer's subject, not the seller's reply"
        );
        assert_eq!(t.sla.due_at, None, "answered 13 h after the question");
        assert!(!t.sla.breached);
        assert_eq!(t.sla.first_response_at, Some(answer.sent_at));
        // A question after the reply is owed an answer whatever the delivery order.
        let later = inbound(Origin::Buyer, "2026-11-21T08:00:00Z", "Non è arrivato.");
        let t = ingest(&[later.clone(), answer, question], now);
        assert_eq!(t.sla.clock_started_at, Some(later.sent_at));
        assert_eq!(t.sla.due_at, Some(at("2026-11-22T08:00:00Z")));
        assert!(t.sla.breached);
    }

    #[test]
    fn a_seller_reply_that_opens_a_ticket_does_not_give_it_its_subject_or_intent() {
        let mut reply = inbound(
            Origin::SellerElsewhere,
            "2026-11-20T10:00:00Z",
            "Ci scusi, il vaso è arrivato rotto? Lo cambiamo.",
        );
        reply.subject = "Ci scusi, il vaso è arrivato rotto? Lo cambiamo.".into();
        let w = plan(
            &reply,
            &InboundContext::default(),
            &policies(),
            &[],
            at("2026-11-20T10:01:00Z"),
        );
        assert_eq!(w.ticket.subject, "Conversation with mario");
        assert_eq!(w.ticket.intent, None);
        assert_eq!(w.ticket.priority, Priority::Normal);
    }

    #[test]
    fn a_notice_names_its_order_on_the_ticket_even_when_the_order_is_not_stored() {
        let mut notice = inbound(Origin::System, "2026-11-20T10:00:00Z", "Negative feedback");
        notice.channel = Channel::Amazon;
        notice.risk = Some(Risk::NegativeFeedback);
        notice.order = Some(crate::domain::OrderId::parse("026-1928374-6554433").unwrap());
        let w = plan(
            &notice,
            &InboundContext::default(),
            &policies(),
            &[],
            at("2026-11-20T10:01:00Z"),
        );
        let order = w.ticket.order.expect("the notice's order");
        assert_eq!(order.order.as_str(), "026-1928374-6554433");
        assert_eq!(order.channel, Channel::Amazon);
        assert!(w.ticket.tags.contains("risk:negative_feedback"));
    }

    #[test]
    fn the_risk_tag_is_the_documented_risk_value() {
        let mut claim = inbound(Origin::System, "2026-11-20T10:00:00Z", "A-to-z claim");
        claim.risk = Some(Risk::AToZClaim);
        let w = plan(
            &claim,
            &InboundContext::default(),
            &policies(),
            &[],
            at("2026-11-20T10:01:00Z"),
        );
        let documented = serde_json::to_value(Risk::AToZClaim).unwrap();
        assert_eq!(documented, "a_to_z_claim");
        assert!(
            w.ticket.tags.contains("risk:a_to_z_claim"),
            "{:?}",
            w.ticket.tags
        );
    }
}
