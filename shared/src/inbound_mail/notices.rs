//! Classification: buyer question, store customer, Amazon system notice, bounce or auto-reply;
//! and what notices say (order, amount, deadline, rating, failed recipient).

use std::sync::LazyLock;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use regex::{Regex, RegexSet};

use super::amazon::{self, AmazonMarketplace};
use super::{ContactForm, DeliveryReport, InboundMail};
use crate::domain::{Channel, FeedbackRating, Identity, IdentityKind, Money, OrderId};

/// What an inbound e-mail is, for routing: only `BuyerMessage` and `StoreMessage` are questions
/// from a customer; claims, chargebacks and feedback are account risks; bounces and
/// auto-replies never start or stop an SLA clock.
#[derive(Debug, Clone, PartialEq)]
pub enum MailKind {
    /// A buyer's message relayed by Amazon from their anonymised alias.
    BuyerMessage(BuyerMessage),
    /// A customer's e-mail to a store mailbox, directly or through a contact form.
    StoreMessage(StoreMessage),
    AToZClaim(ClaimNotice),
    Chargeback(ClaimNotice),
    /// A feedback notification (negative or neutral in practice; `rating` says which).
    NegativeFeedback(FeedbackNotice),
    /// One of our replies bounced (DSN, mailer-daemon, or Amazon refusing to relay it).
    DeliveryFailed(DeliveryFailure),
    /// Out-of-office and other machine replies: not a buyer question, not an agent reply.
    AutoReply(AutoReplyNotice),
    /// Other mail from Amazon itself (policy news, reports ready…): no ticket for a buyer.
    MarketplaceNotice(MarketplaceNotice),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuyerMessage {
    /// The relay alias, lower-cased: reply to it, and key the customer on it.
    pub alias: String,
    pub buyer_name: Option<String>,
    pub marketplace: &'static AmazonMarketplace,
    pub order_id: Option<OrderId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreMessage {
    /// The customer's e-mail address, lower-cased (from the form, else From).
    pub email: String,
    pub name: Option<String>,
    /// Phone number as the customer typed it (contact forms only).
    pub phone: Option<String>,
    /// The message came through the shop's contact form, not straight from the customer.
    pub via_contact_form: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNotice {
    pub order_id: Option<OrderId>,
    pub amount: Option<Money>,
    /// The seller's deadline: a written date ends at 23:59:59 in the marketplace's time zone;
    /// "within N days" counts from the notice's Date.
    pub respond_by: Option<DateTime<Utc>>,
    /// The reason the notice gives ("Item not received"), as written.
    pub reason: Option<String>,
    pub marketplace: Option<&'static AmazonMarketplace>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackNotice {
    pub order_id: Option<OrderId>,
    /// Stars, 1 to 5, as the notice gives them.
    pub stars: Option<u8>,
    /// 1–2 stars negative, 3 neutral, 4–5 positive.
    pub rating: Option<FeedbackRating>,
    pub comment: Option<String>,
    pub marketplace: Option<&'static AmazonMarketplace>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFailure {
    /// The recipient that could not be reached (a relay alias when Amazon refused our reply).
    pub failed_recipient: Option<String>,
    /// Message-ID of our message that bounced, to find the reply and mark it failed.
    pub original_message_id: Option<String>,
    /// Enhanced status code (`5.1.1`) when a DSN gives one.
    pub status: Option<String>,
    pub diagnostic: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoReplySignal {
    /// `Auto-Submitted` other than `no` (RFC 3834).
    AutoSubmitted,
    /// `X-Autoreply` / `X-Autorespond`.
    XAutoreply,
    /// `Precedence: auto_reply`.
    Precedence,
    /// Subject such as "Out of office", "Risposta automatica:".
    Subject,
    /// A delivery status notification that reports no failure (delay, relayed).
    DeliveryStatus,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReplyNotice {
    pub signal: AutoReplySignal,
    /// The relay alias when the auto-reply came from an Amazon buyer's mailbox.
    pub relay_alias: Option<String>,
    pub order_id: Option<OrderId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketplaceNotice {
    pub order_id: Option<OrderId>,
    pub marketplace: Option<&'static AmazonMarketplace>,
}

impl MailKind {
    /// A stable name for logs and metrics (no personal data).
    pub fn name(&self) -> &'static str {
        match self {
            MailKind::BuyerMessage(_) => "buyer_message",
            MailKind::StoreMessage(_) => "store_message",
            MailKind::AToZClaim(_) => "atoz_claim",
            MailKind::Chargeback(_) => "chargeback",
            MailKind::NegativeFeedback(_) => "negative_feedback",
            MailKind::DeliveryFailed(_) => "delivery_failed",
            MailKind::AutoReply(_) => "auto_reply",
            MailKind::MarketplaceNotice(_) => "marketplace_notice",
        }
    }

    /// The channel the conversation belongs to.
    pub fn channel(&self) -> Channel {
        match self {
            MailKind::StoreMessage(_) => Channel::Email,
            // A reply that bounced at a relay alias belongs to the Amazon conversation.
            MailKind::DeliveryFailed(d)
                if !d
                    .failed_recipient
                    .as_deref()
                    .is_some_and(amazon::is_relay_address) =>
            {
                Channel::Email
            }
            MailKind::AutoReply(a) if a.relay_alias.is_none() => Channel::Email,
            _ => Channel::Amazon,
        }
    }

    /// The customer identity to link the conversation to, for customer messages.
    pub fn customer_identity(&self) -> Option<Identity> {
        match self {
            MailKind::BuyerMessage(b) => Some(Identity::new(IdentityKind::AmazonRelay, &b.alias)),
            MailKind::StoreMessage(s) => Some(Identity::new(IdentityKind::Email, &s.email)),
            _ => None,
        }
    }

    /// Claims, chargebacks and non-positive feedback put the seller account at risk.
    pub fn is_account_risk(&self) -> bool {
        match self {
            MailKind::AToZClaim(_) | MailKind::Chargeback(_) => true,
            MailKind::NegativeFeedback(f) => f.rating != Some(FeedbackRating::Positive),
            _ => false,
        }
    }

    /// The order the mail is about, when it names one.
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            MailKind::BuyerMessage(b) => b.order_id.as_ref(),
            MailKind::AToZClaim(c) | MailKind::Chargeback(c) => c.order_id.as_ref(),
            MailKind::NegativeFeedback(f) => f.order_id.as_ref(),
            MailKind::AutoReply(a) => a.order_id.as_ref(),
            MailKind::MarketplaceNotice(n) => n.order_id.as_ref(),
            MailKind::StoreMessage(_) | MailKind::DeliveryFailed(_) => None,
        }
    }
}

/// Classifies a parsed mail. Order matters: a bounce is recognised before anything else (DSNs
/// carry `Auto-Submitted` too), Amazon's own senders before auto-reply headers (notices are
/// machine-written), and a relay alias only after auto-reply signals (a buyer's out-of-office
/// comes through the relay as well).
pub fn classify(mail: &InboundMail) -> MailKind {
    if let Some(failure) = delivery_failure(mail) {
        return MailKind::DeliveryFailed(failure);
    }
    if amazon::is_amazon_system_address(&mail.from.address) {
        return amazon_notice(mail);
    }
    if let Some(form) = &mail.contact_form {
        return MailKind::StoreMessage(StoreMessage {
            email: form.email.to_lowercase(),
            name: form.name.clone(),
            phone: form.phone.clone(),
            via_contact_form: true,
        });
    }
    if let Some(signal) = auto_reply_signal(mail) {
        return MailKind::AutoReply(AutoReplyNotice {
            signal,
            relay_alias: mail.amazon.as_ref().map(|r| r.alias.clone()),
            order_id: mail.order_id.clone(),
        });
    }
    if let Some(relay) = &mail.amazon {
        return MailKind::BuyerMessage(BuyerMessage {
            alias: relay.alias.clone(),
            buyer_name: relay.buyer_name.clone(),
            marketplace: relay.marketplace,
            order_id: mail.order_id.clone(),
        });
    }
    MailKind::StoreMessage(StoreMessage {
        email: mail.from.address.to_lowercase(),
        name: mail.from.name.clone(),
        phone: None,
        via_contact_form: false,
    })
}

// ---------------------------------------------------------------------------------------------
// Bounces

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:undeliverable|undelivered mail|delivery status notification \(failure\)|delivery (?:has )?failed|delivery failure|mail delivery failed|returned mail|failure notice|message not delivered|could not be delivered|non recapitabile|mancato recapito|consegna non riuscita|impossibile recapitare|messaggio non consegnato|unzustellbar|nicht zugestellt|zustellung fehlgeschlagen|non remis|non distribuable|\x{e9}chec de (?:la )?(?:remise|distribution)|n'a pas pu \x{ea}tre (?:remis|distribu\x{e9})|no se (?:pudo|puede) entregar|no entregado|error de entrega|entrega fallida)",
    )
    .expect("valid regex")
});

