use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::domain::{
    AgentId, CustomerId, ExternalRefs, Identity, Marketplace, Priority, SecretRef, SlaState,
    TicketStatus,
};
use crate::sla::seed_policies;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const ASKED: &str = "2026-11-03T09:12:00Z";
const ALIAS: &str = "q7x2m9k@marketplace.amazon.it";

fn account(channel: Channel, sender: Option<&str>) -> ChannelAccount {
    ChannelAccount {
        id: AccountId::parse(format!("acct_{channel}")).unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        channel,
        marketplace: Marketplace {
            id: "APJ6JRA9NG5V4".into(),
            country: Some("IT".into()),
            language: Some("it".into()),
        },
        region: None,
        display_name: "Acme Casa".into(),
        credentials: SecretRef("marketdesk/acme".into()),
        sender_address: sender.map(str::to_owned),
        reply_identity: None,
        auto_send_wismo: false,
        poll_interval_minutes: 5,
        enabled: true,
        seller_id: None,
        created_at: at("2026-01-01T00:00:00Z"),
        version: 1,
    }
}

fn ticket(channel: Channel) -> Ticket {
    let asked = at(ASKED);
    Ticket {
        id: TicketId::parse("tkt_01").unwrap(),
        tenant: TenantId::parse("acme").unwrap(),
        channel,
        account: AccountId::parse(format!("acct_{channel}")).unwrap(),
        thread: "conv:C-991".into(),
        subject: "Dov'è il mio ordine 305-1234567-1234567?".into(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        intent: None,
        risk: None,
        customer: CustomerId::parse("cus_01").unwrap(),
        order: None,
        sla: SlaState {
            policy: Some(
                if channel == Channel::Amazon {
                    "amazon"
                } else {
                    "ebay"
                }
                .into(),
            ),
            clock_started_at: Some(asked),
            due_at: Some(asked + Duration::hours(24)),
            internal_due_at: Some(asked + Duration::hours(12)),
            // As `sla::advance` stores it: the first warning (50 %) and the clock's history.
            warning_at: Some(asked + Duration::hours(12)),
            history: vec![crate::sla::ClockEvent {
                at: asked,
                kind: crate::sla::ClockEventKind::BuyerMessage,
            }],
            ..Default::default()
        },
        message_count: 2,
        last_buyer_message_at: Some(asked),
        last_agent_reply_at: None,
        sources: Default::default(),
        suggested_draft: None,
        draft: None,
        language: None,
        created_at: asked,
        updated_at: asked,
        version: 3,
    }
}

fn buyer(channel: Channel) -> Message {
    Message {
        id: MessageId::parse("msg_buyer").unwrap(),
        ticket: TicketId::parse("tkt_01").unwrap(),
        direction: Direction::Inbound,
        author: AuthorKind::Buyer,
        author_name: Some("Giulia".into()),
        subject: Some("Dov'è il mio ordine 305-1234567-1234567?".into()),
        body: "Il pacco non è arrivato.".into(),
        language: Some("it".into()),
        attachments: vec![],
        external: ExternalRefs {
            message_id: Some("m2@amazon.it".into()),
            in_reply_to: None,
            references: vec!["m1@amazon.it".into()],
            conversation: Some(match channel {
                Channel::Amazon => ALIAS.into(),
                Channel::Ebay | Channel::Shopify | Channel::Email => "C-991".into(),
            }),
            order_action: None,
        },
        sent_at: at(ASKED),
        received_at: at(ASKED) + Duration::seconds(40),
        delivery: None,
    }
}

fn reply(author: AuthorKind) -> Message {
    let written = at(ASKED) + Duration::hours(2);
    Message {
        id: MessageId::parse("msg_reply").unwrap(),
        ticket: TicketId::parse("tkt_01").unwrap(),
        direction: Direction::Outbound,
        author,
        author_name: Some("Anna".into()),
        subject: None,
        body: "Buongiorno Giulia, il pacco è in consegna oggi con BRT.".into(),
        language: Some("it".into()),
        attachments: vec![],
        external: ExternalRefs::default(),
        sent_at: written,
        received_at: written,
        delivery: Some(DeliveryState::Queued),
    }
}

fn agent() -> AuthorKind {
    AuthorKind::Agent {
        agent: AgentId::parse("anna").unwrap(),
    }
}

fn build_for(
    channel: Channel,
    sender: Option<&str>,
    messages: &[Message],
    customer: Option<&Customer>,
) -> Result<Outgoing, OutboundError> {
    let ticket = ticket(channel);
    let account = account(channel, sender);
    let ctx = ReplyContext {
        ticket: &ticket,
        messages,
        account: &account,
        customer,
    };
    build(
        &ctx,
        &MessageId::parse("msg_reply").unwrap(),
        at(ASKED) + Duration::hours(2),
    )
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let (headers, _) = text.split_once("\r\n\r\n")?;
    let prefix = format!("{name}: ");
    headers
        .split("\r\n")
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_owned)
}

