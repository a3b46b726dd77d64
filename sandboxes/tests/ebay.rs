//! The eBay clients against the eBay sandbox: reading conversations and sending replies
//! exactly once through faults; orders with their shipments (Fulfillment API) and negative and
//! neutral feedback (Feedback API) with paging, faults and resumption; one shared OAuth
//! refresh-token client refreshing once under concurrency, for eBay and Amazon.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use marketdesk::connectors::amazon::LwaClient;
use marketdesk::connectors::ebay::{
    EbayConfig, EbayCredentials, EbayFeedback, EbayFulfillment, EbayMessages, EbayOAuth,
    FeedbackConfig, FulfillmentConfig, period_covering,
};
use marketdesk::connectors::{
    ChannelMessage, ConversationSource, ErrorKind, FeedbackSource, HttpConfig, OAuthClient,
    OAuthCredentials, OrderLookup, OrderSource, OutgoingReply, RateLimit, ReceivedFeedback,
    ReplyTransport, RetryPolicy, Secret, fetch_changed_orders,
};
use marketdesk::domain::{
    AccountId, Attachment, Channel, Direction, FeedbackRating, Identity, IdentityKind, Order,
    OrderId, ShipmentStatus,
};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::amazon::{self, AmazonSandbox};
use marketdesk_sandboxes::ebay::{
    self, EbaySandbox, GET_CONVERSATION_ROUTE, GET_CONVERSATIONS_ROUTE, GET_FEEDBACK_ROUTE,
    GET_ORDER_ROUTE, GET_ORDERS_ROUTE, GET_SHIPPING_FULFILLMENTS_ROUTE, MESSAGE_SCOPE,
    SEND_MESSAGE_ROUTE,
};
use serde_json::json;

fn http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_attempts: 4,
            budget: Duration::from_secs(5),
        },
    }
}

fn client_with(sandbox: &EbaySandbox, change: impl FnOnce(&mut EbayConfig)) -> EbayMessages {
    let cfg = sandbox.config();
    let credentials = EbayCredentials {
        client_id: cfg.client_id.clone(),
        client_secret: Secret::new(cfg.client_secret.clone()),
        refresh_token: Secret::new(cfg.refresh_token.clone()),
    };
    let http_config = http();
    let client = http_config.build_client();
    let oauth = EbayOAuth::new(
        "acct_ebay",
        credentials,
        sandbox.token_url(),
        vec![MESSAGE_SCOPE.to_owned()],
        client.clone(),
        http_config.timeout,
    );
    let mut config = EbayConfig::new(
        AccountId::parse("acct_ebay").unwrap(),
        cfg.seller_username.clone(),
    );
    config.endpoint = sandbox.message_api_url();
    config.http = http_config;
    config.rate = RateLimit::new(1000.0, 1000);
    change(&mut config);
    EbayMessages::new(config, Arc::new(oauth), client)
}

fn client(sandbox: &EbaySandbox) -> EbayMessages {
    client_with(sandbox, |_| {})
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

async fn all_messages(client: &EbayMessages, since: DateTime<Utc>) -> Vec<ChannelMessage> {
    let mut messages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .messages_since(since, token.as_deref())
            .await
            .unwrap();
        messages.extend(page.messages);
        match page.next_page {
            Some(next) => token = Some(next),
            None => return messages,
        }
    }
}

fn reply(conversation: &str, body: &str) -> OutgoingReply {
    OutgoingReply {
        conversation: Some(conversation.to_owned()),
        body: body.to_owned(),
        ..Default::default()
    }
}

#[tokio::test]
async fn messages_since_read_every_buyer_conversation_with_direction_listing_and_buyer() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = client_with(&sandbox, |c| c.page_size = 5);

    let messages = all_messages(&client, at("2026-01-01T00:00:00Z")).await;

    let expected: usize = sandbox
        .conversation_ids()
        .iter()
        .map(|id| sandbox.messages(id).len())
        .sum();
    assert_eq!(
        messages.len(),
        expected,
        "every message of the 12 buyer conversations, none from eBay"
    );
    let ids: HashSet<_> = messages.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), expected);
    let seller = &sandbox.config().seller_username;
    for message in &messages {
        assert_eq!(
            (message.channel, message.account.as_str()),
            (Channel::Ebay, "acct_ebay")
        );
        let raw = sandbox
            .messages(&message.conversation)
            .into_iter()
            .find(|m| m["messageId"] == message.message_id)
            .unwrap();
        let from_seller = raw["senderUsername"] == seller.as_str();
        assert_eq!(
            message.direction,
            if from_seller {
                Direction::Outbound
            } else {
                Direction::Inbound
            }
        );
        let buyer = if from_seller {
            &raw["recipientUsername"]
        } else {
            &raw["senderUsername"]
        };
        assert_eq!(message.counterparty.as_deref(), buyer.as_str());
        assert_eq!(message.body, raw["messageBody"]);
        assert!(message.listing.as_deref().is_some_and(|l| l.len() == 12));
    }
    assert_eq!(
        sandbox.faults().count(GET_CONVERSATIONS_ROUTE),
        3,
        "12 conversations in pages of 5"
    );
}