fn is_mailer_daemon(mail: &InboundMail) -> bool {
    let local = mail
        .from
        .address
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = mail
        .from
        .name
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    local == "mailer-daemon"
        || local == "postmaster"
        || name.contains("mail delivery subsystem")
        || name.contains("mail delivery system")
}

fn delivery_failure(mail: &InboundMail) -> Option<DeliveryFailure> {
    if let Some(report) = &mail.report {
        let failed = !report.failed_recipients.is_empty()
            || report.status.as_deref().is_some_and(|s| s.starts_with('5'));
        if failed {
            return Some(from_report(report, mail));
        }
        return None;
    }
    // Without a report, a bounce is machine mail that says so in its subject, or a
    // mailer-daemon message with a permanent (5.x.x) status; a delay warning is neither.
    let daemon = is_mailer_daemon(mail);
    let machine = daemon
        || amazon::is_amazon_system_address(&mail.from.address)
        || mail.auto.auto_submitted.is_some();
    let permanent = status_in_text(&mail.text).is_some_and(|s| s.starts_with('5'));
    if !(machine && (BOUNCE_SUBJECT.is_match(&mail.subject) || daemon && permanent)) {
        return None;
    }
    Some(DeliveryFailure {
        failed_recipient: recipient_in_text(&mail.text, &mail.from.address),
        original_message_id: message_id_in_text(&mail.text),
        status: status_in_text(&mail.text),
        diagnostic: None,
    })
}