#[test]
fn an_amazon_reply_goes_to_the_relay_alias_from_the_approved_sender_with_threading_headers() {
    let messages = [buyer(Channel::Amazon), reply(agent())];
    let Outgoing::Mail(mail) =
        build_for(Channel::Amazon, Some("help@acme.example"), &messages, None).unwrap()
    else {
        panic!("an e-mail")
    };
    assert_eq!(mail.from, "help@acme.example");
    assert_eq!(mail.to, ALIAS);
    assert_eq!(mail.message_id, "msg_reply@acme.example");
    let raw = &mail.raw;
    assert_eq!(
        header(raw, "To").as_deref(),
        Some(format!("<{ALIAS}>").as_str())
    );
    assert_eq!(
        header(raw, "From").as_deref(),
        Some("\"Acme Casa\" <help@acme.example>")
    );
    assert_eq!(
        header(raw, "In-Reply-To").as_deref(),
        Some("<m2@amazon.it>")
    );
    assert_eq!(
        header(raw, "References").as_deref(),
        Some("<m1@amazon.it> <m2@amazon.it>")
    );
    assert_eq!(
        header(raw, "Message-ID").as_deref(),
        Some("<msg_reply@acme.example>")
    );
    let parsed = mail_parser::MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        parsed.subject(),
        Some("Re: Dov'è il mio ordine 305-1234567-1234567?")
    );
    assert_eq!(
        parsed.body_text(0).unwrap().trim(),
        "Buongiorno Giulia, il pacco è in consegna oggi con BRT."
    );
    assert_eq!(
        parsed.date().unwrap().to_timestamp(),
        (at(ASKED) + Duration::hours(2)).timestamp()
    );
}

#[test]
fn an_ebay_reply_answers_in_the_buyers_conversation() {
    let messages = [buyer(Channel::Ebay), reply(agent())];
    let Outgoing::Channel(out) = build_for(Channel::Ebay, None, &messages, None).unwrap() else {
        panic!("a channel message")
    };
    assert_eq!(out.conversation.as_deref(), Some("C-991"));
    assert_eq!(out.body, messages[1].body);
}

#[test]
fn a_store_reply_goes_to_the_customers_email_and_needs_one() {
    let messages = [buyer(Channel::Shopify), reply(agent())];
    let mut customer = Customer {
        id: CustomerId::parse("cus_01").unwrap(),
        display_name: None,
        identities: vec![Identity::new(IdentityKind::Phone, "+39 02 1234")],
        merged_from: vec![],
        lifetime_value_minor: 0,
        created_at: at(ASKED),
        version: 1,
    };
    assert_eq!(
        build_for(
            Channel::Shopify,
            Some("shop@acme.example"),
            &messages,
            Some(&customer)
        ),
        Err(OutboundError::NoRecipient {
            ticket: TicketId::parse("tkt_01").unwrap()
        })
    );
    customer
        .identities
        .push(Identity::new(IdentityKind::Email, "Giulia.R@example.it"));
    let Outgoing::Mail(mail) = build_for(
        Channel::Shopify,
        Some("shop@acme.example"),
        &messages,
        Some(&customer),
    )
    .unwrap() else {
        panic!("an e-mail")
    };
    assert_eq!(mail.to, "giulia.r@example.it");
}

#[test]
fn what_cannot_be_sent_is_a_typed_error() {
    let ok = [buyer(Channel::Amazon), reply(agent())];
    assert!(matches!(
        build_for(Channel::Amazon, None, &ok, None),
        Err(OutboundError::NoSenderAddress { .. })
    ));
    assert!(matches!(
        build_for(
            Channel::Amazon,
            Some("help@acme.example\r\nBcc: x@y.z"),
            &ok,
            None
        ),
        Err(OutboundError::InvalidSenderAddress { .. })
    ));
    let mut delivered = reply(agent());
    delivered.delivery = Some(DeliveryState::Delivered { at: at(ASKED) });
    assert!(matches!(
        build_for(
            Channel::Amazon,
            Some("help@acme.example"),
            &[buyer(Channel::Amazon), delivered],
            None
        ),
        Err(OutboundError::NotQueued { .. })
    ));
    assert!(matches!(
        build_for(
            Channel::Amazon,
            Some("help@acme.example"),
            &[buyer(Channel::Amazon)],
            None
        ),
        Err(OutboundError::MessageNotFound { .. })
    ));
    let mut no_alias = buyer(Channel::Amazon);
    no_alias.external.conversation = None;
    assert!(matches!(
        build_for(
            Channel::Amazon,
            Some("help@acme.example"),
            &[no_alias, reply(agent())],
            None
        ),
        Err(OutboundError::NoRecipient { .. })
    ));
}