#[tokio::test]
async fn messages_since_leave_out_what_is_older() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let now = sandbox.config().now;
    let (conversation, message) = sandbox.add_buyer_message(
        "giulia_r82",
        Some("110553412345"),
        "Dov'è il mio pacco?",
        now + chrono::Duration::hours(1),
    );

    let messages = all_messages(&client(&sandbox), now + chrono::Duration::minutes(1)).await;

    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(
        (m.conversation.as_str(), m.message_id.as_str()),
        (conversation.as_str(), message.as_str())
    );
    assert_eq!(
        (m.direction, m.counterparty.as_deref()),
        (Direction::Inbound, Some("giulia_r82"))
    );
    assert_eq!(m.listing.as_deref(), Some("110553412345"));
    assert_eq!(m.sent_at, now + chrono::Duration::hours(1));
}

#[tokio::test]
async fn a_reply_goes_into_the_conversation_once() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();

    let sent = client(&sandbox)
        .send_reply(&reply(
            &conversation,
            "Your parcel left today: RR123456785IT.",
        ))
        .await
        .unwrap();

    let delivered = sandbox.sent();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].0, conversation);
    assert_eq!(
        delivered[0].1["messageBody"],
        "Your parcel left today: RR123456785IT."
    );
    assert_eq!(
        sent.message_id.as_deref(),
        delivered[0].1["messageId"].as_str()
    );
    assert!(sent.sent_at.is_some());
}

#[tokio::test]
async fn a_first_message_to_a_buyer_starts_a_conversation_about_the_listing() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let message = OutgoingReply {
        recipient: Some("new_buyer_77".into()),
        listing: Some("110553400001".into()),
        body: "Thank you for your order.".into(),
        attachments: vec![Attachment {
            filename: "invoice.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 2048,
            location: Some("https://files.example/invoice.pdf".into()),
        }],
        ..Default::default()
    };

    client(&sandbox).send_reply(&message).await.unwrap();

    let (conversation, sent) = sandbox.sent().remove(0);
    assert_eq!(sent["recipientUsername"], "new_buyer_77");
    assert_eq!(sent["messageMedia"][0]["mediaType"], "PDF");
    let page = client(&sandbox)
        .messages_since(at("2026-01-01T00:00:00Z"), None)
        .await
        .unwrap();
    let ours = page
        .messages
        .iter()
        .find(|m| m.conversation == conversation)
        .unwrap();
    assert_eq!(ours.listing.as_deref(), Some("110553400001"));
    assert_eq!(
        ours.attachments[0].location.as_deref(),
        Some("https://files.example/invoice.pdf")
    );
}

#[tokio::test]
async fn a_reply_over_the_limits_is_refused_before_sending() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();

    let err = client(&sandbox)
        .send_reply(&reply(&conversation, &"x".repeat(2001)))
        .await
        .unwrap_err();

    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    assert_eq!(sandbox.faults().count(SEND_MESSAGE_ROUTE), 0);
}

#[tokio::test]
async fn refusals_that_prove_nothing_was_sent_are_retried() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::Throttle { retry_after: None });
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::ServerError(503));

    client(&sandbox)
        .send_reply(&reply(&conversation, "Hello"))
        .await
        .unwrap();

    assert_eq!(sandbox.faults().count(SEND_MESSAGE_ROUTE), 3);
    assert_eq!(
        sandbox.faults().count(GET_CONVERSATION_ROUTE),
        0,
        "no need to read back"
    );
    assert_eq!(sandbox.sent().len(), 1);
}

#[tokio::test]
async fn a_send_answered_too_late_is_found_in_the_conversation_not_sent_twice() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox.faults().push(
        SEND_MESSAGE_ROUTE,
        Fault::SlowAnswer(Duration::from_secs(2)),
    );

    let sent = client(&sandbox)
        .send_reply(&reply(&conversation, "Refund issued today."))
        .await
        .unwrap();

    let delivered = sandbox.sent();
    assert_eq!(delivered.len(), 1, "exactly one message reached the buyer");
    assert_eq!(
        sent.message_id.as_deref(),
        delivered[0].1["messageId"].as_str()
    );
    assert_eq!(sandbox.faults().count(SEND_MESSAGE_ROUTE), 1);
}

#[tokio::test]
async fn a_send_accepted_with_a_cut_off_answer_is_confirmed_from_the_conversation() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::TruncatedBody);

    let sent = client(&sandbox)
        .send_reply(&reply(&conversation, "Refund issued today."))
        .await
        .unwrap();

    let delivered = sandbox.sent();
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        sent.message_id.as_deref(),
        delivered[0].1["messageId"].as_str(),
        "the id comes from the conversation read back"
    );
    assert_eq!(sandbox.faults().count(SEND_MESSAGE_ROUTE), 1);
    assert_eq!(sandbox.faults().count(GET_CONVERSATION_ROUTE), 1);
}

#[tokio::test]
async fn a_success_with_a_garbled_body_and_no_message_is_unknown_not_sent_again() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    // A 200 that is not eBay's answer (the sandbox did not carry the send out).
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::InvalidJson);

    let err = client(&sandbox)
        .send_reply(&reply(&conversation, "Refund issued today."))
        .await
        .unwrap_err();

    assert!(matches!(err.kind, ErrorKind::OutcomeUnknown(_)), "{err}");
    assert!(sandbox.sent().is_empty());
    assert_eq!(
        sandbox.faults().count(SEND_MESSAGE_ROUTE),
        1,
        "eBay may have taken it: never sent again"
    );
}

