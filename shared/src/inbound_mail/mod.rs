//! Inbound e-mail: raw MIME (as SES stores it in S3) to a typed, validated [`InboundMail`], and
//! [`classify`] to tell a buyer's message from a store customer's, an Amazon claim, chargeback
//! or feedback notice, a bounce of one of our replies, or an auto-reply.
//!
//! Pure: no I/O, no clock, no logging. `Debug` of these types prints e-mail addresses, so never
//! pass them to `tracing`; log [`MailError::reason`] and [`MailKind::name`] instead.
//!
//! Out of scope: sender authentication (DKIM, SPF, DMARC). `classify` trusts the From header;
//! the ingest worker must rely on SES's receipt verdicts before acting on a notice.

mod amazon;
mod html;
mod notices;
mod quotes;

use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{
    Addr, Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

pub use amazon::{
    AmazonMarketplace, MARKETPLACES, find_order_id, is_amazon_system_address, is_relay_address,
    marketplace_by_id, marketplace_by_tld, relay_marketplace, strip_relay_display_name,
};
pub use notices::{
    AutoReplyNotice, AutoReplySignal, BuyerMessage, ClaimNotice, DeliveryFailure, FeedbackNotice,
    MailKind, MarketplaceNotice, StoreMessage, classify,
};
pub use quotes::clean_body;

use crate::domain::{Attachment, ExternalRefs, OrderId};

/// SES accepts inbound messages up to 40 MB; Amazon relays attachments up to 10 MB (about
/// 14 MB once base64-encoded). Anything larger than this is not a buyer conversation.
pub const DEFAULT_MAX_BYTES: usize = 30 * 1024 * 1024;

/// Inline images smaller than this, referenced from the HTML by `cid:`, are logos and
/// signature pictures rather than something the sender meant to show.
const SIGNATURE_IMAGE_MAX_BYTES: usize = 20 * 1024;

/// Machine-readable parts of a delivery or disposition report: read into [`DeliveryReport`],
/// not shown as attachments.
const REPORT_PARTS: [&str; 4] = [
    "message/delivery-status",
    "message/global-delivery-status",
    "message/disposition-notification",
    "text/rfc822-headers",
];

/// A Date header later than the arrival by more than this is a sender's wrong clock.
const MAX_DATE_AHEAD: chrono::TimeDelta = chrono::TimeDelta::hours(2);

/// A Date header earlier than the arrival by more than this is a wrong clock (or a resent
/// archive), not a delivery delay: the SLA clock starts at the arrival instead.
const MAX_DATE_BEHIND: chrono::TimeDelta = chrono::TimeDelta::days(14);

/// Limits and context of [`parse_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    pub max_bytes: usize,
    /// When our side stored the mail (the S3 notification's `eventTime`): the sending time of
    /// a mail whose Date header is missing, unreadable or far from it.
    pub arrived_at: Option<DateTime<Utc>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            arrived_at: None,
        }
    }
}

impl ParseOptions {
    /// The default limits, for a mail stored at `arrived_at`.
    pub fn arrived_at(arrived_at: DateTime<Utc>) -> Self {
        ParseOptions {
            arrived_at: Some(arrived_at),
            ..ParseOptions::default()
        }
    }
}

/// Why raw bytes could not become an [`InboundMail`]; the ingest worker quarantines the object
/// with [`MailError::reason`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("message is empty")]
    Empty,
    #[error("message is {size} bytes, more than the {max} accepted")]
    TooLarge { size: usize, max: usize },
    #[error("not an e-mail: no RFC 5322 header block")]
    NotAnEmail,
    #[error("message names no sender: no address in From, Sender, Reply-To or Return-Path")]
    MissingFrom,
    #[error("message has no Date header, no dated Received header and no arrival time")]
    MissingDate,
}

impl MailError {
    /// A stable, address-free code for logs, metrics and quarantine metadata.
    pub fn reason(&self) -> &'static str {
        match self {
            MailError::Empty => "empty",
            MailError::TooLarge { .. } => "too_large",
            MailError::NotAnEmail => "not_an_email",
            MailError::MissingFrom => "missing_from",
            MailError::MissingDate => "missing_date",
        }
    }
}

