//! The one error type of the SLA module.

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum SlaError {
    /// A policy that deserialized but breaks a rule; `field` is its JSON path
    /// (`clock.periods[1].end`), so an API can point at it.
    #[error("SLA policy '{policy}': {field}: {reason}")]
    InvalidPolicy {
        policy: String,
        field: String,
        reason: String,
    },

    #[error("SLA policy JSON: {0}")]
    PolicyJson(#[from] serde_json::Error),

    #[error("holiday calendar: {0}")]
    Ics(String),

    /// A business clock whose periods and holidays leave no working time for years: its
    /// deadline does not exist.
    #[error("business clock has no working time within {days} days after {from}")]
    NoWorkingTime { from: DateTime<Utc>, days: u32 },

    #[error(
        "an event at {event_at} other than a pause or resume is later than the previewed message at {message_at}"
    )]
    EventAfterPreviewedMessage {
        event_at: DateTime<Utc>,
        message_at: DateTime<Utc>,
    },
}

impl SlaError {
    pub(crate) fn invalid(
        policy: &str,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        SlaError::InvalidPolicy {
            policy: policy.to_string(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}