#[tokio::test]
async fn a_send_that_never_arrived_is_checked_then_sent_again() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::Delay(Duration::from_secs(2)));
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::ServerError(500));

    client(&sandbox)
        .send_reply(&reply(&conversation, "Refund issued today."))
        .await
        .unwrap();

    assert_eq!(sandbox.sent().len(), 1);
    assert_eq!(sandbox.faults().count(SEND_MESSAGE_ROUTE), 3);
    assert_eq!(
        sandbox.faults().count(GET_CONVERSATION_ROUTE),
        2,
        "read back after each unclear failure"
    );
}

#[tokio::test]
async fn when_the_read_back_fails_too_the_outcome_is_unknown_and_nothing_is_resent() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox.faults().push(
        SEND_MESSAGE_ROUTE,
        Fault::SlowAnswer(Duration::from_secs(2)),
    );
    sandbox
        .faults()
        .push(GET_CONVERSATION_ROUTE, Fault::ServerError(500));

    let err = client(&sandbox)
        .send_reply(&reply(&conversation, "Refund issued today."))
        .await
        .unwrap_err();

    assert!(matches!(err.kind, ErrorKind::OutcomeUnknown(_)), "{err}");
    assert!(!err.is_transient());
    assert_eq!(
        sandbox.faults().count(SEND_MESSAGE_ROUTE),
        1,
        "never resent blindly"
    );
    assert_eq!(sandbox.sent().len(), 1);
}

#[tokio::test]
async fn a_failed_conversation_page_returns_the_cursor_to_resume_from() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = client_with(&sandbox, |c| c.page_size = 5);
    let since = at("2026-01-01T00:00:00Z");
    sandbox.faults().push(GET_CONVERSATIONS_ROUTE, Fault::Pass);
    sandbox
        .faults()
        .push_n(GET_CONVERSATIONS_ROUTE, Fault::InvalidJson, 4);

    let first = client.messages_since(since, None).await.unwrap();
    let err = client
        .messages_since(since, first.next_page.as_deref())
        .await
        .unwrap_err();

    assert!(
        matches!(
            err.kind,
            ErrorKind::InvalidResponse {
                transient: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.attempts, 4);
    assert_eq!(err.resume_from.as_deref(), Some("5"));
    let resumed = client
        .messages_since(since, err.resume_from.as_deref())
        .await
        .unwrap();
    assert!(!resumed.messages.is_empty());
}

#[tokio::test]
async fn an_expired_token_is_replaced_once_and_a_revoked_grant_is_unauthorized() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = client(&sandbox);
    let since = at("2026-10-30T00:00:00Z");
    client.messages_since(since, None).await.unwrap();
    let after_first = sandbox.token_requests();
    assert_eq!(after_first, 1);

    sandbox
        .faults()
        .push(GET_CONVERSATIONS_ROUTE, Fault::ExpiredToken);
    client.messages_since(since, None).await.unwrap();
    assert_eq!(sandbox.token_requests(), 2);

    sandbox.revoke_refresh_token();
    sandbox.expire_all_tokens();
    let err = client.messages_since(since, None).await.unwrap_err();
    assert!(err.is_unauthorized() && !err.is_transient(), "{err}");
    assert_eq!(
        (err.service, err.call),
        ("ebay-oauth", "refreshAccessToken")
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&sandbox.config().refresh_token)
            && !shown.contains(&sandbox.config().client_secret)
    );
}

#[tokio::test]
async fn fifty_concurrent_reads_refresh_the_token_once_per_expiry() {
    let config = ebay::EbayConfig {
        token_lifetime: Duration::from_secs(2),
        token_latency: Duration::from_millis(50),
        ..ebay::EbayConfig::default()
    };
    let sandbox = EbaySandbox::start_with(config).await.unwrap();
    let client = Arc::new(client(&sandbox));
    let ids = sandbox.conversation_ids();
    let burst = |client: Arc<EbayMessages>| {
        let ids = ids.clone();
        async move {
            let tasks: Vec<_> = (0..50)
                .map(|i| {
                    let client = client.clone();
                    let id = ids[i % ids.len()].clone();
                    tokio::spawn(async move { client.conversation_messages(&id).await })
                })
                .collect();
            for task in tasks {
                assert!(!task.await.unwrap().unwrap().is_empty());
            }
        }
    };

    burst(client.clone()).await;
    assert_eq!(sandbox.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    burst(client.clone()).await;
    assert_eq!(sandbox.token_requests(), 2);
    sandbox.expire_all_tokens();
    burst(client.clone()).await;
    assert_eq!(sandbox.token_requests(), 3);
}

#[tokio::test]
async fn a_request_abandoned_by_the_client_is_not_carried_out_later() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let conversation = sandbox.conversation_ids()[0].clone();
    sandbox
        .faults()
        .push(SEND_MESSAGE_ROUTE, Fault::Delay(Duration::from_secs(1)));

    client(&sandbox)
        .send_reply(&reply(&conversation, "Your parcel left today."))
        .await
        .unwrap();
    // Past the delay: had the abandoned request gone on, there would be a second message now.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    assert_eq!(sandbox.sent().len(), 1);
}