#[test]
fn the_debug_form_of_a_mail_leaves_out_the_buyer() {
    let messages = [buyer(Channel::Amazon), reply(agent())];
    let outgoing = build_for(Channel::Amazon, Some("help@acme.example"), &messages, None).unwrap();
    let shown = format!("{outgoing:?}");
    assert!(!shown.contains(ALIAS), "{shown}");
    assert!(!shown.contains("Giulia"), "{shown}");
}

#[test]
fn reply_subjects_are_not_prefixed_twice() {
    assert_eq!(reply_subject("Ordine in ritardo"), "Re: Ordine in ritardo");
    assert_eq!(
        reply_subject("RE: Ordine in ritardo"),
        "RE: Ordine in ritardo"
    );
}

#[test]
fn a_delivered_agent_reply_stops_the_clock_and_counts_the_first_response_once() {
    let before = ticket(Channel::Amazon);
    let delivered = at(ASKED) + Duration::hours(3);
    let effect = reply_effect(
        &before,
        &reply(agent()),
        delivered,
        &seed_policies(),
        delivered,
    )
    .unwrap();
    let after = &effect.ticket;
    assert_eq!(after.sla.due_at, None);
    assert_eq!(after.sla.internal_due_at, None);
    assert_eq!(after.sla.first_response_at, Some(delivered));
    assert_eq!(after.last_agent_reply_at, Some(delivered));
    assert_eq!(after.version, before.version);
    assert_eq!(effect.counters.replies, 1);
    assert_eq!(effect.counters.replied_within_24h, 1);
    assert_eq!(effect.counters.first_response_seconds_sum, 3 * 3600);
    assert_eq!(effect.agent, Some(AgentId::parse("anna").unwrap()));
    // Applying it again (a redelivered record) changes nothing.
    assert_eq!(
        reply_effect(
            after,
            &reply(agent()),
            delivered,
            &seed_policies(),
            delivered
        ),
        None
    );
}

#[test]
fn a_late_second_answer_counts_a_reply_outside_24h_without_a_first_response_time() {
    let mut before = ticket(Channel::Amazon);
    before.sla.first_response_at = Some(at(ASKED) - Duration::days(2));
    let delivered = at(ASKED) + Duration::hours(30);
    let effect = reply_effect(
        &before,
        &reply(agent()),
        delivered,
        &seed_policies(),
        delivered,
    )
    .unwrap();
    assert_eq!(effect.ticket.sla.due_at, None);
    assert_eq!(effect.counters.replies, 1);
    assert_eq!(effect.counters.replied_within_24h, 0);
    assert_eq!(effect.counters.first_response_seconds_sum, 0);
}

#[test]
fn an_automatic_reply_does_not_stop_amazons_clock() {
    let before = ticket(Channel::Amazon);
    let auto = reply(AuthorKind::Automation { rule: "ack".into() });
    let delivered = at(ASKED) + Duration::minutes(1);
    assert_eq!(
        reply_effect(&before, &auto, delivered, &seed_policies(), delivered),
        None
    );
}

fn order_action(name: &str) -> Message {
    let mut action = reply(agent());
    action.external.order_action = Some(crate::domain::OrderAction {
        action: name.into(),
        order: crate::domain::OrderId::parse("402-1234567-1234567").unwrap(),
        marketplace: "APJ6JRA9NG5V4".into(),
        idempotency_key: None,
    });
    action
}

#[test]
fn an_order_action_goes_to_the_messaging_api_not_by_mail() {
    let messages = [buyer(Channel::Amazon), order_action("unexpectedProblem")];
    // No sender address needed: nothing is mailed.
    let Outgoing::Action(out) = build_for(Channel::Amazon, None, &messages, None).unwrap() else {
        panic!("a Messaging API action")
    };
    assert_eq!(out.action, "unexpectedProblem");
    assert_eq!(out.order.as_str(), "402-1234567-1234567");
    assert_eq!(out.marketplace, "APJ6JRA9NG5V4");
    assert_eq!(out.text, messages[1].body);
}

#[test]
fn an_order_action_that_cannot_be_sent_is_a_typed_error() {
    for (channel, name) in [
        (Channel::Amazon, "legalDisclosure"),
        (Channel::Amazon, "noSuchAction"),
        (Channel::Ebay, "unexpectedProblem"),
    ] {
        let messages = [buyer(channel), order_action(name)];
        let err = build_for(channel, Some("help@acme.example"), &messages, None).unwrap_err();
        assert_eq!(err.code(), "action_unsupported", "{channel} {name}");
    }
}
