//! The Commerce Message API for one seller account: list conversations since a time, read their
//! messages, send a message (never twice).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{HttpConfig, RateLimit};
use crate::connectors::{
    ChannelMessage, ConversationSource, MessagePage, OutgoingReply, ReplyTransport, SentReply,
};
use crate::domain::{AccountId, Attachment, Channel, Direction};

use super::EbayOAuth;
use super::api::{EbayApi, Query, classify_error};
use super::model::{
    GetAllMyConversationsResponse, GetMessagesByConversationIdResponse, MessageDetail,
    MessageMedia, Reference, SendMessageRequest, SendMessageResponse,
};

const SERVICE: &str = "ebay-message";

/// The API's largest page (`limit` ≤ 50).
pub const MAX_PAGE: u32 = 50;
/// `messageText` limit, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// `messageMedia` limit.
pub const MAX_MEDIA: usize = 5;

/// `conversation_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationType {
    /// Between the seller and buyers (or other members).
    FromMembers,
    /// Notifications from eBay.
    FromEbay,
}

impl ConversationType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationType::FromMembers => "FROM_MEMBERS",
            ConversationType::FromEbay => "FROM_EBAY",
        }
    }
}

/// The query parameters of `getConversations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationsQuery {
    pub conversation_type: ConversationType,
    /// `ACTIVE`, `ARCHIVE`, `DELETE`, `READ` or `UNREAD`.
    pub conversation_status: Option<String>,
    /// Only with `FROM_MEMBERS`.
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub other_party_username: Option<String>,
    /// A listing's item id (`reference_type=LISTING`).
    pub listing: Option<String>,
    /// 1–50.
    pub limit: u32,
    /// A multiple of `limit`.
    pub offset: u32,
}

impl ConversationsQuery {
    /// Conversations with members that have messages at or after `since`.
    pub fn from_members_since(since: DateTime<Utc>) -> Self {
        Self {
            conversation_type: ConversationType::FromMembers,
            conversation_status: None,
            start_time: Some(since),
            end_time: None,
            other_party_username: None,
            listing: None,
            limit: MAX_PAGE,
            offset: 0,
        }
    }

    fn to_pairs(&self) -> Result<Vec<(&'static str, String)>, String> {
        if !(1..=MAX_PAGE).contains(&self.limit) {
            return Err(format!("limit must be 1–{MAX_PAGE}, not {}", self.limit));
        }
        if !self.offset.is_multiple_of(self.limit) {
            return Err(format!(
                "offset {} is not a multiple of limit {}",
                self.offset, self.limit
            ));
        }
        let mut pairs = vec![(
            "conversation_type",
            self.conversation_type.as_str().to_owned(),
        )];
        if let Some(status) = &self.conversation_status {
            pairs.push(("conversation_status", status.clone()));
        }
        if (self.start_time.is_some() || self.end_time.is_some())
            && self.conversation_type != ConversationType::FromMembers
        {
            return Err("start_time and end_time work only with FROM_MEMBERS".to_owned());
        }
        if let (Some(start), Some(end)) = (self.start_time, self.end_time)
            && start >= end
        {
            return Err("start_time must be earlier than end_time".to_owned());
        }
        if let Some(start) = self.start_time {
            pairs.push(("start_time", ebay_time(start)));
        }
        if let Some(end) = self.end_time {
            pairs.push(("end_time", ebay_time(end)));
        }
        if let Some(user) = &self.other_party_username {
            pairs.push(("other_party_username", user.clone()));
        }
        if let Some(listing) = &self.listing {
            pairs.push(("reference_id", listing.clone()));
            pairs.push(("reference_type", "LISTING".to_owned()));
        }
        pairs.push(("limit", self.limit.to_string()));
        pairs.push(("offset", self.offset.to_string()));
        Ok(pairs)
    }
}

/// `yyyy-MM-ddThh:mm:ss.sssZ`, as the API documents its dates.
fn ebay_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text?).ok().map(|t| t.to_utc())
}

