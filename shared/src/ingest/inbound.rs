//! Normalisation: a channel message or a classified e-mail becomes one [`Inbound`], the shape
//! the planner threads into a ticket whatever the channel.

use chrono::{DateTime, Utc};

use super::IngestError;
use super::event::{FeedbackEvent, MessageEvent};
use crate::domain::{
    AccountId, Attachment, Channel, ChannelAccount, Direction, ExternalRefs, FeedbackRating,
    Identity, IdentityKind, OrderId, Risk, TenantId,
};
use crate::inbound_mail::{InboundMail, MailKind};
use crate::store::{SeenKey, ThreadKey};

/// Who wrote an inbound message, as far as the SLA clock and the inbox care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The buyer: starts or restarts the clock.
    Buyer,
    /// The seller, from the channel's own UI or another tool: a real reply, stops the clock.
    SellerElsewhere,
    /// The marketplace or a mail system (claim notice, bounce, auto-reply): never a reply and
    /// never a buyer question by itself.
    System,
}

/// One inbound message, channel-independent.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbound {
    pub tenant: TenantId,
    pub account: AccountId,
    pub channel: Channel,
    pub seen: SeenKey,
    pub origin: Origin,
    /// What the mail classifier called it (`buyer_message`, `atoz_claim`…), for the audit.
    pub kind: &'static str,
    /// The buyer's identity on this channel, if the message names one.
    pub sender: Option<Identity>,
    /// Other identities the message reveals (a contact form's phone number).
    pub other_identities: Vec<Identity>,
    pub sender_name: Option<String>,
    /// Thread keys that find an existing ticket, strongest first.
    pub lookup: Vec<ThreadKey>,
    /// The key that names a new ticket's thread (written only if nobody holds it).
    pub primary: ThreadKey,
    /// Further keys to point at the ticket (this message's Message-ID, the order).
    pub links: Vec<ThreadKey>,
    pub subject: String,
    pub body: String,
    pub language: Option<String>,
    pub attachments: Vec<Attachment>,
    pub external: ExternalRefs,
    pub sent_at: DateTime<Utc>,
    pub order: Option<OrderId>,
    /// The eBay listing the conversation is about: with the buyer it finds the order.
    pub listing: Option<String>,
    pub risk: Option<Risk>,
}

fn key(channel: Channel, external: String) -> ThreadKey {
    ThreadKey { channel, external }
}

/// Thread key of an order: claim notices and later messages about it find its ticket.
pub fn order_thread(channel: Channel, order: &OrderId) -> ThreadKey {
    key(channel, format!("order:{order}"))
}

/// Thread key of an e-mail Message-ID (ours or the buyer's).
pub fn mail_thread(channel: Channel, message_id: &str) -> ThreadKey {
    key(
        channel,
        format!("mid:{}", message_id.trim_matches(['<', '>'])),
    )
}

/// A polled channel message (eBay).
pub fn from_message(event: &MessageEvent) -> Inbound {
    let primary = key(event.channel, format!("conv:{}", event.conversation));
    let sender = event.counterparty.as_deref().map(|user| {
        let kind = match event.channel {
            Channel::Shopify => IdentityKind::ShopifyCustomer,
            Channel::Ebay => IdentityKind::EbayUser,
            Channel::Amazon => IdentityKind::AmazonRelay,
            Channel::Email => IdentityKind::Email,
        };
        Identity::new(kind, user)
    });
    let origin = match event.direction {
        Direction::Inbound => Origin::Buyer,
        Direction::Outbound => Origin::SellerElsewhere,
    };
    let subject = event
        .subject
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| first_line(&event.body));
    Inbound {
        tenant: event.tenant.clone(),
        account: event.account.clone(),
        channel: event.channel,
        seen: SeenKey {
            source: format!("{}-msg", event.channel.as_str()),
            external_id: event.message_id.clone(),
        },
        origin,
        kind: "channel_message",
        sender,
        other_identities: Vec::new(),
        sender_name: event.counterparty.clone(),
        lookup: vec![primary.clone()],
        primary,
        links: event
            .order
            .iter()
            .map(|o| order_thread(event.channel, o))
            .collect(),
        subject,
        body: event.body.clone(),
        language: None,
        attachments: event.attachments.clone(),
        external: ExternalRefs {
            message_id: Some(event.message_id.clone()),
            conversation: Some(event.conversation.clone()),
            ..Default::default()
        },
        sent_at: event.sent_at,
        order: event.order.clone(),
        listing: event.listing.clone(),
        risk: None,
    }
}

