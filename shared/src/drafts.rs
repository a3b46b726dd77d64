//! Ready drafts: when a buyer asks something a template answers (where is my order, a
//! return, a damaged item, a product question…), ingestion renders that template for the
//! ticket — in the buyer's language, placeholders filled from the order, its shipment and the
//! live tracking, the seller's name and signature from the channel account — runs the
//! compliance checker on it, and stores it on the ticket with the facts it used. The agent
//! sends it as is, edits it, or discards it. When the facts change (a new scan, a delivery)
//! the draft is rendered again. Pure: the caller gives the order, templates and `now`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::compliance::Outcome;
use crate::domain::{
    AuthorKind, ChannelAccount, Direction, DraftFacts, EventId, Intent, Message, Order, ReadyDraft,
    Shipment, ShipmentStatus, Ticket, TicketEvent, TicketEventKind,
};
use crate::templates::{Placeholder, RenderContext, Template};
use crate::tenant_config::EffectiveTemplate;

/// The starter template that answers an intent, if one does.
pub fn template_id_for(intent: Intent) -> Option<&'static str> {
    match intent {
        Intent::WhereIsMyOrder => Some("wismo_live"),
        Intent::Return => Some("return_authorised"),
        Intent::DamagedOrDefective => Some("damaged_item"),
        Intent::ProductQuestion => Some("product_question"),
        Intent::Refund => Some("refund_processed"),
        _ => None,
    }
}

/// The template a ticket's draft comes from: the one an automation rule suggested, else the
/// one answering its intent; the tenant's own version of it if it has one.
pub fn template_for<'a>(
    ticket: &Ticket,
    templates: &'a [EffectiveTemplate],
) -> Option<&'a Template> {
    let id = ticket
        .suggested_draft
        .as_ref()
        .map(|d| d.template.as_str())
        .or_else(|| ticket.intent.and_then(template_id_for))?;
    templates
        .iter()
        .map(|t| &t.template)
        .find(|t| t.id.as_str() == id)
}

/// The buyer's time zone, from the marketplace country (dates in the draft are local).
pub fn time_zone(account: &ChannelAccount) -> Tz {
    match account.marketplace.country.as_deref().unwrap_or("") {
        "IT" => chrono_tz::Europe::Rome,
        "DE" => chrono_tz::Europe::Berlin,
        "FR" => chrono_tz::Europe::Paris,
        "ES" => chrono_tz::Europe::Madrid,
        "GB" | "UK" => chrono_tz::Europe::London,
        "US" => chrono_tz::America::New_York,
        _ => chrono_tz::UTC,
    }
}

/// The language a draft is written in: the buyer's, else the marketplace's, else English.
pub fn language(ticket: &Ticket, account: &ChannelAccount) -> String {
    ticket
        .language
        .clone()
        .or_else(|| account.marketplace.language.clone())
        .unwrap_or_else(|| crate::templates::FALLBACK_LANGUAGE.to_owned())
}

fn shipment(order: Option<&Order>) -> Option<&Shipment> {
    order.and_then(|o| o.shipments.last())
}

/// The seller name replies are signed with: the account's reply identity, else its name.
pub fn seller_name(account: &ChannelAccount) -> &str {
    account
        .reply_identity
        .as_ref()
        .map_or(account.display_name.as_str(), |r| r.seller_name.as_str())
}

/// The facts a draft for `ticket` would be rendered from now, signed by `seller`.
pub fn facts(ticket: &Ticket, order: Option<&Order>, seller: Option<&str>) -> DraftFacts {
    let s = shipment(order);
    DraftFacts {
        order: order
            .map(|o| o.id.to_string())
            .or_else(|| ticket.order.as_ref().map(|r| r.order.to_string())),
        buyer_name: order.and_then(|o| o.buyer_name.clone()),
        seller_name: seller.map(str::to_owned),
        carrier: s.map(|s| s.carrier.clone()),
        tracking_number: s.map(|s| s.tracking_number.clone()),
        tracking_url: s.and_then(|s| s.tracking_url.clone()),
        shipment_status: s.map(|s| s.status),
        estimated_delivery: s.and_then(|s| s.estimated_delivery),
        last_scan_at: s.and_then(|s| s.events.iter().map(|e| e.at).max()),
        checked_at: s.and_then(|s| s.checked_at),
    }
}

/// Whether `draft` says something other than the facts now (a new scan, a delivery, a new
/// estimate). When only the time of the last carrier check moved, it still holds.
pub fn is_stale(draft: &ReadyDraft, now_facts: &DraftFacts) -> bool {
    let mut was = draft.facts.clone();
    was.checked_at = now_facts.checked_at;
    &was != now_facts
}