/// Settings of the Message API client for one seller account.
#[derive(Debug, Clone, PartialEq)]
pub struct EbayConfig {
    pub account: AccountId,
    /// The seller's eBay user name: tells the seller's messages from the buyers'.
    pub seller_username: String,
    /// The API's base URL (production, eBay's sandbox, or ours).
    pub endpoint: String,
    /// Conversations per page (1–50).
    pub page_size: u32,
    /// eBay's quotas are daily; this only smooths bursts.
    pub rate: RateLimit,
    pub http: HttpConfig,
}

impl EbayConfig {
    pub const ENDPOINT: &'static str = "https://api.ebay.com/commerce/message/v1";
    pub const SANDBOX_ENDPOINT: &'static str = "https://api.sandbox.ebay.com/commerce/message/v1";

    pub fn new(account: AccountId, seller_username: impl Into<String>) -> Self {
        Self {
            account,
            seller_username: seller_username.into(),
            endpoint: Self::ENDPOINT.to_owned(),
            page_size: MAX_PAGE,
            rate: RateLimit::new(5.0, 10),
            http: HttpConfig::default(),
        }
    }
}

/// The Commerce Message API for one seller account.
pub struct EbayMessages {
    config: EbayConfig,
    api: EbayApi,
}

impl fmt::Debug for EbayMessages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EbayMessages")
            .field("account", &self.config.account)
            .finish_non_exhaustive()
    }
}

impl EbayMessages {
    pub fn new(config: EbayConfig, oauth: Arc<EbayOAuth>, http: reqwest::Client) -> Self {
        let api = EbayApi::new(
            SERVICE,
            config.account.clone(),
            &config.endpoint,
            config.rate,
            config.http,
            oauth,
            http,
        );
        Self { config, api }
    }

    pub fn config(&self) -> &EbayConfig {
        &self.config
    }

    fn context(&self, call: &'static str) -> CallContext {
        self.api.context(call)
    }

    /// `getConversations`: one page.
    pub async fn get_conversations(
        &self,
        query: &ConversationsQuery,
    ) -> Result<GetAllMyConversationsResponse, ConnectorError> {
        let ctx = self.context("getConversations");
        let pairs = query
            .to_pairs()
            .map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let page = self.api.get(&ctx, "/conversation", &pairs, false).await?;
        Ok(page.unwrap_or_default())
    }

    /// `getConversation`: one page of a conversation's messages; `None` if eBay does not know it.
    pub async fn get_conversation(
        &self,
        conversation_id: &str,
        conversation_type: ConversationType,
        limit: u32,
        offset: u32,
    ) -> Result<Option<GetMessagesByConversationIdResponse>, ConnectorError> {
        let ctx = self.context("getConversation");
        let (path, pairs) =
            conversation_request(&ctx, conversation_id, conversation_type, limit, offset)?;
        self.api.get(&ctx, &path, &pairs, true).await
    }

    /// Every message of a conversation with members, following its pages.
    pub async fn conversation_messages(
        &self,
        conversation_id: &str,
    ) -> Result<Vec<MessageDetail>, ConnectorError> {
        let mut messages = Vec::new();
        let mut offset = 0;
        loop {
            let Some(page) = self
                .get_conversation(
                    conversation_id,
                    ConversationType::FromMembers,
                    MAX_PAGE,
                    offset,
                )
                .await?
            else {
                break;
            };
            let count = page.messages.len() as u32;
            messages.extend(page.messages);
            offset += MAX_PAGE;
            let more = page.next.is_some() || page.total.is_some_and(|t| offset < t);
            if count == 0 || !more {
                break;
            }
        }
        Ok(messages)
    }