// ---- Fulfillment, Feedback and the shared token -------------------------------------------

fn oauth(sandbox: &EbaySandbox) -> Arc<EbayOAuth> {
    let cfg = sandbox.config();
    let credentials = EbayCredentials {
        client_id: cfg.client_id.clone(),
        client_secret: Secret::new(cfg.client_secret.clone()),
        refresh_token: Secret::new(cfg.refresh_token.clone()),
    };
    let http_config = http();
    Arc::new(EbayOAuth::new(
        "acct_ebay",
        credentials,
        sandbox.token_url(),
        EbayOAuth::helpdesk_scopes(),
        http_config.build_client(),
        http_config.timeout,
    ))
}

fn account() -> AccountId {
    AccountId::parse("acct_ebay").unwrap()
}

fn orders_with(
    sandbox: &EbaySandbox,
    oauth: Arc<EbayOAuth>,
    change: impl FnOnce(&mut FulfillmentConfig),
) -> EbayFulfillment {
    let mut config = FulfillmentConfig::new(account(), "EBAY_US");
    config.endpoint = sandbox.fulfillment_api_url();
    config.http = http();
    config.rate = RateLimit::new(1000.0, 1000);
    change(&mut config);
    EbayFulfillment::new(config, oauth, http().build_client())
}

fn orders_client(sandbox: &EbaySandbox) -> EbayFulfillment {
    orders_with(sandbox, oauth(sandbox), |_| {})
}

fn feedback_with(
    sandbox: &EbaySandbox,
    oauth: Arc<EbayOAuth>,
    change: impl FnOnce(&mut FeedbackConfig),
) -> EbayFeedback {
    let mut config = FeedbackConfig::new(account(), sandbox.config().seller_username.clone());
    config.endpoint = sandbox.feedback_api_url();
    config.http = http();
    config.rate = RateLimit::new(1000.0, 1000);
    change(&mut config);
    EbayFeedback::new(config, oauth, http().build_client())
}

fn feedback_client(sandbox: &EbaySandbox) -> EbayFeedback {
    feedback_with(sandbox, oauth(sandbox), |c| c.page_size = 25)
}

fn long_ago() -> DateTime<Utc> {
    at("2026-01-01T00:00:00Z")
}

async fn all_orders(client: &EbayFulfillment, since: DateTime<Utc>) -> Vec<Order> {
    let (orders, rest) = fetch_changed_orders(client, since, None, 100)
        .await
        .unwrap();
    assert_eq!(rest, None);
    orders
}

async fn all_feedback(client: &EbayFeedback, since: DateTime<Utc>) -> Vec<ReceivedFeedback> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .feedback_since(since, token.as_deref())
            .await
            .unwrap();
        all.extend(page.feedback);
        match page.next_page {
            Some(next) => token = Some(next),
            None => return all,
        }
    }
}

/// A shipped order of `buyer` for `listing`, modified at `modified`.
fn shipped_order(
    sandbox: &EbaySandbox,
    id: &str,
    buyer: &str,
    listing: &str,
    modified: DateTime<Utc>,
) -> String {
    let seller = &sandbox.config().seller_username;
    let created = modified - chrono::Duration::days(1);
    let mut order = ebay::sample_order(7, seller, buyer, listing, created);
    order["orderId"] = json!(id);
    order["lastModifiedDate"] =
        json!(modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    order["orderFulfillmentStatus"] = json!("FULFILLED");
    let line_item = order["lineItems"][0]["lineItemId"].clone();
    sandbox.add_order(order);
    assert!(sandbox.add_shipping_fulfillment(
        id,
        json!({
            "fulfillmentId": "RR123456785GB",
            "shipmentTrackingNumber": "RR123456785GB",
            "shippingCarrierCode": "RoyalMail",
            "shippedDate": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "lineItems": [{"lineItemId": line_item, "quantity": 1}],
        }),
    ));
    id.to_owned()
}

#[tokio::test]
async fn changed_orders_follow_the_pages_to_every_order_with_items_total_and_tracking() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_with(&sandbox, oauth(&sandbox), |c| c.page_size = 5);

    let orders = all_orders(&client, long_ago()).await;

    let raw = sandbox.orders();
    assert_eq!(orders.len(), raw.len());
    assert_eq!(
        sandbox.faults().count(GET_ORDERS_ROUTE),
        4,
        "20 orders in pages of 5"
    );
    let shipped = raw
        .iter()
        .filter(|o| !o["fulfillmentHrefs"].as_array().unwrap().is_empty())
        .count();
    assert!(shipped > 0);
    assert_eq!(
        sandbox.faults().count(GET_SHIPPING_FULFILLMENTS_ROUTE),
        shipped,
        "fulfillments are read only for orders that have some"
    );
    for order in &orders {
        let source = raw
            .iter()
            .find(|o| o["orderId"] == order.id.as_str())
            .unwrap();
        assert_eq!(
            (order.channel, order.account.as_str()),
            (Channel::Ebay, "acct_ebay")
        );
        assert_eq!(order.status, source["orderFulfillmentStatus"]);
        assert_eq!(
            order.marketplace_id,
            source["lineItems"][0]["purchaseMarketplaceId"]
        );
        let total = order.total.as_ref().unwrap();
        assert_eq!(
            total.currency,
            source["pricingSummary"]["total"]["currency"]
        );
        assert_eq!(
            format!("{}.{:02}", total.minor / 100, total.minor % 100),
            source["pricingSummary"]["total"]["value"].as_str().unwrap()
        );
        assert_eq!(
            order.items[0].product_id,
            source["lineItems"][0]["legacyItemId"]
        );
        assert!(order.buyer_identities.contains(&Identity::new(
            IdentityKind::EbayUser,
            source["buyer"]["username"].as_str().unwrap()
        )));
        let fulfillments = sandbox.shipping_fulfillments(order.id.as_str());
        let numbers: Vec<_> = order
            .shipments
            .iter()
            .map(|s| s.tracking_number.as_str())
            .collect();
        let expected: Vec<_> = fulfillments
            .iter()
            .map(|f| f["shipmentTrackingNumber"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, expected);
        assert!(
            order
                .shipments
                .iter()
                .all(|s| s.status == ShipmentStatus::InTransit)
        );
    }
}

#[tokio::test]
async fn every_seeded_conversation_finds_its_order_by_listing_and_buyer() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let orders = all_orders(&orders_client(&sandbox), long_ago()).await;
    let messages = all_messages(&client(&sandbox), long_ago()).await;

    assert!(!messages.is_empty());
    for message in messages {
        let buyer = Identity::new(
            IdentityKind::EbayUser,
            message.counterparty.as_deref().unwrap(),
        );
        let listing = message.listing.as_deref().unwrap();
        let found = orders.iter().any(|o| {
            o.buyer_identities.contains(&buyer) && o.items.iter().any(|i| i.product_id == listing)
        });
        assert!(found, "no order of {} for listing {listing}", buyer.value);
    }
}

