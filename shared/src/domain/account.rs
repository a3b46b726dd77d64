//! Tenants and the channel accounts they connect.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountId, Channel, Marketplace, SellerId, TenantId};

/// A seller organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    /// IANA time zone used for reports and business calendars (e.g. `Europe/Rome`).
    pub time_zone: chrono_tz::Tz,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

/// Where an account's credentials live: a Secrets Manager secret name or ARN. The secret itself
/// never enters the domain, the table or a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretRef(pub String);

/// The seller's name and signature on replies, set once per channel account so no agent types
/// them per reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplyIdentity {
    /// The store name buyers know (`[SELLER_NAME]`).
    pub seller_name: String,
    /// Lines added under the name (a team name, say); checked with the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A connected marketplace seller account or mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelAccount {
    pub id: AccountId,
    pub tenant: TenantId,
    pub channel: Channel,
    pub marketplace: Marketplace,
    /// SP-API region (`na`, `eu`, `fe`) for Amazon; unused elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub display_name: String,
    pub credentials: SecretRef,
    /// Approved sender address replies go out from (Amazon relay, store mailbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_address: Option<String>,
    /// Amazon's selling partner id; SP-API notifications are routed to the account by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<SellerId>,
    /// How replies from this account are signed (ready drafts and templates); absent: the
    /// display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_identity: Option<ReplyIdentity>,
    /// Whether ingestion sends a where-is-my-order ready draft by itself
    /// (`drafts::auto_send`); honoured only where the channel accepts automatic answers
    /// (eBay), never on Amazon.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_send_wismo: bool,
    /// Minutes between two polls of the channel's APIs.
    pub poll_interval_minutes: u32,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}
