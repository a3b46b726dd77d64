//! Feedback as the eBay feed gives it (Amazon's is [`crate::feedback`], claims [`crate::claims`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FeedbackId, OrderRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackRating {
    Positive,
    Neutral,
    Negative,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: FeedbackId,
    pub order: OrderRef,
    pub rating: FeedbackRating,
    pub comment: String,
    pub left_at: DateTime<Utc>,
}

impl Feedback {
    /// Negative and neutral feedback become tickets; positive does not.
    pub fn needs_attention(&self) -> bool {
        self.rating != FeedbackRating::Positive
    }
}