#[tokio::test]
async fn changed_orders_start_at_the_instant_given_and_carry_the_recent_buyer_email() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let now = sandbox.config().now;
    let id = shipped_order(
        &sandbox,
        "27-11111-22222",
        "jwilson_uk",
        "110553400077",
        now + chrono::Duration::hours(2),
    );

    let orders = all_orders(&orders_client(&sandbox), now + chrono::Duration::hours(1)).await;

    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order.id.as_str(), id);
    assert_eq!(order.updated_at, now + chrono::Duration::hours(2));
    assert_eq!(
        order.buyer_identities,
        vec![
            Identity::new(IdentityKind::EbayUser, "jwilson_uk"),
            Identity::new(IdentityKind::Email, "jwilson_uk@buyers.example"),
        ]
    );
    let shipment = &order.shipments[0];
    assert_eq!(
        (shipment.carrier.as_str(), shipment.tracking_number.as_str()),
        ("royal_mail", "RR123456785GB")
    );
    assert!(shipment.estimated_delivery.is_some());
    let filter = sandbox
        .faults()
        .requests()
        .into_iter()
        .find(|r| r.route == GET_ORDERS_ROUTE)
        .and_then(|r| r.query)
        .unwrap();
    assert!(
        filter.contains("lastmodifieddate%3A%5B2026-11-01T01%3A00%3A00.000Z..%5D"),
        "brackets are percent-encoded: {filter}"
    );
}

#[tokio::test]
async fn order_lookup_maps_one_order_and_an_unknown_order_is_none() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_client(&sandbox);
    let id = shipped_order(
        &sandbox,
        "27-33333-44444",
        "giulia_r82",
        "110553412345",
        sandbox.config().now,
    );

    let order = client
        .order(&OrderId::parse(id.as_str()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(order.id.as_str(), id);
    assert_eq!(order.shipments.len(), 1);
    let unknown = client
        .order(&OrderId::parse("99-99999-99999").unwrap())
        .await
        .unwrap();
    assert_eq!(unknown, None);
    let err = client
        .order(&OrderId::parse("../x").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::InvalidRequest(_)), "{err}");
    assert_eq!(
        sandbox.faults().count(GET_ORDER_ROUTE),
        2,
        "the bad id never left"
    );
}

#[tokio::test]
async fn throttling_server_errors_hangs_and_garbled_order_pages_are_retried_to_success() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_client(&sandbox);
    let faults = sandbox.faults();
    faults.push(
        GET_ORDERS_ROUTE,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    faults.push(GET_ORDERS_ROUTE, Fault::ServerError(503));
    faults.push(GET_ORDERS_ROUTE, Fault::Delay(Duration::from_secs(2)));
    faults.push(GET_SHIPPING_FULFILLMENTS_ROUTE, Fault::TruncatedBody);
    faults.push(GET_SHIPPING_FULFILLMENTS_ROUTE, Fault::InvalidJson);

    let page = client.changed_orders(long_ago(), None).await.unwrap();

    assert_eq!(page.orders.len(), 20);
    assert_eq!(faults.count(GET_ORDERS_ROUTE), 4);
    assert_eq!(faults.pending(GET_SHIPPING_FULFILLMENTS_ROUTE), 0);
}

