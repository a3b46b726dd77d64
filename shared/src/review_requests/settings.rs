//! A tenant's review-request settings and the checks a change must pass.

use serde::{Deserialize, Serialize};

use super::{WINDOW_END_DAYS, WINDOW_START_DAYS};

/// Which facts keep an order from getting a request; each rule can be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SkipRules {
    /// Skip an order with an open or pending ticket.
    pub open_ticket: bool,
    /// Skip an order with an A-to-z claim or chargeback.
    pub claim: bool,
    /// Skip an order with a return or refund.
    pub return_or_refund: bool,
    /// Skip an order whose buyer left negative or neutral feedback.
    pub negative_feedback: bool,
}

impl Default for SkipRules {
    fn default() -> Self {
        Self {
            open_ticket: true,
            claim: true,
            return_or_refund: true,
            negative_feedback: true,
        }
    }
}

/// A tenant's "Request a Review" settings. Off until the tenant opts in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewRequestSettings {
    /// The tenant's opt-in.
    pub enabled: bool,
    /// Amazon marketplace ids to request reviews in; empty means every marketplace.
    #[serde(default)]
    pub marketplaces: Vec<String>,
    /// The day after delivery the request is sent, within Amazon's window (5–30).
    pub days_after_delivery: u32,
    #[serde(default)]
    pub skip: SkipRules,
}

impl Default for ReviewRequestSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            marketplaces: Vec::new(),
            days_after_delivery: 7,
            skip: SkipRules::default(),
        }
    }
}

/// A setting that breaks a rule; `field` is the JSON path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: String,
    pub reason: String,
}

impl ReviewRequestSettings {
    /// At most this many marketplaces (Amazon has fewer).
    pub const MAX_MARKETPLACES: usize = 50;

    /// Checks every field; `is_marketplace` says whether an id is a known Amazon marketplace.
    pub fn validate(&self, is_marketplace: impl Fn(&str) -> bool) -> Result<(), SettingsError> {
        let error = |field: String, reason: String| Err(SettingsError { field, reason });
        if !(WINDOW_START_DAYS..=WINDOW_END_DAYS).contains(&self.days_after_delivery) {
            return error(
                "days_after_delivery".into(),
                format!(
                    "must be {WINDOW_START_DAYS}–{WINDOW_END_DAYS} (Amazon's window), not {}",
                    self.days_after_delivery
                ),
            );
        }
        if self.marketplaces.len() > Self::MAX_MARKETPLACES {
            return error(
                "marketplaces".into(),
                format!("at most {} marketplaces", Self::MAX_MARKETPLACES),
            );
        }
        for (i, id) in self.marketplaces.iter().enumerate() {
            if !is_marketplace(id) {
                return error(
                    format!("marketplaces[{i}]"),
                    format!("'{id}' is not an Amazon marketplace id"),
                );
            }
            if self.marketplaces[..i].contains(id) {
                return error(format!("marketplaces[{i}]"), format!("'{id}' is repeated"));
            }
        }
        Ok(())
    }

    /// Whether orders of `marketplace` are covered.
    pub fn covers_marketplace(&self, marketplace: &str) -> bool {
        self.marketplaces.is_empty() || self.marketplaces.iter().any(|m| m == marketplace)
    }
}
