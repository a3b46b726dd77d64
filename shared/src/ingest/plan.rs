//! The pure heart of ingestion: an [`Inbound`] and what the store knows about it become one
//! [`InboundWrite`] — the message, the ticket after it (threaded, triaged, reopened, with its SLA
//! deadlines), the customer links and the audit events.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::inbound::{Inbound, Origin};
use super::triage;
use crate::automation::{self, Rule, RuleInput};
use crate::compliance;
use crate::domain::{
    AgentId, AuthorKind, Customer, CustomerId, DeliveryState, Direction, EventId,
    FulfillmentChannel, Identity, Intent, Message, MessageId, SuggestedDraft, Ticket, TicketEvent,
    TicketEventKind, TicketId, TicketStatus,
};
use crate::sla::{ClockEvent, ClockEventKind, PolicyContext, SlaPolicy, evaluate, select_policy};
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
    let intent = inbound
        .risk
        .map(triage::intent_of_risk)
        .unwrap_or_else(|| triage::intent_of(&text));

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
                subject: inbound.subject.clone(),
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
                suggested_draft: None,
                language: None,
                created_at: now,
                updated_at: now,
                version: 0,
            }
        }
    };
    ticket.message_count += 1;
    ticket.updated_at = now;

    // Triage only sharpens: a later "thanks" does not erase the first message's intent, but a
    // claim or negative feedback outranks whatever the buyer asked before.
    if inbound.risk.is_some()
        || (ticket.intent.is_none_or(|i| i == Intent::Other) && intent != Intent::Other)
    {
        ticket.intent = Some(intent);
    }
    ticket.intent.get_or_insert(intent);
    if let Some(risk) = inbound.risk {
        ticket.risk = Some(risk);
        ticket.tags.insert(format!("risk:{}", risk_tag(risk)));
    }
    let priority = ticket.priority.max(triage::priority_of(
        ticket.risk,
        ticket.intent.unwrap_or(intent),
    ));
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

    if ticket.order.is_none()
        && let Some(order) = &ctx.order
    {
        ticket.order = Some(order.reference());
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
    {
        ticket.language = Some(language);
    }
    let needs_answer = inbound.origin == Origin::Buyer || inbound.risk.is_some();
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

    ticket.sla = sla_state(before, &ticket, inbound, ctx, policies, now);

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

fn risk_tag(risk: crate::domain::Risk) -> &'static str {
    use crate::domain::Risk;
    match risk {
        Risk::AToZClaim => "atoz_claim",
        Risk::Chargeback => "chargeback",
        Risk::EbayItemNotReceived => "ebay_inr",
        Risk::NegativeFeedback => "negative_feedback",
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
    now: DateTime<Utc>,
) -> crate::domain::SlaState {
    let value = ctx.lifetime_value_minor;
    let Some(policy) = select_policy(policies, &PolicyContext::of_ticket(ticket, value)) else {
        return Default::default();
    };
    let event = match inbound.origin {
        Origin::Buyer => Some(ClockEventKind::BuyerMessage),
        Origin::SellerElsewhere => Some(ClockEventKind::AgentReply),
        // A claim or negative feedback must be answered although no buyer wrote.
        Origin::System if inbound.risk.is_some() => Some(ClockEventKind::BuyerMessage),
        Origin::System => None,
    }
    .map(|kind| ClockEvent {
        at: inbound.sent_at,
        kind,
    });
    rebuild_sla(before, ticket, policy, event, now)
}

/// The SLA state of `ticket` after `event`, under `policy`: shared by ingestion (a buyer
/// message, a reply sent elsewhere) and the sender (a delivered reply). The ticket item keeps
/// the clock's summary, not its history, so the events are rebuilt from `before`'s state: an
/// answered first response (which makes the next target apply), the running clock's start, a
/// pause, and then `event`. Escalations already acted on for a deadline still in force are
/// carried over.
pub(crate) fn rebuild_sla(
    before: Option<&Ticket>,
    ticket: &Ticket,
    policy: &SlaPolicy,
    event: Option<ClockEvent>,
    now: DateTime<Utc>,
) -> crate::domain::SlaState {
    let mut events = Vec::new();
    let at = |at, kind| ClockEvent { at, kind };
    if let Some(t) = before {
        if let Some(first) = t.sla.first_response_at {
            let asked = t.created_at.min(first - Duration::seconds(1));
            events.push(at(asked, ClockEventKind::BuyerMessage));
            events.push(at(first, ClockEventKind::AgentReply));
        }
        if let Some(start) = t.sla.clock_started_at {
            events.push(at(start, ClockEventKind::BuyerMessage));
        }
        if let Some(paused) = t.sla.paused_at {
            events.push(at(paused, ClockEventKind::PendingOnCustomer));
        }
    }
    events.extend(event);
    match evaluate(policy, ticket.channel, &events) {
        Ok(clock) => {
            let mut state = clock.to_sla_state(now);
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
}