/// A mailbox as written in a header: the address as sent (trimmed) and the decoded display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAddress {
    pub address: String,
    pub name: Option<String>,
}

impl MailAddress {
    /// The part after `@`, lower-cased.
    pub fn domain(&self) -> String {
        self.address
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

/// Where [`InboundMail::sent_at`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// The Date header, as the sender's system wrote it.
    DateHeader,
    /// No usable Date header: the time our side's topmost Received header records.
    Received,
    /// No usable Date header nor dated Received header (or the Date was far from the
    /// arrival): when our side stored the mail.
    Arrival,
}

/// An attachment's metadata and where it is inside the raw message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub filename: String,
    /// `type/subtype`, lower-case.
    pub content_type: String,
    /// Decoded size.
    pub size_bytes: u64,
    /// Shown inside the body (`Content-Disposition: inline` or referenced by `cid:`).
    pub inline: bool,
    /// MIME part index, for [`attachment_bytes`].
    pub part: u32,
}

impl MailAttachment {
    /// The domain attachment, once the content is stored at `location`.
    pub fn to_domain(&self, location: Option<String>) -> Attachment {
        Attachment {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            location,
        }
    }
}

/// A buyer relay alias found in From (buyer messages) or Reply-To (some notices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmazonRelay {
    /// The anonymised address, lower-cased: the buyer's stable identity per seller.
    pub alias: String,
    /// The buyer's name without Amazon's " - Amazon Marketplace" suffix.
    pub buyer_name: Option<String>,
    pub marketplace: &'static AmazonMarketplace,
    /// The alias was in Reply-To, not in From.
    pub via_reply_to: bool,
}

/// Headers that mark mail written by a machine (RFC 3834 and common vendor headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AutoSignals {
    /// `Auto-Submitted` value, lower-cased (`auto-replied`, `auto-generated`), unless `no`.
    pub auto_submitted: Option<String>,
    /// `X-Autoreply`, `X-Autorespond` or `X-Auto-Response-Suppress`-style markers were present.
    pub x_autoreply: bool,
    /// `Precedence` value, lower-cased (`bulk`, `auto_reply`, `junk`, `list`).
    pub precedence: Option<String>,
}

/// What a delivery status notification (RFC 3464) says about the message it returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// `Final-Recipient` (or `Original-Recipient`) of every recipient whose action is `failed`.
    pub failed_recipients: Vec<String>,
    /// Enhanced status code, e.g. `5.1.1`.
    pub status: Option<String>,
    /// `Diagnostic-Code`, without its type prefix.
    pub diagnostic: Option<String>,
    /// Message-ID of the returned message (from the attached message or headers).
    pub original_message_id: Option<String>,
    pub original_subject: Option<String>,
}

/// The fields of a shop contact-form notification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactForm {
    pub name: Option<String>,
    /// The address the customer typed (the notification's From is the form service).
    pub email: String,
    pub phone: Option<String>,
    /// The customer's message.
    pub message: String,
}

/// A parsed, validated inbound e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMail {
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from: MailAddress,
    pub reply_to: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    /// Decoded subject; empty when absent.
    pub subject: String,
    /// When the sender sent it: SLA clocks start here.
    pub sent_at: DateTime<Utc>,
    pub date_source: DateSource,
    /// When the topmost (our side's) Received header says it arrived, if dated.
    pub received_at: Option<DateTime<Utc>>,
    /// The whole text body (HTML converted when there is no text part), quotes included.
    pub text: String,
    /// What the sender wrote this time: no quoted history, signature or Amazon wrapper; for a
    /// contact form, the customer's message field.
    pub clean_text: String,
    /// The body came from HTML only.
    pub from_html: bool,
    /// BCP 47 language of `clean_text`, when detectable.
    pub language: Option<String>,
    /// Attachments without signature logos.
    pub attachments: Vec<MailAttachment>,
    /// The first Amazon order id of the subject, else of the body.
    pub order_id: Option<OrderId>,
    pub amazon: Option<AmazonRelay>,
    /// Present when the mail is a shop contact-form notification.
    pub contact_form: Option<ContactForm>,
    pub auto: AutoSignals,
    /// Present when the message is a delivery status notification (multipart/report).
    pub report: Option<DeliveryReport>,
}

