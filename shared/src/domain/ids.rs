//! Typed identifiers. Every id that becomes part of a DynamoDB key is validated here, so a key
//! built from it can never contain the `#` separator and reach into another tenant's space.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ulid::Ulid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{kind} must not be empty")]
    Empty { kind: &'static str },
    #[error("{kind} is longer than {max} characters")]
    TooLong { kind: &'static str, max: usize },
    #[error("{kind} must not contain '#', whitespace or control characters")]
    ForbiddenCharacter { kind: &'static str },
}

/// Longest id we accept; DynamoDB keys allow 2048 bytes, ids are a part of them.
pub const MAX_ID_LEN: usize = 200;

fn validate(kind: &'static str, value: &str) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::Empty { kind });
    }
    if value.chars().count() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            kind,
            max: MAX_ID_LEN,
        });
    }
    if value
        .chars()
        .any(|c| c == '#' || c.is_whitespace() || c.is_control())
    {
        return Err(IdError::ForbiddenCharacter { kind });
    }
    Ok(())
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Accepts `value` if it is a valid id.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                validate($kind, &value)?;
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
    };
}

macro_rules! generated_id {
    ($name:ident, $prefix:literal) => {
        impl $name {
            /// A new, time-sortable id (ULID) for an entity created at `at`; only the random
            /// part comes from outside, the time is the caller's.
            pub fn generate(at: DateTime<Utc>) -> Self {
                let ulid = Ulid::from_datetime(std::time::SystemTime::from(at));
                Self(format!(concat!($prefix, "{}"), ulid))
            }
        }
    };
}

typed_id!(
    /// A seller organisation; the first part of every key.
    TenantId,
    "tenant id"
);
typed_id!(
    /// A connected marketplace or e-mail account of a tenant.
    AccountId,
    "account id"
);
typed_id!(TicketId, "ticket id");
typed_id!(MessageId, "message id");
typed_id!(EventId, "event id");
typed_id!(NoteId, "note id");
typed_id!(CustomerId, "customer id");
typed_id!(
    /// An agent (a user of the tenant) as the JWT `sub` names it.
    AgentId,
    "agent id"
);
typed_id!(
    /// A marketplace order number as the channel writes it (e.g. `305-1234567-1234567`).
    OrderId,
    "order id"
);
typed_id!(ClaimId, "claim id");
typed_id!(
    /// An SP-API selling partner id (e.g. `A3TH9S8BH6GOGM`): what ORDER_CHANGE notifications
    /// name instead of a tenant.
    SellerId,
    "seller id"
);
typed_id!(FeedbackId, "feedback id");
typed_id!(
    /// A tenant's automation rule.
    RuleId,
    "rule id"
);

generated_id!(TicketId, "tkt_");
generated_id!(MessageId, "msg_");
generated_id!(EventId, "evt_");
generated_id!(NoteId, "note_");
generated_id!(CustomerId, "cus_");
generated_id!(AccountId, "acct_");
generated_id!(RuleId, "rule_");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_the_key_separator_and_whitespace() {
        assert_eq!(
            TenantId::parse("acme#TKT#1"),
            Err(IdError::ForbiddenCharacter { kind: "tenant id" })
        );
        assert!(TenantId::parse("a b").is_err());
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse("x".repeat(MAX_ID_LEN + 1)).is_err());
        assert!(TenantId::parse("acme-gmbh").is_ok());
    }

    #[test]
    fn invalid_ids_do_not_deserialize() {
        let err = serde_json::from_str::<TicketId>("\"a#b\"").unwrap_err();
        assert!(err.to_string().contains("'#'"), "{err}");
    }

    #[test]
    fn generated_ids_sort_by_creation_time_and_are_unique() {
        let t1 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let t2 = DateTime::parse_from_rfc3339("2026-01-01T00:00:01Z")
            .unwrap()
            .to_utc();
        let a = TicketId::generate(t1);
        let b = TicketId::generate(t1);
        let c = TicketId::generate(t2);
        assert_ne!(a, b);
        assert!(a < c && b < c);
        assert!(a.as_str().starts_with("tkt_"));
        TicketId::parse(a.as_str()).unwrap();
    }
}