/// Renders the ticket's draft, or `None` when no template answers it (or it has no variant).
/// A delivered parcel is answered with the delivery; an unknown live status leaves the
/// status placeholder for the agent (never "unknown" to a buyer).
pub fn render(
    ticket: &Ticket,
    order: Option<&Order>,
    account: &ChannelAccount,
    templates: &[EffectiveTemplate],
    now: DateTime<Utc>,
) -> Option<ReadyDraft> {
    let template = template_for(ticket, templates)?;
    let language = language(ticket, account);
    let mut ctx = RenderContext::for_ticket(ticket, order, time_zone(account));
    ctx.seller_name = Some(seller_name(account));
    let mut rendered = template.render(&language, &ctx).ok()?;
    if let Some(signature) = account
        .reply_identity
        .as_ref()
        .and_then(|r| r.signature.as_deref())
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        rendered.body = format!("{}\n{signature}", rendered.body.trim_end());
    }
    let verdict = rendered.check(Some(&account.marketplace.id));
    let compliance = match verdict.verdict {
        Outcome::Pass => "pass",
        Outcome::Warn => "warn",
        Outcome::Block => "block",
    };
    let mut findings: Vec<String> = verdict
        .findings
        .iter()
        .map(|f| f.rule.to_string())
        .collect();
    findings.dedup();
    Some(ReadyDraft {
        template: template.id.to_string(),
        language: rendered.language,
        body: rendered.body,
        facts: facts(ticket, order, Some(seller_name(account))),
        missing: rendered
            .missing
            .iter()
            .map(|p: &Placeholder| p.token().to_owned())
            .collect(),
        compliance: compliance.to_owned(),
        findings,
        rendered_at: now,
    })
}

/// The draft the ticket should carry now: its own if the facts still hold, else a fresh one
/// (a draft is only kept while an answer is owed; a delivered order's WISMO draft says so).
pub fn refreshed(
    ticket: &Ticket,
    order: Option<&Order>,
    account: &ChannelAccount,
    templates: &[EffectiveTemplate],
    now: DateTime<Utc>,
) -> Option<ReadyDraft> {
    match &ticket.draft {
        Some(draft) if !is_stale(draft, &facts(ticket, order, Some(seller_name(account)))) => {
            Some(draft.clone())
        }
        _ => render(ticket, order, account, templates, now),
    }
}

/// Whether the ticket's draft no longer matches its order (a new scan, a delivery since).
pub fn outdated(ticket: &Ticket, order: Option<&Order>) -> bool {
    ticket.draft.as_ref().is_some_and(|draft| {
        is_stale(
            draft,
            &facts(ticket, order, draft.facts.seller_name.as_deref()),
        )
    })
}

/// The tag an automatically answered ticket carries, so the team can find (and filter) them.
pub const AUTO_REPLIED_TAG: &str = "auto-replied";

/// The author name of an automatic reply (`AuthorKind::Automation { rule }`).
pub const AUTO_SEND_RULE: &str = "auto_send_wismo";

/// How old a buyer's message may be and still be answered automatically: an imported history
/// or a message that waited in a queue is answered by a person who can see what happened since.
const AUTO_SEND_MAX_AGE: chrono::Duration = chrono::Duration::hours(24);

/// Whether ingestion sends `draft` itself, now, in answer to `message` (already applied to
/// `ticket`). Only when every one of these holds:
/// - the account opted in and its channel counts an automatic answer as one
///   (`sla::auto_reply_stops_clock`: eBay, never Amazon, whose policy wants every automatic
///   reply reviewed before sending);
/// - the buyer asks where the order is and the draft answers that from the live tracking: a
///   known status and the carrier's tracking link, every placeholder filled, the checker's
///   outcome `pass` (a warning goes to a person);
/// - the message is the buyer's newest, unanswered, less than a day old, and nothing on the
///   ticket calls for a person: no claim, dispute or negative feedback, not answered
///   automatically before (a buyer who asks again gets a person).
pub fn auto_send(
    account: &ChannelAccount,
    ticket: &Ticket,
    message: &Message,
    draft: &ReadyDraft,
    now: DateTime<Utc>,
) -> bool {
    let channel_accepts = crate::sla::auto_reply_stops_clock(account.channel);
    let live_answer = template_id_for(Intent::WhereIsMyOrder) == Some(draft.template.as_str())
        && draft.compliance == "pass"
        && draft.missing.is_empty()
        && draft.facts.tracking_url.is_some()
        && draft
            .facts
            .shipment_status
            .is_some_and(|s| s != ShipmentStatus::Unknown);
    let newest_unanswered = message.direction == Direction::Inbound
        && message.author == AuthorKind::Buyer
        && ticket.last_buyer_message_at == Some(message.sent_at)
        && ticket
            .last_agent_reply_at
            .is_none_or(|reply| reply < message.sent_at)
        && now - message.sent_at <= AUTO_SEND_MAX_AGE;
    account.auto_send_wismo
        && channel_accepts
        && ticket.channel == account.channel
        && ticket.intent == Some(Intent::WhereIsMyOrder)
        && live_answer
        && newest_unanswered
        && ticket.risk.is_none()
        && !ticket.tags.contains(AUTO_REPLIED_TAG)
}