fn from_report(report: &DeliveryReport, mail: &InboundMail) -> DeliveryFailure {
    DeliveryFailure {
        failed_recipient: report
            .failed_recipients
            .first()
            .cloned()
            .or_else(|| recipient_in_text(&mail.text, &mail.from.address)),
        original_message_id: report
            .original_message_id
            .clone()
            .or_else(|| message_id_in_text(&mail.text)),
        status: report.status.clone(),
        diagnostic: report.diagnostic.clone(),
    }
}

/// Reads the per-recipient fields of a `message/delivery-status` body into `report`.
pub(super) fn read_delivery_status(text: &str, report: &mut DeliveryReport) {
    // Per-message fields come first, then one block per recipient, separated by blank lines.
    let normalised = text.replace("\r\n", "\n");
    for block in normalised.split("\n\n") {
        let mut recipient = None;
        let mut action = None;
        let mut status = None;
        let mut diagnostic = None;
        for line in unfold(block) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "final-recipient" => recipient = Some(strip_address_type(value)),
                "original-recipient" if recipient.is_none() => {
                    recipient = Some(strip_address_type(value))
                }
                "action" => action = Some(value.to_ascii_lowercase()),
                "status" => {
                    status = Some(value.split_whitespace().next().unwrap_or(value).to_string())
                }
                "diagnostic-code" => diagnostic = Some(strip_address_type(value)),
                _ => {}
            }
        }
        let failed = action.as_deref() == Some("failed")
            || (action.is_none() && status.as_deref().is_some_and(|s| s.starts_with('5')));
        if failed && let Some(r) = recipient {
            report.failed_recipients.push(r);
        }
        if (failed || report.status.is_none()) && status.is_some() {
            report.status = status;
        }
        if (failed || report.diagnostic.is_none()) && diagnostic.is_some() {
            report.diagnostic = diagnostic;
        }
    }
}

/// Joins folded header lines (continuations start with white space).
fn unfold(block: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t'])
            && let Some(last) = lines.last_mut()
        {
            last.push(' ');
            last.push_str(line.trim());
            continue;
        }
        lines.push(line.to_string());
    }
    lines
}

/// `rfc822; a@b.c` → `a@b.c`; `smtp; 550 5.1.1 …` → `550 5.1.1 …`.
fn strip_address_type(value: &str) -> String {
    match value.split_once(';') {
        Some((kind, rest)) if !kind.contains(' ') => rest.trim().to_string(),
        _ => value.trim().to_string(),
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+").expect("valid regex")
});

/// The address a bounce text says failed: a relay alias first, else the first address that is
/// not the bounce's own sender.
fn recipient_in_text(text: &str, bounce_sender: &str) -> Option<String> {
    let addresses: Vec<&str> = EMAIL.find_iter(text).map(|m| m.as_str()).collect();
    addresses
        .iter()
        .find(|a| amazon::is_relay_address(a))
        .or_else(|| {
            addresses
                .iter()
                .find(|a| !a.eq_ignore_ascii_case(bounce_sender) && !a.contains("mailer-daemon"))
        })
        .map(|a| a.trim_end_matches('.').to_lowercase())
}

fn message_id_in_text(text: &str) -> Option<String> {
    static ID: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?im)^\s*(?:original-)?message-id\s*:\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$")
            .expect("valid regex")
    });
    ID.captures(text).map(|c| c[1].to_string())
}

fn status_in_text(text: &str) -> Option<String> {
    static STATUS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\b([45]\.\d{1,3}\.\d{1,3})\b").expect("valid regex"));
    STATUS.captures(text).map(|c| c[1].to_string())
}

// ---------------------------------------------------------------------------------------------
// Amazon system notices

