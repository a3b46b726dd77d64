//! The Slack webhook client against the Slack sink: delivery, Block Kit limits, retries of
//! throttling and server errors, permanent refusals, and no webhook URL in any error.

use std::time::{Duration, Instant};

use marketdesk::connectors::slack::{Block, SlackMessage, SlackWebhook, Text};
use marketdesk::connectors::{
    ErrorKind, HttpConfig, Notification, Notifier, RateLimit, RetryPolicy, Secret,
};
use marketdesk_sandboxes::Fault;
use marketdesk_sandboxes::slack::{self, HookState, SlackSandbox};

fn config() -> HttpConfig {
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

/// Built as the functions build theirs: the HTTPS client is made on the first message.
fn hook(sink: &SlackSandbox, name: &str) -> SlackWebhook {
    SlackWebhook::lazy(name, Secret::new(sink.webhook_url(name)), config())
        .with_rate_limit(RateLimit::new(100.0, 100))
}

fn escalation() -> Notification {
    Notification {
        title: "Amazon reply due in 2 h: ticket tkt_01".into(),
        body: "Buyer asks where order 305-1234567-1234567 is.".into(),
        fields: vec![
            ("Channel".into(), "amazon.it".into()),
            ("Due".into(), "2026-11-23 14:00 UTC".into()),
        ],
        links: vec![(
            "Open ticket".into(),
            "https://app.example/tickets/tkt_01".into(),
        )],
        footer: Some("marketdesk".into()),
    }
}

#[tokio::test]
async fn a_notification_arrives_as_block_kit_with_fallback_text() {
    let sink = SlackSandbox::start().await.unwrap();
    hook(&sink, "ops").notify(&escalation()).await.unwrap();

    let delivered = sink.delivered_to("ops");
    assert_eq!(delivered.len(), 1);
    let payload = &delivered[0];
    assert!(
        payload["text"]
            .as_str()
            .unwrap()
            .starts_with("Amazon reply due in 2 h")
    );
    assert_eq!(payload["blocks"][0]["type"], "header");
    assert_eq!(
        payload["blocks"][2]["fields"][0]["text"],
        "*Channel*\namazon.it"
    );
    assert_eq!(
        payload["blocks"][3]["elements"][0]["url"],
        "https://app.example/tickets/tkt_01"
    );
}

#[tokio::test]
async fn an_oversized_message_is_cut_to_block_kit_limits_and_accepted() {
    let sink = SlackSandbox::start().await.unwrap();
    let mut blocks = vec![
        Block::Header {
            text: Text::plain("h".repeat(400)),
        },
        Block::Section {
            text: Some(Text::escaped_mrkdwn(&"<b> & ".repeat(2000))),
            fields: Vec::new(),
        },
        Block::Section {
            text: None,
            fields: (0..14).map(|_| Text::plain("f".repeat(2500))).collect(),
        },
    ];
    blocks.extend((0..70).map(|_| Block::Divider));
    let message = SlackMessage {
        text: String::new(),
        blocks,
    };

    hook(&sink, "ops").send(&message).await.unwrap();

    let posts = sink.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!((posts[0].status, posts[0].answer.as_str()), (200, "ok"));
    let payload = posts[0].payload.as_ref().unwrap();
    assert_eq!(payload["blocks"].as_array().unwrap().len(), 50);
    assert!(!payload["text"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn a_throttled_post_waits_for_retry_after_then_succeeds() {
    let sink = SlackSandbox::start().await.unwrap();
    sink.faults().push(
        slack::ROUTE,
        Fault::Throttle {
            retry_after: Some(1),
        },
    );
    let started = Instant::now();

    hook(&sink, "ops").notify(&escalation()).await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
    assert_eq!(sink.faults().count(slack::ROUTE), 2);
    assert_eq!(sink.delivered().len(), 1);
}

#[tokio::test]
async fn server_errors_and_a_hang_are_retried_until_delivered_once() {
    let sink = SlackSandbox::start().await.unwrap();
    sink.faults().push(slack::ROUTE, Fault::ServerError(500));
    sink.faults()
        .push(slack::ROUTE, Fault::Delay(Duration::from_secs(1)));
    sink.faults().push(slack::ROUTE, Fault::ServerError(503));

    hook(&sink, "ops").notify(&escalation()).await.unwrap();

    assert_eq!(sink.faults().count(slack::ROUTE), 4);
    // Past the delay: the abandoned request must not have been delivered after all.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(sink.delivered().len(), 1);
}

#[tokio::test]
async fn persistent_server_errors_end_in_a_typed_error_within_the_attempts() {
    let sink = SlackSandbox::start().await.unwrap();
    sink.faults()
        .push_n(slack::ROUTE, Fault::ServerError(503), 10);

    let err = hook(&sink, "ops").notify(&escalation()).await.unwrap_err();

    assert_eq!(
        err.kind,
        ErrorKind::Server {
            status: 503,
            detail: "internal_error".into()
        }
    );
    assert_eq!(err.attempts, 4);
    assert_eq!(sink.faults().count(slack::ROUTE), 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_is_returned_not_slept() {
    let sink = SlackSandbox::start().await.unwrap();
    sink.faults().push(
        slack::ROUTE,
        Fault::Throttle {
            retry_after: Some(120),
        },
    );
    let started = Instant::now();

    let err = hook(&sink, "ops").notify(&escalation()).await.unwrap_err();

    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn permanent_refusals_are_typed_and_never_retried() {
    let cases = [
        (HookState::Revoked, 403, "invalid_token"),
        (HookState::Prohibited, 403, "action_prohibited"),
        (HookState::ChannelNotFound, 404, "channel_not_found"),
        (HookState::Disabled, 404, "no_service"),
        (HookState::Archived, 410, "channel_is_archived"),
    ];
    let sink = SlackSandbox::start().await.unwrap();
    for (state, status, code) in cases {
        let name = format!("{state:?}");
        sink.set_hook_state(&name, state);
        let before = sink.faults().count(slack::ROUTE);

        let err = hook(&sink, &name).notify(&escalation()).await.unwrap_err();

        match &err.kind {
            ErrorKind::Rejected {
                status: s, code: c, ..
            } => assert_eq!((*s, c.as_str()), (status, code)),
            other => panic!("{state:?}: {other:?}"),
        }
        assert!(!err.is_transient());
        assert_eq!(err.attempts, 1);
        assert_eq!(
            sink.faults().count(slack::ROUTE),
            before + 1,
            "{state:?} was retried"
        );
    }
}

#[tokio::test]
async fn invalid_payload_and_no_text_answers_are_permanent() {
    let sink = SlackSandbox::start().await.unwrap();
    for code in ["invalid_payload", "no_text"] {
        sink.faults().push(
            slack::ROUTE,
            Fault::Status {
                status: 400,
                body: code.into(),
            },
        );
        let err = hook(&sink, "ops").notify(&escalation()).await.unwrap_err();
        assert!(
            matches!(&err.kind, ErrorKind::Rejected { status: 400, code: c, .. } if c == code),
            "{err}"
        );
        assert_eq!(err.attempts, 1);
    }
}

#[tokio::test]
async fn errors_never_show_the_webhook_url() {
    let sink = SlackSandbox::start().await.unwrap();
    let client = hook(&sink, "ops");
    let url = sink.webhook_url("ops");
    sink.set_hook_state("ops", HookState::Archived);
    let refused = client.notify(&escalation()).await.unwrap_err();
    drop(sink); // now the port refuses connections: a transport error
    let unreachable = client.notify(&escalation()).await.unwrap_err();
    assert!(
        matches!(
            unreachable.kind,
            ErrorKind::Connect(_) | ErrorKind::Network(_)
        ),
        "{unreachable:?}"
    );

    for err in [refused, unreachable] {
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(
                !shown.contains("xoxsandboxsecret") && !shown.contains(&url),
                "{shown}"
            );
            assert!(
                shown.contains("ops"),
                "the error should name the hook: {shown}"
            );
        }
    }
}

#[tokio::test]
async fn the_sink_lists_what_it_received_over_http() {
    let sink = SlackSandbox::start().await.unwrap();
    hook(&sink, "ops").notify(&escalation()).await.unwrap();
    sink.set_hook_state("gone", HookState::Archived);
    let _ = hook(&sink, "gone").notify(&escalation()).await;

    let http = reqwest::Client::new();
    let all: serde_json::Value = http
        .get(format!("{}/posts", sink.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let posts = all["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 2, "{all}");
    assert_eq!(posts[0]["status"], 200);
    assert_eq!(
        posts[0]["payload"]["blocks"][0]["text"]["text"],
        "Amazon reply due in 2 h: ticket tkt_01"
    );
    assert_eq!(posts[1]["answer"], "channel_is_archived");
    let shown: serde_json::Value = http
        .get(format!("{}/posts?delivered=true", sink.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["posts"].as_array().unwrap().len(), 1);
}
