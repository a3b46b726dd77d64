//! Customers and the identities that link them across channels.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CustomerId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// Amazon's anonymised relay address (stable per buyer and seller).
    AmazonRelay,
    EbayUser,
    Email,
    Phone,
    ShopifyCustomer,
}

impl IdentityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::AmazonRelay => "amazon_relay",
            IdentityKind::EbayUser => "ebay_user",
            IdentityKind::Email => "email",
            IdentityKind::Phone => "phone",
            IdentityKind::ShopifyCustomer => "shopify_customer",
        }
    }
}

/// One way to recognise a customer. Values are normalised so that the same person written
/// two ways is one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
}

impl Identity {
    /// Normalises `value`: e-mail-like kinds and user names lower-cased and trimmed, phone
    /// numbers reduced to `+` and digits.
    pub fn new(kind: IdentityKind, value: &str) -> Self {
        let value = match kind {
            IdentityKind::Phone => {
                let trimmed = value.trim();
                let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
                if trimmed.starts_with('+') {
                    format!("+{digits}")
                } else {
                    digits
                }
            }
            IdentityKind::ShopifyCustomer => value.trim().to_string(),
            _ => value.trim().to_lowercase(),
        };
        Identity { kind, value }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub identities: Vec<Identity>,
    /// Customers merged into this one, recorded rather than guessed silently.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<CustomerId>,
    /// Lifetime spend in minor units of the tenant's currency, for value-based SLA policies.
    #[serde(default)]
    pub lifetime_value_minor: i64,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_normalise_case_and_phone_punctuation() {
        assert_eq!(
            Identity::new(IdentityKind::Email, " Mario.Rossi@Example.IT ").value,
            "mario.rossi@example.it"
        );
        assert_eq!(
            Identity::new(IdentityKind::Phone, "+39 02-1234 567").value,
            "+39021234567"
        );
        assert_eq!(
            Identity::new(IdentityKind::AmazonRelay, "ABC123@marketplace.amazon.it"),
            Identity::new(IdentityKind::AmazonRelay, "abc123@marketplace.amazon.it")
        );
    }
}
