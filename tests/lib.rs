//! Fixtures shared by the tests in this folder: realistic domain values built around a given
//! instant. The emulator and fresh tables come from `marketdesk_devstack::testing`.

use chrono::{DateTime, Duration, Utc};
use marketdesk::domain::*;
use marketdesk::store::{InboundWrite, SeenKey, ThreadKey};

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid RFC 3339")
        .to_utc()
}

pub fn tenant(id: &str) -> TenantId {
    TenantId::parse(id).expect("valid tenant id")
}

/// A new Amazon.it ticket for a buyer message sent at `sent`, due 24 h later.
pub fn new_ticket(tenant: &TenantId, sent: DateTime<Utc>) -> Ticket {
    let id = TicketId::generate(sent);
    Ticket {
        thread: format!(
            "x7k2m9q@marketplace.amazon.it|305-1234567-{}",
            &id.as_str()[20..]
        ),
        id,
        tenant: tenant.clone(),
        channel: Channel::Amazon,
        account: AccountId::parse("acct_amazon_it").unwrap(),
        subject: "Dov'è il mio ordine 305-1234567-1234567?".into(),
        status: TicketStatus::Open,
        priority: Priority::Normal,
        assignee: None,
        tags: Default::default(),
        intent: Some(Intent::WhereIsMyOrder),
        risk: None,
        customer: CustomerId::generate(sent),
        order: Some(OrderRef {
            channel: Channel::Amazon,
            order: OrderId::parse("305-1234567-1234567").unwrap(),
        }),
        sla: SlaState {
            policy: Some("amazon".into()),
            clock_started_at: Some(sent),
            due_at: Some(sent + Duration::hours(24)),
            internal_due_at: Some(sent + Duration::hours(12)),
            ..Default::default()
        },
        message_count: 1,
        last_buyer_message_at: Some(sent),
        last_agent_reply_at: None,
        created_at: sent,
        updated_at: sent,
        version: 0,
    }
}

pub fn buyer_message(ticket: &Ticket, external_id: &str, sent: DateTime<Utc>) -> Message {
    Message {
        id: MessageId::generate(sent),
        ticket: ticket.id.clone(),
        direction: Direction::Inbound,
        author: AuthorKind::Buyer,
        author_name: Some("Giulia".into()),
        subject: Some(ticket.subject.clone()),
        body: "Buongiorno, il pacco non è ancora arrivato. Potete controllare?".into(),
        language: Some("it".into()),
        attachments: vec![Attachment {
            filename: "foto.jpg".into(),
            content_type: "image/jpeg".into(),
            size_bytes: 48_213,
            location: Some("mail/2026/abc.eml#2".into()),
        }],
        external: ExternalRefs {
            message_id: Some(external_id.into()),
            ..Default::default()
        },
        sent_at: sent,
        received_at: sent + Duration::seconds(90),
        delivery: None,
    }
}

/// The write that records the first buyer message of a new ticket.
pub fn first_inbound(ticket: &Ticket, external_id: &str) -> InboundWrite {
    let sent = ticket.created_at;
    InboundWrite {
        seen: SeenKey {
            source: "amazon-mail".into(),
            external_id: external_id.into(),
        },
        ticket: ticket.clone(),
        expected_version: None,
        message: buyer_message(ticket, external_id, sent),
        thread: Some(ThreadKey {
            channel: ticket.channel,
            external: ticket.thread.clone(),
        }),
        events: vec![TicketEvent {
            id: EventId::generate(sent),
            ticket: ticket.id.clone(),
            at: sent,
            actor: AuthorKind::System,
            kind: TicketEventKind::Created,
        }],
        links: Vec::new(),
        new_customer: None,
        new_identities: Vec::new(),
        order: None,
    }
}