static ATOZ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\ba-?to-?z\b|\ba-z[- ]guarant|garanzia (?:di amazon )?dalla a alla z|a-bis-z|garantie (?:de )?a \x{e0} z|garant\x{ed}a (?:de )?(?:la )?a a (?:la )?z",
    )
    .expect("valid regex")
});

static CHARGEBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)charge-?back|riaddebito|r\x{fc}ckbuchung|contracargo|r\x{e9}trofacturation|contestation de (?:paiement|transaction)|storno",
    )
    .expect("valid regex")
});

static FEEDBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)feedback|valutazione|bewertung|\x{e9}valuation|commentaire (?:n\x{e9}gatif|neutre)|valoraci\x{f3}n|opini\x{f3}n",
    )
    .expect("valid regex")
});

fn amazon_notice(mail: &InboundMail) -> MailKind {
    let local = mail
        .from
        .address
        .split('@')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let marketplace = amazon_tld_of(&mail.from.address).and_then(amazon::marketplace_by_tld);
    let subject = &mail.subject;
    if local.starts_with("atoz") || ATOZ.is_match(subject) {
        return MailKind::AToZClaim(claim_notice(mail, marketplace));
    }
    if local.starts_with("cb-") || local.contains("chargeback") || CHARGEBACK.is_match(subject) {
        return MailKind::Chargeback(claim_notice(mail, marketplace));
    }
    if FEEDBACK.is_match(subject) {
        let stars = stars_in_text(&mail.text);
        return MailKind::NegativeFeedback(FeedbackNotice {
            order_id: mail.order_id.clone(),
            stars,
            rating: stars.map(|s| match s {
                1 | 2 => FeedbackRating::Negative,
                3 => FeedbackRating::Neutral,
                _ => FeedbackRating::Positive,
            }),
            comment: comment_in_text(&mail.text),
            marketplace,
        });
    }
    // Some notices (return requests) put the buyer's alias in Reply-To: they are for answering.
    if let Some(relay) = &mail.amazon {
        return MailKind::BuyerMessage(BuyerMessage {
            alias: relay.alias.clone(),
            buyer_name: relay.buyer_name.clone(),
            marketplace: relay.marketplace,
            order_id: mail.order_id.clone(),
        });
    }
    MailKind::MarketplaceNotice(MarketplaceNotice {
        order_id: mail.order_id.clone(),
        marketplace,
    })
}

fn amazon_tld_of(address: &str) -> Option<&'static str> {
    address
        .rsplit_once('@')
        .and_then(|(_, d)| amazon::amazon_tld(d))
}

fn claim_notice(
    mail: &InboundMail,
    marketplace: Option<&'static AmazonMarketplace>,
) -> ClaimNotice {
    ClaimNotice {
        order_id: mail.order_id.clone(),
        amount: amount_in_text(&mail.text, marketplace),
        respond_by: deadline_in_text(&mail.text, mail.sent_at, marketplace),
        reason: reason_in_text(&mail.text),
        marketplace,
    }
}

/// The labelled reason of a claim notice (`Claim reason: Item not received`, `Motivo del
/// reclamo: …`, `Grund: …`, `Motif : …`), at most 200 characters.
fn reason_in_text(text: &str) -> Option<String> {
    static REASON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?im)^[ \t>*]*(?:claim reason|reason for (?:the )?(?:claim|chargeback)|reason|motivo(?: del reclamo| della richiesta| de la reclamaci\x{f3}n| del contracargo)?|grund(?: der r\x{fc}ckbuchung| der reklamation)?|motif(?: de la r\x{e9}clamation| du litige)?|raison)[ \t]*:[ \t]*(\S[^\r\n]*)$",
        )
        .expect("valid regex")
    });
    let reason = REASON.captures(text)?.get(1)?.as_str().trim();
    Some(reason.chars().take(200).collect())
}

fn stars_in_text(text: &str) -> Option<u8> {
    static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b(?:rating|valutazione|bewertung|note|puntuaci\x{f3}n|calificaci\x{f3}n|valoraci\x{f3}n)\s*:\s*([1-5])\b",
        )
        .expect("valid regex")
    });
    static SCALED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)\b([1-5])\s*(?:/\s*5|out of 5|su 5|von 5|sur 5|de 5|stars?\b|stell[ae]\b|sterne?n?\b|\x{e9}toiles?\b|estrellas?\b)",
        )
        .expect("valid regex")
    });
    LABELLED
        .captures(text)
        .or_else(|| SCALED.captures(text))
        .and_then(|c| c[1].parse().ok())
}