    /// `sendMessage`. Retries only what cannot have been delivered; after a failure that may
    /// have been delivered (timeout, 500, broken connection) it reads the conversation back and
    /// either reports the message found or, if not found, sends again. If even that check
    /// fails the answer is [`ErrorKind::OutcomeUnknown`]. A success with an unreadable body is
    /// read back too, but never sent again.
    pub async fn send_message(
        &self,
        request: &SendMessageRequest,
    ) -> Result<SentReply, ConnectorError> {
        let ctx = self.context("sendMessage");
        validate(request).map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let body = serde_json::to_vec(request).expect("a request always serializes");
        let started = Utc::now();
        self.config
            .http
            .retry
            .run(|| async {
                let err = match self
                    .api
                    .attempt(&ctx, Method::POST, "/send_message", &[], Some(&body))
                    .await
                {
                    Ok(response) if response.is_success() => {
                        return match response.json::<SendMessageResponse>(&ctx) {
                            Ok(sent) => Ok(sent_reply(sent)),
                            Err(unreadable) => self.confirm(request, started, unreadable).await,
                        };
                    }
                    Ok(response) => classify_error(&ctx, &response),
                    Err(err) => err,
                };
                if !may_have_been_delivered(&err) {
                    return Err(err);
                }
                match self.find_sent(request, started).await {
                    Ok(Some(sent)) => Ok(sent),
                    // Not delivered: the error stays transient and the message is sent again.
                    Ok(None) => Err(err),
                    Err(check) => Err(ctx.error(ErrorKind::OutcomeUnknown(format!(
                        "{}; reading the conversation back failed too: {}",
                        err.kind, check.kind
                    )))),
                }
            })
            .await
    }

    /// A 2xx whose body is not a `sendMessage` answer (a proxy's page, a cut-off body) says
    /// little: the conversation read back tells whether the message is there. Not there (or
    /// not readable) is reported as unknown rather than sent again: eBay may have taken it.
    async fn confirm(
        &self,
        request: &SendMessageRequest,
        started: DateTime<Utc>,
        unreadable: ConnectorError,
    ) -> Result<SentReply, ConnectorError> {
        let ctx = self.context("sendMessage");
        let unknown = |why: String| {
            Err(ctx.error(ErrorKind::OutcomeUnknown(format!(
                "sendMessage answered success with an unreadable body ({}); {why}",
                unreadable.kind
            ))))
        };
        match self.find_sent(request, started).await {
            Ok(Some(sent)) => Ok(sent),
            Ok(None) => unknown("the message is not in the conversation (yet)".to_owned()),
            Err(check) => unknown(format!(
                "reading the conversation back failed: {}",
                check.kind
            )),
        }
    }

    /// Looks for `request`'s text among the seller's messages since shortly before `started`.
    /// Single attempts: this runs inside a retry already.
    async fn find_sent(
        &self,
        request: &SendMessageRequest,
        started: DateTime<Utc>,
    ) -> Result<Option<SentReply>, ConnectorError> {
        let since = started - chrono::Duration::minutes(2);
        let seller = &self.config.seller_username;
        let is_ours = |m: &&MessageDetail| {
            m.sender_username
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(seller))
                && m.message_body.as_deref() == Some(request.message_text.as_str())
                && parse_time(m.created_date.as_deref()).is_none_or(|t| t >= since)
        };
        let found = |m: &MessageDetail| SentReply {
            message_id: Some(m.message_id.clone()).filter(|id| !id.is_empty()),
            sent_at: parse_time(m.created_date.as_deref()),
        };
        if let Some(id) = &request.conversation_id {
            let ctx = self.context("getConversation");
            let first: Option<GetMessagesByConversationIdResponse> =
                self.get_once(&ctx, id, 0).await?;
            let Some(first) = first else { return Ok(None) };
            if let Some(m) = first.messages.iter().rev().find(is_ours) {
                return Ok(Some(found(m)));
            }
            // Long conversations: the newest messages may be on the last page instead.
            let total = first.total.unwrap_or(0);
            if total > MAX_PAGE {
                let last = (total - 1) / MAX_PAGE * MAX_PAGE;
                let page: Option<GetMessagesByConversationIdResponse> =
                    self.get_once(&ctx, id, last).await?;
                return Ok(page.and_then(|p| p.messages.iter().rev().find(is_ours).map(found)));
            }
            return Ok(None);
        }
        let Some(user) = &request.other_party_username else {
            return Ok(None);
        };
        let ctx = self.context("getConversations");
        let query = ConversationsQuery {
            other_party_username: Some(user.clone()),
            ..ConversationsQuery::from_members_since(since)
        };
        let pairs = query
            .to_pairs()
            .map_err(|e| ctx.error(ErrorKind::InvalidRequest(e)))?;
        let response = self
            .api
            .attempt(&ctx, Method::GET, "/conversation", &pairs, None)
            .await?;
        if !response.is_success() {
            return Err(classify_error(&ctx, &response));
        }
        let list: GetAllMyConversationsResponse = response.json(&ctx)?;
        Ok(list
            .conversations
            .iter()
            .filter_map(|c| c.latest_message.as_ref())
            .find(is_ours)
            .map(found))
    }

    async fn get_once<T: DeserializeOwned>(
        &self,
        ctx: &CallContext,
        id: &str,
        offset: u32,
    ) -> Result<Option<T>, ConnectorError> {
        let (path, pairs) =
            conversation_request(ctx, id, ConversationType::FromMembers, MAX_PAGE, offset)?;
        let response = self
            .api
            .attempt(ctx, Method::GET, &path, &pairs, None)
            .await?;
        match response.status {
            200..=299 => response.json(ctx).map(Some),
            404 => Ok(None),
            _ => Err(classify_error(ctx, &response)),
        }
    }
}