#[tokio::test]
async fn a_failed_order_page_keeps_what_was_fetched_and_the_position_to_resume_from() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_with(&sandbox, oauth(&sandbox), |c| c.page_size = 5);
    sandbox.faults().push(GET_ORDERS_ROUTE, Fault::Pass);
    sandbox
        .faults()
        .push_n(GET_ORDERS_ROUTE, Fault::ServerError(500), 4);

    let failed = fetch_changed_orders(&client, long_ago(), None, 100)
        .await
        .unwrap_err();

    assert_eq!(failed.fetched.len(), 5);
    assert!(
        matches!(failed.error.kind, ErrorKind::Server { status: 500, .. }),
        "{}",
        failed.error
    );
    assert_eq!(failed.error.attempts, 4);
    assert_eq!(failed.error.resume_from.as_deref(), Some("5"));
    let (rest, _) =
        fetch_changed_orders(&client, long_ago(), failed.error.resume_from.clone(), 100)
            .await
            .unwrap();
    assert_eq!(failed.fetched.len() + rest.len(), 20);
}

#[tokio::test]
async fn a_failed_shipment_read_fails_the_page_without_losing_its_position() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_with(&sandbox, oauth(&sandbox), |c| c.page_size = 5);
    let first = client.changed_orders(long_ago(), None).await.unwrap();
    let token = first.next_page.unwrap();
    sandbox
        .faults()
        .push_n(GET_SHIPPING_FULFILLMENTS_ROUTE, Fault::ServerError(502), 10);

    let err = client
        .changed_orders(long_ago(), Some(&token))
        .await
        .unwrap_err();

    assert!(err.is_transient(), "{err}");
    assert_eq!(
        (err.call, err.resume_from.as_deref()),
        ("getShippingFulfillments", Some(token.as_str()))
    );
    sandbox.faults().clear();
    let again = client
        .changed_orders(long_ago(), Some(&token))
        .await
        .unwrap();
    assert_eq!(again.orders.len(), 5);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_and_a_bad_page_token_are_typed_errors() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let client = orders_client(&sandbox);
    sandbox.faults().push(
        GET_ORDERS_ROUTE,
        Fault::Throttle {
            retry_after: Some(60),
        },
    );

    let err = client.changed_orders(long_ago(), None).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(err.attempts, 1);

    let bad = client
        .changed_orders(long_ago(), Some("NEGATIVE:0"))
        .await
        .unwrap_err();
    assert!(matches!(bad.kind, ErrorKind::InvalidRequest(_)), "{bad}");
    let bad = feedback_client(&sandbox)
        .feedback_since(long_ago(), Some("12"))
        .await
        .unwrap_err();
    assert!(matches!(bad.kind, ErrorKind::InvalidRequest(_)), "{bad}");
}

#[tokio::test]
async fn feedback_since_lists_negative_then_neutral_feedback_from_buyers_and_nothing_else() {
    let sandbox = EbaySandbox::start_with(ebay::EbayConfig {
        conversations: 200,
        ..ebay::EbayConfig::default()
    })
    .await
    .unwrap();
    let since = sandbox.config().now - chrono::Duration::days(20);

    let feedback = all_feedback(&feedback_client(&sandbox), since).await;

    let raw = sandbox.feedback();
    let expected: Vec<_> = raw
        .iter()
        .filter(|f| f["commentType"] != "POSITIVE")
        .filter(|f| {
            chrono::DateTime::parse_from_rfc3339(f["feedbackEnteredDate"].as_str().unwrap())
                .unwrap()
                >= since
        })
        .collect();
    assert!(
        expected.len() > 25,
        "more than one page: {}",
        expected.len()
    );
    assert!(
        raw.len() > expected.len(),
        "some positive or older feedback is left out"
    );
    assert_eq!(feedback.len(), expected.len());
    let first_neutral = feedback
        .iter()
        .position(|f| f.feedback.rating == FeedbackRating::Neutral)
        .unwrap();
    assert!(
        feedback[..first_neutral]
            .iter()
            .all(|f| f.feedback.rating == FeedbackRating::Negative)
    );
    assert!(
        feedback[first_neutral..]
            .iter()
            .all(|f| f.feedback.rating == FeedbackRating::Neutral)
    );
    for received in &feedback {
        let source = raw
            .iter()
            .find(|f| f["feedbackId"] == received.feedback.id.as_str())
            .unwrap();
        assert!(received.feedback.needs_attention());
        assert!(received.feedback.left_at >= since);
        assert_eq!(
            received.feedback.comment,
            source["feedbackComment"]["commentText"]
        );
        assert_eq!(received.feedback.order.channel, Channel::Ebay);
        assert_eq!(
            received.feedback.order.order.as_str(),
            source["orderLineItemSummary"]["orderLineItemId"]
        );
        assert_eq!(
            received.listing.as_deref(),
            source["orderLineItemSummary"]["listingId"].as_str()
        );
        assert_eq!(
            received.buyer,
            Some(Identity::new(
                IdentityKind::EbayUser,
                source["providerUserDetail"]["userId"].as_str().unwrap()
            ))
        );
    }
    let query = sandbox
        .faults()
        .requests()
        .into_iter()
        .find(|r| r.route == GET_FEEDBACK_ROUTE)
        .and_then(|r| r.query)
        .unwrap();
    // eBay looks back from its own clock, so the period depends on today's date.
    let period = period_covering(since, Utc::now()).unwrap();
    assert!(
        query.contains("commentType%3ANEGATIVE") && query.contains(&format!("period%3A{period}")),
        "{query}"
    );
}