impl InboundMail {
    /// Threading and dedupe references for the domain message; the conversation is the relay
    /// alias for Amazon buyers.
    pub fn external_refs(&self) -> ExternalRefs {
        ExternalRefs {
            message_id: self.message_id.clone(),
            in_reply_to: self.in_reply_to.clone(),
            references: self.references.clone(),
            conversation: self.amazon.as_ref().map(|r| r.alias.clone()),
            order_action: None,
        }
    }
}

/// Parses raw MIME with the default limits.
pub fn parse(raw: &[u8]) -> Result<InboundMail, MailError> {
    parse_with(raw, &ParseOptions::default())
}

/// Parses raw MIME: decodes headers, charsets and transfer encodings, picks the text body
/// (converting HTML when that is all there is), cleans it, and extracts Amazon specifics.
pub fn parse_with(raw: &[u8], options: &ParseOptions) -> Result<InboundMail, MailError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(MailError::Empty);
    }
    if raw.len() > options.max_bytes {
        return Err(MailError::TooLarge {
            size: raw.len(),
            max: options.max_bytes,
        });
    }
    // Some relays and archives put blank lines or a byte-order mark before the headers.
    let raw = skip_leading_blank_lines(raw);
    if !starts_with_header(raw) {
        return Err(MailError::NotAnEmail);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(MailError::NotAnEmail)?;
    if !message
        .headers()
        .iter()
        .any(|h| is_rfc5322_header(h.name()))
    {
        return Err(MailError::NotAnEmail);
    }

    let from = sender(&message).ok_or(MailError::MissingFrom)?;
    let reply_to = message.reply_to().and_then(first_mailbox);
    let to = message.to().map(mailboxes).unwrap_or_default();
    let cc = message.cc().map(mailboxes).unwrap_or_default();
    let subject = message
        .subject()
        .map(|s| s.trim().to_string())
        .unwrap_or_default();

    // The topmost dated Received header is the one our side (SES) added: the only one a
    // sender cannot forge.
    let received_at = message
        .received_all()
        .find_map(|r| r.date())
        .and_then(|d| to_utc(&d));
    let (sent_at, date_source) = sending_time(
        message.date().and_then(to_utc),
        received_at,
        options.arrived_at,
    )?;

    let (mut text, mut from_html) = body_text(&message);
    if text.trim().is_empty()
        && let Some((fallback, html)) = fallback_body(&message, 0)
    {
        text = fallback;
        from_html = html;
    }
    let attachments = attachments(&message);
    let contact_form = notices::contact_form(&from.address, &subject, &text);
    let clean_text = match &contact_form {
        Some(form) => clean_body(&form.message),
        None => clean_body(&text),
    };

    let amazon = relay(&from, reply_to.as_ref());
    let order_id = find_order_id(&subject).or_else(|| find_order_id(&text));
    let language = detect_language(&clean_text, amazon.as_ref().map(|r| r.marketplace));

    Ok(InboundMail {
        message_id: message.message_id().map(clean_id),
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        from,
        reply_to,
        to,
        cc,
        subject,
        sent_at,
        date_source,
        received_at,
        text,
        clean_text,
        from_html,
        language,
        attachments,
        order_id,
        amazon,
        contact_form,
        auto: auto_signals(&message),
        report: delivery_report(&message),
    })
}

/// The decoded content of the attachment at MIME part `part` (see [`MailAttachment::part`]).
pub fn attachment_bytes(raw: &[u8], part: u32) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    message.part(part).map(|p| p.contents().to_vec())
}

/// Drops a byte-order mark and blank lines before the header block.
fn skip_leading_blank_lines(raw: &[u8]) -> &[u8] {
    let mut raw = raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw);
    loop {
        let line_end = raw.iter().position(|&b| b == b'\n');
        match line_end {
            Some(end) if raw[..end].iter().all(u8::is_ascii_whitespace) => raw = &raw[end + 1..],
            _ => return raw,
        }
    }
}