fn conversation_request(
    ctx: &CallContext,
    conversation_id: &str,
    conversation_type: ConversationType,
    limit: u32,
    offset: u32,
) -> Result<(String, Query), ConnectorError> {
    // Conversation ids are opaque but never need escaping; refuse anything that would.
    if conversation_id.is_empty()
        || !conversation_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        let detail = format!("'{conversation_id}' is not a conversation id");
        return Err(ctx.error(ErrorKind::InvalidRequest(detail)));
    }
    if !(1..=MAX_PAGE).contains(&limit) || !offset.is_multiple_of(limit) {
        let detail = format!("limit {limit} / offset {offset} out of range");
        return Err(ctx.error(ErrorKind::InvalidRequest(detail)));
    }
    let pairs = vec![
        ("conversation_type", conversation_type.as_str().to_owned()),
        ("limit", limit.to_string()),
        ("offset", offset.to_string()),
    ];
    Ok((format!("/conversation/{conversation_id}"), pairs))
}

/// The request may have reached eBay and been carried out before the failure.
fn may_have_been_delivered(err: &ConnectorError) -> bool {
    err.service == SERVICE
        && match &err.kind {
            ErrorKind::Timeout(_) | ErrorKind::Network(_) => true,
            // 503 and 429 mean "not now": nothing was done.
            ErrorKind::Server { status, .. } => *status != 503,
            _ => false,
        }
}

fn sent_reply(sent: SendMessageResponse) -> SentReply {
    SentReply {
        message_id: Some(sent.message_id).filter(|id| !id.is_empty()),
        sent_at: parse_time(sent.created_date.as_deref()),
    }
}

/// The documented limits of `sendMessage`, checked before sending.
pub fn validate(request: &SendMessageRequest) -> Result<(), String> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&request.conversation_id) && blank(&request.other_party_username) {
        return Err("conversationId and otherPartyUsername cannot both be empty".to_owned());
    }
    let chars = request.message_text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(format!(
            "messageText has {chars} characters; eBay accepts {MAX_MESSAGE_CHARS}"
        ));
    }
    if request.message_text.trim().is_empty() && request.message_media.is_empty() {
        return Err("a message needs text or media".to_owned());
    }
    if request.message_media.len() > MAX_MEDIA {
        return Err(format!(
            "{} media; eBay accepts {MAX_MEDIA}",
            request.message_media.len()
        ));
    }
    for media in &request.message_media {
        if media.media_name.trim().is_empty()
            || !["IMAGE", "PDF", "DOC", "TXT"].contains(&media.media_type.as_str())
        {
            return Err(format!(
                "media '{}' needs a name and a type of IMAGE, PDF, DOC or TXT",
                media.media_name
            ));
        }
        if !media.media_url.starts_with("https://") {
            return Err(format!(
                "media '{}' must be an https:// URL",
                media.media_name
            ));
        }
    }
    if let Some(reference) = &request.reference
        && (reference.reference_type != "LISTING"
            || reference.reference_id.is_empty()
            || !reference.reference_id.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("reference must be a LISTING with a numeric item id".to_owned());
    }
    Ok(())
}

fn media_type(content_type: &str) -> Option<&'static str> {
    let content_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        t if t.starts_with("image/") => Some("IMAGE"),
        "application/pdf" => Some("PDF"),
        "application/msword"
        | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => Some("DOC"),
        "text/plain" => Some("TXT"),
        _ => None,
    }
}

