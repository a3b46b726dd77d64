//! Slack incoming webhooks: Block Kit messages within Slack's limits, sent with the shared retry
//! policy. The webhook URL is a secret (anyone holding it can post): it never prints.

use std::fmt;

use serde::Serialize;

use super::error::{CallContext, ConnectorError, ErrorKind};
use super::http::{self, HttpConfig, RateLimit, RateLimiter, RawResponse, Secret};
use super::{Notification, Notifier};

/// Block Kit limits (characters unless stated).
pub mod limits {
    pub const MESSAGE_TEXT: usize = 40_000;
    pub const BLOCKS: usize = 50;
    pub const HEADER_TEXT: usize = 150;
    pub const SECTION_TEXT: usize = 3000;
    pub const SECTION_FIELDS: usize = 10;
    pub const FIELD_TEXT: usize = 2000;
    pub const ACTIONS_ELEMENTS: usize = 25;
    pub const BUTTON_TEXT: usize = 75;
    pub const BUTTON_URL: usize = 3000;
    pub const CONTEXT_ELEMENTS: usize = 10;
    pub const CONTEXT_TEXT: usize = 3000;
}

/// The body of an incoming-webhook post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlackMessage {
    /// The notification fallback; Slack shows it where blocks cannot be shown.
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Header {
        text: Text,
    },
    Section {
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Text>,
    },
    Actions {
        elements: Vec<Element>,
    },
    Context {
        elements: Vec<Text>,
    },
    Divider,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Text {
    PlainText { text: String },
    Mrkdwn { text: String },
}

impl Text {
    pub fn plain(text: impl Into<String>) -> Self {
        Text::PlainText { text: text.into() }
    }