fn comment_in_text(text: &str) -> Option<String> {
    static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?im)^\s*(?:comments?|commento|kommentar|commentaire|comentarios?)\s*:\s*["“„«]?\s*(.+?)\s*["”“»]?\s*$"#,
        )
        .expect("valid regex")
    });
    COMMENT
        .captures(text)
        .map(|c| c[1].to_string())
        .filter(|c| !c.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Amounts

static AMOUNT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)amount|importo|betrag|montant|importe|total|valore|wert|valeur|valor")
        .expect("valid regex")
});

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<pre>US\$|CDN\$|C\$|MX\$|A\$|S\$|R\$|\$|€|£|¥|￥|\b(?:EUR|USD|GBP|CAD|MXN|AUD|SEK|PLN|JPY|BRL|SGD|TRY|INR)\b)?
        \s?
        (?P<num>\d{1,3}(?:[.,\x{a0}\x{202f}\x20']\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)
        (?:\s?(?P<post>€|EUR|USD|GBP|CAD|MXN|AUD|SEK|PLN|JPY|BRL|SGD|TRY|INR|kr|z\x{142}|円))?
        ",
    )
    .expect("valid regex")
});

/// The first amount in a line that names an amount, else the first amount with a currency.
pub(super) fn amount_in_text(text: &str, marketplace: Option<&AmazonMarketplace>) -> Option<Money> {
    let labelled = text
        .lines()
        .filter(|l| AMOUNT_LINE.is_match(l))
        .find_map(|l| money_in(l, marketplace));
    labelled.or_else(|| text.lines().find_map(|l| money_in(l, marketplace)))
}

fn money_in(line: &str, marketplace: Option<&AmazonMarketplace>) -> Option<Money> {
    MONEY.captures_iter(line).find_map(|c| {
        let symbol = c.name("pre").or_else(|| c.name("post"))?.as_str();
        let currency = currency_of(symbol, marketplace);
        let minor = minor_units(&c["num"], currency)?;
        Some(Money {
            minor,
            currency: currency.to_string(),
        })
    })
}

fn currency_of(symbol: &str, marketplace: Option<&AmazonMarketplace>) -> &'static str {
    match symbol {
        "€" | "EUR" => "EUR",
        "£" | "GBP" => "GBP",
        "US$" | "USD" => "USD",
        "CDN$" | "C$" | "CAD" => "CAD",
        "MX$" | "MXN" => "MXN",
        "A$" | "AUD" => "AUD",
        "S$" | "SGD" => "SGD",
        "R$" | "BRL" => "BRL",
        "kr" | "SEK" => "SEK",
        "zł" | "PLN" => "PLN",
        "¥" | "￥" | "円" | "JPY" => "JPY",
        "TRY" => "TRY",
        "INR" => "INR",
        // A bare dollar sign is the marketplace's dollar.
        _ => match marketplace.map(|m| m.currency) {
            Some(c @ ("CAD" | "MXN" | "AUD" | "SGD")) => c,
            _ => "USD",
        },
    }
}

/// "1.234,56" and "1,234.56" are both 123456 cents; yen have no minor unit.
fn minor_units(number: &str, currency: &str) -> Option<i64> {
    let cleaned: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '\'' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (int_part, frac_part) = match cleaned.rfind(['.', ',']) {
        Some(pos) if cleaned.len() - pos - 1 <= 2 => (&cleaned[..pos], &cleaned[pos + 1..]),
        _ => (cleaned.as_str(), ""),
    };
    let int: i64 = int_part.replace(['.', ','], "").parse().ok()?;
    let decimals = if currency == "JPY" { 0 } else { 2 };
    let mut frac = frac_part.to_string();
    while frac.len() < decimals {
        frac.push('0');
    }
    let frac: i64 = if decimals == 0 {
        0
    } else {
        frac[..decimals].parse().ok()?
    };
    Some(int * 10_i64.pow(decimals as u32) + frac)
}

// ---------------------------------------------------------------------------------------------
// Deadlines

static DEADLINE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)respond|reply|answer|deadline|no later than|entro|rispond|scadenza|antwort|frist|\bbis\b|avant|r\x{e9}pond|date limite|antes|respond|fecha l\x{ed}mite|plazo",
    )
    .expect("valid regex")
});

static RELATIVE_DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:within|entro|innerhalb von|binnen|sous|dans un d\x{e9}lai de|en un plazo de|dentro de)\s+(\d{1,2})\s+(?:calendar\s+|business\s+)?(?:days?|giorni|tagen|tage|jours|d\x{ed}as)",
    )
    .expect("valid regex")
});

/// The seller's response deadline a notice states.
pub(super) fn deadline_in_text(
    text: &str,
    sent_at: DateTime<Utc>,
    marketplace: Option<&AmazonMarketplace>,
) -> Option<DateTime<Utc>> {
    for line in text.lines().filter(|l| DEADLINE_LINE.is_match(l)) {
        if let Some(date) = date_in(line, marketplace) {
            return end_of_day(date, marketplace);
        }
        if let Some(c) = RELATIVE_DAYS.captures(line) {
            let days: i64 = c[1].parse().ok()?;
            return Some(sent_at + Duration::days(days));
        }
    }
    None
}