/// Who wrote the mail: From, else Sender, else an address written too loosely for the
/// header grammar (`From: ada@example.com <`), else Reply-To, else the envelope's
/// Return-Path (a bounce's `<>` names nobody).
fn sender(message: &Message<'_>) -> Option<MailAddress> {
    message
        .from()
        .and_then(first_mailbox)
        .or_else(|| message.sender().and_then(first_mailbox))
        .or_else(|| message.header_raw("From").and_then(loose_address))
        .or_else(|| message.header_raw("Sender").and_then(loose_address))
        .or_else(|| message.reply_to().and_then(first_mailbox))
        .or_else(|| message.header_raw("Return-Path").and_then(loose_address))
}

/// The first `local@domain` in a raw header value, whatever surrounds it.
fn loose_address(raw: &str) -> Option<MailAddress> {
    static ADDRESS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"[^\s<>"'(),;:@\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"#)
            .expect("valid pattern")
    });
    let found = ADDRESS.find(raw)?.as_str();
    // `x@localhost` is not a mailbox anyone can write to; a domain needs a dot.
    found
        .rsplit_once('@')?
        .1
        .contains('.')
        .then(|| MailAddress {
            address: found.to_string(),
            name: None,
        })
}

/// When the mail was sent, for the SLA clock: the Date header when it is plausible, else the
/// topmost Received header, else the arrival. A Date is implausible when it lies more than
/// [`MAX_DATE_AHEAD`] after the arrival (or after our Received header) or more than
/// [`MAX_DATE_BEHIND`] before the arrival.
fn sending_time(
    header: Option<DateTime<Utc>>,
    received: Option<DateTime<Utc>>,
    arrived: Option<DateTime<Utc>>,
) -> Result<(DateTime<Utc>, DateSource), MailError> {
    let near_arrival = |t: &DateTime<Utc>| {
        arrived.is_none_or(|a| *t <= a + MAX_DATE_AHEAD && *t >= a - MAX_DATE_BEHIND)
    };
    let received = received.filter(near_arrival);
    let header = header
        .filter(near_arrival)
        .filter(|t| received.is_none_or(|r| *t <= r + MAX_DATE_AHEAD));
    match (header, received, arrived) {
        (Some(date), _, _) => Ok((date, DateSource::DateHeader)),
        (None, Some(date), _) => Ok((date, DateSource::Received)),
        (None, None, Some(date)) => Ok((date, DateSource::Arrival)),
        (None, None, None) => Err(MailError::MissingDate),
    }
}

