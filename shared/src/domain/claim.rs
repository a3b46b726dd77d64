//! Claims, cases and feedback: the events that put a seller account at risk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClaimId, FeedbackId, Money, OrderRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    AmazonAToZ,
    Chargeback,
    EbayItemNotReceived,
    EbayReturn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Open,
    AwaitingSeller,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub id: ClaimId,
    pub kind: ClaimKind,
    pub order: OrderRef,
    pub status: ClaimStatus,
    pub opened_at: DateTime<Utc>,
    /// The marketplace's deadline for the seller's answer, when it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

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