fn end_of_day(date: NaiveDate, marketplace: Option<&AmazonMarketplace>) -> Option<DateTime<Utc>> {
    let local = date.and_hms_opt(23, 59, 59)?;
    match marketplace {
        Some(m) => m
            .time_zone
            .from_local_datetime(&local)
            .earliest()
            .map(|d| d.with_timezone(&Utc)),
        None => Some(Utc.from_utc_datetime(&local)),
    }
}

const MONTHS: [&[&str]; 12] = [
    &[
        "january", "jan", "gennaio", "gen", "januar", "janvier", "janv", "enero", "ene",
    ],
    &[
        "february", "feb", "febbraio", "februar", "février", "févr", "fevrier", "febrero",
    ],
    &["march", "mar", "marzo", "märz", "maerz", "mars"],
    &["april", "apr", "aprile", "avril", "avr", "abril", "abr"],
    &["may", "maggio", "mag", "mai", "mayo"],
    &["june", "jun", "giugno", "giu", "juni", "juin", "junio"],
    &[
        "july", "jul", "luglio", "lug", "juli", "juillet", "juil", "julio",
    ],
    &["august", "aug", "agosto", "ago", "août", "aout"],
    &[
        "september",
        "sep",
        "sept",
        "settembre",
        "set",
        "septembre",
        "septiembre",
    ],
    &[
        "october", "oct", "ottobre", "ott", "oktober", "okt", "octobre", "octubre",
    ],
    &["november", "nov", "novembre", "noviembre"],
    &[
        "december",
        "dec",
        "dicembre",
        "dic",
        "dezember",
        "dez",
        "décembre",
        "déc",
        "diciembre",
    ],
];

fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.').to_lowercase();
    MONTHS
        .iter()
        .position(|names| names.contains(&word.as_str()))
        .map(|i| i as u32 + 1)
}

static DATE_PATTERNS: LazyLock<RegexSet> =
    LazyLock::new(|| RegexSet::new(DATE_SOURCES).expect("valid regexes"));
static DATE_REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    DATE_SOURCES
        .iter()
        .map(|s| Regex::new(s).expect("valid regex"))
        .collect()
});
const DATE_SOURCES: [&str; 4] = [
    // 2026-11-06
    r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b",
    // 06.11.2026, 06/11/2026 (11/06/2026 on US-style marketplaces)
    r"\b(?P<a>\d{1,2})(?P<sep>[./])(?P<b>\d{1,2})[./](?P<y>\d{4})\b",
    // November 6, 2026
    r"(?i)\b(?P<mon>[a-z\x{e0}-\x{fc}]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b",
    // 6 novembre 2026, 6. November 2026, 6 de noviembre de 2026, 1er décembre 2026
    r"(?i)\b(?P<d>\d{1,2})(?:\.|er|º)?\s+(?:de\s+)?(?P<mon>[a-z\x{e0}-\x{fc}]{3,9})\.?\s+(?:de\s+)?(?P<y>\d{4})\b",
];

fn date_in(line: &str, marketplace: Option<&AmazonMarketplace>) -> Option<NaiveDate> {
    let month_first = marketplace.is_some_and(|m| m.month_first_dates);
    // Take the date that starts earliest in the line, whatever its format.
    let mut best: Option<(usize, NaiveDate)> = None;
    for index in DATE_PATTERNS.matches(line).iter() {
        for c in DATE_REGEXES[index].captures_iter(line) {
            let start = c.get(0).map_or(0, |m| m.start());
            let y: i32 = c["y"].parse().ok()?;
            let date = match index {
                0 => NaiveDate::from_ymd_opt(y, c["m"].parse().ok()?, c["d"].parse().ok()?),
                1 => {
                    let a: u32 = c["a"].parse().ok()?;
                    let b: u32 = c["b"].parse().ok()?;
                    if month_first && &c["sep"] == "/" {
                        NaiveDate::from_ymd_opt(y, a, b)
                    } else {
                        NaiveDate::from_ymd_opt(y, b, a)
                    }
                }
                _ => month_number(&c["mon"])
                    .and_then(|m| NaiveDate::from_ymd_opt(y, m, c["d"].parse().ok()?)),
            };
            if let Some(date) = date {
                if best.is_none_or(|(s, _)| start < s) {
                    best = Some((start, date));
                }
                break;
            }
        }
    }
    best.map(|(_, d)| d)
}

// ---------------------------------------------------------------------------------------------
// Auto-replies

static AUTO_REPLY_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:auto(?:matic)?(?:[ -]?reply)?\s*:|out of (?:the )?office|risposta automatica|fuori (?:sede|ufficio)|assente|automatische antwort|abwesenheitsnotiz|abwesend|r\x{e9}ponse automatique|absence|absent du bureau|respuesta autom\x{e1}tica|fuera de la oficina|ausente|automatisch antwoord|afwezig)",
    )
    .expect("valid regex")
});