fn content_type(media_type: &str) -> &'static str {
    match media_type {
        "IMAGE" => "image/*",
        "PDF" => "application/pdf",
        "DOC" => "application/msword",
        "TXT" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The request `reply` becomes.
pub fn send_request(reply: &OutgoingReply) -> Result<SendMessageRequest, String> {
    let message_media = reply
        .attachments
        .iter()
        .map(|a| {
            let media_type = media_type(&a.content_type).ok_or_else(|| {
                format!("eBay cannot carry '{}' ({})", a.filename, a.content_type)
            })?;
            let media_url = a.location.clone().filter(|l| l.starts_with("https://"));
            let media_url = media_url.ok_or_else(|| {
                format!("'{}' has no https:// location eBay can fetch", a.filename)
            })?;
            Ok(MessageMedia {
                media_name: a.filename.clone(),
                media_type: media_type.to_owned(),
                media_url,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(SendMessageRequest {
        conversation_id: reply.conversation.clone(),
        email_copy_to_sender: None,
        message_media,
        message_text: reply.body.clone(),
        other_party_username: reply.recipient.clone(),
        reference: reply.listing.clone().map(|reference_id| Reference {
            reference_id,
            reference_type: "LISTING".to_owned(),
        }),
    })
}

impl ReplyTransport for EbayMessages {
    async fn send_reply(&self, reply: &OutgoingReply) -> Result<SentReply, ConnectorError> {
        let request = send_request(reply).map_err(|e| {
            self.context("sendMessage")
                .error(ErrorKind::InvalidRequest(e))
        })?;
        self.send_message(&request).await
    }
}

impl ConversationSource for EbayMessages {
    async fn messages_since(
        &self,
        since: DateTime<Utc>,
        page_token: Option<&str>,
    ) -> Result<MessagePage, ConnectorError> {
        let resume = || page_token.map(str::to_owned);
        let ctx = self.context("getConversations");
        let offset: u32 = match page_token {
            None => 0,
            Some(t) => t.parse().map_err(|_| {
                ctx.error(ErrorKind::InvalidRequest(format!("bad page token '{t}'")))
            })?,
        };
        let limit = self.config.page_size.clamp(1, MAX_PAGE);
        let query = ConversationsQuery {
            limit,
            offset,
            ..ConversationsQuery::from_members_since(since)
        };
        let list = self
            .get_conversations(&query)
            .await
            .map_err(|e| e.with_resume_from(resume()))?;
        let mut messages = Vec::new();
        for conversation in &list.conversations {
            let details = self
                .conversation_messages(&conversation.conversation_id)
                .await
                .map_err(|e| e.with_resume_from(resume()))?;
            for detail in details {
                let sent_at = parse_time(detail.created_date.as_deref()).ok_or_else(|| {
                    let what = format!("message {} has no valid createdDate", detail.message_id);
                    self.context("getConversation")
                        .error(ErrorKind::Mapping(what))
                        .with_resume_from(resume())
                })?;
                if sent_at < since {
                    continue;
                }
                messages.push(self.to_channel_message(conversation, detail, sent_at));
            }
        }
        messages.sort_by_key(|m| m.sent_at);
        let fetched = offset + list.conversations.len() as u32;
        let more = !list.conversations.is_empty()
            && (list.next.is_some() || list.total.is_some_and(|t| fetched < t));
        Ok(MessagePage {
            messages,
            next_page: more.then(|| (offset + limit).to_string()),
        })
    }
}

impl EbayMessages {
    fn to_channel_message(
        &self,
        conversation: &super::model::ConversationDetail,
        detail: MessageDetail,
        sent_at: DateTime<Utc>,
    ) -> ChannelMessage {
        let from_seller = detail
            .sender_username
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(&self.config.seller_username));
        let counterparty = if from_seller {
            detail.recipient_username.clone()
        } else {
            detail.sender_username.clone()
        };
        let listing = match conversation.reference_type.as_deref() {
            Some("LISTING") | None => conversation.reference_id.clone(),
            Some(_) => None,
        };
        ChannelMessage {
            channel: Channel::Ebay,
            account: self.config.account.clone(),
            conversation: conversation.conversation_id.clone(),
            message_id: detail.message_id,
            direction: if from_seller {
                Direction::Outbound
            } else {
                Direction::Inbound
            },
            counterparty,
            subject: detail.subject,
            body: detail.message_body.unwrap_or_default(),
            sent_at,
            attachments: detail
                .message_media
                .into_iter()
                .map(|m| Attachment {
                    filename: m.media_name,
                    content_type: content_type(&m.media_type).to_owned(),
                    size_bytes: 0,
                    location: Some(m.media_url),
                })
                .collect(),
            listing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn conversation_query_uses_the_models_names_and_millisecond_dates() {
        let mut q = ConversationsQuery::from_members_since(at("2026-11-01T10:00:00Z"));
        q.listing = Some("110553412345".into());
        q.limit = 25;
        q.offset = 50;
        assert_eq!(
            q.to_pairs().unwrap(),
            vec![
                ("conversation_type", "FROM_MEMBERS".to_owned()),
                ("start_time", "2026-11-01T10:00:00.000Z".to_owned()),
                ("reference_id", "110553412345".to_owned()),
                ("reference_type", "LISTING".to_owned()),
                ("limit", "25".to_owned()),
                ("offset", "50".to_owned()),
            ]
        );
        q.offset = 30;
        assert!(q.to_pairs().is_err(), "offset must be a multiple of limit");
    }

    #[test]
    fn send_limits_are_checked_before_sending() {
        let ok = SendMessageRequest {
            conversation_id: Some("c1".into()),
            message_text: "Hi".into(),
            ..Default::default()
        };
        assert_eq!(validate(&ok), Ok(()));
        let nobody = SendMessageRequest {
            message_text: "Hi".into(),
            ..Default::default()
        };
        assert!(validate(&nobody).is_err());
        let long = SendMessageRequest {
            message_text: "x".repeat(2001),
            ..ok.clone()
        };
        assert!(validate(&long).is_err());
        let media = MessageMedia {
            media_name: "a.jpg".into(),
            media_type: "IMAGE".into(),
            media_url: "https://x/a.jpg".into(),
        };
        let six = SendMessageRequest {
            message_media: vec![media.clone(); 6],
            ..ok.clone()
        };
        assert!(validate(&six).is_err());
        let http_url = MessageMedia {
            media_url: "http://x/a.jpg".into(),
            ..media
        };
        assert!(
            validate(&SendMessageRequest {
                message_media: vec![http_url],
                ..ok
            })
            .is_err()
        );
    }

    #[test]
    fn a_reply_becomes_a_send_request_with_its_media() {
        let reply = OutgoingReply {
            conversation: Some("c1".into()),
            body: "Tracking: RR123456785IT".into(),
            attachments: vec![Attachment {
                filename: "label.pdf".into(),
                content_type: "application/pdf".into(),
                size_bytes: 1000,
                location: Some("https://files.example/label.pdf".into()),
            }],
            ..Default::default()
        };
        let request = send_request(&reply).unwrap();
        assert_eq!(request.message_media[0].media_type, "PDF");
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["conversationId"], "c1");
        assert_eq!(json["messageText"], "Tracking: RR123456785IT");
        let s3_only = OutgoingReply {
            attachments: vec![Attachment {
                location: Some("s3://bucket/key".into()),
                ..reply.attachments[0].clone()
            }],
            ..reply
        };
        assert!(send_request(&s3_only).is_err());
    }

    #[test]
    fn only_failures_that_may_have_been_carried_out_are_read_back() {
        let ctx = CallContext::new(SERVICE, "a", "sendMessage");
        assert!(may_have_been_delivered(
            &ctx.error(ErrorKind::Timeout(std::time::Duration::from_secs(1)))
        ));
        assert!(may_have_been_delivered(&ctx.error(ErrorKind::Server {
            status: 500,
            detail: String::new()
        })));
        assert!(!may_have_been_delivered(&ctx.error(ErrorKind::Server {
            status: 503,
            detail: String::new()
        })));
        assert!(!may_have_been_delivered(
            &ctx.error(ErrorKind::Connect(String::new()))
        ));
        let oauth = CallContext::new("ebay-oauth", "a", "refreshAccessToken");
        assert!(!may_have_been_delivered(
            &oauth.error(ErrorKind::Timeout(std::time::Duration::from_secs(1)))
        ));
    }
}