#[tokio::test]
async fn added_feedback_is_read_with_its_order_line_and_buyer() {
    let sandbox = EbaySandbox::start().await.unwrap();
    let now = sandbox.config().now;
    let entry = |id: &str, kind: &str, at: DateTime<Utc>| {
        json!({
            "feedbackId": id,
            "commentType": kind,
            "feedbackComment": {"commentText": "Item never arrived."},
            "feedbackEnteredDate": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "providerUserDetail": {"userId": "Giulia_R82", "role": "BUYER"},
            "orderLineItemSummary": {"listingId": "110553412345", "listingTitle": "Tazza", "orderLineItemId": "110553412345-10045678901234"},
        })
    };
    sandbox.add_feedback(entry(
        "9000000000001",
        "NEGATIVE",
        now + chrono::Duration::hours(3),
    ));
    sandbox.add_feedback(entry(
        "9000000000002",
        "POSITIVE",
        now + chrono::Duration::hours(3),
    ));
    sandbox.add_feedback(entry(
        "9000000000003",
        "NEUTRAL",
        now - chrono::Duration::hours(3),
    ));

    let feedback = all_feedback(&feedback_client(&sandbox), now).await;

    assert_eq!(feedback.len(), 1, "{feedback:?}");
    let f = &feedback[0];
    assert_eq!(f.feedback.id.as_str(), "9000000000001");
    assert_eq!(f.feedback.rating, FeedbackRating::Negative);
    assert_eq!(f.feedback.left_at, now + chrono::Duration::hours(3));
    assert_eq!(
        f.buyer,
        Some(Identity::new(IdentityKind::EbayUser, "giulia_r82"))
    );
    assert_eq!(f.listing_title.as_deref(), Some("Tazza"));
}

#[tokio::test]
async fn a_failed_feedback_page_returns_the_cursor_and_faults_are_retried() {
    let sandbox = EbaySandbox::start_with(ebay::EbayConfig {
        conversations: 90,
        ..ebay::EbayConfig::default()
    })
    .await
    .unwrap();
    let client = feedback_client(&sandbox);
    let since = long_ago();
    let faults = sandbox.faults();
    faults.push(GET_FEEDBACK_ROUTE, Fault::Throttle { retry_after: None });
    faults.push(GET_FEEDBACK_ROUTE, Fault::TruncatedBody);
    let first = client.feedback_since(since, None).await.unwrap();
    assert_eq!(faults.count(GET_FEEDBACK_ROUTE), 3);
    let next = first.next_page.unwrap();
    faults.push_n(GET_FEEDBACK_ROUTE, Fault::InvalidJson, 4);

    let err = client.feedback_since(since, Some(&next)).await.unwrap_err();

    assert!(
        matches!(
            err.kind,
            ErrorKind::InvalidResponse {
                transient: true,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.attempts, 4);
    assert_eq!(err.resume_from.as_deref(), Some(next.as_str()));
    client
        .feedback_since(since, err.resume_from.as_deref())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_expired_token_is_replaced_for_orders_and_feedback_and_a_revoked_grant_is_unauthorized()
{
    let sandbox = EbaySandbox::start().await.unwrap();
    let shared = oauth(&sandbox);
    let orders = orders_with(&sandbox, shared.clone(), |_| {});
    let feedback = feedback_with(&sandbox, shared, |_| {});
    orders.changed_orders(long_ago(), None).await.unwrap();
    sandbox.faults().push(GET_ORDERS_ROUTE, Fault::ExpiredToken);
    orders.changed_orders(long_ago(), None).await.unwrap();
    sandbox
        .faults()
        .push(GET_FEEDBACK_ROUTE, Fault::ExpiredToken);
    feedback.feedback_since(long_ago(), None).await.unwrap();
    assert_eq!(
        sandbox.token_requests(),
        3,
        "one token, replaced once per refusal"
    );

    sandbox.revoke_refresh_token();
    sandbox.expire_all_tokens();
    let err = feedback.feedback_since(long_ago(), None).await.unwrap_err();
    assert!(err.is_unauthorized() && !err.is_transient(), "{err}");
    assert_eq!(
        (err.service, err.call),
        ("ebay-oauth", "refreshAccessToken")
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(&sandbox.config().refresh_token)
            && !shown.contains(&sandbox.config().client_secret)
    );
}

#[tokio::test]
async fn one_token_serves_messages_orders_and_feedback_refreshed_once_under_concurrency() {
    let sandbox = EbaySandbox::start_with(ebay::EbayConfig {
        token_latency: Duration::from_millis(50),
        ..ebay::EbayConfig::default()
    })
    .await
    .unwrap();
    let shared = oauth(&sandbox);
    let mut messages_config = EbayConfig::new(account(), sandbox.config().seller_username.clone());
    messages_config.endpoint = sandbox.message_api_url();
    messages_config.http = http();
    messages_config.rate = RateLimit::new(1000.0, 1000);
    let messages = Arc::new(EbayMessages::new(
        messages_config,
        shared.clone(),
        http().build_client(),
    ));
    let orders = Arc::new(orders_with(&sandbox, shared.clone(), |_| {}));
    let feedback = Arc::new(feedback_with(&sandbox, shared, |_| {}));
    let burst = || {
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let (messages, orders, feedback) =
                    (messages.clone(), orders.clone(), feedback.clone());
                tokio::spawn(async move {
                    match i % 3 {
                        0 => messages.messages_since(long_ago(), None).await.map(|_| ()),
                        1 => orders.changed_orders(long_ago(), None).await.map(|_| ()),
                        _ => feedback.feedback_since(long_ago(), None).await.map(|_| ()),
                    }
                })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        }
    };

    burst().await;
    assert_eq!(sandbox.token_requests(), 1);
    sandbox.expire_all_tokens();
    burst().await;
    assert_eq!(
        sandbox.token_requests(),
        2,
        "the refused token is replaced once for everyone"
    );
}

#[tokio::test]
async fn the_shared_oauth_client_refreshes_once_under_concurrency_for_amazon_and_ebay() {
    let latency = Duration::from_millis(50);
    let amazon = AmazonSandbox::start_with(amazon::AmazonConfig {
        token_latency: latency,
        ..amazon::AmazonConfig::default()
    })
    .await
    .unwrap();
    let ebay = EbaySandbox::start_with(ebay::EbayConfig {
        token_latency: latency,
        ..ebay::EbayConfig::default()
    })
    .await
    .unwrap();
    let credentials = |id: &str, secret: &str, refresh: &str| OAuthCredentials {
        client_id: id.to_owned(),
        client_secret: Secret::new(secret),
        refresh_token: Secret::new(refresh),
    };
    let a = amazon.config();
    let e = ebay.config();
    let timeout = Duration::from_secs(2);
    let clients = [
        Arc::new(OAuthClient::new(
            LwaClient::config(
                "acct_amazon",
                credentials(&a.client_id, &a.client_secret, &a.refresh_token),
                amazon.token_url(),
                timeout,
            ),
            http().build_client(),
        )),
        Arc::new(OAuthClient::new(
            EbayOAuth::config(
                "acct_ebay",
                credentials(&e.client_id, &e.client_secret, &e.refresh_token),
                ebay.token_url(),
                EbayOAuth::helpdesk_scopes(),
                timeout,
            ),
            http().build_client(),
        )),
    ];
    for client in &clients {
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.access_token().await.unwrap() })
            })
            .collect();
        let mut tokens = HashSet::new();
        for task in tasks {
            tokens.insert(task.await.unwrap().expose().to_owned());
        }
        assert_eq!(tokens.len(), 1, "everyone got the same token");
        let rejected = Secret::new(tokens.into_iter().next().unwrap());
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (client, rejected) = (client.clone(), rejected.clone());
                tokio::spawn(async move { client.replace(&rejected).await.unwrap() })
            })
            .collect();
        for task in tasks {
            assert_ne!(task.await.unwrap(), rejected);
        }
    }
    assert_eq!(amazon.token_requests(), 2, "one refresh, one replacement");
    assert_eq!(ebay.token_requests(), 2, "one refresh, one replacement");
}