fn auto_reply_signal(mail: &InboundMail) -> Option<AutoReplySignal> {
    // The relay may pass machine-generated headers of its own; from a relay alias only an
    // explicit auto-reply counts, never a bare `auto-generated`.
    let relayed = mail.amazon.is_some();
    if let Some(value) = &mail.auto.auto_submitted
        && (value == "auto-replied" || !relayed)
    {
        return Some(AutoReplySignal::AutoSubmitted);
    }
    if mail.auto.x_autoreply {
        return Some(AutoReplySignal::XAutoreply);
    }
    // `bulk` and `junk` are what ticket systems' acknowledgements and newsletters carry
    // (RFC 3834 §3.1.8); a person writing to the shop never sets them. `list` is people.
    if let Some(precedence) = mail.auto.precedence.as_deref()
        && (precedence == "auto_reply" || (!relayed && matches!(precedence, "bulk" | "junk")))
    {
        return Some(AutoReplySignal::Precedence);
    }
    if AUTO_REPLY_SUBJECT.is_match(mail.subject.trim()) {
        return Some(AutoReplySignal::Subject);
    }
    if mail.report.is_some() || is_mailer_daemon(mail) {
        return Some(AutoReplySignal::DeliveryStatus);
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Contact forms

/// Senders whose mail is a form submission on behalf of a customer.
fn is_form_sender(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    lower.ends_with("@shopify.com")
        || lower.starts_with("mailer@")
        || lower.contains("noreply")
        || lower.contains("no-reply")
}

static FORM_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)new customer message|contact form|nuovo messaggio (?:del|da un) cliente|modulo di contatto|neue kundennachricht|kontaktformular|nouveau message (?:du|d'un) client|formulaire de contact|nuevo mensaje (?:del|de un) cliente|formulario de contacto",
    )
    .expect("valid regex")
});

/// One "Label:" line of a form; the value is on the same line or on the following ones.
static FORM_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?P<label>name|nome|nom|nombre|e-?mail|correo(?: electr\x{f3}nico)?|courriel|phone(?: number)?|telefono|telefonnummer|t\x{e9}l\x{e9}phone|tel\x{e9}fono|body|message|messaggio|nachricht|mensaje|comment|commento|country code|codice paese|l\x{e4}ndercode|code pays|c\x{f3}digo de pa\x{ed}s)\s*:\s*(?P<value>.*)$",
    )
    .expect("valid regex")
});

#[derive(Clone, Copy, PartialEq, Eq)]
enum FormField {
    Name,
    Email,
    Phone,
    Body,
    Other,
}

fn form_field(label: &str) -> FormField {
    let l = label.to_lowercase();
    if ["name", "nome", "nom", "nombre"].contains(&l.as_str()) {
        FormField::Name
    } else if l.contains("mail") || l.starts_with("correo") || l == "courriel" {
        FormField::Email
    } else if l.starts_with("phone") || l.starts_with("tel") || l.starts_with("t\u{e9}l") {
        FormField::Phone
    } else if [
        "body",
        "message",
        "messaggio",
        "nachricht",
        "mensaje",
        "comment",
        "commento",
    ]
    .contains(&l.as_str())
    {
        FormField::Body
    } else {
        FormField::Other
    }
}

/// Reads a shop contact-form notification ("New customer message on …" with Name, Email,
/// Phone and Body fields); `None` unless it has at least an e-mail address and a body.
pub(super) fn contact_form(from: &str, subject: &str, text: &str) -> Option<ContactForm> {
    if !(is_form_sender(from) || FORM_SUBJECT.is_match(subject)) {
        return None;
    }
    let mut form = ContactForm::default();
    let mut body: Vec<&str> = Vec::new();
    let mut current = FormField::Other;
    for line in text.lines() {
        if let Some(c) = FORM_LABEL.captures(line) {
            let field = form_field(&c["label"]);
            // Everything after the body label is the customer's text, labels included.
            if current != FormField::Body {
                current = field;
                let value = c.name("value").map_or("", |m| m.as_str()).trim();
                if !value.is_empty() {
                    assign(&mut form, &mut body, current, value);
                }
                continue;
            }
        }
        if current == FormField::Body {
            body.push(line);
        } else if !line.trim().is_empty() {
            assign(&mut form, &mut body, current, line.trim());
        }
    }
    let message = super::quotes::tidy(&body.join("\n"));
    let email = form.email.trim().to_string();
    if email.is_empty() || !email.contains('@') || message.is_empty() {
        return None;
    }
    Some(ContactForm {
        email,
        message,
        ..form
    })
}

