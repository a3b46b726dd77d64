//! Reply templates with placeholders filled from the ticket, its order, shipment and live
//! tracking (DESIGN §1 "templates with placeholders filled from the order"). Pure: the caller
//! loads the order and asks the carrier; rendering takes them, and the time zone, as inputs.
//!
//! Placeholders are written `[ORDER_ID]` (see [`Placeholder`]). A template has variants per
//! language and optionally per channel; [`Template::variant`] picks the closest one. A value
//! that cannot be derived (no shipment yet, unknown live status) and is not given by the agent
//! stays in the body as `[NAME]`: the compliance checker reports it as
//! `template.unfilled_placeholder` and blocks sending, and [`Rendered::missing`] lists it so a
//! frontend can ask the agent for it.

pub(crate) mod format;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::LazyLock;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::compliance::{self, CheckRequest, Verdict};
use crate::connectors::carriers::Carrier;
use crate::domain::{Channel, Customer, Intent, Order, Shipment, ShipmentStatus, Ticket};

/// Language used when a template has no variant in the requested one.
pub const FALLBACK_LANGUAGE: &str = "en";
/// Longest value an agent may give for one placeholder, in chars.
pub const MAX_VALUE_CHARS: usize = 2_000;
const MAX_ID_CHARS: usize = 64;

/// Why a template or a value is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template id '{0}' must be 1 to 64 lowercase letters, digits, '_' or '-'")]
    InvalidId(String),
    #[error("template {template}: no variants")]
    NoVariants { template: String },
    #[error("template {template}: variant {index}: language '{language}' is not a language tag")]
    InvalidLanguage {
        template: String,
        index: usize,
        language: String,
    },
    #[error("template {template}: variant {index}: empty body")]
    EmptyBody { template: String, index: usize },
    #[error("template {template}: variant {index}: unknown placeholder [{name}]")]
    UnknownPlaceholder {
        template: String,
        index: usize,
        name: String,
    },
    #[error("template {template}: two variants for channel {channel} and language {language}")]
    DuplicateVariant {
        template: String,
        channel: String,
        language: String,
    },
    #[error(
        "template {template}: no variant for {channel} in '{language}' or '{FALLBACK_LANGUAGE}'"
    )]
    NoVariant {
        template: String,
        channel: Channel,
        language: String,
    },
    /// The value itself is not echoed: it may hold buyer data.
    #[error("value for [{placeholder}]: {reason}")]
    InvalidValue {
        placeholder: Placeholder,
        reason: &'static str,
    },
}

/// A template's id (`wismo_live`), stable across edits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TemplateId(String);