/// Turns the ticket's ready draft into a reply queued for the sender, as an agent's reply
/// would be: the draft is spent, the ticket is tagged, and an event says what was sent.
/// Returns the reply and its event; `None` when the ticket has no draft.
pub fn send_automatically(
    ticket: &mut Ticket,
    now: DateTime<Utc>,
) -> Option<(Message, TicketEvent)> {
    let draft = ticket.draft.take()?;
    let reply = Message::queued_reply(
        &ticket.id,
        AuthorKind::Automation {
            rule: AUTO_SEND_RULE.to_owned(),
        },
        draft.body,
        draft.language,
        now,
    );
    ticket.suggested_draft = None;
    ticket.tags.insert(AUTO_REPLIED_TAG.to_owned());
    let event = TicketEvent {
        id: EventId::generate(now),
        ticket: ticket.id.clone(),
        at: now,
        actor: reply.author.clone(),
        kind: TicketEventKind::AutoReplied {
            message: reply.id.clone(),
            template: draft.template,
        },
    };
    Some((reply, event))
}

#[cfg(test)]
mod auto_send_tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::{
        AccountId, Channel, CustomerId, DeliveryState, ExternalRefs, Marketplace, MessageId,
        Priority, Risk, SecretRef, TenantId, TicketId, TicketStatus,
    };

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const ASKED: &str = "2026-11-03T09:12:00Z";

    /// A named change to a fixture.
    type Change<T> = (&'static str, fn(&mut T));

    fn account(channel: Channel, on: bool) -> ChannelAccount {
        ChannelAccount {
            id: AccountId::parse("acct_1").unwrap(),
            tenant: TenantId::parse("acme").unwrap(),
            channel,
            marketplace: Marketplace {
                id: "EBAY_DE".into(),
                country: Some("DE".into()),
                language: Some("de".into()),
            },
            region: None,
            display_name: "Casa Luce".into(),
            credentials: SecretRef("marketdesk/acme/acct_1".into()),
            sender_address: None,
            seller_id: None,
            reply_identity: None,
            auto_send_wismo: on,
            poll_interval_minutes: 5,
            enabled: true,
            created_at: at("2026-01-01T00:00:00Z"),
            version: 1,
        }
    }

    fn draft() -> ReadyDraft {
        ReadyDraft {
            template: "wismo_live".into(),
            language: "de".into(),
            body: "Guten Tag, Ihr Paket ist unterwegs: https://tracking.dpd.de/x".into(),
            facts: DraftFacts {
                tracking_url: Some("https://tracking.dpd.de/x".into()),
                shipment_status: Some(ShipmentStatus::InTransit),
                ..Default::default()
            },
            missing: vec![],
            compliance: "pass".into(),
            findings: vec![],
            rendered_at: at(ASKED),
        }
    }

    fn ticket(channel: Channel) -> Ticket {
        let asked = at(ASKED);
        Ticket {
            id: TicketId::parse("tkt_01").unwrap(),
            tenant: TenantId::parse("acme").unwrap(),
            channel,
            account: AccountId::parse("acct_1").unwrap(),
            thread: "conv:C-1".into(),
            subject: "Wo bleibt mein Paket?".into(),
            status: TicketStatus::Open,
            priority: Priority::Normal,
            assignee: None,
            tags: Default::default(),
            intent: Some(Intent::WhereIsMyOrder),
            risk: None,
            customer: CustomerId::parse("cus_01").unwrap(),
            order: None,
            sla: Default::default(),
            message_count: 1,
            last_buyer_message_at: Some(asked),
            last_agent_reply_at: None,
            sources: Default::default(),
            suggested_draft: None,
            draft: Some(draft()),
            language: Some("de".into()),
            created_at: asked,
            updated_at: asked,
            version: 1,
        }
    }

    fn buyer() -> Message {
        Message {
            id: MessageId::parse("msg_buyer").unwrap(),
            ticket: TicketId::parse("tkt_01").unwrap(),
            direction: Direction::Inbound,
            author: AuthorKind::Buyer,
            author_name: None,
            subject: None,
            body: "Wo bleibt mein Paket?".into(),
            language: Some("de".into()),
            attachments: vec![],
            external: ExternalRefs::default(),
            sent_at: at(ASKED),
            received_at: at(ASKED),
            delivery: None,
        }
    }

    fn decide(account: &ChannelAccount, ticket: &Ticket, draft: &ReadyDraft) -> bool {
        auto_send(
            account,
            ticket,
            &buyer(),
            draft,
            at(ASKED) + Duration::minutes(1),
        )
    }

    #[test]
    fn an_opted_in_ebay_account_sends_a_live_compliant_wismo_answer() {
        assert!(decide(
            &account(Channel::Ebay, true),
            &ticket(Channel::Ebay),
            &draft()
        ));
        assert!(!decide(
            &account(Channel::Ebay, false),
            &ticket(Channel::Ebay),
            &draft()
        ));
    }

    #[test]
    fn amazon_and_store_channels_never_send_by_themselves_even_when_the_setting_is_on() {
        for channel in [Channel::Amazon, Channel::Shopify, Channel::Email] {
            assert!(
                !decide(&account(channel, true), &ticket(channel), &draft()),
                "{channel}"
            );
        }
    }

    #[test]
    fn anything_short_of_a_live_checked_answer_goes_to_a_person() {
        let account = account(Channel::Ebay, true);
        let ticket = ticket(Channel::Ebay);
        let variants: [Change<ReadyDraft>; 6] = [
            ("a warning", |d| d.compliance = "warn".into()),
            ("a placeholder left", |d| {
                d.missing = vec!["[TRACKING]".into()]
            }),
            ("no link", |d| d.facts.tracking_url = None),
            ("unknown status", |d| {
                d.facts.shipment_status = Some(ShipmentStatus::Unknown)
            }),
            ("no status", |d| d.facts.shipment_status = None),
            ("another template", |d| {
                d.template = "return_authorised".into()
            }),
        ];
        for (why, change) in variants {
            let mut d = draft();
            change(&mut d);
            assert!(!decide(&account, &ticket, &d), "{why}");
        }
    }

    #[test]
    fn a_ticket_that_needs_a_person_is_never_answered_automatically() {
        let account = account(Channel::Ebay, true);
        let variants: [Change<Ticket>; 5] = [
            ("a claim", |t| t.risk = Some(Risk::EbayItemNotReceived)),
            ("answered automatically before", |t| {
                t.tags.insert(AUTO_REPLIED_TAG.into());
            }),
            ("another intent", |t| t.intent = Some(Intent::Return)),
            ("an older message of the thread", |t| {
                t.last_buyer_message_at = Some(at(ASKED) + Duration::hours(1))
            }),
            ("already answered after it", |t| {
                t.last_agent_reply_at = Some(at(ASKED) + Duration::hours(1))
            }),
        ];
        for (why, change) in variants {
            let mut t = ticket(Channel::Ebay);
            change(&mut t);
            assert!(!decide(&account, &t, &draft()), "{why}");
        }
        // A message older than a day (an imported history) waits for a person.
        let late = at(ASKED) + Duration::hours(25);
        assert!(!auto_send(
            &account,
            &ticket(Channel::Ebay),
            &buyer(),
            &draft(),
            late
        ));
    }

    #[test]
    fn sending_spends_the_draft_tags_the_ticket_and_queues_an_automation_reply() {
        let mut ticket = ticket(Channel::Ebay);
        let now = at(ASKED) + Duration::minutes(1);
        let (reply, event) = send_automatically(&mut ticket, now).expect("a reply");
        assert_eq!(ticket.draft, None);
        assert!(ticket.tags.contains(AUTO_REPLIED_TAG));
        assert_eq!(reply.direction, Direction::Outbound);
        assert_eq!(reply.delivery, Some(DeliveryState::Queued));
        assert_eq!(reply.body, draft().body);
        assert_eq!(reply.language.as_deref(), Some("de"));
        assert_eq!(
            reply.author,
            AuthorKind::Automation {
                rule: AUTO_SEND_RULE.into()
            }
        );
        assert_eq!(
            event.kind,
            TicketEventKind::AutoReplied {
                message: reply.id.clone(),
                template: "wismo_live".into()
            }
        );
        assert_eq!(
            send_automatically(&mut ticket, now),
            None,
            "nothing left to send"
        );
    }
}