fn assign<'a>(form: &mut ContactForm, body: &mut Vec<&'a str>, field: FormField, value: &'a str) {
    match field {
        FormField::Name if form.name.is_none() => form.name = Some(value.to_string()),
        FormField::Email if form.email.is_empty() => {
            form.email = EMAIL
                .find(value)
                .map(|m| m.as_str().to_string())
                .unwrap_or_default()
        }
        FormField::Phone if form.phone.is_none() => form.phone = Some(value.to_string()),
        FormField::Body => body.push(value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn it() -> Option<&'static AmazonMarketplace> {
        amazon::marketplace_by_tld("it")
    }

    #[test]
    fn amounts_read_european_and_us_notation() {
        assert_eq!(
            amount_in_text("Importo del reclamo: 1.234,56 €", it()),
            Some(Money {
                minor: 123_456,
                currency: "EUR".into()
            })
        );
        assert_eq!(
            amount_in_text("Claim amount: $1,234.50", None),
            Some(Money {
                minor: 123_450,
                currency: "USD".into()
            })
        );
        assert_eq!(
            amount_in_text("Amount: $45", amazon::marketplace_by_tld("ca")),
            Some(Money {
                minor: 4_500,
                currency: "CAD".into()
            })
        );
        assert_eq!(
            amount_in_text("Betrag: EUR 59,9", None),
            Some(Money {
                minor: 5_990,
                currency: "EUR".into()
            })
        );
        assert_eq!(
            amount_in_text("金額: ￥3,980", None),
            Some(Money {
                minor: 3_980,
                currency: "JPY".into()
            })
        );
        assert_eq!(
            amount_in_text("Order 405-1234567-1234567, 3 items", None),
            None
        );
    }

    #[test]
    fn written_deadline_ends_at_midnight_in_the_marketplace_zone() {
        let sent = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
        let got = deadline_in_text("Rispondi entro il 6 novembre 2026.", sent, it()).unwrap();
        // 23:59:59 in Rome (UTC+1 in November).
        assert_eq!(got.to_rfc3339(), "2026-11-06T22:59:59+00:00");
        let de = amazon::marketplace_by_tld("de");
        let got = deadline_in_text("Bitte antworten Sie bis 06.11.2026.", sent, de).unwrap();
        assert_eq!(got.to_rfc3339(), "2026-11-06T22:59:59+00:00");
        let us = amazon::marketplace_by_tld("com");
        let got = deadline_in_text("Please respond by 11/06/2026.", sent, us).unwrap();
        assert_eq!(got.to_rfc3339(), "2026-11-07T07:59:59+00:00");
    }

    #[test]
    fn relative_deadline_counts_from_the_notice_date() {
        let sent = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
        let got = deadline_in_text("Please respond within 3 calendar days.", sent, None).unwrap();
        assert_eq!(got, sent + Duration::days(3));
        assert_eq!(deadline_in_text("Thank you for selling.", sent, None), None);
    }

    #[test]
    fn stars_are_read_from_labels_or_scales() {
        assert_eq!(stars_in_text("Valutazione: 1 su 5"), Some(1));
        assert_eq!(stars_in_text("The buyer left 2 stars"), Some(2));
        assert_eq!(stars_in_text("Note : 3/5"), Some(3));
        assert_eq!(stars_in_text("Order 405-1234567-1234567"), None);
    }

    #[test]
    fn delivery_status_fields_name_the_failed_recipient() {
        let mut report = DeliveryReport::default();
        read_delivery_status(
            "Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@marketplace.amazon.de\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user\n unknown\n",
            &mut report,
        );
        assert_eq!(report.failed_recipients, ["x@marketplace.amazon.de"]);
        assert_eq!(report.status.as_deref(), Some("5.1.1"));
        assert_eq!(report.diagnostic.as_deref(), Some("550 5.1.1 user unknown"));
    }

    #[test]
    fn contact_form_fields_on_separate_lines_are_read() {
        let form = contact_form(
            "mailer@shopify.com",
            "New customer message on November 3, 2026 at 10:12 am",
            "You received a new message from your online store's contact form.\n\nName:\nLuca\n\nEmail:\nluca@example.org\n\nPhone:\n+39 333 000\n\nBody:\nHello,\nwhere is it?\n",
        )
        .unwrap();
        assert_eq!(form.name.as_deref(), Some("Luca"));
        assert_eq!(form.email, "luca@example.org");
        assert_eq!(form.phone.as_deref(), Some("+39 333 000"));
        assert_eq!(form.message, "Hello,\nwhere is it?");
    }

    #[test]
    fn ordinary_mail_is_not_a_contact_form() {
        assert_eq!(
            contact_form("ada@example.com", "Question", "Name: Ada\nBody: hi"),
            None
        );
    }
}