    /// Markdown from untrusted text: `&`, `<` and `>` are escaped as Slack requires, so a
    /// buyer's message cannot forge a link or a mention.
    pub fn escaped_mrkdwn(text: &str) -> Self {
        Text::Mrkdwn { text: escape(text) }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Text::PlainText { text } | Text::Mrkdwn { text } => text,
        }
    }

    fn truncate(&mut self, max: usize) {
        match self {
            Text::PlainText { text } => *text = http::truncate_chars(text, max),
            Text::Mrkdwn { text } => *text = truncate_markup(text, max),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    Button {
        text: Text,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        action_id: Option<String>,
    },
}

/// Escapes the three characters Slack's markup reserves.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Truncates escaped markup without cutting an `&amp;`-style entity in half.
fn truncate_markup(text: &str, max: usize) -> String {
    let cut = http::truncate_chars(text, max);
    if cut.len() == text.len() {
        return cut;
    }
    let body = cut.strip_suffix('…').unwrap_or(&cut);
    let tail_start = body.char_indices().rev().nth(5).map_or(0, |(i, _)| i);
    match body[tail_start..].rfind('&') {
        Some(amp) if !body[tail_start + amp..].contains(';') => {
            format!("{}…", &body[..tail_start + amp])
        }
        _ => cut,
    }
}

impl SlackMessage {
    /// The message cut to Block Kit's limits: long texts truncated with an ellipsis, extra
    /// blocks, fields and buttons dropped. A button whose URL is too long is dropped rather than
    /// truncated, since a cut URL leads somewhere else. `text` is filled from the blocks if
    /// empty, because Slack rejects a message without it (`no_text`).
    pub fn within_limits(mut self) -> Self {
        self.blocks.truncate(limits::BLOCKS);
        for block in &mut self.blocks {
            match block {
                Block::Header { text } => text.truncate(limits::HEADER_TEXT),
                Block::Section { text, fields } => {
                    if let Some(text) = text {
                        text.truncate(limits::SECTION_TEXT);
                    }
                    fields.truncate(limits::SECTION_FIELDS);
                    fields
                        .iter_mut()
                        .for_each(|f| f.truncate(limits::FIELD_TEXT));
                }
                Block::Actions { elements } => {
                    elements.retain(|Element::Button { url, .. }| {
                        url.as_ref()
                            .is_none_or(|u| u.chars().count() <= limits::BUTTON_URL)
                    });
                    elements.truncate(limits::ACTIONS_ELEMENTS);
                    for Element::Button { text, .. } in elements.iter_mut() {
                        text.truncate(limits::BUTTON_TEXT);
                    }
                }
                Block::Context { elements } => {
                    elements.truncate(limits::CONTEXT_ELEMENTS);
                    elements
                        .iter_mut()
                        .for_each(|e| e.truncate(limits::CONTEXT_TEXT));
                }
                Block::Divider => {}
            }
        }
        // Slack rejects empty blocks; truncation may have emptied some.
        self.blocks.retain(|block| match block {
            Block::Header { text } => !text.as_str().is_empty(),
            Block::Section { text, fields } => {
                text.as_ref().is_some_and(|t| !t.as_str().is_empty()) || !fields.is_empty()
            }
            Block::Actions { elements } => !elements.is_empty(),
            Block::Context { elements } => !elements.is_empty(),
            Block::Divider => true,
        });
        if self.text.trim().is_empty() {
            self.text = self
                .blocks
                .iter()
                .find_map(|b| match b {
                    Block::Header { text } => Some(text.as_str().to_owned()),
                    Block::Section {
                        text: Some(text), ..
                    } => Some(text.as_str().to_owned()),
                    _ => None,
                })
                .unwrap_or_else(|| "(no text)".to_owned());
        }
        self.text = http::truncate_chars(&self.text, limits::MESSAGE_TEXT);
        self
    }
}

impl From<&Notification> for SlackMessage {
    fn from(n: &Notification) -> Self {
        let mut blocks = vec![Block::Header {
            text: Text::plain(&n.title),
        }];
        if !n.body.trim().is_empty() {
            blocks.push(Block::Section {
                text: Some(Text::escaped_mrkdwn(&n.body)),
                fields: Vec::new(),
            });
        }
        // More than ten fields go into further sections rather than being dropped.
        for chunk in n.fields.chunks(limits::SECTION_FIELDS) {
            let fields = chunk
                .iter()
                .map(|(label, value)| Text::Mrkdwn {
                    text: format!("*{}*\n{}", escape(label), escape(value)),
                })
                .collect();
            blocks.push(Block::Section { text: None, fields });
        }
        if !n.links.is_empty() {
            let elements = n
                .links
                .iter()
                .map(|(label, url)| Element::Button {
                    text: Text::plain(label),
                    url: Some(url.clone()),
                    action_id: None,
                })
                .collect();
            blocks.push(Block::Actions { elements });
        }
        if let Some(footer) = n.footer.as_deref().filter(|f| !f.trim().is_empty()) {
            blocks.push(Block::Context {
                elements: vec![Text::escaped_mrkdwn(footer)],
            });
        }
        let text = if n.body.trim().is_empty() {
            n.title.clone()
        } else {
            format!("{}: {}", n.title, n.body)
        };
        SlackMessage { text, blocks }.within_limits()
    }
}

/// One incoming webhook (one channel of one workspace).
pub struct SlackWebhook {
    name: String,
    url: Secret,
    /// Built on the first message when not given: TLS set-up (rustls, root certificates) is
    /// the costliest part of a cold start, and most invocations post nothing to Slack.
    http: std::sync::OnceLock<reqwest::Client>,
    config: HttpConfig,
    limiter: RateLimiter,
}

impl fmt::Debug for SlackWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackWebhook")
            .field("name", &self.name)
            .field("url", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for SlackWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slack webhook '{}'", self.name)
    }
}

impl SlackWebhook {
    /// Slack accepts about one message per second per hook, with short bursts.
    pub const DEFAULT_RATE: RateLimit = RateLimit::new(1.0, 4);