/// The text of a mail whose body parts say nothing: the first text part filed as an
/// attachment (`multipart/mixed` with only a `text/plain` file), else the body of the first
/// attached or digested message (`message/rfc822` wrappers, forwards as attachment,
/// `multipart/digest`).
fn fallback_body(message: &Message<'_>, depth: u8) -> Option<(String, bool)> {
    // mail-parser caps nesting itself; this bounds our own recursion too.
    if depth > 4 {
        return None;
    }
    let usable = |text: &str| !text.trim().is_empty();
    for part in &message.parts {
        if REPORT_PARTS.contains(&content_type_of(part).as_str()) {
            continue;
        }
        let found = match &part.body {
            PartType::Text(text) if usable(text) => {
                Some((quotes::tidy(&quotes::normalise_newlines(text)), false))
            }
            PartType::Html(html) => {
                let text = quotes::tidy(&quotes::normalise_newlines(&html::html_to_text(html)));
                usable(&text).then_some((text, true))
            }
            PartType::Message(inner) => {
                let (text, html) = body_text(inner);
                if usable(&text) {
                    Some((text, html))
                } else {
                    fallback_body(inner, depth + 1)
                }
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// A header block starts with `Name:` (printable ASCII, no space before the colon) or an mbox
/// `From ` line; binary or prose does not.
fn starts_with_header(raw: &[u8]) -> bool {
    if raw.starts_with(b"From ") {
        return true;
    }
    let line_end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len());
    let line = &raw[..line_end];
    match line.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => line[..colon].iter().all(|&b| (33..=126).contains(&b)),
        _ => false,
    }
}

fn is_rfc5322_header(name: &str) -> bool {
    [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "mime-version",
        "content-type",
        "sender",
        "reply-to",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

fn to_utc(date: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    if !date.is_valid() {
        return None;
    }
    Utc.timestamp_opt(date.to_timestamp(), 0).single()
}

fn mailbox(addr: &Addr<'_>) -> Option<MailAddress> {
    let address = addr.address()?.trim();
    if !address.contains('@') {
        return None;
    }
    let name = addr
        .name()
        .map(|n| n.trim().trim_matches('"').trim().to_string())
        .filter(|n| !n.is_empty() && n != address);
    Some(MailAddress {
        address: address.to_string(),
        name,
    })
}

fn first_mailbox(address: &Address<'_>) -> Option<MailAddress> {
    address.iter().find_map(mailbox)
}

fn mailboxes(address: &Address<'_>) -> Vec<MailAddress> {
    address.iter().filter_map(mailbox).collect()
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => vec![clean_id(id)],
        HeaderValue::TextList(list) => list.iter().map(|id| clean_id(id)).collect(),
        _ => Vec::new(),
    }
}

/// The text parts of the body, joined; HTML is converted only when a part has no text twin.
fn body_text(message: &Message<'_>) -> (String, bool) {
    let mut pieces = Vec::new();
    let mut from_html = false;
    for id in &message.text_body {
        let Some(part) = message.part(*id) else {
            continue;
        };
        match &part.body {
            PartType::Text(text) => pieces.push(text.to_string()),
            PartType::Html(html) => {
                from_html = true;
                pieces.push(html::html_to_text(html));
            }
            _ => {}
        }
    }
    let text = quotes::normalise_newlines(&pieces.join("\n\n"));
    (quotes::tidy(&text), from_html && !text.trim().is_empty())
}

fn attachments(message: &Message<'_>) -> Vec<MailAttachment> {
    let html_cids = referenced_cids(message);
    let mut out = Vec::new();
    for id in &message.attachments {
        let Some(part) = message.part(*id) else {
            continue;
        };
        let content_type = content_type_of(part);
        if REPORT_PARTS.contains(&content_type.as_str()) {
            continue;
        }
        let size = part.len();
        let cid = part.content_id().map(clean_id);
        let referenced = cid
            .as_ref()
            .is_some_and(|c| html_cids.iter().any(|h| h == c));
        let disposition_inline = part
            .content_disposition()
            .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline"));
        let inline = referenced || disposition_inline;
        if referenced && content_type.starts_with("image/") && size < SIGNATURE_IMAGE_MAX_BYTES {
            continue;
        }
        let filename = part
            .attachment_name()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| default_filename(out.len() + 1, &content_type));
        out.push(MailAttachment {
            filename,
            content_type,
            size_bytes: size as u64,
            inline,
            part: *id,
        });
    }
    out
}

fn content_type_of(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => "application/octet-stream".to_string(),
    }
}

fn default_filename(n: usize, content_type: &str) -> String {
    let ext = match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        "message/rfc822" => "eml",
        t if t.starts_with("text/") => "txt",
        _ => "bin",
    };
    format!("attachment-{n}.{ext}")
}

/// `cid:` references in the HTML parts, to tell embedded pictures from attached ones.
fn referenced_cids(message: &Message<'_>) -> Vec<String> {
    let mut cids = Vec::new();
    for part in &message.parts {
        if let PartType::Html(html) = &part.body {
            let lower = html.to_ascii_lowercase();
            for (pos, _) in lower.match_indices("cid:") {
                let rest = &html[pos + 4..];
                let end = rest
                    .find(|c: char| {
                        c == '"' || c == '\'' || c == ')' || c.is_whitespace() || c == '>'
                    })
                    .unwrap_or(rest.len());
                cids.push(rest[..end].to_string());
            }
        }
    }
    cids
}

fn relay(from: &MailAddress, reply_to: Option<&MailAddress>) -> Option<AmazonRelay> {
    let (addr, via_reply_to) = if is_relay_address(&from.address) {
        (from, false)
    } else {
        (reply_to.filter(|r| is_relay_address(&r.address))?, true)
    };
    Some(AmazonRelay {
        alias: addr.address.to_ascii_lowercase(),
        buyer_name: addr.name.as_deref().and_then(strip_relay_display_name),
        marketplace: relay_marketplace(&addr.address)?,
        via_reply_to,
    })
}