/// Negative or neutral feedback: a ticket of its own that an agent answers (negative feedback
/// puts the account at risk).
pub fn from_feedback(event: &FeedbackEvent) -> Inbound {
    let feedback = &event.feedback;
    let primary = key(Channel::Ebay, format!("feedback:{}", feedback.id));
    let negative = feedback.rating == FeedbackRating::Negative;
    let rating = if negative { "Negative" } else { "Neutral" };
    let about = event.listing_title.as_deref().or(event.listing.as_deref());
    Inbound {
        tenant: event.tenant.clone(),
        account: event.account.clone(),
        channel: Channel::Ebay,
        seen: SeenKey {
            source: "ebay-feedback".into(),
            external_id: feedback.id.to_string(),
        },
        origin: Origin::System,
        kind: if negative {
            "negative_feedback"
        } else {
            "neutral_feedback"
        },
        sender: event.buyer.clone(),
        other_identities: Vec::new(),
        sender_name: event.buyer.as_ref().map(|b| b.value.clone()),
        lookup: vec![primary.clone()],
        primary,
        links: Vec::new(),
        subject: match about {
            Some(item) => format!("{rating} feedback: {item}"),
            None => format!("{rating} feedback"),
        },
        body: feedback.comment.clone(),
        language: None,
        attachments: Vec::new(),
        external: ExternalRefs::default(),
        sent_at: feedback.left_at,
        order: None,
        listing: event.listing.clone(),
        risk: negative.then_some(Risk::NegativeFeedback),
    }
}

/// A Shopify order name (`#1042`) in a store customer's text, as the domain order id (`1042`).
fn shop_order_name(text: &str) -> Option<OrderId> {
    static NAME: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"#(\d{3,10})\b").expect("valid pattern"));
    NAME.captures(text)
        .and_then(|c| OrderId::parse(c.get(1)?.as_str()).ok())
}

fn first_line(body: &str) -> String {
    let line = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    line.chars().take(80).collect()
}

/// The account a mail belongs to: Amazon mail to the tenant's Amazon account of that
/// marketplace (else its only Amazon account); store mail to the account whose sender address
/// it was sent to, else the tenant's Shopify account, else its e-mail account.
pub fn mail_account<'a>(
    accounts: &'a [ChannelAccount],
    mail: &InboundMail,
    kind: &MailKind,
) -> Result<&'a ChannelAccount, IngestError> {
    let enabled = || accounts.iter().filter(|a| a.enabled);
    let amazon_market = match kind {
        MailKind::BuyerMessage(b) => Some(Some(b.marketplace.id)),
        MailKind::AToZClaim(n) | MailKind::Chargeback(n) => Some(n.marketplace.map(|m| m.id)),
        MailKind::NegativeFeedback(n) => Some(n.marketplace.map(|m| m.id)),
        MailKind::MarketplaceNotice(n) => Some(n.marketplace.map(|m| m.id)),
        MailKind::AutoReply(a) if a.relay_alias.is_some() => Some(None),
        MailKind::DeliveryFailed(_) if kind.channel() == Channel::Amazon => Some(None),
        _ => None,
    };
    let found = match amazon_market {
        Some(market) => {
            let amazon = || enabled().filter(|a| a.channel == Channel::Amazon);
            market
                .and_then(|id| amazon().find(|a| a.marketplace.id == id))
                .or_else(|| amazon().next())
        }
        None => {
            let to_us = |a: &&ChannelAccount| {
                a.sender_address.as_deref().is_some_and(|addr| {
                    mail.to
                        .iter()
                        .chain(&mail.cc)
                        .any(|t| t.address.eq_ignore_ascii_case(addr))
                })
            };
            enabled()
                .find(to_us)
                .or_else(|| enabled().find(|a| a.channel == Channel::Shopify))
                .or_else(|| enabled().find(|a| a.channel == Channel::Email))
        }
    };
    found.ok_or(IngestError::NoAccount { kind: kind.name() })
}