impl TemplateId {
    pub fn parse(value: impl Into<String>) -> Result<Self, TemplateError> {
        let value = value.into();
        let valid = !value.is_empty()
            && value.chars().count() <= MAX_ID_CHARS
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if valid {
            Ok(TemplateId(value))
        } else {
            Err(TemplateError::InvalidId(value))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TemplateId {
    type Error = TemplateError;
    fn try_from(value: String) -> Result<Self, TemplateError> {
        Self::parse(value)
    }
}

impl From<TemplateId> for String {
    fn from(id: TemplateId) -> String {
        id.0
    }
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a template may contain. Serialized as its token without brackets (`ORDER_ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Placeholder {
    /// The marketplace order number.
    OrderId,
    /// The purchase date, in the buyer's language.
    OrderDate,
    /// The buyer's name from the order, else the customer's display name.
    BuyerName,
    /// The seller's name as the buyer knows it (the tenant's store name).
    SellerName,
    /// The item titles of the order.
    ProductName,
    /// Units in the order.
    Quantity,
    /// The order total, unless the agent gives the amount (a partial refund).
    Amount,
    /// The carrier's name.
    Carrier,
    /// The tracking number.
    Tracking,
    /// The carrier's public tracking page.
    TrackingUrl,
    /// The live shipment state as a phrase (`in transit`).
    ShipmentStatus,
    /// The delivery date if delivered, else the carrier's estimate.
    DeliveryDate,
    /// When the carrier last scanned the parcel (date and time).
    LastUpdate,
    /// Where the carrier last scanned the parcel.
    LastLocation,
}

impl Placeholder {
    pub const ALL: [Placeholder; 14] = [
        Placeholder::OrderId,
        Placeholder::OrderDate,
        Placeholder::BuyerName,
        Placeholder::SellerName,
        Placeholder::ProductName,
        Placeholder::Quantity,
        Placeholder::Amount,
        Placeholder::Carrier,
        Placeholder::Tracking,
        Placeholder::TrackingUrl,
        Placeholder::ShipmentStatus,
        Placeholder::DeliveryDate,
        Placeholder::LastUpdate,
        Placeholder::LastLocation,
    ];

    /// The token between the brackets.
    pub fn token(self) -> &'static str {
        match self {
            Placeholder::OrderId => "ORDER_ID",
            Placeholder::OrderDate => "ORDER_DATE",
            Placeholder::BuyerName => "BUYER_NAME",
            Placeholder::SellerName => "SELLER_NAME",
            Placeholder::ProductName => "PRODUCT_NAME",
            Placeholder::Quantity => "QUANTITY",
            Placeholder::Amount => "AMOUNT",
            Placeholder::Carrier => "CARRIER",
            Placeholder::Tracking => "TRACKING",
            Placeholder::TrackingUrl => "TRACKING_URL",
            Placeholder::ShipmentStatus => "SHIPMENT_STATUS",
            Placeholder::DeliveryDate => "DELIVERY_DATE",
            Placeholder::LastUpdate => "LAST_UPDATE",
            Placeholder::LastLocation => "LAST_LOCATION",
        }
    }

    pub fn from_token(token: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.token() == token)
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.token())
    }
}

/// One wording of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The channel this wording is for; `None` for every channel without its own variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// ISO 639-1 language code (`en`, `it`).
    pub language: String,
    pub body: String,
}

/// A reply template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: TemplateId,
    /// What agents see in the picker.
    pub name: String,
    /// The buyer intent it answers, for automatic drafts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
    pub variants: Vec<Variant>,
}

/// Everything a template can be filled from. Fields left `None` leave their placeholders
/// unfilled.
#[derive(Debug, Clone)]
pub struct RenderContext<'a> {
    /// Where the reply goes; picks the variant.
    pub channel: Channel,
    /// The buyer's time zone, for dates.
    pub time_zone: Tz,
    pub ticket: Option<&'a Ticket>,
    pub order: Option<&'a Order>,
    /// The live shipment from the carrier; without it, the order's most recent shipment.
    pub live_shipment: Option<&'a Shipment>,
    pub customer: Option<&'a Customer>,
    pub seller_name: Option<&'a str>,
    /// Values the agent typed; they win over derived ones.
    pub values: BTreeMap<Placeholder, String>,
}

impl<'a> RenderContext<'a> {
    pub fn new(channel: Channel, time_zone: Tz) -> Self {
        RenderContext {
            channel,
            time_zone,
            ticket: None,
            order: None,
            live_shipment: None,
            customer: None,
            seller_name: None,
            values: BTreeMap::new(),
        }
    }

    /// A context for replying on `ticket`: its channel, the ticket itself, and its order.
    pub fn for_ticket(ticket: &'a Ticket, order: Option<&'a Order>, time_zone: Tz) -> Self {
        RenderContext {
            ticket: Some(ticket),
            order,
            ..RenderContext::new(ticket.channel, time_zone)
        }
    }

    fn shipment(&self) -> Option<&'a Shipment> {
        self.live_shipment
            .or_else(|| self.order.and_then(|o| o.shipments.last()))
    }

    /// The value of one placeholder in `language`, derived from the context (agent values
    /// aside); `None` when the context does not know it.
    pub fn derived(&self, placeholder: Placeholder, language: &str) -> Option<String> {
        let tz = self.time_zone;
        let shipment = self.shipment();
        let newest_event = shipment.and_then(|s| s.events.iter().max_by_key(|e| e.at));
        let value = match placeholder {
            Placeholder::OrderId => self
                .order
                .map(|o| o.id.to_string())
                .or_else(|| self.ticket?.order.as_ref().map(|r| r.order.to_string())),
            Placeholder::OrderDate => self
                .order
                .map(|o| format::date(o.purchased_at, tz, language)),
            Placeholder::BuyerName => self
                .order
                .and_then(|o| o.buyer_name.clone())
                .or_else(|| self.customer?.display_name.clone()),
            Placeholder::SellerName => self.seller_name.map(str::to_owned),
            Placeholder::ProductName => {
                let titles: BTreeSet<&str> = self
                    .order?
                    .items
                    .iter()
                    .map(|i| i.title.trim())
                    .filter(|t| !t.is_empty())
                    .collect();
                (!titles.is_empty()).then(|| titles.into_iter().collect::<Vec<_>>().join(", "))
            }
            Placeholder::Quantity => {
                let units: u32 = self.order?.items.iter().map(|i| i.quantity).sum();
                (units > 0).then(|| units.to_string())
            }
            Placeholder::Amount => self
                .order
                .and_then(|o| o.total.as_ref())
                .map(|m| format::money(m, language)),
            Placeholder::Carrier => shipment.map(|s| format::carrier(&s.carrier)),
            Placeholder::Tracking => shipment.map(|s| s.tracking_number.clone()),
            Placeholder::TrackingUrl => shipment.and_then(|s| {
                s.tracking_url
                    .clone()
                    .or_else(|| Carrier::from_name(&s.carrier)?.tracking_url(&s.tracking_number))
            }),
            Placeholder::ShipmentStatus => shipment
                .and_then(|s| format::shipment_status(s.status, language))
                .map(str::to_owned),
            Placeholder::DeliveryDate => shipment.and_then(|s| {
                let delivered = s
                    .events
                    .iter()
                    .filter(|e| e.status == ShipmentStatus::Delivered)
                    .map(|e| e.at)
                    .max();
                match s.status {
                    ShipmentStatus::Delivered => delivered.or(s.estimated_delivery),
                    _ => s.estimated_delivery,
                }
                .map(|at| format::date(at, tz, language))
            }),
            Placeholder::LastUpdate => newest_event.map(|e| format::date_time(e.at, tz, language)),
            Placeholder::LastLocation => newest_event.and_then(|e| e.location.clone()),
        };
        value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }
}

/// A template filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub template: TemplateId,
    pub channel: Channel,
    /// The language of the variant used.
    pub language: String,
    /// True if no variant was in the requested language and the fallback was used.
    pub fell_back: bool,
    pub body: String,
    /// Placeholders left in `body`, in order of first appearance.
    pub missing: Vec<Placeholder>,
}

impl Rendered {
    /// The compliance verdict for this text on its channel; unfilled placeholders block it
    /// (`template.unfilled_placeholder`).
    pub fn check(&self, marketplace: Option<&str>) -> Verdict {
        compliance::check(&CheckRequest {
            channel: self.channel,
            marketplace: marketplace.map(str::to_owned),
            language: Some(self.language.clone()),
            body: self.body.clone(),
        })
    }
}

/// `[TOKEN]` occurrences in `body`: (byte start, byte end, token).
fn tokens(body: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    body.match_indices('[').filter_map(move |(start, _)| {
        let rest = &body[start + 1..];
        let close = rest.find(']')?;
        let token = &rest[..close];
        let looks_like = !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && token.starts_with(|c: char| c.is_ascii_uppercase());
        looks_like.then_some((start, start + close + 2, token))
    })
}

fn primary_language(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn is_language(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_lowercase())
}

impl Template {
    /// Checks the template's shape: an id, variants with a language and a body, only known
    /// placeholders, one variant per channel and language.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let template = self.id.to_string();
        if self.variants.is_empty() {
            return Err(TemplateError::NoVariants { template });
        }
        let mut seen = BTreeSet::new();
        for (index, v) in self.variants.iter().enumerate() {
            if !is_language(&v.language) {
                return Err(TemplateError::InvalidLanguage {
                    template,
                    index,
                    language: v.language.clone(),
                });
            }
            if v.body.trim().is_empty() {
                return Err(TemplateError::EmptyBody { template, index });
            }
            if let Some((_, _, name)) =
                tokens(&v.body).find(|(_, _, t)| Placeholder::from_token(t).is_none())
            {
                return Err(TemplateError::UnknownPlaceholder {
                    template,
                    index,
                    name: name.to_owned(),
                });
            }
            if !seen.insert((v.channel, v.language.as_str())) {
                return Err(TemplateError::DuplicateVariant {
                    template,
                    channel: v.channel.map_or("any".into(), |c| c.to_string()),
                    language: v.language.clone(),
                });
            }
        }
        Ok(())
    }

    /// The closest variant: this channel in this language, any channel in this language, then
    /// the same two in [`FALLBACK_LANGUAGE`]. `language` may be a tag (`it-IT`).
    pub fn variant(&self, channel: Channel, language: &str) -> Option<&Variant> {
        let language = primary_language(language);
        let find = |c: Option<Channel>, l: &str| {
            self.variants
                .iter()
                .find(|v| v.channel == c && v.language == l)
        };
        find(Some(channel), &language)
            .or_else(|| find(None, &language))
            .or_else(|| find(Some(channel), FALLBACK_LANGUAGE))
            .or_else(|| find(None, FALLBACK_LANGUAGE))
    }

    /// Fills the closest variant from `ctx`. Unknown values stay as `[TOKEN]` and are listed
    /// in [`Rendered::missing`]; an agent value that is blank, too long or multi-line (for
    /// anything but free text) is refused.
    pub fn render(
        &self,
        language: &str,
        ctx: &RenderContext<'_>,
    ) -> Result<Rendered, TemplateError> {
        let variant =
            self.variant(ctx.channel, language)
                .ok_or_else(|| TemplateError::NoVariant {
                    template: self.id.to_string(),
                    channel: ctx.channel,
                    language: language.to_owned(),
                })?;
        for (&placeholder, value) in &ctx.values {
            validate_value(placeholder, value)?;
        }
        let lang = variant.language.as_str();
        let mut body = String::with_capacity(variant.body.len() + 64);
        let mut missing = Vec::new();
        let mut last = 0;
        for (start, end, token) in tokens(&variant.body) {
            // validate() rejects unknown tokens; an unvalidated template keeps them verbatim.
            let Some(placeholder) = Placeholder::from_token(token) else {
                continue;
            };
            body.push_str(&variant.body[last..start]);
            let value = ctx
                .values
                .get(&placeholder)
                .map(|v| v.trim().to_owned())
                .or_else(|| ctx.derived(placeholder, lang));
            match value {
                Some(v) => body.push_str(&v),
                None => {
                    body.push_str(&variant.body[start..end]);
                    if !missing.contains(&placeholder) {
                        missing.push(placeholder);
                    }
                }
            }
            last = end;
        }
        body.push_str(&variant.body[last..]);
        Ok(Rendered {
            template: self.id.clone(),
            channel: ctx.channel,
            language: variant.language.clone(),
            fell_back: variant.language != primary_language(language),
            body,
            missing,
        })
    }
}

fn validate_value(placeholder: Placeholder, value: &str) -> Result<(), TemplateError> {
    let invalid = |reason| TemplateError::InvalidValue {
        placeholder,
        reason,
    };
    if value.trim().is_empty() {
        return Err(invalid("must not be blank"));
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(invalid("is longer than 2000 chars"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("must not contain control characters"));
    }
    // Only product names may span lines (a list of items); elsewhere a newline is a paste error.
    if placeholder != Placeholder::ProductName && value.contains('\n') {
        return Err(invalid("must be a single line"));
    }
    Ok(())
}

static STARTER: LazyLock<Vec<Template>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("starter.json")).expect("starter.json is a template list")
});

/// The compliant starter set shipped with every tenant: shipped, delay, return authorised,
/// refund processed, damaged item, product question and WISMO with live status, in English,
/// Italian, German, French and Spanish.
pub fn starter_set() -> &'static [Template] {
    &STARTER
}

/// A starter template by id.
pub fn starter(id: &str) -> Option<&'static Template> {
    starter_set().iter().find(|t| t.id.as_str() == id)
}

#[cfg(test)]
mod tests;