fn header_text<'a>(message: &'a Message<'_>, name: &str) -> Option<&'a str> {
    message
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .and_then(|h| h.value().as_text())
        .map(str::trim)
}

fn auto_signals(message: &Message<'_>) -> AutoSignals {
    let has = |name: &str| header_text(message, name).is_some();
    AutoSignals {
        auto_submitted: header_text(message, "Auto-Submitted")
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty() && v != "no"),
        x_autoreply: has("X-Autoreply") || has("X-Autorespond") || has("X-Autoreply-From"),
        precedence: header_text(message, "Precedence").map(str::to_ascii_lowercase),
    }
}

/// Reads a multipart/report's `message/delivery-status` and returned message (or headers).
fn delivery_report(message: &Message<'_>) -> Option<DeliveryReport> {
    let root = message.root_part();
    let is_report = root.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    if !is_report {
        return None;
    }
    let mut report = DeliveryReport::default();
    for part in &message.parts {
        let ct = content_type_of(part);
        match ct.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                let text = String::from_utf8_lossy(part.contents());
                notices::read_delivery_status(&text, &mut report);
            }
            "message/rfc822" | "message/global" => {
                if let Some(original) = part.message() {
                    report.original_message_id = original.message_id().map(clean_id);
                    report.original_subject = original.subject().map(str::to_string);
                }
            }
            "text/rfc822-headers" | "message/rfc822-headers" => {
                if let Some(original) = MessageParser::default().parse_headers(part.contents()) {
                    report.original_message_id = original.message_id().map(clean_id);
                    report.original_subject = original.subject().map(str::to_string);
                }
            }
            _ => {}
        }
    }
    Some(report)
}