#[tokio::test]
async fn each_token_endpoint_refuses_the_other_vendors_client_authentication() {
    let amazon = AmazonSandbox::start().await.unwrap();
    let ebay = EbaySandbox::start().await.unwrap();
    let timeout = Duration::from_secs(2);
    let a = amazon.config();
    let e = ebay.config();
    let credentials = |id: &str, secret: &str, refresh: &str| OAuthCredentials {
        client_id: id.to_owned(),
        client_secret: Secret::new(secret),
        refresh_token: Secret::new(refresh),
    };
    // LWA's grant (credentials in the form) sent to eBay, and eBay's (Basic) sent to Amazon.
    let lwa_at_ebay = OAuthClient::new(
        LwaClient::config(
            "acct",
            credentials(&e.client_id, &e.client_secret, &e.refresh_token),
            ebay.token_url(),
            timeout,
        ),
        http().build_client(),
    );
    let ebay_at_amazon = OAuthClient::new(
        EbayOAuth::config(
            "acct",
            credentials(&a.client_id, &a.client_secret, &a.refresh_token),
            amazon.token_url(),
            Vec::new(),
            timeout,
        ),
        http().build_client(),
    );
    for err in [
        lwa_at_ebay.access_token().await.unwrap_err(),
        ebay_at_amazon.access_token().await.unwrap_err(),
    ] {
        assert!(err.is_unauthorized(), "{err}");
        assert!(
            matches!(&err.kind, ErrorKind::Unauthorized { code, .. } if code == "invalid_client")
        );
    }
    let unknown_scope = OAuthClient::new(
        EbayOAuth::config(
            "acct",
            credentials(&e.client_id, &e.client_secret, &e.refresh_token),
            ebay.token_url(),
            vec!["https://api.ebay.com/oauth/api_scope/sell.inventory".into()],
            timeout,
        ),
        http().build_client(),
    );
    let err = unknown_scope.access_token().await.unwrap_err();
    assert!(
        matches!(&err.kind, ErrorKind::Unauthorized { code, .. } if code == "invalid_scope"),
        "{err}"
    );
}
