//! The eBay OAuth + Commerce Message client against the eBay sandbox: reading conversations,
//! sending replies exactly once through faults, token refresh under concurrency.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use marketdesk::connectors::ebay::{EbayConfig, EbayCredentials, EbayMessages, EbayOAuth};
use marketdesk::connectors::{
    ChannelMessage, ConversationSource, ErrorKind, HttpConfig, OutgoingReply, RateLimit,
    ReplyTransport, RetryPolicy, Secret,
};
use marketdesk::domain::{AccountId, Attachment, Channel, Direction};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::ebay::{
    self, EbaySandbox, GET_CONVERSATION_ROUTE, GET_CONVERSATIONS_ROUTE, MESSAGE_SCOPE,
    SEND_MESSAGE_ROUTE,
};

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