/// Detects the language of `text`; a short or ambiguous text falls back to the marketplace's
/// language for relayed Amazon mail.
fn detect_language(text: &str, marketplace: Option<&AmazonMarketplace>) -> Option<String> {
    use whatlang::Lang;
    // The languages of the marketplaces we serve: restricting the candidates keeps short
    // messages from being read as a neighbouring language.
    let detector = whatlang::Detector::with_allowlist(vec![
        Lang::Eng,
        Lang::Ita,
        Lang::Deu,
        Lang::Fra,
        Lang::Spa,
        Lang::Nld,
        Lang::Swe,
        Lang::Pol,
        Lang::Por,
        Lang::Tur,
        Lang::Jpn,
        Lang::Ara,
    ]);
    // The opening of a message says its language; detecting on megabytes only costs time.
    let sample: String = text.chars().take(2_000).collect();
    let text = sample.as_str();
    let detected = detector.detect(text).filter(|info| {
        info.is_reliable() || (info.confidence() > 0.5 && text.chars().count() >= 40)
    });
    let code = detected.map(|info| match info.lang() {
        Lang::Eng => "en",
        Lang::Ita => "it",
        Lang::Deu => "de",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Nld => "nl",
        Lang::Swe => "sv",
        Lang::Pol => "pl",
        Lang::Por => "pt",
        Lang::Tur => "tr",
        Lang::Jpn => "ja",
        Lang::Ara => "ar",
        _ => "und",
    });
    code.filter(|c| *c != "und")
        .map(str::to_string)
        .or_else(|| marketplace.map(|m| m.language.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "From: Ada <ada@example.com>\r\nTo: shop@example.net\r\nSubject: Hi\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\nMessage-ID: <a1@example.com>\r\n\r\nHello, where is my parcel?\r\n";

    #[test]
    fn minimal_message_parses_with_date_header_in_utc() {
        let mail = parse(MINIMAL.as_bytes()).unwrap();
        assert_eq!(mail.from.address, "ada@example.com");
        assert_eq!(mail.from.name.as_deref(), Some("Ada"));
        assert_eq!(mail.sent_at.to_rfc3339(), "2026-11-03T09:12:00+00:00");
        assert_eq!(mail.date_source, DateSource::DateHeader);
        assert_eq!(mail.message_id.as_deref(), Some("a1@example.com"));
        assert_eq!(mail.clean_text, "Hello, where is my parcel?");
    }

    #[test]
    fn oversized_input_is_rejected_before_parsing() {
        let err = parse_with(
            MINIMAL.as_bytes(),
            &ParseOptions {
                max_bytes: 100,
                arrived_at: None,
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            MailError::TooLarge {
                size: MINIMAL.len(),
                max: 100
            }
        );
        assert_eq!(err.reason(), "too_large");
    }

    #[test]
    fn empty_and_binary_input_are_not_e_mails() {
        assert_eq!(parse(b"  \r\n").unwrap_err(), MailError::Empty);
        assert_eq!(
            parse(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").unwrap_err(),
            MailError::NotAnEmail
        );
        assert_eq!(
            parse(b"Hello there, this is prose.").unwrap_err(),
            MailError::NotAnEmail
        );
    }

    #[test]
    fn message_without_any_time_is_rejected_only_when_its_arrival_is_unknown() {
        let raw = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
        assert_eq!(parse(raw.as_bytes()).unwrap_err(), MailError::MissingDate);
        let arrived: DateTime<Utc> = "2026-11-03T09:14:00Z".parse().unwrap();
        let mail = parse_with(raw.as_bytes(), &ParseOptions::arrived_at(arrived)).unwrap();
        assert_eq!(mail.sent_at, arrived);
        assert_eq!(mail.date_source, DateSource::Arrival);
    }

    #[test]
    fn a_broken_or_far_off_date_header_gives_way_to_the_arrival() {
        let arrived: DateTime<Utc> = "2026-11-03T09:14:00Z".parse().unwrap();
        let options = ParseOptions::arrived_at(arrived);
        for date in [
            "yesterday at noon",
            "Tue, 32 Nov 2026 25:61:00 +0100",
            "Thu, 01 Jan 1970 00:00:00 +0000",
            "Fri, 03 Nov 2028 10:12:00 +0100",
        ] {
            let raw = format!("From: a@example.com\r\nDate: {date}\r\n\r\nbody\r\n");
            let mail = parse_with(raw.as_bytes(), &options).unwrap();
            assert_eq!(
                (mail.sent_at, mail.date_source),
                (arrived, DateSource::Arrival),
                "{date}"
            );
        }
        // A plausible Date (the mail waited an hour in the sender's queue) is kept.
        let raw = "From: a@example.com\r\nDate: Tue, 03 Nov 2026 09:12:00 +0100\r\n\r\nbody\r\n";
        let mail = parse_with(raw.as_bytes(), &options).unwrap();
        assert_eq!(mail.sent_at.to_rfc3339(), "2026-11-03T08:12:00+00:00");
        assert_eq!(mail.date_source, DateSource::DateHeader);
    }

    #[test]
    fn message_without_body_or_attachment_reaches_the_inbox_with_its_subject() {
        let raw = "From: a@example.com\r\nSubject: Order 1042?\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\n\r\n \r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert_eq!(mail.subject, "Order 1042?");
        assert!(mail.text.trim().is_empty());
    }

    #[test]
    fn sender_falls_back_from_a_broken_from_to_sender_reply_to_and_return_path() {
        let date = "Date: Tue, 03 Nov 2026 10:12:00 +0100\r\n";
        let cases = [
            ("From: ada@example.com <\r\n", "ada@example.com"),
            (
                "From: undisclosed\r\nSender: desk@example.org\r\n",
                "desk@example.org",
            ),
            ("Reply-To: <bob@example.net>\r\n", "bob@example.net"),
            (
                "Return-Path: <bounce@lists.example.com>\r\n",
                "bounce@lists.example.com",
            ),
        ];
        for (headers, address) in cases {
            let raw = format!("{headers}{date}Subject: x\r\n\r\nbody\r\n");
            assert_eq!(
                parse(raw.as_bytes()).unwrap().from.address,
                address,
                "{headers}"
            );
        }
        let raw = format!("From: undisclosed-recipients:;\r\nReturn-Path: <>\r\n{date}\r\nx\r\n");
        assert_eq!(parse(raw.as_bytes()).unwrap_err(), MailError::MissingFrom);
    }

    #[test]
    fn a_forward_as_attachment_shows_the_forwarded_text() {
        let raw = "From: a@example.com\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@example.org\r\nSubject: inner\r\n\r\nThe parcel never came.\r\n--b--\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        assert!(
            mail.text.contains("The parcel never came."),
            "{}",
            mail.text
        );
    }

    #[test]
    fn external_refs_carry_threading_ids_and_relay_alias() {
        let raw = "From: \"Mario R. - Amazon Marketplace\" <Q7x@marketplace.amazon.it>\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\nMessage-ID: <m2@amazon.it>\r\nIn-Reply-To: <r1@shop.example>\r\nReferences: <r0@shop.example> <r1@shop.example>\r\n\r\nGrazie mille per la risposta veloce, aspetto il pacco.\r\n";
        let mail = parse(raw.as_bytes()).unwrap();
        let refs = mail.external_refs();
        assert_eq!(refs.in_reply_to.as_deref(), Some("r1@shop.example"));
        assert_eq!(refs.references, ["r0@shop.example", "r1@shop.example"]);
        assert_eq!(
            refs.conversation.as_deref(),
            Some("q7x@marketplace.amazon.it")
        );
        let relay = mail.amazon.unwrap();
        assert_eq!(relay.buyer_name.as_deref(), Some("Mario R."));
        assert_eq!(relay.marketplace.id, "APJ6JRA9NG5V4");
    }

    fn kind_of(headers: &str, body: &str) -> MailKind {
        let raw = format!("{headers}\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\n\r\n{body}\r\n");
        classify(&parse(raw.as_bytes()).unwrap())
    }

    #[test]
    fn buyer_subject_that_sounds_like_a_bounce_is_still_a_buyer_message() {
        let kind = kind_of(
            "From: x@marketplace.amazon.de\r\nSubject: Delivery failed?",
            "Der Paketbote sagt, die Zustellung ist fehlgeschlagen.",
        );
        assert_eq!(kind.name(), "buyer_message");
    }

    #[test]
    fn relay_mail_marked_auto_generated_is_not_taken_for_an_auto_reply() {
        let kind = kind_of(
            "From: x@marketplace.amazon.it\r\nAuto-Submitted: auto-generated\r\nSubject: Domanda",
            "Il prodotto è compatibile con il modello precedente?",
        );
        assert_eq!(kind.name(), "buyer_message");
        let kind = kind_of(
            "From: shopper@example.com\r\nAuto-Submitted: auto-generated\r\nSubject: Hi",
            "Automated notice.",
        );
        assert_eq!(kind.name(), "auto_reply");
    }

    #[test]
    fn look_alike_amazon_domain_gets_no_notice_treatment() {
        let kind = kind_of(
            "From: atoz-guarantee-no-reply@amazon.it.example.com\r\nSubject: A-to-z claim 405-1234567-1234567",
            "Pay the claim at this link.",
        );
        assert_eq!(kind.name(), "store_message");
    }

    #[test]
    fn mailer_daemon_delay_warning_is_not_a_failed_delivery() {
        let kind = kind_of(
            "From: Mail Delivery Subsystem <mailer-daemon@example.net>\r\nSubject: Delivery Status Notification (Delay)",
            "Delivery to x@example.org is delayed. Status 4.4.1. We will keep trying.",
        );
        assert_eq!(kind.name(), "auto_reply");
        let kind = kind_of(
            "From: Mail Delivery Subsystem <mailer-daemon@example.net>\r\nSubject: Returned",
            "Delivery to x@example.org failed permanently: 5.1.1 no such user.",
        );
        let MailKind::DeliveryFailed(failure) = kind else {
            panic!("{kind:?}")
        };
        assert_eq!(failure.failed_recipient.as_deref(), Some("x@example.org"));
        assert_eq!(failure.status.as_deref(), Some("5.1.1"));
    }

    #[test]
    fn short_relay_text_falls_back_to_marketplace_language() {
        let raw =
            "From: x@marketplace.amazon.de\r\nDate: Tue, 03 Nov 2026 10:12:00 +0100\r\n\r\nOK\r\n";
        assert_eq!(
            parse(raw.as_bytes()).unwrap().language.as_deref(),
            Some("de")
        );
    }
}