/// A parsed, classified e-mail for `account`.
pub fn from_mail(
    tenant: &TenantId,
    account: &ChannelAccount,
    mail: &InboundMail,
    kind: &MailKind,
    object_key: &str,
) -> Inbound {
    let channel = account.channel;
    let external = mail.external_refs();
    // SES gives every stored mail a unique object name; a Message-ID can be missing or reused.
    let external_id = mail.message_id.clone().unwrap_or_else(|| {
        object_key
            .rsplit('/')
            .next()
            .unwrap_or(object_key)
            .to_owned()
    });
    let own_mid = mail_thread(channel, &external_id);
    let mut lookup: Vec<ThreadKey> = Vec::new();
    let mut sender = None;
    let mut other_identities = Vec::new();
    let mut sender_name = mail.from.name.clone();
    let mut origin = Origin::System;
    let mut risk = None;
    let mut order = mail.order_id.clone();
    let mut primary = own_mid.clone();
    let mut body = mail.clean_text.clone();

    match kind {
        MailKind::BuyerMessage(b) => {
            origin = Origin::Buyer;
            sender = Some(Identity::new(IdentityKind::AmazonRelay, &b.alias));
            sender_name = b.buyer_name.clone().or(sender_name);
            order = b.order_id.clone().or(order);
            primary = match &order {
                Some(o) => key(channel, format!("relay:{}/{o}", b.alias.to_lowercase())),
                None => key(channel, format!("relay:{}", b.alias.to_lowercase())),
            };
            lookup.push(primary.clone());
        }
        MailKind::StoreMessage(m) => {
            origin = Origin::Buyer;
            if order.is_none() && channel == Channel::Shopify {
                order = shop_order_name(&format!("{}\n{}", mail.subject, body));
            }
            sender = Some(Identity::new(IdentityKind::Email, &m.email));
            sender_name = m.name.clone().or(sender_name);
            if let Some(phone) = &m.phone {
                other_identities.push(Identity::new(IdentityKind::Phone, phone));
            }
        }
        MailKind::AToZClaim(n) => {
            risk = Some(Risk::AToZClaim);
            order = n.order_id.clone().or(order);
        }
        MailKind::Chargeback(n) => {
            risk = Some(Risk::Chargeback);
            order = n.order_id.clone().or(order);
        }
        MailKind::NegativeFeedback(n) => {
            risk = Some(Risk::NegativeFeedback);
            order = n.order_id.clone().or(order);
            if let Some(comment) = n.comment.as_ref().filter(|_| body.trim().is_empty()) {
                body = comment.clone();
            }
        }
        MailKind::AutoReply(a) => {
            order = a.order_id.clone().or(order);
            if let Some(alias) = &a.relay_alias {
                sender = Some(Identity::new(IdentityKind::AmazonRelay, alias));
            }
        }
        MailKind::DeliveryFailed(d) => {
            if let Some(original) = &d.original_message_id {
                lookup.push(mail_thread(channel, original));
            }
        }
        MailKind::MarketplaceNotice(n) => {
            order = n.order_id.clone().or(order);
        }
    }
    // Replies quote what they answer: our Message-IDs are linked to their tickets.
    for reference in external
        .in_reply_to
        .iter()
        .chain(external.references.iter().rev())
    {
        let k = mail_thread(channel, reference);
        if !lookup.contains(&k) {
            lookup.push(k);
        }
    }
    // Notices about an order join the order's conversation; a buyer message starts its own
    // thread per alias and only points the order at it.
    if let (Some(o), Origin::System) = (&order, origin) {
        lookup.push(order_thread(channel, o));
    }
    let mut links = vec![own_mid];
    if let Some(o) = &order {
        links.push(order_thread(channel, o));
    }
    links.retain(|l| *l != primary);

    let subject = if mail.subject.trim().is_empty() {
        first_line(&body)
    } else {
        mail.subject.clone()
    };
    Inbound {
        tenant: tenant.clone(),
        account: account.id.clone(),
        channel,
        seen: SeenKey {
            source: "mail".into(),
            external_id,
        },
        origin,
        kind: kind.name(),
        sender,
        other_identities,
        sender_name,
        lookup,
        primary,
        links,
        subject,
        body,
        language: mail.language.clone(),
        attachments: mail
            .attachments
            .iter()
            .map(|a| a.to_domain(Some(format!("{object_key}#part={}", a.part))))
            .collect(),
        external,
        sent_at: mail.sent_at,
        order,
        listing: None,
        risk,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{Marketplace, SecretRef};
    use crate::inbound_mail::{classify, parse};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap()
    }

    fn account(id: &str, channel: Channel, market: &str, sender: Option<&str>) -> ChannelAccount {
        ChannelAccount {
            id: AccountId::parse(id).unwrap(),
            tenant: TenantId::parse("acme").unwrap(),
            channel,
            marketplace: Marketplace {
                id: market.into(),
                country: None,
                language: None,
            },
            region: None,
            display_name: id.into(),
            credentials: SecretRef("x".into()),
            sender_address: sender.map(str::to_owned),
            reply_identity: None,
            auto_send_wismo: false,
            poll_interval_minutes: 5,
            enabled: true,
            seller_id: None,
            created_at: Utc::now(),
            version: 1,
        }
    }

    fn accounts() -> Vec<ChannelAccount> {
        vec![
            account("acct_amazon_de", Channel::Amazon, "A1PA6795UKMFR9", None),
            account("acct_amazon_it", Channel::Amazon, "APJ6JRA9NG5V4", None),
            account(
                "acct_shop",
                Channel::Shopify,
                "shop.myshopify.com",
                Some("ciao@shop.example"),
            ),
        ]
    }

    fn normalise(name: &str, raw: Option<Vec<u8>>) -> Inbound {
        let raw = raw.unwrap_or_else(|| fixture(name));
        let mail = parse(&raw).unwrap();
        let kind = classify(&mail);
        let accounts = accounts();
        let account = mail_account(&accounts, &mail, &kind).unwrap();
        from_mail(
            &TenantId::parse("acme").unwrap(),
            account,
            &mail,
            &kind,
            "inbound/acme/o1",
        )
    }

    #[test]
    fn a_relay_mail_goes_to_its_marketplace_account_on_the_alias_and_order_thread() {
        let inbound = normalise("amazon_it_buyer_question.eml", None);
        assert_eq!(inbound.account.as_str(), "acct_amazon_it");
        assert_eq!(inbound.origin, Origin::Buyer);
        assert_eq!(
            inbound.primary.external,
            "relay:4n7kq2x9v1m3b8c@marketplace.amazon.it/405-1234567-7654321"
        );
        assert!(inbound.links.contains(&order_thread(
            Channel::Amazon,
            &OrderId::parse("405-1234567-7654321").unwrap()
        )));
        assert_eq!(
            inbound.sender,
            Some(Identity::new(
                IdentityKind::AmazonRelay,
                "4n7kq2x9v1m3b8c@marketplace.amazon.it"
            ))
        );
    }

    #[test]
    fn a_claim_notice_looks_for_its_orders_conversation_and_carries_the_risk() {
        let inbound = normalise("atoz_claim_it.eml", None);
        assert_eq!(inbound.origin, Origin::System);
        assert_eq!(inbound.risk, Some(Risk::AToZClaim));
        let order = OrderId::parse("405-7418529-6301478").unwrap();
        assert!(
            inbound
                .lookup
                .contains(&order_thread(Channel::Amazon, &order))
        );
    }

    #[test]
    fn a_store_contact_form_names_the_customer_and_the_shop_order() {
        let inbound = normalise("store_shopify_contact_form_it.eml", None);
        assert_eq!(inbound.channel, Channel::Shopify);
        assert_eq!(
            inbound.sender,
            Some(Identity::new(
                IdentityKind::Email,
                "elena.conti@example.net"
            ))
        );
        assert_eq!(inbound.other_identities.len(), 1, "the phone number");
        assert_eq!(inbound.order.as_ref().map(|o| o.as_str()), Some("1042"));
    }

    #[test]
    fn a_reply_to_our_message_finds_its_thread_by_in_reply_to() {
        let inbound = normalise("amazon_it_followup_quoted.eml", None);
        assert!(inbound.lookup.contains(&mail_thread(
            Channel::Amazon,
            "md.01JC0A1B2C3D4E5F6G7H8J9K0M@mail.acme-store.example"
        )));
    }
}