    /// `name` identifies the hook in errors and logs (e.g. `acme/escalations`); `url` is the
    /// webhook URL, kept secret.
    pub fn new(
        name: impl Into<String>,
        url: Secret,
        http: reqwest::Client,
        config: HttpConfig,
    ) -> Self {
        Self {
            name: name.into(),
            url,
            http: std::sync::OnceLock::from(http),
            config,
            limiter: RateLimiter::new(Self::DEFAULT_RATE),
        }
    }

    /// As [`Self::new`], with the HTTPS client built from `config` on the first message.
    pub fn lazy(name: impl Into<String>, url: Secret, config: HttpConfig) -> Self {
        Self {
            name: name.into(),
            url,
            http: std::sync::OnceLock::new(),
            config,
            limiter: RateLimiter::new(Self::DEFAULT_RATE),
        }
    }

    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.limiter = RateLimiter::new(limit);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Posts `message` (cut to Block Kit's limits first). Permanent refusals (`invalid_payload`,
    /// `no_text`, `invalid_token`, `channel_not_found`, `no_service`, `channel_is_archived`…)
    /// come back at once as [`ErrorKind::Rejected`]: the hook is broken and needs a person.
    pub async fn send(&self, message: &SlackMessage) -> Result<(), ConnectorError> {
        let ctx = CallContext::new("slack", self.name.clone(), "incomingWebhook");
        let payload = message.clone().within_limits();
        let budget = self.config.retry.budget;
        self.config
            .retry
            .run(|| async {
                if let Err(wait) = self.limiter.acquire_within(budget).await {
                    return Err(ctx.error(ErrorKind::Throttled {
                        retry_after: Some(wait),
                    }));
                }
                let client = self.http.get_or_init(|| self.config.build_client());
                let request = client.post(self.url.expose()).json(&payload);
                let response = http::execute(&ctx, request, self.config.timeout).await?;
                classify(&ctx, &response)
            })
            .await
    }
}

fn classify(ctx: &CallContext, response: &RawResponse) -> Result<(), ConnectorError> {
    let status = response.status;
    if response.is_success() {
        return Ok(());
    }
    let code = http::excerpt(&response.body, 100);
    let kind = match status {
        429 => ErrorKind::Throttled {
            retry_after: response.retry_after(),
        },
        500..=599 => ErrorKind::Server {
            status,
            detail: code,
        },
        _ => {
            let detail = match code.as_str() {
                "invalid_payload" => "the payload is not valid Block Kit JSON",
                "no_text" => "the message has no text",
                "invalid_token" => "the webhook has been revoked",
                "action_prohibited" => "an admin forbids posting to this channel",
                "channel_not_found" => "the channel no longer exists",
                "no_service" => "the webhook is disabled or removed",
                "channel_is_archived" => "the channel is archived",
                _ => "refused by Slack",
            };
            ErrorKind::Rejected {
                status,
                code,
                detail: detail.to_owned(),
            }
        }
    };
    Err(ctx.error(kind))
}

impl Notifier for SlackWebhook {
    async fn notify(&self, notification: &Notification) -> Result<(), ConnectorError> {
        self.send(&SlackMessage::from(notification)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(n: usize) -> String {
        "x".repeat(n)
    }

    #[test]
    fn every_block_kit_limit_is_enforced_by_truncation() {
        let fields = (0..15).map(|_| Text::plain(long(2500))).collect();
        let buttons = (0..30)
            .map(|i| Element::Button {
                text: Text::plain(long(100)),
                url: Some(format!("https://x/{i}")),
                action_id: None,
            })
            .collect();
        let mut blocks = vec![
            Block::Header {
                text: Text::plain(long(200)),
            },
            Block::Section {
                text: Some(Text::plain(long(5000))),
                fields,
            },
            Block::Actions { elements: buttons },
        ];
        blocks.extend((0..60).map(|_| Block::Divider));
        let msg = SlackMessage {
            text: String::new(),
            blocks,
        }
        .within_limits();

        assert_eq!(msg.blocks.len(), limits::BLOCKS);
        let Block::Header { text } = &msg.blocks[0] else {
            panic!()
        };
        assert_eq!(text.as_str().chars().count(), limits::HEADER_TEXT);
        let Block::Section {
            text: Some(text),
            fields,
        } = &msg.blocks[1]
        else {
            panic!()
        };
        assert_eq!(text.as_str().chars().count(), limits::SECTION_TEXT);
        assert_eq!(fields.len(), limits::SECTION_FIELDS);
        assert!(
            fields
                .iter()
                .all(|f| f.as_str().chars().count() == limits::FIELD_TEXT)
        );
        let Block::Actions { elements } = &msg.blocks[2] else {
            panic!()
        };
        assert_eq!(elements.len(), limits::ACTIONS_ELEMENTS);
        let Element::Button { text, .. } = &elements[0];
        assert_eq!(text.as_str().chars().count(), limits::BUTTON_TEXT);
        assert!(!msg.text.is_empty(), "fallback text is always set");
    }

    #[test]
    fn a_button_with_an_overlong_url_is_dropped_not_cut() {
        let elements = vec![
            Element::Button {
                text: Text::plain("ok"),
                url: Some("https://a/".into()),
                action_id: None,
            },
            Element::Button {
                text: Text::plain("long"),
                url: Some(format!("https://a/{}", long(3000))),
                action_id: None,
            },
        ];
        let msg = SlackMessage {
            text: "t".into(),
            blocks: vec![Block::Actions { elements }],
        }
        .within_limits();
        let Block::Actions { elements } = &msg.blocks[0] else {
            panic!()
        };
        assert_eq!(elements.len(), 1);
    }

    #[test]
    fn truncated_markup_never_ends_inside_an_entity() {
        let text = format!("{}&amp;tail", long(2996));
        let cut = truncate_markup(&text, 3000);
        assert!(cut.ends_with("x…"), "{}", &cut[cut.len() - 10..]);
    }

    #[test]
    fn a_notification_renders_with_escaped_untrusted_text_and_chunked_fields() {
        let n = Notification {
            title: "SLA at risk: ticket tkt_1".into(),
            body: "Buyer wrote <!channel> & more".into(),
            fields: (0..12)
                .map(|i| (format!("k{i}"), format!("v{i}")))
                .collect(),
            links: vec![("Open ticket".into(), "https://app.example/t/1".into())],
            footer: Some("amazon.it".into()),
        };
        let msg = SlackMessage::from(&n);
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(json["blocks"][0]["type"], "header");
        assert_eq!(
            json["blocks"][1]["text"]["text"],
            "Buyer wrote &lt;!channel&gt; &amp; more"
        );
        assert_eq!(json["blocks"][2]["fields"].as_array().unwrap().len(), 10);
        assert_eq!(json["blocks"][3]["fields"].as_array().unwrap().len(), 2);
        assert_eq!(json["blocks"][4]["elements"][0]["type"], "button");
        assert_eq!(
            json["blocks"][4]["elements"][0]["url"],
            "https://app.example/t/1"
        );
        assert!(msg.text.starts_with("SLA at risk"));
    }

    #[test]
    fn debug_and_display_never_show_the_webhook_url() {
        let hook = SlackWebhook::new(
            "acme/escalations",
            Secret::new("https://hooks.slack.com/services/T0/B0/s3cr3t"),
            reqwest::Client::new(),
            HttpConfig::default(),
        );
        for shown in [format!("{hook:?}"), format!("{hook}"), format!("{hook:#?}")] {
            assert!(
                !shown.contains("s3cr3t") && !shown.contains("hooks.slack.com"),
                "{shown}"
            );
            assert!(shown.contains("acme/escalations"));
        }
    }
}
